import ArgumentParser
import Foundation
import OrderCore

enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, jsonl
}

extension Orderctl {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract:
                "Write orders in orderctl's native format: CSV, one row per order line, or JSON Lines, one order per line.",
            discussion: """
                Columns: \(NativeFormat.columns.joined(separator: ", ")). \
                Order fields repeat on each line of an order; amounts are plain decimals with a \
                currency column; instants are UTC ISO 8601. CSV is RFC 4180 with text that a \
                spreadsheet would run as a formula defused by a leading apostrophe. A FILE is \
                written whole or not at all (through a temporary file beside it).
                Examples:
                  orderctl export > orders.csv
                  orderctl export --since 2026-01-01 --status completed --bom orders-2026.csv
                  orderctl export --format jsonl | gzip > orders.jsonl.gz
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: "csv (default) or jsonl.") var format: ExportFormat = .csv
        @Option(parsing: .unconditional, help: "Only orders placed on or after this date.") var since: String?
        @Option(parsing: .unconditional, help: "Only orders placed on or before this date.") var until: String?
        @Option(
            help: ArgumentHelp(
                "Only orders in this status (\(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))); repeat it or give a comma list for any of several.",
                valueName: "status"),
            completion: .list(OrderStatus.allCases.map(\.rawValue)), transform: FilterValues.status)
        var status: [String] = []
        @Flag(help: "Start the CSV with a UTF-8 byte order mark, for Excel.") var bom = false
        @OptionGroup var decimal: DecimalCommaOption
        @Argument(
            help: ArgumentHelp("Where to write ('-' or nothing: stdout).", valueName: "file"), completion: .file())
        var file: String?

        func validate() throws {
            if bom && format != .csv { throw ValidationError("--bom only applies to --format csv") }
            try OptionCheck.date(since, option: "--since")
            try OptionCheck.date(until, option: "--until")
        }

        func run() throws {
            decimal.apply()
            let store = try global.openStore(.existing)
            var filter = OrderFilter()
            filter.since = since
            filter.until = until
            filter.statuses = status
            _ = try store.resolve(filter)  // bad dates fail before any file is touched

            let target = file.flatMap { $0 == "-" ? nil : $0 }
            let atomic = try target.map { try AtomicFile($0) }
            var out = Output(fd: atomic?.fd ?? STDOUT_FILENO)
            var orders = 0
            var lines = 0
            do {
                switch format {
                case .csv:
                    if bom { out.write("\u{FEFF}") }
                    out.write(CSV.record(NativeFormat.columns))
                    try store.exportRows(filter) { row in
                        out.write(CSV.record(row.values.map { $0 ?? "" }, numbers: NativeFormat.numberColumns))
                        lines += 1
                    }
                    orders = -1
                case .jsonl:
                    try store.exportOrders(filter) { order in
                        out.write(JSON.compact(Present.json(order)) + "\n")
                        orders += 1
                        lines += order.lines.count
                    }
                }
                out.flush()
            } catch {
                atomic?.abandon()
                throw error
            }
            if let atomic, let target {
                try atomic.commit()
                Terminal.note(
                    "wrote \(lines) line\(lines == 1 ? "" : "s")"
                        + (orders >= 0 ? " of \(orders) order\(orders == 1 ? "" : "s")" : "") + " to \(target)")
            }
        }
    }
}
