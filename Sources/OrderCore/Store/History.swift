import Crypto
import Foundation

/// The hash chain over `order_events`: every event stores the previous event's hash
/// (by id, across all orders) and SHA-256 of that plus its own content. The head
/// (last id and hash) is kept in settings, so removing the newest events shows too.
enum HistoryChain {
    static let headKey = "history.head"

    static func hash(prev: String, id: Int64, orderID: Int64, seq: Int, at: String, kind: String,
                     old: String?, new: String?, detail: String?) -> String {
        // Unit separators between fields; NUL marks an absent value.
        // Built as bytes: this runs for every event an import writes.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + at.utf8.count + (detail?.utf8.count ?? 0))
        func add(_ s: String?) {
            if let s { bytes.append(contentsOf: s.utf8) } else { bytes.append(0) }
        }
        for (i, field) in [prev, String(id), String(orderID), String(seq), at, kind, old, new, detail].enumerated() {
            if i > 0 { bytes.append(0x1F) }
            add(field)
        }
        return hex(SHA256.hash(data: bytes))
    }

    static let digits = Array("0123456789abcdef".utf8)

    static func hex(_ digest: SHA256.Digest) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Fills in the hashes of events written before the chain existed (migration step 2).
    static func backfill(_ db: Database) throws {
        try db.execute("DROP TRIGGER order_events_no_update")
        var prev = ""
        var last: (Int64, String)?
        let rows = try db.query("SELECT id, order_id, seq, at, kind, old_value, new_value, detail FROM order_events ORDER BY id") { r in
            (r.int64(0), r.int64(1), r.int(2), r.string(3), r.string(4), r.optionalString(5), r.optionalString(6), r.optionalString(7))
        }
        for e in rows {
            let h = hash(prev: prev, id: e.0, orderID: e.1, seq: e.2, at: e.3, kind: e.4, old: e.5, new: e.6, detail: e.7)
            try db.run("UPDATE order_events SET prev_hash = ?, hash = ? WHERE id = ?", prev, h, e.0)
            prev = h
            last = (e.0, h)
        }
        if let last {
            try db.run("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", headKey, "\(last.0):\(last.1)")
        }
        try db.execute("""
            CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events
            BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END
            """)
    }
}

/// What `orderctl verify` found.
public struct VerifyReport: Sendable, Equatable {
    public var eventsChecked: Int
    public var orders: Int
    /// The first problem, in words; nil when the chain is intact.
    public var problem: String?
    /// The newest event's id and hash: keep it elsewhere to detect a rewritten tail.
    public var head: String?
}

/// Appends events to one order's log with consecutive sequence numbers, chaining
/// each to the last event in the whole log.
struct EventWriter {
    let store: OrderStore
    let orderID: Int64
    var nextSeq: Int? = nil
    /// The time of this action's events when it is not now (`--at`).
    var defaultAt: String? = nil

    static let columns = ["id", "order_id", "seq", "at", "kind", "old_value", "new_value", "detail", "prev_hash", "hash"]

    init(store: OrderStore, orderID: Int64) {
        self.store = store
        self.orderID = orderID
    }

    /// Set by a bulk writer (import): the chain's head is kept here instead of being
    /// read and written per event; the writer saves it once before committing.
    var chain: ChainCursor? = nil
    /// Set by a bulk writer with `chain`: events are gathered and written many at a time.
    var bulk: BulkInsert? = nil

    mutating func append(_ kind: String, old: String? = nil, new: String? = nil, detail: String? = nil, at: String? = nil) throws {
        let db = store.db
        let seq = try nextSeq ?? Int(db.scalarInt("SELECT coalesce(max(seq), 0) + 1 FROM order_events WHERE order_id = ?", orderID))
        let (lastID, prev) = try chain.map { ($0.lastID, $0.hash) } ?? ChainCursor.read(db)
        let id = lastID + 1
        let stamp = at ?? defaultAt ?? store.nowText
        let hash = HistoryChain.hash(prev: prev, id: id, orderID: orderID, seq: seq, at: stamp, kind: kind, old: old, new: new, detail: detail)
        if let bulk {
            let orderID = orderID
            try bulk.add { v in
                v.append(.integer(id)); v.append(.integer(orderID)); v.append(.integer(Int64(seq))); v.append(.text(stamp))
                v.append(.text(kind)); v.append(old.map(SQLValue.text) ?? .null); v.append(new.map(SQLValue.text) ?? .null)
                v.append(detail.map(SQLValue.text) ?? .null); v.append(.text(prev)); v.append(.text(hash))
            }
        } else {
            try db.run("""
            INSERT INTO order_events(id, order_id, seq, at, kind, old_value, new_value, detail, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, id, orderID, seq, stamp, kind, old, new, detail, prev, hash)
        }
        if let chain {
            chain.lastID = id
            chain.hash = hash
        } else {
            try store.writeSetting(HistoryChain.headKey, "\(id):\(hash)")
        }
        nextSeq = seq + 1
    }
}

/// The head of the history chain, held in memory during a bulk write.
final class ChainCursor {
    var lastID: Int64
    var hash: String

    init(_ db: Database) throws { (lastID, hash) = try Self.read(db) }

    static func read(_ db: Database) throws -> (Int64, String) {
        try db.queryFirst("SELECT id, hash FROM order_events ORDER BY id DESC LIMIT 1") {
            ($0.int64(0), $0.optionalString(1) ?? "")
        } ?? (0, "")
    }

    /// Re-reads the head after events were written without this cursor.
    func reload(_ db: Database) throws { (lastID, hash) = try Self.read(db) }

    func save(_ store: OrderStore) throws {
        guard lastID > 0 else { return }
        try store.writeSetting(HistoryChain.headKey, "\(lastID):\(hash)")
    }
}

extension OrderStore {
    /// The orders' current figures must be what their history says: the status of the
    /// last status event, and the payments and refunds the events record.
    func crossCheckOrders() throws -> String? {
        let statuses = try db.query("""
            SELECT o.ref, o.status,
                   (SELECT e.new_value FROM order_events e WHERE e.order_id = o.id AND e.kind = 'status' ORDER BY e.seq DESC LIMIT 1)
            FROM orders o ORDER BY o.id
            """) { ($0.string(0), $0.string(1), $0.optionalString(2) ?? OrderStatus.pending.rawValue) }
        if let bad = statuses.first(where: { $0.1 != $0.2 }) {
            return "order \(bad.0) says it is \(bad.1), but its history says \(bad.2): the order row was changed"
        }
        let money = try db.query("""
            SELECT o.id, o.ref, o.currency, o.paid_total, o.refunded_total,
                   (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.order_id = o.id AND p.kind = 'payment'),
                   (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.order_id = o.id AND p.kind = 'refund')
            FROM orders o ORDER BY o.id
            """) { ($0.int64(0), $0.string(1), $0.string(2), $0.int64(3), $0.int64(4), $0.int64(5), $0.int64(6)) }
        var recorded: [Int64: (paid: Int64, refunded: Int64)] = [:]
        try db.forEach("SELECT e.order_id, e.kind, e.new_value, o.currency FROM order_events e JOIN orders o ON o.id = e.order_id WHERE e.kind IN ('paid', 'refunded')") { r in
            let text = r.string(2).split(separator: " ").first.map(String.init) ?? ""
            let amount = (try? Money.parse(text, currency: Currency(code: r.string(3)), field: "amount"))?.minor ?? -1
            if r.string(1) == "paid" { recorded[r.int64(0), default: (0, 0)].paid += amount }
            else { recorded[r.int64(0), default: (0, 0)].refunded += amount }
        }
        for m in money {
            let events = recorded[m.0] ?? (0, 0)
            if m.3 != m.5 || m.3 != events.paid {
                return "order \(m.1): paid total \(m.3), payments \(m.5), history \(events.paid) (minor units) disagree: payments were changed"
            }
            if m.4 != m.6 || m.4 != events.refunded {
                return "order \(m.1): refunded total \(m.4), refunds \(m.6), history \(events.refunded) (minor units) disagree: refunds were changed"
            }
        }
        return nil
    }

    /// Walks the whole chain and reports the first event that was changed, removed
    /// or inserted other than through orderctl.
    public func verifyHistory() throws -> VerifyReport {
        try db.read {
            // Order ids are unique; twice means a damaged index (a torn copy), reported, never a trap.
            var refs: [Int64: String] = [:]
            var repeated: Int64?
            try db.forEach("SELECT id, ref FROM orders") { r in
                if refs.updateValue(r.string(1), forKey: r.int64(0)) != nil, repeated == nil { repeated = r.int64(0) }
            }
            if let repeated {
                return VerifyReport(eventsChecked: 0, orders: refs.count,
                                    problem: "the orders' index lists order id \(repeated) twice: the file is damaged (restore a backup, or see 'sqlite3 FILE .recover')",
                                    head: nil)
            }
            var prev = ""
            var count = 0
            var lastSeq: [Int64: Int] = [:]
            var last: (Int64, String)?
            var problem: String?
            func name(_ id: Int64, _ orderID: Int64, _ seq: Int, _ kind: String) -> String {
                "event #\(id) (order \(refs[orderID] ?? "id \(orderID)"), seq \(seq), \(kind))"
            }
            try db.forEach("SELECT id, order_id, seq, at, kind, old_value, new_value, detail, prev_hash, hash FROM order_events ORDER BY id") { r in
                guard problem == nil else { return }
                let (id, orderID, seq, kind) = (r.int64(0), r.int64(1), r.int(2), r.string(4))
                let storedPrev = r.optionalString(8) ?? "", stored = r.optionalString(9) ?? ""
                let computed = HistoryChain.hash(prev: storedPrev, id: id, orderID: orderID, seq: seq, at: r.string(3), kind: kind,
                                                 old: r.optionalString(5), new: r.optionalString(6), detail: r.optionalString(7))
                count += 1
                if computed != stored {
                    problem = "\(name(id, orderID, seq, kind)) was changed: its content does not match its hash"
                } else if storedPrev != prev {
                    problem = "\(name(id, orderID, seq, kind)) does not follow the event before it: an event was removed, inserted or moved just before it"
                } else if seq != (lastSeq[orderID] ?? 0) + 1 {
                    problem = "\(name(id, orderID, seq, kind)): order's event \(seq - 1 > (lastSeq[orderID] ?? 0) ? "seq \((lastSeq[orderID] ?? 0) + 1) is missing" : "sequence is out of order")"
                }
                lastSeq[orderID] = seq
                prev = stored
                last = (id, stored)
            }
            if problem == nil {
                let head = try rawSetting(HistoryChain.headKey)
                let expected = last.map { "\($0.0):\($0.1)" }
                if head != expected {
                    if let head, let headID = Int64(head.prefix { $0 != ":" }) {
                        problem = headID > (last?.0 ?? 0)
                            ? "the newest events were removed: the log ends at event #\(last?.0 ?? 0), but event #\(headID) was written"
                            : "the log's head does not match its newest event #\(last?.0 ?? 0): an event was appended other than through orderctl"
                    } else {
                        problem = "the log's head record is missing or damaged"
                    }
                }
            }
            if problem == nil {
                let orphans = try db.scalarInt("SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id)")
                if orphans > 0 { problem = "\(orphans) order(s) have no history at all: their events were removed" }
            }
            if problem == nil { problem = try crossCheckOrders() }
            return VerifyReport(eventsChecked: count, orders: refs.count, problem: problem, head: last.map { "#\($0.0) \($0.1)" })
        }
    }
}
