import Foundation
import Testing

// Issue 14: what a new user tripped over, each reproduced with the built binary. The
// clock is fixed at 2026-11-25T10:00:00Z (a Wednesday); the business zone is Berlin.

@Suite("Everyday use: dates, init, filters, corrections")
struct EverydayFixesTests {
    // MARK: 2. dates in the future, durations

    @Test("add --date in the future is refused, and nothing is stored")
    func futurePlacement() throws {
        let s = try Sandbox(template: .catalog)
        let before = try s.dump()
        let r = try s.run("add", "--customer", "ann@example.com", "--item", "MUG-01", "--date", "2027-05-01")
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stderrLines == ["Error: invalid date '2027-05-01': in the future (2027-05-01 00:00)"], "\(r)")
        #expect(try s.dump() == before)
        // Today and a time earlier today are fine; so is a minute of clock skew.
        try s.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--date", "2026-11-25T10:00:30Z", "--ref", "SKEW")
        try s.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--date", "today", "--ref", "TODAY")
        #expect(try s.scalar("SELECT placed_at FROM orders WHERE ref = 'TODAY'") == "2026-11-24T23:00:00Z")
    }

    @Test("a plain lifecycle action on an order placed in the future is refused, naming the fix")
    func actionBeforePlacement() throws {
        let s = try Sandbox(template: .withOrder)
        // An order stored with a future date (an older orderctl, or a file): nothing may follow it now.
        try s.sql("UPDATE orders SET placed_at = '2027-05-01T08:00:00Z' WHERE ref = 'A-100'")
        let before = try s.dump()
        for args in [["confirm", "A-100"], ["pay", "A-100"], ["note", "A-100", "called"], ["cancel", "A-100", "--reason", "x"]] {
            let r = try s.run(args)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stderrLines == ["Error: cannot \(args[0]) order A-100: the order was placed at 2027-05-01 10:00, later than now (correct the order's date with 'orderctl edit A-100 --date DATE', or give --at)"], "\(r)")
        }
        #expect(try s.dump() == before)
        // The fix it names works, and then the action does.
        try s.ok("edit", "A-100", "--date", "2026-11-20")
        try s.ok("confirm", "A-100")
        try s.ok("ship", "A-100")
        #expect(try s.scalar("SELECT ship_hours FROM orders WHERE ref = 'A-100'") == String((Int(try s.scalar("SELECT unixepoch('2026-11-25T10:00:00Z') - unixepoch(placed_at) FROM orders WHERE ref = 'A-100'"))!) / 3600))
    }

    @Test("stats never prints a negative lead time, even for a shipment stored before its order")
    func noNegativeDuration() throws {
        let s = try Sandbox(template: .withOrder)
        try s.ok("confirm", "A-100")
        try s.ok("ship", "A-100")
        // Damage the order the way the old bug did: placed after it shipped.
        try s.sql("UPDATE orders SET placed_at = '2026-11-25T20:00:00Z' WHERE ref = 'A-100'")
        #expect(try s.scalar("SELECT ship_hours FROM orders WHERE ref = 'A-100'") == "-10")
        let r = try s.ok("stats", "--from", "2026-11-01", "--by", "day")
        let table = try #require(Output.table(in: r.stdout, header: "DAY"))
        let day = try #require(table.rows.first { $0.first == "2026-11-25" }, "\(r)")
        #expect(day[table.header.firstIndex(of: "SHIP d")!] == "0.0/0.0", "a negative or garbled duration: \(r)")
        #expect(!r.stdout.contains(".-") && !r.stdout.contains(" -"), "\(r)")
    }

    @Test("add --date D --due +3d counts from D")
    func dueCountsFromPlacement() throws {
        let s = try Sandbox(template: .catalog)
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--date", "2026-11-10", "--due", "+3d", "--ref", "LATE")
        #expect(try s.scalar("SELECT due_date FROM orders WHERE ref = 'LATE'") == "2026-11-13")
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--due", "+3d", "--ref", "NOW")
        #expect(try s.scalar("SELECT due_date FROM orders WHERE ref = 'NOW'") == "2026-11-28")
    }

    // MARK: 3. init on an existing database

    @Test("init on an existing database changes nothing, says what differs and exits 1")
    func initExisting() throws {
        let s = try Sandbox(template: .catalog)
        let before = try s.dump()
        let r = try s.run("init", "--timezone", "Asia/Tokyo", "--currency", "eur", "--country", "AT")
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderrLines == [
            "Database already exists at \(s.dbPath); init changed nothing:",
            "  timezone is Europe/Berlin, not Asia/Tokyo (change it with 'orderctl config set timezone Asia/Tokyo')",
            "  shop.country is DE, not AT (change it with 'orderctl config set shop.country AT')",
        ], "\(r)")
        #expect(try s.dump() == before)
        // The same values (in any case), or none: it only says the database exists.
        let same = try s.ok("init", "--currency", "eur", "--timezone", "Europe/Berlin")
        #expect(same.stdout.hasPrefix("Database already exists at \(s.dbPath)"))
        try s.ok("init")
        #expect(try s.dump() == before)
    }

    // MARK: 4. repeated filters mean any of them

    @Test("list --status and --class: repeated or comma lists mean OR; a bad value is a usage error")
    func repeatedFilters() throws {
        let s = try Sandbox(template: .catalog)
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "P1")
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "C1")
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "S1")
        try s.ok("add", "--customer", "jean@example.fr", "--item", "TEE-M", "--ref", "I1")
        try s.ok("confirm", "C1", "S1")
        try s.ok("ship", "S1")
        func refs(_ args: String...) throws -> Set<String> {
            let rows = try #require(Output.parseCSV(try s.ok(["list", "--csv"] + args).stdout))
            return Set(rows.dropFirst().map { $0[0] })
        }
        #expect(try refs("--status", "shipped", "--status", "confirmed") == ["S1", "C1"])
        #expect(try refs("--status", "shipped,pending") == ["S1", "P1", "I1"])
        #expect(try refs("--status", "pending", "--class", "international") == ["I1"])
        #expect(try refs("--class", "standard,international") == ["P1", "C1", "S1", "I1"])
        // The slow path (swift-argument-parser) gives the same.
        let slow = try s.run(["list", "--csv", "--status", "shipped", "--status", "confirmed"], env: ["ORDERCTL_FAST_ARGS": "0"])
        #expect(Set(Output.parseCSV(slow.stdout)!.dropFirst().map { $0[0] }) == ["S1", "C1"])
        let bad = try s.run("list", "--status", "shipped", "--status", "bogus")
        #expect(bad.exitCode == 64, "\(bad)")
        #expect(bad.stderrLines.first == "Error: The value 'bogus' is invalid for '--status <status>': expected one of pending, confirmed, processing, shipped, delivered, completed, on_hold, cancelled", "\(bad)")
        let badClass = try s.run("list", "--class", "vip")
        #expect(badClass.exitCode == 64, "\(badClass)")
        #expect(badClass.stderrLines.first?.contains("expected one of standard, express, international, high-value, bulk") == true, "\(badClass)")
        let export = try s.ok("export", "--status", "shipped,confirmed")
        #expect(Set(Output.parseCSV(export.stdout)!.dropFirst().map { $0[0] }) == ["S1", "C1"])
    }

    @Test("list --due-before leaves out completed and cancelled orders unless --status asks")
    func dueBeforeOpenOnly() throws {
        let s = try Sandbox(template: .catalog)
        for ref in ["OPEN", "DONE", "GONE"] {
            try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", ref, "--due", "2026-11-27")
        }
        try s.ok("confirm", "DONE")
        try s.ok("ship", "DONE")
        try s.ok("pay", "DONE")
        try s.ok("deliver", "DONE")
        try s.ok("cancel", "GONE", "--reason", "duplicate")
        #expect(try s.statuses("DONE").hasPrefix("completed"))
        let rows = Output.parseCSV(try s.ok("list", "--due-before", "fri", "--csv").stdout)!.dropFirst().map { $0[0] }
        #expect(rows == ["OPEN"])
        let asked = Output.parseCSV(try s.ok("list", "--due-before", "fri", "--status", "completed,cancelled", "--csv").stdout)!.dropFirst().map { $0[0] }
        #expect(Set(asked) == ["DONE", "GONE"])
    }

    // MARK: 9. edit the date, customer and channel

    @Test("edit --date/--customer/--channel: each an event, checked, reclassified; refused once shipped")
    func editHeader() throws {
        let s = try Sandbox(template: .withOrder)
        let r = try s.ok("edit", "A-100", "--date", "2026-11-01", "--customer", "jean@example.fr", "--channel", "shop")
        #expect(r.stdout.contains("placed 2026-11-25 11:00 -> 2026-11-01 00:00"), "\(r)")
        #expect(r.stdout.contains("customer #1 Ann Lee -> #2 Jean Dupont"), "\(r)")
        #expect(r.stdout.contains("class standard -> international"), "\(r)")
        #expect(try s.sql("SELECT placed_at, customer_id, channel, class FROM orders WHERE ref = 'A-100'") == ["2026-10-31T23:00:00Z|2|shop|international"])
        #expect(try s.sql("SELECT kind, old_value, new_value FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = 'A-100' AND kind IN ('placed', 'customer', 'channel') ORDER BY seq") == [
            "placed|2026-11-25T10:00:00Z|2026-10-31T23:00:00Z", "customer|#1 Ann Lee|#2 Jean Dupont", "channel|web|shop",
        ])
        // The daily sums follow the order to its new day (stats reads them).
        #expect(try s.sql("SELECT day, orders FROM stats_daily WHERE orders > 0") == ["2026-10-31|1"])
        try s.ok("verify")
        // Refused: the future, after something the history says followed, a bad channel, an unknown customer.
        try s.ok("pay", "A-100", "--at", "2026-11-03")
        let before = try s.dump()
        for (args, message) in [
            (["--date", "2027-01-01"], "Error: invalid date '2027-01-01': in the future (2027-01-01 00:00)"),
            (["--date", "2026-11-05"], "Error: invalid date '2026-11-05': after the order's history goes on (2026-11-03 23:59); date that too with --at, or choose an earlier date"),
            (["--customer", "nobody@example.com"], "Error: no customer with email 'nobody@example.com' (add --create-customer to create one, or 'orderctl customer add')"),
            (["--date", "2026-11-02", "--due", "2026-11-01"], "Error: invalid due date 2026-11-01: before the order date 2026-11-02"),
        ] {
            let r = try s.run(["edit", "A-100"] + args)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stderrLines == [message], "\(r)")
        }
        #expect(try s.dump() == before)
        try s.ok("confirm", "A-100")
        try s.ok("ship", "A-100")
        let shipped = try s.run("edit", "A-100", "--customer", "ann@example.com")
        #expect(shipped.exitCode == 1)
        #expect(shipped.stderrLines == ["Error: cannot edit order A-100: it is shipped (allowed next: deliver, refund, return, note, flag)"], "\(shipped)")
    }

    // MARK: 10. --at on every lifecycle verb

    @Test("--at on confirm, hold, release, cancel, note, flag, refund and return keeps a true timeline")
    func atEverywhere() throws {
        let s = try Sandbox(template: .catalog)
        try s.ok("add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--ref", "B-1", "--date", "2026-11-10")
        try s.ok("confirm", "B-1", "--at", "2026-11-11T09:00")
        try s.ok("hold", "B-1", "--reason", "waiting", "--at", "2026-11-11T10:00")
        try s.ok("release", "B-1", "--at", "2026-11-12T10:00")
        try s.ok("pay", "B-1", "--at", "2026-11-12T11:00")
        try s.ok("flag", "B-1", "--reason", "check address", "--at", "2026-11-12T12:00")
        try s.ok("flag", "B-1", "--clear", "--at", "2026-11-12T13:00")
        try s.ok("ship", "B-1", "--at", "2026-11-13T09:00")
        try s.ok("note", "B-1", "customer called", "--at", "2026-11-14T09:00")
        let ret = try s.ok("return", "B-1", "--item", "MUG-01:1", "--at", "2026-11-15T09:00")
        #expect(ret.stdout.contains("at 2026-11-15 09:00"), "\(ret)")
        try s.ok("refund", "B-1", "--amount", "12.50", "--at", "2026-11-16T09:00")
        // Every event after the creation is at the time given, in order (Berlin is UTC+1).
        let times = try s.sql("SELECT e.kind || ' ' || e.at FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = 'B-1' AND e.kind NOT IN ('created', 'classified', 'stock-reserved') ORDER BY e.seq")
        #expect(times == [
            "status 2026-11-11T08:00:00Z", "status 2026-11-11T09:00:00Z", "status 2026-11-12T09:00:00Z",
            "paid 2026-11-12T10:00:00Z", "payment 2026-11-12T10:00:00Z", "flagged 2026-11-12T11:00:00Z", "unflagged 2026-11-12T12:00:00Z",
            "shipped 2026-11-13T08:00:00Z", "status 2026-11-13T08:00:00Z", "fulfilment 2026-11-13T08:00:00Z",
            "note 2026-11-14T08:00:00Z", "returned 2026-11-15T08:00:00Z", "fulfilment 2026-11-15T08:00:00Z",
            "refunded 2026-11-16T08:00:00Z", "payment 2026-11-16T08:00:00Z",
        ])
        #expect(try s.sql("SELECT at FROM returns") == ["2026-11-15T08:00:00Z"])
        #expect(try s.sql("SELECT kind, at FROM payments ORDER BY id") == ["payment|2026-11-12T10:00:00Z", "refund|2026-11-16T08:00:00Z"])
        #expect(try s.scalar("SELECT confirmed_at FROM orders WHERE ref = 'B-1'") == "2026-11-11T08:00:00Z")
        try s.ok("verify")
        // The same checks as ship --at: not before the order (or what it follows), not in the future.
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "B-2", "--date", "2026-11-20")
        let before = try s.dump()
        for (args, message) in [
            (["confirm", "B-2", "--at", "2026-11-19"], "Error: invalid at '2026-11-19': before the order was placed (2026-11-20 00:00)"),
            (["confirm", "B-2", "--at", "2026-11-26"], "Error: invalid at '2026-11-26': in the future (2026-11-26)"),
            (["note", "B-2", "x", "--at", "soon"], "Error: invalid at 'soon': expected a date: \(dateHelp)"),
            (["refund", "B-1", "--amount", "1", "--at", "2026-11-12T09:00"], "Error: invalid at '2026-11-12T09:00': before the last payment (2026-11-12 11:00)"),
        ] {
            let r = try s.run(args)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stderrLines == [message], "\(r)")
        }
        #expect(try s.dump() == before)
    }

    @Test("an unpaid order's lifecycle error does not offer refund; a paid one's does not offer pay")
    func offeredActions() throws {
        let s = try Sandbox(template: .withOrder)
        let r = try s.run("deliver", "A-100")
        #expect(r.stderrLines == ["Error: cannot deliver order A-100: it is pending (allowed next: confirm, hold, pay, cancel, edit, note, flag)"], "\(r)")
        try s.ok("pay", "A-100")
        let paid = try s.run("deliver", "A-100")
        #expect(paid.stderrLines == ["Error: cannot deliver order A-100: it is pending (allowed next: confirm, hold, cancel, refund, edit, note, flag)"], "\(paid)")
    }

    // MARK: 5. honest predictions

    /// 32 delivered orders to DE: shipped 1 day after placing, on the way 2, 3 or 4 days
    /// (i mod 3): 11 of 2 days, 11 of 3, 10 of 4.
    func deliveredHistory() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        var csv = "ref,ordered_at,customer_email,customer_name,country,sku,quantity,status,paid_at,shipped_at,delivered_at\n"
        for i in 0..<32 {
            let day = LocalDay.add("2026-09-01", i)
            csv += "H-\(i),\(day)T10:00:00Z,h\(i)@example.com,Buyer \(i),DE,TEE-M,1,delivered,\(day)T10:00:00Z,"
                + "\(LocalDay.add(day, 1))T10:00:00Z,\(LocalDay.add(day, 1 + 2 + i % 3))T10:00:00Z\n"
        }
        let path = sb.dir.appendingPathComponent("history.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        try sb.ok("import", path)
        return sb
    }

    @Test("predict: an order later than every past one gets today plus the usual time on the way, with a true range")
    func predictLateOrder() throws {
        let sb = try deliveredHistory()
        // International, placed 20 days ago, not shipped: later than every past order (at most 5 days).
        try sb.ok("add", "--customer", "jean@example.fr", "--item", "TEE-M", "--ref", "LATE", "--date", "2026-11-05T09:00:00Z")
        try sb.ok("confirm", "LATE")
        let p = try sb.ok("predict", "LATE").stdout
        // The way legs sorted: 48 h x11, 72 h x11, 96 h x10; P7.5 = 48 h, median 72 h, P92.5 = 96 h, from now (Wed 11:00 Berlin).
        #expect(p.contains("arrives    Sat 2026-11-28 (80% range 2026-11-27 to 2026-11-29)"), "\(p)")
        #expect(p.contains("(later than 32 of the 32 past orders sent standard, to any country: if it ships today, the usual time on the way)"), "\(p)")
        #expect(!p.contains("\n  ships "), "no ship date from a history it is later than: \(p)")
        #expect(!p.contains("all standard orders"), "a group name that reads like a class: \(p)")
        // On its way 10 days, longer than any past delivery: no estimate, said plainly.
        try sb.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "LOST", "--date", "2026-11-10T09:00:00Z")
        try sb.ok("confirm", "LOST")
        try sb.ok("ship", "LOST", "--at", "2026-11-15T09:00:00Z")
        let lost = try sb.ok("predict", "LOST").stdout
        #expect(lost.contains("no estimate: on its way longer than 32 of the 32 past orders sent standard to DE"), "\(lost)")
        #expect(!lost.contains("arrives"), "\(lost)")
        // An order on time: its range has width because the history has.
        try sb.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "NEW")
        let fresh = try sb.ok("predict", "NEW").stdout
        #expect(fresh.contains("arrives    Sun 2026-11-29 (80% range 2026-11-28 to 2026-11-30)"), "\(fresh)")
        #expect(fresh.contains("delivered orders sent standard to DE"), "\(fresh)")
    }

    // MARK: 6. reorder without a forecast follows the reorder level

    @Test("reorder without enough history follows the owner's reorder level, as remind does, and says so")
    func reorderByLevel() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01:36", "--ref", "BIG")
        // MUG-01: 40 on hand, 36 reserved: 4 available, at or below the level 5 the owner set.
        let remind = try sb.ok("remind").stdout
        #expect(remind.contains("low-stock:MUG-01"), "\(remind)")
        let r = try sb.ok("reorder")
        let table = try #require(Output.table(in: r.stdout, header: "SKU"), "\(r)")
        #expect(table.rows.map { $0[0] } == ["MUG-01"], "\(r)")
        // SKU NAME AVAILABLE (no PER WEEK) LEAD SERVICE (no SAFETY) REORDER AT ORDER NOTE: empty cells fold away.
        #expect(table.rows[0] == ["MUG-01", "Stoneware mug", "4", "14d", "95%", "5", "6",
                                  "not enough history (no sales yet, need 8 weeks); by your reorder level 5, up to twice it"], "\(r)")
        let json = try #require(try sb.json("reorder") as? [[String: Any]])
        #expect(json.count == 1)
        #expect(json[0].int("available") == 4 && json[0].int("reorder_point") == 5 && json[0].int("order_quantity") == 6, "up to twice the level: 10 - 4")
        #expect(json[0].int("reorder_level") == 5 && json[0].string("basis") == "reorder level")
        let csv = try #require(Output.parseCSV(try sb.ok("reorder", "--csv").stdout))
        #expect(csv.count == 2 && csv[1][0] == "MUG-01" && csv[1][2] == "6" && csv[1].last == "reorder level", "\(csv)")
        // Every tracked product with --all: CARD has no level and 10 available, nothing to order.
        let all = try #require(try sb.json("reorder", "--all") as? [[String: Any]])
        let card = try #require(all.first { $0.string("sku") == "CARD" })
        #expect(card.int("order_quantity") == 0 && card.int("reorder_point") == 0 && card.string("basis") == "reorder level")
        #expect(card.string("note")?.contains("no reorder level set") == true)
    }
}

let dateHelp = "YYYY-MM-DD, today, tomorrow, yesterday, +3d, -2w, +1m, +1y, mon..sun, eow, eom"
