import Foundation
import Testing

@testable import OrderCore

@Suite("Classification")
struct ClassificationTests {
    static let eur = try! Currency(code: "EUR")

    static func eurMoney(_ text: String) -> Money { try! Money.parse(text, currency: eur) }

    static let defaults = ClassificationRules(
        order: [.express, .international, .highValue, .bulk],
        expressWithinDays: 2, bulkMinQuantity: 20,
        highValueMinTotal: eurMoney("250"), shopCountry: "DE")

    static func facts(
        shipping: Shipping = .standard, placed: String = "2026-03-04", due: String? = nil,
        units: Int64 = 1, total: String = "10.00", country: String? = "DE"
    ) -> OrderFacts {
        OrderFacts(
            shipping: shipping, placed: day(placed), due: due.map(day), totalQuantity: units,
            total: eurMoney(total), customerCountry: country)
    }

    // MARK: pure rules

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let facts: OrderFacts
        let expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain order", facts: facts(), expected: "standard"),
        Case(name: "express shipping", facts: facts(shipping: .express), expected: "express"),
        Case(name: "due same day", facts: facts(due: "2026-03-04"), expected: "express"),
        Case(name: "due in 2 days (limit)", facts: facts(due: "2026-03-06"), expected: "express"),
        Case(name: "due in 3 days", facts: facts(due: "2026-03-07"), expected: "standard"),
        Case(
            name: "due across a month end", facts: facts(placed: "2026-02-27", due: "2026-03-01"), expected: "express"),
        Case(name: "other country", facts: facts(country: "FR"), expected: "international"),
        Case(name: "same country", facts: facts(country: "DE"), expected: "standard"),
        Case(name: "no customer country", facts: facts(country: nil), expected: "standard"),
        Case(name: "total at threshold", facts: facts(total: "250.00"), expected: "high-value"),
        Case(name: "total a cent below", facts: facts(total: "249.99"), expected: "standard"),
        Case(name: "units at threshold", facts: facts(units: 20), expected: "bulk"),
        Case(name: "units one below", facts: facts(units: 19), expected: "standard"),
        // First match wins, in the configured order.
        Case(name: "express beats international", facts: facts(shipping: .express, country: "FR"), expected: "express"),
        Case(
            name: "international beats high-value", facts: facts(total: "999", country: "US"), expected: "international"
        ),
        Case(name: "high-value beats bulk", facts: facts(units: 50, total: "300"), expected: "high-value"),
        Case(
            name: "everything matches", facts: facts(shipping: .express, units: 99, total: "9999", country: "JP"),
            expected: "express"),
    ]

    @Test("default rules and thresholds", arguments: cases)
    func classify(_ c: Case) {
        #expect(Self.defaults.classify(c.facts).orderClass == c.expected)
    }

    @Test("the reason names the matching rule and why")
    func reasons() {
        let r = Self.defaults
        #expect(r.classify(Self.facts(shipping: .express)).reason == "rule express: express shipping")
        #expect(
            r.classify(Self.facts(due: "2026-03-06")).reason
                == "rule express: due 2026-03-06, 2 days after the order date (limit 2)")
        #expect(r.classify(Self.facts(country: "FR")).reason == "rule international: ships to FR, shop is in DE")
        #expect(r.classify(Self.facts(total: "250")).reason == "rule high-value: total 250.00 EUR >= 250.00 EUR")
        #expect(r.classify(Self.facts(units: 20)).reason == "rule bulk: 20 units >= 20")
        #expect(r.classify(Self.facts()).reason == "no rule matched (tried express, international, high-value, bulk)")
    }

    @Test("the rule order decides which class wins")
    func ruleOrder() {
        let both = Self.facts(shipping: .express, units: 30, total: "500")
        var r = Self.defaults
        r.order = [.bulk, .highValue, .express]
        #expect(r.classify(both).orderClass == "bulk")
        r.order = [.highValue, .bulk]
        #expect(r.classify(both).orderClass == "high-value")
        r.order = [.international]
        #expect(r.classify(both).orderClass == "standard")
        r.order = []
        #expect(r.classify(both).orderClass == "standard")
        #expect(r.classify(both).reason == "no rules configured")
    }

    @Test("thresholds are the configured ones")
    func thresholds() {
        var r = Self.defaults
        r.expressWithinDays = 0
        #expect(r.classify(Self.facts(due: "2026-03-04")).orderClass == "express")
        #expect(r.classify(Self.facts(due: "2026-03-05")).orderClass == "standard")
        r.bulkMinQuantity = 5
        #expect(r.classify(Self.facts(units: 5)).orderClass == "bulk")
        #expect(r.classify(Self.facts(units: 4)).orderClass == "standard")
        r.highValueMinTotal = Self.eurMoney("100.01")
        #expect(r.classify(Self.facts(total: "100.01")).orderClass == "high-value")
        #expect(r.classify(Self.facts(total: "100.00")).orderClass == "standard")
        r.shopCountry = nil
        #expect(r.classify(Self.facts(country: "FR")).orderClass == "standard")
        #expect(
            r.describe(.international)
                == "customer's country differs from the shop's (shop.country not set: never matches)")
    }

    @Test("rule lists parse case-insensitively; unknown and repeated rules are refused")
    func parseRuleList() throws {
        #expect(try ClassificationRules.parseRuleList(" Bulk , EXPRESS,high-value ") == [.bulk, .express, .highValue])
        #expect(try ClassificationRules.parseRuleList("") == [])
        #expect(throws: OrderError.self) { _ = try ClassificationRules.parseRuleList("express,fast") }
        #expect(throws: OrderError.self) { _ = try ClassificationRules.parseRuleList("bulk,BULK") }
    }

    // MARK: through the store

    struct StoreCase: Sendable, CustomTestStringConvertible {
        let customer: String
        let items: [String]
        var due: String? = nil
        var shipping: String? = nil
        let expected: String
        var testDescription: String {
            "\(expected): \(customer) \(items.joined(separator: " ")) due \(due ?? "-") \(shipping ?? "")"
        }
    }

    static let storeCases: [StoreCase] = [
        StoreCase(customer: "ann@example.com", items: ["TEE"], expected: "standard"),
        StoreCase(customer: "ann@example.com", items: ["TEE"], shipping: "express", expected: "express"),
        StoreCase(customer: "ann@example.com", items: ["TEE"], due: "+2d", expected: "express"),
        StoreCase(customer: "ann@example.com", items: ["TEE"], due: "tomorrow", expected: "express"),
        StoreCase(customer: "ann@example.com", items: ["TEE"], due: "+3d", expected: "standard"),
        StoreCase(customer: "bob@example.com", items: ["TEE"], expected: "international"),
        StoreCase(customer: "cy@example.com", items: ["TEE"], expected: "standard"),
        StoreCase(customer: "ann@example.com", items: ["TEE:13"], expected: "high-value"),
        StoreCase(customer: "ann@example.com", items: ["TEE@250"], expected: "high-value"),
        StoreCase(customer: "ann@example.com", items: ["TEE@249.99"], expected: "standard"),
        StoreCase(customer: "ann@example.com", items: ["POSTER:20"], expected: "bulk"),
        StoreCase(customer: "ann@example.com", items: ["POSTER:10", "TEE:9"], expected: "standard"),
        StoreCase(customer: "ann@example.com", items: ["POSTER:10", "TEE:10"], expected: "high-value"),
        StoreCase(customer: "ann@example.com", items: ["POSTER:15", "MUG-01:5"], expected: "bulk"),
        StoreCase(customer: "bob@example.com", items: ["POSTER:20"], shipping: "express", expected: "express"),
        StoreCase(customer: "bob@example.com", items: ["POSTER:20"], expected: "international"),
    ]

    @Test("each class through addOrder, stored with its reason", arguments: storeCases)
    func classifyThroughStore(_ c: StoreCase) throws {
        try withStore { store throws in
            let order = try store.addOrder(draft(c.customer, c.items, due: c.due, shipping: c.shipping)).order
            #expect(order.summary.orderClass == c.expected)
            if c.expected == "standard" {
                #expect(order.classReason.hasPrefix("no rule matched"))
            } else {
                #expect(order.classReason.hasPrefix("rule \(c.expected): "))
            }
            let classified = order.events.first { $0.kind == "classified" }
            #expect(classified?.newValue == c.expected)
            #expect(classified?.detail == order.classReason)
            #expect(
                try store.db.scalarString("SELECT class FROM orders WHERE ref = ?", order.summary.ref) == c.expected)
        }
    }

    @Test("the store reads rules and thresholds from config")
    func rulesFromConfig() throws {
        try withStore { store throws in
            #expect(try store.classificationRules() == Self.defaults)
            try store.setSetting("class.rules", "bulk, express")
            try store.setSetting("class.bulk.min-quantity", "5")
            try store.setSetting("class.express.due-within-days", "0")
            try store.setSetting("class.high-value.min-total", "100")
            let rules = try store.classificationRules()
            #expect(rules.order == [.bulk, .express])
            #expect(rules.bulkMinQuantity == 5)
            #expect(rules.expressWithinDays == 0)
            #expect(rules.highValueMinTotal == Self.eurMoney("100"))

            #expect(try store.addOrder(draft(["POSTER:5"], shipping: "express")).order.summary.orderClass == "bulk")
            #expect(try store.addOrder(draft(["TEE"], due: "tomorrow")).order.summary.orderClass == "standard")
            #expect(try store.addOrder(draft(["TEE"], due: "today")).order.summary.orderClass == "express")
            // high-value and international are no longer in the list.
            #expect(try store.addOrder(draft("bob@example.com", ["TEE:4"])).order.summary.orderClass == "standard")
        }
    }
}
