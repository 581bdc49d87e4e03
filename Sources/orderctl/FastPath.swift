import ArgumentParser
import Foundation
import OrderCore

/// What a plain invocation of `list`, `show`, `add`, `ship` or `--version` asks for, as
/// plain values: what FastPath parses, and what the ArgumentParser commands hold once
/// parsed (`init(_:)`, through their `filter`, `draft` and `options`).
/// `run()` is the one function both paths run.
enum FastInvocation: Equatable {
    case version
    case list(Globals, OrderFilter, json: Bool, csv: Bool)
    case show(Globals, ref: String, json: Bool)
    case add(Globals, OrderDraft, json: Bool)
    case ship(Globals, refs: [String], ShipOptions)

    func run() throws {
        switch self {
        case .version: Terminal.print(Orderctl.version)
        case .list(let global, let filter, let json, let csv):
            try Orderctl.List.run(global, filter, json: json, csv: csv)
        case .show(let global, let ref, let json): try Orderctl.Show.run(global, ref: ref, json: json)
        case .add(let global, let draft, let json): try Orderctl.Add.run(global, draft, json: json)
        case .ship(let global, let refs, let options): try Orderctl.Ship.run(global, refs, options)
        }
    }

    /// The same value from a command swift-argument-parser parsed, or nil for a command
    /// the fast path does not take (`ship` reading refs from stdin or a file included).
    /// For FastPathTests; the binary never needs it.
    init?(_ command: any ParsableCommand) {
        switch command {
        case let c as Orderctl.List: self = .list(c.global.values, c.filter, json: c.format.json, csv: c.format.csv)
        case let c as Orderctl.Show: self = .show(c.global.values, ref: c.ref, json: c.json.json)
        case let c as Orderctl.Add: self = .add(c.global.values, c.draft, json: c.json.json)
        case let c as Orderctl.Ship:
            guard c.refs.fromFile == nil, !c.refs.refs.contains("-") else { return nil }
            self = .ship(c.global.values, refs: c.refs.refs, c.options)
        default: return nil
        }
    }
}

/// A fast path around swift-argument-parser for the commands a user runs most: `list`,
/// `show`, `add` and `ship` (and `--version`).
///
/// swift-argument-parser builds its model of the command tree by reflection on every
/// run, and in a binary of this size each first-time protocol-conformance lookup scans
/// thousands of records: measured with `perf`, parsing `list --limit 20` took about
/// 5 ms of a 16 ms run, while the whole query and table took less (issue 4's target is
/// 2x the sqlite3 tool, process start included). So these four commands parse plain
/// invocations here into a `FastInvocation`, the value the ArgumentParser commands
/// produce, and run it with the same function.
///
/// The rule that keeps the two paths equal: this parser only ever *accepts*. Anything it
/// does not fully understand — help, an unknown, repeated or misspelt option, `--`, a
/// value that begins with '-', a value that does not convert, a combination the command
/// would refuse — goes to swift-argument-parser unchanged, which then gives the result or
/// the usage error it always gave. `FastPathTests` compares, in process, this parser's
/// value with swift-argument-parser's for every case and generated combinations, and
/// runs a few cases through the binary both ways; `ORDERCTL_FAST_ARGS=0` turns this off
/// (main), and `ORDERCTL_FAST_ARGS=only` makes anything it does not take fail with exit
/// 70 (tests).
enum FastPath {
    /// The options of one command: those taking a value (repeatable or not) and flags.
    struct Spec {
        // Arrays, not sets: a handful of names, and no Set<String> to instantiate at start-up.
        var values: [String] = []
        var repeatable: [String] = []
        var flags: [String] = []
        var positionals: ClosedRange<Int> = 0...0
    }

    /// Options in the order given; a few at most, so arrays, not dictionaries (which
    /// cost more to set up than the search saves).
    struct Parsed {
        var options: [(name: String, value: String)] = []
        var flags: [String] = []
        var positionals: [String] = []

        var values: Values { Values(options: options) }
        func list(_ name: String) -> [String] { options.filter { $0.name == name }.map(\.value) }
    }

    struct Values {
        let options: [(name: String, value: String)]
        subscript(_ name: String) -> String? { options.first { $0.name == name }?.value }
    }

    static let global = ["--db", "--color"]

    /// Scans `arguments` (after the command name) against `spec`, or returns nil when
    /// swift-argument-parser should have them.
    static func scan(_ arguments: ArraySlice<String>, _ spec: Spec) -> Parsed? {
        var parsed = Parsed()
        var i = arguments.startIndex
        while i < arguments.endIndex {
            let token = arguments[i]
            i += 1
            guard token.hasPrefix("-") else {
                parsed.positionals.append(token)
                continue
            }
            var name = token
            var inline: String?
            if let eq = token.firstIndex(of: "=") {
                name = String(token[..<eq])
                inline = String(token[token.index(after: eq)...])
            }
            if spec.flags.contains(name) {
                guard inline == nil, !parsed.flags.contains(name) else { return nil }
                parsed.flags.append(name)
                continue
            }
            let repeatable = spec.repeatable.contains(name)
            guard repeatable || spec.values.contains(name) || global.contains(name) else { return nil }
            let value: String
            if let inline {
                value = inline
            } else {
                guard i < arguments.endIndex else { return nil }
                value = arguments[i]
                i += 1
            }
            // A value that looks like an option is swift-argument-parser's to judge.
            if value.hasPrefix("-") { return nil }
            if !repeatable && parsed.options.contains(where: { $0.name == name }) { return nil }
            parsed.options.append((name, value))
        }
        guard spec.positionals.contains(parsed.positionals.count) else { return nil }
        return parsed
    }

    /// `--db` and `--color` given after the command, converted as the parser converts them.
    static func globals(_ p: Parsed) -> Globals? {
        var g = Globals(db: p.values["--db"])
        if let text = p.values["--color"] {
            guard let color = ColorChoice(argument: text) else { return nil }
            g.color = color
        }
        return g
    }

    /// What `arguments` (global options already hoisted) ask for, or nil when
    /// swift-argument-parser should have them.
    static func parse(_ arguments: [String]) -> FastInvocation? {
        guard let name = arguments.first else { return nil }
        let rest = arguments.dropFirst()
        switch name {
        case "--version" where rest.isEmpty: return .version
        case "list": return list(rest)
        case "show": return show(rest)
        case "add": return add(rest)
        case "ship": return ship(rest)
        default: return nil
        }
    }

    // Below, the options fill the same fields as `Orderctl.List.filter`, `Orderctl.Add.draft`
    // and `Orderctl.Ship.options` fill; the checks and conversions are the commands' own
    // (`check`, `FilterValues`, `ExpressibleByArgument`). FastPathTests compares the values.

    static func list(_ arguments: ArraySlice<String>) -> FastInvocation? {
        let spec = Spec(
            values: ["--customer", "--since", "--until", "--due-before", "--sort", "--limit"],
            repeatable: ["--status", "--class"],
            flags: ["--overdue", "--flagged", "--unpaid", "--unshipped", "--open", "--reverse", "--json", "--csv"])
        guard let p = scan(arguments, spec), let global = globals(p) else { return nil }
        let json = p.flags.contains("--json")
        let csv = p.flags.contains("--csv")
        // FormatOptions.validate.
        if json && csv { return nil }
        var filter = OrderFilter()
        filter.statuses = p.list("--status")
        filter.customer = p.values["--customer"]
        filter.classes = p.list("--class")
        // A value the parser would refuse is its to refuse, with its usage message.
        guard (try? filter.statuses.map(FilterValues.status)) != nil,
            (try? filter.classes.map(FilterValues.orderClass)) != nil
        else { return nil }
        filter.since = p.values["--since"]
        filter.until = p.values["--until"]
        filter.dueBefore = p.values["--due-before"]
        filter.overdue = p.flags.contains("--overdue")
        filter.flagged = p.flags.contains("--flagged")
        filter.unpaid = p.flags.contains("--unpaid")
        filter.unshipped = p.flags.contains("--unshipped")
        filter.open = p.flags.contains("--open")
        filter.reverse = p.flags.contains("--reverse")
        if let text = p.values["--sort"] {
            guard let sort = OrderSort(argument: text) else { return nil }
            filter.sort = sort
        }
        if let text = p.values["--limit"] {
            guard let limit = Int(argument: text) else { return nil }
            filter.limit = limit
        }
        guard (try? Orderctl.List.check(filter)) != nil else { return nil }
        return .list(global, filter, json: json, csv: csv)
    }

    static func show(_ arguments: ArraySlice<String>) -> FastInvocation? {
        let spec = Spec(flags: ["--json"], positionals: 1...1)
        guard let p = scan(arguments, spec), let global = globals(p) else { return nil }
        return .show(global, ref: p.positionals[0], json: p.flags.contains("--json"))
    }

    static func add(_ arguments: ArraySlice<String>) -> FastInvocation? {
        let spec = Spec(
            values: [
                "--customer", "--due", "--ref", "--channel", "--shipping", "--note", "--date", "--customer-name",
                "--country",
            ],
            repeatable: ["--item"],
            flags: ["--backorder", "--create-customer", "--json"])
        guard let p = scan(arguments, spec), let global = globals(p),
            let customer = p.values["--customer"]
        else { return nil }
        var draft = OrderDraft(customer: customer, items: p.list("--item"))
        draft.ref = p.values["--ref"]
        draft.due = p.values["--due"]
        draft.channel = p.values["--channel"]
        draft.shipping = p.values["--shipping"]
        draft.note = p.values["--note"]
        draft.placedAt = p.values["--date"]
        draft.backorder = p.flags.contains("--backorder")
        draft.createCustomer = p.flags.contains("--create-customer")
        draft.customerName = p.values["--customer-name"]
        draft.customerCountry = p.values["--country"]
        // The checks Orderctl.Add.validate makes: left to it, with its messages.
        guard (try? Orderctl.Add.check(draft)) != nil else { return nil }
        return .add(global, draft, json: p.flags.contains("--json"))
    }

    static func ship(_ arguments: ArraySlice<String>) -> FastInvocation? {
        let spec = Spec(
            values: ["--carrier", "--tracking", "--at"], repeatable: ["--item"], flags: ["--carrier-unchecked"],
            positionals: 1...Int.max)
        guard let p = scan(arguments, spec), let global = globals(p) else { return nil }
        // '-' reads refs from stdin: RefsOptions does that.
        if p.positionals.contains("-") { return nil }
        let options = ShipOptions(
            items: p.list("--item"), carrier: p.values["--carrier"], tracking: p.values["--tracking"],
            at: p.values["--at"], carrierUnchecked: p.flags.contains("--carrier-unchecked"))
        // The checks Orderctl.Ship.validate makes: left to it, with its messages.
        guard (try? Orderctl.Ship.check(options, refs: p.positionals)) != nil else { return nil }
        return .ship(global, refs: p.positionals, options)
    }
}
