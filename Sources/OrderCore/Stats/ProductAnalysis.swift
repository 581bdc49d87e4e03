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
    public static let abcRule = "A: the best sellers that together make the first 80% of net revenue; B: the next 15%; C: the last 5%"

    public func productAnalysis(from: String?, to: String?, timeZone: String?, currency: String?, pairs top: Int = 10) throws -> ProductAnalysis {
        let frame = try statsFrame(from: from, to: to, timeZone: timeZone)
        // One snapshot for the figures and the pairs.
        return try db.read { try productAnalysis(frame, currency: currency, pairs: top) }
    }

    private func productAnalysis(_ frame: (from: LocalDate, to: LocalDate, zone: TimeZone), currency: String?, pairs top: Int) throws -> ProductAnalysis {
        let report = try stats(StatsRequest(from: frame.from.iso, to: frame.to.iso, by: [.product], currency: currency,
                                            timeZone: frame.zone.identifier, limit: 0))
        let period = try Self.buckets(nil, from: frame.from, to: frame.to, zone: frame.zone)[0]
        var blocks: [ProductAnalysis.Block] = []
        for code in Set(report.groups.map(\.currency.code)).sorted() {
            let groups = report.groups.filter { $0.currency.code == code }
            var products = groups.map { g in
                ProductFigures(id: Int64(g.keys[0].value) ?? 0, sku: g.keys[0].label, name: g.keys[0].detail ?? "",
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

    /// The pairs of products found together in most orders (not cancelled) of the period;
    /// `products` gives each one's SKU and order count. Counted here rather than by a
    /// self-join in SQL, whose grouping took a minute and a half at a million orders.
    func boughtTogether(_ period: StatsBucket, currency: String, products: [ProductFigures], limit: Int) throws -> [ProductPair] {
        var counts: [UInt64: Int] = [:]
        var current: Int64 = -1
        var items: [Int64] = []
        func flush() {
            guard items.count > 1 else { return }
            items.sort()
            for i in 0..<(items.count - 1) {
                for j in (i + 1)..<items.count { counts[UInt64(items[i]) << 32 | UInt64(items[j]), default: 0] += 1 }
            }
        }
        // Lines come order by order: the orders in the order of their index.
        try db.forEach("""
            SELECT o.id, l.product_id FROM orders o JOIN order_lines l ON l.order_id = o.id
            WHERE o.placed_at >= ? AND o.placed_at < ? AND o.status <> 'cancelled' AND o.currency = ?
            ORDER BY o.placed_at, o.id
            """, arguments: [period.start, period.end, currency]) { row in
            let order = row.int64(0)
            if order != current { flush(); items.removeAll(keepingCapacity: true); current = order }
            items.append(row.int64(1))
        }
        flush()
        let byID = Dictionary(uniqueKeysWithValues: products.map { ($0.id, $0) })
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit)
        return top.compactMap { key, n in
            guard let a = byID[Int64(key >> 32)], let b = byID[Int64(key & 0xFFFF_FFFF)] else { return nil }
            return ProductPair(first: a.sku, second: b.sku, orders: n,
                               ofFirst: Double(n) / Double(max(1, a.orders)), ofSecond: Double(n) / Double(max(1, b.orders)))
        }
    }
}
