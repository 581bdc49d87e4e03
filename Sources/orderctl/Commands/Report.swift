import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract:
                "Write a one-file HTML report: headline figures, monthly charts, top products and customers, statuses, lead times.",
            discussion: """
                The page is self-contained (styles and SVG charts inline; no script, font or \
                link that needs a network), fits a phone's screen and prints on paper. Its \
                figures are those of 'orderctl stats' for the same period. A FILE is written \
                whole or not at all (through a temporary file beside it).

                Examples:
                  orderctl report --html report.html                 (the last 12 months)
                  orderctl report --html q1.html --from 2026-01-01 --to 2026-03-31
                  orderctl report --html - | gzip > report.html.gz
                """)

        @OptionGroup var global: GlobalOptions
        @Option(
            name: .customLong("html"),
            help: ArgumentHelp("Write the HTML report here ('-': stdout).", valueName: "file"),
            completion: .file())
        var file: String
        @OptionGroup var period: PeriodOptions
        @Option(help: "How many top products and customers to list (default 10; 0: all).") var top = 10

        func validate() throws {
            if top < 0 { throw ValidationError("--top must not be negative (0 lists all)") }
            if file.isEmpty { throw ValidationError("--html needs a file name, or '-' for stdout") }
        }

        func run() throws {
            let store = try global.openStore(.existing)
            let report = try store.businessReport(
                from: period.from, to: period.to, timeZone: period.timezone, top: top)
            let html = HTMLReport.render(report, version: Orderctl.version)
            if file == "-" {
                var out = Output()
                out.write(html)
                out.flush()
                return
            }
            try AtomicFile.write(html, to: file)
            let orders = report.totals.map(\.orders).reduce(0, +)
            Terminal.note(
                "wrote the report of \(plural(orders, "order")) placed \(report.months.from.iso) to \(report.months.to.iso) to \(file)"
            )
        }
    }
}

/// A file written whole or not at all: into a temporary file beside it, which `commit`
/// syncs and renames over the target, and `abandon` removes.
struct AtomicFile {
    let path: String
    let temp: String
    let fd: Int32

    init(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        self.path = path
        temp = (folder.isEmpty ? "" : folder + "/") + ".\((path as NSString).lastPathComponent).tmp-\(getpid())"
        fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CommandError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    func commit() throws {
        guard fsync(fd) == 0, close(fd) == 0, rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw CommandError("cannot write \(path): \(reason)")
        }
    }

    func abandon() {
        close(fd)
        unlink(temp)
    }

    static func write(_ text: String, to path: String) throws {
        let file = try AtomicFile(path)
        var out = Output(fd: file.fd)
        out.write(text)
        out.flush()
        try file.commit()
    }
}
