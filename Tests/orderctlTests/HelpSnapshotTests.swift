import Foundation
import OrderCore
import Testing

/// Compares help output with files under Snapshots/, so that an accidental change to the
/// command-line interface shows up in review. After an intended change, regenerate:
///   UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests
/// and commit the updated files.
@Suite("help snapshots")
struct HelpSnapshotTests {
    struct Snapshot: CustomTestStringConvertible, Sendable {
        var file: String
        var arguments: [String]
        var testDescription: String { "orderctl " + arguments.joined(separator: " ") }
    }

    static let snapshots: [Snapshot] = [
        .init(file: "help.txt", arguments: ["--help"]),
        .init(file: "help-add.txt", arguments: ["add", "--help"]),
        .init(file: "help-list.txt", arguments: ["list", "--help"]),
    ]

    @Test("help output matches the committed snapshot", arguments: snapshots)
    func matchesSnapshot(_ snapshot: Snapshot) throws {
        let sb = try Sandbox()
        // A fixed width: the argument parser wraps help to $COLUMNS.
        let r = try sb.run(snapshot.arguments, env: ["COLUMNS": "80"])
        #expect(r.exitCode == 0, "\(r)")
        #expect(!r.stdout.isEmpty)
        try expectSnapshot(r.stdout, file: snapshot.file)
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
