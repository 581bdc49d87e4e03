import Foundation

extension OrderStore {
    /// `unpaid`: confirmed orders that still owe money `after` the confirmation.
    func unpaidCandidates(_ scan: RuleScan, _ c: ReminderContext) throws {
        let db = self.db
        let rule = c.rule
        let now = c.now
        let names = c.names
        let after = rule.span("after")
        try scan.scan(
            db,
            """
            SELECT o.ref, o.customer_id, o.total, o.paid_total, o.currency, o.confirmed_at, o.updated_at, o.ref AS subject_,
                   'paid ' || o.paid_total AS situation_
              FROM orders o INDEXED BY orders_unpaid
             WHERE o.paid_total < o.total AND o.status NOT IN ('pending', 'cancelled') AND o.confirmed_at <= ?
            """, [Instant.format(now.addingTimeInterval(-after.seconds))],
            due: "h.updated_at < :bat_ AND h.confirmed_at <= :b1_"
        ) { r in
            let (ref, customer, total, paid, currency, confirmed) = (
                r.string(0), r.int64(1), r.int64(2), r.int64(3), r.string(4), r.string(5)
            )
            let elapsed = now.timeIntervalSince(Instant.parse(confirmed) ?? now)
            return Candidate(subject: ref, situation: "paid \(paid)", weight: elapsed) {
                let name = try names.name(customer, db)
                let money = try Currency(code: currency)
                let shown = Span.compared(elapsed: elapsed, limit: after)
                return c.message(
                    "order \(ref) (\(name)) still owes \(Money(minor: total - paid, currency: money)) of \(Money(minor: total, currency: money)) \(shown.elapsed) after it was confirmed (limit \(shown.limit))",
                    value: shown.elapsed, threshold: shown.limit, order: ref, customer: name)
            }
        }
    }
}
