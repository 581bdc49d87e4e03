import Foundation

/// What `orderctl report` shows: the period's figures by month, the top products and
/// customers, and the orders by status, all from `stats`.
public struct BusinessReport: Sendable {
    public let months: StatsReport
    public let products: StatsReport
    public let customers: StatsReport
    public let statuses: StatsReport
    public let generatedAt: Date

    /// The period's totals per currency.
    public var totals: [StatsGroup] { months.totals }
}

extension OrderStore {
    /// `top`: how many products and customers (per currency).
    public func businessReport(from: String?, to: String?, timeZone: String?, top: Int = 10) throws -> BusinessReport {
        func report(_ by: [StatsDimension], limit: Int? = nil) throws -> StatsReport {
            try stats(StatsRequest(from: from, to: to, by: by, timeZone: timeZone, limit: limit))
        }
        // One snapshot: a writer committing meanwhile cannot make the parts disagree.
        return try db.read {
            BusinessReport(months: try report([.month]), products: try report([.product], limit: top),
                           customers: try report([.customer], limit: top), statuses: try report([.status]),
                           generatedAt: now)
        }
    }
}
