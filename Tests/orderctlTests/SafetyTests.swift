import Foundation
import Testing

@testable import OrderCore

// Keeping the data safe (issue 15): backup, restore and doctor with the built binary;
// every figure they print is read again from the files with the sqlite3 tool.

extension Sandbox {
    /// Files in a folder of the sandbox, sorted (hidden ones too).
    func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Adds `count` orders of one mug each for Ann, refs P-1...
    func addOrders(_ count: Int, prefix: String = "P") throws {
        for i in 1...count {
            try ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--ref", "\(prefix)-\(i)")
        }
    }

    /// What `backup` and `restore` print about a file, worked out with sqlite3 from it.
    func factsLine(of file: String) throws -> String {
        let orders = try sql("SELECT count(*) FROM orders", db: file)[0]
        let newest = try sql(
            "SELECT ref || ', placed ' || placed_at FROM orders ORDER BY placed_at DESC, id DESC LIMIT 1", db: file)
        let head = try sql("SELECT '#' || id || ' ' || hash FROM order_events ORDER BY id DESC LIMIT 1", db: file)
        return "\(orders) order\(orders == "1" ? "" : "s")" + (newest.first.map { " (newest \($0))" } ?? "")
            + (head.first.map { ", history head \($0)" } ?? ", no history yet")
    }

    /// Every table's rows, as sqlite3 dumps them (the schema left out: a backup's
    /// journal mode differs, its content must not).
    func rowsDump(_ file: String) throws -> String {
        let r = try runProcess(
            Self.sqlite3, ["-batch", "-bail", file, ".dump"], environment: ["HOME": dir.path, "PATH": "/usr/bin:/bin"],
            directory: dir, scratch: scratch)
        try #require(r.exitCode == 0, "\(r)")
        return r.stdout.split(separator: "\n").filter { $0.hasPrefix("INSERT INTO") }.joined(separator: "\n")
    }
}

@Suite("backup: a checked snapshot, named by time, 0600, nothing half-written")
struct BackupTests {
    @Test(
        "backup into the default folder: the line's figures are the copy's, the copy equals the database, mode 0600, rollback journal"
    )
    func defaultFolder() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.addOrders(3)
        try sb.ok("pay", "P-2", "--amount", "12.50")
        let r = try sb.ok("backup")
        let folder = sb.dir.appendingPathComponent("backups").path
        #expect(sb.files(in: folder) == ["orders-20261125T100000Z.db"], "\(sb.files(in: folder))")
        let file = folder + "/orders-20261125T100000Z.db"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        let kib = String(format: "%.0f KiB", Double(size) / 1024)
        #expect(r.stdout == "backed up to \(file) (\(kib)): \(try sb.factsLine(of: file))\n", "\(r)")
        #expect(r.stdout.contains("3 orders (newest P-3, placed 2026-11-25T10:00:00Z), history head #"), "\(r)")
        #expect(try sb.rowsDump(file) == (try sb.rowsDump(sb.dbPath)))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // File format bytes 18 and 19: 1 = rollback journal, so the file alone is the whole database.
        let header = try #require(FileHandle(forReadingAtPath: file)?.readData(ofLength: 20))
        #expect(header[18] == 1 && header[19] == 1, "\(Array(header))")
        #expect(!FileManager.default.fileExists(atPath: file + "-wal"))
        #expect(try sb.sql("PRAGMA integrity_check", db: file) == ["ok"])
    }

    @Test("--json: path, bytes and the figures of the copy")
    func json() throws {
        let sb = try Sandbox(template: .withOrder)
        let doc = try #require(try sb.json("backup", sb.dir.appendingPathComponent("b.db").path) as? [String: Any])
        let file = sb.dir.appendingPathComponent("b.db").path
        #expect(doc["path"] as? String == file)
        #expect(doc["bytes"] as? Int == (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int))
        #expect(doc["orders"] as? Int == 1 && doc["encrypted"] as? Bool == false)
        #expect((doc["newest_order"] as? [String: Any])?["ref"] as? String == "A-100")
        #expect(
            doc["head"] as? String
                == (try sb.sql("SELECT '#' || id || ' ' || hash FROM order_events ORDER BY id DESC LIMIT 1", db: file)[
                    0]))
        #expect(doc["schema_version"] as? Int == Int(try sb.sql("PRAGMA user_version", db: file)[0]))
    }

    @Test("DEST: a new file, a folder made for it (trailing /); an existing file is refused and left alone")
    func destinations() throws {
        let sb = try Sandbox(template: .withOrder)
        let file = sb.dir.appendingPathComponent("copy.db").path
        try sb.ok("backup", file)
        #expect(try sb.sql("SELECT ref FROM orders", db: file) == ["A-100"])
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        let again = try sb.run("backup", file)
        #expect(
            again.exitCode == 1
                && again.stderrLines == [
                    "Error: \(file): already exists; name a new file, or a folder to put a dated backup in"
                ], "\(again)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
        let folder = sb.dir.appendingPathComponent("usb/daily").path
        // A folder that is not there (a disk not mounted, a typo) is not made.
        let missing = try sb.run("backup", folder + "/")
        #expect(
            missing.exitCode == 1
                && missing.stderrLines == [
                    "Error: \(folder): no such folder (a disk not mounted? a typo?); nothing was written. Create it first: mkdir -p \(folder)"
                ], "\(missing)")
        let missingParent = try sb.run("backup", folder + "/x.db")
        #expect(missingParent.exitCode == 1 && missingParent.stderr.contains("no such folder"), "\(missingParent)")
        #expect(!FileManager.default.fileExists(atPath: sb.dir.appendingPathComponent("usb").path))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try sb.ok("backup", folder + "/")
        #expect(sb.files(in: folder) == ["orders-20261125T100000Z.db"])
        // The same second twice: refused, not overwritten.
        let twice = try sb.run("backup", folder + "/")
        #expect(twice.exitCode == 1 && twice.stderr.contains("already exists (one backup a second)"), "\(twice)")
        // backup.dir, relative to the database's folder.
        try sb.ok("config", "set", "backup.dir", "safe")
        #expect(try sb.run("backup").stderr.contains("no such folder"))
        try FileManager.default.createDirectory(
            atPath: sb.dir.appendingPathComponent("safe").path, withIntermediateDirectories: true)
        try sb.ok("backup")
        #expect(sb.files(in: sb.dir.appendingPathComponent("safe").path) == ["orders-20261125T100000Z.db"])
        // A missing database is not created by backup.
        let none = try sb.run(["backup"], env: ["ORDERCTL_DB": sb.dir.appendingPathComponent("none.db").path])
        #expect(none.exitCode == 1 && none.stderr.hasPrefix("Error: no database at "), "\(none)")
        #expect(!FileManager.default.fileExists(atPath: sb.dir.appendingPathComponent("none.db").path))
    }

    @Test("a backup that fails leaves nothing that looks like a backup (a read-only folder; a damaged database)")
    func failedBackupLeavesNothing() throws {
        let sb = try Sandbox(template: .withOrder)
        let folder = sb.dir.appendingPathComponent("ro").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A damaged database: the copy fails its check, and nothing stays in the folder.
        _ = try sb.sql("PRAGMA wal_checkpoint(TRUNCATE)")
        let pageSize = Int(try sb.scalar("PRAGMA page_size"))!
        let root = Int(try sb.scalar("SELECT rootpage FROM sqlite_schema WHERE name = 'orders'"))!
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: sb.dbPath))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xEE, count: 64))
        try handle.close()
        let r = try sb.run("backup", folder)
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stderrLines.count == 1 && r.stderr.hasPrefix("Error: ") && r.stderr.contains("damaged"), "\(r)")
        #expect(sb.files(in: folder) == [], "\(sb.files(in: folder))")
    }

    @Test(
        "retention keeps the newest of each of the last N days, weeks and months; never the newest, never another file")
    func retention() throws {
        let sb = try Sandbox(template: .withOrder)
        let folder = sb.dir.appendingPathComponent("backups").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Older backups (by name), and files orderctl did not make.
        let made = [
            "orders-20260901T061500Z.db", "orders-20261001T061500Z.db", "orders-20261015T061500Z.db.age",
            "orders-20261109T061500Z.db", "orders-20261116T061500Z.db", "orders-20261123T061500Z.db",
            "orders-20261124T061500Z.db", "orders-20261124T181500Z.db", "orders-pre-v6-to-v7-20260801T000000Z.db",
        ]
        let foreign = ["notes.txt", "orders-20261124T0615Z.db", "other-20261120T061500Z.db", "orders-latest.db"]
        for name in made + foreign {
            FileManager.default.createFile(atPath: folder + "/" + name, contents: Data("x".utf8))
        }
        let r = try sb.ok("backup", "--keep-daily", "2", "--keep-weekly", "3", "--keep-monthly", "3")
        #expect(r.stdout.hasSuffix("; removed 3 older backups\n"), "\(r)")
        // Worked out by hand, newest first (2026-11-25 is a Wednesday, in ISO week 48):
        // days: 11-25 and 11-24 18:15 (the newest of the 24th); weeks: 11-25 (week 48, with
        // the 24th and Monday 23rd), 11-16 (47), 11-09 (46); months: 11-25, 10-15, 09-01.
        // Gone: 11-24 06:15, 11-23, 10-01.
        #expect(
            sb.files(in: folder)
                == ([
                    "orders-20260901T061500Z.db", "orders-20261015T061500Z.db.age", "orders-20261109T061500Z.db",
                    "orders-20261116T061500Z.db",
                    "orders-20261124T181500Z.db", "orders-20261125T100000Z.db",
                    "orders-pre-v6-to-v7-20260801T000000Z.db",
                ] + foreign).sorted())
        // The settings do the same; 0 keeps only the newest.
        try sb.ok("config", "set", "backup.keep-daily", "0")
        let r2 = try sb.run(["backup"], env: ["ORDERCTL_NOW": "2026-11-26T10:00:00Z"])
        #expect(r2.exitCode == 0 && r2.stdout.hasSuffix("; removed 6 older backups\n"), "\(r2)")
        #expect(
            sb.files(in: folder)
                == (["orders-20261126T100000Z.db", "orders-pre-v6-to-v7-20260801T000000Z.db"] + foreign).sorted())
        // Bad values are usage errors.
        let bad = try sb.run("backup", "--keep-daily", "-1")
        #expect(bad.exitCode == 64, "\(bad)")
    }

    @Test("a backup taken while two processes write is a state the database really had, and doctor finds it clean")
    func whileWriting() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("product", "add", "PEN", "--name", "Pen", "--price", "1.00")
        let writers = try (1...2).map { w in
            try launch(
                URL(fileURLWithPath: "/bin/sh"),
                [
                    "-c",
                    """
                    i=1; while [ $i -le 40 ]; do "$1" add --customer ann@example.com --item PEN --ref W\(w)-$i >/dev/null || exit 1; i=$((i+1)); done
                    """, "sh", sb.binary.path,
                ], environment: sb.environment(), directory: sb.dir, scratch: sb.scratch)
        }
        usleep(300_000)
        let before = Int(try sb.scalar("SELECT count(*) FROM orders"))!
        let file = sb.dir.appendingPathComponent("during.db").path
        let r = try sb.ok("backup", file)
        let after = Int(try sb.scalar("SELECT count(*) FROM orders"))!
        for writer in writers { #expect(try writer.wait(timeout: 120).exitCode == 0) }
        let copied = Int(try sb.sql("SELECT count(*) FROM orders", db: file)[0])!
        #expect(before <= copied && copied <= after, "before \(before), backup \(copied), after \(after)")
        #expect(copied > 0 && copied < 80, "the backup was taken while the writers ran: \(copied)")
        #expect(r.stdout.contains(": \(copied) orders"), "\(r)")
        // Every order in the copy is whole: its lines, events and stock moves are there.
        let d = try sb.run(["doctor"], env: ["ORDERCTL_DB": file])
        #expect(d.exitCode == 0, "\(d)")
        #expect(d.stdoutLines.last?.hasPrefix("all well: ") == true, "\(d)")
    }
}

@Suite("restore: checked first, then an atomic swap that keeps the old file")
struct RestoreTests {
    @Test("restore puts the backup in place, keeps the replaced database, removes its -wal and -shm")
    func roundTrip() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.addOrders(2)
        let file = sb.dir.appendingPathComponent("two.db").path
        try sb.ok("backup", file)
        let backupRows = try sb.rowsDump(file)
        try sb.addOrders(1, prefix: "LATER")
        let laterRows = try sb.rowsDump(sb.dbPath)
        let dry = try sb.ok("restore", file, "--dry-run")
        #expect(
            dry.stdoutLines == [
                "\(file) holds \(try sb.factsLine(of: file)); schema version \(try sb.sql("PRAGMA user_version", db: file)[0])",
                "dry run: \(sb.dbPath) was not changed",
            ], "\(dry)")
        #expect(try sb.rowsDump(sb.dbPath) == laterRows)
        let r = try sb.ok("restore", file)
        let saved = sb.dbPath + ".pre-restore-20261125T100000Z"
        #expect(r.stdoutLines.last == "restored \(sb.dbPath); the database it replaced is kept as \(saved)", "\(r)")
        #expect(try sb.rowsDump(sb.dbPath) == backupRows)
        #expect(try sb.rowsDump(saved) == laterRows, "the replaced database, with what its log held")
        #expect(!FileManager.default.fileExists(atPath: saved + "-wal"))
        #expect(try sb.sql("SELECT ref FROM orders ORDER BY ref") == ["P-1", "P-2"])
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: sb.dbPath)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // The restored database works: a new order, verify, doctor.
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--ref", "AFTER")
        try sb.ok("verify")
        #expect(try sb.run("doctor").exitCode == 0)
        // No temporary file is left beside the database.
        #expect(sb.files(in: sb.dir.path).filter { $0.hasPrefix(".") && $0 != ".io" } == [])
    }

    @Test("restore onto a machine with no database creates it")
    func noDatabaseYet() throws {
        let sb = try Sandbox(template: .withOrder)
        let file = sb.dir.appendingPathComponent("b.db").path
        try sb.ok("backup", file)
        let target = sb.dir.appendingPathComponent("new/orders.db").path
        let r = try sb.run(["restore", file], env: ["ORDERCTL_DB": target])
        #expect(
            r.exitCode == 0 && r.stdoutLines.last == "restored \(target) (there was no database there before)", "\(r)")
        #expect(try sb.sql("SELECT ref FROM orders", db: target) == ["A-100"])
    }

    @Test(
        "a damaged, truncated, foreign or newer backup is refused with one line; the database is unchanged, no file left"
    )
    func refusals() throws {
        let sb = try Sandbox(template: .withOrder)
        let good = sb.dir.appendingPathComponent("good.db").path
        try sb.ok("backup", good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let pageSize = Int(try sb.sql("PRAGMA page_size", db: good)[0])!
        let root = Int(try sb.sql("SELECT rootpage FROM sqlite_schema WHERE name = 'orders'", db: good)[0])!
        var flipped = bytes
        for i in 0..<64 { flipped[(root - 1) * pageSize + 8 + i] ^= 0x5A }
        let newer = sb.dir.appendingPathComponent("newer.db").path
        try bytes.write(to: URL(fileURLWithPath: newer))
        _ = try sb.sql("PRAGMA user_version = 99", db: newer)
        let tampered = sb.dir.appendingPathComponent("tampered.db").path
        try bytes.write(to: URL(fileURLWithPath: tampered))
        let trigger = try sb.sql("SELECT sql FROM schema_objects WHERE name = 'order_events_no_update'", db: tampered)
            .joined(separator: "\n")
        _ = try sb.sql(
            "DROP TRIGGER order_events_no_update; UPDATE order_events SET detail = 'x' WHERE id = 1", db: tampered)
        let unguarded = sb.dir.appendingPathComponent("unguarded.db").path
        try FileManager.default.copyItem(atPath: tampered, toPath: unguarded)
        _ = try sb.sql(trigger, db: tampered)  // put back as orderctl made it: only the chain tells
        let cases: [(String, Data?, String)] = [
            ("flipped.db", flipped, "damaged"),
            ("truncated.db", bytes.prefix(bytes.count / 2), "damaged"),
            ("zero-header.db", Data(repeating: 0, count: 100) + bytes.dropFirst(100), "not an SQLite database"),
            ("notes.db", Data("not a database at all\n".utf8), "not an SQLite database"),
            ("empty.db", Data(), "not an orderctl database"),
            ("newer.db", nil, "schema version 99 is newer than this orderctl supports"),
            ("tampered.db", nil, "history check failed: event #1"),
            (
                "unguarded.db", nil,
                "damaged: its schema was changed outside orderctl, or is damaged: the trigger order_events_no_update that orderctl made is missing"
            ),
        ]
        let before = try sb.dump()
        for (name, data, expected) in cases {
            let path = sb.dir.appendingPathComponent(name).path
            if let data { try data.write(to: URL(fileURLWithPath: path)) }
            let r = try sb.run("restore", path)
            #expect(r.exitCode == 1, "\(name): \(r)")
            #expect(
                r.stderrLines.count == 1 && r.stderr.hasPrefix("Error: \(path): ") && r.stderr.contains(expected),
                "\(name): \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"))
        }
        #expect(try sb.dump() == before)
        #expect(sb.files(in: sb.dir.path).filter { $0.contains("restore") } == [], "\(sb.files(in: sb.dir.path))")
        let missing = try sb.run("restore", sb.dir.appendingPathComponent("nope.db").path)
        #expect(missing.exitCode == 1 && missing.stderr.hasSuffix(": no such file\n"), "\(missing)")
        let folder = try sb.run("restore", sb.dir.path)
        #expect(folder.exitCode == 1 && folder.stderr.contains("is a folder"), "\(folder)")
    }

    @Test("restore refuses while another orderctl or sqlite3 has the database open; nothing changes")
    func refusesWhileOpen() throws {
        let sb = try Sandbox(template: .withOrder)
        let file = sb.dir.appendingPathComponent("b.db").path
        try sb.ok("backup", file)
        try sb.addOrders(1)
        let before = try sb.rowsDump(sb.dbPath)
        // An import waiting for its input holds the database open.
        let importer = try launch(
            sb.binary, ["import", "--format", "jsonl", "-"], environment: sb.environment(), directory: sb.dir,
            scratch: sb.scratch, gated: true)
        usleep(500_000)
        let r = try sb.run("restore", file)
        #expect(r.exitCode == 1, "\(r)")
        #expect(
            r.stderrLines == [
                "Error: \(sb.dbPath): another orderctl process has it open (a cron job, another shell?); nothing was changed, try again when it has finished"
            ], "\(r)")
        try importer.stdinPipe!.fileHandleForWriting.close()
        _ = try importer.wait()
        #expect(try sb.rowsDump(sb.dbPath) == before)
        // sqlite3 with the database open (it has read from it, so its connection holds the WAL index).
        let shell = try launch(
            Self.sqlite3, [sb.dbPath], environment: ["HOME": sb.dir.path], directory: sb.dir, scratch: sb.scratch,
            gated: true)
        try shell.stdinPipe!.fileHandleForWriting.write(contentsOf: Data("SELECT count(*) FROM orders;\n".utf8))
        usleep(500_000)
        let r2 = try sb.run("restore", file)
        #expect(
            r2.exitCode == 1
                && r2.stderrLines == [
                    "Error: \(sb.dbPath): another program (sqlite3?) has it open; nothing was changed, close it and try again"
                ], "\(r2)")
        try shell.stdinPipe!.fileHandleForWriting.close()
        _ = try shell.wait()
        #expect(try sb.rowsDump(sb.dbPath) == before)
        // Once they are gone it works.
        try sb.ok("restore", file)
        #expect(try sb.sql("SELECT ref FROM orders") == ["A-100"])
    }

    static let sqlite3 = URL(fileURLWithPath: "/usr/bin/sqlite3")
}

@Suite("doctor: one line per finding, exit 0 / 1 / 3, --repair rebuilds only what is derived")
struct DoctorTests {
    /// A shop with every kind of record: payments, a partial shipment, a delivery, a return, a cancellation.
    static func busyShop() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01:3", "--item", "CARD:2", "--ref", "D-1")
        try sb.ok("confirm", "D-1")
        try sb.ok("pay", "D-1", "--amount", "41.60")
        try sb.ok("ship", "D-1", "--item", "MUG-01:2", "--carrier", "DHL", "--tracking", "1234567890")
        try sb.ok("ship", "D-1", "--carrier", "DHL", "--tracking", "1234567891")
        try sb.ok("deliver", "D-1")
        try sb.ok("return", "D-1", "--item", "CARD:1")
        try sb.ok("add", "--customer", "jean@example.fr", "--item", "TEE-M", "--ref", "D-2")
        try sb.ok("cancel", "D-2", "--reason", "changed mind")
        try sb.ok("add", "--customer", "jean@example.fr", "--item", "MUG-01", "--ref", "D-3")
        return sb
    }

    @Test("a clean shop: all well, exit 0; --json lists the checks and no findings")
    func clean() throws {
        let sb = try Self.busyShop()
        let r = try sb.run("doctor")
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdoutLines == ["all well: 16 checks of \(sb.dbPath) passed"], "\(r)")
        let full = try sb.run("doctor", "--full")
        #expect(full.exitCode == 0, "\(full)")
        let doc = try #require(
            try JSONSerialization.jsonObject(with: Data(try sb.run("doctor", "--json").stdout.utf8)) as? [String: Any])
        #expect(
            doc["checks"] as? [String] == [
                "integrity", "schema", "foreign-keys", "history", "stock", "lines", "payment", "fulfilment",
                "summaries",
                "status-times", "lead-times", "intake", "files", "wal", "backup", "disk",
            ])
        #expect(
            (doc["findings"] as? [Any])?.isEmpty == true && doc["problems"] as? Int == 0 && doc["warnings"] as? Int == 0
        )
    }

    @Test("each kind of damage behind orderctl's back is a problem line naming the thing and the fix; exit 1")
    func problems() throws {
        let cases: [(String, String)] = [
            (
                "UPDATE products SET on_hand = on_hand + 1 WHERE sku = 'CARD'",
                "problem: stock: CARD: on hand 10, but its stock moves add up to 9; "
            ),
            (
                "UPDATE products SET reserved = 0 WHERE sku = 'MUG-01'",
                "problem: stock: MUG-01: reserved 0, but its order lines hold 1; "
            ),
            (
                "UPDATE order_lines SET shipped = 1 WHERE sku = 'MUG-01' AND order_id = (SELECT id FROM orders WHERE ref = 'D-1')",
                "problem: lines: D-1 MUG-01: the units shipped or returned disagree with its shipments and returns; "
            ),
            (
                "UPDATE orders SET payment_status = 'unpaid' WHERE ref = 'D-1'",
                "problem: payment: D-1: payment status unpaid, but its payments and refunds make it "
            ),
            (
                "UPDATE orders SET fulfilment_status = 'unfulfilled' WHERE ref = 'D-1'",
                "problem: fulfilment: D-1: fulfilment status unfulfilled, but its shipments and returns make it partially_returned; "
            ),
            ("UPDATE stats_daily SET gross = gross + 100", "problem: summaries: stats_daily: "),
            ("DELETE FROM stats_monthly_product", "problem: summaries: stats_monthly_product: "),
            (
                "UPDATE orders SET status_at = '2020-01-01T00:00:00Z' WHERE ref = 'D-3'",
                "problem: status-times: orders: 1 order's status times differ from their history"
            ),
            (
                "UPDATE orders SET ship_hours = 99 WHERE ref = 'D-1'",
                "problem: lead-times: orders: 1 order's lead times differ from their shipments"
            ),
            (
                "PRAGMA foreign_keys = OFF; DELETE FROM customers WHERE email = 'jean@example.fr'",
                "problem: foreign-keys: "
            ),
        ]
        let shop = try Self.busyShop()
        for (statement, expected) in cases {
            let sb = try Sandbox()
            try FileManager.default.copyItem(atPath: shop.dbPath, toPath: sb.dbPath)
            if FileManager.default.fileExists(atPath: shop.dbPath + "-wal") {
                try FileManager.default.copyItem(atPath: shop.dbPath + "-wal", toPath: sb.dbPath + "-wal")
            }
            _ = try sb.sql(statement)
            let r = try sb.run("doctor")
            #expect(r.exitCode == 1, "\(statement): \(r)")
            #expect(r.stdoutLines.contains { $0.hasPrefix(expected) }, "\(statement): \(r)")
            #expect(
                r.stdoutLines.last?.hasPrefix("1 problem, 0 warnings") == true
                    || r.stdoutLines.last?.contains(" problems, ") == true, "\(r)")
        }
    }

    @Test("--repair backs up, rebuilds the summaries and status times, says what it changed, and touches nothing else")
    func repair() throws {
        let sb = try Self.busyShop()
        let orders = try sb.sql("SELECT id, ref, status, payment_status, total, paid_total FROM orders ORDER BY id")
        let events = try sb.sql("SELECT id, hash FROM order_events ORDER BY id")
        let kept = try sb.sql("SELECT * FROM stats_daily_product WHERE lines <> 0 ORDER BY 1, 2, 3")
        _ = try sb.sql(
            "UPDATE stats_daily_product SET units = units + 5; UPDATE orders SET status_at = NULL WHERE ref = 'D-2'")
        #expect(try sb.run("doctor").exitCode == 1)
        let r = try sb.run("doctor", "--repair")
        #expect(r.exitCode == 0, "\(r)")
        let backup = sb.dir.appendingPathComponent("backups/orders-20261125T100000Z.db").path
        #expect(r.stdoutLines.first == "backed up to \(backup) before repairing", "\(r)")
        #expect(r.stdoutLines.contains("rebuilt status times of 1 order"), "\(r)")
        #expect(r.stdoutLines.contains { $0.hasPrefix("rebuilt stats_daily_product (") }, "\(r)")
        #expect(r.stdoutLines.last?.hasPrefix("all well: ") == true, "\(r)")
        #expect(try sb.sql("SELECT * FROM stats_daily_product WHERE lines <> 0 ORDER BY 1, 2, 3") == kept)
        #expect(
            try sb.sql("SELECT id, ref, status, payment_status, total, paid_total FROM orders ORDER BY id") == orders)
        #expect(try sb.sql("SELECT id, hash FROM order_events ORDER BY id") == events)
        // The backup holds the database as it was before the repair.
        #expect(try sb.sql("SELECT count(*) FROM orders WHERE status_at IS NULL", db: backup) == ["1"])
        let again = try sb.run(["doctor", "--repair"], env: ["ORDERCTL_NOW": "2026-11-25T11:00:00Z"])
        #expect(again.stdoutLines.contains("repaired: nothing needed rebuilding"), "\(again)")
    }

    @Test("warnings only: exit 3 (a loose mode, an old backup, a -shm without its -wal)")
    func warnings() throws {
        let sb = try Self.busyShop()
        chmod(sb.dbPath, 0o644)
        let loose = try sb.run("doctor")
        #expect(loose.exitCode == 3, "\(loose)")
        #expect(
            loose.stdoutLines == [
                "warning: files: \(sb.dbPath): readable or writable by others (mode 644); chmod 600 \(sb.dbPath)",
                "0 problems, 1 warning in \(sb.dbPath)",
            ], "\(loose)")
        chmod(sb.dbPath, 0o600)
        try sb.ok("backup")
        #expect(try sb.run("doctor").exitCode == 0)
        let late = try sb.run(["doctor"], env: ["ORDERCTL_NOW": "2026-11-28T10:00:00Z"])
        #expect(late.exitCode == 3, "\(late)")
        #expect(
            late.stdoutLines.first
                == "warning: backup: \(sb.dir.path)/backups: the newest backup is 3 days old (orders-20261125T100000Z.db), older than backup.max-age 2d; orderctl backup (and a cron line for it: see the README)",
            "\(late)")
        try sb.ok("config", "set", "backup.max-age", "4d")
        #expect(try sb.run(["doctor"], env: ["ORDERCTL_NOW": "2026-11-28T10:00:00Z"]).exitCode == 0)
        // The -wal removed behind orderctl's back (the -shm left): doctor says so before it opens the file.
        // Everything folded into the file first: the -wal removed then holds nothing.
        _ = try sb.sql("PRAGMA wal_checkpoint(TRUNCATE)")
        FileManager.default.createFile(atPath: sb.dbPath + "-shm", contents: Data(count: 32768))
        unlink(sb.dbPath + "-wal")
        let lone = try sb.run("doctor")
        #expect(lone.exitCode == 3, "\(lone)")
        #expect(
            lone.stdoutLines.first?.hasPrefix(
                "warning: files: \(sb.dbPath)-shm: a shared-memory index without its write-ahead log") == true,
            "\(lone)")
    }

    @Test("a lone -wal is a warning, unless the file already holds all of it (a process killed as it closed)")
    func loneWAL() throws {
        let sb = try Self.busyShop()
        // The files as a kill would leave them: the database and its -wal, no -shm.
        func copy(_ name: String) throws -> String {
            let folder = sb.dir.appendingPathComponent(name).path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for suffix in ["", "-wal"] {
                try FileManager.default.copyItem(atPath: sb.dbPath + suffix, toPath: folder + "/orders.db" + suffix)
            }
            return folder + "/orders.db"
        }
        let db = try Database(path: sb.dbPath, create: false)
        try db.execute("PRAGMA wal_autocheckpoint = 0")
        try db.execute("UPDATE customers SET note = 'called about the vase' WHERE email = 'ann@example.com'")
        // The change is only in the log: without it the file is older than what was committed.
        let pending = try copy("pending")
        // Copied into the file, as SQLite's last connection does before it removes -shm, then -wal.
        try db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        let copied = try copy("copied")
        #expect(fileSize(copied + "-wal") > 0)
        let warned = try sb.run("--db", pending, "doctor")
        #expect(
            warned.exitCode == 3
                && warned.stdoutLines.first?.hasPrefix(
                    "warning: files: \(pending)-wal: a write-ahead log without its -shm index") == true,
            "\(warned)")
        let clean = try sb.run("--db", copied, "doctor")
        #expect(clean.exitCode == 0, "\(clean)")
        // Either way the change is there once SQLite has replayed the log.
        for path in [pending, copied] {
            #expect(
                try sb.sql("SELECT note FROM customers WHERE email = 'ann@example.com'", db: path) == [
                    "called about the vase"
                ])
        }
    }

    @Test("a damaged file is a problem, with restore as the fix; --full finds a torn index that quick_check does not")
    func damage() throws {
        let sb = try Self.busyShop()
        _ = try sb.sql("PRAGMA wal_checkpoint(TRUNCATE)")
        let pageSize = Int(try sb.scalar("PRAGMA page_size"))!
        let root = Int(try sb.scalar("SELECT rootpage FROM sqlite_schema WHERE name = 'orders_status'"))!
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: sb.dbPath))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        var page = try #require(try handle.read(upToCount: pageSize))
        // The index entry of D-3's status ('pending') made to say 'pendinG': the table is fine, its index lies.
        let entry = try #require(page.range(of: Data("pending".utf8)))
        page[entry.upperBound - 1] = UInt8(ascii: "G")
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        try handle.write(contentsOf: page)
        try handle.close()
        let quick = try sb.run("doctor")
        let full = try sb.run("doctor", "--full")
        #expect(full.exitCode == 1, "\(full)")
        #expect(
            full.stdoutLines.first?.hasPrefix(
                "problem: integrity: \(sb.dbPath): the file is damaged (SQLite integrity_check: ") == true, "\(full)")
        #expect(
            full.stdoutLines.first?.hasSuffix(
                "; restore a backup: orderctl restore FILE (orderctl doctor on the backup first)") == true, "\(full)")
        // quick_check does not compare an index with its table: the lie goes unseen by it.
        #expect(quick.exitCode == 0 && quick.stdoutLines.last?.hasPrefix("all well: ") == true, "\(quick)")
    }
}

@Suite("upgrade: a backup before a schema step runs")
struct UpgradeBackupTests {
    /// A version-6 database (one schema step behind) with one customer, built in-process.
    static func version6(_ sb: Sandbox) throws {
        let db = try Database(path: sb.dbPath)
        try Migrations.migrate(
            db, path: sb.dbPath, steps: Array(Migrations.steps.prefix(6)), swiftSteps: Migrations.swiftSteps)
        try db.execute(
            """
            INSERT INTO settings(key, value) VALUES ('timezone', 'Europe/Berlin'), ('currency', 'EUR');
            INSERT INTO customers(id, name, email, created_at) VALUES (1, 'Ann', 'ann@example.com', '2026-01-01T00:00:00Z');
            """)
    }

    @Test("opening a database one step behind first copies it to backups/orders-pre-v6-to-v7-TIME.db, then upgrades it")
    func backupBeforeUpgrade() throws {
        let sb = try Sandbox()
        try Self.version6(sb)
        let rows = try sb.rowsDump(sb.dbPath)
        let r = try sb.run("customer", "list")
        #expect(r.exitCode == 0 && r.stderr.isEmpty, "\(r)")
        let backup = sb.dir.appendingPathComponent(
            "backups/orders-pre-v6-to-v\(Migrations.latestVersion)-20261125T100000Z.db"
        ).path
        #expect(try sb.sql("PRAGMA user_version", db: backup) == ["6"])
        #expect(try sb.rowsDump(backup) == rows)
        #expect(try sb.scalar("PRAGMA user_version") == String(Migrations.latestVersion))
        // Only once: the upgraded file is not backed up again.
        try sb.ok("customer", "list")
        #expect(sb.files(in: sb.dir.appendingPathComponent("backups").path).count == 1)
    }

    @Test("when that backup cannot be written, the database is not upgraded and the line says why")
    func noUpgradeWithoutBackup() throws {
        let sb = try Sandbox()
        try Self.version6(sb)
        _ = try sb.sql("INSERT INTO settings(key, value) VALUES ('backup.dir', '/dev/null/backups')")
        let r = try sb.run("customer", "list")
        #expect(r.exitCode == 1, "\(r)")
        #expect(
            r.stderrLines.count == 1
                && r.stderr.hasPrefix(
                    "Error: \(sb.dbPath): not upgraded from schema version 6 to \(Migrations.latestVersion): the backup taken first failed ("
                ), "\(r)")
        #expect(r.stderr.hasSuffix("; nothing was changed\n"), "\(r)")
        #expect(try sb.scalar("PRAGMA user_version") == "6")
    }
}

/// The real age tool (Debian's age package; `make test` installs it).
enum AgeCLI {
    static let age = ["/usr/bin/age", "/usr/local/bin/age"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let keygen = ["/usr/bin/age-keygen", "/usr/local/bin/age-keygen"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static var available: Bool { age != nil && keygen != nil }

    /// A new identity file in the sandbox, and its recipient.
    static func key(_ sb: Sandbox, _ name: String) throws -> (file: String, recipient: String) {
        let file = sb.dir.appendingPathComponent(name).path
        let r = try runProcess(
            URL(fileURLWithPath: keygen!), ["-o", file], environment: [:], directory: sb.dir, scratch: sb.scratch)
        try #require(r.exitCode == 0, "\(r)")
        let y = try runProcess(
            URL(fileURLWithPath: keygen!), ["-y", file], environment: [:], directory: sb.dir, scratch: sb.scratch)
        try #require(y.exitCode == 0, "\(y)")
        return (file, y.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func run(_ sb: Sandbox, _ arguments: [String]) throws -> RunResult {
        try runProcess(URL(fileURLWithPath: age!), arguments, environment: [:], directory: sb.dir, scratch: sb.scratch)
    }
}

@Suite(
    "encrypted backups: the age format, read and written by the real age tool",
    .enabled(if: AgeCLI.available, "age and age-keygen are not installed (make test installs Debian's age package)"))
struct EncryptedBackupTests {
    @Test(
        "backup --recipient: age -d -i KEY gives the database; no plaintext anywhere; restore --identity puts it back")
    func recipient() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.addOrders(2)
        let key = try AgeCLI.key(sb, "key.txt")
        let r = try sb.ok("backup", "--recipient", key.recipient)
        let folder = sb.dir.appendingPathComponent("backups").path
        #expect(
            sb.files(in: folder) == ["orders-20261125T100000Z.db.age"],
            "nothing else, not even for a moment's plaintext: \(sb.files(in: folder))")
        let file = folder + "/orders-20261125T100000Z.db.age"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(
            r.stdout.hasPrefix(
                "backed up to \(file) (\(String(format: "%.0f KiB", Double(size) / 1024)), encrypted): 2 orders (newest P-2, "
            ), "\(r)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(bytes.starts(with: Data("age-encryption.org/v1\n-> X25519 ".utf8)))
        #expect(
            bytes.range(of: Data("ann@example.com".utf8)) == nil && bytes.range(of: Data("SQLite format 3".utf8)) == nil
        )
        #expect(
            sb.files(in: sb.dir.path).filter { $0.hasPrefix(".") && $0 != ".io" } == [],
            "no plaintext left beside the database")
        // The reference tool reads it.
        let plain = sb.dir.appendingPathComponent("plain.db").path
        let d = try AgeCLI.run(sb, ["-d", "-i", key.file, "-o", plain, file])
        #expect(d.exitCode == 0, "\(d)")
        #expect(try sb.rowsDump(plain) == (try sb.rowsDump(sb.dbPath)))
        #expect(try sb.sql("PRAGMA integrity_check", db: plain) == ["ok"])
        // And orderctl restores it.
        try sb.addOrders(1, prefix: "LATER")
        let needsKey = try sb.run("restore", file)
        #expect(
            needsKey.exitCode == 1
                && needsKey.stderrLines == [
                    "Error: \(file): is encrypted (age); give --identity FILE or --passphrase-file FILE"
                ], "\(needsKey)")
        let other = try AgeCLI.key(sb, "other.txt")
        let wrong = try sb.run("restore", file, "--identity", other.file)
        #expect(
            wrong.exitCode == 1 && wrong.stderrLines.count == 1 && wrong.stderr.hasPrefix("Error: \(file): "),
            "\(wrong)")
        #expect(try sb.sql("SELECT count(*) FROM orders") == ["3"])
        let ok = try sb.ok("restore", file, "--identity", key.file)
        #expect(
            ok.stdoutLines.first
                == "\(file) holds \(try sb.factsLine(of: plain)); schema version \(try sb.sql("PRAGMA user_version", db: plain)[0])",
            "\(ok)")
        #expect(try sb.sql("SELECT ref FROM orders ORDER BY ref") == ["P-1", "P-2"])
    }

    @Test("files age made restore: age -r, age -R with two recipients (either key), age -a armored")
    func madeByAge() throws {
        let sb = try Sandbox(template: .withOrder)
        let plain = sb.dir.appendingPathComponent("plain.db").path
        try sb.ok("backup", plain)
        try sb.addOrders(1)
        let one = try AgeCLI.key(sb, "one.txt")
        let two = try AgeCLI.key(sb, "two.txt")
        let list = try sb.write("recipients.txt", "# the shop's two keys\n\(one.recipient)\n\(two.recipient)\n")
        let byR = sb.dir.appendingPathComponent("r.db.age").path
        let byFile = sb.dir.appendingPathComponent("list.db.age").path
        let armored = sb.dir.appendingPathComponent("a.db.age").path
        #expect(try AgeCLI.run(sb, ["-r", one.recipient, "-o", byR, plain]).exitCode == 0)
        #expect(try AgeCLI.run(sb, ["-R", list, "-o", byFile, plain]).exitCode == 0)
        #expect(try AgeCLI.run(sb, ["-a", "-r", one.recipient, "-o", armored, plain]).exitCode == 0)
        for (i, (file, key)) in [(byR, one.file), (byFile, two.file), (byFile, one.file), (armored, one.file)]
            .enumerated()
        {
            try sb.addOrders(1, prefix: "X\(i)")
            let r = try sb.run(["restore", file, "--identity", key], env: ["ORDERCTL_NOW": "2026-11-25T10:0\(i):00Z"])
            #expect(r.exitCode == 0, "\(file) with \(key): \(r)")
            #expect(try sb.sql("SELECT ref FROM orders") == ["A-100"], "\(file)")
        }
        // orderctl's --recipients-file reads the same list; either key opens it.
        try sb.ok("backup", "--recipients-file", list, sb.dir.appendingPathComponent("ours.db.age").path)
        for key in [one.file, two.file] {
            let d = try AgeCLI.run(sb, ["-d", "-i", key, sb.dir.appendingPathComponent("ours.db.age").path])
            #expect(d.exitCode == 0 && d.stdout.hasPrefix("SQLite format 3"), "\(key)")
        }
    }

    @Test("a truncated, reordered or tampered encrypted backup is refused with one line; the database is unchanged")
    func damaged() throws {
        let sb = try Sandbox(template: .catalog)
        // Enough orders for a backup of several 64 KiB chunks.
        try sb.addOrders(3)
        let key = try AgeCLI.key(sb, "key.txt")
        let file = sb.dir.appendingPathComponent("b.db.age").path
        try sb.ok("backup", "--recipient", key.recipient, file)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let headerEnd = try #require(bytes.range(of: Data("\n--- ".utf8))).upperBound + 44 + 16
        let chunk = 65536 + 16
        try #require(bytes.count > headerEnd + 3 * chunk, "\(bytes.count) bytes: need at least 3 chunks")
        var flipped = bytes
        flipped[headerEnd + 100] ^= 1
        var swapped = bytes
        swapped.replaceSubrange(
            headerEnd..<(headerEnd + 2 * chunk),
            with: bytes[(headerEnd + chunk)..<(headerEnd + 2 * chunk)] + bytes[headerEnd..<(headerEnd + chunk)])
        let cases: [(String, Data, String)] = [
            ("cut.db.age", bytes.prefix(headerEnd + chunk), "truncated"),
            ("half.db.age", bytes.prefix(bytes.count - 10), "truncated"),
            ("flipped.db.age", flipped, "damaged or tampered (chunk 1 fails its check)"),
            ("swapped.db.age", swapped, "damaged or tampered (chunk 1 fails its check)"),
            ("extra.db.age", bytes + Data("more".utf8), "tampered"),
        ]
        let before = try sb.dump()
        for (name, data, expected) in cases {
            let path = sb.dir.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: path))
            let r = try sb.run("restore", path, "--identity", key.file)
            #expect(
                r.exitCode == 1 && r.stderrLines.count == 1 && r.stderr.hasPrefix("Error: \(path): ")
                    && r.stderr.contains(expected), "\(name): \(r.stderr)")
        }
        #expect(try sb.dump() == before)
        #expect(
            sb.files(in: sb.dir.path).filter { $0.hasPrefix(".") && $0 != ".io" } == [],
            "no plaintext left beside the database")
    }

    @Test(
        "--passphrase-file: scrypt at age's work factor; restore with the same file; a loose file or a missing key is refused"
    )
    func passphrase() throws {
        let sb = try Sandbox(template: .withOrder)
        let secret = try sb.write("pass.txt", "correct horse battery staple\n")
        let loose = try sb.run("backup", "--passphrase-file", secret)
        #expect(
            loose.exitCode == 1
                && loose.stderrLines == [
                    "Error: passphrase file \(secret) may be read by others (mode 644); chmod 600 \(secret)"
                ], "\(loose)")
        chmod(secret, 0o600)
        let file = sb.dir.appendingPathComponent("p.db.age").path
        try sb.ok("backup", "--passphrase-file", secret, file)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(bytes.starts(with: Data("age-encryption.org/v1\n-> scrypt ".utf8)))
        let stanza = String(decoding: bytes.prefix(200), as: UTF8.self).split(separator: "\n")[1]
        #expect(stanza.hasSuffix(" 18"), "work factor: \(stanza)")
        try sb.addOrders(1)
        let wrongFile = try sb.write("wrong.txt", "Tr0ub4dor&3\n")
        chmod(wrongFile, 0o600)
        let wrong = try sb.run("restore", file, "--passphrase-file", wrongFile)
        #expect(wrong.exitCode == 1 && wrong.stderrLines.count == 1 && wrong.stderr.contains("passphrase"), "\(wrong)")
        try sb.ok("restore", file, "--passphrase-file", secret)
        #expect(try sb.sql("SELECT ref FROM orders") == ["A-100"])
        let usage = try sb.run("backup", "--encrypt")
        #expect(
            usage.exitCode == 64
                && usage.stderr.contains(
                    "--encrypt needs --recipient age1..., --recipients-file FILE or --passphrase-file FILE"),
            "\(usage)")
        let both = try sb.run("backup", "--passphrase-file", secret, "--recipient", "age1x")
        #expect(both.exitCode == 64, "\(both)")
        let bad = try sb.run("backup", "--recipient", "age1notakey")
        #expect(
            bad.exitCode == 64 && bad.stderrLines.first?.hasPrefix("Error: --recipient: ") == true, "\(bad)")
        #expect(sb.files(in: sb.dir.appendingPathComponent("backups").path) == [])
    }
}

@Suite(
    "a database one may read but not write",
    .enabled(
        if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
        "needs root and setpriv, to run orderctl as user nobody"))
struct ReadOnlyDatabaseTests {
    /// Runs orderctl as user nobody (uid 65534), who may read the sandbox's files but not write them.
    static func asNobody(_ sb: Sandbox, _ arguments: [String]) throws -> RunResult {
        try runProcess(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=65534", "--regid=65534", "--clear-groups", sb.binary.path] + arguments,
            environment: sb.environment(), directory: sb.dir, scratch: sb.scratch)
    }

    static func readable(_ sb: Sandbox) {
        chmod(sb.dir.path, 0o755)
        for suffix in ["", "-wal", "-shm"] { chmod(sb.dbPath + suffix, 0o644) }
    }

    @Test(
        "reading works, with the same output as for its owner; a write says the file is read-only and changes nothing")
    func readsWorkWritesRefused() throws {
        let sb = try Sandbox(template: .withOrder)
        try sb.ok("pay", "A-100", "--amount", "19.90")
        Self.readable(sb)
        for command in [
            ["list"], ["show", "A-100"], ["product", "list"], ["stats", "--by", "month"], ["verify"],
            ["history", "A-100"],
        ] {
            let mine = try sb.run(command)
            let theirs = try Self.asNobody(sb, command)
            #expect(mine.exitCode == 0 && theirs.exitCode == 0, "\(command): \(theirs)")
            #expect(theirs.stdout == mine.stdout && theirs.stderr.isEmpty, "\(command): \(theirs)")
        }
        let before = try sb.dump()
        let add = try Self.asNobody(sb, ["add", "--customer", "ann@example.com", "--item", "MUG-01"])
        #expect(add.exitCode == 1, "\(add)")
        #expect(
            add.stderrLines == [
                "Error: \(sb.dbPath) is read-only here (the file, its folder or the disk), and this command changes it; nothing was changed"
            ], "\(add)")
        let note = try Self.asNobody(sb, ["note", "A-100", "called the customer"])
        #expect(note.exitCode == 1 && note.stderr.contains("is read-only here"), "\(note)")
        #expect(try sb.dump() == before)
    }

    @Test("a log with changes but no index it could make: refused with a line, never read without those changes")
    func walWithoutIndex() throws {
        let sb = try Sandbox(template: .withOrder)
        // Another connection open meanwhile (a long-running reader), so the command's
        // close does not fold its log into the file.
        let reader = try Database(path: sb.dbPath, create: false)
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--ref", "IN-LOG")
        try #require(
            (try FileManager.default.attributesOfItem(atPath: sb.dbPath + "-wal")[.size] as? Int ?? 0) > 0,
            "the order is in the log")
        unlink(sb.dbPath + "-shm")
        Self.readable(sb)
        let r = try Self.asNobody(sb, ["list"])
        #expect(r.exitCode == 1, "\(r)")
        #expect(
            r.stderrLines.count == 1
                && r.stderr.hasPrefix(
                    "Error: \(sb.dbPath): cannot be read here: its write-ahead log (\(sb.dbPath)-wal) holds changes"),
            "\(r)")
        withExtendedLifetime(reader) {}
    }
}

@Suite("a file known to be damaged is marked, and no command writes to it until restore or --repair")
struct DamageMarkerTests {
    /// Flips the first 200 bytes of the orders table's root page.
    static func damage(_ sb: Sandbox) throws {
        _ = try sb.sql("PRAGMA wal_checkpoint(TRUNCATE)")
        let pageSize = Int(try sb.scalar("PRAGMA page_size"))!
        let root = Int(try sb.scalar("SELECT rootpage FROM sqlite_schema WHERE name = 'orders'"))!
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: sb.dbPath))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        var page = try #require(try handle.read(upToCount: 200))
        for i in page.indices { page[i] ^= 0x55 }
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        try handle.write(contentsOf: page)
        try handle.close()
    }

    @Test(
        "damage found by a command or doctor marks the file; writes are refused with one line; restore clears the mark")
    func markedUntilRestored() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.addOrders(3)
        let good = sb.dir.appendingPathComponent("good.db").path
        try sb.ok("backup", good)
        try Self.damage(sb)
        let marker = sb.dbPath + ".damaged"
        let list = try sb.run("list")
        #expect(list.exitCode == 1, "\(list)")
        #expect(
            list.stderrLines == [
                "Error: \(sb.dbPath) is damaged (database disk image is malformed); orderctl will not change it from now on: run 'orderctl doctor --full', then restore a backup with 'orderctl restore FILE'"
            ], "\(list)")
        #expect(
            try String(contentsOfFile: marker, encoding: .utf8)
                == "2026-11-25T10:00:00Z a command read damaged data: database disk image is malformed\n")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: sb.dbPath))
        let add = try sb.run("add", "--customer", "ann@example.com", "--item", "MUG-01")
        #expect(add.exitCode == 1, "\(add)")
        #expect(
            add.stderrLines.last
                == "Error: \(sb.dbPath) is marked damaged (2026-11-25T10:00:00Z a command read damaged data: database disk image is malformed), so nothing is changed in it: replace it with 'orderctl restore FILE' (or, once 'orderctl doctor --full' finds it whole, clear the mark with 'orderctl doctor --repair')",
            "\(add)")
        #expect(add.stderrLines.first?.hasPrefix("Warning: \(sb.dbPath) is marked damaged (") == true, "\(add)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: sb.dbPath)) == bytes, "not a byte written")
        let doctor = try sb.run("doctor")
        #expect(doctor.exitCode == 1, "\(doctor)")
        #expect(
            doctor.stdoutLines.first
                == "problem: integrity: \(sb.dbPath): the file is damaged (SQLite quick_check: database disk image is malformed); restore a backup: orderctl restore FILE (orderctl doctor on the backup first)",
            "\(doctor)")
        let repair = try sb.run("doctor", "--repair")
        #expect(
            repair.exitCode == 1
                && repair.stderrLines.last?.hasPrefix("Error: doctor --repair backs up first, and that failed (")
                    == true,
            "\(repair)")
        // Not backed up while marked: retention would let it push good backups out.
        let backup = try sb.run("backup")
        #expect(
            backup.exitCode == 1
                && backup.stderrLines.last?.hasPrefix("Error: \(sb.dbPath) is marked damaged (") == true
                && backup.stderr.contains("so it is not backed up"), "\(backup)")
        #expect(!FileManager.default.fileExists(atPath: sb.dir.appendingPathComponent("backups").path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: sb.dbPath)) == bytes)
        // restore replaces the file; the mark goes with the file it was about.
        try sb.ok("restore", good)
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(FileManager.default.fileExists(atPath: sb.dbPath + ".pre-restore-20261125T100000Z.damaged"))
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--ref", "AFTER")
        let after = try sb.run("doctor")
        #expect(after.exitCode == 0, "\(after)")
    }

    @Test("a mark on a file that is whole: doctor says so (exit 1); doctor --repair clears it and writes work again")
    func markOnWholeFile() throws {
        let sb = try Sandbox(template: .withOrder)
        try "2026-11-24T08:00:00Z doctor: the file is damaged (a test)\n".write(
            toFile: sb.dbPath + ".damaged", atomically: true, encoding: .utf8)
        let doctor = try sb.run("doctor")
        #expect(doctor.exitCode == 1, "\(doctor)")
        #expect(
            doctor.stdoutLines.first?.hasPrefix(
                "problem: integrity: \(sb.dbPath): marked damaged (2026-11-24T08:00:00Z doctor: the file is damaged (a test)), so nothing can be changed in it, though it passes SQLite's quick_check now"
            ) == true, "\(doctor)")
        #expect(try sb.run("note", "A-100", "x").exitCode == 1)
        let repair = try sb.run("doctor", "--repair")
        #expect(repair.exitCode == 0, "\(repair)")
        #expect(
            repair.stdoutLines.contains(
                "cleared the damage mark (2026-11-24T08:00:00Z doctor: the file is damaged (a test)): the file passes SQLite's quick_check and its schema is orderctl's now"
            ), "\(repair)")
        #expect(!FileManager.default.fileExists(atPath: sb.dbPath + ".damaged"))
        try sb.ok("note", "A-100", "x")
    }
}

enum TmpfsProbe {
    /// Whether this machine lets the tests mount a tmpfs (tried once).
    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orderctl-mount-probe-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]
        guard (try? mount.run()) != nil else { return false }
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { return false }
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [dir]
        try? umount.run()
        umount.waitUntilExit()
        return true
    }()
}

@Suite(
    "a short disk: said before an import starts",
    .enabled(if: TmpfsProbe.canMount, "cannot mount a small tmpfs here (needs root and mount rights)"))
struct DiskSpaceTests {

    @Test(
        "an import whose input needs more than the free space is refused before it starts, naming what it needs and what is free"
    )
    func importChecksFreeSpace() throws {
        let sb = try Sandbox()
        let mountPoint = sb.dir.appendingPathComponent("small").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try runProcess(
            URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint],
            environment: [:], directory: sb.dir, scratch: sb.scratch)
        try #require(mount.exitCode == 0, "cannot mount a tmpfs here: \(mount)")
        defer {
            _ = try? runProcess(
                URL(fileURLWithPath: "/bin/umount"), [mountPoint], environment: [:], directory: sb.dir,
                scratch: sb.scratch)
        }
        let db = mountPoint + "/orders.db"
        try sb.ok(["init", "--db", db])
        try sb.ok(["product", "add", "MUG-01", "--name", "Mug", "--price", "1.00", "--db", db])
        // 1 MiB of orders needs about 5 MiB; the disk has under 3.
        var text = "ref,ordered_at,customer_email,sku,quantity\n"
        var i = 0
        while text.utf8.count < 1 << 20 {
            i += 1
            text += "S-\(i),2026-10-01T09:00:00Z,buyer\(i)@example.com,MUG-01,1\n"
        }
        let file = try sb.write("big.csv", text)
        let before = try sb.sql("SELECT count(*) FROM orders", db: db)
        let r = try sb.run(["import", file, "--db", db])
        #expect(r.exitCode == 1, "\(r)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(
            r.stderrLines.count == 1
                && r.stderr.hasPrefix(
                    "Error: \(file): not enough free space on the disk holding \(db): an import of this file needs about \(String(format: "%.1f MiB", Double(size * 5) / 1_048_576)) (5 to 8 times the input, for the new rows and the write-ahead log), and "
                ), "\(r)")
        #expect(
            r.stderr.hasSuffix(" is free; nothing was imported. Free some space, or import the file in parts\n"), "\(r)"
        )
        #expect(try sb.sql("SELECT count(*) FROM orders", db: db) == before)
        // A small file fits.
        let small = try sb.write(
            "small.csv", "ref,ordered_at,customer_email,sku,quantity\nS-1,2026-10-01T09:00:00Z,a@example.com,MUG-01,1\n"
        )
        try sb.ok(["import", small, "--db", db])
    }
}

@Suite("a file without orderctl's schema is not taken for a new shop")
struct EmptyFileTests {
    @Test(
        "list, doctor, backup on a zero-length file: one line, exit 1, the file untouched; init still makes one there")
    func emptyFile() throws {
        let sb = try Sandbox()
        FileManager.default.createFile(atPath: sb.dbPath, contents: Data(), attributes: [.posixPermissions: 0o600])
        for command in [
            ["list"], ["doctor", "--full"], ["backup", sb.dir.appendingPathComponent("b.db").path], ["verify"],
        ] {
            let r = try sb.run(command)
            #expect(r.exitCode == 1, "\(command): \(r)")
            #expect(
                r.stderrLines == [
                    "Error: \(sb.dbPath): holds no orderctl database (an empty file: was it cut short, or copied without its -wal?); nothing was changed. 'orderctl init' makes a new database there, 'orderctl restore FILE' puts a backup in its place"
                ], "\(command): \(r)")
            #expect(try FileManager.default.attributesOfItem(atPath: sb.dbPath)[.size] as? Int == 0)
            #expect(!FileManager.default.fileExists(atPath: sb.dbPath + "-wal"))
        }
        try sb.ok("init")
        try sb.ok("list")
    }
}

@Suite("the schema's text is checked on every open, compared by doctor, mended by --repair")
struct SchemaCheckTests {
    /// Changes one object's text in sqlite_schema behind orderctl's back, as a flipped
    /// byte or a hand edit would: SQL that still parses.
    static func edit(_ sb: Sandbox, _ name: String, _ from: String, _ to: String) throws {
        func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        _ = try sb.sql(
            "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, \(literal(from)), \(literal(to))) WHERE name = '\(name)'"
        )
        #expect(
            try sb.scalar("SELECT instr(sql, \(literal(to))) > 0 FROM sqlite_schema WHERE name = '\(name)'") == "1",
            "the edit took")
        #expect(try sb.sql("PRAGMA integrity_check") == ["ok"], "SQLite's own check does not see it")
    }

    @Test(
        "a partial index's WHERE changed: the next command marks the file, writes are refused, doctor names it, --repair remakes it"
    )
    func changedIndex() throws {
        let sb = try DoctorTests.busyShop()
        let clean = try sb.scalar("SELECT sql FROM sqlite_schema WHERE name = 'orders_in_status'")
        try Self.edit(sb, "orders_in_status", "'shipped'", "'shipqed'")
        let orders = try sb.scalar("SELECT count(*) FROM orders")
        let reason =
            "its schema was changed outside orderctl, or is damaged: the index orders_in_status differs from the one orderctl made"
        let list = try sb.run("list")
        #expect(list.exitCode == 0, "reading goes on: \(list)")
        #expect(
            list.stderrLines == [
                "Warning: \(sb.dbPath) is marked damaged (2026-11-25T10:00:00Z \(reason)): what it shows may be wrong, and it cannot be changed; 'orderctl doctor' says what differs, and 'orderctl doctor --repair' remakes an index, trigger or view; a table needs 'orderctl restore FILE'"
            ], "\(list)")
        #expect(
            try String(contentsOfFile: sb.dbPath + ".damaged", encoding: .utf8) == "2026-11-25T10:00:00Z \(reason)\n")
        let add = try sb.run("add", "--customer", "ann@example.com", "--item", "MUG-01")
        #expect(
            add.exitCode == 1 && add.stderrLines.last?.hasPrefix("Error: \(sb.dbPath) is marked damaged (") == true,
            "\(add)")
        #expect(try sb.scalar("SELECT count(*) FROM orders") == orders)
        let backup = try sb.run("backup", sb.dir.appendingPathComponent("b.db").path)
        #expect(backup.exitCode == 1, "a file with a changed schema is not backed up as a good copy: \(backup)")

        let doctor = try sb.run("doctor")
        #expect(doctor.exitCode == 1, "\(doctor)")
        #expect(
            doctor.stdoutLines.first
                == "problem: schema: orders_in_status: the index differs from orderctl's schema (changed outside orderctl, or damaged); orderctl doctor --repair makes it again from orderctl's schema (after a backup)",
            "\(doctor)")

        let repair = try sb.run("doctor", "--repair")
        #expect(repair.exitCode == 0, "\(repair)")
        #expect(repair.stdoutLines.contains("rebuilt the index orders_in_status from orderctl's schema"), "\(repair)")
        #expect(repair.stdoutLines.contains { $0.hasPrefix("cleared the damage mark (") }, "\(repair)")
        #expect(repair.stdoutLines.last == "all well: 16 checks of \(sb.dbPath) passed", "\(repair)")
        #expect(try sb.scalar("SELECT sql FROM sqlite_schema WHERE name = 'orders_in_status'") == clean)
        #expect(!FileManager.default.fileExists(atPath: sb.dbPath + ".damaged"))
        // The copy --repair kept first is the file as it was, changed index and all.
        let kept = try #require(
            repair.stdoutLines.first?.replacingOccurrences(of: "backed up to ", with: "").replacingOccurrences(
                of: " before repairing", with: ""))
        #expect(
            try sb.sql("SELECT instr(sql, 'shipqed') > 0 FROM sqlite_schema WHERE name = 'orders_in_status'", db: kept)
                == ["1"])
        let restore = try sb.run("restore", kept, "--dry-run")
        #expect(
            restore.exitCode == 1
                && restore.stderrLines == [
                    "Error: \(kept): damaged: its schema was changed outside orderctl, or is damaged: the index orders_in_status differs from the one orderctl made"
                ], "\(restore)")
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01")
        #expect(try sb.sql("PRAGMA integrity_check") == ["ok"])
    }

    @Test("a summary trigger changed: --repair remakes it and then the sums it kept wrong")
    func changedTrigger() throws {
        let sb = try DoctorTests.busyShop()
        try Self.edit(
            sb, "order_lines_stats_insert", "units = units + excluded.units", "units = units - excluded.units")
        // Written once more on purpose, behind the mark: the wrong trigger's sums.
        _ = try sb.sql(
            "INSERT INTO order_lines(order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source) SELECT o.id, 9, l.product_id, l.sku, l.name, 1, l.unit_price, l.unit_price, 'catalog' FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.ref = 'D-1' LIMIT 1"
        )
        let doctor = try sb.run("doctor")
        #expect(doctor.exitCode == 1, "\(doctor)")
        #expect(
            doctor.stdoutLines.first?.hasPrefix(
                "problem: schema: order_lines_stats_insert: the trigger differs from orderctl's schema") == true,
            "\(doctor)")
        let repair = try sb.run("doctor", "--repair")
        #expect(
            repair.stdoutLines.contains("rebuilt the trigger order_lines_stats_insert from orderctl's schema"),
            "\(repair)")
        #expect(
            repair.stdoutLines.contains { $0.hasPrefix("rebuilt stats_daily_product (") },
            "the sums the wrong trigger kept: \(repair)")
        // What is left is the line added by hand (its order's total and stock disagree):
        // not derived data, so not repaired, and no schema problem.
        #expect(!repair.stdout.contains("problem: schema"), "\(repair)")
        #expect(
            try sb.scalar("SELECT sum(units) FROM stats_daily_product")
                == sb.scalar(
                    "SELECT sum(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status <> 'cancelled'"
                ))
    }

    @Test("a table's definition changed is not mended by --repair: the mark stays and restore is the way")
    func changedTable() throws {
        let sb = try DoctorTests.busyShop()
        let good = sb.dir.appendingPathComponent("good.db").path
        try sb.ok("backup", good)
        try Self.edit(
            sb, "order_lines", "reserved     INTEGER NOT NULL DEFAULT 0", "reserved     INTEGER NOT NULL DEFAULT 7")
        let doctor = try sb.run("doctor")
        #expect(
            doctor.stdoutLines.first
                == "problem: schema: order_lines: the table differs from orderctl's schema (changed outside orderctl, or damaged); restore a backup: orderctl restore FILE (orderctl doctor on the backup first)",
            "\(doctor)")
        let repair = try sb.run("doctor", "--repair")
        #expect(repair.exitCode == 1 && !repair.stdout.contains("cleared the damage mark"), "\(repair)")
        #expect(FileManager.default.fileExists(atPath: sb.dbPath + ".damaged"))
        try sb.ok("restore", good)
        #expect(!FileManager.default.fileExists(atPath: sb.dbPath + ".damaged"))
        #expect(try sb.ok("doctor").stdoutLines.last == "all well: 16 checks of \(sb.dbPath) passed")
    }

    @Test("the kept text changed (schema_objects): found on open and by doctor, kept again by --repair")
    func changedRecord() throws {
        let sb = try DoctorTests.busyShop()
        _ = try sb.sql("UPDATE schema_objects SET sql = sql || ' ' WHERE name = 'orders_due'")
        let list = try sb.run("list")
        #expect(
            list.stderrLines.first?.contains("the index orders_due differs from the one orderctl made") == true,
            "\(list)")
        let doctor = try sb.run("doctor")
        #expect(
            doctor.stdoutLines.first?.hasPrefix(
                "problem: schema: schema_objects: the schema's kept text disagrees with the file: ") == true,
            "\(doctor)")
        let repair = try sb.run("doctor", "--repair")
        #expect(
            repair.exitCode == 0 && repair.stdoutLines.contains("rebuilt the schema's kept text (schema_objects)"),
            "\(repair)")
        #expect(
            try sb.scalar(
                "SELECT count(*) FROM schema_objects o JOIN sqlite_schema s USING (name) WHERE s.sql IS o.sql")
                == sb.scalar("SELECT count(*) FROM schema_objects"))
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01")
    }

    @Test("the owner's own index and view are not damage; an upgrade leaves them out of the kept text")
    func ownObjects() throws {
        let sb = try DoctorTests.busyShop()
        _ = try sb.sql(
            "CREATE INDEX my_orders_by_total ON orders(total); CREATE VIEW my_big_orders AS SELECT ref FROM orders WHERE total > 1000"
        )
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01")
        #expect(try sb.ok("doctor").stdoutLines.last == "all well: 16 checks of \(sb.dbPath) passed")
        #expect(try sb.scalar("SELECT count(*) FROM schema_objects WHERE name LIKE 'my_%'") == "0")

        // A database from before step 8 with an object of the owner's: the upgrade keeps
        // the text of orderctl's objects only (every one the schema has).
        let old = try Sandbox()
        try UpgradeBackupTests.version6(old)
        _ = try old.sql("CREATE INDEX my_customers_by_name ON customers(name)")
        try old.ok("customer", "list")
        #expect(try old.scalar("SELECT count(*) FROM schema_objects WHERE name LIKE 'my_%'") == "0")
        #expect(try old.scalar("SELECT count(*) FROM schema_objects") == String(Migrations.embeddedSchema?.count ?? -1))
        let doctor = try old.run("doctor")
        #expect(doctor.exitCode != 1 && !doctor.stdout.contains("schema"), "\(doctor)")
    }
}
