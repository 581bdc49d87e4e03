// JSON Lines import: the JSON value parser (Support/JSONValue.swift), the line reader
// (Import/ImportInput.swift, through zlib, so gzip input is read too) and the JSON
// Lines source that turns each line into import rows (Import/ImportSources.swift).
@testable import OrderCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    // The whole input as one JSON text.
    if let value = try? JSONValue.parse(bytes) {
        fuzzCheck(value == value, "a value unequal to itself")
    }

    // The input as a JSON Lines file: lines, then import rows.
    let path = scratchFile("in.jsonl", bytes)
    do {
        let input = try ImportInput(path: path)
        let lines = input.lines()
        var count = 0
        var total = 0
        while let line = try lines.next() {
            count += 1
            total += line.count
            fuzzCheck(lines.lineNumber == count, "line number \(lines.lineNumber) for line \(count)")
            fuzzCheck(!line.contains(0x0A), "a line with a line end in it")
            _ = try? JSONValue.parse(line)
        }
        fuzzCheck(total <= size || input.wasCompressed, "lines hold \(total) bytes of \(size)")
    } catch {}
    do {
        let source = JSONLImportSource(try ImportInput(path: path))
        var rows = 0
        while let row = try source.next(), rows < 10_000 {
            _ = row.raw
            rows += 1
        }
    } catch {}
    return 0
}
