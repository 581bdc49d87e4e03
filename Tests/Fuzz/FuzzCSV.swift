// The CSV reader (Import/RFC4180Reader.swift), on any bytes, with any options.
//
// Input: one byte of options (strict, delimiter, chunk size, how the source hands out
// bytes), then the CSV bytes. Each input is read twice: in small chunks from a source
// that hands out a few bytes at a time, and in one big chunk. Both readings must give
// the same records, line numbers and error (the chunk boundaries are where a streaming
// reader goes wrong); any trap inside the reader is a finding too.
@testable import OrderCore

struct CSVOutcome: Equatable {
    var records: [[[UInt8]]] = []
    var lines: [Int] = []
    var error: CSVReadError?
}

func readAll(_ bytes: [UInt8], strict: Bool, delimiter: UInt8, chunk: Int, piece: Int) -> CSVOutcome {
    var out = CSVOutcome()
    var at = 0
    let source: RFC4180Reader.ByteSource = { buffer, count in
        let n = min(count, piece, bytes.count - at)
        if n > 0 { bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + at, count: n) } }
        at += n
        return n
    }
    do {
        let csv = try RFC4180Reader(
            source: source, options: .init(strict: strict, chunkSize: chunk, delimiter: delimiter))
        var n = 0
        while try csv.next() {
            var fields: [[UInt8]] = []
            for i in 0..<csv.fieldCount {
                let length = csv.fieldLength(i)
                let field = csv.withFieldBytes(i) { Array($0) }
                fuzzCheck(field.count == length, "fieldLength \(length) but \(field.count) bytes")
                _ = csv.validatedString(i)
                fields.append(field)
            }
            _ = csv.fields
            out.records.append(fields)
            out.lines.append(csv.recordLine)
            n += 1
            fuzzCheck(csv.recordCount == n, "recordCount \(csv.recordCount) after \(n) records")
        }
        // After the end, still the end.
        fuzzCheck(try !csv.next(), "a record after the end")
    } catch let error as CSVReadError {
        out.error = error
    } catch {
        fuzzCheck(false, "unexpected error \(error)")
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    let options = input.byte()
    let strict = options & 1 == 0
    let delimiter: UInt8 = [0x2C, 0x3B, 0x09, 0x7C][Int(options >> 1 & 3)]  // , ; tab |
    let chunk = 16 + Int(options >> 3 & 7) * 3  // 16...37
    let piece = 1 + Int(options >> 6) * 5  // 1, 6, 11, 16
    let bytes = input.rest
    let small = readAll(bytes, strict: strict, delimiter: delimiter, chunk: chunk, piece: piece)
    let big = readAll(bytes, strict: strict, delimiter: delimiter, chunk: 1 << 20, piece: 1 << 20)
    fuzzCheck(small == big, "chunk \(chunk)/piece \(piece) reads \(small) but one chunk reads \(big)")
    return 0
}
