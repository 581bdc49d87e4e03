import Foundation
import OrderCore

/// `orderctl reorder`: the purchase plan as a table, CSV and JSON.
enum ReorderOutput {
    /// Prints the plan in the format asked for; `all` only changes what an empty plan says.
    static func show(_ plan: [ReorderLine], all: Bool, format: FormatOptions) {
        func n(_ x: Double) -> String { String(format: "%.1f", x) }
        if format.json {
            Terminal.print(
                JSON.render(
                    plan.map { l -> JSONObject in
                        [
                            "sku": l.forecast.sku, "name": l.forecast.name, "available": l.available,
                            "per_week": JSONNumber(l.forecast.perWeek, digits: 3),
                            "lead_days": l.leadDays, "service_level": l.serviceLevel, "cover_days": l.coverDays,
                            "lead_demand": JSONNumber(l.leadDemand, digits: 3),
                            "safety_stock": JSONNumber(l.safetyStock, digits: 3),
                            "reorder_point": l.reorderPoint, "order_quantity": l.orderQuantity,
                            "reorder_level": orNull(l.reorderLevel),
                            "basis": l.byLevel ? "reorder level" : "forecast", "note": orNull(l.note),
                        ]
                    }))
            return
        }
        if format.csv {
            CSV.write(
                header: [
                    "sku", "name", "order_quantity", "available", "reorder_point", "per_week", "lead_days",
                    "service_level", "safety_stock", "basis",
                ], rows: plan
            ) { l in
                [
                    l.forecast.sku, l.forecast.name, String(l.orderQuantity), String(l.available),
                    String(l.reorderPoint),
                    String(format: "%.2f", l.forecast.perWeek), String(l.leadDays), String(l.serviceLevel),
                    String(format: "%.1f", l.safetyStock),
                    l.byLevel ? "reorder level" : "forecast",
                ]
            }
            return
        }
        if plan.isEmpty {
            Terminal.note(
                all ? "No product tracks stock." : "Nothing to reorder now (--all shows every tracked product).")
            return
        }
        var t = Table([
            .init(title: "SKU"), .init(title: "NAME", flexible: true), .init(title: "AVAILABLE", align: .right),
            .init(title: "PER WEEK", align: .right), .init(title: "LEAD", align: .right),
            .init(title: "SERVICE", align: .right),
            .init(title: "SAFETY", align: .right), .init(title: "REORDER AT", align: .right),
            .init(title: "ORDER", align: .right),
            .init(title: "NOTE", flexible: true),
        ])
        for l in plan {
            if l.byLevel {
                t.add([
                    l.forecast.sku, l.forecast.name, String(l.available), "", "\(l.leadDays)d",
                    "\(l.serviceLevel)%",
                    "",
                    String(l.reorderPoint), l.orderQuantity > 0 ? String(l.orderQuantity) : "", l.note ?? "",
                ])
            } else {
                t.add([
                    l.forecast.sku, l.forecast.name, String(l.available), n(l.forecast.perWeek), "\(l.leadDays)d",
                    "\(l.serviceLevel)%",
                    n(l.safetyStock), String(l.reorderPoint), l.orderQuantity > 0 ? String(l.orderQuantity) : "",
                    "",
                ])
            }
        }
        Terminal.print(t.render())
    }
}
