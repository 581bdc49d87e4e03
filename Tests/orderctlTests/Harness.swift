import Foundation
import Testing

// End-to-end harness: runs the built `orderctl` binary in a fresh temporary directory
// with a controlled environment (fixed clock, no color, HOME and the database inside
// the directory), and captures stdout, stderr and the exit status.

/// The fixed instant every test runs at (a Wednesday): `ORDERCTL_NOW`.
let fixedNow = "2026-11-25T10:00:00Z"

enum HarnessError: Error, CustomStringConvertible {
    case binaryNotFound(tried: [String])
    case setupFailed(String)

    var description: String {
        switch self {
        case .binaryNotFound(let tried):
            return "orderctl binary not found; set ORDERCTL_BIN or build first. Tried: \(tried.joined(separator: ", "))"
        case .setupFailed(let what): return "test setup failed: \(what)"
        }
    }
}

// MARK: - Finding the binary

enum Binary {
    /// `$ORDERCTL_BIN`, else `orderctl` next to the test bundle (the test target depends
    /// on the executable, so SwiftPM builds it into the same products folder), else the
    /// nearest `.build/debug/orderctl` above this source file.
    static let located: Result<URL, HarnessError> = {
        var tried: [String] = []
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["ORDERCTL_BIN"], !env.isEmpty {
            tried.append(env)
            if fm.isExecutableFile(atPath: env) { return .success(URL(fileURLWithPath: env)) }
            return .failure(.binaryNotFound(tried: tried))
        }
        let besideBundle = Bundle.main.bundleURL.appendingPathComponent("orderctl")
        tried.append(besideBundle.path)
        if fm.isExecutableFile(atPath: besideBundle.path) { return .success(besideBundle) }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent(".build/debug/orderctl")
            tried.append(candidate.path)
            if fm.isExecutableFile(atPath: candidate.path) { return .success(candidate) }
            dir.deleteLastPathComponent()
        }
        return .failure(.binaryNotFound(tried: tried))
    }()

    static func url() throws -> URL { try located.get() }
}

// MARK: - Running a process

struct RunResult: CustomStringConvertible {
    var arguments: [String]
    /// The exit status, or the signal number when `signalled`.
    var status: Int32
    var signalled: Bool
    var stdout: String
    var stderr: String

    /// The exit code, or nil when the process died of a signal (a crash).
    var exitCode: Int32? { signalled ? nil : status }

    var stderrLines: [String] {
        stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLastIfEmpty()
    }
    var stdoutLines: [String] {
        stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLastIfEmpty()
    }

    var description: String {
        let exit = signalled ? "killed by signal \(status)" : "exit \(status)"
        return "`orderctl \(arguments.map(Shell.quote).joined(separator: " "))` -> \(exit)\n"
            + "--- stdout:\n\(Self.clip(stdout))\n--- stderr:\n\(Self.clip(stderr))"
    }

    static func clip(_ text: String, max: Int = 1500) -> String {
        text.count <= max ? text : String(text.prefix(max)) + "… (\(text.count - max) more characters)"
    }
}

extension Array where Element == String {
    func dropLastIfEmpty() -> [String] { last == "" ? Array(dropLast()) : self }
}

enum Shell {
    static func quote(_ s: String) -> String {
        let clipped = s.count > 60 ? String(s.prefix(57)) + "..." : s
        if !clipped.isEmpty && clipped.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:@+=,".contains($0) }) {
            return clipped
        }
        return "'" + clipped.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// sqlite3 holding the database's write lock (BEGIN IMMEDIATE) until `release()` or
/// `limit` seconds: for the tests of what orderctl does while another program writes.
struct LockHolder {
    let process: Launched
    let releaseFile: String

    init(_ sb: Sandbox, limit: Int = 60) throws {
        let marker = sb.dir.appendingPathComponent("locked-\(UUID().uuidString.prefix(6))").path
        releaseFile = marker + ".release"
        let ticks = limit * 10
        let wait =
            "touch \(marker); i=0; while [ ! -e \(releaseFile) ] && [ $i -lt \(ticks) ]; do sleep 0.1; i=$((i+1)); done"
        let script = "printf 'BEGIN IMMEDIATE;\\n.shell \(wait)\\nCOMMIT;\\n' | /usr/bin/sqlite3 \"$0\""
        process = try launch(
            URL(fileURLWithPath: "/bin/sh"), ["-c", script, sb.dbPath],
            environment: ["HOME": sb.dir.path, "PATH": "/usr/bin:/bin"], directory: sb.dir, scratch: sb.scratch)
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: marker) && Date() < deadline { usleep(20_000) }
        try #require(FileManager.default.fileExists(atPath: marker), "sqlite3 did not take the lock")
    }

    /// Lets go of the lock and waits for sqlite3 to end.
    func release() throws {
        FileManager.default.createFile(atPath: releaseFile, contents: nil)
        _ = try process.wait(timeout: 30)
    }
}

/// Runs an executable to completion with stdin from /dev/null and stdout/stderr
/// captured in files (no pipe can fill up and deadlock). A watchdog kills it after
/// `timeout` seconds so that a hang fails the test instead of the whole run.
func runProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String],
    directory: URL, scratch: URL, timeout: TimeInterval = 60
) throws -> RunResult {
    let process = try launch(executable, arguments, environment: environment, directory: directory, scratch: scratch)
    return try process.wait(timeout: timeout)
}

/// A launched process whose output goes to files.
struct Launched {
    let process: Process
    let arguments: [String]
    let outURL: URL
    let errURL: URL
    let stdinPipe: Pipe?

    func wait(timeout: TimeInterval = 60) throws -> RunResult {
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        let out = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        let err = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
        return RunResult(
            arguments: arguments, status: process.terminationStatus,
            signalled: process.terminationReason == .uncaughtSignal, stdout: out, stderr: err)
    }
}

/// Starts a process. With `gated`, stdin is a pipe the caller writes to (see the
/// concurrency test); otherwise stdin is /dev/null.
func launch(
    _ executable: URL, _ arguments: [String], environment: [String: String],
    directory: URL, scratch: URL, gated: Bool = false
) throws -> Launched {
    let id = UUID().uuidString
    let outURL = scratch.appendingPathComponent("\(id).out")
    let errURL = scratch.appendingPathComponent("\(id).err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
        try? out.close()
        try? err.close()
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = environment
    process.currentDirectoryURL = directory
    process.standardOutput = out
    process.standardError = err
    var pipe: Pipe?
    if gated {
        pipe = Pipe()
        process.standardInput = pipe
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    return Launched(process: process, arguments: arguments, outURL: outURL, errURL: errURL, stdinPipe: pipe)
}

// MARK: - A sandbox per test

/// A fresh temporary directory holding the database (`orders.db`) and HOME. Removed
/// when the sandbox goes away (set KEEP_E2E_DIRS=1 to keep it for a post-mortem).
final class Sandbox {
    let dir: URL
    let scratch: URL
    let binary: URL

    var dbPath: String { dir.appendingPathComponent("orders.db").path }

    init(template: Template? = nil) throws {
        binary = try Binary.url()
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("orderctl-e2e-\(UUID().uuidString.prefix(8))", isDirectory: true)
        scratch = dir.appendingPathComponent(".io", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        if let template { try template.copy(to: dbPath) }
    }

    deinit {
        if ProcessInfo.processInfo.environment["KEEP_E2E_DIRS"] == nil {
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// The controlled environment; `overrides` with a nil value remove a variable.
    func environment(_ overrides: [String: String?] = [:]) -> [String: String] {
        var env = [
            "ORDERCTL_DB": dbPath,
            "ORDERCTL_NOW": fixedNow,
            "NO_COLOR": "1",
            "HOME": dir.path,
            "TZ": "UTC",
            "LANG": "C.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
        ]
        // Keep coverage working when the suite runs with --enable-code-coverage.
        if let profile = ProcessInfo.processInfo.environment["LLVM_PROFILE_FILE"] { env["LLVM_PROFILE_FILE"] = profile }
        for (key, value) in overrides { env[key] = value }
        return env
    }

    /// Runs `orderctl` with the given arguments.
    @discardableResult
    func run(_ arguments: [String], env: [String: String?] = [:], timeout: TimeInterval = 60) throws -> RunResult {
        try runProcess(
            binary, arguments, environment: environment(env), directory: dir, scratch: scratch, timeout: timeout)
    }

    @discardableResult
    func run(_ arguments: String...) throws -> RunResult { try run(arguments) }

    /// Runs `orderctl` and records an issue unless it exits 0.
    @discardableResult
    func ok(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        let r = try run(arguments)
        #expect(r.exitCode == 0, "expected success: \(r)", sourceLocation: sourceLocation)
        return r
    }

    @discardableResult
    func ok(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> RunResult {
        try ok(arguments, sourceLocation: sourceLocation)
    }

    /// Runs `orderctl ... --json` (must succeed) and parses stdout.
    func json(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> Any {
        let r = try ok(arguments + ["--json"], sourceLocation: sourceLocation)
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    func jsonObject(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let r = try ok(arguments + ["--json"], sourceLocation: sourceLocation)
        let value = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return try #require(value as? [String: Any], "expected a JSON object from \(r)", sourceLocation: sourceLocation)
    }

    // MARK: the database, read with the sqlite3 command-line tool

    static let sqlite3 = URL(fileURLWithPath: "/usr/bin/sqlite3")

    /// Runs SQL with the sqlite3 CLI; rows are lines, columns separated by '|'.
    func sql(_ statement: String, db: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [String]
    {
        // A busy timeout: orderctl processes may be writing at the same moment.
        let r = try runProcess(
            Self.sqlite3,
            ["-batch", "-bail", "-noheader", "-separator", "|", "-cmd", ".timeout 5000", db ?? dbPath, statement],
            environment: ["HOME": dir.path, "PATH": "/usr/bin:/bin"], directory: dir, scratch: scratch)
        try #require(r.exitCode == 0 && r.stderr.isEmpty, "sqlite3 failed: \(r)", sourceLocation: sourceLocation)
        return r.stdoutLines
    }

    /// One value from the database.
    func scalar(_ statement: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let rows = try sql(statement, sourceLocation: sourceLocation)
        return try #require(rows.first, "no row from: \(statement)", sourceLocation: sourceLocation)
    }

    /// The whole database as SQL text (schema, every row, settings), for "nothing
    /// changed" checks: stronger than comparing row counts.
    func dump(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try runProcess(
            Self.sqlite3, ["-batch", "-bail", dbPath, ".dump"],
            environment: ["HOME": dir.path, "PATH": "/usr/bin:/bin"], directory: dir, scratch: scratch)
        try #require(r.exitCode == 0 && r.stderr.isEmpty, "sqlite3 .dump failed: \(r)", sourceLocation: sourceLocation)
        try #require(
            r.stdout.contains("CREATE TABLE orders"), "dump has no orders table: \(r)", sourceLocation: sourceLocation)
        return r.stdout
    }
}

// MARK: - Prepared databases

/// Databases built once per test run with the binary itself and copied into each
/// sandbox, so that each test starts from the same data without re-running setup.
///
/// `catalog`: EUR, time zone Europe/Berlin, shop country DE;
///   MUG-01 "Stoneware mug" 12.50, 40 in stock, reorder at 5;
///   TEE-M "T-shirt M" 19.90, stock not tracked;
///   CARD "Greeting card" 2.05, 10 in stock;
///   customers #1 Ann Lee <ann@example.com> DE, #2 Jean Dupont <jean@example.fr> FR.
/// `withOrder`: the catalog plus order A-100 (Ann Lee, 1 x TEE-M).
enum Template: Sendable {
    case catalog
    case withOrder

    static let root: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent(
                "orderctl-e2e-templates-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit {
            try? FileManager.default.removeItem(at: Template.root)
        }
        return url
    }()

    static let catalogSetup: [[String]] = [
        ["init", "--currency", "EUR", "--timezone", "Europe/Berlin", "--country", "DE"],
        [
            "product", "add", "MUG-01", "--name", "Stoneware mug", "--price", "12.50", "--stock", "40", "--reorder-at",
            "5",
        ],
        ["product", "add", "TEE-M", "--name", "T-shirt M", "--price", "19.90"],
        ["product", "add", "CARD", "--name", "Greeting card", "--price", "2.05", "--stock", "10"],
        ["customer", "add", "--name", "Ann Lee", "--email", "ann@example.com", "--country", "DE"],
        ["customer", "add", "--name", "Jean Dupont", "--email", "jean@example.fr", "--country", "FR"],
    ]

    static let orderSetup: [[String]] = [
        ["add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "A-100"]
    ]

    /// Runs `steps` with the binary on a new `orders.db` in `dir`, at the fixed clock;
    /// the database's path, or why a step failed.
    static func buildDatabase(in dir: URL, _ steps: [[String]]) -> Result<String, HarnessError> {
        do {
            let binary = try Binary.url()
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let db = dir.appendingPathComponent("orders.db").path
            let env = ["ORDERCTL_DB": db, "ORDERCTL_NOW": fixedNow, "NO_COLOR": "1", "HOME": dir.path, "TZ": "UTC"]
            for step in steps {
                let r = try runProcess(binary, step, environment: env, directory: dir, scratch: dir)
                guard r.exitCode == 0 else { return .failure(.setupFailed("\(r)")) }
            }
            return .success(db)
        } catch let e as HarnessError {
            return .failure(e)
        } catch {
            return .failure(.setupFailed("\(error)"))
        }
    }

    static let built: [String: Result<String, HarnessError>] = {
        var out: [String: Result<String, HarnessError>] = [:]
        func build(_ name: String, _ steps: [[String]]) -> Result<String, HarnessError> {
            buildDatabase(in: root.appendingPathComponent(name, isDirectory: true), steps)
        }
        out["catalog"] = build("catalog", catalogSetup)
        out["withOrder"] = build("withOrder", catalogSetup + orderSetup)
        return out
    }()

    var name: String { self == .catalog ? "catalog" : "withOrder" }

    /// Copies the database (and its WAL, if one was left behind) to `path`.
    func copy(to path: String) throws {
        let source = try Template.built[name]!.get()
        let fm = FileManager.default
        try fm.copyItem(atPath: source, toPath: path)
        if fm.fileExists(atPath: source + "-wal") { try fm.copyItem(atPath: source + "-wal", toPath: path + "-wal") }
    }
}

// MARK: - Reading output

enum Output {
    /// The cells of an aligned text table: columns are separated by two or more spaces.
    static func cells(_ line: String) -> [String] {
        line.trimmingCharacters(in: .whitespaces).split(separator: #/ {2,}/#).map(String.init)
    }

    /// The rows (as cells) of the table whose header line starts with `header`, up to
    /// the first blank line or line that does not look like part of it.
    static func table(in text: String, header: String) -> (header: [String], rows: [[String]])? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix(header) }) else { return nil }
        var rows: [[String]] = []
        for line in lines[(start + 1)...] {
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("Total:") { break }
            rows.append(cells(line))
        }
        return (cells(lines[start]), rows)
    }

    /// The text after `label` on the first line that starts with it ("Due:       x" -> "x").
    static func field(_ label: String, in text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(label) {
            return line.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// A strict RFC 4180 parser: records end in CRLF; quoted fields may hold commas,
    /// CR, LF and doubled quotes. Returns nil on malformed input.
    static func parseCSV(_ text: String) -> [[String]]? {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var chars = Array(text.unicodeScalars)[...]
        var atFieldStart = true
        while let c = chars.first {
            chars = chars.dropFirst()
            if atFieldStart && c == "\"" {
                // Quoted field.
                while true {
                    guard let q = chars.first else { return nil }
                    chars = chars.dropFirst()
                    if q == "\"" {
                        if chars.first == "\"" {
                            field.unicodeScalars.append("\"")
                            chars = chars.dropFirst()
                        } else {
                            break
                        }
                    } else {
                        field.unicodeScalars.append(q)
                    }
                }
                atFieldStart = false
                guard let next = chars.first, next == "," || next == "\r" else { return nil }
                continue
            }
            switch c {
            case ",":
                record.append(field)
                field = ""
                atFieldStart = true
            case "\r":
                guard chars.first == "\n" else { return nil }
                chars = chars.dropFirst()
                record.append(field)
                records.append(record)
                record = []
                field = ""
                atFieldStart = true
            case "\n", "\"":
                return nil  // bare LF or a quote inside an unquoted field
            default:
                field.unicodeScalars.append(c)
                atFieldStart = false
            }
        }
        guard record.isEmpty && field.isEmpty else { return nil }  // last record must end in CRLF
        return records
    }
}

// MARK: - JSON access

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
    func isNull(_ key: String) -> Bool { self[key] is NSNull }
    func objects(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
    func object(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
}
