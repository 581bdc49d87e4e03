import Foundation
import Testing

/// `orderctl shop add/list/show/remove` with the built binary: secrets stay in their
/// files (only paths are stored, nothing secret is printed), loose files are refused as
/// ssh refuses a loose key, addresses are kept in one form, a removed shop keeps its row.
@Suite("shops: add, list, show, remove")
struct ShopE2ETests {
    /// A file holding `secret`, with `mode`.
    func secret(_ sb: Sandbox, _ name: String, _ secret: String, mode: Int = 0o600) throws -> String {
        let path = sb.dir.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data((secret + "\n").utf8))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    static let token = "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"

    @Test("a Shopify and a WooCommerce shop: only paths are stored, no secret is printed or kept in the database")
    func addListShow() throws {
        let sb = try Sandbox(template: .catalog)
        let token = try secret(sb, "main.token", Self.token)
        let key = try secret(sb, "woo.key", "ck_keykeykeykey")
        let sec = try secret(sb, "woo.secret", "cs_secretsecret")
        let hook = try secret(sb, "woo.hook", "whsec-hook-secret")
        let a = try sb.ok(
            "shop", "add", "main", "--platform", "shopify", "--domain", "Mugs.myshopify.com/", "--token-file", token)
        #expect(a.stdout == "added shop main (shopify, mugs.myshopify.com)\n")
        try sb.ok(
            "shop", "add", "woo", "--platform", "woocommerce", "--url", "https://Shop.Example/store/", "--key-file",
            key,
            "--secret-file", sec, "--webhook-secret-file", hook, "--api-url", "http://127.0.0.1:9/")
        // What the database holds: paths, never the secrets.
        let dump = try sb.dump()
        for s in [Self.token, "ck_keykeykeykey", "cs_secretsecret", "whsec-hook-secret"] {
            #expect(!dump.contains(s), "the database holds a secret")
        }
        #expect(
            try sb.scalar(
                "SELECT group_concat(name || ' ' || platform || ' ' || address || ' ' || coalesce(api_url, '-'), '|') FROM (SELECT * FROM shops ORDER BY id)"
            ) == "main shopify mugs.myshopify.com -|woo woocommerce https://shop.example/store http://127.0.0.1:9")
        #expect(
            try sb.scalar("SELECT json_extract(credentials, '$.token_file') FROM shops WHERE name = 'main'") == token)
        let list = try sb.ok("shop", "list")
        let table = try #require(Output.table(in: list.stdout, header: "NAME"))
        #expect(table.rows.map { $0[0] } == ["main", "woo"])
        #expect(table.rows.map { $0[2] } == ["mugs.myshopify.com", "https://shop.example/store"])
        #expect(table.rows.map { $0.last } == ["never", "never"])
        let shops = try #require(try sb.json("shop", "list", "--json") as? [[String: Any]])
        #expect(shops.map { $0.string("name") } == ["main", "woo"])
        #expect(shops[1].string("currency") == "EUR")
        #expect((shops[1]["secret_files"] as? [String: String])?["webhook_secret_file"] == hook)
        let show = try sb.ok("shop", "show", "woo")
        #expect(show.stdout.contains("key-file:") && show.stdout.contains("\(key)  (ok)"))
        #expect(show.stdout.contains("webhook-secret-file:"))
        for r in [a, list, show] {
            for s in [Self.token, "ck_keykeykeykey", "cs_secretsecret", "whsec-hook-secret"] {
                #expect(!r.stdout.contains(s) && !r.stderr.contains(s))
            }
        }
        // A file that became readable by others since: show says so.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        let loose = try sb.jsonObject("shop", "show", "woo", "--json")
        let problems = try #require(loose["secret_file_problems"] as? [String: Any])
        #expect((problems["key_file"] as? String)?.contains("readable by others") == true)
        #expect(problems["secret_file"] is NSNull)
    }

    @Test("loose, missing or wrong secret files are refused with one line that shows no secret; nothing is stored")
    func refusedFiles() throws {
        let sb = try Sandbox(template: .catalog)
        let before = try sb.dump()
        let loose = try secret(sb, "loose", Self.token, mode: 0o644)
        let empty = try secret(sb, "empty", "  ")
        let two = try secret(sb, "two", "shpat_a shpat_b")
        let key = try secret(sb, "k", "ck_kkkkkkkk")
        let sec = try secret(sb, "s", "cs_ssssssss")
        let cases: [([String], String)] = [
            (
                ["--platform", "shopify", "--domain", "m", "--token-file", loose],
                "readable by others (mode 644): 'chmod 600"
            ),
            (["--platform", "shopify", "--domain", "m", "--token-file", empty], "empty"),
            (["--platform", "shopify", "--domain", "m", "--token-file", two], "on one line, without spaces"),
            (["--platform", "shopify", "--domain", "m", "--token-file", "/dev/null"], "not a regular file"),
            (["--platform", "shopify", "--domain", "m", "--token-file", sb.dir.path + "/none"], "No such file"),
            (
                ["--platform", "shopify", "--domain", "m", "--token-file", Self.token],
                "looks like the Admin API access token itself"
            ),
            (
                ["--platform", "woocommerce", "--url", "https://s.example", "--key-file", sec, "--secret-file", key],
                "swapped"
            ),
        ]
        for (args, message) in cases {
            let r = try sb.run(["shop", "add", "x"] + args)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stderrLines.count == 1 && r.stderr.contains(message), "\(r)")
            #expect(
                !r.stderr.contains(Self.token) && !r.stderr.contains("ck_kkkkkkkk") && !r.stderr.contains("cs_ssssssss")
            )
        }
        #expect(try sb.dump() == before)
    }

    @Test(
        "shapes the parser can judge exit 64: platform, domain, url, credentials in a URL, options of the other platform"
    )
    func usageErrors() throws {
        let sb = try Sandbox(template: .catalog)
        let token = try secret(sb, "t", Self.token)
        var cases: [([String], String)] = [
            (["--platform", "magento", "--domain", "m", "--token-file", token], "expected shopify or woocommerce"),
            (["--platform", "shopify", "--domain", "mugs.com", "--token-file", token], "STORE.myshopify.com"),
            (["--platform", "shopify", "--token-file", token], "missing --domain"),
            (["--platform", "shopify", "--domain", "m"], "missing --token-file"),
            (
                ["--platform", "shopify", "--domain", "m", "--token-file", token, "--key-file", token],
                "takes --token-file"
            ),
            (
                [
                    "--platform", "woocommerce", "--url", "http://shop.example", "--key-file", token, "--secret-file",
                    token,
                ], "expected https"
            ),
            (
                [
                    "--platform", "woocommerce", "--url", "https://me:hunter2@shop.example", "--key-file", token,
                    "--secret-file", token,
                ],
                "must not hold a user or password"
            ),
        ]
        cases.append(
            (
                [
                    "--platform", "woocommerce", "--url", "http://127.0.0.1.attacker.example", "--key-file", token,
                    "--secret-file", token,
                ], "expected https"
            ))
        cases.append(
            (
                [
                    "--platform", "woocommerce", "--url", "https://shop.example/?consumer_key=ck_hunter2", "--key-file",
                    token, "--secret-file", token,
                ], "without '?'"
            ))
        cases.append(
            (
                [
                    "--platform", "shopify", "--domain", "https://key:hunter2@mugs.myshopify.com/admin", "--token-file",
                    token,
                ], "--domain"
            ))
        for (args, message) in cases {
            let r = try sb.run(["shop", "add", "x"] + args)
            #expect(r.exitCode == 64, "\(r)")
            #expect(r.stderr.contains(message), "\(r)")
            #expect(!r.stderr.contains("hunter2"))
        }
        let bad = try sb.run(
            "shop", "add", "Two Words", "--platform", "shopify", "--domain", "m", "--token-file", token)
        #expect(bad.exitCode == 64)
    }

    @Test("one shop per name and per address; remove keeps the row and its orders; adding it again brings it back")
    func removeAndRevive() throws {
        let sb = try Sandbox(template: .catalog)
        let token = try secret(sb, "t", Self.token)
        try sb.ok("shop", "add", "main", "--platform", "shopify", "--domain", "mugs", "--token-file", token)
        let sameName = try sb.run(
            "shop", "add", "main", "--platform", "shopify", "--domain", "other", "--token-file", token)
        #expect(sameName.exitCode == 1 && sameName.stderr.contains("exists already"))
        let sameShop = try sb.run(
            "shop", "add", "second", "--platform", "shopify", "--domain", "https://mugs.myshopify.com", "--token-file",
            token)
        #expect(sameShop.exitCode == 1 && sameShop.stderr.contains("shop 'main' is that shop already"))
        // An order linked to the shop, as sync would link it.
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD:1", "--ref", "#1001", "--channel", "main")
        try sb.sql(
            "INSERT INTO shop_orders(shop_id, platform_id, order_id, applied_at) SELECT 1, 'gid://shopify/Order/1', id, '2026-03-04T10:00:00Z' FROM orders"
        )
        let removed = try sb.ok("shop", "remove", "main")
        #expect(removed.stdout.contains("its 1 order stays"))
        #expect(try sb.ok("shop", "list").stderr.contains("no shops yet"))
        #expect(try sb.ok("shop", "list", "--all").stdout.contains("removed"))
        #expect(try sb.scalar("SELECT count(*) FROM shop_orders") == "1")
        let other = try sb.run(
            "shop", "add", "main", "--platform", "shopify", "--domain", "other", "--token-file", token)
        #expect(other.exitCode == 1 && other.stderr.contains("choose another name"))
        let back = try sb.ok("shop", "add", "main", "--platform", "shopify", "--domain", "mugs", "--token-file", token)
        #expect(back.stdout.contains("added shop main again") && back.stdout.contains("1 order kept"))
        #expect(try sb.scalar("SELECT count(*) FROM shops") == "1")
        let unknown = try sb.run("shop", "show", "nope")
        #expect(unknown.exitCode == 1 && unknown.stderr.contains("no shop named 'nope' (shops: main"))
        #expect(try sb.run("shop", "remove", "nope").exitCode == 1)
    }
}
