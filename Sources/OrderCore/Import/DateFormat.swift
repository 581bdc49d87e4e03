import Foundation

/// `--date-format`: a strict, strptime-like pattern for the dates of another export.
/// %Y four-digit year, %m %d %H %M %S two digits each (%m and %d also one), %b a month
/// name (Jan, January), %z an offset (+0100, +01:00, Z), %% a percent sign; anything
/// else must be there as written. The whole value must match: never a guess, and no
/// two-digit years (%y is refused).
public struct DateFormat: Sendable, Equatable {
    enum Token: Equatable, Sendable {
        case year, month, day, hour, minute, second, monthName, zone
        case literal(Character)
    }
    let tokens: [Token]
    public let pattern: String

    public init(_ pattern: String) throws(OrderError) {
        self.pattern = pattern
        var tokens: [Token] = []
        var chars = pattern.makeIterator()
        while let c = chars.next() {
            guard c == "%" else {
                tokens.append(.literal(c))
                continue
            }
            guard let d = chars.next() else {
                throw .invalidValue(field: "--date-format", value: pattern, reason: "ends with a lone %")
            }
            switch d {
            case "Y": tokens.append(.year)
            case "m": tokens.append(.month)
            case "d": tokens.append(.day)
            case "H": tokens.append(.hour)
            case "M": tokens.append(.minute)
            case "S": tokens.append(.second)
            case "b", "B": tokens.append(.monthName)
            case "z": tokens.append(.zone)
            case "%": tokens.append(.literal("%"))
            case "F": tokens += [.year, .literal("-"), .month, .literal("-"), .day]
            case "T": tokens += [.hour, .literal(":"), .minute, .literal(":"), .second]
            case "y":
                throw .invalidValue(
                    field: "--date-format", value: pattern,
                    reason: "%y (a two-digit year) is ambiguous; the data must have four-digit years (%Y)")
            default:
                throw .invalidValue(
                    field: "--date-format", value: pattern,
                    reason: "unknown directive %\(d) (known: %Y %m %d %H %M %S %b %z %F %T %%)")
            }
        }
        guard tokens.contains(.year), tokens.contains(.day), tokens.contains(.month) || tokens.contains(.monthName)
        else {
            throw .invalidValue(
                field: "--date-format", value: pattern, reason: "needs a year (%Y), a month (%m or %b) and a day (%d)")
        }
        self.tokens = tokens
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let fullMonths = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december",
    ]

    public struct Parsed: Sendable {
        public var date: LocalDate
        public var seconds: Int  // into the day
        public var offset: Int?  // seconds east of UTC, when the text has a zone
        public var hasTime: Bool
    }

    public func parse(_ text: String) -> Parsed? {
        let s = Array(text.utf8)
        var i = 0
        var y = 0
        var mo = 0
        var d = 0
        var h = 0
        var mi = 0
        var sec = 0
        var offset: Int?
        var hasTime = false
        func digits(_ min: Int, _ max: Int) -> Int? {
            var n = 0
            var v = 0
            while n < max, i < s.count, s[i] >= 48, s[i] <= 57 {
                v = v * 10 + Int(s[i] - 48)
                i += 1
                n += 1
            }
            return n >= min ? v : nil
        }
        for (k, token) in tokens.enumerated() {
            // %m and %d may have one digit only between separators (or the ends):
            // in "%Y%m%d", "2026111" would otherwise be a guess.
            func apart(_ j: Int) -> Bool {
                guard j >= 0 && j < tokens.count else { return true }
                if case .literal(let c) = tokens[j] { return !c.isNumber }
                return false
            }
            let separated = apart(k - 1) && apart(k + 1)
            switch token {
            case .year:
                guard let v = digits(4, 4) else { return nil }
                y = v
            case .month:
                guard let v = digits(separated ? 1 : 2, 2) else { return nil }
                mo = v
            case .day:
                guard let v = digits(separated ? 1 : 2, 2) else { return nil }
                d = v
            case .hour:
                guard let v = digits(2, 2) else { return nil }
                h = v
                hasTime = true
            case .minute:
                guard let v = digits(2, 2) else { return nil }
                mi = v
                hasTime = true
            case .second:
                guard let v = digits(2, 2) else { return nil }
                sec = v
            case .monthName:
                var word = ""
                while i < s.count, (s[i] | 0x20) >= 97, (s[i] | 0x20) <= 122 {
                    word.append(Character(Unicode.Scalar(s[i] | 0x20)))
                    i += 1
                }
                guard let m = Self.months.firstIndex(of: word) ?? Self.fullMonths.firstIndex(of: word) else {
                    return nil
                }
                mo = m + 1
            case .zone:
                guard i < s.count else { return nil }
                if s[i] == UInt8(ascii: "Z") {
                    offset = 0
                    i += 1
                    continue
                }
                guard s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") else { return nil }
                let sign = s[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let hh = digits(2, 2) else { return nil }
                if i < s.count, s[i] == UInt8(ascii: ":") { i += 1 }
                guard let mm = digits(2, 2), hh < 14 || (hh == 14 && mm == 0), mm < 60 else { return nil }
                offset = sign * (hh * 3600 + mm * 60)
            case .literal(let c):
                for b in String(c).utf8 {
                    guard i < s.count, s[i] == b else { return nil }
                    i += 1
                }
            }
        }
        guard i == s.count, DateResolver.years.contains(y), let date = LocalDate(year: y, month: mo, day: d),
            h < 24, mi < 60, sec < 60
        else { return nil }
        return Parsed(date: date, seconds: h * 3600 + mi * 60 + sec, offset: offset, hasTime: hasTime)
    }

    /// The instant the text names, in `zone` when it carries no offset.
    public func instant(_ text: String, zone: TimeZone) -> Date? {
        guard let p = parse(text) else { return nil }
        if let offset = p.offset {
            return Date(timeIntervalSince1970: TimeInterval(p.date.dayNumber * 86400 + p.seconds - offset))
        }
        return LocalDate.instant(p.date, seconds: p.seconds, in: zone)
    }
}

extension LocalDate {
    /// The local wall-clock time `seconds` into `date` in `zone`, as an instant. In a
    /// spring-forward gap the time is read as if the clock had not moved yet; in the
    /// repeated hour of a fall-back, the first (earlier) instant.
    static func instant(_ date: LocalDate, seconds: Int, in zone: TimeZone) -> Date {
        let naive = TimeInterval(date.dayNumber * 86400 + seconds)
        // Offsets around the naive time decide; try the offset before and after.
        let first = naive - TimeInterval(zone.secondsFromGMT(for: Date(timeIntervalSince1970: naive - 86400)))
        if TimeInterval(zone.secondsFromGMT(for: Date(timeIntervalSince1970: first))) == naive - first {
            return Date(timeIntervalSince1970: first)
        }
        let second = naive - TimeInterval(zone.secondsFromGMT(for: Date(timeIntervalSince1970: naive + 86400)))
        if TimeInterval(zone.secondsFromGMT(for: Date(timeIntervalSince1970: second))) == naive - second {
            return Date(timeIntervalSince1970: second)
        }
        return Date(timeIntervalSince1970: first)
    }
}
