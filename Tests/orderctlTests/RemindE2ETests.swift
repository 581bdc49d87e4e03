import Foundation
import Testing

// `orderctl remind` as cron runs it: silent when nothing is new, --exit-code, --exec with
// the reminder as JSON and no shell injection, --mail-to through sendmail, snooze.

@Suite("remind end to end")
struct RemindE2ETests {
    /// The clock is 2026-11-25 10:00 UTC. Order R-1 for a customer named `$(touch pwned)`
    /// is due 2026-11-24: one day overdue.
    func shop() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("customer", "add", "--name", "$(touch pwned)", "--email", "evil@example.com", "--country", "DE")
        try sb.ok(
            "add", "--customer", "evil@example.com", "--item", "TEE-M", "--ref", "R-1", "--date",
            "2026-11-20T10:00:00Z", "--due", "2026-11-24")
        return sb
    }

    @Test("prints the reminder once, then nothing; --exit-code gives 3 only when something is shown")
    func cronRun() throws {
        let sb = try shop()
        let first = try sb.run("remind", "--exit-code", "--rule", "overdue")
        #expect(first.exitCode == 3)
        #expect(
            first.stdout
                == "Urgent (1)\n  overdue:R-1  order R-1 ($(touch pwned)) is 1 day overdue (due 2026-11-24) and is still pending\n"
        )
        let second = try sb.run("remind", "--exit-code", "--rule", "overdue")
        #expect(second.exitCode == 0 && second.stdout.isEmpty && second.stderr.isEmpty)
        // The next day it is news again; --all shows it anyway.
        let all = try sb.ok("remind", "--all", "--rule", "overdue")
        #expect(all.stdout.contains("overdue:R-1"))
        let tomorrow = try sb.run(["remind", "--rule", "overdue"], env: ["ORDERCTL_NOW": "2026-11-26T06:00:00Z"])
        #expect(tomorrow.stdout.contains("is 2 days overdue"))
        // Over --limit: one line counts the rest.
        try sb.ok(
            "add", "--customer", "evil@example.com", "--item", "TEE-M", "--ref", "R-2", "--date",
            "2026-11-20T10:00:00Z", "--due", "2026-11-23")
        let limited = try sb.run(
            ["remind", "--rule", "overdue", "--limit", "1", "--all"], env: ["ORDERCTL_NOW": "2026-11-26T06:00:00Z"])
        #expect(
            limited.stdout
                == "Urgent (2)\n  overdue:R-2  order R-2 ($(touch pwned)) is 3 days overdue (due 2026-11-23) and is still pending\n"
                + "  ... and 1 more overdue (orderctl remind --all --rule overdue --limit 0 lists every one)\n")
        // Snoozed: quiet until then.
        try sb.ok("snooze", "overdue:R-1", "--for", "3d")
        let snoozed = try sb.run(["remind", "--rule", "overdue"], env: ["ORDERCTL_NOW": "2026-11-27T06:00:00Z"])
        #expect(snoozed.exitCode == 0 && !snoozed.stdout.contains("R-1") && snoozed.stdout.contains("overdue:R-2"))
    }

    @Test("--exec gets the reminder as JSON on stdin and in the environment; no shell injection")
    func exec() throws {
        let sb = try shop()
        let out = sb.dir.appendingPathComponent("got.json").path
        let env = sb.dir.appendingPathComponent("env.txt").path
        let r = try sb.run(
            "remind", "--rule", "overdue", "--exec",
            "cat > '\(out)'; printf '%s|%s|%s' \"$ORDERCTL_REMINDER_KEY\" \"$ORDERCTL_REMINDER_CUSTOMER\" \"$ORDERCTL_REMINDER_URGENCY\" > '\(env)'"
        )
        #expect(r.exitCode == 0 && r.stdout.isEmpty, "\(r)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        #expect(json["key"] as? String == "overdue:R-1")
        #expect(json["customer"] as? String == "$(touch pwned)")
        #expect(json["order"] as? String == "R-1")
        #expect(json["urgency"] as? String == "urgent")
        #expect(try String(contentsOfFile: env, encoding: .utf8) == "overdue:R-1|$(touch pwned)|urgent")
        #expect(!FileManager.default.fileExists(atPath: sb.dir.appendingPathComponent("pwned").path))
        // Delivered, so not again today.
        #expect(try sb.run("remind", "--rule", "overdue").stdout.isEmpty)
    }

    @Test("--exec that fails: exit 1, and the reminder is tried again next time")
    func execFails() throws {
        let sb = try shop()
        let r = try sb.run("remind", "--rule", "overdue", "--exec", "exit 2")
        #expect(r.exitCode == 1)
        #expect(r.stderr.contains("--exec command exited with status 2 for overdue:R-1"))
        #expect(try sb.run("remind", "--rule", "overdue").stdout.contains("overdue:R-1"))
    }

    @Test("--mail-to pipes one message to sendmail -t; without sendmail it fails clearly and marks nothing")
    func mail() throws {
        let sb = try shop()
        let bin = sb.dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let mailbox = sb.dir.appendingPathComponent("mail.txt").path
        let fake = bin.appendingPathComponent("sendmail").path
        try "#!/bin/sh\necho \"args: $*\" > '\(mailbox)'\ncat >> '\(mailbox)'\n".write(
            toFile: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        let missing = try sb.run(["remind", "--mail-to", "owner@example.com"], env: ["PATH": "/nonexistent"])
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.hasPrefix("Error: --mail-to needs sendmail"))
        let sent = try sb.run(
            ["remind", "--rule", "overdue", "--mail-to", "owner@example.com"],
            env: ["PATH": bin.path + ":/usr/bin:/bin"])
        #expect(sent.exitCode == 0 && sent.stdout.isEmpty, "\(sent)")
        let mail = try String(contentsOfFile: mailbox, encoding: .utf8)
        #expect(mail.hasPrefix("args: -t\nTo: owner@example.com\nSubject: orderctl: 1 reminder (1 urgent)\n"))
        #expect(mail.contains("overdue:R-1  order R-1 ($(touch pwned)) is 1 day overdue"))
        let bad = try sb.run("remind", "--mail-to", "owner@example.com\nBcc: x@y")
        #expect(bad.exitCode == 64)
    }

    @Test("an empty shop: remind prints nothing; predict, forecast and reorder say there is not enough history")
    func empty() throws {
        let sb = try Sandbox(template: .withOrder)
        let r = try sb.run("remind", "--exit-code")
        #expect(r.exitCode == 0 && r.stdout.isEmpty)
        #expect(try sb.ok("predict", "A-100").stdout.contains("not enough history (0 delivered orders, need 30)"))
        #expect(try sb.ok("predict", "--backtest").stdout.hasPrefix("No prediction could be made: not enough history"))
        #expect(try sb.ok("forecast", "CARD").stdout.contains("not enough history (no sales yet, need 8 weeks)"))
        #expect(try sb.ok("forecast", "--backtest").stdout.hasPrefix("No forecast could be replayed"))
        #expect(try sb.ok("reorder", "--all").stdout.contains("not enough history"))
    }

    @Test("bad input: one line, non-zero exit, nothing changed")
    func badInput() throws {
        let sb = try shop()
        let before = try sb.dump()
        for args in [
            ["rule", "set", "due-soon", "within=3h"], ["rule", "set", "nope", "within=3d"],
            ["rule", "remove", "overdue"],
            ["snooze", "overdue:NOPE", "--for", "1d"],
            ["remind", "--rule", "nope"],
            ["predict", "NOPE"], ["forecast", "NOPE"],
        ] {
            let r = try sb.run(args)
            #expect(r.exitCode != 0, "\(args) should fail")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("Error: "), "\(args): \(r.stderr)")
        }
        // Usage errors come from the argument parser: exit 64, the error first.
        let usage = try sb.run("forecast", "--weeks", "0")
        #expect(usage.exitCode == 64 && usage.stderr.hasPrefix("Error: invalid --weeks 0: expected 1 to 52\n"))
        for args in [
            ["rule", "add", "x", "--kind", "nope"], ["snooze", "overdue:R-1", "--for", "3x"],
            ["product", "update", "CARD", "--service-level", "100"],
            ["rule", "set", "due-soon", "within"], ["snooze", "nokey"],
        ] {
            let r = try sb.run(args)
            #expect(r.exitCode == 64 && r.stderrLines.first?.hasPrefix("Error: ") == true, "\(args): \(r)")
        }
        #expect(try sb.dump() == before)
    }
}

@Suite("predictions end to end")
struct PredictE2ETests {
    /// 30 orders to region BY in DE, each shipped a day after it was placed and delivered
    /// two days later, imported with their region; then an open order O-NEW to BY.
    func shop() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        var csv =
            "ref,ordered_at,customer_email,customer_name,country,region,sku,quantity,status,paid_at,shipped_at,delivered_at\n"
        for i in 0..<30 {
            let day = LocalDay.add("2026-09-01", i)
            csv +=
                "H-\(i),\(day)T10:00:00Z,h\(i)@example.com,Buyer \(i),DE,BY,TEE-M,1,delivered,\(day)T10:00:00Z,"
                + "\(LocalDay.add(day, 1))T10:00:00Z,\(LocalDay.add(day, 3))T10:00:00Z\n"
        }
        let path = sb.dir.appendingPathComponent("history.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        try sb.ok("import", path)
        try sb.ok("customer", "add", "--name", "Bea", "--email", "bea@example.com", "--country", "DE", "--region", "BY")
        try sb.ok(
            "add", "--customer", "bea@example.com", "--item", "TEE-M", "--ref", "O-NEW", "--date",
            "2026-11-25T09:00:00Z")
        return sb
    }

    @Test("predict, show and list --open give the 3 days the history always took, from the region's group")
    func eta() throws {
        let sb = try shop()
        let p = try sb.ok("predict", "O-NEW").stdout
        #expect(p.contains("ships      Thu 2026-11-26 (80% range 2026-11-26 to 2026-11-26)"), "\(p)")
        #expect(p.contains("arrives    Sat 2026-11-28 (80% range 2026-11-28 to 2026-11-28)"))
        #expect(p.contains("learned from the newest 30 delivered orders sent standard to BY, DE"))
        let show = try sb.ok("show", "O-NEW").stdout
        #expect(show.contains("Arrives:   Sat 2026-11-28"))
        let list = try sb.ok("list", "--open").stdout
        let table = try #require(Output.table(in: list, header: "REF"))
        #expect(table.header.last == "ETA")
        #expect(table.rows.first?.last == "Sat 11-28")
        let json = try #require(try sb.json("list", "--open") as? [[String: Any]])
        #expect(
            ((json.first?["eta"] as? [String: Any])?["delivery"] as? [String: Any])?["expected"] as? String
                == "2026-11-28T09:00:00Z")
        // A delivered order: no ETA lines and no eta in JSON.
        #expect(!(try sb.ok("show", "H-1").stdout.contains("Arrives:")))
        #expect(try sb.jsonObject("show", "H-1")["eta"] == nil)
        // The backtest replays only what was known: when H-29 was placed, 27 had arrived.
        let b = try sb.jsonObject("predict", "--backtest")
        #expect(b.int("orders") == 30 && b.int("predicted") == 0)
    }

    @Test("an import fills the status times in one pass, as the trigger would have, and turns the trigger back on")
    func importStatusTimes() throws {
        let sb = try shop()
        // Each imported order's status time is its last status event's; the trigger is on again.
        #expect(
            try sb.scalar(
                """
                SELECT count(*) FROM orders o WHERE o.ref LIKE 'H-%' AND o.status_at IS NOT
                  (SELECT e.at FROM order_events e WHERE e.order_id = o.id AND e.kind IN ('created', 'status') ORDER BY e.seq DESC LIMIT 1)
                """) == "0")
        #expect(try sb.scalar("SELECT count(*) FROM settings WHERE key = 'import.status-times'") == "0")
        // The stays it added up are those the history gives (StatusTimes.fill's query).
        #expect(
            try sb.scalar(
                "SELECT group_concat(status || ' ' || hours || ' ' || orders, ', ') FROM (SELECT * FROM status_durations ORDER BY 1, 2)"
            )
                == sb.scalar(
                    """
                    SELECT group_concat(s, ', ') FROM (SELECT old_value || ' ' || hours || ' ' || count(*) AS s FROM (
                        SELECT e.kind, e.old_value,
                               max(0, (unixepoch(e.at) - unixepoch(lag(e.at) OVER (PARTITION BY e.order_id ORDER BY e.seq))) / 3600) AS hours
                          FROM order_events e WHERE e.kind IN ('created', 'status'))
                     WHERE kind = 'status' AND old_value IS NOT NULL AND hours IS NOT NULL GROUP BY old_value, hours ORDER BY old_value, hours)
                    """))
        #expect(try sb.scalar("SELECT sum(orders) FROM status_durations") == "120")  // 30 orders, 4 status steps each
        try sb.ok("confirm", "O-NEW")
        #expect(
            try sb.scalar(
                "SELECT status_at = confirmed_at AND status_at = '\(fixedNow)' FROM orders WHERE ref = 'O-NEW'") == "1")
    }

    @Test("region: imported, shown, exported")
    func region() throws {
        let sb = try shop()
        #expect(try sb.ok("customer", "show", "h3@example.com").stdout.contains("Region:   BY"))
        let out = try sb.ok("export", "--format", "csv").stdout
        let rows = try #require(Output.parseCSV(out))
        #expect(rows.first?.last == "region")
        #expect(rows.dropFirst().allSatisfy { $0.last == "BY" })
        let bad = try sb.run("customer", "add", "--name", "X", "--region", "a;b")
        #expect(bad.exitCode == 64 && bad.stderr.hasPrefix("Error: invalid --region 'a;b'"), "\(bad)")
    }
}

/// Date arithmetic on YYYY-MM-DD for building test data.
enum LocalDay {
    static func add(_ iso: String, _ days: Int) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        return f.string(from: f.date(from: iso)!.addingTimeInterval(Double(days) * 86400))
    }
}
