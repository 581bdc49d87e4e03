import Foundation
import Testing

@testable import OrderCore

/// Shopify orders as the GraphQL Admin API's `orders` query returns a node, turned into
/// import rows and applied as `import --update` applies a file, checked with plain SQL.
@Suite("intake: Shopify orders as the importer applies them")
struct ShopifyIntakeTests {
    static func money(_ amount: String) -> String { #"{"shopMoney": {"amount": "\#(amount)", "currencyCode": "EUR"}}"# }

    static func document(_ changes: [String: String] = [:]) -> String {
        let members: [(String, String)] = [
            ("id", "\"gid://shopify/Order/450789469\""), ("name", "\"#1001\""),
            ("createdAt", "\"2026-02-20T08:00:00Z\""), ("updatedAt", "\"2026-02-20T08:05:00Z\""),
            ("processedAt", "\"2026-02-20T08:01:00Z\""), ("cancelledAt", "null"),
            ("email", "\"bob.norman@example.com\""), ("note", "null"), ("currencyCode", "\"EUR\""),
            ("displayFinancialStatus", "\"PAID\""), ("displayFulfillmentStatus", "\"UNFULFILLED\""),
            ("customer", #"{"displayName": "Bob Norman", "email": "bob.norman@example.com"}"#),
            ("billingAddress", #"{"name": "Bob Norman", "countryCodeV2": "DE", "provinceCode": "BE"}"#),
            ("shippingAddress", #"{"name": "Bob Norman", "countryCodeV2": "AT", "provinceCode": "9"}"#),
            ("subtotalPriceSet", money("59.00")), ("totalShippingPriceSet", money("4.90")),
            ("totalTaxSet", money("11.21")), ("totalDiscountsSet", money("0.00")), ("totalPriceSet", money("63.90")),
            ("totalOutstandingSet", money("0.00")), ("totalRefundedSet", money("0.00")),
            ("fulfillments", "[]"),
            (
                "lineItems",
                """
                {"nodes": [
                  {"id": "gid://shopify/LineItem/466157049", "sku": "IPOD2008GREEN", "name": "IPod Nano - 8gb - green", "quantity": 2, "unfulfilledQuantity": 2, "variant": {"id": "gid://shopify/ProductVariant/39072856"}, "originalUnitPriceSet": \(money("19.50"))},
                  {"id": "gid://shopify/LineItem/518995019", "sku": null, "name": "Gift wrap – ünïcode", "quantity": 1, "unfulfilledQuantity": 1, "variant": {"id": "gid://shopify/ProductVariant/49148385"}, "originalUnitPriceSet": \(money("20.00"))}
                ], "pageInfo": {"hasNextPage": false}}
                """
            ),
        ]
        return jsonDocument(members, changes)
    }

    static func order(_ changes: [String: String] = [:]) throws -> PlatformOrder {
        ShopifyOrder.order(try JSONValue.parse(Array(document(changes).utf8)), line: 1, channel: "shopify-main")
    }

    static func apply(_ store: OrderStore, _ orders: [PlatformOrder]) throws -> ImportSummary {
        try applyAsImport(store, orders)
    }

    @Test("a paid, unfulfilled order: ref, customer, lines in the shop's money, the rest in the note")
    func mapping() throws {
        let o = try Self.order()
        #expect(o.platformID == "gid://shopify/Order/450789469")
        #expect(o.modifiedAt.map(Instant.format) == "2026-02-20T08:05:00Z")
        let first = o.rows[0]
        #expect(first.problems.isEmpty && first.warnings.isEmpty)
        #expect(first[.ref] == "#1001")
        #expect(first[.customerEmail] == "bob.norman@example.com")
        #expect(first[.customerName] == "Bob Norman")
        #expect(first[.country] == "AT" && first[.region] == "9")
        #expect(first[.status] == "confirmed" && first[.paymentStatus] == "paid")
        #expect(first[.paidAt] == "2026-02-20T08:01:00Z")
        #expect(first[.note] == "Shopify: subtotal 59.00, shipping 4.90, taxes 11.21, total 63.90")
        #expect(o.rows.map { $0[.sku] } == ["IPOD2008GREEN", "shopify-49148385"])
        #expect(o.rows.map { $0[.unitPrice] } == ["19.50", "20.00"])
        #expect(o.rows[1][.productName] == "Gift wrap – ünïcode")
    }

    @Test("applied, applied again (nothing), then fulfilled with tracking and delivered, read back with SQL")
    func lifecycle() throws {
        try withStore { store in
            let first = try Self.apply(store, [try Self.order()])
            #expect(first.ordersImported == 1 && first.issueCount == 0, "\(first)")
            let row = try store.db.queryFirst(
                "SELECT status, total, paid_total, channel FROM orders WHERE ref = '#1001'"
            ) {
                (r: Row) in (r.string(0), r.int64(1), r.int64(2), r.string(3))
            }
            // 2 x 19.50 + 20.00: the goods.
            #expect(row?.0 == "confirmed" && row?.1 == 5900 && row?.2 == 5900 && row?.3 == "shopify-main")
            let again = try Self.apply(store, [try Self.order()])
            #expect(again.ordersDuplicate == 1 && again.ordersImported == 0 && again.issueCount == 0, "\(again)")

            let fulfilled = try Self.order([
                "displayFulfillmentStatus": "\"FULFILLED\"", "updatedAt": "\"2026-02-21T10:00:00Z\"",
                "fulfillments":
                    #"[{"createdAt": "2026-02-21T09:00:00Z", "deliveredAt": null, "trackingInfo": [{"company": "DHL Express", "number": "1234567890"}]}]"#,
            ])
            #expect(fulfilled.rows[0][.carrier] == "dhlexpress" && fulfilled.rows[0][.tracking] == "1234567890")
            let shipped = try Self.apply(store, [fulfilled])
            #expect(shipped.ordersUpdated == 1 && shipped.issueCount == 0, "\(shipped)")
            #expect(try store.db.scalarString("SELECT status FROM orders WHERE ref = '#1001'") == "shipped")
            #expect(
                try store.db.scalarString(
                    "SELECT s.tracking FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.ref = '#1001'")
                    == "1234567890")

            let delivered = try Self.apply(
                store,
                [
                    try Self.order([
                        "displayFulfillmentStatus": "\"FULFILLED\"", "updatedAt": "\"2026-02-23T10:00:00Z\"",
                        "fulfillments":
                            #"[{"createdAt": "2026-02-21T09:00:00Z", "deliveredAt": "2026-02-23T09:30:00Z", "trackingInfo": [{"company": "DHL Express", "number": "1234567890"}]}]"#,
                    ])
                ])
            #expect(delivered.ordersUpdated == 1 && delivered.issueCount == 0, "\(delivered)")
            // Delivered and paid in full: completed, as the lifecycle has it.
            #expect(try store.db.scalarString("SELECT status FROM orders WHERE ref = '#1001'") == "completed")
        }
    }

    @Test("statuses: partial fulfilment ships what Shopify says, cancelled before shipping cancels, after it warns")
    func statuses() throws {
        let partial = try Self.order([
            "displayFulfillmentStatus": "\"PARTIALLY_FULFILLED\"",
            "lineItems":
                #"{"nodes": [{"id": "gid://shopify/LineItem/1", "sku": "MUG-01", "name": "Mug", "quantity": 3, "unfulfilledQuantity": 1, "originalUnitPriceSet": {"shopMoney": {"amount": "12.50"}}}]}"#,
        ])
        #expect(partial.rows[0][.status] == "processing" && partial.rows[0][.lineShipped] == "2")
        let pending = try Self.order(["displayFinancialStatus": "\"PENDING\""])
        #expect(pending.rows[0][.status] == "pending" && pending.rows[0][.paymentStatus] == "unpaid")
        #expect(pending.rows[0][.paidAt] == nil)
        let cancelled = try Self.order([
            "displayFinancialStatus": "\"REFUNDED\"", "cancelledAt": "\"2026-02-20T12:00:00Z\"",
            "totalRefundedSet": Self.money("59.00"),
        ])
        #expect(cancelled.rows[0][.status] == "cancelled" && cancelled.rows[0][.refundedTotal] == "59.00")
        let late = try Self.order([
            "displayFulfillmentStatus": "\"FULFILLED\"", "cancelledAt": "\"2026-02-22T12:00:00Z\"",
        ])
        #expect(late.rows[0][.status] == "shipped" && late.rows[0].warnings.count == 1)
        try withStore { store in
            let s = try Self.apply(store, [cancelled])
            #expect(s.ordersImported == 1 && s.issueCount == 0, "\(s)")
            let o = try store.db.queryFirst("SELECT status, paid_total, refunded_total FROM orders WHERE ref = '#1001'")
            {
                (r: Row) in (r.string(0), r.int64(1), r.int64(2))
            }
            #expect(o?.0 == "cancelled" && o?.1 == 5900 && o?.2 == 5900)
        }
    }

    @Test("edits and refunds: currentQuantity is what the order holds, a removed line goes, shipped units follow it")
    func currentQuantity() throws {
        let o = try Self.order([
            "displayFulfillmentStatus": "\"PARTIALLY_FULFILLED\"",
            "lineItems": #"""
            {"nodes": [
              {"id": "gid://shopify/LineItem/1", "sku": "MUG-01", "name": "Mug", "quantity": 3, "currentQuantity": 2, "unfulfilledQuantity": 1, "originalUnitPriceSet": {"shopMoney": {"amount": "12.50"}}},
              {"id": "gid://shopify/LineItem/2", "sku": "TEE", "name": "Tee", "quantity": 1, "currentQuantity": 0, "unfulfilledQuantity": 0, "originalUnitPriceSet": {"shopMoney": {"amount": "20.00"}}}
            ]}
            """#,
        ])
        #expect(o.rows.count == 1)
        #expect(o.rows[0][.quantity] == "2" && o.rows[0][.lineShipped] == "1")
        let restocked = try Self.order([
            "displayFulfillmentStatus": "\"RESTOCKED\"", "displayFinancialStatus": "\"REFUNDED\"",
        ])
        #expect(restocked.rows[0][.status] == "cancelled")
        let digital = try Self.order(["displayFulfillmentStatus": "\"FULFILLMENT_NOT_REQUIRED\""])
        #expect(digital.rows[0][.status] == "shipped")
    }

    @Test("a zero-decimal currency: Shopify's 1500.0 is 1500 yen")
    func yen() throws {
        let o = try Self.order([
            "currencyCode": "\"JPY\"",
            "lineItems":
                #"{"nodes": [{"sku": "TEA", "name": "Tea", "quantity": 1, "originalUnitPriceSet": {"shopMoney": {"amount": "1500.0"}}}]}"#,
        ])
        #expect(o.rows.first?.problems.isEmpty == true, "\(o.rows)")
        #expect(o.rows.first?[.unitPrice] == "1500")
        let jpy = #"{"shopMoney": {"amount": "1500.0", "currencyCode": "JPY"}}"#
        let refunded = try Self.order([
            "currencyCode": "\"JPY\"", "displayFinancialStatus": "\"REFUNDED\"", "totalRefundedSet": jpy,
            "totalPriceSet": jpy, "subtotalPriceSet": jpy, "totalShippingPriceSet": jpy, "totalTaxSet": jpy,
            "totalDiscountsSet": jpy, "totalOutstandingSet": jpy,
            "lineItems":
                #"{"nodes": [{"sku": "TEA", "name": "Tea", "quantity": 1, "originalUnitPriceSet": {"shopMoney": {"amount": "1500.0"}}}]}"#,
        ])
        #expect(refunded.rows.first?.problems.isEmpty == true, "\(refunded.rows)")
        #expect(refunded.rows.first?[.refundedTotal] == "1500")
        #expect(refunded.rows.first?[.shopTotal] == "1500" && refunded.rows.first?[.shopOutstanding] == "1500")
    }

    @Test("what cannot be read is an issue naming the field, and the importer keeps nothing of it")
    func problems() throws {
        let cases: [([String: String], String)] = [
            (["currencyCode": "\"EURO\""], "currencyCode"), (["lineItems": #"{"nodes": []}"#], "lineItems"),
            (["displayFinancialStatus": "\"MAYBE\""], "displayFinancialStatus"), (["name": "null"], "name"),
            (
                [
                    "lineItems":
                        #"{"nodes": [{"sku": "X", "name": "X", "quantity": -1, "originalUnitPriceSet": {"shopMoney": {"amount": "1.00"}}}]}"#
                ],
                "lineItems[0].quantity"
            ),
            (
                [
                    "lineItems":
                        #"{"nodes": [{"sku": "X", "name": "X", "quantity": 1, "currentQuantity": 0, "originalUnitPriceSet": {"shopMoney": {"amount": "1.00"}}}]}"#
                ],
                "lineItems"
            ),
            (["displayFulfillmentStatus": "\"SHIPPED_MAYBE\""], "displayFulfillmentStatus"),
            (
                [
                    "lineItems":
                        #"{"nodes": [{"sku": "X", "name": "X", "quantity": 1, "originalUnitPriceSet": {"shopMoney": {"amount": "1.00"}}}], "pageInfo": {"hasNextPage": true}}"#
                ],
                "lineItems"
            ),
            (
                [
                    "lineItems":
                        #"{"nodes": [{"sku": "X", "name": "X", "quantity": 1, "originalUnitPriceSet": {"shopMoney": {"amount": "1.005"}}}]}"#
                ],
                "lineItems[0].originalUnitPriceSet"
            ),
            (["lineItems": #"{"nodes": [{"name": "X", "quantity": 1}]}"#], "lineItems[0].sku"),
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
    }
}
