import Foundation
import Testing

@testable import OrderCore

/// A clock a test can move.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ start: Date) { value = start }
    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
    func set(_ text: String) {
        lock.lock()
        value = utc(text)
        lock.unlock()
    }
    func advance(hours: Double) {
        lock.lock()
        value = value.addingTimeInterval(hours * 3600)
        lock.unlock()
    }
}

/// A store like `withStore`'s, on a clock the test moves.
func withClockedStore<T>(_ start: String, _ body: (OrderStore, TestClock) throws -> T) throws -> T {
    let clock = TestClock(utc(start))
    return try withTempDir { dir throws in
        let store = try OrderStore(path: dir + "/orders.db", clock: { clock.now })
        try store.setSetting("timezone", "Europe/Berlin")
        try store.setSetting("shop.country", "DE")
        try store.addProduct(NewProduct(sku: "MUG-01", name: "Mug", price: "12.50", stock: 5, reorderAt: 2))
        try store.addProduct(NewProduct(sku: "TEE", name: "T-shirt", price: "20.00"))
        try store.addCustomer(NewCustomer(name: "Ann", email: "ann@example.com", country: "DE"))
        return try body(store, clock)
    }
}

func keys(_ store: OrderStore, all: Bool = true, rules: [String] = []) throws -> [String] {
    try store.reminders(all: all, rules: rules).shown.map(\.key)
}

@Suite("remind: each rule fires exactly when it should")
struct RemindRuleTests {
    @Test("due-soon fires two days ahead and not three; overdue the day after the due date, not on it")
    func dueDates() throws {
        try withClockedStore("2026-03-05T08:00:00Z") { store, clock throws in
            _ = try store.addOrder(draft(["TEE"], ref: "D-1", due: "2026-03-08"))
            // Thursday 09:00 in Berlin: due Sunday is 3 days ahead.
            #expect(try keys(store, rules: ["due-soon", "overdue"]) == [])
            clock.set("2026-03-05T23:30:00Z")  // Friday 00:30 in Berlin: 2 days ahead
            let r = try store.reminders(all: true, rules: ["due-soon"]).shown
            #expect(r.map(\.key) == ["due-soon:D-1"])
            #expect(
                r.first?.message
                    == "order D-1 (Ann) is due in 2 days, 2026-03-08, and is still pending (due-soon within 2 days)")
            clock.set("2026-03-08T22:59:00Z")  // Sunday 23:59: due today, not overdue
            #expect(try keys(store, rules: ["due-soon", "overdue"]) == ["due-soon:D-1"])
            clock.set("2026-03-08T23:00:00Z")  // Monday 00:00
            let o = try store.reminders(all: true, rules: ["due-soon", "overdue"]).shown
            #expect(o.map(\.key) == ["overdue:D-1"])
            #expect(o.first?.message == "order D-1 (Ann) is 1 day overdue (due 2026-03-08) and is still pending")
            #expect(o.first?.urgency == .urgent)
            // A grace of 2 days moves it two days later.
            _ = try store.setRule("overdue", params: [("grace", "2d")])
            clock.set("2026-03-10T22:59:00Z")
            #expect(try keys(store, rules: ["overdue"]) == [])
            clock.set("2026-03-10T23:00:00Z")
            #expect(try keys(store, rules: ["overdue"]) == ["overdue:D-1"])
            // Shipped orders are not overdue.
            _ = try store.confirm("D-1")
            _ = try store.ship("D-1")
            #expect(try keys(store, rules: ["overdue", "due-soon"]) == [])
        }
    }

    @Test("stuck: the default limit without history, then the learned percentile, never below the floor")
    func stuck() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            _ = try store.addOrder(draft(["TEE"], ref: "S-1"))
            _ = try store.confirm("S-1")
            // Confirmed: 3 days by default while fewer than 20 orders have left confirmed.
            clock.advance(hours: 71)
            #expect(try keys(store, rules: ["stuck"]) == [])
            clock.advance(hours: 1)
            let r = try store.reminders(all: true, rules: ["stuck"]).shown
            #expect(r.map(\.key) == ["stuck:S-1"])
            #expect(
                r.first?.message
                    == "order S-1 (Ann) has been confirmed and not shipped for 3 days (limit 3 days: the default until 20 orders have left confirmed (0 so far))"
            )
            // 20 orders that each waited 30 hours in confirmed: the 90th percentile is 30 hours.
            for i in 0..<20 {
                _ = try store.addOrder(draft(["TEE"], ref: "H-\(i)"))
                _ = try store.confirm("H-\(i)")
                clock.advance(hours: 30)
                _ = try store.ship("H-\(i)")
            }
            let limits = try store.limits(of: try store.rule(named: "stuck"))
            let confirmed = try #require(limits.first { $0.status == .confirmed })
            #expect(confirmed.span == Span(hours: 30))
            #expect(confirmed.why == "the 90th percentile of 20 stays")
            #expect(confirmed.suffix == ": the 90th percentile of 20 stays")
            // Shipped orders have no history of leaving shipped: the 2-week default.
            #expect(limits.first { $0.status == .shipped }?.span == Span(days: 14))
            // A floor above the percentile wins.
            try store.setRule("stuck", params: [("floor", "2d")])
            let floored = try store.limits(of: try store.rule(named: "stuck")).first { $0.status == .confirmed }
            #expect(floored?.span == Span(days: 2))
            // A limit set by hand wins over both.
            try store.setRule("stuck", params: [("confirmed", "12h")])
            _ = try store.addOrder(draft(["TEE"], ref: "S-2"))
            _ = try store.confirm("S-2")
            clock.advance(hours: 11)
            #expect(try keys(store, rules: ["stuck"]).contains("stuck:S-2") == false)
            clock.advance(hours: 1)
            #expect(try keys(store, rules: ["stuck"]).contains("stuck:S-2"))
        }
    }

    @Test("unpaid: confirmed and not fully paid, counted from the confirmation")
    func unpaid() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            _ = try store.addOrder(draft(["TEE"], ref: "U-1"))
            clock.advance(hours: 48)  // pending time does not count
            _ = try store.confirm("U-1")
            _ = try store.pay("U-1", amount: "5.00", method: nil)
            clock.advance(hours: 71)
            #expect(try keys(store, rules: ["unpaid"]) == [])
            clock.advance(hours: 1)
            let r = try store.reminders(all: true, rules: ["unpaid"]).shown
            #expect(
                r.first?.message
                    == "order U-1 (Ann) still owes 15.00 EUR of 20.00 EUR 3 days after it was confirmed (limit 3 days)")
            _ = try store.pay("U-1", amount: nil, method: nil)
            #expect(try keys(store, rules: ["unpaid"]) == [])
        }
    }

    @Test("low-stock at the reorder level and not above; flagged orders")
    func lowStockAndFlagged() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, _ throws in
            _ = try store.addOrder(draft(["MUG-01:2"], ref: "L-1"))  // 3 available, level 2
            #expect(try keys(store, rules: ["low-stock"]) == [])
            _ = try store.addOrder(draft(["MUG-01:1"], ref: "L-2"))  // 2 available
            let r = try store.reminders(all: true, rules: ["low-stock"]).shown
            #expect(r.map(\.message) == ["MUG-01 (Mug): 2 available, at or below its reorder level of 2"])
            _ = try store.flag("L-1", reason: "address unclear")
            #expect(try keys(store, rules: ["flagged"]) == ["flagged:L-1"])
            try store.enableRule("flagged", false)
            #expect(try keys(store).contains("flagged:L-1") == false)
        }
    }

    @Test("a reminder shows once, again the next calendar day or when its situation changes; snoozes hide it")
    func cooldownAndSnooze() throws {
        try withClockedStore("2026-03-05T06:00:00Z") { store, clock throws in
            _ = try store.addOrder(draft(["TEE"], ref: "C-1", due: "2026-03-06"))
            var r = try store.reminders(rules: ["due-soon"])
            #expect(r.shown.map(\.key) == ["due-soon:C-1"])
            #expect(r.shown.first?.state == .new)
            try store.record(r)
            // Later the same day: quiet.
            clock.advance(hours: 10)
            r = try store.reminders(rules: ["due-soon"])
            #expect(r.shown.isEmpty && r.quiet == 1)
            #expect(try store.reminders(all: true, rules: ["due-soon"]).shown.first?.state == .quiet)
            // The next morning, a minute earlier than yesterday's run: a new calendar day.
            clock.set("2026-03-06T05:59:00Z")
            r = try store.reminders(rules: ["due-soon"])
            #expect(r.shown.first?.state == .again)
            try store.record(r)
            // A new due date is a new situation: shown at once.
            var e = OrderEdit()
            e.due = "2026-03-07"
            _ = try store.edit("C-1", e)
            r = try store.reminders(rules: ["due-soon"])
            #expect(r.shown.first?.state == .changed)
            try store.record(r)
            // Snoozed for 3 days: hidden through them, even on later days.
            let s = try store.snooze("DUE-SOON:c-1", until: clock.now.addingTimeInterval(3 * 86400))
            #expect(s.key == "due-soon:C-1")
            clock.advance(hours: 24)
            r = try store.reminders(rules: ["due-soon"])
            #expect(r.shown.isEmpty && r.snoozed == 1)
            #expect(try store.snoozes().map(\.key) == ["due-soon:C-1"])
            #expect(try store.unsnooze("due-soon:C-1"))
            #expect(try store.reminders(rules: ["due-soon"]).shown.count == 1)
            // Keys are checked.
            #expect(throws: OrderError.unknownOrder(ref: "NOPE")) {
                try store.snooze("overdue:NOPE", until: clock.now.addingTimeInterval(60))
            }
            #expect(throws: OrderError.unknownProduct(sku: "NOPE")) {
                try store.snooze("low-stock:NOPE", until: clock.now.addingTimeInterval(60))
            }
        }
    }

    @Test("over the limit: the most pressing are written out, the rest counted, and all of them marked shown")
    func limit() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            for (i, due) in ["2026-03-05", "2026-03-03", "2026-03-04"].enumerated() {
                _ = try store.addOrder(draft(["TEE"], ref: "O-\(i)", due: due))
            }
            clock.set("2026-03-10T08:00:00Z")
            let r = try store.reminders(rules: ["overdue"], limit: 2)
            #expect(r.shown.map(\.key) == ["overdue:O-1", "overdue:O-2"])  // 7 and 6 days late
            #expect(r.more.map(\.rule) == ["overdue"] && r.more.map(\.count) == [1])
            #expect(r.firing == 3)
            try store.record(r)
            let again = try store.reminders(rules: ["overdue"], limit: 2)
            #expect(again.shown.isEmpty && again.quiet == 3 && again.more.isEmpty)
            // Without a limit, all three; --all shows the quiet ones.
            #expect(try store.reminders(all: true, rules: ["overdue"]).shown.count == 3)
        }
    }

    @Test(
        "a recorded run counts for every reminder it repeated: no write each, and still exact over a two-day cool-down")
    func recordedRuns() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            // Z is always the most overdue, so with --limit 1 it is written out and A counted.
            _ = try store.addOrder(draft(["TEE"], ref: "Z", due: "2026-03-02"))
            _ = try store.addOrder(draft(["TEE"], ref: "A", due: "2026-03-03"))
            _ = try store.setRule("overdue", params: [("cooldown", "2d")])
            func run(_ at: String) throws -> String {
                clock.set(at)
                let r = try store.reminders(rules: ["overdue"], limit: 1)
                try store.record(r)
                return (r.shown.map { "\($0.key) \($0.state.rawValue)" } + ["+\(r.more.first?.count ?? 0)"]).joined(
                    separator: ", ")
            }
            #expect(try run("2026-03-04T06:00:00Z") == "overdue:Z new, +1")  // day 1: A counted
            #expect(try run("2026-03-05T06:00:00Z") == "+0")  // day 2: both within 2 days
            #expect(try run("2026-03-06T06:00:00Z") == "overdue:Z again, +1")  // day 3: A counted again, not written
            var b = draft(["TEE"], ref: "B", due: "2026-03-05")
            b.placedAt = "2026-03-02T08:00:00Z"
            _ = try store.addOrder(b)
            #expect(try run("2026-03-07T06:00:00Z") == "overdue:B new, +0")  // day 4: Z and A quiet since day 3
            // Day 5: Z and A are due (shown on day 3), B is not. A must not be taken as
            // shown by day 4's run, which replaced day 3's as the rule's last run.
            #expect(try run("2026-03-08T06:00:00Z") == "overdue:Z again, +1")
            #expect(try run("2026-03-08T09:00:00Z") == "+0")  // later that day
            #expect(try run("2026-03-09T06:00:00Z") == "overdue:B again, +0")  // day 6
        }
    }

    @Test(
        "over the limit, recorded in bulk: the next day every one is due again, and the log is written only for those written out"
    )
    func bulkNextDay() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            for i in 0..<5 { _ = try store.addOrder(draft(["TEE"], ref: "N-\(i)", due: "2026-03-0\(3 + i % 2)")) }
            clock.set("2026-03-06T06:00:00Z")
            var r = try store.reminders(rules: ["overdue"], limit: 2)
            #expect(r.shown.count == 2 && r.more.first?.count == 3)
            try store.record(r)
            // The three counted need no entry: the run's thresholds tell the next run they were due.
            #expect(try store.db.scalarInt("SELECT count(*) FROM reminder_log") == 2)
            let before = try store.db.query("SELECT key, shown_at FROM reminder_log ORDER BY key") {
                "\($0.string(0)) \($0.string(1))"
            }
            clock.advance(hours: 3)
            #expect(try store.reminders(rules: ["overdue"], limit: 2).quiet == 5)
            clock.set("2026-03-07T06:00:00Z")
            r = try store.reminders(rules: ["overdue"], limit: 2)
            #expect(r.shown.map(\.state) == [.again, .again] && r.more.first?.count == 3)
            try store.record(r)
            // Nothing is written: the run stands for all five.
            let after = try store.db.query("SELECT key, shown_at FROM reminder_log ORDER BY key") {
                "\($0.string(0)) \($0.string(1))"
            }
            #expect(after == before)
            clock.advance(hours: 1)
            #expect(try store.reminders(rules: ["overdue"], limit: 2).quiet == 5)
        }
    }

    @Test(
        "the last run settles what was due then and has not changed, without the log; changes, snoozes and failed deliveries are looked up"
    )
    func settledByLastRun() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            for i in 0..<5 { _ = try store.addOrder(draft(["TEE"], ref: "N-\(i)", due: "2026-03-0\(3 + i % 2)")) }
            func run(_ at: String, record: Bool = true) throws -> RemindResult {
                clock.set(at)
                let r = try store.reminders(rules: ["overdue"], limit: 2)
                if record && !r.shown.isEmpty { try store.record(r) }
                return r
            }
            func shown(_ r: RemindResult) -> [String] { r.shown.map { "\($0.key) \($0.state.rawValue)" } }
            var r = try run("2026-03-06T06:00:00Z")
            #expect(
                r.fromLastRun == 0 && shown(r) == ["overdue:N-0 new", "overdue:N-2 new"] && r.more.first?.count == 3)
            r = try run("2026-03-06T09:00:00Z")
            #expect(r.fromLastRun == 5 && r.quiet == 5 && r.shown.isEmpty)
            // Orders touched without a new situation are looked up. One written out is
            // still quiet; one only counted has no entry and shows once more, as new.
            _ = try store.flag("N-0", reason: "call the customer")
            _ = try store.flag("N-1", reason: "call the customer")
            r = try run("2026-03-06T10:00:00Z")
            #expect(shown(r) == ["overdue:N-1 new"] && r.quiet == 4 && r.fromLastRun == 3)
            // A new due date is news at once.
            var e = OrderEdit()
            e.due = "2026-03-05"
            _ = try store.edit("N-2", e)
            r = try run("2026-03-06T11:00:00Z")
            #expect(shown(r) == ["overdue:N-2 changed"] && r.quiet == 4 && r.fromLastRun == 4)
            // Snoozed after the run: snoozed while it lasts.
            _ = try store.snooze("overdue:N-3", until: clock.now.addingTimeInterval(7 * 86400))
            r = try run("2026-03-06T12:00:00Z")
            #expect(r.snoozed == 1 && r.quiet == 4 && r.shown.isEmpty)
            // The next day a run while it is snoozed does not show it; cleared, the next run does.
            r = try run("2026-03-07T06:00:00Z")
            #expect(
                r.snoozed == 1 && r.shown.map(\.state) == [.again, .again] && r.more.first?.count == 2
                    && r.fromLastRun == 4)
            #expect(try store.unsnooze("overdue:N-3"))
            r = try run("2026-03-07T07:00:00Z")
            #expect(shown(r) == ["overdue:N-3 new"] && r.quiet == 4)  // counted on the first day: no entry
            r = try run("2026-03-07T08:00:00Z")
            #expect(r.shown.isEmpty && r.quiet == 5 && r.fromLastRun == 5)
            // A delivery that failed is not counted as shown: it comes back the same day.
            clock.set("2026-03-08T06:00:00Z")
            r = try store.reminders(rules: ["overdue"])
            #expect(r.shown.count == 5 && r.fromLastRun == 5)
            let failed = r.shown[4]
            try store.record(r, failed: [failed])
            clock.set("2026-03-08T06:30:00Z")
            r = try store.reminders(rules: ["overdue"])
            #expect(r.shown.map(\.key) == [failed.key] && r.quiet == 4)
            try store.record(r)
            // A two-day cool-down from here on: the log is looked up, and what has no
            // entry counts as shown at the last run; quiet ones get an entry then.
            // Each run: shown, counted, quiet.
            func runs(_ expected: [(String, String)]) throws {
                for (at, want) in expected {
                    let r = try run(at)
                    #expect(
                        "\(r.shown.count) shown, \(r.more.first?.count ?? 0) counted, \(r.quiet) quiet" == want,
                        "at \(at)")
                }
            }
            _ = try store.setRule("overdue", params: [("cooldown", "2d")])
            try runs([
                ("2026-03-09T06:00:00Z", "0 shown, 0 counted, 5 quiet"),
                ("2026-03-09T07:00:00Z", "0 shown, 0 counted, 5 quiet"),
                ("2026-03-10T06:00:00Z", "2 shown, 3 counted, 0 quiet"),
                ("2026-03-10T07:00:00Z", "0 shown, 0 counted, 5 quiet"),
                ("2026-03-11T06:00:00Z", "0 shown, 0 counted, 5 quiet"),
                ("2026-03-12T06:00:00Z", "2 shown, 3 counted, 0 quiet"),
            ])
            // And back to one day.
            _ = try store.setRule("overdue", params: [("cooldown", "")])
            try runs([
                ("2026-03-12T07:00:00Z", "0 shown, 0 counted, 5 quiet"),
                ("2026-03-13T06:00:00Z", "2 shown, 3 counted, 0 quiet"),
            ])
            r = try run("2026-03-13T07:00:00Z")
            #expect(r.shown.isEmpty && r.quiet == 5 && r.fromLastRun == 5)
        }
    }

    @Test(
        "a run during which another connection wrote (an import, say, stamped before the run) is not recorded: what it showed is written out"
    )
    func overlappingWriters() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            for i in 0..<3 { _ = try store.addOrder(draft(["TEE"], ref: "W-\(i)", due: "2026-03-03")) }
            clock.set("2026-03-06T06:00:00Z")
            let r = try store.reminders(rules: ["overdue"])
            // Another process writes between reading the rules and recording the run, its
            // clock an hour behind (as an import's, which stamps its start).
            let other = try OrderStore(path: store.path, clock: { clock.now.addingTimeInterval(-3600) })
            var late = draft(["TEE"], ref: "W-9", due: "2026-03-03")
            late.placedAt = "2026-03-02T08:00:00Z"
            _ = try other.addOrder(late)
            try store.record(r)
            #expect(try store.db.scalarInt("SELECT count(*) FROM reminder_runs WHERE rule = 'overdue'") == 0)
            #expect(try store.db.scalarInt("SELECT count(*) FROM reminder_log WHERE key LIKE 'overdue:W-%'") == 3)
            clock.set("2026-03-06T07:00:00Z")
            var next = try store.reminders(rules: ["overdue"])
            #expect(next.shown.map(\.key) == ["overdue:W-9"] && next.quiet == 3 && next.fromLastRun == 0)
            try store.record(next)
            next = try store.reminders(rules: ["overdue"])
            #expect(next.shown.isEmpty && next.quiet == 4)
        }
    }

    @Test("stuck: a status time set in the past after the run is looked up, not settled")
    func stuckBackdated() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            _ = try store.addOrder(draft(["TEE"], ref: "B-1"))
            _ = try store.confirm("B-1")
            clock.set("2026-03-20T06:00:00Z")
            var r = try store.reminders(rules: ["stuck"])
            #expect(r.shown.map(\.key) == ["stuck:B-1"])
            try store.record(r)
            // Shipped, dated 16 days back: in transit past the two weeks the same morning.
            clock.set("2026-03-20T06:10:00Z")
            _ = try store.ship("B-1", at: "2026-03-04T06:00:00Z")
            clock.set("2026-03-20T07:00:00Z")
            r = try store.reminders(rules: ["stuck"])
            #expect(
                r.shown.map { "\($0.key) \($0.state.rawValue)" } == ["stuck:B-1 changed"], "\(r.shown.map(\.message))")
        }
    }

    @Test("a snooze again after one that lasted through the last run keeps its start")
    func resnooze() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            for i in 0..<2 { _ = try store.addOrder(draft(["TEE"], ref: "Z-\(i)", due: "2026-03-03")) }
            clock.set("2026-03-06T06:00:00Z")
            try store.record(try store.reminders(rules: ["overdue"]))
            clock.set("2026-03-07T07:00:00Z")
            _ = try store.snooze("overdue:Z-0", until: utc("2026-03-07T08:00:00Z"))
            clock.set("2026-03-07T07:30:00Z")  // the run while it lasts shows Z-1 only
            var r = try store.reminders(rules: ["overdue"])
            #expect(r.shown.map(\.key) == ["overdue:Z-1"] && r.snoozed == 1)
            try store.record(r)
            clock.set("2026-03-07T08:30:00Z")
            _ = try store.snooze("overdue:Z-0", until: utc("2026-03-07T09:00:00Z"))
            clock.set("2026-03-07T09:30:00Z")  // both snoozes over: Z-0 was not shown today
            r = try store.reminders(rules: ["overdue"])
            #expect(r.shown.map(\.key) == ["overdue:Z-0"] && r.quiet == 1)
        }
    }

    @Test("unpaid and stuck are settled by the last run too, and a payment or a new status is news")
    func settledUnpaidAndStuck() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            _ = try store.addOrder(draft(["TEE"], ref: "U-1"))
            _ = try store.confirm("U-1")
            clock.advance(hours: 73)  // unpaid for 3 days, confirmed and not shipped for 3 days
            var r = try store.reminders(rules: ["unpaid", "stuck"])
            #expect(r.shown.map(\.key).sorted() == ["stuck:U-1", "unpaid:U-1"] && r.fromLastRun == 0)
            try store.record(r)
            clock.advance(hours: 1)
            r = try store.reminders(rules: ["unpaid", "stuck"])
            #expect(r.shown.isEmpty && r.quiet == 2 && r.fromLastRun == 2)
            _ = try store.pay("U-1", amount: "5.00", method: nil)
            r = try store.reminders(rules: ["unpaid", "stuck"])
            // The payment changed the order: both are looked up; stuck is quiet by its log entry.
            #expect(
                r.shown.map { "\($0.key) \($0.state.rawValue)" } == ["unpaid:U-1 changed"] && r.quiet == 1
                    && r.fromLastRun == 0)
            try store.record(r)
            _ = try store.hold("U-1", reason: "wait")
            clock.advance(hours: 24 * 8)  // on hold past its default week; the next day anyway
            r = try store.reminders(rules: ["unpaid", "stuck"])
            #expect(
                r.shown.map { "\($0.key) \($0.state.rawValue)" }.sorted() == ["stuck:U-1 changed", "unpaid:U-1 again"])
            #expect(r.fromLastRun == 0)  // the order changed since the last run: both looked up
        }
    }

    @Test("schema step 4 and imports: filling status times from the history equals what the trigger keeps")
    func stepFourBackfill() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, clock throws in
            for i in 0..<12 {
                _ = try store.addOrder(draft(["TEE"], ref: "B-\(i)"))
                clock.advance(hours: Double(i + 1))
                if i % 4 == 3 {
                    _ = try store.hold("B-\(i)", reason: "check")
                    clock.advance(hours: 5)
                    _ = try store.release("B-\(i)")
                }
                if i % 3 == 0 { continue }
                _ = try store.confirm("B-\(i)")
                clock.advance(hours: Double(2 * i))
                if i % 3 == 1 {
                    _ = try store.ship("B-\(i)")
                    clock.advance(hours: 30)
                    _ = try store.deliver("B-\(i)")
                }
            }
            _ = try store.cancel("B-0", reason: "test")
            func state() throws -> [String] {
                try store.db.query(
                    "SELECT ref, status, status_at, coalesce(confirmed_at, '-') FROM orders ORDER BY ref"
                ) { "\($0.string(0)) \($0.string(1)) \($0.string(2)) \($0.string(3))" }
                    + store.db.query("SELECT status, hours, orders FROM status_durations ORDER BY 1, 2") {
                        "\($0.string(0)) \($0.int(1)) \($0.int(2))"
                    }
            }
            let kept = try state()
            #expect(kept.contains { $0.hasPrefix("confirmed ") } && kept.contains { $0.hasPrefix("on_hold ") })
            try store.db.execute(
                "UPDATE orders SET status_at = NULL, confirmed_at = NULL; DELETE FROM status_durations;")
            try StatusTimes.fill(store.db)
            let rebuilt = try state()
            #expect(rebuilt == kept, "\(Array(Set(rebuilt).symmetricDifference(Set(kept))).sorted())")
        }
    }

    @Test("rules: parameters are checked, defaults restored, default rules kept")
    func ruleParameters() throws {
        try withClockedStore("2026-03-02T08:00:00Z") { store, _ throws in
            #expect(
                try store.rules().map(\.name) == [
                    "due-soon", "overdue", "stuck", "unpaid", "low-stock", "stockout-soon", "flagged", "shop-sync",
                    "inbox",
                ])
            _ = try expectInvalid(store, field: "within") { try store.setRule("due-soon", params: [("within", "36h")]) }
            _ = try expectInvalid(store, field: "parameter") { try store.setRule("due-soon", params: [("days", "3")]) }
            _ = try expectInvalid(store, field: "urgency") {
                try store.setRule("due-soon", params: [("urgency", "loud")])
            }
            #expect(try store.setRule("due-soon", params: [("within", "1w")]).value("within") == "1w")
            #expect(try store.setRule("due-soon", params: [("within", "")]).value("within") == "2d")
            let added = try store.addRule(
                name: "due-week", kind: .dueSoon, params: [("within", "7"), ("urgency", "notice")])
            #expect(added.value("within") == "1w")
            _ = try expectInvalid(store, field: "rule name") {
                try store.addRule(name: "due-week", kind: .overdue, params: [])
            }
            _ = try expectInvalid(store, field: "rule") { try store.removeRule("overdue") }
            try store.removeRule("due-week")
            #expect(try store.rules().count == 9)
        }
    }
}

@Suite("predictions on histories with known answers")
struct PredictionTests {
    @Test("constant demand of 5 a week forecasts 5 with a range of 5 to 5; too little history says so")
    func constantDemand() throws {
        try withClockedStore("2026-03-04T10:00:00Z") { store, _ throws in
            #expect(try store.forecasts().isEmpty)
            let none = try store.forecasts(skus: ["TEE"])
            #expect(none.first?.notEnough == "not enough history (no sales yet, need 8 weeks)")
            // 13 Mondays, 2025-12-01 to 2026-02-23, 5 units each.
            for w in 0..<13 {
                var d = draft(["TEE:5"], ref: "W-\(w)")
                d.placedAt = LocalDate(year: 2025, month: 12, day: 1)!.adding(days: 7 * w).iso + "T10:00:00Z"
                _ = try store.addOrder(d)
            }
            let f = try #require(try store.forecasts(skus: ["TEE"]).first)
            #expect(f.notEnough == nil)
            #expect(f.weeks == 13 && f.weeksWithSales == 13)
            #expect(abs(f.perWeek - 5) < 1e-9 && abs(f.low - 5) < 1e-9 && abs(f.high - 5) < 1e-9)
        }
    }

    @Test("TSB: intermittent demand, decay after sales stop, and the range")
    func model() {
        // One week in four sells 8: the long-run forecast is about 2 a week.
        let history = (0..<52).map { $0 % 4 == 0 ? 8.0 : 0 }
        let f = DemandModel.forecast(history)
        #expect(f > 1.2 && f < 3.0)
        // Sales stopping makes the forecast fall, unlike Croston's.
        let stopped = history + Array(repeating: 0, count: 12)
        #expect(DemandModel.forecast(stopped) < f / 4)
        let r = DemandModel.range(history, point: f)
        #expect(r.low == 0 && r.high == 8)
        #expect(DemandModel.weibull([1, 2, 3, 4], 0.5) == 2.5)
    }

    @Test("reorder: lead-time demand plus safety stock; the quantity covers the cover days")
    func reorder() throws {
        try withClockedStore("2026-03-04T10:00:00Z") { store, _ throws in
            try store.addProduct(NewProduct(sku: "BOX", name: "Box", price: "3.00", stock: 200))
            for w in 0..<13 {
                var d = draft(["BOX:5"], ref: "B-\(w)")
                d.placedAt = LocalDate(year: 2025, month: 12, day: 1)!.adding(days: 7 * w).iso + "T10:00:00Z"
                _ = try store.addOrder(d)
                _ = try store.confirm("B-\(w)")
                _ = try store.ship("B-\(w)")
            }
            _ = try store.changeStock("BOX", .set(8), note: nil)
            let line = try #require(try store.reorderPlan().first { $0.forecast.sku == "BOX" })
            // 5 a week over 14 days = 10; no error, so no safety stock; 8 available.
            #expect(abs(line.leadDemand - 10) < 1e-9 && line.safetyStock == 0)
            #expect(line.reorderPoint == 10)
            #expect(line.orderQuantity == 22)  // 10 + 5 x 28 / 7 - 8
            #expect(abs(OrderStore.z(0.95) - 1.6449) < 1e-4)
            // Stockout-soon: 8 units at 5 a week last 11.2 days, within the 14-day lead time.
            let r = try store.reminders(all: true, rules: ["stockout-soon"]).shown
            #expect(r.map(\.key) == ["stockout-soon:BOX"])
            var c = ProductChanges()
            c.leadDays = .some(10)
            _ = try store.updateProduct("BOX", c)
            #expect(try keys(store, rules: ["stockout-soon"]) == [])
        }
    }

    @Test("deliveries that always take 3 days predict 3 days; 29 delivered orders are not enough")
    func threeDays() throws {
        try withClockedStore("2025-12-01T10:00:00Z") { store, clock throws in
            func deliverOne(_ i: Int) throws {
                _ = try store.addOrder(draft(["TEE"], ref: "P-\(i)"))
                _ = try store.confirm("P-\(i)")
                clock.advance(hours: 24)
                _ = try store.ship("P-\(i)", carrier: "dhl")
                clock.advance(hours: 48)
                _ = try store.deliver("P-\(i)")
            }
            for i in 0..<29 { try deliverOne(i) }
            _ = try store.addOrder(draft(["TEE"], ref: "NEW"))
            #expect(try store.predictions(["NEW"]).first?.note == "not enough history (29 delivered orders, need 30)")
            try deliverOne(29)
            clock.set("2026-03-04T10:00:00Z")
            _ = try store.addOrder(draft(["TEE"], ref: "NEXT"))
            let p = try #require(try store.predictions(["NEXT"]).first)
            #expect(p.note == nil)
            #expect(p.ship?.expected == utc("2026-03-05T10:00:00Z"))
            #expect(p.delivery?.expected == utc("2026-03-07T10:00:00Z"))
            #expect(p.delivery?.low == p.delivery?.expected && p.delivery?.high == p.delivery?.expected)
            #expect(p.group == "sent standard to DE")
            // Never before now: the older open order is later than every past one, so it
            // arrives the usual 2 days on the way after now (a range of no width, as the
            // history has), with no ship date, and says why.
            let old = try #require(try store.predictions(["NEW"]).first)
            #expect(old.delivery?.expected == clock.now.addingTimeInterval(48 * 3600))
            #expect(old.delivery?.low == old.delivery?.expected && old.delivery?.high == old.delivery?.expected)
            #expect(old.ship == nil)
            #expect(
                old.late
                    == "later than 30 of the 30 past orders sent standard to DE: if it ships today, the usual time on the way"
            )
            // Shipped: the delivery leg, learned by carrier.
            _ = try store.confirm("NEXT")
            _ = try store.ship("NEXT", carrier: "dhl")
            let shipped = try #require(try store.predictions(["NEXT"]).first)
            #expect(shipped.delivery?.expected == utc("2026-03-06T10:00:00Z"))
            #expect(shipped.group == "sent by dhl to DE")
            // The backtest: every prediction exact.
            let b = try store.deliveryBacktest()
            #expect(b.orders == 30 && b.predicted == 0)  // each was placed before 30 had arrived
        }
    }

    @Test("an empty database: no crash, clear answers")
    func empty() throws {
        try withClockedStore("2026-03-04T10:00:00Z") { store, _ throws in
            #expect(try store.reminders(all: true).shown.isEmpty)
            #expect(try store.deliveryBacktest().predicted == 0)
            #expect(try store.demandBacktest().weeks == 0)
            #expect(try store.reorderPlan().first { $0.forecast.sku == "MUG-01" }?.forecast.notEnough != nil)
        }
    }
}

@Suite("remind: the text, the mail and the limits, without a terminal or sendmail")
struct RemindTextTests {
    @Test("the mail has one To, a subject counting the reminders and the urgent ones, the text and a signature")
    func mail() throws {
        try withClockedStore("2026-03-05T08:00:00Z") { store, clock throws in
            _ = try store.addOrder(draft(["TEE"], ref: "D-1", due: "2026-03-08"))
            _ = try store.addOrder(draft(["TEE"], ref: "D-2", due: "2026-03-11"))
            clock.set("2026-03-10T08:00:00Z")
            let result = try store.reminders(all: true, rules: ["due-soon", "overdue"])
            #expect(result.shown.map(\.key).sorted() == ["due-soon:D-2", "overdue:D-1"])
            let mail = result.mail(to: "root@localhost", zone: TimeZone(identifier: "Europe/Berlin")!)
            let lines = mail.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.prefix(2) == ["To: root@localhost", "Subject: orderctl: 2 reminders (1 urgent)"])
            #expect(lines.contains("Content-Type: text/plain; charset=utf-8"))
            let body = result.text(zone: TimeZone(identifier: "Europe/Berlin")!)
            #expect(body.hasPrefix("Urgent (1)\n  overdue:D-1   order D-1 (Ann) is 2 days overdue"))
            #expect(mail.contains("\n\n" + body + "\n\n-- \norderctl remind;"))
        }
    }

    @Test("the per-rule limit: 50 for text, none for programs, --limit N, and 0 for none")
    func limits() {
        #expect(RemindResult.perRuleLimit(requested: nil, forPrograms: false) == 50)
        #expect(RemindResult.perRuleLimit(requested: nil, forPrograms: true) == nil)
        #expect(RemindResult.perRuleLimit(requested: 3, forPrograms: true) == 3)
        #expect(RemindResult.perRuleLimit(requested: 0, forPrograms: false) == nil)
    }

    @Test(
        "a mail address is one address that can stand in a To: header",
        arguments: [
            ("root@localhost", true), ("owner@example.com", true), ("a b@example.com", false), ("@example.com", false),
            ("owner@", false), ("a@b@c", false), ("\"x\"@example.com", false), ("a,b@example.com", false),
            ("<a@example.com>", false), ("owner", false),
        ])
    func mailAddress(_ text: String, _ ok: Bool) {
        #expect(((try? Validate.mailAddress(text)) != nil) == ok)
    }
}
