import Foundation
import Testing

/// `orderctl verify` walks the hash chain over order_events. These tests tamper with
/// the log directly with sqlite3 (after dropping the append-only triggers) and expect
/// verify to name the first event that no longer fits.
@Suite("verify: the tamper-evident history")
struct VerifyTests {
    /// V-1 completed (add, confirm, pay, ship, deliver), V-2 on hold, V-3 cancelled.
    func history() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(annOrder + ["--item", "MUG-01:2", "--item", "CARD", "--ref", "V-1"])
        try sb.ok(annOrder + ["--item", "TEE-M", "--ref", "V-2"])
        try sb.ok(annOrder + ["--item", "CARD:2", "--ref", "V-3"])
        try sb.ok("confirm", "V-1", "V-2")
        try sb.ok("pay", "V-1", "--method", "card")
        try sb.ok("ship", "V-1")
        try sb.ok("deliver", "V-1")
        try sb.ok("hold", "V-2", "--reason", "address")
        try sb.ok("note", "V-2", "customer will call")
        try sb.ok("cancel", "V-3", "--reason", "duplicate")
        return sb
    }

    /// id, seq and kind of the first event of `ref` of that kind.
    func event(_ sb: Sandbox, _ ref: String, _ kind: String) throws -> (id: Int, seq: Int) {
        let row = try sb.scalar(
            """
            SELECT e.id || '|' || e.seq FROM order_events e JOIN orders o ON o.id = e.order_id
            WHERE o.ref = '\(ref)' AND e.kind = '\(kind)' ORDER BY e.id LIMIT 1
            """)
        let f = row.split(separator: "|").map { Int($0)! }
        return (f[0], f[1])
    }

    func dropTriggers(_ sb: Sandbox) throws {
        _ = try sb.sql("DROP TRIGGER order_events_no_update; DROP TRIGGER order_events_no_delete;")
    }

    /// A careful tamperer puts the triggers back as orderctl made them (the text kept in
    /// schema_objects), so that only the chain can tell.
    func restoreTriggers(_ sb: Sandbox) throws {
        for name in ["order_events_no_update", "order_events_no_delete"]
        where try sb.scalar("SELECT count(*) FROM sqlite_schema WHERE name = '\(name)'") == "0" {
            _ = try sb.sql(try sb.sql("SELECT sql FROM schema_objects WHERE name = '\(name)'").joined(separator: "\n"))
        }
    }

    func expectFails(_ sb: Sandbox, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try restoreTriggers(sb)
        let r = try sb.run("verify")
        #expect(r.exitCode == 1, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderrLines == ["Error: history check failed: " + message], sourceLocation: sourceLocation)
    }

    @Test("passes on a normal database and counts every event")
    func intact() throws {
        let sb = try history()
        let events = try sb.scalar("SELECT count(*) FROM order_events")
        #expect(Int(events)! > 20)
        let head = try sb.scalar("SELECT '#' || id || ' ' || hash FROM order_events ORDER BY id DESC LIMIT 1")
        let r = try sb.ok("verify")
        #expect(r.stdoutLines == ["history intact: \(events) events of 3 orders checked", "head: \(head)"])
        #expect(r.stderr.isEmpty)
        // Every event carries a hash chained to the one before it.
        #expect(try sb.scalar("SELECT count(*) FROM order_events WHERE hash IS NULL OR length(hash) <> 64") == "0")
        #expect(
            try sb.scalar(
                """
                SELECT count(*) FROM order_events e JOIN order_events p ON p.id = (SELECT max(id) FROM order_events WHERE id < e.id)
                WHERE e.prev_hash <> p.hash
                """) == "0")
        // An empty database verifies too.
        let empty = try Sandbox(template: .catalog)
        #expect(try empty.ok("verify").stdoutLines == ["history intact: 0 events of 0 orders checked"])
    }

    @Test("the log is append-only while the triggers are there")
    func appendOnly() throws {
        let sb = try history()
        for statement in ["UPDATE order_events SET detail = 'x' WHERE id = 1", "DELETE FROM order_events WHERE id = 1"]
        {
            let r = try runProcess(
                Sandbox.sqlite3, ["-batch", sb.dbPath, statement], environment: ["HOME": sb.dir.path],
                directory: sb.dir, scratch: sb.scratch)
            #expect(r.exitCode != 0, "\(r)")
            #expect(r.stderr.contains("order_events is append-only"), "\(r)")
        }
        try sb.ok("verify")
    }

    @Test("a tamperer who leaves the append-only triggers dropped is caught as the file opens")
    func triggersLeftDropped() throws {
        let sb = try history()
        try dropTriggers(sb)
        let r = try sb.run("verify")
        #expect(r.exitCode == 0, "the chain itself is intact: \(r)")
        #expect(
            r.stderrLines.first?.contains(
                "its schema was changed outside orderctl, or is damaged: the trigger order_events_no_delete that orderctl made is missing"
            ) == true, "\(r)")
        let add = try sb.run("note", "V-1", "a note")
        #expect(add.exitCode == 1, "nothing is written to a file whose schema was changed: \(add)")
    }

    @Test("a whole order deleted behind orderctl's back (its events left): verify says so")
    func orderRowDeleted() throws {
        let sb = try history()
        _ = try sb.sql(
            "DELETE FROM order_lines WHERE order_id = (SELECT id FROM orders WHERE ref = 'V-3'); DELETE FROM orders WHERE ref = 'V-3'"
        )
        try expectFails(
            sb, "the events of 1 order(s) have no order any more: the order was deleted other than through orderctl")
    }

    @Test("an order's currency changed to one orderctl does not know: a finding, not a stop")
    func unknownCurrency() throws {
        let sb = try history()
        _ = try sb.sql("UPDATE orders SET currency = 'XXX' WHERE ref = 'V-1'")
        let r = try sb.run("verify")
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stderrLines.count == 1, "\(r)")
        #expect(r.stderrLines.first?.hasPrefix("Error: history check failed: ") == true, "\(r)")
        #expect(r.stderrLines.first?.contains("V-1") == true, "\(r)")
    }

    @Test("one event's text changed: that event is named")
    func changedText() throws {
        let sb = try history()
        let paid = try event(sb, "V-1", "paid")
        try dropTriggers(sb)
        _ = try sb.sql("UPDATE order_events SET new_value = '1.00 EUR' WHERE id = \(paid.id)")
        try expectFails(
            sb, "event #\(paid.id) (order V-1, seq \(paid.seq), paid) was changed: its content does not match its hash")
    }

    @Test("one event's time changed, or moved to another order: that event is named")
    func changedOtherFields() throws {
        let sb = try history()
        let note = try event(sb, "V-2", "note")
        try dropTriggers(sb)
        _ = try sb.sql("UPDATE order_events SET at = '2026-11-24T10:00:00Z' WHERE id = \(note.id)")
        try expectFails(
            sb, "event #\(note.id) (order V-2, seq \(note.seq), note) was changed: its content does not match its hash")

        let sb2 = try history()
        let hold = try event(sb2, "V-2", "status")
        try dropTriggers(sb2)
        _ = try sb2.sql(
            "UPDATE order_events SET order_id = (SELECT id FROM orders WHERE ref = 'V-3'), seq = 99 WHERE id = \(hold.id)"
        )
        try expectFails(
            sb2, "event #\(hold.id) (order V-3, seq 99, status) was changed: its content does not match its hash")
    }

    @Test("one event deleted: the event after it is named")
    func deleted() throws {
        let sb = try history()
        let shipped = try event(sb, "V-1", "shipped")
        try dropTriggers(sb)
        _ = try sb.sql("DELETE FROM order_events WHERE id = \(shipped.id)")
        let next = try sb.scalar(
            "SELECT id || '|' || seq || '|' || kind FROM order_events WHERE id > \(shipped.id) ORDER BY id LIMIT 1"
        )
        .split(separator: "|").map(String.init)
        try expectFails(
            sb,
            "event #\(next[0]) (order V-1, seq \(next[1]), \(next[2])) does not follow the event before it: an event was removed, inserted or moved just before it"
        )
    }

    @Test("two events swapped by id: the first of them is named")
    func swappedIDs() throws {
        let sb = try history()
        let a = try event(sb, "V-1", "shipped")
        let b = try event(sb, "V-2", "note")
        try dropTriggers(sb)
        _ = try sb.sql(
            """
            UPDATE order_events SET id = -1 WHERE id = \(a.id);
            UPDATE order_events SET id = \(a.id) WHERE id = \(b.id);
            UPDATE order_events SET id = \(b.id) WHERE id = -1;
            """)
        // Row a.id now holds the note of V-2.
        try expectFails(
            sb, "event #\(a.id) (order V-2, seq \(b.seq), note) was changed: its content does not match its hash")
    }

    @Test("two events swapped by content, hashes and all: the first of them is named")
    func swappedContents() throws {
        let sb = try history()
        let a = try event(sb, "V-1", "paid")
        let b = a.id + 1
        let bRow = try sb.scalar("SELECT seq || '|' || kind FROM order_events WHERE id = \(b)").split(separator: "|")
            .map(String.init)
        try dropTriggers(sb)
        let columns = ["order_id", "seq", "at", "kind", "old_value", "new_value", "detail", "prev_hash", "hash"]
        _ = try sb.sql(
            """
            CREATE TEMP TABLE t AS SELECT * FROM order_events WHERE id IN (\(a.id), \(b));
            UPDATE order_events SET seq = -seq WHERE id IN (\(a.id), \(b));
            UPDATE order_events SET \(columns.map { "\($0) = (SELECT \($0) FROM t WHERE t.id = \(b))" }.joined(separator: ", ")) WHERE id = \(a.id);
            UPDATE order_events SET \(columns.map { "\($0) = (SELECT \($0) FROM t WHERE t.id = \(a.id))" }.joined(separator: ", ")) WHERE id = \(b);
            """)
        #expect(try sb.scalar("SELECT kind FROM order_events WHERE id = \(a.id)") == bRow[1])
        try expectFails(
            sb,
            "event #\(a.id) (order V-1, seq \(bRow[0]), \(bRow[1])) was changed: its content does not match its hash")
    }

    @Test("the newest event deleted: verify says the log was cut short")
    func newestDeleted() throws {
        let sb = try history()
        let last = Int(try sb.scalar("SELECT max(id) FROM order_events"))!
        try dropTriggers(sb)
        _ = try sb.sql("DELETE FROM order_events WHERE id = \(last)")
        try expectFails(
            sb, "the newest events were removed: the log ends at event #\(last - 1), but event #\(last) was written")
    }

    @Test("an order's status changed behind the tool's back is found against its history")
    func orderRowChanged() throws {
        let sb = try history()
        _ = try sb.sql("UPDATE orders SET status = 'confirmed' WHERE ref = 'V-2'")
        try expectFails(sb, "order V-2 says it is confirmed, but its history says on_hold: the order row was changed")
    }

    @Test("a payment removed behind the tool's back is found against the history")
    func paymentRemoved() throws {
        let sb = try history()
        _ = try sb.sql("DELETE FROM payments WHERE order_id = (SELECT id FROM orders WHERE ref = 'V-1')")
        try expectFails(
            sb, "order V-1: paid total 2705, payments 0, history 2705 (minor units) disagree: payments were changed")
    }

    @Test("an event appended with a correct hash but behind the tool's back: the head does not match")
    func appendedBehindBack() throws {
        let sb = try history()
        let last = try sb.scalar("SELECT id || '|' || hash FROM order_events ORDER BY id DESC LIMIT 1").split(
            separator: "|"
        ).map(String.init)
        let id = Int(last[0])! + 1
        let orderID = try sb.scalar("SELECT id FROM orders WHERE ref = 'V-1'")
        let seq = Int(try sb.scalar("SELECT max(seq) FROM order_events WHERE order_id = \(orderID)"))! + 1
        let at = "2026-11-25T10:00:00Z"
        // SHA-256 over the fields joined by U+001F, NUL for absent values (History.swift).
        let fields = [last[1], String(id), orderID, String(seq), at, "note", "\u{0}", "\u{0}", "refund promised"]
        let input = sb.scratch.appendingPathComponent("fields.bin")
        try Data(fields.joined(separator: "\u{1F}").utf8).write(to: input)
        let sum = try runProcess(
            URL(fileURLWithPath: "/usr/bin/sha256sum"), [input.path], environment: [:], directory: sb.dir,
            scratch: sb.scratch)
        let hash = try #require(sum.stdout.split(separator: " ").first.map(String.init))
        #expect(hash.count == 64)
        _ = try sb.sql(
            """
            INSERT INTO order_events(id, order_id, seq, at, kind, old_value, new_value, detail, prev_hash, hash)
            VALUES (\(id), \(orderID), \(seq), '\(at)', 'note', NULL, NULL, 'refund promised', '\(last[1])', '\(hash)')
            """)
        try expectFails(
            sb,
            "the log's head does not match its newest event #\(id): an event was appended other than through orderctl")
    }
}
