/// An error reported by SQLite, with the extended result code, SQLite's own message
/// and the statement text (never the bound values). The one public type of the SQLite
/// layer: a command can tell what a failure means for the file (`isReadOnly`,
/// `isDiskFull`, `isDamaged`) without knowing SQLite's codes. The store reports "busy"
/// as `OrderError.databaseBusy` instead.
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Extended result code, e.g. 2067 for a unique constraint failure.
    public let code: Int32
    /// `sqlite3_errmsg` at the failure site.
    public let message: String
    /// The statement text, when the error came from a statement.
    public let sql: String?

    init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended code).
    var primaryCode: Int32 { code & 0xff }

    var isBusy: Bool { primaryCode == SQLiteCode.busy || primaryCode == SQLiteCode.locked }
    var isConstraint: Bool { primaryCode == SQLiteCode.constraint }

    /// The file (or its folder, or the disk) may not be written here.
    public var isReadOnly: Bool { primaryCode == SQLiteCode.readonly }
    /// The disk holding the file (or its write-ahead log) is full.
    public var isDiskFull: Bool { primaryCode == SQLiteCode.full }
    /// The file is damaged, or is not an SQLite database at all.
    public var isDamaged: Bool { primaryCode == SQLiteCode.corrupt || primaryCode == SQLiteCode.notADatabase }

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
enum SQLiteCode {
    static let ok: Int32 = 0
    static let error: Int32 = 1
    static let busy: Int32 = 5
    static let locked: Int32 = 6
    static let readonly: Int32 = 8
    static let corrupt: Int32 = 11
    static let full: Int32 = 13
    static let cantOpen: Int32 = 14
    static let constraint: Int32 = 19
    static let misuse: Int32 = 21
    static let notADatabase: Int32 = 26
    static let row: Int32 = 100
    static let done: Int32 = 101
    // Extended codes (primary | n << 8).
    static let constraintCheck: Int32 = 275  // SQLITE_CONSTRAINT_CHECK
    static let constraintForeignKey: Int32 = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
    static let constraintNotNull: Int32 = 1299  // SQLITE_CONSTRAINT_NOTNULL
    static let constraintPrimaryKey: Int32 = 1555  // SQLITE_CONSTRAINT_PRIMARYKEY
    static let constraintTrigger: Int32 = 1811  // SQLITE_CONSTRAINT_TRIGGER
    static let constraintUnique: Int32 = 2067  // SQLITE_CONSTRAINT_UNIQUE
}
