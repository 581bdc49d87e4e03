import ArgumentParser
import Foundation
import OrderCore

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// Options every command takes. `orderctl --db X list` works as well as
/// `orderctl list --db X`: `hoist` moves leading globals into the environment.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The database file (default: $ORDERCTL_DB, else $XDG_DATA_HOME/orderctl/orders.db).", valueName: "path"),
        completion: .file())
    var db: String?

    @Option(name: .long, help: "Colored output: auto (only on a terminal), always, never. NO_COLOR is honoured.")
    var color: ColorChoice?

    /// Moves global options given before the subcommand into the environment, where
    /// `GlobalOptions` falls back to them.
    static func hoist(_ arguments: [String]) -> [String] {
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--db" || first == "--color", rest.count >= 2 {
                let value = rest[rest.startIndex + 1]
                if first == "--db" { hoistedDB = value } else { hoistedColor = value }
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--db=") {
                hoistedDB = String(first.dropFirst(5))
                rest = rest.dropFirst()
            } else if first.hasPrefix("--color=") {
                hoistedColor = String(first.dropFirst(8))
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        return Array(rest)
    }

    // Set once by `hoist` before parsing, read after: single-threaded.
    nonisolated(unsafe) static var hoistedDB: String?
    nonisolated(unsafe) static var hoistedColor: String?
    /// A database this run created; removed again if the command fails before storing anything.
    nonisolated(unsafe) static var createdPath: String?
    nonisolated(unsafe) static var announceCreation = false
    /// The database this run opened, for error lines about the file itself.
    nonisolated(unsafe) static var openedPath: String?

    /// The same options as plain values.
    var values: Globals { Globals(db: db, color: color) }

    func openStore(_ mode: OrderStore.OpenMode = .create, announce: Bool = true, allowDamaged: Bool = false) throws
        -> OrderStore
    {
        try values.openStore(mode, announce: announce, allowDamaged: allowDamaged)
    }

    /// `ORDERCTL_NOW` (an ISO 8601 instant) fixes the clock, for tests and demos.
    static func clock() -> @Sendable () -> Date {
        guard let text = Environment.value("ORDERCTL_NOW"), !text.isEmpty else { return { Date() } }
        do {
            let fixed = try DateResolver(zone: TimeZone(identifier: "UTC")!).instant(text, field: "ORDERCTL_NOW")
            return { fixed }
        } catch {
            Terminal.fail("\(error) (ORDERCTL_NOW fixes the clock for tests; unset it for the real time)")
        }
    }
}

/// `--db` and `--color` as plain values: what `GlobalOptions` parses, and what the fast
/// argument path (FastPath.swift) fills in directly.
struct Globals: Equatable {
    var db: String?
    var color: ColorChoice?

    var databasePath: String {
        db ?? GlobalOptions.hoistedDB ?? OrderStore.defaultPath()
    }

    var colorChoice: ColorChoice {
        if let color { return color }
        if let text = GlobalOptions.hoistedColor, let c = ColorChoice(rawValue: text) { return c }
        return .auto
    }

    /// Opens the store. Commands that only read pass `.existing`, so a mistyped path
    /// is an error rather than a new empty database.
    func openStore(_ mode: OrderStore.OpenMode = .create, announce: Bool = true, allowDamaged: Bool = false) throws
        -> OrderStore
    {
        if databasePath == ":memory:" || databasePath.isEmpty {
            throw ValidationError("--db needs a file: an in-memory database would vanish when the command ends")
        }
        Terminal.configure(color: colorChoice)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: databasePath, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CommandError(
                "\(databasePath) is a directory; --db (or ORDERCTL_DB) names the database file, e.g. \((databasePath as NSString).appendingPathComponent("orders.db"))"
            )
        }
        GlobalOptions.openedPath = databasePath
        let store = try OrderStore(
            path: databasePath, mode: mode, allowDamaged: allowDamaged, clock: GlobalOptions.clock(),
            onUpgrade: { path, from, to, backup in
                // Only where a person waits; scripts and cron see nothing new.
                if Terminal.stderrIsTerminal {
                    Terminal.note(
                        "upgrading \(path) from schema version \(from) to \(to) (once; a large database takes a while); the database as it was is in \(backup) ..."
                    )
                }
            })
        if let damage = store.damage {
            let next =
                damage.contains(OrderStore.schemaDamagePhrase)
                ? "'orderctl doctor' says what differs, and 'orderctl doctor --repair' remakes an index, trigger or view; a table needs 'orderctl restore FILE'"
                : "see 'orderctl doctor --full', then 'orderctl restore FILE'"
            Terminal.warn(
                "\(store.path) is marked damaged (\(damage)): what it shows may be wrong, and it cannot be changed; \(next)"
            )
        }
        // Weak: the store closes when the command lets go of it, which folds a small
        // write-ahead log into the file, so the .db alone holds the data between commands.
        CSV.setting = { [weak store] in (try? store?.decimalComma()) ?? false }
        if store.created {
            GlobalOptions.createdPath = store.path
            GlobalOptions.announceCreation = announce
        }
        return store
    }
}

/// `--decimal-comma`: CSV for a spreadsheet whose locale writes 12,50 (the
/// `csv.decimal-comma` setting makes it the default).
struct DecimalCommaOption: ParsableArguments {
    @Flag(
        name: .customLong("decimal-comma"),
        help:
            "CSV with decimal commas (12,50) and ';' between fields, for spreadsheets in German, French, ... (default: the csv.decimal-comma setting)."
    )
    var decimalComma = false

    func apply() { if decimalComma { CSV.forced = true } }
}

/// `--json` and `--csv` for read commands.
struct FormatOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (stable field names; amounts as decimal strings with a currency field).")
    var json = false

    @Flag(name: .long, help: "Print CSV (RFC 4180, with a header row).")
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv cannot be used together") }
    }
}

/// `--from`, `--to` and `--timezone`: the days a report covers, the same in `stats`,
/// `stats customers`, `stats products` and `report`.
struct PeriodOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help:
            "First day (default: the first of the month 11 months ago, so 12 months with this one; \(DateResolver.help))."
    )
    var from: String?

    @Option(parsing: .unconditional, help: "Last day, included (default: today).")
    var to: String?

    @Option(help: "Cut days in this time zone instead of the business time zone (e.g. UTC, America/New_York).")
    var timezone: String?

    func validate() throws { try OptionCheck.period(from: from, to: to, currency: nil, timezone: timezone) }
}

/// `--top N` and `--limit N` say "0: all"; this is the count that means.
func topCount(_ n: Int) -> Int { n == 0 ? Int.max : n }

/// `--json` only, for commands that print one record.
struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (stable field names; amounts as decimal strings with a currency field).")
    var json = false
}
