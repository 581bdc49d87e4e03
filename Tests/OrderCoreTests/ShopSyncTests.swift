import Foundation
import Testing

@testable import OrderCore

/// Platform orders applied as a sync page applies them (`OrderStore.applyShopOrders`):
/// created as `add` creates an order (stock reserved), moved forward through the
/// lifecycle, never twice, never backwards, and what cannot be applied kept in the
/// inbox. Each figure is checked with plain SQL over the tables, and `doctor` and the
/// history chain must stay clean.
@Suite("intake: a shop's orders applied by sync")
struct ShopSyncTests {
    /// A WooCommerce order of the shop `woo`: two MUG-01 (tracked, 5 on hand) at 12.50
    /// and one TEE (not tracked) at 20.00, paid, to ship.
    static func woo(_ changes: [String: String] = [:]) throws -> PlatformOrder {
        var all: [String: String] = [
            "line_items": """
            [{"id": 1, "name": "Mug", "product_id": 5, "variation_id": 0, "quantity": 2, "subtotal": "25.00", "total": "25.00", "sku": "MUG-01", "price": 12.5},
             {"id": 2, "name": "T-shirt", "product_id": 6, "variation_id": 0, "quantity": 1, "subtotal": "20.00", "total": "20.00", "sku": "TEE", "price": 20}]
            """
        ]
        for (k, v) in changes { all[k] = v }
        return try WooCommerceIntakeTests.order(all)
    }

    /// A later version of the same order.
    static func later(_ minutes: Int, _ changes: [String: String]) throws -> PlatformOrder {
        var c = changes
        c["date_modified_gmt"] = "\"2026-02-22T\(15 + minutes / 60):\(String(format: "%02d", minutes % 60)):00\""
        return try woo(c)
    }

    static func addShop(_ store: OrderStore, name: String = "woo", currency: String? = nil) throws -> Shop {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shop-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (file, value) in [("key", "ck_test"), ("secret", "cs_test")] {
            FileManager.default.createFile(
                atPath: "\(dir)/\(file)", contents: Data(value.utf8), attributes: [.posixPermissions: 0o600])
        }
        var new = NewShop(name: name, platform: "woocommerce")
        new.url = "https://\(name).example"
        new.currency = currency
        new.secretFiles = [.key: "\(dir)/key", .secret: "\(dir)/secret"]
        return try store.addShop(new).shop
    }

    static func apply(_ store: OrderStore, _ shop: Shop, _ orders: [PlatformOrder], cursor: Date? = nil)
        throws -> IntakeSummary
    {
        try store.applyShopOrders(orders, shop: try store.shop(named: shop.name), cursor: cursor)
    }

    /// Stock, history and the derived figures as doctor checks them, and the chain.
    static func expectClean(_ store: OrderStore) throws {
        let report = try store.doctor()
        let problems = report.findings.filter { $0.severity == .problem }.map { "\($0.check): \($0.message)" }
        #expect(problems.isEmpty)
        #expect(try store.verifyHistory().problem == nil)
        // Reserved stock is what open lines hold, by plain SQL.
        #expect(
            try store.db.scalarInt(
                """
                SELECT count(*) FROM products p WHERE p.track_stock = 1 AND p.reserved !=
                  (SELECT coalesce(sum(l.reserved), 0) FROM order_lines l WHERE l.product_id = p.id)
                """) == 0)
    }

    static func product(_ store: OrderStore, _ sku: String) throws -> (onHand: Int64, reserved: Int64) {
        try store.db.queryFirst("SELECT on_hand, reserved FROM products WHERE sku = ?", sku) {
            ($0.int64(0), $0.int64(1))
        }!
    }

    @Test("a new order comes in as add makes it: customer, lines, channel, stock reserved, paid; a link to the shop")
    func created() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            let summary = try Self.apply(store, shop, [try Self.woo()], cursor: utc("2026-02-22T15:28:08Z"))
            #expect(summary.outcomes.map(\.kind) == [.created])
            #expect(summary.outcomes[0].ref == "727")
            let o = try #require(
                try store.db.queryFirst(
                    """
                    SELECT o.status, o.channel, o.total, o.paid_total, o.payment_status, c.email, o.placed_at
                    FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.ref = '727'
                    """
                ) { ($0.string(0), $0.string(1), $0.int64(2), $0.int64(3), $0.string(4), $0.string(5), $0.string(6)) })
            #expect(o.0 == "confirmed" && o.1 == "woo" && o.2 == 4500 && o.3 == 4500 && o.4 == "paid")
            #expect(o.5 == "john.doe@example.com" && o.6 == "2026-02-22T15:28:02Z")
            // Two mugs reserved of five; the T-shirt tracks no stock.
            #expect(try Self.product(store, "MUG-01") == (5, 2))
            #expect(
                try store.db.scalarInt("SELECT reserved FROM order_lines WHERE sku = 'MUG-01'") == 2)
            let link = try store.db.queryFirst(
                "SELECT so.platform_id, so.modified_at, o.ref FROM shop_orders so JOIN orders o ON o.id = so.order_id"
            ) { ($0.string(0), $0.optionalString(1), $0.string(2)) }
            #expect(link?.0 == "727" && link?.1 == "2026-02-22T15:28:08Z" && link?.2 == "727")
            #expect(try store.shop(named: "woo").cursor == utc("2026-02-22T15:28:08Z"))
            #expect(try store.shop(named: "woo").orderCount == 1)
            // History: created from the shop, stock reserved, confirmed, paid by the shop.
            let kinds = try store.db.query(
                "SELECT kind FROM order_events WHERE order_id = (SELECT id FROM orders WHERE ref = '727') ORDER BY seq"
            ) { $0.string(0) }
            #expect(kinds.prefix(3) == ["created", "classified", "stock-reserved"])
            #expect(kinds.contains("confirmed") || kinds.contains("status"))
            #expect(
                try store.db.scalarString("SELECT method FROM payments WHERE kind = 'payment'") == "woo")
            try Self.expectClean(store)
        }
    }

    @Test("the same version again, or an older one, changes nothing; a newer one moves the order forward")
    func idempotentAndOrdered() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            _ = try Self.apply(store, shop, [try Self.woo()])
            let events = try store.db.scalarInt("SELECT count(*) FROM order_events")
            let again = try Self.apply(store, shop, [try Self.woo()])
            #expect(again.outcomes.map(\.kind) == [.unchanged])
            // An older payload that says cancelled: ignored.
            var old = try Self.woo(["status": "\"cancelled\""])
            old.modifiedAt = utc("2026-02-22T15:00:00Z")
            #expect(try Self.apply(store, shop, [old]).outcomes.map(\.kind) == [.unchanged])
            #expect(try store.db.scalarInt("SELECT count(*) FROM order_events") == events)
            #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == 1)
            // Completed in the shop: shipped here, stock taken from the shelf.
            let done = try Self.later(60, ["status": "\"completed\"", "date_completed_gmt": "\"2026-02-22T16:00:00\""])
            let moved = try Self.apply(store, shop, [done])
            #expect(moved.outcomes.map(\.kind) == [.updated], "\(moved.outcomes) \(moved.warnings)")
            #expect(try store.db.scalarString("SELECT status FROM orders WHERE ref = '727'") == "shipped")
            #expect(try Self.product(store, "MUG-01") == (3, 0))
            #expect(
                try store.db.scalarString("SELECT modified_at FROM shop_orders") == "2026-02-22T16:00:00Z")
            #expect(try Self.apply(store, shop, [done]).outcomes.map(\.kind) == [.unchanged])
            try Self.expectClean(store)
        }
    }

    @Test("cancelled and refunded in the shop: the reservation released, the payment and refund recorded")
    func cancelledAndRefunded() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            _ = try Self.apply(store, shop, [try Self.woo()])
            #expect(try Self.product(store, "MUG-01") == (5, 2))
            let refunded = try Self.later(
                30, ["status": "\"cancelled\"", "refunds": #"[{"id": 9, "reason": "", "total": "-45.00"}]"#])
            let s = try Self.apply(store, shop, [refunded])
            #expect(s.outcomes.map(\.kind) == [.updated], "\(s.outcomes)")
            let o = try store.db.queryFirst(
                "SELECT status, paid_total, refunded_total FROM orders WHERE ref = '727'"
            ) { ($0.string(0), $0.int64(1), $0.int64(2)) }
            #expect(o?.0 == "cancelled" && o?.1 == 4500 && o?.2 == 4500)
            #expect(try Self.product(store, "MUG-01") == (5, 0))
            // A new order that arrives already cancelled reserves nothing.
            let gone = try Self.woo([
                "id": "728", "number": "\"728\"", "status": "\"cancelled\"", "date_paid_gmt": "null",
            ])
            #expect(try Self.apply(store, shop, [gone]).outcomes.map(\.kind) == [.created])
            #expect(try store.db.scalarString("SELECT status FROM orders WHERE ref = '728'") == "cancelled")
            #expect(try Self.product(store, "MUG-01") == (5, 0))
            try Self.expectClean(store)
        }
    }

    @Test("held in the shop, then cancelled and refunded: the payment, the cancellation and the refund all recorded")
    func heldThenCancelled() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            #expect(
                try Self.apply(store, shop, [try Self.woo(["status": "\"on-hold\""])]).outcomes.map(\.kind) == [
                    .created
                ])
            #expect(try store.db.scalarString("SELECT status FROM orders") == "on_hold")
            let refunded = try Self.later(
                30, ["status": "\"cancelled\"", "refunds": #"[{"id": 9, "reason": "", "total": "-45.00"}]"#])
            let s = try Self.apply(store, shop, [refunded])
            #expect(s.outcomes.map(\.kind) == [.updated], "\(s.outcomes)")
            let o = try store.db.queryFirst("SELECT status, paid_total, refunded_total FROM orders") {
                ($0.string(0), $0.int64(1), $0.int64(2))
            }
            #expect(o?.0 == "cancelled" && o?.1 == 4500 && o?.2 == 4500)
            #expect(try Self.product(store, "MUG-01") == (5, 0))
            try Self.expectClean(store)
        }
    }

    @Test("an order typed here with the shop's number and the same lines, for another customer, is not taken for it")
    func notAdoptedByLinesAlone() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            var mine = OrderDraft(customer: "ann@example.com", items: ["MUG-01:2", "TEE:1"])
            mine.ref = "727"
            _ = try store.addOrder(mine)
            let s = try Self.apply(store, shop, [try Self.woo()])
            #expect(s.outcomes.map(\.ref) == ["woo-727"] && s.outcomes.map(\.kind) == [.created])
            #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == 2)
            #expect(try Self.product(store, "MUG-01") == (5, 4))
            try Self.expectClean(store)
        }
    }

    @Test("more than the shelf holds: the order comes in all the same, the rest backordered")
    func backordered() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            let big = try Self.woo([
                "line_items":
                    #"[{"id": 1, "name": "Mug", "product_id": 5, "quantity": 7, "subtotal": "87.50", "total": "87.50", "sku": "MUG-01", "price": 12.5}]"#
            ])
            #expect(try Self.apply(store, shop, [big]).outcomes.map(\.kind) == [.created])
            let line = try store.db.queryFirst("SELECT reserved, backordered FROM order_lines") {
                ($0.int64(0), $0.int64(1))
            }
            #expect(line?.0 == 5 && line?.1 == 2)
            #expect(try Self.product(store, "MUG-01") == (5, 5))
            try Self.expectClean(store)
        }
    }

    @Test("another currency is a conflict, bad data a failure: both kept in the inbox, the rest of the page applied")
    func inbox() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            let dollars = try Self.woo(["id": "801", "number": "\"801\"", "currency": "\"USD\""])
            let broken = try Self.woo([
                "id": "802", "number": "\"802\"",
                "line_items":
                    #"[{"id": 1, "name": "Mug", "product_id": 5, "quantity": 0.5, "subtotal": "6.25", "sku": "MUG-01"}]"#,
            ])
            let fine = try Self.woo(["id": "803", "number": "\"803\""])
            let s = try Self.apply(store, shop, [dollars, broken, fine], cursor: utc("2026-02-22T15:28:08Z"))
            #expect(s.outcomes.map(\.kind) == [.conflict, .failed, .created])
            #expect(s.outcomes[0].reason?.contains("USD") == true)
            let waiting = try store.db.query(
                "SELECT platform_id, state, via FROM intake ORDER BY platform_id"
            ) { "\($0.string(0)) \($0.string(1)) \($0.string(2))" }
            #expect(waiting == ["801 conflict sync", "802 failed sync"])
            #expect(try store.shop(named: "woo").waiting == 2)
            #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == 1)
            // The same failure read again is kept once.
            _ = try Self.apply(store, shop, [broken])
            #expect(try store.db.scalarInt("SELECT count(*) FROM intake") == 2)
            // Fixed in the shop (a later version): created, and the inbox entry settled.
            let fixed = try Self.later(40, ["id": "802", "number": "\"802\""])
            #expect(try Self.apply(store, shop, [fixed]).outcomes.map(\.kind) == [.created])
            #expect(try store.db.scalarString("SELECT state FROM intake WHERE platform_id = '802'") == "applied")
            #expect(try store.shop(named: "woo").waiting == 1)
            try Self.expectClean(store)
        }
    }

    @Test("refs: an order here with the shop's number and other lines keeps it, the shop's gets its name before it")
    func refs() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            _ = try store.addOrder(draft(["POSTER:1"], ref: "727"))
            let s = try Self.apply(store, shop, [try Self.woo()])
            #expect(s.outcomes.map(\.ref) == ["woo-727"] && s.outcomes.map(\.kind) == [.created])
            #expect(
                try store.db.scalarInt(
                    "SELECT count(*) FROM order_lines WHERE order_id = (SELECT id FROM orders WHERE ref = '727')") == 1)
            // A second shop with the same number: its own ref.
            let other = try Self.addShop(store, name: "outlet")
            var theirs = try Self.woo()
            for i in theirs.rows.indices { theirs.rows[i][.channel] = "outlet" }
            let t = try Self.apply(store, other, [theirs])
            #expect(t.outcomes.map(\.ref) == ["outlet-727"])
            #expect(try store.db.scalarInt("SELECT count(*) FROM shop_orders") == 2)
            try Self.expectClean(store)
        }
    }

    @Test("an order imported from the shop's export before is found and linked, not made twice")
    func adopted() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            // The history import (as `import` of the shop's file): no link.
            _ = try applyAsImport(store, [try Self.woo()])
            try Self.expectClean(store)
            #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == 1)
            let done = try Self.later(60, ["status": "\"completed\""])
            let s = try Self.apply(store, shop, [done])
            #expect(s.outcomes.map(\.kind) == [.updated] && s.outcomes.map(\.ref) == ["727"])
            #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == 1)
            #expect(try store.db.scalarString("SELECT status FROM orders") == "shipped")
            #expect(try store.db.scalarInt("SELECT count(*) FROM shop_orders") == 1)
            try Self.expectClean(store)
        }
    }

    @Test("a Shopify order shipped in parts: each fulfilment ships its units here, stock follows")
    func partialShipments() throws {
        try withStore { store in
            var new = NewShop(name: "main", platform: "shopify")
            new.domain = "mugs"
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shop-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            FileManager.default.createFile(
                atPath: dir + "/token", contents: Data("shpat_x".utf8), attributes: [.posixPermissions: 0o600])
            new.secretFiles = [.token: dir + "/token"]
            let shop = try store.addShop(new).shop
            func node(_ status: String, unfulfilled: Int, updated: String) throws -> PlatformOrder {
                let o = try ShopifyIntakeTests.order([
                    "displayFulfillmentStatus": "\"\(status)\"", "updatedAt": "\"\(updated)\"",
                    "lineItems":
                        "{\"nodes\": [{\"id\": \"gid://shopify/LineItem/1\", \"sku\": \"MUG-01\", \"name\": \"Mug\", \"quantity\": 3, \"currentQuantity\": 3, \"unfulfilledQuantity\": \(unfulfilled), \"originalUnitPriceSet\": {\"shopMoney\": {\"amount\": \"12.50\"}}}]}",
                    "totalPriceSet": ShopifyIntakeTests.money("37.50"),
                ])
                return o
            }
            let a = try store.applyShopOrders(
                [try node("UNFULFILLED", unfulfilled: 3, updated: "2026-02-20T08:05:00Z")], shop: shop)
            #expect(a.outcomes.map(\.kind) == [.created], "\(a.outcomes)")
            #expect(try Self.product(store, "MUG-01") == (5, 3))
            let b = try store.applyShopOrders(
                [try node("PARTIALLY_FULFILLED", unfulfilled: 2, updated: "2026-02-21T08:00:00Z")], shop: shop)
            #expect(b.outcomes.map(\.kind) == [.updated], "\(b.outcomes)")
            #expect(try Self.product(store, "MUG-01") == (4, 2))
            let c = try store.applyShopOrders(
                [try node("PARTIALLY_FULFILLED", unfulfilled: 1, updated: "2026-02-22T08:00:00Z")], shop: shop)
            #expect(c.outcomes.map(\.kind) == [.updated], "\(c.outcomes)")
            #expect(try Self.product(store, "MUG-01") == (3, 1))
            let d = try store.applyShopOrders(
                [try node("FULFILLED", unfulfilled: 0, updated: "2026-02-23T08:00:00Z")], shop: shop)
            #expect(d.outcomes.map(\.kind) == [.updated], "\(d.outcomes)")
            #expect(try Self.product(store, "MUG-01") == (2, 0))
            #expect(try store.db.scalarInt("SELECT count(*) FROM shipments") == 3)
            #expect(try store.db.scalarString("SELECT status FROM orders") == "shipped")
            try Self.expectClean(store)
        }
    }

    @Test("a dry run applies nothing and moves no cursor; the cursor never goes back")
    func dryRunAndCursor() throws {
        try withStore { store in
            let shop = try Self.addShop(store)
            let dry = try store.applyShopOrders(
                [try Self.woo()], shop: shop, cursor: utc("2026-02-22T15:28:08Z"), dryRun: true)
            #expect(dry.outcomes.map(\.kind) == [.created])
            #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == 0)
            #expect(try store.shop(named: "woo").cursor == nil)
            _ = try Self.apply(store, shop, [], cursor: utc("2026-02-22T16:00:00Z"))
            _ = try Self.apply(store, shop, [], cursor: utc("2026-02-22T15:00:00Z"))
            #expect(try store.shop(named: "woo").cursor == utc("2026-02-22T16:00:00Z"))
        }
    }
}

@Suite("intake: HTTP details of sync")
struct ShopHTTPTests {
    @Test("Retry-After in seconds or as an HTTP date; nothing else")
    func retryAfter() {
        #expect(ShopHTTP.retryAfter("7") == 7)
        #expect(ShopHTTP.retryAfter(" 120 ") == 120)
        #expect(ShopHTTP.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == 0)  // in the past: no wait
        let soon = Date().addingTimeInterval(30)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let wait = ShopHTTP.retryAfter(f.string(from: soon))
        #expect(wait.map { $0 > 25 && $0 <= 30 } == true)
        #expect(ShopHTTP.retryAfter("soon") == nil)
        #expect(ShopHTTP.retryAfter("-3") == nil)
        #expect(ShopHTTP.retryAfter(nil) == nil)
    }

    @Test("loopback is 127.x.y.z, localhost and ::1, nothing that only starts like it")
    func loopback() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] { #expect(ShopAddress.isLoopback(host)) }
        for host in ["127.0.0.1.attacker.example", "127.0.0", "128.0.0.1", "example.com", "127.0.0.256"] {
            #expect(!ShopAddress.isLoopback(host))
        }
    }

    @Test("JSON text for queries: quotes, backslashes and control characters escaped")
    func encoded() throws {
        let v = JSONValue.object([("q", .string("a\"b\\c\nd\u{1}")), ("n", .number("8")), ("x", .null)])
        #expect(v.encoded == #"{"q":"a\"b\\c\nd\u0001","n":8,"x":null}"#)
        #expect(try JSONValue.parse(Array(v.encoded.utf8)) == v)
    }
}

@Suite("intake: the inbox")
struct InboxTests {
    @Test(
        "a shipped order the shelf cannot cover waits; once the stock is counted, retry applies it and settles the entry"
    )
    func retryAfterFix() throws {
        try withStore { store in
            let shop = try ShopSyncTests.addShop(store)
            var big = try ShopSyncTests.woo([
                "status": "\"completed\"",
                "line_items":
                    #"[{"id": 1, "name": "Mug", "product_id": 5, "quantity": 7, "subtotal": "87.50", "total": "87.50", "sku": "MUG-01", "price": 12.5}]"#,
            ])
            big.raw = WooCommerceIntakeTests.document([
                "status": "\"completed\"",
                "line_items":
                    #"[{"id": 1, "name": "Mug", "product_id": 5, "quantity": 7, "subtotal": "87.50", "total": "87.50", "sku": "MUG-01", "price": 12.5}]"#,
            ])
            let s = try store.applyShopOrders([big], shop: shop)
            #expect(s.outcomes.map(\.kind) == [.conflict], "\(s.outcomes)")
            #expect(s.outcomes[0].reason?.contains("MUG-01") == true, "\(s.outcomes)")
            #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == 0)
            #expect(try ShopSyncTests.product(store, "MUG-01") == (5, 0))
            let waiting = try store.inbox()
            #expect(waiting.count == 1 && waiting[0].state == .conflict && waiting[0].bodyBytes ?? 0 > 100)
            // Retrying before the fix changes nothing and keeps it waiting.
            #expect(try store.retryInbox(waiting[0].id).kind == .conflict)
            #expect(try store.inbox().count == 1)
            _ = try store.changeStock("MUG-01", .set(10), note: "counted")
            let o = try store.retryInbox(waiting[0].id)
            #expect(o.kind == .created && o.ref == "727", "\(o)")
            #expect(try store.inbox().isEmpty)
            #expect(try store.inboxEntry(waiting[0].id).state == .applied)
            #expect(try store.inboxBody(waiting[0].id) == nil)
            #expect(try ShopSyncTests.product(store, "MUG-01") == (3, 0))
            #expect(throws: OrderError.self) { try store.retryInbox(waiting[0].id) }
            try ShopSyncTests.expectClean(store)
        }
    }

    @Test("dismiss sets an entry aside without touching orders; a second dismiss is refused")
    func dismiss() throws {
        try withStore { store in
            let shop = try ShopSyncTests.addShop(store)
            _ = try store.applyShopOrders([try ShopSyncTests.woo(["currency": "\"USD\""])], shop: shop)
            let id = try #require(try store.inbox().first?.id)
            #expect(try store.dismissInbox([id]).map(\.state) == [.dismissed])
            #expect(try store.inbox().isEmpty && store.inbox(all: true).count == 1)
            #expect(try store.shop(named: "woo").waiting == 0)
            #expect(throws: OrderError.self) { try store.dismissInbox([id]) }
            #expect(throws: OrderError.self) { try store.dismissInbox([999]) }
            // The same version read again stays dismissed.
            _ = try store.applyShopOrders([try ShopSyncTests.woo(["currency": "\"USD\""])], shop: shop)
            #expect(try store.inbox().isEmpty)
        }
    }
}

@Suite("intake: reminders")
struct IntakeReminderTests {
    @Test("shop-sync fires for a failed sync at once and for a silent shop after 36 hours; inbox for what waits")
    func reminders() throws {
        try withStore { store in
            func fired(_ rule: String) throws -> [String] {
                try store.reminders(all: true, rules: [rule]).shown.map(\.message)
            }
            _ = try ShopSyncTests.addShop(store)
            // Added just now: nothing yet.
            #expect(try fired("shop-sync").isEmpty && fired("inbox").isEmpty)
            try store.db.run("UPDATE shops SET added_at = '2026-03-02T20:00:00Z'")  // 38 h before the clock
            let silent = try fired("shop-sync")
            #expect(
                silent == [
                    "shop woo: never synced since it was added 1 day 14 hours ago (is cron running 'orderctl sync'?)"
                ], "\(silent)")
            try store.db.run("UPDATE shops SET synced_at = '2026-03-04T09:00:00Z'")
            #expect(try fired("shop-sync").isEmpty)
            try store.db.run("UPDATE shops SET synced_at = '2026-03-02T21:00:00Z'")  // 37 h
            #expect(
                try fired("shop-sync") == [
                    "shop woo: no successful sync for 1 day 13 hours (is cron running 'orderctl sync'?)"
                ])
            try store.db.run("UPDATE shops SET synced_at = '2026-03-02T23:00:00Z'")  // 35 h
            #expect(try fired("shop-sync").isEmpty)
            try store.db.run("UPDATE shops SET sync_error = 'HTTP 401'")
            #expect(try fired("shop-sync").first?.hasPrefix("shop woo: the last sync failed (HTTP 401)") == true)
            _ = try store.applyShopOrders(
                [try ShopSyncTests.woo(["currency": "\"USD\""])], shop: try store.shop(named: "woo"))
            #expect(try fired("inbox").first?.hasPrefix("shop woo: 1 order waits in the inbox (1 conflict;") == true)
            _ = try store.removeShop("woo")
            #expect(try fired("shop-sync").isEmpty)
        }
    }
}
