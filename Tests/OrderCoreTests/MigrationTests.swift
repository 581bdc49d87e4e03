import Crypto
import Foundation
import Testing

@testable import OrderCore

@Suite("Schema and migrations")
struct MigrationTests {
    static let coreTables: Set<String> = [
        "settings", "customers", "products", "stock_moves", "orders", "order_lines", "order_events",
    ]

    func tables(_ db: Database) throws -> Set<String> {
        Set(
            try db.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                $0.string(0)
            })
    }

    func columns(_ db: Database, _ table: String) throws -> [String] {
        try db.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", table) { $0.string(0) }
    }

    /// Bytes 18 and 19 of the SQLite header: 1 for a rollback journal, 2 for WAL.
    func headerJournalBytes(_ path: String) throws -> [UInt8] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return Array(data[18...19])
    }

    static let synthetic = """
        -- A preamble that is not part of any step.
        -- step 1: base
        CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL);

        -- step 2: add a colour
        ALTER TABLE items ADD COLUMN colour TEXT NOT NULL DEFAULT 'red';
        CREATE INDEX items_colour ON items(colour);
        """

    // MARK: the real schema, from an older version

    @Test("an upgrade is announced once, before its first step; creating a database is not")
    func upgradeAnnounced() throws {
        try withTempDir { dir throws in
            let path = dir + "/a.db"
            let db = try Database(path: path)
            var calls: [String] = []
            try Migrations.migrate(
                db, path: path, steps: Array(Migrations.steps.prefix(1)), upgrading: { calls.append("\($0)->\($1)") })
            #expect(calls.isEmpty)
            try Migrations.migrate(db, path: path, upgrading: { calls.append("\($0)->\($1)") })
            #expect(calls == ["1->\(Migrations.latestVersion)"])
            try Migrations.migrate(db, path: path, upgrading: { calls.append("\($0)->\($1)") })
            #expect(calls.count == 1)
        }
    }

    @Test("the store tells its onUpgrade about an upgrade, once, after the backup and before the first step")
    func storeUpgradeAnnounced() throws {
        try withTempDir { dir throws in
            let path = dir + "/v1.db"
            do {
                let db = try Database(path: path)
                try Migrations.migrate(db, path: path, steps: Array(Migrations.steps.prefix(1)))
            }
            var calls: [(path: String, from: Int, to: Int, backup: String, version: Int)] = []
            let store = try OrderStore(
                path: path, mode: .existing, clock: { fixedNow },
                onUpgrade: { path, from, to, backup in
                    let version = try? Database(path: path, readOnly: true, wal: false).userVersion
                    calls.append((path, from, to, backup, version ?? -1))
                })
            #expect(store.schemaVersion == Migrations.latestVersion)
            try #require(calls.count == 1)
            #expect(calls[0].path == path)
            #expect(calls[0].from == 1 && calls[0].to == Migrations.latestVersion)
            #expect(calls[0].version == 1, "announced before the first step commits")
            #expect(calls[0].backup.contains("-pre-v1-to-v\(Migrations.latestVersion)-"), "\(calls[0].backup)")
            #expect(FileManager.default.fileExists(atPath: calls[0].backup))
            _ = try OrderStore(
                path: path, mode: .existing, onUpgrade: { _, _, _, _ in calls.append(("", 0, 0, "", 0)) })
            #expect(calls.count == 1)
        }
    }

    @Test("an upgrade that cannot get the write lock in time throws databaseBusy and leaves the version as it was")
    func upgradeBusy() throws {
        try withTempDir { dir throws in
            let path = dir + "/v1.db"
            let holder = try Database(path: path)
            try Migrations.migrate(holder, path: path, steps: Array(Migrations.steps.prefix(1)))
            try holder.execute("BEGIN IMMEDIATE")
            defer { try? holder.execute("ROLLBACK") }
            #expect(throws: OrderError.databaseBusy(path: path)) {
                _ = try OrderStore(path: path, mode: .existing, clock: { fixedNow })
            }
            #expect(try holder.userVersion == 1)
        }
    }

    @Test("a version-1 database with orders reaches the latest version, keeps its data, and its history verifies")
    func upgradeFromVersionOne() throws {
        try withTempDir { dir throws in
            let path = dir + "/v1.db"
            do {
                // Build the database as an orderctl of schema version 1 would have left it.
                let db = try Database(path: path)
                try Migrations.migrate(db, path: path, steps: Array(Migrations.steps.prefix(1)))
                #expect(try db.userVersion == 1)
                try db.execute(
                    """
                    INSERT INTO settings(key, value) VALUES ('timezone', 'Europe/Berlin'), ('currency', 'EUR');
                    INSERT INTO customers(id, name, email, created_at) VALUES (1, 'Ann', 'ann@example.com', '2026-01-01T00:00:00Z');
                    INSERT INTO products(id, sku, name, price, currency, track_stock, on_hand, reserved, created_at, updated_at)
                        VALUES (1, 'MUG', 'Mug', 1250, 'EUR', 1, 10, 2, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
                    INSERT INTO orders(id, ref, customer_id, channel, shipping, currency, total, item_count, class, class_reason,
                                       placed_at, created_at, updated_at)
                        VALUES (1, 'OLD-1', 1, 'web', 'standard', 'EUR', 2500, 2, 'standard', 'no rule matched',
                                '2026-01-02T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-02T10:00:00Z');
                    INSERT INTO order_lines(order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source, reserved)
                        VALUES (1, 1, 1, 'MUG', 'Mug', 2, 1250, 2500, 'catalog', 2);
                    INSERT INTO order_events(order_id, seq, at, kind, new_value, detail) VALUES
                        (1, 1, '2026-01-02T10:00:00Z', 'created', 'pending', '1 line, 2 units, total 25.00 EUR'),
                        (1, 2, '2026-01-02T10:00:00Z', 'classified', 'standard', 'no rule matched');
                    """)
            }
            let store = try OrderStore(path: path, mode: .existing, clock: { fixedNow })
            #expect(store.schemaVersion == OrderStore.latestSchemaVersion)
            #expect(!store.created)
            let order = try store.order("OLD-1")
            #expect(order.summary.total.minor == 2500)
            #expect(order.events.map(\.kind) == ["created", "classified"])
            #expect(order.paid.minor == 0)
            #expect(order.lines.map(\.returned) == [0])
            // Step 3 summed the old order into the daily and monthly sums stats reads.
            #expect(
                try store.db.scalarString(
                    "SELECT day || ' ' || orders || ' ' || units || ' ' || gross FROM stats_daily")
                    == "2026-01-02 1 2 2500")
            #expect(try store.db.scalarString("SELECT month || ' ' || orders FROM stats_monthly") == "2026-01 1")
            #expect(
                try store.db.scalarString("SELECT day || ' ' || lines || ' ' || units FROM stats_daily_product")
                    == "2026-01-02 1 2")
            // The old events got their hashes, and the chain holds.
            #expect(
                try store.db.scalarInt("SELECT count(*) FROM order_events WHERE hash IS NULL OR prev_hash IS NULL") == 0
            )
            let report = try store.verifyHistory()
            #expect(report.problem == nil)
            #expect(report.eventsChecked == 2)
            // The append-only guard is back after the backfill.
            #expect(throws: SQLiteError.self) {
                try store.db.execute("UPDATE order_events SET detail = 'x' WHERE seq = 1")
            }
            // And the order moves on, chained to the old events.
            _ = try store.confirm("OLD-1")
            _ = try store.ship("OLD-1")
            #expect(try store.verifyHistory().problem == nil)
            #expect(try store.product("MUG").onHand == 8)
            #expect(try store.product("MUG").reserved == 0)
        }
    }

    /// stats_daily_product worked out from the orders and their lines with plain SQL:
    /// orders holding the product (cancelled, with a shipped unit, with a returned one),
    /// units and values of the kept ones.
    static func productSumsFromLines(_ db: Database) throws -> [String] {
        try db.query(
            """
            SELECT substr(o.placed_at, 1, 10), o.currency, l.product_id, count(DISTINCT o.id),
                   count(DISTINCT iif(o.status = 'cancelled', o.id, NULL)),
                   sum(iif(o.status <> 'cancelled', l.quantity, 0)), sum(iif(o.status <> 'cancelled', l.line_total, 0)),
                   sum(iif(o.status <> 'cancelled', l.returned * l.unit_price, 0)),
                   count(DISTINCT iif(o.status <> 'cancelled' AND l.shipped > 0, o.id, NULL)),
                   count(DISTINCT iif(o.status <> 'cancelled' AND l.shipped > 0 AND l.returned > 0, o.id, NULL))
            FROM orders o JOIN order_lines l ON l.order_id = o.id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """
        ) { r in (0..<10).map { "\(r.value($0))" }.joined(separator: "|") }
    }

    static func productSums(_ db: Database) throws -> [String] {
        try db.query(
            """
            SELECT day, currency, product_id, lines, cancelled, units, gross, returned_value, shipped, returned
            FROM stats_daily_product WHERE lines <> 0 OR units <> 0 OR gross <> 0 ORDER BY 1, 2, 3
            """
        ) { r in (0..<10).map { "\(r.value($0))" }.joined(separator: "|") }
    }

    @Test(
        "step 7 rebuilds order_lines without UNIQUE (order_id, product_id): every row and reference kept, a SKU counted once per order"
    )
    func upgradeToSeveralLinesPerProduct() throws {
        try withTempDir { dir throws in
            let path = dir + "/v6.db"
            let before: [String: [String]]
            do {
                // A version-6 database with an order shipped in part and returned in part.
                let db = try Database(path: path)
                try Migrations.migrate(
                    db, path: path, steps: Array(Migrations.steps.prefix(6)), swiftSteps: Migrations.swiftSteps)
                #expect(try db.userVersion == 6)
                try db.execute(
                    """
                    INSERT INTO settings(key, value) VALUES ('timezone', 'Europe/Berlin'), ('currency', 'EUR');
                    INSERT INTO customers(id, name, email, created_at) VALUES (1, 'Ann', 'ann@example.com', '2026-01-01T00:00:00Z');
                    INSERT INTO products(id, sku, name, price, currency, track_stock, on_hand, reserved, created_at, updated_at) VALUES
                        (1, 'MUG', 'Mug', 1250, 'EUR', 0, 0, 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
                        (2, 'TEE', 'Tee', 2000, 'EUR', 0, 0, 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
                    INSERT INTO orders(id, ref, customer_id, channel, shipping, currency, total, item_count, class, class_reason,
                                       placed_at, created_at, updated_at, status, fulfilment_status)
                        VALUES (1, 'OLD-1', 1, 'web', 'standard', 'EUR', 4500, 3, 'standard', 'no rule matched',
                                '2026-01-02T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-02T10:00:00Z', 'processing', 'partial');
                    INSERT INTO order_lines(id, order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source, shipped, returned)
                        VALUES (10, 1, 1, 1, 'MUG', 'Mug', 2, 1250, 2500, 'catalog', 2, 1),
                               (11, 1, 2, 2, 'TEE', 'Tee', 1, 2000, 2000, 'catalog', 0, 0);
                    INSERT INTO shipments(id, order_id, shipped_at) VALUES (1, 1, '2026-01-03T10:00:00Z');
                    INSERT INTO shipment_lines(shipment_id, order_line_id, quantity) VALUES (1, 10, 2);
                    INSERT INTO returns(id, order_id, restock, at) VALUES (1, 1, 0, '2026-01-05T10:00:00Z');
                    INSERT INTO return_lines(return_id, order_line_id, quantity) VALUES (1, 10, 1);
                    """)
                before = try dump(db)
                #expect(try Self.productSums(db) == Self.productSumsFromLines(db))
            }
            let store = try OrderStore(path: path, mode: .existing, clock: { fixedNow })
            let db = store.db
            #expect(try db.userVersion == Migrations.latestVersion)
            // Every row of every table as it was; every reference still resolves, and is enforced.
            var after = try dump(db)
            after["user_version"] = before["user_version"]
            after["schema_objects"] = nil  // step 8's table, made by the upgrade
            for table in ["shops", "shop_orders", "intake"] { after[table] = nil }  // step 9's, empty
            // Step 9's two reminder rules, added after the ones there were.
            let newRules =
                after["rules"]?.filter { $0.hasPrefix(#"text("shop-sync")|"#) || $0.hasPrefix(#"text("inbox")|"#) }
                ?? []
            #expect(newRules.count == 2 && newRules.allSatisfy { $0.contains("|integer(1)|") }, "\(newRules)")
            after["rules"] = after["rules"]?.filter { !newRules.contains($0) }
            #expect(after == before)
            #expect(try db.scalarInt("SELECT count(*) FROM pragma_foreign_key_check") == 0)
            #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
            #expect(try db.scalarInt("PRAGMA legacy_alter_table") == 0)
            #expect(try db.scalarString("PRAGMA integrity_check") == "ok")
            #expect(try db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%order_lines_before_7%'") == 0)
            #expect(throws: SQLiteError.self) {
                try db.execute("INSERT INTO shipment_lines(shipment_id, order_line_id, quantity) VALUES (1, 99, 1)")
            }
            #expect(
                Set(
                    try db.query("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'order_lines'") {
                        $0.string(0)
                    })
                    == ["order_lines_stats_insert", "order_lines_stats_update", "order_lines_stats_delete"])
            // A second line of MUG at another price: allowed now, and the order counts once.
            try db.execute(
                """
                INSERT INTO order_lines(id, order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source)
                    VALUES (12, 1, 3, 1, 'MUG', 'Mug', 4, 1000, 4000, 'override')
                """)
            #expect(try Self.productSums(db) == Self.productSumsFromLines(db))
            #expect(
                try db.scalarString(
                    "SELECT lines || ' ' || units || ' ' || gross || ' ' || shipped || ' ' || returned FROM stats_daily_product WHERE product_id = 1"
                )
                    == "1 6 6500 1 1")
            // Each change of either line, and of the order, keeps the sums equal to the lines'.
            for change in [
                "UPDATE order_lines SET shipped = 4 WHERE id = 12",
                "UPDATE order_lines SET returned = 1 WHERE id = 12",
                "UPDATE order_lines SET shipped = 2, returned = 0 WHERE id = 10",
                "UPDATE order_lines SET product_id = 2 WHERE id = 12",
                "UPDATE order_lines SET product_id = 1 WHERE id = 12",
                "UPDATE orders SET status = 'cancelled' WHERE id = 1",
                "UPDATE orders SET placed_at = '2026-01-04T10:00:00Z' WHERE id = 1",
                "UPDATE orders SET status = 'processing' WHERE id = 1",
                "DELETE FROM shipment_lines; DELETE FROM return_lines; DELETE FROM order_lines WHERE id = 10",
                "DELETE FROM order_lines WHERE id = 12",
            ] {
                try db.execute(change)
                #expect(try Self.productSums(db) == Self.productSumsFromLines(db), "after \(change)")
            }
        }
    }

    // MARK: the embedded schema

    /// Every shipped step by the SHA-256 of its SQL (white space at its ends aside). A
    /// database out there was made by exactly that text: a shipped step is never edited,
    /// only followed by a new one. Add the new step's line here when it ships.
    static let shippedSteps: [Int: String] = [
        1: "ba00a6ad147c79b802f822d006f41709386dd3337afb5c0783050a7d1cf82a08",
        2: "3aa60a717e428bc388ff947396393cfc5e41b243d679efdc78207eaabaf6f41d",
        3: "4515efba8c5a06b9673e813e2ac054ef5360f714159d9e170a729000f01f270b",
        4: "4e4c09e79c4576196135635f8d17af1fe618cc1b1ad8075bce8dd9bb5cf9fbbf",
        5: "46cd6ae35f43d998cea4b545f90531dac097c405304fa27f8445ddf5643ed0b8",
        6: "00d2f22ee1411b32ecae985a77b15aa301576652c97e8a4584438e4928b8ad35",
        7: "b4141bee495eb1460c06bb0f3b1a63063e63558e20eec9edf37696447508350c",
        8: "54452cfed2aa812f8aa7bdf3a25eb9c16abf9e159d2ee0de2610428a70613bcd",
        9: "0d544a2fe31dc3c76037c3b295e2598bd357a1590e3299342355840a09da6a09",
    ]

    @Test("no shipped schema step was edited, and every step is pinned")
    func shippedStepsUnchanged() throws {
        for step in Migrations.steps {
            let text = step.sql.trimmingCharacters(in: .whitespacesAndNewlines)
            let digest = SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
            let pinned = try #require(
                Self.shippedSteps[step.version],
                "step \(step.version) (\(step.title)) is not pinned: add \(step.version): \"\(digest)\"")
            #expect(
                digest == pinned,
                "step \(step.version) (\(step.title)) was edited after it shipped: databases made by it differ from it; add a new step instead"
            )
        }
        #expect(Self.shippedSteps.count == Migrations.steps.count, "a pinned step is missing from schema.sql")
    }

    @Test("the embedded schema has consecutive steps, and the latest version is the last step")
    func embeddedSteps() throws {
        let steps = Migrations.steps
        #expect(!steps.isEmpty)
        #expect(steps.map(\.version) == Array(1...steps.count))
        #expect(steps.first?.title == "initial schema")
        #expect(OrderStore.latestSchemaVersion == steps.count)
        #expect(Migrations.latestVersion == steps.count)
    }

    @Test("parse splits steps at their headers and ignores the preamble")
    func parseSteps() {
        let steps = Migrations.parse(Self.synthetic)
        #expect(steps.map(\.version) == [1, 2])
        #expect(steps.map(\.title) == ["base", "add a colour"])
        #expect(!steps[0].sql.contains("preamble"))
        #expect(steps[0].sql.contains("CREATE TABLE items"))
        #expect(!steps[0].sql.contains("ALTER TABLE"))
        #expect(steps[1].sql.contains("ALTER TABLE items ADD COLUMN colour"))
        #expect(steps[1].sql.contains("CREATE INDEX items_colour"))
    }

    // MARK: reaching the latest version

    @Test("a new file reaches the latest version with every table, and pins the time zone")
    func newFile() throws {
        try withTempDir { dir throws in
            let path = dir + "/orders.db"
            let store = try OrderStore(path: path)
            #expect(store.created)
            #expect(store.schemaVersion == OrderStore.latestSchemaVersion)
            #expect(try tables(store.db).isSuperset(of: Self.coreTables))
            #expect(try store.rawSetting("timezone") == TimeZone.current.identifier)
            #expect(try store.db.scalarString("PRAGMA integrity_check") == "ok")
            #expect(try store.db.scalarInt("SELECT count(*) FROM pragma_foreign_key_check") == 0)
        }
    }

    @Test("an empty file reaches the latest version with every table when opened to write; to read, it is refused")
    func emptyFile() throws {
        try withTempDir { dir throws in
            let path = dir + "/empty.db"
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            // A command that expects a database does not take an empty file for a new shop.
            #expect(throws: OrderError.self) { try OrderStore(path: path, mode: .existing) }
            let store = try OrderStore(path: path, mode: .create)
            #expect(store.schemaVersion == OrderStore.latestSchemaVersion)
            #expect(try store.db.userVersion == OrderStore.latestSchemaVersion)
            #expect(try tables(store.db).isSuperset(of: Self.coreTables))
            // The store works on it.
            try store.addProduct(NewProduct(sku: "A", name: "A", price: "1"))
            #expect(try store.products().map(\.sku) == ["A"])
        }
    }

    @Test("an empty file is set up like a new one: the time zone is pinned")
    func emptyFilePinsTimeZone() throws {
        try withTempDir { dir throws in
            let path = dir + "/empty.db"
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let store = try OrderStore(path: path)
            #expect(try store.rawSetting("timezone") == TimeZone.current.identifier)
        }
    }

    @Test("reopening an up-to-date database changes nothing and keeps the data")
    func reopen() throws {
        try withTempDir { dir throws in
            let path = dir + "/orders.db"
            do {
                let store = try OrderStore(path: path)
                try store.addProduct(NewProduct(sku: "MUG", name: "Mug", price: "12.50", stock: 3))
            }
            let before = try dump(try Database(path: path))
            let again = try OrderStore(path: path, mode: .existing)
            #expect(!again.created)
            #expect(again.schemaVersion == OrderStore.latestSchemaVersion)
            #expect(try dump(again.db) == before)
            #expect(try again.product("MUG").onHand == 3)
        }
    }

    @Test("a database at an earlier user_version is brought to the latest, keeping its data")
    func upgradeFromEarlierVersion() throws {
        try withDatabase { db, path throws in
            let steps = Migrations.parse(Self.synthetic)
            try Migrations.migrate(db, path: path, steps: Array(steps.prefix(1)))
            #expect(try db.userVersion == 1)
            #expect(try columns(db, "items") == ["id", "name"])
            try db.run("INSERT INTO items(id, name) VALUES (?, ?)", 1, "kept")
            try db.run("INSERT INTO items(id, name) VALUES (?, ?)", 2, "also kept")

            try Migrations.migrate(db, path: path, steps: steps)
            #expect(try db.userVersion == 2)
            #expect(try columns(db, "items") == ["id", "name", "colour"])
            #expect(
                try db.query("SELECT id, name, colour FROM items ORDER BY id") {
                    "\($0.int(0)) \($0.string(1)) \($0.string(2))"
                }
                    == ["1 kept red", "2 also kept red"])
            #expect(
                try db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'items_colour'")
                    == 1)

            // Running it again is a no-op.
            let before = try dump(db)
            try Migrations.migrate(db, path: path, steps: steps)
            #expect(try dump(db) == before)
        }
    }

    @Test("a failing step rolls back that step only, leaving user_version at the last good step")
    func failingStepRollsBack() throws {
        try withDatabase { db, path throws in
            let text =
                Self.synthetic + """

                    -- step 3: broken
                    ALTER TABLE items ADD COLUMN size INTEGER;
                    CREATE TABLE half_done(x);
                    INSERT INTO no_such_table VALUES (1);
                    """
            let steps = Migrations.parse(text)
            #expect(steps.count == 3)
            let error = #expect(throws: SQLiteError.self) { try Migrations.migrate(db, path: path, steps: steps) }
            #expect(error?.message.contains("no_such_table") == true)
            #expect(error?.sql == steps[2].sql)
            #expect(try db.userVersion == 2)
            #expect(try columns(db, "items") == ["id", "name", "colour"])
            #expect(try tables(db) == ["items"])
            // The connection is usable afterwards and a fixed step 3 applies.
            var fixed = steps
            fixed[2] = Migrations.Step(version: 3, title: "fixed", sql: "ALTER TABLE items ADD COLUMN size INTEGER;")
            try Migrations.migrate(db, path: path, steps: fixed)
            #expect(try db.userVersion == 3)
            #expect(try columns(db, "items") == ["id", "name", "colour", "size"])
        }
    }

    @Test("a failing step after good ones keeps the good ones")
    func failingLaterStepKeepsEarlierOnes() throws {
        try withDatabase { db, path throws in
            let steps = Migrations.parse(Self.synthetic + "\n-- step 3: broken\nCREATE TABLE items(x);\n")
            #expect(throws: SQLiteError.self) { try Migrations.migrate(db, path: path, steps: steps) }
            #expect(try db.userVersion == 2)
            #expect(try columns(db, "items") == ["id", "name", "colour"])
        }
    }

    // MARK: refusing databases that are not ours

    @Test("a database with a newer user_version than supported is refused, untouched")
    func newerSchema() throws {
        try withTempDir { dir throws in
            let path = dir + "/future.db"
            do {
                let db = try Database(path: path)
                try db.execute(
                    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT; PRAGMA user_version = 99;"
                )
            }
            let latest = OrderStore.latestSchemaVersion
            #expect(throws: OrderError.newerSchema(path: path, version: 99, supported: latest)) {
                _ = try OrderStore(path: path)
            }
            let db = try Database(path: path)
            #expect(try db.userVersion == 99)
            #expect(try tables(db) == ["settings"])

            let steps = Migrations.parse(Self.synthetic)
            #expect(throws: OrderError.newerSchema(path: path, version: 99, supported: 2)) {
                try Migrations.migrate(db, path: path, steps: steps)
            }
        }
    }

    @Test("a foreign SQLite database (other tables, user_version 0) is refused")
    func foreignDatabase() throws {
        try withTempDir { dir throws in
            let path = dir + "/other.db"
            do {
                let db = try Database(path: path)
                try db.execute(
                    "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('hello');")
            }
            let error = #expect(throws: OrderError.self) { _ = try OrderStore(path: path) }
            guard case .databaseNotOrderctl(let p, let reason)? = error else {
                Issue.record("expected databaseNotOrderctl, got \(String(describing: error))")
                return
            }
            #expect(p == path)
            #expect(reason.contains("1"))
            let db = try Database(path: path)
            #expect(try tables(db) == ["notes"])
            #expect(try db.userVersion == 0)
            #expect(try db.scalarString("SELECT body FROM notes") == "hello")
        }
    }

    @Test("refusing a foreign SQLite database leaves its file byte for byte as it was")
    func foreignDatabaseUntouched() throws {
        try withTempDir { dir throws in
            let path = dir + "/other.db"
            do {
                let db = try Database(path: path)
                _ = try db.scalarString("PRAGMA journal_mode = DELETE")
                try db.execute(
                    "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('hello');")
            }
            #expect(try headerJournalBytes(path) == [1, 1])
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(throws: OrderError.self) { _ = try OrderStore(path: path) }
            #expect(try headerJournalBytes(path) == [1, 1])
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
    }

    // MARK: concurrency

    // The races below show up in roughly 1 to 3 rounds in 100, so each test runs 100
    // rounds (about 2 s); with the bugs present they fail most of the time.

    @Test("two stores opening the same new file at the same moment both succeed")
    func concurrentOpen() throws {
        try withTempDir { dir throws in
            for round in 0..<100 {
                let path = dir + "/race-\(round)/orders.db"
                let results = Collector<String>()
                DispatchQueue.concurrentPerform(iterations: 2) { _ in
                    do {
                        let store = try OrderStore(path: path)
                        results.append("ok \(store.schemaVersion)")
                    } catch {
                        results.append("error: \(error)")
                    }
                }
                let expected = "ok \(OrderStore.latestSchemaVersion)"
                #expect(results.all == [expected, expected], "round \(round)")
                let db = try Database(path: path)
                #expect(try db.userVersion == OrderStore.latestSchemaVersion)
                #expect(try tables(db).isSuperset(of: Self.coreTables))
                #expect(try db.scalarInt("SELECT count(*) FROM settings WHERE key = 'timezone'") == 1)
            }
        }
    }

    @Test("migrating the same file from two connections at once applies each step once")
    func concurrentMigrate() throws {
        try withTempDir { dir throws in
            for round in 0..<100 {
                let path = dir + "/m\(round).db"
                _ = try Database(path: path)
                let results = Collector<String>()
                DispatchQueue.concurrentPerform(iterations: 2) { _ in
                    do {
                        let db = try Database(path: path)
                        try Migrations.migrate(db, path: path, steps: Migrations.parse(Self.synthetic))
                        results.append("ok \(try db.userVersion)")
                    } catch {
                        results.append("error: \(error)")
                    }
                }
                #expect(results.all == ["ok 2", "ok 2"], "round \(round)")
            }
        }
    }
}
