import Foundation

extension OrderStore {
    /// `overdue`: orders still to ship whose due date passed more than `grace` days ago.
    func overdueCandidates(_ scan: RuleScan, _ c: ReminderContext) throws {
        let db = self.db
        let rule = c.rule
        let today = c.today
        let names = c.names
        let grace = rule.span("grace").days
        try scan.scan(
            db,
            """
            SELECT o.ref, o.customer_id, o.due_date, o.status, o.updated_at, o.ref AS subject_, 'due ' || o.due_date AS situation_
              FROM orders o INDEXED BY orders_open_due
             WHERE o.due_date IS NOT NULL AND o.status IN (\(OrderStatus.awaitingShipment.sqlList)) AND o.due_date < ?
            """, [today.adding(days: -grace).iso], due: "h.updated_at < :bat_ AND h.due_date < :b1_"
        ) { r in
            let (ref, customer, dueText, status) = (r.string(0), r.int64(1), r.string(2), r.string(3))
            let late = LocalDate(iso: dueText)!.days(until: today)
            return Candidate(subject: ref, situation: "due \(dueText)", weight: Double(late)) {
                let name = try names.name(customer, db)
                return c.message(
                    "order \(ref) (\(name)) is \(c.days(late)) overdue (due \(dueText)) and is still \(status)"
                        + (grace > 0 ? " (grace \(c.days(grace)))" : ""),
                    value: c.days(late), threshold: grace > 0 ? "grace \(c.days(grace))" : "due date", order: ref,
                    customer: name)
            }
        }
    }
}
