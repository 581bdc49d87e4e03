import Foundation

/// `orderctl stats customers`: how often customers come back, and RFM segments.
/// Purchases are the orders not cancelled, placed in the period; net is their totals
/// less refunds.
public struct CustomerAnalysis: Sendable {
    public let from: LocalDate
    public let to: LocalDate
    public let timeZone: String
    public let blocks: [Block]

    /// One currency's customers.
    public struct Block: Sendable {
        public let currency: Currency
        public let customers: [CustomerFigures]
        /// (label, customers), for 1, 2, 3, 4, 5-9 and 10 or more orders.
        public let distribution: [(label: String, customers: Int)]
        /// Days between one order and the same customer's next, over all customers.
        public let gapDays: HourHistogram
        /// Customers with more than one order / customers.
        public var repeatRate: Double? {
            customers.isEmpty ? nil : Double(customers.filter { $0.orders > 1 }.count) / Double(customers.count)
        }
        /// The top customers by net revenue (ties by name).
        public func top(_ n: Int) -> [CustomerFigures] { Array(customers.prefix(n)) }
        public func segment(_ s: RFMSegment) -> [CustomerFigures] { customers.filter { $0.segment == s } }
    }
}

/// One customer's figures over the period, with their RFM scores.
public struct CustomerFigures: Sendable {
    public let id: Int64
    public var name = ""
    public var email: String?
    public var orders = 0
    public var net: Int64 = 0
    public var first = ""
    public var last = ""
    /// Whole days from the last order to the end of the period.
    public var recencyDays = 0
    /// 1 to 5: the customer's quintile (5 best: most recent, most orders, most net).
    public var r = 0, f = 0, m = 0
    public var segment = RFMSegment.needAttention
}

/// RFM segments, tried in this order; `rule` is printed beside them.
public enum RFMSegment: String, Sendable, CaseIterable {
    case champions, loyal, new, promising
    case atRisk = "at-risk"
    case lost, hibernating
    case needAttention = "need-attention"

    public var rule: String {
        switch self {
        case .champions: return "R >= 4 and F >= 4: recent and frequent"
        case .loyal: return "R >= 3 and F >= 4: frequent, not lately"
        case .new: return "R >= 4 and one order: first order lately"
        case .promising: return "R >= 4: recent, a few orders"
        case .atRisk: return "R <= 2 and F >= 3: used to order often, not lately"
        case .lost: return "R = 1 and F <= 2: long ago, seldom"
        case .hibernating: return "R = 2 and F <= 2: a while ago, seldom"
        case .needAttention: return "the rest (R = 3, F <= 3)"
        }
    }

    static func of(r: Int, f: Int, orders: Int) -> RFMSegment {
        if r >= 4 && f >= 4 { return .champions }
        if r >= 3 && f >= 4 { return .loyal }
        if r >= 4 && orders == 1 { return .new }
        if r >= 4 { return .promising }
        if r <= 2 && f >= 3 { return .atRisk }
        if r == 1 { return .lost }
        if r == 2 { return .hibernating }
        return .needAttention
    }

    public static let scoring =
        "R, F and M are 1 to 5: the customer's quintile among the period's customers by recency of the last order, number of orders and net revenue (5: most recent, most orders, most net; equal values share a score)"
}

/// One customer's preferred products (`stats customers --show`).
public struct PreferredProduct: Sendable {
    public let sku: String
    public let name: String
    public let orders: Int
    public let units: Int64
    public let net: Int64
    public let currency: Currency
}

extension OrderStore {
    public func customerAnalysis(from: String?, to: String?, timeZone: String?, currency: String?) throws
        -> CustomerAnalysis
    {
        let frame = try statsFrame(from: from, to: to, timeZone: timeZone)
        let period = try Self.buckets(nil, from: frame.from, to: frame.to, zone: frame.zone)[0]
        let end = Instant.parse(period.end)!
        return try db.read {
            var args: [any SQLBindable] = [period.start, period.end]
            var filter = ""
            if let currency {
                filter = " AND currency = ?"
                args.append(try Currency(code: currency).code)
            }
            var byCurrency: [String: [Int64: CustomerFigures]] = [:]
            var gaps: [String: HourHistogram] = [:]
            // The placeholder for orders without a customer is nobody: no rank, no RFM.
            let nobody = Set(
                try db.query("SELECT id FROM customers INDEXED BY customers_anonymous WHERE anonymous = 1") {
                    $0.int64(0)
                })
            // In order placed, from an index that holds every column read.
            try db.forEach(
                """
                SELECT currency, customer_id, placed_at, total - refunded_total FROM orders INDEXED BY orders_stats_customer
                WHERE placed_at >= ? AND placed_at < ? AND status <> 'cancelled'\(filter)
                """, arguments: args
            ) { row in
                let code = row.string(0)
                let id = row.int64(1)
                let placed = row.string(2)
                if nobody.contains(id) { return }
                var c = byCurrency[code]?[id] ?? CustomerFigures(id: id)
                if c.orders > 0, let a = Instant.parse(c.last), let b = Instant.parse(placed) {
                    gaps[code, default: HourHistogram()].add(Int64((b.timeIntervalSince(a) / 86400).rounded(.down)))
                } else if c.orders == 0 {
                    c.first = placed
                }
                c.orders += 1
                c.net += row.int64(3)
                c.last = placed
                byCurrency[code, default: [:]][id] = c
            }
            var blocks: [CustomerAnalysis.Block] = []
            for code in byCurrency.keys.sorted() {
                var list = Array(byCurrency[code]!.values)
                for i in list.indices {
                    list[i].recencyDays = Int(
                        (end.timeIntervalSince(Instant.parse(list[i].last)!) / 86400).rounded(.down))
                }
                Self.score(&list)
                // Names: one by one for a few customers, in one pass for many.
                var names: [Int64: (String, String?)] = [:]
                if list.count > 2000 {
                    try db.forEach("SELECT id, name, email FROM customers") {
                        names[$0.int64(0)] = ($0.string(1), $0.optionalString(2))
                    }
                } else {
                    for c in list {
                        names[c.id] = try db.queryFirst("SELECT name, email FROM customers WHERE id = ?", c.id) {
                            ($0.string(0), $0.optionalString(1))
                        }
                    }
                }
                for i in list.indices {
                    if let (name, email) = names[list[i].id] {
                        list[i].name = name
                        list[i].email = email
                    }
                }
                list.sort {
                    $0.net != $1.net ? $0.net > $1.net : ($0.name != $1.name ? $0.name < $1.name : $0.id < $1.id)
                }
                let buckets: [(String, ClosedRange<Int>)] = [
                    ("1", 1...1), ("2", 2...2), ("3", 3...3), ("4", 4...4), ("5-9", 5...9), ("10+", 10...Int.max),
                ]
                let distribution = buckets.map { label, range in
                    (label, list.filter { range.contains($0.orders) }.count)
                }
                blocks.append(
                    CustomerAnalysis.Block(
                        currency: try Currency(code: code), customers: list,
                        distribution: distribution, gapDays: gaps[code] ?? HourHistogram()))
            }
            return CustomerAnalysis(from: frame.from, to: frame.to, timeZone: frame.zone.identifier, blocks: blocks)
        }
    }

    /// Quintile scores: 1 + floor(5 x (customers strictly worse) / customers).
    static func score(_ list: inout [CustomerFigures]) {
        let n = list.count
        guard n > 0 else { return }
        func quintiles(_ values: [Int64]) -> [Int64: Int] {
            // values sorted from worst to best; the score of v counts those strictly worse.
            let sorted = values.sorted()
            var result: [Int64: Int] = [:]
            var i = 0
            while i < sorted.count {
                let v = sorted[i]
                result[v] = 1 + min(4, 5 * i / n)
                while i < sorted.count && sorted[i] == v { i += 1 }
            }
            return result
        }
        let r = quintiles(list.map { -Int64($0.recencyDays) })  // fewer days is better
        let f = quintiles(list.map { Int64($0.orders) })
        let m = quintiles(list.map(\.net))
        for i in list.indices {
            list[i].r = r[-Int64(list[i].recencyDays)]!
            list[i].f = f[Int64(list[i].orders)]!
            list[i].m = m[list[i].net]!
            list[i].segment = RFMSegment.of(r: list[i].r, f: list[i].f, orders: list[i].orders)
        }
    }

    /// What one customer bought most in the period (by units), per currency.
    public func preferredProducts(customer: String, from: String?, to: String?, timeZone: String?, limit: Int = 10)
        throws
        -> (customer: Customer, products: [PreferredProduct])
    {
        let frame = try statsFrame(from: from, to: to, timeZone: timeZone)
        let period = try Self.buckets(nil, from: frame.from, to: frame.to, zone: frame.zone)[0]
        return try db.read {
            let c = try resolveCustomer(customer)
            let products = try db.query(
                """
                SELECT l.sku, l.name, count(DISTINCT o.id), sum(l.quantity), sum(l.line_total - l.returned * l.unit_price), o.currency
                FROM orders o JOIN order_lines l ON l.order_id = o.id
                WHERE o.customer_id = ? AND o.placed_at >= ? AND o.placed_at < ? AND o.status <> 'cancelled'
                GROUP BY l.product_id, o.currency ORDER BY 4 DESC, 5 DESC, 1 LIMIT ?
                """, c.id, period.start, period.end, Int64(limit)
            ) { row in
                PreferredProduct(
                    sku: row.string(0), name: row.string(1), orders: row.int(2), units: row.int64(3),
                    net: row.int64(4), currency: try Currency(code: row.string(5)))
            }
            return (c, products)
        }
    }
}
