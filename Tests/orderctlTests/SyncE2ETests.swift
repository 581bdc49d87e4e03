import Foundation
import Testing

/// A test shop on loopback (Tests/ShopServer/shop_server.py: Shopify's GraphQL orders
/// query and WooCommerce's REST orders list, as documented), answering from a scenario
/// the test writes, and logging every request.
final class TestShop {
    let dir: URL
    var pid: pid_t = 0
    let port: Int

    /// Started with posix_spawn, not Foundation's Process: a long-lived child of Process
    /// here keeps Process's exit watcher waiting on it, and every other command the tests
    /// run then waits for ever.
    init(_ sb: Sandbox) throws {
        dir = sb.dir.appendingPathComponent("shop-server")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: dir.appendingPathComponent("scenario.json"))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ShopServer/shop_server.py")
        let portFile = dir.appendingPathComponent("port").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, portFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let args = ["/usr/bin/env", "python3", script.path, dir.path]
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let rc = posix_spawn(&pid, "/usr/bin/env", &actions, nil, &cargs, environ)
        try #require(rc == 0, "python3 did not start: \(rc)")
        var found = 0
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), text.hasSuffix("\n"),
                let p = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                found = p
                break
            }
            usleep(50_000)
        }
        port = found
        try #require(port > 0, "the test shop did not say its port")
    }

    deinit {
        kill(pid, SIGKILL)  // the spawning thread may block SIGTERM, and the child inherits that
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func scenario(_ value: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: value)
        try data.write(to: dir.appendingPathComponent("scenario.json"), options: .atomic)
    }

    /// Every request so far, as the server logged it.
    func requests() throws -> [[String: Any]] {
        guard let text = try? String(contentsOf: dir.appendingPathComponent("requests.jsonl"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

@Suite("sync: orders from a test shop on loopback, with the built binary")
struct SyncE2ETests {
    static let key = "ck_0123456789abcdef"
    static let secret = "cs_0123456789abcdef"
    static let token = "shpat_0123456789abcdef"

    /// A WooCommerce order document: `id`, modified at `modified` (GMT), two CARD at 2.05.
    static func woo(_ id: Int, status: String = "processing", modified: String, quantity: Int = 2) -> [String: Any] {
        [
            "id": id, "number": "\(id)", "status": status, "currency": "EUR",
            "date_created_gmt": "2026-11-20T09:00:00", "date_modified_gmt": modified,
            "date_paid_gmt": status == "pending" ? NSNull() : "2026-11-20T09:01:00" as Any,
            "date_completed_gmt": status == "completed" ? "2026-11-21T10:00:00" : NSNull() as Any,
            "billing": ["first_name": "Zoe", "last_name": "Park", "email": "zoe\(id)@example.com", "country": "DE"],
            "shipping": ["first_name": "Zoe", "last_name": "Park", "country": "DE"],
            "line_items": [
                [
                    "id": id * 10, "name": "Greeting card", "product_id": 7, "variation_id": 0, "quantity": quantity,
                    "subtotal": String(format: "%.2f", 2.05 * Double(quantity)), "total": "0", "sku": "CARD",
                    "price": 2.05,
                ]
            ],
            "shipping_lines": [], "fee_lines": [], "coupon_lines": [], "refunds": [],
            "shipping_total": "4.90", "total": "9.00", "total_tax": "0.00", "discount_total": "0.00",
        ]
    }

    /// A Shopify `orders` node: `n`, updated at `updated`, one CARD at 2.05, paid.
    static func shopify(_ n: Int, updated: String, fulfilled: Bool = false) -> [String: Any] {
        [
            "id": "gid://shopify/Order/\(5000 + n)", "name": "#\(1000 + n)", "createdAt": "2026-11-20T09:00:00Z",
            "updatedAt": updated, "processedAt": "2026-11-20T09:00:00Z", "cancelledAt": NSNull(),
            "email": "buyer\(n)@example.com", "note": NSNull(), "currencyCode": "EUR",
            "displayFinancialStatus": "PAID", "displayFulfillmentStatus": fulfilled ? "FULFILLED" : "UNFULFILLED",
            "customer": ["displayName": "Buyer \(n)", "email": "buyer\(n)@example.com"],
            "billingAddress": ["name": "Buyer \(n)", "countryCodeV2": "DE", "provinceCode": NSNull()],
            "shippingAddress": ["name": "Buyer \(n)", "countryCodeV2": "DE", "provinceCode": NSNull()],
            "subtotalPriceSet": ["shopMoney": ["amount": "2.05"]],
            "totalShippingPriceSet": ["shopMoney": ["amount": "0.0"]],
            "totalTaxSet": ["shopMoney": ["amount": "0.0"]], "totalDiscountsSet": ["shopMoney": ["amount": "0.0"]],
            "totalPriceSet": ["shopMoney": ["amount": "2.05"]], "totalOutstandingSet": ["shopMoney": ["amount": "0.0"]],
            "totalRefundedSet": ["shopMoney": ["amount": "0.0"]],
            "fulfillments": fulfilled
                ? [
                    [
                        "createdAt": "2026-11-21T08:00:00Z", "deliveredAt": NSNull(),
                        "trackingInfo": [["company": "DHL", "number": "00340434161094042557"]],
                    ]
                ]
                : [],
            "lineItems": [
                "nodes": [
                    [
                        "id": "gid://shopify/LineItem/\(n)", "sku": "CARD", "name": "Greeting card", "quantity": 1,
                        "currentQuantity": 1, "unfulfilledQuantity": fulfilled ? 0 : 1,
                        "variant": ["id": "gid://shopify/ProductVariant/77"],
                        "originalUnitPriceSet": ["shopMoney": ["amount": "2.05"]],
                    ]
                ],
                "pageInfo": ["hasNextPage": false],
            ],
        ]
    }

    func secretFile(_ sb: Sandbox, _ name: String, _ value: String) throws -> String {
        let path = sb.dir.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data((value + "\n").utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }

    func addWoo(_ sb: Sandbox, _ shop: TestShop) throws {
        try sb.ok(
            "shop", "add", "woo", "--platform", "woocommerce", "--url", "https://shop.example", "--api-url", shop.url,
            "--key-file", try secretFile(sb, "woo.key", Self.key), "--secret-file",
            try secretFile(sb, "woo.secret", Self.secret))
    }

    let fast: [String: String?] = ["ORDERCTL_SYNC_WAIT_SCALE": "0.001", "ORDERCTL_SYNC_TIMEOUT": "10"]

    /// Runs a sync that must succeed.
    func syncOK(_ sb: Sandbox, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> RunResult
    {
        let r = try sb.run(arguments, env: fast)
        #expect(r.exitCode == 0, "\(r)", sourceLocation: sourceLocation)
        return r
    }

    @Test("WooCommerce: new orders come in with stock reserved; a second sync adds nothing; a change moves them on")
    func wooCommerce() throws {
        let sb = try Sandbox(template: .catalog)
        let shop = try TestShop(sb)
        try addWoo(sb, shop)
        try shop.scenario([
            "woocommerce": [
                "key": Self.key, "secret": Self.secret,
                "orders": [
                    Self.woo(501, modified: "2026-11-20T09:05:00"),
                    Self.woo(502, status: "pending", modified: "2026-11-20T09:06:00", quantity: 3),
                ],
            ]
        ])
        let first = try sb.run(["sync"], env: fast)
        #expect(first.exitCode == 0, "\(first)")
        #expect(
            first.stdout == "woo: fetched 2, created 2, updated 0, unchanged 0, conflicts 0, failed 0\n", "\(first)")
        #expect(
            try sb.sql("SELECT ref, channel, status, paid_total FROM orders WHERE channel = 'woo' ORDER BY ref")
                == ["501|woo|confirmed|410", "502|woo|pending|0"])
        // Five cards reserved of ten, by plain SQL against the lines.
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["10|5"])
        #expect(try sb.scalar("SELECT cursor FROM shops") == "2026-11-20T09:06:00Z")
        #expect(try sb.scalar("SELECT synced_at IS NOT NULL AND sync_error IS NULL FROM shops") == "1")
        // Again: the overlap re-reads both, and nothing changes.
        let events = try sb.scalar("SELECT count(*) || '/' || (SELECT count(*) FROM orders) FROM order_events")
        let again = try syncOK(sb, ["sync"])
        #expect(again.stdout == "woo: fetched 2, created 0, updated 0, unchanged 2, conflicts 0, failed 0\n")
        #expect(try sb.scalar("SELECT count(*) || '/' || (SELECT count(*) FROM orders) FROM order_events") == events)
        let asked = try shop.requests().compactMap { ($0["query"] as? [String: String])?["modified_after"] }
        // The cursor less the 10 minutes' overlap, less a second (modified_after is exclusive).
        #expect(asked.last == "2026-11-20T08:55:59", "\(asked)")
        // Completed in the shop: shipped here, the cards leave the shelf.
        try shop.scenario([
            "woocommerce": [
                "key": Self.key, "secret": Self.secret,
                "orders": [
                    Self.woo(501, status: "completed", modified: "2026-11-21T10:00:00"),
                    Self.woo(502, status: "pending", modified: "2026-11-20T09:06:00", quantity: 3),
                ],
            ]
        ])
        let moved = try syncOK(sb, ["sync"])
        #expect(moved.stdout.contains("updated 1"), "\(moved)")
        #expect(try sb.sql("SELECT status FROM orders WHERE ref = '501'") == ["shipped"])
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["8|3"])
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
        let doctor = try sb.run("doctor")
        #expect(doctor.exitCode != 1, "\(doctor)")
    }

    @Test("retries: 500 and 429 are tried again (429 after its Retry-After); 401 is one line naming the shop, exit 1")
    func networkTrouble() throws {
        let sb = try Sandbox(template: .catalog)
        let shop = try TestShop(sb)
        try addWoo(sb, shop)
        try shop.scenario([
            "woocommerce": [
                "key": Self.key, "secret": Self.secret, "fail": [500, 429, 503], "retry_after": "2",
                "orders": [Self.woo(601, modified: "2026-11-20T09:05:00")],
            ]
        ])
        // Shapes the parser can judge: exit 64, nothing fetched.
        for bad in [["--since", "garbage"], ["--overlap", "99999"], ["Two Words"]] {
            let u = try sb.run(["sync"] + bad, env: fast)
            #expect(u.exitCode == 64, "\(u)")
        }
        #expect(try shop.requests().isEmpty)
        let r = try sb.run(["sync", "--json"], env: fast)
        #expect(r.exitCode == 0, "\(r)")
        let report = try #require(
            (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(report.int("created") == 1)
        // Backoff 1 s, then the 429's Retry-After of 2 s, then the doubled backoff, 4 s.
        let waited = (report["waited"] as? [[String: Any]] ?? []).map {
            "\($0.string("reason") ?? ""):\($0.int("milliseconds") ?? -1)"
        }
        #expect(waited == ["HTTP 500:1000", "HTTP 429 (too many requests):2000", "HTTP 503:4000"], "\(waited)")
        #expect(try shop.requests().count == 4)
        let basic = Data("\(Self.key):\(Self.secret)".utf8).base64EncodedString()
        #expect(!r.stdout.contains(basic) && !r.stdout.contains(Self.secret))
        // Wrong secret: refused at once, nothing else tried, the secret never shown.
        try shop.scenario(["woocommerce": ["key": Self.key, "secret": "cs_other", "orders": []]])
        let denied = try sb.run(["sync"], env: fast)
        #expect(denied.exitCode == 1, "\(denied)")
        #expect(
            denied.stderrLines.last?.hasPrefix(
                "Error: shop woo: the platform refused the credentials (HTTP 401): check the key pair in") == true,
            "\(denied)")
        #expect(!denied.stderr.contains(Self.secret) && !denied.stdout.contains(Self.secret))
        #expect(try sb.scalar("SELECT sync_error LIKE '%HTTP 401%' FROM shops") == "1")
        #expect(try sb.ok("shop", "list").stdout.contains("failed"))
        let doctor = try sb.run("doctor")
        #expect(
            doctor.exitCode == 3 && doctor.stdout.contains("shop woo: the last sync failed: the platform refused"),
            "\(doctor)")
        // Not JSON (a maintenance page): one line, exit 1.
        try shop.scenario(["woocommerce": ["key": Self.key, "secret": Self.secret, "malformed": true]])
        let junk = try sb.run(["sync"], env: fast)
        #expect(junk.exitCode == 1 && junk.stderr.contains("is not JSON"), "\(junk)")
        // Nobody listening: retried, then one line.
        try sb.ok("shop", "remove", "woo")
        try sb.ok(
            "shop", "add", "gone", "--platform", "woocommerce", "--url", "https://gone.example", "--api-url",
            "http://127.0.0.1:9", "--key-file", sb.dir.appendingPathComponent("woo.key").path, "--secret-file",
            sb.dir.appendingPathComponent("woo.secret").path)
        let nobody = try sb.run(
            ["sync", "gone"], env: ["ORDERCTL_SYNC_WAIT_SCALE": "0.001", "ORDERCTL_SYNC_TIMEOUT": "2"])
        #expect(nobody.exitCode == 1, "\(nobody)")
        #expect(
            nobody.stderrLines.last
                == "Error: shop gone: http://127.0.0.1:9/wp-json/wc/v3/orders: connection refused (kept trying for 2 s)",
            "\(nobody)")
    }

    @Test("Shopify: cursor pages and the cost throttle; a sync stopped by a failure resumes without a gap or a repeat")
    func shopifyPagesAndResume() throws {
        let sb = try Sandbox(template: .catalog)
        let shop = try TestShop(sb)
        try sb.ok(
            "shop", "add", "main", "--platform", "shopify", "--domain", "mugs", "--api-url", shop.url, "--token-file",
            try secretFile(sb, "main.token", Self.token))
        let orders = (1...9).map { Self.shopify($0, updated: String(format: "2026-11-21T08:%02d:00Z", $0)) }
        // The second page fails every time: the first page and its cursor stay.
        try shop.scenario(["shopify": ["token": Self.token, "orders": orders, "throttle": 1, "fail_after_pages": 1]])
        let broken = try sb.run(["sync", "--json"], env: fast)
        #expect(broken.exitCode == 1, "\(broken)")
        let report = try #require(
            (try JSONSerialization.jsonObject(with: Data(broken.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(report.int("fetched") == 8 && report.int("created") == 8, "\(broken)")
        #expect(report.string("error")?.contains("HTTP 500") == true, "\(broken)")
        // Throttled: (420 asked - 220 left) / 100 restored a second = 2 s, then the 500s' backoff.
        let waited = (report["waited"] as? [[String: Any]] ?? []).map {
            "\($0.string("reason") ?? ""):\($0.int("milliseconds") ?? -1)"
        }
        #expect(waited.first == "Shopify throttle:2000", "\(waited)")
        #expect(!broken.stdout.contains(Self.token) && !broken.stderr.contains(Self.token))
        // Throttled once: the same first page asked again after the wait.
        let firstTwo = try shop.requests().prefix(2).map { ($0["variables"] as? [String: Any])?["after"] is NSNull }
        #expect(firstTwo == [true, true])
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE channel = 'main'") == "8")
        #expect(try sb.scalar("SELECT cursor FROM shops") == "2026-11-21T08:08:00Z")
        // Fixed: the next sync reads from the cursor (less the overlap) and takes the ninth.
        try shop.scenario(["shopify": ["token": Self.token, "orders": orders, "fail_after_pages": 100]])
        let resumed = try syncOK(sb, ["sync"])
        #expect(resumed.stdout.contains("created 1"), "\(resumed)")
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE channel = 'main'") == "9")
        #expect(try sb.scalar("SELECT count(DISTINCT ref) FROM orders WHERE channel = 'main'") == "9")
        #expect(try sb.scalar("SELECT count(*) FROM shop_orders") == "9")
        let queries = try shop.requests().compactMap { ($0["variables"] as? [String: Any])?["query"] as? String }
        #expect(queries.last == "updated_at:>='2026-11-21T07:58:00Z'", "\(queries)")
        #expect(try sb.sql("SELECT ref FROM orders WHERE channel = 'main' ORDER BY ref").first == "#1001")
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["10|9"])
        // Fulfilled in the shop, with tracking: shipped here.
        var changed = orders
        changed[0] = Self.shopify(1, updated: "2026-11-22T08:00:00Z", fulfilled: true)
        try shop.scenario(["shopify": ["token": Self.token, "orders": changed]])
        let shipped = try syncOK(sb, ["sync", "main"])
        #expect(shipped.stdout.contains("updated 1"), "\(shipped)")
        #expect(
            try sb.sql(
                "SELECT o.status, s.carrier, s.tracking FROM orders o JOIN shipments s ON s.order_id = o.id WHERE o.ref = '#1001'"
            ) == ["shipped|dhl|00340434161094042557"])
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
        // A dry run of a change shows it and keeps nothing.
        changed[1] = Self.shopify(2, updated: "2026-11-23T08:00:00Z", fulfilled: true)
        try shop.scenario(["shopify": ["token": Self.token, "orders": changed]])
        let before = try sb.dump()
        let dry = try syncOK(sb, ["sync", "--dry-run"])
        #expect(dry.stdout.contains("updated 1") && dry.stdout.contains("dry run"), "\(dry)")
        #expect(try sb.dump() == before)
    }

    @Test("WooCommerce: 150 orders, 120 changed in one second: all read once; the cursor stays at that second")
    func wooTies() throws {
        let sb = try Sandbox(template: .catalog)
        let shop = try TestShop(sb)
        try addWoo(sb, shop)
        try sb.ok("stock", "set", "CARD", "1000")
        let orders = (1...150).map { i in
            Self.woo(
                700 + i, status: "pending",
                modified: i <= 120 ? "2026-11-20T09:00:00" : String(format: "2026-11-20T09:%02d:00", i - 119),
                quantity: 1)
        }
        try shop.scenario(["woocommerce": ["key": Self.key, "secret": Self.secret, "orders": orders]])
        let first = try syncOK(sb, ["sync"])
        #expect(
            first.stdout == "woo: fetched 150, created 150, updated 0, unchanged 0, conflicts 0, failed 0\n", "\(first)"
        )
        #expect(try sb.scalar("SELECT count(DISTINCT platform_id) FROM shop_orders") == "150")
        // Read past the crowded second by page number: the cursor does not pass it.
        #expect(try sb.scalar("SELECT cursor FROM shops") == "2026-11-20T09:00:00Z")
        let pages = try shop.requests().map { ($0["query"] as? [String: String])?["page"] ?? "" }
        #expect(pages.contains("2"), "\(pages)")
        let again = try syncOK(sb, ["sync"])
        #expect(
            again.stdout == "woo: fetched 150, created 0, updated 0, unchanged 150, conflicts 0, failed 0\n", "\(again)"
        )
    }

    @Test("Shopify: an order of more lines than a page holds is read again alone; the cursor follows the pages, not it")
    func shopifyLongOrder() throws {
        let sb = try Sandbox(template: .catalog)
        let shop = try TestShop(sb)
        try sb.ok(
            "shop", "add", "main", "--platform", "shopify", "--domain", "mugs", "--api-url", shop.url, "--token-file",
            try secretFile(sb, "main.token", Self.token))
        var long = Self.shopify(1, updated: "2026-11-21T08:01:00Z")
        long["lineItems"] = [
            "nodes": (long["lineItems"] as! [String: Any])["nodes"]!, "pageInfo": ["hasNextPage": true],
        ]
        // Read alone, it has changed since (a second line, a later time).
        var alone = Self.shopify(1, updated: "2026-11-24T12:00:00Z")
        var lines = (alone["lineItems"] as! [String: Any])["nodes"] as! [[String: Any]]
        var second = lines[0]
        second["id"] = "gid://shopify/LineItem/99"
        second["sku"] = "TEE-M"
        lines.append(second)
        alone["lineItems"] = ["nodes": lines, "pageInfo": ["hasNextPage": false]]
        try shop.scenario([
            "shopify": [
                "token": Self.token, "orders": [long, Self.shopify(2, updated: "2026-11-21T08:02:00Z")],
                "single": ["gid://shopify/Order/5001": alone],
            ]
        ])
        let r = try syncOK(sb, ["sync"])
        #expect(r.stdout.contains("created 2"), "\(r)")
        #expect(
            try sb.sql(
                "SELECT sku FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref = '#1001' ORDER BY line_no"
            ) == ["CARD", "TEE-M"])
        #expect(try sb.scalar("SELECT cursor FROM shops") == "2026-11-21T08:02:00Z")
        #expect(try shop.requests().filter { $0["single"] as? Bool == true }.count == 1)
    }

    @Test("conflicts wait in the inbox with their payload; retry after the fix applies one, dismiss sets one aside")
    func inbox() throws {
        let sb = try Sandbox(template: .catalog)
        let shop = try TestShop(sb)
        try addWoo(sb, shop)
        var dollars = Self.woo(802, modified: "2026-11-20T09:07:00")
        dollars["currency"] = "USD"
        try shop.scenario([
            "woocommerce": [
                "key": Self.key, "secret": Self.secret,
                "orders": [Self.woo(801, status: "completed", modified: "2026-11-20T09:06:00", quantity: 12), dollars],
            ]
        ])
        let r = try syncOK(sb, ["sync"])
        #expect(r.stdout.contains("conflicts 2"), "\(r)")
        #expect(r.stderr.contains("woo: platform order 801: conflict:") && r.stderr.contains("CARD"), "\(r)")
        #expect(r.stderr.contains("woo: platform order 802: conflict: the order is in USD"), "\(r)")
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE channel = 'woo'") == "0")
        let list = try sb.ok("inbox")
        let table = try #require(Output.table(in: list.stdout, header: "ID"))
        #expect(table.rows.map { $0[1] + " " + $0[2] + " " + $0[3] } == ["woo conflict 801", "woo conflict 802"])
        let entries = try #require(try sb.json("inbox", "--json") as? [[String: Any]])
        let ids = entries.compactMap { $0.int("id") }.map(String.init)
        #expect(ids.count == 2 && entries.allSatisfy { ($0.int("body_bytes") ?? 0) > 100 })
        let show = try sb.ok("inbox", "show", ids[0])
        #expect(
            show.stdout.contains("conflict, from woo by sync") && show.stdout.contains("\"number\":\"801\""), "\(show)")
        #expect(try sb.ok("shop", "show", "woo").stdout.contains("waiting:     2"))
        let doctor = try sb.run("doctor")
        #expect(doctor.exitCode == 3, "\(doctor)")
        #expect(doctor.stdout.contains("shop woo: 2 orders wait in the inbox"), "\(doctor)")
        // Counted the cards: the first applies.
        try sb.ok("stock", "set", "CARD", "20")
        let retried = try sb.ok("inbox", "retry", ids[0])
        #expect(retried.stdout == "#\(ids[0]): order 801: created\n", "\(retried)")
        #expect(try sb.sql("SELECT status FROM orders WHERE ref = '801'") == ["shipped"])
        #expect(try sb.sql("SELECT on_hand, reserved FROM products WHERE sku = 'CARD'") == ["8|0"])
        // The other cannot apply: still a conflict, exit 1; dismissed, it stops waiting.
        let again = try sb.run("inbox", "retry", ids[1])
        #expect(again.exitCode == 1 && again.stdout.contains("still a conflict"), "\(again)")
        #expect(try sb.ok("inbox", "dismiss", ids[1]).stdout.contains("dismissed"))
        #expect(try sb.ok("inbox").stderr.contains("nothing waits"))
        #expect(!(try sb.run("doctor").stdout.contains("inbox")))
        #expect(try sb.run("inbox", "dismiss", ids[1]).exitCode == 1)
        #expect(try sb.ok("inbox", "list", "--all").stdout.contains("dismissed"))
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
    }
}
