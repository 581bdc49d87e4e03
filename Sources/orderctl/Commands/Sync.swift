import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Fetch the shops' new and changed orders and apply them (for cron).",
            discussion: """
                Reads each shop's orders changed since its last sync (less an overlap of 10 minutes), \
                page by page; each page is applied with the shop's cursor in one transaction, so a \
                sync stopped at any point resumes without a gap or a repeat. New orders come in as \
                'add' makes them (stock reserved), known ones move forward through the lifecycle; \
                the same or an older version changes nothing. Conflicts and orders whose data does \
                not fit are kept for you and listed on stderr.
                One line per shop; exit 0, or 1 when a shop could not be synced.
                  orderctl sync                 # every shop
                  orderctl sync main --since 2026-11-01
                Cron: 15 6 * * * orderctl sync

                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The shops to sync (default: every shop).") var names: [String] = []
        @Option(help: "Re-read the orders changed since this day or time (\(DateResolver.help)).") var since: String?
        @Option(help: "Minutes of overlap before the last sync's newest change.") var overlap = 10
        @Flag(name: .customLong("dry-run"), help: "Fetch and check everything, change nothing.") var dryRun = false
        @Flag(name: .customLong("no-progress"), help: "No progress (it is shown only when stderr is a terminal).")
        var noProgress = false
        @OptionGroup var json: JSONOption

        func validate() throws {
            try OptionCheck.instant(since, option: "--since")
            guard overlap >= 0, overlap <= 24 * 60 else {
                throw ValidationError("--overlap: expected minutes from 0 to 1440, not \(overlap)")
            }
            for name in names {
                do { _ = try Validate.word(name, field: "shop name", examples: "main") } catch {
                    throw ValidationError("\(error)")
                }
            }
        }

        func run() throws {
            let store = try global.openStore(.existing)
            let from = try since.map { try store.dateResolver().instant($0, field: "--since") }
            let shops = names.isEmpty ? try store.shops() : try names.map { try store.shop(named: $0) }
            if shops.isEmpty {
                Terminal.note(
                    "no shops to sync: add one with 'orderctl shop add NAME --platform shopify|woocommerce ...'")
                return
            }
            var timing = SyncTiming()
            if let scale = Environment.value("ORDERCTL_SYNC_WAIT_SCALE").flatMap(Double.init) {
                timing.waitScale = scale
            }
            if let t = Environment.value("ORDERCTL_SYNC_TIMEOUT").flatMap(Double.init) { timing.timeout = t }
            let http = ShopHTTP(timing: timing)
            let showProgress = !noProgress && Terminal.stderrIsTerminal && !json.json
            var reports: [SyncReport] = []
            for shop in shops {
                let report = try store.sync(
                    shop, since: from, overlap: TimeInterval(overlap * 60), dryRun: dryRun, http: http
                ) { r in
                    if showProgress {
                        FileHandle.standardError.write(
                            Data("\r\(r.shop): page \(r.pages), \(r.summary.fetched) orders\u{1B}[K".utf8))
                    }
                }
                if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                reports.append(report)
                if !json.json { SyncOutput.text(report, dryRun: dryRun) }
            }
            if json.json { Terminal.print(JSON.render(reports.map(SyncOutput.json))) }
            if reports.contains(where: { $0.error != nil }) { throw ExitCode(1) }
        }
    }
}

/// How `sync` reports: one line per shop on stdout, what needs the owner on stderr.
enum SyncOutput {
    static let kinds: [IntakeOutcome.Kind] = [.created, .updated, .unchanged, .conflict, .failed]

    static func counts(_ s: IntakeSummary) -> String {
        "fetched \(s.fetched), created \(s.count(.created)), updated \(s.count(.updated)), unchanged \(s.count(.unchanged)), conflicts \(s.count(.conflict)), failed \(s.count(.failed))"
    }

    static func text(_ r: SyncReport, dryRun: Bool) {
        for o in r.summary.outcomes where o.kind == .conflict || o.kind == .failed {
            let which = o.ref.map { "order \($0)" } ?? "platform order \(o.platformID)"
            Terminal.note("\(r.shop): \(which): \(o.kind == .conflict ? "conflict" : "not applied"): \(o.reason ?? "")")
        }
        for w in r.summary.warnings.prefix(20) { Terminal.warn("\(r.shop): \(w)") }
        if r.summary.warnings.count > 20 { Terminal.warn("\(r.shop): \(r.summary.warnings.count - 20) more warnings") }
        let line = "\(r.shop): \(counts(r.summary))" + (dryRun ? " (dry run: nothing changed)" : "")
        if let error = r.error {
            Terminal.print(line + "; stopped")
            Terminal.note(
                "Error: \(error)" + (r.summary.fetched > 0 && !dryRun ? " (the orders before it are kept)" : ""))
        } else {
            Terminal.print(line)
        }
    }

    static func json(_ r: SyncReport) -> JSONObject {
        var o: JSONObject = ["shop": r.shop, "pages": r.pages, "error": orNull(r.error?.message)]
        o["since"] = orNull(r.since.map(Instant.format))
        o["fetched"] = r.summary.fetched
        for k in kinds { o[k == .conflict ? "conflicts" : k.rawValue] = r.summary.count(k) }
        o["orders"] = r.summary.outcomes.map {
            [
                "platform_id": $0.platformID, "ref": orNull($0.ref), "outcome": $0.kind.rawValue,
                "reason": orNull($0.reason),
            ]
                as JSONObject
        }
        o["warnings"] = r.summary.warnings
        o["waited"] = r.waits.map {
            ["reason": $0.reason, "milliseconds": Int(($0.seconds * 1000).rounded())] as JSONObject
        }
        return o
    }
}
