import ArgumentParser
import Foundation
import OrderCore

/// Order refs as arguments, from a file, or from stdin: a morning's batch.
struct RefsOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Order refs ('-' reads them from stdin, one per line).", valueName: "ref"))
    var refs: [String] = []

    @Option(
        name: .customLong("from-file"),
        help: ArgumentHelp(
            "Read refs from a file, one per line ('-' for stdin; blank lines and # comments skipped).",
            valueName: "file"), completion: .file())
    var fromFile: String?

    func validate() throws {
        if refs.isEmpty && fromFile == nil { throw ValidationError("give at least one order ref, or --from-file FILE") }
    }

    func all() throws -> [String] {
        var result: [String] = []
        for ref in refs {
            if ref == "-" { result += try Self.read(nil) } else { result.append(ref) }
        }
        if let fromFile { result += try Self.read(fromFile == "-" ? nil : fromFile) }
        return result
    }

    static func read(_ path: String?) throws -> [String] {
        let text: String
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file"
                throw CommandError("cannot read --from-file \(path): \(reason)")
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}

/// Runs one action per order, each in its own transaction, printing a result line per
/// order; exits 1 when any failed.
enum Batch {
    static func run(_ global: GlobalOptions, _ refs: RefsOptions, _ body: (OrderStore, String) throws -> ActionResult)
        throws
    {
        try run(global.values, try refs.all(), body)
    }

    static func run(_ global: GlobalOptions, _ given: [String], _ body: (OrderStore, String) throws -> ActionResult)
        throws
    {
        try run(global.values, given, body)
    }

    static func run(_ global: Globals, _ given: [String], _ body: (OrderStore, String) throws -> ActionResult) throws {
        guard !given.isEmpty else { throw CommandError("no order refs given (the list or file was empty)") }
        // Each order once, in the order given: `pay A A` must not pay twice.
        var seen = Set<String>()
        let list = given.filter { seen.insert($0.lowercased()).inserted }
        if list.count < given.count { Terminal.note("note: \(given.count - list.count) repeated ref(s) skipped") }
        let store = try global.openStore(.existing)
        var failed = 0
        for ref in list {
            do {
                let result = try body(store, ref)
                Terminal.print("\(result.ref): \(result.message)")
            } catch let error as OrderError {
                if case .databaseBusy = error {
                    Terminal.note("Error: \(error) (order \(ref))")
                } else {
                    Terminal.note("Error: \(error)")
                }
                failed += 1
            } catch let error as SQLiteError where error.isReadOnly || error.isDiskFull || error.isDamaged {
                // About the file, not the order: every other order would fail the same way.
                if failed > 0 || list.first != ref {
                    Terminal.note("stopped at order \(ref); the orders before it are done")
                }
                throw error
            } catch let error as SQLiteError {
                Terminal.note("Error: order \(ref): \(error)")
                failed += 1
            }
        }
        if failed > 0 {
            if list.count > 1 { Terminal.note("\(failed) of \(list.count) orders failed; the others are done") }
            throw ExitCode(1)
        }
    }
}

/// `--at` for the verbs that record only an event: when it happened, if not now.
struct AtOption: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help:
            "When it happened, if not now: a date (that day, as late as now allows) or an ISO 8601 date-time; never before the order was placed, never in the future."
    )
    var at: String?
    func validate() throws { try OptionCheck.instant(at, option: "--at") }
}

/// `--reason` and other short texts the lifecycle keeps, by OrderCore's rule for names.
func checkReason(_ text: String?, option: String = "--reason") throws {
    try OptionCheck.field(text, option: option) { try Validate.name($0, field: "reason") }
}

extension Orderctl {
    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm", abstract: "Confirm pending orders.",
            discussion:
                "Examples:\n  orderctl confirm 1042 1043\n  orderctl list --status pending --csv | tail -n +2 | cut -d, -f1 | orderctl confirm -"
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var refs: RefsOptions
        @OptionGroup var when: AtOption
        func run() throws { try Batch.run(global, refs) { try $0.confirm($1, at: when.at) } }
    }
}

extension Orderctl {
    struct Hold: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hold", abstract: "Put orders on hold (pending, confirmed or processing).",
            discussion: "Example: orderctl hold 1042 --reason \"waiting for the customer's answer\"")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var refs: RefsOptions
        @Option(help: "Why the order waits.") var reason: String
        @OptionGroup var when: AtOption
        func validate() throws { try checkReason(reason) }
        func run() throws { try Batch.run(global, refs) { try $0.hold($1, reason: reason, at: when.at) } }
    }
}

extension Orderctl {
    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release", abstract: "Release orders from hold, back to the status they had.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var refs: RefsOptions
        @OptionGroup var when: AtOption
        func run() throws { try Batch.run(global, refs) { try $0.release($1, at: when.at) } }
    }
}

extension Orderctl {
    struct Pay: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pay", abstract: "Record a payment; without --amount, everything still owed.",
            discussion: """
                Payments never exceed what is still owed. The payment status follows: unpaid, \
                partially_paid, paid. A delivered order that becomes fully paid is completed.
                Examples:
                  orderctl pay 1042
                  orderctl pay 1042 --amount 20 --method transfer
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var refs: RefsOptions
        @Option(parsing: .unconditional, help: "Amount paid (default: everything still owed).") var amount: String?
        @Option(help: "How it was paid: card, transfer, cash, paypal, ...") var method: String?
        @Option(parsing: .unconditional, help: "When it was paid, if not now.") var at: String?
        func validate() throws {
            try OptionCheck.amount(amount)
            try OptionCheck.field(method, option: "--method") {
                try Validate.word($0, field: "method", examples: "card, transfer or cash")
            }
            try OptionCheck.instant(at, option: "--at")
        }
        func run() throws { try Batch.run(global, refs) { try $0.pay($1, amount: amount, method: method, at: at) } }
    }
}

/// A shipment's carrier, tracking number and time, as `ship` and `shipment update` take
/// them: a carrier is a word; a tracking number has the known carrier's shape.
func checkShipment(carrier: String?, tracking: String?, at: String?) throws {
    try OptionCheck.field(carrier, option: "--carrier") {
        try Validate.word($0, field: "carrier", examples: "dhl, ups or dpd")
    }
    try OptionCheck.field(tracking, option: "--tracking") { try Carrier.normaliseTracking($0, carrier: carrier) }
    try OptionCheck.instant(at, option: "--at")
}

/// `ship`'s options but the refs, as plain values.
struct ShipOptions: Equatable {
    var items: [String] = []
    var carrier: String?
    var tracking: String?
    var at: String?
    var carrierUnchecked = false
}

extension Orderctl {
    struct Ship: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ship", abstract: "Ship orders, whole or in part.",
            discussion: """
                Without --item, every unit still to ship goes. Reserved stock becomes shipped \
                stock; backordered units ship once stock is there. Known carriers (ups, dhl, \
                dpd, gls, hermes, fedex, usps, royalmail) check the tracking number's shape, and \
                'show' prints a tracking link (config: carrier.NAME.url).
                Examples:
                  orderctl ship 1042 --carrier dhl --tracking 1234567890
                  orderctl ship 1042 --item MUG-01:1 --item TEE-M
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var refs: RefsOptions
        @Option(
            name: .customLong("item"),
            help: ArgumentHelp("Ship only this much of a line: SKU[:QTY]; repeatable.", valueName: "sku[:qty]"))
        var items: [String] = []
        @Option(
            help: ArgumentHelp(
                "Carrier: \(Carrier.known.map(\.name).joined(separator: ", ")), one with a carrier.NAME.url setting, or one shipped with before.",
                valueName: "carrier"),
            completion: .list(Carrier.known.map(\.name))) var carrier: String?
        @Flag(
            name: .customLong("carrier-unchecked"),
            help: "Accept a --carrier orderctl does not know (no tracking link, no check of the number).")
        var carrierUnchecked = false
        @Option(help: "Tracking number.") var tracking: String?
        @Option(parsing: .unconditional, help: "When it shipped, if not now.") var at: String?

        /// The options but the refs: the one mapping, which run() and FastPathTests use.
        var options: ShipOptions {
            ShipOptions(items: items, carrier: carrier, tracking: tracking, at: at, carrierUnchecked: carrierUnchecked)
        }

        func validate() throws { try Self.check(options, refs: refs.refs) }

        /// The options' shapes, by OrderCore's rules, and one tracking number for the refs
        /// on the command line (FastPath declines what this refuses; refs from a file or
        /// stdin are checked again in run).
        static func check(_ options: ShipOptions, refs: [String]) throws {
            try OptionCheck.items(options.items, prices: false)
            try checkShipment(carrier: options.carrier, tracking: options.tracking, at: options.at)
            do { try Lifecycle.checkShipment(refs: refs.filter { $0 != "-" }, tracking: options.tracking) } catch {
                throw ValidationError("\(error)")
            }
        }

        func run() throws { try Self.run(global.values, try refs.all(), options) }

        /// The command itself, on plain values (FastInvocation.run, the fast path's, calls it too).
        static func run(_ global: Globals, _ list: [String], _ options: ShipOptions) throws {
            try Lifecycle.checkShipment(refs: list, tracking: options.tracking)
            try Batch.run(global, list) {
                try $0.ship(
                    $1, items: options.items, carrier: options.carrier, tracking: options.tracking, at: options.at,
                    carrierUnchecked: options.carrierUnchecked)
            }
        }
    }
}

extension Orderctl {
    struct Shipment: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shipment", abstract: "Correct a shipment: carrier, tracking number, date.",
            subcommands: [Update.self])

        struct Update: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "update", abstract: "Correct a shipment's carrier, tracking number or date.",
                discussion: """
                    N is the shipment's number in the order (1 for the first, as 'show' lists them); \
                    it may be left out when the order has one shipment. The tracking number is \
                    checked as 'ship' checks it, against the new carrier if one is given. The \
                    change is an event in the order's history.
                    Examples:
                      orderctl shipment update 1042 --tracking 1234567890
                      orderctl shipment update 1042 2 --carrier ups --tracking 1Z999AA10123456784
                      orderctl shipment update 1042 --at 2026-11-24
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The order's ref.") var ref: String
            @Argument(help: ArgumentHelp("The shipment's number in the order (1, 2, ...).", valueName: "n")) var number:
                Int?
            @Option(
                help: ArgumentHelp("The carrier (see 'orderctl ship --help').", valueName: "carrier"),
                completion: .list(Carrier.known.map(\.name)))
            var carrier: String?
            @Flag(name: .customLong("carrier-unchecked"), help: "Accept a --carrier orderctl does not know.")
            var carrierUnchecked = false
            @Option(help: "The tracking number.") var tracking: String?
            @Option(
                parsing: .unconditional,
                help: "When it shipped (a date or ISO 8601 date-time): not before the order, not after its delivery.")
            var at: String?
            func validate() throws {
                if carrier == nil && tracking == nil && at == nil {
                    throw ValidationError("give --carrier, --tracking or --at")
                }
                if let number, number < 1 { throw ValidationError("the shipment number starts at 1") }
                try checkShipment(carrier: carrier, tracking: tracking, at: at)
            }
            func run() throws {
                try Batch.run(global, [ref]) {
                    try $0.updateShipment(
                        $1, number: number, carrier: carrier, tracking: tracking, at: at,
                        carrierUnchecked: carrierUnchecked
                    )
                }
            }
        }
    }
}

extension Orderctl {
    struct Deliver: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deliver", abstract: "Mark shipped orders delivered (completed when fully paid).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var refs: RefsOptions
        @Option(parsing: .unconditional, help: "When it was delivered, if not now.") var at: String?
        func validate() throws { try OptionCheck.instant(at, option: "--at") }
        func run() throws { try Batch.run(global, refs) { try $0.deliver($1, at: at) } }
    }
}

extension Orderctl {
    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel", abstract: "Cancel orders that have not shipped; reserved stock is released.",
            discussion:
                "A paid order shows the amount owed back; record it with 'orderctl refund'.\nExample: orderctl cancel 1042 --reason \"customer changed their mind\""
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var refs: RefsOptions
        @Option(help: "Why the order is cancelled.") var reason: String
        @OptionGroup var when: AtOption
        func validate() throws { try checkReason(reason) }
        func run() throws { try Batch.run(global, refs) { try $0.cancel($1, reason: reason, at: when.at) } }
    }
}

extension Orderctl {
    struct Return: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "return", abstract: "Take back shipped units.",
            discussion: """
                Restocked units (the default) go back on hand. Record the money with 'orderctl refund'.
                Example: orderctl return 1042 --item MUG-01:1 --reason "arrived broken" --no-restock
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The order's ref.") var ref: String
        @Option(
            name: .customLong("item"),
            help: ArgumentHelp("What came back: SKU[:QTY]; repeatable.", valueName: "sku[:qty]"))
        var items: [String] = []
        @Flag(inversion: .prefixedNo, help: "Put the units back on hand.") var restock = true
        @Option(help: "Why they came back.") var reason: String?
        @OptionGroup var when: AtOption
        func validate() throws {
            if items.isEmpty { throw ValidationError("name what came back with --item SKU:QTY") }
            try OptionCheck.items(items, prices: false)
            try checkReason(reason)
        }
        func run() throws {
            try Batch.run(global, [ref]) {
                try $0.returnItems($1, items: items, restock: restock, reason: reason, at: when.at)
            }
        }
    }
}

extension Orderctl {
    struct Refund: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refund", abstract: "Pay money back; never more than was paid.",
            discussion: "Example: orderctl refund 1042 --amount 12.50 --reason \"returned mug\"")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The order's ref.") var ref: String
        @Option(parsing: .unconditional, help: "Amount refunded.") var amount: String
        @Option(help: "Why.") var reason: String?
        @OptionGroup var when: AtOption
        func validate() throws {
            try OptionCheck.amount(amount)
            try checkReason(reason)
        }
        func run() throws {
            try Batch.run(global, [ref]) { try $0.refund($1, amount: amount, reason: reason, at: when.at) }
        }
    }
}

extension Orderctl {
    struct Note: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "note", abstract: "Add a note to an order's history.",
            discussion: "Example: orderctl note 1042 \"customer called: leave at the neighbour's\"")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The order's ref.") var ref: String
        @Argument(help: "The note.") var text: String
        @OptionGroup var when: AtOption
        func validate() throws { try OptionCheck.field(text, option: "NOTE") { try Validate.note($0, field: "note") } }
        func run() throws { try Batch.run(global, [ref]) { try $0.addNote($1, text: text, at: when.at) } }
    }
}

extension Orderctl {
    /// `orderctl flag`. The one command type not named after its command: `Flag` would hide
    /// argument-parser's `@Flag` in every command nested in `Orderctl`.
    struct FlagOrder: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "flag",
            abstract: "Flag an exception on orders (failed delivery, address problem), or clear it.",
            discussion:
                "Flagged orders are marked in 'list' and found with 'list --flagged'.\nExamples:\n  orderctl flag 1042 --reason \"address unknown\"\n  orderctl flag 1042 --clear"
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var refs: RefsOptions
        @Option(help: "What is wrong.") var reason: String?
        @Flag(help: "Clear the flag.") var clear = false
        @OptionGroup var when: AtOption
        func validate() throws {
            if (reason == nil) == !clear { throw ValidationError("give either --reason TEXT or --clear") }
            try checkReason(reason)
        }
        func run() throws { try Batch.run(global, refs) { try $0.flag($1, reason: clear ? nil : reason, at: when.at) } }
    }
}

extension Orderctl {
    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit",
            abstract: "Change an unshipped order: lines, due date, shipping, date, customer, channel.",
            discussion: """
                Reservations follow the new lines and the order is classified again. The \
                placement date, customer and channel correct an order entered wrongly; each \
                such change is an event of its own in the history. A new date is never in \
                the future, nor after anything the history records as following it. Once a \
                unit has shipped, only --due and --shipping can change.
                Examples:
                  orderctl edit 1042 --add VASE:1 --set MUG-01:3
                  orderctl edit 1042 --remove TEE-M --due fri --shipping express
                  orderctl edit 1042 --due none
                  orderctl edit 1042 --date 2026-05-01 --customer ann@example.com --channel shop
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The order's ref.") var ref: String
        @Option(help: ArgumentHelp("Add a line SKU[:QTY][@PRICE]; repeatable.", valueName: "sku[:qty][@price]"))
        var add: [String] = []
        @Option(help: ArgumentHelp("Remove the line with this SKU; repeatable.", valueName: "sku")) var remove:
            [String] =
                []
        @Option(help: ArgumentHelp("Change a line's quantity: SKU:QTY; repeatable.", valueName: "sku:qty")) var set:
            [String] = []
        @Option(parsing: .unconditional, help: "New due date, or 'none'.") var due: String?
        @Option(help: "standard or express.", completion: .list(Shipping.allCases.map(\.rawValue))) var shipping:
            String?
        @Flag(help: "Accept quantities beyond available stock as backordered.") var backorder = false
        @Option(
            parsing: .unconditional, help: "When the order was placed (a date or ISO 8601 date-time), to correct it.")
        var date: String?
        @Option(help: "The order's customer (id, email or exact name), to correct it.") var customer: String?
        @Option(help: "The sales channel (web, shop, phone, ...), to correct it.") var channel: String?
        func validate() throws {
            try OptionCheck.shipping(shipping)
            try OptionCheck.items(add, option: "--add")
            try OptionCheck.items(set, option: "--set", prices: false)
            try OptionCheck.date(due, option: "--due", allowNone: true)
            try OptionCheck.instant(date, option: "--date")
            try OptionCheck.field(channel, option: "--channel", Validate.channel)
        }
        func run() throws {
            var change = OrderEdit()
            change.add = add
            change.remove = remove
            change.set = set
            change.due = due
            change.shipping = shipping
            change.backorder = backorder
            change.placedAt = date
            change.customer = customer
            change.channel = channel
            try Batch.run(global, [ref]) { try $0.edit($1, change) }
        }
    }
}

extension Orderctl {
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history", abstract: "Show every event of an order: time, kind, old and new values.",
            discussion: "Example: orderctl history 1042 --json")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The order's ref.") var ref: String
        @OptionGroup var format: FormatOptions
        func run() throws {
            let store = try global.openStore(.existing)
            let order = try store.order(ref)
            if format.json {
                Terminal.print(JSON.render(order.events.map(Present.json)))
                return
            }
            if format.csv {
                CSV.write(header: ["seq", "at", "kind", "old", "new", "detail"], rows: order.events) {
                    [
                        String($0.seq), Instant.format($0.at), $0.kind, $0.oldValue ?? "", $0.newValue ?? "",
                        $0.detail ?? "",
                    ]
                }
                return
            }
            Terminal.print(Present.historyTable(order.events, zone: try store.timeZone()).render())
        }
    }
}

extension Orderctl {
    struct Why: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "why", abstract: "Explain an order's statuses in plain words, and what can happen next.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The order's ref.") var ref: String
        func run() throws {
            let store = try global.openStore(.existing)
            Terminal.print(try store.explain(ref).joined(separator: "\n"))
        }
    }
}

extension Orderctl {
    struct States: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "states", abstract: "Print the lifecycle: every action, where it may start and where it leads."
        )
        @OptionGroup var format: JSONOption
        func run() throws {
            if format.json {
                let rows: [JSONObject] = Lifecycle.table.map {
                    ["action": $0.action.rawValue, "from": $0.from.map(\.rawValue), "to": $0.to, "guard": $0.guardText]
                }
                let doc: JSONObject = [
                    "transitions": rows, "payment": PaymentStatus.rules, "fulfilment": FulfilmentStatus.rules,
                ]
                Terminal.print(JSON.render(doc))
                return
            }
            Terminal.print(Present.statesText())
        }
    }
}

extension Orderctl {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Check that no order's history was changed behind orderctl's back.",
            discussion: """
                Every event carries a SHA-256 hash over its content and the previous event's \
                hash. verify walks the chain and names the first event that was changed, \
                removed or inserted other than through orderctl, and checks that each order's \
                status, payments and refunds are what its history says; then it exits 1. \
                It prints the newest event's hash: kept elsewhere (a cron log), it also shows \
                a rewritten tail of the log.
                """)
        @OptionGroup var global: GlobalOptions
        func run() throws {
            let store = try global.openStore(.existing)
            let report = try store.verifyHistory()
            if let problem = report.problem {
                Terminal.fail("history check failed: \(problem)")
            }
            Terminal.print("history intact: \(report.eventsChecked) events of \(report.orders) orders checked")
            if let head = report.head { Terminal.print("head: \(head)") }
        }
    }
}

/// A command-line problem that is not a usage error: exit 1 with its message.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
