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
            if backtest {
                let (b, start) = try store.deliveryBacktest(fromDay: from)
                Terminal.print(
                    json.json ? JSON.render(PredictOutput.json(b, from: start)) : PredictOutput.text(b, from: start))
                return
            }
            let zone = try store.timeZone()
            let predictions = try store.predictions(refs)
            if json.json {
                let out = predictions.map { PredictOutput.json($0) }
                Terminal.print(refs.count == 1 ? JSON.render(out[0]) : JSON.render(out))
                return
            }
            Terminal.print(predictions.map { PredictOutput.text($0, zone: zone) }.joined(separator: "\n\n"))
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
                    Terminal.print(JSON.render(ForecastOutput.json(b)))
                } else if format.csv {
                    ForecastOutput.csv(b)
                } else {
                    Terminal.print(ForecastOutput.text(b))
                }
                return
            }
            let forecasts = try store.forecasts(skus: skus)
            let nextWeek = try store.forecastStart()
            if format.json {
                Terminal.print(JSON.render(ForecastOutput.json(forecasts, weeks: weeks, from: nextWeek)))
            } else if format.csv {
                ForecastOutput.csv(forecasts, weeks: weeks, from: nextWeek)
            } else {
                ForecastOutput.show(forecasts, weeks: weeks, from: nextWeek)
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
            ReorderOutput.show(plan, all: all, format: format)
        }
    }
}
