/// Reads the ASCII armor that `age -a` writes: a BEGIN line, padded base64 in lines of
/// 64 columns (the last one shorter or full, never empty), an END line. As age does, it
/// allows CR LF line ends and whitespace before BEGIN and after END, and refuses
/// anything else: other whitespace, PEM headers, a short line before the last,
/// non-canonical base64, garbage after END. Decodes a line at a time (flat memory).
final class AgeArmor: AgeByteSource {
    static let beginLine = "-----BEGIN AGE ENCRYPTED FILE-----"
    static let endLine = "-----END AGE ENCRYPTED FILE-----"

    private let reader: AgeBufferedReader
    private let name: String
    private var decoded: [UInt8] = []
    private var decodedStart = 0
    private var finished = false
    private var sawLastLine = false
    private var lineNumber = 0

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    /// True when the input looks armored, well-formed or not: after leading whitespace
    /// it starts with "-----", or "-----BEGIN" comes early in it (after some junk).
    static func looksArmored(_ reader: AgeBufferedReader) throws -> Bool {
        let head = try reader.peek(1024)
        if head.starts(with: (Age.magic + "\n").utf8) { return false }
        if let first = head.firstIndex(where: { !isSpace($0) }), head[first...].starts(with: "-----".utf8) {
            return true
        }
        let marker = Array("-----BEGIN".utf8)
        return head.count >= marker.count
            && (head.startIndex...(head.endIndex - marker.count)).contains {
                head[$0..<($0 + marker.count)].elementsEqual(marker)
            }
    }

    init(_ reader: AgeBufferedReader, name: String) throws {
        self.reader = reader
        self.name = name
        // Leading whitespace: skipped one byte at a time (it is short, or garbage).
        var one = [UInt8](repeating: 0, count: 1)
        while let c = try reader.peek(1).first, AgeArmor.isSpace(c) {
            if c == 0x0A { lineNumber += 1 }
            _ = try reader.read(into: &one, at: 0, count: 1)
        }
        guard case .line(var line, true) = try nextLine() else { throw fail("no BEGIN line") }
        if line.last == 0x0D { line.removeLast() }
        guard line.elementsEqual(AgeArmor.beginLine.utf8) else {
            throw fail("line \(lineNumber) is not \"\(AgeArmor.beginLine)\"")
        }
    }

    private func fail(_ reason: String) -> AgeError {
        AgeError("\(name): bad armor (\(reason))", kind: .armor)
    }

    private func nextLine() throws -> AgeBufferedReader.Line {
        lineNumber += 1
        return try reader.readLine(maxLength: 66)
    }

    /// Decodes the next base64 line into `decoded`; false at the END line.
    private func decodeLine() throws -> Bool {
        let result = try nextLine()
        guard case .line(var line, let terminated) = result else {
            if case .tooLong = result { throw fail("line \(lineNumber) is longer than 64 columns") }
            throw fail("no END line; the file is truncated")
        }
        if terminated, line.last == 0x0D { line.removeLast() }
        if line.elementsEqual(AgeArmor.endLine.utf8) {
            try checkTrailer()
            return false
        }
        guard terminated else { throw fail("no END line; the file is truncated") }
        guard !line.isEmpty else { throw fail("line \(lineNumber) is empty") }
        guard line.count <= 64 else { throw fail("line \(lineNumber) is longer than 64 columns") }
        guard !sawLastLine else {
            throw fail("line \(lineNumber) follows a short line (only the last line may be short)")
        }
        guard let bytes = AgeBase64.decodePadded(line) else {
            throw fail("line \(lineNumber) is not canonical padded base64")
        }
        if line.count < 64 || line.last == UInt8(ascii: "=") { sawLastLine = true }
        decoded = bytes
        decodedStart = 0
        return true
    }

    /// After END only whitespace may follow.
    private func checkTrailer() throws {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = try reader.read(into: &chunk, at: 0, count: chunk.count)
            if n == 0 { break }
            guard chunk[0..<n].allSatisfy(AgeArmor.isSpace) else { throw fail("data after the END line") }
        }
        finished = true
    }

    func read(into buffer: inout [UInt8], at offset: Int, count: Int) throws -> Int {
        while decodedStart == decoded.count {
            if finished { return 0 }
            if try !decodeLine() { return 0 }
        }
        let n = min(count, decoded.count - decodedStart)
        buffer.replaceSubrange(offset..<(offset + n), with: decoded[decodedStart..<(decodedStart + n)])
        decodedStart += n
        return n
    }
}
