import Foundation
import Testing

@Suite("--json and --csv carry the same values as the tables")
struct OutputFormatTests {
    static let potter = #"Lee, Ann "The Potter""#

    /// Three orders of different customers, classes and totals.
    func threeOrders() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("customer", "add", "--name", Self.potter, "--email", "potter@example.com", "--country", "DE")
        try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M:3@18.00", "--item", "CARD:4",
            "--ref", "O-1", "--due", "+5d", "--date", "2026-11-23T09:15:00Z")
        try sb.ok(
            "add", "--customer", "potter@example.com", "--item", "MUG-01", "--shipping", "express", "--ref", "O-2",
            "--date", "2026-11-24T16:40:00Z")
        try sb.ok("add", "--customer", "jean@example.fr", "--item", "TEE-M:20@15.00", "--ref", "O-3")
        return sb
    }

    @Test("list --json parses and matches the list table row by row")
    func listJSONMatchesTable() throws {
        let sb = try threeOrders()
        let table = try #require(Output.table(in: try sb.ok("list").stdout, header: "REF"))
        let json = try #require(try sb.json("list") as? [[String: Any]], "list --json is not an array of objects")

        #expect(json.count == 3)
        #expect(table.rows.count == 3)
        #expect(json.compactMap { $0.string("ref") } == ["O-3", "O-2", "O-1"], "newest first")
        for (row, object) in zip(table.rows, json) {
            // REF PLACED CUSTOMER STATUS PAYMENT CLASS ITEMS TOTAL DUE FLAG
            #expect(object.string("ref") == row[0])
            #expect(object.string("customer") == row[2])
            #expect(object.string("status") == row[3])
            #expect(object.string("payment_status") == row[4])
            #expect(object.string("class") == row[5])
            #expect(object.int("items").map(String.init) == row[6])
            #expect(object.string("total") == row[7])
            #expect(object.string("due") == (row.count > 8 ? row[8] : nil))
            #expect(object.string("currency") == "EUR")
        }
        // The values themselves, not only their agreement.
        #expect(
            table.rows.map { [$0[0], $0[2], $0[5], $0[7]] } == [
                ["O-3", "Jean Dupont", "international", "300.00"],
                ["O-2", Self.potter, "express", "12.50"],
                ["O-1", "Ann Lee", "standard", "87.20"],
            ])
        // Amounts are decimal strings, never JSON numbers.
        #expect(json.allSatisfy { $0["total"] is String })
        #expect(json.first { $0.string("ref") == "O-1" }?.string("placed_at") == "2026-11-23T09:15:00Z")
    }

    @Test("show --json parses and matches show's text")
    func showJSONMatchesText() throws {
        let sb = try threeOrders()
        let text = try sb.ok("show", "O-1").stdout
        let json = try sb.jsonObject("show", "O-1")

        #expect(json.string("ref") == "O-1")
        #expect(json.string("status") == "pending")
        #expect(text.hasPrefix("Order O-1  pending  "))
        #expect(json.string("total") == "87.20")
        #expect(json.string("currency") == "EUR")
        #expect(Output.field("Total:", in: text)?.hasPrefix("87.20 EUR ") == true)
        #expect(json.string("class") == "standard")
        // show keeps one pair of parentheses: the reason's own become "; tried ...".
        var reason = json.string("class_reason") ?? "?"
        if reason.hasPrefix("no rule matched (tried ") {
            reason = "no rule matched; tried " + reason.dropFirst(23).dropLast()
        }
        #expect(Output.field("Class:", in: text) == "\(json.string("class") ?? "?") (\(reason))")
        #expect(json.string("customer") == "Ann Lee")
        let customer = json.object("customer_details")
        #expect(customer.string("name") == "Ann Lee")
        #expect(customer.string("email") == "ann@example.com")
        #expect(json.string("customer_email") == "ann@example.com")
        #expect(Output.field("Customer:", in: text) == "Ann Lee (#\(customer.int("id") ?? -1), ann@example.com, DE)")
        #expect(json.string("due") == "2026-11-28")
        #expect(Output.field("Due:", in: text)?.hasPrefix("2026-11-28 ") == true)

        let rows = try #require(Output.table(in: text, header: "#  SKU")).rows
        let lines = json.objects("lines")
        #expect(lines.count == 3)
        #expect(rows.count == 3)
        for (row, line) in zip(rows, lines) {
            #expect(line.int("line").map(String.init) == row[0])
            #expect(line.string("sku") == row[1])
            #expect(line.string("name") == row[2])
            #expect(line.int("quantity").map(String.init) == row[3])
            let star = line.string("price_source") == "override" ? "*" : ""
            #expect((line.string("unit_price") ?? "") + star == row[4])
            #expect(line.string("line_total") == row[5])
            #expect(line.string("currency") == "EUR")
        }
        #expect(lines.map { $0.string("price_source") ?? "" } == ["catalog", "override", "catalog"])
        #expect(json.objects("events").map { $0.string("kind") ?? "" } == ["created", "classified", "stock-reserved"])
    }

    @Test("list --csv: header row, RFC 4180 quoting of a name with a comma and a quote")
    func listCSV() throws {
        let sb = try threeOrders()
        let r = try sb.ok("list", "--csv")
        #expect(r.stdout.contains("\r\n"))
        #expect(r.stdout.contains(#","Lee, Ann ""The Potter""","#), "quoted per RFC 4180: \(r)")
        let records = try #require(Output.parseCSV(r.stdout), "not RFC 4180 CSV: \(r)")
        #expect(
            records.first == [
                "ref", "placed_at", "customer_id", "customer", "customer_email", "status", "payment_status",
                "fulfilment_status", "channel", "shipping", "class", "items", "line_count", "total", "currency", "due",
                "flag",
            ])
        #expect(records.count == 4)
        #expect(records.allSatisfy { $0.count == 17 })
        let header = records[0]
        let byRef = Dictionary(
            uniqueKeysWithValues: records.dropFirst().map { ($0[0], Dictionary(uniqueKeysWithValues: zip(header, $0))) }
        )
        #expect(byRef["O-2"]?["customer"] == Self.potter)
        #expect(byRef["O-2"]?["class"] == "express")
        #expect(byRef["O-2"]?["total"] == "12.50")
        #expect(byRef["O-1"]?["total"] == "87.20")
        #expect(byRef["O-1"]?["due"] == "2026-11-28")
        #expect(byRef["O-3"]?["due"] == "")
        #expect(byRef["O-3"]?["currency"] == "EUR")

        // customer list --csv quotes the same way.
        let customers = try #require(Output.parseCSV(try sb.ok("customer", "list", "--csv").stdout))
        #expect(customers.dropFirst().contains { $0[1] == Self.potter })
    }

    @Test("CSV cells that a spreadsheet would run as formulas are defused; numbers stay numbers")
    func csvFormulaInjection() throws {
        let sb = try Sandbox(template: .catalog)
        let names = [
            "=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "-12.50", "Plain",
        ]
        for (i, name) in names.enumerated() where i != 4 {
            try sb.ok("customer", "add", "--name=\(name)", "--email", "f\(i)@example.com")
        }
        #expect(try sb.run("customer", "add", "--name=\(names[4])", "--email", "f4@example.com").exitCode == 64)
        try sb.ok("stock", "remove", "MUG-01", "2", "--note", "=cmd|' /C calc'!A0")
        let records = try #require(
            Output.parseCSV(try sb.ok("customer", "list", "--search", "example.com", "--csv").stdout))
        let byEmail = Dictionary(uniqueKeysWithValues: records.dropFirst().map { ($0[2], $0[1]) })
        #expect(byEmail["f0@example.com"] == "'=HYPERLINK(\"http://evil.example\",\"click\")")
        #expect(byEmail["f1@example.com"] == "'+1+1")
        #expect(byEmail["f2@example.com"] == "'-2+3")
        #expect(byEmail["f3@example.com"] == "'@SUM(A1)")
        #expect(byEmail["f4@example.com"] == nil, "a tab is refused in names, so this customer does not exist")
        #expect(byEmail["f5@example.com"] == "-12.50", "a plain number is left alone")
        #expect(byEmail["f6@example.com"] == "Plain")
        // JSON carries the text as it is.
        let json = try #require(try sb.json("customer", "list", "--search", "f0@") as? [[String: Any]])
        #expect(json.first?.string("name") == names[0])
    }
}
