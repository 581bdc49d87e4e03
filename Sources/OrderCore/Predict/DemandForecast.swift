import Foundation

/// Weekly demand forecasting for products with steady or intermittent sales.
///
/// Method: TSB (Teunter-Syntetos-Babai): one smoothed estimate of how likely a week is
/// to have sales, one of how much a week with sales sells; the forecast is their
/// product. Unlike Croston's method (and its SBA correction) it decays when a product
/// stops selling, and constant demand of 5 a week forecasts exactly 5. The parameters
/// were chosen on Online Retail II (walk-forward; see BENCHMARKS.md): the size is
/// smoothed with 0.1, the probability with 0.2.
///
/// The range is the P10-P90 of the last 26 weeks' demand (Weibull plotting positions,
/// p(n+1)), widened to hold the forecast: in the backtest it held 80% of weeks.
public enum DemandModel {
    public static let alphaSize = 0.1
    public static let alphaProbability = 0.2
    public static let rangeWeeks = 26

    public struct State: Sendable, Equatable {
        public var probability: Double
        public var size: Double
        public var forecast: Double { probability * size }
    }

    /// The state after each week of `history` (oldest first, starting at the first
    /// week with sales): states[i] forecasts week i + 1.
    public static func states(_ history: [Double]) -> [State] {
        var out: [State] = []
        out.reserveCapacity(history.count)
        guard let first = history.first else { return out }
        var s = State(probability: first > 0 ? 1 : 0, size: first)
        out.append(s)
        for y in history.dropFirst() {
            s.probability += alphaProbability * ((y > 0 ? 1 : 0) - s.probability)
            if y > 0 { s.size += alphaSize * (y - s.size) }
            out.append(s)
        }
        return out
    }

    public static func forecast(_ history: [Double]) -> Double { states(history).last?.forecast ?? 0 }

    /// The one-week-ahead errors (actual - forecast) over `history`, after `warmUp` weeks.
    public static func errors(_ history: [Double], warmUp: Int = 8) -> [Double] {
        let s = states(history)
        guard history.count > warmUp else { return [] }
        return (warmUp..<history.count).map { history[$0] - s[$0 - 1].forecast }
    }

    /// The P10-P90 range of one week's demand around `point`.
    public static func range(_ history: [Double], point: Double) -> (low: Double, high: Double) {
        let recent = history.suffix(rangeWeeks).sorted()
        guard !recent.isEmpty else { return (point, point) }
        return (min(point, weibull(recent, 0.1)), max(point, weibull(recent, 0.9)))
    }

    /// The quantile at position q(n+1) of `sorted` (counted from 1), interpolated and
    /// clamped to the smallest and largest value.
    public static func weibull(_ sorted: [Double], _ q: Double) -> Double {
        let n = sorted.count
        let h = q * Double(n + 1)
        if h <= 1 { return sorted[0] }
        if h >= Double(n) { return sorted[n - 1] }
        let i = Int(h.rounded(.down))
        return sorted[i - 1] + (h - Double(i)) * (sorted[i] - sorted[i - 1])
    }

    /// Linear interpolation between the closest ranks (R's type 7).
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = Double(sorted.count - 1) * q
        let i = Int(h.rounded(.down))
        let j = min(i + 1, sorted.count - 1)
        return sorted[i] + (h - Double(i)) * (sorted[j] - sorted[i])
    }
}

/// A product's weekly demand forecast.
public struct DemandForecast: Sendable {
    public var sku: String
    public var name: String
    /// Complete weeks of history, from the product's first sale to last week.
    public var weeks: Int
    public var weeksWithSales: Int
    public var unitsSold: Int64
    /// Units a week, and the P10-P90 range of one week's demand.
    public var perWeek: Double
    public var low: Double
    public var high: Double
    /// The spread of the one-week errors (root mean square), for safety stock.
    public var errorSpread: Double
    public var firstWeek: LocalDate?
    /// Why there is no forecast, when there is none.
    public var notEnough: String?

    public var isIntermittent: Bool { weeks > 0 && Double(weeksWithSales) / Double(weeks) < 0.8 }
}

extension OrderStore {
    /// Weekly units of each product (kept orders; UTC days in Monday-to-Sunday weeks),
    /// from its first sale to the last complete week before `today`.
    func weeklyDemand(productIDs: [Int64]? = nil, today: LocalDate) throws -> [Int64: (
        first: LocalDate, weeks: [Double]
    )] {
        let thisWeek = today.adding(days: 1 - today.isoWeekday)
        var daily: [Int64: [(Int, Int64)]] = [:]
        let filter =
            productIDs.map { ids in "AND product_id IN (\(ids.map(String.init).joined(separator: ",")))" } ?? ""
        try db.forEach(
            """
            SELECT product_id, unixepoch(day) / 86400, sum(units) FROM stats_daily_product
             WHERE day < ? AND units > 0 \(filter) GROUP BY product_id, day
            """, arguments: [thisWeek.iso]
        ) { r in
            // Days since 1970-01-01, as LocalDate counts them (no date string per row).
            daily[r.int64(0), default: []].append((r.int(1), r.int64(2)))
        }
        var out: [Int64: (first: LocalDate, weeks: [Double])] = [:]
        for (id, days) in daily {
            guard let firstDay = days.map(\.0).min() else { continue }
            let first = LocalDate(dayNumber: firstDay)
            let firstMonday = first.adding(days: 1 - first.isoWeekday)
            let count = (thisWeek.dayNumber - firstMonday.dayNumber) / 7
            guard count > 0 else { continue }
            var weeks = [Double](repeating: 0, count: count)
            for (d, units) in days { weeks[(d - firstMonday.dayNumber) / 7] += Double(units) }
            out[id] = (firstMonday, weeks)
        }
        return out
    }

    static func forecast(sku: String, name: String, first: LocalDate?, weeks: [Double], minWeeks: Int) -> DemandForecast
    {
        let sold = Int64(weeks.reduce(0, +))
        var f = DemandForecast(
            sku: sku, name: name, weeks: weeks.count, weeksWithSales: weeks.filter { $0 > 0 }.count,
            unitsSold: sold, perWeek: 0, low: 0, high: 0, errorSpread: 0, firstWeek: first)
        guard weeks.count >= minWeeks, sold > 0 else {
            f.notEnough =
                sold == 0
                ? "not enough history (no sales yet, need \(minWeeks) weeks)"
                : "not enough history (\(weeks.count) week\(weeks.count == 1 ? "" : "s") of sales, need \(minWeeks))"
            return f
        }
        f.perWeek = DemandModel.forecast(weeks)
        (f.low, f.high) = DemandModel.range(weeks, point: f.perWeek)
        let errors = DemandModel.errors(weeks, warmUp: min(8, weeks.count - 1))
        if !errors.isEmpty {
            f.errorSpread = (errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)).squareRoot()
        }
        return f
    }

    struct StockoutCandidate {
        var sku: String
        var name: String
        var available: Int64
        var weekly: Double
        var daysLeft: Double
        var leadDays: Int
    }

    /// Tracked products with stock left and a forecast: how many days the stock lasts.
    func stockoutCandidates(today: LocalDate, minWeeks: Int) throws -> [StockoutCandidate] {
        let defaultLead = Int(try setting(.leadDays) ?? "14") ?? 14
        let products = try db.query(
            """
            SELECT id, sku, name, on_hand - reserved, lead_days FROM products
             WHERE track_stock = 1 AND active = 1 AND on_hand - reserved > 0
            """
        ) { r in (r.int64(0), r.string(1), r.string(2), r.int64(3), r.optionalInt(4)) }
        guard !products.isEmpty else { return [] }
        let demand = try weeklyDemand(productIDs: products.map(\.0), today: today)
        return products.compactMap { id, sku, name, available, lead in
            guard let d = demand[id] else { return nil }
            let f = Self.forecast(sku: sku, name: name, first: d.first, weeks: d.weeks, minWeeks: minWeeks)
            guard f.notEnough == nil, f.perWeek > 0 else { return nil }
            return StockoutCandidate(
                sku: sku, name: name, available: available, weekly: f.perWeek,
                daysLeft: Double(available) / (f.perWeek / 7), leadDays: lead ?? defaultLead)
        }
    }
}
