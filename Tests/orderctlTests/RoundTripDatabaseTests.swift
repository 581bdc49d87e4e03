import Foundation
import Testing

/// Export, then import into an empty database: the two databases hold the same orders,
/// compared table by table.
@Suite("export then import reproduces the database")
struct RoundTripDatabaseTests {
    /// A shop with an order in every state: partly paid, partly shipped, held,
    /// cancelled, refunded, delivered and paid, with notes, due dates, express.
    static func richShop() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        for args in [
            ["customer", "add", "--name", "Zoë Œuvre-Ünal", "--email", "zoe@example.org", "--country", "JP"],
            [
                "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M", "--ref", "R-1",
                "--note", "=1+1, \"quoted\"\nsecond line", "--due", "2026-12-24", "--date", "2026-11-01T08:30:00Z",
            ],
            [
                "add", "--customer", "jean@example.fr", "--item", "TEE-M:3@15.00", "--ref", "R-2", "--shipping",
                "express", "--date", "2026-11-02",
            ],
            [
                "add", "--customer", "zoe@example.org", "--item", "CARD:4", "--item", "MUG-01", "--ref", "R-3",
                "--date", "2026-11-03T12:00:00+09:00",
            ],
            ["add", "--customer", "ann@example.com", "--item", "MUG-01", "--ref", "R-4"],
            ["add", "--customer", "ann@example.com", "--item", "TEE-M:2", "--ref", "R-5"],
            ["add", "--customer", "jean@example.fr", "--item", "CARD", "--ref", "R-6"],
            ["add", "--customer", "zoe@example.org", "--item", "MUG-01:3", "--item", "CARD:2", "--ref", "R-7"],
            ["add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "R-8"],
            ["confirm", "R-2", "R-3", "R-4", "R-5", "R-6", "R-7", "R-8"],
            ["pay", "R-2", "--amount", "10"],
            ["ship", "R-3", "--item", "CARD:1", "--item", "MUG-01"],
            ["pay", "R-4"], ["ship", "R-4", "--carrier", "dhl", "--tracking", "1234567890"],
            ["pay", "R-5"], ["ship", "R-5"], ["deliver", "R-5"],
            ["cancel", "R-6", "--reason", "customer asked"],
            ["hold", "R-7", "--reason", "address unclear"],
            ["pay", "R-8"], ["refund", "R-8", "--amount", "5.00", "--reason", "scratched"], ["ship", "R-8"],
        ] { try sb.ok(args) }
        return sb
    }

    static let ordersQuery = """
        SELECT o.ref, o.status, o.payment_status, o.fulfilment_status, o.channel, o.shipping, o.currency, o.total,
               o.item_count, o.class, o.class_reason, o.due_date, o.note, o.placed_at, o.paid_total, o.refunded_total,
               c.name, c.email, c.country
        FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.ref
        """
    static let linesQuery = """
        SELECT o.ref, l.line_no, l.sku, l.name, l.quantity, l.unit_price, l.line_total, l.shipped
        FROM order_lines l JOIN orders o ON o.id = l.order_id ORDER BY o.ref, l.line_no
        """
    static let customersQuery =
        "SELECT name, email, country FROM customers WHERE id IN (SELECT customer_id FROM orders) ORDER BY email"
    static let productsQuery =
        "SELECT sku, name, currency FROM products WHERE id IN (SELECT product_id FROM order_lines) ORDER BY sku"
    static let shippedQuery = """
        SELECT o.ref, count(DISTINCT s.id) > 0, max(s.carrier), max(s.tracking), max(s.delivered_at) IS NOT NULL
        FROM orders o LEFT JOIN shipments s ON s.order_id = o.id GROUP BY o.ref ORDER BY o.ref
        """

    @Test("JSON Lines: orders, lines, customers, products, payments and shipments come back the same")
    func jsonLines() throws {
        let sb = try Self.richShop()
        let exported = try sb.ok("export", "--format", "jsonl").stdout
        let path = try sb.write("all.jsonl", exported)
        let copy = sb.dir.appendingPathComponent("copy.db").path
        try sb.ok("--db", copy, "init", "--currency", "EUR", "--timezone", "Europe/Berlin", "--country", "DE")
        let r = try sb.ok("--db", copy, "import", path)
        #expect(r.stdout.hasPrefix("read 8 rows: imported 8 rows (8 orders)"), "\(r)")
        for query in [Self.ordersQuery, Self.linesQuery, Self.customersQuery, Self.productsQuery, Self.shippedQuery] {
            let original = try sb.sql(query)
            #expect(original.count >= 3)
            #expect(try sb.sql(query, db: copy) == original, "\(query)")
        }
        // The copy exports the same file again (customers were created in the same order).
        #expect(try sb.ok("--db", copy, "export", "--format", "jsonl").stdout == exported)
        // Held orders can be released in the copy, as in the original.
        try sb.ok("--db", copy, "release", "R-7")
        #expect(try sb.ok("--db", copy, "verify").stdout.hasPrefix("history intact"))
        // Importing the file again: seven duplicates, and R-7, released since, is a
        // conflict (the file says on_hold), reported and left alone.
        let again = try sb.run("--db", copy, "import", path)
        #expect(again.exitCode == 65)
        #expect(
            again.stdout.hasPrefix(
                "read 8 rows: would import 0 rows (0 orders), rejected 1 row (1 order), duplicates 7 rows (7 orders)"),
            "\(again)")
        #expect(
            again.stderrLines == [
                "Error: line 7: status 'on_hold': conflict: order R-7 differs here in status (confirmed here, on_hold in the file); nothing was changed (--update applies the file's status and payments)"
            ])
        #expect(try sb.sql("SELECT status FROM orders WHERE ref = 'R-7'", db: copy) == ["confirmed"])
    }

    @Test(
        "native CSV: the same, except what its columns cannot carry (partial payments and refunds, partial shipments)")
    func csv() throws {
        let sb = try Self.richShop()
        let path = try sb.write("all.csv", try sb.ok("export").stdout)
        let copy = sb.dir.appendingPathComponent("copy.db").path
        try sb.ok("--db", copy, "init", "--currency", "EUR", "--timezone", "Europe/Berlin", "--country", "DE")
        let r = try sb.ok("--db", copy, "import", path)
        #expect(r.stdout.hasPrefix("read 11 rows: imported 11 rows (8 orders)"), "\(r)")
        // R-2 (partly paid), R-3 (partly shipped) and R-8 (partly refunded) lose those parts.
        let lossy = "o.ref NOT IN ('R-2', 'R-3', 'R-8')"
        for query in [Self.ordersQuery, Self.linesQuery] {
            let q = query.replacingOccurrences(of: " ORDER BY", with: " WHERE \(lossy) ORDER BY")
            #expect(try sb.sql(q, db: copy) == (try sb.sql(q)), "\(q)")
        }
        #expect(try sb.sql(Self.customersQuery, db: copy) == (try sb.sql(Self.customersQuery)))
        #expect(
            try sb.sql(
                "SELECT ref, status, paid_total, refunded_total FROM orders WHERE ref IN ('R-2', 'R-3', 'R-8') ORDER BY ref",
                db: copy)
                == ["R-2|confirmed|0|0", "R-3|confirmed|0|0", "R-8|shipped|1990|0"])
        #expect(r.stderr.contains("partially_paid: the file does not say how much"))
        #expect(
            r.stderr.contains(
                "order R-3 is processing (partly shipped), but the file does not say which units shipped; imported as confirmed"
            ))
        #expect(try sb.ok("--db", copy, "verify").stdout.hasPrefix("history intact"))
    }
}
