import Foundation
import Testing

@testable import OrderCore

// `orderctl stats` end to end: the table, --csv (read by Python's csv module) and --json
// carry the same figures, worked out by hand; an empty period says so; bad input is
// refused with one line and changes nothing.

@Suite("stats: table, CSV and JSON")
struct StatsE2ETests {
    /// The clock is 2026-11-25 (Berlin). By hand, September: O-1 alone (2 units, 25.00;
    /// shipped after 24 h, delivered 48 h later). October: O-2 (cancelled) and O-3
    /// (3 units, 6.15). November: none. Whole range: 3 orders, 1 cancelled, 5 units,
    /// 31.15 gross and net, average 31.15 / 2 = 15.575 -> 15.58.
    func shop() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--ref", "O-1", "--date",
            "2026-09-10T10:00:00Z")
        try sb.ok("pay", "O-1", "--at", "2026-09-10T10:00:00Z")
        try sb.ok("confirm", "O-1", "--at", "2026-09-11T10:00:00Z")
        try sb.ok("ship", "O-1", "--at", "2026-09-11T10:00:00Z")
        try sb.ok("deliver", "O-1", "--at", "2026-09-13T10:00:00Z")
        try sb.ok(
            "add", "--customer", "jean@example.fr", "--item", "TEE-M", "--ref", "O-2", "--date", "2026-10-05T10:00:00Z")
        try sb.ok("cancel", "O-2", "--reason", "changed mind")
        try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "CARD:3", "--ref", "O-3", "--date", "2026-10-20T10:00:00Z"
        )
        return sb
    }

    static let range = ["--from", "2026-09-01", "--to", "2026-11-30"]

    @Test("the table: one row per month, a Total row, the values by hand")
    func table() throws {
        let sb = try shop()
        let out = try sb.ok(["stats", "--by", "month"] + Self.range).stdout
        let table = try #require(Output.table(in: out, header: "MONTH"), "no table in:\n\(out)")
        // MONTH ORDERS UNITS GROSS REFUNDS NET AVG CANC RET SHIP-d DELIV-d [bar]
        #expect(
            table.rows.map { Array($0.prefix(11)) } == [
                ["2026-09", "1", "2", "25.00", "0.00", "25.00", "25.00", "0.0%", "0.0%", "1.0/1.0", "2.0/2.0"],
                ["2026-10", "2", "3", "6.15", "0.00", "6.15", "6.15", "50.0%", "–", "–", "–"],
                ["2026-11", "0", "0", "0.00", "0.00", "0.00", "–", "–", "–", "–", "–"],
                ["Total", "3", "5", "31.15", "0.00", "31.15", "15.58", "33.3%", "0.0%", "1.0/1.0", "2.0/2.0"],
            ])
        // The bar column: September has the most net revenue, November none.
        #expect(table.rows[0].count == 12 && table.rows[0][11].hasPrefix("█"))
        #expect(table.rows[0][11].count > table.rows[1][11].count)
    }

    @Test("--csv opens with Python's csv module, and its totals equal the table's")
    func csvMatchesTable() throws {
        let sb = try shop()
        let csv = try sb.ok(["stats", "--by", "month", "--csv", "--totals"] + Self.range).stdout
        let file = sb.dir.appendingPathComponent("stats.csv")
        try Data(csv.utf8).write(to: file)
        let python = try runProcess(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [
                "-c", "import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='')))))",
                file.path,
            ],
            environment: sb.environment(), directory: sb.dir, scratch: sb.scratch)
        #expect(python.exitCode == 0, "\(python)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(python.stdout.utf8)) as? [[String: String]])
        #expect(rows.map { $0["month"] ?? "?" } == ["2026-09", "2026-10", "2026-11", "total"])
        #expect(rows[0]["gross"] == "25.00" && rows[0]["currency"] == "EUR" && rows[0]["ship_hours_median"] == "24")
        #expect(rows[0]["delivery_hours_p90"] == "48")
        #expect(rows[1]["cancellation_rate"] == "0.5000" && rows[1]["return_rate"] == "")
        let total = rows[3]
        #expect(total["orders"] == "3" && total["units"] == "5" && total["gross"] == "31.15" && total["net"] == "31.15")
        #expect(total["average_order"] == "15.58" && total["cancellation_rate"] == "0.3333")

        // The same figures as the table's Total row.
        let table = try #require(
            Output.table(in: try sb.ok(["stats", "--by", "month"] + Self.range).stdout, header: "MONTH"))
        let tableTotal = try #require(table.rows.last)
        #expect(
            [total["orders"], total["units"], total["gross"], total["refunds"], total["net"], total["average_order"]]
                == tableTotal[1...6].map { Optional($0) })

        // Without --totals: no total row.
        let plain = try sb.ok(["stats", "--by", "month", "--csv"] + Self.range).stdout
        #expect(plain.split(whereSeparator: \.isNewline).count == 4)
    }

    @Test("--json: the same values, amounts as strings")
    func json() throws {
        let sb = try shop()
        let json = try sb.jsonObject("stats", "--by", "customer", "--from", "2026-09-01", "--to", "2026-11-30")
        #expect(json["from"] as? String == "2026-09-01" && json["time_zone"] as? String == "Europe/Berlin")
        let groups = try #require(json["groups"] as? [[String: Any]])
        #expect(groups.count == 2)
        let ann = try #require(groups.first)
        #expect((ann["customer"] as? [String: Any])?["email"] as? String == "ann@example.com")
        #expect(ann["orders"] as? Int == 2 && ann["gross"] as? String == "31.15")
        #expect((ann["ship_hours"] as? [String: Any])?["median"] as? Int == 24)
        let jean = groups[1]
        #expect(jean["cancelled"] as? Int == 1 && jean["average_order"] is NSNull)
        let totals = try #require(json["totals"] as? [[String: Any]])
        #expect(totals.count == 1 && totals[0]["net"] as? String == "31.15")
    }

    @Test("a period without orders says so, in every format")
    func emptyPeriod() throws {
        let sb = try shop()
        let r = try sb.ok("stats", "--from", "2025-01-01", "--to", "2025-01-31")
        let span = try sb.sql("SELECT min(date(placed_at, '+1 hour')), max(date(placed_at, '+1 hour')) FROM orders")[0]
            .split(separator: "|")
        #expect(
            r.stdout == "No orders placed from 2025-01-01 to 2025-01-31 (Europe/Berlin).\n"
                + "The orders lie from \(span[0]) to \(span[1]): orderctl stats --from \(span[0]) --to \(span[1])\n")
        let csv = try sb.ok("stats", "--from", "2025-01-01", "--to", "2025-01-31", "--csv", "--totals").stdout
        #expect(csv.split(whereSeparator: \.isNewline).count == 1)
        let json = try sb.jsonObject("stats", "--from", "2025-01-01", "--to", "2025-01-31")
        #expect((json["groups"] as? [Any])?.isEmpty == true && (json["totals"] as? [Any])?.isEmpty == true)
    }

    @Test("default: the last 12 months, up to today")
    func defaultRange() throws {
        let sb = try shop()
        let json = try sb.jsonObject("stats", "--by", "month")
        #expect(json["from"] as? String == "2025-12-01" && json["to"] as? String == "2026-11-25")
        #expect((json["groups"] as? [Any])?.count == 12)
    }

    @Test(
        "bad input: one line naming the option, the exact exit code, nothing changed",
        arguments: [
            (["stats", "--by", "fortnight"], "by", Int32(64)),
            (["stats", "--by", "month", "--by", "week"], "by", 64),
            (["stats", "--from", "someday"], "from", 64),
            // Dates are resolved in the shop's time zone before they are compared.
            (["stats", "--from", "2026-10-01", "--to", "2026-09-01"], "from", 1),
            (["stats", "--currency", "EURO"], "currency", 64),
            (["stats", "--timezone", "Mars/Olympus"], "timezone", 64),
            (["stats", "--limit", "-3"], "limit", 64),
            (["stats", "--limit=-3"], "limit", 64),
            (["stats", "--json", "--csv"], "--json", 64),
        ])
    func badInput(arguments: [String], field: String, code: Int32) throws {
        let sb = try shop()
        let before = try sb.dump()
        let r = try sb.run(arguments)
        #expect(r.exitCode == code, "\(r)")
        #expect(r.stdout.isEmpty)
        let errorLine = r.stderrLines.first ?? ""
        #expect(errorLine.hasPrefix("Error: ") && errorLine.contains(field), "\(r)")
        #expect(r.stderrLines.filter { $0.hasPrefix("Error") }.count == 1, "\(r)")
        #expect(try sb.dump() == before)
    }
}

@Suite("stats customers")
struct StatsCustomersE2ETests {
    /// The stats shop (2026-11-25): Ann bought O-1 (25.00, 10 Sep) and O-3 (6.15, 20 Oct);
    /// Jean's only order is cancelled, so Ann is the one customer who bought.
    @Test("text, JSON, CSV and --show agree; bad input is refused")
    func customers() throws {
        let sb = try StatsE2ETests().shop()
        let range = ["--from", "2026-09-01", "--to", "2026-11-30"]
        let text = try sb.ok(["stats", "customers"] + range).stdout
        #expect(text.hasPrefix("Customers who bought from 2026-09-01 to 2026-11-30 (Europe/Berlin): 1\n"))
        #expect(text.contains("Repeat purchase rate: 100.0% (1 bought more than once)"))
        // 20 Oct 10:00Z - 10 Sep 10:00Z = 40 days.
        #expect(text.contains("Days between a customer's orders: median 40, 90th percentile 40 (1 gaps)"))
        #expect(text.contains("champions               0"))

        let json = try sb.jsonObject("stats", "customers", "--from", "2026-09-01", "--to", "2026-11-30")
        let block = try #require((json["currencies"] as? [[String: Any]])?.first)
        #expect(block["customers"] as? Int == 1)
        let top = try #require((block["top"] as? [[String: Any]])?.first)
        #expect(
            top["email"] as? String == "ann@example.com" && top["orders"] as? Int == 2
                && top["net"] as? String == "31.15")
        // 30 Nov 23:00Z (the period's end in Berlin) - 20 Oct 10:00Z: 41 days 13 hours.
        #expect(top["recency_days"] as? Int == 41)

        let csv = try sb.ok(["stats", "customers", "--csv"] + range).stdout.split(whereSeparator: \.isNewline)
        #expect(csv.count == 2 && csv[0].hasPrefix("customer_id,customer,email,currency,orders,net,"))
        #expect(csv[1].contains(",Ann Lee,ann@example.com,EUR,2,31.15,"))

        let show = try sb.ok(["stats", "customers", "--show", "ann@example.com"] + range).stdout
        #expect(show.contains("2 orders, net 31.15 EUR; last order 2026-10-20"))
        #expect(show.contains("MUG-01"))

        let before = try sb.dump()
        for (bad, code) in [
            (["--show", "nobody@example.com"], Int32(1)), (["--top", "-1"], 64), (["--from", "someday"], 64),
            (["--currency", "EURO"], 64),
        ] {
            let r = try sb.run(["stats", "customers"] + bad)
            #expect(r.exitCode == code, "\(r)")
            #expect(r.stderrLines.first?.hasPrefix("Error: ") == true, "\(r)")
        }
        #expect(try sb.dump() == before)
    }
}

@Suite("stats products")
struct StatsProductsE2ETests {
    @Test("text, CSV and JSON; bad input refused")
    func products() throws {
        let sb = try StatsE2ETests().shop()
        let range = ["--from", "2026-09-01", "--to", "2026-11-30"]
        let text = try sb.ok(["stats", "products"] + range).stdout
        // Kept: O-1 MUG-01 x2 (25.00), O-3 CARD x3 (6.15); O-2 (TEE-M) was cancelled.
        #expect(text.hasPrefix("Products sold from 2026-09-01 to 2026-11-30 (Europe/Berlin): 2\n"))
        #expect(text.contains("Bought together: no order had two products."))
        let csv = try sb.ok(["stats", "products", "--csv"] + range).stdout.split(whereSeparator: \.isNewline).map(
            String.init)
        #expect(
            csv == [
                "sku,product,currency,orders,units,net,rank_revenue,rank_units,share,cumulative_share,abc",
                "MUG-01,Stoneware mug,EUR,1,2,25.00,1,2,0.8026,0.8026,A",
                "CARD,Greeting card,EUR,1,3,6.15,2,1,0.1974,1.0000,B",
            ])
        let json = try sb.jsonObject("stats", "products", "--from", "2026-09-01", "--to", "2026-11-30")
        let block = try #require((json["currencies"] as? [[String: Any]])?.first)
        #expect((block["by_units"] as? [[String: Any]])?.first?["sku"] as? String == "CARD")
        for bad in [["--top", "-1"], ["--to", "never"]] {
            let r = try sb.run(["stats", "products"] + bad)
            #expect(r.exitCode == 64, "\(r)")
            #expect(r.stderrLines.first?.hasPrefix("Error: ") == true)
        }
    }
}

/// Random shops imported from CSV: `stats products` prints, in the table and in JSON, the
/// pairs a self-join over the database's order lines finds, and its CSV (one row per
/// product, no pairs) does not depend on --top.
@Suite("stats products: bought together against a self-join")
struct StatsProductsPairsE2ETests {
    /// A small deterministic generator (SplitMix64).
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// `StatsOutput.fraction` and `percent`.
    static func fraction(_ r: Double) -> String {
        let scaled = Int((r * 10000).rounded())
        let s = String(scaled % 10000)
        return "\(scaled / 10000)." + String(repeating: "0", count: 4 - s.count) + s
    }
    static func percent(_ r: Double) -> String {
        let tenths = Int((r * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// The pairs of the orders placed in [start, end), not cancelled: first, second,
    /// orders, share of the first's orders, of the second's.
    static func selfJoin(_ db: Database, start: String, end: String, limit: Int) throws -> [(
        String, String, Int, Double, Double
    )] {
        let orders = Dictionary(
            uniqueKeysWithValues: try db.query(
                """
                SELECT l.product_id, count(*) FROM orders o JOIN order_lines l ON l.order_id = o.id
                WHERE o.placed_at >= ? AND o.placed_at < ? AND o.status <> 'cancelled' GROUP BY l.product_id
                """, arguments: [start, end]
            ) { ($0.int64(0), $0.int(1)) })
        return try db.query(
            """
            SELECT pa.sku, pb.sku, a.product_id, b.product_id, count(*) FROM orders o
            JOIN order_lines a ON a.order_id = o.id JOIN order_lines b ON b.order_id = o.id AND b.product_id > a.product_id
            JOIN products pa ON pa.id = a.product_id JOIN products pb ON pb.id = b.product_id
            WHERE o.placed_at >= ? AND o.placed_at < ? AND o.status <> 'cancelled'
            GROUP BY a.product_id, b.product_id ORDER BY count(*) DESC, a.product_id, b.product_id LIMIT ?
            """, arguments: [start, end, limit]
        ) { row in
            let n = row.int(4)
            return (
                row.string(0), row.string(1), n, Double(n) / Double(orders[row.int64(2)] ?? 1),
                Double(n) / Double(orders[row.int64(3)] ?? 1)
            )
        }
    }

    @Test("table and JSON: the pairs of a self-join; CSV the same whatever --top", arguments: 1...4)
    func boughtTogether(seed: Int) throws {
        var rng = Random(state: UInt64(seed))
        let sb = try Sandbox(template: .catalog)
        // Winter (Berlin is UTC+1): 300 orders from 2025-11-01 to 2026-02-27, some at a
        // period's edge, 1 to 10 lines of 25 products (a few much more often), a tenth cancelled.
        var csv =
            "ref,ordered_at,customer_email,customer_name,sku,product_name,quantity,unit_price,status,cancelled_at\n"
        let start = 1_761_955_200  // 2025-11-01T00:00:00Z
        for i in 0..<300 {
            let at =
                Int.random(in: 0..<8, using: &rng) == 0
                ? ["2025-12-09T23:00:00Z", "2025-12-09T22:59:59Z", "2026-01-09T23:00:00Z", "2026-01-09T22:59:59Z"]
                    .randomElement(using: &rng)!
                : ISO8601DateFormatter().string(
                    from: Date(timeIntervalSince1970: Double(start + Int.random(in: 0..<(118 * 86400), using: &rng))))
            let cancelled = Int.random(in: 0..<10, using: &rng) == 0
            var skus: Set<Int> = []
            for _ in 0..<Int.random(in: 1...10, using: &rng) {
                let r = Double.random(in: 0..<1, using: &rng)
                skus.insert(Int(25 * r * r))
            }
            for s in skus.sorted() {
                csv +=
                    "S-\(i),\(at),c\(i % 40)@example.com,Customer \(i % 40),SKU-\(s),Product \(s),\(1 + s % 3),\(s + 1).25,"
                    + (cancelled ? "cancelled,\(at)\n" : "pending,\n")
            }
        }
        let path = sb.dir.appendingPathComponent("orders.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        try sb.ok("import", path)
        let db = try Database(path: sb.dbPath, readOnly: true)
        let periods = [
            ("2025-11-01", "2026-02-28", "2025-10-31T23:00:00Z", "2026-02-28T23:00:00Z"),
            ("2025-12-10", "2026-01-09", "2025-12-09T23:00:00Z", "2026-01-09T23:00:00Z"),
        ]
        for (from, to, periodStart, periodEnd) in periods {
            var csvs: Set<String> = []
            for top in [1, 7, 40, 1000] {
                let args = ["stats", "products", "--from", from, "--to", to, "--top", String(top)]
                let expected = try Self.selfJoin(db, start: periodStart, end: periodEnd, limit: top)
                #expect(!expected.isEmpty)
                let text = try sb.ok(args).stdout
                let table = try #require(Output.table(in: text, header: "BOUGHT TOGETHER"), "\(text)")
                #expect(
                    table.rows == expected.map { [$0.0, $0.1, String($0.2), Self.percent($0.3), Self.percent($0.4)] },
                    "\(from)..\(to) --top \(top)")
                let json =
                    try JSONSerialization.jsonObject(with: Data(try sb.ok(args + ["--json"]).stdout.utf8))
                    as? [String: Any]
                let block = try #require((json?["currencies"] as? [[String: Any]])?.first)
                let pairs = try #require(block["bought_together"] as? [[String: Any]])
                #expect(
                    pairs.map {
                        "\($0["first"] ?? "") \($0["second"] ?? "") \($0["orders"] ?? "") \(($0["of_first"] as? NSNumber)?.doubleValue ?? -1) \(($0["of_second"] as? NSNumber)?.doubleValue ?? -1)"
                    }
                        == expected.map {
                            "\($0.0) \($0.1) \($0.2) \(Double(Self.fraction($0.3))!) \(Double(Self.fraction($0.4))!)"
                        }, "\(from)..\(to) --top \(top)")
                csvs.insert(try sb.ok(args + ["--csv"]).stdout)
            }
            #expect(csvs.count == 1)
        }
    }
}
