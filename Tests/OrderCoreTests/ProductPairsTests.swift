import Foundation
import Testing

@testable import OrderCore

// `stats products`' pairs bought together are counted only for the products that can be
// among the top pairs (`Baskets.topPairs`). They must be exactly the pairs of the plain
// way, which counts every pair: a self-join in SQL over the order lines of the period
// (random shops), or every pair of every basket (random baskets, each way of counting).

@Suite("stats products: bought together, against counting every pair")
struct ProductPairsTests {
    typealias SplitMix64 = CSVReaderTests.SplitMix64

    /// Every pair of every basket, the `limit` first by orders, then by ids: "a+b n".
    static func everyPair(_ baskets: [[Int64]], limit: Int) -> [String] {
        var counts: [[Int64]: Int] = [:]
        for basket in baskets where basket.count > 1 {
            let sorted = basket.sorted()
            for i in 0..<sorted.count {
                for j in (i + 1)..<sorted.count { counts[[sorted[i], sorted[j]], default: 0] += 1 }
            }
        }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
            .prefix(limit).map { "\($0.key[0])+\($0.key[1]) \($0.value)" }
    }

    /// Random baskets: a few products bought much more than the rest (so that the top
    /// pairs stand out, as in a shop) or all alike (ties everywhere), baskets of 1 to 15.
    static func randomBaskets(_ rng: inout SplitMix64) -> (ids: [Int64], baskets: [[Int64]]) {
        let productCount = Int.random(in: 2...70, using: &rng)
        // Small ids (the array), or some beyond the array's end (the dictionary).
        let large = Bool.random(using: &rng)
        let ids: [Int64] = (0..<productCount).map { (i: Int) -> Int64 in
            let n = Int64(i)
            return large && i % 3 == 0 ? 5_000_000 + n * 7919 : 1 + n * 3
        }
        let skewed = Int.random(in: 0..<4, using: &rng) > 0
        let weights: [Double] = (0..<productCount).map { (i: Int) -> Double in skewed ? 1 / Double(i + 1) : 1 }
        let total = weights.reduce(0, +)
        func pick(_ rng: inout SplitMix64) -> Int64 {
            var x = Double.random(in: 0..<total, using: &rng)
            for (i, w) in weights.enumerated() {
                x -= w
                if x < 0 { return ids[i] }
            }
            return ids[productCount - 1]
        }
        let longest = Int.random(in: 1...15, using: &rng)
        var baskets: [[Int64]] = []
        for _ in 0..<Int.random(in: 0...400, using: &rng) {
            var basket: [Int64] = []
            for _ in 0..<Int.random(in: 1...longest, using: &rng) {
                let id = pick(&rng)
                if !basket.contains(id) { basket.append(id) }  // an order holds a product once
            }
            baskets.append(basket.shuffled(using: &rng))
        }
        return (ids, baskets)
    }

    static func topPairs(_ baskets: [[Int64]], maxProductID: Int64, limit: Int, probe: Int, dense: Int) -> [String] {
        var b = Baskets(maxProductID: maxProductID)
        for (order, basket) in baskets.enumerated() {
            for id in basket { b.add(order: Int64(order), product: id) }
        }
        b.finish()
        return b.topPairs(limit, probe: probe, dense: dense).map { "\($0.first)+\($0.second) \($0.orders)" }
    }

    @Test("random baskets: the same pairs as counting every pair, whichever way they are counted", arguments: 0..<300)
    func baskets(seed: Int) {
        var rng = SplitMix64(state: UInt64(seed))
        let (_, baskets) = Self.randomBaskets(&rng)
        for limit in [1, 2, 10, Int.random(in: 1...60, using: &rng), 100_000] {
            let expected = Self.everyPair(baskets, limit: limit)
            // The defaults; a probe of 2 and no dense count (a product at a time); the probe
            // then a dense count; a probe of everything.
            for (probe, dense) in [(64, 2048), (2, 2), (2, 4096), (3, 5), (4096, 4096)] {
                let got = Self.topPairs(baskets, maxProductID: 1000, limit: limit, probe: probe, dense: dense)
                #expect(got == expected, "seed \(seed), limit \(limit), probe \(probe), dense \(dense)")
            }
        }
    }

    @Test("ties: the pairs in as many orders come by the ids, also across the probe's edge")
    func ties() {
        // Every order holds products 1-6: fifteen pairs in 3 orders each; 7 and 8 in two
        // orders of their own (pair 7+8 in 2).
        let baskets: [[Int64]] = [[6, 5, 4, 3, 2, 1], [1, 2, 3, 4, 5, 6], [3, 1, 6, 2, 5, 4], [8, 7], [7, 8], [9]]
        for limit in [1, 5, 15, 16, 17] {
            let expected = Self.everyPair(baskets, limit: limit)
            #expect(expected.count == min(limit, 16))
            for (probe, dense) in [(64, 2048), (2, 2), (2, 4096), (3, 3), (7, 7)] {
                #expect(
                    Self.topPairs(baskets, maxProductID: 9, limit: limit, probe: probe, dense: dense) == expected,
                    "limit \(limit), probe \(probe), dense \(dense)")
            }
        }
        #expect(Self.topPairs([[1], [2], []], maxProductID: 2, limit: 10, probe: 64, dense: 2048).isEmpty)
        #expect(Self.topPairs([], maxProductID: 0, limit: 10, probe: 64, dense: 2048).isEmpty)
    }

    // MARK: - Shops

    /// A random shop over January to April 2026 (Berlin time, across the spring DST
    /// change): 2 to 30 products, a few bought far more than the rest; orders of 1 to 12
    /// lines (a SKU given twice is one line), some cancelled, some edited, some switched
    /// to USD; some placed exactly at midnight of a period's edge, or a second either side.
    /// Orders placed in order of time when `chronological` (as an import writes them:
    /// the lines are read between two order ids), else at random (each order looked up).
    func randomShop(seed: UInt64, chronological: Bool, _ body: (OrderStore, inout SplitMix64) throws -> Void) throws {
        try withStore(now: utc("2026-06-15T12:00:00Z")) { store in
            var rng = SplitMix64(state: seed)
            let productCount = Int.random(in: 2...30, using: &rng)
            let skus = (0..<productCount).map { "P-\($0)" }
            let start = utc("2026-01-01T00:00:00Z").timeIntervalSince1970
            // Midnight in Berlin at some period edges, and a second either side.
            let edges = [
                "2026-01-14T23:00:00Z", "2026-02-01T23:00:00Z", "2026-03-28T23:00:00Z", "2026-03-31T22:00:00Z",
            ]
            .flatMap { e in [-1.0, 0, 1].map { utc(e).timeIntervalSince1970 + $0 } }
            let orderCount = Int.random(in: 5...150, using: &rng)
            var times = (0..<orderCount).map { _ in
                Int.random(in: 0..<5, using: &rng) == 0
                    ? edges.randomElement(using: &rng)! : start + Double(Int.random(in: 0..<(120 * 86400), using: &rng))
            }
            if chronological { times.sort() }
            try store.db.transaction {
                for (i, sku) in skus.enumerated() {
                    try store.addProduct(NewProduct(sku: sku, name: "Product \(i)", price: "\(1 + i % 7).50"))
                }
                let customers = ["ann@example.com", "bob@example.com", "cy@example.com"]
                for (i, placed) in times.enumerated() {
                    let ref = "R-\(i)"
                    var items: [String] = []
                    for _ in 0..<Int.random(in: 1...12, using: &rng) {
                        // Skewed: P-0 most often, then P-1, ...
                        let r = Double.random(in: 0..<1, using: &rng)
                        items.append(
                            "\(skus[min(productCount - 1, Int(Double(productCount) * r * r * r))]):\(Int.random(in: 1...3, using: &rng))"
                        )
                    }
                    var d = draft(customers.randomElement(using: &rng)!, items, ref: ref)
                    d.placedAt = Instant.format(Date(timeIntervalSince1970: placed))
                    d.backorder = true
                    _ = try store.addOrder(d)
                    switch Int.random(in: 0..<12, using: &rng) {
                    case 0, 1: _ = try store.cancel(ref, reason: "changed mind")
                    case 2:
                        var edit = OrderEdit()
                        edit.add = ["\(skus.randomElement(using: &rng)!):1"]
                        edit.backorder = true
                        _ = try? store.edit(ref, edit)
                    case 3: try store.db.run("UPDATE orders SET currency = 'USD' WHERE ref = ?", ref)
                    default: break
                    }
                }
            }
            try body(store, &rng)
        }
    }

    /// The pairs by a self-join over the lines of the period's orders (not cancelled, in
    /// `currency`), as `stats products` prints them: "first+second orders ofFirst ofSecond".
    static func selfJoin(_ db: Database, start: String, end: String, currency: String, limit: Int) throws -> [String] {
        let orders = Dictionary(
            uniqueKeysWithValues: try db.query(
                """
                SELECT l.product_id, count(DISTINCT o.id) FROM orders o JOIN order_lines l ON l.order_id = o.id
                WHERE o.placed_at >= ? AND o.placed_at < ? AND o.status <> 'cancelled' AND o.currency = ? GROUP BY l.product_id
                """, arguments: [start, end, currency]
            ) { ($0.int64(0), $0.int(1)) })
        return try db.query(
            """
            SELECT pa.sku, pb.sku, a.product_id, b.product_id, count(*) FROM orders o
            JOIN order_lines a ON a.order_id = o.id
            JOIN order_lines b ON b.order_id = o.id AND b.product_id > a.product_id
            JOIN products pa ON pa.id = a.product_id
            JOIN products pb ON pb.id = b.product_id
            WHERE o.placed_at >= ? AND o.placed_at < ? AND o.status <> 'cancelled' AND o.currency = ?
            GROUP BY a.product_id, b.product_id
            ORDER BY count(*) DESC, a.product_id, b.product_id
            LIMIT ?
            """, arguments: [start, end, currency, limit]
        ) { row in
            let n = row.int(4)
            let ofFirst = Double(n) / Double(max(1, orders[row.int64(2)] ?? 0))
            let ofSecond = Double(n) / Double(max(1, orders[row.int64(3)] ?? 0))
            return "\(row.string(0))+\(row.string(1)) \(n) \(ofFirst) \(ofSecond)"
        }
    }

    @Test("random shops: the pairs of a self-join in SQL, per currency, whatever the period, time zone and --top")
    func shops() throws {
        var read = (between: 0, lookedUp: 0)
        for seed in 0..<60 {
            try randomShop(seed: UInt64(seed), chronological: seed % 3 != 2) { store, rng in
                let periods = [
                    ("2026-01-01", "2026-04-30"), ("2026-01-15", "2026-02-01"), ("2026-02-02", "2026-03-29"),
                    ("2026-03-29", "2026-03-31"), ("2025-06-01", "2025-12-31"),
                ]
                for (from, to) in periods {
                    let zone = [nil, "UTC", "America/New_York"].randomElement(using: &rng)!
                    let limit = [1, 3, 10, 1000].randomElement(using: &rng)!
                    let currency = [nil, "EUR", "USD"].randomElement(using: &rng)!
                    let a = try store.productAnalysis(
                        from: from, to: to, timeZone: zone, currency: currency, pairs: limit)
                    let frame = try store.statsFrame(from: from, to: to, timeZone: zone)
                    let period = try OrderStore.buckets(nil, from: frame.from, to: frame.to, zone: frame.zone)[0]
                    for code in currency.map({ [$0] }) ?? ["EUR", "USD"] {
                        let expected = try Self.selfJoin(
                            store.db, start: period.start, end: period.end, currency: code, limit: limit)
                        let block = a.blocks.first { $0.currency.code == code }
                        let got =
                            block?.pairs.map { "\($0.first)+\($0.second) \($0.orders) \($0.ofFirst) \($0.ofSecond)" }
                            ?? []
                        #expect(
                            got == expected, "seed \(seed), \(from)..\(to) \(zone ?? "Berlin"), \(code), top \(limit)")
                        // Which way the lines were read (the same rule as readBaskets).
                        let ids = try store.db.query(
                            "SELECT id FROM orders WHERE placed_at >= ? AND placed_at < ? AND status <> 'cancelled' AND currency = ?",
                            arguments: [period.start, period.end, code]
                        ) { $0.int64(0) }
                        if let low = ids.min(), let high = ids.max() {
                            if high - low < 3 * Int64(ids.count) { read.between += 1 } else { read.lookedUp += 1 }
                        }
                    }
                }
            }
        }
        // Both ways of reading the lines were tried, many times.
        #expect(read.between > 50 && read.lookedUp > 50, "\(read)")
    }
}
