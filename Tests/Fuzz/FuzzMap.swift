// `--map FIELD=COLUMN` against a CSV header (Import/ImportSources.swift, CSVImportSource
// in mapped mode), then the rows it maps.
//
// Input: the --map values, one per line, NUL, then the CSV (header and rows). The
// values are split as Sources/orderctl/Commands/Import.swift splits them (a copy of
// those lines: the orderctl target is not built into the harness); a mode byte first
// picks the delimiter and strictness.
import Foundation

@testable import OrderCore

/// Import.swift: `for m in maps where !m.contains("=") { throw ... }`, then
/// `split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)` and `parts[1]`.
func commandLinePairs(_ maps: [String]) -> [(field: String, column: String)]? {
    for m in maps where !m.contains("=") { return nil }
    return maps.map { m in
        let parts = m.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]).trimmingCharacters(in: .whitespaces), String(parts[1]))
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    let mode = input.byte()
    let parts = input.parts(2)
    let maps = parts[0].split(separator: 0x0A, omittingEmptySubsequences: true).prefix(40).map { text(Array($0)) }
    let csvBytes = parts.count > 1 ? parts[1] : []
    guard let pairs = commandLinePairs(maps) else { return 0 }

    var at = 0
    let source: RFC4180Reader.ByteSource = { buffer, count in
        let n = min(count, csvBytes.count - at)
        if n > 0 { csvBytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + at, count: n) } }
        at += n
        return n
    }
    let delimiter: UInt8 = mode & 1 == 0 ? 0x2C : 0x3B
    do {
        let csv = try RFC4180Reader(source: source, options: .init(strict: mode & 2 == 0, delimiter: delimiter))
        let mapped = try CSVImportSource(csv, mode: .mapped(pairs))
        _ = mapped.notes
        var rows = 0
        while let row = try mapped.next(), rows < 1000 {
            for field in ImportField.allCases { _ = row[field] }
            rows += 1
        }
    } catch {}
    return 0
}
