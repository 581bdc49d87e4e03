import Foundation
import OrderCore

/// stdout carries results, stderr diagnostics. Colors only where asked for or on a
/// terminal, never when NO_COLOR is set (unless --color always).
enum Terminal {
    nonisolated(unsafe) private(set) static var useColor = false

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    static func configure(color: ColorChoice) {
        switch color {
        case .always: useColor = true
        case .never: useColor = false
        case .auto:
            useColor =
                stdoutIsTerminal && Environment.value("NO_COLOR").map(\.isEmpty) ?? true
                && Environment.value("TERM") != "dumb"
        }
    }

    /// Width of the terminal, or nil when stdout is not one.
    static var width: Int? {
        guard stdoutIsTerminal else { return nil }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let cols = Environment.value("COLUMNS").flatMap(Int.init) { return cols }
        return 80
    }

    /// Rows of the terminal, or nil when stdout is not one.
    static var height: Int? {
        guard stdoutIsTerminal else { return nil }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        if let rows = Environment.value("LINES").flatMap(Int.init) { return rows }
        return 24
    }

    static func print(_ text: String) {
        var out = Output()
        out.write(text)
        out.write("\n")
        out.flush()
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func warn(_ text: String) {
        note("Warning: " + text)
    }

    static func fail(_ message: String, code: Int32 = 1) -> Never {
        note("Error: " + message)
        exit(code)
    }

    enum Style: String {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
        case blue = "34"
        case magenta = "35"
        case cyan = "36"
    }

    static func style(_ text: String, _ styles: Style...) -> String {
        guard useColor, !styles.isEmpty, !text.isEmpty else { return text }
        return "\u{1B}[" + styles.map(\.rawValue).joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }

    static func statusStyle(_ status: String) -> String {
        switch status {
        case "pending", "unpaid", "unfulfilled": return style(status, .yellow)
        case "cancelled", "refunded", "returned": return style(status, .red)
        case "on_hold": return style(status, .magenta)
        case "shipped", "delivered", "completed", "paid", "fulfilled": return style(status, .green)
        default: return style(status, .cyan)
        }
    }
}
