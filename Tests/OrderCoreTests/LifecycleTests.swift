import Foundation
import Testing

@testable import OrderCore

// The order lifecycle against a fresh store: the whole transition table, the guards
// inside allowed moves, and the stock and money figures after each step.

// MARK: - Fixtures

/// Drives orders into each lifecycle status through the store API.
///
/// The order is `MUG-01:2` (tracked, 12.50), `POSTER:3` (tracked, 5.00) and `TEE:1`
/// (not tracked, 20.00): 6 units, 60.00 EUR. Every order has 1.00 paid, so that pay
/// (money owed), refund (money paid) are possible; a completed order is paid in full.
/// Processing means MUG-01 x1 shipped; on hold is held from confirmed.
enum LifecycleFixture {
    static let ref = "L-1"
    static let items = ["MUG-01:2", "POSTER:3", "TEE:1"]
    static let total: Int64 = 6000

    @discardableResult
    static func drive(
        _ store: OrderStore, to status: OrderStatus, ref: String = ref,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> OrderDetail {
        _ = try store.addOrder(draft(items, ref: ref))
        _ = try store.pay(ref, amount: status == .completed ? "60.00" : "1.00", method: "card")
        switch status {
        case .pending: break
        case .confirmed:
            _ = try store.confirm(ref)
        case .processing:
            _ = try store.confirm(ref)
            _ = try store.ship(ref, items: ["MUG-01:1"])
        case .shipped:
            _ = try store.confirm(ref)
            _ = try store.ship(ref)
        case .delivered, .completed:
            _ = try store.confirm(ref)
            _ = try store.ship(ref)
            _ = try store.deliver(ref)
        case .onHold:
            _ = try store.confirm(ref)
            _ = try store.hold(ref, reason: "waiting for the customer")
        case .cancelled:
            _ = try store.confirm(ref)
            _ = try store.cancel(ref, reason: "customer asked")
        }
        let order = try store.order(ref)
        try #require(
            order.summary.status == status, "fixture did not reach \(status.rawValue)",
            sourceLocation: sourceLocation)
        return order
    }

    /// Runs `action` with valid arguments.
    @discardableResult
    static func attempt(_ action: OrderAction, _ store: OrderStore, ref: String = ref) throws -> ActionResult {
        switch action {
        case .confirm: return try store.confirm(ref)
        case .hold: return try store.hold(ref, reason: "checking the address")
        case .release: return try store.release(ref)
        case .pay: return try store.pay(ref, amount: "2.00", method: "transfer")
        case .ship: return try store.ship(ref)
        case .deliver: return try store.deliver(ref)
        case .cancel: return try store.cancel(ref, reason: "out of time")
        case .refund: return try store.refund(ref, amount: "0.50", reason: "goodwill")
        case .returnItems: return try store.returnItems(ref, items: ["MUG-01:1"], restock: true, reason: "broken")
        case .edit:
            var change = OrderEdit()
            change.due = "2026-03-20"
            return try store.edit(ref, change)
        case .note: return try store.addNote(ref, text: "customer called")
        case .flag: return try store.flag(ref, reason: "address unknown")
        }
    }
}

/// The lifecycle as documented (issue 3 and `orderctl states`), written out by hand
/// so that a change to `Lifecycle.table` itself shows up as a failing test.
enum DocumentedLifecycle {
    static let from: [OrderAction: Set<OrderStatus>] = [
        .confirm: [.pending],
        .hold: [.pending, .confirmed, .processing],
        .release: [.onHold],
        .pay: [.pending, .confirmed, .processing, .shipped, .delivered, .onHold],
        .ship: [.confirmed, .processing],
        .deliver: [.shipped],
        .cancel: [.pending, .confirmed, .onHold],
        .refund: Set(OrderStatus.allCases),
        .returnItems: [.processing, .shipped, .delivered, .completed],
        .edit: [.pending, .confirmed, .onHold],
        .note: Set(OrderStatus.allCases),
        .flag: Set(OrderStatus.allCases),
    ]

    /// Allowed next actions from a status, in the order `orderctl states` lists them.
    static func allowed(from status: OrderStatus) -> [String] {
        OrderAction.allCases.filter { from[$0]!.contains(status) }.map(\.rawValue)
    }

    /// The status an allowed move leads to, for the fixture above (held from
    /// confirmed, 1.00 of 60.00 paid, everything outstanding shipped by `ship`).
    static func result(of action: OrderAction, from status: OrderStatus) -> OrderStatus {
        switch action {
        case .confirm: return .confirmed
        case .hold: return .onHold
        case .release: return .confirmed
        case .ship: return .shipped
        case .deliver: return .delivered
        case .cancel: return .cancelled
        case .pay, .refund, .returnItems, .edit, .note, .flag: return status
        }
    }
}

/// Stock figures add up: for every product, reserved == the reservations of its order
/// lines, on hand == the sum of its logged stock moves, and on hand >= reserved for a
/// tracked product. Each line's shipped and returned units match its shipment and
/// return records.
func expectStockAddsUp(_ store: OrderStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let rows = try store.db.query(
        """
        SELECT p.sku, p.track_stock, p.on_hand, p.reserved,
               (SELECT coalesce(sum(l.reserved), 0) FROM order_lines l WHERE l.product_id = p.id),
               (SELECT coalesce(sum(m.delta), 0) FROM stock_moves m WHERE m.product_id = p.id)
        FROM products p ORDER BY p.sku
        """
    ) { r in
        (
            sku: r.string(0), tracked: r.bool(1), onHand: r.int64(2), reserved: r.int64(3), lineReserved: r.int64(4),
            moves: r.int64(5)
        )
    }
    for p in rows {
        #expect(
            p.reserved == p.lineReserved,
            "\(p.sku): products.reserved \(p.reserved) but lines reserve \(p.lineReserved)",
            sourceLocation: sourceLocation)
        #expect(
            p.onHand == p.moves, "\(p.sku): on hand \(p.onHand) but stock moves add up to \(p.moves)",
            sourceLocation: sourceLocation)
        if p.tracked {
            #expect(
                p.onHand >= p.reserved, "\(p.sku): on hand \(p.onHand) < reserved \(p.reserved)",
                sourceLocation: sourceLocation)
        } else {
            #expect(
                p.reserved == 0, "\(p.sku) is not tracked but has \(p.reserved) reserved",
                sourceLocation: sourceLocation)
        }
    }
    let lines = try store.db.query(
        """
        SELECT l.sku, l.shipped, l.returned,
               (SELECT coalesce(sum(s.quantity), 0) FROM shipment_lines s WHERE s.order_line_id = l.id),
               (SELECT coalesce(sum(r.quantity), 0) FROM return_lines r WHERE r.order_line_id = l.id),
               l.quantity, l.reserved, l.backordered
        FROM order_lines l
        """
    ) { r in
        (
            sku: r.string(0), shipped: r.int64(1), returned: r.int64(2), shipments: r.int64(3), returns: r.int64(4),
            quantity: r.int64(5), reserved: r.int64(6), backordered: r.int64(7)
        )
    }
    for l in lines {
        #expect(
            l.shipped == l.shipments, "line \(l.sku): shipped \(l.shipped) but shipments hold \(l.shipments)",
            sourceLocation: sourceLocation)
        #expect(
            l.returned == l.returns, "line \(l.sku): returned \(l.returned) but returns hold \(l.returns)",
            sourceLocation: sourceLocation)
        #expect(
            l.returned <= l.shipped, "line \(l.sku): returned \(l.returned) > shipped \(l.shipped)",
            sourceLocation: sourceLocation)
        #expect(
            l.reserved + l.backordered + l.shipped <= l.quantity, "line \(l.sku) holds more than ordered",
            sourceLocation: sourceLocation)
    }
    // Units shipped of tracked products left the shelf, logged as 'ship' moves.
    let shippedTracked = try store.db.scalarInt(
        """
        SELECT coalesce(sum(s.quantity), 0) FROM shipment_lines s JOIN order_lines l ON l.id = s.order_line_id
        JOIN products p ON p.id = l.product_id WHERE p.track_stock = 1
        """)
    let shipMoves = try store.db.scalarInt("SELECT coalesce(-sum(delta), 0) FROM stock_moves WHERE kind = 'ship'")
    #expect(
        shippedTracked == shipMoves, "shipped \(shippedTracked) tracked units, 'ship' moves take \(shipMoves)",
        sourceLocation: sourceLocation)
}

// MARK: - The transition table

@Suite("Lifecycle: the transition table")
struct TransitionTableTests {

    @Test("the table in OrderCore is the documented lifecycle, one row per action")
    func tableIsDocumented() {
        #expect(Lifecycle.table.map(\.action) == OrderAction.allCases)
        for t in Lifecycle.table {
            #expect(Set(t.from) == DocumentedLifecycle.from[t.action], "\(t.action.rawValue)")
            #expect(t.from.count == Set(t.from).count, "\(t.action.rawValue) lists a status twice")
        }
        // Every status has a way on (notes and flags at least), and the active ones can be paid.
        for status in OrderStatus.allCases {
            #expect(Lifecycle.allowed(from: status).map(\.rawValue) == DocumentedLifecycle.allowed(from: status))
        }
        #expect(Lifecycle.allowed(from: .cancelled) == [.refund, .note, .flag])
        #expect(Lifecycle.allowed(from: .completed) == [.refund, .returnItems, .note, .flag])
        #expect(OrderAction.returnItems.rawValue == "return")
    }

    @Test(
        "every action from every status: allowed moves work, others fail with the documented message and change nothing",
        arguments: OrderAction.allCases, OrderStatus.allCases)
    func everyMove(action: OrderAction, status: OrderStatus) throws {
        try withStore { store throws in
            let ref = LifecycleFixture.ref
            let before = try LifecycleFixture.drive(store, to: status)
            let allowedByTable = Lifecycle.transition(action).from.contains(status)

            if allowedByTable {
                let result = try LifecycleFixture.attempt(action, store)
                #expect(result.ref == ref)
                #expect(!result.message.isEmpty)
                let after = try store.order(ref)
                // The status is what the table says.
                let to = Lifecycle.transition(action).to
                let expected = DocumentedLifecycle.result(of: action, from: status)
                if let named = OrderStatus(rawValue: to) {
                    #expect(named == expected, "table says \(to)")
                } else if to.hasPrefix("unchanged") {
                    #expect(expected == status)
                }
                #expect(
                    after.summary.status == expected,
                    "\(action.rawValue) from \(status.rawValue): \(result.message)")
                // Something was recorded, and the history still verifies.
                #expect(after.events.count > before.events.count)
                #expect(after.events.map(\.seq) == Array(1...after.events.count))
                #expect(try store.verifyHistory().problem == nil)
                try expectStockAddsUp(store)
                try expectEffect(action, before: before, after: after)
            } else {
                let allowed = DocumentedLifecycle.allowed(from: status)
                let message =
                    "cannot \(action.rawValue) order \(ref): it is \(status.rawValue) (allowed next: \(allowed.joined(separator: ", ")))"
                let dumped = try dump(store.db)
                let error = #expect(throws: OrderError.self) { try LifecycleFixture.attempt(action, store) }
                #expect(
                    error
                        == .illegalTransition(
                            ref: ref, action: action.rawValue, status: status.rawValue, allowed: allowed))
                #expect(error?.description == message)
                #expect(try dump(store.db) == dumped, "the database changed after a refused \(action.rawValue)")
            }
        }
    }

    /// What each allowed action must have done besides the status.
    func expectEffect(
        _ action: OrderAction, before: OrderDetail, after: OrderDetail,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        switch action {
        case .pay:
            #expect(after.paid.minor == before.paid.minor + 200, sourceLocation: sourceLocation)
            #expect(after.payments.last?.method == "transfer", sourceLocation: sourceLocation)
            #expect(after.summary.paymentStatus == .partiallyPaid, sourceLocation: sourceLocation)
        case .refund:
            #expect(after.refunded.minor == before.refunded.minor + 50, sourceLocation: sourceLocation)
            #expect(after.paid == before.paid, sourceLocation: sourceLocation)
            #expect(after.summary.paymentStatus == .partiallyRefunded, sourceLocation: sourceLocation)
        case .returnItems:
            #expect(after.lines.map(\.returned) == [1, 0, 0], sourceLocation: sourceLocation)
            // One of six units back: partly returned, whether or not the rest has shipped.
            #expect(after.summary.fulfilmentStatus == .partiallyReturned, sourceLocation: sourceLocation)
            // A return moves no money by itself.
            #expect(after.payments == before.payments, sourceLocation: sourceLocation)
        case .ship:
            #expect(after.lines.map(\.shipped) == after.lines.map(\.quantity), sourceLocation: sourceLocation)
            #expect(after.lines.map(\.reserved) == [0, 0, 0], sourceLocation: sourceLocation)
            #expect(after.shipments.count == before.shipments.count + 1, sourceLocation: sourceLocation)
            #expect(after.summary.fulfilmentStatus == .fulfilled, sourceLocation: sourceLocation)
        case .deliver:
            #expect(after.shipments.allSatisfy { $0.deliveredAt == fixedNow }, sourceLocation: sourceLocation)
        case .cancel:
            #expect(after.lines.map(\.reserved) == [0, 0, 0], sourceLocation: sourceLocation)
            #expect(after.closedReason == "out of time", sourceLocation: sourceLocation)
            #expect(after.summary.paymentStatus == before.summary.paymentStatus, sourceLocation: sourceLocation)
        case .hold:
            #expect(after.heldFrom == before.summary.status, sourceLocation: sourceLocation)
        case .release:
            #expect(after.heldFrom == nil, sourceLocation: sourceLocation)
        case .edit:
            #expect(after.summary.dueDate == day("2026-03-20"), sourceLocation: sourceLocation)
            #expect(after.lines.map(\.reserved) == before.lines.map(\.reserved), sourceLocation: sourceLocation)
        case .note:
            #expect(after.events.last?.kind == "note", sourceLocation: sourceLocation)
            #expect(after.events.last?.detail == "customer called", sourceLocation: sourceLocation)
        case .flag:
            #expect(after.summary.flag == "address unknown", sourceLocation: sourceLocation)
        case .confirm:
            #expect(after.lines.map(\.reserved) == before.lines.map(\.reserved), sourceLocation: sourceLocation)
        }
    }

    @Test(
        "release goes back to the status the order had before the hold",
        arguments: [OrderStatus.pending, .confirmed, .processing])
    func releaseRestores(status: OrderStatus) throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: status)
            let held = try store.hold(LifecycleFixture.ref, reason: "address check")
            #expect(held.message == "on hold (address check)")
            #expect(try store.order(LifecycleFixture.ref).heldFrom == status)
            let released = try store.release(LifecycleFixture.ref)
            #expect(released.message == "released, \(status.rawValue) again")
            let order = try store.order(LifecycleFixture.ref)
            #expect(order.summary.status == status)
            #expect(order.heldFrom == nil)
            let statusEvents = order.events.filter { $0.kind == "status" }.suffix(2)
            #expect(statusEvents.map(\.oldValue) == [status.rawValue, "on_hold"])
            #expect(statusEvents.map(\.newValue) == ["on_hold", status.rawValue])
            #expect(statusEvents.map(\.detail) == ["address check", "released from hold"])
        }
    }

    @Test("a delivered order completes when the rest is paid; a paid order completes on delivery")
    func completion() throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .delivered)
            let r = try store.pay(LifecycleFixture.ref, amount: nil, method: nil)
            #expect(r.message == "paid 59.00 EUR, paid in full")
            let order = try store.order(LifecycleFixture.ref)
            #expect(order.summary.status == .completed)
            #expect(order.summary.paymentStatus == .paid)
            #expect(order.events.suffix(3).map(\.kind) == ["paid", "payment", "status"])
            #expect(order.events.last?.oldValue == "delivered")
            #expect(order.events.last?.newValue == "completed")
            #expect(order.events.last?.detail == "delivered and paid")
        }
        try withStore { store throws in
            _ = try store.addOrder(draft(LifecycleFixture.items, ref: "P"))
            _ = try store.confirm("P")
            _ = try store.pay("P", amount: nil, method: "card")
            _ = try store.ship("P")
            let r = try store.deliver("P")
            #expect(r.message == "delivered")
            #expect(try store.order("P").summary.status == .completed)
        }
    }

    @Test("an order totalling 0 is paid from the start, and pay is refused")
    func zeroTotal() throws {
        try withStore { store throws in
            let order = try store.addOrder(draft(["TEE@0"], ref: "Z")).order
            #expect(order.summary.paymentStatus == .paid)
            try expectRefused(store, .refused(ref: "Z", action: "pay", reason: "it is already paid in full (0.00 EUR)"))
            {
                _ = try store.pay("Z", amount: nil, method: nil)
            }
        }
    }
}

// MARK: - Guards inside allowed moves

@Suite("Lifecycle: guards refuse with a specific message and change nothing")
struct LifecycleGuardTests {
    let ref = LifecycleFixture.ref

    @Test("pay: not more than owed, not when paid in full, not zero")
    func payGuards() throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .confirmed)
            try expectRefused(
                store, .refused(ref: ref, action: "pay", reason: "59.01 EUR is more than the 59.00 EUR still owed")
            ) {
                _ = try store.pay(ref, amount: "59.01", method: nil)
            }
            try expectRefused(store, .invalidValue(field: "amount", value: "0", reason: "must be more than zero")) {
                _ = try store.pay(ref, amount: "0", method: nil)
            }
            // Exactly what is owed is fine; then nothing more.
            #expect(
                try store.pay(ref, amount: "59.00", method: "cash").message == "paid 59.00 EUR by cash, paid in full")
            try expectRefused(
                store, .refused(ref: ref, action: "pay", reason: "it is already paid in full (60.00 EUR)")
            ) {
                _ = try store.pay(ref, amount: nil, method: nil)
            }
        }
    }

    @Test("refund: only what was paid and not yet refunded")
    func refundGuards() throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(LifecycleFixture.items, ref: ref))
            try expectRefused(store, .refused(ref: ref, action: "refund", reason: "nothing paid is left to refund")) {
                _ = try store.refund(ref, amount: "1.00", reason: nil)
            }
            _ = try store.pay(ref, amount: "10.00", method: nil)
            try expectRefused(
                store,
                .refused(
                    ref: ref, action: "refund", reason: "10.01 EUR is more than the 10.00 EUR paid and not yet refunded"
                )
            ) {
                _ = try store.refund(ref, amount: "10.01", reason: nil)
            }
            #expect(
                try store.refund(ref, amount: "4.00", reason: "goodwill").message
                    == "refunded 4.00 EUR; 6.00 EUR paid and kept")
            #expect(try store.order(ref).summary.paymentStatus == .partiallyRefunded)
            try expectRefused(
                store,
                .refused(
                    ref: ref, action: "refund", reason: "6.01 EUR is more than the 6.00 EUR paid and not yet refunded")
            ) {
                _ = try store.refund(ref, amount: "6.01", reason: nil)
            }
            _ = try store.refund(ref, amount: "6.00", reason: nil)
            let order = try store.order(ref)
            #expect(order.summary.paymentStatus == .refunded)
            #expect(order.paid.minor == 1000)
            #expect(order.refunded.minor == 1000)
            #expect(order.payments.map(\.kind) == ["payment", "refund", "refund"])
            try expectRefused(store, .refused(ref: ref, action: "refund", reason: "nothing paid is left to refund")) {
                _ = try store.refund(ref, amount: "0.01", reason: nil)
            }
        }
    }

    @Test("return: only units shipped and not yet returned, of lines the order has")
    func returnGuards() throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .processing)  // MUG-01 x1 shipped
            try expectRefused(
                store,
                .refused(
                    ref: ref, action: "return", reason: "2 of MUG-01 returned, but only 1 shipped and not yet returned")
            ) {
                _ = try store.returnItems(ref, items: ["MUG-01:2"], restock: true, reason: nil)
            }
            try expectRefused(
                store,
                .refused(
                    ref: ref, action: "return", reason: "1 of POSTER returned, but only 0 shipped and not yet returned")
            ) {
                _ = try store.returnItems(ref, items: ["POSTER"], restock: true, reason: nil)
            }
            // The same SKU twice adds up.
            try expectRefused(
                store,
                .refused(
                    ref: ref, action: "return", reason: "2 of MUG-01 returned, but only 1 shipped and not yet returned")
            ) {
                _ = try store.returnItems(ref, items: ["MUG-01:1", "mug-01:1"], restock: true, reason: nil)
            }
            try expectRefused(
                store,
                .invalidValue(
                    field: "item", value: "VASE",
                    reason: "order L-1 has no line with this SKU (it has MUG-01, POSTER, TEE)")
            ) {
                _ = try store.returnItems(ref, items: ["VASE"], restock: true, reason: nil)
            }
            try expectRefused(store, .missingValue(field: "item", hint: "name what came back with --item SKU:QTY")) {
                _ = try store.returnItems(ref, items: [], restock: true, reason: nil)
            }
            _ = try store.returnItems(ref, items: ["MUG-01:1"], restock: false, reason: nil)
            try expectRefused(
                store,
                .refused(
                    ref: ref, action: "return", reason: "1 of MUG-01 returned, but only 0 shipped and not yet returned")
            ) {
                _ = try store.returnItems(ref, items: ["MUG-01:1"], restock: true, reason: nil)
            }
            // The one shipped unit is back, five never shipped: partly returned.
            #expect(try store.order(ref).summary.fulfilmentStatus == .partiallyReturned)
        }
    }

    @Test("ship: not more than ordered, a tracking number needs a carrier and the carrier's shape")
    func shipGuards() throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .confirmed)
            try expectRefused(
                store, .refused(ref: ref, action: "ship", reason: "3 of MUG-01 asked, only 2 left to ship")
            ) {
                _ = try store.ship(ref, items: ["MUG-01:3"])
            }
            try expectRefused(
                store, .refused(ref: ref, action: "ship", reason: "3 of MUG-01 asked, only 2 left to ship")
            ) {
                _ = try store.ship(ref, items: ["POSTER:1", "MUG-01:2", "MUG-01:1"])
            }
            try expectRefused(
                store,
                .invalidValue(
                    field: "item", value: "VASE",
                    reason: "order L-1 has no line with this SKU (it has MUG-01, POSTER, TEE)")
            ) {
                _ = try store.ship(ref, items: ["VASE:1"])
            }
            try expectRefused(
                store, .invalidValue(field: "item", value: "MUG-01:1@3", reason: "expected SKU[:QTY], without a price")
            ) {
                _ = try store.ship(ref, items: ["MUG-01:1@3"])
            }
            try expectRefused(
                store, .missingValue(field: "carrier", hint: "a tracking number needs --carrier, e.g. --carrier dhl")
            ) {
                _ = try store.ship(ref, tracking: "1234567890")
            }
            try expectRefused(
                store,
                .invalidValue(
                    field: "tracking", value: "123", reason: "not a UPS tracking number (e.g. 1Z999AA10123456784)")
            ) {
                _ = try store.ship(ref, carrier: "ups", tracking: "123")
            }
            try expectRefused(
                store,
                .invalidValue(field: "tracking", value: "12345", reason: "not a DHL tracking number (e.g. 1234567890)")
            ) {
                _ = try store.ship(ref, carrier: "DHL", tracking: "12345")
            }
            try expectRefused(
                store,
                .invalidValue(
                    field: "at", value: "2026-03-01", reason: "before the order was placed (2026-03-04 11:00)")
            ) {
                _ = try store.ship(ref, at: "2026-03-01")
            }
            // A good number is normalised and linked.
            let r = try store.ship(ref, items: ["MUG-01:1"], carrier: "ups", tracking: "1z 999 aa1 0123456784")
            #expect(r.message == "shipped 1 unit (MUG-01 x1) via ups 1Z999AA10123456784; 5 still to ship")
            let order = try store.order(ref)
            #expect(order.shipments.first?.tracking == "1Z999AA10123456784")
            #expect(order.shipments.first?.trackingURL == "https://www.ups.com/track?tracknum=1Z999AA10123456784")
            // A configured template wins over the default.
            try store.setSetting("carrier.ups.url", "https://track.example/{tracking}")
            #expect(try store.order(ref).shipments.first?.trackingURL == "https://track.example/1Z999AA10123456784")
        }
    }

    @Test("a tracking number goes into its link percent-encoded: all but ASCII letters and digits, as UTF-8")
    func trackingLinkEncoding() {
        #expect(OrderStore.percentEncoded("1Z999AA1") == "1Z999AA1")
        #expect(OrderStore.percentEncoded("AB 12/é-x?&=") == "AB%2012%2F%C3%A9%2Dx%3F%26%3D")
        #expect(OrderStore.percentEncoded("") == "")
    }

    @Test("ship: backordered units ship only once stock is there")
    func shipBackordered() throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(["MUG-01:7"], ref: "B", backorder: true))  // 5 reserved, 2 backordered
            _ = try store.confirm("B")
            try expectRefused(
                store,
                .refused(
                    ref: "B", action: "ship",
                    reason:
                        "7 of MUG-01 asked, 5 reserved and 0 more in stock (ship fewer with --item MUG-01:5, or add stock)"
                )
            ) {
                _ = try store.ship("B")
            }
            #expect(try store.ship("B", items: ["MUG-01:5"]).message == "shipped 5 units (MUG-01 x5); 2 still to ship")
            try expectStockAddsUp(store)
            try store.changeStock("MUG-01", .add(1), note: "delivery")
            let before = try dump(store.db)
            let error = #expect(throws: OrderError.self) { try store.ship("B") }
            #expect(
                error?.description.hasPrefix("cannot ship order B: 2 of MUG-01 asked, 0 reserved and 1 more in stock")
                    == true,
                "\(String(describing: error))")
            #expect(try dump(store.db) == before)
            _ = try store.ship("B", items: ["MUG-01:1"])
            try store.changeStock("MUG-01", .add(3), note: "delivery")
            _ = try store.ship("B")
            let order = try store.order("B")
            #expect(order.summary.status == .shipped)
            #expect(order.lines[0].shipped == 7)
            #expect(order.lines[0].backordered == 0)
            #expect(order.lines[0].reserved == 0)
            let mug = try store.product("MUG-01")
            #expect(mug.onHand == 2)  // 5 + 1 + 3 - 7
            #expect(mug.reserved == 0)
            try expectStockAddsUp(store)
        }
    }

    @Test("ship: the hint for backordered units never suggests shipping 0 units")
    func shipBackorderHint() throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(["MUG-01:7"], ref: "B", backorder: true))
            _ = try store.confirm("B")
            _ = try store.ship("B", items: ["MUG-01:5"])
            try store.changeStock("MUG-01", .add(1), note: "delivery")
            let error = #expect(throws: OrderError.self) { try store.ship("B") }
            #expect(error?.description.contains("MUG-01:0") == false, "\(String(describing: error))")
            #expect(error?.description.contains("add stock") == true, "\(String(describing: error))")
        }
    }

    @Test("ship: a line whose product started tracking stock after the order ships from the stock on hand")
    func shipAfterTrackingStarted() throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(["TEE:2"], ref: "T"))
            _ = try store.confirm("T")
            try store.changeStock("TEE", .set(10), note: "stocktake")
            let r = try store.ship("T")
            #expect(r.message == "shipped 2 units (TEE x2); all shipped")
            #expect(try store.product("TEE").onHand == 8)
            #expect(try store.product("TEE").reserved == 0)
            try expectStockAddsUp(store)
        }
    }

    @Test("--at: not before the order was placed or the last shipment, not in the future")
    func atTimes() throws {
        try withStore { store throws in
            var d = draft(["POSTER"], ref: "T")
            d.placedAt = "2026-03-03T08:00"
            _ = try store.addOrder(d)
            try expectRefused(
                store,
                .invalidValue(
                    field: "at", value: "2026-03-03T07:59", reason: "before the order was placed (2026-03-03 08:00)")
            ) {
                _ = try store.confirm("T", at: "2026-03-03T07:59")
            }
            _ = try store.confirm("T", at: "2026-03-03T09:00")
            // A status change is never before the order entered its current status.
            try expectRefused(
                store,
                .invalidValue(
                    field: "at", value: "2026-03-03T08:30",
                    reason: "before the order became confirmed (2026-03-03 09:00); give that step an earlier --at too")
            ) {
                _ = try store.ship("T", at: "2026-03-03T08:30")
            }
            try expectRefused(
                store, .invalidValue(field: "at", value: "2026-03-04T12:00", reason: "in the future (2026-03-04 12:00)")
            ) {
                _ = try store.ship("T", at: "2026-03-04T12:00")
            }
            try expectRefused(
                store, .invalidValue(field: "at", value: "tomorrow", reason: "in the future (2026-03-05)")
            ) {
                _ = try store.ship("T", at: "tomorrow")
            }
            #expect(
                try store.ship("T", at: "2026-03-03T15:30").message
                    == "shipped 1 unit (POSTER x1) at 2026-03-03 15:30; all shipped")
            #expect(try store.order("T").shipments.first?.shippedAt == utc("2026-03-03T14:30:00Z"))
            try expectRefused(
                store,
                .invalidValue(
                    field: "at", value: "2026-03-03T12:00", reason: "before the last shipment (2026-03-03 15:30)")
            ) {
                _ = try store.deliver("T", at: "2026-03-03T12:00")
            }
            // A bare date is that day, as late as possible but not after now.
            #expect(
                try store.deliver("T", at: "2026-03-03").message == "delivered at 2026-03-03 23:59; 5.00 EUR still owed"
            )
            #expect(try store.order("T").shipments.first?.deliveredAt == utc("2026-03-03T22:59:59Z"))
        }
    }

    @Test("cancel: not once anything has shipped, even from on hold")
    func cancelAfterPartialShipment() throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .processing)
            _ = try store.hold(ref, reason: "dispute")
            let before = try dump(store.db)
            let error = #expect(throws: OrderError.self) { try store.cancel(ref, reason: "customer asked") }
            guard case .refused(let r, let action, let reason)? = error else {
                Issue.record("expected refused, got \(String(describing: error))")
                return
            }
            #expect(r == ref && action == "cancel")
            #expect(reason.contains("shipped") && reason.hasSuffix("(use 'orderctl return')"), "\(reason)")
            #expect(try dump(store.db) == before)
        }
    }

    @Test("edit: lines cannot change once anything has shipped, even from on hold; the due date can")
    func editAfterPartialShipment() throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .processing)
            _ = try store.hold(ref, reason: "dispute")
            let before = try dump(store.db)
            var change = OrderEdit()
            change.set = ["POSTER:1"]
            do {
                _ = try store.edit(ref, change)
                Issue.record("edit of a partly shipped order succeeded")
            } catch let error as OrderError {
                guard case .refused(let r, let action, let reason) = error else {
                    Issue.record("expected refused, got \(error)")
                    return
                }
                #expect(r == ref && action == "edit")
                #expect(reason.contains("shipped"), "\(reason)")
            } catch {
                Issue.record("expected an OrderError, got \(error)")
            }
            #expect(try dump(store.db) == before)
            var due = OrderEdit()
            due.due = "2026-03-20"
            _ = try store.edit(ref, due)
            let order = try store.order(ref)
            #expect(order.summary.dueDate == day("2026-03-20"))
            #expect(order.lines.map(\.shipped) == [1, 0, 0])
            #expect(order.lines.map(\.reserved) == [1, 3, 0])
            try expectStockAddsUp(store)
        }
    }

    @Test("hold, cancel and flag need a non-blank reason; notes must not be empty")
    func reasons() throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .confirmed)
            try expectInvalid(store, field: "reason") { _ = try store.hold(ref, reason: "  ") }
            try expectInvalid(store, field: "reason") { _ = try store.cancel(ref, reason: "") }
            try expectInvalid(store, field: "reason") { _ = try store.flag(ref, reason: "line\nbreak") }
            try expectInvalid(store, field: "note") { _ = try store.addNote(ref, text: " \n ") }
            try expectRefused(store, .refused(ref: ref, action: "unflag", reason: "it is not flagged")) {
                _ = try store.flag(ref, reason: nil)
            }
            _ = try store.flag(ref, reason: "address unknown")
            #expect(try store.flag(ref, reason: nil).message == "flag cleared")
            let events = try store.order(ref).events.suffix(2)
            #expect(events.map(\.kind) == ["flagged", "unflagged"])
            #expect(events.map(\.oldValue) == [nil, "address unknown"])
        }
    }

    @Test("edit: nothing to change, or no line left, is refused")
    func editGuards() throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .confirmed)
            try expectRefused(
                store,
                .missingValue(
                    field: "change",
                    hint: "give --add, --remove, --set, --due, --shipping, --date, --customer or --channel")
            ) {
                _ = try store.edit(ref, OrderEdit())
            }
            var all = OrderEdit()
            all.remove = ["MUG-01", "POSTER", "TEE"]
            try expectRefused(
                store,
                .refused(ref: ref, action: "edit", reason: "an order needs at least one line (cancel it instead)")
            ) {
                _ = try store.edit(ref, all)
            }
            var more = OrderEdit()
            more.set = ["MUG-01:6"]  // 5 on hand
            try expectRefused(store, .notEnoughStock(sku: "MUG-01", requested: 6, available: 5)) {
                _ = try store.edit(ref, more)
            }
            var early = OrderEdit()
            early.due = "2026-03-01"
            try expectRefused(store, .dueBeforeOrder(due: "2026-03-01", placed: "2026-03-04")) {
                _ = try store.edit(ref, early)
            }
            var unknown = OrderEdit()
            unknown.remove = ["VASE"]
            try expectInvalid(store, field: "remove") { _ = try store.edit(ref, unknown) }
        }
    }

    @Test("unknown refs are named")
    func unknownRef() throws {
        try withStore { store throws in
            for action in OrderAction.allCases {
                try expectRefused(store, .unknownOrder(ref: "NOPE")) {
                    try LifecycleFixture.attempt(action, store, ref: "NOPE")
                }
            }
        }
    }
}

// MARK: - Derived statuses

@Suite("Lifecycle: payment and fulfilment statuses follow the figures")
struct DerivedStatusTests {
    struct PaymentCase: Sendable, CustomTestStringConvertible {
        var total: Int64, paid: Int64, refunded: Int64
        var expected: PaymentStatus
        var testDescription: String { "total \(total), paid \(paid), refunded \(refunded) -> \(expected.rawValue)" }
    }

    static let paymentCases: [PaymentCase] = [
        .init(total: 5000, paid: 0, refunded: 0, expected: .unpaid),
        .init(total: 5000, paid: 1, refunded: 0, expected: .partiallyPaid),
        .init(total: 5000, paid: 4999, refunded: 0, expected: .partiallyPaid),
        .init(total: 5000, paid: 5000, refunded: 0, expected: .paid),
        .init(total: 0, paid: 0, refunded: 0, expected: .paid),
        .init(total: 5000, paid: 5000, refunded: 1, expected: .partiallyRefunded),
        .init(total: 5000, paid: 5000, refunded: 4999, expected: .partiallyRefunded),
        .init(total: 5000, paid: 5000, refunded: 5000, expected: .refunded),
        .init(total: 5000, paid: 2000, refunded: 500, expected: .partiallyRefunded),
        .init(total: 5000, paid: 2000, refunded: 2000, expected: .refunded),
    ]

    @Test("PaymentStatus.derive", arguments: paymentCases)
    func payment(_ c: PaymentCase) {
        #expect(PaymentStatus.derive(total: c.total, paid: c.paid, refunded: c.refunded) == c.expected)
    }

    struct FulfilmentCase: Sendable, CustomTestStringConvertible {
        var quantity: Int64, shipped: Int64, returned: Int64
        var expected: FulfilmentStatus
        var testDescription: String {
            "quantity \(quantity), shipped \(shipped), returned \(returned) -> \(expected.rawValue)"
        }
    }

    static let fulfilmentCases: [FulfilmentCase] = [
        .init(quantity: 6, shipped: 0, returned: 0, expected: .unfulfilled),
        .init(quantity: 6, shipped: 1, returned: 0, expected: .partial),
        .init(quantity: 6, shipped: 5, returned: 0, expected: .partial),
        .init(quantity: 6, shipped: 6, returned: 0, expected: .fulfilled),
        .init(quantity: 6, shipped: 6, returned: 1, expected: .partiallyReturned),
        .init(quantity: 6, shipped: 6, returned: 5, expected: .partiallyReturned),
        .init(quantity: 6, shipped: 6, returned: 6, expected: .returned),
        .init(quantity: 6, shipped: 2, returned: 1, expected: .partiallyReturned),
        // "returned" only once every unit shipped and every one came back.
        .init(quantity: 6, shipped: 2, returned: 2, expected: .partiallyReturned),
        .init(quantity: 1, shipped: 1, returned: 1, expected: .returned),
    ]

    @Test("FulfilmentStatus.derive", arguments: fulfilmentCases)
    func fulfilment(_ c: FulfilmentCase) {
        #expect(FulfilmentStatus.derive(quantity: c.quantity, shipped: c.shipped, returned: c.returned) == c.expected)
    }

    @Test("the stored statuses follow each payment, refund, shipment and return, each change an event")
    func storedStatusesFollow() throws {
        try withStore { store throws in
            let ref = "D"
            _ = try store.addOrder(draft(LifecycleFixture.items, ref: ref))
            func statuses() throws -> String {
                let s = try store.order(ref).summary
                return "\(s.status.rawValue)/\(s.paymentStatus.rawValue)/\(s.fulfilmentStatus.rawValue)"
            }
            #expect(try statuses() == "pending/unpaid/unfulfilled")
            _ = try store.pay(ref, amount: "10", method: nil)
            #expect(try statuses() == "pending/partially_paid/unfulfilled")
            _ = try store.confirm(ref)
            _ = try store.ship(ref, items: ["TEE"])
            #expect(try statuses() == "processing/partially_paid/partial")
            _ = try store.pay(ref, amount: nil, method: nil)
            #expect(try statuses() == "processing/paid/partial")
            _ = try store.ship(ref)
            #expect(try statuses() == "shipped/paid/fulfilled")
            _ = try store.returnItems(ref, items: ["POSTER:1"], restock: true, reason: nil)
            #expect(try statuses() == "shipped/paid/partially_returned")
            _ = try store.refund(ref, amount: "5", reason: nil)
            #expect(try statuses() == "shipped/partially_refunded/partially_returned")
            _ = try store.deliver(ref)
            // Paid in full once: a later refund does not stop completion.
            #expect(try statuses() == "completed/partially_refunded/partially_returned")
            _ = try store.returnItems(ref, items: ["MUG-01:2", "POSTER:2", "TEE"], restock: true, reason: nil)
            _ = try store.refund(ref, amount: "55", reason: nil)
            #expect(try statuses() == "completed/refunded/returned")

            let events = try store.order(ref).events
            #expect(
                events.filter { $0.kind == "payment" }.map { "\($0.oldValue!)->\($0.newValue!)" }
                    == [
                        "unpaid->partially_paid", "partially_paid->paid", "paid->partially_refunded",
                        "partially_refunded->refunded",
                    ])
            #expect(
                events.filter { $0.kind == "fulfilment" }.map { "\($0.oldValue!)->\($0.newValue!)" }
                    == [
                        "unfulfilled->partial", "partial->fulfilled", "fulfilled->partially_returned",
                        "partially_returned->returned",
                    ])
            try expectStockAddsUp(store)
            #expect(try store.product("MUG-01").onHand == 5)
            #expect(try store.product("POSTER").onHand == 100)
        }
    }
}

// MARK: - Carriers

@Suite("Lifecycle: carriers and tracking numbers")
struct CarrierTests {
    @Test("every known carrier accepts its own example and refuses a wrong shape", arguments: Carrier.known.map(\.name))
    func knownCarrier(name: String) throws {
        let carrier = try #require(Carrier.named(name))
        #expect(try Carrier.normaliseTracking(carrier.example, carrier: name) == carrier.example)
        #expect(
            try Carrier.normaliseTracking(carrier.example.lowercased(), carrier: name.uppercased())
                == carrier.example.uppercased())
        #expect(carrier.url.contains("{tracking}"))
        #expect(carrier.url.hasPrefix("https://"))
        #expect(
            throws: OrderError.invalidValue(
                field: "tracking", value: "X",
                reason: "not a \(name.uppercased()) tracking number (e.g. \(carrier.example))")
        ) {
            try Carrier.normaliseTracking("X", carrier: name)
        }
    }

    @Test("unknown carriers take any short ASCII code as typed; blank or odd codes are refused")
    func otherCarriers() throws {
        #expect(try Carrier.normaliseTracking(" ab 12-3 ", carrier: "acme") == "ab 12-3")
        #expect(try Carrier.normaliseTracking("ab 12-3", carrier: nil) == "ab 12-3")
        for bad in ["", "   ", String(repeating: "1", count: 65), "ÄÖÜ", "12\u{7}3"] {
            #expect(throws: OrderError.self) { try Carrier.normaliseTracking(bad, carrier: "acme") }
        }
    }
}

// MARK: - Edit

@Suite("Lifecycle: edit before shipping")
struct EditTests {
    @Test(
        "add, remove and set lines and the due date on a confirmed order: reservations follow, class recomputed, events recorded"
    )
    func editConfirmed() throws {
        try withStore { store throws in
            let ref = LifecycleFixture.ref
            try LifecycleFixture.drive(store, to: .confirmed)
            #expect(try store.product("MUG-01").reserved == 2)
            #expect(try store.product("POSTER").reserved == 3)
            let before = try store.order(ref)
            #expect(before.summary.orderClass == "standard")

            var change = OrderEdit()
            change.remove = ["POSTER"]
            change.set = ["MUG-01:4"]
            change.add = ["POSTER:1@4.00"]
            change.due = "2026-03-05"
            let r = try store.edit(ref, change)
            #expect(
                r.message
                    == "edited: removed POSTER; MUG-01 quantity 2 -> 4; added POSTER:1@4.00; due none -> 2026-03-05; total 74.00 EUR; class standard -> express"
            )

            let order = try store.order(ref)
            #expect(order.summary.status == .confirmed)
            #expect(order.lines.map(\.sku) == ["MUG-01", "TEE", "POSTER"])
            #expect(order.lines.map(\.quantity) == [4, 1, 1])
            #expect(order.lines.map(\.reserved) == [4, 0, 1])
            #expect(order.lines.map(\.priceOverridden) == [false, false, true])
            #expect(order.summary.total.minor == 7400)
            #expect(order.summary.itemCount == 6)
            #expect(order.summary.dueDate == day("2026-03-05"))
            #expect(order.summary.orderClass == "express")
            #expect(order.classReason == "rule express: due 2026-03-05, 1 day after the order date (limit 2)")
            #expect(try store.product("MUG-01").reserved == 4)
            #expect(try store.product("POSTER").reserved == 1)
            #expect(try store.product("POSTER").onHand == 100)
            try expectStockAddsUp(store)

            let new = order.events.dropFirst(before.events.count)
            #expect(new.map(\.kind) == ["edited", "classified", "stock-released", "stock-reserved"])
            #expect(new.first?.oldValue == "60.00 EUR")
            #expect(new.first?.newValue == "74.00 EUR")
            #expect(
                new.first?.detail
                    == "removed POSTER; MUG-01 quantity 2 -> 4; added POSTER:1@4.00; due none -> 2026-03-05")
            #expect(new.dropFirst().first?.oldValue == "standard")
            #expect(new.dropFirst().first?.newValue == "express")
            #expect(new.dropFirst(2).first?.detail == "MUG-01 x2, POSTER x3")
            #expect(new.last?.detail == "MUG-01: 4 reserved; POSTER: 1 reserved")

            // Clearing the due date goes back to standard; the payment status follows the new total.
            var back = OrderEdit()
            back.due = "none"
            back.remove = ["MUG-01"]
            let r2 = try store.edit(ref, back)
            #expect(r2.message.hasSuffix("total 24.00 EUR; class express -> standard"))
            let after = try store.order(ref)
            #expect(after.summary.dueDate == nil)
            #expect(after.summary.orderClass == "standard")
            #expect(try store.product("MUG-01").reserved == 0)
            try expectStockAddsUp(store)
            #expect(try store.verifyHistory().problem == nil)
        }
    }

    @Test("edit beyond stock with backorder records the shortfall; on hold keeps the hold")
    func editBackorderOnHold() throws {
        try withStore { store throws in
            let ref = LifecycleFixture.ref
            try LifecycleFixture.drive(store, to: .onHold)
            var change = OrderEdit()
            change.set = ["MUG-01:7"]
            change.backorder = true
            _ = try store.edit(ref, change)
            let order = try store.order(ref)
            #expect(order.summary.status == .onHold)
            #expect(order.lines[0].reserved == 5)
            #expect(order.lines[0].backordered == 2)
            #expect(try store.product("MUG-01").reserved == 5)
            try expectStockAddsUp(store)
            // Cancelling releases exactly what is reserved, and clears the backorder.
            let r = try store.cancel(ref, reason: "too slow")
            #expect(
                r.message
                    == "cancelled (too slow); released MUG-01 x5, POSTER x3; 1.00 EUR was paid and is owed back (orderctl refund L-1 --amount 1.00)"
            )
            #expect(try store.order(ref).lines.map(\.backordered) == [0, 0, 0])
            #expect(try store.product("MUG-01").reserved == 0)
            try expectStockAddsUp(store)
        }
    }

    @Test("a paid order edited below what was paid says what is owed back")
    func editBelowPaid() throws {
        try withStore { store throws in
            let ref = LifecycleFixture.ref
            _ = try store.addOrder(draft(LifecycleFixture.items, ref: ref))
            _ = try store.pay(ref, amount: nil, method: nil)
            var change = OrderEdit()
            change.remove = ["TEE"]
            let r = try store.edit(ref, change)
            #expect(
                r.message == "edited: removed TEE; total 40.00 EUR; 20.00 EUR paid beyond the new total is owed back")
            #expect(try store.order(ref).summary.paymentStatus == .paid)
        }
    }
}

// MARK: - List filters

@Suite("Lifecycle: list filters")
struct LifecycleFilterTests {
    @Test("flagged, unpaid, unshipped and on_hold find the right orders")
    func filters() throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(["TEE"], ref: "F-PENDING"))
            _ = try store.addOrder(draft(["TEE"], ref: "F-PAID"))
            _ = try store.pay("F-PAID", amount: nil, method: nil)
            _ = try store.addOrder(draft(["TEE", "POSTER"], ref: "F-PART"))
            _ = try store.confirm("F-PART")
            _ = try store.ship("F-PART", items: ["TEE"])
            _ = try store.addOrder(draft(["TEE"], ref: "F-SHIPPED"))
            _ = try store.confirm("F-SHIPPED")
            _ = try store.pay("F-SHIPPED", amount: nil, method: nil)
            _ = try store.ship("F-SHIPPED")
            _ = try store.flag("F-SHIPPED", reason: "parcel lost")
            _ = try store.addOrder(draft(["TEE"], ref: "F-HOLD"))
            _ = try store.hold("F-HOLD", reason: "address")
            _ = try store.addOrder(draft(["TEE"], ref: "F-CANCEL"))
            _ = try store.cancel("F-CANCEL", reason: "duplicate")
            _ = try store.flag("F-CANCEL", reason: "check duplicate")

            func refs(_ configure: (inout OrderFilter) -> Void) throws -> Set<String> {
                var f = OrderFilter()
                configure(&f)
                return Set(try store.orderSummaries(f).map(\.ref))
            }
            #expect(try refs { $0.flagged = true } == ["F-SHIPPED", "F-CANCEL"])
            #expect(try refs { $0.unpaid = true } == ["F-PENDING", "F-PART", "F-HOLD"])
            #expect(try refs { $0.unshipped = true } == ["F-PENDING", "F-PAID", "F-PART", "F-HOLD"])
            #expect(try refs { $0.statuses = ["on_hold"] } == ["F-HOLD"])
            #expect(try refs { $0.statuses = ["on-hold"] } == ["F-HOLD"])
            #expect(try refs { $0.statuses = ["processing"] } == ["F-PART"])
            #expect(try refs { $0.statuses = ["canceled"] } == ["F-CANCEL"])
            // Repeated values and comma lists mean any of them.
            #expect(try refs { $0.statuses = ["processing", "on-hold"] } == ["F-PART", "F-HOLD"])
            #expect(try refs { $0.statuses = ["processing,canceled", "processing"] } == ["F-PART", "F-CANCEL"])
            #expect(throws: OrderError.self) { try refs { $0.statuses = ["processing,bogus"] } }
            #expect(
                try refs {
                    $0.unpaid = true
                    $0.unshipped = true
                } == ["F-PENDING", "F-PART", "F-HOLD"])
        }
    }
}

// MARK: - History chain

@Suite("Lifecycle: the history hash chain")
struct HistoryChainTests {
    /// A store with a few orders and events; the triggers that keep the log
    /// append-only are dropped so the test can tamper with it.
    func tamperable(_ body: (OrderStore) throws -> Void) throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .completed, ref: "H-1")
            try LifecycleFixture.drive(store, to: .processing, ref: "H-2")
            let report = try store.verifyHistory()
            #expect(report.problem == nil)
            #expect(report.orders == 2)
            #expect(Int64(report.eventsChecked) == (try store.db.scalarInt("SELECT count(*) FROM order_events")))
            try store.db.execute("DROP TRIGGER order_events_no_update; DROP TRIGGER order_events_no_delete")
            try body(store)
        }
    }

    func eventID(_ store: OrderStore, ref: String, kind: String) throws -> Int64 {
        try store.db.scalarInt(
            """
            SELECT min(e.id) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = ? AND e.kind = ?
            """, ref, kind)
    }

    @Test("the log is append-only")
    func appendOnly() throws {
        try withStore { store throws in
            try LifecycleFixture.drive(store, to: .confirmed)
            #expect(throws: SQLiteError.self) { try store.db.execute("UPDATE order_events SET detail = 'x'") }
            #expect(throws: SQLiteError.self) { try store.db.execute("DELETE FROM order_events") }
        }
    }

    @Test("a changed event is named")
    func changed() throws {
        try tamperable { store in
            let id = try eventID(store, ref: "H-1", kind: "paid")
            try store.db.run("UPDATE order_events SET new_value = '6.00 EUR' WHERE id = ?", id)
            let seq = try store.db.scalarInt("SELECT seq FROM order_events WHERE id = ?", id)
            #expect(
                try store.verifyHistory().problem
                    == "event #\(id) (order H-1, seq \(seq), paid) was changed: its content does not match its hash")
        }
    }

    @Test("a removed event is found at the event after it")
    func removed() throws {
        try tamperable { store in
            let id = try eventID(store, ref: "H-1", kind: "paid")
            try store.db.run("DELETE FROM order_events WHERE id = ?", id)
            let problem = try #require(try store.verifyHistory().problem)
            #expect(problem.hasPrefix("event #\(id + 1) "), "\(problem)")
            #expect(problem.contains("removed"), "\(problem)")
        }
    }

    @Test("removing the newest event is found from the log's head")
    func newestRemoved() throws {
        try tamperable { store in
            let last = try store.db.scalarInt("SELECT max(id) FROM order_events")
            try store.db.run("DELETE FROM order_events WHERE id = ?", last)
            #expect(
                try store.verifyHistory().problem
                    == "the newest events were removed: the log ends at event #\(last - 1), but event #\(last) was written"
            )
        }
    }
}
