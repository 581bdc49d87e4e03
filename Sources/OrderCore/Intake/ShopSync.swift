import Foundation

/// How a platform order arrived.
public enum IntakeVia: String, Sendable {
    case sync, webhook
}

/// What became of one platform order.
public struct IntakeOutcome: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A new order here.
        case created
        /// An order here moved forward (or a shop's order found here and linked).
        case updated
        /// Nothing to do: the same, or an older version than the one applied.
        case unchanged
        /// Not applied, as orderctl will not force it: kept for the owner (`inbox`).
        case conflict
        /// Not applied, as its data does not fit: kept for the owner (`inbox`).
        case failed
    }
    public var platformID: String
    /// The order's ref here, once there is one.
    public var ref: String?
    public var kind: Kind
    public var reason: String?
}

/// One page of a shop's orders applied: every order accounted for.
public struct IntakeSummary: Sendable, Equatable {
    public var outcomes: [IntakeOutcome] = []
    public var warnings: [String] = []

    public var fetched: Int { outcomes.count }
    public func count(_ kind: IntakeOutcome.Kind) -> Int { outcomes.filter { $0.kind == kind }.count }

    public mutating func add(_ other: IntakeSummary) {
        outcomes += other.outcomes
        warnings += other.warnings
    }
}

extension OrderStore {
    /// Applies a page of a shop's orders and moves the shop's cursor to `cursor`, in one
    /// transaction, so that a sync stopped at any point resumes without a gap or a
    /// repeat. Each order by itself: one that cannot be applied is kept in the inbox
    /// (state `failed` or `conflict`) and the others go on. `dryRun` keeps nothing.
    public func applyShopOrders(
        _ orders: [PlatformOrder], shop: Shop, via: IntakeVia = .sync, cursor: Date? = nil, dryRun: Bool = false
    ) throws -> IntakeSummary {
        struct DryRun: Error { let summary: IntakeSummary }
        do {
            return try write {
                var summary = IntakeSummary()
                for order in orders {
                    let (outcome, warnings) = try applyShopOrder(order, shop: shop, via: via)
                    summary.outcomes.append(outcome)
                    summary.warnings += warnings
                }
                if let cursor {
                    // Forward only, against the stored cursor (another sync may have moved it).
                    let text = Instant.format(cursor)
                    try db.run(
                        "UPDATE shops SET cursor = ? WHERE id = ? AND (cursor IS NULL OR cursor < ?)", text, shop.id,
                        text)
                }
                if dryRun { throw DryRun(summary: summary) }
                return summary
            }
        } catch let dry as DryRun {
            return dry.summary
        }
    }

    /// One platform order: created, moved forward, left alone, or kept as a conflict.
    /// `entry` is the delivery's row in `intake` (a webhook): it takes the outcome, instead
    /// of a row of its own.
    func applyShopOrder(_ order: PlatformOrder, shop: Shop, via: IntakeVia, entry: Int64? = nil) throws -> (
        IntakeOutcome, [String]
    ) {
        let id = order.platformID
        let modified = order.modifiedAt.map(Instant.format)
        func kept(_ kind: IntakeOutcome.Kind, _ reason: String, ref: String? = nil) throws -> (IntakeOutcome, [String])
        {
            let state = kind == .conflict ? "conflict" : "failed"
            if let entry {
                try db.run(
                    """
                    UPDATE intake SET state = ?, error = ?,
                        order_id = coalesce((SELECT id FROM orders WHERE ref = ?), order_id) WHERE id = ?
                    """, state, reason, ref, entry)
            } else {
                try keepInInbox(shop: shop, via: via, order: order, state: state, error: reason)
            }
            return (IntakeOutcome(platformID: id, ref: ref, kind: kind, reason: reason), [])
        }
        guard !id.isEmpty, let first = order.rows.first else { return try kept(.failed, "the order has no id") }
        if let problem = order.rows.lazy.flatMap(\.problems).first { return try kept(.failed, problem.description) }
        if let code = first[.currency], code != shop.currency.code {
            return try kept(
                .conflict, "the order is in \(code); shop \(shop.name) keeps its accounts in \(shop.currency.code)")
        }
        let link = try db.queryFirst(
            """
            SELECT o.ref, so.modified_at FROM shop_orders so JOIN orders o ON o.id = so.order_id
            WHERE so.shop_id = ? AND so.platform_id = ?
            """, shop.id, id
        ) { (ref: $0.string(0), modified: $0.optionalString(1)) }
        var ref: String
        var adopted = false
        if let link {
            ref = link.ref
            // Older than the version applied: nothing. The same time may be another version
            // (times have whole seconds): the importer finds it the same, or moves on.
            if let stored = link.modified.flatMap(Instant.parse), let m = order.modifiedAt, m < stored {
                if let entry {
                    // A delivery of an older version: settled, as the newer one is here.
                    try db.run(
                        """
                        UPDATE intake SET state = 'applied', settled_at = ?, body = NULL,
                            order_id = (SELECT id FROM orders WHERE ref = ?) WHERE id = ?
                        """, nowText, ref, entry)
                }
                return (IntakeOutcome(platformID: id, ref: ref, kind: .unchanged, reason: nil), [])
            }
        } else {
            // The shop's number as the ref; an order here that has it already is this one
            // (imported from the shop's export before) when it is linked to no shop and
            // has the same lines, customer email and day; otherwise the ref is taken, and
            // the shop's name goes before the number.
            let number = first[.ref] ?? id
            let prefixed = "\(shop.name)-" + (number.hasPrefix("#") ? String(number.dropFirst()) : number)
            var chosen: String?
            for candidate in [number, prefixed] {
                guard
                    let taken = try db.queryFirst(
                        "SELECT id, EXISTS (SELECT 1 FROM shop_orders WHERE order_id = orders.id) FROM orders WHERE ref = ?",
                        candidate, row: { (id: $0.int64(0), linked: $0.bool(1)) })
                else {
                    chosen = candidate
                    break
                }
                if !taken.linked, try sameOrder(taken.id, order.rows) {
                    chosen = candidate
                    adopted = true
                    break
                }
            }
            guard let chosen else {
                return try kept(
                    .conflict,
                    "refs \(number) and \(prefixed) are both taken by other orders here; nothing was changed")
            }
            ref = chosen
        }
        var rows = order.rows
        for i in rows.indices {
            rows[i][.ref] = ref
            rows[i][.channel] = shop.name
        }
        var options = ImportOptions()
        options.live = true
        // All or nothing: a refused order leaves no customer or product behind.
        options.skipInvalid = false
        var issues: [String] = []
        let result = try Importer(store: self, options: options).run(
            PlatformOrderSource([
                PlatformOrder(platform: order.platform, platformID: id, modifiedAt: order.modifiedAt, rows: rows)
            ]),
            rejected: { issues.append($0.reason) })
        guard result.ordersRejected == 0, result.issueCount == 0, result.committed else {
            let issue = result.issues.first
            let reason = issue?.description ?? issues.first ?? "not applied"
            let conflict =
                issue.map { $0.reason.hasPrefix("cannot ") || $0.reason.hasPrefix("conflict") } ?? false
            return try kept(conflict ? .conflict : .failed, reason, ref: link == nil && !adopted ? nil : ref)
        }
        let kind: IntakeOutcome.Kind =
            result.ordersImported > 0 ? .created : result.ordersUpdated > 0 || adopted ? .updated : .unchanged
        let orderID = try db.scalarInt("SELECT id FROM orders WHERE ref = ?", ref)
        try db.run(
            """
            INSERT INTO shop_orders(shop_id, platform_id, order_id, modified_at, applied_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (shop_id, platform_id) DO UPDATE SET modified_at = excluded.modified_at,
                applied_at = excluded.applied_at
            """, shop.id, id, orderID, modified, nowText)
        // What waited in the inbox for this order (earlier failures and conflicts) is
        // settled by the version applied now; a deletion stays for the owner. A refund or
        // an edit waiting for the version that holds it is settled only by a version as
        // new as it (a late older version does not hold it).
        try db.run(
            """
            UPDATE intake SET state = 'applied', settled_at = ?, order_id = ?, body = NULL
            WHERE shop_id = ? AND platform_id = ? AND state IN ('failed', 'conflict')
                AND coalesce(topic, '') != 'order.deleted'
            """, nowText, orderID, shop.id, id)
        let waiting = try db.query(
            "SELECT id, topic, body FROM intake WHERE shop_id = ? AND platform_id = ? AND state = 'received'", shop.id,
            id
        ) { r in
            (
                id: r.int64(0), topic: r.optionalString(1),
                body: r.isNull(2) ? nil : Array(r.textBytes(2) ?? UnsafeBufferPointer(start: nil, count: 0))
            )
        }
        for w in waiting where w.id != entry {
            let json = w.body.flatMap { try? JSONValue.parse($0) }
            let at = json.flatMap { Self.webhookSubject($0, platform: shop.platform, topic: w.topic ?? "").1 }
            if let at, let m = order.modifiedAt, m < at { continue }
            try db.run(
                "UPDATE intake SET state = 'applied', settled_at = ?, order_id = ?, body = NULL WHERE id = ?", nowText,
                orderID, w.id)
        }
        if let entry {
            try db.run(
                "UPDATE intake SET state = 'applied', settled_at = ?, order_id = ?, body = NULL WHERE id = ?", nowText,
                orderID, entry)
        }
        return (IntakeOutcome(platformID: id, ref: ref, kind: kind, reason: nil), result.warnings)
    }

    /// True when order `orderID` is the one the rows describe: the same lines (SKU and
    /// quantity, in order), the same customer email, placed within a day of it (an
    /// export's times may be local). An order typed here by hand with the shop's number
    /// is not taken for it.
    func sameOrder(_ orderID: Int64, _ rows: [ImportRow]) throws -> Bool {
        guard let first = rows.first, let email = first[.customerEmail],
            let placed = first[.orderedAt].flatMap(Instant.parse),
            let here = try db.queryFirst(
                "SELECT c.email, o.placed_at FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = ?",
                orderID, row: { (email: $0.optionalString(0), placed: $0.string(1)) }),
            here.email?.lowercased() == email.lowercased(), let at = Instant.parse(here.placed),
            abs(at.timeIntervalSince(placed)) <= 86_400
        else { return false }
        let stored = try db.query(
            "SELECT sku, quantity FROM order_lines WHERE order_id = ? ORDER BY line_no", orderID
        ) { (Importer.fold($0.string(0)), $0.int64(1)) }
        let given = rows.map { (Importer.fold($0[.sku] ?? ""), Int64($0[.quantity] ?? "") ?? -1) }
        return stored.count == given.count && zip(stored, given).allSatisfy { $0 == $1 }
    }

    /// Keeps a platform order that was not applied, once per version (a second sync of
    /// the same version updates the reason; one the owner dismissed stays dismissed).
    func keepInInbox(shop: Shop, via: IntakeVia, order: PlatformOrder, state: String, error: String) throws {
        let key = "order:\(order.platformID)@\(order.modifiedAt.map(Instant.format) ?? "-")"
        try db.run(
            """
            INSERT INTO intake(shop_id, via, dedupe_key, platform_id, received_at, body, state, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (shop_id, dedupe_key) DO UPDATE SET error = excluded.error, received_at = excluded.received_at,
                body = coalesce(excluded.body, intake.body),
                state = CASE WHEN intake.state = 'dismissed' THEN 'dismissed' ELSE excluded.state END
            """, shop.id, via.rawValue, key, order.platformID.isEmpty ? nil : order.platformID, nowText,
            order.raw.map { SQLValue.blob(Array($0.utf8)) } ?? .null, state, error)
    }
}
