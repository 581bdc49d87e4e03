import ArgumentParser
import Foundation
import OrderCore

extension ImportSpec.Format: ExpressibleByArgument {}

extension Orderctl {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Bring orders in from CSV, JSON Lines or a Shopify export; every row is accounted for.",
            discussion: """
                Formats: native (the CSV 'orderctl export' writes; only ref, sku and quantity \
                are required), jsonl (one order per line, as 'export --format jsonl' writes), \
                shopify (the Shopify orders export), or any other CSV with --map. Without \
                --format, a .jsonl file is JSON Lines and a CSV with Shopify's columns is a \
                Shopify export. Gzip-compressed input (.gz, or a pipe) is read directly. The \
                rows of one order must follow each other.

                All or nothing: one transaction, and if any row is invalid nothing is imported, \
                the invalid rows are listed (line, field, value, reason) and the exit code is \
                65. With --skip-invalid the valid orders are imported and an order with one \
                invalid row is rejected whole; --rejects FILE gets the rejected rows as read, \
                with a reason column. The summary accounts for every row: read = imported + \
                rejected + duplicates.

                Importing the same file again adds nothing: orders already present with the \
                same lines and status are duplicates; a ref present with other lines, or in \
                another status, is a conflict and is never overwritten. --update moves such \
                orders forward to the file's status (confirm, ship, deliver, cancel) through \
                the usual rules; lines are never changed by an import. Historic orders keep \
                their statuses and times and do not move stock; unknown customers and \
                products are created (products without stock tracking).

                --map FIELD=COLUMN (repeatable) reads another CSV: FIELD is a native column \
                name, COLUMN a header name. Columns named like a field map to it; other \
                columns are ignored. --date-format takes %Y %m %d %H %M %S %b %z %F %T, e.g. \
                '%d/%m/%Y %H:%M'; two-digit years are refused.

                Statuses of other tools whose meaning is clear are read as orderctl's (failed \
                and trash as cancelled, complete as completed, fulfilled as shipped, \
                pending-payment as pending, ...; the summary says which); --map-status FROM=TO \
                reads the rest, such as refunded or returned, whose meaning depends on the shop.
                Examples:
                  orderctl import orders.csv --dry-run
                  orderctl import orders.csv --skip-invalid --rejects rejected.csv
                  orderctl import shop-orders.csv --format shopify
                  orderctl import sales.csv.gz --map ref=Invoice --map sku=StockCode \\
                      --map quantity=Qty --map unit_price=Price --map ordered_at=Date \\
                      --date-format '%d/%m/%Y %H:%M' --timezone Europe/London
                  orderctl export | orderctl --db copy.db import -
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(
            help: ArgumentHelp("The file (CSV, JSON Lines, optionally .gz), or '-' for stdin.", valueName: "file"),
            completion: .file()) var file: String
        @Option(help: "Input format: native, jsonl or shopify (default: from the file).") var format: ImportSpec.Format?
        @Option(
            name: .customLong("map"),
            help: ArgumentHelp("Read FIELD from the column named COLUMN (repeatable).", valueName: "field=column"))
        var maps: [String] = []
        @Option(
            help: ArgumentHelp(
                "Currency of amounts when the file has no currency column (must be the shop's).", valueName: "code"))
        var currency: String?
        @Option(
            help: ArgumentHelp(
                "Time zone of times without an offset (default: the shop's), e.g. Europe/London.", valueName: "zone"))
        var timezone: String?
        @Option(
            name: .customLong("date-format"),
            help: ArgumentHelp("How dates and times are written, e.g. '%d/%m/%Y %H:%M'.", valueName: "format"))
        var dateFormat: String?
        @Option(help: ArgumentHelp("Field separator: one character, or 'tab' (default ',').", valueName: "char"))
        var delimiter: String?
        @Option(
            name: .customLong("map-status"),
            help: ArgumentHelp(
                "Read another tool's status FROM as orderctl's TO, e.g. refunded=cancelled (repeatable).",
                valueName: "from=to"))
        var mapStatus: [String] = []
        @Flag(
            name: .customLong("decimal-comma"),
            help: "Amounts are written 12,50 (and fields are separated by ';' unless --delimiter says otherwise).")
        var decimalComma = false
        @Flag(name: .customLong("skip-invalid"), help: "Import the valid orders; report and skip the others.")
        var skipInvalid = false
        @Option(
            help: ArgumentHelp("Write rejected rows, as read, with a reason, to this file.", valueName: "file"),
            completion: .file()) var rejects: String?
        @Flag(name: .customLong("dry-run"), help: "Check everything and report; change nothing.") var dryRun = false
        @Flag(help: "Move orders already present forward to the file's status.") var update = false
        @Flag(name: .customLong("no-progress"), help: "No progress bar (it is shown only when stderr is a terminal).")
        var noProgress = false

        /// The option values' shapes (exit 64); whether the file has the columns --map
        /// names is the input's question (exit 65).
        func validate() throws {
            _ = try spec()
            _ = try statusMap()
            if let dateFormat {
                do { _ = try DateFormat(dateFormat) } catch { throw OptionCheck.usage(error, option: "--date-format") }
            }
            try OptionCheck.timeZone(timezone)
            try OptionCheck.currency(currency)
        }

        func spec() throws -> ImportSpec {
            do {
                return try ImportSpec(
                    format: format, maps: maps, delimiter: delimiter, decimalComma: decimalComma)
            } catch { throw ValidationError(error.description) }
        }

        func statusMap() throws -> [String: OrderStatus] {
            do { return try ImportSpec.statusMap(mapStatus) } catch { throw ValidationError(error.description) }
        }

        /// The options for the importer (their shapes were checked in validate()).
        func importOptions() throws -> ImportOptions {
            var options = ImportOptions()
            options.statusMap = try statusMap()
            options.skipInvalid = skipInvalid
            options.decimalComma = decimalComma
            options.dryRun = dryRun
            options.update = update
            if let dateFormat { options.dateFormat = try DateFormat(dateFormat) }
            if let timezone { options.timeZone = TimeZone(identifier: timezone) }
            if let currency { options.currency = try Currency(code: currency) }
            return options
        }

        func run() throws {
            let options = try importOptions()
            let input = try ImportInput(path: file)
            let source = try spec().open(input, path: file)
            for note in source.notes { Terminal.note("note: \(note)") }

            let store = try global.openStore(.create)
            let needed = try Self.checkSpace(file, input: input, database: store.path)
            let importer = try Importer(store: store, options: options)
            let rejectsOut = try rejects.map { try RejectsFile(path: $0, input: file) }
            defer { rejectsOut?.discard() }
            // Ctrl-C or a kill: the transaction is never committed, the temporary rejects
            // file goes, and the user is told.
            Interruption.arm(tempFile: rejectsOut?.temp)
            defer { Interruption.disarm() }
            // Read here, before the reader thread starts: the source is that thread's alone
            // while the import runs (Importer's UncheckedBox), and the closure below runs on
            // this one.
            let header = source.header
            let bar = !noProgress && Terminal.stderrIsTerminal ? Progress(path: file) : nil
            defer { bar?.finish() }
            let summary: ImportSummary
            do {
                summary = try importer.run(
                    source, rejected: { try rejectsOut?.write($0, header: header) },
                    progress: bar.map { bar in { rows, bytes in bar.update(rows: rows, bytes: bytes) } },
                    beforeCommit: {
                        try rejectsOut?.complete()
                        // From here the import commits: an interrupt no longer means "nothing imported".
                        Interruption.disarm()
                    })
            } catch let error as CSVReadError {
                // Malformed input: nothing was imported (the transaction rolled back).
                throw MalformedInput(input, error)
            } catch let error as SQLiteError where error.isDiskFull {
                let free = ImportInput.freeSpace(near: store.path).map { ", \(sizeText($0)) is free now" } ?? ""
                throw CommandError(
                    "the disk holding \(store.path) filled up during the import; nothing was imported. It needs about \(needed.map(sizeText) ?? "5 to 8 times the input's size") free\(free)"
                )
            }
            bar?.finish()
            try report(summary)
        }

        /// A short disk is said before the import starts, not found an hour into it.
        /// Returns the space the import needs, when the input's size is known.
        static func checkSpace(_ file: String, input: ImportInput, database: String) throws -> Int64? {
            let needed = ImportInput.expandedSize(path: file).map(ImportInput.spaceNeeded(forInput:))
            if let needed, let free = ImportInput.freeSpace(near: database), free < needed {
                throw CommandError(
                    "\(input.name): not enough free space on the disk holding \(database): an import of this file needs about \(sizeText(needed)) (5 to 8 times the input, for the new rows and the write-ahead log), and \(sizeText(free)) is free; nothing was imported. Free some space, or import the file in parts"
                )
            }
            return needed
        }

        /// The summary on stdout, notes, warnings and rejected rows on stderr; exit 65 when
        /// the input was invalid and nothing of it is kept.
        func report(_ summary: ImportSummary) throws {
            // A cron import that skips and keeps its rejects is told in a few lines.
            let brief = skipInvalid && rejects != nil
            let shownWarnings = brief ? 3 : 50
            if !summary.statusesMapped.isEmpty {
                let list = summary.statusesMapped.sorted { $0.key < $1.key }.map {
                    "\($0.key) (\($0.value) order\($0.value == 1 ? "" : "s"))"
                }
                Terminal.note(
                    "note: statuses read as orderctl's: \(list.joined(separator: ", ")) (--map-status FROM=TO to read them otherwise)"
                )
            }
            for warning in summary.warnings.prefix(shownWarnings) { Terminal.note("warning: \(warning)") }
            if summary.warningCount > shownWarnings {
                Terminal.note("warning: ... and \(summary.warningCount - shownWarnings) more")
            }
            if brief, let rejects, summary.issueCount > 0 {
                // Asked to skip and keep the rows: a count per reason, not a line per row.
                Self.reasonSummary(summary, rejects: rejects)
            } else {
                for issue in summary.issues.prefix(200) { Terminal.note("Error: \(issue)") }
                if summary.issueCount > 200 {
                    Terminal.note(
                        "Error: ... and \(summary.issueCount - 200) more"
                            + (rejects == nil ? " (--rejects FILE lists every rejected row)" : ""))
                }
            }

            func s(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
            func part(_ rows: Int, _ orders: Int) -> String { "\(s(rows, "row")) (\(s(orders, "order")))" }
            // Nothing kept (a dry run, or refused whole): say what the import would do.
            let would = summary.committed ? "" : "would "
            var line =
                "read \(s(summary.rowsRead, "row")): \(would)\(would.isEmpty ? "imported" : "import") \(part(summary.rowsImported, summary.ordersImported)), "
                + "rejected \(part(summary.rowsRejected, summary.ordersRejected)), duplicates \(part(summary.rowsDuplicate, summary.ordersDuplicate)); "
                + "\(would)\(would.isEmpty ? "created" : "create") \(s(summary.customersCreated, "customer")), \(s(summary.productsCreated, "product"))"
            if summary.ordersUpdated > 0 {
                line += "; \(s(summary.ordersUpdated, "order")) updated (counted as imported)"
            }
            Terminal.print(line)
            let nothingNew = summary.ordersImported == 0 && summary.ordersUpdated == 0 && summary.ordersDuplicate > 0
            if dryRun {
                Terminal.print("dry run: nothing was written")
            } else if !summary.committed {
                Terminal.print("nothing was imported: fix the rows above, or use --skip-invalid")
            } else if nothingNew {
                Terminal.print(
                    summary.issueCount == 0
                        ? "nothing new: every order is already here" : "nothing new: every valid order is already here")
            }
            if summary.refused(skipInvalid: skipInvalid) { throw ExitCode(65) }
        }

        /// stderr's account of a --skip-invalid import: each reason with its count, most first.
        static func reasonSummary(_ summary: ImportSummary, rejects: String) {
            func s(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
            Terminal.note(
                "rejected \(s(summary.ordersRejected, "order")) (\(s(summary.rowsRejected, "row"))), every row written to \(rejects) with its reason:"
            )
            let sorted = summary.reasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            for (reason, count) in sorted.prefix(10) { Terminal.note(String(format: "%8d  ", count) + reason) }
            let rest = sorted.dropFirst(10).reduce(0) { $0 + $1.value } + summary.otherReasons
            if rest > 0 { Terminal.note(String(format: "%8d  ", rest) + "other reasons (see \(rejects))") }
        }
    }
}

/// SIGINT and SIGTERM during an import: the temporary rejects file is removed, one line
/// says nothing was imported (the open transaction dies with the process, and SQLite
/// rolls it back), and the exit code is 128 + the signal (130 for Ctrl-C). Only
/// async-signal-safe calls in the handler: unlink, write, _exit.
enum Interruption {
    nonisolated(unsafe) static var temp: UnsafeMutablePointer<CChar>?
    static let message: StaticString = "\ninterrupted: nothing was imported\n"

    static func arm(tempFile: String?) {
        temp = tempFile.map { strdup($0) }
        for sig in [SIGINT, SIGTERM] {
            // A signal the caller ignores (nohup, a background job) stays ignored.
            var old = sigaction()
            sigaction(sig, nil, &old)
            if let handler = old.__sigaction_handler.sa_handler, case let ignore = SIG_IGN,
                unsafeBitCast(handler, to: UInt.self) == unsafeBitCast(ignore, to: UInt.self)
            {
                continue
            }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                if let t = Interruption.temp { unlink(t) }
                _ = Foundation.write(2, Interruption.message.utf8Start, Interruption.message.utf8CodeUnitCount)
                _exit(128 + sig)
            }
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, nil)
            armed.append(sig)
        }
        // A parent may have started us with them blocked (some test runners do).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    nonisolated(unsafe) static var armed: [Int32] = []

    static func disarm() {
        for sig in armed { signal(sig, SIG_DFL) }
        armed = []
    }
}

/// A progress bar on stderr: rows, rows per second and, for a file, the time left.
final class Progress {
    let size: Int64
    let start = Date()
    var last = Date.distantPast

    init(path: String) {
        var info = stat()
        size = path != "-" && stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : 0
    }

    func update(rows: Int, bytes: Int64) {
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.2 else { return }
        last = now
        let elapsed = max(now.timeIntervalSince(start), 0.001)
        let rate = Double(rows) / elapsed
        var text = "\r\(rows) rows, \(Int(rate))/s"
        if size > 0 {
            let done = min(1, Double(bytes) / Double(size))
            let width = 24
            let filled = Int(done * Double(width))
            let eta = done > 0.01 ? elapsed * (1 - done) / done : 0
            text =
                "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                + "\(Int(done * 100))%  \(rows) rows, \(Int(rate))/s" + (done > 0.01 ? ", \(Self.clock(eta)) left" : "")
        }
        FileHandle.standardError.write((text + "\u{1B}[K").data(using: .utf8)!)
    }

    func finish() {
        guard last != Date.distantPast else { return }
        last = Date.distantPast
        FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!)
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// `--rejects FILE`: written beside FILE under a temporary name and renamed into place
/// inside the import's transaction, before it commits. A write error stops the import
/// with nothing imported; the input file itself is never overwritten.
final class RejectsFile {
    let path: String
    let temp: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var wroteHeader = false

    init(path: String, input: String) throws {
        var a = stat()
        var b = stat()
        if input != "-", stat(path, &a) == 0, stat(input, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino {
            throw CommandError("--rejects \(path) is the input file; name another file for the rejected rows")
        }
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        let name = ".\((path as NSString).lastPathComponent).tmp-\(getpid())"
        temp = dir.isEmpty ? name : "\(dir)/\(name)"
        fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CommandError("cannot write --rejects \(path): \(String(cString: strerror(errno)))") }
    }

    /// A rejected row: a JSON line as read, with its line and reason; a CSV row as read,
    /// padded to the header, with the reason in a last column (after a header row).
    func write(_ row: RejectedRow, header: [String]) throws {
        if let text = row.text {
            let input = (try? JSONValue.parse(Array(text.utf8))) != nil ? text : JSON.compact(text)
            try write("{\"line\":\(row.line),\"reason\":\(JSON.compact(row.reason)),\"input\":\(input)}\n")
            return
        }
        if !wroteHeader {
            try write(CSV.plainRecord(header + ["reason"]))
            wroteHeader = true
        }
        let padding = Array(repeating: "", count: max(0, header.count - row.fields.count))
        try write(CSV.plainRecord(row.fields + padding + ["line \(row.line): \(row.reason)"]))
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, buffer.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CommandError(
                    "cannot write --rejects \(path): \(String(cString: strerror(errno))); nothing was imported")
            }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Everything written and renamed into place.
    func complete() throws {
        try flush()
        guard fsync(fd) == 0, close(fd) == 0 else {
            fd = -1
            throw CommandError(
                "cannot write --rejects \(path): \(String(cString: strerror(errno))); nothing was imported")
        }
        fd = -1
        guard rename(temp, path) == 0 else {
            throw CommandError(
                "cannot write --rejects \(path): \(String(cString: strerror(errno))); nothing was imported")
        }
    }

    /// Removes the temporary file if the import did not complete it.
    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(temp)
    }
}
