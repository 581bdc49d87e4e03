import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "How the business is doing: orders, revenue, cancellations, returns and lead times.",
            discussion: """
                Without a subcommand, 'stats' is 'stats overview': the figures by period or \
                attribute, with --from, --to, --by, --currency, --timezone, --limit, --totals, \
                --json and --csv (see 'orderctl stats overview --help' for every metric).

                Examples:
                  orderctl stats --by month
                  orderctl stats --by product --limit 20 --csv
                  orderctl stats customers
                  orderctl stats customers --show ann@example.com
                  orderctl stats products
                """,
            subcommands: [Orderctl.Stats.Overview.self, Orderctl.Stats.Customers.self, Orderctl.Stats.Products.self],
            defaultSubcommand: Orderctl.Stats.Overview.self)
    }
}

extension Orderctl.Stats {
    struct Overview: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "overview",
            abstract: "Orders, revenue, cancellations, returns and lead times, by period or attribute (the default).",
            discussion: """
                Orders count in the period they were placed in, with everything that happened \
                to them since (refunds, returns, shipments). Days, weeks (ISO, from Monday), \
                months, quarters and years are cut at midnight in the business time zone \
                (config timezone; --timezone overrides). Amounts in different currencies are \
                never added up: each currency gets its own rows and total.

                Metrics per group:
                  ORDERS   orders placed, cancelled ones included
                  UNITS    units ordered, in orders not cancelled
                  GROSS    order totals, orders not cancelled
                  REFUNDS  money refunded on them (by product: value of units returned)
                  NET      gross - refunds
                  AVG      gross / orders not cancelled
                  CANC     cancelled orders / orders
                  RET      orders with a returned unit / orders with a shipped unit
                  SHIP d   days from order to first shipment: median/90th percentile
                  DELIV d  days from first shipment to last delivery (orders delivered whole)
                Lead times are counted in whole hours (nearest-rank percentiles).
                The Total row is the whole period, not the sum of the rows: an order with two \
                products counts once, and products or customers beyond --limit count too.

                Examples:
                  orderctl stats                             (the last 12 months)
                  orderctl stats --by month --by channel
                  orderctl stats --from 2026-01-01 --to 2026-03-31 --by week
                  orderctl stats --by product --limit 20
                  orderctl stats --by customer --from -90d --csv > customers.csv
                  orderctl stats --by month --csv --totals | column -s, -t
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var period: PeriodOptions
        @Option(
            name: .customLong("by"),
            help: ArgumentHelp(
                "Group by \(StatsDimension.allCases.map(\.rawValue).joined(separator: ", ")); give it twice for two dimensions (at most one period).",
                valueName: "dimension"),
            completion: .list(StatsDimension.allCases.map(\.rawValue)),
            transform: OptionCheck.dimension)
        var by: [StatsDimension] = []
        @Option(help: "Only orders in this currency.") var currency: String?
        @Option(help: "By product or customer: the top N per currency by net revenue (default 10; 0 for all).")
        var limit: Int?
        @Flag(help: "With --csv: end with a total row per currency (tables always have one).") var totals = false
        @OptionGroup var format: FormatOptions
        @OptionGroup var decimal: DecimalCommaOption

        func validate() throws {
            try OptionCheck.notNegative(limit, option: "--limit")
            do { try StatsRequest.checkShape(by: by, limit: limit) } catch {
                throw OptionCheck.usage(error, option: "--by")
            }
            try OptionCheck.currency(currency)
        }

        func run() throws {
            decimal.apply()
            let request = StatsRequest(
                from: period.from, to: period.to, by: by, currency: currency, timeZone: period.timezone, limit: limit)
            let store = try global.openStore(.existing)
            let report = try store.stats(request)
            if format.json {
                Terminal.print(StatsOutput.json(report))
                return
            }
            if format.csv {
                StatsOutput.csv(report, totals: totals)
                return
            }
            let range = "\(report.from.iso) to \(report.to.iso) (\(report.timeZone))"
            if report.totals.isEmpty {
                Terminal.print("No orders placed from \(range).")
                // Orders elsewhere in time (an import of last year's sales): say where.
                if let span = try store.placedRange(zone: TimeZone(identifier: report.timeZone)) {
                    Terminal.print(
                        "The orders lie from \(span.first.iso) to \(span.last.iso): orderctl stats --from \(span.first.iso) --to \(span.last.iso)"
                    )
                }
                return
            }
            if Terminal.stdoutIsTerminal { Terminal.note("Orders placed from \(range)") }
            Terminal.print(StatsOutput.table(report, width: Terminal.width))
            if report.omitted > 0, let limit = report.limit {
                Terminal.note("Top \(limit) shown; \(report.omitted) more (--limit 0 shows all).")
            }
        }
    }
}

extension Orderctl.Stats {
    struct Customers: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "customers",
            abstract:
                "Customers: how often they come back, the top ones, RFM segments; --show: one customer's favourite products.",
            discussion: """
                Purchases are the orders placed in the period and not cancelled; net is their \
                totals less refunds. Prints the customers who bought, how many orders each \
                placed (1, 2, 3, 4, 5-9, 10+), the repeat-purchase rate (customers with more \
                than one order), the days between a customer's orders (median and 90th \
                percentile), the top customers, and RFM segments with the rule for each \
                (recency is counted to the end of --to).
                \(RFMSegment.scoring).
                --csv writes one row per customer with their figures, scores and segment (for a \
                mailing list or a spreadsheet); --json everything.

                Examples:
                  orderctl stats customers
                  orderctl stats customers --from -90d --top 20
                  orderctl stats customers --csv > customers.csv
                  orderctl stats customers --show ann@example.com
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var period: PeriodOptions
        @Option(help: "Only orders in this currency.") var currency: String?
        @Option(help: "How many top customers (or, with --show, products) to list (default 10; 0: all).") var top = 10
        @Option(
            help: ArgumentHelp(
                "One customer (id, email or exact name): their favourite products and RFM scores.",
                valueName: "customer"))
        var show: String?
        @OptionGroup var format: FormatOptions
        @OptionGroup var decimal: DecimalCommaOption

        func validate() throws {
            if top < 0 { throw ValidationError("--top must not be negative (0 lists all)") }
            try OptionCheck.currency(currency)
        }

        func run() throws {
            decimal.apply()
            let store = try global.openStore(.existing)
            let top = topCount(self.top)
            let analysis = try store.customerAnalysis(
                from: period.from, to: period.to, timeZone: period.timezone, currency: currency)
            if let show {
                let (customer, products) = try store.preferredProducts(
                    customer: show, from: period.from, to: period.to, timeZone: period.timezone, limit: top)
                let figures = analysis.blocks.flatMap(\.customers).filter { $0.id == customer.id }
                StatsCustomersOutput.show(
                    customer, figures: figures, products: products, analysis: analysis, json: format.json,
                    csv: format.csv)
                return
            }
            if format.json {
                Terminal.print(StatsCustomersOutput.json(analysis, top: top))
                return
            }
            if format.csv {
                StatsCustomersOutput.csv(analysis)
                return
            }
            Terminal.print(StatsCustomersOutput.text(analysis, top: top))
        }
    }
}

extension Orderctl.Stats {
    struct Products: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "products",
            abstract: "Products: best sellers by units and by revenue, ABC classes, products bought together.",
            discussion: """
                Counts the orders placed in the period and not cancelled; net revenue is the \
                lines' value less the units returned. \(OrderStore.abcRule). Bought together: \
                the pairs of products found in the most orders, with the share of each one's \
                orders that also had the other.
                --csv writes one row per product with its figures, ranks and ABC class.

                Examples:
                  orderctl stats products
                  orderctl stats products --from 2026-01-01 --top 20
                  orderctl stats products --csv > products.csv
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var period: PeriodOptions
        @Option(help: "Only orders in this currency.") var currency: String?
        @Option(help: "How many best sellers and pairs to list (default 10; 0: all).") var top = 10
        @OptionGroup var format: FormatOptions
        @OptionGroup var decimal: DecimalCommaOption

        func validate() throws {
            if top < 0 { throw ValidationError("--top must not be negative (0 lists all)") }
            try OptionCheck.currency(currency)
        }

        func run() throws {
            decimal.apply()
            let store = try global.openStore(.existing)
            let top = topCount(self.top)  // 0: every product and every pair found together
            let analysis = try store.productAnalysis(
                from: period.from, to: period.to, timeZone: period.timezone, currency: currency, pairs: top)
            if format.json {
                Terminal.print(StatsProductsOutput.json(analysis, top: top))
                return
            }
            if format.csv {
                StatsProductsOutput.csv(analysis)
                return
            }
            Terminal.print(StatsProductsOutput.text(analysis, top: top))
        }
    }
}
