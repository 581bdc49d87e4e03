import Foundation
import OrderCore

/// `orderctl stats products` as text, CSV and JSON.
enum StatsProductsOutput {
    static func text(_ a: ProductAnalysis, top: Int) -> String {
        let range = "\(a.from.iso) to \(a.to.iso) (\(a.timeZone))"
        guard !a.blocks.isEmpty else { return "No purchases from \(range)." }
        var out: [String] = []
        for b in a.blocks {
            let c = b.currency
            out.append("Products sold from \(range)\(a.blocks.count > 1 ? ", in \(c.code)" : ""): \(b.products.count)")
            out.append("")
            func table(_ title: String, _ list: [ProductFigures]) -> String {
                var t = Table([
                    Table.Column(title: title), Table.Column(title: "PRODUCT", flexible: true),
                    Table.Column(title: "ORDERS", align: .right),
                    Table.Column(title: "UNITS", align: .right), Table.Column(title: "NET \(c.code)", align: .right),
                    Table.Column(title: "SHARE", align: .right), Table.Column(title: "ABC"),
                ])
                for p in list.prefix(top) {
                    t.add([
                        p.sku, p.name, String(p.orders), String(p.units), StatsOutput.money(p.net, c),
                        StatsOutput.percent(p.share), p.abc,
                    ])
                }
                return t.render(width: Terminal.width)
            }
            out.append(table("BY REVENUE", b.products))
            out.append("")
            out.append(table("BY UNITS", b.byUnits))
            out.append("")
            var abc = Table([
                Table.Column(title: "CLASS"), Table.Column(title: "PRODUCTS", align: .right),
                Table.Column(title: "OF PRODUCTS", align: .right),
                Table.Column(title: "NET \(c.code)", align: .right), Table.Column(title: "OF NET", align: .right),
            ])
            let total = b.products.map(\.net).reduce(0, +)
            for cls in ["A", "B", "C"] {
                let members = b.products.filter { $0.abc == cls }
                let net = members.map(\.net).reduce(0, +)
                abc.add([
                    cls, String(members.count),
                    StatsOutput.percent(Double(members.count) / Double(max(1, b.products.count))),
                    StatsOutput.money(net, c), StatsOutput.percent(total > 0 ? Double(net) / Double(total) : nil),
                ])
            }
            out.append(abc.render())
            out.append(OrderStore.abcRule + ".")
            out.append("")
            if b.pairs.isEmpty {
                out.append("Bought together: no order had two products.")
            } else {
                var pairs = Table([
                    Table.Column(title: "BOUGHT TOGETHER"), Table.Column(title: "WITH"),
                    Table.Column(title: "ORDERS", align: .right),
                    Table.Column(title: "OF 1ST'S", align: .right), Table.Column(title: "OF 2ND'S", align: .right),
                ])
                for p in b.pairs {
                    pairs.add([
                        p.first, p.second, String(p.orders), StatsOutput.percent(p.ofFirst),
                        StatsOutput.percent(p.ofSecond),
                    ])
                }
                out.append(pairs.render())
            }
            out.append("")
        }
        return out.dropLast().joined(separator: "\n")
    }

    static func csv(_ a: ProductAnalysis) {
        var rows: [[String]] = []
        for b in a.blocks {
            let unitRank = Dictionary(
                b.byUnits.enumerated().map { ($0.element.id, $0.offset + 1) }, uniquingKeysWith: { first, _ in first })
            for (i, p) in b.products.enumerated() {
                rows.append([
                    p.sku, p.name, b.currency.code, String(p.orders), String(p.units),
                    StatsOutput.money(p.net, b.currency),
                    String(i + 1), String(unitRank[p.id] ?? 0), StatsOutput.fraction(p.share),
                    StatsOutput.fraction(p.cumulative), p.abc,
                ])
            }
        }
        CSV.write(
            header: [
                "sku", "product", "currency", "orders", "units", "net", "rank_revenue", "rank_units", "share",
                "cumulative_share", "abc",
            ],
            rows: rows
        ) { $0 }
    }

    static func json(_ p: ProductFigures, _ c: Currency) -> JSONObject {
        [
            "sku": p.sku, "name": p.name, "orders": p.orders, "units": p.units, "net": StatsOutput.money(p.net, c),
            "currency": c.code,
            "share": JSONNumber(StatsOutput.fraction(p.share)), "abc": p.abc,
        ]
    }

    static func json(_ a: ProductAnalysis, top: Int) -> String {
        let blocks: [JSONObject] = a.blocks.map { b in
            let classes: [JSONObject] = ["A", "B", "C"].map { cls in
                let members = b.products.filter { $0.abc == cls }
                return [
                    "class": cls, "products": members.count,
                    "net": StatsOutput.money(members.map(\.net).reduce(0, +), b.currency),
                ]
            }
            return [
                "currency": b.currency.code, "products": b.products.count,
                "by_revenue": b.products.prefix(top).map { json($0, b.currency) },
                "by_units": b.byUnits.prefix(top).map { json($0, b.currency) },
                "abc": classes,
                "bought_together": b.pairs.map {
                    [
                        "first": $0.first, "second": $0.second, "orders": $0.orders,
                        "of_first": JSONNumber(StatsOutput.fraction($0.ofFirst)),
                        "of_second": JSONNumber(StatsOutput.fraction($0.ofSecond)),
                    ] as JSONObject
                },
            ]
        }
        return JSON.render(
            [
                "from": a.from.iso, "to": a.to.iso, "time_zone": a.timeZone, "abc_rule": OrderStore.abcRule,
                "currencies": blocks,
            ] as JSONObject)
    }
}
