// `--map FIELD=COLUMN` against a CSV header (Import/ImportSources.swift, CSVImportSource
// in mapped mode), then the rows it maps.
//
// Input: the --map values, one per line, NUL, then the CSV (header and rows). The
// values go through ImportSpec, as `import --map` parses them; a mode byte first picks
// the delimiter and strictness.
import Foundation

@testable import OrderCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    let mode = input.byte()
    let parts = input.parts(2)
    let maps = parts[0].split(separator: 0x0A, omittingEmptySubsequences: true).prefix(40).map { text(Array($0)) }
    let csvBytes = parts.count > 1 ? parts[1] : []
    guard let pairs = try? ImportSpec(format: nil, maps: maps).maps else { return 0 }

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
