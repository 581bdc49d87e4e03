import Foundation

/// One problem with an input row, as `import` reports it.
public struct ImportIssue: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var value: String
    public var reason: String
    public var description: String { "line \(line): \(field) '\(OrderError.clip(value))': \(reason)" }
}

public struct ImportOptions: Sendable {
    /// Import the valid orders and report the others, instead of all or nothing.
    public var skipInvalid = false
    /// Check everything, change nothing.
    public var dryRun = false
    public init() {}
}

/// Every input row is accounted for: read = imported + rejected + duplicates.
public struct ImportSummary: Sendable, Equatable {
    public var rowsRead = 0
    public var rowsImported = 0
    public var rowsRejected = 0
    public var rowsDuplicate = 0
    public var ordersImported = 0
    public var ordersRejected = 0
    public var ordersDuplicate = 0
    public var customersCreated = 0
    public var productsCreated = 0
    public var issues: [ImportIssue] = []
    public var warnings: [String] = []
    /// True when the changes were kept (not a dry run, and not refused whole).
    public var committed = false
}

/// A rejected input row, to write to the rejects file: its fields as read, and why.
public struct RejectedRow: Sendable {
    public var line: Int
    public var fields: [String]
    public var reason: String
}

/// Imports orderctl's native CSV (see `NativeFormat`) from a reader, streaming: only
/// the rows of one order are held at a time, so the rows of an order must be
/// consecutive. Historic orders keep their statuses and times, with matching events;
/// they do not move stock. Unknown customers and products are created (products
/// without stock tracking).
public final class NativeImporter {
    let store: OrderStore
    let options: ImportOptions
    var summary = ImportSummary()
    var columns: [String: Int] = [:]
    /// The input's header row, as read.
    public private(set) var headerFields: [String] = []
    var seenRefs: [String: Int] = [:]

    /// The shop's settings, read once per import instead of once per order.
    struct Shop {
        var currency: Currency
        var dates: DateResolver
        var rules: ClassificationRules
    }
    let shop: Shop

    public init(store: OrderStore, options: ImportOptions) throws {
        self.store = store
        self.options = options
        self.shop = Shop(currency: try store.currency(), dates: try store.dateResolver(), rules: try store.classificationRules())
    }

    struct Row {
        var line: Int
        var fields: [String]
    }

    struct DryRunRollback: Error {}

    /// Reads everything, in one transaction; `rejected` receives each rejected row.
    public func run(_ csv: RFC4180Reader, rejected: (RejectedRow) throws -> Void) throws -> ImportSummary {
        guard try csv.next() else { throw OrderError.missingValue(field: "header row", hint: "the input is empty") }
        try readHeader(csv.fields, line: csv.recordLine)
        do {
            try store.db.transaction {
                var group: [Row] = []
                while try csv.next() {
                    summary.rowsRead += 1
                    let row = Row(line: csv.recordLine, fields: csv.fields)
                    if let first = group.first, value(first, "ref") != value(row, "ref") {
                        try process(group, rejected: rejected)
                        group = []
                    }
                    group.append(row)
                }
                if !group.isEmpty { try process(group, rejected: rejected) }
                if options.dryRun || (!summary.issues.isEmpty && !options.skipInvalid) { throw DryRunRollback() }
            }
            summary.committed = true
        } catch is DryRunRollback {
            summary.committed = false
        }
        return summary
    }

    func readHeader(_ header: [String], line: Int) throws {
        headerFields = header
        for (i, name) in header.enumerated() {
            let key = name.trimmingCharacters(in: .whitespaces).lowercased()
            guard NativeFormat.columns.contains(key) else {
                throw OrderError.invalidValue(field: "header", value: name, reason: "unknown column (line \(line); known: \(NativeFormat.columns.joined(separator: ", ")))")
            }
            guard columns[key] == nil else {
                throw OrderError.invalidValue(field: "header", value: name, reason: "column given twice (line \(line))")
            }
            columns[key] = i
        }
        for required in ["ref", "sku", "quantity"] where columns[required] == nil {
            throw OrderError.missingValue(field: "column '\(required)'", hint: "the header must name ref, sku and quantity")
        }
    }

    func value(_ row: Row, _ column: String) -> String? {
        guard let i = columns[column], i < row.fields.count else { return nil }
        let v = row.fields[i]
        return v.isEmpty ? nil : Self.undoFormulaGuard(v)
    }

    /// Export puts an apostrophe before text a spreadsheet would run as a formula;
    /// import takes it off again, so export and import round-trip.
    static func undoFormulaGuard(_ text: String) -> String {
        let bytes = Array(text.utf8.prefix(2))
        guard bytes.count == 2, bytes[0] == 39, [61, 43, 45, 64, 9, 13].contains(bytes[1]) else { return text }
        return String(text.dropFirst())
    }

    // MARK: one order

    struct ParsedLine {
        var sku: String
        var name: String?
        var quantity: Int64
        var price: Money?
    }

    func process(_ rows: [Row], rejected: (RejectedRow) throws -> Void) throws {
        var issues: [ImportIssue] = []
        func issue(_ row: Row, _ field: String, _ value: String, _ reason: String) {
            issues.append(ImportIssue(line: row.line, field: field, value: value, reason: reason))
        }
        let first = rows[0]
        let ref = value(first, "ref") ?? ""
        if let earlier = seenRefs[ref.lowercased()] {
            issue(first, "ref", ref, "the rows of this order are not together (it also appears at line \(earlier))")
        }
        seenRefs[ref.lowercased()] = first.line
        for row in rows where row.fields.count != columns.count {
            issue(row, "row", "\(row.fields.count) fields", "expected \(columns.count) fields, as in the header")
        }
        if ref.isEmpty { issue(first, "ref", "", "must not be empty") }
        else if let error = catching({ try Validate.code(ref, field: "ref") }) { issue(first, "ref", ref, error.reason) }

        // Order-level fields come from the first row; others that disagree are warned about.
        for column in NativeFormat.columns where !NativeFormat.lineColumns.contains(column) && column != "ref" {
            for row in rows.dropFirst() where value(row, column) != value(first, column) {
                summary.warnings.append("line \(row.line): \(column) '\(OrderError.clip(value(row, column) ?? ""))' differs from line \(first.line) ('\(OrderError.clip(value(first, column) ?? ""))'); line \(first.line) wins")
            }
        }
        var currency = shop.currency
        if let code = value(first, "currency") {
            do { currency = try Currency(code: code) } catch { issue(first, "currency", code, reason(error)) }
        }
        if currency != shop.currency {
            issue(first, "currency", currency.code, "the shop keeps \(shop.currency.code); convert before importing")
        }
        let dates = shop.dates
        func instant(_ column: String) -> Date? {
            guard let text = value(first, column) else { return nil }
            do { return try dates.instant(text, field: column) } catch { issue(first, column, text, reason(error)); return nil }
        }
        let orderedAt = instant("ordered_at")
        let paidAt = instant("paid_at"), shippedAt = instant("shipped_at")
        let deliveredAt = instant("delivered_at"), cancelledAt = instant("cancelled_at")
        var due: LocalDate?
        if let text = value(first, "due") {
            do { due = try dates.date(text, field: "due") } catch { issue(first, "due", text, reason(error)) }
        }
        var status = OrderStatus.pending
        if let text = value(first, "status") {
            do { status = try OrderStatus.parse(text) } catch { issue(first, "status", text, reason(error)) }
        }
        if let text = value(first, "payment_status"), PaymentStatus(rawValue: text.lowercased()) == nil {
            issue(first, "payment_status", text, "expected one of \(PaymentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let shipping = value(first, "shipping").map { $0.lowercased() } ?? "standard"
        if Shipping(rawValue: shipping) == nil { issue(first, "shipping", shipping, "expected standard or express") }
        var channel = "import"
        if let text = value(first, "channel") {
            do { channel = try Validate.channel(text) } catch { issue(first, "channel", text, reason(error)) }
        }
        var email: String?
        if let text = value(first, "customer_email") {
            do { email = try Validate.email(text) } catch { issue(first, "customer_email", text, reason(error)) }
        }
        var country: String?
        if let text = value(first, "country") {
            do { country = try Validate.country(text) } catch { issue(first, "country", text, reason(error)) }
        }

        var lines: [ParsedLine] = []
        for row in rows {
            let sku = value(row, "sku") ?? ""
            if let error = catching({ try Validate.code(sku, field: "sku") }) { issue(row, "sku", sku, error.reason) }
            var quantity: Int64 = 0
            let qtyText = value(row, "quantity") ?? ""
            if let q = Int64(qtyText), q > 0, q <= Validate.maxQuantity { quantity = q }
            else { issue(row, "quantity", qtyText, "expected a whole number from 1 to \(Validate.maxQuantity)") }
            var price: Money?
            if let text = value(row, "unit_price") {
                do { price = try Money.parse(text, currency: currency, field: "unit_price") } catch { issue(row, "unit_price", text, reason(error)) }
            }
            if let i = lines.firstIndex(where: { $0.sku.caseInsensitiveCompare(sku) == .orderedSame }) {
                issue(row, "sku", sku, "given twice in order \(ref) (also at an earlier line); give it once with the full quantity")
                _ = i
            }
            lines.append(ParsedLine(sku: sku, name: value(row, "product_name"), quantity: quantity, price: price))
        }

        if !issues.isEmpty {
            try reject(rows, issues, rejected: rejected)
            return
        }

        // Already there? The same content is a duplicate; other content a conflict.
        if let existingID = try store.db.queryFirst("SELECT id FROM orders WHERE ref = ?", ref, row: { $0.int64(0) }) {
            let stored = try store.db.query("SELECT sku, quantity, unit_price FROM order_lines WHERE order_id = ? ORDER BY line_no", existingID) {
                "\($0.string(0).lowercased()):\($0.int64(1)):\($0.int64(2))"
            }
            let incoming = try lines.map { l in
                "\(l.sku.lowercased()):\(l.quantity):\(try l.price?.minor ?? store.findProduct(l.sku)?.price.minor ?? -1)"
            }
            if stored == incoming {
                summary.rowsDuplicate += rows.count
                summary.ordersDuplicate += 1
            } else {
                let conflict = ImportIssue(line: first.line, field: "ref", value: ref,
                                           reason: "conflict: an order with this ref exists with other lines; nothing was changed")
                try reject(rows, [conflict], rejected: rejected)
            }
            return
        }

        // Customer: by email, else by exact name, else new.
        let name = value(first, "customer_name") ?? email.map { String($0.prefix { $0 != "@" }) } ?? value(first, "customer_ref") ?? "Imported customer"
        var customerID: Int64?
        if let email { customerID = try store.db.queryFirst("SELECT id FROM customers WHERE email = ?", email) { $0.int64(0) } }
        if customerID == nil, email == nil {
            customerID = try store.db.queryFirst("SELECT id FROM customers WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1", name) { $0.int64(0) }
        }
        if customerID == nil {
            do {
                customerID = try store.insertCustomer(NewCustomer(name: name, email: email, country: country)).id
                summary.customersCreated += 1
            } catch let e as OrderError {
                let problem = ImportIssue(line: first.line, field: "customer_name", value: name, reason: reason(e))
                try reject(rows, [problem], rejected: rejected)
                return
            }
        }

        // Products: existing ones by SKU; new ones created without stock tracking.
        var drafts: [OrderStore.LineDraft] = []
        for (i, l) in lines.enumerated() {
            var product = try store.findProduct(l.sku)
            if product == nil {
                guard let price = l.price else {
                    let problem = ImportIssue(line: rows[i].line, field: "unit_price", value: "", reason: "a new product \(l.sku) needs a price")
                    try reject(rows, [problem], rejected: rejected)
                    return
                }
                let name = l.name ?? l.sku
                try store.db.run("""
                    INSERT INTO products(sku, name, price, currency, track_stock, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)
                    """, l.sku, name, price.minor, currency.code, store.nowText, store.nowText)
                product = try store.findProduct(l.sku)
                summary.productsCreated += 1
            }
            let price = l.price ?? product!.price
            drafts.append(OrderStore.LineDraft(product: product!, quantity: l.quantity, price: price, overridden: price != product!.price, name: l.name))
        }
        let (total, units) = try store.totals(drafts)
        let placed = orderedAt ?? store.now
        let facts = OrderFacts(shipping: Shipping(rawValue: shipping)!, placed: LocalDate(placed, in: dates.zone), due: due,
                               totalQuantity: units, total: Money(minor: total, currency: currency), customerCountry: country)
        let (orderClass, classReason) = shop.rules.classify(facts)
        let placedText = Instant.format(placed)
        try store.db.run("""
            INSERT INTO orders(ref, customer_id, channel, shipping, currency, total, item_count, class, class_reason,
                               due_date, note, placed_at, created_at, updated_at, payment_status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, ref, customerID!, channel, shipping, currency.code, total, units, orderClass, classReason,
            due?.iso, value(first, "note"), placedText, store.nowText, store.nowText,
            PaymentStatus.derive(total: total, paid: 0, refunded: 0).rawValue)
        let orderID = store.db.lastInsertRowID
        var events = EventWriter(store: store, orderID: orderID)
        try events.append("created", new: OrderStatus.pending.rawValue, detail: "imported from line \(first.line)", at: placedText)
        try events.append("classified", new: orderClass, detail: classReason, at: placedText)
        // Historic lines: no reservation and no stock movement.
        for (i, d) in drafts.enumerated() {
            try store.db.run("""
                INSERT INTO order_lines(order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, orderID, i + 1, d.product.id, d.product.sku, d.name ?? d.product.name, d.quantity, d.price.minor,
                d.price.minor * d.quantity, d.overridden ? "override" : "catalog")
        }
        try applyHistory(orderID: orderID, status: status, total: total, placed: placed, paidAt: paidAt,
                         shippedAt: shippedAt, deliveredAt: deliveredAt, cancelledAt: cancelledAt,
                         carrier: value(first, "carrier"), tracking: value(first, "tracking"),
                         paymentStatus: value(first, "payment_status")?.lowercased(), events: &events)
        summary.rowsImported += rows.count
        summary.ordersImported += 1
    }

    /// Brings an imported order to its historic status, with the events, payment and
    /// shipment records the lifecycle would have written.
    func applyHistory(orderID: Int64, status: OrderStatus, total: Int64, placed: Date, paidAt: Date?, shippedAt: Date?,
                      deliveredAt: Date?, cancelledAt: Date?, carrier: String?, tracking: String?, paymentStatus: String?,
                      events: inout EventWriter) throws {
        let db = store.db
        func setStatus(_ old: OrderStatus, _ new: OrderStatus, at: Date?) throws {
            try db.run("UPDATE orders SET status = ? WHERE id = ?", new.rawValue, orderID)
            try events.append("status", old: old.rawValue, new: new.rawValue, detail: "imported", at: Instant.format(at ?? placed))
        }
        // Without a payment status, a payment time or a completed order means paid in full.
        let paid = paymentStatus.map { ["paid", "partially_refunded", "refunded"].contains($0) } ?? (paidAt != nil || status == .completed)
        if paid && total > 0 {
            let at = Instant.format(paidAt ?? placed)
            try db.run("INSERT INTO payments(order_id, kind, amount, method, at) VALUES (?, 'payment', ?, 'import', ?)", orderID, total, at)
            try db.run("UPDATE orders SET paid_total = ?, payment_status = 'paid' WHERE id = ?", total, orderID)
            let currency = shop.currency
            try events.append("paid", new: Money(minor: total, currency: currency).description, detail: "imported", at: at)
            try events.append("payment", old: PaymentStatus.unpaid.rawValue, new: PaymentStatus.paid.rawValue, at: at)
        }
        let shipped: Set<OrderStatus> = [.shipped, .delivered, .completed]
        var current = OrderStatus.pending
        if status == .cancelled {
            try db.run("UPDATE orders SET closed_reason = 'imported as cancelled' WHERE id = ?", orderID)
            try setStatus(current, .cancelled, at: cancelledAt)
            return
        }
        if status != .pending {
            try setStatus(current, .confirmed, at: placed); current = .confirmed
        }
        if shipped.contains(status) {
            let at = Instant.format(shippedAt ?? placed)
            try db.run("INSERT INTO shipments(order_id, carrier, tracking, shipped_at, delivered_at) VALUES (?, ?, ?, ?, ?)",
                       orderID, carrier?.lowercased(), tracking, at,
                       status == .shipped ? nil : Instant.format(deliveredAt ?? shippedAt ?? placed))
            let shipmentID = db.lastInsertRowID
            try db.run("UPDATE order_lines SET shipped = quantity WHERE order_id = ?", orderID)
            try db.run("INSERT INTO shipment_lines(shipment_id, order_line_id, quantity) SELECT ?, id, quantity FROM order_lines WHERE order_id = ?", shipmentID, orderID)
            try db.run("UPDATE orders SET fulfilment_status = 'fulfilled' WHERE id = ?", orderID)
            try events.append("shipped", new: "all lines", detail: "imported", at: at)
            try setStatus(current, .shipped, at: shippedAt); current = .shipped
            try events.append("fulfilment", old: FulfilmentStatus.unfulfilled.rawValue, new: FulfilmentStatus.fulfilled.rawValue, at: at)
            if status != .shipped {
                try setStatus(current, .delivered, at: deliveredAt ?? shippedAt); current = .delivered
            }
            if status == .completed { try setStatus(current, .completed, at: deliveredAt ?? shippedAt) }
        } else if status != current && status != .confirmed {
            try setStatus(current, status, at: placed)
        }
    }

    /// Rejects a whole order: counts its rows, keeps its issues, hands each row on.
    func reject(_ rows: [Row], _ issues: [ImportIssue], rejected: (RejectedRow) throws -> Void) throws {
        summary.issues += issues
        summary.rowsRejected += rows.count
        summary.ordersRejected += 1
        for row in rows { try rejected(RejectedRow(line: row.line, fields: row.fields, reason: issuesText(issues, row))) }
    }

    func issuesText(_ issues: [ImportIssue], _ row: Row) -> String {
        let mine = issues.filter { $0.line == row.line }
        let list = (mine.isEmpty ? issues : mine).map { "\($0.field) '\(OrderError.clip($0.value))': \($0.reason)" }
        return (mine.isEmpty ? "another row of this order is invalid: " : "") + list.joined(separator: "; ")
    }

    func reason(_ error: Error) -> String {
        if case let OrderError.invalidValue(_, _, reason) = error { return reason }
        return "\(error)"
    }

    func catching(_ body: () throws -> String) -> (reason: String, Void)? {
        do { _ = try body(); return nil } catch { return (reason(error), ()) }
    }
}
