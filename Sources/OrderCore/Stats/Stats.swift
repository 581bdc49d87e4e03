import Foundation

/// What `orderctl stats --by` groups by: a period of the business calendar, or an
/// attribute of the order.
public enum StatsDimension: String, Sendable, CaseIterable {
    case day, week, month, quarter, year
    case product, customer, channel, `class`, country, status

    public var isPeriod: Bool {
        switch self {
        case .day, .week, .month, .quarter, .year: return true
        default: return false
        }
    }

    /// Ranked (top N) rather than listed whole.
    public var isRanked: Bool { self == .product || self == .customer }

    public static func parse(_ text: String) throws(OrderError) -> StatsDimension {
        guard let d = StatsDimension(rawValue: text.lowercased()) else {
            throw .invalidValue(field: "by", value: text, reason: "expected one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return d
    }
}

/// `orderctl stats`: which orders and how to group them. Dates are expressions
/// (`2026-01-01`, `-30d`, `today` ...) in the report's time zone.
public struct StatsRequest: Sendable {
    public var from: String?
    public var to: String?
    public var by: [StatsDimension] = []
    public var currency: String?
    /// Cuts days in this zone instead of the business time zone.
    public var timeZone: String?
    /// For `product` and `customer`: the top N per currency (nil: 10; 0: all).
    public var limit: Int?

    public init(from: String? = nil, to: String? = nil, by: [StatsDimension] = [], currency: String? = nil,
                timeZone: String? = nil, limit: Int? = nil) {
        self.from = from; self.to = to; self.by = by; self.currency = currency
        self.timeZone = timeZone; self.limit = limit
    }

    public static let defaultLimit = 10
    /// More periods than this in one report is a typing mistake (`--by day` over decades).
    public static let maxPeriods = 5000
}

/// A distribution of durations in whole hours: how many orders took h hours.
public struct HourHistogram: Sendable, Equatable {
    public private(set) var counts: [Int64: Int] = [:]
    public private(set) var count = 0

    public init() {}

    public mutating func add(_ hours: Int64, _ n: Int = 1) {
        counts[hours, default: 0] += n
        count += n
    }

    public mutating func merge(_ other: HourHistogram) {
        for (h, n) in other.counts { add(h, n) }
    }

    /// The nearest-rank percentile (p in 0...1): the smallest value with at least
    /// p of the orders at or below it. nil when there are none.
    public func percentile(_ p: Double) -> Int64? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((p * Double(count)).rounded(.up)))
        var seen = 0
        for h in counts.keys.sorted() {
            seen += counts[h]!
            if seen >= rank { return h }
        }
        return counts.keys.max()
    }

    public var median: Int64? { percentile(0.5) }
    public var p90: Int64? { percentile(0.9) }
}

/// One value of a dimension: `value` identifies it (an id or a code), `label` is what
/// a person reads, `detail` says more (a product's name, a customer's email).
public struct StatsKey: Sendable, Hashable {
    public let value: String
    public let label: String
    public let detail: String?

    public init(value: String, label: String, detail: String? = nil) {
        self.value = value; self.label = label; self.detail = detail
    }
}

/// The figures of one group of orders, all in one currency. Orders count in the period
/// they were placed in, and so do their refunds, returns and shipments.
public struct StatsGroup: Sendable {
    public var keys: [StatsKey]
    public var currency: Currency
    /// Orders placed, cancelled ones included.
    public var orders = 0
    public var cancelled = 0
    /// Units, gross and refunds count orders that were not cancelled.
    public var units: Int64 = 0
    public var gross: Int64 = 0
    public var refunds: Int64 = 0
    /// Orders (not cancelled) with a shipped unit, and those of them with a returned unit.
    public var shipped = 0
    public var returned = 0
    /// Order to first shipment; first shipment to the last delivery (orders delivered whole).
    public var shipLead = HourHistogram()
    public var deliveryLead = HourHistogram()

    public init(keys: [StatsKey], currency: Currency) {
        self.keys = keys; self.currency = currency
    }

    public var kept: Int { orders - cancelled }
    public var net: Int64 { gross - refunds }
    /// Gross over the orders kept, rounded half away from zero to the minor unit.
    public var averageOrder: Int64? {
        guard kept > 0 else { return nil }
        let n = Int64(kept)
        return gross >= 0 ? (2 * gross + n) / (2 * n) : -((2 * -gross + n) / (2 * n))
    }
    public var cancellationRate: Double? { orders > 0 ? Double(cancelled) / Double(orders) : nil }
    public var returnRate: Double? { shipped > 0 ? Double(returned) / Double(shipped) : nil }

    mutating func add(_ other: StatsGroup) {
        orders += other.orders; cancelled += other.cancelled; units += other.units
        gross += other.gross; refunds += other.refunds; shipped += other.shipped; returned += other.returned
        shipLead.merge(other.shipLead); deliveryLead.merge(other.deliveryLead)
    }
}

public struct StatsReport: Sendable {
    /// The first and last day, both included.
    public let from: LocalDate
    public let to: LocalDate
    public let timeZone: String
    public let dimensions: [StatsDimension]
    public let groups: [StatsGroup]
    /// The whole period per currency (not the sum of the rows: an order with two
    /// products counts once, and rows beyond the limit count too).
    public let totals: [StatsGroup]
    /// Products or customers left out by the limit.
    public let omitted: Int
    public let limit: Int?
}

/// A period of the report, [start, end) as stored UTC instants.
struct StatsBucket {
    let key: StatsKey
    let start: String
    let end: String
}

extension OrderStore {
    public func stats(_ request: StatsRequest) throws -> StatsReport {
        let dims = request.by
        if dims.count > 2 {
            throw OrderError.invalidValue(field: "by", value: dims.map(\.rawValue).joined(separator: ","), reason: "at most two dimensions")
        }
        if dims.count == 2 {
            if dims[0] == dims[1] { throw OrderError.invalidValue(field: "by", value: dims[0].rawValue, reason: "given twice") }
            if dims[0].isPeriod && dims[1].isPeriod {
                throw OrderError.invalidValue(field: "by", value: "\(dims[0].rawValue),\(dims[1].rawValue)", reason: "at most one period (day, week, month, quarter or year)")
            }
        }
        if let limit = request.limit, limit < 0 {
            throw OrderError.invalidValue(field: "limit", value: String(limit), reason: "expected 0 (all) or more")
        }
        let zone: TimeZone
        if let name = request.timeZone {
            guard let z = TimeZone(identifier: name) else {
                throw OrderError.invalidValue(field: "timezone", value: name, reason: "not a known time zone (e.g. Europe/Berlin, America/New_York, UTC)")
            }
            zone = z
        } else {
            zone = try timeZone()
        }
        let resolver = DateResolver(now: now, zone: zone)
        let today = resolver.today
        let to = try request.to.map { try resolver.date($0, field: "to") } ?? today
        let from = try request.from.map { try resolver.date($0, field: "from") }
            ?? LocalDate(year: today.year, month: today.month, day: 1)!.adding(months: -11)
        if from > to {
            throw OrderError.invalidValue(field: "from", value: from.iso, reason: "after --to \(to.iso)")
        }
        let currency = try request.currency.map { try Currency(code: $0) }

        let period = dims.first(where: \.isPeriod)
        let buckets = try Self.buckets(period, from: from, to: to, zone: zone)
        let rows = try db.read {
            (groups: try statsGroups(dims: dims, buckets: buckets, currency: currency),
             totals: try statsGroups(dims: [], buckets: try Self.buckets(nil, from: from, to: to, zone: zone), currency: currency))
        }
        var groups = rows.groups
        // Periods without orders show as zero rows, so a series has no gaps.
        if dims.count == 1, let period {
            let currencies = Set(groups.map(\.currency.code))
            for code in currencies {
                let c = try Currency(code: code)
                let present = Set(groups.filter { $0.currency == c }.map { $0.keys[0].value })
                for b in buckets where !present.contains(b.key.value) { groups.append(StatsGroup(keys: [b.key], currency: c)) }
            }
            _ = period
        }
        // Top N products or customers per currency, by net revenue over the period.
        var omitted = 0
        let limit = request.limit ?? StatsRequest.defaultLimit
        var score: [String: Int64] = [:]  // per dimension index, currency and key value
        func scoreKey(_ i: Int, _ g: StatsGroup) -> String { "\(i)\u{1F}\(g.currency.code)\u{1F}\(g.keys[i].value)" }
        for g in groups { for i in dims.indices where !dims[i].isPeriod { score[scoreKey(i, g), default: 0] += g.net } }
        if let ranked = dims.firstIndex(where: \.isRanked), limit > 0 {
            var byCurrency: [String: [(String, Int64, String)]] = [:]
            for g in groups {
                let k = scoreKey(ranked, g)
                byCurrency[g.currency.code, default: []].append((g.keys[ranked].value, score[k]!, g.keys[ranked].label))
            }
            var keep = Set<String>()
            for (code, entries) in byCurrency {
                var seen = Set<String>()
                let unique = entries.filter { seen.insert($0.0).inserted }
                let sorted = unique.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.2 < $1.2 }
                for e in sorted.prefix(limit) { keep.insert("\(code)\u{1F}\(e.0)") }
                omitted += max(0, sorted.count - limit)
            }
            groups = groups.filter { keep.contains("\($0.currency.code)\u{1F}\($0.keys[ranked].value)") }
        }
        // Names for ids and codes.
        for i in dims.indices where dims[i] == .customer || dims[i] == .product || dims[i] == .country {
            let ids = Set(groups.map { $0.keys[i].value })
            var labels: [String: StatsKey] = [:]
            for id in ids {
                switch dims[i] {
                case .customer:
                    labels[id] = try db.queryFirst("SELECT name, email FROM customers WHERE id = ?", Int64(id) ?? 0) {
                        StatsKey(value: id, label: $0.string(0), detail: $0.optionalString(1))
                    }
                case .product:
                    labels[id] = try db.queryFirst("SELECT sku, name FROM products WHERE id = ?", Int64(id) ?? 0) {
                        StatsKey(value: id, label: $0.string(0), detail: $0.string(1))
                    }
                default:
                    labels[id] = StatsKey(value: id, label: id.isEmpty ? "(none)" : id,
                                          detail: id.isEmpty ? nil : CountryNames.name(id))
                }
            }
            for j in groups.indices { if let k = labels[groups[j].keys[i].value] { groups[j].keys[i] = k } }
        }
        // Periods in order; other values by their net revenue, largest first.
        groups.sort { a, b in
            for i in dims.indices {
                if a.keys[i].value == b.keys[i].value { continue }
                if dims[i].isPeriod { return a.keys[i].value < b.keys[i].value }
                let sa = score[scoreKey(i, a)] ?? 0, sb = score[scoreKey(i, b)] ?? 0
                if sa != sb { return sa > sb }
                return a.keys[i].label != b.keys[i].label ? a.keys[i].label < b.keys[i].label : a.keys[i].value < b.keys[i].value
            }
            return a.currency.code < b.currency.code
        }
        let totals = rows.totals.sorted { $0.currency.code < $1.currency.code }
        return StatsReport(from: from, to: to, timeZone: zone.identifier, dimensions: dims, groups: dims.isEmpty ? totals : groups,
                           totals: totals,
                           omitted: omitted, limit: dims.contains(where: \.isRanked) && limit > 0 ? limit : nil)
    }

    /// The periods between two days, cut at local midnight in `zone` (a day of 23 or 25
    /// hours stays one day). With no period dimension: the whole range as one bucket.
    static func buckets(_ period: StatsDimension?, from: LocalDate, to: LocalDate, zone: TimeZone) throws -> [StatsBucket] {
        let end = to.adding(days: 1)
        func stamp(_ d: LocalDate) -> String { Instant.format(d.start(in: zone)) }
        guard let period else {
            return [StatsBucket(key: StatsKey(value: "", label: ""), start: stamp(from), end: stamp(end))]
        }
        var out: [StatsBucket] = []
        var day = from
        var startStamp = stamp(from)
        while day < end {
            let next: LocalDate
            let label: String
            switch period {
            case .day:
                next = day.adding(days: 1); label = day.iso
            case .week:
                next = day.adding(days: 8 - day.isoWeekday)
                let (y, w) = day.isoWeek
                label = "\(y)-W\(w < 10 ? "0" : "")\(w)"
            case .month:
                next = LocalDate(year: day.year, month: day.month, day: 1)!.adding(months: 1)
                label = String(day.iso.prefix(7))
            case .quarter:
                let q = (day.month - 1) / 3
                next = LocalDate(year: day.year, month: q * 3 + 1, day: 1)!.adding(months: 3)
                label = "\(day.year)-Q\(q + 1)"
            default:
                next = LocalDate(year: day.year + 1, month: 1, day: 1)!
                label = String(day.year)
            }
            let stop = min(next, end)
            let stopStamp = stamp(stop)
            out.append(StatsBucket(key: StatsKey(value: label, label: label), start: startStamp, end: stopStamp))
            if out.count > StatsRequest.maxPeriods {
                throw OrderError.invalidValue(field: "by", value: period.rawValue,
                                              reason: "more than \(StatsRequest.maxPeriods) periods from \(from.iso) to \(to.iso); narrow --from/--to or group by a longer period")
            }
            day = stop; startStamp = stopStamp
        }
        return out
    }

    /// Runs the aggregate and the lead-time histograms for `dims` over `buckets`.
    private func statsGroups(dims: [StatsDimension], buckets: [StatsBucket], currency: Currency?) throws -> [StatsGroup] {
        let byProduct = dims.contains(.product)
        var keyExprs: [String] = []
        var joins = ""
        for d in dims {
            switch d {
            case .day, .week, .month, .quarter, .year: keyExprs.append("b.k")
            case .channel: keyExprs.append("o.channel")
            case .class: keyExprs.append("o.class")
            case .status: keyExprs.append("o.status")
            case .customer: keyExprs.append("o.customer_id")
            case .country:
                keyExprs.append("coalesce(c.country, '')")
                joins += " JOIN customers c ON c.id = o.customer_id"
            case .product: keyExprs.append("l.product_id")
            }
        }
        if byProduct { joins += " JOIN order_lines l ON l.order_id = o.id" }
        let values = buckets.map { _ in "(?, ?, ?)" }.joined(separator: ", ")
        var args: [any SQLBindable] = []
        for b in buckets { args.append(b.key.value); args.append(b.start); args.append(b.end) }
        var filter = ""
        if let currency { filter = " WHERE o.currency = ?"; args.append(currency.code) }
        let from = """
            WITH b(k, s, e) AS (VALUES \(values))
            SELECT \((keyExprs + ["o.currency"]).enumerated().map { "\($1) AS k\($0)" }.joined(separator: ", ")),
            """
        let source = "FROM b JOIN orders o ON o.placed_at >= b.s AND o.placed_at < b.e\(joins)\(filter)"
        let groupBy = (0...keyExprs.count).map { "k\($0)" }.joined(separator: ", ")
        let kept = "o.status <> 'cancelled'"
        // Per product: its line's units and value; refunds are the value of its returned units.
        let measures = byProduct
            ? """
              count(*), sum(o.status = 'cancelled'),
              sum(CASE WHEN \(kept) THEN l.quantity ELSE 0 END), sum(CASE WHEN \(kept) THEN l.line_total ELSE 0 END),
              sum(CASE WHEN \(kept) THEN l.returned * l.unit_price ELSE 0 END),
              sum(\(kept) AND l.shipped > 0), sum(\(kept) AND l.shipped > 0 AND l.returned > 0)
              """
            : """
              count(*), sum(o.status = 'cancelled'),
              sum(CASE WHEN \(kept) THEN o.item_count ELSE 0 END), sum(CASE WHEN \(kept) THEN o.total ELSE 0 END),
              sum(CASE WHEN \(kept) THEN o.refunded_total ELSE 0 END),
              sum(\(kept) AND o.fulfilment_status <> 'unfulfilled'),
              sum(\(kept) AND o.fulfilment_status IN ('partially_returned', 'returned'))
              """
        var groups: [String: StatsGroup] = [:]
        var order: [String] = []
        let n = keyExprs.count
        var currencies: [String: Currency] = [:]
        func currencyOf(_ code: String) throws -> Currency {
            if let c = currencies[code] { return c }
            let c = try Currency(code: code)
            currencies[code] = c
            return c
        }
        func groupKey(_ row: Row) -> String {
            (0...n).map { row.string($0) }.joined(separator: "\u{1F}")
        }
        try db.forEach("\(from) \(measures) \(source) GROUP BY \(groupBy)", arguments: args) { row in
            let key = groupKey(row)
            let keys = (0..<n).map { StatsKey(value: row.string($0), label: row.string($0)) }
            var g = StatsGroup(keys: keys, currency: try currencyOf(row.string(n)))
            g.orders = row.int(n + 1); g.cancelled = row.int(n + 2)
            g.units = row.int64(n + 3); g.gross = row.int64(n + 4); g.refunds = row.int64(n + 5)
            g.shipped = row.int(n + 6); g.returned = row.int(n + 7)
            groups[key] = g
            order.append(key)
        }
        // Lead times: per order (per order and product), the first shipment and, when every
        // shipment arrived, the last delivery; counted per whole hour.
        let perOrder = byProduct ? "o.id, l.product_id" : "o.id"
        try db.forEach(leadQuery(keyCount: n, values: values, source: source, filter: filter, kept: kept,
                                  keyExprs: keyExprs, perOrder: perOrder, byProduct: byProduct),
                       arguments: args) { row in
            let key = groupKey(row)
            guard var g = groups[key] else { return }
            let count = row.int(n + 3)
            if !row.isNull(n + 1) { g.shipLead.add(row.int64(n + 1), count) }
            if !row.isNull(n + 2) { g.deliveryLead.add(row.int64(n + 2), count) }
            groups[key] = g
        }
        return order.map { groups[$0]! }
    }

    private func leadQuery(keyCount n: Int, values: String, source: String, filter: String, kept: String,
                           keyExprs: [String], perOrder: String, byProduct: Bool) -> String {
        let inner = (keyExprs + ["o.currency"]).enumerated().map { "\($1) AS k\($0)" }.joined(separator: ", ")
        let keys = (0...n).map { "k\($0)" }.joined(separator: ", ")
        let shipmentJoin = " JOIN shipments s ON s.order_id = o.id"
        let sourceWithShipments: String
        if let range = source.range(of: " WHERE ") {
            sourceWithShipments = source[..<range.lowerBound] + shipmentJoin + " WHERE " + source[range.upperBound...] + " AND \(kept)"
        } else {
            sourceWithShipments = source + shipmentJoin + " WHERE \(kept)"
        }
        return """
            WITH b(k, s, e) AS (VALUES \(values))
            SELECT \(keys), (unixepoch(f) - unixepoch(p)) / 3600 AS sh,
                   CASE WHEN u = 0 THEN (unixepoch(d) - unixepoch(f)) / 3600 END AS de, count(*)
            FROM (SELECT \(inner), o.placed_at AS p, min(s.shipped_at) AS f, max(s.delivered_at) AS d,
                         count(*) - count(s.delivered_at) AS u
                  \(sourceWithShipments)
                  GROUP BY \(perOrder))
            GROUP BY \(keys), sh, de
            """
    }
}
