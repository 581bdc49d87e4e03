import Foundation
import Testing

@Suite("stock: reservation, out of stock, backorder, stock set")
struct StockTests {
    /// (on_hand, reserved) of a product, straight from SQLite.
    func stockRow(_ sb: Sandbox, _ sku: String) throws -> String {
        try sb.scalar("SELECT on_hand || '/' || reserved FROM products WHERE sku = '\(sku)'")
    }

    @Test("an order reserves stock: available drops, on hand stays")
    func reservation() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD:4", "--ref", "S-1")

        let product = try sb.jsonObject("product", "show", "CARD")
        #expect(product.int("on_hand") == 10)
        #expect(product.int("reserved") == 4)
        #expect(product.int("available") == 6)
        let held = product.objects("reservations")
        #expect(held.count == 1)
        #expect(held.first?.string("ref") == "S-1")
        #expect(held.first?.int("reserved") == 4)

        #expect(try stockRow(sb, "CARD") == "10/4")
        #expect(try sb.scalar("SELECT reserved || '/' || backordered FROM order_lines") == "4/0")

        // Untracked products reserve nothing.
        try sb.ok("add", "--customer", "ann@example.com", "--item", "TEE-M:500", "--ref", "S-2")
        #expect(try stockRow(sb, "TEE-M") == "0/0")
        let tee = try sb.jsonObject("product", "show", "TEE-M")
        #expect(tee.isNull("available"))
    }

    @Test("more than available is refused with SKU, requested and available; nothing changes")
    func outOfStock() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD:4")
        let before = try sb.dump()
        let r = try sb.run("add", "--customer", "ann@example.com", "--item", "CARD:7")
        #expect(r.exitCode == 1, "\(r)")
        #expect(
            r.stderrLines == [
                "Error: not enough stock for SKU CARD: 7 requested, 6 available (use --backorder to accept anyway)"
            ])
        #expect(try sb.dump() == before)
        #expect(try stockRow(sb, "CARD") == "10/4")

        // Exactly what is available is fine.
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD:6")
        #expect(try stockRow(sb, "CARD") == "10/10")
        #expect(try sb.jsonObject("product", "show", "CARD").int("available") == 0)
    }

    @Test("--backorder reserves what is there and records the rest as backordered")
    func backorder() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD:4")
        let add = try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "CARD:8", "--item", "MUG-01:2",
            "--backorder", "--ref", "BO-1")
        let table = try #require(Output.table(in: add.stdout, header: "#  SKU"), "\(add)")
        #expect(table.rows.first?.last == "6 reserved, 2 backordered")
        #expect(Output.field("Stock:", in: add.stdout) == "8 units reserved, 2 backordered")

        let order = try sb.jsonObject("show", "BO-1")
        #expect(order.int("reserved") == 8)
        #expect(order.int("backordered") == 2)
        let card = try #require(order.objects("lines").first { $0.string("sku") == "CARD" })
        #expect(card.int("quantity") == 8)
        #expect(card.int("reserved") == 6)
        #expect(card.int("backordered") == 2)

        #expect(try stockRow(sb, "CARD") == "10/10")
        #expect(try stockRow(sb, "MUG-01") == "40/2")
        #expect(
            try sb.scalar(
                """
                SELECT l.reserved || '/' || l.backordered FROM order_lines l JOIN orders o ON o.id = l.order_id
                WHERE o.ref = 'BO-1' AND l.sku = 'CARD'
                """) == "6/2")
        let product = try sb.jsonObject("product", "show", "CARD")
        #expect(product.int("available") == 0)
        #expect(product.objects("reservations").contains { $0.string("ref") == "BO-1" && $0.int("backordered") == 2 })
    }

    @Test("stock set below what is reserved is refused; nothing changes")
    func stockSetBelowReserved() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD:4")
        let before = try sb.dump()
        for attempt in [["stock", "set", "CARD", "3"], ["stock", "remove", "CARD", "7"]] {
            let r = try sb.run(attempt)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stderrLines.count == 1, "\(r)")
            #expect(
                r.stderrLines.first?.hasPrefix("Error: cannot set stock of SKU CARD to 3: 4 units are reserved")
                    == true, "\(r)")
        }
        #expect(try sb.dump() == before)

        // Down to exactly the reserved figure is allowed, and logged.
        let r = try sb.ok("stock", "set", "CARD", "4", "--note", "stocktake")
        #expect(r.stdout == "CARD: 4 on hand, 4 reserved, 0 available\n")
        #expect(try stockRow(sb, "CARD") == "4/4")
        #expect(
            try sb.scalar(
                "SELECT kind || '/' || delta || '/' || on_hand || '/' || note FROM stock_moves ORDER BY id DESC LIMIT 1"
            )
                == "set/-6/4/stocktake")
    }
}

@Suite("concurrency")
struct ConcurrencyTests {
    @Test("eight processes race for the last unit: exactly one wins, stock never oversold")
    func raceForLastUnit() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok("product", "add", "LAST-1", "--name", "The last one", "--price", "9.99", "--stock", "1")
        let before = try sb.scalar("SELECT count(*) FROM orders")
        #expect(before == "0")

        // Each racer is a shell that blocks reading stdin, then execs orderctl: all
        // start, then all are released together by writing to their stdin.
        let racers = 8
        var launched: [Launched] = []
        for i in 0..<racers {
            let args = [
                "-c", "read _ && exec \"$0\" \"$@\"", sb.binary.path,
                "add", "--customer", "ann@example.com", "--item", "LAST-1", "--ref", "RACE-\(i)",
            ]
            launched.append(
                try launch(
                    URL(fileURLWithPath: "/bin/sh"), args, environment: sb.environment(),
                    directory: sb.dir, scratch: sb.scratch, gated: true))
        }
        signal(SIGPIPE, SIG_IGN)  // a racer that died early must not take the test runner with it
        for l in launched { try? l.stdinPipe!.fileHandleForWriting.write(contentsOf: Data("go\n".utf8)) }
        for l in launched { try? l.stdinPipe!.fileHandleForWriting.close() }
        let results = try launched.map { try $0.wait(timeout: 60) }

        let winners = results.filter { $0.exitCode == 0 }
        let losers = results.filter { $0.exitCode != 0 }
        #expect(winners.count == 1, "exactly one success:\n\(results.map(\.description).joined(separator: "\n"))")
        for r in losers {
            #expect(r.exitCode == 1, "\(r)")
            #expect(
                r.stderrLines == [
                    "Error: not enough stock for SKU LAST-1: 1 requested, 0 available (use --backorder to accept anyway)"
                ],
                "\(r)")
            #expect(!r.stderr.contains("locked") && !r.stderr.contains("busy"), "\(r)")
        }

        #expect(try sb.scalar("SELECT on_hand || '/' || reserved FROM products WHERE sku = 'LAST-1'") == "1/1")
        #expect(try sb.scalar("SELECT count(*) FROM orders") == "1")
        #expect(try sb.scalar("SELECT sum(reserved) FROM order_lines WHERE sku = 'LAST-1'") == "1")
        if let winner = winners.first {
            let ref = try #require(winner.stdoutLines.first?.replacingOccurrences(of: "Added order ", with: ""))
            #expect(try sb.scalar("SELECT ref FROM orders") == ref)
        }
        #expect(try sb.scalar("PRAGMA integrity_check") == "ok")
    }
}
