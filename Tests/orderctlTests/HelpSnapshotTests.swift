import Foundation
import OrderCore
import Testing

/// Compares help output with files under Snapshots/, so that an accidental change to the
/// command-line interface shows up in review. After an intended change, regenerate:
///   UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests
/// and commit the updated files.
@Suite("help snapshots")
struct HelpSnapshotTests {
    /// Every command path the binary knows, from `--experimental-dump-help` (the parser's
    /// own tree, so a new command cannot be left out): `[]`, `["add"]`, `["stats", "customers"]`.
    static func commandPaths(_ sb: Sandbox) throws -> [[String]] {
        let r = try sb.ok(["--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        var paths: [[String]] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            paths.append(path)
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                guard let name = sub["commandName"] as? String, name != "help" else { continue }
                walk(sub, path + [name])
            }
        }
        walk(try #require(root["command"] as? [String: Any]), [])
        return paths
    }

    @Test("the help of every command, joined in one file, matches the committed snapshot")
    func everyCommand() throws {
        let sb = try Sandbox()
        let paths = try Self.commandPaths(sb)
        #expect(paths.count > 50, "\(paths)")
        var all = ""
        for path in paths {
            // A fixed width: the argument parser wraps help to $COLUMNS.
            let r = try sb.run(path + ["--help"], env: ["COLUMNS": "80"])
            #expect(r.exitCode == 0, "\(r)")
            #expect(!r.stdout.isEmpty, "\(path)")
            all += "==== orderctl \(path.joined(separator: " "))\n" + r.stdout + "\n"
        }
        try expectSnapshot(all, file: "help-all.txt")
    }

    @Test("the top-level help lists every command under one of its groups")
    func grouped() throws {
        let sb = try Sandbox()
        let help = try sb.run(["--help"], env: ["COLUMNS": "80"]).stdout
        let top = Set(try Self.commandPaths(sb).filter { $0.count == 1 }.map { $0[0] })
        for group in [
            "SETUP", "ORDER", "LIFECYCLE", "CATALOG AND CUSTOMER", "IMPORT AND EXPORT", "INSIGHT", "REMINDER", "SAFETY",
        ].map({ $0 + " SUBCOMMANDS:" }) {
            #expect(help.contains("\n" + group + "\n"), "\(group) missing:\n\(help)")
        }
        #expect(!help.contains("\nSUBCOMMANDS:\n"), "a command outside every group:\n\(help)")
        let listed = Set(
            help.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }.compactMap {
                $0.split(separator: " ").first.map(String.init)
            })
        #expect(top.subtracting(listed).isEmpty, "not in the help: \(top.subtracting(listed))")
    }

    /// A line diff that is easy to read in a test log ("-" snapshot, "+" actual).
    static func diff(_ expected: String, _ actual: String) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Longest common subsequence, fine for help-sized texts.
        var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [String] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                out.append("  " + a[i])
                i += 1
                j += 1
            } else if j < b.count, i == a.count || lcs[i][j + 1] >= lcs[i + 1][j] {
                out.append("+ " + b[j])
                j += 1
            } else {
                out.append("- " + a[i])
                i += 1
            }
        }
        return out.joined(separator: "\n")
    }
}

@Suite("the binary under test")
struct BinaryTests {
    @Test("is the orderctl built next to the tests (unless ORDERCTL_BIN names another) and runs")
    func locatesBuiltBinary() throws {
        let url = try Binary.url()
        if let env = ProcessInfo.processInfo.environment["ORDERCTL_BIN"], !env.isEmpty {
            #expect(url.path == env)
        } else {
            #expect(
                url == Bundle.main.bundleURL.appendingPathComponent("orderctl"),
                "found by the fallback search instead: \(url.path) (bundle: \(Bundle.main.bundleURL.path))")
        }
        let sb = try Sandbox()
        let r = try sb.run("--version")
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(r)")
    }

    @Test("the version moves when a schema step ships: CHANGELOG.md's newest entry names both")
    func versionAndSchemaInChangelog() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let changelog = try String(contentsOf: root.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let newest = try #require(changelog.split(separator: "\n").first { $0.hasPrefix("## ") })
        let version = try Sandbox().run("--version").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            newest == "## \(version) (schema \(OrderStore.latestSchemaVersion))",
            "a new schema step ships with a new version and a CHANGELOG entry naming it")
        let older = changelog.split(separator: "\n").filter { $0.hasPrefix("## ") }.dropFirst()
        #expect(
            !older.contains { $0.contains("(schema \(OrderStore.latestSchemaVersion))") }, "one version per schema step"
        )
    }
}

/// Compares output with a committed file under Snapshots/; `UPDATE_SNAPSHOTS=1` rewrites it.
func expectSnapshot(_ output: String, file: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let url = directory.appendingPathComponent(file)
    if ProcessInfo.processInfo.environment["UPDATE_SNAPSHOTS"] == "1" {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(output.utf8).write(to: url)
        return
    }
    let expected = try #require(
        try? String(contentsOf: url, encoding: .utf8),
        "no snapshot at \(url.path); create it with UPDATE_SNAPSHOTS=1", sourceLocation: sourceLocation)
    #expect(
        output == expected,
        "\(file) differs:\n\(HelpSnapshotTests.diff(expected, output))\nIf the change is intended, run with UPDATE_SNAPSHOTS=1 and commit the snapshot.",
        sourceLocation: sourceLocation)
}
