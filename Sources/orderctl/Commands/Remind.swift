import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Remind: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remind",
            abstract:
                "Say what needs attention: due and overdue orders, stuck and unpaid ones, low and running-out stock.",
            discussion: """
                Evaluates every enabled rule (see 'orderctl rule list') and prints one line per \
                reminder with its reason, grouped by urgency, each with its key. Prints nothing \
                when nothing needs attention, so cron mails only when there is news.

                A reminder is not repeated: it shows again when its situation changes (a new \
                due date, another status, a different stock level) or once its cool-down is over \
                (remind.cooldown, default 1d; whole days are calendar days). --all shows every \
                reminder that fires, quiet and snoozed ones too. At most 50 reminders per rule \
                are written out, the most pressing first; one line counts the rest, which count \
                as shown too (--limit N; 0 for no limit; --json and --exec have none).

                Delivery: stdout; or --exec CMD, run once per reminder by /bin/sh with the \
                reminder as JSON on stdin and in ORDERCTL_REMINDER_* environment variables \
                (KEY, RULE, KIND, URGENCY, MESSAGE, ORDER, CUSTOMER, SKU): order data never becomes \
                part of the command; or --mail-to ADDR, one message through 'sendmail -t'. \
                A reminder counts as shown once delivered; one whose --exec fails is tried again \
                next time.

                Exit status: 0, whether or not reminders fired; with --exit-code, 3 when at least \
                one was shown; 1 on errors.

                Examples:
                  orderctl remind
                  orderctl remind --all --json
                  orderctl remind --exec 'notify-send "$ORDERCTL_REMINDER_MESSAGE"'
                  orderctl snooze overdue:1042 --for 3d
                crontab (every morning at 7; cron mails what it prints):
                  0 7 * * * orderctl remind --db ~/shop/orders.db
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Show every reminder that fires, including quiet (within their cool-down) and snoozed ones.")
        var all =
            false
        @Flag(help: "Show what is new without marking it shown.") var peek = false
        @Option(name: .customLong("rule"), help: "Only this rule (repeatable).") var rules: [String] = []
        @Option(
            help:
                "At most this many reminders per rule, the most pressing first; the rest are counted in one line and marked shown (0: no limit; default 50, none for --json and --exec)."
        ) var limit: Int?
        @Flag(name: .customLong("exit-code"), help: "Exit with 3 when at least one reminder is shown.") var exitCode =
            false
        @Option(
            name: .customLong("exec"),
            help: "Run this shell command once per reminder, with the reminder as JSON on stdin."
        ) var exec: String?
        @Option(name: .customLong("mail-to"), help: "Mail the reminders to this address through sendmail -t.")
        var mailTo: String?
        @OptionGroup var json: JSONOption

        func validate() throws {
            if exec != nil && mailTo != nil { throw ValidationError("--exec and --mail-to cannot be used together") }
            if let limit, limit < 0 || limit > 1_000_000_000 {
                throw ValidationError("invalid --limit \(limit): expected 0 (no limit) or a positive number")
            }
            if json.json && (exec != nil || mailTo != nil) {
                throw ValidationError("--json prints to stdout; it cannot be used with --exec or --mail-to")
            }
            if let to = mailTo {
                do { _ = try Validate.mailAddress(to) } catch {
                    throw ValidationError("invalid --mail-to '\(to)': \(FilterValues.reason(error))")
                }
            }
        }

        func run() throws {
            let store = try global.openStore(.existing)
            // Fail before anything is marked shown.
            let sendmail = try mailTo.map { _ in try Self.findSendmail() }
            let perRule = RemindResult.perRuleLimit(requested: limit, forPrograms: json.json || exec != nil)
            let result = try store.reminders(all: all, rules: rules, limit: perRule)
            let zone = try store.timeZone()
            var failed: [Reminder] = []
            if let command = exec {
                for r in result.shown {
                    let status = try Self.run(command, with: r, zone: zone)
                    if status != 0 {
                        failed.append(r)
                        Terminal.warn(
                            "--exec command exited with status \(status) for \(r.key); it will be tried again next time"
                        )
                    }
                }
            } else if let to = mailTo, let sendmail {
                if !result.shown.isEmpty {
                    try Self.mail(result, to: to, sendmail: sendmail, zone: zone)
                }
            } else if json.json {
                Terminal.print(JSON.render(result.shown.map { Self.json($0, zone: zone) }))
            } else {
                if !result.shown.isEmpty { Terminal.print(result.text(zone: zone, title: Self.styled)) }
            }
            if !peek && !result.shown.isEmpty { try store.record(result, failed: failed) }
            if Terminal.stderrIsTerminal && !json.json && (result.quiet + result.snoozed > 0 || result.firing == 0) {
                var parts: [String] = []
                if result.quiet > 0 { parts.append("\(result.quiet) quiet (shown within their cool-down)") }
                if result.snoozed > 0 { parts.append("\(result.snoozed) snoozed") }
                Terminal.note(
                    result.firing == 0
                        ? "Nothing needs attention."
                        : "Also firing: " + parts.joined(separator: ", ") + "; --all shows them.")
            }
            if !failed.isEmpty {
                throw CommandError("--exec failed for \(failed.count) of \(result.shown.count) reminders")
            }
            if exitCode && !result.shown.isEmpty { throw ExitCode(3) }
        }

        /// A group's title on a terminal: urgent in red, warnings in yellow, all bold.
        static func styled(_ title: String, _ urgency: Urgency) -> String {
            switch urgency {
            case .urgent: return Terminal.style(title, .bold, .red)
            case .warning: return Terminal.style(title, .bold, .yellow)
            case .notice: return Terminal.style(title, .bold)
            }
        }

        static func json(_ r: Reminder, zone: TimeZone) -> JSONObject {
            [
                "key": r.key, "rule": r.rule, "kind": r.kind.rawValue, "urgency": r.urgency.rawValue,
                "message": r.message,
                "value": r.value, "threshold": r.threshold, "order": orNull(r.orderRef), "customer": orNull(r.customer),
                "sku": orNull(r.sku), "state": r.state.rawValue,
                "last_shown": orNull(r.lastShown.map(Instant.format)),
                "snoozed_until": orNull(r.snoozedUntil.map(Instant.format)),
            ]
        }

        /// Runs the owner's command with the reminder on stdin and in the environment.
        static func run(_ command: String, with r: Reminder, zone: TimeZone) throws -> Int32 {
            var env = ProcessInfo.processInfo.environment
            let fields: [(String, String?)] = [
                ("KEY", r.key), ("RULE", r.rule), ("KIND", r.kind.rawValue), ("URGENCY", r.urgency.rawValue),
                ("MESSAGE", r.message), ("ORDER", r.orderRef), ("CUSTOMER", r.customer), ("SKU", r.sku),
            ]
            for (name, value) in fields { env["ORDERCTL_REMINDER_\(name)"] = value ?? "" }
            var text = ""
            json(r, zone: zone).writeJSON(into: &text, indent: -1)
            do {
                return try Subprocess.run(
                    "/bin/sh", arguments: ["-c", command], environment: env, stdin: Data((text + "\n").utf8))
            } catch {
                throw CommandError("cannot run --exec command: \(error)")
            }
        }

        static func findSendmail() throws -> String {
            guard let found = Subprocess.find("sendmail", alsoIn: ["/usr/sbin", "/usr/lib"]) else {
                throw CommandError(
                    "--mail-to needs sendmail, and none was found in PATH, /usr/sbin or /usr/lib (install a mail transfer agent, e.g. apt-get install msmtp-mta)"
                )
            }
            return found
        }

        static func mail(_ result: RemindResult, to: String, sendmail: String, zone: TimeZone) throws {
            let status: Int32
            do {
                status = try Subprocess.run(
                    sendmail, arguments: ["-t"], stdin: Data(result.mail(to: to, zone: zone).utf8))
            } catch {
                throw CommandError("cannot run \(sendmail): \(error)")
            }
            guard status == 0 else {
                throw CommandError(
                    "\(sendmail) -t failed (status \(status)); the reminders stay unsent and show again next time")
            }
        }
    }
}

extension Orderctl {
    struct Snooze: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "snooze",
            abstract: "Quiet a reminder for a while, or list and end snoozes.",
            discussion: """
                KEY is what remind prints before each reminder, e.g. overdue:1042 or low-stock:MUG-01.
                Examples:
                  orderctl snooze overdue:1042 --for 3d
                  orderctl snooze low-stock:MUG-01 --until 2026-12-01
                  orderctl snooze --list
                  orderctl snooze --clear overdue:1042
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The reminder's key (RULE:SUBJECT).") var key: String?
        @Option(name: .customLong("for"), help: "How long: \(Span.help). Default 1d.") var duration: String?
        @Option(parsing: .unconditional, help: "Until the start of this day (\(DateResolver.help)).") var until: String?
        @Flag(help: "List the reminders snoozed now.") var list = false
        @Flag(help: "End the snooze of KEY.") var clear = false
        @OptionGroup var json: JSONOption

        func validate() throws {
            if list && (key != nil || clear || duration != nil || until != nil) {
                throw ValidationError("--list takes no key and no other option")
            }
            if !list && key == nil {
                throw ValidationError("missing KEY (as remind prints it, e.g. overdue:1042), or --list")
            }
            if let key { try OptionCheck.field(key, option: "key") { try ReminderKey.split($0) } }
            if duration != nil && until != nil { throw ValidationError("--for and --until cannot be used together") }
            if clear && (duration != nil || until != nil) { throw ValidationError("--clear takes no --for or --until") }
            if let duration {
                do { _ = try Span.parse(duration, field: "for") } catch {
                    throw OptionCheck.usage(error, option: "--for")
                }
            }
            try OptionCheck.date(until, option: "--until")
        }

        func run() throws {
            let store = try global.openStore(.existing)
            let zone = try store.timeZone()
            if list {
                let snoozes = try store.snoozes()
                if json.json {
                    Terminal.print(
                        JSON.render(snoozes.map { ["key": $0.key, "until": Instant.format($0.until)] as JSONObject }))
                } else if snoozes.isEmpty {
                    Terminal.note("No reminder is snoozed.")
                } else {
                    var t = Table([.init(title: "KEY"), .init(title: "UNTIL")])
                    for s in snoozes { t.add([s.key, Instant.display(s.until, in: zone)]) }
                    Terminal.print(t.render())
                }
                return
            }
            if clear {
                let was = try store.unsnooze(key!)
                Terminal.print(was ? "\(key!) is no longer snoozed" : "\(key!) was not snoozed")
                return
            }
            let s = try store.snooze(key!, for: duration, untilDay: until)
            Terminal.print("snoozed \(s.key) until \(Instant.display(s.until, in: zone))")
        }
    }
}

extension Orderctl {
    struct Rule: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rule",
            abstract: "Show and change the rules remind evaluates.",
            discussion: """
                Every database starts with one rule of each kind: due-soon, overdue, stuck, unpaid, \
                low-stock, stockout-soon and flagged. Change their parameters, turn them off, or add \
                more rules of a kind under another name.
                Examples:
                  orderctl rule list
                  orderctl rule show stuck
                  orderctl rule set due-soon within=3d
                  orderctl rule set stuck shipped=10d floor=12h
                  orderctl rule set unpaid after=      (back to the default)
                  orderctl rule disable stockout-soon
                  orderctl rule add due-this-week --kind due-soon within=7d urgency=notice
                Durations: \(Span.help).
                """,
            subcommands: [List.self, Show.self, Set.self, Enable.self, Disable.self, Add.self, Remove.self],
            defaultSubcommand: List.self)

        static func parsePairs(_ pairs: [String]) throws -> [(String, String)] {
            try pairs.map { pair in
                guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                    throw ValidationError(
                        "invalid parameter '\(OrderError.clip(pair))': expected NAME=VALUE, e.g. within=3d")
                }
                return (String(pair[..<eq]), String(pair[pair.index(after: eq)...]))
            }
        }

        static func turn(_ name: String, on: Bool, _ global: GlobalOptions) throws {
            let rule = try global.openStore(.existing).enableRule(name, on)
            Terminal.print("\(rule.name) is \(on ? "enabled" : "disabled")")
        }

        static func describe(_ rule: OrderCore.Rule) -> String {
            rule.parameters.compactMap { p in
                guard let v = rule.value(p.name) else { return nil }
                return "\(p.name)=\(v)"
            }.joined(separator: " ")
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "list", abstract: "List the rules.",
                discussion: "Example: orderctl rule list --json")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var format: FormatOptions

            func run() throws {
                let store = try global.openStore(.existing)
                let rules = try store.rules()
                if format.json {
                    Terminal.print(JSON.render(rules.map(Orderctl.Rule.json)))
                } else if format.csv {
                    CSV.write(header: ["name", "kind", "enabled", "urgency", "parameters"], rows: rules) {
                        [
                            $0.name, $0.kind.rawValue, $0.enabled ? "1" : "0", $0.urgency.rawValue,
                            Orderctl.Rule.describe($0),
                        ]
                    }
                } else {
                    var t = Table([
                        .init(title: "RULE"), .init(title: "KIND"), .init(title: "ON"), .init(title: "URGENCY"),
                        .init(title: "PARAMETERS", flexible: true),
                    ])
                    for r in rules {
                        t.add([
                            r.name, r.kind.rawValue, r.enabled ? "yes" : "no", r.urgency.rawValue,
                            Orderctl.Rule.describe(r),
                        ])
                    }
                    Terminal.print(t.render())
                }
            }
        }

        static func json(_ r: OrderCore.Rule) -> JSONObject {
            var params: JSONObject = [:]
            for p in r.parameters { if let v = r.value(p.name) { params[p.name] = v } }
            return [
                "name": r.name, "kind": r.kind.rawValue, "enabled": r.enabled, "builtin": r.builtin,
                "urgency": r.urgency.rawValue, "parameters": params,
            ]
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show", abstract: "Show a rule: what it does, its parameters, and its limits now.",
                discussion: "Example: orderctl rule show stuck")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The rule's name.") var name: String
            @OptionGroup var json: JSONOption

            func run() throws {
                let store = try global.openStore(.existing)
                let rule = try store.rule(named: name)
                let limits = try store.limits(of: rule)
                if json.json {
                    var o = Orderctl.Rule.json(rule)
                    if !limits.isEmpty {
                        o["limits"] = limits.map {
                            [
                                "status": $0.status.rawValue, "limit": $0.span.code,
                                "why": $0.why,
                            ] as JSONObject
                        }
                    }
                    Terminal.print(JSON.render(o))
                    return
                }
                var lines = [
                    "\(Terminal.style(rule.name, .bold))  (\(rule.kind.rawValue), \(rule.enabled ? "enabled" : "disabled"), \(rule.urgency.rawValue))",
                    "  \(rule.kind.summary)", "", "Parameters:",
                ]
                var t = Table([.init(title: "NAME"), .init(title: "VALUE"), .init(title: "MEANING", flexible: true)])
                for p in rule.parameters {
                    let v =
                        rule.params[p.name].map { "\($0) (set)" } ?? p.defaultValue
                        ?? (p.name == "urgency" ? rule.urgency.rawValue : "(setting)")
                    t.add([p.name, v, p.summary])
                }
                lines.append(t.render())
                if !limits.isEmpty {
                    lines += ["", "Limits now:"]
                    for l in limits { lines.append("  \(l.status.rawValue): \(l.span)\(l.suffix)") }
                }
                Terminal.print(lines.joined(separator: "\n"))
            }
        }

        struct Set: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set",
                abstract: "Change a rule's parameters (NAME=VALUE; an empty value restores the default).",
                discussion: "Example: orderctl rule set due-soon within=3d urgency=warning")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The rule's name.") var name: String
            @Argument(help: "NAME=VALUE pairs.") var parameters: [String] = []

            func validate() throws {
                if parameters.isEmpty { throw ValidationError("missing NAME=VALUE (see 'orderctl rule show \(name)')") }
                _ = try Orderctl.Rule.parsePairs(parameters)
            }

            func run() throws {
                let store = try global.openStore(.existing)
                let rule = try store.setRule(name, params: try Orderctl.Rule.parsePairs(parameters))
                Terminal.print("\(rule.name): \(Orderctl.Rule.describe(rule))")
            }
        }

        struct Enable: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "enable", abstract: "Turn a rule on.",
                discussion: "Example: orderctl rule enable stockout-soon")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The rule's name.") var name: String
            func run() throws { try Orderctl.Rule.turn(name, on: true, global) }
        }

        struct Disable: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "disable", abstract: "Turn a rule off.",
                discussion: "Example: orderctl rule disable stockout-soon")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The rule's name.") var name: String
            func run() throws { try Orderctl.Rule.turn(name, on: false, global) }
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add", abstract: "Add a rule of a kind under a new name.",
                discussion: """
                    Kinds: \(RuleKind.allCases.map(\.rawValue).joined(separator: ", ")).
                    Example: orderctl rule add due-this-week --kind due-soon within=7d urgency=notice
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The new rule's name (letters, digits, - and _).") var name: String
            @Option(
                help: ArgumentHelp(
                    "What it looks at: \(RuleKind.allCases.map(\.rawValue).joined(separator: ", ")).",
                    valueName: "kind"),
                completion: .list(RuleKind.allCases.map(\.rawValue)),
                transform: OptionCheck.ruleKind)
            var kind: RuleKind
            @Argument(help: "NAME=VALUE pairs.") var parameters: [String] = []
            @Flag(help: "Add it turned off.") var disabled = false

            func validate() throws {
                let pairs = try Orderctl.Rule.parsePairs(parameters)
                do { try OrderStore.checkNewRule(name: name, kind: kind, params: pairs) } catch {
                    throw ValidationError("\(error)")
                }
            }

            func run() throws {
                let store = try global.openStore(.existing)
                let rule = try store.addRule(
                    name: name, kind: kind, params: try Orderctl.Rule.parsePairs(parameters),
                    enabled: !disabled)
                Terminal.print("added rule \(rule.name) (\(rule.kind.rawValue)): \(Orderctl.Rule.describe(rule))")
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "remove", abstract: "Remove a rule you added (default rules can only be disabled).",
                discussion: "Example: orderctl rule remove due-this-week")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The rule's name.") var name: String
            func run() throws {
                try global.openStore(.existing).removeRule(name)
                Terminal.print("removed rule \(name)")
            }
        }
    }
}
