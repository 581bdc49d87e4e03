import Foundation
import Testing

// What fault trials from outside found (issue 15, part 5): each a regression test with
// the built binary. No command may trap, whatever the input or the file.

@Suite("faults found from outside: no trap, a clear line")
struct FaultFindingsTests {
    static let order =
        #"{"ref":"J-1","ordered_at":"2026-10-01T09:00:00Z","customer_email":"ann@example.com","lines":[{"sku":"MUG-01","quantity":1}]}"#

    @Test(
        "JSON Lines whose last line has no line end: imported (a file and stdin), and a bad one is an error, not SIGILL"
    )
    func jsonLinesWithoutFinalNewline() throws {
        let sb = try Sandbox(template: .catalog)
        let file = try sb.write("one.jsonl", Self.order)
        let r = try sb.run("import", file)
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdout.hasPrefix("read 1 row: imported 1 row (1 order)"), "\(r)")
        // Two lines, the second without its end; and through stdin.
        let two =
            Self.order.replacingOccurrences(of: "J-1", with: "J-2") + "\n"
            + Self.order.replacingOccurrences(of: "J-1", with: "J-3")
        let piped = try runProcess(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "printf '%s' \"$1\" | \"$2\" import --format jsonl -", "sh", two, sb.binary.path],
            environment: sb.environment(), directory: sb.dir, scratch: sb.scratch)
        #expect(piped.exitCode == 0, "\(piped)")
        #expect(piped.stdout.hasPrefix("read 2 rows: imported 2 rows (2 orders)"), "\(piped)")
        #expect(try sb.sql("SELECT ref FROM orders WHERE ref LIKE 'J-%' ORDER BY ref") == ["J-1", "J-2", "J-3"])
        // The trial's own input: an order without lines, unterminated.
        let bad = try sb.write("bad.jsonl", #"{"ref":"X"}"#)
        let before = try sb.dump()
        let e = try sb.run("import", bad)
        #expect(e.exitCode == 65, "\(e)")
        #expect(e.stderrLines.count == 1 && e.stderrLines[0].hasPrefix("Error: line 1: "), "\(e)")
        #expect(try sb.dump() == before)
    }

    @Test(
        "verify on a file whose ref index lists an order twice (a torn copy) says the file is damaged, exit 1, no trap")
    func verifyTornIndex() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--ref", "A-1")
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--ref", "A-2")
        _ = try sb.sql("PRAGMA wal_checkpoint(TRUNCATE)")
        // In the page of orders' unique ref index, A-2's entry is made to point at order 1.
        let root = try #require(
            Int(try sb.scalar("SELECT rootpage FROM sqlite_schema WHERE name = 'sqlite_autoindex_orders_1'")))
        let pageSize = try #require(Int(try sb.scalar("PRAGMA page_size")))
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: sb.dbPath))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        var page = try #require(try handle.read(upToCount: pageSize))
        let entry = try #require(page.range(of: Data("A-2".utf8) + Data([2])), "A-2's index entry, rowid 2")
        page[entry.upperBound - 1] = 1
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        try handle.write(contentsOf: page)
        try handle.close()
        #expect(try sb.sql("SELECT id, ref FROM orders") == ["1|A-1", "1|A-2"], "the index now lists order 1 twice")
        let r = try sb.run("verify")
        #expect(r.exitCode == 1, "\(r)")
        #expect(
            r.stderrLines == [
                "Error: history check failed: the orders' index lists order id 1 twice: the file is damaged (restore a backup, or see 'sqlite3 FILE .recover')"
            ], "\(r)")
        #expect(!r.stderr.contains("Fatal error"))
    }
}
