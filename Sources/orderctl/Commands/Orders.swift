import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Take a new order: validate, classify, check and reserve stock.",
            discussion: """
                Each --item is SKU[:QTY][@PRICE]: quantity 1 by default, the catalog price \
                unless a price follows '@'. The same SKU given twice is merged into one line \
                (an error if the prices differ). All or nothing: any invalid value stops the \
                order and nothing is stored.

                Examples:
                  orderctl add --customer ann@example.com --item MUG-01:2 --item TEE-M
                  orderctl add --customer "Ann Lee" --item MUG-01:30@10.00 --due fri
                  orderctl add --customer 12 --item VASE --shipping express --ref SHOP-22
                  orderctl add --customer 12 --item MUG-01:5 --backorder
                  orderctl add --customer bo@example.com --create-customer --item MUG-01
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Customer id, email or exact name.") var customer: String
        @Option(
            name: .customLong("item"),
            help: ArgumentHelp("A line: SKU[:QTY][@PRICE]; repeat for more lines.", valueName: "sku[:qty][@price]"))
        var items: [String] = []
        @Option(parsing: .unconditional, help: "Due date (\(DateResolver.help)).") var due: String?
        @Option(help: "Order reference (default: the next number, see 'config get order.next-number').") var ref:
            String?
        @Option(help: "Sales channel, e.g. web, shop, phone (default: config order.default-channel).") var channel:
            String?
        @Option(help: "standard or express.", completion: .list(Shipping.allCases.map(\.rawValue))) var shipping:
            String?
        @Option(help: "A note on the order.") var note: String?
        @Option(parsing: .unconditional, help: "When the order was placed, if not now (a date or ISO 8601 date-time).")
        var date: String?
        @Flag(help: "Accept lines beyond available stock and record the shortfall as backordered.") var backorder =
            false
        @Flag(name: .customLong("create-customer"), help: "Create the customer when --customer is an unknown email.")
        var createCustomer = false
        @Option(
            name: .customLong("customer-name"),
            help: "Name of a customer created with --create-customer (default: the email's local part).")
        var customerName: String?
        @Option(help: "Country of a customer created with --create-customer.") var country: String?
        @OptionGroup var json: JSONOption

        func validate() throws { try Self.check(draft) }

        /// The options as the order to add: the one mapping, which run() and
        /// FastPathTests use (FastPath fills an OrderDraft by these fields' names).
        var draft: OrderDraft {
            var draft = OrderDraft(customer: customer, items: items)
            draft.ref = ref
            draft.due = due
            draft.channel = channel
            draft.shipping = shipping
            draft.note = note
            draft.placedAt = date
            draft.backorder = backorder
            draft.createCustomer = createCustomer
            draft.customerName = customerName
            draft.customerCountry = country
            return draft
        }

        /// What validate() checks, on the plain value (FastPath declines what fails).
        static func check(_ draft: OrderDraft) throws {
            if draft.items.isEmpty { throw ValidationError("an order needs at least one --item SKU[:QTY][@PRICE]") }
            if !draft.createCustomer && (draft.customerName != nil || draft.customerCountry != nil) {
                throw ValidationError("--customer-name and --country only apply with --create-customer")
            }
            try OptionCheck.shipping(draft.shipping)
            // The fields' shapes, by OrderCore's own rules (addOrder applies them again).
            try OptionCheck.items(draft.items)
            try OptionCheck.date(draft.due, option: "--due")
            try OptionCheck.instant(draft.placedAt, option: "--date")
            try OptionCheck.field(draft.ref, option: "--ref") { try Validate.code($0, field: "ref") }
            try OptionCheck.field(draft.channel, option: "--channel", Validate.channel)
            try OptionCheck.field(draft.note.flatMap { $0.isEmpty ? nil : $0 }, option: "--note") {
                try Validate.note($0, field: "note")
            }
            try OptionCheck.field(draft.customerName, option: "--customer-name") {
                try Validate.name($0, field: "name")
            }
            try OptionCheck.field(draft.customerCountry, option: "--country", Validate.countryOrName)
            if draft.createCustomer, draft.customer.contains("@") {
                try OptionCheck.field(
                    draft.customer.trimmingCharacters(in: .whitespaces), option: "--customer", Validate.email)
            }
        }

        func run() throws { try Self.run(global.values, draft, json: json.json) }

        /// The command itself, on plain values (FastInvocation.run, the fast path's, calls it too).
        static func run(_ global: Globals, _ draft: OrderDraft, json: Bool) throws {
            let store = try global.openStore(.create)
            let (order, createdCustomer) = try store.addOrder(draft)
            if createdCustomer {
                Terminal.note(
                    "created customer #\(order.customer.id): \(order.customer.name) <\(order.customer.email ?? "")>")
            }
            if json {
                Terminal.print(JSON.render(Present.json(order)))
                return
            }
            Terminal.print("Added order \(order.summary.ref)")
            Terminal.print(
                Present.orderDetail(
                    order, zone: try store.timeZone(), today: try store.dateResolver().today, history: false))
        }
    }
}

extension Orderctl {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List orders, newest first.",
            discussion: """
                Examples:
                  orderctl list --status pending --due-before fri
                  orderctl list --since -30d --class high-value --sort total
                  orderctl list --overdue
                  orderctl list --unpaid --unshipped
                  orderctl list --open              (with each order's ETA)
                  orderctl list --customer ann@example.com --json
                  orderctl list --since 2026-01-01 --csv > orders.csv
                """)

        @OptionGroup var global: GlobalOptions
        @Option(
            help: ArgumentHelp(
                "Only orders in this status (\(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))); repeat it or give a comma list for any of several.",
                valueName: "status"),
            completion: .list(OrderStatus.allCases.map(\.rawValue)), transform: FilterValues.status)
        var status: [String] = []
        @Option(help: "Only this customer's orders (id, email or exact name).") var customer: String?
        @Option(
            name: .customLong("class"),
            help: ArgumentHelp(
                "Only orders of this class (\(OrderFilter.knownClasses.joined(separator: ", "))); repeat it or give a comma list for any of several.",
                valueName: "class"),
            completion: .list(OrderFilter.knownClasses), transform: FilterValues.orderClass)
        var orderClass: [String] = []
        @Option(parsing: .unconditional, help: "Only orders placed on or after this date.") var since: String?
        @Option(parsing: .unconditional, help: "Only orders placed on or before this date.") var until: String?
        @Option(
            name: .customLong("due-before"), parsing: .unconditional,
            help: "Only orders due on or before this date (completed and cancelled ones only with --status).")
        var dueBefore: String?
        @Flag(help: "Only orders still to ship (pending, confirmed, processing, on hold) whose due date has passed.")
        var overdue = false
        @Flag(help: "Only orders with an open flag (see 'orderctl flag').") var flagged = false
        @Flag(help: "Only orders, not cancelled, with money still owed.") var unpaid = false
        @Flag(help: "Only orders, not cancelled, with units still to ship.") var unshipped = false
        @Flag(
            help:
                "Only open orders (not yet delivered: pending to shipped), with the predicted delivery date (ETA; see 'orderctl predict')."
        )
        var open = false
        @Option(help: "Sort by date (newest first), due (soonest first) or total (largest first).") var sort:
            OrderSort =
                .date
        @Flag(help: "Reverse the sort order.") var reverse = false
        @Option(parsing: .unconditional, help: "Show at most this many orders (0: all).") var limit: Int?
        @OptionGroup var format: FormatOptions

        func validate() throws { try Self.check(filter) }

        /// What validate() checks, on the plain value (FastPath declines what fails).
        static func check(_ filter: OrderFilter) throws {
            if filter.open && !filter.statuses.isEmpty {
                throw ValidationError("--open and --status cannot be used together")
            }
            if let limit = filter.limit, limit < 0 {
                throw ValidationError("--limit must not be negative (0 lists all)")
            }
            try OptionCheck.date(filter.since, option: "--since")
            try OptionCheck.date(filter.until, option: "--until")
            try OptionCheck.date(filter.dueBefore, option: "--due-before")
        }

        /// The options as a filter: the one mapping, which run() and FastPathTests use
        /// (FastPath fills an OrderFilter by these fields' names).
        var filter: OrderFilter {
            var filter = OrderFilter()
            filter.statuses = status
            filter.customer = customer
            filter.classes = orderClass
            filter.since = since
            filter.until = until
            filter.dueBefore = dueBefore
            filter.overdue = overdue
            filter.flagged = flagged
            filter.unpaid = unpaid
            filter.unshipped = unshipped
            filter.open = open
            filter.sort = sort
            filter.reverse = reverse
            filter.limit = limit
            return filter
        }

        func run() throws { try Self.run(global.values, filter, json: format.json, csv: format.csv) }

        /// The command itself, on plain values (FastInvocation.run, the fast path's, calls it too).
        static func run(_ global: Globals, _ filter: OrderFilter, json: Bool, csv: Bool) throws {
            let store = try global.openStore(.existing)
            let resolved = try store.resolve(filter)
            var filter = filter
            // A person at a terminal gets a screenful, newest first, and is told how to see
            // the rest (as git pages); a pipe, JSON and CSV get everything.
            var screenful: Int?
            if !json && !csv && filter.limit == nil, let rows = Terminal.height {
                screenful = max(5, rows - 4)
                filter.limit = screenful! + 1
            }
            var orders = try store.orderSummaries(filter)
            var more = false
            if let screenful, orders.count > screenful {
                orders.removeLast(orders.count - screenful)
                more = true
            }
            var echo: [String] = []
            if let d = resolved.since { echo.append("since \(d.iso) (\(d.weekdayName))") }
            if let d = resolved.until { echo.append("until \(d.iso) (\(d.weekdayName))") }
            if let d = resolved.dueBefore { echo.append("due on or before \(d.iso) (\(d.weekdayName))") }
            if filter.overdue { echo.append("overdue as of \(resolved.today.iso)") }
            // The resolved dates go to stderr: always beside a table, for JSON and CSV only
            // when a person is watching.
            if !echo.isEmpty && (!(json || csv) || Terminal.stderrIsTerminal) {
                Terminal.note("Orders " + echo.joined(separator: ", "))
            }
            let zone = try store.timeZone()
            // Open orders come with their ETA: one model for the whole list.
            let etas = filter.open ? try store.predictions(orders.map(\.ref)) : []
            if json {
                var list = orders.map(Present.json)
                for (i, p) in etas.enumerated() { list[i]["eta"] = Present.eta(p) }
                Terminal.print(JSON.render(list))
                return
            }
            if csv {
                if filter.open {
                    CSV.write(
                        header: Present.orderCSVHeader + ["eta", "eta_low", "eta_high"], rows: Array(zip(orders, etas))
                    ) { o, p in
                        Present.csvRow(o)
                            + [p.delivery?.expected, p.delivery?.low, p.delivery?.high].map {
                                $0.map { LocalDate($0, in: zone).iso } ?? ""
                            }
                    }
                } else {
                    CSV.write(header: Present.orderCSVHeader, rows: orders, Present.csvRow)
                }
                return
            }
            if orders.isEmpty {
                Terminal.note("No orders match.")
                return
            }
            var table = Present.orderTable(orders, zone: zone, today: resolved.today)
            if filter.open {
                table.columns.append(.init(title: "ETA"))
                for (i, p) in etas.enumerated() {
                    table.rows[i].append(p.delivery.map { Present.etaCell($0, zone) } ?? "–")
                }
            }
            Terminal.print(table.render())
            if Terminal.stdoutIsTerminal {
                var total: Int64 = 0
                var overflow = false
                for o in orders {
                    let (sum, o1) = total.addingReportingOverflow(o.total.minor)
                    total = sum
                    overflow = overflow || o1
                }
                if more {
                    Terminal.note(
                        "the \(filter.sort == .date && !filter.reverse ? "newest" : "first") \(orders.count) shown; more match: --limit 0 shows all"
                    )
                } else {
                    Terminal.note(
                        "\(orders.count) order\(orders.count == 1 ? "" : "s")"
                            + (overflow ? "" : ", \(Money(minor: total, currency: orders[0].total.currency))"))
                }
            }
        }
    }
}

extension Orderctl {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show an order: lines, totals, class and why, stock, history.",
            discussion: "Example: orderctl show 1042 --json")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The order's ref.") var ref: String
        @OptionGroup var json: JSONOption

        func run() throws { try Self.run(global.values, ref: ref, json: json.json) }

        /// The command itself, on plain values (FastInvocation.run, the fast path's, calls it too).
        static func run(_ global: Globals, ref: String, json: Bool) throws {
            let store = try global.openStore(.existing)
            let order = try store.order(ref)
            // Only an undelivered order is predicted: a delivered or cancelled one costs nothing more.
            let eta = order.summary.status.isUndelivered ? try store.predictions([order.summary.ref]).first : nil
            if json {
                var o = Present.json(order)
                if let eta { o["eta"] = Present.eta(eta) }
                Terminal.print(JSON.render(o))
                return
            }
            var text = Present.orderDetail(order, zone: try store.timeZone(), today: try store.dateResolver().today)
            if let eta { text += "\n" + Present.etaLines(eta, zone: try store.timeZone()) }
            Terminal.print(text)
        }
    }
}

extension OrderSort: ExpressibleByArgument {}

/// Checks of the filter values the parser can judge alone (a usage error, exit 64):
/// each value may be a comma list; the value is kept as given.
enum FilterValues {
    static func status(_ text: String) throws -> String {
        do { _ = try OrderFilter.statuses([text]) } catch { throw ValidationError(reason(error)) }
        return text
    }

    static func orderClass(_ text: String) throws -> String {
        do { _ = try OrderFilter.classes([text]) } catch { throw ValidationError(reason(error)) }
        return text
    }

    /// "expected one of ..." from "invalid status 'x': expected one of ...".
    static func reason(_ error: OrderError) -> String {
        if case .invalidValue(_, _, let reason) = error { return reason }
        return error.description
    }
}
