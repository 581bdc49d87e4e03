/// The foreign keys of schema.sql, checked for the rows one bulk write added instead of
/// row by row as they went in.
///
/// An import runs with `foreign_keys` off: SQLite's check costs a lookup of the parent
/// for every row, and makes every many-row INSERT keep a statement journal; together
/// about a tenth of an import's time. The importer writes parents before children by
/// construction; this check, made in the same transaction before it commits, proves it.
/// A row of a parent written in the same bulk write is known to exist when its id lies
/// in the range of new ids and that range has no gaps, so most references are checked
/// without a lookup.
struct ReferenceCheck {
    static let references: [(child: String, column: String, parent: String)] = [
        ("stock_moves", "product_id", "products"), ("stock_moves", "order_id", "orders"),
        ("orders", "customer_id", "customers"),
        ("order_lines", "order_id", "orders"), ("order_lines", "product_id", "products"),
        ("order_events", "order_id", "orders"),
        ("payments", "order_id", "orders"),
        ("shipments", "order_id", "orders"),
        ("shipment_lines", "shipment_id", "shipments"), ("shipment_lines", "order_line_id", "order_lines"),
        ("returns", "order_id", "orders"),
        ("return_lines", "return_id", "returns"), ("return_lines", "order_line_id", "order_lines"),
    ]

    /// The largest rowid of each table before the write.
    let before: [String: Int64]

    init(_ db: Database) throws {
        var before: [String: Int64] = [:]
        for table in Set(Self.references.flatMap { [$0.child, $0.parent] }) {
            before[table] = try db.scalarInt("SELECT coalesce(max(rowid), 0) FROM \(table)")
        }
        self.before = before
    }

    /// Throws a foreign-key constraint error naming the first reference that points nowhere.
    func verify(_ db: Database) throws {
        var complete: [String: (Int64, Int64)] = [:]
        for parent in Set(Self.references.map(\.parent)) {
            let start = before[parent]!
            let (count, last) = try db.queryFirst("SELECT count(*), coalesce(max(rowid), 0) FROM \(parent) WHERE rowid > ?", start) {
                ($0.int64(0), $0.int64(1))
            }!
            complete[parent] = count > 0 && count == last - start ? (start + 1, last) : (1, 0)
        }
        for r in Self.references {
            let (low, high) = complete[r.parent]!
            let dangling = try db.scalarInt("""
                SELECT count(*) FROM \(r.child) c WHERE c.rowid > ? AND c.\(r.column) IS NOT NULL
                AND c.\(r.column) NOT BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM \(r.parent) p WHERE p.id = c.\(r.column))
                """, before[r.child]!, low, high)
            if dangling > 0 {
                throw SQLiteError(code: SQLiteCode.constraintForeignKey,
                                  message: "FOREIGN KEY constraint failed: \(dangling) new row(s) of \(r.child).\(r.column) refer to no row of \(r.parent)")
            }
        }
    }
}
