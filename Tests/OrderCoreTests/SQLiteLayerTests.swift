import Foundation
import Testing

@testable import OrderCore

@Suite("SQLite layer")
struct SQLiteLayerTests {

    // MARK: errors carry the extended code and the SQL, never the bound values

    @Test("UNIQUE violation: code 2067, the SQL text, no bound value")
    func uniqueViolation() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, email TEXT UNIQUE)")
            let sql = "INSERT INTO t(email) VALUES (?)"
            try db.run(sql, "secret-value@example.com")
            let error = #expect(throws: SQLiteError.self) { try db.run(sql, "secret-value@example.com") }
            #expect(error?.code == 2067)
            #expect(error?.code == SQLiteCode.constraintUnique)
            #expect(error?.primaryCode == SQLiteCode.constraint)
            #expect(error?.isConstraint == true)
            #expect(error?.sql == sql)
            #expect(error?.message.contains("UNIQUE") == true)
            let text = error.map { String(describing: $0) } ?? ""
            #expect(text.contains("INSERT INTO t(email) VALUES (?)"))
            #expect(text.contains("2067"))
            #expect(!text.contains("secret-value"))
            #expect(error?.message.contains("secret-value") == false)
        }
    }

    @Test("BulkInsert writes every row, in order, full statements and partial flushes alike, parents first")
    func bulkInsert() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT)")
            try db.execute("CREATE TABLE c(p_id INTEGER NOT NULL REFERENCES p(id), n INTEGER NOT NULL, note TEXT)")
            let parents = BulkInsert(db, table: "p", columns: ["id", "name"], rowsPerStatement: 4)
            let children = BulkInsert(db, table: "c", columns: ["p_id", "n", "note"], rowsPerStatement: 3)
            children.dependsOn = [parents]
            for i in 1...10 {
                try parents.add([.integer(Int64(i)), .text("p\(i)")])
                // A child's parent may still be gathered: the child's flush writes it first.
                try children.add { v in
                    v.append(.integer(Int64(i)))
                    v.append(.integer(Int64(i * 10)))
                    v.append(i % 2 == 0 ? .null : .text("odd"))
                }
            }
            // Children flushed at 3, 6 and 9 rows, each time writing the parents first.
            #expect(parents.pendingRows == 1 && children.pendingRows == 1)
            #expect(try db.scalarInt("SELECT count(*) FROM c") == 9)
            #expect(try db.scalarInt("SELECT count(*) FROM p") == 9)
            // Three more parents make four gathered: one full statement.
            for i in 11...13 { try parents.add([.integer(Int64(i)), .text("p\(i)")]) }
            #expect(parents.pendingRows == 0)
            #expect(try db.scalarInt("SELECT count(*) FROM p") == 13)
            try children.flush()
            #expect(parents.pendingRows == 0 && children.pendingRows == 0)
            #expect(
                try db.query("SELECT id, name FROM p ORDER BY rowid") { "\($0.int64(0)):\($0.string(1))" }
                    == (1...13).map { "\($0):p\($0)" })
            #expect(
                try db.query("SELECT p_id, n, coalesce(note, '-') FROM c ORDER BY rowid") {
                    "\($0.int64(0)) \($0.int64(1)) \($0.string(2))"
                }
                    == (1...10).map { "\($0) \($0 * 10) \($0 % 2 == 0 ? "-" : "odd")" })
            try children.flush()  // nothing gathered: nothing written
            #expect(try db.scalarInt("SELECT count(*) FROM c") == 10)
        }
    }

    @Test("ReferenceCheck finds a new row that refers to nothing, and passes new rows that refer to new or old parents")
    func referenceCheck() throws {
        try withStore { store in
            let db = store.db
            let (old, _) = try store.addOrder(draft(["TEE"], ref: "OLD-1"))
            try db.execute("PRAGMA foreign_keys = OFF")
            defer { try? db.execute("PRAGMA foreign_keys = ON") }
            do {
                try db.transaction {
                    let check = try ReferenceCheck(db)
                    // Every foreign key of the schema, as SQLite declares it (none kept by hand).
                    #expect(
                        check.references.map { "\($0.child).\($0.column)>\($0.parent).\($0.key)" }.sorted()
                            == (try db.query(
                                "SELECT m.name || '.' || f.\"from\" || '>' || f.\"table\" || '.' || f.\"to\" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
                            ) { $0.string(0) }).sorted())
                    #expect(check.references.contains { $0.child == "customer_events" && $0.parent == "customers" })
                    // New orders (a range without gaps) and rows referring to them and to the old order.
                    let (a, _) = try store.addOrder(draft(["TEE"], ref: "NEW-1"))
                    let (b, _) = try store.addOrder(draft(["TEE:2"], ref: "NEW-2"))
                    for id in [old.summary.id, a.summary.id, b.summary.id] {
                        try db.run(
                            "INSERT INTO payments(order_id, kind, amount, at) VALUES (?, 'payment', 100, '2026-03-04T10:00:00Z')",
                            id)
                    }
                    try check.verify(db)
                    // A payment for an order that does not exist.
                    try db.run(
                        "INSERT INTO payments(order_id, kind, amount, at) VALUES (?, 'payment', 100, '2026-03-04T10:00:00Z')",
                        b.summary.id + 50)
                    let error = #expect(throws: SQLiteError.self) { try check.verify(db) }
                    #expect(error?.code == SQLiteCode.constraintForeignKey)
                    #expect(error?.message.contains("payments.order_id refer to no row of orders") == true)
                    throw CancellationError()  // roll back
                }
            } catch is CancellationError {}
        }
    }

    @Test("NOT NULL violation: code 1299 and the SQL")
    func notNullViolation() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            let sql = "INSERT INTO t(id, name) VALUES (?, ?)"
            let error = #expect(throws: SQLiteError.self) { try db.run(sql, 1, String?.none) }
            #expect(error?.code == 1299)
            #expect(error?.sql == sql)
        }
    }

    @Test("foreign key violation: code 787 (foreign_keys is on)")
    func foreignKeyViolation() throws {
        try withDatabase { db, _ throws in
            try db.execute(
                """
                CREATE TABLE parent(id INTEGER PRIMARY KEY);
                CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id));
                """)
            try db.run("INSERT INTO parent(id) VALUES (?)", 1)
            try db.run("INSERT INTO child(parent_id) VALUES (?)", 1)
            let sql = "INSERT INTO child(parent_id) VALUES (?)"
            let error = #expect(throws: SQLiteError.self) { try db.run(sql, 4242) }
            #expect(error?.code == 787)
            #expect(error?.sql == sql)
            #expect(error.map { String(describing: $0) }?.contains("4242") == false)
            #expect(try db.scalarInt("SELECT count(*) FROM child") == 1)
        }
    }

    @Test("CHECK violation: code 275")
    func checkViolation() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(n INTEGER CHECK (n >= 0))")
            let error = #expect(throws: SQLiteError.self) { try db.run("INSERT INTO t(n) VALUES (?)", -1) }
            #expect(error?.code == SQLiteCode.constraintCheck)
        }
    }

    @Test("a syntax error carries code 1 and the SQL, from prepare and from execute")
    func syntaxError() throws {
        try withDatabase { db, _ throws in
            let sql = "SELEC id FROM nowhere WHERE x = ?"
            let error = #expect(throws: SQLiteError.self) { _ = try db.prepare(sql) }
            #expect(error?.code == SQLiteCode.error)
            #expect(error?.sql == sql)
            #expect(error?.message.contains("syntax error") == true)

            let script = "CREATE TABLE ok(x); CREATE TABLE broken("
            let error2 = #expect(throws: SQLiteError.self) { try db.execute(script) }
            #expect(error2?.code == SQLiteCode.error)
            #expect(error2?.sql == script)

            let error3 = #expect(throws: SQLiteError.self) { _ = try db.scalarInt("SELECT nope FROM sqlite_schema") }
            #expect(error3?.sql == "SELECT nope FROM sqlite_schema")
            #expect(error3?.message.contains("nope") == true)
        }
    }

    @Test("binding the wrong number of parameters is an error naming both counts")
    func parameterCountMismatch() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(a, b)")
            let error = #expect(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES (?, ?)", 1) }
            #expect(error?.message == "statement takes 2 parameters, 1 given")
            #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
        }
    }

    // MARK: transactions

    struct Boom: Error, Equatable {}

    @Test("transaction rolls back every change when the body throws, and rethrows")
    func transactionRollsBack() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            try db.run("INSERT INTO t(id, v) VALUES (?, ?)", 1, "kept")
            #expect(throws: Boom()) {
                try db.transaction {
                    try db.run("INSERT INTO t(id, v) VALUES (?, ?)", 2, "new")
                    try db.run("UPDATE t SET v = ? WHERE id = ?", "changed", 1)
                    try db.execute("CREATE TABLE other(x)")
                    throw Boom()
                }
            }
            #expect(try db.query("SELECT id, v FROM t ORDER BY id") { "\($0.int(0)):\($0.string(1))" } == ["1:kept"])
            #expect(try db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'other'") == 0)
            // The connection is usable, and back in autocommit mode, afterwards.
            try db.execute("BEGIN; COMMIT;")
            let value = try db.transaction { () throws -> Int in
                try db.run("INSERT INTO t(id, v) VALUES (?, ?)", 3, "after")
                return 7
            }
            #expect(value == 7)
            #expect(try db.scalarInt("SELECT count(*) FROM t") == 2)
        }
    }

    @Test("transaction rolls back earlier statements when a later statement fails a constraint")
    func transactionRollsBackOnSQLiteError() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
            let error = #expect(throws: SQLiteError.self) {
                try db.transaction {
                    try db.run("INSERT INTO t(v) VALUES (?)", "a")
                    try db.run("INSERT INTO t(v) VALUES (?)", "b")
                    try db.run("INSERT INTO t(v) VALUES (?)", "a")
                }
            }
            #expect(error?.code == SQLiteCode.constraintUnique)
            #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
        }
    }

    @Test("transaction commits when the body returns, visible to a second connection")
    func transactionCommits() throws {
        try withDatabase { db, path throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            let n = try db.transaction { () throws -> Int in
                for i in 1...3 { try db.run("INSERT INTO t(id, v) VALUES (?, ?)", i, "row \(i)") }
                return 3
            }
            #expect(n == 3)
            let other = try Database(path: path)
            #expect(try other.query("SELECT v FROM t ORDER BY id") { $0.string(0) } == ["row 1", "row 2", "row 3"])
        }
    }

    @Test("transaction takes the write lock up front (BEGIN IMMEDIATE)")
    func transactionIsImmediate() throws {
        try withDatabase { db, path throws in
            try db.execute("CREATE TABLE t(x)")
            let other = try Database(path: path)
            try other.execute("PRAGMA busy_timeout = 0")
            try db.transaction {
                // No write yet in `db`, but the lock is already held: another writer is refused.
                let error = #expect(throws: SQLiteError.self) { try other.execute("BEGIN IMMEDIATE") }
                #expect(error?.isBusy == true)
            }
            try other.execute("BEGIN IMMEDIATE; COMMIT;")
        }
    }

    @Test("a write transaction inside read {} is refused: its body never runs, and the read goes on")
    func transactionInsideReadIsRefused() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(x INTEGER)")
            var ran = false
            let count = try db.read { () throws -> Int64 in
                let error = #expect(throws: SQLiteError.self) {
                    try db.transaction {
                        ran = true
                        try db.run("INSERT INTO t VALUES (1)")
                    }
                }
                #expect(error?.code == SQLiteCode.misuse)
                #expect(error?.message.contains("inside read {}") == true, "\(String(describing: error))")
                return try db.scalarInt("SELECT count(*) FROM t")
            }
            #expect(!ran)
            #expect(count == 0)
            // Outside the read the same write runs, and a read inside it is part of it.
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                #expect(try db.read { try db.scalarInt("SELECT count(*) FROM t") } == 1)
            }
            #expect(try db.scalarInt("SELECT count(*) FROM t") == 1)
        }
    }

    @Test("a store write that cannot get the write lock in time throws databaseBusy, in the words the user sees")
    func storeWriteBusy() throws {
        try withStore(catalog: false) { store in
            let before = try store.customers().count
            let holder = try Database(path: store.path)
            try holder.execute("BEGIN IMMEDIATE")
            defer { try? holder.execute("ROLLBACK") }
            let error = #expect(throws: OrderError.self) {
                try store.addCustomer(NewCustomer(name: "Cy", email: "cy@example.com"))
            }
            #expect(error == .databaseBusy(path: store.path))
            #expect(
                error?.description
                    == "the database is busy: another program has been writing to it for over 5 seconds; nothing was changed, try again"
            )
            #expect(try store.customers().count == before)
        }
    }

    // MARK: statement reuse

    @Test("the same SQL run many times uses one cached statement, with fresh bindings each time")
    func statementReuse() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n INTEGER)")
            let baseline = db.cachedStatementCount
            let insert = "INSERT INTO t(id, v, n) VALUES (?, ?, ?)"
            for i in 1...200 {
                // Alternate a value and a NULL, so a leaked binding would show.
                let v: String? = i % 2 == 0 ? nil : "v\(i)"
                let n: Int64? = i % 3 == 0 ? Int64(i * 10) : nil
                try db.run(insert, i, v, n)
            }
            #expect(db.cachedStatementCount == baseline + 1)

            let select = "SELECT v, n FROM t WHERE id = ?"
            for i in [1, 2, 3, 4, 6, 199, 200] {
                let row = try #require(try db.queryFirst(select, i) { ($0.optionalString(0), $0.optionalInt64(1)) })
                #expect(row.0 == (i % 2 == 0 ? nil : "v\(i)"), "v of row \(i)")
                #expect(row.1 == (i % 3 == 0 ? Int64(i * 10) : nil), "n of row \(i)")
            }
            #expect(db.cachedStatementCount == baseline + 2)
            #expect(try db.scalarInt("SELECT count(*) FROM t WHERE v IS NULL") == 100)
            #expect(try db.scalarInt("SELECT count(*) FROM t WHERE n IS NULL") == 134)
        }
    }

    @Test("a statement abandoned after its first row starts again from the top on reuse")
    func statementResetAfterPartialRead() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
            for i in 1...5 { try db.run("INSERT INTO t(id) VALUES (?)", i) }
            let sql = "SELECT id FROM t WHERE id >= ? ORDER BY id"
            #expect(try db.queryFirst(sql, 2) { $0.int(0) } == 2)
            #expect(try db.queryFirst(sql, 2) { $0.int(0) } == 2)
            #expect(try db.query(sql, 1) { $0.int(0) } == [1, 2, 3, 4, 5])
            #expect(try db.query(sql, 4) { $0.int(0) } == [4, 5])
        }
    }

    @Test("a statement that failed can be reused at once")
    func statementReuseAfterError() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(v TEXT UNIQUE)")
            let sql = "INSERT INTO t(v) VALUES (?)"
            try db.run(sql, "a")
            #expect(throws: SQLiteError.self) { try db.run(sql, "a") }
            try db.run(sql, "b")
            #expect(try db.query("SELECT v FROM t ORDER BY v") { $0.string(0) } == ["a", "b"])
        }
    }

    @Test("a query nested inside another use of the same SQL does not disturb the outer one")
    func nestedUseOfSameSQL() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
            for i in 1...3 { try db.run("INSERT INTO t(id) VALUES (?)", i) }
            let sql = "SELECT id FROM t ORDER BY id"
            var seen: [Int] = []
            struct TooMany: Error {}
            try db.forEach(sql) { row in
                seen.append(row.int(0))
                if seen.count > 10 { throw TooMany() }  // the bug loops forever otherwise
                #expect(try db.query(sql) { $0.int(0) } == [1, 2, 3])
            }
            #expect(seen == [1, 2, 3])
        }
    }

    @Test("forEachIntegerPair hands over every row in the index's order, binds its arguments, and can run again")
    func integerPairs() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(a INTEGER NOT NULL, b INTEGER NOT NULL)")
            try db.execute("CREATE INDEX t_ab ON t(a, b)")
            for (a, b) in [(3, 30), (1, 11), (2, 20), (1, 10), (-5, Int(Int64.max))] {
                try db.run("INSERT INTO t VALUES (?, ?)", a, b)
            }
            func rows(_ rest: String, _ arguments: [any SQLBindable]) throws -> [String] {
                var seen: [String] = []
                try withUnsafeMutablePointer(to: &seen) { seen in
                    try db.forEachIntegerPair("a", "b", from: rest, arguments: arguments, context: seen) { seen, a, b in
                        seen.assumingMemoryBound(to: [String].self).pointee.append("\(a):\(b)")
                    }
                }
                return seen
            }
            #expect(try rows("t WHERE a BETWEEN ? AND ?", [1, 2]) == ["1:10", "1:11", "2:20"])
            #expect(try rows("t WHERE a >= ?", [-10]) == ["-5:\(Int64.max)", "1:10", "1:11", "2:20", "3:30"])
            #expect(try rows("t WHERE a > ?", [99]).isEmpty)
            #expect(throws: SQLiteError.self) { _ = try rows("nowhere", []) }
            #expect(try rows("t WHERE a = 3", []) == ["3:30"])
            // Only for queries orderctl runs itself: not from the schema.
            #expect(throws: SQLiteError.self) {
                try db.execute("CREATE VIEW v AS SELECT orderctl_row_feed(a, b) FROM t; SELECT * FROM v")
            }
        }
    }

    // MARK: values round trip

    static let hostileTexts: [String] = [
        "O'Brien \"the quoted\" `back`",
        "'; DROP TABLE orders;--",
        "Robert'); DROP TABLE t; --",
        "🧑‍🚀 café Ünïcödé 日本語 עברית",
        "tab\tand\nnewline\r\nand crlf",
        "",
        "   spaces   ",
        String(repeating: "ä€😀x'\"", count: 2_000),  // > 10 kB of UTF-8
        String(repeating: "a", count: 10_240),
    ]

    @Test("text round trips exactly", arguments: hostileTexts)
    func textRoundTrip(text: String) throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
            try db.run("INSERT INTO t(id, v) VALUES (?, ?)", 1, text)
            let back = try db.scalarString("SELECT v FROM t WHERE id = ?", 1)
            #expect(back == text)
            #expect(try db.scalarInt("SELECT length(CAST(v AS BLOB)) FROM t") == Int64(text.utf8.count))
            #expect(try db.scalarInt("SELECT count(*) FROM t WHERE v = ?", text) == 1)
            #expect(try db.queryFirst("SELECT v FROM t") { $0.value(0) } == .text(text))
        }
    }

    @Test("the 10 kB strings are really that long")
    func hostileTextsAreLong() {
        #expect(Self.hostileTexts[7].utf8.count > 10_000)
        #expect(Self.hostileTexts[8].utf8.count == 10_240)
    }

    @Test("blobs round trip byte for byte, including NUL bytes")
    func blobRoundTrip() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)")
            let bytes: [UInt8] = Array(0...255) + [0, 0, 255, 0] + Array(repeating: 0xAB, count: 20_000)
            try db.run("INSERT INTO t(id, b) VALUES (?, ?)", 1, SQLValue.blob(bytes))
            #expect(try db.queryFirst("SELECT b FROM t WHERE id = 1") { $0.value(0) } == .blob(bytes))
            #expect(try db.scalarInt("SELECT length(b) FROM t WHERE id = 1") == Int64(bytes.count))
            #expect(try db.scalarString("SELECT typeof(b) FROM t WHERE id = 1") == "blob")
        }
    }

    @Test("an empty blob stays an empty blob, not NULL")
    func emptyBlobRoundTrip() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)")
            try db.run("INSERT INTO t(id, b) VALUES (?, ?)", 1, SQLValue.blob([]))
            #expect(try db.scalarString("SELECT typeof(b) FROM t WHERE id = 1") == "blob")
            #expect(try db.queryFirst("SELECT b FROM t WHERE id = 1") { $0.value(0) } == .blob([]))
        }
    }

    @Test("an empty string stays an empty string, not NULL")
    func emptyTextIsNotNull() throws {
        try withDatabase { db, _ throws in
            #expect(try db.scalarString("SELECT typeof(?)", "") == "text")
            #expect(try db.queryFirst("SELECT ?", "") { $0.value(0) } == .text(""))
        }
    }

    @Test("integers, reals, booleans and NULL round trip")
    func scalarRoundTrip() throws {
        try withDatabase { db, _ throws in
            #expect(try db.queryFirst("SELECT ?", Int64.max) { $0.value(0) } == .integer(Int64.max))
            #expect(try db.queryFirst("SELECT ?", Int64.min) { $0.value(0) } == .integer(Int64.min))
            #expect(try db.queryFirst("SELECT ?", 0.1) { $0.value(0) } == .real(0.1))
            #expect(try db.queryFirst("SELECT ?", true) { $0.value(0) } == .integer(1))
            #expect(try db.queryFirst("SELECT ?", SQLValue.null) { $0.value(0) } == .null)
            #expect(try db.queryFirst("SELECT ?", Int?.none) { $0.isNull(0) } == true)
        }
    }

    // MARK: opening

    @Test("a new database file is created with mode 0600, and so is its WAL")
    func newFileMode() throws {
        try withTempDir { dir throws in
            let path = dir + "/new.db"
            let db = try Database(path: path)
            try db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let wal = path + "-wal"
            #expect(FileManager.default.fileExists(atPath: wal))
            let walMode = try FileManager.default.attributesOfItem(atPath: wal)[.posixPermissions] as? Int
            #expect(walMode == 0o600)
            withExtendedLifetime(db) {}
        }
    }

    @Test("OrderStore creates a missing database (and its folder) privately")
    func storeFileMode() throws {
        try withTempDir { dir throws in
            let path = dir + "/nested/folder/orders.db"
            let store = try OrderStore(path: path)
            #expect(store.created)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let folderMode =
                try FileManager.default.attributesOfItem(atPath: dir + "/nested/folder")[.posixPermissions] as? Int
            #expect(folderMode == 0o700)
        }
    }

    @Test("the connection uses WAL, foreign keys, a 5 s busy timeout and synchronous FULL")
    func connectionSettings() throws {
        try withDatabase { db, _ throws in
            #expect(try db.scalarString("PRAGMA journal_mode") == "wal")
            #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
            #expect(Database.busyTimeoutMilliseconds == 5000)
            #expect(try db.scalarInt("PRAGMA synchronous") == 2)
        }
    }

    @Test("a writer waits for another connection's write transaction instead of failing")
    func writerWaitsForLock() throws {
        try withDatabase { db, path throws in
            try db.execute("CREATE TABLE t(x INTEGER)")
            // Used from one thread at a time: this one, then the releasing thread.
            nonisolated(unsafe) let holder = try Database(path: path)
            try holder.execute("BEGIN IMMEDIATE")
            try holder.execute("INSERT INTO t VALUES (1)")
            let released = DispatchSemaphore(value: 0)
            // Release the lock a little later, from another thread.
            Thread.detachNewThread {
                usleep(300_000)
                try? holder.execute("COMMIT")
                released.signal()
            }
            // Without a busy handler this would fail at once with SQLITE_BUSY.
            try db.transaction { try db.run("INSERT INTO t VALUES (2)") }
            released.wait()
            #expect(try db.query("SELECT x FROM t ORDER BY x") { $0.int(0) } == [1, 2])
        }
    }

    @Test("a missing file is not created when create is false")
    func missingFileWithoutCreate() throws {
        try withTempDir { dir throws in
            let path = dir + "/absent.db"
            let error = #expect(throws: SQLiteError.self) { _ = try Database(path: path, create: false) }
            #expect(error?.code == SQLiteCode.cantOpen)
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(throws: OrderError.noDatabase(path: path)) { _ = try OrderStore(path: path, mode: .existing) }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    static let notDatabases: [String] = [
        String(repeating: "This is a text file, not a database.\n", count: 100),
        "SQLite format 3\0" + String(repeating: "garbage!", count: 200),
    ]

    @Test(
        "opening a file that is not a database fails clearly and leaves the file alone",
        arguments: notDatabases)
    func notADatabase(content: String) throws {
        try withTempDir { dir throws in
            let path = dir + "/notes.txt"
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SQLiteError.self) { _ = try Database(path: path) }
            #expect(error?.primaryCode == SQLiteCode.notADatabase)
            #expect(throws: OrderError.databaseNotOrderctl(path: path, reason: "the file is not an SQLite database")) {
                _ = try OrderStore(path: path)
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(content.utf8))
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }
}
