import Foundation

/// One thing `orderctl doctor` found: what it is about, what is wrong, what to do.
public struct Finding: Sendable, Equatable {
    public enum Severity: String, Sendable {
        /// The data is wrong or damaged: exit 1.
        case problem
        /// Something to look after (an old backup, a loose permission): exit 3.
        case warning
    }

    public var severity: Severity
    /// The check that found it: integrity, schema, foreign-keys, history, stock, lines, payment,
    /// fulfilment, summaries, status-times, lead-times, files, wal, backup, disk.
    public var check: String
    /// What it is about: a file, an order's ref, a product's SKU, a table.
    public var subject: String
    public var message: String
    /// What to do about it.
    public var fix: String

    public init(severity: Severity, check: String, subject: String, message: String, fix: String) {
        self.severity = severity
        self.check = check
        self.subject = subject
        self.message = message
        self.fix = fix
    }
}

/// Everything doctor looked at, and what it found.
public struct DoctorReport: Sendable {
    public var checks: [String]
    public var findings: [Finding]
    public var problems: Int { findings.filter { $0.severity == .problem }.count }
    public var warnings: Int { findings.filter { $0.severity == .warning }.count }
}

/// What `doctor` checks in the files around a database before anything opens it (an
/// open would make a missing `-shm` again and hide what happened).
public struct DatabaseFiles: Sendable {
    public var walBytes: Int64?
    public var shmExists: Bool
    /// A write-ahead log whose every committed page the database file already holds as
    /// it is there: nothing in it is lost or changed when it is replayed.
    public var walRedundant = false

    public static func look(at path: String) -> DatabaseFiles {
        let wal = FileManager.default.fileExists(atPath: path + "-wal") ? fileSize(path + "-wal") : nil
        let shm = FileManager.default.fileExists(atPath: path + "-shm")
        // Only a lone log is read: SQLite's last connection, as it closes, checkpoints,
        // removes the -shm, then the -wal; a process killed between the two leaves a log
        // it had already copied into the file.
        let redundant = wal != nil && !shm && WALFile.isRedundant(wal: path + "-wal", database: path)
        return DatabaseFiles(walBytes: wal, shmExists: shm, walRedundant: redundant)
    }
}

/// Reads SQLite's write-ahead log format (sqlite.org/fileformat2.html#walformat): a
/// 32-byte header (magic, version, page size, checkpoint, two salts, checksum), then
/// frames of a 24-byte header (page number, database size for a commit frame, the
/// salts, checksum) and one page each.
enum WALFile {
    /// True when every page the log's committed frames hold (the last copy of each)
    /// equals that page in the database file. Conservative: a frame whose checksum would
    /// end the log early counts as committed content, so a torn log is never redundant.
    static func isRedundant(wal: String, database: String) -> Bool {
        guard let log = FileManager.default.contents(atPath: wal), let db = FileHandle(forReadingAtPath: database)
        else { return false }
        defer { try? db.close() }
        let bytes = [UInt8](log)
        if bytes.isEmpty { return true }
        guard bytes.count >= 32 else { return false }
        func u32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        let magic = u32(0)
        guard magic == 0x377f_0682 || magic == 0x377f_0683 else { return false }
        var pageSize = u32(8)
        if pageSize == 1 { pageSize = 65536 }
        guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0 else { return false }
        let salts = (u32(16), u32(20))
        var lastFrame: [Int: Int] = [:]  // page -> offset of its last committed copy
        var pending: [Int: Int] = [:]
        var offset = 32
        while offset + 24 + pageSize <= bytes.count {
            guard (u32(offset + 8), u32(offset + 12)) == salts else { break }
            let page = u32(offset)
            guard page > 0 else { return false }
            pending[page] = offset + 24
            if u32(offset + 4) != 0 {
                lastFrame.merge(pending) { $1 }
                pending = [:]
            }
            offset += 24 + pageSize
        }
        for (page, at) in lastFrame {
            guard (try? db.seek(toOffset: UInt64((page - 1) * pageSize))) != nil,
                let stored = try? db.read(upToCount: pageSize), stored.count == pageSize,
                stored.elementsEqual(bytes[at..<at + pageSize])
            else { return false }
        }
        return true
    }
}

/// The derived data doctor compares with a rebuild, and `doctor --repair` rebuilds:
/// the daily and monthly sums stats reads, the time orders entered their status, and
/// the lead times kept on each order. Each is (name, kept rows, rebuilt rows), as SQL.
enum Derived {
    static let leadTimes = """
        SELECT id, (SELECT (unixepoch(min(s.shipped_at)) - unixepoch(o.placed_at)) / 3600 FROM shipments s WHERE s.order_id = o.id) AS ship,
               (SELECT CASE WHEN count(*) > 0 AND count(*) = count(s.delivered_at)
                            THEN (unixepoch(max(s.delivered_at)) - unixepoch(min(s.shipped_at))) / 3600 END
                  FROM shipments s WHERE s.order_id = o.id) AS delivery
        FROM orders o
        """
    static let statusTimes = """
        SELECT id, coalesce((SELECT e.at FROM order_events e WHERE e.order_id = o.id AND e.kind IN ('created', 'status') ORDER BY e.seq DESC LIMIT 1), placed_at) AS status_at,
               (SELECT e.at FROM order_events e WHERE e.order_id = o.id AND e.kind = 'status' AND e.old_value = 'pending'
                   AND e.new_value NOT IN ('on_hold', 'cancelled') ORDER BY e.seq LIMIT 1) AS confirmed_at
        FROM orders o
        """
    /// How long orders stayed in each status, from the history (`StatusTimes.fill` adds
    /// these rows; doctor compares them with what the trigger kept).
    static let statusDurations = """
        SELECT old_value, hours, count(*) FROM (
            SELECT e.kind, e.old_value,
                   max(0, (unixepoch(e.at) - unixepoch(lag(e.at) OVER (PARTITION BY e.order_id ORDER BY e.seq))) / 3600) AS hours
              FROM order_events e WHERE e.kind IN ('created', 'status'))
         WHERE kind = 'status' AND old_value IS NOT NULL AND hours IS NOT NULL
         GROUP BY 1, 2
        """
    static let daily = """
        SELECT substr(placed_at, 1, 10) AS day, currency, count(*) AS orders, sum(status = 'cancelled') AS cancelled,
               sum(iif(status <> 'cancelled', item_count, 0)) AS units, sum(iif(status <> 'cancelled', total, 0)) AS gross,
               sum(iif(status <> 'cancelled', refunded_total, 0)) AS refunds,
               sum(status <> 'cancelled' AND fulfilment_status <> 'unfulfilled') AS shipped,
               sum(status <> 'cancelled' AND fulfilment_status IN ('partially_returned', 'returned')) AS returned
        FROM orders GROUP BY 1, 2
        """
    static let dailyLead = """
        SELECT substr(placed_at, 1, 10) AS day, currency, 'ship' AS kind, ship_hours AS hours, count(*) AS orders FROM orders
        WHERE status <> 'cancelled' AND ship_hours IS NOT NULL GROUP BY 1, 2, 4
        UNION ALL
        SELECT substr(placed_at, 1, 10), currency, 'delivery', delivery_hours, count(*) FROM orders
        WHERE status <> 'cancelled' AND delivery_hours IS NOT NULL GROUP BY 1, 2, 4
        """
    /// One count per order and product, however many lines the product has in it (step 7).
    static let dailyProduct = """
        SELECT day, currency, product_id, count(*) AS lines, sum(c) AS cancelled, sum(u) AS units, sum(g) AS gross,
               sum(rv) AS returned_value, sum(s) AS shipped, sum(r) AS returned FROM (
            SELECT substr(o.placed_at, 1, 10) AS day, o.currency AS currency, l.product_id AS product_id, o.status = 'cancelled' AS c,
                   sum(iif(o.status <> 'cancelled', l.quantity, 0)) AS u, sum(iif(o.status <> 'cancelled', l.line_total, 0)) AS g,
                   sum(iif(o.status <> 'cancelled', l.returned * l.unit_price, 0)) AS rv,
                   max(o.status <> 'cancelled' AND l.shipped > 0) AS s, max(o.status <> 'cancelled' AND l.shipped > 0 AND l.returned > 0) AS r
            FROM order_lines l JOIN orders o ON o.id = l.order_id GROUP BY o.id, l.product_id)
        GROUP BY 1, 2, 3
        """

    /// Rows of `table` (but those the triggers emptied) and of `rebuild` that differ. The
    /// rebuild is computed once, into a temporary table (status durations sort 5M events
    /// at 1M orders: 12 s a time).
    static func differing(_ db: Database, table: String, count: String, rebuild: String) throws -> Int64 {
        defer { try? db.execute("DROP TABLE IF EXISTS temp.doctor_rebuild") }
        try db.execute("DROP TABLE IF EXISTS temp.doctor_rebuild; CREATE TEMP TABLE doctor_rebuild AS \(rebuild)")
        return try db.scalarInt(
            """
            SELECT (SELECT count(*) FROM (SELECT * FROM \(table) WHERE \(count) <> 0 EXCEPT SELECT * FROM temp.doctor_rebuild))
                 + (SELECT count(*) FROM (SELECT * FROM temp.doctor_rebuild EXCEPT SELECT * FROM \(table)))
            """)
    }

    /// The key columns of each summary table (its primary key, in order).
    static let keys: [String: [String]] = [
        "stats_daily": ["day", "currency"], "stats_daily_lead": ["day", "currency", "kind", "hours"],
        "stats_daily_product": ["day", "currency", "product_id"], "stats_monthly": ["month", "currency"],
        "stats_monthly_lead": ["month", "currency", "kind", "hours"],
        "stats_monthly_product": ["month", "currency", "product_id"],
        "status_durations": ["status", "hours"],
    ]

    /// The summaries rebuilt once into temporary tables shaped like the kept ones (the
    /// daily product sums group half a million lines on a large shop: done once, not
    /// once per comparison), each compared with its table by merging both in key order.
    /// Returns (table, differing rows) for every summary table.
    static func compareSummaries(_ db: Database) throws -> [(table: String, differing: Int64)] {
        defer {
            try? db.execute(
                "DROP TABLE IF EXISTS temp.doctor_daily; DROP TABLE IF EXISTS temp.doctor_daily_lead; DROP TABLE IF EXISTS temp.doctor_daily_product"
            )
        }
        try db.execute(
            """
            DROP TABLE IF EXISTS temp.doctor_daily; DROP TABLE IF EXISTS temp.doctor_daily_lead; DROP TABLE IF EXISTS temp.doctor_daily_product;
            CREATE TEMP TABLE doctor_daily AS SELECT * FROM main.stats_daily WHERE 0;
            CREATE TEMP TABLE doctor_daily_lead AS SELECT * FROM main.stats_daily_lead WHERE 0;
            CREATE TEMP TABLE doctor_daily_product AS SELECT * FROM main.stats_daily_product WHERE 0;
            INSERT INTO temp.doctor_daily \(daily);
            INSERT INTO temp.doctor_daily_lead \(dailyLead);
            INSERT INTO temp.doctor_daily_product \(dailyProduct);
            """)
        func ordered(_ table: String) -> String { keys[table]!.joined(separator: ", ") }
        let pairs: [(String, String, String)] = [
            ("stats_daily", "orders", "SELECT * FROM temp.doctor_daily ORDER BY day, currency"),
            ("stats_daily_lead", "orders", "SELECT * FROM temp.doctor_daily_lead ORDER BY day, currency, kind, hours"),
            (
                "stats_daily_product", "lines",
                "SELECT * FROM temp.doctor_daily_product ORDER BY day, currency, product_id"
            ),
            (
                "stats_monthly", "orders",
                """
                SELECT substr(day, 1, 7), currency, sum(orders), sum(cancelled), sum(units), sum(gross), sum(refunds), sum(shipped), sum(returned)
                FROM temp.doctor_daily GROUP BY 1, 2 ORDER BY 1, 2
                """
            ),
            (
                "stats_monthly_lead", "orders",
                "SELECT substr(day, 1, 7), currency, kind, hours, sum(orders) FROM temp.doctor_daily_lead GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
            ),
            (
                "stats_monthly_product", "lines",
                """
                SELECT substr(day, 1, 7), currency, product_id, sum(lines), sum(cancelled), sum(units), sum(gross), sum(returned_value),
                       sum(shipped), sum(returned)
                FROM temp.doctor_daily_product GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """
            ),
        ]
        return try pairs.map { table, count, rebuilt in
            (
                table,
                try mergeDiffering(
                    db, kept: "SELECT * FROM main.\(table) WHERE \(count) <> 0 ORDER BY \(ordered(table))",
                    rebuilt: rebuilt, keyCount: keys[table]!.count)
            )
        }
    }

    /// Rows that differ between two queries whose rows come in the same order of their
    /// first `keyCount` columns: a row on one side only, or the same key with other values.
    static func mergeDiffering(_ db: Database, kept: String, rebuilt: String, keyCount: Int) throws -> Int64 {
        let a = try Statement(database: db, sql: kept)
        let b = try Statement(database: db, sql: rebuilt)
        var hasA = try a.step()
        var hasB = try b.step()
        var differing: Int64 = 0
        while hasA || hasB {
            guard hasA && hasB else {
                differing += 1
                if hasA { hasA = try a.step() } else { hasB = try b.step() }
                continue
            }
            let ra = Row(handle: a.handle)
            let rb = Row(handle: b.handle)
            var order = 0
            for i in 0..<keyCount where order == 0 { order = compare(ra.value(i), rb.value(i)) }
            if order == 0 {
                if ra.columnCount != rb.columnCount
                    || (keyCount..<ra.columnCount).contains(where: { ra.value($0) != rb.value($0) })
                {
                    differing += 1
                }
                hasA = try a.step()
                hasB = try b.step()
            } else {
                differing += 1
                if order < 0 { hasA = try a.step() } else { hasB = try b.step() }
            }
        }
        return differing
    }

    /// SQLite's order for the key values summaries use: NULL, numbers, then text by its bytes.
    static func compare(_ x: SQLValue, _ y: SQLValue) -> Int {
        func rank(_ v: SQLValue) -> Int {
            switch v {
            case .null: return 0
            case .integer, .real: return 1
            case .text: return 2
            case .blob: return 3
            }
        }
        switch (x, y) {
        case (.integer(let a), .integer(let b)): return a < b ? -1 : a > b ? 1 : 0
        case (.text(let a), .text(let b)): return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : a == b ? 0 : 1
        default: return rank(x) < rank(y) ? -1 : rank(x) > rank(y) ? 1 : 0
        }
    }
}

extension OrderStore {
    /// Runs every check (see `Finding.check`) in one read snapshot. `full` runs SQLite's
    /// `integrity_check` instead of `quick_check` (it also compares every index with its
    /// table, which is what finds a torn index; it reads the whole file several times).
    /// `files` is what was beside the database before it was opened.
    public func doctor(full: Bool = false, files: DatabaseFiles? = nil, at date: Date = Date()) throws -> DoctorReport {
        var findings: [Finding] = []
        var checks: [String] = []
        func problem(_ check: String, _ subject: String, _ message: String, _ fix: String) {
            findings.append(Finding(severity: .problem, check: check, subject: subject, message: message, fix: fix))
        }
        func warning(_ check: String, _ subject: String, _ message: String, _ fix: String) {
            findings.append(Finding(severity: .warning, check: check, subject: subject, message: message, fix: fix))
        }
        let restoreFix = "restore a backup: orderctl restore FILE (orderctl doctor on the backup first)"
        let repairFix = "orderctl doctor --repair rebuilds it (after a backup)"
        // At most this many findings of one kind are listed; the rest are counted.
        let listed = 5

        // Reading the whole file several times: through memory-mapped pages rather than a
        // read() per page (a third less time on the UCI example), temporary tables in memory.
        try db.execute("PRAGMA mmap_size = 1073741824; PRAGMA temp_store = MEMORY")
        // The file itself.
        checks.append("integrity")
        let integrity: [String]
        do {
            integrity = try db.query(full ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)") { $0.string(0) }
        } catch let error as SQLiteError
            where error.primaryCode == SQLiteCode.corrupt || error.primaryCode == SQLiteCode.notADatabase
        {
            // So damaged that SQLite's own check cannot walk it.
            integrity = [error.message]
        }
        if integrity != ["ok"] {
            problem(
                "integrity", path,
                "the file is damaged (SQLite \(full ? "integrity_check" : "quick_check"): \(OrderError.clip(integrity.prefix(3).joined(separator: "; ")))\(integrity.count > 3 ? "; ..." : ""))",
                restoreFix)
            // The rest reads the damaged pages: stop before a check trips on them.
            return DoctorReport(checks: checks, findings: findings)
        }
        try db.read {
            checks.append("schema")
            for (subject, message, mendable) in try schemaProblems() {
                problem(
                    "schema", subject, message,
                    mendable
                        ? "orderctl doctor --repair makes it again from orderctl's schema (after a backup)" : restoreFix
                )
            }

            checks.append("foreign-keys")
            let broken = try db.query("PRAGMA foreign_key_check") {
                "\($0.string(0)) row \($0.int64(1)) refers to a missing \($0.string(2)) row"
            }
            for text in broken.prefix(listed) { problem("foreign-keys", path, text, restoreFix) }
            if broken.count > listed {
                problem("foreign-keys", path, "\(broken.count - listed) more rows refer to missing rows", restoreFix)
            }

            checks.append("history")
            let report = try verifyHistory()
            if let text = report.problem { problem("history", path, text, "see orderctl verify; \(restoreFix)") }

            checks.append("stock")
            var stock = 0
            try db.forEach(
                """
                SELECT p.sku, p.on_hand, (SELECT coalesce(sum(m.delta), 0) FROM stock_moves m WHERE m.product_id = p.id),
                       p.reserved, (SELECT coalesce(sum(l.reserved), 0) FROM order_lines l WHERE l.product_id = p.id)
                FROM products p
                """
            ) { r in
                let (sku, onHand, moves, reserved, held) = (r.string(0), r.int64(1), r.int64(2), r.int64(3), r.int64(4))
                if onHand != moves {
                    stock += 1
                    if stock <= listed {
                        problem(
                            "stock", sku, "on hand \(onHand), but its stock moves add up to \(moves)",
                            "orderctl stock set \(sku) N records a count; \(restoreFix)")
                    }
                }
                if reserved != held {
                    stock += 1
                    if stock <= listed {
                        problem("stock", sku, "reserved \(reserved), but its order lines hold \(held)", restoreFix)
                    }
                }
            }
            if stock > listed {
                problem("stock", "products", "\(stock - listed) more stock figures disagree", restoreFix)
            }

            checks.append("lines")
            // Grouped once: shipment_lines and return_lines have no index by order line.
            let lines = try db.query(
                """
                SELECT o.ref || ' ' || l.sku FROM order_lines l JOIN orders o ON o.id = l.order_id
                  LEFT JOIN (SELECT order_line_id, sum(quantity) AS q FROM shipment_lines GROUP BY order_line_id) AS s ON s.order_line_id = l.id
                  LEFT JOIN (SELECT order_line_id, sum(quantity) AS q FROM return_lines GROUP BY order_line_id) AS r ON r.order_line_id = l.id
                WHERE l.shipped <> coalesce(s.q, 0) OR l.returned <> coalesce(r.q, 0) OR l.returned > l.shipped
                """
            ) { $0.string(0) }
            for text in lines.prefix(listed) {
                problem(
                    "lines", text, "the units shipped or returned disagree with its shipments and returns", restoreFix)
            }
            if lines.count > listed {
                problem("lines", "order lines", "\(lines.count - listed) more lines disagree", restoreFix)
            }

            checks.append("payment")
            checks.append("fulfilment")
            var statuses = 0
            try db.forEach(
                """
                SELECT o.ref, o.total, o.paid_total, o.refunded_total, o.payment_status, o.fulfilment_status,
                       coalesce(x.q, 0), coalesce(x.s, 0), coalesce(x.r, 0), o.item_count, coalesce(x.t, 0)
                FROM orders o LEFT JOIN (SELECT order_id, sum(quantity) AS q, sum(shipped) AS s, sum(returned) AS r, sum(line_total) AS t
                                         FROM order_lines GROUP BY order_id) AS x ON x.order_id = o.id
                """
            ) { r in
                let ref = r.string(0)
                let payment = PaymentStatus.derive(total: r.int64(1), paid: r.int64(2), refunded: r.int64(3)).rawValue
                let fulfilment = FulfilmentStatus.derive(
                    quantity: r.int64(6), shipped: r.int64(7), returned: r.int64(8)
                ).rawValue
                if payment != r.string(4) {
                    statuses += 1
                    if statuses <= listed {
                        problem(
                            "payment", ref,
                            "payment status \(r.string(4)), but its payments and refunds make it \(payment)", restoreFix
                        )
                    }
                }
                if fulfilment != r.string(5) {
                    statuses += 1
                    if statuses <= listed {
                        problem(
                            "fulfilment", ref,
                            "fulfilment status \(r.string(5)), but its shipments and returns make it \(fulfilment)",
                            restoreFix)
                    }
                }
                if r.int64(9) != r.int64(6) || r.int64(1) != r.int64(10) {
                    statuses += 1
                    if statuses <= listed {
                        problem(
                            "lines", ref,
                            "its item count \(r.int64(9)) and total \(r.int64(1)) (minor units) disagree with its lines (\(r.int64(6)), \(r.int64(10)))",
                            restoreFix)
                    }
                }
            }
            if statuses > listed {
                problem("payment", "orders", "\(statuses - listed) more orders disagree with their records", restoreFix)
            }

            checks.append("summaries")
            for summary in try Derived.compareSummaries(db) where summary.differing > 0 {
                problem(
                    "summaries", summary.table,
                    "\(summary.differing) row\(summary.differing == 1 ? "" : "s") differ from a rebuild from the orders (stats would show wrong figures)",
                    repairFix)
            }

            checks.append("status-times")
            let times = try db.scalarInt(
                """
                SELECT count(*) FROM (\(Derived.statusTimes)) AS x JOIN orders o ON o.id = x.id
                WHERE o.status_at IS NOT x.status_at OR o.confirmed_at IS NOT x.confirmed_at
                """)
            if times > 0 {
                problem(
                    "status-times", "orders",
                    "\(times) order\(times == 1 ? "'s" : "s'") status times differ from their history (reminders for stuck orders would be wrong)",
                    repairFix)
            }
            let durations = try Derived.differing(
                db, table: "status_durations", count: "orders", rebuild: Derived.statusDurations)
            if durations > 0 {
                problem(
                    "status-times", "status_durations",
                    "\(durations) row\(durations == 1 ? "" : "s") differ from a rebuild from the history", repairFix)
            }

            checks.append("lead-times")
            let leads = try db.scalarInt(
                """
                SELECT count(*) FROM (\(Derived.leadTimes)) AS x JOIN orders o ON o.id = x.id
                WHERE o.ship_hours IS NOT x.ship OR o.delivery_hours IS NOT x.delivery
                """)
            if leads > 0 {
                problem(
                    "lead-times", "orders",
                    "\(leads) order\(leads == 1 ? "'s" : "s'") lead times differ from their shipments", repairFix)
            }

            // Orders from the shops: what waits for the owner, and a shop whose sync fails.
            checks.append("intake")
            let waiting = try db.query(
                """
                SELECT s.name, count(*) FROM intake i JOIN shops s ON s.id = i.shop_id
                WHERE i.state IN ('received', 'failed', 'conflict') GROUP BY s.id ORDER BY s.name
                """
            ) { (name: $0.string(0), count: $0.int(1)) }
            for w in waiting {
                warning(
                    "intake", "shop \(w.name)",
                    "\(w.count) \(w.count == 1 ? "order waits" : "orders wait") in the inbox (conflicts or orders not applied)",
                    "orderctl inbox")
            }
            let failing = try db.query(
                "SELECT name, sync_error FROM shops WHERE removed_at IS NULL AND sync_error IS NOT NULL ORDER BY name"
            ) { (name: $0.string(0), error: $0.string(1)) }
            for f in failing {
                warning("intake", "shop \(f.name)", "the last sync failed: \(f.error)", "orderctl sync \(f.name)")
            }
        }

        // Around the file.
        checks.append("files")
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            warning(
                "files", path, "readable or writable by others (mode \(String(info.st_mode & 0o777, radix: 8)))",
                "chmod 600 \(path)")
        }
        let folder =
            (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        if stat(folder, &info) == 0, info.st_mode & 0o002 != 0, info.st_mode & 0o1000 == 0 {
            warning(
                "files", folder,
                "anyone may delete or replace files in this folder (mode \(String(info.st_mode & 0o777, radix: 8)))",
                "chmod o-w \(folder)")
        }
        if let files {
            if files.walBytes != nil && !files.shmExists && !files.walRedundant {
                warning(
                    "files", path + "-wal",
                    "a write-ahead log without its -shm index: was a file beside the database deleted while orderctl ran?",
                    "never delete \(path)-wal or -shm; run orderctl doctor again, and restore a backup if it reports damage"
                )
            } else if files.walBytes == nil && files.shmExists {
                warning(
                    "files", path + "-shm",
                    "a shared-memory index without its write-ahead log: was \(path)-wal deleted?",
                    "never delete \(path)-wal or -shm; if doctor reports no damage, nothing was lost")
            }
        }
        checks.append("wal")
        let wal = fileSize(path + "-wal")
        if wal > 256 << 20 {
            warning(
                "wal", path + "-wal",
                "the write-ahead log is \(Self.bytesText(wal)): a long-running reader keeps it from being folded in",
                "stop long-running orderctl or sqlite3 processes; it shrinks on its own afterwards")
        }

        checks.append("backup")
        let backupFolder = try self.backupFolder()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: backupFolder, isDirectory: &isDirectory), isDirectory.boolValue {
            let maxAge = try Span.parse(setting(.backupMaxAge) ?? "2d", field: SettingKey.backupMaxAge.key)
            if let newest = Backups.list(folder: backupFolder, stem: Backups.stem(of: path)).first {
                let age = date.timeIntervalSince(newest.time)
                if age > maxAge.seconds {
                    warning(
                        "backup", backupFolder,
                        "the newest backup is \(Self.ageText(age)) old (\(newest.name)), older than backup.max-age \(maxAge.code)",
                        "orderctl backup (and a cron line for it: see the README)")
                }
            } else {
                warning(
                    "backup", backupFolder, "holds no backup of \((path as NSString).lastPathComponent)",
                    "orderctl backup")
            }
        }

        checks.append("disk")
        var fs = statvfs()
        if statvfs(folder, &fs) == 0 {
            let free = Int64(fs.f_bavail) * Int64(fs.f_frsize)
            let size = fileSize(path) + wal
            if free < max(size, 64 << 20) {
                warning(
                    "disk", folder,
                    "only \(Self.bytesText(free)) free; a backup or an import needs about \(Self.bytesText(max(size, 64 << 20)))",
                    "free some space on this disk")
            }
        }
        return DoctorReport(checks: checks, findings: findings)
    }

    /// orderctl's objects that differ from the schema built into it (compared with runs
    /// of white space as one space and identifier quotes dropped, the way another SQLite
    /// version may write them) or are missing, then `schema_objects` when it disagrees
    /// with the file. Each is (subject, message, mendable by `--repair`): indexes,
    /// triggers, views and the kept text are; a table is not.
    func schemaProblems() throws -> [(String, String, Bool)] {
        guard let embedded = Migrations.embeddedSchema else {
            return [(path, "cannot build orderctl's own schema to compare with", false)]
        }
        let actual = Dictionary(try Migrations.objects(in: db).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var found: [(String, String, Bool)] = []
        // (An older file is brought up to date on open; a read-only one is refused.)
        guard try db.userVersion == Migrations.latestVersion else { return [] }
        for object in embedded {
            let mendable = object.type != "table"
            if let have = actual[object.name] {
                if have.type != object.type || Self.normalized(have.sql) != Self.normalized(object.sql) {
                    found.append(
                        (
                            object.name,
                            "the \(object.type) differs from orderctl's schema (changed outside orderctl, or damaged)",
                            mendable
                        ))
                }
            } else {
                found.append(
                    (
                        object.name,
                        "the \(object.type) orderctl makes is missing (dropped outside orderctl, or damaged)", mendable
                    ))
            }
        }
        if found.isEmpty, let drift = try Migrations.schemaDrift(db) {
            found.append(("schema_objects", "the schema's kept text disagrees with the file: \(drift)", true))
        }
        return found
    }

    /// The SQL with runs of whitespace outside quotes made one space, and the quotes
    /// around a plain identifier dropped (`"orders"` is `orders`); anything else inside
    /// quotes is kept byte for byte, so `"status "` (a string to SQLite) never passes for
    /// the column `status`.
    static func normalized(_ sql: String) -> String {
        let b = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var space = false
        var i = 0
        func isWord(_ c: UInt8) -> Bool { c == 95 || (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) }
        while i < b.count {
            let c = b[i]
            if c == 32 || c == 9 || c == 10 || c == 13 || c == 12 {
                space = !out.isEmpty
                i += 1
                continue
            }
            if space {
                out.append(32)
                space = false
            }
            guard c == 34 || c == 39 || c == 96 || c == 91 else {
                out.append(c)
                i += 1
                continue
            }
            // A quoted token, to its closing quote (a doubled quote stays inside it).
            let close: UInt8 = c == 91 ? 93 : c
            var j = i + 1
            while j < b.count {
                if b[j] == close {
                    if close != 93, j + 1 < b.count, b[j + 1] == close {
                        j += 2
                        continue
                    }
                    break
                }
                j += 1
            }
            let end = min(j, b.count - 1)
            let inner = b[(i + 1)..<max(i + 1, end)]
            if c == 34, j < b.count, !inner.isEmpty, inner.allSatisfy(isWord),
                !(inner.first! >= 48 && inner.first! <= 57)
            {
                out.append(contentsOf: inner)
            } else {
                out.append(contentsOf: b[i...end])
            }
            i = end + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Makes orderctl's indexes, triggers and views again from its schema where they
    /// differ or are missing, then keeps the schema's text again, once every table
    /// agrees (a table that differs is left for a restore); returns what it did.
    public func repairSchema() throws -> [String] {
        try write {
            var changed: [String] = []
            let problems = try schemaProblems()
            guard let embedded = Migrations.embeddedSchema else { return [] }
            let byName = Dictionary(embedded.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for (name, _, mendable) in problems where mendable {
                guard let object = byName[name], object.type != "table" else { continue }
                try db.execute("DROP \(object.type.uppercased()) IF EXISTS \(name); \(object.sql)")
                changed.append("the \(object.type) \(name) from orderctl's schema")
            }
            if !problems.isEmpty, try schemaProblems().allSatisfy({ $0.0 == "schema_objects" }) {
                try Migrations.recordSchema(db, fresh: false)
                if problems.contains(where: { $0.0 == "schema_objects" }) {
                    changed.append("the schema's kept text (schema_objects)")
                }
            }
            return changed
        }
    }

    /// Rebuilds the derived data (summaries, status times, lead times) from the orders
    /// and their history, in one transaction; returns what changed, one line each.
    /// Never touches orders' own figures, payments or history.
    public func repairDerived() throws -> [String] {
        try write {
            var changed: [String] = []
            let leads = try refill(
                ["ship_hours", "delivery_hours"], as: ["ship", "delivery"], from: Derived.leadTimes)
            if leads > 0 { changed.append("lead times of \(leads) order\(leads == 1 ? "" : "s")") }
            let times = try refill(
                ["status_at", "confirmed_at"], as: ["status_at", "confirmed_at"], from: Derived.statusTimes)
            if times > 0 { changed.append("status times of \(times) order\(times == 1 ? "" : "s")") }
            let durations = try Derived.differing(
                db, table: "status_durations", count: "orders", rebuild: Derived.statusDurations)
            if durations > 0 {
                try db.execute("DELETE FROM status_durations; INSERT INTO status_durations \(Derived.statusDurations)")
                changed.append("status_durations (\(durations) row\(durations == 1 ? "" : "s") differed)")
            }
            let summariesDiffer = try Derived.compareSummaries(db).filter { $0.differing > 0 }
                .map { "\($0.table) (\($0.differing) row\($0.differing == 1 ? "" : "s") differed)" }
            if !summariesDiffer.isEmpty {
                // The daily tables' triggers keep the monthly ones: empty both, then
                // fill the daily ones and let the triggers sum the months.
                try db.execute(
                    """
                    DELETE FROM stats_daily; DELETE FROM stats_daily_lead; DELETE FROM stats_daily_product;
                    DELETE FROM stats_monthly; DELETE FROM stats_monthly_lead; DELETE FROM stats_monthly_product;
                    INSERT INTO stats_daily \(Derived.daily);
                    INSERT INTO stats_daily_lead \(Derived.dailyLead);
                    INSERT INTO stats_daily_product \(Derived.dailyProduct);
                    """)
                changed.append(contentsOf: summariesDiffer)
            }
            return changed
        }
    }

    /// Sets the orders' derived `columns` to what `query` (their id, then one value per
    /// column, named `names`) computes, where they differ; returns how many orders changed.
    private func refill(_ columns: [String], as names: [String], from query: String) throws -> Int {
        // Keyed by id, so that the UPDATE looks each order's row up rather than scanning.
        try db.execute(
            """
            DROP TABLE IF EXISTS temp.doctor_refill;
            CREATE TEMP TABLE doctor_refill(id INTEGER PRIMARY KEY, \(names.joined(separator: ", ")));
            INSERT INTO temp.doctor_refill \(query)
            """)
        defer { try? db.execute("DROP TABLE IF EXISTS temp.doctor_refill") }
        let pairs = Array(zip(columns, names))
        try db.run(
            """
            UPDATE orders SET \(pairs.map { "\($0.0) = x.\($0.1)" }.joined(separator: ", ")) FROM temp.doctor_refill x
            WHERE x.id = orders.id AND (\(pairs.map { "orders.\($0.0) IS NOT x.\($0.1)" }.joined(separator: " OR ")))
            """)
        return db.changes
    }

    static func bytesText(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    static func ageText(_ seconds: TimeInterval) -> String {
        let hours = Int(seconds / 3600)
        return hours < 48 ? "\(hours) hours" : "\(hours / 24) days"
    }
}

/// What `doctor` found and, with `repair`, did.
public struct DoctorVisit: Sendable {
    public var report: DoctorReport
    /// With `repair`: the backup taken first.
    public var backup: String?
    /// With `repair`: what was rebuilt, and the damage mark cleared.
    public var repaired: [String] = []
}

extension OrderStore {
    /// `doctor`: the checks, and the damage mark kept true to them. Damage found marks the
    /// file (every command then opens it read-only and says why); a repair on a marked
    /// file that passes clears the mark; a marked file that passes without a repair is
    /// still reported (only a repair, after its backup, clears a mark). `repair` backs
    /// up first (a backup that fails changes nothing), then rebuilds the schema's indexes,
    /// triggers and views, then the derived data.
    public func visit(full: Bool, repair: Bool, files: DatabaseFiles?, at date: Date) throws -> DoctorVisit {
        let marked = DamageMarker.read(path)
        var backup: String?
        var repaired: [String] = []
        if repair {
            do {
                backup = try self.backup(at: date, checkSchema: false).path
            } catch let error as OrderError {
                throw OrderError.repairWithoutBackup(reason: "\(error)")
            }
            // The schema first: a trigger made wrong may have kept wrong sums.
            repaired = try repairSchema() + repairDerived()
        }
        var report = try doctor(full: full, files: files, at: date)
        let check = full ? "integrity_check" : "quick_check"
        if let damaged = report.findings.first(where: { $0.check == "integrity" || $0.check == "schema" }) {
            DamageMarker.mark(path, reason: "doctor: \(damaged.message)", at: date)
        } else if let marked {
            if repair {
                DamageMarker.clear(path)
                repaired.append(
                    "cleared the damage mark (\(marked)): the file passes SQLite's \(check) and its schema is orderctl's now"
                )
            } else {
                report.findings.insert(
                    Finding(
                        severity: .problem, check: "integrity", subject: path,
                        message:
                            "marked damaged (\(marked)), so nothing can be changed in it, though it passes SQLite's \(check) now",
                        fix:
                            "orderctl doctor --full, then orderctl doctor --repair clears the mark (after a backup); or orderctl restore FILE"
                    ), at: 0)
            }
        }
        return DoctorVisit(report: report, backup: backup, repaired: repaired)
    }
}
