import Foundation

extension OrderStore {
    /// `shop-sync`: shops whose last sync failed, or that have had no successful sync for
    /// `after` (cron stopped, the machine was off, a token expired).
    func shopSyncCandidates(_ scan: RuleScan, _ c: ReminderContext) throws {
        let after = c.rule.span("after")
        let now = c.now
        try scan.scan(
            db,
            """
            SELECT name, synced_at, sync_error, added_at, name AS subject_,
                   CASE WHEN sync_error IS NOT NULL THEN 'failed: ' || sync_error
                        ELSE 'last ' || coalesce(synced_at, 'never') END AS situation_
              FROM shops
             WHERE removed_at IS NULL AND (sync_error IS NOT NULL OR coalesce(synced_at, added_at) <= ?)
            """, [Instant.format(now.addingTimeInterval(-after.seconds))]
        ) { r in
            let (name, synced, error, added) = (
                r.string(0), r.optionalString(1).flatMap(Instant.parse), r.optionalString(2),
                Instant.parse(r.string(3)) ?? now
            )
            let since = synced ?? added
            let age = now.timeIntervalSince(since)
            let situation = error.map { "failed: \($0)" } ?? "last \(synced.map(Instant.format) ?? "never")"
            return Candidate(subject: name, situation: situation, weight: age) {
                let last =
                    synced.map { "the last good one \(Span.elapsed(now.timeIntervalSince($0))) ago" }
                    ?? "none since it was added \(Span.elapsed(now.timeIntervalSince(added))) ago"
                let text: String
                if let error {
                    text = "shop \(name): the last sync failed (\(error)); \(last): see 'orderctl sync \(name)'"
                } else if synced == nil {
                    text =
                        "shop \(name): never synced since it was added \(Span.elapsed(age)) ago (is cron running 'orderctl sync'?)"
                } else {
                    text =
                        "shop \(name): no successful sync for \(Span.elapsed(age)) (is cron running 'orderctl sync'?)"
                }
                return c.message(text, value: synced.map(Instant.format) ?? "never", threshold: after.code)
            }
        }
    }

    /// `inbox`: shops with deliveries or orders waiting in the inbox.
    func inboxCandidates(_ scan: RuleScan, _ c: ReminderContext) throws {
        try scan.scan(
            db,
            """
            SELECT s.name, count(*), sum(i.state = 'conflict'), sum(i.state = 'failed'), min(i.received_at),
                   s.name AS subject_, count(*) || ' waiting' AS situation_
              FROM intake i JOIN shops s ON s.id = i.shop_id
             WHERE i.state IN ('received', 'failed', 'conflict')
             GROUP BY s.id
            """, []
        ) { r in
            let (name, count, conflicts, failed, oldest) = (r.string(0), r.int(1), r.int(2), r.int(3), r.string(4))
            return Candidate(subject: name, situation: "\(count) waiting", weight: Double(count)) {
                var kinds: [String] = []
                if conflicts > 0 { kinds.append("\(conflicts) \(conflicts == 1 ? "conflict" : "conflicts")") }
                if failed > 0 { kinds.append("\(failed) not applied") }
                if count > conflicts + failed { kinds.append("\(count - conflicts - failed) received") }
                return c.message(
                    "shop \(name): \(count) \(count == 1 ? "order waits" : "orders wait") in the inbox (\(kinds.joined(separator: ", ")); the oldest since \(oldest)): 'orderctl inbox'",
                    value: String(count), threshold: "0")
            }
        }
    }
}
