import Foundation

/// What `product add` takes.
public struct NewProduct: Sendable {
    public var sku: String
    public var name: String
    public var price: String
    public var stock: Int64?
    public var reorderAt: Int64?

    public init(sku: String, name: String, price: String, stock: Int64? = nil, reorderAt: Int64? = nil) {
        self.sku = sku
        self.name = name
        self.price = price
        self.stock = stock
        self.reorderAt = reorderAt
    }
}

/// What `product update` changes; nil leaves a field as it is.
public struct ProductChanges: Sendable {
    public var name: String?
    public var price: String?
    public var trackStock: Bool?
    public var reorderAt: Int64??
    public var active: Bool?
    /// Restock plan: lead days, service level (percent), days one reorder covers; .some(nil) resets to the setting.
    public var leadDays: Int64??
    public var serviceLevel: Int64??
    public var coverDays: Int64??

    public init(
        name: String? = nil, price: String? = nil, trackStock: Bool? = nil, reorderAt: Int64?? = nil,
        active: Bool? = nil
    ) {
        self.name = name
        self.price = price
        self.trackStock = trackStock
        self.reorderAt = reorderAt
        self.active = active
    }

    public var isEmpty: Bool {
        name == nil && price == nil && trackStock == nil && reorderAt == nil && active == nil
            && leadDays == nil && serviceLevel == nil && coverDays == nil
    }
}

extension ProductChanges {
    /// The restock plan's figures and their ranges.
    static let restockRanges: [String: ClosedRange<Int64>] = [
        "lead-days": 0...3650, "service-level": 50...99, "cover-days": 1...3650,
    ]

    /// A restock figure as typed (`--lead-days`, `--service-level`, `--cover-days`): a
    /// whole number in its range, or `default` (nil: the setting's).
    public static func restockFigure(_ text: String, field: String) throws(OrderError) -> Int64? {
        if text.lowercased() == "default" { return nil }
        let range = restockRanges[field] ?? 0...3650
        do {
            return try Validate.integer(text, field: field, min: range.lowerBound, max: range.upperBound)
        } catch {
            throw .invalidValue(
                field: field, value: text, reason: "expected \(range.lowerBound) to \(range.upperBound), or 'default'")
        }
    }

    /// `--reorder-at` as typed: a stock figure, or `none` (nil).
    public static func reorderPoint(_ text: String) throws(OrderError) -> Int64? {
        if text.lowercased() == "none" { return nil }
        return try Validate.integer(text, field: "reorder-at", min: 0, max: 1_000_000_000)
    }
}

extension NewProduct {
    /// The stock figures' ranges (no database needed).
    public func checkFigures() throws(OrderError) {
        if let stock { try OrderStore.checkStockFigure(stock, field: "stock") }
        if let reorderAt { try OrderStore.checkStockFigure(reorderAt, field: "reorder-at") }
    }
}

public enum StockChange: Sendable {
    case set(Int64)
    case add(Int64)
    /// Units taken off (breakage, loss): a positive number, echoed as given.
    case remove(Int64)
}

extension OrderStore {
    static let productColumns =
        "id, sku, name, price, currency, track_stock, on_hand, reserved, reorder_at, active, created_at, updated_at"

    func product(from row: Row) throws -> Product {
        Product(
            id: row.int64(0), sku: row.string(1), name: row.string(2),
            price: try money(row.int64(3), row.string(4)), tracksStock: row.bool(5),
            onHand: row.int64(6), reserved: row.int64(7), reorderAt: row.optionalInt64(8),
            active: row.bool(9), createdAt: date(row.string(10)), updatedAt: date(row.string(11)))
    }

    func findProduct(_ sku: String) throws -> Product? {
        try db.queryFirst("SELECT \(Self.productColumns) FROM products WHERE sku = ?", sku) { try product(from: $0) }
    }

    func requireProduct(_ sku: String) throws -> Product {
        guard let p = try findProduct(sku) else { throw try unknownProduct(sku) }
        return p
    }

    /// The error for an unknown SKU, with the nearest known ones.
    func unknownProduct(_ sku: String) throws -> OrderError {
        let skus = try db.query("SELECT sku FROM products LIMIT 100000") { $0.string(0) }
        return .unknownProduct(sku: sku, near: Suggest.nearest(sku, in: skus))
    }

    /// A stock figure (units on hand, a reorder point, a change of stock): 0 to 1000000000.
    public static func checkStockFigure(_ value: Int64, field: String) throws(OrderError) {
        guard value >= 0 else {
            throw .invalidValue(field: field, value: String(value), reason: "must not be negative")
        }
        guard value <= 1_000_000_000 else {
            throw .invalidValue(field: field, value: String(value), reason: "must be at most 1000000000")
        }
    }

    @discardableResult
    public func addProduct(_ new: NewProduct) throws -> Product {
        try write {
            let sku = try Validate.code(new.sku, field: "SKU")
            let name = try Validate.name(new.name, field: "name")
            let price = try Money.parse(new.price, currency: currency(), field: "price")
            try new.checkFigures()
            if try findProduct(sku) != nil { throw OrderError.duplicateSKU(sku: sku) }
            let track = new.stock != nil || new.reorderAt != nil
            try db.run(
                """
                INSERT INTO products(sku, name, price, currency, track_stock, on_hand, reorder_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, sku, name, price.minor, price.currency.code, track, new.stock ?? 0, new.reorderAt, nowText, nowText
            )
            let id = db.lastInsertRowID
            if let stock = new.stock {
                try logStock(productID: id, kind: "initial", delta: stock, onHand: stock, note: nil)
            }
            return try requireProduct(sku)
        }
    }

    func logStock(productID: Int64, kind: String, delta: Int64, onHand: Int64, note: String?, orderID: Int64? = nil)
        throws
    {
        try db.run(
            "INSERT INTO stock_moves(product_id, kind, delta, on_hand, order_id, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            productID, kind, delta, onHand, orderID, note, nowText)
    }

    @discardableResult
    public func updateProduct(_ sku: String, _ changes: ProductChanges) throws -> Product {
        try write {
            guard !changes.isEmpty else {
                throw OrderError.missingValue(
                    field: "change",
                    hint:
                        "give at least one of --name, --price, --reorder-at, --track-stock, --no-track-stock, --active, --discontinue, --lead-days, --service-level, --cover-days"
                )
            }
            var p = try requireProduct(sku)
            if let name = changes.name { p.name = try Validate.name(name, field: "name") }
            if let price = changes.price { p.price = try Money.parse(price, currency: currency(), field: "price") }
            if let r = changes.reorderAt {
                if let r { try Self.checkStockFigure(r, field: "reorder-at") }
                p.reorderAt = r
            }
            if let track = changes.trackStock {
                if !track && p.reserved > 0 {
                    throw OrderError.invalidValue(
                        field: "track-stock", value: "off",
                        reason: "\(p.reserved) units of \(p.sku) are reserved by open orders")
                }
                p.tracksStock = track
            }
            if let active = changes.active { p.active = active }
            try db.run(
                """
                UPDATE products SET name = ?, price = ?, reorder_at = ?, track_stock = ?, active = ?, updated_at = ?
                WHERE id = ?
                """, p.name, p.price.minor, p.reorderAt, p.tracksStock, p.active, nowText, p.id)
            for (column, value, range) in [
                ("lead_days", changes.leadDays, 0...3650), ("service_level", changes.serviceLevel, 50...99),
                ("cover_days", changes.coverDays, 1...3650),
            ] {
                guard let value else { continue }
                if let v = value, !range.contains(Int(v)) {
                    throw OrderError.invalidValue(
                        field: column.replacingOccurrences(of: "_", with: "-"), value: String(v),
                        reason: "expected \(range.lowerBound) to \(range.upperBound), or 'default'")
                }
                try db.run("UPDATE products SET \(column) = ? WHERE id = ?", value, p.id)
            }
            if changes.trackStock == false {
                // Without stock tracking nothing waits for stock: backorders become plain lines to ship.
                try db.run("UPDATE order_lines SET backordered = 0 WHERE product_id = ? AND backordered > 0", p.id)
            }
            return try requireProduct(p.sku)
        }
    }

    /// `stock set` and `stock add`: changes stock on hand and logs the move. A product
    /// that did not track stock starts tracking it.
    @discardableResult
    public func changeStock(_ sku: String, _ change: StockChange, note: String?) throws -> (
        product: Product, startedTracking: Bool
    ) {
        try write {
            let p = try requireProduct(sku)
            let note = try note.map { n throws(OrderError) in try Validate.note(n, field: "note") }
            // The ledger continues where it was, even across a spell without tracking.
            let before = p.onHand
            let target: Int64
            let kind: String
            switch change {
            case .set(let v):
                try Self.checkStockFigure(v, field: "quantity")
                target = v
                kind = "set"
            case .remove(let n):
                guard n > 0 else {
                    throw OrderError.invalidValue(field: "quantity", value: String(n), reason: "must be more than zero")
                }
                guard n <= 1_000_000_000 else {
                    throw OrderError.invalidValue(
                        field: "quantity", value: String(n), reason: "must be at most 1000000000")
                }
                target = before - n
                kind = "remove"
                if target < 0 {
                    throw OrderError.invalidValue(
                        field: "quantity", value: String(n),
                        reason: "\(p.sku) has \(before) on hand; cannot remove more than that")
                }
            case .add(let d):
                guard d != 0 else {
                    throw OrderError.invalidValue(field: "quantity", value: "0", reason: "must not be zero")
                }
                guard d.magnitude <= 1_000_000_000 else {
                    throw OrderError.invalidValue(
                        field: "quantity", value: String(d), reason: "must be at most 1000000000")
                }
                target = before + d
                kind = d > 0 ? "add" : "remove"
                if target < 0 {
                    throw OrderError.invalidValue(
                        field: "quantity", value: String(d),
                        reason: "\(p.sku) has \(before) on hand; stock cannot go below zero")
                }
                try Self.checkStockFigure(target, field: "stock")
            }
            if target < p.reserved {
                throw OrderError.stockBelowReserved(sku: p.sku, requested: target, reserved: p.reserved)
            }
            try db.run(
                "UPDATE products SET on_hand = ?, track_stock = 1, updated_at = ? WHERE id = ?", target, nowText, p.id)
            try logStock(productID: p.id, kind: kind, delta: target - before, onHand: target, note: note)
            return (try requireProduct(p.sku), !p.tracksStock)
        }
    }

    public struct ProductFilter: Sendable {
        public var includeInactive = false
        public var lowOnly = false
        public var search: String?
        public init(includeInactive: Bool = false, lowOnly: Bool = false, search: String? = nil) {
            self.includeInactive = includeInactive
            self.lowOnly = lowOnly
            self.search = search
        }
    }

    public func products(_ filter: ProductFilter = ProductFilter()) throws -> [Product] {
        var sql = "SELECT \(Self.productColumns) FROM products WHERE 1"
        var args: [any SQLBindable] = []
        if !filter.includeInactive { sql += " AND active = 1" }
        if filter.lowOnly {
            sql += " AND track_stock = 1 AND reorder_at IS NOT NULL AND on_hand - reserved <= reorder_at"
        }
        if let s = filter.search {
            sql += " AND (instr(lower(sku), lower(?)) > 0 OR instr(lower(name), lower(?)) > 0)"
            args += [s, s]
        }
        sql += " ORDER BY sku"
        return try db.query(sql, arguments: args) { try product(from: $0) }
    }

    public func product(_ sku: String) throws -> Product { try db.read { try requireProduct(sku) } }

    /// A product with its recent stock moves and the orders holding it, in one snapshot.
    public func productDetail(_ sku: String) throws -> (
        product: Product, moves: [StockMove], reservations: [(ref: String, reserved: Int64, backordered: Int64)]
    ) {
        try db.read { (try requireProduct(sku), try stockMoves(sku), try reservations(sku)) }
    }

    public func stockMoves(_ sku: String, limit: Int = 20) throws -> [StockMove] {
        try db.read {
            let p = try requireProduct(sku)
            return try db.query(
                """
                SELECT m.at, m.kind, m.delta, m.on_hand, o.ref, m.note FROM stock_moves m
                LEFT JOIN orders o ON o.id = m.order_id
                WHERE m.product_id = ? ORDER BY m.id DESC LIMIT ?
                """, p.id, limit
            ) { r in
                StockMove(
                    at: date(r.string(0)), kind: r.string(1), delta: r.int64(2), onHand: r.int64(3),
                    orderRef: r.optionalString(4), note: r.optionalString(5))
            }
        }
    }

    /// Open orders holding stock of a product: (ref, reserved, backordered).
    public func reservations(_ sku: String) throws -> [(ref: String, reserved: Int64, backordered: Int64)] {
        try db.read {
            let p = try requireProduct(sku)
            return try db.query(
                """
                SELECT o.ref, l.reserved, l.backordered FROM order_lines l JOIN orders o ON o.id = l.order_id
                WHERE l.product_id = ? AND (l.reserved > 0 OR l.backordered > 0) ORDER BY o.placed_at, o.id
                """, p.id
            ) { ($0.string(0), $0.int64(1), $0.int64(2)) }
        }
    }
}
