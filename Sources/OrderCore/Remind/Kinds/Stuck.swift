import Foundation

extension OrderStore {
    /// `stuck`: undelivered orders that have stayed in one status longer than its limit
    /// (set by the rule, or learned from the shop's own status durations).
    func stuckCandidates(_ scan: RuleScan, _ c: ReminderContext) throws {
        let db = self.db
        let rule = c.rule
        let now = c.now
        let names = c.names
        for limit in try stuckLimits(rule) {
            let status = limit.status.rawValue
            try scan.scan(
                db, id: status,
                """
                SELECT o.ref, o.customer_id, o.status_at, o.updated_at, o.ref AS subject_, o.status || ' since ' || o.status_at AS situation_
                  FROM orders o INDEXED BY orders_in_status
                 WHERE o.status IN (\(OrderStatus.undelivered.sqlList))
                   AND o.status = '\(status)' AND o.status_at <= ?
                """, [Instant.format(now.addingTimeInterval(-limit.span.seconds))],
                due: "h.updated_at < :bat_ AND h.status_at <= :b1_"
            ) { r in
                let (ref, customer, since) = (r.string(0), r.int64(1), r.string(2))
                let elapsed = now.timeIntervalSince(Instant.parse(since) ?? now)
                return Candidate(
                    subject: ref, situation: "\(status) since \(since)", weight: elapsed / limit.span.seconds
                ) {
                    let name = try names.name(customer, db)
                    let shown = Span.compared(elapsed: elapsed, limit: limit.span)
                    return c.message(
                        "order \(ref) (\(name)) \(Self.stuckPhrase(limit.status)) for \(shown.elapsed) (limit \(shown.limit)\(limit.suffix))",
                        value: shown.elapsed, threshold: shown.limit, order: ref, customer: name)
                }
            }
        }
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
        /// `set by the rule`, `the 90th percentile of 812 stays`, ...
        public var why: String
        var setByRule = false

        /// As a sentence goes on after the limit: `, set by the rule` or `: the 90th ...`.
        public var suffix: String { (setByRule ? ", " : ": ") + why }
    }

    /// The limits a rule applies now: a stuck rule's limit for each status it watches;
    /// none for the other kinds, whose parameters are their limits.
    public func limits(of rule: Rule) throws -> [StuckLimit] {
        rule.kind == .stuck ? try stuckLimits(rule) : []
    }

    func stuckLimits(_ rule: Rule) throws -> [StuckLimit] {
        let percentile = rule.int("percentile")
        let floor = rule.span("floor")
        let minHistory = rule.int("min-history")
        var histograms: [String: [(hours: Int, count: Int)]] = [:]
        try db.forEach("SELECT status, hours, orders FROM status_durations WHERE orders > 0 ORDER BY status, hours") {
            r in
            histograms[r.string(0), default: []].append((r.int(1), r.int(2)))
        }
        return RuleParameter.stuckStatuses.map { status, fallback in
            let set = rule.params[status.rawValue]
            if let set, set != "auto", let span = try? Span.parse(set, field: status.rawValue) {
                return StuckLimit(status: status, span: span, why: "set by the rule", setByRule: true)
            }
            let hist = histograms[status.rawValue] ?? []
            let n = hist.reduce(0) { $0 + $1.count }
            guard n >= minHistory else {
                return StuckLimit(
                    status: status, span: fallback,
                    why: "the default until \(minHistory) orders have left \(status.rawValue) (\(n) so far)")
            }
            // Nearest rank.
            let rank = max(1, Int((Double(percentile) / 100 * Double(n)).rounded(.up)))
            var seen = 0
            var p = hist.last!.hours
            for (hours, count) in hist {
                seen += count
                if seen >= rank {
                    p = hours
                    break
                }
            }
            let learned = Span(hours: max(p, 1))
            if learned < floor {
                return StuckLimit(
                    status: status, span: floor,
                    why: "the floor; the \(Self.ordinal(percentile)) percentile of \(n) stays is \(learned)")
            }
            return StuckLimit(
                status: status, span: learned, why: "the \(Self.ordinal(percentile)) percentile of \(n) stays")
        }
    }
}
