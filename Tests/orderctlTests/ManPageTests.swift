import Foundation
import Testing

/// The man page as `make man` and `make install` make it: swift-argument-parser's
/// generate-manual tool (what its GenerateManual plugin runs; `make man` builds it
/// beside orderctl) on the built orderctl, then Tests/Man/finish-man.sh. Skipped where
/// the tool has not been built (plain `swift test`); `make test` builds it first. And
/// the exit codes: README's table is the reference for --help and the man page.
@Suite("man page and exit codes")
struct ManPageTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The generate-manual tool: SwiftPM builds a plugin's tool into the products folder,
    /// beside orderctl (SwiftPM 6 names it generate-manual-tool).
    static let generator: URL? = {
        guard let binary = try? Binary.url() else { return nil }
        let folder = binary.deletingLastPathComponent()
        return ["generate-manual-tool", "generate-manual"].lazy
            .map { folder.appendingPathComponent($0) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Generates and finishes the page in the sandbox; returns its path.
    static func page(in sb: Sandbox) throws -> URL {
        let tool = try #require(generator)
        let raw = sb.dir.appendingPathComponent("raw", isDirectory: true)
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        let generated = try runProcess(
            tool, [sb.binary.path, "--output-directory", raw.path],
            environment: sb.environment(), directory: sb.dir, scratch: sb.scratch)
        try #require(generated.exitCode == 0, "generate-manual failed: \(generated)")
        let page = sb.dir.appendingPathComponent("orderctl.1")
        let script = repository.appendingPathComponent("Tests/Man/finish-man.sh")
        let finished = try runProcess(
            try #require(ExternalTool.path("bash")),
            [script.path, raw.appendingPathComponent("orderctl.1").path, page.path],
            environment: sb.environment(), directory: sb.dir, scratch: sb.scratch)
        try #require(finished.exitCode == 0 && finished.stderr.isEmpty, "finish-man.sh failed: \(finished)")
        return page
    }

    /// The lines of section `name` (its .Sh line excluded).
    static func section(_ name: String, in lines: [String]) -> [String] {
        guard let start = lines.firstIndex(where: { $0 == ".Sh \(name)" || $0 == ".Sh \"\(name)\"" }) else { return [] }
        let rest = lines[(start + 1)...]
        return Array(rest.prefix { !$0.hasPrefix(".Sh ") })
    }

    @Test(
        "the page has ENVIRONMENT, FILES and EXIT STATUS, with README's exit codes",
        .enabled(if: generator != nil, "generate-manual is not built: run `make man` (make test does)"))
    func sections() throws {
        let sb = try Sandbox()
        let lines = try String(contentsOf: Self.page(in: sb), encoding: .utf8).components(separatedBy: "\n")
        let names = lines.filter { $0.hasPrefix(".Sh ") }.map {
            String($0.dropFirst(4)).replacingOccurrences(of: "\"", with: "")
        }
        #expect(
            names == ["NAME", "SYNOPSIS", "DESCRIPTION", "ENVIRONMENT", "FILES", "EXIT STATUS"], "sections: \(names)")

        let environment = Self.section("ENVIRONMENT", in: lines).joined(separator: "\n")
        for variable in ["ORDERCTL_DB", "XDG_DATA_HOME", "NO_COLOR"] {
            #expect(environment.contains(".It Ev \(variable)"), "ENVIRONMENT lacks \(variable):\n\(environment)")
        }
        let files = Self.section("FILES", in: lines).joined(separator: "\n")
        #expect(files.contains(".It Pa $XDG_DATA_HOME/orderctl/orders.db"), "\(files)")
        #expect(files.contains("~/.local/share/orderctl/orders.db"), "\(files)")

        let exitStatus = Self.section("EXIT STATUS", in: lines)
        let codes = exitStatus.filter { $0.hasPrefix(".It ") }.flatMap {
            ExitCodes.parse(String($0.dropFirst(4)).replacingOccurrences(of: "\"", with: ""))
        }
        #expect(codes.sorted() == (try ExitCodes.readme()), "EXIT STATUS: \(exitStatus)")
        #expect(!exitStatus.contains(".Ex -std"))
    }

    @Test(
        "the discussions' examples stay examples: literal blocks, one command a line",
        .enabled(if: generator != nil, "generate-manual is not built: run `make man` (make test does)"))
    func examplesAreLiteral() throws {
        let sb = try Sandbox()
        let lines = try String(contentsOf: Self.page(in: sb), encoding: .utf8).components(separatedBy: "\n")
        var literal: [String] = []
        var inLiteral = false
        for line in lines {
            if line.hasPrefix(".Bd -literal") {
                inLiteral = true
                continue
            }
            if line == ".Ed" {
                inLiteral = false
                continue
            }
            if inLiteral {
                literal.append(line)
            } else {
                // Outside a display, an indented or blank line would be run into prose
                // (or warned about).
                #expect(
                    !line.hasPrefix(" ") && !line.hasPrefix("\t"), "indented text outside a literal block: '\(line)'")
                #expect(!line.isEmpty || line == lines.last, "a blank line outside a literal block")
            }
        }
        // The root's examples as --help prints them, each a line of its own in the page.
        let help = try sb.ok(["--help"]).stdout
        let examples = help.components(separatedBy: "\n").drop { $0 != "Getting started:" }.dropFirst().prefix {
            $0.hasPrefix("  ")
        }
        #expect(examples.count >= 3, "no examples under 'Getting started:' in --help:\n\(help)")
        for example in examples {
            #expect(literal.contains(String(example.dropFirst(2))), "'\(example)' is not a line of a literal block")
        }
        #expect(literal.contains("orderctl stats --by month --by channel"))
    }

    @Test(
        "man -l reads the page without a warning",
        .enabled(
            if: generator != nil && ExternalTool.path("man") != nil,
            "needs generate-manual (make man) and man-db (make test installs both)"))
    func manReadsIt() throws {
        let sb = try Sandbox()
        let page = try Self.page(in: sb)
        let env = sb.environment(["MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat", "MAN_KEEP_FORMATTING": nil])
        let r = try runProcess(
            try #require(ExternalTool.path("man")), ["-l", page.path], environment: env, directory: sb.dir,
            scratch: sb.scratch)
        #expect(r.exitCode == 0 && r.stderr.isEmpty, "man -l warned:\n\(r)")
        #expect(
            r.stdout.contains("EXIT STATUS") && r.stdout.contains("ENVIRONMENT") && r.stdout.contains("FILES"), "\(r)")
        // An example rendered as typed, not filled into the text around it.
        let rendered = r.stdout.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(rendered.contains("orderctl init --currency EUR --timezone Europe/Berlin"), "\(r)")
    }

    @Test(
        "mandoc -T lint finds nothing to warn about",
        .enabled(
            if: generator != nil && ExternalTool.path("mandoc") != nil,
            "needs generate-manual (make man) and mandoc (make test installs both)"))
    func mandocLint() throws {
        let sb = try Sandbox()
        let page = try Self.page(in: sb)
        let r = try runProcess(
            try #require(ExternalTool.path("mandoc")), ["-T", "lint", "-W", "warning", page.path],
            environment: sb.environment(), directory: sb.dir, scratch: sb.scratch)
        #expect(r.exitCode == 0 && r.stdout.isEmpty && r.stderr.isEmpty, "mandoc -T lint:\n\(r)")
    }

    @Test("--help lists README's exit codes, one line each")
    func helpExitCodes() throws {
        let sb = try Sandbox()
        let r = try sb.run(["--help"], env: ["COLUMNS": "80"])
        #expect(r.exitCode == 0, "\(r)")
        let help = r.stdout.components(separatedBy: "\n")
        let block = help.drop { $0 != "Exit codes:" }.dropFirst().prefix {
            !$0.trimmingCharacters(in: .whitespaces).isEmpty
        }
        #expect(!block.isEmpty, "no 'Exit codes:' in --help")
        var codes: [Int] = []
        for line in block {
            // "  130, 143  import interrupted ...": the codes, two blanks, the meaning.
            let parts = line.dropFirst(2).components(separatedBy: "  ")
            let meaning = parts.dropFirst().joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            #expect(line.hasPrefix("  ") && !meaning.isEmpty, "not 'CODE  meaning': '\(line)'")
            codes += ExitCodes.parse(parts[0])
        }
        #expect(codes.sorted() == (try ExitCodes.readme()), "--help: \(Array(block))")
    }
}

enum ExitCodes {
    /// "130, 143" -> [130, 143]; sorted, so lists compare as sets.
    static func parse(_ text: String) -> [Int] {
        text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.sorted()
    }

    /// The codes in README's "## Exit codes" table, in ascending order.
    static func readme() throws -> [Int] {
        let readme = try String(
            contentsOf: ManPageTests.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n").drop { $0 != "## Exit codes" }.dropFirst()
        let rows = lines.drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }.dropFirst(2)  // header, rule
        let codes = rows.flatMap { row in parse(row.split(separator: "|").first.map(String.init) ?? "") }.sorted()
        try #require(!codes.isEmpty, "no exit codes in README's table")
        return codes
    }
}
