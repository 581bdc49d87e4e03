import Foundation

/// "Did you mean ...?": the known names nearest to a mistyped one.
public enum Suggest {
    /// Edits between two words (insert, delete, substitute, swap two neighbours),
    /// case-insensitive.
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased().unicodeScalars)
        let y = Array(b.lowercased().unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        // Three rows of the table, not the whole of it: many candidates are measured.
        var before = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d = min(d, before[j - 2] + 1) }
                current[j] = d
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[y.count]
    }

    /// The candidates within reach of `text` (at most a quarter of its length in edits,
    /// at least one; or starting with it), nearest first, at most `limit`.
    public static func nearest(_ text: String, in candidates: [String], limit: Int = 3) -> [String] {
        guard !text.isEmpty, text.count <= 200 else { return [] }
        // Emails share their domain: only a slip of a key or two is a near miss.
        let reach = text.contains("@") ? min(2, max(1, text.count / 6)) : max(1, text.count / 4)
        let lower = text.lowercased()
        var scored: [(String, Int)] = []
        for c in candidates where c.lowercased() != lower {
            let d = distance(text, c)
            if d <= reach {
                scored.append((c, d))
            } else if text.count >= 3, c.lowercased().hasPrefix(lower) {
                scored.append((c, reach + 1))
            }
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
    }

    /// " (did you mean 'a' or 'b'?)", or "" without a near match.
    public static func hint(_ text: String, in candidates: [String]) -> String {
        let near = nearest(text, in: candidates)
        guard !near.isEmpty else { return "" }
        let quoted = near.map { "'\($0)'" }
        let list = quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
        return "; did you mean \(list)?"
    }
}
