import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `orderctl serve` started as users start it (the built binary, on loopback, a free
/// port), with deliveries signed as Shopify and WooCommerce sign them, sent by a real
/// HTTP client (URLSession).
final class TestServer: @unchecked Sendable {
    let log: String
    var pid: pid_t = 0
    let port: Int
    private var stopped = false

    /// Started with posix_spawn, as TestShop is (a long-lived child of Process keeps
    /// Process's exit watcher waiting on it).
    init(_ sb: Sandbox, arguments: [String] = [], env: [String: String?] = [:]) throws {
        log = sb.dir.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // The spawning thread may block signals; the server must get SIGTERM.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let args = [sb.binary.path, "serve", "--listen", "127.0.0.1:0"] + arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var cenv: [UnsafeMutablePointer<CChar>?] =
            sb.environment(env).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cenv { free(p) } }
        let rc = posix_spawn(&pid, sb.binary.path, &actions, &attr, &cargs, &cenv)
        try #require(rc == 0, "orderctl serve did not start: \(rc)")
        var found = 0
        for _ in 0..<400 {
            if let text = try? String(contentsOfFile: log, encoding: .utf8),
                let range = text.range(of: #"listening on http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression)
            {
                found = Int(text[range].split(separator: ":").last!)!
                break
            }
            usleep(25_000)
        }
        port = found
        if port == 0 { kill(pid, SIGKILL) }
        try #require(
            port > 0, "serve did not say its port: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    deinit {
        if !stopped {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    /// SIGTERM, then the exit status (nil when it had to be killed after `timeout`).
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 20) -> Int32? {
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                stopped = true
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -(status & 0x7f)
            }
            usleep(20_000)
        }
        return nil
    }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    struct Reply {
        let status: Int
        let body: String
        let headers: [String: String]
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil) throws
        -> Reply
    {
        var req = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        req.httpMethod = method
        req.timeoutInterval = 30
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        if let body { req.httpBody = Data(body) }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<Reply, any Error> = .failure(URLError(.timedOut))
        URLSession.shared.dataTask(with: req) { data, response, error in
            if let error {
                result = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                var h: [String: String] = [:]
                for (k, v) in http.allHeaderFields { h[String(describing: k).lowercased()] = String(describing: v) }
                result = .success(
                    Reply(status: http.statusCode, body: String(decoding: data ?? Data(), as: UTF8.self), headers: h))
            }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 40)
        return try result.get()
    }

    /// A delivery signed with `secret` as the platform signs it (nil: unsigned).
    func deliver(
        _ shop: String, platform: String, topic: String?, body: [UInt8], secret: String?, event: String? = nil
    ) throws -> Reply {
        var headers = ["Content-Type": "application/json"]
        let signature = secret.map { Signing.sign(body, secret: $0) }
        if platform == "shopify" {
            headers["X-Shopify-Topic"] = topic
            headers["X-Shopify-Hmac-Sha256"] = signature
            headers["X-Shopify-Shop-Domain"] = "demo.myshopify.com"
            headers["X-Shopify-Event-Id"] = event
        } else {
            headers["X-WC-Webhook-Topic"] = topic
            headers["X-WC-Webhook-Signature"] = signature
            headers["X-WC-Webhook-Delivery-ID"] = event ?? UUID().uuidString
        }
        return try request("POST", "/webhooks/\(shop)", headers: headers, body: body)
    }
}

/// HMAC-SHA256 written out here (RFC 2104 over a SHA-256 of our own), so that the test's
/// signatures do not come from the code under test.
enum Signing {
    static func sign(_ body: [UInt8], secret: String) -> String {
        var key = Array(secret.utf8)
        if key.count > 64 { key = sha256(key) }
        key += [UInt8](repeating: 0, count: 64 - key.count)
        let inner = sha256(key.map { $0 ^ 0x36 } + body)
        return Data(sha256(key.map { $0 ^ 0x5c } + inner)).base64EncodedString()
    }

    static func sha256(_ message: [UInt8]) -> [UInt8] {
        let k: [UInt32] = [
            0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
            0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
            0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
            0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
            0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
            0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
            0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
            0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
        ]
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var m = message + [0x80]
        while m.count % 64 != 56 { m.append(0) }
        let bits = UInt64(message.count) * 8
        for i in (0..<8).reversed() { m.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        for chunk in stride(from: 0, to: m.count, by: 64) {
            var w = [UInt32](repeating: 0, count: 64)
            for i in 0..<16 {
                w[i] = (0..<4).reduce(0) { $0 << 8 | UInt32(m[chunk + i * 4 + $1]) }
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
        }
        return h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - UInt32($0) * 8)) } }
    }
}

@Suite("serve: webhook deliveries on loopback, with the built binary")
struct ServeE2ETests {
    static let webhookSecret = "whsec_0123456789abcdef"

    /// A Shopify order as its webhooks send it (the REST resource): order 5000+n, `#100n`,
    /// CARD x `quantity` at 2.05 (EUR).
    static func shopify(
        _ n: Int, updated: String, financial: String = "paid", fulfillment: String? = nil, quantity: Int = 2,
        fulfillable: Int? = nil, fulfillments: [[String: Any]] = [], refunds: [[String: Any]] = [],
        cancelled: String? = nil, name: String = "Zoë Ünal", email: String? = nil, current: Int? = nil,
        guest: Bool = false
    ) -> [UInt8] {
        var order: [String: Any] = [
            "id": 5000 + n, "admin_graphql_api_id": "gid://shopify/Order/\(5000 + n)", "name": "#\(1000 + n)",
            "email": email ?? "buyer\(n)@example.com", "created_at": "2026-11-20T10:00:00+01:00",
            "updated_at": updated, "processed_at": "2026-11-20T10:00:00+01:00",
            "cancelled_at": cancelled ?? NSNull() as Any, "currency": "EUR", "financial_status": financial,
            "fulfillment_status": fulfillment ?? NSNull() as Any, "note": NSNull(),
            "customer": ["first_name": "Zoë", "last_name": "Ünal", "email": email ?? "buyer\(n)@example.com"],
            "billing_address": ["name": name, "country_code": "DE", "province_code": NSNull()],
            "shipping_address": ["name": name, "country_code": "DE", "province_code": NSNull()],
            "subtotal_price_set": ["shop_money": ["amount": String(format: "%.2f", 2.05 * Double(quantity))]],
            "total_shipping_price_set": ["shop_money": ["amount": "4.90"]],
            "total_discounts_set": ["shop_money": ["amount": "0.50"]],
            "total_tax_set": ["shop_money": ["amount": "0.00"]],
            "total_price_set": ["shop_money": ["amount": String(format: "%.2f", 2.05 * Double(quantity) + 4.40)]],
            "total_outstanding": financial == "pending" ? "8.50" : "0.00",
            "discount_codes": [["code": "WELCOME", "amount": "0.50"]],
            "shipping_lines": [["title": "Standard", "price": "4.90"]],
            "fulfillments": fulfillments, "refunds": refunds,
            "line_items": [
                [
                    "id": 70000 + n, "admin_graphql_api_id": "gid://shopify/LineItem/\(70000 + n)", "sku": "CARD",
                    "name": "Greeting card", "title": "Greeting card", "quantity": quantity,
                    "current_quantity": current ?? quantity, "fulfillable_quantity": fulfillable ?? current ?? quantity,
                    "variant_id": 77,
                    "price": "2.05", "price_set": ["shop_money": ["amount": "2.05", "currency_code": "EUR"]],
                ]
            ],
        ]
        if guest { order["customer"] = NSNull() }  // a guest checkout: no customer account
        return Array(try! JSONSerialization.data(withJSONObject: order, options: [.sortedKeys]))
    }

    /// A WooCommerce order document (its webhooks send the REST v3 resource).
    static func woo(_ id: Int, status: String = "processing", modified: String) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: SyncE2ETests.woo(id, status: status, modified: modified)))
    }

    func secretFile(_ sb: Sandbox, _ name: String, _ value: String) throws -> String {
        let path = sb.dir.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data((value + "\n").utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }

    /// The shops `main` (Shopify) and `woo` (WooCommerce), each with the webhook secret;
    /// `bare` (Shopify) without one.
    func shops(_ sb: Sandbox) throws {
        let hook = try secretFile(sb, "webhook.secret", Self.webhookSecret)
        try sb.ok(
            "shop", "add", "main", "--platform", "shopify", "--domain", "demo.myshopify.com", "--token-file",
            try secretFile(sb, "shop.token", SyncE2ETests.token), "--webhook-secret-file", hook)
        try sb.ok(
            "shop", "add", "woo", "--platform", "woocommerce", "--url", "https://shop.example", "--key-file",
            try secretFile(sb, "woo.key", SyncE2ETests.key), "--secret-file",
            try secretFile(sb, "woo.secret", SyncE2ETests.secret), "--webhook-secret-file", hook)
        try sb.ok(
            "shop", "add", "bare", "--platform", "shopify", "--domain", "bare.myshopify.com", "--token-file",
            try secretFile(sb, "bare.token", SyncE2ETests.token))
    }

    func shopify(_ server: TestServer, _ topic: String, _ body: [UInt8], event: String) throws -> TestServer.Reply {
        try server.deliver(
            "main", platform: "shopify", topic: topic, body: body, secret: Self.webhookSecret, event: event)
    }

    @Test("Shopify: every order topic moves the order on, as the shop says; stock and history follow")
    func shopifyTopics() throws {
        let sb = try Sandbox(template: .catalog)
        try shops(sb)
        let server = try TestServer(sb)
        var r = try shopify(
            server, "orders/create", Self.shopify(1, updated: "2026-11-20T10:00:05+01:00", financial: "pending"),
            event: "e1")
        #expect(r.status == 200 && r.body == "applied\n", "\(r) \(server.output)")
        #expect(
            try sb.sql("SELECT ref, channel, status, payment_status FROM orders WHERE channel = 'main'") == [
                "#1001|main|pending|unpaid"
            ])
        // Two cards reserved of ten (plain SQL over the lines and the shelf).
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["10|2"])
        #expect(try sb.scalar("SELECT name FROM customers WHERE email = 'buyer1@example.com'") == "Zoë Ünal")
        #expect(try sb.scalar("SELECT note FROM orders WHERE ref = '#1001'").contains("discount 0.50"))

        r = try shopify(server, "orders/paid", Self.shopify(1, updated: "2026-11-20T10:01:00+01:00"), event: "e2")
        #expect(r.status == 200 && r.body == "applied\n", "\(r)")
        #expect(
            try sb.sql("SELECT status, payment_status, paid_total FROM orders WHERE ref = '#1001'") == [
                "confirmed|paid|410"
            ])

        let first: [String: Any] = [
            "created_at": "2026-11-21T09:00:00+01:00", "status": "success", "tracking_company": "DHL",
            "tracking_number": "00340434161094042557", "shipment_status": NSNull(),
            "updated_at": "2026-11-21T09:00:00+01:00",
        ]
        r = try shopify(
            server, "orders/partially_fulfilled",
            Self.shopify(
                1, updated: "2026-11-21T09:00:01+01:00", fulfillment: "partial", fulfillable: 1, fulfillments: [first]),
            event: "e3")
        #expect(r.status == 200, "\(r)")
        #expect(
            try sb.sql("SELECT status, fulfilment_status FROM orders WHERE ref = '#1001'") == ["processing|partial"])
        #expect(try sb.sql("SELECT sum(quantity) FROM shipment_lines") == ["1"])

        r = try shopify(
            server, "orders/fulfilled",
            Self.shopify(
                1, updated: "2026-11-22T09:00:00+01:00", fulfillment: "fulfilled", fulfillable: 0, fulfillments: [first]
            ),
            event: "e4")
        #expect(r.status == 200, "\(r)")
        #expect(
            try sb.sql(
                "SELECT o.status, s.carrier, s.tracking FROM orders o JOIN shipments s ON s.order_id = o.id WHERE ref = '#1001'"
            )
                == ["shipped|dhl|00340434161094042557", "shipped|dhl|00340434161094042557"],
            "a shipment for each delivery that shipped more units (Shopify's first tracking number on each)")
        // Both cards left the shelf; none are reserved.
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["8|0"])

        // A refund arrives before the order's next version: it waits, and that version settles it.
        let refundBody = Array(
            try JSONSerialization.data(withJSONObject: [
                "id": 900, "order_id": 5001, "created_at": "2026-11-23T09:00:00+01:00",
                "transactions": [["kind": "refund", "status": "success", "amount": "2.05"]],
            ]))
        r = try shopify(server, "refunds/create", refundBody, event: "e5")
        #expect(r.status == 200 && r.body == "kept\n", "\(r)")
        #expect(
            try sb.sql("SELECT topic, state FROM intake WHERE dedupe_key = 'event:e5:refunds/create'") == [
                "refunds/create|received"
            ])
        let refund: [String: Any] = [
            "created_at": "2026-11-23T09:00:00+01:00",
            "transactions": [["kind": "refund", "status": "success", "amount": "2.05"]],
        ]
        r = try shopify(
            server, "orders/updated",
            Self.shopify(
                1, updated: "2026-11-23T09:00:02+01:00", financial: "partially_refunded", fulfillment: "fulfilled",
                fulfillable: 0, fulfillments: [first], refunds: [refund]),
            event: "e6")
        #expect(r.status == 200, "\(r)")
        #expect(
            try sb.sql("SELECT payment_status, refunded_total FROM orders WHERE ref = '#1001'") == [
                "partially_refunded|205"
            ])
        #expect(try sb.sql("SELECT state FROM intake WHERE dedupe_key = 'event:e5:refunds/create'") == ["applied"])
        // The same refund again (Shopify retried it) after the version that holds it: nothing.
        r = try shopify(server, "refunds/create", refundBody, event: "e5")
        #expect(r.body == "duplicate\n")
        r = try shopify(server, "refunds/create", refundBody, event: "e5b")
        #expect(r.body == "applied\n", "a refund the applied version holds is settled at once: \(r)")

        // Another order, created and cancelled: its stock goes back.
        r = try shopify(
            server, "orders/create", Self.shopify(2, updated: "2026-11-24T10:00:00+01:00", quantity: 3), event: "e7")
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["8|3"])
        r = try shopify(
            server, "orders/cancelled",
            Self.shopify(
                2, updated: "2026-11-24T11:00:00+01:00", financial: "refunded", quantity: 3,
                cancelled: "2026-11-24T11:00:00+01:00"),
            event: "e8")
        #expect(r.status == 200, "\(r)")
        #expect(try sb.sql("SELECT status FROM orders WHERE ref = '#1002'") == ["cancelled"])
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["8|0"])

        // An edit names the order; the version after it (one card fewer) settles it.
        r = try shopify(
            server, "orders/create", Self.shopify(3, updated: "2026-11-25T10:00:00+01:00", quantity: 3), event: "e9")
        let edit = Array(
            try JSONSerialization.data(withJSONObject: [
                "order_edit": ["id": 1, "order_id": 5003, "created_at": "2026-11-25T10:30:00+01:00"]
            ]))
        r = try shopify(server, "orders/edited", edit, event: "e10")
        #expect(r.body == "kept\n", "\(r)")
        // Shopify's edit removing a card from a paid order, refunded: the line keeps its
        // quantity 3, its current_quantity is 2.
        let editRefund: [String: Any] = [
            "created_at": "2026-11-25T10:30:00+01:00", "refund_line_items": [["line_item_id": 70003, "quantity": 1]],
            "transactions": [["kind": "refund", "status": "success", "amount": "2.05"]],
        ]
        r = try shopify(
            server, "orders/updated",
            Self.shopify(
                3, updated: "2026-11-25T10:30:01+01:00", financial: "partially_refunded", quantity: 3,
                refunds: [editRefund], current: 2),
            event: "e11")
        #expect(r.status == 200, "\(r)")
        #expect(try sb.sql("SELECT state FROM intake WHERE dedupe_key = 'event:e10:orders/edited'") == ["applied"])
        // The edit took a card off the order here too, and its reservation with it.
        #expect(
            try sb.sql("SELECT l.quantity FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE ref = '#1003'")
                == ["2"])
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["8|2"])
        #expect(
            try sb.scalar(
                "SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE ref = '#1003' AND e.kind = 'edited'"
            ) == "1")

        // A guest checkout (no customer account): the customer is the email and the billing name.
        r = try shopify(
            server, "orders/create",
            Self.shopify(
                6, updated: "2026-11-26T10:00:00+01:00", quantity: 1, name: "Gast Käufer", email: "gast@example.de",
                guest: true),
            event: "e12")
        #expect(r.body == "applied\n", "\(r) \(server.output)")
        #expect(
            try sb.sql(
                "SELECT c.name, c.email, c.country FROM orders o JOIN customers c ON c.id = o.customer_id WHERE ref = '#1006'"
            )
                == ["Gast Käufer|gast@example.de|DE"])

        #expect(try sb.scalar("SELECT count(*) FROM shop_orders") == "4")
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
        let doctor = try sb.run("doctor")
        #expect(doctor.exitCode != 1, "\(doctor)")
        #expect(server.stop() == 0, "\(server.output)")
        #expect(server.output.contains("orderctl serve: stopped"))
    }

    @Test("WooCommerce: created, updated, deleted (kept as a conflict, never deleting), the ping")
    func wooTopics() throws {
        let sb = try Sandbox(template: .catalog)
        try shops(sb)
        let server = try TestServer(sb)
        func woo(_ topic: String, _ body: [UInt8]) throws -> TestServer.Reply {
            try server.deliver("woo", platform: "woocommerce", topic: topic, body: body, secret: Self.webhookSecret)
        }
        // The ping WooCommerce sends a new webhook: unsigned, 200, nothing stored.
        var r = try server.request(
            "POST", "/webhooks/woo", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Array("webhook_id=12".utf8))
        #expect(r.status == 200, "\(r)")
        #expect(try sb.scalar("SELECT count(*) FROM intake") == "0")
        r = try woo("order.created", Self.woo(801, status: "pending", modified: "2026-11-20T09:05:00"))
        #expect(r.body == "applied\n", "\(r) \(server.output)")
        r = try woo("order.updated", Self.woo(801, status: "completed", modified: "2026-11-21T10:00:00"))
        #expect(r.body == "applied\n", "\(r)")
        #expect(try sb.sql("SELECT ref, status FROM orders WHERE channel = 'woo'") == ["801|shipped"])
        // The same version again (a second delivery of one change): nothing.
        let events = try sb.scalar("SELECT count(*) FROM order_events")
        r = try woo("order.updated", Self.woo(801, status: "completed", modified: "2026-11-21T10:00:00"))
        #expect(r.body == "duplicate\n", "\(r)")
        #expect(try sb.scalar("SELECT count(*) FROM order_events") == events)
        r = try woo("order.deleted", Array(#"{"id":801}"#.utf8))
        #expect(r.status == 200 && r.body == "kept\n", "\(r)")
        #expect(
            try sb.sql(
                "SELECT state, o.ref FROM intake i JOIN orders o ON o.id = i.order_id WHERE topic = 'order.deleted'")
                == ["conflict|801"])
        #expect(try sb.sql("SELECT status FROM orders WHERE ref = '801'") == ["shipped"])
        let inbox = try sb.ok("inbox")
        #expect(inbox.stdout.contains("conflict") && inbox.stdout.contains("deleted"), "\(inbox)")
        // A topic orderctl does not apply: 200, nothing stored.
        r = try woo("product.updated", Array(#"{"id":5}"#.utf8))
        #expect(r.status == 200 && r.body == "ignored\n", "\(r)")
        #expect(try sb.scalar("SELECT count(*) FROM intake WHERE topic = 'product.updated'") == "0")
    }

    @Test("refused before anything is stored: a wrong or missing signature, no secret, no such shop, a huge body")
    func refusals() throws {
        let sb = try Sandbox(template: .catalog)
        try shops(sb)
        let server = try TestServer(sb, arguments: ["--max-body", "64K"])
        let body = Self.shopify(1, updated: "2026-11-20T10:00:05+01:00")
        var r = try server.deliver(
            "main", platform: "shopify", topic: "orders/create", body: body, secret: "wrong", event: "x1")
        #expect(r.status == 401, "\(r)")
        #expect(!r.body.contains("whsec"), "the answer says nothing of the secret")
        r = try server.deliver(
            "main", platform: "shopify", topic: "orders/create", body: body, secret: nil, event: "x2")
        #expect(r.status == 401, "\(r)")
        // The body changed after signing: refused.
        var tampered = body
        tampered[tampered.count / 2] ^= 1
        var headers = ["X-Shopify-Topic": "orders/create", "X-Shopify-Event-Id": "x3"]
        headers["X-Shopify-Hmac-Sha256"] = Signing.sign(body, secret: Self.webhookSecret)
        r = try server.request("POST", "/webhooks/main", headers: headers, body: tampered)
        #expect(r.status == 401, "\(r)")
        r = try server.deliver(
            "bare", platform: "shopify", topic: "orders/create", body: body, secret: Self.webhookSecret, event: "x4")
        #expect(r.status == 401, "\(r)")
        #expect(server.output.contains("401 POST /webhooks/bare rejected"), "\(server.output)")
        #expect(try sb.scalar("SELECT count(*) FROM intake") == "0")
        // Given one with `shop update`, read at the next delivery (no restart); taken away again, refused.
        let nothing = try sb.run("shop", "update", "bare")
        #expect(nothing.exitCode == 64, "\(nothing)")
        try sb.ok(
            "shop", "update", "bare", "--webhook-secret-file", sb.dir.appendingPathComponent("webhook.secret").path)
        r = try server.deliver(
            "bare", platform: "shopify", topic: "orders/create",
            body: Self.shopify(9, updated: "2026-11-20T10:00:05+01:00"),
            secret: Self.webhookSecret, event: "b1")
        #expect(r.status == 200 && r.body == "applied\n", "\(r)")
        try sb.ok("shop", "update", "bare", "--no-webhook-secret")
        r = try server.deliver(
            "bare", platform: "shopify", topic: "orders/create", body: body, secret: Self.webhookSecret, event: "b2")
        #expect(r.status == 401, "\(r)")
        r = try server.deliver(
            "nosuch", platform: "shopify", topic: "orders/create", body: body, secret: Self.webhookSecret)
        #expect(r.status == 404, "\(r)")
        let huge = Array(#"{"id":1,"pad":""#.utf8) + [UInt8](repeating: 0x61, count: 200_000) + Array(#""}"#.utf8)
        r = try server.deliver(
            "main", platform: "shopify", topic: "orders/create", body: huge, secret: Self.webhookSecret, event: "x5")
        #expect(r.status == 413, "\(r)")
        r = try server.deliver(
            "main", platform: "shopify", topic: nil, body: body, secret: Self.webhookSecret, event: "x6")
        #expect(r.status == 400, "\(r)")
        #expect(
            try sb.scalar("SELECT count(*) FROM intake i JOIN shops s ON s.id = i.shop_id WHERE s.name = 'main'") == "0"
        )
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE channel = 'main'") == "0")
        // The server still takes a good delivery after all that.
        r = try server.deliver(
            "main", platform: "shopify", topic: "orders/create", body: body, secret: Self.webhookSecret, event: "x7")
        #expect(r.status == 200 && r.body == "applied\n", "\(r)")
        // Signed but not JSON: kept as failed (a retry would not help), answered 200.
        r = try server.deliver(
            "main", platform: "shopify", topic: "orders/updated", body: Array("{\"id\": 5001, ".utf8),
            secret: Self.webhookSecret, event: "x8")
        #expect(r.status == 200 && r.body == "kept\n", "\(r)")
        #expect(
            try sb.sql(
                "SELECT state, error LIKE 'the body is not JSON%' FROM intake WHERE dedupe_key = 'event:x8:orders/updated'"
            )
                == ["failed|1"])
        let remind = try sb.run("remind")
        #expect(remind.stdout.contains("inbox"), "\(remind)")
        let metrics = try server.request("GET", "/metrics")
        #expect(
            metrics.body.contains(#"orderctl_webhook_deliveries_total{shop="main",outcome="rejected"} 4"#),
            "\(metrics.body)")
        #expect(
            metrics.body.contains(#"orderctl_webhook_deliveries_total{shop="-",outcome="rejected"} 2"#),
            "\(metrics.body)")
        #expect(
            metrics.body.contains(#"orderctl_webhook_deliveries_total{shop="main",outcome="applied"} 1"#),
            "\(metrics.body)")
        #expect(metrics.body.contains(#"orderctl_inbox_waiting{shop="main"} 1"#), "\(metrics.body)")
        // The last delivery's time, as plain SQL reads it from the inbox; no shop's sync is failing.
        let last = try sb.scalar(
            "SELECT CAST(strftime('%s', max(received_at)) AS INTEGER) FROM intake i JOIN shops s ON s.id = i.shop_id WHERE s.name = 'main'"
        )
        #expect(
            metrics.body.contains(#"orderctl_shop_last_delivery_timestamp_seconds{shop="main"} \#(last).0"#),
            "\(metrics.body)")
        #expect(metrics.body.contains(#"orderctl_shop_sync_failing{shop="main"} 0"#), "\(metrics.body)")
    }

    @Test("out of order and twice: paid before create, updated before create, the same event again")
    func outOfOrder() throws {
        let sb = try Sandbox(template: .catalog)
        try shops(sb)
        let server = try TestServer(sb)
        var r = try shopify(server, "orders/paid", Self.shopify(4, updated: "2026-11-20T10:02:00+01:00"), event: "p1")
        #expect(r.body == "applied\n", "\(r)")
        r = try shopify(
            server, "orders/create", Self.shopify(4, updated: "2026-11-20T10:00:05+01:00", financial: "pending"),
            event: "p0")
        #expect(r.body == "applied\n", "\(r)")
        // The older version changed nothing: still paid.
        #expect(try sb.sql("SELECT status, payment_status FROM orders WHERE ref = '#1004'") == ["confirmed|paid"])
        r = try shopify(server, "orders/paid", Self.shopify(4, updated: "2026-11-20T10:02:00+01:00"), event: "p1")
        #expect(r.body == "duplicate\n", "\(r)")
        // The late create is settled, not left waiting with its body.
        #expect(
            try sb.sql("SELECT state, body IS NULL FROM intake WHERE dedupe_key = 'event:p0:orders/create'") == [
                "applied|1"
            ])
        #expect(
            try sb.ok("inbox").stdout.contains("nothing")
                || (try sb.scalar("SELECT count(*) FROM intake WHERE state IN ('received', 'failed', 'conflict')"))
                    == "0"
        )
        // A refund waits for the version that holds it: a version between the one here and
        // the refund does not settle it; the version after the refund does.
        let refund = Array(
            try JSONSerialization.data(withJSONObject: [
                "id": 901, "order_id": 5004, "created_at": "2026-11-20T10:30:00+01:00",
                "transactions": [["kind": "refund", "status": "success", "amount": "2.05"]],
            ]))
        r = try shopify(server, "refunds/create", refund, event: "p5")
        #expect(r.body == "kept\n", "\(r)")
        r = try shopify(server, "orders/updated", Self.shopify(4, updated: "2026-11-20T10:10:00+01:00"), event: "p6")
        #expect(r.body == "applied\n", "\(r)")
        #expect(try sb.sql("SELECT state FROM intake WHERE dedupe_key = 'event:p5:refunds/create'") == ["received"])
        let refunded: [String: Any] = [
            "created_at": "2026-11-20T10:30:00+01:00",
            "transactions": [["kind": "refund", "status": "success", "amount": "2.05"]],
        ]
        r = try shopify(
            server, "orders/updated",
            Self.shopify(4, updated: "2026-11-20T10:30:01+01:00", financial: "partially_refunded", refunds: [refunded]),
            event: "p7")
        #expect(r.body == "applied\n", "\(r)")
        #expect(try sb.sql("SELECT state FROM intake WHERE dedupe_key = 'event:p5:refunds/create'") == ["applied"])
        // One Shopify event sets off several topics with the same event id: each is a delivery.
        r = try shopify(server, "orders/updated", Self.shopify(4, updated: "2026-11-20T10:02:00+01:00"), event: "p1")
        #expect(r.body == "applied\n", "orders/updated of the event orders/paid came from: \(r)")
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE channel = 'main'") == "1")
        #expect(try sb.scalar("SELECT count(*) FROM payments WHERE kind = 'payment'") == "1")
        let health = try server.request("GET", "/healthz")
        #expect(health.status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any]
        let main = (json?["shops"] as? [[String: Any]])?.first { $0["name"] as? String == "main" }
        #expect(
            main?["last_delivery"] as? String == (try sb.scalar("SELECT max(received_at) FROM intake")), "\(health)")
        #expect(main?["waiting"] as? Int == 0)
    }

    @Test("an unpaid order edited in the shop: edited here, the history intact; hostile numbers do not stop the server")
    func editUnpaidAndHostileNumbers() throws {
        let sb = try Sandbox(template: .catalog)
        try shops(sb)
        let server = try TestServer(sb)
        var r = try shopify(
            server, "orders/create",
            Self.shopify(7, updated: "2026-11-20T10:00:05+01:00", financial: "pending", quantity: 3),
            event: "u1")
        #expect(r.body == "applied\n", "\(r)")
        r = try shopify(
            server, "orders/updated",
            Self.shopify(7, updated: "2026-11-20T11:00:00+01:00", financial: "pending", quantity: 3, current: 2),
            event: "u2")
        #expect(r.body == "applied\n", "\(r) \(server.output)")
        #expect(server.output.contains("order #1007 updated"), "\(server.output)")
        #expect(
            try sb.sql("SELECT l.quantity FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE ref = '#1007'")
                == ["2"])
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["10|2"])
        let verify = try sb.run("verify")
        #expect(verify.exitCode == 0 && verify.stdout.hasPrefix("history intact"), "\(verify)")
        // Refunded units beyond what a number holds, a negative quantity: one line each, never a trap.
        var hostile =
            try JSONSerialization.jsonObject(with: Data(Self.shopify(8, updated: "2026-11-20T10:00:05+01:00")))
            as! [String: Any]
        hostile["refunds"] = [
            [
                "created_at": "2026-11-20T10:00:00Z",
                "refund_line_items": [
                    ["line_item_id": 70008, "quantity": Int64.max], ["line_item_id": 70008, "quantity": Int64.max],
                ],
                "transactions": [["kind": "refund", "status": "success", "amount": "99999999999999999.99"]],
            ]
        ]
        var lines = hostile["line_items"] as! [[String: Any]]
        lines[0]["current_quantity"] = NSNull()
        lines[0]["fulfillable_quantity"] = Int64.min
        hostile["line_items"] = lines
        r = try shopify(
            server, "orders/create", Array(try JSONSerialization.data(withJSONObject: hostile)), event: "h1")
        #expect(r.status == 200, "\(r) \(server.output)")
        lines[0]["quantity"] = -5
        hostile["line_items"] = lines
        hostile["refunds"] = []
        r = try shopify(
            server, "orders/updated", Array(try JSONSerialization.data(withJSONObject: hostile)), event: "h2")
        #expect(r.status == 200 && r.body == "kept\n", "\(r)")
        let health = try server.request("GET", "/healthz")
        #expect(health.status == 200, "the server lives on: \(health)")
        #expect(server.stop() == 0, "\(server.output)")
    }

    @Test("SIGTERM while a delivery waits for the write lock: it is answered 200 and stored, then serve exits 0")
    func gracefulStop() throws {
        let sb = try Sandbox(template: .catalog)
        try shops(sb)
        let server = try TestServer(sb)
        // sqlite3 holds the write lock until the test lets go (well within the 5 s busy timeout).
        let holder = try LockHolder(sb, limit: 15)
        let body = Self.shopify(11, updated: "2026-11-20T10:00:05+01:00")
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var reply: TestServer.Reply?
        DispatchQueue.global().async {
            reply = try? server.deliver(
                "main", platform: "shopify", topic: "orders/create", body: body, secret: Self.webhookSecret, event: "g1"
            )
            done.signal()
        }
        usleep(600_000)  // the delivery is in, waiting for the lock
        kill(server.pid, SIGTERM)
        usleep(400_000)
        try holder.release()
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(reply?.status == 200 && reply?.body == "applied\n", "\(String(describing: reply)) \(server.output)")
        #expect(server.stop(signal: 0) == 0, "\(server.output)")
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE ref = '#1011'") == "1")
    }

    @Test("deliveries while the CLI ships: every one lands, none twice")
    func concurrentShip() throws {
        let sb = try Sandbox(template: .catalog)
        try shops(sb)
        try sb.ok("stock", "set", "MUG-01", "400")
        for i in 0..<8 {
            try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01:1", "--ref", "L-\(i)")
            try sb.ok("confirm", "L-\(i)")
        }
        let server = try TestServer(sb)
        // The CLI loop runs in a shell of its own while the deliveries go in.
        let loop = try launch(
            URL(fileURLWithPath: "/bin/sh"),
            [
                "-c",
                "for i in 0 1 2 3 4 5 6 7; do \"$0\" ship L-$i --carrier dhl --tracking 0034043416109404250$i || echo failed $i; done",
                sb.binary.path,
            ], environment: sb.environment(), directory: sb.dir, scratch: sb.scratch)
        var statuses: [Int] = []
        for n in 10..<30 {
            let r = try shopify(
                server, "orders/create", Self.shopify(n, updated: "2026-11-20T10:00:05+01:00", quantity: 1),
                event: "c\(n)")
            statuses.append(r.status)
        }
        let cli = try loop.wait(timeout: 120)
        #expect(cli.exitCode == 0 && !cli.stdout.contains("failed"), "\(cli)")
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses) \(server.output)")
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE channel = 'main'") == "20")
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE ref LIKE 'L-%' AND status = 'shipped'") == "8")
        #expect(
            try sb.scalar(
                "SELECT count(*) FROM (SELECT platform_id FROM shop_orders GROUP BY platform_id HAVING count(*) > 1)")
                == "0")
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
    }

    @Test("--listen: loopback unless --public; a bad address or size is a usage error")
    func listenChecks() throws {
        let sb = try Sandbox(template: .catalog)
        var r = try sb.run("serve", "--listen", "0.0.0.0:8080")
        #expect(r.exitCode == 64 && r.stderr.contains("--public"), "\(r)")
        r = try sb.run("serve", "--listen", "nonsense:port")
        #expect(r.exitCode == 64, "\(r)")
        r = try sb.run("serve", "--max-body", "12Q")
        #expect(r.exitCode == 64, "\(r)")
        // shop update judges the shape of what it is given before the database, as shop add does.
        r = try sb.run("shop", "update", "main", "--api-url", "ftp://x")
        #expect(r.exitCode == 64 && r.stderr.contains("--api-url"), "\(r)")
        r = try sb.run("shop", "update", "main", "--no-webhook-secret", "--webhook-secret-file", "/x")
        #expect(r.exitCode == 64, "\(r)")
    }
}
