import Crypto
import Foundation

/// The hash chain over `order_events`: every event stores the previous event's hash
/// (by id, across all orders) and SHA-256 of that plus its own content. The head
/// (last id and hash) is kept in settings, so removing the newest events shows too.
enum HistoryChain {
    static let headKey = "history.head"

    static func hash(
        prev: String, id: Int64, orderID: Int64, seq: Int, at: String, kind: String,
        old: String?, new: String?, detail: String?
    ) -> String {
        var input = ChainInput()
        input.bytes.reserveCapacity(160 + at.utf8.count + (detail?.utf8.count ?? 0))
        func add(_ s: String?) {
            guard var s else { return input.text(nil) }
            s.withUTF8 { input.text($0) }
        }
        add(prev)
        input.integer(id)
        input.integer(orderID)
        input.integer(Int64(seq))
        add(at)
        add(kind)
        add(old)
        add(new)
        add(detail)
        return hex(SHA256.hash(data: input.bytes))
    }

    /// What an event's hash covers, as bytes: the fields in order with a unit separator
    /// between them, NUL for an absent value. One layout for writing and for `verify`,
    /// which feeds it the column bytes straight from SQLite.
    struct ChainInput {
        var bytes: [UInt8] = []

        mutating func reset() {
            bytes.removeAll(keepingCapacity: true)
            started = false
        }

        mutating func text(_ field: UnsafeBufferPointer<UInt8>?) {
            separate()
            if let field { bytes.append(contentsOf: field) } else { bytes.append(0) }
        }

        mutating func integer(_ value: Int64) {
            separate()
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            var digits:
                (
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
                ) =
                    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            withUnsafeMutableBytes(of: &digits) { buffer in
                repeat {
                    buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                    count += 1
                } while magnitude > 0
                bytes.append(contentsOf: buffer[(20 - count)...])
            }
        }

        /// The separator before every field but the first (`prev`, which may be empty).
        private var started = false
        private mutating func separate() {
            if started { bytes.append(0x1F) }
            started = true
        }
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
        let rows = try db.query(
            "SELECT id, order_id, seq, at, kind, old_value, new_value, detail FROM order_events ORDER BY id"
        ) { r in
            (
                r.int64(0), r.int64(1), r.int(2), r.string(3), r.string(4), r.optionalString(5), r.optionalString(6),
                r.optionalString(7)
            )
        }
        for e in rows {
            let h = hash(
                prev: prev, id: e.0, orderID: e.1, seq: e.2, at: e.3, kind: e.4, old: e.5, new: e.6, detail: e.7)
            try db.run("UPDATE order_events SET prev_hash = ?, hash = ? WHERE id = ?", prev, h, e.0)
            prev = h
            last = (e.0, h)
        }
        if let last {
            try db.run("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", headKey, "\(last.0):\(last.1)")
        }
        try db.execute(
            """
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

    static let columns = [
        "id", "order_id", "seq", "at", "kind", "old_value", "new_value", "detail", "prev_hash", "hash",
    ]

    init(store: OrderStore, orderID: Int64) {
        self.store = store
        self.orderID = orderID
    }

    /// Set by a bulk writer (import): the chain's head is kept here instead of being
    /// read and written per event; the writer saves it once before committing.
    var chain: ChainCursor? = nil
    /// Set by a bulk writer with `chain`: events are gathered and written many at a time.
    var bulk: BulkInsert? = nil

    mutating func append(
        _ kind: String, old: String? = nil, new: String? = nil, detail: String? = nil, at: String? = nil
    ) throws {
        let db = store.db
        let seq =
            try nextSeq
            ?? Int(db.scalarInt("SELECT coalesce(max(seq), 0) + 1 FROM order_events WHERE order_id = ?", orderID))
        let (lastID, prev) = try chain.map { ($0.lastID, $0.hash) } ?? ChainCursor.read(db)
        let id = lastID + 1
        let stamp = at ?? defaultAt ?? store.nowText
        let hash = HistoryChain.hash(
            prev: prev, id: id, orderID: orderID, seq: seq, at: stamp, kind: kind, old: old, new: new, detail: detail)
        if let bulk {
            let orderID = orderID
            try bulk.add { v in
                v.append(.integer(id))
                v.append(.integer(orderID))
                v.append(.integer(Int64(seq)))
                v.append(.text(stamp))
                v.append(.text(kind))
                v.append(old.map(SQLValue.text) ?? .null)
                v.append(new.map(SQLValue.text) ?? .null)
                v.append(detail.map(SQLValue.text) ?? .null)
                v.append(.text(prev))
                v.append(.text(hash))
            }
        } else {
            try db.run(
                """
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
    /// The orders' payments and refunds must be what their history says (their status is
    /// compared in `verifyHistory`'s walk).
    func crossCheckPayments() throws -> String? {
        var recorded: [Int64: (paid: Int64, refunded: Int64)] = [:]
        var currencies: [String: Currency] = [:]
        try db.forEach(
            "SELECT e.order_id, e.kind = 'paid', e.new_value, o.currency FROM order_events e JOIN orders o ON o.id = e.order_id WHERE e.kind IN ('paid', 'refunded')"
        ) { r in
            let text = r.string(2).split(separator: " ").first.map(String.init) ?? ""
            let code = r.string(3)
            // An unknown currency (a changed row) makes the amount unreadable, never the check.
            let currency = currencies[code] ?? (try? Currency(code: code))
            currencies[code] = currency
            let amount = currency.flatMap { try? Money.parse(text, currency: $0, field: "amount") }?.minor ?? -1
            if r.bool(1) {
                recorded[r.int64(0), default: (0, 0)].paid &+= amount
            } else {
                recorded[r.int64(0), default: (0, 0)].refunded &+= amount
            }
        }
        var problem: String?
        // Streamed (through payments_order); the ref is read only for an order that disagrees.
        try db.forEach(
            """
            SELECT o.id, o.ref, o.paid_total, o.refunded_total,
                   (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.order_id = o.id AND p.kind = 'payment'),
                   (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.order_id = o.id AND p.kind = 'refund')
            FROM orders o ORDER BY o.id
            """
        ) { r in
            guard problem == nil else { return }
            let events = recorded[r.int64(0)] ?? (0, 0)
            let (paid, refunded, payments, refunds) = (r.int64(2), r.int64(3), r.int64(4), r.int64(5))
            if paid != payments || paid != events.paid {
                problem =
                    "order \(r.string(1)): paid total \(paid), payments \(payments), history \(events.paid) (minor units) disagree: payments were changed"
            } else if refunded != refunds || refunded != events.refunded {
                problem =
                    "order \(r.string(1)): refunded total \(refunded), refunds \(refunds), history \(events.refunded) (minor units) disagree: refunds were changed"
            }
        }
        return problem
    }

    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        a.count == b.count
            && (a.count == 0 || b.withUnsafeBufferPointer { memcmp(a.baseAddress!, $0.baseAddress!, a.count) == 0 })
    }

    /// Walks the whole chain and reports the first event that was changed, removed
    /// or inserted other than through orderctl.
    public func verifyHistory() throws -> VerifyReport {
        try db.read {
            // Order ids are unique; twice means a damaged index (a torn copy), reported, never
            // a trap. A bit per id (a set for ids past a sane size).
            let maxID = try db.scalarInt("SELECT coalesce(max(id), 0) FROM orders")
            let dense = maxID >= 0 && maxID < 1 << 24 ? Int(maxID) + 1 : 0
            var seen = [UInt64](repeating: 0, count: (dense + 63) / 64)
            var seenBeyond = Set<Int64>()
            var orders = 0
            var repeated: Int64?
            try db.forEach("SELECT id, ref FROM orders") { r in
                let id = r.int64(0)
                orders += 1
                if id >= 0 && id < dense {
                    let (word, bit) = (Int(id) / 64, UInt64(1) << UInt64(id % 64))
                    if seen[word] & bit != 0, repeated == nil { repeated = id }
                    seen[word] |= bit
                } else if !seenBeyond.insert(id).inserted, repeated == nil {
                    repeated = id
                }
            }
            seen = []
            if let repeated {
                return VerifyReport(
                    eventsChecked: 0, orders: orders,
                    problem:
                        "the orders' index lists order id \(repeated) twice: the file is damaged (restore a backup, or see 'sqlite3 FILE .recover')",
                    head: nil)
            }
            // Each event's bytes straight from SQLite into the hash, its stored hash and
            // its predecessor's compared as bytes: no strings per event. The last seq seen
            // per order in an array by order id.
            var lastSeq = [Int32](repeating: 0, count: dense)
            var lastSeqBeyond: [Int64: Int64] = [:]
            // The status each order's last status event gives it: 0 none (pending), i + 1
            // the i-th of OrderStatus.allCases, 255 some other text.
            let statusNames = OrderStatus.allCases.map { Array($0.rawValue.utf8) }
            let statusKind = Array("status".utf8)
            var lastStatus = [UInt8](repeating: 0, count: dense)
            var lastStatusBeyond: [Int64: UInt8] = [:]
            var input = HistoryChain.ChainInput()
            var prev: [UInt8] = []
            var computed = [UInt8](repeating: 0, count: 64)
            var count = 0
            var lastID: Int64 = 0
            var failed: (id: Int64, orderID: Int64, seq: Int64, kind: String, why: Int, expected: Int64)?
            let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            try db.forEach(
                "SELECT id, order_id, seq, at, kind, old_value, new_value, detail, prev_hash, hash FROM order_events ORDER BY id"
            ) { r in
                guard failed == nil else { return }
                let (id, orderID, seq) = (r.int64(0), r.int64(1), r.int64(2))
                let storedPrev = r.textBytes(8) ?? empty
                input.reset()
                input.text(storedPrev)
                input.integer(id)
                input.integer(orderID)
                input.integer(seq)
                input.text(r.textBytes(3) ?? empty)
                input.text(r.textBytes(4) ?? empty)
                input.text(r.textBytes(5))
                input.text(r.textBytes(6))
                input.text(r.textBytes(7))
                let digest = SHA256.hash(data: input.bytes)
                var i = 0
                for byte in digest {
                    computed[i] = HistoryChain.digits[Int(byte >> 4)]
                    computed[i + 1] = HistoryChain.digits[Int(byte & 0x0F)]
                    i += 2
                }
                let stored = r.textBytes(9) ?? empty
                count += 1
                let before =
                    orderID >= 0 && orderID < dense ? Int64(lastSeq[Int(orderID)]) : lastSeqBeyond[orderID] ?? 0
                if !Self.same(stored, computed) {
                    failed = (id, orderID, seq, r.string(4), 0, 0)
                } else if !Self.same(storedPrev, prev) {
                    failed = (id, orderID, seq, r.string(4), 1, 0)
                } else if seq != before &+ 1 {
                    failed = (id, orderID, seq, r.string(4), 2, before)
                }
                if let kind = r.textBytes(4), Self.same(kind, statusKind) {
                    let new = r.textBytes(6) ?? empty
                    let code = statusNames.firstIndex { Self.same(new, $0) }.map { UInt8($0 + 1) } ?? 255
                    if orderID >= 0 && orderID < dense {
                        lastStatus[Int(orderID)] = code
                    } else {
                        lastStatusBeyond[orderID] = code
                    }
                }
                if orderID >= 0 && orderID < dense, seq >= 0 && seq <= Int64(Int32.max) {
                    lastSeq[Int(orderID)] = Int32(seq)
                } else {
                    lastSeqBeyond[orderID] = seq
                }
                prev.removeAll(keepingCapacity: true)
                prev.append(contentsOf: stored)
                lastID = id
            }
            var problem: String?
            if let failed {
                // Named only now: the one event that failed, with its order's ref.
                let ref =
                    try db.queryFirst("SELECT ref FROM orders WHERE id = ?", failed.orderID) { $0.string(0) }
                    ?? "id \(failed.orderID)"
                let name = "event #\(failed.id) (order \(ref), seq \(failed.seq), \(failed.kind))"
                switch failed.why {
                case 0: problem = "\(name) was changed: its content does not match its hash"
                case 1:
                    problem =
                        "\(name) does not follow the event before it: an event was removed, inserted or moved just before it"
                default:
                    problem =
                        "\(name): order's event \(failed.seq > failed.expected &+ 1 ? "seq \(failed.expected &+ 1) is missing" : "sequence is out of order")"
                }
            }
            let last: (Int64, String)? = count == 0 ? nil : (lastID, String(decoding: prev, as: UTF8.self))
            if problem == nil {
                let head = try rawSetting(HistoryChain.headKey)
                let expected = last.map { "\($0.0):\($0.1)" }
                if head != expected {
                    if let head, let headID = Int64(head.prefix { $0 != ":" }) {
                        problem =
                            headID > (last?.0 ?? 0)
                            ? "the newest events were removed: the log ends at event #\(last?.0 ?? 0), but event #\(headID) was written"
                            : "the log's head does not match its newest event #\(last?.0 ?? 0): an event was appended other than through orderctl"
                    } else {
                        problem = "the log's head record is missing or damaged"
                    }
                }
            }
            if problem == nil {
                // Every order has events, and the status its history gives it.
                var orphans = 0
                var wrong: Int64?
                var hasRow = [Bool](repeating: false, count: dense)
                var hasRowBeyond = Set<Int64>()
                try db.forEach("SELECT id, status FROM orders ORDER BY id") { r in
                    let id = r.int64(0)
                    let dense = id >= 0 && id < dense
                    if dense { hasRow[Int(id)] = true } else { hasRowBeyond.insert(id) }
                    if (dense ? Int64(lastSeq[Int(id)]) : lastSeqBeyond[id] ?? 0) == 0 { orphans += 1 }
                    guard wrong == nil else { return }
                    let code = dense ? lastStatus[Int(id)] : lastStatusBeyond[id] ?? 0
                    if code == 255 || !Self.same(r.textBytes(1) ?? empty, statusNames[code == 0 ? 0 : Int(code) - 1]) {
                        wrong = id
                    }
                }
                // And every order with events still has its row.
                var gone = 0
                for i in 0..<dense where lastSeq[i] != 0 && !hasRow[i] { gone += 1 }
                for id in lastSeqBeyond.keys
                where id >= 0 && id < dense ? !hasRow[Int(id)] && lastSeq[Int(id)] == 0 : !hasRowBeyond.contains(id) {
                    gone += 1
                }
                if orphans > 0 {
                    problem = "\(orphans) order(s) have no history at all: their events were removed"
                } else if gone > 0 {
                    problem =
                        "the events of \(gone) order(s) have no order any more: the order was deleted other than through orderctl"
                } else if let wrong,
                    let (ref, status, history) = try db.queryFirst(
                        """
                        SELECT o.ref, o.status, (SELECT e.new_value FROM order_events e WHERE e.order_id = o.id AND e.kind = 'status' ORDER BY e.seq DESC LIMIT 1)
                        FROM orders o WHERE o.id = ?
                        """, wrong,
                        row: { ($0.string(0), $0.string(1), $0.optionalString(2) ?? OrderStatus.pending.rawValue) })
                {
                    problem =
                        "order \(ref) says it is \(status), but its history says \(history): the order row was changed"
                }
            }
            lastSeq = []
            lastStatus = []
            if problem == nil { problem = try crossCheckPayments() }
            return VerifyReport(
                eventsChecked: count, orders: orders, problem: problem, head: last.map { "#\($0.0) \($0.1)" })
        }
    }
}
