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
    /// The log entry's own time, when the run read it (see `record`).
    var ownShownAt: String?

    public enum State: String, Sendable { case new, changed, again, quiet, snoozed }
}

/// What `remind` found: the reminders to show, and how many stayed quiet.
public struct RemindResult: Sendable {
    public var shown: [Reminder]
    public var quiet: Int
    public var snoozed: Int
    /// Per rule, reminders over the limit: counted, not written out.
    public var more: [(rule: String, count: Int)] = []
    /// Reminders settled from their rule's last run, without a look at the log: due
    /// then under that run's thresholds, and unchanged since.
    public var fromLastRun = 0
    public var firing: Int { shown.count + quiet + snoozed + more.reduce(0) { $0 + $1.count } }
    /// Each evaluated rule's run, for `record`.
    var runs: [RuleRun] = []
    /// When the rules were read (what `record` marks shown), and SQLite's data_version
    /// then: if another connection wrote in between, the runs keep no thresholds.
    var at = ""
    var dataVersion: Int64 = 0

    /// What `record` needs of one rule's evaluation.
    struct RuleRun: Sendable {
        var rule: String
        var over: String
        var todayStart: String
        var wholeDays: Bool
        var bulk: LastRun?
        /// Log entries to write (key, situation, shown at; nil: this run).
        var fresh: [(key: String, situation: String, at: String?)]
        /// The thresholds of each of the rule's queries (JSON), so that the next run can
        /// tell what was due at this one.
        var args: String?
    }

    /// A rule's last recorded run: when, its cool-down edge then, and the thresholds its
    /// queries used (nil when the run cannot settle reminders by itself).
    struct LastRun: Sendable {
        var at: String
        var over: String
        var args: [String: [String]]?
    }
}

/// A snoozed reminder.
public struct Snooze: Sendable, Equatable {
    public var key: String
    public var until: Date
}

extension OrderStore {
    /// Evaluates every enabled rule (or the ones named) and sorts out what the log says
    /// was shown already. At most `limit` reminders per rule are written out, the most
    /// pressing first; the rest are counted. Reads only; `record` marks what was delivered.
    public func reminders(all: Bool = false, rules only: [String] = [], limit: Int? = nil) throws -> RemindResult {
        try db.read {
            var rules = try self.rules()
            if only.isEmpty {
                rules = rules.filter(\.enabled)
            } else {
                let wanted = try only.map { try requireRule($0).name.lowercased() }
                rules = rules.filter { wanted.contains($0.name.lowercased()) }
            }
            let zone = try timeZone()
            let now = self.now
            let today = LocalDate(now, in: zone)
            let cooldownDefault = try Span.parse(try setting(.remindCooldown) ?? "1d", field: "remind.cooldown")
            let names = NameCache()
            var result = RemindResult(shown: [], quiet: 0, snoozed: 0)
            result.at = Instant.format(now)
            result.dataVersion = try db.scalarInt("PRAGMA data_version")
            var bulk: [String: RemindResult.LastRun] = [:]
            try db.forEach("SELECT rule, at, over, args FROM reminder_runs") { r in
                let args = r.optionalString(3).flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: [String]]
                }
                bulk[r.string(0).lowercased()] = .init(at: r.string(1), over: r.string(2), args: args)
            }
            // Reminders snoozed through a run or since (ended snoozes keep their end): such
            // a run did not show them, so they are looked up.
            var snoozedSince: [String: [String]] = [:]
            let nowText = Instant.format(now)
            if let oldest = bulk.values.filter({ $0.args != nil }).map(\.at).min() {
                try db.forEach(
                    "SELECT key, snoozed_until, snoozed_at FROM reminder_log WHERE snoozed_until >= ?",
                    arguments: [oldest]
                ) { r in
                    let key = r.string(0)
                    guard let colon = key.firstIndex(of: ":") else { return }
                    let rule = key[..<colon].lowercased()
                    guard let at = bulk[rule]?.at else { return }
                    let until = r.string(1)
                    let from = r.optionalString(2) ?? ""
                    if until > nowText || (until >= at && from <= at) {
                        snoozedSince[rule, default: []].append(String(key[key.index(after: colon)...]))
                    }
                }
            }
            let todayStart = Instant.format(today.start(in: zone))
            for (i, rule) in rules.enumerated() {
                let cooldown =
                    rule.params["cooldown"].flatMap { try? Span.parse($0, field: "cooldown") } ?? cooldownDefault
                // Shown at or before this instant means the cool-down is over. Whole days
                // count calendar days, so a daily cron job a minute early still sees
                // yesterday's reminders again.
                let over = Instant.format(
                    cooldown.isWholeDays
                        ? today.adding(days: 1 - cooldown.days).start(in: zone).addingTimeInterval(-1)
                        : now.addingTimeInterval(-cooldown.seconds))
                // What the last run's thresholds tell (see RuleScan.scan).
                var last = bulk[rule.name.lowercased()]
                if last?.args?[Self.kindArg] != [rule.kind.rawValue] { last?.args = nil }
                let oneDay = cooldown.isWholeDays && cooldown.days == 1
                let scan = RuleScan(
                    rule: rule, now: nowText, over: over, all: all, limit: limit, bulk: last,
                    settles: oneDay && last?.args?[Self.oneDayArg] == ["1"],
                    oneDay: oneDay, skip: snoozedSince[rule.name.lowercased()] ?? [])
                try candidates(scan, now: now, today: today, names: names)
                var hits = scan.hits.sorted { $0.weight > $1.weight }
                if let limit, hits.count > limit {
                    scan.more += hits.count - limit
                    for c in hits[limit...] where (c.state == .new && c.logNew) || c.state == .changed {
                        scan.fresh.append((rule.name + ":" + c.subject, c.situation, nil))
                    }
                    hits.removeLast(hits.count - limit)
                }
                result.quiet += scan.quiet
                result.snoozed += scan.snoozed
                result.fromLastRun += scan.fromLastRun
                if scan.more > 0 { result.more.append((rule.name, scan.more)) }
                scan.args[Self.kindArg] = [rule.kind.rawValue]
                scan.args[Self.oneDayArg] = [oneDay ? "1" : "0"]
                let args = (try? JSONSerialization.data(withJSONObject: scan.args, options: [.sortedKeys])).map {
                    String(decoding: $0, as: UTF8.self)
                }
                result.runs.append(
                    .init(
                        rule: rule.name, over: over, todayStart: todayStart, wholeDays: cooldown.isWholeDays,
                        bulk: scan.bulk, fresh: scan.fresh, args: args))
                for c in hits {
                    var r = try c.make()
                    r.key = rule.name + ":" + c.subject
                    r.rule = rule.name
                    r.kind = rule.kind
                    r.urgency = rule.urgency
                    r.situation = c.situation
                    r.weight = c.weight
                    r.ruleIndex = i
                    r.state = c.state
                    r.lastShown = c.shownAt.flatMap(Instant.parse)
                    r.ownShownAt = c.ownShownAt
                    r.snoozedUntil = c.state == .snoozed ? c.snoozedUntil.flatMap(Instant.parse) : nil
                    result.shown.append(r)
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

    /// In a run's thresholds, the rule's kind then (a rule removed and added again with
    /// another kind does not inherit them), and whether its cool-down was one calendar day.
    static let kindArg = "#kind", oneDayArg = "#one-day"

    /// One rule's evaluation: its hits, what stayed quiet, what went over the limit.
    final class RuleScan {
        let rule: Rule
        let now: String
        let over: String
        let all: Bool
        let limit: Int?
        var hits: [Candidate] = []
        /// The rule's last recorded run, and its cool-down edge then.
        let bulk: RemindResult.LastRun?
        /// Whether that run and this one have a cool-down of one calendar day: the hits
        /// due at that run and unchanged since are settled without the log.
        let settles: Bool
        /// Whether this run's cool-down is one calendar day.
        let oneDay: Bool
        /// Subjects snoozed through that run or now: looked up all the same.
        let skip: [String]
        var quiet = 0, snoozed = 0, more = 0, fromLastRun = 0
        var fresh: [(key: String, situation: String, at: String?)] = []
        /// The thresholds of each query (by its id), for the next run.
        var args: [String: [String]] = [:]
        var queryHits = 0
        init(
            rule: Rule, now: String, over: String, all: Bool, limit: Int?, bulk: RemindResult.LastRun?,
            settles: Bool = false, oneDay: Bool = false, skip: [String] = []
        ) {
            self.rule = rule
            self.now = now
            self.over = over
            self.all = all
            self.limit = limit
            self.bulk = bulk
            self.settles = settles
            self.oneDay = oneDay
            self.skip = skip
        }

        /// When a hit was last shown. A recorded run of the rule showed every hit of the
        /// rule that was due then (its log entry older than the run and past the
        /// cool-down edge of that run, and not snoozed through it): those take the run's
        /// time, so that a run writes only its new and changed hits, not every repeated one.
        static let shownSQL = """
            CASE WHEN l.shown_at < :bat_ AND l.shown_at <= :bov_
                      AND NOT coalesce(l.snoozed_until >= :bat_ AND coalesce(l.snoozed_at, '') <= :bat_, 0) THEN :bat_
                 ELSE l.shown_at END
            """
        /// How the log sees a hit, worked out by SQLite beside the rule's own query (a
        /// lookup per hit, no Swift string per hit): 0 new, 1 changed, 2 again, 3 quiet,
        /// 4 snoozed; 5 again and 6 quiet when the last run settled it without the log;
        /// 7 again and 8 quiet when it has no entry and was due at the last run.
        static let stateSQL = """
            CASE WHEN l.snoozed_until > :now_ THEN 4 WHEN l.shown_at IS NULL THEN 0 WHEN l.situation IS NOT h.situation_ THEN 1
                 WHEN \(shownSQL) <= :over_ THEN 2 ELSE 3 END
            """
        /// `shownSQL` in Swift, for the few hits that are written out.
        func shown(own: String, snoozedUntil: String?, snoozedAt: String?) -> String {
            guard let bulk, own < bulk.at, own <= bulk.over,
                !(snoozedUntil.map { $0 >= bulk.at && (snoozedAt ?? "") <= bulk.at } ?? false)
            else { return own }
            return bulk.at
        }

        static let states: [Reminder.State] = [
            .new, .changed, .again, .quiet, .snoozed, .again, .quiet, .again, .quiet,
        ]

        /// Runs `inner` (which ends its columns with subject_ and situation_) and makes a
        /// candidate of each hit the log does not silence, up to the limit. `id` names
        /// the query among the rule's; `args` are its thresholds, in order. `due` tells in
        /// SQL over `h` whether a hit was already due at the rule's last recorded run
        /// (under that run's thresholds :b1_, :b2_, ...) and its order has not changed
        /// since (updated before :bat_, the time that run read the orders). Such a hit
        /// was shown or counted by that run, so it needs no log entry of its own:
        /// - both runs with a cool-down of one calendar day: it is settled without a look
        ///   at the log (shown at the run, or earlier that day);
        /// - otherwise, when the log has no showing of it (no entry, or only a snooze that
        ///   ended before that run), it counts as shown at that run; quiet ones get an
        ///   entry with that time here, which the next run needs.
        func scan(
            _ db: Database, id: String = "", _ inner: String, _ args: [String], due: String? = nil,
            _ make: (Row) throws -> Candidate
        ) throws {
            queryHits = 0
            self.args[id] = args
            let prefix = rule.name + ":"
            var named: [String: any SQLBindable] = [
                "rule_": prefix, "now_": now, "bat_": bulk?.at ?? "", "bov_": bulk?.over ?? "", "over_": over,
            ]
            var test: String?
            if let due, let bulk, let before = bulk.args?[id], before.count == args.count {
                for (i, value) in before.enumerated() { named["b\(i + 1)_"] = value }
                test = "(\(due))"
                if !skip.isEmpty {
                    test! += " AND h.subject_ NOT IN (SELECT value FROM json_each(:skip_))"
                    named["skip_"] = String(
                        decoding: (try? JSONSerialization.data(withJSONObject: skip)) ?? Data("[]".utf8), as: UTF8.self)
                }
            }
            let sql: String
            if let test, settles, let bulk {
                named["settled_"] = bulk.at <= over ? 5 : 6
                // Scalar subqueries, not a join: SQLite seeks the log only for the hits
                // the test leaves.
                let log = "FROM reminder_log l WHERE l.key = :rule_ || h.subject_"
                sql = """
                    SELECT h.*, :rule_ AS prefix_,
                           CASE WHEN \(test) THEN :settled_ ELSE coalesce((SELECT \(Self.stateSQL) \(log)), 0) END,
                           CASE WHEN \(test) THEN :bat_ ELSE (SELECT l.shown_at \(log)) END,
                           CASE WHEN \(test) THEN NULL ELSE (SELECT l.snoozed_until \(log)) END,
                           CASE WHEN \(test) THEN NULL ELSE (SELECT l.snoozed_at \(log)) END
                      FROM (\(inner)) h
                    """
            } else if let test, let bulk {
                named["unlogged_"] = bulk.at <= over ? 7 : 8
                sql = """
                    SELECT h.*, :rule_ AS prefix_,
                           CASE WHEN l.shown_at IS NULL AND \(test) THEN :unlogged_ ELSE \(Self.stateSQL) END,
                           CASE WHEN l.shown_at IS NULL AND \(test) THEN :bat_ ELSE l.shown_at END, l.snoozed_until, l.snoozed_at
                      FROM (\(inner)) h LEFT JOIN reminder_log l ON l.key = :rule_ || h.subject_
                    """
            } else {
                sql = """
                    SELECT h.*, :rule_ AS prefix_, \(Self.stateSQL), l.shown_at, l.snoozed_until, l.snoozed_at
                      FROM (\(inner)) h LEFT JOIN reminder_log l ON l.key = :rule_ || h.subject_
                    """
            }
            // A new hit only counted, not written out, needs no log entry when the next
            // run can tell from this one's thresholds that it was due; a changed one does
            // (its entry holds the old situation).
            let logNew = due == nil
            try db.forEach(sql, arguments: args, named: named) { r in
                let n = r.columnCount
                let code = r.int(n - 4)
                if code >= 5 { fromLastRun += 1 }
                if code == 8 && !oneDay { fresh.append((prefix + r.string(n - 7), r.string(n - 6), bulk?.at)) }
                let state = Self.states[code]
                if !all && state == .quiet {
                    quiet += 1
                    return
                }
                if !all && state == .snoozed {
                    snoozed += 1
                    return
                }
                if let limit, queryHits >= limit {
                    more += 1
                    if state == .changed || (state == .new && logNew) {
                        fresh.append((prefix + r.string(n - 7), r.string(n - 6), nil))
                    }
                    return
                }
                queryHits += 1
                var c = try make(r)
                c.situation = r.string(n - 6)
                c.state = state
                c.logNew = logNew
                c.snoozedUntil = r.optionalString(n - 2)
                c.ownShownAt = code >= 5 ? nil : r.optionalString(n - 3)
                c.shownAt = r.optionalString(n - 3).map {
                    shown(own: $0, snoozedUntil: c.snoozedUntil, snoozedAt: r.optionalString(n - 1))
                }
                hits.append(c)
            }
        }

        /// The same for hits worked out in Swift: the log is read per key.
        func add(_ db: Database, _ c: Candidate) throws {
            let row = try db.queryFirst(
                "SELECT situation, shown_at, snoozed_until, snoozed_at FROM reminder_log WHERE key = ?",
                rule.name + ":" + c.subject
            ) {
                ($0.string(0), $0.optionalString(1), $0.optionalString(2), $0.optionalString(3))
            }
            var c = c
            if let (situation, ownShown, until, from) = row {
                let shown = ownShown.map { self.shown(own: $0, snoozedUntil: until, snoozedAt: from) }
                c.shownAt = shown
                c.snoozedUntil = until
                c.ownShownAt = ownShown
                if let until, until > now {
                    c.state = .snoozed
                } else if let shown {
                    c.state = situation != c.situation ? .changed : shown <= over ? .again : .quiet
                }
            }
            if !all && c.state == .quiet {
                quiet += 1
                return
            }
            if !all && c.state == .snoozed {
                snoozed += 1
                return
            }
            hits.append(c)
        }
    }

    /// Marks a run's reminders as delivered at the time the run read the rules, in one
    /// transaction: each rule's run is recorded, with the thresholds it used, so that the
    /// reminders it showed again, and those over the limit it counted, need no write each;
    /// new and changed ones are written. Those in `failed` (an --exec command that failed)
    /// are marked not shown: snoozed through the run, which keeps the run from counting
    /// them (see shownSQL) and shows them next time. Forgets entries so old that any
    /// cool-down has passed.
    ///
    /// When another connection wrote since the rules were read, its orders may carry an
    /// earlier updated_at than the run's time, and the run's thresholds would settle them
    /// unseen: then the runs are not recorded, and every reminder shown is written out
    /// (those only counted may be counted again next time).
    public func record(_ result: RemindResult, failed: [Reminder] = []) throws {
        try write {
            let at = result.at
            let recordRuns = try db.scalarInt("PRAGMA data_version") == result.dataVersion
            let failedKeys = Set(failed.map(\.key))
            // Many rows at a time: a first run can have many to write.
            let log = BulkInsert(
                db, table: "reminder_log", columns: ["key", "situation", "shown_at"], onConflict: Self.logShownConflict)
            func logShown(_ key: String, _ situation: String, _ shownAt: String) throws {
                try log.add { $0 += [.text(key), .text(situation), .text(shownAt)] }
            }
            for run in result.runs where recordRuns {
                let prefix = run.rule + ":"
                let end = run.rule + ";"
                // The previous run's showings that still count (within the cool-down)
                // are written out before this run replaces it; on the same calendar day
                // of a whole-day cool-down the day is all that counts.
                if let b = run.bulk, b.at > run.over, !(run.wholeDays && b.at >= run.todayStart) {
                    try db.run(
                        """
                        UPDATE reminder_log SET shown_at = ?1
                         WHERE key >= ?3 AND key < ?4 AND shown_at < ?1 AND shown_at <= ?2
                           AND NOT coalesce(snoozed_until >= ?1 AND coalesce(snoozed_at, '') <= ?1, 0)
                        """, b.at, b.over, prefix, end)
                }
                for f in run.fresh {
                    try logShown(f.key, f.situation, f.at ?? at)
                }
                try db.run(
                    """
                    INSERT INTO reminder_runs(rule, at, over, args) VALUES (?, ?, ?, ?)
                    ON CONFLICT (rule) DO UPDATE SET at = excluded.at, over = excluded.over, args = excluded.args
                    """, run.rule, at, run.over, run.args)
            }
            // Shown again, unchanged: the run just recorded counts for them. An entry
            // close to being forgotten is written all the same.
            let stale = Instant.format(self.now.addingTimeInterval(-200 * 86400))
            for r in result.shown
            where !failedKeys.contains(r.key)
                && (!recordRuns || r.state != .again || (r.ownShownAt.map { $0 < stale } ?? false))
            {
                try logShown(r.key, r.situation, at)
            }
            try log.flush()
            for r in failed {
                try db.run(
                    """
                    INSERT INTO reminder_log(key, situation, snoozed_until, snoozed_at) VALUES (?, '', ?2, ?2)
                    ON CONFLICT (key) DO UPDATE SET snoozed_at = iif(snoozed_until >= ?2, coalesce(snoozed_at, ''), ?2),
                                                    snoozed_until = max(coalesce(snoozed_until, ''), ?2)
                    """, r.key, at)
            }
            // Both by index: a run should not read the whole log.
            let cutoff = Instant.format(self.now.addingTimeInterval(-400 * 86400))
            try db.run("DELETE FROM reminder_log WHERE shown_at < ?1 AND coalesce(snoozed_until, '') < ?1", cutoff)
            try db.run("DELETE FROM reminder_log WHERE snoozed_until < ?1 AND shown_at IS NULL", cutoff)
        }
    }

    /// A reminder shown: its situation and time replace the old; a snooze that has ended
    /// is forgotten.
    static let logShownConflict = """
        ON CONFLICT (key) DO UPDATE SET situation = excluded.situation, shown_at = excluded.shown_at,
            snoozed_at = iif(snoozed_until > excluded.shown_at, snoozed_at, NULL),
            snoozed_until = iif(snoozed_until > excluded.shown_at, snoozed_until, NULL)
        """

    /// A rule's hit before its message is written: what the log needs, and how to
    /// write the rest when it is shown.
    struct Candidate {
        var subject: String
        var situation: String
        var weight: Double
        var make: () throws -> Reminder
        var state = Reminder.State.new
        var shownAt: String?
        /// The log entry's own time, when it was read.
        var ownShownAt: String?
        var snoozedUntil: String?
        /// Whether a new hit needs a log entry (see RuleScan.scan).
        var logNew = true
        init(subject: String, situation: String, weight: Double, make: @escaping () throws -> Reminder) {
            self.subject = subject
            self.situation = situation
            self.weight = weight
            self.make = make
        }
    }

    /// Customer names by id, looked up only for reminders that are shown.
    final class NameCache {
        var names: [Int64: String] = [:]
        func name(_ id: Int64, _ db: Database) throws -> String {
            if let n = names[id] { return n }
            let n = try db.scalarString("SELECT name FROM customers WHERE id = ?", id) ?? "?"
            names[id] = n
            return n
        }
    }

    /// Hides a reminder until `until`. The key must name a rule and an order or SKU
    /// that exists, so a typo is not silently kept.
    /// Snoozes `key` for a span (`snooze --for`; a day when neither is given) or until a
    /// day begins in the shop's time zone (`--until`, a date or a relative day).
    public func snooze(_ key: String, for span: String?, untilDay day: String?) throws -> Snooze {
        let dates = try dateResolver()
        let end: Date
        if let day {
            end = try dates.date(day, field: "until").start(in: dates.zone)
        } else {
            end = dates.now.addingTimeInterval(try Span.parse(span ?? "1d", field: "for").seconds)
        }
        return try snooze(key, until: end)
    }

    public func snooze(_ key: String, until: Date) throws -> Snooze {
        try write {
            let key = try checkedKey(key)
            guard until > now else {
                throw OrderError.invalidValue(field: "until", value: Instant.format(until), reason: "not in the future")
            }
            // A snooze still running, or one that lasted through the rule's last run, keeps
            // its start: that run did not show the reminder.
            let rule = String(key[..<key.firstIndex(of: ":")!])
            try db.run(
                """
                INSERT INTO reminder_log(key, situation, snoozed_until, snoozed_at) VALUES (?1, '', ?2, ?3)
                ON CONFLICT (key) DO UPDATE SET snoozed_until = excluded.snoozed_until,
                    snoozed_at = iif(snoozed_until > excluded.snoozed_at
                                     OR snoozed_until >= coalesce((SELECT at FROM reminder_runs WHERE rule = ?4), '~'),
                                     coalesce(snoozed_at, ''), excluded.snoozed_at)
                """, key, Instant.format(until), nowText, rule)
            return Snooze(key: key, until: until)
        }
    }

    /// Ends a snooze; false when the key was not snoozed.
    public func unsnooze(_ key: String) throws -> Bool {
        try write {
            let key = try checkedKey(key)
            let was =
                try db.scalarInt("SELECT count(*) FROM reminder_log WHERE key = ? AND snoozed_until > ?", key, nowText)
                > 0
            // The snooze ends now, not never: a run of the rule while it lasted did not
            // show the reminder, which its start and end tell (see shownSQL).
            if was { try db.run("UPDATE reminder_log SET snoozed_until = ? WHERE key = ?", nowText, key) }
            return was
        }
    }

    public func snoozes() throws -> [Snooze] {
        try db.read {
            try db.query(
                "SELECT key, snoozed_until FROM reminder_log WHERE snoozed_until > ? ORDER BY snoozed_until, key",
                nowText
            ) { r in
                Snooze(key: r.string(0), until: Instant.parse(r.string(1)) ?? now)
            }
        }
    }

    /// `rule:subject` with the rule's stored spelling and the subject checked.
    func checkedKey(_ key: String) throws -> String {
        let parts = try ReminderKey.split(key)
        let rule = try requireRule(parts.rule)
        let subject = parts.subject
        switch rule.kind {
        case .lowStock, .stockoutSoon:
            guard let p = try findProduct(subject) else { throw OrderError.unknownProduct(sku: subject) }
            return "\(rule.name):\(p.sku)"
        default:
            guard let ref = try db.scalarString("SELECT ref FROM orders WHERE ref = ?", subject) else {
                throw OrderError.unknownOrder(ref: subject)
            }
            return "\(rule.name):\(ref)"
        }
    }

    // MARK: - The rules

    /// Each rule reads only what an index holds (ref, customer id, the measured
    /// columns); names and messages come later, for what is shown.
    /// The hits of one rule: each kind's query and message live in Remind/Kinds/, one
    /// file per kind, named after it.
    func candidates(_ scan: RuleScan, now: Date, today: LocalDate, names: NameCache) throws {
        let c = ReminderContext(rule: scan.rule, now: now, today: today, names: names)
        switch scan.rule.kind {
        case .dueSoon: try dueSoonCandidates(scan, c)
        case .overdue: try overdueCandidates(scan, c)
        case .stuck: try stuckCandidates(scan, c)
        case .unpaid: try unpaidCandidates(scan, c)
        case .lowStock: try lowStockCandidates(scan, c)
        case .stockoutSoon: try stockoutSoonCandidates(scan, c)
        case .flagged: try flaggedCandidates(scan, c)
        case .shopSync: try shopSyncCandidates(scan, c)
        case .inbox: try inboxCandidates(scan, c)
        }
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}

/// What every reminder kind needs besides its scan: the rule, the clock, and the
/// customer names (looked up once each).
struct ReminderContext {
    let rule: Rule
    let now: Date
    let today: LocalDate
    let names: OrderStore.NameCache

    func message(
        _ text: String, value: String, threshold: String, order: String? = nil, customer: String? = nil,
        sku: String? = nil
    ) -> Reminder {
        Reminder(
            key: "", rule: "", kind: rule.kind, urgency: rule.urgency, message: text, value: value,
            threshold: threshold, situation: "", orderRef: order, customer: customer, sku: sku)
    }

    func days(_ n: Int) -> String { Span.count(n, "day") }
}

/// A reminder's key as `remind` prints it: `RULE:SUBJECT`.
public enum ReminderKey {
    /// The key's shape, judged without the database; whether the rule and the subject
    /// exist is the store's question.
    public static func split(_ key: String) throws(OrderError) -> (rule: String, subject: String) {
        guard let colon = key.firstIndex(of: ":"), colon != key.startIndex, key.index(after: colon) != key.endIndex
        else {
            throw OrderError.invalidValue(
                field: "key", value: key,
                reason: "expected RULE:SUBJECT as remind shows it, e.g. overdue:1042 or low-stock:MUG-01")
        }
        return (String(key[..<colon]), String(key[key.index(after: colon)...]))
    }
}
