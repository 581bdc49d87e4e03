import Foundation

/// A calendar day in the business time zone.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= LocalDate.daysIn(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var iso: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10)
        appendDigits(&bytes, year, 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, month, 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, day, 2)
        return String(decoding: bytes, as: UTF8.self)
    }
    public var description: String { iso }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for exact day arithmetic.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(dayNumber z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// Adds months, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29).
    /// The result must lie in years 1...9999 (`addingIfValid(months:)` says when not).
    public func adding(months: Int) -> LocalDate { addingIfValid(months: months)! }

    /// The same, or nil when the result falls outside years 1...9999.
    public func addingIfValid(months: Int) -> LocalDate? {
        let index = year * 12 + (month - 1) + months
        guard index >= 12 else { return nil }
        let y = index / 12
        let m = index % 12 + 1
        guard (1...9999).contains(y) else { return nil }
        return LocalDate(year: y, month: m, day: min(day, LocalDate.daysIn(year: y, month: m)))
    }

    /// 1 = Monday ... 7 = Sunday (ISO 8601).
    public var isoWeekday: Int {
        let w = (dayNumber + 3) % 7  // 1970-01-01 was a Thursday
        return (w < 0 ? w + 7 : w) + 1
    }

    /// The ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds
    /// the year's first Thursday).
    public var isoWeek: (year: Int, week: Int) {
        let thursday = adding(days: 4 - isoWeekday)
        let jan1 = LocalDate(year: thursday.year, month: 1, day: 1)!
        return (thursday.year, jan1.days(until: thursday) / 7 + 1)
    }

    public var weekdayName: String { ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][isoWeekday - 1] }

    public func days(until other: LocalDate) -> Int { other.dayNumber - dayNumber }

    /// The instant this day starts in `zone` (handles days of 23 or 25 hours).
    public func start(in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day)
        // startOfDay copes with zones whose midnight is skipped by a DST change.
        return calendar.startOfDay(for: calendar.date(from: components.with(hour: 12))!)
    }

    /// The day an instant falls on in `zone`.
    public init(_ instant: Date, in zone: TimeZone) {
        // The zone's offset at that instant, then plain arithmetic (imports call this
        // for every order; a Calendar is slow).
        let local = instant.timeIntervalSince1970.rounded(.down) + Double(zone.secondsFromGMT(for: instant))
        self.init(dayNumber: Int((local / 86400).rounded(.down)))
    }
}

extension DateComponents {
    fileprivate func with(hour: Int) -> DateComponents {
        var c = self
        c.hour = hour
        return c
    }
}

/// Formats and parses UTC instants as stored: `2026-11-25T17:04:06Z`.
public enum Instant {
    // Both run once per row of a listing, so they work on bytes, not Characters.
    public static func format(_ date: Date) -> String {
        stamp(Int64(date.timeIntervalSince1970.rounded(.down)), stored: true)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (stored) or `YYYY-MM-DD HH:MM` (shown) for seconds since
    /// 1970 on the wall clock meant.
    private static func stamp(_ seconds: Int64, stored: Bool) -> String {
        let days = floorDiv(seconds, 86400)
        let day = LocalDate(dayNumber: Int(days))
        let rem = Int(seconds - days * 86400)
        let count = stored ? 20 : 16
        guard (0...9999).contains(day.year) else { return slowStamp(day, rem, stored: stored) }
        // Written in place: this runs for every stored time (an import writes millions).
        return String(unsafeUninitializedCapacity: count) { b in
            func two(_ at: Int, _ v: Int) {
                b[at] = UInt8(48 + v / 10)
                b[at + 1] = UInt8(48 + v % 10)
            }
            two(0, day.year / 100)
            two(2, day.year % 100)
            b[4] = UInt8(ascii: "-")
            two(5, day.month)
            b[7] = UInt8(ascii: "-")
            two(8, day.day)
            b[10] = UInt8(ascii: stored ? "T" : " ")
            two(11, rem / 3600)
            b[13] = UInt8(ascii: ":")
            two(14, rem / 60 % 60)
            if stored {
                b[16] = UInt8(ascii: ":")
                two(17, rem % 60)
                b[19] = UInt8(ascii: "Z")
            }
            return count
        }
    }

    private static func slowStamp(_ day: LocalDate, _ rem: Int, stored: Bool) -> String {
        var bytes: [UInt8] = []
        appendDigits(&bytes, day.year, 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, day.month, 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, day.day, 2)
        bytes.append(UInt8(ascii: stored ? "T" : " "))
        appendDigits(&bytes, rem / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(&bytes, rem / 60 % 60, 2)
        if stored {
            bytes.append(UInt8(ascii: ":"))
            appendDigits(&bytes, rem % 60, 2)
            bytes.append(UInt8(ascii: "Z"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ`.
    public static func parse(_ text: String) -> Date? {
        var copy = text
        return copy.withUTF8 { b -> Date? in
            guard b.count == 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
                b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "Z")
            else { return nil }
            func num(_ from: Int, _ count: Int) -> Int? {
                var v = 0
                for i in from..<(from + count) {
                    let d = Int(b[i]) - 48
                    guard d >= 0 && d <= 9 else { return nil }
                    v = v * 10 + d
                }
                return v
            }
            guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
                let s = num(17, 2), let day = LocalDate(year: y, month: mo, day: d), h < 24, mi < 60, s < 61
            else { return nil }
            return Date(timeIntervalSince1970: TimeInterval(day.dayNumber * 86400 + h * 3600 + mi * 60 + s))
        }
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Shows an instant in the business time zone: `2026-11-25 18:04`.
    public static func display(_ date: Date, in zone: TimeZone) -> String {
        // The zone's offset at that instant, then arithmetic: lists call this per row.
        stamp(Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(zone.secondsFromGMT(for: date)), stored: false)
    }
}

/// Resolves the date expressions a user types: ISO 8601 dates and date-times,
/// `today`, `tomorrow`, `yesterday`, `+3d`, `-2w`, `+1m`, `+1y`, `mon`..`sun` (the next
/// such day, never today), `eow` (this week's Sunday), `eom` (this month's last day).
public struct DateResolver: Sendable {
    public let now: Date
    public let zone: TimeZone

    public init(now: Date = Date(), zone: TimeZone) {
        self.now = now
        self.zone = zone
    }

    public var today: LocalDate { LocalDate(now, in: zone) }

    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    public static let help = "YYYY-MM-DD, today, tomorrow, yesterday, +3d, -2w, +1m, +1y, mon..sun, eow, eom"

    /// Dates outside these years are refused: they are typing mistakes, and beyond
    /// them stored instants would no longer sort or read back as text.
    public static let years = 1900...9998

    static func checkRange(_ day: LocalDate, field: String, text: String) throws(OrderError) {
        guard years.contains(day.year) else {
            throw .invalidValue(
                field: field, value: text, reason: "dates must lie between \(years.lowerBound) and \(years.upperBound)")
        }
    }

    /// A calendar day. Date-times are reduced to their day in the business zone.
    public func date(_ text: String, field: String) throws(OrderError) -> LocalDate {
        let day = try resolveDate(text, field: field)
        try Self.checkRange(day, field: field, text: text)
        return day
    }

    func resolveDate(_ text: String, field: String) throws(OrderError) -> LocalDate {
        let raw = text.trimmingWhitespace()
        let lower = raw.lowercased()
        let base = today
        switch lower {
        case "today", "now": return base
        case "tomorrow": return base.adding(days: 1)
        case "yesterday": return base.adding(days: -1)
        case "eow": return base.adding(days: 7 - base.isoWeekday)
        case "eom":
            return LocalDate(
                year: base.year, month: base.month, day: LocalDate.daysIn(year: base.year, month: base.month))!
        default: break
        }
        if let index = Self.weekdays.firstIndex(where: { lower == $0 || lower == Self.fullName($0) }) {
            var ahead = (index + 1) - base.isoWeekday
            if ahead <= 0 { ahead += 7 }
            return base.adding(days: ahead)
        }
        if let first = lower.first, first == "+" || first == "-", lower.count >= 3,
            let unit = lower.last, lower.dropFirst().dropLast().utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let n = Int(lower.dropFirst().dropLast()), n <= 100_000
        {
            let signed = first == "-" ? -n : n
            let result: LocalDate?
            switch unit {
            case "d": result = base.adding(days: signed)
            case "w": result = base.adding(days: 7 * signed)
            case "m" where abs(signed) <= 12 * 1000, "y" where abs(signed) <= 1000:
                // Past year 9999 (a clock near it) is out of range, not a trap.
                guard let moved = base.addingIfValid(months: unit == "y" ? 12 * signed : signed) else {
                    throw .invalidValue(
                        field: field, value: text,
                        reason: "dates must lie between \(Self.years.lowerBound) and \(Self.years.upperBound)")
                }
                result = moved
            default: result = nil
            }
            if let result {
                try Self.checkRange(result, field: field, text: text)
                return result
            }
        }
        if let d = LocalDate(iso: raw) { return d }
        if let instant = dateTime(raw) { return try day(of: instant, field: field, text: text) }
        throw .invalidValue(field: field, value: text, reason: "expected a date: \(Self.help)")
    }

    /// The day of an instant, refusing instants outside the supported years.
    func day(of instant: Date, field: String, text: String) throws(OrderError) -> LocalDate {
        let limit = (
            Double(LocalDate(year: Self.years.lowerBound, month: 1, day: 2)!.dayNumber) * 86400,
            Double(LocalDate(year: Self.years.upperBound, month: 12, day: 30)!.dayNumber) * 86400
        )
        guard instant.timeIntervalSince1970 >= limit.0, instant.timeIntervalSince1970 <= limit.1 else {
            throw .invalidValue(
                field: field, value: text,
                reason: "dates must lie between \(Self.years.lowerBound) and \(Self.years.upperBound)")
        }
        return LocalDate(instant, in: zone)
    }

    static func fullName(_ short: String) -> String {
        [
            "mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday",
            "fri": "friday", "sat": "saturday", "sun": "sunday",
        ][short]!
    }

    /// An instant: an ISO 8601 date-time (with `Z` or an offset, else in the business
    /// zone), `now`, or any date expression (meaning the start of that day).
    public func instant(_ text: String, field: String) throws(OrderError) -> Date {
        let raw = text.trimmingWhitespace()
        if raw.lowercased() == "now" { return now }
        if raw.count > 10, LocalDate(iso: String(raw.prefix(10))) != nil {
            if let date = dateTime(raw) {
                _ = try day(of: date, field: field, text: text)
                return date
            }
            throw .invalidValue(
                field: field, value: text,
                reason: "expected a date-time such as 2026-11-25T14:30 or 2026-11-25T13:30:00Z")
        }
        return try date(raw, field: field).start(in: zone)
    }

    /// `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM]`; a space may stand for the `T`.
    func dateTime(_ raw: String) -> Date? {
        guard raw.count > 11, let day = LocalDate(iso: String(raw.prefix(10))) else { return nil }
        let sep = raw[raw.index(raw.startIndex, offsetBy: 10)]
        guard sep == "T" || sep == " " || sep == "t" else { return nil }
        return parseTime(String(raw.dropFirst(11)), day: day)
    }

    private func parseTime(_ text: String, day: LocalDate) -> Date? {
        var rest = Substring(text)
        var offset: Int? = nil
        if rest.hasSuffix("Z") || rest.hasSuffix("z") {
            offset = 0
            rest = rest.dropLast()
        } else if let signIndex = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            // +HH:MM or +HHMM, digits only.
            let written = rest[rest.index(after: signIndex)...]
            let zonePart =
                written.count == 5 && written.dropFirst(2).first == ":"
                ? written.replacingOccurrences(of: ":", with: "") : String(written)
            guard zonePart.count == 4, zonePart.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let hh = Int(zonePart.prefix(2)), let mm = Int(zonePart.suffix(2)),
                hh < 14 || (hh == 14 && mm == 0), mm < 60
            else { return nil }
            offset = (hh * 60 + mm) * 60 * (rest[signIndex] == "-" ? -1 : 1)
            rest = rest[..<signIndex]
            // Shopify and others write `2024-01-15 10:23:45 -0500`.
            if rest.last == " " { rest = rest.dropLast() }
        }
        let hms = rest.split(separator: ":", omittingEmptySubsequences: false)
        func digits(_ part: Substring) -> Bool { part.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        guard (2...3).contains(hms.count), hms[0].count == 2, hms[1].count == 2, digits(hms[0]), digits(hms[1]),
            let h = Int(hms[0]), let m = Int(hms[1]), h < 24, m < 60
        else { return nil }
        var s = 0.0
        if hms.count == 3 {
            // SS or SS.fff: digits only (no "1e1", no "+5").
            let parts = hms[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0].count == 2, digits(parts[0]), parts.count == 1 || (!parts[1].isEmpty && digits(parts[1])),
                let sv = Double(hms[2]), sv >= 0, sv < 60
            else { return nil }
            s = sv
        }
        if let offset {
            let seconds = Double(day.dayNumber * 86400 + h * 3600 + m * 60) + s - Double(offset)
            return Date(timeIntervalSince1970: seconds)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var c = DateComponents(year: day.year, month: day.month, day: day.day, hour: h, minute: m, second: Int(s))
        c.nanosecond = 0
        return calendar.date(from: c)
    }
}

/// Appends `value` as decimal digits, zero-padded to `width`.
@inline(__always)
func appendDigits(_ bytes: inout [UInt8], _ value: Int, _ width: Int) {
    // The common case without a scratch array: 0 <= value < 10^width, width <= 4.
    if width <= 4 && value >= 0 && value < [1, 10, 100, 1000, 10000][width] {
        var div = [1, 1, 10, 100, 1000][width]
        var v = value
        for _ in 0..<width {
            bytes.append(UInt8(48 + v / div))
            v %= div
            div /= 10
        }
        return
    }
    var digits: [UInt8] = []
    var v = abs(value)
    repeat {
        digits.append(UInt8(48 + v % 10))
        v /= 10
    } while v > 0
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    for _ in digits.count..<max(width, digits.count) { bytes.append(48) }
    bytes.append(contentsOf: digits.reversed())
}
