import Foundation
import OrderCore

/// `orderctl stats` as a table, CSV and JSON. The CSV and JSON field names are a public
/// interface (README).
enum StatsOutput {
    static let metricHeader = [
        "currency", "orders", "cancelled", "units", "gross", "refunds", "net", "average_order",
        "cancellation_rate", "return_rate", "ship_hours_median", "ship_hours_p90",
        "delivery_hours_median", "delivery_hours_p90",
    ]

    static func keyHeader(_ d: StatsDimension) -> [String] {
        switch d {
        case .customer: return ["customer_id", "customer", "email"]
        case .product: return ["sku", "product"]
        default: return [d.rawValue]
        }
    }

    static func keyFields(_ d: StatsDimension, _ k: StatsKey) -> [String] {
        switch d {
        case .customer: return [k.value, k.label, k.detail ?? ""]
        case .product: return [k.label, k.detail ?? ""]
        case .country: return [k.value]
        default: return [k.value]
        }
    }

    static func money(_ minor: Int64, _ c: Currency) -> String { Money(minor: minor, currency: c).decimalString }

    /// A rate as a plain decimal fraction, 4 places: 0.1250.
    static func fraction(_ r: Double?) -> String {
        guard let r else { return "" }
        let scaled = Int((r * 10000).rounded())
        let s = String(scaled % 10000)
        return "\(scaled / 10000)." + String(repeating: "0", count: 4 - s.count) + s
    }

    static func metricFields(_ g: StatsGroup) -> [String] {
        [
            g.currency.code, String(g.orders), String(g.cancelled), String(g.units), money(g.gross, g.currency),
            money(g.refunds, g.currency), money(g.net, g.currency), g.averageOrder.map { money($0, g.currency) } ?? "",
            fraction(g.cancellationRate), fraction(g.returnRate),
            g.shipLead.median.map(String.init) ?? "", g.shipLead.p90.map(String.init) ?? "",
            g.deliveryLead.median.map(String.init) ?? "", g.deliveryLead.p90.map(String.init) ?? "",
        ]
    }

    static func csv(_ r: StatsReport, totals: Bool) {
        let header = r.dimensions.flatMap(keyHeader) + metricHeader
        var rows = r.groups.map { g in zip(r.dimensions, g.keys).flatMap { keyFields($0, $1) } + metricFields(g) }
        if totals && !r.dimensions.isEmpty {
            for t in r.totals {
                var keys = r.dimensions.flatMap { Array(repeating: "", count: keyHeader($0).count) }
                if !keys.isEmpty { keys[0] = "total" }
                rows.append(keys + metricFields(t))
            }
        }
        CSV.write(header: header, rows: rows) { $0 }
    }

    static func jsonGroup(_ g: StatsGroup, dims: [StatsDimension]) -> JSONObject {
        var o: JSONObject = [
            "currency": g.currency.code, "orders": g.orders, "cancelled": g.cancelled, "units": g.units,
            "gross": money(g.gross, g.currency), "refunds": money(g.refunds, g.currency),
            "net": money(g.net, g.currency),
            "average_order": orNull(g.averageOrder.map { money($0, g.currency) }),
            "cancellation_rate": orNull(g.cancellationRate.map { JSONNumber(fraction($0)) }),
            "return_rate": orNull(g.returnRate.map { JSONNumber(fraction($0)) }),
            "ship_hours": lead(g.shipLead), "delivery_hours": lead(g.deliveryLead),
        ]
        for (d, k) in zip(dims, g.keys) {
            switch d {
            case .customer:
                o["customer"] = ["id": Int64(k.value) ?? 0, "name": k.label, "email": orNull(k.detail)] as JSONObject
            case .product:
                o["product"] = ["sku": k.label, "name": k.detail ?? ""] as JSONObject
            case .country:
                o["country"] = orNull(k.value.isEmpty ? nil : k.value)
            default:
                o[d.rawValue] = k.value
            }
        }
        return o
    }

    static func lead(_ h: HourHistogram) -> JSONObject {
        ["orders": h.count, "median": orNull(h.median), "p90": orNull(h.p90)]
    }

    static func json(_ r: StatsReport) -> String {
        let o: JSONObject = [
            "from": r.from.iso, "to": r.to.iso, "time_zone": r.timeZone, "by": r.dimensions.map(\.rawValue),
            "groups": r.groups.map { jsonGroup($0, dims: r.dimensions) },
            "totals": r.totals.map { jsonGroup($0, dims: []) },
            "omitted": r.omitted, "limit": orNull(r.limit),
        ]
        return JSON.render(o)
    }

    /// Hours as days with one decimal: "1.5".
    static func days(_ hours: Int64?) -> String {
        guard let hours else { return "–" }
        // Times are checked to follow the placing; one recorded before it reads as none.
        let tenths = (max(0, hours) * 10 + 12) / 24
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func percent(_ r: Double?) -> String {
        guard let r else { return "–" }
        let tenths = Int((r * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    static func leadDays(_ h: HourHistogram) -> String {
        h.count == 0 ? "–" : "\(Self.days(h.median))/\(Self.days(h.p90))"
    }

    /// A bar of up to `width` cells, in eighths.
    static func bar(_ value: Int64, max: Int64, width: Int) -> String {
        guard max > 0, value > 0, width > 0 else { return "" }
        let eighths = Int((Double(value) / Double(max) * Double(width * 8)).rounded())
        let full = eighths / 8
        let rest = eighths % 8
        let parts = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(repeating: "█", count: full) + parts[rest]
    }

    static func table(_ r: StatsReport, width: Int?) -> String {
        let multiCurrency = Set(r.totals.map(\.currency.code)).count > 1
        var columns: [Table.Column] = r.dimensions.map {
            Table.Column(title: $0.rawValue.uppercased(), flexible: !$0.isPeriod)
        }
        if r.dimensions.isEmpty { columns.append(Table.Column(title: "")) }
        if multiCurrency { columns.append(Table.Column(title: "CUR")) }
        let metrics = ["ORDERS", "UNITS", "GROSS", "REFUNDS", "NET", "AVG", "CANC", "RET", "SHIP d", "DELIV d"]
        columns += metrics.map { Table.Column(title: $0, align: .right) }
        func cells(_ g: StatsGroup) -> [String] {
            var c = multiCurrency ? [g.currency.code] : []
            c += [
                String(g.orders), String(g.units), money(g.gross, g.currency), money(g.refunds, g.currency),
                money(g.net, g.currency), g.averageOrder.map { money($0, g.currency) } ?? "–",
                percent(g.cancellationRate), percent(g.returnRate), leadDays(g.shipLead), leadDays(g.deliveryLead),
            ]
            return c
        }
        // Without a dimension the Total row is the whole report.
        let groups = r.dimensions.isEmpty ? [] : r.groups
        var rows: [[String]] = groups.map { g in
            (r.dimensions.isEmpty ? [""] : zip(r.dimensions, g.keys).map { d, k in k.label }) + cells(g)
        }
        let netMax = Dictionary(grouping: r.groups, by: \.currency.code).mapValues { $0.map(\.net).max() ?? 0 }
        // The bar takes what the terminal has left, 8 to 24 cells.
        var probe = Table(columns)
        for row in rows { probe.add(row) }
        let used = probe.render(width: nil).split(separator: "\n").map { Table.displayWidth(String($0)) }.max() ?? 0
        let barWidth = max(4, min(24, (width ?? 100) - used - 2))
        if !r.dimensions.isEmpty {
            columns.append(Table.Column(title: ""))
            rows = zip(rows, groups).map { row, g in
                row + [bar(g.net, max: netMax[g.currency.code] ?? 0, width: barWidth)]
            }
        }
        var table = Table(columns)
        for row in rows { table.add(row) }
        for t in r.totals {
            var row = Array(repeating: "", count: max(1, r.dimensions.count))
            row[0] = "Total"
            row += cells(t)
            if !r.dimensions.isEmpty { row.append("") }
            table.add(row)
        }
        table.stylers[0] = { $0 == "Total" ? Terminal.style($0, .bold) : $0 }
        return table.render(width: width)
    }
}

/// A number written as it is (already formatted).
struct JSONNumber: JSONEncodable {
    let text: String
    init(_ text: String) { self.text = text }
    /// A rounded number; NaN and infinities are null.
    init(_ value: Double, digits: Int) { text = value.isFinite ? String(format: "%.\(digits)f", value) : "null" }
    func writeJSON(into out: inout String, indent: Int) { out += text }
}
