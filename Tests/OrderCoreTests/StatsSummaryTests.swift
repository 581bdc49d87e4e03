import Foundation
import Testing

@testable import OrderCore

// The daily sums that `stats` reads (schema step 3, kept by triggers) must give exactly
// the figures computed from the orders and their lines, whatever happened to the orders
// and in whatever time zone the periods are cut.

@Suite("stats: the daily sums agree with the orders")
struct StatsSummaryTests {
    typealias SplitMix64 = CSVReaderTests.SplitMix64

    /// A random shop: orders over four months (across the spring DST change), edited,
    /// cancelled, paid, shipped in parts, delivered, returned and refunded at random.
    func randomShop(seed: UInt64, _ body: (OrderStore) throws -> Void) throws {
        try withStore(now: utc("2026-06-15T12:00:00Z")) { store in
            var rng = SplitMix64(state: seed)
            _ = try store.changeStock("MUG-01", .set(10_000), note: nil)
            _ = try store.changeStock("POSTER", .set(10_000), note: nil)
            let skus = ["MUG-01", "POSTER", "TEE"]
            let customers = ["ann@example.com", "bob@example.com", "cy@example.com"]
            let start = utc("2026-01-01T00:00:00Z").timeIntervalSince1970
            for i in 0..<120 {
                let ref = "R-\(i)"
                let placed = start + Double(Int.random(in: 0..<(120 * 86400), using: &rng))
                let items = skus.shuffled(using: &rng).prefix(Int.random(in: 1...3, using: &rng)).map {
                    "\($0):\(Int.random(in: 1...4, using: &rng))"
                }
                var d = draft(customers.randomElement(using: &rng)!, Array(items), ref: ref)
                d.placedAt = Instant.format(Date(timeIntervalSince1970: placed))
                d.backorder = true
                _ = try store.addOrder(d)
                func at(_ hours: Int) -> String {
                    Instant.format(Date(timeIntervalSince1970: placed + Double(hours * 3600)))
                }
                let fate = Int.random(in: 0..<10, using: &rng)
                if fate == 0 {
                    _ = try store.cancel(ref, reason: "changed mind")
                    continue
                }
                if fate == 1 {
                    var edit = OrderEdit()
                    edit.add = ["TEE:1"]
                    _ = try? store.edit(ref, edit)
                }
                if fate == 2 { continue }  // stays pending
                _ = try store.pay(ref, amount: nil, method: "card", at: at(0))
                _ = try store.confirm(ref, at: at(0))
                if fate == 3 {
                    _ = try store.cancel(ref, reason: "out of stock")
                    continue
                }
                let shipAfter = Int.random(in: 0...72, using: &rng)
                let detail = try store.order(ref)
                if fate == 4, let first = detail.lines.first, first.quantity > 1 {
                    _ = try store.ship(ref, items: ["\(first.sku):1"], at: at(shipAfter))  // part only
                    continue
                }
                _ = try store.ship(ref, at: at(shipAfter))
                if fate == 5 { continue }  // on its way
                _ = try store.deliver(ref, at: at(shipAfter + Int.random(in: 1...200, using: &rng)))
                if fate >= 8, let line = detail.lines.randomElement(using: &rng) {
                    _ = try store.returnItems(ref, items: ["\(line.sku):1"], restock: true, reason: "broken")
                    if fate == 9 { _ = try store.refund(ref, amount: "1.00", reason: "goodwill") }
                }
            }
            try body(store)
        }
    }

    static func describe(_ r: StatsReport) -> [String] {
        func h(_ x: HourHistogram) -> String {
            x.counts.keys.sorted().map { "\($0):\(x.counts[$0]!)" }.joined(separator: ",")
        }
        func row(_ g: StatsGroup) -> String {
            "\(g.keys.map(\.value).joined(separator: "/")) \(g.currency.code) o\(g.orders) c\(g.cancelled) u\(g.units) "
                + "g\(g.gross) r\(g.refunds) s\(g.shipped) t\(g.returned) ship[\(h(g.shipLead))] deliv[\(h(g.deliveryLead))]"
        }
        return r.groups.map(row) + ["total"] + r.totals.map(row)
    }

    static let requests: [[StatsDimension]] = [
        [], [.day], [.week], [.month], [.quarter], [.product], [.month, .product], [.product, .week],
    ]
    static let zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "UTC"]

    @Test("the same figures from the sums and from the orders", arguments: [1, 2, 3] as [UInt64])
    func sumsAgree(seed: UInt64) throws {
        try randomShop(seed: seed) { store in
            for zone in Self.zones {
                for dims in Self.requests {
                    let request = StatsRequest(from: "2025-12-30", to: "2026-05-03", by: dims, timeZone: zone, limit: 0)
                    let fast = Self.describe(try store.stats(request, summaries: true))
                    let slow = Self.describe(try store.stats(request, summaries: false))
                    #expect(fast == slow, "\(zone) by \(dims.map(\.rawValue))")
                }
            }
            // The top customers, found by the lean pass first, or from every customer's figures.
            for dims in [[StatsDimension.customer], [.month, .customer]] {
                for limit in [1, 2] {
                    let request = StatsRequest(from: "2026-01-01", to: "2026-04-30", by: dims, limit: limit)
                    let fast = try store.stats(request, summaries: true)
                    let slow = try store.stats(request, summaries: false)
                    #expect(Self.describe(fast) == Self.describe(slow), "by \(dims.map(\.rawValue)) limit \(limit)")
                    #expect(fast.omitted == slow.omitted && fast.omitted == 3 - limit)
                }
            }
            // The sums themselves, rebuilt from scratch, equal those the triggers kept
            // (but for rows the triggers emptied, which stay behind with a zero count).
            let tables = [
                ("stats_daily", "orders"), ("stats_daily_lead", "orders"), ("stats_daily_product", "lines"),
                ("stats_monthly", "orders"), ("stats_monthly_lead", "orders"), ("stats_monthly_product", "lines"),
            ]
            func rows() throws -> [[String]] {
                try tables.map { table, count in
                    try store.db.query("SELECT * FROM \(table) WHERE \(count) <> 0") { row in
                        (0..<row.columnCount).map { row.isNull($0) ? "NULL" : row.string($0) }.joined(separator: "|")
                    }
                }
            }
            let kept = try rows()
            #expect(kept[0].count > 50 && kept[1].count > 50 && kept[2].count > 50 && kept[5].count > 10)
            try store.db.execute(
                "DELETE FROM stats_daily; DELETE FROM stats_daily_lead; DELETE FROM stats_daily_product")
            #expect(try store.db.scalarInt("SELECT count(*) FROM stats_monthly_product WHERE lines <> 0") == 0)
            let step = try #require(Migrations.steps.first { $0.version == 3 })
            let rebuild = step.sql.components(separatedBy: "\n").drop { !$0.hasPrefix("INSERT INTO stats_daily") }
                .prefix { !$0.hasPrefix("-- The triggers") }.joined(separator: "\n")
            try store.db.execute(rebuild)
            #expect(try rows() == kept)
        }
    }

    @Test("gross by month equals the plain SQL over the order lines")
    func plainSQL() throws {
        try randomShop(seed: 7) { store in
            let r = try store.stats(StatsRequest(from: "2026-01-01", to: "2026-04-30", by: [.month]))
            let buckets = try OrderStore.buckets(.month, from: day("2026-01-01"), to: day("2026-04-30"), zone: berlin)
            #expect(r.groups.count == 4)
            for (g, b) in zip(r.groups, buckets) {
                let lines = try store.db.scalarInt(
                    """
                    SELECT coalesce(sum(l.line_total), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
                    WHERE o.status <> 'cancelled' AND o.placed_at >= ? AND o.placed_at < ?
                    """, b.start, b.end)
                let units = try store.db.scalarInt(
                    """
                    SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
                    WHERE o.status <> 'cancelled' AND o.placed_at >= ? AND o.placed_at < ?
                    """, b.start, b.end)
                let orders = try store.db.scalarInt(
                    "SELECT count(*) FROM orders WHERE placed_at >= ? AND placed_at < ?", b.start, b.end)
                #expect(g.keys[0].value == b.key.value)
                #expect(g.gross == lines && g.units == units && Int64(g.orders) == orders, "\(b.key.value)")
            }
            #expect(r.totals[0].gross == r.groups.map(\.gross).reduce(0, +))
            #expect(r.totals[0].orders > 100)
        }
    }

    @Test("whole days split into whole months and the days around them")
    func months() {
        let (months, days, minus) = OrderStore.monthsAndDays([
            ("a", "2026-01-15", "2026-04-29"), ("b", "2026-02-01", "2026-02-28"),
            ("c", "2026-03-02", "2026-03-31"), ("d", "2026-03-10", "2026-04-02"),
        ])
        #expect(
            months.map { "\($0.0) \($0.1)" } == [
                "a 2026-01", "a 2026-02", "a 2026-03", "a 2026-04", "b 2026-02", "c 2026-03", "d 2026-03",
            ])
        #expect(days.map { "\($0.0) \($0.1)..\($0.2)" } == ["d 2026-04-01..2026-04-02"])
        #expect(
            minus.map { "\($0.0) \($0.1)..\($0.2)" } == [
                "a 2026-01-01..2026-01-14", "a 2026-04-30..2026-04-30", "c 2026-03-01..2026-03-01",
                "d 2026-03-01..2026-03-09",
            ])
    }

    @Test("a period split at a half-hour offset: whole UTC days from the sums, the edges from the orders")
    func split() {
        var whole: [(String, String, String)] = []
        var partial: [(String, String, String)] = []
        // Kolkata (UTC+5:30): 1 to 31 March.
        OrderStore.split(
            StatsBucket(
                key: StatsKey(value: "m", label: "m"), start: "2026-02-28T18:30:00Z", end: "2026-03-31T18:30:00Z"),
            whole: &whole, partial: &partial)
        #expect(whole.map { "\($0.1)..\($0.2)" } == ["2026-03-01..2026-03-30"])
        #expect(
            partial.map { "\($0.1)..\($0.2)" } == [
                "2026-02-28T18:30:00Z..2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z..2026-03-31T18:30:00Z",
            ])
        whole = []
        partial = []
        OrderStore.split(
            StatsBucket(
                key: StatsKey(value: "d", label: "d"), start: "2026-03-01T00:00:00Z", end: "2026-03-02T00:00:00Z"),
            whole: &whole, partial: &partial)
        #expect(whole.map { "\($0.1)..\($0.2)" } == ["2026-03-01..2026-03-01"] && partial.isEmpty)
        whole = []
        partial = []
        OrderStore.split(
            StatsBucket(
                key: StatsKey(value: "d", label: "d"), start: "2026-03-01T05:00:00Z", end: "2026-03-01T09:00:00Z"),
            whole: &whole, partial: &partial)
        #expect(whole.isEmpty && partial.count == 1)
    }
}
