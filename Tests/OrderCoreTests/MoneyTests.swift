import Foundation
import Testing

@testable import OrderCore

@Suite("Money and currencies")
struct MoneyTests {
    static let eur = try! Currency(code: "EUR")
    static let jpy = try! Currency(code: "JPY")
    static let kwd = try! Currency(code: "KWD")

    struct Parsed: Sendable, CustomTestStringConvertible {
        let text: String
        let code: String
        let minor: Int64
        var testDescription: String { "\"\(text)\" \(code) -> \(minor)" }
    }

    static let valid: [Parsed] = [
        Parsed(text: "12.30", code: "EUR", minor: 1230),
        Parsed(text: "12.3", code: "EUR", minor: 1230),
        Parsed(text: "12", code: "EUR", minor: 1200),
        Parsed(text: ".5", code: "EUR", minor: 50),
        Parsed(text: "5.", code: "EUR", minor: 500),
        Parsed(text: "0", code: "EUR", minor: 0),
        Parsed(text: "0.00", code: "EUR", minor: 0),
        Parsed(text: "0.01", code: "EUR", minor: 1),
        Parsed(text: "007.50", code: "EUR", minor: 750),
        Parsed(text: " 7.25 ", code: "EUR", minor: 725),
        Parsed(text: "+3", code: "EUR", minor: 300),
        Parsed(text: "1200", code: "JPY", minor: 1200),
        Parsed(text: "1200.", code: "JPY", minor: 1200),
        Parsed(text: "1.234", code: "KWD", minor: 1234),
        Parsed(text: "0.001", code: "KWD", minor: 1),
        Parsed(text: "2.5", code: "KWD", minor: 2500),
        Parsed(text: "1.2345", code: "CLF", minor: 12345),
        Parsed(text: "10000000000000.00", code: "EUR", minor: Money.maxMinor),
        Parsed(text: "1000000000000000", code: "JPY", minor: Money.maxMinor),
    ]

    @Test("parses decimals exactly", arguments: valid)
    func parsesExactly(_ c: Parsed) throws {
        let currency = try Currency(code: c.code)
        let money = try Money.parse(c.text, currency: currency)
        #expect(money.minor == c.minor)
        #expect(money.currency == currency)
    }

    @Test("0.1 + 0.2 is exactly 0.30")
    func pointOnePlusPointTwo() throws {
        let sum = try Money.parse("0.1", currency: Self.eur) + Money.parse("0.2", currency: Self.eur)
        #expect(sum == (try Money.parse("0.30", currency: Self.eur)))
        #expect(sum.minor == 30)
        #expect(sum.decimalString == "0.30")
        #expect(sum.description == "0.30 EUR")
        // Ten times 0.1 is exactly 1.00, where Double would drift.
        let dime = try Money.parse("0.1", currency: Self.eur)
        #expect((0..<10).reduce(Money.zero(Self.eur)) { acc, _ in acc + dime }.decimalString == "1.00")
    }

    static let garbage = [
        "1e3", "12,50", "", " ", "abc", "1.2.3", "--1", "-", "+", ".", "-.", "1 000", "12.5x",
        "0x10", "1_000", "١٢", "１２", "12.-5", "+-1", "∞", "NaN", "1.5e2",
    ]

    @Test("garbage is rejected with invalidValue naming the field and the value", arguments: garbage)
    func rejectsGarbage(text: String) throws {
        let error = #expect(throws: OrderError.self) {
            _ = try Money.parse(text, currency: Self.eur, field: "price of MUG-01", allowNegative: true)
        }
        guard case .invalidValue(let field, let value, let reason)? = error else {
            Issue.record("expected invalidValue, got \(String(describing: error))")
            return
        }
        #expect(field == "price of MUG-01")
        #expect(value == text)
        #expect(reason.contains("decimal"))
    }

    @Test("a decimal comma gets a hint")
    func decimalCommaHint() {
        let error = #expect(throws: OrderError.self) { _ = try Money.parse("12,50", currency: Self.eur) }
        #expect(
            error.map { "\($0)" }
                == "invalid price '12,50': expected a decimal number such as 12.50 (use a dot as the decimal separator)"
        )
    }

    @Test("a digit followed by a combining mark is rejected, not a crash")
    func combiningMarkAfterDigit() {
        #expect(throws: OrderError.self) { _ = try Money.parse("1\u{301}", currency: Self.eur) }
        #expect(throws: OrderError.self) { _ = try Money.parse("12.5\u{0308}", currency: Self.eur) }
    }

    struct Rejected: Sendable, CustomTestStringConvertible {
        let text: String
        let code: String
        let reason: String
        var testDescription: String { "\"\(text)\" \(code)" }
    }

    static let tooPrecise: [Rejected] = [
        Rejected(text: "12.345", code: "EUR", reason: "EUR has at most 2 decimal places"),
        Rejected(text: "0.001", code: "EUR", reason: "EUR has at most 2 decimal places"),
        Rejected(text: "12.5", code: "JPY", reason: "JPY has no decimal places"),
        Rejected(text: "12.0", code: "JPY", reason: "JPY has no decimal places"),
        Rejected(text: "1.2345", code: "KWD", reason: "KWD has at most 3 decimal places"),
    ]

    @Test("more decimals than the currency has are rejected", arguments: tooPrecise)
    func rejectsTooManyDecimals(_ c: Rejected) throws {
        let currency = try Currency(code: c.code)
        #expect(throws: OrderError.invalidValue(field: "price", value: c.text, reason: c.reason)) {
            _ = try Money.parse(c.text, currency: currency)
        }
    }

    @Test("negatives are rejected unless allowed")
    func negatives() throws {
        #expect(throws: OrderError.invalidValue(field: "price", value: "-1.50", reason: "must not be negative")) {
            _ = try Money.parse("-1.50", currency: Self.eur)
        }
        #expect(throws: OrderError.self) { _ = try Money.parse("-0.05", currency: Self.eur) }
        #expect(try Money.parse("-1.50", currency: Self.eur, allowNegative: true).minor == -150)
        #expect(try Money.parse("-0.05", currency: Self.eur, allowNegative: true).minor == -5)
        #expect(try Money.parse("-.5", currency: Self.eur, allowNegative: true).minor == -50)
        #expect(try Money.parse("-0", currency: Self.eur, allowNegative: true).minor == 0)
        #expect(try Money.parse("-1200", currency: Self.jpy, allowNegative: true).minor == -1200)
    }

    static let tooLarge: [Rejected] = [
        Rejected(text: "99999999999999999999", code: "EUR", reason: "amount is too large"),
        Rejected(text: "9223372036854775807", code: "JPY", reason: "amount is too large"),
        Rejected(text: "92233720368547758.07", code: "EUR", reason: "amount is too large"),
        Rejected(text: "10000000000000.01", code: "EUR", reason: "amount is too large"),
        Rejected(text: "1000000000000001", code: "JPY", reason: "amount is too large"),
        Rejected(text: String(repeating: "9", count: 400), code: "EUR", reason: "amount is too large"),
    ]

    @Test("overflow is rejected", arguments: tooLarge)
    func rejectsOverflow(_ c: Rejected) throws {
        let currency = try Currency(code: c.code)
        #expect(throws: OrderError.invalidValue(field: "total", value: c.text, reason: c.reason)) {
            _ = try Money.parse(c.text, currency: currency, field: "total")
        }
        #expect(throws: OrderError.invalidValue(field: "total", value: "-" + c.text, reason: c.reason)) {
            _ = try Money.parse("-" + c.text, currency: currency, field: "total", allowNegative: true)
        }
    }

    struct Printed: Sendable, CustomTestStringConvertible {
        let minor: Int64
        let code: String
        let text: String
        var testDescription: String { "\(minor) \(code) -> \(text)" }
    }

    static let printed: [Printed] = [
        Printed(minor: 1230, code: "EUR", text: "12.30"),
        Printed(minor: 1250, code: "EUR", text: "12.50"),
        Printed(minor: 5, code: "EUR", text: "0.05"),
        Printed(minor: -5, code: "EUR", text: "-0.05"),
        Printed(minor: -50, code: "EUR", text: "-0.50"),
        Printed(minor: -1234, code: "EUR", text: "-12.34"),
        Printed(minor: 0, code: "EUR", text: "0.00"),
        Printed(minor: 100, code: "EUR", text: "1.00"),
        Printed(minor: 1200, code: "JPY", text: "1200"),
        Printed(minor: -1200, code: "JPY", text: "-1200"),
        Printed(minor: 0, code: "JPY", text: "0"),
        Printed(minor: 1, code: "KWD", text: "0.001"),
        Printed(minor: -1000, code: "KWD", text: "-1.000"),
        Printed(minor: 100, code: "CLF", text: "0.0100"),
        Printed(minor: Money.maxMinor, code: "EUR", text: "10000000000000.00"),
        Printed(minor: Int64.min, code: "EUR", text: "-92233720368547758.08"),
        Printed(minor: Int64.max, code: "EUR", text: "92233720368547758.07"),
    ]

    @Test("decimalString prints exactly", arguments: printed)
    func printsExactly(_ c: Printed) throws {
        let money = Money(minor: c.minor, currency: try Currency(code: c.code))
        #expect(money.decimalString == c.text)
        #expect(money.description == "\(c.text) \(c.code)")
    }

    @Test(
        "print then parse gives the same amount",
        arguments: [Int64(0), 1, 9, 10, 99, 100, 101, 123_456_789, Money.maxMinor])
    func roundTrip(minor: Int64) throws {
        for currency in [Self.eur, Self.jpy, Self.kwd] {
            let m = Money(minor: minor, currency: currency)
            #expect(try Money.parse(m.decimalString, currency: currency) == m)
            let negative = Money(minor: -minor, currency: currency)
            #expect(try Money.parse(negative.decimalString, currency: currency, allowNegative: true) == negative)
        }
    }

    @Test("arithmetic and ordering stay in minor units")
    func arithmetic() throws {
        let a = try Money.parse("12.50", currency: Self.eur)
        #expect((a * 3).decimalString == "37.50")
        #expect((a - (try Money.parse("12.51", currency: Self.eur))).decimalString == "-0.01")
        #expect(a < (try Money.parse("12.51", currency: Self.eur)))
        #expect(Money.zero(Self.jpy).decimalString == "0")
    }

    @Test("currency codes: case-insensitive, ISO minor digits, malformed codes rejected")
    func currencies() throws {
        #expect(try Currency(code: "eur") == Self.eur)
        #expect(Self.eur.minorDigits == 2)
        #expect(Self.jpy.minorDigits == 0)
        #expect(Self.kwd.minorDigits == 3)
        #expect(try Currency(code: "Usd").code == "USD")
        #expect(try Currency(code: "CLF").minorDigits == 4)
        for bad in ["EU", "EURO", "E1R", "", "€€€", "ÉUR", " EU"] {
            let error = #expect(throws: OrderError.self, "\(bad)") { _ = try Currency(code: bad) }
            guard case .invalidValue(let field, let value, _)? = error else {
                Issue.record("no invalidValue for \(bad)")
                continue
            }
            #expect(field == "currency")
            #expect(value == bad)
        }
    }
}
