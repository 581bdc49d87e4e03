import Foundation

/// The facts about an order that classification looks at.
public struct OrderFacts: Sendable {
    public var shipping: Shipping
    public var placed: LocalDate
    public var due: LocalDate?
    public var totalQuantity: Int64
    public var total: Money
    public var customerCountry: String?

    public init(
        shipping: Shipping, placed: LocalDate, due: LocalDate?, totalQuantity: Int64, total: Money,
        customerCountry: String?
    ) {
        self.shipping = shipping
        self.placed = placed
        self.due = due
        self.totalQuantity = totalQuantity
        self.total = total
        self.customerCountry = customerCountry
    }
}

public enum ClassRule: String, Sendable, CaseIterable {
    case express
    case international
    case highValue = "high-value"
    case bulk
}

/// The owner's ordered rule list with its thresholds (from `config`).
public struct ClassificationRules: Sendable, Equatable {
    public var order: [ClassRule]
    public var expressWithinDays: Int
    public var bulkMinQuantity: Int64
    public var highValueMinTotal: Money
    public var shopCountry: String?

    public static let standardClass = "standard"

    public init(
        order: [ClassRule], expressWithinDays: Int, bulkMinQuantity: Int64, highValueMinTotal: Money,
        shopCountry: String?
    ) {
        self.order = order
        self.expressWithinDays = expressWithinDays
        self.bulkMinQuantity = bulkMinQuantity
        self.highValueMinTotal = highValueMinTotal
        self.shopCountry = shopCountry
    }

    static func parseRuleList(_ text: String) throws(OrderError) -> [ClassRule] {
        var rules: [ClassRule] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() })
        where !part.isEmpty {
            guard let rule = ClassRule(rawValue: part) else {
                throw .invalidValue(
                    field: "class.rules", value: part,
                    reason: "unknown rule (known: \(ClassRule.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard !rules.contains(rule) else {
                throw .invalidValue(field: "class.rules", value: part, reason: "rule listed twice")
            }
            rules.append(rule)
        }
        return rules
    }

    /// What a rule tests, in words, for `config list` and `show`.
    public func describe(_ rule: ClassRule) -> String {
        switch rule {
        case .express: return "express shipping, or due within \(expressWithinDays) days of the order date"
        case .international:
            return shopCountry.map { "customer's country differs from the shop's (\($0))" }
                ?? "customer's country differs from the shop's (shop.country not set: never matches)"
        case .highValue: return "total of at least \(highValueMinTotal)"
        case .bulk: return "at least \(bulkMinQuantity) units in all"
        }
    }

    /// The first rule that matches decides the class; its reason says why.
    public func classify(_ facts: OrderFacts) -> (orderClass: String, reason: String) {
        for rule in order {
            if let reason = matches(rule, facts) { return (rule.rawValue, "rule \(rule.rawValue): \(reason)") }
        }
        let tried =
            order.isEmpty
            ? "no rules configured" : "no rule matched (tried \(order.map(\.rawValue).joined(separator: ", ")))"
        return (Self.standardClass, tried)
    }

    func matches(_ rule: ClassRule, _ f: OrderFacts) -> String? {
        switch rule {
        case .express:
            if f.shipping == .express { return "express shipping" }
            if let due = f.due, f.placed.days(until: due) <= expressWithinDays {
                let days = f.placed.days(until: due)
                return
                    "due \(due.iso), \(days) day\(days == 1 ? "" : "s") after the order date (limit \(expressWithinDays))"
            }
            return nil
        case .international:
            guard let shop = shopCountry, let country = f.customerCountry, country != shop else { return nil }
            return "ships to \(country), shop is in \(shop)"
        case .highValue:
            return f.total.minor >= highValueMinTotal.minor ? "total \(f.total) >= \(highValueMinTotal)" : nil
        case .bulk:
            return f.totalQuantity >= bulkMinQuantity ? "\(f.totalQuantity) units >= \(bulkMinQuantity)" : nil
        }
    }
}
