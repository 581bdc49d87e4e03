/// Rows for one table, written many to a statement (`INSERT ... VALUES (...), (...), ...`)
/// instead of one statement per row: for a bulk write such as an import, where each
/// statement's own cost (reset, cursors opened and closed on the table and its indexes)
/// is a good part of the cost of a row. The rows are written in the order given, when
/// `rowsPerStatement` have gathered and at `flush()`; anything that reads the table in
/// between must flush first. Ids, where a row needs one, are the caller's to give.
final class BulkInsert {
    let db: Database
    let table: String
    let columns: [String]
    let rowsPerStatement: Int
    /// An upsert clause (`ON CONFLICT (...) DO UPDATE ...`) after the rows, if any.
    let onConflict: String
    private var values: [SQLValue] = []
    /// Prepared statements by row count: the full one, and the shorter ones a flush of
    /// fewer rows needs (at most `rowsPerStatement` of them).
    private var statements: [Int: Statement] = [:]
    /// Tables this one refers to (foreign keys), flushed before it.
    var dependsOn: [BulkInsert] = []

    init(_ db: Database, table: String, columns: [String], rowsPerStatement: Int = 32, onConflict: String = "") {
        self.db = db
        self.onConflict = onConflict
        self.table = table
        self.columns = columns
        self.rowsPerStatement = rowsPerStatement
        values.reserveCapacity(columns.count * rowsPerStatement)
    }

    var pendingRows: Int { values.count / columns.count }

    func add(_ row: [SQLValue]) throws {
        precondition(
            row.count == columns.count, "BulkInsert \(table): \(row.count) values for \(columns.count) columns")
        values += row
        if values.count == columns.count * rowsPerStatement { try flush() }
    }

    /// The same without an array per row: `fill` appends exactly one row's values.
    func add(_ fill: (inout [SQLValue]) -> Void) throws {
        let before = values.count
        fill(&values)
        precondition(
            values.count - before == columns.count,
            "BulkInsert \(table): \(values.count - before) values for \(columns.count) columns")
        if values.count == columns.count * rowsPerStatement { try flush() }
    }

    func sql(rows: Int) -> String {
        let one = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        // OR FAIL: a failing row stops the statement without undoing the rows before it,
        // so SQLite keeps no statement journal for it. A bulk write's caller rolls the
        // whole transaction back on any error.
        return "INSERT OR FAIL INTO \(table)(\(columns.joined(separator: ", "))) VALUES "
            + Array(repeating: one, count: rows).joined(separator: ", ") + (onConflict.isEmpty ? "" : " " + onConflict)
    }

    /// Writes the rows gathered so far.
    func flush() throws {
        let rows = pendingRows
        guard rows > 0 else { return }
        for other in dependsOn { try other.flush() }
        defer { values.removeAll(keepingCapacity: true) }
        let stmt: Statement
        if let cached = statements[rows] {
            stmt = cached
        } else {
            stmt = try Statement(database: db, sql: sql(rows: rows))
            statements[rows] = stmt
        }
        defer { stmt.reset() }
        try stmt.bind(values)
        while try stmt.step() {}
    }
}
