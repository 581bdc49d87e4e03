import Foundation
import Testing

@testable import OrderCore

@Suite("Dates: relative expressions, DST, instants")
struct DateTests {
    /// Wednesday 2026-03-04, 11:00 in Berlin.
    let resolver = DateResolver(now: fixedNow, zone: berlin)

    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let expected: String
        var testDescription: String { "\(text) -> \(expected)" }
        init(_ text: String, _ expected: String) {
            self.text = text
            self.expected = expected
        }
    }

    static let relative: [Case] = [
        Case("today", "2026-03-04"),
        Case("TODAY", "2026-03-04"),
        Case(" today ", "2026-03-04"),
        Case("now", "2026-03-04"),
        Case("tomorrow", "2026-03-05"),
        Case("yesterday", "2026-03-03"),
        Case("+3d", "2026-03-07"),
        Case("+0d", "2026-03-04"),
        Case("-3d", "2026-03-01"),
        Case("+30d", "2026-04-03"),
        Case("-2w", "2026-02-18"),
        Case("+1w", "2026-03-11"),
        Case("+1m", "2026-04-04"),
        Case("-1m", "2026-02-04"),
        Case("+10m", "2027-01-04"),
        Case("-3m", "2025-12-04"),
        Case("+1y", "2027-03-04"),
        Case("+3D", "2026-03-07"),
        Case("eow", "2026-03-08"),
        Case("eom", "2026-03-31"),
        // Weekday names: the next such day, never today (today is a Wednesday).
        Case("wed", "2026-03-11"),
        Case("Wednesday", "2026-03-11"),
        Case("thu", "2026-03-05"),
        Case("fri", "2026-03-06"),
        Case("sat", "2026-03-07"),
        Case("sun", "2026-03-08"),
        Case("mon", "2026-03-09"),
        Case("monday", "2026-03-09"),
        Case("tue", "2026-03-10"),
        Case("TUESDAY", "2026-03-10"),
        // ISO dates, and date-times reduced to their day in the business zone.
        Case("2026-12-24", "2026-12-24"),
        Case("2028-02-29", "2028-02-29"),
        Case("2026-03-04T23:30:00Z", "2026-03-05"),
        Case("2026-03-04T22:59:59Z", "2026-03-04"),
        Case("2026-03-05T00:30", "2026-03-05"),
        Case("2026-03-05T00:30+05:00", "2026-03-04"),
    ]

    @Test("relative and absolute date expressions", arguments: relative)
    func resolves(_ c: Case) throws {
        #expect(try resolver.date(c.text, field: "due date").iso == c.expected)
    }

    struct MonthCase: Sendable, CustomTestStringConvertible {
        let now: String  // a UTC instant at noon
        let text: String
        let expected: String
        var testDescription: String { "\(now): \(text) -> \(expected)" }
        init(_ now: String, _ text: String, _ expected: String) {
            self.now = now
            self.text = text
            self.expected = expected
        }
    }

    static let monthEnds: [MonthCase] = [
        MonthCase("2026-01-31T12:00:00Z", "+1m", "2026-02-28"),
        MonthCase("2028-01-31T12:00:00Z", "+1m", "2028-02-29"),  // leap year
        MonthCase("2026-01-30T12:00:00Z", "+1m", "2026-02-28"),
        MonthCase("2026-03-31T12:00:00Z", "-1m", "2026-02-28"),
        MonthCase("2026-03-31T12:00:00Z", "+1m", "2026-04-30"),
        MonthCase("2026-08-31T12:00:00Z", "+1m", "2026-09-30"),
        MonthCase("2026-12-31T12:00:00Z", "+2m", "2027-02-28"),
        MonthCase("2026-12-15T12:00:00Z", "+1m", "2027-01-15"),
        MonthCase("2027-01-15T12:00:00Z", "-1m", "2026-12-15"),
        MonthCase("2028-02-29T12:00:00Z", "+1y", "2029-02-28"),
        MonthCase("2028-02-29T12:00:00Z", "-12m", "2027-02-28"),
        MonthCase("2028-02-10T12:00:00Z", "eom", "2028-02-29"),  // February of a leap year
        MonthCase("2026-02-10T12:00:00Z", "eom", "2026-02-28"),
        MonthCase("2000-02-10T12:00:00Z", "eom", "2000-02-29"),  // divisible by 400
        MonthCase("2100-02-10T12:00:00Z", "eom", "2100-02-28"),  // divisible by 100
        MonthCase("2026-12-31T12:00:00Z", "eom", "2026-12-31"),
        MonthCase("2026-12-31T12:00:00Z", "tomorrow", "2027-01-01"),
        MonthCase("2027-01-01T12:00:00Z", "yesterday", "2026-12-31"),
        MonthCase("2028-02-28T12:00:00Z", "tomorrow", "2028-02-29"),
        MonthCase("2026-02-28T12:00:00Z", "tomorrow", "2026-03-01"),
        MonthCase("2026-12-28T12:00:00Z", "+1w", "2027-01-04"),
        MonthCase("2026-03-08T12:00:00Z", "eow", "2026-03-08"),  // on a Sunday, eow is today
        MonthCase("2026-03-09T12:00:00Z", "eow", "2026-03-15"),  // on a Monday, the coming Sunday
        MonthCase("2026-03-08T12:00:00Z", "sun", "2026-03-15"),  // never today
        MonthCase("2026-12-30T12:00:00Z", "fri", "2027-01-01"),
    ]

    @Test("month ends, leap years, year ends", arguments: monthEnds)
    func monthEnd(_ c: MonthCase) throws {
        let r = DateResolver(now: utc(c.now), zone: berlin)
        #expect(try r.date(c.text, field: "due date").iso == c.expected)
    }

    static let invalid = [
        "2026-02-30", "2026-13-01", "2026-00-10", "2025-02-29", "garbage", "", "+3x", "3d",
        "2026-2-3", "26-03-04", "tomorrow!", "next monday", "+d", "2026-03-04T25:00",
        "2026-03-04X10:00", "2026/03/04", "2026-02-30T10:00",
    ]

    @Test("invalid dates are rejected with invalidValue naming the field", arguments: invalid)
    func rejectsInvalid(text: String) throws {
        let error = #expect(throws: OrderError.self) { _ = try resolver.date(text, field: "due date") }
        guard case .invalidValue(let field, let value, _)? = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(field == "due date")
        #expect(value == text)
    }

    static let absurd = ["+100000y", "-100000y", "+100000m", "+99999y", "-5000y"]

    @Test("absurdly far relative dates are rejected, not a crash", arguments: absurd)
    func rejectsAbsurd(text: String) throws {
        #expect(throws: OrderError.self) { _ = try resolver.date(text, field: "due date") }
    }

    @Test("a doubled sign is not a date")
    func rejectsDoubledSign() throws {
        // "--3d" must not silently mean "+3d", nor "+-3d" mean "-3d".
        for text in ["--3d", "+-3d", "++3d", "-+3d"] {
            #expect(throws: OrderError.self, "\(text)") { _ = try resolver.date(text, field: "due date") }
        }
    }

    // MARK: LocalDate

    @Test("LocalDate validates days and months, and parses exactly YYYY-MM-DD")
    func localDate() {
        #expect(LocalDate(year: 2026, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2028, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 2026, month: 4, day: 31) == nil)
        #expect(LocalDate(year: 2026, month: 0, day: 1) == nil)
        #expect(LocalDate(iso: "2026-03-04")?.iso == "2026-03-04")
        #expect(LocalDate(iso: "2026-3-04") == nil)
        #expect(LocalDate(iso: "２０２６-03-04") == nil)
        #expect(LocalDate(iso: "2026-03-04 ") == nil)
        #expect(day("2026-03-04").weekdayName == "Wed")
        #expect(day("2026-03-08").isoWeekday == 7)
        #expect(day("1970-01-01").dayNumber == 0)
        #expect(day("1969-12-31").dayNumber == -1)
        #expect(LocalDate(dayNumber: day("2028-02-29").dayNumber) == day("2028-02-29"))
        #expect(day("2026-03-01").days(until: day("2026-04-01")) == 31)
        #expect(day("2026-01-31").adding(months: 1) == day("2026-02-28"))
        #expect(day("2028-01-31").adding(months: 1) == day("2028-02-29"))
        #expect(day("2026-01-31").adding(months: -2) == day("2025-11-30"))
        #expect(day("2026-12-31") < day("2027-01-01"))
    }

    // MARK: DST

    @Test("the day DST starts in Berlin has 23 hours, the day it ends 25")
    func dstDayLengths() {
        #expect(day("2026-03-29").start(in: berlin) == utc("2026-03-28T23:00:00Z"))
        #expect(day("2026-03-30").start(in: berlin) == utc("2026-03-29T22:00:00Z"))
        #expect(day("2026-03-30").start(in: berlin).timeIntervalSince(day("2026-03-29").start(in: berlin)) == 23 * 3600)
        #expect(day("2026-10-25").start(in: berlin) == utc("2026-10-24T22:00:00Z"))
        #expect(day("2026-10-26").start(in: berlin) == utc("2026-10-25T23:00:00Z"))
        #expect(day("2026-10-26").start(in: berlin).timeIntervalSince(day("2026-10-25").start(in: berlin)) == 25 * 3600)
        #expect(day("2026-03-04").start(in: berlin) == utc("2026-03-03T23:00:00Z"))
        #expect(day("2026-07-01").start(in: berlin) == utc("2026-06-30T22:00:00Z"))
    }

    @Test("a day whose midnight is skipped starts at the first instant that exists")
    func skippedMidnight() throws {
        // Chile moves clocks from 24:00 to 01:00 on 2026-09-06 (-04 -> -03).
        let santiago = try #require(TimeZone(identifier: "America/Santiago"))
        #expect(day("2026-09-06").start(in: santiago) == utc("2026-09-06T04:00:00Z"))
        #expect(day("2026-09-05").start(in: santiago) == utc("2026-09-05T04:00:00Z"))
        #expect(LocalDate(utc("2026-09-06T04:00:00Z"), in: santiago) == day("2026-09-06"))
        #expect(LocalDate(utc("2026-09-06T03:59:59Z"), in: santiago) == day("2026-09-05"))
    }

    struct LateNight: Sendable, CustomTestStringConvertible {
        let now: String, today: String, tomorrow: String, dayAfter: String
        var testDescription: String { "\(now) -> today \(today), tomorrow \(tomorrow)" }
    }

    static let lateNights: [LateNight] = [
        // 23:30 local the night before the change (CET, then CEST).
        LateNight(now: "2026-03-28T22:30:00Z", today: "2026-03-28", tomorrow: "2026-03-29", dayAfter: "2026-03-30"),
        LateNight(now: "2026-10-24T21:30:00Z", today: "2026-10-24", tomorrow: "2026-10-25", dayAfter: "2026-10-26"),
        // 23:30 local on the short and on the long day itself.
        LateNight(now: "2026-03-29T21:30:00Z", today: "2026-03-29", tomorrow: "2026-03-30", dayAfter: "2026-03-31"),
        LateNight(now: "2026-10-25T22:30:00Z", today: "2026-10-25", tomorrow: "2026-10-26", dayAfter: "2026-10-27"),
        // 00:30 local just after midnight on the day of the change.
        LateNight(now: "2026-03-28T23:30:00Z", today: "2026-03-29", tomorrow: "2026-03-30", dayAfter: "2026-03-31"),
        LateNight(now: "2026-10-24T22:30:00Z", today: "2026-10-25", tomorrow: "2026-10-26", dayAfter: "2026-10-27"),
    ]

    @Test("tomorrow, asked late at night around a DST change, is the next local day", arguments: lateNights)
    func tomorrowAroundDST(_ c: LateNight) throws {
        let r = DateResolver(now: utc(c.now), zone: berlin)
        #expect(r.today.iso == c.today)
        #expect(try r.date("tomorrow", field: "due").iso == c.tomorrow)
        #expect(try r.date("+2d", field: "due").iso == c.dayAfter)
        #expect(try r.date("+1w", field: "due") == day(c.today).adding(days: 7))
        // As an instant, "tomorrow" is the start of that local day.
        #expect(try r.instant("tomorrow", field: "since") == day(c.tomorrow).start(in: berlin))
    }

    @Test("just after local midnight in a zone ahead of UTC, today is the local day")
    func localDayNotUTCDay() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))  // UTC+9
        let r = DateResolver(now: utc("2026-02-28T15:30:00Z"), zone: tokyo)  // 2026-03-01 00:30 local
        #expect(r.today.iso == "2026-03-01")
        #expect(try r.date("eom", field: "due").iso == "2026-03-31")
        #expect(try r.date("yesterday", field: "due").iso == "2026-02-28")
        #expect(try r.date("sun", field: "due").iso == "2026-03-08")  // 2026-03-01 is a Sunday
        #expect(try r.date("eow", field: "due").iso == "2026-03-01")

        let kiritimati = try #require(TimeZone(identifier: "Pacific/Kiritimati"))  // UTC+14
        let k = DateResolver(now: utc("2026-12-31T10:15:00Z"), zone: kiritimati)  // 2027-01-01 00:15 local
        #expect(k.today.iso == "2027-01-01")

        // And just before local midnight in a zone behind UTC, it is still the local day.
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let n = DateResolver(now: utc("2026-03-01T04:30:00Z"), zone: newYork)  // 2026-02-28 23:30 local
        #expect(n.today.iso == "2026-02-28")
        #expect(try n.date("eom", field: "due").iso == "2026-02-28")
    }

    // MARK: instants

    static let instants: [Case] = [
        Case("2026-11-25T13:30:00Z", "2026-11-25T13:30:00Z"),
        Case("2026-11-25t13:30:00z", "2026-11-25T13:30:00Z"),
        Case("2026-11-25T13:30Z", "2026-11-25T13:30:00Z"),
        Case("2026-11-25T14:30:00+01:00", "2026-11-25T13:30:00Z"),
        Case("2026-11-25T14:30+0100", "2026-11-25T13:30:00Z"),
        Case("2026-11-25T08:00-05:30", "2026-11-25T13:30:00Z"),
        Case("2026-11-26T00:30:00+11:00", "2026-11-25T13:30:00Z"),
        // Local times are in the business zone (Berlin: +01:00 in winter, +02:00 in summer).
        Case("2026-11-25T14:30", "2026-11-25T13:30:00Z"),
        Case("2026-11-25 14:30:00", "2026-11-25T13:30:00Z"),
        Case("2026-07-01T14:30", "2026-07-01T12:30:00Z"),
        Case("2026-10-25T01:30", "2026-10-24T23:30:00Z"),
        Case("2026-10-25T03:30", "2026-10-25T02:30:00Z"),
        // A date alone is the start of that day in the business zone.
        Case("2026-11-25", "2026-11-24T23:00:00Z"),
        Case("2026-03-29", "2026-03-28T23:00:00Z"),
        Case("2026-03-30", "2026-03-29T22:00:00Z"),
        Case("now", "2026-03-04T10:00:00Z"),
        Case("today", "2026-03-03T23:00:00Z"),
        Case("tomorrow", "2026-03-04T23:00:00Z"),
    ]

    @Test("instants with Z, with offsets, and in local time", arguments: instants)
    func instant(_ c: Case) throws {
        let date = try resolver.instant(c.text, field: "date")
        #expect(Instant.format(date) == c.expected)
    }

    static let badInstants = [
        "2026-11-25T24:00", "2026-11-25T13:60", "2026-11-25T1:30", "2026-11-25T13:30+15:00",
        "2026-11-25T13:30:61Z", "2026-11-25T", "2026-11-25Tnoon",
    ]

    @Test("malformed date-times are rejected", arguments: badInstants)
    func rejectsBadInstant(text: String) {
        let error = #expect(throws: OrderError.self) { _ = try resolver.instant(text, field: "date") }
        guard case .invalidValue(let field, let value, _)? = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(field == "date")
        #expect(value == text)
    }

    @Test("garbage instants are rejected", arguments: ["garbage", "2026-02-30", "2026-02-30T10:00", "", "soon"])
    func rejectsGarbageInstant(text: String) {
        let error = #expect(throws: OrderError.self) { _ = try resolver.instant(text, field: "since") }
        guard case .invalidValue(let field, let value, _)? = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(field == "since")
        #expect(value == text)
    }

    @Test(
        "Instant.format and parse round trip",
        arguments: [
            "2026-11-25T17:04:06Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2000-02-29T12:00:00Z",
            "2026-03-29T01:00:00Z", "9999-12-31T23:59:59Z", "1900-03-01T00:00:01Z",
        ])
    func instantRoundTrip(text: String) throws {
        let date = try #require(Instant.parse(text))
        #expect(Instant.format(date) == text)
        #expect(Instant.parse(Instant.format(date)) == date)
    }

    @Test("Instant.format is UTC, truncates to the second, and matches the epoch")
    func instantFormat() {
        #expect(Instant.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(Instant.format(fixedNow) == "2026-03-04T10:00:00Z")
        #expect(Instant.format(Date(timeIntervalSince1970: 1_772_618_400.999)) == "2026-03-04T10:00:00Z")
        #expect(Instant.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59Z")
        #expect(Instant.parse("2026-11-25T17:04:06") == nil)
        #expect(Instant.parse("2026-11-25T17:04Z") == nil)
        #expect(Instant.parse("") == nil)
        #expect(Instant.display(utc("2026-11-25T17:04:06Z"), in: berlin) == "2026-11-25 18:04")
        #expect(Instant.display(utc("2026-07-01T17:04:06Z"), in: berlin) == "2026-07-01 19:04")
    }
}
