import Foundation

extension OrderStore {
    /// `flagged`: orders with an open flag.
    func flaggedCandidates(_ scan: RuleScan, _ c: ReminderContext) throws {
        let db = self.db
        let now = c.now
        let names = c.names
        try scan.scan(
            db,
            """
            SELECT o.ref, o.customer_id, o.flag, o.status, o.id, o.ref AS subject_, 'flag ' || o.flag AS situation_
              FROM orders o INDEXED BY orders_flag WHERE o.flag IS NOT NULL
            """, []
        ) { r in
            let (ref, customer, flag, status, id) = (r.string(0), r.int64(1), r.string(2), r.string(3), r.int64(4))
            return Candidate(subject: ref, situation: "flag \(flag)", weight: 0) {
                let name = try names.name(customer, db)
                let since = try db.scalarString(
                    "SELECT max(at) FROM order_events WHERE order_id = ? AND kind = 'flagged'", id
                ).flatMap(Instant.parse)
                return c.message(
                    "order \(ref) (\(name)) is flagged: \(flag)"
                        + (since.map { s in
                            let age = now.timeIntervalSince(s)
                            return age < 3600
                                ? " (flagged just now; \(status))" : " (for \(Span.elapsed(age)); \(status))"
                        } ?? " (\(status))"),
                    value: flag, threshold: "open flag", order: ref, customer: name)
            }
        }
    }
}
