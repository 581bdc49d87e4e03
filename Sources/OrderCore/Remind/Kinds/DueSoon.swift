import Foundation

extension OrderStore {
    /// `due-soon`: orders still to ship whose due date is within the rule's `within` days.
    func dueSoonCandidates(_ scan: RuleScan, _ c: ReminderContext) throws {
        let db = self.db
        let rule = c.rule
        let today = c.today
        let names = c.names
        let within = rule.span("within").days
        try scan.scan(
            db,
            """
            SELECT o.ref, o.customer_id, o.due_date, o.status, o.updated_at, o.ref AS subject_, 'due ' || o.due_date AS situation_
              FROM orders o INDEXED BY orders_open_due
             WHERE o.due_date IS NOT NULL AND o.status IN (\(OrderStatus.awaitingShipment.sqlList)) AND o.due_date >= ? AND o.due_date <= ?
            """, [today.iso, today.adding(days: within).iso],
            due: "h.updated_at < :bat_ AND h.due_date >= :b1_ AND h.due_date <= :b2_"
        ) { r in
            let (ref, customer, dueText, status) = (r.string(0), r.int64(1), r.string(2), r.string(3))
            let due = LocalDate(iso: dueText)!
            let left = today.days(until: due)
            return Candidate(subject: ref, situation: "due \(dueText)", weight: Double(-left)) {
                let name = try names.name(customer, db)
                let when = left == 0 ? "today" : left == 1 ? "tomorrow" : "in \(c.days(left))"
                return c.message(
                    "order \(ref) (\(name)) is due \(when), \(dueText), and is still \(status) (due-soon within \(c.days(within)))",
                    value: c.days(left), threshold: "within \(c.days(within))", order: ref, customer: name)
            }
        }
    }
}
