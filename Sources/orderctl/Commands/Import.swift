import ArgumentParser
import Foundation
import OrderCore

enum ImportFormat: String, ExpressibleByArgument, CaseIterable {
    case native
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring orders in from orderctl's native CSV; every row is accounted for.",
        discussion: """
            The file has the columns 'orderctl export' writes (only ref, sku and quantity \
            are required); the rows of one order must follow each other. All or nothing: \
            one transaction, and if any row is invalid nothing is imported, the invalid rows \
            are listed (line, field, value, reason) and the exit code is 65. With \
            --skip-invalid the valid orders are imported and an order with one invalid row \
            is rejected whole; --rejects FILE gets the rejected rows with a reason column. \
            Importing the same file again adds nothing: orders already present with the \
            same lines are counted as duplicates; a ref present with other lines is a \
            conflict and is never overwritten. Historic orders keep their statuses and \
            times and do not move stock; unknown customers and products are created \
            (products without stock tracking).
            Examples:
              orderctl import orders.csv --dry-run
              orderctl import orders.csv --skip-invalid --rejects rejected.csv
              orderctl export | orderctl --db copy.db import -
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The CSV file, or '-' for stdin.", valueName: "file")) var file: String
    @Option(help: "Input format (native).") var format: ImportFormat = .native
    @Flag(name: .customLong("skip-invalid"), help: "Import the valid orders; report and skip the others.") var skipInvalid = false
    @Option(help: ArgumentHelp("Write rejected rows, as read, with a reason column, to this file.", valueName: "file")) var rejects: String?
    @Flag(name: .customLong("dry-run"), help: "Check everything and report; change nothing.") var dryRun = false

    func run() throws {
        let csv: RFC4180Reader
        do {
            csv = file == "-" ? try RFC4180Reader(fileDescriptor: STDIN_FILENO) : try RFC4180Reader(path: file)
        } catch let error as CSVReadError {
            if case .io(let code) = error.kind { throw CommandError("cannot read \(file): \(String(cString: strerror(code)))") }
            throw CommandError("cannot read \(file): \(error)")
        }
        if file != "-", let handle = FileHandle(forReadingAtPath: file) {
            let magic = handle.readData(ofLength: 2)
            try? handle.close()
            if file.hasSuffix(".gz") || magic == Data([0x1F, 0x8B]) {
                throw CommandError("\(file) is compressed; .gz input is not supported yet (gunzip -c \(file) | orderctl import -)")
            }
        }
        let store = try global.openStore(.create)
        var options = ImportOptions()
        options.skipInvalid = skipInvalid
        options.dryRun = dryRun

        var rejectsOut: Output?
        var rejectsFD: Int32 = -1
        if let rejects {
            rejectsFD = open(rejects, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard rejectsFD >= 0 else { throw CommandError("cannot write --rejects \(rejects): \(String(cString: strerror(errno)))") }
            rejectsOut = Output(fd: rejectsFD)
        }
        defer { if rejectsFD >= 0 { rejectsOut?.flush(); close(rejectsFD) } }
        var wroteHeader = false
        let importer = try NativeImporter(store: store, options: options)
        let summary: ImportSummary
        do {
        summary = try importer.run(csv) { row in
            guard rejectsOut != nil else { return }
            if !wroteHeader {
                rejectsOut!.write(CSV.plainRecord(importer.headerFields + ["reason"]))
                wroteHeader = true
            }
            rejectsOut!.write(CSV.plainRecord(row.fields + ["line \(row.line): \(row.reason)"]))
        }
        } catch let error as CSVReadError {
            // Malformed CSV: nothing was imported (the transaction rolled back).
            Terminal.note("Error: \(file == "-" ? "stdin" : file): \(error); nothing was imported")
            throw ExitCode(65)
        }
        for warning in summary.warnings.prefix(50) { Terminal.note("warning: \(warning)") }
        if summary.warnings.count > 50 { Terminal.note("warning: ... and \(summary.warnings.count - 50) more") }
        for issue in summary.issues.prefix(200) { Terminal.note("Error: \(issue)") }
        if summary.issues.count > 200 { Terminal.note("Error: ... and \(summary.issues.count - 200) more invalid rows") }

        func part(_ rows: Int, _ orders: Int) -> String { "\(rows) row\(rows == 1 ? "" : "s") (\(orders) order\(orders == 1 ? "" : "s"))" }
        Terminal.print("read \(summary.rowsRead) row\(summary.rowsRead == 1 ? "" : "s"): imported \(part(summary.rowsImported, summary.ordersImported)), "
            + "rejected \(part(summary.rowsRejected, summary.ordersRejected)), duplicates \(part(summary.rowsDuplicate, summary.ordersDuplicate)); "
            + "created \(summary.customersCreated) customer\(summary.customersCreated == 1 ? "" : "s"), \(summary.productsCreated) product\(summary.productsCreated == 1 ? "" : "s")")
        if dryRun {
            Terminal.print("dry run: nothing was written")
        } else if !summary.committed {
            Terminal.print("nothing was imported: fix the rows above, or use --skip-invalid")
        }
        if !summary.issues.isEmpty { throw ExitCode(65) }
    }
}
