import Foundation

/// Runs another program with bytes on its standard input and waits for it: the one
/// place orderctl starts a process (`remind --exec`, `remind --mail-to`).
public enum Subprocess {
    public struct LaunchError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The program's exit status, or 128 + the signal that ended it, as a shell reports it.
    /// A program that exits without reading its input is no error: orderctl ignores SIGPIPE.
    public static func run(
        _ executable: String, arguments: [String], environment: [String: String]? = nil, stdin: Data
    ) throws(LaunchError) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let input = Pipe()
        process.standardInput = input
        do { try process.run() } catch { throw LaunchError(description: error.localizedDescription) }
        signal(SIGPIPE, SIG_IGN)
        try? input.fileHandleForWriting.write(contentsOf: stdin)
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// The first executable `name` in `$PATH`, then in `extra` folders.
    public static func find(_ name: String, alsoIn extra: [String] = []) -> String? {
        let path = Environment.value("PATH") ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/\(name)" } + extra.map { "\($0)/\(name)" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
