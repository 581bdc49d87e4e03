import Foundation
import Testing

@testable import OrderCore

/// WooCommerce orders (REST API v3's order document, the body of its webhooks too) turned
/// into import rows and applied as `import --update` applies a file, checked against plain
/// SQL over the tables. The documents follow WooCommerce's documented example order (727),
/// moved into a EUR shop and this test clock's year.
@Suite("intake: WooCommerce orders as the importer applies them")
struct WooCommerceIntakeTests {
    /// The documented example, with `changes` replacing top-level members.
    static func document(_ changes: [String: String] = [:]) -> String {
        let members: [(String, String)] = [
            ("id", "727"), ("parent_id", "0"), ("number", "\"727\""), ("status", "\"processing\""),
            ("currency", "\"EUR\""), ("date_created", "\"2026-02-22T16:28:02\""),
            ("date_created_gmt", "\"2026-02-22T15:28:02\""), ("date_modified_gmt", "\"2026-02-22T15:28:08\""),
            ("discount_total", "\"0.00\""), ("shipping_total", "\"10.00\""), ("total", "\"29.35\""),
            ("total_tax", "\"1.35\""), ("customer_id", "0"), ("customer_note", "\"\""),
            (
                "billing",
                """
                {"first_name": "John", "last_name": "Doe", "city": "Berlin", "state": "", "country": "DE", "email": "john.doe@example.com"}
                """
            ),
            ("shipping", #"{"first_name": "John", "last_name": "Doe", "state": "BY", "country": "DE"}"#),
            ("date_paid_gmt", "\"2026-02-22T15:28:08\""), ("date_completed_gmt", "null"),
            (
                "line_items",
                """
                [{"id": 315, "name": "Woo Single #1", "product_id": 93, "variation_id": 0, "quantity": 2, "subtotal": "6.00", "total": "6.00", "sku": "", "price": 3},
                 {"id": 316, "name": "Ship Your Idea – Color: Black, Size: M Test", "product_id": 22, "variation_id": 23, "quantity": 1, "subtotal": "12.00", "total": "12.00", "sku": "", "price": 12}]
                """
            ),
            (
                "shipping_lines",
                #"[{"id": 317, "method_title": "Flat Rate", "method_id": "flat_rate", "total": "10.00"}]"#
            ),
            ("fee_lines", "[]"), ("coupon_lines", "[]"), ("refunds", "[]"),
        ]
        return jsonDocument(members, changes)
    }

    static func order(_ changes: [String: String] = [:]) throws -> PlatformOrder {
        let json = try JSONValue.parse(Array(document(changes).utf8))
        return WooCommerceOrder.order(json, line: 1, channel: "woo")
    }

    static func apply(_ store: OrderStore, _ orders: [PlatformOrder]) throws -> ImportSummary {
        try applyAsImport(store, orders)
    }

    @Test("the example order: ref, customer, lines priced from the subtotals, the rest in the note")
    func mapping() throws {
        let o = try Self.order()
        #expect(o.platformID == "727")
        #expect(o.modifiedAt.map(Instant.format) == "2026-02-22T15:28:08Z")
        #expect(o.rows.count == 2)
        let first = o.rows[0]
        #expect(first.problems.isEmpty && first.warnings.isEmpty)
        #expect(first[.ref] == "727")
        #expect(first[.orderedAt] == "2026-02-22T15:28:02Z")
        #expect(first[.customerEmail] == "john.doe@example.com")
        #expect(first[.customerName] == "John Doe")
        #expect(first[.country] == "DE")
        #expect(first[.region] == "BY")
        #expect(first[.status] == "confirmed")
        #expect(first[.paymentStatus] == "paid")
        #expect(first[.paidAt] == "2026-02-22T15:28:08Z")
        #expect(first[.channel] == "woo")
        #expect(first[.note] == "WooCommerce: shipping Flat Rate 10.00, taxes 1.35, total 29.35")
        #expect(o.rows.map { $0[.sku] } == ["woo-93", "woo-23"])
        #expect(o.rows.map { $0[.unitPrice] } == ["3.00", "12.00"])
        #expect(o.rows.map { $0[.quantity] } == ["2", "1"])
        #expect(o.rows[1][.productName] == "Ship Your Idea – Color: Black, Size: M Test")
    }

    @Test("applied once: the order, its lines, payment and products as plain SQL reads them; applied again, nothing")
    func applyTwice() throws {
        try withStore { store in
            let first = try Self.apply(store, [try Self.order()])
            #expect(first.ordersImported == 1 && first.issueCount == 0, "\(first)")
            let row = try store.db.queryFirst(
                "SELECT status, total, paid_total, channel, currency FROM orders WHERE ref = '727'"
            ) { (r: Row) in (r.string(0), r.int64(1), r.int64(2), r.string(3), r.string(4)) }
            #expect(row?.0 == "confirmed")
            // 2 x 3.00 + 1 x 12.00: the goods, without shipping or taxes.
            #expect(row?.1 == 1800)
            #expect(
                try store.db.scalarInt(
                    "SELECT sum(l.quantity * l.unit_price) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref = '727'"
                ) == 1800)
            #expect(row?.2 == 1800)
            #expect(row?.3 == "woo")
            #expect(row?.4 == "EUR")
            #expect(
                try store.db.query("SELECT sku, name FROM products WHERE sku LIKE 'woo-%' ORDER BY sku") {
                    "\($0.string(0))=\($0.string(1))"
                } == ["woo-23=Ship Your Idea – Color: Black, Size: M Test", "woo-93=Woo Single #1"])
            let events = try store.db.scalarInt("SELECT count(*) FROM order_events")
            let again = try Self.apply(store, [try Self.order()])
            #expect(again.ordersImported == 0 && again.ordersDuplicate == 1 && again.issueCount == 0, "\(again)")
            #expect(try store.db.scalarInt("SELECT count(*) FROM order_events") == events)
            #expect(try store.db.scalarInt("SELECT count(*) FROM orders WHERE ref = '727'") == 1)
        }
    }

    @Test("a later document moves the order forward: completed ships it, a refund after it is recorded")
    func moveForward() throws {
        try withStore { store in
            _ = try Self.apply(store, [try Self.order()])
            let shipped = try Self.apply(
                store,
                [
                    try Self.order([
                        "status": "\"completed\"", "date_completed_gmt": "\"2026-02-24T09:00:00\"",
                        "date_modified_gmt": "\"2026-02-24T09:00:00\"",
                    ])
                ])
            #expect(shipped.ordersUpdated == 1 && shipped.issueCount == 0, "\(shipped)")
            #expect(try store.db.scalarString("SELECT status FROM orders WHERE ref = '727'") == "shipped")
            #expect(
                try store.db.scalarInt(
                    "SELECT sum(l.shipped) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref = '727'"
                ) == 3)
            let refunded = try Self.apply(
                store,
                [
                    try Self.order([
                        "status": "\"refunded\"", "date_completed_gmt": "\"2026-02-24T09:00:00\"",
                        "date_modified_gmt": "\"2026-02-26T09:00:00\"",
                        "refunds": #"[{"id": 726, "reason": "", "total": "-6.00"}]"#,
                    ])
                ])
            #expect(refunded.ordersUpdated == 1 && refunded.issueCount == 0, "\(refunded)")
            let money = try store.db.queryFirst(
                "SELECT status, paid_total, refunded_total FROM orders WHERE ref = '727'"
            ) {
                (r: Row) in (r.string(0), r.int64(1), r.int64(2))
            }
            #expect(money?.0 == "shipped" && money?.1 == 1800 && money?.2 == 600)
        }
    }

    @Test("statuses: each WooCommerce status as orderctl's, paid only with date_paid")
    func statuses() throws {
        let cases: [(String, String?, String, String)] = [
            ("pending", nil, "pending", "unpaid"), ("checkout-draft", nil, "pending", "unpaid"),
            ("on-hold", nil, "on_hold", "unpaid"), ("processing", "\"2026-02-22T15:28:08\"", "confirmed", "paid"),
            ("cancelled", nil, "cancelled", "unpaid"), ("failed", nil, "pending", "unpaid"),
            ("trash", nil, "cancelled", "unpaid"), ("refunded", "\"2026-02-22T15:28:08\"", "cancelled", "paid"),
        ]
        for (woo, paid, status, payment) in cases {
            let o = try Self.order(["status": "\"\(woo)\"", "date_paid_gmt": paid ?? "null"])
            #expect(o.rows[0][.status] == status, "\(woo)")
            #expect(o.rows[0][.paymentStatus] == payment, "\(woo)")
            #expect((o.rows[0][.cancelledAt] != nil) == (status == "cancelled"), "\(woo)")
        }
    }

    @Test("a SKU is kept; a subtotal that does not divide is rounded with a warning")
    func prices() throws {
        let o = try Self.order([
            "line_items":
                #"[{"id": 1, "name": "Mug", "product_id": 5, "quantity": 6, "subtotal": "10.00", "sku": "MUG-01", "price": 1.6666666666666667}]"#
        ])
        #expect(o.rows.count == 1)
        #expect(o.rows[0][.sku] == "MUG-01")
        #expect(o.rows[0][.unitPrice] == "1.67")
        #expect(o.rows[0].warnings.count == 1)
        #expect(o.rows[0].warnings.first?.contains("10.00 for 6 units does not divide evenly") == true)
    }

    @Test("a zero-decimal currency: a subtotal written with decimals of zero is whole yen")
    func yen() throws {
        let o = try Self.order([
            "currency": "\"JPY\"",
            "line_items":
                #"[{"id": 1, "name": "Tea", "product_id": 5, "quantity": 2, "subtotal": "3000.00", "sku": "TEA"}]"#,
        ])
        #expect(o.rows.first?.problems.isEmpty == true, "\(o.rows)")
        #expect(o.rows.first?[.unitPrice] == "1500")
        let refunded = try Self.order([
            "currency": "\"JPY\"", "refunds": #"[{"id": 2, "total": "-1500.00"}]"#,
            "line_items":
                #"[{"id": 1, "name": "Tea", "product_id": 5, "quantity": 2, "subtotal": "3000.00", "sku": "TEA"}]"#,
        ])
        #expect(refunded.rows.first?.problems.isEmpty == true, "\(refunded.rows)")
        #expect(refunded.rows.first?[.refundedTotal] == "1500")
        let bad = try Self.order([
            "currency": "\"JPY\"",
            "line_items":
                #"[{"id": 1, "name": "Tea", "product_id": 5, "quantity": 2, "subtotal": "3000.50", "sku": "TEA"}]"#,
        ])
        #expect(bad.rows.first?.problems.first?.field == "line_items[0].subtotal")
    }

    @Test("what cannot be read is an issue naming the field, and the importer keeps nothing of it")
    func problems() throws {
        let cases: [([String: String], String)] = [
            (["currency": "\"EURO\""], "currency"), (["line_items": "[]"], "line_items"),
            (["status": "\"shipped-ish\""], "status"),
            (
                [
                    "line_items":
                        #"[{"id": 1, "name": "X", "product_id": 0, "quantity": 1, "subtotal": "1.00", "sku": ""}]"#
                ],
                "line_items[0].sku"
            ),
            (
                ["line_items": #"[{"id": 1, "name": "X", "product_id": 5, "quantity": 0, "subtotal": "1.00"}]"#],
                "line_items[0].quantity"
            ),
            (
                ["line_items": #"[{"id": 1, "name": "X", "product_id": 5, "quantity": 1, "subtotal": "1,00"}]"#],
                "line_items[0].subtotal"
            ),
            (["refunds": #"[{"id": 2, "total": "ten"}]"#], "refunds.total"),
        ]
        for (changes, field) in cases {
            let o = try Self.order(changes)
            #expect(o.rows.first?.problems.first?.field == field, "\(changes)")
            try withStore { store in
                let orders = try store.db.scalarInt("SELECT count(*) FROM orders")
                let summary = try Self.apply(store, [o])
                #expect(summary.issueCount >= 1 && summary.ordersImported == 0, "\(changes): \(summary)")
                #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == orders)
            }
        }
        let other = try Self.order(["currency": "\"USD\""])
        try withStore { store in
            let summary = try Self.apply(store, [other])
            #expect(summary.issueCount == 1 && summary.ordersImported == 0, "\(summary)")
            #expect(summary.issues.first?.field == "currency", "\(summary)")
        }
    }
}
