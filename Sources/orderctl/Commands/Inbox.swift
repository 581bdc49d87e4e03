import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Inbox: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inbox",
            abstract: "What arrived from a shop and was not applied: conflicts and failures, to retry or dismiss.",
            discussion: """
                A conflict is a change orderctl will not force (another currency, a step back, \
                other lines than the order here has); a failure is data that does not fit (a \
                malformed amount, a line without a quantity). Fix the cause (add the product, \
                count the stock, correct the order here), then retry; or dismiss what needs nothing.
                  orderctl inbox
                  orderctl inbox show 12
                  orderctl inbox retry 12
                  orderctl inbox dismiss 12 13

                """,
            subcommands: [List.self, Show.self, Retry.self, Dismiss.self],
            defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "list", abstract: "List what waits (with --all, everything kept).",
                discussion: "Example: orderctl inbox list --shop main --json")
            @OptionGroup var global: GlobalOptions
            @Flag(help: "Also what was applied or dismissed.") var all = false
            @Option(help: "Only this shop's.") var shop: String?
            @OptionGroup var format: FormatOptions

            func run() throws {
                let store = try global.openStore(.existing)
                let entries = try store.inbox(all: all, shop: shop)
                let zone = try store.dateResolver().zone
                if format.json {
                    Terminal.print(JSON.render(entries.map(InboxOutput.json)))
                } else if format.csv {
                    CSV.write(header: InboxOutput.csvHeader, rows: entries, InboxOutput.csvRow)
                } else if entries.isEmpty {
                    Terminal.note(all ? "the inbox is empty" : "nothing waits in the inbox")
                } else {
                    Terminal.print(InboxOutput.table(entries, zone: zone))
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show", abstract: "Show an entry: why, when, and the payload as it arrived.",
                discussion: "Example: orderctl inbox show 12")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The entry's number (see 'orderctl inbox').") var id: Int64
            @OptionGroup var json: JSONOption

            func run() throws {
                let store = try global.openStore(.existing)
                let e = try store.inboxEntry(id)
                let body = try store.inboxBody(id).map { String(decoding: $0, as: UTF8.self) }
                if json.json {
                    var o = InboxOutput.json(e)
                    o["body"] = orNull(body)
                    Terminal.print(JSON.render(o))
                    return
                }
                let zone = try store.dateResolver().zone
                var lines = [
                    Terminal.style("#\(e.id)", .bold) + "  \(e.state.rawValue), from \(e.shop) by \(e.via.rawValue)",
                    "  order:    "
                        + [e.platformID, e.ref.map { "here \($0)" }].compactMap { $0 }.joined(separator: ", "),
                    "  received: \(Instant.display(e.receivedAt, in: zone))",
                ]
                if let t = e.topic { lines.append("  topic:    \(t)") }
                if let s = e.settledAt { lines.append("  settled:  \(Instant.display(s, in: zone))") }
                if let why = e.error { lines.append("  why:      \(why)") }
                lines.append("  payload:  " + (body.map { "\($0.utf8.count) bytes" } ?? "not kept"))
                Terminal.print(lines.joined(separator: "\n"))
                if let body { Terminal.print(body) }
            }
        }

        struct Retry: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "retry", abstract: "Apply kept payloads again, as sync would, after the cause is fixed.",
                discussion: "Example: orderctl inbox retry 12")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The entries' numbers.") var ids: [Int64]

            func validate() throws {
                if ids.isEmpty { throw ValidationError("missing entry number (see 'orderctl inbox')") }
            }

            func run() throws {
                let store = try global.openStore(.existing)
                var stillWaiting = false
                for id in ids {
                    let o = try store.retryInbox(id)
                    let which = o.ref.map { "order \($0)" } ?? "platform order \(o.platformID)"
                    switch o.kind {
                    case .conflict, .failed:
                        stillWaiting = true
                        Terminal.print(
                            "#\(id): \(which): still \(o.kind == .conflict ? "a conflict" : "not applied"): \(o.reason ?? "")"
                        )
                    default:
                        Terminal.print("#\(id): \(which): \(o.kind.rawValue)")
                    }
                }
                if stillWaiting { throw ExitCode(1) }
            }
        }

        struct Dismiss: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "dismiss", abstract: "Set entries aside; the orders they concern are not changed.",
                discussion: "Example: orderctl inbox dismiss 12 13")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The entries' numbers.") var ids: [Int64]

            func validate() throws {
                if ids.isEmpty { throw ValidationError("missing entry number (see 'orderctl inbox')") }
            }

            func run() throws {
                for e in try global.openStore(.existing).dismissInbox(ids) {
                    Terminal.print("#\(e.id): dismissed (\(e.shop), \(e.platformID ?? "no id"))")
                }
            }
        }
    }
}

/// How inbox entries are printed. Field names here are a public interface.
enum InboxOutput {
    static func json(_ e: InboxEntry) -> JSONObject {
        [
            "id": Int(e.id), "shop": e.shop, "via": e.via.rawValue, "state": e.state.rawValue,
            "platform_id": orNull(e.platformID), "topic": orNull(e.topic), "ref": orNull(e.ref),
            "received_at": Instant.format(e.receivedAt), "settled_at": orNull(e.settledAt.map(Instant.format)),
            "error": orNull(e.error), "body_bytes": orNull(e.bodyBytes),
        ]
    }

    static let csvHeader = ["id", "shop", "via", "state", "platform_id", "ref", "received_at", "error"]

    static func csvRow(_ e: InboxEntry) -> [String] {
        [
            String(e.id), e.shop, e.via.rawValue, e.state.rawValue, e.platformID ?? "", e.ref ?? "",
            Instant.format(e.receivedAt), e.error ?? "",
        ]
    }

    static func table(_ entries: [InboxEntry], zone: TimeZone) -> String {
        var t = Table([
            .init(title: "ID", align: .right), .init(title: "SHOP"), .init(title: "STATE"), .init(title: "ORDER"),
            .init(title: "RECEIVED"), .init(title: "WHY", flexible: true),
        ])
        for e in entries {
            t.add([
                String(e.id), e.shop, e.state.rawValue, e.ref ?? e.platformID ?? "",
                Instant.display(e.receivedAt, in: zone),
                e.error ?? "",
            ])
        }
        return t.render()
    }
}
