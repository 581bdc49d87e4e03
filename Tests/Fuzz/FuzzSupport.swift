// Shared by every harness (compiled into each one): reading the fuzzer's bytes, and a
// scratch file per process for the APIs that read files.
import Foundation

@testable import OrderCore

/// The fuzzer's input, consumed from the front.
struct FuzzBytes {
    let bytes: [UInt8]
    var at = 0
    init(_ data: UnsafePointer<UInt8>, _ size: Int) { bytes = Array(UnsafeBufferPointer(start: data, count: size)) }

    /// One byte, or 0 once the input is used up.
    mutating func byte() -> UInt8 {
        guard at < bytes.count else { return 0 }
        defer { at += 1 }
        return bytes[at]
    }

    /// The bytes not consumed yet.
    var rest: [UInt8] { Array(bytes[min(at, bytes.count)...]) }

    /// The rest split at NUL bytes (the separator between parts of one input).
    func parts(_ max: Int) -> [[UInt8]] {
        bytes[min(at, bytes.count)...].split(separator: 0, maxSplits: max - 1, omittingEmptySubsequences: false).map(
            Array.init)
    }
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// A scratch folder of this process (libFuzzer may run several workers at once).
let fuzzScratch: String = {
    let dir = NSTemporaryDirectory() + "orderctl-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}()

/// Writes `bytes` to a scratch file and returns its path.
func scratchFile(_ name: String, _ bytes: [UInt8]) -> String {
    let path = fuzzScratch + "/" + name
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "cannot write \(path)")
    var done = 0
    bytes.withUnsafeBytes { raw in
        while done < raw.count {
            let n = write(fd, raw.baseAddress! + done, raw.count - done)
            precondition(n > 0, "cannot write \(path)")
            done += n
        }
    }
    close(fd)
    return path
}

/// A failed check of the harness itself: a wrong answer rather than a trap.
func fuzzCheck(_ ok: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !ok { fatalError("fuzz check failed: \(message())", file: file, line: line) }
}
