import Foundation

/// A length of time as the owner types it: `36h`, `3d`, `2w` (a bare number is days).
/// Kept in whole hours; shown in the largest unit that divides it.
public struct Span: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let hours: Int

    public init(hours: Int) { self.hours = hours }
    public init(days: Int) { self.hours = days * 24 }

    public static let help = "a number and h, d or w, e.g. 36h, 3d, 2w (a bare number is days)"

    public static func parse(_ text: String, field: String, max: Int = 3650 * 24) throws(OrderError) -> Span {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        var digits = Substring(t)
        var unit = 24
        if let last = t.last, !last.isNumber {
            digits = t.dropLast()
            switch last {
            case "h": unit = 1
            case "d": unit = 24
            case "w": unit = 24 * 7
            default: throw .invalidValue(field: field, value: text, reason: "expected \(help)")
            }
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits), n <= max / unit
        else {
            throw .invalidValue(field: field, value: text, reason: "expected \(help), at most \(max / 24) days")
        }
        return Span(hours: n * unit)
    }

    public var isWholeDays: Bool { hours % 24 == 0 }
    public var days: Int { hours / 24 }
    public var seconds: TimeInterval { TimeInterval(hours) * 3600 }

    /// The stored form: `36h`, `3d`, `2w`.
    public var code: String {
        if hours > 0 && hours % (24 * 7) == 0 { return "\(hours / (24 * 7))w" }
        if hours % 24 == 0 { return "\(hours / 24)d" }
        return "\(hours)h"
    }

    /// In words: `36 hours`, `3 days`, `2 weeks`, `1 day`.
    public var description: String {
        if hours > 0 && hours % (24 * 7) == 0 { return Span.count(hours / (24 * 7), "week") }
        if hours % 24 == 0 { return Span.count(hours / 24, "day") }
        return Span.count(hours, "hour")
    }

    /// An elapsed time in words, rounded down: `4 days`, `1 day`, `20 hours`.
    public static func elapsed(_ seconds: TimeInterval) -> String {
        let h = Int((max(0, seconds) / 3600).rounded(.down))
        return h >= 48 || (h >= 24 && h % 24 == 0)
            ? count(h / 24, "day") : h >= 24 ? "1 day \(count(h - 24, "hour"))" : count(h, "hour")
    }

    static func count(_ n: Int, _ unit: String) -> String { "\(n) \(unit)\(n == 1 ? "" : "s")" }

    /// An elapsed time and a limit in one unit, so they compare at a glance: "18 days"
    /// against "4.5 days", "20 hours" against "36 hours" (below two days, hours).
    public static func compared(elapsed seconds: TimeInterval, limit: Span) -> (elapsed: String, limit: String) {
        let h = Int((max(0, seconds) / 3600).rounded(.down))
        guard h >= 48 else { return (count(h, "hour"), count(limit.hours, "hour")) }
        if limit.hours < 24 { return (count(h / 24, "day"), count(limit.hours, "hour")) }
        let limitText: String
        if limit.hours % 24 == 0 {
            limitText = count(limit.hours / 24, "day")
        } else {
            let tenths = (limit.hours * 10 + 12) / 24
            limitText = tenths % 10 == 0 ? count(tenths / 10, "day") : "\(tenths / 10).\(tenths % 10) days"
        }
        return (count(h / 24, "day"), limitText)
    }

    public static func < (a: Span, b: Span) -> Bool { a.hours < b.hours }
}
