import Foundation

/// An order as the lifecycle actions see it, loaded inside their transaction.
struct OrderState {
    struct Line {
        var id: Int64
        var productID: Int64
        var sku: String
        var quantity: Int64
        var unitPrice: Int64
        var reserved: Int64
        var backordered: Int64
        var shipped: Int64
        var returned: Int64
        var tracksStock: Bool
        var outstanding: Int64 { quantity - shipped }
    }

    var id: Int64
    var ref: String
    var status: OrderStatus
    var paymentStatus: PaymentStatus
    var fulfilmentStatus: FulfilmentStatus
    var total: Int64
    var paid: Int64
    var refunded: Int64
    var heldFrom: OrderStatus?
    var placedAt: Date
    /// When the order entered its current status (nil for a history written before it was kept).
    var statusAt: Date?
    var currency: Currency
    var lines: [Line]

    var units: Int64 { lines.reduce(0) { $0 + $1.quantity } }
    var shippedUnits: Int64 { lines.reduce(0) { $0 + $1.shipped } }
    var returnedUnits: Int64 { lines.reduce(0) { $0 + $1.returned } }
    var netPaid: Int64 { paid - refunded }
    func money(_ minor: Int64) -> Money { Money(minor: minor, currency: currency) }
}

/// What the batch commands print for one order: `1042: shipped 3 units ...`.
public struct ActionResult: Sendable, Equatable {
    public var ref: String
    public var message: String
}

extension OrderStore {
    // MARK: loading

    func loadState(_ ref: String) throws -> OrderState {
        guard
            var state = try db.queryFirst(
                """
                SELECT id, ref, status, payment_status, fulfilment_status, total, paid_total, refunded_total, held_from, placed_at, currency, status_at
                FROM orders WHERE ref = ?
                """, ref,
                row: { r -> OrderState in
                    OrderState(
                        id: r.int64(0), ref: r.string(1), status: try .stored(r.string(2)),
                        paymentStatus: try .stored(r.string(3)), fulfilmentStatus: try .stored(r.string(4)),
                        total: r.int64(5), paid: r.int64(6),
                        refunded: r.int64(7),
                        heldFrom: try r.optionalString(8).map { s throws(OrderError) in try OrderStatus.stored(s) },
                        placedAt: date(r.string(9)),
                        statusAt: r.optionalString(11).flatMap(Instant.parse),
                        currency: try money(0, r.string(10)).currency, lines: [])
                })
        else { throw OrderError.unknownOrder(ref: ref) }
        state.lines = try db.query(
            """
            SELECT l.id, l.product_id, l.sku, l.quantity, l.unit_price, l.reserved, l.backordered, l.shipped, l.returned, p.track_stock
            FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = ? ORDER BY l.line_no
            """, state.id
        ) { r in
            OrderState.Line(
                id: r.int64(0), productID: r.int64(1), sku: r.string(2), quantity: r.int64(3), unitPrice: r.int64(4),
                reserved: r.int64(5), backordered: r.int64(6), shipped: r.int64(7), returned: r.int64(8),
                tracksStock: r.bool(9))
        }
        return state
    }

    /// Runs one action on one order in its own transaction.
    func act(_ ref: String, _ action: OrderAction, _ body: (inout OrderState, inout EventWriter) throws -> String)
        throws -> ActionResult
    {
        try write {
            var state = try loadState(ref)
            try Lifecycle.check(
                action, ref: state.ref, status: state.status, owed: state.paid < state.total,
                refundable: state.netPaid > 0)
            var events = EventWriter(store: self, orderID: state.id)
            let message = try body(&state, &events)
            try settleDerivedStatuses(&state, &events)
            try db.run("UPDATE orders SET updated_at = ? WHERE id = ?", nowText, state.id)
            return ActionResult(ref: state.ref, message: message)
        }
    }

    func setStatus(_ state: inout OrderState, _ new: OrderStatus, _ events: inout EventWriter, detail: String? = nil)
        throws
    {
        guard new != state.status else { return }
        try db.run("UPDATE orders SET status = ? WHERE id = ?", new.rawValue, state.id)
        try events.append("status", old: state.status.rawValue, new: new.rawValue, detail: detail)
        state.status = new
    }

    /// Payment and fulfilment statuses follow the amounts and units; a delivered order
    /// that is fully paid is completed.
    func settleDerivedStatuses(_ state: inout OrderState, _ events: inout EventWriter) throws {
        let payment = PaymentStatus.derive(total: state.total, paid: state.paid, refunded: state.refunded)
        if payment != state.paymentStatus {
            try db.run("UPDATE orders SET payment_status = ? WHERE id = ?", payment.rawValue, state.id)
            try events.append("payment", old: state.paymentStatus.rawValue, new: payment.rawValue)
            state.paymentStatus = payment
        }
        let fulfilment = FulfilmentStatus.derive(
            quantity: state.units, shipped: state.shippedUnits, returned: state.returnedUnits)
        if fulfilment != state.fulfilmentStatus {
            try db.run("UPDATE orders SET fulfilment_status = ? WHERE id = ?", fulfilment.rawValue, state.id)
            try events.append("fulfilment", old: state.fulfilmentStatus.rawValue, new: fulfilment.rawValue)
            state.fulfilmentStatus = fulfilment
        }
        // Completed once delivered and paid in full; a later refund does not undo the payment.
        if state.status == .delivered && state.paid >= state.total {
            try setStatus(&state, .completed, &events, detail: "delivered and paid")
        }
    }

    /// When something happened: now, or `--at`. A date-time is taken as given; a bare
    /// date means that day, as late as possible but not after now. Never before
    /// `notBefore` (the order's placing, or its last shipment), never in the future.
    func instant(
        _ text: String?, field: String, notBefore earliest: Date, what: String = "the order was placed",
        hint: String = ""
    ) throws -> Date {
        guard let text else { return now }
        let dates = try dateResolver()
        var at = try dates.instant(text, field: field)
        let isDateTime = text.trimmingCharacters(in: .whitespaces).count > 10 && text.lowercased() != "now"
        if !isDateTime {
            let day = try dates.date(text, field: field)
            guard day <= dates.today else {
                throw OrderError.invalidValue(field: field, value: text, reason: "in the future (\(day.iso))")
            }
            let endOfDay = day.adding(days: 1).start(in: dates.zone).addingTimeInterval(-1)
            at = min(endOfDay, now)
            if at < earliest && LocalDate(earliest, in: dates.zone) == LocalDate(at, in: dates.zone) {
                at = max(at, earliest)
            }
        }
        guard at <= now.addingTimeInterval(60) else {
            throw OrderError.invalidValue(
                field: field, value: text, reason: "in the future (\(Instant.display(at, in: dates.zone)))")
        }
        guard at >= earliest else {
            throw OrderError.invalidValue(
                field: field, value: text,
                reason: "before \(what) (\(Instant.display(earliest, in: dates.zone)))\(hint)")
        }
        return at
    }

    /// When an action on `state` happened: now, or `--at` (checked as `instant` checks
    /// it). Done now, the order's own times must lie behind us: an order placed (or
    /// shipped) in the future by a typing mistake is corrected before anything follows
    /// it. With `--at`, every event the action writes carries that time.
    /// An action that changes the order's status (`changesStatus`) happens no earlier than
    /// the order entered its current status, so that the history reads in the order things
    /// happened and the time spent in each status (what `stuck` learns from) is true.
    func actionTime(
        _ at: String?, _ state: OrderState, _ events: inout EventWriter, action: String,
        notBefore: Date? = nil, what: String = "the order was placed", changesStatus: Bool = true
    ) throws -> Date {
        var earliest = notBefore ?? state.placedAt
        var what = what
        var hint = ""
        if changesStatus, at != nil, let entered = state.statusAt, entered > earliest {
            earliest = entered
            what = "the order became \(state.status.rawValue.replacingOccurrences(of: "_", with: " "))"
            hint = "; give that step an earlier --at too"
        }
        if at == nil && now.addingTimeInterval(60) < earliest {
            let shown = Instant.display(earliest, in: try timeZone())
            let fix =
                what == "the last shipment"
                ? "correct the shipment's date with 'orderctl shipment update \(state.ref) N --at DATE'"
                : "correct the order's date with 'orderctl edit \(state.ref) --date DATE'"
            throw OrderError.refused(
                ref: state.ref, action: action, reason: "\(what) at \(shown), later than now (\(fix))")
        }
        let when = try instant(at, field: "at", notBefore: earliest, what: what, hint: hint)
        if at != nil { events.defaultAt = Instant.format(when) }
        return max(when, earliest)
    }

    /// " on 2026-11-24 15:30" when `--at` was given, to show the resolved time back.
    func echo(_ text: String?, _ at: Date) throws -> String {
        text == nil ? "" : " at \(Instant.display(at, in: try timeZone()))"
    }

    // MARK: confirm, hold, release

    public func confirm(_ ref: String, at: String? = nil) throws -> ActionResult {
        try act(ref, .confirm) { state, events in
            let when = try actionTime(at, state, &events, action: "confirm")
            try setStatus(&state, .confirmed, &events)
            return "confirmed" + (try echo(at, when))
        }
    }

    public func hold(_ ref: String, reason: String, at: String? = nil) throws -> ActionResult {
        try act(ref, .hold) { state, events in
            let reason = try Validate.name(reason, field: "reason")
            let when = try actionTime(at, state, &events, action: "hold")
            try db.run("UPDATE orders SET held_from = ? WHERE id = ?", state.status.rawValue, state.id)
            try setStatus(&state, .onHold, &events, detail: reason)
            return "on hold (\(reason))" + (try echo(at, when))
        }
    }

    public func release(_ ref: String, at: String? = nil) throws -> ActionResult {
        try act(ref, .release) { state, events in
            let when = try actionTime(at, state, &events, action: "release")
            let back = state.heldFrom ?? .pending
            try db.run("UPDATE orders SET held_from = NULL WHERE id = ?", state.id)
            try setStatus(&state, back, &events, detail: "released from hold")
            return "released, \(back.rawValue) again" + (try echo(at, when))
        }
    }

    // MARK: money

    public func pay(_ ref: String, amount: String?, method: String?, at: String? = nil) throws -> ActionResult {
        try act(ref, .pay) { state, events in
            let owed = state.total - state.paid
            guard owed > 0 else {
                throw OrderError.refused(
                    ref: state.ref, action: "pay", reason: "it is already paid in full (\(state.money(state.paid)))")
            }
            let value =
                try amount.map { a throws(OrderError) in try Money.parse(a, currency: state.currency, field: "amount")
                }?.minor ?? owed
            guard value > 0 else {
                throw OrderError.invalidValue(field: "amount", value: amount ?? "0", reason: "must be more than zero")
            }
            guard value <= owed else {
                throw OrderError.refused(
                    ref: state.ref, action: "pay",
                    reason: "\(state.money(value)) is more than the \(state.money(owed)) still owed")
            }
            let method = try method.map { m throws(OrderError) in
                try Validate.word(m, field: "method", examples: "card, transfer or cash")
            }
            let when = try actionTime(at, state, &events, action: "pay", changesStatus: false)
            try db.run(
                "INSERT INTO payments(order_id, kind, amount, method, at) VALUES (?, 'payment', ?, ?, ?)",
                state.id, value, method, Instant.format(when))
            state.paid += value
            try db.run("UPDATE orders SET paid_total = ? WHERE id = ?", state.paid, state.id)
            try events.append(
                "paid", new: state.money(value).description, detail: method.map { "by \($0)" }, at: Instant.format(when)
            )
            let rest = state.total - state.paid
            return "paid \(state.money(value))" + (method.map { " by \($0)" } ?? "") + (try echo(at, when))
                + (rest > 0 ? ", \(state.money(rest)) still owed" : ", paid in full")
        }
    }

    public func refund(_ ref: String, amount: String, reason: String?, at: String? = nil) throws -> ActionResult {
        try act(ref, .refund) { state, events in
            let refundable = state.netPaid
            guard refundable > 0 else {
                throw OrderError.refused(ref: state.ref, action: "refund", reason: "nothing paid is left to refund")
            }
            let value = try Money.parse(amount, currency: state.currency, field: "amount").minor
            guard value > 0 else {
                throw OrderError.invalidValue(field: "amount", value: amount, reason: "must be more than zero")
            }
            guard value <= refundable else {
                throw OrderError.refused(
                    ref: state.ref, action: "refund",
                    reason:
                        "\(state.money(value)) is more than the \(state.money(refundable)) paid and not yet refunded")
            }
            let reason = try reason.map { r throws(OrderError) in try Validate.name(r, field: "reason") }
            let lastPaid = try db.scalarString(
                "SELECT max(at) FROM payments WHERE order_id = ? AND kind = 'payment'", state.id
            ).flatMap(Instant.parse)
            let when = try actionTime(
                at, state, &events, action: "refund", notBefore: lastPaid, what: "the last payment",
                changesStatus: false)
            try db.run(
                "INSERT INTO payments(order_id, kind, amount, reason, at) VALUES (?, 'refund', ?, ?, ?)",
                state.id, value, reason, Instant.format(when))
            state.refunded += value
            try db.run("UPDATE orders SET refunded_total = ? WHERE id = ?", state.refunded, state.id)
            try events.append("refunded", new: state.money(value).description, detail: reason)
            return "refunded \(state.money(value))" + (try echo(at, when))
                + "; \(state.money(state.netPaid)) paid and kept"
        }
    }

    // MARK: shipping

    /// Parses `SKU:QTY` lists against the order's lines; repeated SKUs add up. A SKU on
    /// several lines (at several prices) takes what each line has `room` for, in line
    /// order; what none has room for is left on its last line, for the caller's check.
    func quantities(
        _ items: [String], in state: OrderState, field: String, action: String, roomText: String,
        room: (OrderState.Line) -> Int64
    ) throws -> [Int: Int64] {
        var asked: [(lines: [Int], quantity: Int64)] = []
        for text in items {
            let spec = try ItemSpec.parse(text)
            if spec.price != nil {
                throw OrderError.invalidValue(field: field, value: text, reason: "expected SKU[:QTY], without a price")
            }
            let on = state.lines.indices.filter { state.lines[$0].sku.caseInsensitiveCompare(spec.sku) == .orderedSame }
            guard !on.isEmpty else {
                throw OrderError.invalidValue(
                    field: field, value: spec.sku,
                    reason:
                        "order \(state.ref) has no line with this SKU (it has \(state.lines.map(\.sku).joined(separator: ", ")))"
                )
            }
            if let k = asked.firstIndex(where: { $0.lines == on }) {
                asked[k].quantity += spec.quantity
            } else {
                asked.append((on, spec.quantity))
            }
        }
        var result: [Int: Int64] = [:]
        for (on, quantity) in asked where on.count > 1 {
            let total = on.reduce(Int64(0)) { $0 + max(0, room(state.lines[$1])) }
            guard quantity <= total else {
                throw OrderError.refused(
                    ref: state.ref, action: action,
                    reason:
                        "\(quantity) of \(state.lines[on[0]].sku) asked, only \(total) \(roomText) (on its \(on.count) lines)"
                )
            }
        }
        for (on, quantity) in asked {
            var left = quantity
            for i in on.dropLast() where left > 0 {
                let take = min(left, max(0, room(state.lines[i])))
                if take > 0 {
                    result[i] = take
                    left -= take
                }
            }
            if left > 0 { result[on.last!, default: 0] += left }
        }
        return result
    }

    /// A carrier name: a known one, one with a `carrier.NAME.url` setting, one this shop
    /// has shipped with before, or (with `unchecked`) any word. A typo is refused with
    /// the nearest names.
    func checkedCarrier(_ text: String?, unchecked: Bool) throws -> String? {
        guard let text else { return nil }
        let name = try Validate.word(text, field: "carrier", examples: "dhl, ups or dpd")
        if unchecked || Carrier.named(name) != nil { return name }
        if try rawSetting("carrier.\(name).url") != nil { return name }
        if try db.scalarInt("SELECT EXISTS (SELECT 1 FROM shipments WHERE carrier = ?)", name) == 1 { return name }
        let configured = try db.query(
            "SELECT substr(key, 9, length(key) - 12) FROM settings WHERE key LIKE 'carrier.%.url'"
        ) { $0.string(0) }
        let used = try db.query("SELECT DISTINCT carrier FROM shipments WHERE carrier IS NOT NULL LIMIT 1000") {
            $0.string(0)
        }
        let known = Array(Set(Carrier.known.map(\.name) + configured + used)).sorted()
        throw OrderError.invalidValue(
            field: "carrier", value: text,
            reason:
                "not a carrier orderctl knows (known: \(known.joined(separator: ", "))\(Suggest.hint(name, in: known))); "
                + "set carrier.\(name).url for its tracking links, or give --carrier-unchecked")
    }

    public func ship(
        _ ref: String, items: [String] = [], carrier: String? = nil, tracking: String? = nil, at: String? = nil,
        carrierUnchecked: Bool = false
    ) throws -> ActionResult {
        try act(ref, .ship) { state, events in
            let carrier = try checkedCarrier(carrier, unchecked: carrierUnchecked)
            // A shop's or a file's number may come without its carrier: kept so.
            if tracking != nil && carrier == nil && !carrierUnchecked {
                throw OrderError.missingValue(
                    field: "carrier", hint: "a tracking number needs --carrier, e.g. --carrier dhl")
            }
            let tracking = try tracking.map { t throws(OrderError) in
                try Carrier.normaliseTracking(t, carrier: carrier, strict: !carrierUnchecked)
            }
            let when = try actionTime(at, state, &events, action: "ship")
            var plan: [Int: Int64]
            if items.isEmpty {
                plan = [:]
                for (i, l) in state.lines.enumerated() where l.outstanding > 0 { plan[i] = l.outstanding }
            } else {
                plan = try quantities(
                    items, in: state, field: "item", action: "ship", roomText: "left to ship", room: \.outstanding)
            }
            guard !plan.isEmpty else {
                throw OrderError.refused(ref: state.ref, action: "ship", reason: "every unit has shipped already")
            }
            // Check every line before moving any stock.
            for (i, q) in plan.sorted(by: { $0.key < $1.key }) {
                let l = state.lines[i]
                guard q <= l.outstanding else {
                    throw OrderError.refused(
                        ref: state.ref, action: "ship",
                        reason: "\(q) of \(l.sku) asked, only \(l.outstanding) left to ship")
                }
                if l.tracksStock && q > l.reserved {
                    // Units not reserved (backordered, or ordered while the product did not
                    // track stock) ship once the stock is there: reserve them now.
                    let available = try db.scalarInt(
                        "SELECT on_hand - reserved FROM products WHERE id = ?", l.productID)
                    let extra = q - l.reserved
                    guard extra <= max(0, available) else {
                        let hint =
                            l.reserved > 0
                            ? "ship fewer with --item \(l.sku):\(l.reserved), or add stock"
                            : "add stock first ('orderctl stock add \(l.sku) N')"
                        throw OrderError.refused(
                            ref: state.ref, action: "ship",
                            reason:
                                "\(q) of \(l.sku) asked, \(l.reserved) reserved and \(max(0, available)) more in stock (\(hint))"
                        )
                    }
                    try db.run(
                        "UPDATE products SET reserved = reserved + ? WHERE id = ? AND on_hand - reserved >= ?", extra,
                        l.productID, extra)
                    guard db.changes == 1 else {
                        throw OrderError.notEnoughStock(sku: l.sku, requested: extra, available: available)
                    }
                    let fromBackorder = min(extra, l.backordered)
                    try db.run(
                        "UPDATE order_lines SET reserved = reserved + ?, backordered = backordered - ? WHERE id = ?",
                        extra, fromBackorder, l.id)
                    state.lines[i].reserved += extra
                    state.lines[i].backordered -= fromBackorder
                }
            }
            try db.run(
                "INSERT INTO shipments(order_id, carrier, tracking, shipped_at) VALUES (?, ?, ?, ?)",
                state.id, carrier, tracking, Instant.format(when))
            let shipmentID = db.lastInsertRowID
            var parts: [String] = []
            var units: Int64 = 0
            for (i, q) in plan.sorted(by: { $0.key < $1.key }) {
                let l = state.lines[i]
                if l.tracksStock {
                    // Reserved stock becomes shipped stock: it leaves on hand and the reservation.
                    try db.run(
                        "UPDATE products SET on_hand = on_hand - ?, reserved = reserved - ?, updated_at = ? WHERE id = ? AND reserved >= ? AND on_hand >= ?",
                        q, q, nowText, l.productID, q, q)
                    guard db.changes == 1 else {
                        throw OrderError.refused(
                            ref: state.ref, action: "ship", reason: "stock of \(l.sku) changed underneath; try again")
                    }
                    let onHand = try db.scalarInt("SELECT on_hand FROM products WHERE id = ?", l.productID)
                    try logStock(
                        productID: l.productID, kind: "ship", delta: -q, onHand: onHand, note: nil, orderID: state.id)
                }
                // A backorder never outlives the units it waits for (say, after tracking was switched off).
                try db.run(
                    """
                    UPDATE order_lines SET shipped = shipped + ?1, reserved = reserved - ?2,
                        backordered = max(0, min(backordered, quantity - (shipped + ?1) - (reserved - ?2)))
                    WHERE id = ?3
                    """, q, l.tracksStock ? q : 0, l.id)
                try db.run(
                    "INSERT INTO shipment_lines(shipment_id, order_line_id, quantity) VALUES (?, ?, ?)", shipmentID,
                    l.id, q)
                state.lines[i].shipped += q
                if l.tracksStock { state.lines[i].reserved -= q }
                parts.append("\(l.sku) x\(q)")
                units += q
            }
            let via = [carrier, tracking].compactMap { $0 }.joined(separator: " ")
            try events.append(
                "shipped", new: parts.joined(separator: ", "), detail: via.isEmpty ? nil : "via \(via)",
                at: Instant.format(when))
            let complete = state.lines.allSatisfy { $0.outstanding == 0 }
            try setStatus(&state, complete ? .shipped : .processing, &events)
            return "shipped \(units) unit\(units == 1 ? "" : "s") (\(parts.joined(separator: ", ")))"
                + (via.isEmpty ? "" : " via \(via)") + (try echo(at, when))
                + (complete ? "; all shipped" : "; \(state.lines.reduce(0) { $0 + $1.outstanding }) still to ship")
        }
    }

    /// Corrects a shipment's carrier, tracking number or date (`number`: 1 for the
    /// order's first shipment; needed when it has several). Recorded as a
    /// `shipment-updated` event; the tracking is checked as `ship` checks it.
    public func updateShipment(
        _ ref: String, number: Int?, carrier: String?, tracking: String?, at: String?,
        carrierUnchecked: Bool = false
    ) throws -> ActionResult {
        try write {
            guard carrier != nil || tracking != nil || at != nil else {
                throw OrderError.missingValue(field: "change", hint: "give --carrier, --tracking or --at")
            }
            let state = try loadState(ref)
            let rows = try db.query(
                "SELECT id, carrier, tracking, shipped_at, delivered_at FROM shipments WHERE order_id = ? ORDER BY id",
                state.id
            ) {
                (
                    id: $0.int64(0), carrier: $0.optionalString(1), tracking: $0.optionalString(2),
                    shippedAt: $0.string(3), deliveredAt: $0.optionalString(4)
                )
            }
            guard !rows.isEmpty else {
                throw OrderError.refused(ref: state.ref, action: "update a shipment of", reason: "it has not shipped")
            }
            let index: Int
            if let number {
                guard number >= 1, number <= rows.count else {
                    throw OrderError.invalidValue(
                        field: "shipment", value: String(number),
                        reason:
                            "order \(state.ref) has \(rows.count == 1 ? "1 shipment" : "shipments 1 to \(rows.count)")")
                }
                index = number - 1
            } else {
                guard rows.count == 1 else {
                    throw OrderError.missingValue(
                        field: "shipment",
                        hint:
                            "order \(state.ref) has \(rows.count) shipments; name one: orderctl shipment update \(state.ref) N"
                    )
                }
                index = 0
            }
            let old = rows[index]
            let newCarrier = try carrier.map { try checkedCarrier($0, unchecked: carrierUnchecked) } ?? old.carrier
            if tracking != nil && newCarrier == nil {
                throw OrderError.missingValue(
                    field: "carrier", hint: "a tracking number needs --carrier, e.g. --carrier dhl")
            }
            // A new carrier checks the kept tracking number too.
            let newTracking = try (tracking ?? old.tracking).map { t throws(OrderError) in
                try Carrier.normaliseTracking(t, carrier: newCarrier)
            }
            var shippedAt = old.shippedAt
            if let at {
                let delivered = old.deliveredAt.flatMap(Instant.parse)
                // Shipped after it was confirmed, as ship --at requires.
                let confirmed = try db.scalarString("SELECT confirmed_at FROM orders WHERE id = ?", state.id).flatMap(
                    Instant.parse)
                let when =
                    try confirmed.map { c in try instant(at, field: "at", notBefore: c, what: "the order was confirmed")
                    }
                    ?? instant(at, field: "at", notBefore: state.placedAt)
                if let delivered, when > delivered {
                    throw OrderError.invalidValue(
                        field: "at", value: at,
                        reason: "after its delivery (\(Instant.display(delivered, in: try timeZone())))")
                }
                shippedAt = Instant.format(when)
            }
            var changes: [String] = []
            if newCarrier != old.carrier {
                changes.append("carrier \(old.carrier ?? "none") -> \(newCarrier ?? "none")")
            }
            if newTracking != old.tracking {
                changes.append("tracking \(old.tracking ?? "none") -> \(newTracking ?? "none")")
            }
            if shippedAt != old.shippedAt {
                changes.append(
                    "shipped \(Instant.display(date(old.shippedAt), in: try timeZone())) -> \(Instant.display(date(shippedAt), in: try timeZone()))"
                )
            }
            guard !changes.isEmpty else {
                return ActionResult(ref: state.ref, message: "shipment \(index + 1): nothing changed")
            }
            try db.run(
                "UPDATE shipments SET carrier = ?, tracking = ?, shipped_at = ? WHERE id = ?", newCarrier, newTracking,
                shippedAt, old.id)
            var events = EventWriter(store: self, orderID: state.id)
            try events.append("shipment-updated", new: "shipment \(index + 1)", detail: changes.joined(separator: "; "))
            try db.run("UPDATE orders SET updated_at = ? WHERE id = ?", nowText, state.id)
            return ActionResult(ref: state.ref, message: "shipment \(index + 1): \(changes.joined(separator: "; "))")
        }
    }

    public func deliver(_ ref: String, at: String? = nil) throws -> ActionResult {
        try act(ref, .deliver) { state, events in
            let lastShipped =
                try db.scalarString("SELECT max(shipped_at) FROM shipments WHERE order_id = ?", state.id).flatMap(
                    Instant.parse) ?? state.placedAt
            let when = try actionTime(
                at, state, &events, action: "deliver", notBefore: lastShipped, what: "the last shipment")
            try db.run(
                "UPDATE shipments SET delivered_at = ? WHERE order_id = ? AND delivered_at IS NULL",
                Instant.format(when), state.id)
            try setStatus(&state, .delivered, &events, detail: "delivered \(Instant.display(when, in: try timeZone()))")
            let owed = state.total - state.paid
            return "delivered" + (try echo(at, when)) + (owed > 0 ? "; \(state.money(owed)) still owed" : "")
        }
    }

    // MARK: cancel and return

    public func cancel(_ ref: String, reason: String, at: String? = nil) throws -> ActionResult {
        try act(ref, .cancel) { state, events in
            let reason = try Validate.name(reason, field: "reason")
            let when = try actionTime(at, state, &events, action: "cancel")
            guard state.shippedUnits == 0 else {
                throw OrderError.refused(
                    ref: state.ref, action: "cancel",
                    reason:
                        "\(state.shippedUnits) unit\(state.shippedUnits == 1 ? " has" : "s have") shipped (use 'orderctl return')"
                )
            }
            var released: [String] = []
            for l in state.lines where l.reserved > 0 || l.backordered > 0 {
                if l.reserved > 0 {
                    try db.run(
                        "UPDATE products SET reserved = reserved - ?, updated_at = ? WHERE id = ? AND reserved >= ?",
                        l.reserved, nowText, l.productID, l.reserved)
                    guard db.changes == 1 else {
                        throw OrderError.refused(
                            ref: state.ref, action: "cancel", reason: "reservation of \(l.sku) is inconsistent")
                    }
                    released.append("\(l.sku) x\(l.reserved)")
                }
                try db.run("UPDATE order_lines SET reserved = 0, backordered = 0 WHERE id = ?", l.id)
            }
            try db.run("UPDATE orders SET closed_reason = ?, held_from = NULL WHERE id = ?", reason, state.id)
            try setStatus(&state, .cancelled, &events, detail: reason)
            if !released.isEmpty { try events.append("stock-released", detail: released.joined(separator: ", ")) }
            var message = "cancelled (\(reason))" + (try echo(at, when))
            if !released.isEmpty { message += "; released \(released.joined(separator: ", "))" }
            if state.netPaid > 0 {
                message +=
                    "; \(state.money(state.netPaid)) was paid and is owed back (orderctl refund \(state.ref) --amount \(state.money(state.netPaid).decimalString))"
            }
            return message
        }
    }

    public func returnItems(_ ref: String, items: [String], restock: Bool, reason: String?, at: String? = nil) throws
        -> ActionResult
    {
        try act(ref, .returnItems) { state, events in
            guard !items.isEmpty else {
                throw OrderError.missingValue(field: "item", hint: "name what came back with --item SKU:QTY")
            }
            let plan = try quantities(
                items, in: state, field: "item", action: "return", roomText: "shipped and not yet returned",
                room: { $0.shipped - $0.returned })
            let reason = try reason.map { r throws(OrderError) in try Validate.name(r, field: "reason") }
            for (i, q) in plan {
                let l = state.lines[i]
                guard q <= l.shipped - l.returned else {
                    throw OrderError.refused(
                        ref: state.ref, action: "return",
                        reason:
                            "\(q) of \(l.sku) returned, but only \(l.shipped - l.returned) shipped and not yet returned"
                    )
                }
            }
            let lastShipped = try db.scalarString("SELECT max(shipped_at) FROM shipments WHERE order_id = ?", state.id)
                .flatMap(Instant.parse)
            let when = try actionTime(
                at, state, &events, action: "return", notBefore: lastShipped, what: "the last shipment")
            try db.run(
                "INSERT INTO returns(order_id, restock, reason, at) VALUES (?, ?, ?, ?)", state.id, restock, reason,
                Instant.format(when))
            let returnID = db.lastInsertRowID
            var parts: [String] = []
            var value: Int64 = 0
            for (i, q) in plan.sorted(by: { $0.key < $1.key }) {
                let l = state.lines[i]
                try db.run("UPDATE order_lines SET returned = returned + ? WHERE id = ?", q, l.id)
                try db.run(
                    "INSERT INTO return_lines(return_id, order_line_id, quantity) VALUES (?, ?, ?)", returnID, l.id, q)
                if restock && l.tracksStock {
                    try db.run(
                        "UPDATE products SET on_hand = on_hand + ?, updated_at = ? WHERE id = ?", q, nowText,
                        l.productID)
                    let onHand = try db.scalarInt("SELECT on_hand FROM products WHERE id = ?", l.productID)
                    try logStock(
                        productID: l.productID, kind: "return", delta: q, onHand: onHand, note: reason,
                        orderID: state.id)
                }
                state.lines[i].returned += q
                parts.append("\(l.sku) x\(q)")
                value += q * l.unitPrice
            }
            try events.append(
                "returned", new: parts.joined(separator: ", "),
                detail: [restock ? "restocked" : "not restocked", reason].compactMap { $0 }.joined(separator: "; "))
            var message =
                "returned \(parts.joined(separator: ", ")) (\(restock ? "restocked" : "not restocked"))"
                + (try echo(at, when)) + ", worth \(state.money(value))"
            if state.netPaid > 0 {
                message +=
                    " (refund with: orderctl refund \(state.ref) --amount \(state.money(min(value, state.netPaid)).decimalString))"
            }
            return message
        }
    }

    // MARK: notes and flags

    public func addNote(_ ref: String, text: String, at: String? = nil) throws -> ActionResult {
        try act(ref, .note) { state, events in
            let when = try actionTime(at, state, &events, action: "note", changesStatus: false)
            let text = try Validate.note(text, field: "note")
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw OrderError.invalidValue(field: "note", value: text, reason: "must not be empty")
            }
            try events.append("note", detail: text)
            return "noted" + (try echo(at, when))
        }
    }

    /// Sets (or with nil, clears) the order's flag.
    public func flag(_ ref: String, reason: String?, at: String? = nil) throws -> ActionResult {
        try act(ref, .flag) { state, events in
            let when = try actionTime(
                at, state, &events, action: reason == nil ? "unflag" : "flag", changesStatus: false)
            let old = try db.scalarString("SELECT flag FROM orders WHERE id = ?", state.id)
            if let reason {
                let reason = try Validate.name(reason, field: "reason")
                try db.run("UPDATE orders SET flag = ? WHERE id = ?", reason, state.id)
                try events.append("flagged", old: old, new: reason)
                return "flagged: \(reason)" + (try echo(at, when))
            }
            guard let old else {
                throw OrderError.refused(ref: state.ref, action: "unflag", reason: "it is not flagged")
            }
            try db.run("UPDATE orders SET flag = NULL WHERE id = ?", state.id)
            try events.append("unflagged", old: old)
            return "flag cleared" + (try echo(at, when))
        }
    }
}

/// What `orderctl edit` changes; empty fields leave things as they are.
public struct OrderEdit: Sendable {
    public var add: [String] = []
    public var remove: [String] = []
    public var set: [String] = []
    /// A date expression, or "none" to clear the due date.
    public var due: String?
    public var shipping: String?
    public var backorder = false
    /// When the order was placed (a date or date-time), for an order entered with the wrong date.
    public var placedAt: String?
    /// Another customer (id, email or name), for an order entered for the wrong one.
    public var customer: String?
    public var channel: String?

    public init() {}

    public var isEmpty: Bool {
        add.isEmpty && remove.isEmpty && set.isEmpty && due == nil && shipping == nil && placedAt == nil
            && customer == nil && channel == nil
    }
}

extension OrderStore {
    /// Changes an order that has not shipped: lines, quantities, due date, shipping.
    /// Reservations are released and taken again for the new lines, and the order is
    /// classified again, all in one transaction.
    public func edit(_ ref: String, _ change: OrderEdit) throws -> ActionResult {
        try act(ref, .edit) { state, events in
            guard !change.isEmpty else {
                throw OrderError.missingValue(
                    field: "change",
                    hint: "give --add, --remove, --set, --due, --shipping, --date, --customer or --channel")
            }
            let currency = state.currency
            let header = try db.queryFirst(
                """
                SELECT o.shipping, o.due_date, o.class, c.country, o.customer_id, c.name, o.channel
                FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = ?
                """, state.id
            ) {
                (
                    $0.string(0), $0.optionalString(1), $0.string(2), $0.optionalString(3), $0.int64(4), $0.string(5),
                    $0.string(6)
                )
            }!
            let lineChanges = !change.add.isEmpty || !change.remove.isEmpty || !change.set.isEmpty
            let headerChanges = [
                change.placedAt.map { _ in "--date" }, change.customer.map { _ in "--customer" },
                change.channel.map { _ in "--channel" },
            ].compactMap { $0 }
            if (lineChanges || !headerChanges.isEmpty) && state.shippedUnits > 0 {
                let what = lineChanges ? "the lines" : headerChanges.joined(separator: ", ")
                throw OrderError.refused(
                    ref: state.ref, action: "edit",
                    reason:
                        "\(state.shippedUnits) unit\(state.shippedUnits == 1 ? " has" : "s have") shipped, so \(what) can no longer change; only --due and --shipping can"
                )
            }
            let dates = try dateResolver()
            // The placing: not in the future, and not after anything the history says followed it.
            var placedAt = state.placedAt
            if let text = change.placedAt {
                let new = try dates.instant(text, field: "date")
                guard new <= now.addingTimeInterval(60) else {
                    throw OrderError.invalidValue(
                        field: "date", value: text, reason: "in the future (\(Instant.display(new, in: dates.zone)))")
                }
                let later = try db.queryFirst(
                    """
                    SELECT min(at) FROM (SELECT at FROM order_events WHERE order_id = ?1
                                           AND kind NOT IN ('created', 'classified', 'edited', 'placed', 'customer', 'channel', 'stock-reserved', 'stock-released')
                                         UNION ALL SELECT at FROM payments WHERE order_id = ?1)
                    """, state.id
                ) { $0.optionalString(0) }.flatMap { $0 }.flatMap(Instant.parse)
                if let later, new > later {
                    throw OrderError.invalidValue(
                        field: "date", value: text,
                        reason:
                            "after what its history records next (\(Instant.display(later, in: dates.zone))); choose a date before that"
                    )
                }
                placedAt = new
            }
            var customerID = header.4
            var customerCountry = header.3
            var customerChange: (old: String, new: String)?
            if let text = change.customer {
                let c = try resolveCustomer(text)
                if c.id != header.4 {
                    customerChange = ("#\(header.4) \(header.5)", "#\(c.id) \(c.name)")
                    customerID = c.id
                    customerCountry = c.country
                }
            }
            var channel = header.6
            if let text = change.channel { channel = try Validate.channel(text) }
            var lines: [LineDraft] = []
            for l in state.lines {
                let found: Product? = try db.queryFirst(
                    "SELECT \(Self.productColumns) FROM products WHERE id = ?", l.productID
                ) { r in
                    try self.product(from: r)
                }
                let kept = try db.queryFirst("SELECT price_source, name FROM order_lines WHERE id = ?", l.id) {
                    ($0.string(0), $0.string(1))
                }
                lines.append(
                    LineDraft(
                        product: found!, quantity: l.quantity, price: Money(minor: l.unitPrice, currency: currency),
                        overridden: kept?.0 == "override", name: kept?.1))
            }
            var changes: [String] = []
            // A SKU on several lines (at several prices, from an import) is not one line to change.
            func single(_ sku: String, field: String) throws {
                let on = lines.indices.filter { lines[$0].product.sku.caseInsensitiveCompare(sku) == .orderedSame }
                guard on.count < 2 else {
                    throw OrderError.invalidValue(
                        field: field, value: sku,
                        reason: "order \(state.ref) has this SKU on \(on.count) lines "
                            + "(\(on.map { "line \($0 + 1) at \(lines[$0].price)" }.joined(separator: ", "))); edit changes a SKU on one line only"
                    )
                }
            }
            for sku in change.remove {
                try single(sku, field: "remove")
                guard let i = lines.firstIndex(where: { $0.product.sku.caseInsensitiveCompare(sku) == .orderedSame })
                else {
                    throw OrderError.invalidValue(
                        field: "remove", value: sku, reason: "order \(state.ref) has no line with this SKU")
                }
                changes.append("removed \(lines[i].product.sku)")
                lines.remove(at: i)
            }
            for text in change.set {
                let spec = try ItemSpec.parse(text)
                guard spec.price == nil, text.contains(":") else {
                    throw OrderError.invalidValue(field: "set", value: text, reason: "expected SKU:QTY")
                }
                try single(spec.sku, field: "set")
                guard
                    let i = lines.firstIndex(where: { $0.product.sku.caseInsensitiveCompare(spec.sku) == .orderedSame })
                else {
                    throw OrderError.invalidValue(
                        field: "set", value: spec.sku,
                        reason: "order \(state.ref) has no line with this SKU (use --add)")
                }
                changes.append("\(lines[i].product.sku) quantity \(lines[i].quantity) -> \(spec.quantity)")
                lines[i].quantity = spec.quantity
            }
            for text in change.add {
                try addLine(text, currency: currency, to: &lines)
                changes.append("added \(text)")
            }
            guard !lines.isEmpty else {
                throw OrderError.refused(
                    ref: state.ref, action: "edit", reason: "an order needs at least one line (cancel it instead)")
            }
            let placedDay = LocalDate(placedAt, in: dates.zone)
            var due = header.1.flatMap(LocalDate.init(iso:))
            if let text = change.due {
                if text.lowercased() == "none" {
                    due = nil
                } else {
                    due = try dates.date(text, field: "due date")
                    if let d = due, d < placedDay { throw OrderError.dueBeforeOrder(due: d.iso, placed: placedDay.iso) }
                }
                changes.append("due \(header.1 ?? "none") -> \(due?.iso ?? "none")")
            } else if change.placedAt != nil, let d = due, d < placedDay {
                throw OrderError.dueBeforeOrder(due: d.iso, placed: placedDay.iso)
            }
            var shipping = Shipping(rawValue: header.0) ?? .standard
            if let text = change.shipping {
                guard let s = Shipping(rawValue: text.lowercased()) else {
                    throw OrderError.invalidValue(
                        field: "shipping", value: text, reason: "expected standard or express")
                }
                changes.append("shipping \(shipping.rawValue) -> \(s.rawValue)")
                shipping = s
            }
            let (total, units) = try totals(lines)

            var stockNotes: [String] = []
            var released: [String] = []
            if lineChanges {
                // Give back every reservation, then take them again for the new lines. An
                // order that already waits for backorders may keep waiting.
                for l in state.lines where l.reserved > 0 {
                    try db.run(
                        "UPDATE products SET reserved = reserved - ?, updated_at = ? WHERE id = ? AND reserved >= ?",
                        l.reserved, nowText, l.productID, l.reserved)
                    released.append("\(l.sku) x\(l.reserved)")
                }
                let backorder = change.backorder || state.lines.contains { $0.backordered > 0 }
                try db.run("DELETE FROM order_lines WHERE order_id = ?", state.id)
                for (index, line) in lines.enumerated() {
                    if let note = try insertLine(line, orderID: state.id, lineNo: index + 1, backorder: backorder) {
                        stockNotes.append(note)
                    }
                }
            }
            let facts = OrderFacts(
                shipping: shipping, placed: placedDay, due: due, totalQuantity: units,
                total: Money(minor: total, currency: currency), customerCountry: customerCountry)
            let (orderClass, reason) = try classificationRules().classify(facts)
            try db.run(
                """
                UPDATE orders SET total = ?, item_count = ?, due_date = ?, shipping = ?, class = ?, class_reason = ?,
                                  placed_at = ?, customer_id = ?, channel = ? WHERE id = ?
                """, total, units, due?.iso, shipping.rawValue, orderClass, reason,
                Instant.format(placedAt), customerID, channel, state.id)
            // Each header change is an event of its own; lines, due date and shipping one "edited".
            var corrected: [String] = []
            if placedAt != state.placedAt {
                try events.append(
                    "placed", old: Instant.format(state.placedAt), new: Instant.format(placedAt),
                    detail: "placement date corrected")
                // Still pending as it came in: it has been pending since the true placing.
                if state.status == .pending,
                    try db.scalarInt(
                        "SELECT count(*) FROM order_events WHERE order_id = ? AND kind = 'status'", state.id) == 0
                {
                    try db.run("UPDATE orders SET status_at = ? WHERE id = ?", Instant.format(placedAt), state.id)
                }
                corrected.append(
                    "placed \(Instant.display(state.placedAt, in: dates.zone)) -> \(Instant.display(placedAt, in: dates.zone))"
                )
            }
            if let customerChange {
                try events.append(
                    "customer", old: customerChange.old, new: customerChange.new, detail: "customer corrected")
                corrected.append("customer \(customerChange.old) -> \(customerChange.new)")
            }
            if channel != header.6 {
                try events.append("channel", old: header.6, new: channel, detail: "channel corrected")
                corrected.append("channel \(header.6) -> \(channel)")
            }
            if lineChanges || change.due != nil || change.shipping != nil {
                try events.append(
                    "edited", old: state.money(state.total).description,
                    new: Money(minor: total, currency: currency).description,
                    detail: changes.joined(separator: "; "))
            }
            if orderClass != header.2 {
                try events.append("classified", old: header.2, new: orderClass, detail: reason)
            }
            if !released.isEmpty { try events.append("stock-released", detail: released.joined(separator: ", ")) }
            if !stockNotes.isEmpty { try events.append("stock-reserved", detail: stockNotes.joined(separator: "; ")) }
            state = try loadState(state.ref)
            if corrected.isEmpty && changes.isEmpty { return "nothing changed (the values given are the order's own)" }
            var message = "edited: \((corrected + changes).joined(separator: "; ")); total \(state.money(total))"
            if orderClass != header.2 { message += "; class \(header.2) -> \(orderClass)" }
            if state.netPaid > total {
                message += "; \(state.money(state.netPaid - total)) paid beyond the new total is owed back"
            }
            return message
        }
    }
}
