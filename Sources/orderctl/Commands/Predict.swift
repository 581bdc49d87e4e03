import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "predict",
            abstract: "Predict when orders ship and arrive, from the shop's own delivered orders; or backtest it.",
            discussion: """
                The prediction learns from the newest 100 delivered orders of the finest group \
                with at least 30 of them: once shipped, the carrier (to the region or country); \
                before that, the region (customer region), its zone (delivery.zones), the \
                country, each with the shipping class; then the shipping class; then all orders. \
                It shows the expected date (the median) and an 80% range (P10-P90), names the \
                group, and never predicts a date before today for an open order. With fewer than \
                30 delivered orders it says so instead of guessing.

                --backtest replays history: each delivered order (placed from --from on) is \
                predicted from the orders delivered before it was placed, and the report gives \
                the mean absolute error in days, the share of outcomes inside the range, and the \
                same error for the median of all past orders and, where orders have due dates, \
                for the promise (due date) made at purchase.

                Examples:
                  orderctl predict 1042
                  orderctl predict 1042 1043 --json
                  orderctl predict --backtest --from 2026-01-01
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Order refs.") var refs: [String] = []
        @Flag(help: "Replay history and report the accuracy.") var backtest = false
        @Option(parsing: .unconditional, help: "With --backtest: only orders placed on or after this date.") var from:
            String?
        @OptionGroup var json: JSONOption

        func validate() throws {
            if backtest && !refs.isEmpty { throw ValidationError("--backtest takes no order refs") }
            if !backtest && refs.isEmpty { throw ValidationError("missing an order ref (or --backtest)") }
            if from != nil && !backtest { throw ValidationError("--from is for --backtest") }
            try OptionCheck.date(from, option: "--from")
        }

        func run() throws {
            let store = try global.openStore(.existing)
            let zone = try store.timeZone()
            if backtest {
                let start = try from.map { try store.dateResolver().date($0, field: "from") }
                let b = try store.deliveryBacktest(from: start?.start(in: zone))
                if json.json {
                    var o: JSONObject = ["orders": b.orders, "predicted": b.predicted, "from": orNull(start?.iso)]
                    if b.predicted > 0 {
                        o["mae_days"] = JSONNumber(b.mae, digits: 3)
                        o["bias_days"] = JSONNumber(b.bias, digits: 3)
                        o["coverage"] = JSONNumber(b.coverage, digits: 4)
                        o["baseline_median_mae_days"] = JSONNumber(b.baselineMAE, digits: 3)
                        o["promise_mae_days"] =
                            b.promiseMAE.map { JSONNumber($0, digits: 3) as any JSONEncodable } ?? JSONNull()
                        o["promised"] = b.promised
                        var levels: JSONObject = [:]
                        for (k, v) in b.levels { levels[k] = v }
                        o["levels"] = levels
                    }
                    Terminal.print(JSON.render(o))
                    return
                }
                guard b.predicted > 0 else {
                    Terminal.print(
                        "No prediction could be made: not enough history (\(b.orders) delivered order\(b.orders == 1 ? "" : "s") to replay, each needs \(LeadModel.minGroup) delivered before it)."
                    )
                    return
                }
                func d(_ x: Double) -> String { String(format: "%.2f days", x) }
                var lines = [
                    "Delivery-time backtest" + (start.map { " from \($0.iso)" } ?? "")
                        + ": \(b.predicted) of \(b.orders) delivered orders predicted (the rest had too little history before them)",
                    "  mean absolute error      \(d(b.mae))  (bias \(String(format: "%+.2f", b.bias)) days)",
                    "  inside the 80% range     \(String(format: "%.1f%%", b.coverage * 100))",
                    "  baseline: median so far  \(d(b.baselineMAE))  (prediction \(String(format: "%+.1f%%", (b.mae / b.baselineMAE - 1) * 100)))",
                ]
                if let p = b.promiseMAE {
                    lines.append(
                        "  the promise (due date)   \(d(p))  over \(b.promised) orders with one (prediction/promise \(String(format: "%.2f", b.mae / p))x)"
                    )
                }
                lines.append(
                    "  groups used: "
                        + b.levels.sorted { $0.value > $1.value }.map {
                            "\($0.key) \(String(format: "%.0f%%", Double($0.value) / Double(b.predicted) * 100))"
                        }.joined(separator: ", "))
                Terminal.print(lines.joined(separator: "\n"))
                return
            }
            let predictions = try store.predictions(refs)
            if json.json {
                let out = predictions.map { Self.json($0) }
                Terminal.print(refs.count == 1 ? JSON.render(out[0]) : JSON.render(out))
                return
            }
            Terminal.print(predictions.map { Self.text($0, zone: zone) }.joined(separator: "\n\n"))
        }

        static func day(_ d: Date, _ zone: TimeZone) -> String {
            let l = LocalDate(d, in: zone)
            return "\(l.weekdayName) \(l.iso)"
        }

        static func range(_ d: DeliveryPrediction.Dates, _ zone: TimeZone) -> String {
            "\(day(d.expected, zone)) (80% range \(LocalDate(d.low, in: zone).iso) to \(LocalDate(d.high, in: zone).iso))"
        }

        static func text(_ p: DeliveryPrediction, zone: TimeZone) -> String {
            var lines = ["Order \(p.ref) (\(p.status.rawValue), placed \(LocalDate(p.placed, in: zone).iso))"]
            if let at = p.deliveredAt {
                lines.append("  delivered \(day(at, zone)); nothing to predict")
                return lines.joined(separator: "\n")
            }
            if p.status == .delivered || p.status == .completed {
                lines.append("  delivered; nothing to predict")
                return lines.joined(separator: "\n")
            }
            if let note = p.note {
                lines.append("  \(note)")
                return lines.joined(separator: "\n")
            }
            if let s = p.shippedAt { lines.append("  shipped    \(day(s, zone))") }
            if let s = p.ship { lines.append("  ships      \(range(s, zone))") }
            if let d = p.delivery { lines.append("  arrives    \(range(d, zone))") }
            if let late = p.late { lines.append("  (\(late))") }
            if let g = p.group { lines.append("  learned from the newest \(p.groupSize) delivered orders \(g)") }
            return lines.joined(separator: "\n")
        }

        static func json(_ p: DeliveryPrediction) -> JSONObject {
            var o = Present.eta(p)
            o["ref"] = p.ref
            o["status"] = p.status.rawValue
            o["placed_at"] = Instant.format(p.placed)
            o["shipped_at"] = orNull(p.shippedAt.map(Instant.format))
            o["delivered_at"] = orNull(p.deliveredAt.map(Instant.format))
            return o
        }
    }
}

extension Orderctl {
    struct Forecast: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "forecast",
            abstract: "Forecast weekly demand per product from its sales; or backtest it.",
            discussion: """
                Weekly units sold (orders not cancelled; Monday-to-Sunday weeks of UTC days, up to \
                last week) are forecast with TSB, a method for intermittent demand: it smooths how \
                often a week has sales and how much such a week sells, so many zero weeks neither \
                break it nor inflate it. The range is the P10-P90 of one week's demand, from the \
                last 26 weeks. A product needs 8 weeks from its first sale.

                --backtest forecasts each week from the weeks before it (after 8 weeks) and reports \
                MASE: the forecast's mean absolute error over that of the seasonal-naive forecast \
                (the same week a year earlier; last week's demand while there is no year before). \
                Below 1 beats it. Without SKUs it takes the --top products by units.

                Examples:
                  orderctl forecast
                  orderctl forecast MUG-01 --weeks 12
                  orderctl forecast --backtest --top 50
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "SKUs (default: every active product with sales).") var skus: [String] = []
        @Option(help: "Weeks ahead to show (1-52).") var weeks = 8
        @Flag(help: "Replay history and report the accuracy.") var backtest = false
        @Option(help: "With --backtest and no SKUs: this many best sellers by units.") var top = 50
        @OptionGroup var format: FormatOptions

        func validate() throws {
            if !(1...52).contains(weeks) { throw ValidationError("invalid --weeks \(weeks): expected 1 to 52") }
            if !(1...100_000).contains(top) { throw ValidationError("invalid --top \(top): expected 1 to 100000") }
        }

        func run() throws {
            let store = try global.openStore(.existing)
            if backtest {
                let b = try store.demandBacktest(skus: skus, top: top)
                if format.json {
                    Terminal.print(
                        JSON.render(
                            [
                                "products": b.products.count, "weeks": b.weeks, "mase": JSONNumber(b.mase, digits: 3),
                                "median_product_mase": JSONNumber(b.medianMASE, digits: 3),
                                "coverage": JSONNumber(b.coverage, digits: 4),
                                "seasonal_weeks": b.seasonalWeeks,
                            ] as JSONObject))
                    return
                }
                if format.csv {
                    CSV.write(header: ["sku", "weeks", "mae", "baseline_mae", "mase"], rows: b.products) {
                        [
                            $0.sku, String($0.weeks), String(format: "%.3f", $0.error / Double($0.weeks)),
                            String(format: "%.3f", $0.baselineError / Double($0.weeks)),
                            $0.mase.isNaN ? "" : String(format: "%.3f", $0.mase),
                        ]
                    }
                    return
                }
                guard b.weeks > 0 else {
                    Terminal.print(
                        "No forecast could be replayed: not enough history (each product needs more than 8 weeks of sales)."
                    )
                    return
                }
                let baseline =
                    b.seasonalWeeks == b.weeks
                    ? "seasonal naive (52 weeks)"
                    : b.seasonalWeeks == 0
                        ? "naive (last week; no product has a year of history)"
                        : "seasonal naive, or last week for the \(b.weeks - b.seasonalWeeks) weeks without a year before"
                Terminal.print(
                    """
                    Demand backtest: \(b.products.count) product\(b.products.count == 1 ? "" : "s"), \(b.weeks) product-weeks, one week ahead
                      MASE                      \(String(format: "%.3f", b.mase))  (all errors over all baseline errors)
                      median product MASE       \(String(format: "%.3f", b.medianMASE))
                      inside the 80% range      \(String(format: "%.1f%%", b.coverage * 100))
                      baseline                  \(baseline)
                    """)
                return
            }
            let forecasts = try store.forecasts(skus: skus)
            let today = try store.dateResolver().today
            let nextWeek = today.adding(days: 8 - today.isoWeekday)
            func n(_ x: Double) -> String { x >= 100 ? String(Int(x.rounded())) : String(format: "%.1f", x) }
            if format.json {
                Terminal.print(
                    JSON.render(
                        forecasts.map { f -> JSONObject in
                            var o: JSONObject = [
                                "sku": f.sku, "name": f.name, "history_weeks": f.weeks,
                                "weeks_with_sales": f.weeksWithSales,
                                "units_sold": f.unitsSold, "note": orNull(f.notEnough),
                            ]
                            if f.notEnough == nil {
                                o["per_week"] = JSONNumber(f.perWeek, digits: 3)
                                o["low"] = JSONNumber(f.low, digits: 3)
                                o["high"] = JSONNumber(f.high, digits: 3)
                                o["weeks"] = (0..<weeks).map { w -> JSONObject in
                                    [
                                        "week": nextWeek.adding(days: 7 * w).iso,
                                        "units": JSONNumber(f.perWeek, digits: 3),
                                        "low": JSONNumber(f.low, digits: 3), "high": JSONNumber(f.high, digits: 3),
                                    ]
                                }
                            }
                            return o
                        }))
                return
            }
            if format.csv {
                var rows: [[String]] = []
                for f in forecasts where f.notEnough == nil {
                    for w in 0..<weeks {
                        rows.append([
                            f.sku, nextWeek.adding(days: 7 * w).iso, String(format: "%.2f", f.perWeek),
                            String(format: "%.2f", f.low), String(format: "%.2f", f.high),
                        ])
                    }
                }
                CSV.write(header: ["sku", "week", "units", "low", "high"], rows: rows) { $0 }
                return
            }
            if forecasts.isEmpty {
                Terminal.note("No product has sales yet: not enough history to forecast.")
                return
            }
            // A young shop: one line, not a row per product that all say the same.
            if forecasts.count > 1, forecasts.allSatisfy({ $0.notEnough != nil }) {
                let longest = forecasts.map(\.weeks).max() ?? 0
                Terminal.print(
                    "No forecast yet: \(forecasts.count) products have sales, the longest for \(longest) week\(longest == 1 ? "" : "s"); a forecast needs 8 weeks from a product's first sale (--json lists each)."
                )
                return
            }
            var t = Table([
                .init(title: "SKU"), .init(title: "NAME", flexible: true), .init(title: "PER WEEK", align: .right),
                .init(title: "80% RANGE", align: .right), .init(title: "NEXT \(weeks) WEEKS", align: .right),
                .init(title: "HISTORY", align: .right), .init(title: "NOTE", flexible: true),
            ])
            for f in forecasts {
                if let note = f.notEnough {
                    t.add([f.sku, f.name, "", "", "", "\(f.weeks) wk", note])
                } else {
                    t.add([
                        f.sku, f.name, n(f.perWeek), "\(n(f.low))-\(n(f.high))", n(f.perWeek * Double(weeks)),
                        "\(f.weeks) wk",
                        f.isIntermittent ? "intermittent: sales in \(f.weeksWithSales) of \(f.weeks) weeks" : "",
                    ])
                }
            }
            Terminal.print(t.render())
            if Terminal.stdoutIsTerminal {
                Terminal.note("Weeks from \(nextWeek.iso); the range is for one week's demand.")
            }
        }
    }
}

extension Orderctl {
    struct Reorder: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reorder",
            abstract: "The purchase plan: reorder points and quantities for tracked products.",
            discussion: """
                For each tracked product: the reorder point is the demand forecast over the lead \
                time plus safety stock (z for the service level x the forecast's weekly error x \
                the square root of the lead time in weeks). When available stock is at or below \
                it, the suggested quantity brings stock to the reorder point plus --cover-days of \
                demand. Per product: 'orderctl product update SKU --lead-days 10 --service-level 98 \
                --cover-days 42'; shop-wide: reorder.lead-days, reorder.service-level, reorder.cover-days.

                A product without the 8 weeks of sales a forecast needs follows the reorder level \
                you set ('orderctl product update SKU --reorder-at N', where the low-stock reminder \
                warns): at or below it, the plan orders up to twice it, and says so in NOTE \
                (basis "reorder level" in --csv and --json).

                Examples:
                  orderctl reorder
                  orderctl reorder --csv > purchase-plan.csv
                  orderctl reorder --all
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Every tracked product, not only those to reorder now.") var all = false
        @OptionGroup var format: FormatOptions

        func run() throws {
            let store = try global.openStore(.existing)
            let plan = try store.reorderPlan().filter { all || $0.due }
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
}
