import Foundation
import Testing

@Suite("export: the native format, CSV and JSON Lines")
struct ExportTests {
    static let header =
        "ref,ordered_at,customer_ref,customer_email,customer_name,country,sku,product_name,quantity,unit_price,currency,channel,shipping,status,payment_status,due,paid_at,shipped_at,delivered_at,cancelled_at,carrier,tracking,note,region"

    /// Two orders: a shipped 2-line one with a tracking number, and a cancelled one
    /// whose note would be a spreadsheet formula.
    func twoOrders() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M", "--ref", "E-1", "--due",
            "2026-11-30")
        try sb.ok("confirm", "E-1")
        try sb.ok("pay", "E-1")
        try sb.ok("ship", "E-1", "--carrier", "dhl", "--tracking", "1234567890")
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD:3@0.50", "--ref", "E-2", "--note", "=1+1")
        try sb.ok("cancel", "E-2", "--reason", "duplicate")
        return sb
    }

    @Test("CSV: the documented header, one row per line, order fields repeated, amounts as decimals")
    func csv() throws {
        let sb = try twoOrders()
        let r = try sb.ok("export")
        let records = try #require(Output.parseCSV(r.stdout), "not RFC 4180: \(r)")
        #expect(records.first?.joined(separator: ",") == Self.header)
        let header = records[0]
        let rows = records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        #expect(rows.map { $0["ref"] } == ["E-1", "E-1", "E-2"])
        #expect(rows.map { $0["sku"] } == ["MUG-01", "TEE-M", "CARD"])
        #expect(rows.map { $0["quantity"] } == ["2", "1", "3"])
        #expect(rows.map { $0["unit_price"] } == ["12.50", "19.90", "0.50"])
        #expect(rows.allSatisfy { $0["currency"] == "EUR" && $0["customer_email"] == "ann@example.com" })
        #expect(rows[0]["status"] == "shipped" && rows[1]["status"] == "shipped")
        #expect(rows[0]["payment_status"] == "paid")
        #expect(rows[0]["carrier"] == "dhl" && rows[0]["tracking"] == "1234567890")
        #expect(rows[0]["due"] == "2026-11-30")
        #expect(rows[0]["shipped_at"] == "2026-11-25T10:00:00Z")
        #expect(rows[2]["status"] == "cancelled")
        #expect(rows[2]["cancelled_at"] == "2026-11-25T10:00:00Z")
        #expect(rows[2]["note"] == "'=1+1", "a formula in a text cell is defused")
    }

    @Test("JSON Lines: one order per line with its lines; the note kept as typed")
    func jsonl() throws {
        let sb = try twoOrders()
        let lines = try sb.ok("export", "--format", "jsonl").stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let orders = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(orders.map { $0.string("ref") } == ["E-1", "E-2"])
        let first = try #require(orders.first?["lines"] as? [[String: Any]])
        #expect(first.map { $0.string("sku") } == ["MUG-01", "TEE-M"])
        #expect(first.map { $0.int("quantity") } == [2, 1])
        #expect(orders[1].string("note") == "=1+1")
        #expect(orders[0]["cancelled_at"] is NSNull)
    }

    @Test("filters, --bom, and a file written whole or not at all")
    func fileAndFilters() throws {
        let sb = try twoOrders()
        let target = sb.dir.appendingPathComponent("out.csv").path
        let r = try sb.ok("export", "--status", "cancelled", "--bom", target)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("wrote 1 line to"))
        let data = try Data(contentsOf: URL(fileURLWithPath: target))
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: data.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix(Self.header + "\r\n"))
        #expect(text.split(separator: "\r\n").count == 2)

        // A bad filter fails before the file is touched: a date that is no date is the
        // parser's to judge (64).
        let again = try sb.run("export", "--since", "garbage", target)
        #expect(again.exitCode == 64)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == data)
        let missing = sb.dir.appendingPathComponent("no/such/dir/x.csv").path
        let failed = try sb.run("export", missing)
        #expect(failed.exitCode == 1)
        #expect(failed.stderrLines == ["Error: cannot write \(missing): No such file or directory"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: sb.dir.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }
}
