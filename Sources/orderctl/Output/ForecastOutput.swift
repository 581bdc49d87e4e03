import Foundation
import OrderCore

/// `orderctl forecast`: weekly demand per product, and the backtest, as a table, CSV and JSON.
enum ForecastOutput {
    static func json(_ b: DemandBacktest) -> JSONObject {
        [
            "products": b.products.count, "weeks": b.weeks, "mase": JSONNumber(b.mase, digits: 3),
            "median_product_mase": JSONNumber(b.medianMASE, digits: 3),
            "coverage": JSONNumber(b.coverage, digits: 4),
            "seasonal_weeks": b.seasonalWeeks,
        ]
    }

    static func csv(_ b: DemandBacktest) {
        CSV.write(header: ["sku", "weeks", "mae", "baseline_mae", "mase"], rows: b.products) {
            [
                $0.sku, String($0.weeks), String(format: "%.3f", $0.error / Double($0.weeks)),
                String(format: "%.3f", $0.baselineError / Double($0.weeks)),
                $0.mase.isNaN ? "" : String(format: "%.3f", $0.mase),
            ]
        }
    }

    static func text(_ b: DemandBacktest) -> String {
        guard b.weeks > 0 else {
            return "No forecast could be replayed: not enough history (each product needs more than 8 weeks of sales)."
        }
        let baseline =
            b.seasonalWeeks == b.weeks
            ? "seasonal naive (52 weeks)"
            : b.seasonalWeeks == 0
                ? "naive (last week; no product has a year of history)"
                : "seasonal naive, or last week for the \(b.weeks - b.seasonalWeeks) weeks without a year before"
        return """
            Demand backtest: \(b.products.count) product\(b.products.count == 1 ? "" : "s"), \(b.weeks) product-weeks, one week ahead
              MASE                      \(String(format: "%.3f", b.mase))  (all errors over all baseline errors)
              median product MASE       \(String(format: "%.3f", b.medianMASE))
              inside the 80% range      \(String(format: "%.1f%%", b.coverage * 100))
              baseline                  \(baseline)
            """
    }

    static func n(_ x: Double) -> String { x >= 100 ? String(Int(x.rounded())) : String(format: "%.1f", x) }

    static func json(_ forecasts: [DemandForecast], weeks: Int, from nextWeek: LocalDate) -> [JSONObject] {
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
        }
    }

    static func csv(_ forecasts: [DemandForecast], weeks: Int, from nextWeek: LocalDate) {
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
    }

    /// The table, or one line when there is nothing to forecast yet.
    static func show(_ forecasts: [DemandForecast], weeks: Int, from nextWeek: LocalDate) {
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
