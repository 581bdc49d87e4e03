import Foundation

/// orderctl's own interchange format: one row per order line, the order's fields
/// repeated on each of its lines. The same fields make the JSON Lines form, one order
/// per line with a `lines` array.
public enum NativeFormat {
    public static let columns = [
        "ref", "ordered_at", "customer_ref", "customer_email", "customer_name", "country", "sku", "product_name",
        "quantity", "unit_price", "currency", "channel", "shipping", "status", "payment_status", "due", "paid_at",
        "shipped_at", "delivered_at", "cancelled_at", "carrier", "tracking", "note", "region",
    ]
    /// JSON Lines: the key holding an order's lines; the amounts paid and refunded, and
    /// a line's units shipped, go by their `ImportField` names (`paid_total`, ...).
    public static let linesKey = "lines"

    /// The columns that belong to a line rather than to the order.
    public static let lineColumns: Set<String> = ["sku", "product_name", "quantity", "unit_price"]
    /// The positions of the columns that hold numbers (quantity, unit price): the cells a
    /// decimal comma applies to in a spreadsheet's CSV.
    public static let numberColumns: Set<Int> = Set(
        ["quantity", "unit_price"].compactMap { columns.firstIndex(of: $0) })
}

/// One exported line: values in `NativeFormat.columns` order, nil for empty.
public struct NativeRow: Sendable {
    public var orderID: Int64
    public var values: [String?]
    /// What was paid and refunded, as decimals: JSON Lines carries them, CSV cannot.
    public var paidTotal: String
    public var refundedTotal: String
    /// Units of this line shipped (JSON Lines only).
    public var shipped: Int64

    public subscript(_ column: String) -> String? {
        NativeFormat.columns.firstIndex(of: column).flatMap { values[$0] }
    }
}

extension OrderStore {
    /// Streams every line of the orders a filter selects, oldest order first, in one
    /// read snapshot; nothing is held in memory beyond one row.
    public func exportRows(_ filter: OrderFilter, _ body: (NativeRow) throws -> Void) throws {
        try db.read {
            let (conditions, args) = try self.conditions(for: filter)
            var sql = """
                SELECT o.id, o.ref, o.placed_at, c.id, c.email, c.name, c.country, l.sku, l.name, l.quantity, l.unit_price,
                       o.currency, o.channel, o.shipping, o.status, o.payment_status, o.due_date,
                       (SELECT max(p.at) FROM payments p WHERE p.order_id = o.id AND p.kind = 'payment'),
                       (SELECT max(s.shipped_at) FROM shipments s WHERE s.order_id = o.id),
                       (SELECT max(s.delivered_at) FROM shipments s WHERE s.order_id = o.id),
                       (SELECT max(e.at) FROM order_events e WHERE e.order_id = o.id AND e.kind = 'status' AND e.new_value = 'cancelled'),
                       (SELECT s.carrier FROM shipments s WHERE s.order_id = o.id AND s.carrier IS NOT NULL ORDER BY s.id DESC LIMIT 1),
                       (SELECT s.tracking FROM shipments s WHERE s.order_id = o.id AND s.tracking IS NOT NULL ORDER BY s.id DESC LIMIT 1),
                       o.note, o.paid_total, o.refunded_total, l.shipped, c.region, c.external_ref
                FROM orders o JOIN customers c ON c.id = o.customer_id JOIN order_lines l ON l.order_id = o.id
                """
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY o.placed_at, o.id, l.line_no"
            var currency: Currency?
            try db.forEach(sql, arguments: args) { r in
                let code = r.string(11)
                if currency?.code != code { currency = try Currency(code: code) }
                let price = Money(minor: r.int64(10), currency: currency!).decimalString
                let values: [String?] = [
                    // customer_ref: the customer's reference where they came from; the
                    // internal id would mean another customer in another database.
                    r.string(1), r.string(2), r.optionalString(28), r.optionalString(4), r.string(5),
                    r.optionalString(6),
                    r.string(7), r.string(8), String(r.int64(9)), price, code, r.string(12), r.string(13), r.string(14),
                    r.string(15), r.optionalString(16), r.optionalString(17), r.optionalString(18),
                    r.optionalString(19),
                    r.optionalString(20), r.optionalString(21), r.optionalString(22), r.optionalString(23),
                    r.optionalString(27),
                ]
                try body(
                    NativeRow(
                        orderID: r.int64(0), values: values,
                        paidTotal: Money(minor: r.int64(24), currency: currency!).decimalString,
                        refundedTotal: Money(minor: r.int64(25), currency: currency!).decimalString,
                        shipped: r.int64(26)))
            }
        }
    }
}

/// One order of the JSON Lines form: the order's columns, its totals and its lines, as
/// `export --format jsonl` writes it on one line (and `import` reads it back).
public struct NativeOrder: Sendable {
    /// The order's own columns (`NativeFormat.columns` less `lineColumns`), in that order.
    public var fields: [(column: String, value: String?)]
    public var paidTotal: String
    public var refundedTotal: String
    public var lines: [Line]

    public struct Line: Sendable {
        /// The line's columns, in `NativeFormat.columns` order; quantity is in `quantity`.
        public var fields: [(column: String, value: String?)]
        public var quantity: Int64
        public var shipped: Int64
    }
}

extension OrderStore {
    /// Streams the orders a filter selects, oldest first, each with its lines: the rows of
    /// `exportRows` grouped by order (one order held at a time).
    public func exportOrders(_ filter: OrderFilter, _ body: (NativeOrder) throws -> Void) throws {
        let columns = NativeFormat.columns
        let quantity = columns.firstIndex(of: "quantity")!
        var current: (id: Int64, order: NativeOrder)?
        try exportRows(filter) { row in
            var line = NativeOrder.Line(
                fields: [], quantity: Int64(row.values[quantity] ?? "0") ?? 0, shipped: row.shipped)
            for (i, column) in columns.enumerated() where NativeFormat.lineColumns.contains(column) && i != quantity {
                line.fields.append((column, row.values[i]))
            }
            if current?.id != row.orderID {
                if let done = current { try body(done.order) }
                var fields: [(column: String, value: String?)] = []
                for (i, column) in columns.enumerated() where !NativeFormat.lineColumns.contains(column) {
                    fields.append((column, row.values[i]))
                }
                current = (
                    row.orderID,
                    NativeOrder(fields: fields, paidTotal: row.paidTotal, refundedTotal: row.refundedTotal, lines: [])
                )
            }
            current!.order.lines.append(line)
        }
        if let done = current { try body(done.order) }
    }
}
