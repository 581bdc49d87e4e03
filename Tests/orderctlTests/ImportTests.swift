import Foundation
import Testing

@Suite("import: native CSV, all or nothing, every row accounted for")
struct ImportTests {
    static let header =
        "ref,ordered_at,customer_email,customer_name,country,sku,product_name,quantity,unit_price,currency,status,due,note"

    func file(_ sb: Sandbox, _ rows: [String]) throws -> String {
        try sb.write("in.csv", ([Self.header] + rows).joined(separator: "\r\n") + "\r\n")
    }

    static let good = [
        "I-1,2026-10-01T09:00:00Z,ann@example.com,Ann Lee,DE,MUG-01,Stoneware mug,2,12.50,EUR,completed,,",
        "I-1,2026-10-01T09:00:00Z,ann@example.com,Ann Lee,DE,NEW-1,\"Brand new, blue\",1,5.00,EUR,completed,,",
        "I-2,2026-10-02T10:00:00Z,zoe@example.org,Zoë Null,FR,CARD,Card,3,0.50,EUR,cancelled,2026-10-09,\"a note, with \"\"quotes\"\"\"",
    ]

    @Test("a valid file is imported whole; again, it adds nothing and says so")
    func importAndRepeat() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try file(sb, Self.good)
        let stockBefore = try sb.sql("SELECT sku, on_hand, reserved FROM products ORDER BY sku")
        let r = try sb.ok("import", path)
        #expect(
            r.stdout.hasPrefix(
                "read 3 rows: imported 3 rows (2 orders), rejected 0 rows (0 orders), duplicates 0 rows (0 orders); created 1 customer, 1 product"
            ), "\(r)")
        #expect(
            try sb.sql("SELECT ref, status, total, placed_at FROM orders WHERE ref LIKE 'I-%' ORDER BY ref") == [
                "I-1|completed|3000|2026-10-01T09:00:00Z", "I-2|cancelled|150|2026-10-02T10:00:00Z",
            ])
        #expect(try sb.sql("SELECT name, track_stock FROM products WHERE sku = 'NEW-1'") == ["Brand new, blue|0"])
        #expect(try sb.sql("SELECT note FROM orders WHERE ref = 'I-2'") == ["a note, with \"quotes\""])
        // Historic orders do not move stock, and their history verifies.
        #expect(
            try sb.sql("SELECT sku, on_hand, reserved FROM products WHERE sku <> 'NEW-1' ORDER BY sku") == stockBefore)
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
        #expect(try sb.statuses("I-1") == "completed/paid/fulfilled")

        let again = try sb.ok("import", path)
        #expect(
            again.stdout.hasPrefix(
                "read 3 rows: imported 0 rows (0 orders), rejected 0 rows (0 orders), duplicates 3 rows (2 orders)"),
            "\(again)")
        #expect(try sb.sql("SELECT count(*) FROM orders WHERE ref LIKE 'I-%'") == ["2"])
    }

    @Test("one invalid row: nothing imported, the row listed with line, field, value and reason, exit 65")
    func allOrNothing() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try file(
            sb, Self.good + ["I-3,2026-10-03T10:00:00Z,bo@example.com,Bo,DE,MUG-01,Mug,1.5,12.50,EUR,pending,,"])
        let before = try sb.dump()
        let r = try sb.run("import", path)
        #expect(r.exitCode == 65, "\(r)")
        #expect(r.stderrLines == ["Error: line 5: quantity '1.5': expected a whole number from 1 to 1000000"])
        #expect(r.stdout.contains("read 4 rows: would import 3 rows (2 orders), rejected 1 row (1 order)"))
        #expect(r.stdout.contains("nothing was imported"))
        #expect(try sb.dump() == before)
    }

    @Test("--skip-invalid imports the valid orders and writes the rejected rows verbatim with a reason")
    func skipInvalid() throws {
        let sb = try Sandbox(template: .catalog)
        let bad = [
            "I-3,2026-10-03T10:00:00Z,bo@example.com,Bo,DE,MUG-01,Mug,1,12.50,EUR,pending,,",
            "I-3,2026-10-03T10:00:00Z,bo@example.com,Bo,DE,TEE-M,\"Tee, M\",1,1.999,EUR,pending,,",
            "I-4,2026-02-30T10:00:00Z,cy@example.com,Cy,DE,MUG-01,Mug,1,12.50,EUR,pending,,",
        ]
        let path = try file(sb, Self.good + bad)
        let rejects = sb.dir.appendingPathComponent("rejects.csv").path
        let r = try sb.run("import", path, "--skip-invalid", "--rejects", rejects)
        #expect(r.exitCode == 0, "some rows rejected, as --skip-invalid asked: \(r)")
        #expect(
            r.stdout.hasPrefix(
                "read 6 rows: imported 3 rows (2 orders), rejected 3 rows (2 orders), duplicates 0 rows (0 orders)"),
            "\(r)")
        #expect(try sb.sql("SELECT ref FROM orders WHERE ref LIKE 'I-%' ORDER BY ref") == ["I-1", "I-2"])
        let records = try #require(Output.parseCSV(String(contentsOfFile: rejects, encoding: .utf8)))
        #expect(records.first == Self.header.split(separator: ",").map(String.init) + ["reason"])
        // The rejected rows are the input rows, field for field; an order with one bad line goes whole.
        let expected = try #require(Output.parseCSV(([Self.header] + bad).joined(separator: "\r\n") + "\r\n"))
        #expect(records.dropFirst().map { Array($0.dropLast()) } == Array(expected.dropFirst()))
        #expect(records[1].last == "line 5: order I-3 rejected: see line 6", "\(records[1])")
        #expect(records[2].last?.contains("unit_price '1.999'") == true)
        #expect(records[3].last?.contains("ordered_at '2026-02-30T10:00:00Z'") == true)
    }

    @Test("a ref already present with other lines is a conflict, never overwritten")
    func conflict() throws {
        let sb = try Sandbox(template: .withOrder)  // holds A-100: 1 x TEE-M
        let path = try file(
            sb, ["A-100,2026-10-01T09:00:00Z,ann@example.com,Ann Lee,DE,MUG-01,Mug,5,12.50,EUR,pending,,"])
        let before = try sb.dump()
        let r = try sb.run("import", path, "--skip-invalid")
        #expect(r.exitCode == 65)
        #expect(
            r.stderrLines == [
                "Error: line 2: ref 'A-100': conflict: an order with this ref exists with other lines; nothing was changed"
            ])
        #expect(try sb.dump() == before)
    }

    @Test("export, then import into an empty database, then export again: the same orders")
    func roundTrip() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M", "--ref", "R-1", "--due",
            "2026-11-30", "--note", "=1+1, \"quoted\"")
        try sb.ok("confirm", "R-1")
        try sb.ok("pay", "R-1")
        try sb.ok("ship", "R-1", "--carrier", "dhl", "--tracking", "1234567890")
        try sb.ok("deliver", "R-1")
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD:3@0.50", "--ref", "R-2")
        try sb.ok("cancel", "R-2", "--reason", "duplicate")
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD", "--ref", "R-3")
        let exported = try sb.ok("export", "--format", "csv").stdout
        let copy = sb.dir.appendingPathComponent("copy.db").path
        let path = try sb.write("export.csv", exported)
        try sb.ok("--db", copy, "init", "--timezone", "Europe/Berlin", "--country", "DE")
        let imported = try sb.ok("--db", copy, "import", path)
        #expect(imported.stdout.hasPrefix("read 4 rows: imported 4 rows (3 orders)"), "\(imported)")
        let again = try sb.ok("--db", copy, "export").stdout
        // Customer ids differ between the databases; everything else is the same.
        func withoutCustomerRef(_ csv: String) -> [[String]] {
            (Output.parseCSV(csv) ?? []).map { row in row.enumerated().filter { $0.offset != 2 }.map(\.element) }
        }
        #expect(withoutCustomerRef(again) == withoutCustomerRef(exported))
        // The formula guard of the export is taken off again on import.
        #expect(try sb.sql("SELECT note FROM orders WHERE ref = 'R-1'", db: copy) == ["=1+1, \"quoted\""])
        #expect(try sb.ok("--db", copy, "verify").stdout.hasPrefix("history intact"))
    }

    @Test("malformed CSV, a missing file and compressed input are refused, and nothing changes")
    func unreadable() throws {
        let sb = try Sandbox(template: .catalog)
        let before = try sb.dump()
        let broken = try sb.write("broken.csv", "ref,sku,quantity\r\nI-1,MUG-01,1\r\nI-2,\"MUG-01,1\r\n")
        let r = try sb.run("import", broken)
        #expect(r.exitCode == 65)
        #expect(
            r.stderrLines == [
                "Error: \(broken): line 3: field 2: quoted field is not closed before end of file; nothing was imported"
            ])
        let missing = try sb.run("import", sb.dir.appendingPathComponent("absent.csv").path)
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("No such file or directory"))
        // A gzip file cut short is an error, not a shorter import.
        let gz = sb.dir.appendingPathComponent("orders.csv.gz").path
        try Data([0x1F, 0x8B]).write(to: URL(fileURLWithPath: gz))
        let cut = try sb.run("import", gz)
        #expect(cut.exitCode == 65)
        #expect(
            cut.stderrLines == ["Error: \(gz): cannot read it (line 1): unexpected end of file; nothing was imported"])
        #expect(try sb.dump() == before)
    }

    @Test("rows of one order that disagree on an order field: the first row wins, with a warning naming both lines")
    func disagreement() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try file(
            sb,
            [
                "D-1,2026-10-01T09:00:00Z,ann@example.com,Ann Lee,DE,MUG-01,Mug,1,12.50,EUR,pending,2026-10-05,",
                "D-1,2026-10-01T09:00:00Z,ann@example.com,Ann Lee,DE,CARD,Card,1,0.50,EUR,pending,2026-10-09,",
            ])
        let r = try sb.ok("import", path)
        #expect(r.stderrLines == ["warning: line 3: due '2026-10-09' differs from line 2 ('2026-10-05'); line 2 wins"])
        #expect(try sb.sql("SELECT due_date FROM orders WHERE ref = 'D-1'") == ["2026-10-05"])
    }
}
