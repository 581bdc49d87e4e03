import Foundation

/// One thing that needs the owner's attention, and why.
public struct Reminder: Sendable, Equatable {
    /// Stable across runs: `rule:subject`, e.g. `overdue:1042`, `low-stock:MUG-01`.
    public var key: String
    public var rule: String
    public var kind: RuleKind
    public var urgency: Urgency
    /// One line with the reason: the value and the threshold it crossed.
    public var message: String
    /// What the rule measured (`4 days`, `2 available`) and the limit it crossed.
    public var value: String
    public var threshold: String
    /// What must change for the reminder to be news again within its cool-down.
    public var situation: String
    public var orderRef: String?
    public var customer: String?
    public var sku: String?
    /// How the log saw it: new, changed, again (cool-down over), quiet, snoozed.
    public var state: State = .new
    public var lastShown: Date?
    public var snoozedUntil: Date?
    /// Sorts reminders of one rule: larger first (days overdue, hours stuck, ...).
    var weight: Double = 0
    var ruleIndex = 0

    public enum State: String, Sendable { case new, changed, again, quiet, snoozed }
}

/// What `remind` found: the reminders to show, and how many stayed quiet.
public struct RemindResult: Sendable {
    public var shown: [Reminder]
    public var quiet: Int
    public var snoozed: Int
    public var firing: Int { shown.count + quiet + snoozed }
}

/// A snoozed reminder.
public struct Snooze: Sendable, Equatable {
    public var key: String
    public var until: Date
}

extension OrderStore {
    static let openStatusList = "'pending', 'confirmed', 'processing', 'on_hold'"

    /// Evaluates every enabled rule, then sorts out what the log says was already shown.
    /// Reads only; `recordShown` marks what was delivered.
    public func reminders(all: Bool = false, rules only: [String] = []) throws -> RemindResult {
        try db.read {
            var rules = try self.rules().filter(\.enabled)
            if !only.isEmpty {
                let wanted = try only.map { try requireRule($0).name.lowercased() }
                rules = try self.rules().filter { wanted.contains($0.name.lowercased()) }
            }
            let zone = try timeZone()
            let now = self.now
            var fired: [Reminder] = []
            for (i, rule) in rules.enumerated() {
                var found = try evaluate(rule, now: now, zone: zone)
                for j in found.indices { found[j].ruleIndex = i }
                fired += found
            }
            let cooldownDefault = try Span.parse(try setting(.remindCooldown) ?? "1d", field: "remind.cooldown")
            let cooldowns = Dictionary(uniqueKeysWithValues: rules.map { ($0.name.lowercased(), $0.params["cooldown"].flatMap { try? Span.parse($0, field: "cooldown") } ?? cooldownDefault) })
            let log = try reminderLog()
            var result = RemindResult(shown: [], quiet: 0, snoozed: 0)
            let today = LocalDate(now, in: zone)
            for var r in fired {
                let entry = log[r.key]
                r.lastShown = entry?.shownAt
                r.snoozedUntil = entry?.snoozedUntil.flatMap { $0 > now ? $0 : nil }
                if r.snoozedUntil != nil {
                    r.state = .snoozed
                } else if let shown = entry?.shownAt {
                    if entry!.situation != r.situation {
                        r.state = .changed
                    } else {
                        let cooldown = cooldowns[r.rule.lowercased()] ?? cooldownDefault
                        // Whole days count calendar days, so a daily cron job a minute
                        // early still sees yesterday's reminders again.
                        let over = cooldown.isWholeDays
                            ? LocalDate(shown, in: zone).adding(days: cooldown.days) <= today
                            : shown.addingTimeInterval(cooldown.seconds) <= now
                        r.state = over ? .again : .quiet
                    }
                }
                switch r.state {
                case .quiet where !all: result.quiet += 1
                case .snoozed where !all: result.snoozed += 1
                default: result.shown.append(r)
                }
            }
            result.shown.sort { a, b in
                if a.urgency != b.urgency { return a.urgency < b.urgency }
                if a.ruleIndex != b.ruleIndex { return a.ruleIndex < b.ruleIndex }
                if a.weight != b.weight { return a.weight > b.weight }
                return a.key < b.key
            }
            return result
        }
    }

    struct LogEntry { var situation: String; var shownAt: Date?; var snoozedUntil: Date? }

    func reminderLog() throws -> [String: LogEntry] {
        var log: [String: LogEntry] = [:]
        try db.forEach("SELECT key, situation, shown_at, snoozed_until FROM reminder_log") { r in
            log[r.string(0)] = LogEntry(situation: r.string(1), shownAt: r.optionalString(2).flatMap(Instant.parse),
                                        snoozedUntil: r.optionalString(3).flatMap(Instant.parse))
        }
        return log
    }

    /// Marks reminders as shown now, in one transaction, and forgets entries so old
    /// that any cool-down has passed.
    public func recordShown(_ reminders: [Reminder]) throws {
        try db.transaction {
            let now = nowText
            for r in reminders {
                try db.run("""
                    INSERT INTO reminder_log(key, situation, shown_at) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET situation = excluded.situation, shown_at = excluded.shown_at,
                        snoozed_until = iif(snoozed_until > excluded.shown_at, snoozed_until, NULL)
                    """, r.key, r.situation, now)
            }
            let cutoff = Instant.format(self.now.addingTimeInterval(-400 * 86400))
            try db.run("DELETE FROM reminder_log WHERE shown_at < ? AND (snoozed_until IS NULL OR snoozed_until < ?)", cutoff, now)
        }
    }

    /// Hides a reminder until `until`. The key must name a rule and an order or SKU
    /// that exists, so a typo is not silently kept.
    public func snooze(_ key: String, until: Date) throws -> Snooze {
        try db.transaction {
            let key = try checkedKey(key)
            guard until > now else {
                throw OrderError.invalidValue(field: "until", value: Instant.format(until), reason: "not in the future")
            }
            try db.run("""
                INSERT INTO reminder_log(key, situation, snoozed_until) VALUES (?, '', ?)
                ON CONFLICT (key) DO UPDATE SET snoozed_until = excluded.snoozed_until
                """, key, Instant.format(until))
            return Snooze(key: key, until: until)
        }
    }

    /// Ends a snooze; false when the key was not snoozed.
    public func unsnooze(_ key: String) throws -> Bool {
        try db.transaction {
            let key = try checkedKey(key)
            let was = try db.scalarInt("SELECT count(*) FROM reminder_log WHERE key = ? AND snoozed_until > ?", key, nowText) > 0
            try db.run("UPDATE reminder_log SET snoozed_until = NULL WHERE key = ?", key)
            return was
        }
    }

    public func snoozes() throws -> [Snooze] {
        try db.read {
            try db.query("SELECT key, snoozed_until FROM reminder_log WHERE snoozed_until > ? ORDER BY snoozed_until, key", nowText) { r in
                Snooze(key: r.string(0), until: Instant.parse(r.string(1)) ?? now)
            }
        }
    }

    /// `rule:subject` with the rule's stored spelling and the subject checked.
    func checkedKey(_ key: String) throws -> String {
        guard let colon = key.firstIndex(of: ":"), colon != key.startIndex, key.index(after: colon) != key.endIndex else {
            throw OrderError.invalidValue(field: "key", value: key, reason: "expected RULE:SUBJECT as remind shows it, e.g. overdue:1042 or low-stock:MUG-01")
        }
        let rule = try requireRule(String(key[..<colon]))
        let subject = String(key[key.index(after: colon)...])
        switch rule.kind {
        case .lowStock, .stockoutSoon:
            guard let p = try findProduct(subject) else { throw OrderError.unknownProduct(sku: subject) }
            return "\(rule.name):\(p.sku)"
        default:
            guard let ref = try db.scalarString("SELECT ref FROM orders WHERE ref = ?", subject) else { throw OrderError.unknownOrder(ref: subject) }
            return "\(rule.name):\(ref)"
        }
    }

    // MARK: - The rules

    func evaluate(_ rule: Rule, now: Date, zone: TimeZone) throws -> [Reminder] {
        let today = LocalDate(now, in: zone)
        func reminder(_ subject: String, order: String? = nil, customer: String? = nil, sku: String? = nil,
                      message: String, value: String, threshold: String, situation: String, weight: Double) -> Reminder {
            Reminder(key: "\(rule.name):\(subject)", rule: rule.name, kind: rule.kind, urgency: rule.urgency, message: message,
                     value: value, threshold: threshold, situation: situation, orderRef: order, customer: customer, sku: sku,
                     weight: weight)
        }
        func days(_ n: Int) -> String { Span.count(n, "day") }
        switch rule.kind {
        case .dueSoon:
            let within = rule.span("within").days
            return try db.query("""
                SELECT o.ref, c.name, o.due_date, o.status FROM orders o JOIN customers c ON c.id = o.customer_id
                 WHERE o.due_date IS NOT NULL AND o.status IN (\(Self.openStatusList)) AND o.due_date >= ? AND o.due_date <= ?
                """, today.iso, today.adding(days: within).iso) { r in
                let due = LocalDate(iso: r.string(2))!
                let left = today.days(until: due)
                let when = left == 0 ? "today" : left == 1 ? "tomorrow" : "in \(days(left))"
                return reminder(r.string(0), order: r.string(0), customer: r.string(1),
                                message: "order \(r.string(0)) (\(r.string(1))) is due \(when), \(due.iso), and is still \(r.string(3)) (due-soon within \(days(within)))",
                                value: days(left), threshold: "within \(days(within))", situation: "due \(due.iso)", weight: Double(-left))
            }
        case .overdue:
            let grace = rule.span("grace").days
            return try db.query("""
                SELECT o.ref, c.name, o.due_date, o.status FROM orders o JOIN customers c ON c.id = o.customer_id
                 WHERE o.due_date IS NOT NULL AND o.status IN (\(Self.openStatusList)) AND o.due_date < ?
                """, today.adding(days: -grace).iso) { r in
                let due = LocalDate(iso: r.string(2))!
                let late = due.days(until: today)
                return reminder(r.string(0), order: r.string(0), customer: r.string(1),
                                message: "order \(r.string(0)) (\(r.string(1))) is \(days(late)) overdue (due \(due.iso)) and is still \(r.string(3))"
                                    + (grace > 0 ? " (grace \(days(grace)))" : ""),
                                value: days(late), threshold: grace > 0 ? "grace \(days(grace))" : "due date", situation: "due \(due.iso)",
                                weight: Double(late))
            }
        case .stuck:
            var out: [Reminder] = []
            for limit in try stuckLimits(rule) {
                let status = limit.status.rawValue
                out += try db.query("""
                    SELECT o.ref, c.name, o.status_at FROM orders o JOIN customers c ON c.id = o.customer_id
                     WHERE o.status IN ('pending', 'confirmed', 'processing', 'on_hold', 'shipped')
                       AND o.status = '\(status)' AND o.status_at <= ?
                    """, Instant.format(now.addingTimeInterval(-limit.span.seconds))) { r in
                    let since = Instant.parse(r.string(2)) ?? now
                    let elapsed = now.timeIntervalSince(since)
                    return reminder(r.string(0), order: r.string(0), customer: r.string(1),
                                    message: "order \(r.string(0)) (\(r.string(1))) \(Self.stuckPhrase(limit.status)) for \(Span.elapsed(elapsed)) (limit \(limit.span)\(limit.why))",
                                    value: Span.elapsed(elapsed), threshold: "\(limit.span)", situation: "\(status) since \(r.string(2))",
                                    weight: elapsed / limit.span.seconds)
                }
            }
            return out
        case .unpaid:
            let after = rule.span("after")
            return try db.query("""
                SELECT o.ref, c.name, o.total, o.paid_total, o.currency, o.confirmed_at FROM orders o JOIN customers c ON c.id = o.customer_id
                 WHERE o.paid_total < o.total AND o.status NOT IN ('pending', 'cancelled') AND o.confirmed_at <= ?
                """, Instant.format(now.addingTimeInterval(-after.seconds))) { r in
                let currency = try Currency(code: r.string(4))
                let owed = Money(minor: r.int64(2) - r.int64(3), currency: currency)
                let elapsed = now.timeIntervalSince(Instant.parse(r.string(5)) ?? now)
                return reminder(r.string(0), order: r.string(0), customer: r.string(1),
                                message: "order \(r.string(0)) (\(r.string(1))) still owes \(owed) of \(Money(minor: r.int64(2), currency: currency)) \(Span.elapsed(elapsed)) after it was confirmed (limit \(after))",
                                value: Span.elapsed(elapsed), threshold: "\(after)", situation: "paid \(r.int64(3))", weight: elapsed)
            }
        case .lowStock:
            return try db.query("""
                SELECT sku, name, on_hand - reserved, reorder_at, on_hand FROM products
                 WHERE track_stock = 1 AND active = 1 AND on_hand - reserved <= coalesce(reorder_at, 0)
                """) { r in
                let available = r.int64(2)
                let level = r.optionalInt64(3)
                let what = available <= 0 ? "none available (\(r.int64(4)) on hand, all reserved)" : "\(available) available"
                let why = level.map { "at or below its reorder level of \($0)" } ?? "and no reorder level set"
                return reminder(r.string(0), sku: r.string(0),
                                message: "\(r.string(0)) (\(r.string(1))): \(available <= 0 && r.int64(4) <= 0 ? "out of stock" : what), \(why)",
                                value: "\(available)", threshold: level.map(String.init) ?? "0", situation: "available \(available)",
                                weight: Double(-available))
            }
        case .stockoutSoon:
            let minWeeks = rule.int("min-weeks")
            var out: [Reminder] = []
            for p in try stockoutCandidates(today: today, minWeeks: minWeeks) {
                guard p.daysLeft <= Double(p.leadDays) else { continue }
                let runOut = today.adding(days: Int(p.daysLeft.rounded(.down)))
                out.append(reminder(p.sku, sku: p.sku,
                                    message: "\(p.sku) (\(p.name)) will run out in about \(days(Int(p.daysLeft.rounded(.down)))) (around \(runOut.iso): \(p.available) available, selling about \(Self.rate(p.weekly)) a week), within its \(p.leadDays)-day restock lead time",
                                    value: days(Int(p.daysLeft.rounded(.down))), threshold: "\(p.leadDays) days", situation: "available \(p.available)",
                                    weight: -p.daysLeft))
            }
            return out
        case .flagged:
            return try db.query("""
                SELECT o.ref, c.name, o.flag, o.status,
                       (SELECT max(e.at) FROM order_events e WHERE e.order_id = o.id AND e.kind = 'flagged')
                  FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.flag IS NOT NULL
                """) { r in
                let since = r.optionalString(4).flatMap(Instant.parse)
                return reminder(r.string(0), order: r.string(0), customer: r.string(1),
                                message: "order \(r.string(0)) (\(r.string(1))) is flagged: \(r.string(2))"
                                    + (since.map { " (for \(Span.elapsed(now.timeIntervalSince($0))); \(r.string(3)))" } ?? " (\(r.string(3)))"),
                                value: r.string(2), threshold: "open flag", situation: "flag \(r.string(2))",
                                weight: since.map { now.timeIntervalSince($0) } ?? 0)
            }
        }
    }

    static func rate(_ weekly: Double) -> String {
        weekly >= 10 ? String(Int(weekly.rounded())) : String(format: "%.1f", weekly)
    }

    static func stuckPhrase(_ status: OrderStatus) -> String {
        switch status {
        case .pending: return "has waited to be confirmed"
        case .confirmed: return "has been confirmed and not shipped"
        case .processing: return "has been partly shipped"
        case .onHold: return "has been on hold"
        case .shipped: return "has been in transit"
        default: return "has been \(status.rawValue)"
        }
    }

    /// The limit of each status the stuck rule watches, and where it comes from.
    public struct StuckLimit: Sendable {
        public var status: OrderStatus
        public var span: Span
        /// `, set by rule`, `: the 90th percentile of 812 stays`, ...
        public var why: String
    }

    public func stuckLimits(_ rule: Rule) throws -> [StuckLimit] {
        let percentile = rule.int("percentile")
        let floor = rule.span("floor")
        let minHistory = rule.int("min-history")
        var histograms: [String: [(hours: Int, count: Int)]] = [:]
        try db.forEach("SELECT status, hours, orders FROM status_durations WHERE orders > 0 ORDER BY status, hours") { r in
            histograms[r.string(0), default: []].append((r.int(1), r.int(2)))
        }
        return RuleParameter.stuckStatuses.map { status, fallback in
            let set = rule.params[status.rawValue]
            if let set, set != "auto", let span = try? Span.parse(set, field: status.rawValue) {
                return StuckLimit(status: status, span: span, why: ", set by the rule")
            }
            let hist = histograms[status.rawValue] ?? []
            let n = hist.reduce(0) { $0 + $1.count }
            guard n >= minHistory else {
                return StuckLimit(status: status, span: fallback,
                                  why: ": the default until \(minHistory) orders have left \(status.rawValue) (\(n) so far)")
            }
            // Nearest rank.
            let rank = max(1, Int((Double(percentile) / 100 * Double(n)).rounded(.up)))
            var seen = 0
            var p = hist.last!.hours
            for (hours, count) in hist {
                seen += count
                if seen >= rank { p = hours; break }
            }
            let learned = Span(hours: max(p, 1))
            if learned < floor {
                return StuckLimit(status: status, span: floor, why: ": the floor; the \(Self.ordinal(percentile)) percentile of \(n) stays is \(learned)")
            }
            return StuckLimit(status: status, span: learned, why: ": the \(Self.ordinal(percentile)) percentile of \(n) stays")
        }
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}
