import Foundation
import Testing

@Suite("add, list and show round trip")
struct OrderRoundTripTests {
    @Test("a 3-line order reads back the same in show, list and the database")
    func threeLineRoundTrip() throws {
        let sb = try Sandbox(template: .catalog)
        let add = try sb.ok(
            "add", "--customer", "ann@example.com",
            "--item", "MUG-01:2", "--item", "TEE-M:3@18.00", "--item", "CARD:4",
            "--ref", "R-100", "--due", "+3d", "--channel", "phone", "--note", "Gift wrap, please")
        #expect(add.stdoutLines.first == "Added order R-100")

        let expectedLines: [[String]] = [
            ["1", "MUG-01", "Stoneware mug", "2", "12.50", "25.00", "2 reserved"],
            ["2", "TEE-M", "T-shirt M", "3", "18.00*", "54.00"],
            ["3", "CARD", "Greeting card", "4", "2.05", "8.20", "4 reserved"],
        ]

        // `add` prints the stored order.
        let addTable = try #require(Output.table(in: add.stdout, header: "#  SKU"), "no line table in: \(add)")
        #expect(addTable.rows == expectedLines)

        // `show` prints the same, with header fields.
        let show = try sb.ok("show", "R-100")
        #expect(show.stdoutLines.first == "Order R-100  pending  payment unpaid  fulfilment unfulfilled")
        #expect(Output.field("Customer:", in: show.stdout) == "Ann Lee (#1, ann@example.com, DE)")
        #expect(Output.field("Placed:", in: show.stdout) == "2026-11-25 11:00 via phone, standard shipping")
        #expect(Output.field("Due:", in: show.stdout) == "2026-11-28 (Sat, in 3 days)")
        #expect(Output.field("Note:", in: show.stdout) == "Gift wrap, please")
        let table = try #require(Output.table(in: show.stdout, header: "#  SKU"), "no line table in: \(show)")
        #expect(table.header == ["#", "SKU", "NAME", "QTY", "PRICE", "TOTAL", "STOCK"])
        #expect(table.rows == expectedLines)
        #expect(Output.field("Total:", in: show.stdout) == "87.20 EUR  (9 units in 3 lines)")
        #expect(Output.field("Stock:", in: show.stdout) == "6 units reserved")
        #expect(show.stdout.contains("created: pending (3 lines, 9 units, total 87.20 EUR)"))

        // A second order, placed earlier, so that list has to pick and order rows.
        try sb.ok("add", "--customer", "jean@example.fr", "--item", "TEE-M", "--date", "2026-11-20")

        let list = try sb.ok("list")
        let listTable = try #require(Output.table(in: list.stdout, header: "REF"), "no table in: \(list)")
        #expect(
            listTable.header == [
                "REF", "PLACED", "CUSTOMER", "STATUS", "PAYMENT", "CLASS", "ITEMS", "TOTAL", "DUE", "FLAG",
            ])
        #expect(
            listTable.rows == [
                ["R-100", "2026-11-25 11:00", "Ann Lee", "pending", "unpaid", "standard", "9", "87.20", "2026-11-28"],
                ["1001", "2026-11-20 00:00", "Jean Dupont", "pending", "unpaid", "international", "1", "19.90"],
            ])

        // And the database holds exactly that, in minor units.
        #expect(
            try sb.sql("SELECT ref, total, currency, item_count, channel, due_date, note FROM orders ORDER BY id") == [
                "R-100|8720|EUR|9|phone|2026-11-28|Gift wrap, please",
                "1001|1990|EUR|1|web||",
            ])
        #expect(
            try sb.sql(
                """
                SELECT line_no, sku, quantity, unit_price, line_total, price_source, reserved
                FROM order_lines WHERE order_id = (SELECT id FROM orders WHERE ref = 'R-100') ORDER BY line_no
                """) == [
                    "1|MUG-01|2|1250|2500|catalog|2",
                    "2|TEE-M|3|1800|5400|override|0",
                    "3|CARD|4|205|820|catalog|4",
                ])
    }

    @Test("the same SKU twice at the same price becomes one line with the summed quantity")
    func duplicateSKULinesMerge() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "CARD",
            "--item", "MUG-01:3", "--item", "MUG-01@12.50", "--ref", "M-1")
        let order = try sb.jsonObject("show", "M-1")
        let lines = order.objects("lines")
        #expect(lines.count == 2)
        #expect(lines.first?.string("sku") == "MUG-01")
        #expect(lines.first?.int("quantity") == 6)
        #expect(lines.first?.string("unit_price") == "12.50")
        #expect(lines.first?.string("line_total") == "75.00")
        #expect(lines.first?.int("reserved") == 6)
        #expect(lines.last?.string("sku") == "CARD")
        #expect(lines.last?.int("quantity") == 1)
        #expect(order.string("total") == "77.05")
        #expect(order.int("items") == 7)
        #expect(try sb.sql("SELECT sku, quantity FROM order_lines ORDER BY line_no") == ["MUG-01|6", "CARD|1"])
        #expect(try sb.scalar("SELECT reserved FROM products WHERE sku = 'MUG-01'") == "6")
    }
}

@Suite("relative dates are resolved against the clock and shown back")
struct RelativeDateTests {
    @Test("add --due +3d is due 2026-11-28 with the clock at 2026-11-25")
    func dueRelative() throws {
        let sb = try Sandbox(template: .catalog)
        let add = try sb.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--due", "+3d", "--ref", "D-1")
        #expect(Output.field("Due:", in: add.stdout) == "2026-11-28 (Sat, in 3 days)")
        #expect(try sb.jsonObject("show", "D-1").string("due") == "2026-11-28")
        #expect(try sb.scalar("SELECT due_date FROM orders WHERE ref = 'D-1'") == "2026-11-28")
    }

    @Test("list --since=-7d echoes the resolved date on stderr")
    func sinceRelativeWithEquals() throws {
        let sb = try Sandbox(template: .withOrder)
        let r = try sb.ok("list", "--since=-7d")
        #expect(r.stderrLines == ["Orders since 2026-11-18 (Wed)"])
        #expect(Output.table(in: r.stdout, header: "REF")?.rows.map { $0[0] } == ["A-100"])
    }

    // The form documented in `orderctl list --help` ("orderctl list --since -30d ...").
    @Test("list --since -7d (value as a separate argument) echoes the resolved date")
    func sinceRelativeSeparateArgument() throws {
        let sb = try Sandbox(template: .withOrder)
        let r = try sb.ok("list", "--since", "-7d")
        #expect(r.stderrLines == ["Orders since 2026-11-18 (Wed)"])
        #expect(Output.table(in: r.stdout, header: "REF")?.rows.map { $0[0] } == ["A-100"])
    }
}
