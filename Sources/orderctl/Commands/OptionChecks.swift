import ArgumentParser
import Foundation
import OrderCore

/// Checks of option values that need no database, for `validate()`: a value that fails
/// one is a usage error (exit 64, with the usage line), named by its option. What needs
/// the database (an unknown SKU, a currency not in use, a relative date resolved in the
/// shop's time zone) is checked when the command runs (exit 1). README, "Exit codes".
enum OptionCheck {
    /// An IANA time zone name.
    static func timeZone(_ name: String?, option: String = "--timezone") throws {
        guard let name, TimeZone(identifier: name) == nil else { return }
        throw ValidationError(
            "invalid \(option) '\(OrderError.clip(name))': not a known time zone (e.g. Europe/Berlin, America/New_York, UTC)"
        )
    }

    /// An ISO 4217 currency code (whether any order uses it is the database's question).
    static func currency(_ code: String?, option: String = "--currency") throws {
        guard let code else { return }
        do { _ = try Currency(code: code) } catch {
            throw usage(error, option: option)
        }
    }

    /// The syntax of a date expression (`2026-01-01`, `-30d`, `fri` ...); the day it
    /// names is resolved later, in the shop's time zone. `none` passes where the option
    /// takes it (`edit --due none`).
    static func date(_ text: String?, option: String, allowNone: Bool = false) throws {
        guard let text, !(allowNone && text.lowercased() == "none") else { return }
        do {
            _ = try DateResolver(zone: TimeZone(identifier: "UTC")!).date(text, field: option)
        } catch {
            if isYearRange(error) { return }
            throw usage(error, option: option)
        }
    }

    /// The syntax of an instant (`--at`, `--date`): a date expression, an ISO 8601
    /// date-time, or `now`. Whether it lies in the future or before the order is the
    /// database's question.
    static func instant(_ text: String?, option: String) throws {
        guard let text else { return }
        do {
            _ = try DateResolver(zone: TimeZone(identifier: "UTC")!).instant(text, field: option)
        } catch {
            if isYearRange(error) { return }
            throw usage(error, option: option)
        }
    }

    /// A date near the ends of the supported years may fall inside them in the shop's
    /// time zone and outside in UTC: that one is left to the command.
    static func isYearRange(_ error: any Error) -> Bool {
        if case .invalidValue(_, _, let reason) = error as? OrderError { return reason.hasPrefix("dates must lie") }
        return false
    }

    /// A value that OrderCore's own rule for the field judges without the database (an
    /// email's shape, a name, a channel word), as a usage error naming the option. The
    /// store applies the same rule where it keeps the value, for every other way in.
    static func field<T>(_ value: String?, option: String, _ rule: (String) throws -> T) throws {
        guard let value else { return }
        do { _ = try rule(value) } catch { throw usage(error, option: option) }
    }

    /// `--item` values: `SKU[:QTY][@PRICE]` (or without a price where `prices` is
    /// false); the price's shape, not its decimals (the currency's question).
    static func items(_ texts: [String], option: String = "--item", prices: Bool = true) throws {
        for text in texts {
            do {
                let spec = try ItemSpec.parse(text)
                if let price = spec.price {
                    guard prices else {
                        throw OrderError.invalidValue(
                            field: option, value: text, reason: "expected SKU[:QTY], without a price")
                    }
                    try Money.checkShape(price, field: "price")
                }
            } catch {
                throw usage(error, option: option)
            }
        }
    }

    /// An amount's shape (`--amount 12.50`); its decimals are the currency's question.
    static func amount(_ text: String?, option: String = "--amount") throws {
        try field(text, option: option) { try Money.checkShape($0, field: "amount") }
    }

    /// A count where 0 means all.
    static func notNegative(_ value: Int?, option: String) throws {
        if let value, value < 0 { throw ValidationError("\(option) must not be negative (0 lists all)") }
    }

    /// The field an OrderError names ("stock" for `--stock`).
    static func fieldName(_ error: any Error) -> String {
        if case .invalidValue(let field, _, _) = error as? OrderError { return field }
        return "value"
    }

    /// `--shipping`: standard or express.
    static func shipping(_ text: String?) throws {
        guard let text, Shipping(rawValue: text.lowercased()) == nil else {
            return
        }
        throw ValidationError(
            "invalid --shipping '\(OrderError.clip(text))': expected \(Shipping.allCases.map(\.rawValue).joined(separator: " or "))"
        )
    }

    /// An OrderError about an option value, as a usage error naming the option.
    static func usage(_ error: any Error, option: String) -> ValidationError {
        if case .invalidValue(let field, let value, let reason) = error as? OrderError {
            // "invalid --email 'x': ...", or, for a part of the value, "invalid --item: quantity '0': ...".
            if field == option || "--" + field == option || field.isEmpty {
                return ValidationError("invalid \(option) '\(OrderError.clip(value))': \(reason)")
            }
            return ValidationError("invalid \(option): \(field) '\(OrderError.clip(value))': \(reason)")
        }
        return ValidationError("\(option): \(error)")
    }

    /// A report's period options: --from and --to (syntax), --currency, --timezone.
    static func period(from: String?, to: String?, currency: String?, timezone: String?) throws {
        try date(from, option: "--from")
        try date(to, option: "--to")
        try self.currency(currency)
        try timeZone(timezone)
    }

    /// `stats --by`: one of the dimensions (the parser names the option and the value).
    static func dimension(_ text: String) throws -> StatsDimension {
        do { return try StatsDimension.parse(text) } catch { throw ValidationError(FilterValues.reason(error)) }
    }

    /// `rule add --kind`: one of the rule kinds.
    static func ruleKind(_ text: String) throws -> RuleKind {
        do { return try RuleKind.parse(text) } catch { throw ValidationError(FilterValues.reason(error)) }
    }
}
