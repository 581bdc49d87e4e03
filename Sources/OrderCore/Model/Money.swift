import Foundation

/// An amount in integer minor units of one ISO 4217 currency. Never a Double.
public struct Money: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public var minor: Int64
    public var currency: Currency

    public init(minor: Int64, currency: Currency) {
        self.minor = minor
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minor: 0, currency: currency) }

    /// Parses a decimal amount exactly: "12.5" -> 1250 minor units for EUR.
    /// Accepts an optional leading minus sign only when `allowNegative` is set.
    public static func parse(
        _ text: String, currency: Currency, field: String = "price",
        allowNegative: Bool = false
    ) throws(OrderError) -> Money {
        let trimmed =
            text.utf8.first == 32 || text.utf8.last == 32 || text.utf8.first == 9 || text.utf8.last == 9
            ? text.trimmingWhitespace() : text
        var digits = Substring(trimmed)
        var negative = false
        if digits.first == "-" {
            negative = true
            digits = digits.dropFirst()
        } else if digits.first == "+" {
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        let ascii: (Substring) -> Bool = { $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        guard !digits.isEmpty, parts.count <= 2,
            ascii(parts[0]), parts.count == 1 || ascii(parts[1]),
            !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty))
        else {
            var hint = "expected a decimal number such as 12.50"
            if trimmed.contains(",") && !trimmed.contains(".") { hint += " (use a dot as the decimal separator)" }
            throw .invalidValue(field: field, value: text, reason: hint)
        }
        if negative && !allowNegative {
            throw .invalidValue(field: field, value: text, reason: "must not be negative")
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        if fraction.count > currency.minorDigits {
            let reason =
                currency.minorDigits == 0
                ? "\(currency.code) has no decimal places"
                : "\(currency.code) has at most \(currency.minorDigits) decimal places"
            throw .invalidValue(field: field, value: text, reason: reason)
        }
        var value: Int64 = 0
        let padded =
            String(parts[0]) + String(fraction) + String(repeating: "0", count: currency.minorDigits - fraction.count)
        for byte in padded.utf8 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(byte) - 48)
            if o1 || o2 || a > Money.maxMinor {
                throw .invalidValue(field: field, value: text, reason: "amount is too large")
            }
            value = a
        }
        return Money(minor: negative ? -value : value, currency: currency)
    }

    /// The shape of an amount, which needs no currency: a decimal number with a dot,
    /// not negative unless `allowNegative`. How many decimals it may have is the
    /// currency's question (`parse`).
    public static func checkShape(_ text: String, field: String = "price", allowNegative: Bool = false)
        throws(OrderError)
    {
        // Four decimals pass any currency's check of places; an amount that is too large
        // is also the currency's question.
        do {
            _ = try parse(text, currency: shapeCurrency, field: field, allowNegative: allowNegative)
        } catch {
            if case .invalidValue(_, _, let reason) = error,
                reason.hasSuffix("decimal places") || reason == "amount is too large"
            {
                return
            }
            throw error
        }
    }

    /// A currency with more decimals than any ISO 4217 one (CLF has 4), for `checkShape`.
    static let shapeCurrency = Currency(unchecked: "XXX", minorDigits: 18)

    /// The largest amount accepted anywhere (10^15 minor units), so sums of many never overflow.
    public static let maxMinor: Int64 = 1_000_000_000_000 * 1000

    /// The decimal text without the currency code: "12.50", "-0.05", "1200" for JPY.
    public var decimalString: String {
        let digits = currency.minorDigits
        let magnitude = minor.magnitude
        if digits == 0 { return (minor < 0 ? "-" : "") + String(magnitude) }
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let whole = magnitude / scale
        let fraction = String(magnitude % scale)
        return (minor < 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// "12.50 EUR".
    public var description: String { "\(decimalString) \(currency.code)" }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "currency mismatch")
        return Money(minor: lhs.minor + rhs.minor, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "currency mismatch")
        return Money(minor: lhs.minor - rhs.minor, currency: lhs.currency)
    }

    public static func * (lhs: Money, rhs: Int64) -> Money {
        Money(minor: lhs.minor * rhs, currency: lhs.currency)
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minor < rhs.minor }
}

/// An ISO 4217 currency: its code and how many minor digits it has.
public struct Currency: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let code: String
    public let minorDigits: Int

    /// Currencies whose minor unit is not 2 digits (ISO 4217).
    static let exceptions: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
        "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
        "CLF": 4, "UYW": 4,
    ]

    /// The active ISO 4217 codes.
    static let codes: Set<String> = Set(
        """
        AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD \
        CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP \
        GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD \
        KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK \
        NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS \
        SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VED VES VND \
        VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    /// Validates an ISO 4217 code (case-insensitive); its minor digits come from the standard.
    public init(code: String) throws(OrderError) {
        let upper = code.uppercased()
        guard upper.count == 3, upper.unicodeScalars.allSatisfy({ $0 >= "A" && $0 <= "Z" }) else {
            throw .invalidValue(
                field: "currency", value: code, reason: "expected a three-letter ISO 4217 code such as EUR")
        }
        guard Self.codes.contains(upper) else {
            throw .invalidValue(field: "currency", value: code, reason: "not an ISO 4217 currency code")
        }
        self.code = upper
        self.minorDigits = Self.exceptions[upper] ?? 2
    }

    /// A currency made without the standard's checks (`Money.shapeCurrency`).
    init(unchecked code: String, minorDigits: Int) {
        self.code = code
        self.minorDigits = minorDigits
    }

    public var description: String { code }
}
