import Foundation

/// How soon a reminder wants the owner's attention; remind prints the groups in this order.
public enum Urgency: String, Sendable, CaseIterable, Comparable {
    case urgent, warning, notice

    public var title: String {
        switch self {
        case .urgent: return "Urgent"
        case .warning: return "Warning"
        case .notice: return "Notice"
        }
    }
    var rank: Int { Urgency.allCases.firstIndex(of: self)! }
    public static func < (a: Urgency, b: Urgency) -> Bool { a.rank < b.rank }
}

/// What a rule looks at. Each rule is one kind with its parameters; several rules may
/// share a kind (say `due-soon` within 2 days and `due-this-week` within 7, as a notice).
public enum RuleKind: String, Sendable, CaseIterable {
    case dueSoon = "due-soon"
    case overdue
    case stuck
    case unpaid
    case lowStock = "low-stock"
    case stockoutSoon = "stockout-soon"
    case flagged
    case shopSync = "shop-sync"
    case inbox

    public var summary: String {
        switch self {
        case .dueSoon: return "open orders due within a number of days"
        case .overdue: return "open orders past their due date"
        case .stuck:
            return
                "orders in one status longer than usual (per-status limits; auto = a percentile of how long orders stayed there, never below the floor)"
        case .unpaid: return "confirmed orders not fully paid some days after confirmation"
        case .lowStock: return "tracked products with available stock at or below their reorder level (or none left)"
        case .stockoutSoon:
            return "tracked products the demand forecast says will run out within their restock lead time"
        case .flagged: return "orders with an open exception (orderctl flag)"
        case .shopSync: return "shops whose last sync failed, or with no successful sync for a while"
        case .inbox: return "shops with orders waiting in the inbox (conflicts, orders not applied)"
        }
    }

    public var defaultUrgency: Urgency {
        switch self {
        case .overdue, .flagged: return .urgent
        case .stuck, .unpaid, .lowStock, .stockoutSoon, .shopSync, .inbox: return .warning
        case .dueSoon: return .notice
        }
    }

    /// The parameters of this kind, beyond the `urgency` and `cooldown` every rule has.
    public var parameters: [RuleParameter] {
        switch self {
        case .dueSoon:
            return [
                RuleParameter(
                    name: "within", type: .days, defaultValue: "2d",
                    summary: "fires when the due date is at most this far ahead (0d: due today)")
            ]
        case .overdue:
            return [
                RuleParameter(
                    name: "grace", type: .days, defaultValue: "0d",
                    summary: "days past the due date before it fires (0d: the day after it)")
            ]
        case .stuck:
            return RuleParameter.stuckStatuses.map { status, fallback in
                RuleParameter(
                    name: status.rawValue, type: .limit, defaultValue: "auto",
                    summary:
                        "longest time in \(status.rawValue) (auto: the percentile below, or \(fallback.code) without enough history)"
                )
            } + [
                RuleParameter(
                    name: "percentile", type: .percent, defaultValue: "90",
                    summary: "which percentile of past stays an auto limit is"),
                RuleParameter(
                    name: "floor", type: .span, defaultValue: "1d", summary: "an auto limit is never shorter than this"),
                RuleParameter(
                    name: "min-history", type: .count, defaultValue: "20",
                    summary: "past stays needed before an auto limit is learned"),
            ]
        case .unpaid:
            return [
                RuleParameter(
                    name: "after", type: .span, defaultValue: "3d",
                    summary: "time since confirmation before an unpaid balance fires")
            ]
        case .lowStock, .flagged, .inbox:
            return []
        case .shopSync:
            return [
                RuleParameter(
                    name: "after", type: .span, defaultValue: "36h",
                    summary: "time without a successful sync before it fires (a failed sync fires at once)")
            ]
        case .stockoutSoon:
            return [
                RuleParameter(
                    name: "min-weeks", type: .count, defaultValue: "8",
                    summary: "weeks of sales history needed before a product is forecast")
            ]
        }
    }

    public static func parse(_ text: String) throws(OrderError) -> RuleKind {
        guard let kind = RuleKind(rawValue: text.lowercased()) else {
            throw .invalidValue(
                field: "kind", value: text,
                reason: "expected one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }
}

public struct RuleParameter: Sendable {
    public enum ValueType: Sendable { case days, span, limit, percent, count, urgency }
    public let name: String
    public let type: ValueType
    public let defaultValue: String?
    public let summary: String

    /// The statuses the stuck rule watches, with the limit it uses before it has history.
    public static let stuckStatuses: [(OrderStatus, Span)] = [
        (.pending, Span(days: 2)), (.confirmed, Span(days: 3)), (.processing, Span(days: 3)),
        (.onHold, Span(days: 7)), (.shipped, Span(days: 14)),
    ]

    static let common: [RuleParameter] = [
        RuleParameter(
            name: "urgency", type: .urgency, defaultValue: nil,
            summary: "urgent, warning or notice (default: the kind's)"),
        RuleParameter(
            name: "cooldown", type: .span, defaultValue: nil,
            summary:
                "how long a reminder stays quiet once shown, unless its situation changes (default: the remind.cooldown setting)"
        ),
    ]

    /// Checks and normalises a value typed by the owner.
    func normalise(_ value: String) throws(OrderError) -> String {
        let field = name
        switch type {
        case .days:
            let span = try Span.parse(value, field: field)
            guard span.isWholeDays else {
                throw .invalidValue(field: field, value: value, reason: "due dates are days: give whole days, e.g. 2d")
            }
            return span.code
        case .span:
            return try Span.parse(value, field: field).code
        case .limit:
            if value.lowercased() == "auto" { return "auto" }
            let span = try Span.parse(value, field: field)
            guard span.hours > 0 else {
                throw .invalidValue(field: field, value: value, reason: "a limit must be longer than 0 (or auto)")
            }
            return span.code
        case .percent:
            return String(try Validate.integer(value, field: field, min: 50, max: 99))
        case .count:
            return String(try Validate.integer(value, field: field, min: 1, max: 1_000_000))
        case .urgency:
            guard let u = Urgency(rawValue: value.lowercased()) else {
                throw .invalidValue(field: field, value: value, reason: "expected urgent, warning or notice")
            }
            return u.rawValue
        }
    }
}

/// A stored rule.
public struct Rule: Sendable, Equatable {
    public var name: String
    public var kind: RuleKind
    /// Only the parameters the owner set; the rest take their defaults.
    public var params: [String: String]
    public var enabled: Bool
    public var builtin: Bool

    public var parameters: [RuleParameter] { kind.parameters + RuleParameter.common }

    /// The value in force: the one set, else the default.
    public func value(_ name: String) -> String? {
        params[name] ?? parameters.first { $0.name == name }?.defaultValue
    }
    public var urgency: Urgency { params["urgency"].flatMap(Urgency.init(rawValue:)) ?? kind.defaultUrgency }
    func span(_ name: String) -> Span { (try? Span.parse(value(name) ?? "0", field: name)) ?? Span(hours: 0) }
    func int(_ name: String) -> Int { Int(value(name) ?? "") ?? 0 }
}

extension OrderStore {
    static let ruleColumns = "name, kind, params, enabled, builtin"

    static func rule(from r: Row) throws -> Rule {
        let kindText = r.string(1)
        guard let kind = RuleKind(rawValue: kindText) else {
            throw OrderError.invalidValue(
                field: "rule \(r.string(0)) kind", value: kindText, reason: "not a kind this orderctl knows")
        }
        var params: [String: String] = [:]
        if case .object(let members)? = try? JSONValue.parse(Array(r.string(2).utf8)) {
            for (k, v) in members { if case .string(let s) = v { params[k] = s } }
        }
        return Rule(name: r.string(0), kind: kind, params: params, enabled: r.bool(3), builtin: r.bool(4))
    }

    public func rules() throws -> [Rule] {
        try db.read {
            try db.query("SELECT \(Self.ruleColumns) FROM rules ORDER BY builtin DESC, rowid") {
                try Self.rule(from: $0)
            }
        }
    }

    public func rule(named name: String) throws -> Rule {
        try db.read { try requireRule(name) }
    }

    func requireRule(_ name: String) throws -> Rule {
        let found = try db.query("SELECT \(Self.ruleColumns) FROM rules WHERE name = ?", name) {
            try Self.rule(from: $0)
        }
        guard let rule = found.first else {
            let known = try db.query("SELECT name FROM rules ORDER BY builtin DESC, rowid") { $0.string(0) }
            throw OrderError.invalidValue(
                field: "rule", value: name,
                reason: "no such rule (rules: \(known.joined(separator: ", ")); see 'orderctl rule list')")
        }
        return rule
    }

    /// Normalised parameters: every name known to the kind, every value checked. An
    /// empty value removes the setting (back to the default).
    static func checkedParams(_ given: [(String, String)], kind: RuleKind, into params: [String: String])
        throws(OrderError) -> [String: String]
    {
        var out = params
        let known = kind.parameters + RuleParameter.common
        for (rawName, value) in given {
            let name = rawName.lowercased()
            guard let p = known.first(where: { $0.name == name }) else {
                throw .invalidValue(
                    field: "parameter", value: rawName,
                    reason:
                        "\("aeiou".contains(kind.rawValue.first!) ? "an" : "a") \(kind.rawValue) rule has \(known.map(\.name).joined(separator: ", "))"
                )
            }
            if value.trimmingCharacters(in: .whitespaces).isEmpty {
                out[name] = nil
            } else {
                out[name] = try p.normalise(value)
            }
        }
        return out
    }

    static func paramsJSON(_ params: [String: String]) -> String {
        // Names are the kind's own and values normalised codes (3d, auto, 90, urgent):
        // nothing in them needs escaping.
        "{" + params.keys.sorted().map { "\"\($0)\":\"\(params[$0]!)\"" }.joined(separator: ",") + "}"
    }

    @discardableResult
    /// A new rule's name and parameters, as the kind's rules judge them (no database:
    /// whether the name is taken is the database's question).
    public static func checkNewRule(name: String, kind: RuleKind, params given: [(String, String)]) throws {
        let valid = name.unicodeScalars.allSatisfy {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0))) || $0 == "-" || $0 == "_"
        }
        guard !name.isEmpty, name.count <= 40, valid else {
            throw OrderError.invalidValue(
                field: "rule name", value: name, reason: "use letters, digits, - and _ (at most 40)")
        }
        _ = try checkedParams(given, kind: kind, into: [:])
    }

    public func addRule(name: String, kind: RuleKind, params given: [(String, String)], enabled: Bool = true) throws
        -> Rule
    {
        try Self.checkNewRule(name: name, kind: kind, params: given)
        let params = try Self.checkedParams(given, kind: kind, into: [:])
        return try write {
            if try db.scalarInt("SELECT count(*) FROM rules WHERE name = ?", name) > 0 {
                throw OrderError.invalidValue(
                    field: "rule name", value: name,
                    reason: "a rule with this name exists (change it with 'orderctl rule set')")
            }
            try db.run(
                "INSERT INTO rules(name, kind, params, enabled, builtin, created_at) VALUES (?, ?, ?, ?, 0, ?)",
                name, kind.rawValue, Self.paramsJSON(params), enabled, nowText)
            return try requireRule(name)
        }
    }

    @discardableResult
    public func setRule(_ name: String, params given: [(String, String)]) throws -> Rule {
        try write {
            let rule = try requireRule(name)
            let params = try Self.checkedParams(given, kind: rule.kind, into: rule.params)
            try db.run("UPDATE rules SET params = ? WHERE name = ?", Self.paramsJSON(params), rule.name)
            return try requireRule(name)
        }
    }

    @discardableResult
    public func enableRule(_ name: String, _ enabled: Bool) throws -> Rule {
        try write {
            let rule = try requireRule(name)
            try db.run("UPDATE rules SET enabled = ? WHERE name = ?", enabled, rule.name)
            return try requireRule(name)
        }
    }

    public func removeRule(_ name: String) throws {
        try write {
            let rule = try requireRule(name)
            if rule.builtin {
                throw OrderError.invalidValue(
                    field: "rule", value: rule.name,
                    reason: "a default rule cannot be removed; 'orderctl rule disable \(rule.name)' turns it off")
            }
            try db.run("DELETE FROM rules WHERE name = ?", rule.name)
            try db.run("DELETE FROM reminder_log WHERE key >= ? AND key < ?", rule.name + ":", rule.name + ";")
            try db.run("DELETE FROM reminder_runs WHERE rule = ?", rule.name)
        }
    }
}
