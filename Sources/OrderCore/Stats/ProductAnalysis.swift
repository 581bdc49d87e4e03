import Foundation

/// `orderctl stats products`: best sellers, ABC classes and products bought together.
public struct ProductAnalysis: Sendable {
    public let from: LocalDate
    public let to: LocalDate
    public let timeZone: String
    public let blocks: [Block]

    /// One currency's products, by net revenue (largest first), each with its ABC class.
    public struct Block: Sendable {
        public let currency: Currency
        public let products: [ProductFigures]
        public let pairs: [ProductPair]

        public var byUnits: [ProductFigures] {
            products.sorted { $0.units != $1.units ? $0.units > $1.units : $0.sku < $1.sku }
        }
    }
}

public struct ProductFigures: Sendable {
    public let id: Int64
    public let sku: String
    public let name: String
    /// Orders (not cancelled) with the product, units, and net (line value less returns).
    public let orders: Int
    public let units: Int64
    public let net: Int64
    /// A: the best sellers that make up the first 80% of net revenue; B: the next 15%; C: the rest.
    public var abc = "C"
    /// Share of the period's net revenue, and the running total down to this product.
    public var share = 0.0
    public var cumulative = 0.0
}

/// Two products in the same orders: how many orders had both, and what share of the
/// orders with the first also had the second.
public struct ProductPair: Sendable {
    public let first: String
    public let second: String
    public let orders: Int
    public let ofFirst: Double
    public let ofSecond: Double
}

extension OrderStore {
    public static let abcRule =
        "A: the best sellers that together make the first 80% of net revenue; B: the next 15%; C: the last 5%"

    public func productAnalysis(from: String?, to: String?, timeZone: String?, currency: String?, pairs top: Int = 10)
        throws -> ProductAnalysis
    {
        let frame = try statsFrame(from: from, to: to, timeZone: timeZone)
        // One snapshot for the figures and the pairs.
        return try db.read { try productAnalysis(frame, currency: currency, pairs: top) }
    }

    private func productAnalysis(
        _ frame: (from: LocalDate, to: LocalDate, zone: TimeZone), currency: String?, pairs top: Int
    ) throws -> ProductAnalysis {
        let report = try stats(
            StatsRequest(
                from: frame.from.iso, to: frame.to.iso, by: [.product], currency: currency,
                timeZone: frame.zone.identifier, limit: 0))
        let period = try Self.buckets(nil, from: frame.from, to: frame.to, zone: frame.zone)[0]
        var blocks: [ProductAnalysis.Block] = []
        for code in Set(report.groups.map(\.currency.code)).sorted() {
            let groups = report.groups.filter { $0.currency.code == code }
            var products = groups.map { g in
                ProductFigures(
                    id: Int64(g.keys[0].value) ?? 0, sku: g.keys[0].label, name: g.keys[0].detail ?? "",
                    orders: g.orders - g.cancelled, units: g.units, net: g.net)
            }.filter { $0.orders > 0 }
            products.sort { $0.net != $1.net ? $0.net > $1.net : $0.sku < $1.sku }
            Self.classify(&products)
            let pairs = try boughtTogether(period, currency: code, products: products, limit: top)
            blocks.append(ProductAnalysis.Block(currency: try Currency(code: code), products: products, pairs: pairs))
        }
        return ProductAnalysis(from: frame.from, to: frame.to, timeZone: frame.zone.identifier, blocks: blocks)
    }

    /// ABC by cumulative share of net revenue, products sorted largest first. A product
    /// whose share starts below 80% is A (so the one that crosses 80% is A too), below
    /// 95% B, else C.
    static func classify(_ products: inout [ProductFigures]) {
        let total = products.map { max(0, $0.net) }.reduce(0, +)
        var before: Int64 = 0
        for i in products.indices {
            let net = max(0, products[i].net)
            let start = total > 0 ? Double(before) / Double(total) : 1
            before += net
            products[i].share = total > 0 ? Double(net) / Double(total) : 0
            products[i].cumulative = total > 0 ? Double(before) / Double(total) : 0
            products[i].abc = total > 0 && net > 0 ? (start < 0.8 ? "A" : start < 0.95 ? "B" : "C") : "C"
        }
    }

    /// The pairs of products found together in most orders (not cancelled) of the period:
    /// the first `limit` by orders (most first), then by the two product ids (smaller
    /// first); `products` gives each one's SKU and order count. Counted here rather than
    /// by a self-join in SQL, whose grouping took a minute and a half at a million orders;
    /// how, see `Baskets.topPairs`.
    func boughtTogether(_ period: StatsBucket, currency: String, products: [ProductFigures], limit: Int) throws
        -> [ProductPair]
    {
        guard limit > 0 else { return [] }
        let baskets = try readBaskets(period, currency: currency)
        let byID = Dictionary(products.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return baskets.topPairs(limit).compactMap { p in
            guard let a = byID[p.first], let b = byID[p.second] else { return nil }
            return ProductPair(
                first: a.sku, second: b.sku, orders: p.orders,
                ofFirst: Double(p.orders) / Double(max(1, a.orders)),
                ofSecond: Double(p.orders) / Double(max(1, b.orders)))
        }
    }

    /// The lines of the period's orders (not cancelled, in `currency`), order by order.
    /// The orders' ids come from an index first. When they are more than half of the ids
    /// between the smallest and the largest (an import writes orders by date), the lines
    /// between those two orders are read straight from the index on (order_id,
    /// product_id), the other orders' skipped; otherwise each order's lines are looked up.
    /// At a million orders (a year: 475,000 orders, 1.5 million lines) the orders take
    /// 0.10 s and the lines 0.17 s, where looking each order's lines up took 0.35-0.45 s.
    func readBaskets(_ period: StatsBucket, currency: String) throws -> Baskets {
        let maxProductID = try db.scalarInt("SELECT coalesce(max(id), 0) FROM products")
        var ids: [Int64] = []
        try withUnsafeMutablePointer(to: &ids) { ids in
            try db.forEachIntegerPair(
                "id", "0",
                from: "orders WHERE placed_at >= ? AND placed_at < ? AND status <> 'cancelled' AND currency = ?",
                arguments: [period.start, period.end, currency], context: ids
            ) { ids, id, _ in
                ids.assumingMemoryBound(to: [Int64].self).pointee.append(id)
            }
        }
        guard let low = ids.min(), let high = ids.max() else { return Baskets(maxProductID: maxProductID) }
        let span = high.subtractingReportingOverflow(low)
        if low > Int64.min && !span.overflow && span.partialValue < 2 * Int64(ids.count) {
            ids.sort()
            var reader = BasketReader(orders: ids, baskets: Baskets(maxProductID: maxProductID))
            try withUnsafeMutablePointer(to: &reader) { reader in
                try db.forEachIntegerPair(
                    "order_id", "product_id", from: "order_lines WHERE order_id BETWEEN ? AND ?",
                    arguments: [low, high], context: reader
                ) { reader, order, product in
                    reader.assumingMemoryBound(to: BasketReader.self).pointee.add(order: order, product: product)
                }
            }
            // The index gives the lines by order_id; should a query plan not, they are
            // read again, sorted.
            if reader.ordered {
                reader.baskets.finish()
                return reader.baskets
            }
        }
        var baskets = Baskets(maxProductID: maxProductID)
        try db.forEach(
            """
            SELECT o.id, l.product_id FROM orders o JOIN order_lines l ON l.order_id = o.id
            WHERE o.placed_at >= ? AND o.placed_at < ? AND o.status <> 'cancelled' AND o.currency = ?
            ORDER BY o.placed_at, o.id
            """, arguments: [period.start, period.end, currency]
        ) { baskets.add(order: $0.int64(0), product: $0.int64(1)) }
        baskets.finish()
        return baskets
    }
}

/// The lines between two orders, by order_id, into `baskets` when their order is one of
/// `orders` (sorted).
private struct BasketReader {
    let orders: [Int64]
    var baskets: Baskets
    private var next = 0
    private var current = Int64.min
    private var wanted = false
    /// False once an order_id came after a larger one.
    private(set) var ordered = true

    init(orders: [Int64], baskets: Baskets) {
        self.orders = orders
        self.baskets = baskets
    }

    mutating func add(order: Int64, product: Int64) {
        if order != current {
            if order < current { ordered = false }
            current = order
            while next < orders.count && orders[next] < order { next += 1 }
            wanted = next < orders.count && orders[next] == order
        }
        if wanted { baskets.add(order: order, product: product) }
    }
}

/// The orders with two products or more, as lists of product numbers (0, 1, ... in the
/// order first seen), and the pairs found in most of them. An order holds a product
/// once, though it may be on several of its lines (at several prices).
struct Baskets {
    /// Product id -> number: an array while the ids are small (SQLite's rowids are),
    /// else a dictionary.
    private var numberOf: [Int32]
    private var numberOfLarge: [Int64: Int32] = [:]
    /// Product number -> id, and the orders (of two products or more) with it.
    private(set) var ids: [Int64] = []
    private(set) var orders: [Int32] = []
    /// The orders' products one after the other, and where each order's end.
    private(set) var items: [Int32] = []
    private(set) var ends: [Int32] = []
    private var current = Int64.min
    private var start = 0
    /// Product number -> the last order (counted from 1) it was added to.
    private var seenIn: [Int32] = []
    private var orderCount: Int32 = 0

    init(maxProductID: Int64) {
        numberOf = maxProductID >= 0 && maxProductID < 1 << 20 ? Array(repeating: -1, count: Int(maxProductID) + 1) : []
    }

    /// Adds a line; an order's lines come one after the other.
    mutating func add(order: Int64, product: Int64) {
        if order != current {
            close()
            current = order
            orderCount += 1
        }
        let n: Int32
        if product >= 0 && product < Int64(numberOf.count), numberOf[Int(product)] >= 0 {
            n = numberOf[Int(product)]
        } else if let known = numberOfLarge[product] {
            n = known
        } else {
            n = Int32(ids.count)
            if product >= 0 && product < Int64(numberOf.count) {
                numberOf[Int(product)] = n
            } else {
                numberOfLarge[product] = n
            }
            ids.append(product)
            orders.append(0)
            seenIn.append(0)
        }
        guard seenIn[Int(n)] != orderCount else { return }  // a second line of the same product
        seenIn[Int(n)] = orderCount
        items.append(n)
    }

    /// Ends the order being read: kept with two products or more, else dropped.
    private mutating func close() {
        if items.count - start < 2 {
            items.removeLast(items.count - start)
        } else {
            for i in start..<items.count { orders[Int(items[i])] += 1 }
            ends.append(Int32(items.count))
        }
        start = items.count
    }

    /// Call after the last line.
    mutating func finish() { close() }

    typealias Pair = (first: Int64, second: Int64, orders: Int)

    /// The `limit` pairs in most orders, by orders (most first), then by the two ids
    /// (the smaller first, and it is `first`), as a self-join would give them, without
    /// counting every pair: a pair is in at most as many orders as either of its products.
    ///
    /// The products are ranked by their orders, most first. The pairs of the first
    /// `probe` products are counted first (into an array): the `limit`th of those is in
    /// `least` orders, so the `limit`th of all pairs is in `least` orders or more, and a
    /// product in fewer than `least` orders is in none of the pairs wanted. Those in
    /// `least` or more are then counted the same way (when there are no more than
    /// `dense`), else a product at a time (`rowPairs`). On the UCI Online Retail II data
    /// (21 lines an order, 14 million pairs of lines in a year) the 10th pair of the 64
    /// products in most orders is in 547 orders, and 137 products are in that many: the
    /// second count is of their 9,316 pairs, where every pair went into a dictionary
    /// before (5 s and 170 MB).
    func topPairs(_ limit: Int, probe: Int = 64, dense: Int = 2048) -> [Pair] {
        let count = ids.count
        guard limit > 0, count > 1, !ends.isEmpty else { return [] }
        let byRank = (0..<count).sorted { orders[$0] != orders[$1] ? orders[$0] > orders[$1] : ids[$0] < ids[$1] }
        var rank = [Int32](repeating: 0, count: count)
        for (r, n) in byRank.enumerated() { rank[n] = Int32(r) }
        let support = byRank.map { orders[$0] }
        let rankedID = byRank.map { ids[$0] }
        let ranked = items.map { rank[Int($0)] }
        let first = min(count, max(2, probe))
        let probed = densePairs(first, limit: limit, least: 1, ranked: ranked, rankedID: rankedID)
        let least = probed.count >= limit ? Int32(probed[limit - 1].orders) : 1
        let wanted = support.prefix { $0 >= least }.count
        if wanted <= first { return probed }
        if wanted <= max(first, dense) {
            return densePairs(wanted, limit: limit, least: least, ranked: ranked, rankedID: rankedID)
        }
        return rowPairs(limit: limit, least: least, ranked: ranked, support: support, rankedID: rankedID)
    }

    /// The pairs of the first `ranks` products, counted order by order into a triangle;
    /// `ranked`: `items` by rank.
    private func densePairs(_ ranks: Int, limit: Int, least: Int32, ranked: [Int32], rankedID: [Int64]) -> [Pair] {
        // Pair (x, y), x < y: cell y * (y - 1) / 2 + x.
        var cells = [Int32](repeating: 0, count: ranks * (ranks - 1) / 2)
        var longest = 0
        var s = 0
        for e in ends {
            longest = max(longest, Int(e) - s)
            s = Int(e)
        }
        var basket = [Int32](repeating: 0, count: longest)
        let bound = Int32(ranks)
        cells.withUnsafeMutableBufferPointer { cells in
            basket.withUnsafeMutableBufferPointer { basket in
                ranked.withUnsafeBufferPointer { ranked in
                    var s = 0
                    for e32 in ends {
                        let e = Int(e32)
                        var k = 0
                        for i in s..<e where ranked[i] < bound {
                            basket[k] = ranked[i]
                            k += 1
                        }
                        s = e
                        guard k > 1 else { continue }
                        for i in 1..<k {
                            let x = Int(basket[i])
                            for j in 0..<i {
                                let y = Int(basket[j])
                                cells[x > y ? x * (x - 1) / 2 + y : y * (y - 1) / 2 + x] += 1
                            }
                        }
                    }
                }
            }
        }
        var top = TopPairs(limit: limit, least: least)
        var cell = 0
        for y in 1..<ranks {
            for x in 0..<y {
                let n = cells[cell]
                cell += 1
                if n >= top.least && n > 0 { top.offer(rankedID[x], rankedID[y], n) }
            }
        }
        return top.result()
    }

    /// All pairs in `least` orders or more, a product at a time from the first: the
    /// products ranked after it in its orders, counted into an array by rank. It stops at
    /// the first product in fewer orders than the `limit`th pair so far.
    private func rowPairs(limit: Int, least: Int32, ranked: [Int32], support: [Int32], rankedID: [Int64]) -> [Pair] {
        let count = support.count
        var lines = ranked
        // Each product's lines: where the lines after it in its order start and end.
        var rowStart = [Int](repeating: 0, count: count + 1)
        for r in 0..<count { rowStart[r + 1] = rowStart[r] + Int(support[r]) }
        var fill = rowStart
        var from = [Int32](repeating: 0, count: lines.count)
        var to = [Int32](repeating: 0, count: lines.count)
        lines.withUnsafeMutableBufferPointer { lines in
            var s = 0
            for e32 in ends {
                let e = Int(e32)
                // Insertion sort by rank: orders are short.
                for i in (s + 1)..<e {
                    let v = lines[i]
                    var j = i
                    while j > s && lines[j - 1] > v {
                        lines[j] = lines[j - 1]
                        j -= 1
                    }
                    lines[j] = v
                }
                for i in s..<e {
                    let r = Int(lines[i])
                    from[fill[r]] = Int32(i + 1)
                    to[fill[r]] = e32
                    fill[r] += 1
                }
                s = e
            }
        }
        var top = TopPairs(limit: limit, least: least)
        var together = [Int32](repeating: 0, count: count)
        var touched: [Int32] = []
        lines.withUnsafeBufferPointer { lines in
            for a in 0..<count {
                let least = top.least
                guard support[a] >= least else { break }
                for k in rowStart[a]..<rowStart[a + 1] {
                    var i = Int(from[k])
                    let e = Int(to[k])
                    while i < e {
                        let b = Int(lines[i])
                        // Ranked by orders: the rest of the order is in fewer still.
                        if support[b] < least { break }
                        if together[b] == 0 { touched.append(Int32(b)) }
                        together[b] += 1
                        i += 1
                    }
                }
                for b in touched {
                    let n = together[Int(b)]
                    together[Int(b)] = 0
                    if n >= least { top.offer(rankedID[a], rankedID[Int(b)], n) }
                }
                touched.removeAll(keepingCapacity: true)
            }
        }
        return top.result()
    }
}

/// The best `limit` pairs offered, and `least`: the orders a pair needs to be one of them.
private struct TopPairs {
    typealias Found = (first: Int64, second: Int64, orders: Int32)
    let limit: Int
    private(set) var least: Int32
    private var found: [Found] = []
    private let keep: Int

    init(limit: Int, least: Int32) {
        self.limit = limit
        self.least = max(1, least)
        keep = limit > Int.max / 4 ? Int.max : max(4096, 2 * limit)
    }

    /// A pair in `orders` orders (`least` or more), the ids in any order.
    mutating func offer(_ a: Int64, _ b: Int64, _ orders: Int32) {
        found.append(a < b ? (a, b, orders) : (b, a, orders))
        if found.count >= keep { prune() }
    }

    private static func better(_ x: Found, _ y: Found) -> Bool {
        x.orders != y.orders ? x.orders > y.orders : x.first != y.first ? x.first < y.first : x.second < y.second
    }

    private mutating func prune() {
        found.sort(by: Self.better)
        if found.count >= limit {
            found.removeLast(found.count - limit)
            least = max(least, found[limit - 1].orders)
        }
    }

    mutating func result() -> [Baskets.Pair] {
        prune()
        return found.map { ($0.first, $0.second, Int($0.orders)) }
    }
}
