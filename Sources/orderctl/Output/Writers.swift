import Foundation

/// RFC 4180 CSV: fields with commas, quotes or line breaks are quoted; records end in CRLF.
/// Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
/// CR, and not a plain number) gets a leading apostrophe.
enum CSV {
    /// `--decimal-comma` or `csv.decimal-comma`: numbers as 12,50 and `;` between fields,
    /// so a German (French, ...) spreadsheet reads numbers as numbers. The setting is
    /// read at the first CSV cell, not by every command that opens the database.
    nonisolated(unsafe) static var forced: Bool?
    nonisolated(unsafe) static var setting: (() -> Bool)?
    nonisolated(unsafe) private static var cached: Bool?
    static var decimalComma: Bool {
        if let forced { return forced }
        if let cached { return cached }
        let value = setting?() ?? false
        cached = value
        return value
    }
    static var separator: String { decimalComma ? ";" : "," }

    static func field(_ text: String) -> String { field(text, number: true) }

    /// `number`: a cell that is a plain decimal number gets the decimal comma when asked.
    static func field(_ text: String, number: Bool) -> String {
        var safe = neutralise(text)
        if decimalComma && number && safe.utf8.contains(46) && isPlainNumber(safe) {
            safe = safe.replacingOccurrences(of: ".", with: ",")
        }
        let sep: UInt8 = decimalComma ? 59 : 44
        guard safe.utf8.contains(where: { $0 == sep || $0 == 34 || $0 == 10 || $0 == 13 }) else { return safe }
        return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Defuses spreadsheet formula injection ("=HYPERLINK(...)" in a customer name);
    /// numbers such as -2 or -0.50 stay numbers.
    static func neutralise(_ text: String) -> String {
        // Text that already starts with the guard ('=...) gets another, so that import,
        // which takes one off, gives back exactly what was written.
        let bytes = Array(text.utf8.prefix(2))
        if bytes.count == 2, bytes[0] == 39, [61, 43, 45, 64, 9, 13].contains(bytes[1]) { return "'" + text }
        guard let first = bytes.first, [61, 43, 45, 64, 9, 13].contains(first) else { return text }  // = + - @ TAB CR
        if isPlainNumber(text) { return text }
        return "'" + text
    }

    static func isPlainNumber(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if let first = bytes.first, first == 45 || first == 43 { bytes = bytes.dropFirst() }
        guard !bytes.isEmpty else { return false }
        var seenDot = false
        var digitsAfterDot = 0
        var digits = 0
        for b in bytes {
            if b >= 48 && b <= 57 {
                digits += 1
                if seenDot { digitsAfterDot += 1 }
            } else if b == 46 && !seenDot {
                seenDot = true
            } else {
                return false
            }
        }
        return digits > 0 && (!seenDot || digitsAfterDot > 0)
    }

    /// A record with RFC 4180 quoting only: the values exactly as they are (for
    /// rejected input rows, which must come back as they were read).
    static func plainRecord(_ fields: [String]) -> String {
        fields.map { f in
            f.utf8.contains(where: { $0 == (decimalComma ? 59 : 44) || $0 == 34 || $0 == 10 || $0 == 13 })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: separator) + "\r\n"
    }

    static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: separator) + "\r\n"
    }

    /// A record whose numbers are only those in `numbers` (export: amounts and
    /// quantities; a product named "2.5" stays as it is).
    static func record(_ fields: [String], numbers: Set<Int>) -> String {
        fields.enumerated().map { field($0.element, number: numbers.contains($0.offset)) }.joined(separator: separator)
            + "\r\n"
    }

    /// Streams a header and rows to stdout.
    static func write<T>(header: [String], rows: [T], _ row: (T) -> [String]) {
        var out = Output()
        out.write(header.map { field($0, number: false) }.joined(separator: separator) + "\r\n")
        for item in rows { out.write(row(item).map(field).joined(separator: separator) + "\r\n") }
        out.flush()
    }
}

/// Buffered stdout: one write per 64 KiB instead of one per line.
struct Output {
    private var buffer: [UInt8] = []
    let fd: Int32

    init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    // (A reader that went away, as in `| head`, ends us by SIGPIPE first.)
                    let reason = n < 0 ? String(cString: strerror(errno)) : "nothing written"
                    FileHandle.standardError.write(Data("Error: cannot write the output: \(reason)\n".utf8))
                    exit(1)
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Pretty-printed JSON with sorted keys, so output is stable from run to run.
/// Written by hand: JSONSerialization took 40 s for 100,000 orders here, and casting
/// `Any` values took most of the rest; values say how to write themselves instead.
protocol JSONEncodable {
    func writeJSON(into out: inout String, indent: Int)
}

typealias JSONObject = [String: any JSONEncodable]

/// `nil` becomes JSON null.
func orNull(_ value: (any JSONEncodable)?) -> any JSONEncodable { value ?? JSONNull() }

struct JSONNull: JSONEncodable {
    func writeJSON(into out: inout String, indent: Int) { out += "null" }
}

extension String: JSONEncodable {
    func writeJSON(into out: inout String, indent: Int) { JSON.string(self, into: &out) }
}
extension Int: JSONEncodable {
    func writeJSON(into out: inout String, indent: Int) { out += String(self) }
}
extension Int64: JSONEncodable {
    func writeJSON(into out: inout String, indent: Int) { out += String(self) }
}
extension Bool: JSONEncodable {
    func writeJSON(into out: inout String, indent: Int) { out += self ? "true" : "false" }
}
extension Array: JSONEncodable where Element: JSONEncodable {
    func writeJSON(into out: inout String, indent: Int) {
        if isEmpty {
            out += "[]"
            return
        }
        if indent < 0 {  // compact, for JSON Lines
            out += "["
            for (i, item) in enumerated() {
                if i > 0 { out += "," }
                item.writeJSON(into: &out, indent: -1)
            }
            out += "]"
            return
        }
        out += "[\n"
        let pad = String(repeating: "  ", count: indent + 1)
        for (i, item) in enumerated() {
            out += pad
            item.writeJSON(into: &out, indent: indent + 1)
            out += i == count - 1 ? "\n" : ",\n"
        }
        out += String(repeating: "  ", count: indent) + "]"
    }
}
extension Dictionary: JSONEncodable where Key == String, Value == any JSONEncodable {
    func writeJSON(into out: inout String, indent: Int) {
        if isEmpty {
            out += "{}"
            return
        }
        if indent < 0 {  // compact, for JSON Lines
            out += "{"
            for (i, entry) in sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out += "," }
                JSON.string(entry.key, into: &out)
                out += ":"
                entry.value.writeJSON(into: &out, indent: -1)
            }
            out += "}"
            return
        }
        out += "{\n"
        let pad = String(repeating: "  ", count: indent + 1)
        let entries = sorted { $0.key < $1.key }
        for (i, entry) in entries.enumerated() {
            out += pad
            JSON.string(entry.key, into: &out)
            out += ": "
            entry.value.writeJSON(into: &out, indent: indent + 1)
            out += i == entries.count - 1 ? "\n" : ",\n"
        }
        out += String(repeating: "  ", count: indent) + "}"
    }
}

enum JSON {
    static func render(_ value: some JSONEncodable) -> String {
        var out = ""
        value.writeJSON(into: &out, indent: 0)
        return out
    }

    /// One line, no spaces: a JSON Lines record.
    static func compact(_ value: some JSONEncodable) -> String {
        var out = ""
        value.writeJSON(into: &out, indent: -1)
        return out
    }

    static func string(_ s: String, into out: inout String) {
        out += "\""
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 34 || $0 == 92 }) {
            out += s
        } else {
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case let c where c.value < 0x20:
                    let hex = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// "1 line", "3 lines".
func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
