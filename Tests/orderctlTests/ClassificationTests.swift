import Foundation
import Testing

struct ClassCase: CustomTestStringConvertible, Sendable {
    var label: String
    var arguments: [String]
    var expectedClass: String
    /// What `show` prints after "Class:".
    var expectedLine: String
    var testDescription: String { label }
}

@Suite("classification: one class per order, and show names the rule")
struct ClassificationTests {
    static let defaultRules = "express, international, high-value, bulk"

    static let cases: [ClassCase] = [
        .init(
            label: "standard", arguments: ["--customer", "ann@example.com", "--item", "CARD"],
            expectedClass: "standard", expectedLine: "standard (no rule matched; tried \(defaultRules))"),
        .init(
            label: "express via --shipping express",
            arguments: ["--customer", "ann@example.com", "--item", "CARD", "--shipping", "express"],
            expectedClass: "express", expectedLine: "express (rule express: express shipping)"),
        .init(
            label: "express via due within 2 days",
            arguments: ["--customer", "ann@example.com", "--item", "CARD", "--due", "+2d"],
            expectedClass: "express",
            expectedLine: "express (rule express: due 2026-11-27, 2 days after the order date; limit 2)"),
        .init(
            label: "not express: due in 3 days",
            arguments: ["--customer", "ann@example.com", "--item", "CARD", "--due", "2026-11-28"],
            expectedClass: "standard", expectedLine: "standard (no rule matched; tried \(defaultRules))"),
        .init(
            label: "international", arguments: ["--customer", "jean@example.fr", "--item", "CARD"],
            expectedClass: "international",
            expectedLine: "international (rule international: ships to FR, shop is in DE)"),
        .init(
            label: "high-value at exactly 250.00",
            arguments: ["--customer", "ann@example.com", "--item", "TEE-M@250.00"],
            expectedClass: "high-value", expectedLine: "high-value (rule high-value: total 250.00 EUR >= 250.00 EUR)"),
        .init(
            label: "not high-value at 249.99", arguments: ["--customer", "ann@example.com", "--item", "TEE-M@249.99"],
            expectedClass: "standard", expectedLine: "standard (no rule matched; tried \(defaultRules))"),
        .init(
            label: "bulk at exactly 20 units",
            arguments: ["--customer", "ann@example.com", "--item", "TEE-M:15@1.00", "--item", "CARD:5"],
            expectedClass: "bulk", expectedLine: "bulk (rule bulk: 20 units >= 20)"),
        .init(
            label: "not bulk at 19 units", arguments: ["--customer", "ann@example.com", "--item", "TEE-M:19@1.00"],
            expectedClass: "standard", expectedLine: "standard (no rule matched; tried \(defaultRules))"),
    ]

    @Test("order class", arguments: cases)
    func classifies(_ c: ClassCase) throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(["add", "--ref", "C-1"] + c.arguments)
        let show = try sb.ok("show", "C-1")
        #expect(Output.field("Class:", in: show.stdout) == c.expectedLine)
        let json = try sb.jsonObject("show", "C-1")
        #expect(json.string("class") == c.expectedClass)
        #expect(try sb.scalar("SELECT class FROM orders WHERE ref = 'C-1'") == c.expectedClass)
        // The list filter finds it under that class.
        let listed = try sb.json("list", "--class", c.expectedClass) as? [[String: Any]]
        #expect(listed?.compactMap { $0.string("ref") } == ["C-1"])
    }

    @Test("the order of class.rules decides which rule wins; existing orders keep their class")
    func ruleOrder() throws {
        let sb = try Sandbox(template: .catalog)
        // 20 units for 400.00: both high-value and bulk.
        let both = ["add", "--customer", "ann@example.com", "--item", "TEE-M:20@20.00"]
        try sb.ok(both + ["--ref", "HB-1"])
        #expect(
            Output.field("Class:", in: try sb.ok("show", "HB-1").stdout)
                == "high-value (rule high-value: total 400.00 EUR >= 250.00 EUR)")

        let set = try sb.ok("config", "set", "class.rules", "bulk,high-value,express")
        #expect(set.stdout == "class.rules = bulk,high-value,express\n")
        #expect(try sb.ok("config", "get", "class.rules").stdout == "bulk,high-value,express\n")

        try sb.ok(both + ["--ref", "HB-2"])
        #expect(Output.field("Class:", in: try sb.ok("show", "HB-2").stdout) == "bulk (rule bulk: 20 units >= 20)")
        #expect(try sb.jsonObject("show", "HB-2").string("class") == "bulk")
        // Orders keep the class they were given when they came in.
        #expect(try sb.jsonObject("show", "HB-1").string("class") == "high-value")

        // Dropping international: a foreign customer's order is standard.
        try sb.ok("add", "--customer", "jean@example.fr", "--item", "CARD", "--ref", "FR-1")
        #expect(
            Output.field("Class:", in: try sb.ok("show", "FR-1").stdout)
                == "standard (no rule matched; tried bulk, high-value, express)")
    }
}
