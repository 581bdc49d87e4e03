import Foundation
import Testing

/// Edge cases found in review: nothing silently changed, nothing left behind.
@Suite("import: edge cases (encodings, conflicts, leftovers, rejects file, case, countries, dates)")
struct ImportEdgeTests {
    static let header =
        "ref,customer_email,customer_name,country,sku,product_name,quantity,unit_price,status,payment_status,note,due"

    func csv(_ sb: Sandbox, _ name: String, _ rows: [String]) throws -> String {
        try sb.write(name, ([Self.header] + rows).joined(separator: "\n") + "\n")
    }

    @Test("a file that is not UTF-8 (Latin-1 from a spreadsheet) is refused, naming line and column, not repaired")
    func latin1() throws {
        let sb = try Sandbox(template: .catalog)
        let path = sb.dir.appendingPathComponent("latin1.csv").path
        var bytes = Array((Self.header + "\nL-1,l@example.com,M").utf8)
        bytes.append(0xFC)  // ü in Latin-1
        bytes += Array("ller,DE,MUG-01,Mug,1,12.50,pending,,,\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let before = try sb.dump()
        let r = try sb.run("import", path)
        #expect(r.exitCode == 65)
        #expect(
            r.stderrLines == [
                "Error: line 2: customer_name: is not valid UTF-8 (save the file as UTF-8 and import again)"
            ])
        #expect(try sb.dump() == before)
    }

    @Test("the same lines with another note or payment are a conflict naming what differs; --update applies a payment")
    func otherContent() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(
            "import", try csv(sb, "a.csv", ["C-1,c@example.com,Cy,DE,MUG-01,Mug,1,12.50,confirmed,unpaid,first,"]))
        let changed = try csv(sb, "b.csv", ["C-1,c@example.com,Cy,DE,MUG-01,Mug,1,12.50,confirmed,paid,second,"])
        let r = try sb.run("import", changed)
        #expect(r.exitCode == 65)
        #expect(
            r.stderrLines == [
                "Error: line 2: ref 'C-1': conflict: order C-1 differs here in payments, note; nothing was changed (--update applies status and payments only; change the rest with orderctl edit)"
            ])
        let paidOnly = try csv(sb, "c.csv", ["C-1,c@example.com,Cy,DE,MUG-01,Mug,1,12.50,confirmed,paid,first,"])
        let u = try sb.ok("import", paidOnly, "--update")
        #expect(u.stdout.contains("1 order updated"), "\(u)")
        #expect(
            try sb.sql("SELECT status, payment_status, paid_total, note FROM orders WHERE ref = 'C-1'") == [
                "confirmed|paid|1250|first"
            ])
        #expect(try sb.ok("import", paidOnly).stdout.contains("nothing new"))
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
    }

    @Test("an order rejected under --skip-invalid leaves no customer or product behind, even in the summary")
    func noLeftovers() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try csv(
            sb, "in.csv",
            [
                "E-1,ghost@example.com,Ghost,DE,NEW-A,New A,1,10.00,pending,,,",
                "E-1,ghost@example.com,Ghost,DE,NEW-B,New B,1,,pending,,,",
                "E-2,real@example.com,Real,DE,MUG-01,Mug,1,12.50,pending,,,",
            ])
        let r = try sb.run("import", path, "--skip-invalid")
        #expect(r.exitCode == 0)
        #expect(
            r.stdout.hasPrefix(
                "read 3 rows: imported 1 row (1 order), rejected 2 rows (1 order), duplicates 0 rows (0 orders); created 1 customer, 0 products"
            ), "\(r)")
        #expect(r.stderrLines == ["Error: line 3: unit_price: a new product NEW-B needs a price"])
        #expect(try sb.sql("SELECT count(*) FROM customers WHERE email = 'ghost@example.com'") == ["0"])
        #expect(try sb.sql("SELECT count(*) FROM products WHERE sku LIKE 'NEW-%'") == ["0"])
    }

    @Test("--rejects naming the input file is refused before anything is read or written")
    func rejectsIsInput() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try csv(sb, "in.csv", ["R-1,r@example.com,R,DE,MUG-01,Mug,x,12.50,pending,,,"])
        let original = try String(contentsOfFile: path, encoding: .utf8)
        let before = try sb.dump()
        let r = try sb.run("import", path, "--skip-invalid", "--rejects", path)
        #expect(r.exitCode == 1)
        #expect(
            r.stderrLines == ["Error: --rejects \(path) is the input file; name another file for the rejected rows"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
        #expect(try sb.dump() == before)
    }

    @Test(
        "SKUs and refs match as the database does (ASCII case only): ÄB and äb are two products, r-1 and R-1 one order")
    func caseFolding() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try csv(
            sb, "in.csv",
            [
                "K-1,k@example.com,K,DE,ÄB,Big A,1,10.00,pending,,,",
                "K-2,k@example.com,K,DE,äb,small a,1,3.00,pending,,,",
                "k-3,k@example.com,K,DE,MUG-01,Mug,1,12.50,pending,,,",
                "K-3,k@example.com,K,DE,CARD,Card,1,2.05,pending,,,",
            ])
        let r = try sb.ok("import", path)
        #expect(r.stdout.hasPrefix("read 4 rows: imported 4 rows (3 orders)"), "\(r)")
        #expect(
            try sb.sql(
                "SELECT o.ref, l.sku FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref LIKE 'k-%' ORDER BY o.id, l.line_no"
            )
                == ["K-1|ÄB", "K-2|äb", "k-3|MUG-01", "k-3|CARD"])
    }

    @Test("UK is Great Britain; groups such as EU are not countries")
    func countries() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("import", try csv(sb, "uk.csv", ["U-1,uk@example.com,Ann,UK,MUG-01,Mug,1,12.50,pending,,,"]))
        #expect(try sb.sql("SELECT country FROM customers WHERE email = 'uk@example.com'") == ["GB"])
        let eu = try sb.run(
            "import", try csv(sb, "eu.csv", ["U-2,eu@example.com,Eve,EU,MUG-01,Mug,1,12.50,pending,,,"]))
        #expect(eu.exitCode == 65)
        #expect(eu.stderrLines.first?.hasPrefix("Error: line 2: country 'EU': not a country") == true, "\(eu)")
    }

    @Test(
        "dates in a file are ISO 8601: no relative words, no exponents or signs in times; --date-format %Y%m%d needs both digits",
        arguments: [
            "yesterday", "now", "2026-01-05T10:00:1e1Z", "2026-01-05T+1:00:00Z", "2026-01-05T10:00:00+0:100",
            "2026-01-05T10:00:00+14:30",
        ])
    func strictInstants(_ value: String) throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("d.csv", "ref,ordered_at,sku,quantity\nD-1,\(value),MUG-01,1\n")
        let r = try sb.run("import", path)
        #expect(r.exitCode == 65, "\(value): \(r)")
        #expect(r.stderrLines.first?.hasPrefix("Error: line 2: ordered_at '\(value)': ") == true, "\(r)")
    }

    @Test("--date-format %Y%m%d: 2026111 is not a guess at 1 November")
    func packedDates() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("p.csv", "Ref,Day,Sku,Qty\nP-1,2026111,MUG-01,1\nP-2,20261101,MUG-01,1\n")
        let args = [
            "import", path, "--map", "ref=Ref", "--map", "ordered_at=Day", "--map", "sku=Sku", "--map", "quantity=Qty",
            "--date-format", "%Y%m%d", "--skip-invalid",
        ]
        let r = try sb.run(args)
        #expect(r.exitCode == 0)
        #expect(r.stderrLines == ["Error: line 2: ordered_at '2026111': does not match --date-format '%Y%m%d'"])
        #expect(try sb.sql("SELECT ref, placed_at FROM orders WHERE ref LIKE 'P-%'") == ["P-2|2026-10-31T23:00:00Z"])
    }

    @Test(
        "a rejects file, corrected, imports as it is: its reason column is ignored; a short row's reason stays in that column"
    )
    func correctedRejects() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try csv(
            sb, "in.csv",
            [
                "F-1,f@example.com,F,DE,MUG-01,Mug,1,12.50,pending,,,",
                "F-2,g@example.com,G,DE,MUG-01,Mug,two,12.50,pending,,,",
                "F-3,h@example.com,H,DE,MUG-01",
            ])
        let rejects = sb.dir.appendingPathComponent("rejects.csv").path
        #expect(try sb.run("import", path, "--skip-invalid", "--rejects", rejects).exitCode == 0)
        let records = try #require(Output.parseCSV(String(contentsOfFile: rejects, encoding: .utf8)))
        #expect(records.map(\.count) == [13, 13, 13])
        #expect(records[2][5] == "" && records[2][12].hasPrefix("line 4: row '5 fields'"), "\(records[2])")
        let fixed = try String(contentsOfFile: rejects, encoding: .utf8).replacingOccurrences(of: ",two,", with: ",2,")
        let lines = fixed.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
        let again = try sb.write("fixed.csv", ([lines[0], lines[1]]).joined(separator: "\r\n") + "\r\n")
        let r = try sb.ok("import", again)
        #expect(r.stderrLines == ["note: ignoring the column reason (a rejects file's)"])
        #expect(try sb.sql("SELECT item_count FROM orders WHERE ref = 'F-2'") == ["2"])
    }

    @Test("a file without prices stays a duplicate after the catalog price changes")
    func catalogPriceChange() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("n.csv", "ref,sku,quantity\nN-1,MUG-01,1\n")
        try sb.ok("import", path)
        try sb.ok("product", "update", "MUG-01", "--price", "13.00")
        #expect(try sb.ok("import", path).stdout.contains("nothing new"))
    }

    @Test("statuses that the lifecycle cannot reach are refused or made consistent")
    func lifecycleConsistency() throws {
        let sb = try Sandbox(template: .catalog)
        let bad = try sb.run(
            "import", try csv(sb, "c.csv", ["S-1,s@example.com,S,DE,MUG-01,Mug,1,12.50,completed,unpaid,,"]))
        #expect(bad.exitCode == 65)
        #expect(
            bad.stderrLines == [
                "Error: line 2: status 'completed': completed means delivered and paid in full, but 0.00 EUR of 12.50 EUR is paid"
            ])
        try sb.ok("import", try csv(sb, "d.csv", ["S-2,s@example.com,S,DE,MUG-01,Mug,1,12.50,delivered,paid,,"]))
        #expect(try sb.sql("SELECT status, payment_status FROM orders WHERE ref = 'S-2'") == ["completed|paid"])
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
    }
}
