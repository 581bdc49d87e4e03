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
    /// names is resolved later, in the shop's time zone.
    static func date(_ text: String?, option: String) throws {
        guard let text else { return }
        do {
            _ = try DateResolver(zone: TimeZone(identifier: "UTC")!).date(text, field: option)
        } catch {
            throw usage(error, option: option)
        }
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
        if case .invalidValue(_, let value, let reason) = error as? OrderError {
            return ValidationError("invalid \(option) '\(OrderError.clip(value))': \(reason)")
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
