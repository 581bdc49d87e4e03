import Foundation

/// What `orderctl add` takes, as typed. The store validates all of it.
public struct OrderDraft: Sendable, Equatable {
    public var customer: String
    public var items: [String]
    public var ref: String?
    public var due: String?
    public var placedAt: String?
    public var channel: String?
    public var shipping: String?
    public var note: String?
    public var backorder = false
    public var createCustomer = false
    public var customerName: String?
    public var customerCountry: String?

    public init(customer: String, items: [String]) {
        self.customer = customer
        self.items = items
    }
}

public enum OrderSort: String, Sendable, CaseIterable {
    case date, due, total
}

public struct OrderFilter: Sendable, Equatable {
    /// Any of these statuses (each may be a comma list); empty: any status.
    public var statuses: [String] = []
    public var customer: String?
    /// Any of these classes (each may be a comma list); empty: any class.
    public var classes: [String] = []
    public var since: String?
    public var until: String?
    public var dueBefore: String?
    public var overdue = false
    /// Only orders with an open flag.
    public var flagged = false
    /// Only orders not cancelled with money still owed.
    public var unpaid = false
    /// Only orders not cancelled with units still to ship.
    public var unshipped = false
    /// Only orders not yet delivered, cancelled or completed (pending to shipped).
    public var open = false
    public var sort: OrderSort = .date
    public var reverse = false
    public var limit: Int?

    public init() {}
}

extension OrderFilter {
    /// The classes an order can have.
    public static let knownClasses = [ClassificationRules.standardClass] + ClassRule.allCases.map(\.rawValue)

    /// Repeated values and comma lists, each checked, without repeats.
    static func items(_ given: [String]) -> [String] {
        given.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    public static func statuses(_ given: [String]) throws(OrderError) -> [OrderStatus] {
        var out: [OrderStatus] = []
        for text in items(given) {
            let s = try OrderStatus.parse(text)
            if !out.contains(s) { out.append(s) }
        }
        return out
    }

    public static func classes(_ given: [String]) throws(OrderError) -> [String] {
        var out: [String] = []
        for text in items(given) {
            let k = text.lowercased()
            guard knownClasses.contains(k) else {
                throw OrderError.invalidValue(
                    field: "class", value: text, reason: "expected one of \(knownClasses.joined(separator: ", "))")
            }
            if !out.contains(k) { out.append(k) }
        }
        return out
    }
}

/// The dates a filter resolved to, so the command can show them back.
public struct ResolvedFilter: Sendable, Equatable {
    public var since: LocalDate?
    public var until: LocalDate?
    public var dueBefore: LocalDate?
    public var today: LocalDate
}

extension OrderStore {
    // MARK: add

    /// Validates, classifies, checks and reserves stock, and stores a new order, all
    /// in one transaction. Returns the stored order as `show` would print it.
    public func addOrder(_ draft: OrderDraft) throws -> (order: OrderDetail, createdCustomer: Bool) {
        try write {
            let currency = try self.currency()
            let dates = try dateResolver()

            // Customer.
            var createdCustomer = false
            let customer: Customer
            do {
                // A new email to be created needs no "did you mean".
                customer = try resolveCustomer(draft.customer, suggest: !draft.createCustomer)
            } catch OrderError.unknownCustomerEmail(let email, _) where draft.createCustomer {
                let name = draft.customerName ?? String(email.prefix { $0 != "@" })
                customer = try insertCustomer(NewCustomer(name: name, email: email, country: draft.customerCountry))
                createdCustomer = true
            }
            if draft.createCustomer && !createdCustomer {
                // The options for a new customer must not be silently dropped.
                if let name = draft.customerName, name != customer.name {
                    throw OrderError.invalidValue(
                        field: "customer-name", value: name,
                        reason: "customer #\(customer.id) exists already, named '\(OrderError.clip(customer.name))'")
                }
                if let country = draft.customerCountry, try Validate.countryOrName(country) != customer.country {
                    throw OrderError.invalidValue(
                        field: "country", value: country,
                        reason: "customer #\(customer.id) exists already, in \(customer.country ?? "no country")")
                }
            }

            // Header fields.
            let placedAt = try draft.placedAt.map { t throws(OrderError) in try dates.instant(t, field: "date") } ?? now
            if let text = draft.placedAt, placedAt > now.addingTimeInterval(60) {
                throw OrderError.invalidValue(
                    field: "date", value: text, reason: "in the future (\(Instant.display(placedAt, in: dates.zone)))")
            }
            let placedDay = LocalDate(placedAt, in: dates.zone)
            // A relative due date (+3d, fri) counts from the placing, as an order entered late reads.
            let dueDates = draft.placedAt == nil ? dates : DateResolver(now: placedAt, zone: dates.zone)
            let due = try draft.due.map { t throws(OrderError) in try dueDates.date(t, field: "due date") }
            if let due, due < placedDay { throw OrderError.dueBeforeOrder(due: due.iso, placed: placedDay.iso) }
            let channel = try Validate.channel(draft.channel ?? setting(.defaultChannel) ?? "web")
            let shippingText = draft.shipping ?? "standard"
            guard let shipping = Shipping(rawValue: shippingText.lowercased()) else {
                throw OrderError.invalidValue(
                    field: "shipping", value: shippingText, reason: "expected standard or express")
            }
            let note = try draft.note.flatMap { $0.isEmpty ? nil : $0 }.map { n throws(OrderError) in
                try Validate.note(n, field: "note")
            }

            // Lines: parse, look up, merge repeated SKUs.
            guard !draft.items.isEmpty else {
                throw OrderError.missingValue(
                    field: "items", hint: "an order needs at least one --item SKU[:QTY][@PRICE]")
            }
            var lines: [LineDraft] = []
            for text in draft.items { try addLine(text, currency: currency, to: &lines) }
            let (total, units) = try totals(lines)

            // Reference.
            let ref: String
            if let given = draft.ref {
                ref = try Validate.code(given, field: "ref")
                if try db.scalarInt("SELECT count(*) FROM orders WHERE ref = ?", ref) > 0 {
                    throw OrderError.duplicateRef(ref: ref)
                }
            } else {
                ref = try nextRef()
            }

            // Classification.
            let totalMoney = Money(minor: total, currency: currency)
            let facts = OrderFacts(
                shipping: shipping, placed: placedDay, due: due, totalQuantity: units,
                total: totalMoney, customerCountry: customer.country)
            let (orderClass, reason) = try classificationRules().classify(facts)

            // Store the order.
            let stamp = nowText
            try db.run(
                """
                INSERT INTO orders(ref, customer_id, channel, shipping, currency, total, item_count, class, class_reason,
                                   due_date, note, placed_at, created_at, updated_at, payment_status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, ref, customer.id, channel, shipping.rawValue, currency.code, total, units, orderClass, reason,
                due?.iso, note, Instant.format(placedAt), stamp, stamp,
                PaymentStatus.derive(total: total, paid: 0, refunded: 0).rawValue)
            let orderID = db.lastInsertRowID
            var events = EventWriter(store: self, orderID: orderID)
            // An order entered late came in when it was placed: its history, its time
            // pending (stuck, status_durations) start then, not when it was typed.
            if draft.placedAt != nil { events.defaultAt = Instant.format(placedAt) }
            try events.append(
                "created", new: OrderStatus.pending.rawValue,
                detail:
                    "\(lines.count) \(lines.count == 1 ? "line" : "lines"), \(units) \(units == 1 ? "unit" : "units"), total \(totalMoney)"
            )
            try events.append("classified", new: orderClass, detail: reason)

            var stockNotes: [String] = []
            for (index, line) in lines.enumerated() {
                if let note = try insertLine(line, orderID: orderID, lineNo: index + 1, backorder: draft.backorder) {
                    stockNotes.append(note)
                }
            }
            if !stockNotes.isEmpty {
                try events.append("stock-reserved", detail: stockNotes.joined(separator: "; "))
            }
            return (try requireOrderDetail(ref), createdCustomer)
        }
    }

    /// A line being put together for `add` or `edit`.
    struct LineDraft {
        var product: Product
        var quantity: Int64
        var price: Money
        var overridden: Bool
        /// The name as first ordered, for lines kept by an edit.
        var name: String? = nil
    }

    /// Parses `SKU[:QTY][@PRICE]`, looks the product up and adds it to `lines`,
    /// merging a repeated SKU (an error if its prices differ).
    func addLine(_ text: String, currency: Currency, to lines: inout [LineDraft]) throws {
        let spec = try ItemSpec.parse(text)
        let product = try requireProduct(spec.sku)
        guard product.active else { throw OrderError.inactiveProduct(sku: product.sku) }
        let price =
            try spec.price.map { p throws(OrderError) in
                try Money.parse(p, currency: currency, field: "price of \(product.sku)")
            } ?? product.price
        // An order imported with the SKU on two lines at two prices takes more at either.
        if let i = lines.firstIndex(where: { $0.product.id == product.id && $0.price == price })
            ?? lines.firstIndex(where: { $0.product.id == product.id })
        {
            guard lines[i].price == price else { throw OrderError.conflictingLines(sku: product.sku) }
            lines[i].quantity += spec.quantity
            guard lines[i].quantity <= Validate.maxQuantity else {
                throw OrderError.invalidValue(
                    field: "quantity", value: String(lines[i].quantity),
                    reason: "\(product.sku) must total at most \(Validate.maxQuantity)")
            }
        } else {
            // A price equal to the catalog's is no override.
            lines.append(
                LineDraft(product: product, quantity: spec.quantity, price: price, overridden: price != product.price))
        }
    }

    /// The order total and unit count, refusing totals too large to keep.
    func totals(_ lines: [LineDraft]) throws -> (total: Int64, units: Int64) {
        var total: Int64 = 0
        var units: Int64 = 0
        for line in lines {
            let (lineTotal, o1) = line.price.minor.multipliedReportingOverflow(by: line.quantity)
            let (sum, o2) = total.addingReportingOverflow(lineTotal)
            guard !o1, !o2, sum <= Money.maxMinor else {
                throw OrderError.invalidValue(
                    field: "total", value: line.product.sku, reason: "the order total is too large")
            }
            total = sum
            units += line.quantity
        }
        return (total, units)
    }

    /// Checks and reserves stock for a line and stores it. The write lock is held, and
    /// the guarded UPDATE and the table's CHECK make overselling impossible even if
    /// this check were wrong. Returns what happened to stock, for the history.
    func insertLine(_ line: LineDraft, orderID: Int64, lineNo: Int, backorder: Bool) throws -> String? {
        var reserved: Int64 = 0
        var backordered: Int64 = 0
        var note: String?
        if line.product.tracksStock {
            let available = try db.scalarInt("SELECT on_hand - reserved FROM products WHERE id = ?", line.product.id)
            if line.quantity <= available {
                reserved = line.quantity
            } else if backorder {
                reserved = max(0, available)
                backordered = line.quantity - reserved
            } else {
                throw OrderError.notEnoughStock(
                    sku: line.product.sku, requested: line.quantity, available: max(0, available))
            }
            if reserved > 0 {
                try db.run(
                    "UPDATE products SET reserved = reserved + ?, updated_at = ? WHERE id = ? AND on_hand - reserved >= ?",
                    reserved, nowText, line.product.id, reserved)
                guard db.changes == 1 else {
                    throw OrderError.notEnoughStock(
                        sku: line.product.sku, requested: line.quantity, available: max(0, available))
                }
            }
            note = "\(line.product.sku): \(reserved) reserved" + (backordered > 0 ? ", \(backordered) backordered" : "")
        }
        try db.run(
            """
            INSERT INTO order_lines(order_id, line_no, product_id, sku, name, quantity, unit_price, line_total,
                                    price_source, reserved, backordered)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, orderID, lineNo, line.product.id, line.product.sku, line.name ?? line.product.name, line.quantity,
            line.price.minor, line.price.minor * line.quantity, line.overridden ? "override" : "catalog",
            reserved, backordered)
        return note
    }

    /// The next free generated ref; advances `order.next-number` past it.
    func nextRef() throws -> String {
        let prefix = try setting(.orderPrefix) ?? ""
        var number = Int64(try setting(.nextNumber) ?? "1001") ?? 1001
        while try db.scalarInt("SELECT count(*) FROM orders WHERE ref = ?", prefix + String(number)) > 0 {
            number += 1
        }
        try writeSetting(SettingKey.nextNumber.key, String(number + 1))
        return prefix + String(number)
    }

    // MARK: read

    static let summarySelect = """
        SELECT o.id, o.ref, o.placed_at, c.id, c.name, c.email, o.status, o.payment_status, o.fulfilment_status,
               o.channel, o.shipping, o.class, o.item_count,
               (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id), o.total, o.currency, o.due_date, o.flag
        FROM orders o JOIN customers c ON c.id = o.customer_id
        """

    func orderSummary(from r: Row) throws -> OrderSummary {
        OrderSummary(
            id: r.int64(0), ref: r.string(1), placedAt: date(r.string(2)), customerID: r.int64(3),
            customerName: r.string(4), customerEmail: r.optionalString(5), status: try .stored(r.string(6)),
            paymentStatus: try .stored(r.string(7)), fulfilmentStatus: try .stored(r.string(8)), channel: r.string(9),
            shipping: Shipping(rawValue: r.string(10)) ?? .standard, orderClass: r.string(11),
            itemCount: r.int64(12), lineCount: r.int(13), total: try money(r.int64(14), r.string(15)),
            dueDate: r.optionalString(16).flatMap(LocalDate.init(iso:)), flag: r.optionalString(17))
    }

    /// Resolves a filter's dates against today in the business zone.
    public func resolve(_ filter: OrderFilter) throws -> ResolvedFilter {
        let dates = try dateResolver()
        let since = try filter.since.map { t throws(OrderError) in try dates.date(t, field: "since") }
        let until = try filter.until.map { t throws(OrderError) in try dates.date(t, field: "until") }
        if let since, let until, until < since {
            throw OrderError.invalidValue(field: "until", value: until.iso, reason: "before --since \(since.iso)")
        }
        return ResolvedFilter(
            since: since, until: until,
            dueBefore: try filter.dueBefore.map { t throws(OrderError) in try dates.date(t, field: "due-before") },
            today: dates.today)
    }

    /// The WHERE conditions (on `orders o`) and their arguments for a filter.
    func conditions(for filter: OrderFilter) throws -> (conditions: [String], arguments: [any SQLBindable]) {
        let resolved = try resolve(filter)
        let zone = try timeZone()
        var conditions: [String] = []
        var args: [any SQLBindable] = []
        let statuses = try OrderFilter.statuses(filter.statuses)
        if !statuses.isEmpty {
            conditions.append("o.status IN (\(Array(repeating: "?", count: statuses.count).joined(separator: ", ")))")
            args += statuses.map(\.rawValue)
        }
        if let c = filter.customer {
            conditions.append("o.customer_id = ?")
            args.append(try resolveCustomer(c).id)
        }
        let classes = try OrderFilter.classes(filter.classes)
        if !classes.isEmpty {
            conditions.append("o.class IN (\(Array(repeating: "?", count: classes.count).joined(separator: ", ")))")
            args += classes
        }
        if let since = resolved.since {
            conditions.append("o.placed_at >= ?")
            args.append(Instant.format(since.start(in: zone)))
        }
        if let until = resolved.until {
            conditions.append("o.placed_at < ?")
            args.append(Instant.format(until.adding(days: 1).start(in: zone)))
        }
        if let d = resolved.dueBefore {
            conditions.append("o.due_date <= ?")
            args.append(d.iso)
            // What is due is still to do: finished orders only when a --status asks for them.
            if statuses.isEmpty { conditions.append("o.status IN (\(OrderStatus.unfinished.sqlList))") }
        }
        if filter.overdue {
            conditions.append("o.due_date < ? AND o.status IN (\(OrderStatus.awaitingShipment.sqlList))")
            args.append(resolved.today.iso)
        }
        if filter.flagged { conditions.append("o.flag IS NOT NULL") }
        if filter.open { conditions.append("o.status IN (\(OrderStatus.undelivered.sqlList))") }
        if filter.unpaid { conditions.append("o.status <> 'cancelled' AND o.paid_total < o.total") }
        if filter.unshipped {
            conditions.append(
                "o.status <> 'cancelled' AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.shipped < l.quantity)"
            )
        }
        return (conditions, args)
    }

    public func orderSummaries(_ filter: OrderFilter) throws -> [OrderSummary] {
        try db.read {
            var (conditions, args) = try self.conditions(for: filter)
            var sql = Self.summarySelect
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            let desc = filter.reverse ? "ASC" : "DESC"
            let asc = filter.reverse ? "DESC" : "ASC"
            switch filter.sort {
            case .date: sql += " ORDER BY o.placed_at \(desc), o.id \(desc)"
            case .due: sql += " ORDER BY o.due_date IS NULL, o.due_date \(asc), o.placed_at \(asc), o.id \(asc)"
            case .total: sql += " ORDER BY o.total \(desc), o.placed_at \(desc), o.id \(desc)"
            }
            // --limit 0 means all, as everywhere in orderctl.
            if let limit = filter.limit, limit != 0 {
                guard limit > 0 else {
                    throw OrderError.invalidValue(
                        field: "limit", value: String(limit), reason: "must not be negative (0 means all)")
                }
                sql += " LIMIT ?"
                args.append(limit)
            }
            return try db.query(sql, arguments: args) { try orderSummary(from: $0) }
        }
    }

    func requireOrderDetail(_ ref: String) throws -> OrderDetail {
        guard let summary = try db.queryFirst(Self.summarySelect + " WHERE o.ref = ?", ref, row: orderSummary(from:))
        else {
            throw OrderError.unknownOrder(ref: ref)
        }
        let extra = try db.queryFirst(
            """
            SELECT class_reason, note, created_at, updated_at, paid_total, refunded_total, closed_reason, held_from
            FROM orders WHERE id = ?
            """, summary.id
        ) {
            (
                $0.string(0), $0.optionalString(1), $0.string(2), $0.string(3), $0.int64(4), $0.int64(5),
                $0.optionalString(6), $0.optionalString(7)
            )
        }!
        let currency = summary.total.currency
        let lines = try db.query(
            """
            SELECT line_no, sku, name, quantity, unit_price, line_total, price_source, reserved, backordered, shipped, returned
            FROM order_lines WHERE order_id = ? ORDER BY line_no
            """, summary.id
        ) { r in
            OrderLine(
                lineNo: r.int(0), sku: r.string(1), name: r.string(2), quantity: r.int64(3),
                unitPrice: Money(minor: r.int64(4), currency: currency),
                lineTotal: Money(minor: r.int64(5), currency: currency),
                priceOverridden: r.string(6) == "override", reserved: r.int64(7), backordered: r.int64(8),
                shipped: r.int64(9),
                returned: r.int64(10))
        }
        let events = try db.query(
            "SELECT seq, at, kind, old_value, new_value, detail FROM order_events WHERE order_id = ? ORDER BY seq",
            summary.id
        ) { r in
            OrderEvent(
                seq: r.int(0), at: date(r.string(1)), kind: r.string(2), oldValue: r.optionalString(3),
                newValue: r.optionalString(4), detail: r.optionalString(5))
        }
        var shipments: [Shipment] = []
        let shipmentRows = try db.query(
            "SELECT id, carrier, tracking, shipped_at, delivered_at FROM shipments WHERE order_id = ? ORDER BY id",
            summary.id
        ) {
            ($0.int64(0), $0.optionalString(1), $0.optionalString(2), $0.string(3), $0.optionalString(4))
        }
        for row in shipmentRows {
            let shipped = try db.query(
                """
                SELECT l.sku, s.quantity FROM shipment_lines s JOIN order_lines l ON l.id = s.order_line_id
                WHERE s.shipment_id = ? ORDER BY l.line_no
                """, row.0
            ) { ($0.string(0), $0.int64(1)) }
            shipments.append(
                Shipment(
                    carrier: row.1, tracking: row.2, trackingURL: try trackingURL(carrier: row.1, tracking: row.2),
                    shippedAt: date(row.3), deliveredAt: row.4.map(date),
                    lines: shipped.map { (sku: $0.0, quantity: $0.1) }))
        }
        let payments = try db.query(
            "SELECT kind, amount, method, reason, at FROM payments WHERE order_id = ? ORDER BY id", summary.id
        ) {
            Payment(
                kind: $0.string(0), amount: Money(minor: $0.int64(1), currency: currency), method: $0.optionalString(2),
                reason: $0.optionalString(3), at: date($0.string(4)))
        }
        return OrderDetail(
            summary: summary, customer: try customer(id: summary.customerID)!, classReason: extra.0,
            note: extra.1, lines: lines, events: events, createdAt: date(extra.2), updatedAt: date(extra.3),
            paid: Money(minor: extra.4, currency: currency), refunded: Money(minor: extra.5, currency: currency),
            closedReason: extra.6, heldFrom: try extra.7.map { s throws(OrderError) in try OrderStatus.stored(s) },
            shipments: shipments, payments: payments)
    }

    /// The tracking link for a shipment, from `carrier.NAME.url` or the carrier's default.
    func trackingURL(carrier: String?, tracking: String?) throws -> String? {
        guard let carrier, let tracking else { return nil }
        let template = try rawSetting("carrier.\(carrier).url") ?? Carrier.named(carrier)?.url
        guard let template else { return nil }
        return template.split(separator: "{tracking}", omittingEmptySubsequences: false).joined(
            separator: Self.percentEncoded(tracking))
    }

    /// Every byte but ASCII letters and digits as %XX (UTF-8), for a URL's path or query.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "a")...UInt8(ascii: "z"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public func order(_ ref: String) throws -> OrderDetail { try db.read { try requireOrderDetail(ref) } }

    /// The days of the first and last order placed, in `zone` (default the business
    /// zone); nil without orders.
    public func placedRange(zone: TimeZone? = nil) throws -> (first: LocalDate, last: LocalDate)? {
        try db.read {
            let zone = try zone ?? timeZone()
            return try db.queryFirst("SELECT min(placed_at), max(placed_at) FROM orders") {
                r -> (LocalDate, LocalDate)? in
                guard let a = r.optionalString(0).flatMap(Instant.parse),
                    let b = r.optionalString(1).flatMap(Instant.parse)
                else { return nil }
                return (LocalDate(a, in: zone), LocalDate(b, in: zone))
            } ?? nil
        }
    }
}
