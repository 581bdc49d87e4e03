import Foundation
import Testing

@testable import OrderCore

@Suite("CSV reader (RFC 4180, streaming)")
struct CSVReaderTests {
    /// Reads every record of `text`, with the physical line each starts on.
    func read(_ text: String, strict: Bool = true, chunk: Int = 128 * 1024) throws -> [(line: Int, fields: [String])] {
        try withTempDir { dir throws in
            let path = dir + "/in.csv"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let csv = try RFC4180Reader(path: path, options: .init(strict: strict, chunkSize: chunk))
            var out: [(Int, [String])] = []
            while try csv.next() { out.append((csv.recordLine, csv.fields)) }
            return out
        }
    }

    @Test("quoting, doubled quotes, embedded line breaks, CRLF, LF, CR, BOM, a last line without an end")
    func dialect() throws {
        let text = "\u{FEFF}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\n,,\rlast,\"\",end"
        let records = try read(text)
        #expect(
            records.map(\.fields) == [
                ["a", "b", "c"],
                ["x, y", "say \"hi\"", "two\nlines"],
                ["", "", ""],
                ["last", "", "end"],
            ])
        // Line numbers are physical lines: the quoted line break and the blank line count.
        #expect(records.map(\.line) == [1, 2, 5, 6])
    }

    @Test(
        "strict mode names the line and field of a stray or unclosed quote",
        arguments: [
            ("a,b\nok,ab\"c\n", CSVReadError.Kind.quoteInUnquotedField, 2, 2),
            ("a,b\n\"ab\"c,d\n", .unexpectedCharacterAfterQuote, 2, 1),
            ("a,b\n1,2\n3,\"open\nand on\n", .unterminatedQuote, 3, 2),
        ])
    func strictErrors(text: String, kind: CSVReadError.Kind, recordLine: Int, field: Int) throws {
        let error = #expect(throws: CSVReadError.self) { _ = try read(text) }
        #expect(error?.kind == kind)
        #expect(error?.recordLine == recordLine)
        #expect(error?.field == field)
    }

    @Test("lenient mode keeps stray quotes as data, like Python's csv module")
    func lenient() throws {
        #expect(try read("ab\"c,\"x\"y\n", strict: false).map(\.fields) == [["ab\"c", "xy"]])
    }

    /// A small deterministic generator, so a failure can be reproduced.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("random records written with RFC 4180 quoting read back exactly, whatever the chunk size", arguments: 1...40)
    func roundTrip(seed: Int) throws {
        var rng = SplitMix64(state: UInt64(seed))
        let alphabet: [String] = ["a", "b", "7", " ", ",", "\"", "\n", "\r\n", "é", "🎉", "="]
        var records: [[String]] = []
        for _ in 0..<Int.random(in: 1...30, using: &rng) {
            var fields: [String] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                fields.append(
                    (0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
                )
            }
            if fields == [""] { fields = ["x"] }  // a lone empty field is a blank line, which is skipped
            records.append(fields)
        }
        func quoted(_ f: String) -> String {
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }
        let ends = ["\n", "\r\n"]
        var text = records.map { $0.map(quoted).joined(separator: ",") + ends.randomElement(using: &rng)! }.joined()
        // No final line end ("\r\n" is one Character in Swift, so dropLast(1) drops either end).
        if Bool.random(using: &rng) { text = String(text.dropLast(1)) }
        let chunk = Int.random(in: 16...300, using: &rng)
        #expect(try read(text, chunk: chunk).map(\.fields) == records, "seed \(seed), chunk \(chunk)")
    }

    @Test("random bytes never crash the reader; record lines only go forward", arguments: 1...60)
    func fuzz(seed: Int) throws {
        var rng = SplitMix64(state: UInt64(seed) &* 7919)
        let pieces: [UInt8] = [44, 34, 13, 10, 97, 0, 0xC3, 0xA9, 0xFF, 32]
        let bytes = (0..<Int.random(in: 0...2000, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
        for strict in [true, false] {
            try withTempDir { dir throws in
                let path = dir + "/fuzz.csv"
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let csv = try RFC4180Reader(
                    path: path, options: .init(strict: strict, chunkSize: Int.random(in: 16...64, using: &rng)))
                var lastLine = 0
                var fieldBytes = 0
                do {
                    while try csv.next() {
                        #expect(csv.recordLine > lastLine)
                        lastLine = csv.recordLine
                        for i in 0..<csv.fieldCount { fieldBytes += csv.fieldLength(i) }
                    }
                } catch is CSVReadError {
                    // A malformed input is reported, never a crash.
                }
                #expect(fieldBytes <= bytes.count)
            }
        }
    }
}
