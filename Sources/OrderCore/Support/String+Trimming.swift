import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespaces)`, without Foundation's string bridging in the
    /// common case of nothing to trim (ASCII, not blank, at both ends).
    func trimmingWhitespace() -> String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        if first < 0x80 && last < 0x80 && first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
