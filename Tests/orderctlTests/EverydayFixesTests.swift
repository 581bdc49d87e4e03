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
        try s.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01", "--date", "2026-11-25T10:00:30Z", "--ref",
            "SKEW")
        try s.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--date", "today", "--ref", "TODAY")
        #expect(try s.scalar("SELECT placed_at FROM orders WHERE ref = 'TODAY'") == "2026-11-24T23:00:00Z")
    }

    @Test("a plain lifecycle action on an order placed in the future is refused, naming the fix")
    func actionBeforePlacement() throws {
        let s = try Sandbox(template: .withOrder)
        // An order stored with a future date (an older orderctl, or a file): nothing may follow it now.
        try s.sql("UPDATE orders SET placed_at = '2027-05-01T08:00:00Z' WHERE ref = 'A-100'")
        let before = try s.dump()
        for args in [
            ["confirm", "A-100"], ["pay", "A-100"], ["note", "A-100", "called"], ["cancel", "A-100", "--reason", "x"],
        ] {
            let r = try s.run(args)
            #expect(r.exitCode == 1, "\(r)")
            #expect(
                r.stderrLines == [
                    "Error: cannot \(args[0]) order A-100: the order was placed at 2027-05-01 10:00, later than now (correct the order's date with 'orderctl edit A-100 --date DATE')"
                ], "\(r)")
        }
        #expect(try s.dump() == before)
        // The fix it names works, and then the action does.
        try s.ok("edit", "A-100", "--date", "2026-11-20")
        try s.ok("confirm", "A-100")
        try s.ok("ship", "A-100")
        #expect(
            try s.scalar("SELECT ship_hours FROM orders WHERE ref = 'A-100'")
                == String(
                    (Int(
                        try s.scalar(
                            "SELECT unixepoch('2026-11-25T10:00:00Z') - unixepoch(placed_at) FROM orders WHERE ref = 'A-100'"
                        ))!) / 3600))
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

    @Test("import refuses a date in the future, as add does: the line, field and value named, nothing imported")
    func importFutureDates() throws {
        let s = try Sandbox(template: .catalog)
        let before = try s.dump()
        let path = s.dir.appendingPathComponent("f.csv").path
        try
            "ref,ordered_at,customer_email,sku,quantity,unit_price,status,shipped_at\nF-1,2027-05-01T10:00:00Z,f@example.com,TEE-M,1,19.90,pending,\nF-2,2026-11-01T10:00:00Z,f@example.com,TEE-M,1,19.90,shipped,2026-12-24T10:00:00Z\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try s.run("import", path)
        #expect(r.exitCode == 65, "\(r)")
        #expect(
            r.stderrLines.contains(
                "Error: line 2: ordered_at '2027-05-01T10:00:00Z': in the future (2027-05-01 12:00)"), "\(r)")
        #expect(
            r.stderrLines.contains(
                "Error: line 3: shipped_at '2026-12-24T10:00:00Z': in the future (2026-12-24 11:00)"), "\(r)")
        #expect(try s.dump() == before)
    }

    @Test("add --date D --due +3d counts from D")
    func dueCountsFromPlacement() throws {
        let s = try Sandbox(template: .catalog)
        try s.ok(
            "add", "--customer", "ann@example.com", "--item", "TEE-M", "--date", "2026-11-10", "--due", "+3d", "--ref",
            "LATE")
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
        #expect(
            r.stderrLines == [
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
        let slow = try s.run(
            ["list", "--csv", "--status", "shipped", "--status", "confirmed"], env: ["ORDERCTL_FAST_ARGS": "0"])
        #expect(Set(Output.parseCSV(slow.stdout)!.dropFirst().map { $0[0] }) == ["S1", "C1"])
        let bad = try s.run("list", "--status", "shipped", "--status", "bogus")
        #expect(bad.exitCode == 64, "\(bad)")
        #expect(
            bad.stderrLines.first
                == "Error: The value 'bogus' is invalid for '--status <status>': expected one of pending, confirmed, processing, shipped, delivered, completed, on_hold, cancelled",
            "\(bad)")
        let badClass = try s.run("list", "--class", "vip")
        #expect(badClass.exitCode == 64, "\(badClass)")
        #expect(
            badClass.stderrLines.first?.contains("expected one of standard, express, international, high-value, bulk")
                == true, "\(badClass)")
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
        let asked = Output.parseCSV(
            try s.ok("list", "--due-before", "fri", "--status", "completed,cancelled", "--csv").stdout)!.dropFirst().map
        { $0[0] }
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
        #expect(
            try s.sql("SELECT placed_at, customer_id, channel, class FROM orders WHERE ref = 'A-100'") == [
                "2026-10-31T23:00:00Z|2|shop|international"
            ])
        #expect(
            try s.sql(
                "SELECT kind, old_value, new_value FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = 'A-100' AND kind IN ('placed', 'customer', 'channel') ORDER BY seq"
            ) == [
                "placed|2026-11-25T10:00:00Z|2026-10-31T23:00:00Z", "customer|#1 Ann Lee|#2 Jean Dupont",
                "channel|web|shop",
            ])
        // The daily sums follow the order to its new day (stats reads them).
        #expect(try s.sql("SELECT day, orders FROM stats_daily WHERE orders > 0") == ["2026-10-31|1"])
        try s.ok("verify")
        // Refused: the future, after something the history says followed, a bad channel, an unknown customer.
        try s.ok("pay", "A-100", "--at", "2026-11-03")
        let before = try s.dump()
        for (args, message) in [
            (["--date", "2027-01-01"], "Error: invalid date '2027-01-01': in the future (2027-01-01 00:00)"),
            (
                ["--date", "2026-11-05"],
                "Error: invalid date '2026-11-05': after what its history records next (2026-11-03 23:59); choose a date before that"
            ),
            (
                ["--customer", "nobody@example.com"],
                "Error: no customer with email 'nobody@example.com' (add --create-customer to create one, or 'orderctl customer add')"
            ),
            (
                ["--date", "2026-11-02", "--due", "2026-11-01"],
                "Error: invalid due date 2026-11-01: before the order date 2026-11-02"
            ),
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
        #expect(
            shipped.stderrLines == [
                "Error: cannot edit order A-100: it is shipped (allowed next: deliver, refund, return, note, flag)"
            ], "\(shipped)")
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
        let times = try s.sql(
            "SELECT e.kind || ' ' || e.at FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = 'B-1' AND e.kind NOT IN ('created', 'classified', 'stock-reserved') ORDER BY e.seq"
        )
        #expect(
            times == [
                "status 2026-11-11T08:00:00Z", "status 2026-11-11T09:00:00Z", "status 2026-11-12T09:00:00Z",
                "paid 2026-11-12T10:00:00Z", "payment 2026-11-12T10:00:00Z", "flagged 2026-11-12T11:00:00Z",
                "unflagged 2026-11-12T12:00:00Z",
                "shipped 2026-11-13T08:00:00Z", "status 2026-11-13T08:00:00Z", "fulfilment 2026-11-13T08:00:00Z",
                "note 2026-11-14T08:00:00Z", "returned 2026-11-15T08:00:00Z", "fulfilment 2026-11-15T08:00:00Z",
                "refunded 2026-11-16T08:00:00Z", "payment 2026-11-16T08:00:00Z",
            ])
        #expect(try s.sql("SELECT at FROM returns") == ["2026-11-15T08:00:00Z"])
        #expect(
            try s.sql("SELECT kind, at FROM payments ORDER BY id") == [
                "payment|2026-11-12T10:00:00Z", "refund|2026-11-16T08:00:00Z",
            ])
        #expect(try s.scalar("SELECT confirmed_at FROM orders WHERE ref = 'B-1'") == "2026-11-11T08:00:00Z")
        try s.ok("verify")
        // The same checks as ship --at: not before the order (or what it follows), not in the future.
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "B-2", "--date", "2026-11-20")
        let before = try s.dump()
        for (args, message) in [
            (
                ["confirm", "B-2", "--at", "2026-11-19"],
                "Error: invalid at '2026-11-19': before the order was placed (2026-11-20 00:00)"
            ),
            (["confirm", "B-2", "--at", "2026-11-26"], "Error: invalid at '2026-11-26': in the future (2026-11-26)"),
            (
                ["refund", "B-1", "--amount", "1", "--at", "2026-11-12T09:00"],
                "Error: invalid at '2026-11-12T09:00': before the last payment (2026-11-12 11:00)"
            ),
        ] {
            let r = try s.run(args)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stderrLines == [message], "\(r)")
        }
        // Text that is no date at all is the parser's to refuse (exit 64), before the database.
        let soon = try s.run(["note", "B-2", "x", "--at", "soon"])
        #expect(soon.exitCode == 64, "\(soon)")
        #expect(soon.stderrLines.first == "Error: invalid --at 'soon': expected a date: \(dateHelp)", "\(soon)")
        #expect(try s.dump() == before)
        // Confirmed now, a later step cannot be dated before that: the history would read
        // "held before it was confirmed" and teach stuck a stay of 0 hours.
        try s.ok("confirm", "B-2", "--at", "2026-11-24T09:00")
        let confirmed = try s.dump()
        for (args, message) in [
            (
                ["hold", "B-2", "--reason", "x", "--at", "2026-11-23"],
                "Error: invalid at '2026-11-23': before the order became confirmed (2026-11-24 09:00); give that step an earlier --at too"
            ),
            (
                ["ship", "B-2", "--at", "2026-11-24T08:59"],
                "Error: invalid at '2026-11-24T08:59': before the order became confirmed (2026-11-24 09:00); give that step an earlier --at too"
            ),
            (
                ["cancel", "B-2", "--reason", "x", "--at", "2026-11-21T12:00"],
                "Error: invalid at '2026-11-21T12:00': before the order became confirmed (2026-11-24 09:00); give that step an earlier --at too"
            ),
        ] {
            let r = try s.run(args)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stderrLines == [message], "\(r)")
        }
        #expect(try s.dump() == confirmed)
        // A note, a payment or a flag may be about earlier times; a hold after it is fine.
        try s.ok("note", "B-2", "asked on the phone", "--at", "2026-11-21T12:00")
        try s.ok("hold", "B-2", "--reason", "waiting", "--at", "2026-11-24T10:00")
        #expect(
            try s.sql("SELECT status, hours, orders FROM status_durations WHERE status = 'confirmed' ORDER BY hours")
                == ["confirmed|1|2", "confirmed|23|1"], "B-1: 1 h and 23 h, B-2: 1 h, never 0")
    }

    @Test("an unpaid order's lifecycle error does not offer refund; a paid one's does not offer pay")
    func offeredActions() throws {
        let s = try Sandbox(template: .withOrder)
        let r = try s.run("deliver", "A-100")
        #expect(
            r.stderrLines == [
                "Error: cannot deliver order A-100: it is pending (allowed next: confirm, hold, pay, cancel, edit, note, flag)"
            ], "\(r)")
        try s.ok("pay", "A-100")
        let paid = try s.run("deliver", "A-100")
        #expect(
            paid.stderrLines == [
                "Error: cannot deliver order A-100: it is pending (allowed next: confirm, hold, cancel, refund, edit, note, flag)"
            ], "\(paid)")
    }

    // MARK: 5. honest predictions

    /// 32 delivered orders to DE: shipped 1 day after placing, on the way 2, 3 or 4 days
    /// (i mod 3): 11 of 2 days, 11 of 3, 10 of 4.
    func deliveredHistory() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        var csv =
            "ref,ordered_at,customer_email,customer_name,country,sku,quantity,status,paid_at,shipped_at,delivered_at\n"
        for i in 0..<32 {
            let day = LocalDay.add("2026-09-01", i)
            csv +=
                "H-\(i),\(day)T10:00:00Z,h\(i)@example.com,Buyer \(i),DE,TEE-M,1,delivered,\(day)T10:00:00Z,"
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
        try sb.ok(
            "add", "--customer", "jean@example.fr", "--item", "TEE-M", "--ref", "LATE", "--date", "2026-11-05T09:00:00Z"
        )
        try sb.ok("confirm", "LATE")
        let p = try sb.ok("predict", "LATE").stdout
        // The way legs sorted: 48 h x11, 72 h x11, 96 h x10; P7.5 = 48 h, median 72 h, P92.5 = 96 h, from now (Wed 11:00 Berlin).
        #expect(p.contains("arrives    Sat 2026-11-28 (80% range 2026-11-27 to 2026-11-29)"), "\(p)")
        #expect(
            p.contains(
                "(later than 32 of the 32 past orders sent standard, to any country: if it ships today, the usual time on the way)"
            ), "\(p)")
        #expect(!p.contains("\n  ships "), "no ship date from a history it is later than: \(p)")
        #expect(!p.contains("all standard orders"), "a group name that reads like a class: \(p)")
        // On its way 10 days, longer than any past delivery: no estimate, said plainly.
        try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "LOST", "--date", "2026-11-10T09:00:00Z"
        )
        try sb.ok("confirm", "LOST", "--at", "2026-11-15T09:00:00Z")
        try sb.ok("ship", "LOST", "--at", "2026-11-15T09:00:00Z")
        let lost = try sb.ok("predict", "LOST").stdout
        #expect(
            lost.contains("no estimate: on its way longer than 32 of the 32 past orders sent standard to DE"), "\(lost)"
        )
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
        #expect(
            table.rows[0] == [
                "MUG-01", "Stoneware mug", "4", "14d", "95%", "5", "6",
                "not enough history (no sales yet, need 8 weeks); by your reorder level 5, up to twice it",
            ], "\(r)")
        let json = try #require(try sb.json("reorder") as? [[String: Any]])
        #expect(json.count == 1)
        #expect(
            json[0].int("available") == 4 && json[0].int("reorder_point") == 5 && json[0].int("order_quantity") == 6,
            "up to twice the level: 10 - 4")
        #expect(json[0].int("reorder_level") == 5 && json[0].string("basis") == "reorder level")
        let csv = try #require(Output.parseCSV(try sb.ok("reorder", "--csv").stdout))
        #expect(csv.count == 2 && csv[1][0] == "MUG-01" && csv[1][2] == "6" && csv[1].last == "reorder level", "\(csv)")
        // Every tracked product with --all: CARD has no level and 10 available, nothing to order.
        let all = try #require(try sb.json("reorder", "--all") as? [[String: Any]])
        let card = try #require(all.first { $0.string("sku") == "CARD" })
        #expect(
            card.int("order_quantity") == 0 && card.int("reorder_point") == 0 && card.string("basis") == "reorder level"
        )
        #expect(card.string("note")?.contains("no reorder level set") == true)
    }

    // MARK: 7. customer update

    @Test("customer update: checked like add, each change recorded, orders kept; bad input changes nothing")
    func customerUpdate() throws {
        let s = try Sandbox(template: .withOrder)
        let r = try s.ok(
            "customer", "update", "ann@example.com", "--email", "ann.lee@example.com", "--country", "Austria",
            "--phone", "+43 1 234", "--name", "Ann Lee-Smith")
        #expect(
            r.stdout
                == "Updated customer #1: name 'Ann Lee' -> 'Ann Lee-Smith'; email 'ann@example.com' -> 'ann.lee@example.com'; phone none -> '+43 1 234'; country 'DE' -> 'AT'\n",
            "\(r)")
        #expect(
            try s.sql("SELECT name, email, phone, country FROM customers WHERE id = 1") == [
                "Ann Lee-Smith|ann.lee@example.com|+43 1 234|AT"
            ])
        #expect(
            try s.sql(
                "SELECT field, coalesce(old_value, '-'), new_value FROM customer_events WHERE customer_id = 1 ORDER BY id"
            ) == [
                "name|Ann Lee|Ann Lee-Smith", "email|ann@example.com|ann.lee@example.com", "phone|-|+43 1 234",
                "country|DE|AT",
            ])
        // The orders stay with the customer, found by the new email.
        let show = try s.ok("customer", "show", "ann.lee@example.com").stdout
        #expect(show.contains("Orders:   1, total spent 19.90 EUR"), "\(show)")
        #expect(show.contains("email: ann@example.com -> ann.lee@example.com"), "\(show)")
        // An empty value clears an optional field.
        try s.ok("customer", "update", "1", "--phone", "")
        #expect(try s.scalar("SELECT coalesce(phone, 'NULL') FROM customers WHERE id = 1") == "NULL")
        let before = try s.dump()
        // A taken email needs the database (1); a value's shape is the parser's (64, the
        // usage hint after the error line).
        for (args, code, message) in [
            (["--email", "jean@example.fr"], 1, "Error: a customer with email 'jean@example.fr' already exists"),
            (["--email", "not-an-email"], 64, nil),
            (
                ["--country", "Narnia"], 64,
                "Error: invalid --country 'Narnia': expected a two-letter ISO 3166 code such as DE, or a country's English name such as Germany"
            ),
            (["--name", ""], 64, nil),
            (
                [String](), 64,
                "Error: missing change (give --name, --email, --phone, --country, --region, --address or --note)"
            ),
        ] as [([String], Int32, String?)] {
            let r = try s.run(["customer", "update", "1"] + args)
            #expect(r.exitCode == code, "\(r)")
            #expect(r.stderrLines.first?.hasPrefix("Error: ") == true, "\(r)")
            #expect(r.stderrLines.count == (code == 1 ? 1 : 3), "\(r)")
            if let message { #expect(r.stderrLines.first == message, "\(r)") }
        }
        let unknown = try s.run("customer", "update", "99", "--name", "X")
        #expect(
            unknown.exitCode == 1
                && unknown.stderrLines == ["Error: no customer matches '99' (see 'orderctl customer list')"],
            "\(unknown)")
        #expect(try s.dump() == before)
    }

    @Test("a country's name is accepted wherever a country is")
    func countryNames() throws {
        let s = try Sandbox(template: .catalog)
        try s.ok("customer", "add", "--name", "Hans", "--country", "Germany")
        try s.ok("customer", "add", "--name", "Kate", "--country", "united kingdom")
        try s.ok("add", "--customer", "x@example.us", "--create-customer", "--country", "USA", "--item", "TEE-M")
        try s.ok("config", "set", "shop.country", "Austria")
        #expect(
            try s.sql("SELECT name || ' ' || country FROM customers WHERE id > 2 ORDER BY id") == [
                "Hans DE", "Kate GB", "x US",
            ])
        #expect(try s.scalar("SELECT value FROM settings WHERE key = 'shop.country'") == "AT")
    }

    // MARK: 8. shipment update

    @Test("shipment update corrects carrier, tracking and date: checked as ship checks, recorded, lead times follow")
    func shipmentUpdate() throws {
        let s = try Sandbox(template: .catalog)
        try s.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--ref", "S-1", "--date",
            "2026-11-20T10:00:00Z")
        try s.ok("confirm", "S-1", "--at", "2026-11-20T12:00:00Z")
        try s.ok(
            "ship", "S-1", "--item", "MUG-01:1", "--carrier", "dhl", "--tracking", "1234567890", "--at",
            "2026-11-21T10:00:00Z")
        try s.ok("ship", "S-1", "--carrier", "dhl", "--at", "2026-11-22T10:00:00Z")
        let r = try s.ok(
            "shipment", "update", "S-1", "1", "--carrier", "ups", "--tracking", "1Z999AA10123456784", "--at",
            "2026-11-20T16:00:00Z")
        #expect(
            r.stdout
                == "S-1: shipment 1: carrier dhl -> ups; tracking 1234567890 -> 1Z999AA10123456784; shipped 2026-11-21 11:00 -> 2026-11-20 17:00\n",
            "\(r)")
        #expect(
            try s.sql("SELECT carrier, tracking, shipped_at FROM shipments ORDER BY id") == [
                "ups|1Z999AA10123456784|2026-11-20T16:00:00Z", "dhl||2026-11-22T10:00:00Z",
            ])
        // The first shipment is now 6 hours after the order.
        #expect(try s.scalar("SELECT ship_hours FROM orders WHERE ref = 'S-1'") == "6")
        #expect(
            try s.sql(
                "SELECT kind, new_value, detail FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = 'S-1' AND kind = 'shipment-updated'"
            ) == [
                "shipment-updated|shipment 1|carrier dhl -> ups; tracking 1234567890 -> 1Z999AA10123456784; shipped 2026-11-21 11:00 -> 2026-11-20 17:00"
            ])
        #expect(try s.ok("show", "S-1").stdout.contains("https://www.ups.com/track?tracknum=1Z999AA10123456784"))
        try s.ok("verify")
        let before = try s.dump()
        for (args, message) in [
            (
                ["S-1", "--tracking", "1234567890"],
                "Error: missing shipment (order S-1 has 2 shipments; name one: orderctl shipment update S-1 N)"
            ),
            (["S-1", "3", "--tracking", "1234567890"], "Error: invalid shipment '3': order S-1 has shipments 1 to 2"),
            (
                ["S-1", "2", "--tracking", "12"],
                "Error: invalid tracking '12': not a DHL tracking number (e.g. 1234567890)"
            ),
            (
                ["S-1", "1", "--carrier", "dhl"],
                "Error: invalid tracking '1Z999AA10123456784': not a DHL tracking number (e.g. 1234567890)"
            ),
            (
                ["S-1", "2", "--at", "2026-11-19"],
                "Error: invalid at '2026-11-19': before the order was confirmed (2026-11-20 13:00)"
            ),
            (["S-1", "2", "--carrier", "dhll"], nil),
            (["NOPE", "--at", "today"], "Error: no order with ref 'NOPE' (see 'orderctl list')"),
        ] {
            let r = try s.run(["shipment", "update"] + args)
            #expect(r.exitCode == 1, "\(r)")
            if let message {
                #expect(r.stderrLines == [message], "\(r)")
            } else {
                #expect(r.stderrLines.count == 1, "\(r)")
            }
        }
        let usage = try s.run("shipment", "update", "S-1")
        #expect(usage.exitCode == 64, "\(usage)")
        #expect(try s.dump() == before)
    }

    // MARK: 11. unknown carriers

    @Test(
        "an unknown carrier is refused with the known ones and the nearest; a set URL or --carrier-unchecked lets it through"
    )
    func unknownCarrier() throws {
        let s = try Sandbox(template: .withOrder)
        try s.ok("confirm", "A-100")
        let before = try s.dump()
        let r = try s.run("ship", "A-100", "--carrier", "dhll")
        #expect(r.exitCode == 1, "\(r)")
        #expect(
            r.stderrLines == [
                "Error: invalid carrier 'dhll': not a carrier orderctl knows (known: dhl, dpd, fedex, gls, hermes, royalmail, ups, usps; did you mean 'dhl'?); set carrier.dhll.url for its tracking links, or give --carrier-unchecked"
            ], "\(r)")
        #expect(try s.dump() == before)
        try s.ok("config", "set", "carrier.postnl.url", "https://postnl.example/track/{tracking}")
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "A-101")
        try s.ok("confirm", "A-101")
        try s.ok("ship", "A-101", "--carrier", "postnl", "--tracking", "3S123")
        try s.ok("ship", "A-100", "--carrier", "Correos", "--carrier-unchecked")
        #expect(try s.sql("SELECT carrier FROM shipments ORDER BY id") == ["postnl", "correos"])
        // Once shipped with, a carrier is known to this shop.
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "A-102")
        try s.ok("confirm", "A-102")
        try s.ok("ship", "A-102", "--carrier", "correos")
    }

    // MARK: 19. typos

    @Test("a misspelled command, help topic, SKU or customer gets the nearest names; exit 64 for commands")
    func typos() throws {
        let s = try Sandbox(template: .withOrder)
        for (args, line) in [
            (["lsit"], "Error: unknown command 'lsit'; did you mean 'list'?"),
            (["help", "lsit"], "Error: unknown command 'lsit'; did you mean 'list'?"),
            (["customer", "lsit"], "Error: unknown customer command 'lsit'; did you mean 'list'?"),
            (["help", "customer", "lsit"], "Error: unknown customer command 'lsit'; did you mean 'list'?"),
            (["stats", "custmers"], "Error: unknown stats command 'custmers'; did you mean 'customers'?"),
            (["frobnicate"], "Error: unknown command 'frobnicate' (see 'orderctl --help')"),
        ] {
            let r = try s.run(args)
            #expect(r.exitCode == 64, "\(r)")
            #expect(r.stderrLines == [line], "\(r)")
            #expect(r.stdout.isEmpty)
        }
        let sku = try s.run("add", "--customer", "ann@example.com", "--item", "MUG01")
        #expect(
            sku.stderrLines == [
                "Error: unknown SKU 'MUG01'; did you mean 'MUG-01'? (see 'orderctl product list', or add it with 'orderctl product add')"
            ], "\(sku)")
        let name = try s.run("add", "--customer", "Ann Le", "--item", "TEE-M")
        #expect(
            name.stderrLines == [
                "Error: no customer matches 'Ann Le'; did you mean 'Ann Lee'? (see 'orderctl customer list')"
            ], "\(name)")
        let email = try s.run("list", "--customer", "ann@exmaple.com")
        #expect(
            email.stderrLines == [
                "Error: no customer with email 'ann@exmaple.com'; did you mean 'ann@example.com'? (add --create-customer to create one, or 'orderctl customer add')"
            ], "\(email)")
        // Help for a real topic still works.
        #expect(try s.ok("help", "customer", "update").stdout.contains("Correct a customer's details"))
    }

    // MARK: 12, 14, 15. imports as people run them

    @Test(
        "Ctrl-C or a kill during an import: exit 128+signal, one line, no temporary rejects file, nothing imported",
        arguments: [SIGINT, SIGTERM])
    func interruptedImport(_ sig: Int32) throws {
        let s = try Sandbox(template: .catalog)
        var csv = "ref,ordered_at,customer_email,sku,quantity,unit_price\n"
        for i in 0..<150_000 {
            csv += "K-\(i),2026-10-01T10:00:00Z,k\(i % 500)@example.com,TEE-M,\(i % 7 == 0 ? "-1" : "1"),19.90\n"
        }
        let path = s.dir.appendingPathComponent("big.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let before = try s.dump()
        let rejects = s.dir.appendingPathComponent("rejects.csv").path
        let p = try launch(
            s.binary, ["import", path, "--skip-invalid", "--rejects", rejects], environment: s.environment(),
            directory: s.dir, scratch: s.scratch)
        // Wait until the import is under way: its temporary rejects file exists.
        let temp = s.dir.appendingPathComponent(".rejects.csv.tmp-\(p.process.processIdentifier)").path
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: temp) && Date() < deadline && p.process.isRunning { usleep(2000) }
        try #require(FileManager.default.fileExists(atPath: temp), "the import never started writing its rejects")
        usleep(100_000)
        kill(p.process.processIdentifier, sig)
        let r = try p.wait()
        #expect(r.exitCode == 128 + sig, "\(r)")
        #expect(r.stderrLines.last == "interrupted: nothing was imported", "\(r)")
        let left = try FileManager.default.contentsOfDirectory(atPath: s.dir.path).filter {
            $0.contains(".tmp-") || $0 == "rejects.csv"
        }
        #expect(left.isEmpty, "left behind: \(left)")
        #expect(try s.dump() == before)
        try s.ok("verify")
    }

    @Test("import exit codes: rows skipped as asked 0, nothing new 0 (and says so), invalid and nothing imported 65")
    func importExitCodes() throws {
        let s = try Sandbox(template: .catalog)
        let header = "ref,ordered_at,customer_email,sku,quantity,unit_price\n"
        let good =
            "G-1,2026-10-01T10:00:00Z,g@example.com,TEE-M,1,19.90\nG-2,2026-10-02T10:00:00Z,g@example.com,TEE-M,2,19.90\n"
        let bad =
            "B-1,2026-10-03T10:00:00Z,g@example.com,TEE-M,-1,19.90\nB-1,2026-10-03T10:00:00Z,g@example.com,CARD,1,2.05\n"
        let mixed = s.dir.appendingPathComponent("mixed.csv").path
        try (header + good + bad).write(toFile: mixed, atomically: true, encoding: .utf8)
        let rejects = s.dir.appendingPathComponent("rejects.csv").path
        // All or nothing: invalid input, nothing imported.
        let strict = try s.run("import", mixed)
        #expect(strict.exitCode == 65, "\(strict)")
        #expect(try s.scalar("SELECT count(*) FROM orders") == "0")
        // Skipped as asked: imported, 0, and a count per reason.
        let first = try s.run("import", mixed, "--skip-invalid", "--rejects", rejects)
        #expect(first.exitCode == 0, "\(first)")
        #expect(
            first.stderrLines == [
                "rejected 1 order (2 rows), every row written to \(rejects) with its reason:",
                "       1  quantity: negative: a credit note or stock correction is not an order",
            ], "\(first)")
        #expect(try s.sql("SELECT ref FROM orders ORDER BY ref") == ["G-1", "G-2"])
        let rows = try String(contentsOfFile: rejects, encoding: .utf8).split(whereSeparator: \.isNewline).map {
            $0.split(separator: ",").map(String.init)
        }
        #expect(
            rows.map { $0.last! } == [
                "reason",
                "line 4: quantity '-1': negative: a credit note or stock correction is not an order (record a return with 'orderctl return REF')",
                "line 5: order B-1 rejected: see line 4",
            ])
        // The daily re-import: nothing new, 0, said.
        let again = try s.run("import", mixed, "--skip-invalid", "--rejects", rejects)
        #expect(again.exitCode == 0, "\(again)")
        #expect(again.stdoutLines.last == "nothing new: every valid order is already here", "\(again)")
        let clean = s.dir.appendingPathComponent("clean.csv").path
        try (header + good).write(toFile: clean, atomically: true, encoding: .utf8)
        let same = try s.run("import", clean)
        #expect(same.exitCode == 0 && same.stdoutLines.last == "nothing new: every order is already here", "\(same)")
        // Only invalid rows, even with --skip-invalid: nothing imported, 65.
        let onlyBad = s.dir.appendingPathComponent("bad.csv").path
        try (header + bad).write(toFile: onlyBad, atomically: true, encoding: .utf8)
        let none = try s.run("import", onlyBad, "--skip-invalid")
        #expect(none.exitCode == 65, "\(none)")
    }

    // MARK: 13. one SKU at two prices in one order (price breaks)

    /// stats_daily_product worked out from the tables with plain SQL (orders holding
    /// each product, counted once however many of its lines hold it).
    static let productSumsFromLines = """
        SELECT substr(o.placed_at, 1, 10), o.currency, l.product_id, count(DISTINCT o.id),
               count(DISTINCT iif(o.status = 'cancelled', o.id, NULL)),
               sum(iif(o.status <> 'cancelled', l.quantity, 0)), sum(iif(o.status <> 'cancelled', l.line_total, 0)),
               sum(iif(o.status <> 'cancelled', l.returned * l.unit_price, 0)),
               count(DISTINCT iif(o.status <> 'cancelled' AND l.shipped > 0, o.id, NULL)),
               count(DISTINCT iif(o.status <> 'cancelled' AND l.shipped > 0 AND l.returned > 0, o.id, NULL))
        FROM orders o JOIN order_lines l ON l.order_id = o.id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """
    static let productSums = "SELECT * FROM stats_daily_product WHERE lines <> 0 OR units <> 0 ORDER BY 1, 2, 3"

    @Test(
        "import keeps a SKU given at two prices as two lines; ship, return, stats, export and edit treat it as one product"
    )
    func priceBreaks() throws {
        let s = try Sandbox(template: .catalog)
        let file = try s.write(
            "invoices.csv",
            """
            ref,ordered_at,customer_email,sku,quantity,unit_price
            P-1,2026-10-01T10:00:00Z,ann@example.com,MUG-01,1,12.50
            P-1,2026-10-01T10:00:00Z,ann@example.com,MUG-01,24,10.00
            P-1,2026-10-01T10:00:00Z,ann@example.com,CARD,1,2.05
            P-1,2026-10-01T10:00:00Z,ann@example.com,MUG-01,2,12.50
            P-2,2026-10-02T10:00:00Z,jean@example.fr,MUG-01,3,12.50
            P-2,2026-10-02T10:00:00Z,jean@example.fr,CARD,1,2.05
            P-3,2026-10-03T10:00:00Z,jean@example.fr,MUG-01,1,12.50
            P-3,2026-10-03T10:00:00Z,jean@example.fr,MUG-01,5,11.00

            """)
        let r = try s.ok("import", file)
        #expect(r.stdout.hasPrefix("read 8 rows: imported 8 rows (3 orders), rejected 0 rows"), "\(r)")
        // The same price again is the same line; another price is another line.
        #expect(
            try s.sql(
                "SELECT l.line_no || ' ' || l.sku || ' ' || l.quantity || ' ' || l.unit_price FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref = 'P-1' ORDER BY l.line_no"
            )
                == ["1 MUG-01 3 1250", "2 MUG-01 24 1000", "3 CARD 1 205"])
        #expect(try s.scalar("SELECT total FROM orders WHERE ref = 'P-1'") == "27955")
        // Stats count an order once per product: MUG-01 is in 3 orders, not 5 lines.
        #expect(try s.sql(Self.productSums) == s.sql(Self.productSumsFromLines))
        let byProduct = try s.ok("stats", "--by", "product", "--from", "2026-10-01", "--to", "2026-10-31", "--csv")
            .stdout
        let mug = try #require(
            byProduct.split(whereSeparator: \.isNewline).first { $0.hasPrefix("MUG-01,") }, "\(byProduct)")
        #expect(
            try s.sql(
                "SELECT count(DISTINCT order_id), sum(quantity), sum(line_total) FROM order_lines WHERE sku = 'MUG-01'")
                == ["3|36|38250"])
        #expect(mug.hasPrefix("MUG-01,Stoneware mug,EUR,3,0,36,382.50,"), "\(mug)")
        // Bought together: MUG-01 with CARD in 2 orders (P-1, P-2), never MUG-01 with itself.
        let products = try #require(
            try s.json("stats", "products", "--from", "2026-10-01", "--to", "2026-10-31") as? [String: Any])
        let block = try #require((products["currencies"] as? [[String: Any]])?.first)
        let pairs = try #require(block["bought_together"] as? [[String: Any]])
        #expect(
            pairs.map { "\($0["first"] ?? "") \($0["second"] ?? "") \($0["orders"] ?? "")" } == ["MUG-01 CARD 2"],
            "\(pairs)")
        let ranked = try #require(block["by_revenue"] as? [[String: Any]])
        #expect(
            ranked.map { "\($0["sku"] ?? "") \($0["orders"] ?? "") \($0["units"] ?? "") \($0["net"] ?? "")" } == [
                "MUG-01 3 36 382.50", "CARD 2 2 4.10",
            ])

        // ship --item spreads over the SKU's lines in line order; too many is refused.
        try s.ok("confirm", "P-1", "--at", "2026-10-01T11:00:00Z")
        let first = try s.ok("ship", "P-1", "--item", "MUG-01:10", "--at", "2026-10-02T10:00:00Z")
        #expect(
            first.stdout == "P-1: shipped 10 units (MUG-01 x3, MUG-01 x7) at 2026-10-02 12:00; 18 still to ship\n",
            "\(first)")
        let before = try s.dump()
        let tooMany = try s.run("ship", "P-1", "--item", "MUG-01:18")
        #expect(tooMany.exitCode == 1)
        #expect(
            tooMany.stderrLines == [
                "Error: cannot ship order P-1: 18 of MUG-01 asked, only 17 left to ship (on its 2 lines)"
            ], "\(tooMany)")
        #expect(try s.dump() == before)
        try s.ok("ship", "P-1", "--at", "2026-10-03T10:00:00Z")
        try s.ok("deliver", "P-1", "--at", "2026-10-05T10:00:00Z")
        let back = try s.ok("return", "P-1", "--item", "MUG-01:5", "--reason", "chipped")
        #expect(
            back.stdout.contains("returned MUG-01 x3, MUG-01 x2 (restocked), worth 57.50 EUR"),
            "3 x 12.50 + 2 x 10.00: \(back)")
        #expect(
            try s.sql(
                "SELECT l.line_no || ' ' || l.shipped || ' ' || l.returned FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref = 'P-1' ORDER BY l.line_no"
            )
                == ["1 3 3", "2 24 2", "3 1 0"])
        #expect(try s.sql(Self.productSums) == s.sql(Self.productSumsFromLines))
        try s.ok("verify")

        // edit cannot tell the two lines apart: refused, naming them; nothing changes.
        let unchanged = try s.dump()
        let edit = try s.run("edit", "P-3", "--set", "MUG-01:4")
        #expect(edit.exitCode == 1)
        #expect(
            edit.stderrLines == [
                "Error: invalid set 'MUG-01': order P-3 has this SKU on 2 lines (line 1 at 12.50 EUR, line 2 at 11.00 EUR); edit changes a SKU on one line only"
            ], "\(edit)")
        #expect(try s.dump() == unchanged)

        // An export imports again with the same lines.
        let exported = try s.ok("export", "--format", "csv").stdout
        let copy = try Sandbox(template: .catalog)
        try copy.ok("import", try copy.write("export.csv", exported))
        let lines =
            "SELECT o.ref || ' ' || l.line_no || ' ' || l.sku || ' ' || l.quantity || ' ' || l.unit_price FROM order_lines l JOIN orders o ON o.id = l.order_id ORDER BY o.ref, l.line_no"
        #expect(try copy.sql(lines) == s.sql(lines))
        #expect(try copy.sql(Self.productSums) == copy.sql(Self.productSumsFromLines))
    }

    /// The UCI Online Retail II file beside the project (../shared/data), when present.
    static let onlineRetail: String? = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(
                "shared/data/online-retail-ii/online_retail_II_2009-2010.csv.gz"
            ).path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    @Test(
        "the README's UCI example imports every sales invoice: only credit notes, stock corrections and named dirt are rejected",
        .enabled(if: onlineRetail != nil, "the UCI file is not in ../shared/data"))
    func readmeOnlineRetail() throws {
        let s = try Sandbox()
        try s.ok("init", "--currency", "GBP", "--timezone", "Europe/London", "--country", "GB")
        let rejects = s.dir.appendingPathComponent("rejected.csv").path
        // Half a million rows: some 25 s here, on a slower machine up to three times that.
        let r = try s.run(
            [
                "import", Self.onlineRetail!, "--map", "ref=Invoice", "--map", "sku=StockCode", "--map",
                "product_name=Description",
                "--map", "quantity=Quantity", "--map", "ordered_at=InvoiceDate", "--map", "unit_price=Price",
                "--map", "customer_ref=Customer ID", "--skip-invalid", "--rejects", rejects,
            ], timeout: 300)
        #expect(r.exitCode == 0, "\(r)")
        #expect(
            r.stdout.hasPrefix(
                "read 525461 rows: imported 511789 rows (22033 orders), rejected 13672 rows (6783 orders)"),
            "\(r.stdout)")
        // Worked out from the file itself, apart from orderctl: each rejected invoice is a
        // credit note (C...), a stock correction (no positive quantity), a bad-debt entry
        // (A..., negative price) or holds a value orderctl cannot take as it is; the
        // imported invoices' totals are the sum of quantity x price over their rows.
        let script = """
            import csv, gzip, sys
            from decimal import Decimal
            from collections import defaultdict
            rejected = {row['Invoice'] for row in csv.DictReader(open(sys.argv[2], newline=''))}
            invoices = defaultdict(list)
            for row in csv.DictReader(gzip.open(sys.argv[1], 'rt', newline='')):
                invoices[row['Invoice']].append(row)
            kinds = defaultdict(int)
            total = Decimal(0)
            for ref, rows in invoices.items():
                if ref not in rejected:
                    total += sum(Decimal(r['Quantity']) * Decimal(r['Price']) for r in rows)
                elif ref.startswith('C'): kinds['credit note'] += 1
                elif all(int(r['Quantity']) <= 0 for r in rows): kinds['stock correction'] += 1
                elif ref.startswith('A'): kinds['bad debt'] += 1
                else: kinds['dirt'] += 1
            print(int(total * 100), kinds['credit note'], kinds['stock correction'], kinds['bad debt'], kinds['dirt'])
            """
        let py = try runProcess(
            URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, Self.onlineRetail!, rejects],
            environment: s.environment(), directory: s.dir, scratch: s.scratch, timeout: 300)
        #expect(py.exitCode == 0, "\(py)")
        let figures = py.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(figures.count == 5)
        #expect(
            figures.first == (try s.scalar("SELECT sum(total) FROM orders")),
            "imported totals from the file: \(figures)")
        #expect(
            Array(figures.dropFirst()) == ["4591", "2121", "3", "68"], "credit notes, stock corrections, bad debt, dirt"
        )
        // The dirt, by reason: no order is rejected for a SKU at two prices any more.
        let summary = r.stderrLines.filter { $0.hasPrefix("   ") }.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(
            summary == [
                "12326  quantity: negative: a credit note or stock correction is not an order",
                "65  sku: must not contain spaces, control characters, ':', '@' or ','",
                "48  country: not a country name orderctl knows; use a two-letter ISO 3166 code such as DE",
                "14  unit_price: GBP has at most 2 decimal places",
                "3  unit_price: must not be negative",
            ], "\(r.stderr.suffix(800))")
        try s.ok("verify")
    }

    // MARK: 16. imported customers have an external reference; the placeholder is nobody

    @Test(
        "customer_ref becomes an external reference every --customer accepts; 'Imported customer' is out of the rankings"
    )
    func externalRefs() throws {
        let s = try Sandbox(template: .catalog)
        let csv = """
            ref,ordered_at,customer_ref,sku,quantity,unit_price
            U-1,2026-10-01T10:00:00Z,17530,TEE-M,1,19.90
            U-2,2026-10-05T10:00:00Z,17530,TEE-M,2,19.90
            U-3,2026-10-06T10:00:00Z,2,TEE-M,1,19.90
            U-4,2026-10-07T10:00:00Z,,TEE-M,50,19.90
            U-5,2026-10-08T10:00:00Z,,TEE-M,50,19.90

            """
        let path = s.dir.appendingPathComponent("u.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        try s.ok("import", path)
        #expect(
            try s.sql("SELECT id, name, coalesce(external_ref, '-'), anonymous FROM customers WHERE id > 2 ORDER BY id")
                == [
                    "3|Customer 17530|17530|0", "4|Customer 2|2|0", "5|Imported customer|-|1",
                ])
        // Digits: the internal id, else the external reference; ext: says which.
        for given in ["17530", "ext:17530", "Customer 17530", "#3"] {
            let rows = Output.parseCSV(try s.ok("list", "--customer", given, "--csv").stdout)!.dropFirst().map { $0[0] }
            #expect(Set(rows) == ["U-1", "U-2"], "\(given)")
        }
        // "2" is customer #2's id and customer #4's reference: never silently one of them.
        let both = try s.run("list", "--customer", "2")
        #expect(both.exitCode == 1)
        #expect(
            both.stderrLines == [
                "Error: invalid customer '2': is the id of customer #2 and the external reference of customer #4; say #2 or ext:2"
            ], "\(both)")
        #expect(
            Output.parseCSV(try s.ok("list", "--customer", "ext:2", "--csv").stdout)!.dropFirst().map { $0[0] } == [
                "U-3"
            ])
        #expect(try s.ok("customer", "show", "ext:17530").stdout.contains("Ext ref:  17530"))
        #expect(try s.jsonObject("customer", "show", "17530").string("external_ref") == "17530")
        // The placeholder has the most revenue, but it is nobody: not ranked, not scored.
        let ranked = try #require(
            Output.parseCSV(
                try s.ok("stats", "customers", "--from", "2026-10-01", "--to", "2026-10-31", "--csv").stdout))
        let column = try #require(ranked.first?.firstIndex(of: "customer"), "\(ranked)")
        let names = ranked.dropFirst().map { $0[column] }
        #expect(Set(names) == ["Customer 17530", "Customer 2"], "\(ranked)")
        let text = try s.ok("stats", "customers", "--from", "2026-10-01", "--to", "2026-10-31").stdout
        #expect(!text.contains("Imported customer"), "\(text)")
        // A second import of the same refs finds the same customers.
        let again = s.dir.appendingPathComponent("u2.csv").path
        try
            "ref,ordered_at,customer_ref,sku,quantity,unit_price\nU-6,2026-10-09T10:00:00Z,17530,TEE-M,1,19.90\nU-7,2026-10-09T11:00:00Z,,TEE-M,1,19.90\n"
            .write(toFile: again, atomically: true, encoding: .utf8)
        try s.ok("import", again)
        #expect(
            try s.sql("SELECT o.ref, o.customer_id FROM orders o WHERE ref IN ('U-6', 'U-7') ORDER BY ref") == [
                "U-6|3", "U-7|5",
            ])
    }

    // MARK: 17. other tools' statuses

    @Test("statuses of other tools: the clear ones are read as orderctl's and said; --map-status reads the rest")
    func otherStatuses() throws {
        let s = try Sandbox(template: .catalog)
        let csv = """
            ref,ordered_at,customer_email,sku,quantity,unit_price,status
            W-1,2026-10-01T10:00:00Z,w@example.com,TEE-M,1,19.90,failed
            W-2,2026-10-01T10:00:00Z,w@example.com,TEE-M,1,19.90,On Hold
            W-3,2026-10-01T10:00:00Z,w@example.com,TEE-M,1,19.90,refunded
            W-4,2026-10-01T10:00:00Z,w@example.com,TEE-M,1,19.90,pending-payment
            W-5,2026-10-01T10:00:00Z,w@example.com,TEE-M,1,19.90,trash

            """
        let path = s.dir.appendingPathComponent("woo.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let before = try s.dump()
        let refused = try s.run("import", path)
        #expect(refused.exitCode == 65, "\(refused)")
        #expect(
            refused.stderr.contains(
                "Error: line 4: status 'refunded': expected one of pending, confirmed, processing, shipped, delivered, completed, on_hold, cancelled; map another tool's status with --map-status refunded=STATUS"
            ), "\(refused)")
        #expect(try s.dump() == before)
        let r = try s.run("import", path, "--map-status", "refunded=cancelled")
        #expect(r.exitCode == 0, "\(r)")
        #expect(
            r.stderrLines.first
                == "note: statuses read as orderctl's: failed -> cancelled (1 order), on-hold -> on_hold (1 order), pending-payment -> pending (1 order), refunded -> cancelled (1 order), trash -> cancelled (1 order) (--map-status FROM=TO to read them otherwise)",
            "\(r)")
        #expect(
            try s.sql("SELECT ref || ' ' || status FROM orders ORDER BY ref") == [
                "W-1 cancelled", "W-2 on_hold", "W-3 cancelled", "W-4 pending", "W-5 cancelled",
            ])
        let huge = try s.run("import", path, "--map-status", String(repeating: "x", count: 100_000))
        // A shape the parser judges: exit 64, one short error line, then the usage hint.
        #expect(
            huge.exitCode == 64 && huge.stderrLines.filter { $0.hasPrefix("Error") }.count == 1
                && (huge.stderrLines.first?.count ?? 0) < 300,
            "one short line for a huge value")
        let bad = try s.run("import", path, "--map-status", "refunded=gone")
        #expect(
            bad.exitCode == 64
                && bad.stderrLines[0].hasPrefix("Error: --map-status refunded=gone: invalid status 'gone'"), "\(bad)")
    }

    // MARK: 21. numbers and units

    @Test("stock: a negative quantity is named as such, remove echoes the number given; --limit/--top 0 mean all")
    func numbersAndUnits() throws {
        let s = try Sandbox(template: .catalog)
        let before = try s.dump()
        let negative = try s.run("stock", "set", "MUG-01", "-1")
        #expect(negative.exitCode == 64, "\(negative)")
        #expect(
            negative.stderrLines.first
                == "Error: quantity must not be negative (got -1); take units off with 'orderctl stock remove'",
            "\(negative)")
        let tooMany = try s.run("stock", "remove", "CARD", "999")
        #expect(tooMany.exitCode == 1)
        #expect(
            tooMany.stderrLines == ["Error: invalid quantity '999': CARD has 10 on hand; cannot remove more than that"],
            "\(tooMany)")
        let zero = try s.run("stock", "add", "CARD", "0")
        #expect(zero.exitCode == 64 && zero.stderrLines.first == "Error: quantity must be more than zero", "\(zero)")
        #expect(try s.dump() == before)
        #expect(try s.ok("stock", "remove", "CARD", "3").stdout == "CARD: 7 on hand, 0 reserved, 7 available\n")
        #expect(try s.scalar("SELECT kind || ' ' || delta FROM stock_moves ORDER BY id DESC LIMIT 1") == "remove -3")
        // --limit 0: all orders; negative: refused.
        for i in 1...3 { try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "L-\(i)") }
        #expect(Output.parseCSV(try s.ok("list", "--limit", "0", "--csv").stdout)!.count == 4)
        #expect(Output.parseCSV(try s.ok("list", "--limit", "2", "--csv").stdout)!.count == 3)
        #expect(try s.run("list", "--limit", "-1").exitCode == 64)
        // --top 0: every customer.
        try s.ok("add", "--customer", "jean@example.fr", "--item", "TEE-M")
        let all = try #require(try s.jsonObject("stats", "customers", "--top", "0").objects("currencies").first)
        let one = try #require(try s.jsonObject("stats", "customers", "--top", "1").objects("currencies").first)
        #expect(all.objects("top").count == 2 && one.objects("top").count == 1, "\(all)")
        // stats products --top 0: every product sold, as the lines say.
        try s.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--item", "CARD")
        let products = try #require(try s.jsonObject("stats", "products", "--top", "0").objects("currencies").first)
        let sold = try s.sql(
            "SELECT DISTINCT l.sku FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.status <> 'cancelled' ORDER BY 1"
        )
        #expect(products.objects("by_units").map { $0.string("sku") ?? "" }.sorted() == sold, "\(products)")
        #expect(
            try s.jsonObject("stats", "products", "--top", "1").objects("currencies").first?.objects("by_units").count
                == 1)
    }

    @Test(
        "a reminder compares like with like: days with days, hours with hours; a fresh flag is 'just now'; --all marks snoozed"
    )
    func reminderUnits() throws {
        let s = try Sandbox(template: .catalog)
        // Placed 18 days ago: its time pending starts then (the history says so), not when it was typed.
        try s.ok(
            "add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "S-1", "--date", "2026-11-07T10:00:00Z")
        #expect(
            try s.sql(
                "SELECT e.kind || ' ' || e.at FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = 'S-1' ORDER BY seq"
            ) == [
                "created 2026-11-07T10:00:00Z", "classified 2026-11-07T10:00:00Z",
            ])
        try s.ok(
            "add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "S-2", "--date", "2026-11-24T00:00:00Z")
        try s.ok("rule", "set", "stuck", "pending=108h")
        let days = try s.ok("remind", "--rule", "stuck").stdout
        #expect(
            days.contains(
                "stuck:S-1  order S-1 (Ann Lee) has waited to be confirmed for 18 days (limit 4.5 days, set by the rule)"
            ), "\(days)")
        try s.ok("rule", "set", "stuck", "pending=30h")
        let hours = try s.ok("remind", "--rule", "stuck").stdout
        #expect(
            hours.contains(
                "order S-2 (Ann Lee) has waited to be confirmed for 34 hours (limit 30 hours, set by the rule)"),
            "\(hours)")
        try s.ok("flag", "S-2", "--reason", "address unknown")
        let flagged = try s.ok("remind", "--rule", "flagged").stdout
        #expect(
            flagged.contains("order S-2 (Ann Lee) is flagged: address unknown (flagged just now; pending)"),
            "\(flagged)")
        try s.ok("snooze", "flagged:S-2", "--for", "2d")
        let all = try s.ok("remind", "--all", "--rule", "flagged").stdout
        #expect(all.contains("(flagged just now; pending)  [snoozed until 2026-11-27 11:00]"), "\(all)")
    }

    // MARK: 26. smaller things

    @Test("--db naming a directory, stats outside the period, a young shop's forecast: one clear line each")
    func smallerThings() throws {
        let s = try Sandbox(template: .catalog)
        let dir = s.dir.appendingPathComponent("shop", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for args in [["list"], ["add", "--customer", "ann@example.com", "--item", "TEE-M"]] {
            let r = try s.run(["--db", dir.path] + args)
            #expect(r.exitCode == 1, "\(r)")
            #expect(
                r.stderrLines == [
                    "Error: \(dir.path) is a directory; --db (or ORDERCTL_DB) names the database file, e.g. \(dir.path)/orders.db"
                ], "\(r)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        // Every order lies before the default period (the last 12 months).
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--date", "2024-03-05")
        try s.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--date", "2024-06-20")
        #expect(
            try s.ok("stats").stdoutLines == [
                "No orders placed from 2025-12-01 to 2026-11-25 (Europe/Berlin).",
                "The orders lie from 2024-03-05 to 2024-06-20: orderctl stats --from 2024-03-05 --to 2024-06-20",
            ])
        // Products sold for a week: one line, not a row each saying the same.
        let young = try Sandbox(template: .catalog)
        try young.ok(
            "add", "--customer", "ann@example.com", "--item", "TEE-M", "--item", "MUG-01", "--item", "CARD", "--date",
            "2026-11-18")
        let f = try young.ok("forecast")
        #expect(
            f.stdoutLines == [
                "No forecast yet: 3 products have sales, the longest for 1 week; a forecast needs 8 weeks from a product's first sale (--json lists each)."
            ], "\(f)")
    }

    // MARK: 22. a terminal of 80 columns and 24 rows

    @Test(
        "list on an 80-column terminal fits, and shows a screenful with how to see more; show has no nested parentheses"
    )
    func terminalList() throws {
        let s = try Sandbox(template: .catalog)
        try s.ok(
            "customer", "add", "--name", "Bartholomew Featherstonehaugh-Cholmondeley", "--email", "bart@example.co.uk",
            "--country", "GB")
        for i in 1...30 {
            try s.ok(
                "add", "--customer", i % 2 == 0 ? "bart@example.co.uk" : "ann@example.com", "--item", "TEE-M:\(i)",
                "--ref", "ORDER-\(1000 + i)", "--due", "2026-11-20", "--date", "2026-11-0\(1 + i % 9)T10:00:00Z")
        }
        try s.ok("pay", "ORDER-1030", "--amount", "1")
        try s.ok("flag", "ORDER-1030", "--reason", "customer asked to change the address twice")
        // `script` gives the command a terminal; COLUMNS and LINES its size.
        let script = URL(fileURLWithPath: "/usr/bin/script")
        try #require(FileManager.default.isExecutableFile(atPath: script.path), "util-linux script is missing")
        let r = try runProcess(
            script, ["-qec", "\(s.binary.path) list", "/dev/null"],
            environment: s.environment(["COLUMNS": "80", "LINES": "24"]), directory: s.dir, scratch: s.scratch)
        #expect(r.exitCode == 0, "\(r)")
        let lines = r.stdout.replacingOccurrences(of: "\r", with: "").split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.count <= 80 }, "wider than 80: \(lines.filter { $0.count > 80 })")
        #expect(lines.first?.hasPrefix("REF         PLACED") == true, "\(lines.first ?? "")")
        #expect(lines.filter { $0.hasPrefix("ORDER-") }.count == 20, "\(r.stdout)")
        #expect(lines[1].hasPrefix("ORDER-1"), "\(lines)")
        #expect(lines.last == "the newest 20 shown; more match: --limit 0 shows all", "\(lines)")
        // The status and total columns stay; the ones show also has may go.
        let header = Output.cells(lines[0])
        #expect(
            header.contains("STATUS") && header.contains("TOTAL") && header.contains("DUE")
                && header.contains("CUSTOMER"), "\(header)")
        // In a pipe: everything, every column.
        let piped = try s.ok("list")
        #expect(piped.stdoutLines.count == 31)
        #expect(
            Output.cells(piped.stdoutLines[0]) == [
                "REF", "PLACED", "CUSTOMER", "STATUS", "PAYMENT", "CLASS", "ITEMS", "TOTAL", "DUE", "FLAG",
            ])
        let show = try s.ok("show", "ORDER-1001").stdout
        #expect(
            Output.field("Class:", in: show)
                == "standard (no rule matched; tried express, international, high-value, bulk)", "\(show)")
    }

    // MARK: 24. decimal commas

    @Test("--decimal-comma: export and stats CSV as a German spreadsheet reads them, and import takes them back")
    func decimalComma() throws {
        let s = try Sandbox(template: .catalog)
        try s.ok("product", "add", "2.5", "--name", "2.5", "--price", "3.10")
        try s.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2@12.35", "--item", "2.5", "--ref", "D-1",
            "--date", "2026-11-02")
        let export = try s.ok("export", "--decimal-comma").stdout
        let rows = export.split(separator: "\r\n").map {
            $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(rows[0].count == 24 && rows[0][8] == "quantity" && rows[0][9] == "unit_price", "\(rows[0])")
        // Amounts with a comma; a SKU or name that looks like a number stays as it is.
        #expect(rows[1][6] == "MUG-01" && rows[1][8] == "2" && rows[1][9] == "12,35", "\(rows[1])")
        #expect(rows[2][6] == "2.5" && rows[2][7] == "2.5" && rows[2][9] == "3,10", "\(rows[2])")
        let statsCSV = try s.ok("stats", "--from", "2026-11-01", "--to", "2026-11-30", "--csv", "--decimal-comma")
            .stdout
        let stats = statsCSV.split(separator: "\r\n").map { $0.split(separator: ";").map(String.init) }
        let net = try #require(stats[0].firstIndex(of: "net"), "\(stats[0])")
        #expect(stats[1][net] == "27,80", "\(statsCSV)")
        // The setting makes it the default for every CSV.
        try s.ok("config", "set", "csv.decimal-comma", "true")
        #expect(try s.ok("list", "--csv").stdout.contains(";27,80;"))
        // Back in: another database reads the export with --decimal-comma, to the cent.
        let path = s.dir.appendingPathComponent("de.csv").path
        try export.write(toFile: path, atomically: true, encoding: .utf8)
        let other = try Sandbox(template: .catalog)
        try other.ok("import", path, "--decimal-comma")
        #expect(
            try other.sql("SELECT sku, quantity, unit_price FROM order_lines ORDER BY line_no") == [
                "MUG-01|2|1235", "2.5|1|310",
            ])
        // Without it, 12,35 is no amount: refused, never a guess.
        let third = try Sandbox(template: .catalog)
        #expect(try third.run("import", path, "--delimiter", ";").exitCode == 65)
        let dotted = s.dir.appendingPathComponent("dotted.csv").path
        try "ref;sku;quantity;unit_price\r\nT-1;MUG-01;1;1.234,50\r\n".write(
            toFile: dotted, atomically: true, encoding: .utf8)
        let thousands = try third.run("import", dotted, "--decimal-comma")
        #expect(thousands.exitCode == 65 && thousands.stderr.contains("unit_price '1.234,50'"), "\(thousands)")
    }

    // MARK: review findings

    @Test(
        "export writes the external reference as customer_ref, so a round trip keeps customers apart; a ref joins a customer found by email"
    )
    func exportKeepsReferences() throws {
        let s = try Sandbox(template: .catalog)
        let csv =
            "ref,ordered_at,customer_ref,customer_email,sku,quantity,unit_price\n"
            + "X-1,2026-10-01T10:00:00Z,500,ann@example.com,TEE-M,1,19.90\nX-2,2026-10-02T10:00:00Z,500,,TEE-M,1,19.90\n"
            + "X-3,2026-10-03T10:00:00Z,,,TEE-M,1,19.90\n"
        let path = s.dir.appendingPathComponent("x.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        try s.ok("import", path)
        // Found by email, Ann takes the file's reference: X-2 (reference only) is hers too.
        #expect(try s.sql("SELECT o.ref, o.customer_id FROM orders o ORDER BY ref") == ["X-1|1", "X-2|1", "X-3|3"])
        #expect(try s.scalar("SELECT external_ref FROM customers WHERE id = 1") == "500")
        let export = try #require(Output.parseCSV(try s.ok("export").stdout))
        let column = try #require(export[0].firstIndex(of: "customer_ref"))
        #expect(export.dropFirst().map { $0[column] } == ["500", "500", ""], "\(export)")
        // Into a database whose ids differ: no customer is mistaken for another.
        let other = try Sandbox(template: .catalog)
        try other.ok("customer", "add", "--name", "Zed")
        let back = other.dir.appendingPathComponent("back.csv").path
        try s.ok("export").stdout.write(toFile: back, atomically: true, encoding: .utf8)
        try other.ok("import", back)
        #expect(try other.ok("customer", "show", "2").stdout.hasPrefix("Customer #2: Jean Dupont"))
        #expect(
            try other.sql("SELECT name, anonymous FROM customers WHERE name = 'Imported customer'") == [
                "Imported customer|1"
            ])
    }

    @Test(
        "--map-status wins over orderctl's own names; help help; a limit under a day in hours; edit --date re-dates a pending order's wait"
    )
    func reviewFixes() throws {
        let s = try Sandbox(template: .catalog)
        let path = s.dir.appendingPathComponent("m.csv").path
        try
            "ref,ordered_at,customer_email,sku,quantity,unit_price,status\nM-1,2026-10-01T10:00:00Z,m@example.com,TEE-M,1,19.90,confirmed\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        try s.ok("import", path, "--map-status", "confirmed=pending")
        #expect(try s.scalar("SELECT status FROM orders WHERE ref = 'M-1'") == "pending")
        #expect(try s.ok("help", "help").exitCode == 0)
        // Added 24 days ago by mistake, then corrected to yesterday: pending since yesterday.
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "E-1", "--date", "2026-11-01")
        try s.ok("edit", "E-1", "--date", "2026-11-24T09:00")
        #expect(try s.scalar("SELECT status_at FROM orders WHERE ref = 'E-1'") == "2026-11-24T08:00:00Z")
        #expect(
            try s.ok("edit", "E-1", "--channel", "web").stdout
                == "E-1: nothing changed (the values given are the order's own)\n")
        try s.ok("rule", "set", "stuck", "pending=1h")
        try s.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "E-2", "--date", "2026-11-20")
        let r = try s.ok("remind", "--rule", "stuck").stdout
        #expect(
            r.contains("order E-2 (Ann Lee) has waited to be confirmed for 5 days (limit 1 hour, set by the rule)"),
            "\(r)")
    }
}

let dateHelp = "YYYY-MM-DD, today, tomorrow, yesterday, +3d, -2w, +1m, +1y, mon..sun, eow, eom"
