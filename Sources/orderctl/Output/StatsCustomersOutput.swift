import Foundation
import OrderCore

/// `orderctl stats customers` as text, CSV and JSON.
enum StatsCustomersOutput {
    /// A stored UTC instant as its day in the analysis's time zone (not its UTC date).
    static func localDay(_ instant: String, _ a: CustomerAnalysis) -> String {
        guard let at = Instant.parse(instant), let zone = TimeZone(identifier: a.timeZone) else {
            return String(instant.prefix(10))
        }
        return LocalDate(at, in: zone).iso
    }

    static func text(_ a: CustomerAnalysis, top: Int) -> String {
        let range = "\(a.from.iso) to \(a.to.iso) (\(a.timeZone))"
        guard !a.blocks.isEmpty else { return "No purchases from \(range)." }
        var out: [String] = []
        for b in a.blocks {
            let c = b.currency
            let repeaters = b.customers.filter { $0.orders > 1 }.count
            out.append(
                "Customers who bought from \(range)\(a.blocks.count > 1 ? ", in \(c.code)" : ""): \(b.customers.count)")
            out.append(
                "Repeat purchase rate: \(StatsOutput.percent(b.repeatRate)) (\(repeaters) bought more than once)")
            if b.gapDays.count > 0 {
                out.append(
                    "Days between a customer's orders: median \(b.gapDays.median!), 90th percentile \(b.gapDays.p90!) (\(b.gapDays.count) gaps)"
                )
            } else {
                out.append("Days between a customer's orders: – (nobody ordered twice)")
            }
            out.append("")
            var dist = Table([
                Table.Column(title: "ORDERS"), Table.Column(title: "CUSTOMERS", align: .right),
                Table.Column(title: "SHARE", align: .right),
            ])
            for (label, n) in b.distribution {
                dist.add([label, String(n), StatsOutput.percent(Double(n) / Double(b.customers.count))])
            }
            out.append(dist.render())
            out.append("")
            var tops = Table([
                Table.Column(title: "TOP CUSTOMERS", flexible: true), Table.Column(title: "ORDERS", align: .right),
                Table.Column(title: "NET \(c.code)", align: .right), Table.Column(title: "LAST ORDER"),
                Table.Column(title: "R F M"), Table.Column(title: "SEGMENT"),
            ])
            for f in b.top(top) {
                tops.add([
                    f.email.map { "\(f.name) <\($0)>" } ?? f.name, String(f.orders), StatsOutput.money(f.net, c),
                    localDay(f.last, a),
                    "\(f.r) \(f.f) \(f.m)", f.segment.rawValue,
                ])
            }
            out.append(tops.render(width: Terminal.width))
            out.append("")
            var seg = Table([
                Table.Column(title: "SEGMENT"), Table.Column(title: "CUSTOMERS", align: .right),
                Table.Column(title: "SHARE", align: .right),
                Table.Column(title: "NET \(c.code)", align: .right), Table.Column(title: "RULE", flexible: true),
            ])
            for s in RFMSegment.allCases {
                let members = b.segment(s)
                seg.add([
                    s.rawValue, String(members.count),
                    StatsOutput.percent(Double(members.count) / Double(b.customers.count)),
                    StatsOutput.money(members.map(\.net).reduce(0, +), c), s.rule,
                ])
            }
            out.append(seg.render(width: Terminal.width))
            out.append(RFMSegment.scoring + ".")
            out.append("")
        }
        return out.dropLast().joined(separator: "\n")
    }

    static let csvHeader = [
        "customer_id", "customer", "email", "currency", "orders", "net", "first_order", "last_order",
        "recency_days", "r", "f", "m", "segment",
    ]

    static func csvRow(_ f: CustomerFigures, _ c: Currency) -> [String] {
        [
            String(f.id), f.name, f.email ?? "", c.code, String(f.orders), StatsOutput.money(f.net, c), f.first, f.last,
            String(f.recencyDays), String(f.r), String(f.f), String(f.m), f.segment.rawValue,
        ]
    }

    static func csv(_ a: CustomerAnalysis) {
        let rows = a.blocks.flatMap { b in b.customers.map { (b.currency, $0) } }
        CSV.write(header: csvHeader, rows: rows) { csvRow($0.1, $0.0) }
    }

    static func json(_ f: CustomerFigures, _ c: Currency) -> JSONObject {
        [
            "id": f.id, "name": f.name, "email": orNull(f.email), "orders": f.orders,
            "net": StatsOutput.money(f.net, c), "currency": c.code,
            "first_order": f.first, "last_order": f.last, "recency_days": f.recencyDays, "r": f.r, "f": f.f, "m": f.m,
            "segment": f.segment.rawValue,
        ]
    }

    static func json(_ a: CustomerAnalysis, top: Int) -> String {
        let blocks: [JSONObject] = a.blocks.map { b in
            let segments: [JSONObject] = RFMSegment.allCases.map { s in
                let members = b.segment(s)
                return [
                    "segment": s.rawValue, "rule": s.rule, "customers": members.count,
                    "net": StatsOutput.money(members.map(\.net).reduce(0, +), b.currency),
                ]
            }
            return [
                "currency": b.currency.code, "customers": b.customers.count,
                "repeat_rate": orNull(b.repeatRate.map { JSONNumber(StatsOutput.fraction($0)) }),
                "days_between_orders": [
                    "gaps": b.gapDays.count, "median": orNull(b.gapDays.median), "p90": orNull(b.gapDays.p90),
                ] as JSONObject,
                "orders_per_customer": b.distribution.map {
                    ["orders": $0.label, "customers": $0.customers] as JSONObject
                },
                "top": b.top(top).map { json($0, b.currency) },
                "segments": segments,
            ]
        }
        return JSON.render(
            [
                "from": a.from.iso, "to": a.to.iso, "time_zone": a.timeZone, "scoring": RFMSegment.scoring,
                "currencies": blocks,
            ] as JSONObject)
    }

    static func show(
        _ customer: Customer, figures: [CustomerFigures], products: [PreferredProduct], analysis a: CustomerAnalysis,
        json: Bool, csv: Bool
    ) {
        if json {
            let blocks = a.blocks.compactMap { b in b.customers.first { $0.id == customer.id }.map { (b.currency, $0) }
            }
            Terminal.print(
                JSON.render(
                    [
                        "customer": ["id": customer.id, "name": customer.name, "email": orNull(customer.email)]
                            as JSONObject,
                        "from": a.from.iso, "to": a.to.iso,
                        "figures": blocks.map { Self.json($0.1, $0.0) },
                        "products": products.map {
                            [
                                "sku": $0.sku, "name": $0.name, "orders": $0.orders, "units": $0.units,
                                "net": StatsOutput.money($0.net, $0.currency), "currency": $0.currency.code,
                            ] as JSONObject
                        },
                    ] as JSONObject))
            return
        }
        if csv {
            CSV.write(header: ["sku", "product", "currency", "orders", "units", "net"], rows: products) {
                [
                    $0.sku, $0.name, $0.currency.code, String($0.orders), String($0.units),
                    StatsOutput.money($0.net, $0.currency),
                ]
            }
            return
        }
        var out = [
            "\(customer.name)\(customer.email.map { " <\($0)>" } ?? "") (#\(customer.id)), \(a.from.iso) to \(a.to.iso)"
        ]
        if figures.isEmpty { out.append("No purchases in this period.") }
        for b in a.blocks {
            guard let f = b.customers.first(where: { $0.id == customer.id }) else { continue }
            out.append(
                "\(f.orders) order\(f.orders == 1 ? "" : "s"), net \(StatsOutput.money(f.net, b.currency)) \(b.currency.code); last order \(localDay(f.last, a)), \(f.recencyDays) days before the period's end"
            )
            out.append("R \(f.r), F \(f.f), M \(f.m): \(f.segment.rawValue) (\(f.segment.rule))")
        }
        if !products.isEmpty {
            var t = Table([
                Table.Column(title: "SKU"), Table.Column(title: "PRODUCT", flexible: true),
                Table.Column(title: "ORDERS", align: .right),
                Table.Column(title: "UNITS", align: .right), Table.Column(title: "NET", align: .right),
            ])
            for p in products {
                t.add([p.sku, p.name, String(p.orders), String(p.units), StatsOutput.money(p.net, p.currency)])
            }
            out.append("")
            out.append(t.render(width: Terminal.width))
        }
        Terminal.print(out.joined(separator: "\n"))
    }
}
