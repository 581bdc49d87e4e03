import Foundation

/// One line of the purchase plan.
public struct ReorderLine: Sendable {
    public var forecast: DemandForecast
    public var available: Int64
    public var leadDays: Int
    public var serviceLevel: Int
    public var coverDays: Int
    /// Units expected to sell during the lead time, and the stock kept against a
    /// faster lead time (z for the service level x the forecast's weekly error spread x
    /// the square root of the lead time in weeks).
    public var leadDemand: Double
    public var safetyStock: Double
    /// Reorder when available stock is at or below this.
    public var reorderPoint: Int64
    /// Enough to reach the reorder point plus `coverDays` of demand; 0 when not due.
    public var orderQuantity: Int64
    /// The owner's reorder level (`product update --reorder-at`), if set.
    public var reorderLevel: Int64? = nil
    /// Without history enough for a forecast, the plan follows the reorder level (as
    /// the low-stock reminder does): reorder at it, up to twice it.
    public var byLevel = false
    /// Available stock is at or below the reorder point.
    public var due: Bool { available <= reorderPoint }
    /// Why the line is what it is, when it is not a forecast's plan.
    public var note: String? {
        guard let notEnough = forecast.notEnough else { return nil }
        guard let level = reorderLevel, level > 0 else {
            return
                "\(notEnough); no reorder level set, so at 0 available (set one: orderctl product update \(forecast.sku) --reorder-at N)"
        }
        return "\(notEnough); by your reorder level \(level), up to twice it"
    }
}

/// Backtest of delivery-time predictions.
public struct DeliveryBacktest: Sendable {
    public var orders = 0
    public var predicted = 0
    public var absoluteError = 0.0
    public var signedError = 0.0
    public var inside = 0
    public var baselineError = 0.0
    public var promised = 0
    public var promiseError = 0.0
    /// Which group level the predictions used.
    public var levels: [String: Int] = [:]
    public var mae: Double { predicted > 0 ? absoluteError / Double(predicted) : .nan }
    public var bias: Double { predicted > 0 ? signedError / Double(predicted) : .nan }
    public var coverage: Double { predicted > 0 ? Double(inside) / Double(predicted) : .nan }
    public var baselineMAE: Double { predicted > 0 ? baselineError / Double(predicted) : .nan }
    public var promiseMAE: Double? { promised > 0 ? promiseError / Double(promised) : nil }
}

/// Backtest of weekly demand forecasts.
public struct DemandBacktest: Sendable {
    public struct Product: Sendable {
        public var sku: String
        public var weeks: Int
        public var error: Double
        public var baselineError: Double
        public var mase: Double { baselineError > 0 ? error / baselineError : .nan }
    }
    public var products: [Product] = []
    public var weeks = 0
    public var inside = 0
    public var seasonalWeeks = 0
    public var error: Double { products.reduce(0) { $0 + $1.error } }
    public var baselineError: Double { products.reduce(0) { $0 + $1.baselineError } }
    /// Sum of errors over sum of the baseline's errors, over every product and week.
    public var mase: Double { baselineError > 0 ? error / baselineError : .nan }
    public var medianMASE: Double {
        let m = products.map(\.mase).filter { !$0.isNaN }.sorted()
        return m.isEmpty ? .nan : DemandModel.quantile(m, 0.5)
    }
    public var coverage: Double { weeks > 0 ? Double(inside) / Double(weeks) : .nan }
}

/// A running median: two heaps.
struct RunningMedian {
    var low = Heap(less: { $0 > $1 })  // max-heap
    var high = Heap(less: { $0 < $1 })  // min-heap
    var count: Int { low.count + high.count }
    mutating func insert(_ x: Double) {
        if let top = low.top, x > top { high.push(x) } else { low.push(x) }
        if low.count > high.count + 1 { high.push(low.pop()) } else if high.count > low.count { low.push(high.pop()) }
    }
    var median: Double? {
        guard let l = low.top else { return nil }
        return low.count > high.count ? l : (l + high.top!) / 2
    }
    struct Heap {
        var items: [Double] = []
        let less: (Double, Double) -> Bool
        var count: Int { items.count }
        var top: Double? { items.first }
        mutating func push(_ x: Double) {
            items.append(x)
            var i = items.count - 1
            while i > 0, less(items[i], items[(i - 1) / 2]) {
                items.swapAt(i, (i - 1) / 2)
                i = (i - 1) / 2
            }
        }
        mutating func pop() -> Double {
            let top = items[0]
            items[0] = items[items.count - 1]
            items.removeLast()
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var m = i
                if l < items.count, less(items[l], items[m]) { m = l }
                if r < items.count, less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
            return top
        }
    }
}

extension OrderStore {
    /// The z of a one-sided normal service level (Acklam's approximation of the
    /// inverse normal; good to 1e-9, far beyond what a safety stock needs).
    static func z(_ p: Double) -> Double {
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - 0.02425 { return -z(1 - p) }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

    /// The first week a forecast covers: the Monday after today in the shop's time zone
    /// (the current week is already under way).
    public func forecastStart() throws -> LocalDate {
        let today = try dateResolver().today
        return today.adding(days: 8 - today.isoWeekday)
    }

    /// Forecasts for products (all active ones with sales, or the given SKUs).
    public func forecasts(skus: [String] = [], minWeeks: Int = 8) throws -> [DemandForecast] {
        try db.read {
            let today = LocalDate(now, in: try timeZone())
            var products: [(Int64, String, String)] = []
            if skus.isEmpty {
                products = try db.query("SELECT id, sku, name FROM products WHERE active = 1 ORDER BY sku") {
                    ($0.int64(0), $0.string(1), $0.string(2))
                }
            } else {
                for sku in skus {
                    guard let p = try findProduct(sku) else { throw try unknownProduct(sku) }
                    products.append((p.id, p.sku, p.name))
                }
            }
            let demand = try weeklyDemand(productIDs: skus.isEmpty ? nil : products.map(\.0), today: today)
            return products.compactMap { id, sku, name in
                let d = demand[id]
                if skus.isEmpty && d == nil { return nil }
                return Self.forecast(sku: sku, name: name, first: d?.first, weeks: d?.weeks ?? [], minWeeks: minWeeks)
            }
        }
    }

    /// The purchase plan for tracked products.
    public func reorderPlan(minWeeks: Int = 8) throws -> [ReorderLine] {
        try db.read {
            let today = LocalDate(now, in: try timeZone())
            let lead = Int(try setting(.leadDays) ?? "14") ?? 14
            let service = Int(try setting(.serviceLevel) ?? "95") ?? 95
            let cover = Int(try setting(.coverDays) ?? "28") ?? 28
            let products = try db.query(
                """
                SELECT id, sku, name, on_hand - reserved, lead_days, service_level, cover_days, reorder_at FROM products
                 WHERE track_stock = 1 AND active = 1 ORDER BY sku
                """
            ) { r in
                (
                    r.int64(0), r.string(1), r.string(2), r.int64(3), r.optionalInt(4) ?? lead,
                    r.optionalInt(5) ?? service,
                    r.optionalInt(6) ?? cover, r.optionalInt64(7)
                )
            }
            let demand = try weeklyDemand(productIDs: products.map(\.0), today: today)
            return products.map { id, sku, name, available, lead, service, cover, level in
                let d = demand[id]
                let f = Self.forecast(sku: sku, name: name, first: d?.first, weeks: d?.weeks ?? [], minWeeks: minWeeks)
                var line = ReorderLine(
                    forecast: f, available: available, leadDays: lead, serviceLevel: service, coverDays: cover,
                    leadDemand: 0, safetyStock: 0, reorderPoint: 0, orderQuantity: 0, reorderLevel: level)
                guard f.notEnough == nil else {
                    // No forecast yet: the owner's level, where the low-stock reminder warns.
                    line.byLevel = true
                    line.reorderPoint = level ?? 0
                    if line.due { line.orderQuantity = max(2 * line.reorderPoint, line.reorderPoint + 1) - available }
                    return line
                }
                let leadWeeks = Double(lead) / 7
                line.leadDemand = f.perWeek * leadWeeks
                line.safetyStock = max(0, Self.z(Double(service) / 100) * f.errorSpread * leadWeeks.squareRoot())
                line.reorderPoint = Int64((line.leadDemand + line.safetyStock).rounded(.up))
                if available <= line.reorderPoint {
                    let upTo = Double(line.reorderPoint) + f.perWeek * Double(cover) / 7
                    line.orderQuantity = max(0, Int64((upTo - Double(available)).rounded(.up)))
                }
                return line
            }
        }
    }

    /// Replays history: predicts each delivered order placed from `from` with only the
    /// orders delivered before it was placed, as `predict` would have then.
    /// The backtest from a day as `predict --backtest --from` gives it (a date or a relative
    /// day, resolved in the shop's time zone), with the day it resolved to.
    public func deliveryBacktest(fromDay text: String?) throws -> (backtest: DeliveryBacktest, from: LocalDate?) {
        let day = try text.map { try dateResolver().date($0, field: "from") }
        return (try deliveryBacktest(from: day?.start(in: timeZone())), day)
    }

    public func deliveryBacktest(from: Date? = nil) throws -> DeliveryBacktest {
        try db.read {
            let zone = try timeZone()
            var samples: [LeadSample] = []
            try db.forEach(
                """
                SELECT o.placed_at, o.ship_hours, o.delivery_hours, c.country, c.region, o.shipping, o.due_date
                  FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.delivery_hours IS NOT NULL
                """
            ) { r in
                guard let placed = Instant.parse(r.string(0)) else { return }
                samples.append(
                    LeadSample(
                        placed: placed, shipHours: r.int(1), deliveryHours: r.int(2), country: r.optionalString(3),
                        region: r.optionalString(4), shipping: r.string(5), carrier: nil,
                        due: r.optionalString(6).flatMap(LocalDate.init(iso:))))
            }
            let byPlaced = samples.sorted { $0.placed < $1.placed }
            let byDelivered = samples.sorted { $0.delivered < $1.delivered }
            var model = LeadModel(zones: try setting(.deliveryZones).flatMap { try? DeliveryZones.parse($0) })
            var median = RunningMedian()
            var known = 0
            var result = DeliveryBacktest()
            for s in byPlaced {
                while known < byDelivered.count && byDelivered[known].delivered < s.placed {
                    model.add(byDelivered[known])
                    median.insert(Double(byDelivered[known].totalHours))
                    known += 1
                }
                if let from, s.placed < from { continue }
                result.orders += 1
                let q = LeadQuery(country: s.country, region: s.region, shipping: s.shipping)
                guard let t = model.predictTotal(q), let p = t.total, let base = median.median else { continue }
                let actual = Double(s.totalHours)
                result.predicted += 1
                result.absoluteError += abs(p.expected - actual) / 24
                result.signedError += (p.expected - actual) / 24
                result.baselineError += abs(base - actual) / 24
                if actual >= p.low && actual <= p.high { result.inside += 1 }
                result.levels[t.level, default: 0] += 1
                if let due = s.due {
                    result.promised += 1
                    result.promiseError += abs(due.start(in: zone).timeIntervalSince(s.delivered)) / 86400
                }
            }
            return result
        }
    }

    /// Replays each product's weekly sales: forecasts week t from weeks before t only,
    /// against the seasonal-naive forecast (the same week a year before; last week's
    /// demand where there is no year before).
    public func demandBacktest(skus: [String] = [], top: Int? = nil, warmUp: Int = 8) throws -> DemandBacktest {
        try db.read {
            let today = LocalDate(now, in: try timeZone())
            var chosen: [(Int64, String)] = []
            if !skus.isEmpty {
                for sku in skus {
                    guard let p = try findProduct(sku) else { throw try unknownProduct(sku) }
                    chosen.append((p.id, p.sku))
                }
            } else {
                chosen = try db.query(
                    """
                    SELECT p.id, p.sku FROM products p JOIN (SELECT product_id, sum(units) AS u FROM stats_daily_product GROUP BY 1) s
                      ON s.product_id = p.id WHERE s.u > 0 ORDER BY s.u DESC, p.sku LIMIT ?
                    """, top ?? 50
                ) { ($0.int64(0), $0.string(1)) }
            }
            let demand = try weeklyDemand(productIDs: chosen.map(\.0), today: today)
            var result = DemandBacktest()
            for (id, sku) in chosen {
                guard let weeks = demand[id]?.weeks, weeks.count > warmUp else { continue }
                let states = DemandModel.states(weeks)
                var p = DemandBacktest.Product(sku: sku, weeks: 0, error: 0, baselineError: 0)
                for t in warmUp..<weeks.count {
                    let f = states[t - 1].forecast
                    let seasonal = t >= 52
                    let base = seasonal ? weeks[t - 52] : weeks[t - 1]
                    if seasonal { result.seasonalWeeks += 1 }
                    p.error += abs(weeks[t] - f)
                    p.baselineError += abs(weeks[t] - base)
                    p.weeks += 1
                    let (low, high) = DemandModel.range(Array(weeks[..<t]), point: f)
                    if weeks[t] >= low && weeks[t] <= high { result.inside += 1 }
                }
                result.weeks += p.weeks
                result.products.append(p)
            }
            return result
        }
    }
}
