/// An error reported by SQLite, with the extended result code, SQLite's own message
/// and the statement text (never the bound values).
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Extended result code, e.g. 2067 for a unique constraint failure.
    public let code: Int32
    /// `sqlite3_errmsg` at the failure site.
    public let message: String
    /// The statement text, when the error came from a statement.
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended code).
    public var primaryCode: Int32 { code & 0xff }

    public var isBusy: Bool { primaryCode == SQLiteCode.busy || primaryCode == SQLiteCode.locked }
    public var isConstraint: Bool { primaryCode == SQLiteCode.constraint }

    public var description: String {
        var text = "database: \(message) (SQLite code \(code))"
        if let sql {
            text +=
                " in: \(sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " "))"
        }
        return text
    }
}

/// The result codes OrderCore branches on. Swift cannot import SQLite's extended-code
/// macros, so the few we need are declared here.
public enum SQLiteCode {
    public static let ok: Int32 = 0
    public static let error: Int32 = 1
    public static let busy: Int32 = 5
    public static let locked: Int32 = 6
    public static let readonly: Int32 = 8
    public static let corrupt: Int32 = 11
    public static let full: Int32 = 13
    public static let cantOpen: Int32 = 14
    public static let constraint: Int32 = 19
    public static let notADatabase: Int32 = 26
    public static let row: Int32 = 100
    public static let done: Int32 = 101
    // Extended codes (primary | n << 8).
    public static let constraintCheck: Int32 = 275  // SQLITE_CONSTRAINT_CHECK
    public static let constraintForeignKey: Int32 = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
    public static let constraintNotNull: Int32 = 1299  // SQLITE_CONSTRAINT_NOTNULL
    public static let constraintPrimaryKey: Int32 = 1555  // SQLITE_CONSTRAINT_PRIMARYKEY
    public static let constraintTrigger: Int32 = 1811  // SQLITE_CONSTRAINT_TRIGGER
    public static let constraintUnique: Int32 = 2067  // SQLITE_CONSTRAINT_UNIQUE
}
