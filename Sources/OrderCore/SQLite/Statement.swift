internal import CSQLite

// SQLite copies transient values at bind time.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. Obtained from `Database.prepare`, which caches it; every use
/// starts from a reset statement with fresh bindings.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    unowned let database: Database
    /// Set while a caller is stepping through its rows.
    var inUse = false

    init(database: Database, sql: String) throws {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw database.error(rc, sql: sql)
        }
        self.handle = stmt
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// Ready to run again. The old bindings stay until the next `bind`, which sets every
    /// parameter (it refuses a wrong count), so they need no clearing.
    func reset() {
        sqlite3_reset(handle)
    }

    func bind(_ values: [any SQLBindable]) throws {
        try checkCount(values.count)
        for (offset, value) in values.enumerated() { try bind(value.sqlValue, at: Int32(offset + 1)) }
    }

    /// The same for plain values, without an existential box per value (bulk writes).
    func bind(_ values: [SQLValue]) throws {
        try checkCount(values.count)
        for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    }

    /// Binds `:name` parameters by name (the map's keys are without the colon) and the
    /// anonymous `?` ones from `positional`, in order. Every parameter must be given.
    func bind(_ positional: [any SQLBindable], named: [String: any SQLBindable]) throws {
        var next = positional.makeIterator()
        for index in stride(from: Int32(1), through: sqlite3_bind_parameter_count(handle), by: 1) {
            let value: (any SQLBindable)?
            if let name = sqlite3_bind_parameter_name(handle, index) {
                value = named[String(String(cString: name).dropFirst())]
            } else {
                value = next.next()
            }
            guard let value else {
                let name = sqlite3_bind_parameter_name(handle, index).map { String(cString: $0) } ?? "?\(index)"
                throw SQLiteError(code: SQLiteCode.error, message: "no value given for parameter \(name)", sql: sql)
            }
            try bind(value.sqlValue, at: index)
        }
        if next.next() != nil {
            throw SQLiteError(
                code: SQLiteCode.error, message: "more positional values given than the statement takes", sql: sql)
        }
    }

    private func checkCount(_ given: Int) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == given else {
            throw SQLiteError(
                code: SQLiteCode.error,
                message: "statement takes \(expected) parameters, \(given) given", sql: sql)
        }
    }

    private func bind(_ value: SQLValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let v):
            var copy = v
            rc = copy.withUTF8 { buf in
                sqlite3_bind_text(
                    handle, index,
                    UnsafeRawPointer(buf.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                        .assumingMemoryBound(to: CChar.self), Int32(buf.count), sqliteTransient)
            }
        case .blob(let v):
            rc = v.withUnsafeBytes { buf in
                sqlite3_bind_blob(handle, index, buf.baseAddress, Int32(buf.count), sqliteTransient)
            }
        }
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Steps once; true when a row is available.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(rc, sql: sql)
        }
    }
}

/// A statement belongs to its connection's thread, as the connection does.
@available(*, unavailable)
extension Statement: Sendable {}

/// The current row of a statement, valid only inside the closure it is passed to.
struct Row {
    let handle: OpaquePointer

    var columnCount: Int { Int(sqlite3_column_count(handle)) }

    func isNull(_ i: Int) -> Bool { sqlite3_column_type(handle, Int32(i)) == SQLITE_NULL }

    func int64(_ i: Int) -> Int64 { sqlite3_column_int64(handle, Int32(i)) }
    func int(_ i: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(i))) }
    func double(_ i: Int) -> Double { sqlite3_column_double(handle, Int32(i)) }
    func bool(_ i: Int) -> Bool { sqlite3_column_int64(handle, Int32(i)) != 0 }

    func string(_ i: Int) -> String {
        guard let ptr = sqlite3_column_text(handle, Int32(i)) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, Int32(i)))
        return String(decoding: UnsafeBufferPointer(start: ptr, count: count), as: UTF8.self)
    }

    func optionalString(_ i: Int) -> String? { isNull(i) ? nil : string(i) }

    /// The bytes of a text column without making a String, valid until the statement
    /// steps again; nil for NULL.
    func textBytes(_ i: Int) -> UnsafeBufferPointer<UInt8>? {
        guard sqlite3_column_type(handle, Int32(i)) != SQLITE_NULL, let ptr = sqlite3_column_text(handle, Int32(i))
        else { return nil }
        return UnsafeBufferPointer(start: ptr, count: Int(sqlite3_column_bytes(handle, Int32(i))))
    }
    func optionalInt64(_ i: Int) -> Int64? { isNull(i) ? nil : int64(i) }
    func optionalInt(_ i: Int) -> Int? { isNull(i) ? nil : int(i) }

    func columnName(_ i: Int) -> String { String(cString: sqlite3_column_name(handle, Int32(i))) }

    func value(_ i: Int) -> SQLValue {
        switch sqlite3_column_type(handle, Int32(i)) {
        case SQLITE_INTEGER: return .integer(int64(i))
        case SQLITE_FLOAT: return .real(double(i))
        case SQLITE_TEXT: return .text(string(i))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, Int32(i)))
            guard count > 0, let ptr = sqlite3_column_blob(handle, Int32(i)) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: ptr, count: count)))
        default: return .null
        }
    }
}
