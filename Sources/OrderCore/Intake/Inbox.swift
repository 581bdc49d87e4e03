import Foundation

/// What arrived from a shop and was not simply applied (`orderctl inbox`).
public struct InboxEntry: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case received, applied, failed, conflict, dismissed
    }
    public var id: Int64
    public var shop: String
    public var via: IntakeVia
    public var state: State
    public var platformID: String?
    public var topic: String?
    /// The order here it concerns, once there is one.
    public var ref: String?
    public var receivedAt: Date
    public var settledAt: Date?
    public var error: String?
    /// The payload's size; nil once it is no longer kept.
    public var bodyBytes: Int?

    /// Still waiting for the owner.
    public var isWaiting: Bool { state == .received || state == .failed || state == .conflict }
}

extension OrderStore {
    static let inboxSelect = """
        SELECT i.id, s.name, i.via, i.state, i.platform_id, i.topic, o.ref, i.received_at, i.settled_at, i.error,
               length(i.body)
        FROM intake i JOIN shops s ON s.id = i.shop_id LEFT JOIN orders o ON o.id = i.order_id
        """

    func inboxEntry(_ r: Row) throws -> InboxEntry {
        guard let via = IntakeVia(rawValue: r.string(2)), let state = InboxEntry.State(rawValue: r.string(3)) else {
            throw OrderError.invalidValue(
                field: "intake", value: "\(r.int64(0))", reason: "a stored state orderctl does not know")
        }
        return InboxEntry(
            id: r.int64(0), shop: r.string(1), via: via, state: state, platformID: r.optionalString(4),
            topic: r.optionalString(5), ref: r.optionalString(6), receivedAt: Instant.parse(r.string(7)) ?? now,
            settledAt: r.optionalString(8).flatMap(Instant.parse), error: r.optionalString(9),
            bodyBytes: r.isNull(10) ? nil : r.int(10))
    }

    /// What waits for the owner (or, with `all`, everything kept), oldest first.
    public func inbox(all: Bool = false, shop: String? = nil) throws -> [InboxEntry] {
        try db.read {
            var sql = Self.inboxSelect + " WHERE 1"
            var args: [any SQLBindable] = []
            if !all { sql += " AND i.state IN ('received', 'failed', 'conflict')" }
            if let shop {
                sql += " AND s.name = ?"
                args.append(SQLValue.text(try self.shop(named: shop, removed: true).name))
            }
            return try db.query(sql + " ORDER BY i.id", arguments: args) { try inboxEntry($0) }
        }
    }

    public func inboxEntry(_ id: Int64) throws -> InboxEntry {
        try db.read {
            guard let e = try db.queryFirst(Self.inboxSelect + " WHERE i.id = ?", id, row: { try inboxEntry($0) })
            else {
                throw OrderError.invalidValue(
                    field: "inbox entry", value: String(id), reason: "no such entry (see 'orderctl inbox')")
            }
            return e
        }
    }

    /// The payload as the platform sent it, when it is still kept.
    public func inboxBody(_ id: Int64) throws -> [UInt8]? {
        try db.read {
            try db.queryFirst("SELECT body FROM intake WHERE id = ?", id) { r -> [UInt8]? in
                r.isNull(0) ? nil : Array(r.textBytes(0) ?? UnsafeBufferPointer(start: nil, count: 0))
            } ?? nil
        }
    }

    /// Sets entries aside: they stop showing in `inbox` and `shop show`; the orders they
    /// concern are not changed.
    public func dismissInbox(_ ids: [Int64]) throws -> [InboxEntry] {
        try write {
            var out: [InboxEntry] = []
            for id in ids {
                let e = try inboxEntry(id)
                guard e.isWaiting else {
                    throw OrderError.invalidValue(
                        field: "inbox entry", value: String(id), reason: "it is \(e.state.rawValue), not waiting")
                }
                try db.run("UPDATE intake SET state = 'dismissed', settled_at = ? WHERE id = ?", nowText, id)
                out.append(try inboxEntry(id))
            }
            return out
        }
    }

    /// Applies a kept payload again (after the cause was fixed: a product added, stock
    /// counted, an order here corrected), as sync would. The entry is settled when it
    /// applies; otherwise it stays with the new reason.
    public func retryInbox(_ id: Int64) throws -> IntakeOutcome {
        let e = try inboxEntry(id)
        guard e.isWaiting else {
            throw OrderError.invalidValue(
                field: "inbox entry", value: String(id), reason: "it is \(e.state.rawValue), not waiting")
        }
        guard let body = try inboxBody(id) else {
            throw OrderError.invalidValue(
                field: "inbox entry", value: String(id),
                reason: "its payload is not kept: read the order again with 'orderctl sync \(e.shop) --since DATE'")
        }
        let shop = try self.shop(named: e.shop)
        let json: JSONValue
        do { json = try JSONValue.parse(body) } catch {
            throw OrderError.invalidValue(
                field: "inbox entry", value: String(id), reason: "its payload is not JSON: \(error)")
        }
        var order =
            shop.platform == .shopify
            ? ShopifyOrder.order(json, line: 1, channel: shop.name)
            : WooCommerceOrder.order(json, line: 1, channel: shop.name)
        order.raw = String(decoding: body, as: UTF8.self)
        let outcome = try applyShopOrders([order], shop: shop, via: e.via).outcomes[0]
        if outcome.kind != .conflict && outcome.kind != .failed {
            try write {
                try db.run(
                    "UPDATE intake SET state = 'applied', settled_at = ?, body = NULL WHERE id = ? AND state != 'applied'",
                    nowText, id)
            }
        }
        return outcome
    }
}
