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
    /// Every foreign key the schema declares (child table, its column, the parent table
    /// and its key), read from SQLite rather than kept by hand beside schema.sql.
    let references: [(child: String, column: String, parent: String, key: String)]

    /// The largest rowid of each table before the write.
    let before: [String: Int64]

    init(_ db: Database) throws {
        references = try db.query(
            """
            SELECT m.name, f."from", f."table", coalesce(f."to", 'rowid') FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, f.id, f.seq
            """
        ) { (child: $0.string(0), column: $0.string(1), parent: $0.string(2), key: $0.string(3)) }
        var before: [String: Int64] = [:]
        for table in Set(references.flatMap { [$0.child, $0.parent] }) {
            before[table] = try db.scalarInt("SELECT coalesce(max(rowid), 0) FROM \(table)")
        }
        self.before = before
    }

    /// Throws a foreign-key constraint error naming the first reference that points nowhere.
    func verify(_ db: Database) throws {
        var complete: [String: (Int64, Int64)] = [:]
        for parent in Set(references.map(\.parent)) {
            let start = before[parent]!
            let (count, last) = try db.queryFirst(
                "SELECT count(*), coalesce(max(rowid), 0) FROM \(parent) WHERE rowid > ?", start
            ) {
                ($0.int64(0), $0.int64(1))
            }!
            complete[parent] = count > 0 && count == last - start ? (start + 1, last) : (1, 0)
        }
        for r in references {
            let (low, high) = complete[r.parent]!
            let dangling = try db.scalarInt(
                """
                SELECT count(*) FROM \(r.child) c WHERE c.rowid > ? AND c.\(r.column) IS NOT NULL
                AND c.\(r.column) NOT BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM \(r.parent) p WHERE p.\(r.key) = c.\(r.column))
                """, before[r.child]!, low, high)
            if dangling > 0 {
                throw SQLiteError(
                    code: SQLiteCode.constraintForeignKey,
                    message:
                        "FOREIGN KEY constraint failed: \(dangling) new row(s) of \(r.child).\(r.column) refer to no row of \(r.parent)"
                )
            }
        }
    }
}
