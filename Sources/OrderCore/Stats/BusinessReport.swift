import Foundation

/// What `orderctl report` shows: the period's figures by month, the top products and
/// customers, and the orders by status, all from `stats`.
public struct BusinessReport: Sendable {
    /// By month, from the period's first month or, for a shop younger than the period,
    /// from the month of its first order (the months before it had no orders: they are
    /// left out, not shown as empty bars). `months.from` is still the period's first day.
    public let months: StatsReport
    public let products: StatsReport
    public let customers: StatsReport
    public let statuses: StatsReport
    public let generatedAt: Date
    /// The day (in the report's zone) the shop's first order was placed, any status, in
    /// the period or before it; nil for a shop without orders.
    public let firstOrder: LocalDate?

    /// The period's totals per currency.
    public var totals: [StatsGroup] { months.totals }

    /// The first month shown ("YYYY-MM"): the month of the shop's first order when that
    /// is later than the period's first month, else the period's.
    public var firstMonth: String {
        let periodMonth = String(months.from.iso.prefix(7))
        guard let firstOrder else { return periodMonth }
        return max(periodMonth, String(firstOrder.iso.prefix(7)))
    }

    /// Whether the months start later than the period (a shop younger than the period).
    public var startsAtFirstOrder: Bool { firstMonth != String(months.from.iso.prefix(7)) }
}

extension OrderStore {
    /// `top`: how many products and customers (per currency); 0 for all, as in `stats --limit`.
    public func businessReport(from: String?, to: String?, timeZone: String?, top: Int = 10) throws -> BusinessReport {
        func report(_ by: [StatsDimension], limit: Int? = nil) throws -> StatsReport {
            try stats(StatsRequest(from: from, to: to, by: by, timeZone: timeZone, limit: limit))
        }
        // One snapshot: a writer committing meanwhile cannot make the parts disagree.
        return try db.read {
            let byMonth = try report([.month])
            let zone = TimeZone(identifier: byMonth.timeZone) ?? TimeZone(identifier: "UTC")!
            // orders_placed (placed_at, id) answers min() from its first entry.
            let first = try db.scalarString("SELECT min(placed_at) FROM orders")
                .flatMap { Instant.parse($0) }.map { LocalDate($0, in: zone) }
            var months = byMonth
            if let first {
                let firstMonth = String(first.iso.prefix(7))
                // Every month before the first order is a zero row (no order was placed
                // then, and refunds and returns count in the month of their order).
                let groups = byMonth.groups.filter { $0.keys[0].value >= firstMonth }
                if groups.count != byMonth.groups.count {
                    months = StatsReport(
                        from: byMonth.from, to: byMonth.to, timeZone: byMonth.timeZone,
                        dimensions: byMonth.dimensions, groups: groups, totals: byMonth.totals,
                        omitted: byMonth.omitted, limit: byMonth.limit)
                }
            }
            return BusinessReport(
                months: months, products: try report([.product], limit: top),
                customers: try report([.customer], limit: top), statuses: try report([.status]),
                generatedAt: now, firstOrder: first)
        }
    }
}
