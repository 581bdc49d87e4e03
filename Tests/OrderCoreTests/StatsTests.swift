import Foundation
import Testing

@testable import OrderCore

// `orderctl stats`: every metric against figures worked out by hand from a small shop
// (below), periods cut in the business time zone, several currencies, empty periods.

/// Four orders in Berlin time, the clock at 2026-03-04 (fixedNow):
///
/// | ref | customer | lines                  | total | placed (UTC)      | what happened |
/// |-----|----------|------------------------|-------|-------------------|---------------|
/// | A   | Ann (DE) | MUG-01 x2 @12.50       | 25.00 | 2026-01-10 12:00  | paid; shipped after 24 h; delivered 48 h later |
/// | B   | Bob (FR) | TEE x1, POSTER x2      | 30.00 | 2026-01-20 09:00  | paid; shipped after 6 h; delivered 120 h later; 1 POSTER returned, 5.00 refunded |
/// | C   | Cy (-)   | POSTER x4              | 20.00 | 2026-01-31 22:30  | cancelled (23:30 in Berlin: still January) |
/// | D   | Ann (DE) | TEE x2                 | 40.00 | 2026-02-05 10:00  | pending |
///
/// By hand, January: 3 orders, 1 cancelled; units 2 + 3 = 5; gross 25 + 30 = 55.00;
/// refunds 5.00; net 50.00; average 55.00 / 2 = 27.50; cancelled 1/3; returned 1 of 2
/// shipped; ship hours {6, 24}: median 6, p90 24; delivery hours {48, 120}: 48, 120.
/// February: D alone. March: no orders. Whole period: 4 orders, 7 units, 95.00 gross,
/// 90.00 net, average 95.00 / 3 = 31.67 (31.666...), cancelled 1/4.
func withStatsShop<T>(_ body: (OrderStore) throws -> T) throws -> T {
    try withStore { store in
        func order(_ customer: String, _ items: [String], _ ref: String, _ placed: String) throws {
            var d = draft(customer, items, ref: ref)
            d.placedAt = placed
            d.backorder = true
            _ = try store.addOrder(d)
        }
        try order("ann@example.com", ["MUG-01:2"], "A", "2026-01-10T12:00:00Z")
        _ = try store.pay("A", amount: "25.00", method: "card", at: "2026-01-10T12:00:00Z")
        _ = try store.confirm("A", at: "2026-01-11T12:00:00Z")
        _ = try store.ship("A", at: "2026-01-11T12:00:00Z")
        _ = try store.deliver("A", at: "2026-01-13T12:00:00Z")

        try order("bob@example.com", ["TEE:1", "POSTER:2"], "B", "2026-01-20T09:00:00Z")
        _ = try store.pay("B", amount: "30.00", method: "card", at: "2026-01-20T09:00:00Z")
        _ = try store.confirm("B", at: "2026-01-20T15:00:00Z")
        _ = try store.ship("B", at: "2026-01-20T15:00:00Z")
        _ = try store.deliver("B", at: "2026-01-25T15:00:00Z")
        _ = try store.returnItems("B", items: ["POSTER:1"], restock: true, reason: "broken")
        _ = try store.refund("B", amount: "5.00", reason: "broken poster")

        try order("cy@example.com", ["POSTER:4"], "C", "2026-01-31T22:30:00Z")
        _ = try store.cancel("C", reason: "changed mind")

        try order("ann@example.com", ["TEE:2"], "D", "2026-02-05T10:00:00Z")
        return try body(store)
    }
}

@Suite("stats: metrics worked out by hand")
struct StatsTests {
    func months(_ store: OrderStore) throws -> StatsReport {
        try store.stats(StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.month]))
    }

    @Test("January: every metric")
    func january() throws {
        try withStatsShop { store in
            let r = try months(store)
            #expect(r.groups.map { $0.keys[0].value } == ["2026-01", "2026-02", "2026-03"])
            let jan = r.groups[0]
            #expect(jan.currency.code == "EUR")
            #expect(jan.orders == 3)
            #expect(jan.cancelled == 1)
            #expect(jan.units == 5)
            #expect(jan.gross == 5500)
            #expect(jan.refunds == 500)
            #expect(jan.net == 5000)
            #expect(jan.averageOrder == 2750)
            #expect(jan.cancellationRate == 1.0 / 3.0)
            #expect(jan.shipped == 2)
            #expect(jan.returned == 1)
            #expect(jan.returnRate == 0.5)
            #expect(jan.shipLead.median == 6)
            #expect(jan.shipLead.p90 == 24)
            #expect(jan.deliveryLead.median == 48)
            #expect(jan.deliveryLead.p90 == 120)
        }
    }

    @Test("February alone, March empty: no division by zero")
    func februaryAndEmptyMarch() throws {
        try withStatsShop { store in
            let r = try months(store)
            let feb = r.groups[1]
            #expect(feb.orders == 1 && feb.units == 2 && feb.gross == 4000 && feb.net == 4000)
            #expect(feb.averageOrder == 4000)
            #expect(feb.cancellationRate == 0)
            #expect(feb.returnRate == nil)  // nothing shipped
            #expect(feb.shipLead.median == nil)
            let mar = r.groups[2]
            #expect(mar.orders == 0 && mar.gross == 0)
            #expect(mar.averageOrder == nil && mar.cancellationRate == nil && mar.returnRate == nil)
        }
    }

    @Test("totals: the whole period, average rounded half up")
    func totals() throws {
        try withStatsShop { store in
            let r = try months(store)
            #expect(r.totals.count == 1)
            let t = r.totals[0]
            #expect(t.orders == 4 && t.cancelled == 1 && t.units == 7)
            #expect(t.gross == 9500 && t.refunds == 500 && t.net == 9000)
            #expect(t.averageOrder == 3167)
            #expect(t.cancellationRate == 0.25)
            #expect(t.returnRate == 0.5)
            #expect(t.shipLead.count == 2 && t.deliveryLead.count == 2)
        }
    }

    @Test("no orders in the period: no groups, no totals")
    func emptyPeriod() throws {
        try withStatsShop { store in
            let r = try store.stats(StatsRequest(from: "2025-06-01", to: "2025-06-30", by: [.month]))
            #expect(r.groups.isEmpty)
            #expect(r.totals.isEmpty)
            let none = try store.stats(StatsRequest(from: "2025-06-01", to: "2025-06-30"))
            #expect(none.groups.isEmpty)
        }
    }

    @Test("by product: lines, returned units as refunds, ranked by net")
    func byProduct() throws {
        try withStatsShop { store in
            let r = try store.stats(StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.product]))
            #expect(r.groups.map(\.keys[0].label) == ["TEE", "MUG-01", "POSTER"])
            let tee = r.groups[0]
            let mug = r.groups[1]
            let poster = r.groups[2]
            #expect(tee.orders == 2 && tee.units == 3 && tee.gross == 6000 && tee.net == 6000)
            #expect(tee.keys[0].detail == "T-shirt")
            #expect(mug.orders == 1 && mug.units == 2 && mug.gross == 2500)
            // POSTER: B's 2 (one returned: 5.00) and C's 4, cancelled.
            #expect(poster.orders == 2 && poster.cancelled == 1 && poster.units == 2)
            #expect(poster.gross == 1000 && poster.refunds == 500 && poster.net == 500)
            #expect(poster.returnRate == 1.0)
            // Lead times belong to orders, not to products.
            #expect(poster.shipLead.count == 0 && poster.deliveryLead.count == 0)
            // The total row is the orders', not the lines' sum.
            #expect(r.totals[0].orders == 4 && r.totals[0].refunds == 500)
            // From 15 January, January is read as the month less its first 14 days: MUG-01,
            // sold only on the 10th, nets to nothing and is no row (nor one "more").
            for summaries in [true, false] {
                let late = try store.stats(
                    StatsRequest(from: "2026-01-15", to: "2026-03-31", by: [.product], limit: 1), summaries: summaries)
                #expect(late.groups.map(\.keys[0].label) == ["TEE"] && late.omitted == 1, "summaries \(summaries)")
                let all = try store.stats(
                    StatsRequest(from: "2026-01-15", to: "2026-03-31", by: [.month, .product]), summaries: summaries)
                #expect(!all.groups.contains { $0.keys[1].label == "MUG-01" }, "summaries \(summaries)")
            }
        }
    }

    @Test("by customer: top N per currency, the rest counted as omitted")
    func byCustomer() throws {
        try withStatsShop { store in
            let r = try store.stats(StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.customer], limit: 2))
            #expect(r.groups.map(\.keys[0].label) == ["Ann", "Bob"])
            #expect(r.groups[0].orders == 2 && r.groups[0].net == 6500)
            #expect(r.groups[0].keys[0].detail == "ann@example.com")
            #expect(r.groups[1].net == 2500)
            #expect(r.omitted == 1)
            let all = try store.stats(StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.customer], limit: 0))
            #expect(all.groups.count == 3 && all.omitted == 0)
            #expect(all.groups[2].orders == 1 && all.groups[2].cancelled == 1 && all.groups[2].net == 0)
        }
    }

    @Test("ties in the top N go by name, not by id")
    func tiesByName() throws {
        try withStatsShop { store in
            // Aaron (id 4) spends 25.00, as Bob (id 2) does: Aaron comes first by name.
            try store.addCustomer(NewCustomer(name: "Aaron", email: "aaron@example.com", country: "DE"))
            var d = draft("aaron@example.com", ["MUG-01:2"], ref: "E")
            d.placedAt = "2026-02-10T10:00:00Z"
            d.backorder = true
            _ = try store.addOrder(d)
            for summaries in [true, false] {
                let r = try store.stats(
                    StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.customer], limit: 2), summaries: summaries)
                #expect(r.groups.map(\.keys[0].label) == ["Ann", "Aaron"], "summaries \(summaries)")
                #expect(r.omitted == 2)
            }
        }
    }

    @Test("many customers: their names come from one pass over the table")
    func manyNames() throws {
        try withStore { store in
            for i in 0..<210 {
                try store.addCustomer(NewCustomer(name: "C\(i)", email: "c\(i)@example.com"))
                _ = try store.addOrder(draft("c\(i)@example.com", ["TEE:1"], ref: "M\(i)"))
            }
            let r = try store.stats(StatsRequest(by: [.customer], limit: 0))
            #expect(r.groups.count == 210)
            #expect(Set(r.groups.map(\.keys[0].label)) == Set((0..<210).map { "C\($0)" }))
            #expect(r.groups.allSatisfy { $0.keys[0].detail == "\($0.keys[0].label.lowercased())@example.com" })
        }
    }

    @Test("product by customer: the top products, each with its customers")
    func productByCustomer() throws {
        try withStatsShop { store in
            for summaries in [true, false] {
                let r = try store.stats(
                    StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.product, .customer], limit: 1),
                    summaries: summaries)
                // TEE (60.00) is the top product: Ann bought 2 (40.00), Bob 1 (20.00).
                #expect(
                    r.groups.map { "\($0.keys[0].label) \($0.keys[1].label) \($0.net)" } == [
                        "TEE Ann 4000", "TEE Bob 2000",
                    ], "summaries \(summaries)")
                #expect(r.omitted == 2)
            }
        }
    }

    @Test("by country and status")
    func byCountryAndStatus() throws {
        try withStatsShop { store in
            let c = try store.stats(StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.country]))
            #expect(c.groups.map(\.keys[0].label) == ["DE", "FR", "(none)"])
            #expect(c.groups[0].keys[0].detail == "Germany")
            #expect(c.groups.map(\.net) == [6500, 2500, 0])
            let s = try store.stats(StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.status]))
            let byStatus = Dictionary(uniqueKeysWithValues: s.groups.map { ($0.keys[0].value, $0.orders) })
            #expect(byStatus["cancelled"] == 1 && byStatus["pending"] == 1)
            #expect(byStatus.values.reduce(0, +) == 4)
        }
    }

    @Test("two dimensions: month by channel, periods in order")
    func twoDimensions() throws {
        try withStatsShop { store in
            try store.db.run("UPDATE orders SET channel = 'shop' WHERE ref = 'B'")
            let r = try store.stats(StatsRequest(from: "2026-01-01", to: "2026-02-28", by: [.month, .channel]))
            let rows = r.groups.map { "\($0.keys[0].value) \($0.keys[1].value) \($0.orders) \($0.net)" }
            // Within a month, channels by their net over the whole period: web 65 - 0, shop 25.
            #expect(rows == ["2026-01 web 2 2500", "2026-01 shop 1 2500", "2026-02 web 1 4000"])
        }
    }

    @Test("several currencies are never added together")
    func currencies() throws {
        try withStatsShop { store in
            try store.db.run("UPDATE orders SET currency = 'USD' WHERE ref = 'D'")
            let r = try months(store)
            #expect(r.totals.map(\.currency.code) == ["EUR", "USD"])
            #expect(r.totals[0].gross == 5500 && r.totals[1].gross == 4000)
            // February has USD orders only; each currency gets its own zero months.
            let rows = r.groups.map { "\($0.keys[0].value) \($0.currency.code) \($0.orders)" }
            #expect(
                rows == [
                    "2026-01 EUR 3", "2026-01 USD 0", "2026-02 EUR 0", "2026-02 USD 1", "2026-03 EUR 0",
                    "2026-03 USD 0",
                ])
            let usd = try store.stats(StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.month], currency: "usd"))
            #expect(usd.totals.map(\.currency.code) == ["USD"])
            // Top customers per currency: EUR Ann and Bob tie at 25.00 (Ann by name), Cy
            // is left out; in USD Ann alone. Found first by the lean pass, or from all.
            for summaries in [true, false] {
                let top = try store.stats(
                    StatsRequest(from: "2026-01-01", to: "2026-03-31", by: [.customer], limit: 1), summaries: summaries)
                #expect(
                    Set(top.groups.map { "\($0.currency.code) \($0.keys[0].label) \($0.net)" }) == [
                        "EUR Ann 2500", "USD Ann 4000",
                    ])
                #expect(top.omitted == 2)
            }
        }
    }

    @Test("23:30 local on 31 December is in December and in that year; in UTC it is not")
    func newYearsEve() throws {
        try withStore(now: utc("2026-03-04T10:00:00Z")) { store in
            try store.setSetting("timezone", "America/New_York")
            var d = draft(["TEE:1"], ref: "NYE")
            d.placedAt = "2025-12-31T23:30"
            _ = try store.addOrder(d)
            let stored = try store.db.scalarString("SELECT placed_at FROM orders WHERE ref = 'NYE'")
            #expect(stored == "2026-01-01T04:30:00Z")
            let months = try store.stats(StatsRequest(from: "2025-12-01", to: "2026-01-31", by: [.month]))
            #expect(months.groups.map { "\($0.keys[0].value) \($0.orders)" } == ["2025-12 1", "2026-01 0"])
            let years = try store.stats(StatsRequest(from: "2025-01-01", to: "2026-12-31", by: [.year]))
            #expect(years.groups.map { "\($0.keys[0].value) \($0.orders)" } == ["2025 1", "2026 0"])
            let days = try store.stats(StatsRequest(from: "2025-12-31", to: "2026-01-01", by: [.day]))
            #expect(days.groups.map(\.orders) == [1, 0])
            let utcMonths = try store.stats(
                StatsRequest(from: "2025-12-01", to: "2026-01-31", by: [.month], timeZone: "UTC"))
            #expect(utcMonths.groups.map { "\($0.keys[0].value) \($0.orders)" } == ["2025-12 0", "2026-01 1"])
        }
    }

    @Test("weeks are ISO weeks, quarters and years cut at local midnight; ranges are clipped")
    func periods() throws {
        let zone = berlin
        let weeks = try OrderStore.buckets(.week, from: day("2025-12-27"), to: day("2026-01-06"), zone: zone)
        #expect(weeks.map(\.key.value) == ["2025-W52", "2026-W01", "2026-W02"])
        #expect(weeks.map(\.start) == ["2025-12-26T23:00:00Z", "2025-12-28T23:00:00Z", "2026-01-04T23:00:00Z"])
        #expect(weeks.last?.end == "2026-01-06T23:00:00Z")
        let quarters = try OrderStore.buckets(.quarter, from: day("2026-02-15"), to: day("2026-07-01"), zone: zone)
        #expect(quarters.map(\.key.value) == ["2026-Q1", "2026-Q2", "2026-Q3"])
        // The spring DST change: the quarter starts at local midnight, UTC+2.
        #expect(quarters[1].start == "2026-03-31T22:00:00Z")
        #expect(day("2021-01-03").isoWeek == (2020, 53))
        #expect(day("2024-12-30").isoWeek == (2025, 1))
    }

    @Test("bad requests name the field")
    func badRequests() throws {
        try withStatsShop { store in
            let cases: [(StatsRequest, String)] = [
                (StatsRequest(from: "2026-02-01", to: "2026-01-01"), "from"),
                (StatsRequest(from: "last tuesday"), "from"),
                (StatsRequest(by: [.month, .week]), "by"),
                (StatsRequest(by: [.channel, .channel]), "by"),
                (StatsRequest(by: [.month, .channel, .status]), "by"),
                (StatsRequest(currency: "EURO"), "currency"),
                (StatsRequest(timeZone: "Mars/Olympus"), "timezone"),
                (StatsRequest(limit: -1), "limit"),
                (StatsRequest(from: "1990-01-01", to: "2026-01-01", by: [.day]), "by"),
            ]
            for (request, field) in cases {
                #expect {
                    _ = try store.stats(request)
                } throws: { error in
                    guard case OrderError.invalidValue(let f, _, _) = error else { return false }
                    return f == field
                }
            }
        }
    }

    @Test("hour histogram: nearest-rank percentiles")
    func histogram() {
        var h = HourHistogram()
        #expect(h.median == nil)
        for v: Int64 in [5, 1, 3, 2, 4, 10, 7, 6, 9, 8] { h.add(v) }
        #expect(h.median == 5)
        #expect(h.p90 == 9)
        #expect(h.percentile(1.0) == 10)
        #expect(h.percentile(0.01) == 1)
        var g = HourHistogram()
        g.add(100, 10)
        h.merge(g)
        #expect(h.count == 20 && h.median == 10 && h.p90 == 100)
    }
}

@Suite("stats customers: repeat purchases and RFM, worked out by hand")
struct CustomerAnalysisTests {
    /// The stats shop from 1 January to 31 March (ends 2026-03-31T22:00:00Z in Berlin).
    /// Purchases: Ann A (25.00, 10 Jan 12:00Z) and D (40.00, 5 Feb 10:00Z); Bob B (30.00
    /// less 5.00 refunded, 20 Jan 09:00Z). Cy's only order is cancelled: not a customer here.
    @Test("figures, gaps, distribution, scores and segments")
    func analysis() throws {
        try withStatsShop { store in
            let a = try store.customerAnalysis(from: "2026-01-01", to: "2026-03-31", timeZone: nil, currency: nil)
            #expect(a.blocks.count == 1)
            let b = a.blocks[0]
            #expect(b.customers.map(\.name) == ["Ann", "Bob"])
            let ann = b.customers[0]
            let bob = b.customers[1]
            #expect(
                ann.orders == 2 && ann.net == 6500 && ann.first == "2026-01-10T12:00:00Z"
                    && ann.last == "2026-02-05T10:00:00Z")
            #expect(bob.orders == 1 && bob.net == 2500)
            // 31 Mar 22:00Z - 5 Feb 10:00Z = 54 days 12 h; - 20 Jan 09:00Z = 70 days 13 h.
            #expect(ann.recencyDays == 54 && bob.recencyDays == 70)
            // Two customers: the better one scores 1 + 5 x 1/2 = 3, the other 1.
            #expect([ann.r, ann.f, ann.m] == [3, 3, 3] && [bob.r, bob.f, bob.m] == [1, 1, 1])
            #expect(ann.segment == .needAttention && bob.segment == .lost)
            #expect(b.repeatRate == 0.5)
            // Ann's gap: 25 days 22 hours.
            #expect(b.gapDays.count == 1 && b.gapDays.median == 25)
            #expect(b.distribution.map(\.customers) == [1, 1, 0, 0, 0, 0])
            #expect(b.top(1).map(\.name) == ["Ann"])
        }
    }

    @Test("quintile scores: equal values share one; the best get 5")
    func quintiles() {
        var list = [1, 1, 1, 1, 1, 1, 2, 2, 3, 10].enumerated().map { i, n in
            var c = CustomerFigures(id: Int64(i))
            c.orders = n
            c.net = Int64(n * 100)
            c.recencyDays = 100 - n
            return c
        }
        OrderStore.score(&list)
        #expect(list.map(\.f) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5])
        #expect(list.map(\.r) == list.map(\.f) && list.map(\.m) == list.map(\.f))
        #expect(list[9].segment == .champions && list[0].segment == .lost)
        #expect(RFMSegment.of(r: 3, f: 4, orders: 5) == .loyal)
        #expect(RFMSegment.of(r: 5, f: 1, orders: 1) == .new)
        #expect(RFMSegment.of(r: 4, f: 2, orders: 2) == .promising)
        #expect(RFMSegment.of(r: 2, f: 3, orders: 3) == .atRisk)
        #expect(RFMSegment.of(r: 2, f: 2, orders: 2) == .hibernating)
        #expect(RFMSegment.of(r: 3, f: 3, orders: 2) == .needAttention)
    }

    @Test("one customer's favourite products, by units then net")
    func preferred() throws {
        try withStatsShop { store in
            let (customer, products) = try store.preferredProducts(
                customer: "ann@example.com", from: "2026-01-01", to: "2026-03-31", timeZone: nil)
            #expect(customer.name == "Ann")
            #expect(
                products.map { "\($0.sku) \($0.orders) \($0.units) \($0.net)" } == ["TEE 1 2 4000", "MUG-01 1 2 2500"])
            #expect(throws: OrderError.self) {
                _ = try store.preferredProducts(customer: "nobody@example.com", from: nil, to: nil, timeZone: nil)
            }
        }
    }

    @Test("no purchases: no blocks, no crash")
    func empty() throws {
        try withStatsShop { store in
            let a = try store.customerAnalysis(from: "2025-01-01", to: "2025-01-31", timeZone: nil, currency: nil)
            #expect(a.blocks.isEmpty)
        }
    }
}

@Suite("stats products: best sellers, ABC, bought together, worked out by hand")
struct ProductAnalysisTests {
    /// Jan-Mar of the stats shop, orders not cancelled: TEE in B (1) and D (2): 60.00;
    /// MUG-01 in A (2): 25.00; POSTER in B (2, one returned): 10.00 - 5.00 = 5.00. Net 90.00.
    @Test("figures, shares, classes and pairs")
    func analysis() throws {
        try withStatsShop { store in
            let a = try store.productAnalysis(from: "2026-01-01", to: "2026-03-31", timeZone: nil, currency: nil)
            #expect(a.blocks.count == 1)
            let b = a.blocks[0]
            #expect(
                b.products.map { "\($0.sku) \($0.orders) \($0.units) \($0.net) \($0.abc)" }
                    == ["TEE 2 3 6000 A", "MUG-01 1 2 2500 A", "POSTER 1 2 500 B"])
            // TEE 60/90; MUG-01 starts at 66.7% (< 80%: A); POSTER starts at 94.4% (< 95%: B).
            #expect(abs(b.products[0].share - 2.0 / 3.0) < 1e-12 && abs(b.products[1].cumulative - 85.0 / 90.0) < 1e-12)
            #expect(b.byUnits.map(\.sku) == ["TEE", "MUG-01", "POSTER"])
            #expect(
                b.pairs.map { "\($0.first)+\($0.second) \($0.orders) \($0.ofFirst) \($0.ofSecond)" } == [
                    "POSTER+TEE 1 1.0 0.5"
                ])
            let none = try store.productAnalysis(from: "2025-01-01", to: "2025-01-31", timeZone: nil, currency: nil)
            #expect(none.blocks.isEmpty)
        }
    }

    @Test("ABC at the edges: the product crossing 80% is A, crossing 95% is B")
    func classes() {
        var list = [70, 15, 10, 4, 1].enumerated().map { i, net in
            ProductFigures(id: Int64(i), sku: "P\(i)", name: "", orders: 1, units: 1, net: Int64(net))
        }
        OrderStore.classify(&list)
        // Starts at 0%, 70%, 85%, 95%, 99%.
        #expect(list.map(\.abc) == ["A", "A", "B", "C", "C"])
        var empty: [ProductFigures] = []
        OrderStore.classify(&empty)
        #expect(empty.isEmpty)
    }
}

@Suite("report: a shop younger than the period")
struct StatsBusinessReportTests {
    @Test("the months start at the month of the shop's first order; every figure is stats'")
    func youngShop() throws {
        try withStatsShop { store in
            // The shop's first order, A, was placed on 2026-01-10: October to December are
            // left out, the period (and every total) stays as asked.
            let r = try store.businessReport(from: "2025-10-01", to: "2026-03-31", timeZone: nil)
            #expect(r.firstOrder == day("2026-01-10"))
            #expect(r.firstMonth == "2026-01" && r.startsAtFirstOrder)
            #expect(r.months.from == day("2025-10-01") && r.months.to == day("2026-03-31"))
            // March, after the first order and without orders, stays: a gap is a gap.
            #expect(r.months.groups.map(\.keys[0].value) == ["2026-01", "2026-02", "2026-03"])
            let stats = try store.stats(StatsRequest(from: "2025-10-01", to: "2026-03-31", by: [.month]))
            #expect(
                stats.groups.map(\.keys[0].value) == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"])
            for g in r.months.groups {
                let same = try #require(stats.groups.first { $0.keys[0].value == g.keys[0].value })
                #expect(
                    g.orders == same.orders && g.net == same.net && g.units == same.units
                        && g.cancelled == same.cancelled)
            }
            #expect(stats.groups.prefix(3).allSatisfy { $0.orders == 0 && $0.gross == 0 && $0.refunds == 0 })
            #expect(r.totals.map(\.orders) == [4] && r.totals.map(\.net) == [9000])
            // Products, customers and statuses are not by month: unchanged.
            #expect(r.products.groups.count == 3 && r.statuses.groups.map(\.orders).reduce(0, +) == 4)

            // A period that starts after the first order: its own first month.
            let later = try store.businessReport(from: "2026-02-01", to: "2026-03-31", timeZone: nil)
            #expect(later.firstOrder == day("2026-01-10") && later.firstMonth == "2026-02" && !later.startsAtFirstOrder)
            #expect(later.months.groups.map(\.keys[0].value) == ["2026-02", "2026-03"])
            // Started in the month of the first order, days before it: nothing is cut.
            let sameMonth = try store.businessReport(from: "2026-01-05", to: "2026-01-31", timeZone: nil)
            #expect(!sameMonth.startsAtFirstOrder && sameMonth.months.groups.map(\.keys[0].value) == ["2026-01"])
        }
    }

    @Test("the first order's month is that of the report's time zone")
    func firstOrderInZone() throws {
        try withStore { store in
            // 2025-12-31 23:30 UTC is 2026-01-01 00:30 in Berlin.
            var d = draft(["TEE:1"], ref: "NY")
            d.placedAt = "2025-12-31T23:30:00Z"
            _ = try store.addOrder(d)
            let berlin = try store.businessReport(from: "2025-11-01", to: "2026-02-28", timeZone: nil)
            #expect(berlin.firstOrder == day("2026-01-01"))
            #expect(berlin.months.groups.map(\.keys[0].value) == ["2026-01", "2026-02"])
            let utc = try store.businessReport(from: "2025-11-01", to: "2026-02-28", timeZone: "UTC")
            #expect(utc.firstOrder == day("2025-12-31"))
            #expect(utc.months.groups.map(\.keys[0].value) == ["2025-12", "2026-01", "2026-02"])
            #expect(utc.months.groups.first?.orders == 1 && berlin.months.groups.first?.orders == 1)
        }
    }

    @Test("a shop without orders: no first order, the period's months")
    func noOrders() throws {
        try withStore { store in
            let r = try store.businessReport(from: "2026-01-01", to: "2026-02-28", timeZone: nil)
            #expect(r.firstOrder == nil && r.firstMonth == "2026-01" && !r.startsAtFirstOrder)
            #expect(r.totals.isEmpty && r.months.groups.isEmpty)
        }
    }
}
