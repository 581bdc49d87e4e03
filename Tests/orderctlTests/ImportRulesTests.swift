import Foundation
import Testing

/// Strict parsing, field by field, and `--update`.
@Suite("import: every malformed field is an error, never a guess; --update")
struct ImportRulesTests {
    static let header = NativeHeader.all

    enum NativeHeader {
        static let all =
            "ref,ordered_at,customer_ref,customer_email,customer_name,country,sku,product_name,quantity,unit_price,currency,channel,shipping,status,payment_status,due,paid_at,shipped_at,delivered_at,cancelled_at,carrier,tracking,note"
    }

    /// A valid row with one column replaced.
    static func row(_ column: String, _ value: String) -> String { row([column: value]) }

    static func row(_ overrides: [String: String]) -> String {
        var fields: [String: String] = [
            "ref": "M-1", "ordered_at": "2026-10-01T09:00:00Z", "customer_email": "ann@example.com",
            "customer_name": "Ann Lee",
            "country": "DE", "sku": "MUG-01", "product_name": "Mug", "quantity": "2", "unit_price": "12.50",
            "currency": "EUR",
            "channel": "web", "shipping": "standard", "status": "pending",
        ]
        fields.merge(overrides) { $1 }
        return NativeHeader.all.split(separator: ",").map { name in
            let v = fields[String(name)] ?? ""
            return v.contains(",") || v.contains("\"")
                ? "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : v
        }.joined(separator: ",")
    }

    static let malformed: [(column: String, value: String, reason: String)] = [
        ("quantity", "1,000", "expected a whole number from 1 to 1000000"),
        ("quantity", "1.5", "expected a whole number from 1 to 1000000"),
        ("quantity", "0", "expected a whole number from 1 to 1000000"),
        (
            "quantity", "-3",
            "negative: a credit note or stock correction is not an order (record a return with 'orderctl return REF')"
        ),
        ("quantity", "2 ", "expected a whole number from 1 to 1000000"),
        ("quantity", "1e3", "expected a whole number from 1 to 1000000"),
        ("quantity", "1000001", "expected a whole number from 1 to 1000000"),
        ("unit_price", "1,000.00", ""),
        ("unit_price", "12.505", "EUR has at most 2 decimal places"),
        ("unit_price", "-1.00", ""),
        ("unit_price", "€12", ""),
        ("unit_price", "12.5.0", ""),
        ("ordered_at", "01/10/2026", ""),
        ("ordered_at", "2026-02-30T10:00:00Z", ""),
        ("ordered_at", "26-10-01", ""),
        ("ordered_at", "2026-10-01T25:00:00Z", ""),
        ("paid_at", "yesterday-ish", ""),
        ("due", "2026-13-01", ""),
        ("due", "1/2/26", ""),
        ("sku", "MUG 01", "must not contain spaces"),
        ("ref", "M:1", "must not contain spaces"),
        ("customer_email", "ann(at)example.com", "expected an address such as ann@example.com"),
        ("country", "Germanyland", "not a country name orderctl knows"),
        ("currency", "EURO", ""),
        ("currency", "USD", "the shop keeps EUR"),
        ("status", "gone", "expected one of"),
        ("payment_status", "maybe", "expected one of"),
        ("shipping", "overnight", "expected standard or express"),
        ("channel", "web shop", "expected a short word"),
        ("carrier", "D H L", "expected a short word"),
    ]

    @Test(
        "a malformed value in any field: exit 65, the line, field and value named, nothing imported",
        arguments: malformed.indices)
    func malformedField(_ i: Int) throws {
        let (column, value, reason) = Self.malformed[i]
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write(
            "in.csv", Self.header + "\n" + Self.row("ref", "OK-1") + "\n" + Self.row(column, value) + "\n")
        let before = try sb.dump()
        let r = try sb.run("import", path)
        #expect(r.exitCode == 65, "\(column)=\(value): \(r)")
        let errors = r.stderrLines.filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "\(column)=\(value): \(r.stderr)")
        let expected = "Error: line 3: \(column) '\(value)': \(reason)"
        #expect(errors.first?.hasPrefix(expected) == true, "\(errors)")
        #expect(r.stdout.contains("nothing was imported"))
        #expect(try sb.dump() == before)
    }

    @Test("the same values, well formed, import")
    func wellFormed() throws {
        let sb = try Sandbox(template: .catalog)
        let rows = [
            Self.row("quantity", "1000"), Self.row("unit_price", "+12.5").replacingOccurrences(of: "M-1", with: "M-2"),
            Self.row("country", "Germany").replacingOccurrences(of: "M-1", with: "M-3"),
            Self.row("status", "Canceled").replacingOccurrences(of: "M-1", with: "M-4"),
            Self.row("ordered_at", "2026-10-01T11:00:00+02:00").replacingOccurrences(of: "M-1", with: "M-5"),
        ]
        let path = try sb.write("in.csv", ([Self.header] + rows).joined(separator: "\r\n") + "\r\n")
        try sb.ok("import", path)
        #expect(
            try sb.sql("SELECT ref, item_count, total, status, placed_at FROM orders WHERE ref LIKE 'M-%' ORDER BY ref")
                == [
                    "M-1|1000|1250000|pending|2026-10-01T09:00:00Z", "M-2|2|2500|pending|2026-10-01T09:00:00Z",
                    "M-3|2|2500|pending|2026-10-01T09:00:00Z", "M-4|2|2500|cancelled|2026-10-01T09:00:00Z",
                    "M-5|2|2500|pending|2026-10-01T09:00:00Z",
                ])
        #expect(
            try sb.sql(
                "SELECT DISTINCT c.country FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.ref LIKE 'M-%'"
            ) == ["DE"])
    }

    @Test(
        "on a terminal, a progress bar on stderr shows percent, rows per second and time left; not when piped",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"
        ))
    func progressBar() throws {
        let sb = try Sandbox(template: .catalog)
        let rows = (1...6000).map { Self.row(["ref": "P-\($0)", "quantity": "1"]) }
        let path = try sb.write("big.csv", ([Self.header] + rows).joined(separator: "\n") + "\n")
        // script(1) gives the command a terminal; its output is what the terminal showed.
        let command = "\(sb.binary.path) import \(path)"
        let r = try runProcess(
            URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"],
            environment: sb.environment(), directory: sb.dir, scratch: sb.scratch, timeout: 300)
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdout.contains("% "), "\(r.stdout.prefix(500))")
        #expect(r.stdout.contains("rows/s") || r.stdout.contains("/s"), "\(r.stdout.prefix(500))")
        #expect(r.stdout.contains("left"), "\(r.stdout.prefix(500))")
        #expect(r.stdout.contains("read 6000 rows: imported 6000 rows (6000 orders)"))
        // Piped (as in the other tests), stderr has no bar.
        let again = try sb.run("import", path, "--dry-run")
        #expect(!again.stderr.contains("\r"), "\(again.stderr.prefix(200))")
    }

    @Test("--update moves an order forward through the lifecycle; it never rewrites lines or goes back")
    func update() throws {
        let sb = try Sandbox(template: .catalog)
        let first = try sb.write("day1.csv", Self.header + "\n" + Self.row("status", "pending") + "\n")
        try sb.ok("import", first)
        // The next day's export: the order has shipped and been paid.
        let shipped = Self.row([
            "status": "shipped", "payment_status": "paid", "paid_at": "2026-10-02T08:00:00Z",
            "shipped_at": "2026-10-02T15:00:00Z", "carrier": "dhl", "tracking": "1234567890",
        ])
        let second = try sb.write("day2.csv", Self.header + "\n" + shipped + "\n")
        let conflict = try sb.run("import", second)
        #expect(conflict.exitCode == 65)
        #expect(
            conflict.stderrLines == [
                "Error: line 2: status 'shipped': conflict: order M-1 differs here in status (pending here, shipped in the file), payments; nothing was changed (--update applies the file's status and payments)"
            ])
        #expect(try sb.sql("SELECT status FROM orders WHERE ref = 'M-1'") == ["pending"])

        let r = try sb.ok("import", second, "--update")
        #expect(r.stdout.contains("1 order updated"), "\(r)")
        #expect(
            try sb.sql("SELECT status, fulfilment_status, payment_status, paid_total FROM orders WHERE ref = 'M-1'")
                == ["shipped|fulfilled|paid|2500"])
        #expect(
            try sb.sql("SELECT p.at FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.ref = 'M-1'") == [
                "2026-10-02T08:00:00Z"
            ])
        #expect(
            try sb.sql(
                "SELECT s.carrier, s.tracking, s.shipped_at FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.ref = 'M-1'"
            )
                == ["dhl|1234567890|2026-10-02T15:00:00Z"])
        let kinds = try sb.sql(
            "SELECT e.kind || ':' || coalesce(e.new_value, '') FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = 'M-1' ORDER BY e.seq"
        )
        #expect(kinds.contains("status:confirmed") && kinds.contains("status:shipped"), "\(kinds)")
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
        // Again: nothing new.
        #expect(try sb.ok("import", second, "--update").stdout.contains("duplicates 1 row (1 order)"))
        // Back to pending is not a step forward: refused, nothing changes.
        let before = try sb.dump()
        let back = try sb.run("import", first, "--update")
        #expect(back.exitCode == 65)
        #expect(back.stderrLines.first?.contains("cannot update") == true, "\(back)")
        #expect(try sb.dump() == before)
        // Other lines are a conflict even with --update.
        let other = try sb.write("day3.csv", Self.header + "\n" + Self.row("quantity", "3") + "\n")
        let lines = try sb.run("import", other, "--update")
        #expect(lines.exitCode == 65)
        #expect(
            lines.stderrLines == [
                "Error: line 2: ref 'M-1': conflict: an order with this ref exists with other lines; nothing was changed"
            ])
    }

    @Test("--update with new orders in the file counts their time in each status once (doctor stays clean)")
    func updateWithNewOrders() throws {
        let sb = try Sandbox()
        try sb.ok("init", "--currency", "EUR", "--timezone", "Europe/Berlin")
        let rows = [
            Self.row([
                "ref": "N-1", "status": "shipped", "payment_status": "paid", "paid_at": "2026-10-02T08:00:00Z",
                "shipped_at": "2026-10-03T15:00:00Z",
            ]),
            Self.row(["ref": "N-2", "status": "confirmed", "payment_status": "paid", "paid_at": "2026-10-02T08:00:00Z"]
            ),
        ]
        let file = try sb.write("new.csv", Self.header + "\n" + rows.joined(separator: "\n") + "\n")
        #expect(try sb.ok("import", file, "--update").stdout.contains("2 orders"))
        let doctor = try sb.run("doctor")
        #expect(!doctor.stdout.contains("status-times") && !doctor.stderr.contains("status-times"), "\(doctor)")
        #expect(doctor.exitCode != 1, "\(doctor)")
    }

}
