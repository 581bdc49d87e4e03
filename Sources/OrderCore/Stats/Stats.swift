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
            throw .invalidValue(
                field: "by", value: text, reason: "expected one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return d
    }
}

extension StatsRequest {
    /// The checks that need no database: at most two dimensions, not the same one twice,
    /// at most one period, and a limit of 0 (all) or more.
    public static func checkShape(by dims: [StatsDimension], limit: Int?) throws(OrderError) {
        if dims.count > 2 {
            throw OrderError.invalidValue(
                field: "by", value: dims.map(\.rawValue).joined(separator: ","), reason: "at most two dimensions")
        }
        if dims.count == 2 {
            if dims[0] == dims[1] {
                throw OrderError.invalidValue(field: "by", value: dims[0].rawValue, reason: "given twice")
            }
            if dims[0].isPeriod && dims[1].isPeriod {
                throw OrderError.invalidValue(
                    field: "by", value: "\(dims[0].rawValue),\(dims[1].rawValue)",
                    reason: "at most one period (day, week, month, quarter or year)")
            }
        }
        if let limit = limit, limit < 0 {
            throw OrderError.invalidValue(field: "limit", value: String(limit), reason: "expected 0 (all) or more")
        }
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

    public init(
        from: String? = nil, to: String? = nil, by: [StatsDimension] = [], currency: String? = nil,
        timeZone: String? = nil, limit: Int? = nil
    ) {
        self.from = from
        self.to = to
        self.by = by
        self.currency = currency
        self.timeZone = timeZone
        self.limit = limit
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

    /// Adds n orders of `hours` (n may be negative: the stats take days off a month's sums).
    public mutating func add(_ hours: Int64, _ n: Int = 1) {
        let new = counts[hours, default: 0] + n
        counts[hours] = new == 0 ? nil : new
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
        self.value = value
        self.label = label
        self.detail = detail
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
        self.keys = keys
        self.currency = currency
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
        try stats(request, summaries: true)
    }

    /// `summaries: false` computes everything from the orders (tests compare the two).
    func stats(_ request: StatsRequest, summaries: Bool) throws -> StatsReport {
        let dims = request.by
        try StatsRequest.checkShape(by: dims, limit: request.limit)
        let (from, to, zone) = try statsFrame(from: request.from, to: request.to, timeZone: request.timeZone)
        let currency = try request.currency.map { try Currency(code: $0) }

        let period = dims.first(where: \.isPeriod)
        let buckets = try Self.buckets(period, from: from, to: to, zone: zone)
        let limit = request.limit ?? StatsRequest.defaultLimit
        let whole = try Self.buckets(nil, from: from, to: to, zone: zone)
        var omitted = 0
        let rows = try db.read {
            // The top customers are found first, from one lean pass over the period's
            // orders; only theirs are then read whole.
            var only: [String: [Int64]]?
            if summaries, dims.first(where: \.isRanked) == .customer, limit > 0 {
                let top = try topCustomers(whole[0], currency: currency, limit: limit)
                // (Thousands tied, e.g. at zero: cheaper to read them all.)
                if top.candidates.values.map(\.count).reduce(0, +) <= 1000 {
                    only = top.candidates
                    omitted = top.others
                }
            }
            return (
                groups: dims.isEmpty
                    ? []
                    : try statsGroups(
                        dims: dims, buckets: buckets, currency: currency, summaries: summaries,
                        customers: only),
                totals: try statsGroups(dims: [], buckets: whole, currency: currency, summaries: summaries)
            )
        }
        var groups = rows.groups
        // Periods without orders show as zero rows, so a series has no gaps.
        if dims.count == 1, period != nil {
            let currencies = Set(groups.map(\.currency.code))
            for code in currencies {
                let c = try Currency(code: code)
                let present = Set(groups.filter { $0.currency == c }.map { $0.keys[0].value })
                for b in buckets where !present.contains(b.key.value) {
                    groups.append(StatsGroup(keys: [b.key], currency: c))
                }
            }
        }
        // Names for ids and codes (before ranking: ties go by name).
        for i in dims.indices where dims[i] == .customer || dims[i] == .product || dims[i] == .country {
            let ids = Set(groups.map { $0.keys[i].value })
            var labels: [String: StatsKey] = [:]
            // Many ids: one pass over the table beats a lookup each.
            if ids.count > 200 && (dims[i] == .customer || dims[i] == .product) {
                let sql =
                    dims[i] == .customer
                    ? "SELECT id, name, email FROM customers" : "SELECT id, sku, name FROM products"
                try db.forEach(sql) { row in
                    let id = String(row.int64(0))
                    if ids.contains(id) {
                        labels[id] = StatsKey(value: id, label: row.string(1), detail: row.optionalString(2))
                    }
                }
            }
            for id in ids where labels[id] == nil {
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
                    labels[id] = StatsKey(
                        value: id, label: id.isEmpty ? "(none)" : id,
                        detail: id.isEmpty ? nil : CountryNames.name(id))
                }
            }
            for j in groups.indices { if let k = labels[groups[j].keys[i].value] { groups[j].keys[i] = k } }
        }
        // Top N products or customers per currency, by net revenue over the period.
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
        // Periods in order; other values by their net revenue, largest first.
        groups.sort { a, b in
            for i in dims.indices {
                if a.keys[i].value == b.keys[i].value { continue }
                if dims[i].isPeriod { return a.keys[i].value < b.keys[i].value }
                let sa = score[scoreKey(i, a)] ?? 0
                let sb = score[scoreKey(i, b)] ?? 0
                if sa != sb { return sa > sb }
                return a.keys[i].label != b.keys[i].label
                    ? a.keys[i].label < b.keys[i].label : a.keys[i].value < b.keys[i].value
            }
            return a.currency.code < b.currency.code
        }
        let totals = rows.totals.sorted { $0.currency.code < $1.currency.code }
        return StatsReport(
            from: from, to: to, timeZone: zone.identifier, dimensions: dims, groups: dims.isEmpty ? totals : groups,
            totals: totals,
            omitted: omitted, limit: dims.contains(where: \.isRanked) && limit > 0 ? limit : nil)
    }

    /// A report's first and last day and its zone: `timeZone` or the business zone; by
    /// default the 12 calendar months to today.
    func statsFrame(from: String?, to: String?, timeZone name: String?) throws -> (
        from: LocalDate, to: LocalDate, zone: TimeZone
    ) {
        let zone: TimeZone
        if let name {
            guard let z = TimeZone(identifier: name) else {
                throw OrderError.invalidValue(
                    field: "timezone", value: name,
                    reason: "not a known time zone (e.g. Europe/Berlin, America/New_York, UTC)")
            }
            zone = z
        } else {
            zone = try timeZone()
        }
        let resolver = DateResolver(now: now, zone: zone)
        let today = resolver.today
        let last = try to.map { try resolver.date($0, field: "to") } ?? today
        let first =
            try from.map { try resolver.date($0, field: "from") }
            ?? LocalDate(year: today.year, month: today.month, day: 1)!.adding(months: -11)
        if first > last {
            throw OrderError.invalidValue(field: "from", value: first.iso, reason: "after --to \(last.iso)")
        }
        return (first, last, zone)
    }

    /// The periods between two days, cut at local midnight in `zone` (a day of 23 or 25
    /// hours stays one day). With no period dimension: the whole range as one bucket.
    static func buckets(_ period: StatsDimension?, from: LocalDate, to: LocalDate, zone: TimeZone) throws
        -> [StatsBucket]
    {
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
                next = day.adding(days: 1)
                label = day.iso
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
                throw OrderError.invalidValue(
                    field: "by", value: period.rawValue,
                    reason:
                        "more than \(StatsRequest.maxPeriods) periods from \(from.iso) to \(to.iso); narrow --from/--to or group by a longer period"
                )
            }
            day = stop
            startStamp = stopStamp
        }
        return out
    }

    /// The figures for `dims` over `buckets`: from the daily sums where they serve (periods
    /// and products), else from the orders themselves.
    func statsGroups(
        dims: [StatsDimension], buckets: [StatsBucket], currency: Currency?, summaries: Bool,
        customers: [String: [Int64]]? = nil
    ) throws -> [StatsGroup] {
        var acc = StatsAccumulator()
        let summarised = summaries && dims.allSatisfy { $0.isPeriod || $0 == .product }
        guard summarised else {
            try rawGroups(
                dims: dims, spans: buckets.map { ($0.key.value, $0.start, $0.end) }, currency: currency,
                customers: customers, into: &acc)
            return acc.groups
        }
        // Whole UTC days from the sums; the hours at the edges of each period from the orders.
        var whole: [(String, String, String)] = []
        var partial: [(String, String, String)] = []
        for b in buckets { Self.split(b, whole: &whole, partial: &partial) }
        let (months, days, minusDays) = Self.monthsAndDays(whole)
        if !months.isEmpty {
            try summaryGroups(
                dims: dims, spans: months, table: "monthly", column: "month", currency: currency, into: &acc)
        }
        if !days.isEmpty {
            try summaryGroups(dims: dims, spans: days, table: "daily", column: "day", currency: currency, into: &acc)
        }
        if !minusDays.isEmpty {
            try summaryGroups(
                dims: dims, spans: minusDays, table: "daily", column: "day", currency: currency, sign: -1, into: &acc)
        }
        if !partial.isEmpty { try rawGroups(dims: dims, spans: partial, currency: currency, into: &acc) }
        // A product (a currency) sold only on days taken off a month nets to no orders: not a row.
        return minusDays.isEmpty ? acc.groups : acc.groups.filter { $0.orders != 0 }
    }

    /// Cuts a period into the whole UTC days it covers (first and last day, both included)
    /// and the stretches before and after them, as (key, from, to).
    static func split(
        _ b: StatsBucket, whole: inout [(String, String, String)], partial: inout [(String, String, String)]
    ) {
        let startDay = String(b.start.prefix(10))
        let endDay = String(b.end.prefix(10))
        func midnight(_ stamp: String) -> Bool { stamp.hasSuffix("T00:00:00Z") }
        func shift(_ day: String, _ n: Int) -> String { LocalDate(iso: day)!.adding(days: n).iso }
        let key = b.key.value
        if startDay == endDay {
            partial.append((key, b.start, b.end))
            return
        }
        var first = startDay
        if !midnight(b.start) {
            first = shift(startDay, 1)
            partial.append((key, b.start, first + "T00:00:00Z"))
        }
        let last = shift(endDay, -1)
        if !midnight(b.end) { partial.append((key, endDay + "T00:00:00Z", b.end)) }
        if first <= last { whole.append((key, first, last)) }
    }

    /// Reads runs of whole days (key, first, last) from as few summary rows as it can: a
    /// calendar month the run covers whole, or more than half of, is read as the month
    /// (key, "YYYY-MM", "YYYY-MM") less the days of it outside the run; other days as days.
    /// (Periods cut in a zone east of UTC never cover a whole UTC month: January in Berlin
    /// is 31 December 23:00 to 31 January 23:00 UTC.)
    static func monthsAndDays(_ runs: [(String, String, String)])
        -> (months: [(String, String, String)], days: [(String, String, String)], minusDays: [(String, String, String)])
    {
        var months: [(String, String, String)] = []
        var days: [(String, String, String)] = []
        var minus: [(String, String, String)] = []
        for (key, f, l) in runs {
            let first = LocalDate(iso: f)!
            let last = LocalDate(iso: l)!
            var monthStart = LocalDate(year: first.year, month: first.month, day: 1)!
            while monthStart <= last {
                let monthEnd = monthStart.adding(months: 1).adding(days: -1)
                let from = max(first, monthStart)
                let to = min(last, monthEnd)
                let covered = from.days(until: to) + 1
                let length = monthStart.days(until: monthEnd) + 1
                if covered * 2 > length {
                    let month = String(monthStart.iso.prefix(7))
                    months.append((key, month, month))
                    if monthStart < from { minus.append((key, monthStart.iso, from.adding(days: -1).iso)) }
                    if to < monthEnd { minus.append((key, to.adding(days: 1).iso, monthEnd.iso)) }
                } else {
                    days.append((key, from.iso, to.iso))
                }
                monthStart = monthStart.adding(months: 1)
            }
        }
        return (months, days, minus)
    }

    /// From the orders (and their lines, by product) placed in each span.
    /// The customers with the largest net revenue over `period`, per currency: the top
    /// `limit` and any tied with the last of them (the report breaks ties by name), and
    /// how many customers with orders in the period are left out.
    private func topCustomers(_ period: StatsBucket, currency: Currency?, limit: Int) throws -> (
        candidates: [String: [Int64]], others: Int
    ) {
        let codes =
            try currency.map { [$0.code] }
            ?? db.query("SELECT DISTINCT currency FROM stats_monthly WHERE orders > 0 ORDER BY 1") { $0.string(0) }
        // Customer ids are dense: an array per currency, not a dictionary.
        let maxID = Int(try db.scalarInt("SELECT coalesce(max(id), 0) FROM customers"))
        var candidates: [String: [Int64]] = [:]
        var others = 0
        for code in codes {
            var sums = [Int64](repeating: 0, count: maxID + 1)
            var seen = [Bool](repeating: false, count: maxID + 1)
            // orders_stats_customer holds every column read: the rows are never visited.
            try db.forEach(
                """
                SELECT customer_id, iif(status <> 'cancelled', total - refunded_total, 0) FROM orders INDEXED BY orders_stats_customer
                WHERE placed_at >= ? AND placed_at < ? AND currency = ?
                """, arguments: [period.start, period.end, code]
            ) { row in
                let id = row.int(0)
                guard id >= 0 && id <= maxID else { return }
                sums[id] += row.int64(1)
                seen[id] = true
            }
            var values: [Int64] = []
            for id in 0...maxID where seen[id] { values.append(sums[id]) }
            guard values.count > limit else {
                for id in 0...maxID where seen[id] { candidates[code, default: []].append(Int64(id)) }
                continue
            }
            values.sort(by: >)
            let threshold = values[limit - 1]
            var kept = 0
            for id in 0...maxID where seen[id] && sums[id] >= threshold {
                candidates[code, default: []].append(Int64(id))
                kept += 1
            }
            others += values.count - kept
        }
        return (candidates, others)
    }

    private func rawGroups(
        dims: [StatsDimension], spans: [(String, String, String)], currency: Currency?,
        customers: [String: [Int64]]? = nil, into acc: inout StatsAccumulator
    ) throws {
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
        var args: [any SQLBindable] = []
        for (k, s, e) in spans {
            args.append(k)
            args.append(s)
            args.append(e)
        }
        var conditions: [String] = []
        if let currency {
            conditions.append("o.currency = ?")
            args.append(currency.code)
        }
        if let customers {
            // Each currency's own top customers only.
            var alternatives: [String] = []
            for (code, ids) in customers.sorted(by: { $0.key < $1.key }) where !ids.isEmpty {
                alternatives.append(
                    "(o.currency = ? AND o.customer_id IN (\(ids.map { _ in "?" }.joined(separator: ", "))))")
                args.append(code)
                args += ids.map { $0 as any SQLBindable }
            }
            conditions.append(alternatives.isEmpty ? "0" : "(" + alternatives.joined(separator: " OR ") + ")")
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let n = keyExprs.count
        let kept = "o.status <> 'cancelled'"
        // Per product: the orders holding it (an order may hold it on several lines, at
        // several prices), its lines' units and value; refunds are the value of its
        // returned units; lead times belong to orders, not products.
        let measures =
            byProduct
            ? """
            NULL, NULL, count(DISTINCT o.id), count(DISTINCT iif(o.status = 'cancelled', o.id, NULL)),
            sum(iif(\(kept), l.quantity, 0)), sum(iif(\(kept), l.line_total, 0)),
            sum(iif(\(kept), l.returned * l.unit_price, 0)),
            count(DISTINCT iif(\(kept) AND l.shipped > 0, o.id, NULL)),
            count(DISTINCT iif(\(kept) AND l.shipped > 0 AND l.returned > 0, o.id, NULL))
            """
            : """
            iif(\(kept), o.ship_hours, NULL) AS sh, iif(\(kept), o.delivery_hours, NULL) AS dh,
            count(*), sum(o.status = 'cancelled'),
            sum(iif(\(kept), o.item_count, 0)), sum(iif(\(kept), o.total, 0)), sum(iif(\(kept), o.refunded_total, 0)),
            sum(\(kept) AND o.fulfilment_status <> 'unfulfilled'),
            sum(\(kept) AND o.fulfilment_status IN ('partially_returned', 'returned'))
            """
        let keys = (keyExprs + ["o.currency"]).enumerated().map { "\($1) AS k\($0)" }.joined(separator: ", ")
        let groupBy = (0...n).map { "k\($0)" }.joined(separator: ", ") + (byProduct ? "" : ", sh, dh")
        let sql = """
            WITH b(k, s, e) AS (VALUES \(spans.map { _ in "(?, ?, ?)" }.joined(separator: ", ")))
            SELECT \(keys), \(measures)
            FROM b JOIN orders o ON o.placed_at >= b.s AND o.placed_at < b.e\(joins)\(filter)
            GROUP BY \(groupBy)
            """
        try db.forEach(sql, arguments: args) { row in
            try acc.update((0..<n).map { row.string($0) }, currency: row.string(n)) { g in
                let count = row.int(n + 3)
                g.orders += count
                g.cancelled += row.int(n + 4)
                g.units += row.int64(n + 5)
                g.gross += row.int64(n + 6)
                g.refunds += row.int64(n + 7)
                g.shipped += row.int(n + 8)
                g.returned += row.int(n + 9)
                if !row.isNull(n + 1) { g.shipLead.add(row.int64(n + 1), count) }
                if !row.isNull(n + 2) { g.deliveryLead.add(row.int64(n + 2), count) }
            }
        }
    }

    /// From the daily or monthly sums, for whole UTC days or months (key, first, last).
    private func summaryGroups(
        dims: [StatsDimension], spans: [(String, String, String)], table: String, column: String,
        currency: Currency?, sign: Int = 1, into acc: inout StatsAccumulator
    ) throws {
        let s64 = Int64(sign)
        var args: [any SQLBindable] = []
        for (k, f, l) in spans {
            args.append(k)
            args.append(f)
            args.append(l)
        }
        var filter = ""
        if let currency {
            filter = " AND d.currency = ?"
            args.append(currency.code)
        }
        let values = "WITH b(k, f, l) AS (VALUES \(spans.map { _ in "(?, ?, ?)" }.joined(separator: ", ")))"
        let keyExprs = dims.map { $0 == .product ? "d.product_id" : "b.k" }
        let n = keyExprs.count
        let keys = (keyExprs + ["d.currency"]).enumerated().map { "\($1) AS k\($0)" }.joined(separator: ", ")
        let groupBy = (0...n).map { "k\($0)" }.joined(separator: ", ")
        // The product sums count lines and returned value where the order sums count
        // orders and refunds; lead times are kept per order only.
        let byProduct = dims.contains(.product)
        let sql = """
            \(values) SELECT \(keys), sum(d.\(byProduct ? "lines" : "orders")), sum(d.cancelled), sum(d.units), sum(d.gross),
                   sum(d.\(byProduct ? "returned_value" : "refunds")), sum(d.shipped), sum(d.returned)
            FROM b JOIN stats_\(table)\(byProduct ? "_product" : "") d ON d.\(column) >= b.f AND d.\(column) <= b.l\(filter)
            GROUP BY \(groupBy)
            """
        try db.forEach(sql, arguments: args) { row in
            try acc.update((0..<n).map { row.string($0) }, currency: row.string(n)) { g in
                g.orders += sign * row.int(n + 1)
                g.cancelled += sign * row.int(n + 2)
                g.units += s64 * row.int64(n + 3)
                g.gross += s64 * row.int64(n + 4)
                g.refunds += s64 * row.int64(n + 5)
                g.shipped += sign * row.int(n + 6)
                g.returned += sign * row.int(n + 7)
            }
        }
        if byProduct { return }
        let lead = """
            \(values) SELECT \(keys), d.kind, d.hours, sum(d.orders)
            FROM b JOIN stats_\(table)_lead d ON d.\(column) >= b.f AND d.\(column) <= b.l\(filter)
            GROUP BY \(groupBy), d.kind, d.hours
            """
        try db.forEach(lead, arguments: args) { row in
            let count = sign * row.int(n + 3)
            guard count != 0 else { return }
            try acc.update((0..<n).map { row.string($0) }, currency: row.string(n)) { g in
                if row.string(n + 1) == "ship" {
                    g.shipLead.add(row.int64(n + 2), count)
                } else {
                    g.deliveryLead.add(row.int64(n + 2), count)
                }
            }
        }
    }
}

/// Groups by their key values and currency, in the order first seen.
struct StatsAccumulator {
    private var index: [String: Int] = [:]
    private(set) var groups: [StatsGroup] = []
    private var currencies: [String: Currency] = [:]

    /// Changes the group for these key values in place (creating it).
    mutating func update(_ keys: [String], currency code: String, _ change: (inout StatsGroup) -> Void) throws {
        let key = (keys + [code]).joined(separator: "\u{1F}")
        if let slot = index[key] {
            change(&groups[slot])
            return
        }
        let currency: Currency
        if let c = currencies[code] {
            currency = c
        } else {
            currency = try Currency(code: code)
            currencies[code] = currency
        }
        groups.append(StatsGroup(keys: keys.map { StatsKey(value: $0, label: $0) }, currency: currency))
        index[key] = groups.count - 1
        change(&groups[groups.count - 1])
    }
}
