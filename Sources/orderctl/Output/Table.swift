import Foundation

/// An aligned text table. On a terminal, wide text columns are shortened with "…" to
/// fit; in a pipe every cell is printed whole.
struct Table {
    enum Align { case left, right }

    struct Column {
        var title: String
        var align: Align = .left
        /// May be shortened to fit the terminal.
        var flexible = false
        /// A shorter form of each cell, used when shrinking flexible columns was not
        /// enough (a time dropped from a date-time).
        var shorten: ((String) -> String)? = nil
        /// Left out, lowest first, when the table still does not fit.
        var dropPriority: Int? = nil
    }

    var columns: [Column]
    var rows: [[String]] = []
    /// Styles applied after alignment, per column (plain text in, styled out).
    var stylers: [Int: (String) -> String] = [:]

    init(_ columns: [Column]) { self.columns = columns }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(width: Int? = Terminal.width) -> String {
        var columns = self.columns
        var cells = rows.map { $0.map(Self.oneLine) }
        func measure() -> [Int] {
            columns.indices.map { i in
                max(Self.displayWidth(columns[i].title), cells.map { Self.displayWidth($0[i]) }.max() ?? 0)
            }
        }
        var widths = measure()
        if let width {
            func overflow() -> Int { widths.reduce(0, +) + 2 * (columns.count - 1) - width }
            // Shrink flexible columns, widest first, but not below 12 characters (the
            // title's width as a last resort, once nothing else can go).
            func shrink(to least: Int? = nil) {
                // Not below 12 characters, or (last resort) the column's title.
                func floor(_ i: Int) -> Int { least == nil ? 12 : max(4, Self.displayWidth(columns[i].title)) }
                var over = overflow()
                while over > 0 {
                    guard
                        let i = columns.indices.filter({ columns[$0].flexible && widths[$0] > floor($0) }).max(by: {
                            widths[$0] < widths[$1]
                        })
                    else { break }
                    let cut = min(over, widths[i] - floor(i))
                    widths[i] -= cut
                    over -= cut
                }
            }
            shrink()
            // Then the shorter forms, then leave columns out, until the table fits.
            for i in columns.indices where overflow() > 0 {
                guard let shorten = columns[i].shorten else { continue }
                for r in cells.indices { cells[r][i] = shorten(cells[r][i]) }
                widths = measure()
                shrink()
            }
            while overflow() > 0,
                let i = columns.indices.filter({ columns[$0].dropPriority != nil }).min(by: {
                    columns[$0].dropPriority! < columns[$1].dropPriority!
                })
            {
                columns.remove(at: i)
                for r in cells.indices { cells[r].remove(at: i) }
                widths = measure()
                shrink()
            }
            shrink(to: 0)
        }
        var stylers: [Int: (String) -> String] = [:]
        for (i, column) in columns.enumerated() {
            if let original = self.columns.firstIndex(where: { $0.title == column.title }),
                let s = self.stylers[original]
            {
                stylers[i] = s
            }
        }
        var lines: [String] = []
        let header = columns.indices.map { i in
            Self.pad(Self.truncate(columns[i].title, to: widths[i]), widths[i], columns[i].align)
        }
        lines.append(Terminal.style(header.joined(separator: "  ").trimmingTrailingSpaces(), .bold))
        for row in cells {
            let parts = columns.indices.map { i -> String in
                let text = Self.truncate(row[i], to: widths[i])
                let padded = Self.pad(text, widths[i], columns[i].align)
                guard let styler = stylers[i] else { return padded }
                // Style the text, keep the padding plain.
                let padding = String(repeating: " ", count: widths[i] - Self.displayWidth(text))
                return columns[i].align == .left ? styler(text) + padding : padding + styler(text)
            }
            lines.append(parts.joined(separator: "  ").trimmingTrailingSpaces())
        }
        return lines.joined(separator: "\n")
    }

    static func oneLine(_ text: String) -> String {
        if isPlainASCII(text) { return text }
        return text.contains(where: \.isNewline) ? text.map { $0.isNewline ? " " : String($0) }.joined() : text
    }

    static func pad(_ text: String, _ width: Int, _ align: Align) -> String {
        let fill = String(repeating: " ", count: max(0, width - displayWidth(text)))
        return align == .left ? text + fill : fill + text
    }

    static func truncate(_ text: String, to width: Int) -> String {
        guard displayWidth(text) > width else { return text }
        var out = ""
        var used = 0
        for ch in text {
            let w = charWidth(ch)
            if used + w > width - 1 { break }
            out.append(ch)
            used += w
        }
        return out + "…"
    }

    /// Columns a string takes in a terminal: East Asian wide characters and emoji take two.
    static func displayWidth(_ text: String) -> Int {
        if isPlainASCII(text) { return text.utf8.count }
        return text.reduce(0) { $0 + charWidth($1) }
    }

    /// Printable ASCII only: one column per byte, no line breaks. Most cells are, and
    /// this spares them the Unicode property tables (which cost start-up time to load).
    static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    static func charWidth(_ ch: Character) -> Int {
        guard let scalar = ch.unicodeScalars.first else { return 0 }
        if scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .control {
            return 0
        }
        if ch.unicodeScalars.count > 1
            && ch.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation || $0 == "\u{FE0F}" })
        {
            return 2
        }
        if scalar.properties.isEmojiPresentation { return 2 }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        let bytes = utf8
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: " ") {
            end = bytes.index(before: end)
        }
        return end == bytes.endIndex ? self : String(self[..<end])
    }
}
