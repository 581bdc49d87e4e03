internal import CSQLite
import Foundation

/// One SQLite connection: one connection, one thread (not Sendable, see below).
///
/// Opened with extended result codes, `foreign_keys = ON`, WAL and a busy timeout, so
/// that cron and an interactive shell can use the same file at the same time.
final class Database {
    let handle: OpaquePointer
    let path: String
    private var cache: [String: Statement] = [:]
    /// The transaction `transaction {}` or `read {}` began, while it runs.
    private var openTransaction: TransactionKind?
    /// Where `forEachIntegerPair`'s SQL function hands the rows: made when the function is
    /// registered, on first use; SQLite frees it with the function.
    private var rowFeed: UnsafeMutablePointer<RowFeed>?

    /// Process-wide settings, made once before the first connection opens.
    private static let configured: Bool = {
        _ = orderctl_sqlite_disable_memstatus()
        return true
    }()

    /// How long a writer waits for another writer before giving up.
    static let busyTimeoutMilliseconds: Int32 = 5000

    /// Opens (and with `create`, creates) the database at `path`. A new file is created
    /// with mode 0600 before SQLite touches it.
    /// With `wal: false` the journal mode is left as it is; call `enableWAL()` later
    /// (after checking the file is one's own, say).
    /// `immutable` (with `readOnly`) tells SQLite that nobody changes the file while it
    /// is open, so it reads a WAL database without its `-shm` index: for a file on a
    /// read-only mount or in a folder one may not write, where the index cannot be made.
    init(path: String, create: Bool = true, readOnly: Bool = false, wal: Bool = true, immutable: Bool = false)
        throws
    {
        self.path = path
        if create && !readOnly && path != ":memory:" && !FileManager.default.fileExists(atPath: path) {
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 {
                close(fd)
            } else if errno != EEXIST {
                throw SQLiteError(
                    code: SQLiteCode.cantOpen,
                    message: "cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
        _ = Self.configured
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        if readOnly { flags |= SQLITE_OPEN_READONLY } else { flags |= SQLITE_OPEN_READWRITE }
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        var name = path
        if immutable && readOnly {
            flags |= SQLITE_OPEN_URI
            let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
            var allowed = CharacterSet.urlPathAllowed
            allowed.remove(charactersIn: "?#%")
            name =
                "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
        }
        let rc = sqlite3_open_v2(name, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
        // Wait for another writer in short steps rather than SQLite's default back-off
        // (up to 100 ms a sleep): a batch of short transactions in another process
        // leaves the lock free only for moments, and long sleeps miss them all.
        sqlite3_busy_handler(
            db,
            { _, attempt in
                guard attempt < Database.busyTimeoutMilliseconds else { return 0 }
                usleep(1000)
                return 1
            }, nil)
        // From here on a throw runs deinit, which closes the connection.
        try execute("PRAGMA foreign_keys = ON")
        // Reading the schema fails at once on a file that is not a database.
        _ = try scalarInt("PRAGMA schema_version")
        if wal && !readOnly { try enableWAL() }
    }

    /// Switches to write-ahead logging, so readers never block the writer. Changing the
    /// journal mode ignores the busy handler, so a concurrent opener is waited for here.
    func enableWAL() throws {
        guard path != ":memory:" else { return }
        let deadline = Date().addingTimeInterval(Double(Self.busyTimeoutMilliseconds) / 1000)
        while true {
            do {
                let mode = try scalarString("PRAGMA journal_mode = WAL")
                if mode?.lowercased() == "wal" { break }
            } catch let error as SQLiteError where error.isBusy && Date() < deadline {
                usleep(5_000)
                continue
            }
            guard Date() < deadline else {
                throw SQLiteError(
                    code: SQLiteCode.busy, message: "could not switch \(path) to WAL mode",
                    sql: "PRAGMA journal_mode = WAL")
            }
            usleep(5_000)
        }
        try execute("PRAGMA synchronous = FULL")
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        let code = sqlite3_extended_errcode(handle)
        return SQLiteError(
            code: code == 0 ? rc : code,
            message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements without parameters (schema scripts, pragmas).
    func execute(_ sql: String) throws {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errmsg)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// A cached prepared statement, reset and with its bindings cleared. While a
    /// cached statement is being stepped (a query inside another's loop), a fresh one
    /// is handed out instead, so the outer loop is not reset under its feet.
    func prepare(_ sql: String) throws -> Statement {
        if let stmt = cache[sql] {
            if stmt.inUse { return try Statement(database: self, sql: sql) }
            stmt.reset()
            return stmt
        }
        let stmt = try Statement(database: self, sql: sql)
        cache[sql] = stmt
        return stmt
    }

    /// Runs `body` with a prepared, bound statement, marked in use until it returns.
    private func with<T>(_ sql: String, _ arguments: [any SQLBindable], _ body: (Statement) throws -> T) throws -> T {
        let stmt = try prepare(sql)
        stmt.inUse = true
        defer {
            stmt.inUse = false
            stmt.reset()
        }
        try stmt.bind(arguments)
        return try body(stmt)
    }

    /// Number of statements currently held in the cache (for tests).
    var cachedStatementCount: Int { cache.count }

    /// Runs a statement that returns no rows.
    func run(_ sql: String, _ args: any SQLBindable...) throws {
        try run(sql, arguments: args)
    }

    func run(_ sql: String, arguments: [any SQLBindable]) throws {
        try with(sql, arguments) { stmt in while try stmt.step() {} }
    }

    /// Runs a query and maps every row.
    func query<T>(_ sql: String, _ args: any SQLBindable..., row: (Row) throws -> T) throws -> [T] {
        try query(sql, arguments: args, row: row)
    }

    func query<T>(_ sql: String, arguments: [any SQLBindable], row transform: (Row) throws -> T) throws -> [T] {
        try with(sql, arguments) { stmt in
            var result: [T] = []
            while try stmt.step() {
                result.append(try transform(Row(handle: stmt.handle)))
            }
            return result
        }
    }

    /// Runs a query and maps its first row, if any.
    func queryFirst<T>(_ sql: String, _ args: any SQLBindable..., row transform: (Row) throws -> T) throws -> T? {
        try queryFirst(sql, arguments: args, row: transform)
    }

    func queryFirst<T>(_ sql: String, arguments: [any SQLBindable], row transform: (Row) throws -> T) throws
        -> T?
    {
        try with(sql, arguments) { stmt in try stmt.step() ? transform(Row(handle: stmt.handle)) : nil }
    }

    /// Streams rows to `body` without collecting them.
    func forEach(_ sql: String, arguments: [any SQLBindable] = [], _ body: (Row) throws -> Void) throws {
        try with(sql, arguments) { stmt in
            while try stmt.step() { try body(Row(handle: stmt.handle)) }
        }
    }

    /// Hands the two integers `first` and `second` of every row of `SELECT first, second
    /// FROM rest` to `body`, with `context`, from inside SQLite's own loop: the query runs
    /// as an aggregate over a function that passes each row on, which saves a
    /// `sqlite3_step` and a result row per row (1.5 million rows of an index: 0.17 s
    /// against 0.23 s stepped). A C function and a raw context, so that no reference is
    /// counted per row. The rows come in the order the query plan reads them (an ORDER BY
    /// in `rest` orders nothing).
    func forEachIntegerPair(
        _ first: String, _ second: String, from rest: String, arguments: [any SQLBindable] = [],
        context: UnsafeMutableRawPointer, _ body: @convention(c) (UnsafeMutableRawPointer, Int64, Int64) -> Void
    ) throws {
        let feed: UnsafeMutablePointer<RowFeed>
        if let rowFeed {
            feed = rowFeed
        } else {
            feed = .allocate(capacity: 1)
            feed.initialize(to: RowFeed())
            // On failure too SQLite calls the destructor, which frees `feed`.
            let rc = sqlite3_create_function_v2(
                handle, "orderctl_row_feed", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, feed, nil,
                { context, _, values in
                    guard let context, let values,
                        let feed = sqlite3_user_data(context)?.assumingMemoryBound(to: RowFeed.self),
                        let body = feed.pointee.body, let target = feed.pointee.context
                    else { return }
                    body(target, sqlite3_value_int64(values[0]), sqlite3_value_int64(values[1]))
                }, { context in sqlite3_result_null(context) },
                { feed in feed?.assumingMemoryBound(to: RowFeed.self).deallocate() })
            if rc != SQLITE_OK { throw error(rc, sql: nil) }
            rowFeed = feed
        }
        precondition(feed.pointee.body == nil, "forEachIntegerPair inside another's body")
        feed.pointee = RowFeed(context: context, body: body)
        defer { feed.pointee = RowFeed() }
        try with("SELECT orderctl_row_feed(\(first), \(second)) FROM \(rest)", arguments) { stmt in
            while try stmt.step() {}
        }
    }

    /// The same with `:name` parameters bound by name and `?` ones from `arguments`.
    func forEach(
        _ sql: String, arguments: [any SQLBindable] = [], named: [String: any SQLBindable],
        _ body: (Row) throws -> Void
    ) throws {
        let stmt = try prepare(sql)
        stmt.inUse = true
        defer {
            stmt.inUse = false
            stmt.reset()
        }
        try stmt.bind(arguments, named: named)
        while try stmt.step() { try body(Row(handle: stmt.handle)) }
    }

    func scalarInt(_ sql: String, _ args: any SQLBindable...) throws -> Int64 {
        try queryFirst(sql, arguments: args) { $0.int64(0) } ?? 0
    }

    func scalarString(_ sql: String, _ args: any SQLBindable...) throws -> String? {
        try queryFirst(sql, arguments: args) { $0.optionalString(0) } ?? nil
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` inside `BEGIN IMMEDIATE ... COMMIT`; rolls back when it throws.
    /// The write lock is taken up front, so the checks inside `body` see the data that
    /// the commit will change; other writers wait up to the busy timeout.
    /// Inside another transaction, `body` runs in a savepoint: if it throws, only its
    /// own changes are undone. Inside `read {}` it runs nothing and throws
    /// (`SQLiteCode.misuse`): that deferred transaction holds no write lock, so a write
    /// there would neither wait for another writer nor be sure of what it checked.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        switch openTransaction {
        case .read:
            throw SQLiteError(
                code: SQLiteCode.misuse,
                message:
                    "a write transaction inside read {}: it would hold no write lock; start the write outside the read")
        case .write:
            try execute("SAVEPOINT nested")
            do {
                let result = try body()
                try execute("RELEASE nested")
                return result
            } catch {
                try? execute("ROLLBACK TO nested")
                try? execute("RELEASE nested")
                throw error
            }
        case nil:
            return try outermost(.write, body)
        }
    }

    /// Runs `body` in a read transaction, so that it sees one consistent snapshot.
    /// Inside another transaction it runs in that one.
    func read<T>(_ body: () throws -> T) throws -> T {
        if openTransaction != nil { return try body() }
        return try outermost(.read, body)
    }

    /// True inside `transaction` or `read`.
    var isInTransaction: Bool { openTransaction != nil }

    private enum TransactionKind { case write, read }

    /// `BEGIN IMMEDIATE` (a write) or `BEGIN DEFERRED` (a read), `body`, then `COMMIT`;
    /// `ROLLBACK` when `body` throws.
    private func outermost<T>(_ kind: TransactionKind, _ body: () throws -> T) throws -> T {
        try execute(kind == .write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        openTransaction = kind
        defer { openTransaction = nil }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }

    var userVersion: Int {
        get throws { Int(try scalarInt("PRAGMA user_version")) }
    }

    static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}

/// A connection is used by one thread at a time: said to the compiler, so that handing
/// one to another thread is an error rather than a comment.
@available(*, unavailable)
extension Database: Sendable {}

/// What `forEachIntegerPair` calls, while it runs.
private struct RowFeed {
    var context: UnsafeMutableRawPointer?
    var body: (@convention(c) (UnsafeMutableRawPointer, Int64, Int64) -> Void)?
}
