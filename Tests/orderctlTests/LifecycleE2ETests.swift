import Foundation
import Testing

// The order lifecycle end to end: the built binary, its output, and the database
// afterwards, read with the sqlite3 tool.

// MARK: - Helpers

extension Sandbox {
    /// Stock figures add up, checked directly in SQLite: for every product, reserved ==
    /// the sum of its order lines' reservations, on hand == the sum of its logged stock
    /// moves (every stock change is logged), and on hand >= reserved. Each line's
    /// shipped and returned units match its shipment and return records, and the units
    /// shipped of tracked products match the 'ship' stock moves.
    func expectStockAddsUp(_ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let products = try sql(
            """
            SELECT p.sku, p.track_stock, p.on_hand, p.reserved,
                   (SELECT coalesce(sum(l.reserved), 0) FROM order_lines l WHERE l.product_id = p.id),
                   (SELECT coalesce(sum(m.delta), 0) FROM stock_moves m WHERE m.product_id = p.id)
            FROM products p ORDER BY p.sku
            """, sourceLocation: sourceLocation)
        try #require(!products.isEmpty, sourceLocation: sourceLocation)
        for row in products {
            let f = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            try #require(f.count == 6, "\(row)", sourceLocation: sourceLocation)
            let (sku, tracked, onHand, reserved, lineReserved, moves) = (
                f[0], f[1] == "1", Int(f[2])!, Int(f[3])!, Int(f[4])!, Int(f[5])!
            )
            #expect(
                reserved == lineReserved,
                "after \(step): \(sku) reserved \(reserved), its lines reserve \(lineReserved)",
                sourceLocation: sourceLocation)
            #expect(
                onHand == moves, "after \(step): \(sku) on hand \(onHand), its stock moves add up to \(moves)",
                sourceLocation: sourceLocation)
            if tracked {
                #expect(
                    onHand >= reserved, "after \(step): \(sku) on hand \(onHand) < reserved \(reserved)",
                    sourceLocation: sourceLocation)
            }
        }
        let badLines = try sql(
            """
            SELECT o.ref || ' ' || l.sku FROM order_lines l JOIN orders o ON o.id = l.order_id
            WHERE l.shipped <> (SELECT coalesce(sum(s.quantity), 0) FROM shipment_lines s WHERE s.order_line_id = l.id)
               OR l.returned <> (SELECT coalesce(sum(r.quantity), 0) FROM return_lines r WHERE r.order_line_id = l.id)
               OR l.returned > l.shipped
               OR l.reserved + l.backordered + l.shipped > l.quantity
            """, sourceLocation: sourceLocation)
        #expect(
            badLines.isEmpty, "after \(step): lines whose figures disagree with their records: \(badLines)",
            sourceLocation: sourceLocation)
        let shipped = try scalar(
            """
            SELECT coalesce(sum(s.quantity), 0) FROM shipment_lines s JOIN order_lines l ON l.id = s.order_line_id
            JOIN products p ON p.id = l.product_id WHERE p.track_stock = 1
            """, sourceLocation: sourceLocation)
        let moved = try scalar(
            "SELECT coalesce(-sum(delta), 0) FROM stock_moves WHERE kind = 'ship'", sourceLocation: sourceLocation)
        #expect(
            shipped == moved, "after \(step): \(shipped) tracked units shipped, 'ship' moves take \(moved)",
            sourceLocation: sourceLocation)
    }

    /// "on_hand/reserved" of a product.
    func stock(_ sku: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try scalar(
            "SELECT on_hand || '/' || reserved FROM products WHERE sku = '\(sku)'", sourceLocation: sourceLocation)
    }

    /// "status/payment_status/fulfilment_status" of an order.
    func statuses(_ ref: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try scalar(
            "SELECT status || '/' || payment_status || '/' || fulfilment_status FROM orders WHERE ref = '\(ref)'",
            sourceLocation: sourceLocation)
    }

    /// Runs `orderctl` with `input` on its stdin.
    func run(_ arguments: [String], stdin input: String) throws -> RunResult {
        let launched = try launch(
            binary, arguments, environment: environment(), directory: dir, scratch: scratch, gated: true)
        signal(SIGPIPE, SIG_IGN)
        try? launched.stdinPipe!.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? launched.stdinPipe!.fileHandleForWriting.close()
        return try launched.wait()
    }

    /// Writes a file into the sandbox and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }
}

let annOrder = ["add", "--customer", "ann@example.com"]

// MARK: - Lifecycle end to end

@Suite("lifecycle end to end: shipments, cancellation, returns and refunds")
struct LifecycleE2ETests {

    @Test("a 3-line order ships in two shipments: show, stock and history follow each step")
    func partialShipment() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(
            annOrder + [
                "--item", "MUG-01:2", "--item", "TEE-M", "--item", "CARD:3", "--ref", "PS-1", "--date",
                "2026-11-24T09:00",
            ])
        #expect(try sb.stock("MUG-01") == "40/2")
        #expect(try sb.stock("CARD") == "10/3")
        try sb.expectStockAddsUp("add")
        #expect(
            try sb.ok("confirm", "PS-1", "--at", "2026-11-24T09:30").stdout == "PS-1: confirmed at 2026-11-24 09:30\n")
        try sb.expectStockAddsUp("confirm")

        // First shipment yesterday afternoon: one mug and all the cards, with tracking.
        let first = try sb.ok(
            "ship", "PS-1", "--item", "MUG-01:1", "--item", "CARD:3", "--carrier", "dhl", "--tracking", "1234567890",
            "--at", "2026-11-24T15:30")
        #expect(
            first.stdout
                == "PS-1: shipped 4 units (MUG-01 x1, CARD x3) via dhl 1234567890 at 2026-11-24 15:30; 2 still to ship\n"
        )
        #expect(first.stderr.isEmpty)
        var order = try sb.jsonObject("show", "PS-1")
        #expect(order.string("status") == "processing")
        #expect(order.string("fulfilment_status") == "partial")
        #expect(order.string("payment_status") == "unpaid")
        #expect(order.objects("lines").map { $0.string("sku") ?? "" } == ["MUG-01", "TEE-M", "CARD"])
        #expect(order.objects("lines").map { $0.int("shipped") ?? -1 } == [1, 0, 3])
        #expect(order.objects("lines").map { $0.int("reserved") ?? -1 } == [1, 0, 0])
        var shipments = order.objects("shipments")
        #expect(shipments.count == 1)
        #expect(shipments.first?.string("carrier") == "dhl")
        #expect(shipments.first?.string("tracking") == "1234567890")
        #expect(
            shipments.first?.string("tracking_url") == "https://www.dhl.com/en/express/tracking.html?AWB=1234567890")
        #expect(shipments.first?.string("shipped_at") == "2026-11-24T14:30:00Z")
        #expect(
            shipments.first?.objects("lines").map { "\($0.string("sku") ?? "") x\($0.int("quantity") ?? 0)" } == [
                "MUG-01 x1", "CARD x3",
            ])
        #expect(try sb.stock("MUG-01") == "39/1")
        #expect(try sb.stock("CARD") == "7/0")
        #expect(
            try sb.sql(
                "SELECT p.sku || ' ' || m.delta || ' ' || m.on_hand FROM stock_moves m JOIN products p ON p.id = m.product_id WHERE m.kind = 'ship' ORDER BY m.id"
            )
                == ["MUG-01 -1 39", "CARD -3 7"])
        try sb.expectStockAddsUp("first shipment")

        // Second shipment: the rest, now.
        let second = try sb.ok("ship", "PS-1")
        #expect(second.stdout == "PS-1: shipped 2 units (MUG-01 x1, TEE-M x1); all shipped\n")
        order = try sb.jsonObject("show", "PS-1")
        #expect(order.string("status") == "shipped")
        #expect(order.string("fulfilment_status") == "fulfilled")
        #expect(order.objects("lines").map { $0.int("shipped") ?? -1 } == [2, 1, 3])
        #expect(order.objects("lines").map { $0.int("reserved") ?? -1 } == [0, 0, 0])
        #expect(order.int("reserved") == 0)
        shipments = order.objects("shipments")
        #expect(shipments.count == 2)
        #expect(
            shipments.last?.objects("lines").map { "\($0.string("sku") ?? "") x\($0.int("quantity") ?? 0)" } == [
                "MUG-01 x1", "TEE-M x1",
            ])
        #expect(shipments.last?.string("shipped_at") == fixedNow)
        #expect(shipments.last?.isNull("carrier") == true)
        #expect(try sb.stock("MUG-01") == "38/0")
        #expect(try sb.stock("TEE-M") == "0/0")
        try sb.expectStockAddsUp("second shipment")

        // show prints both shipments and the tracking link.
        let text = try sb.ok("show", "PS-1").stdout
        #expect(
            text.contains(
                "  1. 2026-11-24 15:30  MUG-01 x1, CARD x3  via dhl 1234567890\n     https://www.dhl.com/en/express/tracking.html?AWB=1234567890\n"
            ))
        #expect(text.contains("  2. 2026-11-25 11:00  MUG-01 x1, TEE-M x1\n"))

        // The history has every step, with old and new values.
        let history = try #require(try sb.json("history", "PS-1") as? [[String: Any]])
        #expect(
            history.map { $0.string("kind") ?? "" } == [
                "created", "classified", "stock-reserved", "status", "shipped", "status", "fulfilment",
                "shipped", "status", "fulfilment",
            ])
        #expect(history.map { $0.int("seq") ?? 0 } == Array(1...10))
        let changes = history.filter { $0.string("kind") == "status" || $0.string("kind") == "fulfilment" }
            .map { "\($0.string("old") ?? "-")->\($0.string("new") ?? "-")" }
        #expect(
            changes == [
                "pending->confirmed", "confirmed->processing", "unfulfilled->partial", "processing->shipped",
                "partial->fulfilled",
            ])
        #expect(history[4].string("new") == "MUG-01 x1, CARD x3")
        #expect(history[4].string("detail") == "via dhl 1234567890")
        #expect(history[4].string("at") == "2026-11-24T14:30:00Z")

        // Nothing is left to ship; delivery completes nothing while unpaid.
        let again = try sb.run("ship", "PS-1")
        #expect(again.exitCode == 1)
        #expect(
            again.stderrLines == [
                "Error: cannot ship order PS-1: it is shipped (allowed next: pay, deliver, return, note, flag)"
            ])
        #expect(try sb.ok("deliver", "PS-1").stdout == "PS-1: delivered; 51.05 EUR still owed\n")
        #expect(try sb.statuses("PS-1") == "delivered/unpaid/fulfilled")
        #expect(try sb.ok("pay", "PS-1").stdout == "PS-1: paid 51.05 EUR, paid in full\n")
        #expect(try sb.statuses("PS-1") == "completed/paid/fulfilled")
        try sb.expectStockAddsUp("deliver and pay")
    }

    @Test("cancel after a partial payment releases the stock and shows what is owed back")
    func cancelAfterPartialPayment() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(annOrder + ["--item", "MUG-01:2", "--item", "CARD:1", "--ref", "CP-1"])
        try sb.ok("confirm", "CP-1")
        #expect(
            try sb.ok("pay", "CP-1", "--amount", "10", "--method", "card").stdout
                == "CP-1: paid 10.00 EUR by card, 17.05 EUR still owed\n")
        #expect(try sb.statuses("CP-1") == "confirmed/partially_paid/unfulfilled")
        #expect(try sb.stock("MUG-01") == "40/2")
        #expect(try sb.stock("CARD") == "10/1")
        try sb.expectStockAddsUp("pay")

        let r = try sb.ok("cancel", "CP-1", "--reason", "customer changed their mind")
        #expect(
            r.stdout
                == "CP-1: cancelled (customer changed their mind); released MUG-01 x2, CARD x1; 10.00 EUR was paid and is owed back (orderctl refund CP-1 --amount 10.00)\n"
        )
        #expect(r.stderr.isEmpty)
        #expect(try sb.statuses("CP-1") == "cancelled/partially_paid/unfulfilled")
        #expect(try sb.stock("MUG-01") == "40/0")
        #expect(try sb.stock("CARD") == "10/0")
        #expect(
            try sb.sql("SELECT reserved || '/' || backordered FROM order_lines ORDER BY line_no") == ["0/0", "0/0"])
        #expect(
            try sb.scalar("SELECT paid_total || '/' || refunded_total || '/' || closed_reason FROM orders")
                == "1000/0/customer changed their mind")
        #expect(try sb.scalar("SELECT count(*) FROM stock_moves WHERE kind <> 'initial'") == "0")
        try sb.expectStockAddsUp("cancel")
        let order = try sb.jsonObject("show", "CP-1")
        #expect(order.string("cancel_reason") == "customer changed their mind")
        #expect(order.string("paid") == "10.00")
        let history = try #require(try sb.json("history", "CP-1") as? [[String: Any]])
        #expect(history.suffix(2).map { $0.string("kind") ?? "" } == ["status", "stock-released"])
        #expect(history.suffix(2).first?.string("new") == "cancelled")
        #expect(history.last?.string("detail") == "MUG-01 x2, CARD x1")

        // Cancelling twice releases nothing twice.
        let twice = try sb.run("cancel", "CP-1", "--reason", "again")
        #expect(twice.exitCode == 1)
        #expect(
            twice.stderrLines == ["Error: cannot cancel order CP-1: it is cancelled (allowed next: refund, note, flag)"]
        )
        #expect(try sb.stock("MUG-01") == "40/0")

        // The money goes back with a refund.
        #expect(
            try sb.ok("refund", "CP-1", "--amount", "10.00").stdout
                == "CP-1: refunded 10.00 EUR; 0.00 EUR paid and kept\n")
        #expect(try sb.statuses("CP-1") == "cancelled/refunded/unfulfilled")
        try sb.expectStockAddsUp("refund")
    }

    @Test("why on a cancelled, partly paid order says what is owed back, not what is still owed")
    func whyCancelledOwes() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(annOrder + ["--item", "MUG-01:2", "--item", "CARD:1", "--ref", "CP-1"])
        try sb.ok("pay", "CP-1", "--amount", "10")
        try sb.ok("cancel", "CP-1", "--reason", "customer changed their mind")
        let why = try sb.ok("why", "CP-1").stdout
        #expect(why.contains("10.00 EUR was paid and is owed back to the customer."))
        #expect(!why.contains("still owed"), "\(why)")
    }

    @Test(
        "return of one line with restock, then refund: stock back on hand, statuses follow, no refund beyond what was paid"
    )
    func returnThenRefund() throws {
        let sb = try Sandbox(template: .catalog)
        // 25.00 + 4.10 + 19.90
        try sb.ok(annOrder + ["--item", "MUG-01:2", "--item", "CARD:2", "--item", "TEE-M", "--ref", "RR-1"])
        try sb.ok("confirm", "RR-1")
        #expect(try sb.ok("pay", "RR-1").stdout == "RR-1: paid 49.00 EUR, paid in full\n")
        try sb.ok("ship", "RR-1")
        #expect(try sb.ok("deliver", "RR-1").stdout == "RR-1: delivered\n")
        #expect(try sb.statuses("RR-1") == "completed/paid/fulfilled")
        #expect(try sb.stock("MUG-01") == "38/0")
        #expect(try sb.stock("CARD") == "8/0")
        try sb.expectStockAddsUp("ship and deliver")

        let ret = try sb.ok("return", "RR-1", "--item", "MUG-01:1", "--restock", "--reason", "arrived broken")
        #expect(
            ret.stdout
                == "RR-1: returned MUG-01 x1 (restocked), worth 12.50 EUR (refund with: orderctl refund RR-1 --amount 12.50)\n"
        )
        #expect(try sb.statuses("RR-1") == "completed/paid/partially_returned")
        #expect(try sb.stock("MUG-01") == "39/0")
        #expect(
            try sb.sql(
                "SELECT kind || ' ' || delta || ' ' || on_hand || ' ' || note FROM stock_moves ORDER BY id DESC LIMIT 1"
            ) == ["return 1 39 arrived broken"])
        #expect(try sb.sql("SELECT restock || ' ' || reason FROM returns") == ["1 arrived broken"])
        let order = try sb.jsonObject("show", "RR-1")
        #expect(order.objects("lines").map { $0.int("returned") ?? -1 } == [1, 0, 0])
        try sb.expectStockAddsUp("return")

        let refund = try sb.ok("refund", "RR-1", "--amount", "12.50", "--reason", "broken mug")
        #expect(refund.stdout == "RR-1: refunded 12.50 EUR; 36.50 EUR paid and kept\n")
        #expect(try sb.statuses("RR-1") == "completed/partially_refunded/partially_returned")
        let paid = try sb.jsonObject("show", "RR-1")
        #expect(paid.string("paid") == "49.00")
        #expect(paid.string("refunded") == "12.50")
        #expect(
            paid.objects("payments").map {
                "\($0.string("kind") ?? "") \($0.string("amount") ?? "") \($0.string("reason") ?? "-")"
            }
                == ["payment 49.00 -", "refund 12.50 broken mug"])
        try sb.expectStockAddsUp("refund")

        // A refund over what is left is refused, and changes nothing.
        let before = try sb.dump()
        let over = try sb.run("refund", "RR-1", "--amount", "36.51")
        #expect(over.exitCode == 1)
        #expect(over.stdout.isEmpty)
        #expect(
            over.stderrLines == [
                "Error: cannot refund order RR-1: 36.51 EUR is more than the 36.50 EUR paid and not yet refunded"
            ])
        #expect(try sb.dump() == before)

        // A return without restock leaves stock alone.
        let card = try sb.ok("return", "RR-1", "--item", "CARD:1", "--no-restock")
        #expect(
            card.stdout
                == "RR-1: returned CARD x1 (not restocked), worth 2.05 EUR (refund with: orderctl refund RR-1 --amount 2.05)\n"
        )
        #expect(try sb.stock("CARD") == "8/0")
        #expect(try sb.scalar("SELECT count(*) FROM stock_moves WHERE kind = 'return'") == "1")
        try sb.expectStockAddsUp("return without restock")

        // The rest of the money back: refunded.
        try sb.ok("refund", "RR-1", "--amount", "36.50")
        #expect(try sb.statuses("RR-1") == "completed/refunded/partially_returned")
    }
}

// MARK: - Batches

@Suite("lifecycle batches: several refs, --from-file and stdin")
struct LifecycleBatchTests {
    func threeOrders() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        for ref in ["B-1", "B-2", "B-3"] { try sb.ok(annOrder + ["--item", "CARD", "--ref", ref]) }
        return sb
    }

    @Test("confirm A B C with B invalid: A and C are done, one error line names B, exit 1")
    func oneFails() throws {
        let sb = try threeOrders()
        try sb.ok("confirm", "B-2")
        let before = try sb.sql("SELECT ref, status, updated_at FROM orders WHERE ref = 'B-2'")
        let r = try sb.run("confirm", "B-1", "B-2", "B-3")
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stdoutLines == ["B-1: confirmed", "B-3: confirmed"])
        #expect(
            r.stderrLines == [
                "Error: cannot confirm order B-2: it is confirmed (allowed next: hold, pay, ship, cancel, edit, note, flag)",
                "1 of 3 orders failed; the others are done",
            ])
        #expect(r.stderrLines.filter { $0.hasPrefix("Error:") }.count == 1)
        #expect(
            try sb.sql("SELECT ref || ' ' || status FROM orders ORDER BY ref") == [
                "B-1 confirmed", "B-2 confirmed", "B-3 confirmed",
            ])
        #expect(try sb.sql("SELECT ref, status, updated_at FROM orders WHERE ref = 'B-2'") == before)
        #expect(try sb.scalar("SELECT count(*) FROM order_events WHERE kind = 'status'") == "3")
    }

    @Test("an unknown ref in the middle is named; the others are done")
    func unknownInMiddle() throws {
        let sb = try threeOrders()
        let r = try sb.run("hold", "B-1", "NOPE", "B-3", "--reason", "stock check")
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stdoutLines == ["B-1: on hold (stock check)", "B-3: on hold (stock check)"])
        #expect(
            r.stderrLines == [
                "Error: no order with ref 'NOPE' (see 'orderctl list')", "1 of 3 orders failed; the others are done",
            ])
        #expect(
            try sb.sql("SELECT ref || ' ' || status FROM orders ORDER BY ref") == [
                "B-1 on_hold", "B-2 pending", "B-3 on_hold",
            ])
    }

    @Test("--from-file: blank lines and # comments skipped, one result line per ref")
    func fromFile() throws {
        let sb = try threeOrders()
        let path = try sb.write("refs.txt", "# morning batch\nB-1\n\n  B-404  \nB-3\n")
        let r = try sb.run("confirm", "--from-file", path)
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stdoutLines == ["B-1: confirmed", "B-3: confirmed"])
        #expect(
            r.stderrLines == [
                "Error: no order with ref 'B-404' (see 'orderctl list')", "1 of 3 orders failed; the others are done",
            ])
        #expect(
            try sb.sql("SELECT ref || ' ' || status FROM orders ORDER BY ref") == [
                "B-1 confirmed", "B-2 pending", "B-3 confirmed",
            ])

        // All good: exit 0, nothing on stderr.
        let ok = try sb.run("confirm", "--from-file", try sb.write("rest.txt", "B-2\n"))
        #expect(ok.exitCode == 0, "\(ok)")
        #expect(ok.stdout == "B-2: confirmed\n")
        #expect(ok.stderr.isEmpty)
    }

    @Test(
        "refs from stdin, as '-' and as --from-file -",
        arguments: [["confirm", "-"], ["confirm", "--from-file", "-"]])
    func fromStdin(arguments: [String]) throws {
        let sb = try threeOrders()
        let r = try sb.run(arguments, stdin: "B-3\nB-1\n")
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdoutLines == ["B-3: confirmed", "B-1: confirmed"])
        #expect(r.stderr.isEmpty)
        #expect(
            try sb.sql("SELECT ref || ' ' || status FROM orders ORDER BY ref") == [
                "B-1 confirmed", "B-2 pending", "B-3 confirmed",
            ])
    }

    @Test("a batch where one order fails its guard: that order is untouched, the others are done")
    func guardInBatch() throws {
        let sb = try threeOrders()  // each 2.05 EUR
        try sb.ok("pay", "B-2", "--amount", "2.00")
        let b2 = try sb.sql("SELECT * FROM payments WHERE order_id = (SELECT id FROM orders WHERE ref = 'B-2')")
        let r = try sb.run("pay", "B-1", "B-2", "B-3", "--amount", "1.00")
        #expect(r.exitCode == 1, "\(r)")
        #expect(
            r.stdoutLines == ["B-1: paid 1.00 EUR, 1.05 EUR still owed", "B-3: paid 1.00 EUR, 1.05 EUR still owed"])
        #expect(
            r.stderrLines == [
                "Error: cannot pay order B-2: 1.00 EUR is more than the 0.05 EUR still owed",
                "1 of 3 orders failed; the others are done",
            ])
        #expect(try sb.sql("SELECT * FROM payments WHERE order_id = (SELECT id FROM orders WHERE ref = 'B-2')") == b2)
        #expect(
            try sb.sql("SELECT ref || ' ' || paid_total || ' ' || payment_status FROM orders ORDER BY ref")
                == ["B-1 100 partially_paid", "B-2 200 partially_paid", "B-3 100 partially_paid"])
    }

    @Test("a ref given twice is acted on once")
    func repeatedRef() throws {
        let sb = try threeOrders()
        let r = try sb.run("pay", "B-1", "b-1", "B-2", "--amount", "1.00")
        #expect(r.exitCode == 0, "\(r)")
        #expect(
            r.stdoutLines == ["B-1: paid 1.00 EUR, 1.05 EUR still owed", "B-2: paid 1.00 EUR, 1.05 EUR still owed"])
        #expect(r.stderrLines == ["note: 1 repeated ref(s) skipped"])
        #expect(
            try sb.sql("SELECT ref || ' ' || paid_total FROM orders ORDER BY ref") == ["B-1 100", "B-2 100", "B-3 0"])
        #expect(try sb.scalar("SELECT count(*) FROM payments") == "2")
    }

    @Test("no refs at all is a usage error; an empty or missing list an error")
    func noRefs() throws {
        let sb = try threeOrders()
        let before = try sb.dump()
        let r = try sb.run("confirm")
        #expect(r.exitCode == 64, "\(r)")
        #expect(r.stderrLines.first?.hasPrefix("Error: ") == true, "\(r)")
        let empty = try sb.run(["confirm", "-"], stdin: "\n# nothing\n")
        #expect(empty.exitCode == 1, "\(empty)")
        #expect(empty.stderrLines == ["Error: no order refs given (the list or file was empty)"])
        let missing = try sb.run("confirm", "--from-file", "nope.txt")
        #expect(missing.exitCode == 1, "\(missing)")
        #expect(missing.stderrLines == ["Error: cannot read --from-file nope.txt: no such file"])
        #expect(try sb.dump() == before)
    }
}

// MARK: - List filters

@Suite("lifecycle list filters")
struct LifecycleListFilterTests {
    /// L-PENDING pending unpaid; L-PAID pending paid; L-PART processing, partly shipped,
    /// unpaid; L-SHIPPED shipped, paid, flagged; L-HOLD on hold; L-CANCEL cancelled, flagged.
    func orders() throws -> Sandbox {
        let sb = try Sandbox(template: .catalog)
        for ref in ["L-PENDING", "L-PAID", "L-SHIPPED", "L-HOLD", "L-CANCEL"] {
            try sb.ok(annOrder + ["--item", "TEE-M", "--ref", ref])
        }
        try sb.ok(annOrder + ["--item", "TEE-M", "--item", "CARD", "--ref", "L-PART"])
        try sb.ok("pay", "L-PAID", "L-SHIPPED")
        try sb.ok("confirm", "L-PART", "L-SHIPPED")
        try sb.ok("ship", "L-PART", "--item", "TEE-M")
        try sb.ok("ship", "L-SHIPPED")
        try sb.ok("flag", "L-SHIPPED", "L-CANCEL", "--reason", "parcel lost")
        try sb.ok("hold", "L-HOLD", "--reason", "address")
        try sb.ok("cancel", "L-CANCEL", "--reason", "duplicate")
        return sb
    }

    func refs(_ sb: Sandbox, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Set<
        String
    > {
        let r = try sb.ok(["list"] + arguments + ["--json"], sourceLocation: sourceLocation)
        let list = try #require(
            try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]],
            sourceLocation: sourceLocation)
        return Set(list.compactMap { $0.string("ref") })
    }

    @Test("--status takes the lifecycle statuses")
    func byStatus() throws {
        let sb = try orders()
        #expect(try refs(sb, ["--status", "on_hold"]) == ["L-HOLD"])
        #expect(try refs(sb, ["--status", "processing"]) == ["L-PART"])
        #expect(try refs(sb, ["--status", "cancelled"]) == ["L-CANCEL"])
        #expect(try refs(sb, ["--status", "shipped"]) == ["L-SHIPPED"])
        let table = try sb.ok("list", "--status", "on_hold").stdout
        let rows = try #require(Output.table(in: table, header: "REF"))
        #expect(rows.rows.map { $0.first ?? "" } == ["L-HOLD"])
        // A flag shows in the list.
        let flagged = try #require(Output.table(in: try sb.ok("list", "--status", "shipped").stdout, header: "REF"))
        #expect(flagged.rows.first?.last == "! parcel lost")
        #expect(try sb.jsonObject("show", "L-SHIPPED").string("flag") == "parcel lost")
    }

    struct FilterCase: Sendable, CustomTestStringConvertible {
        var flag: String
        var expected: Set<String>
        var testDescription: String { "list \(flag)" }
    }

    @Test(
        "--flagged, --unpaid, --unshipped",
        arguments: [
            FilterCase(flag: "--flagged", expected: ["L-SHIPPED", "L-CANCEL"]),
            FilterCase(flag: "--unpaid", expected: ["L-PENDING", "L-PART", "L-HOLD"]),
            FilterCase(flag: "--unshipped", expected: ["L-PENDING", "L-PAID", "L-PART", "L-HOLD"]),
        ])
    func flags(_ c: FilterCase) throws {
        let sb = try orders()
        #expect(try refs(sb, [c.flag]) == c.expected)
    }
}

// MARK: - Guards and bad input

@Suite("lifecycle guards and bad input: one error line, exit code, database unchanged")
struct LifecycleGuardE2ETests {
    struct GuardCase: Sendable, CustomTestStringConvertible {
        var label: String
        /// Commands run first (each must succeed) on the catalog plus order G
        /// (MUG-01 x2, TEE-M x1, CARD x3: 51.05 EUR).
        var setup: [[String]]
        var arguments: [String]
        var exitCode: Int32 = 1
        /// The exact first stderr line.
        var error: String
        var testDescription: String { label }
    }

    static let cases: [GuardCase] = [
        .init(
            label: "ship more than ordered", setup: [["confirm", "G"]], arguments: ["ship", "G", "--item", "MUG-01:3"],
            error: "Error: cannot ship order G: 3 of MUG-01 asked, only 2 left to ship"),
        .init(
            label: "ship backordered units with no stock",
            setup: [
                ["add", "--customer", "ann@example.com", "--item", "CARD:12", "--backorder", "--ref", "G2"],
                ["confirm", "G2"],
            ],
            arguments: ["ship", "G2"],
            error:
                "Error: cannot ship order G2: 12 of CARD asked, 7 reserved and 0 more in stock (ship fewer with --item CARD:7, or add stock)"
        ),
        .init(
            label: "UPS tracking in the wrong shape", setup: [["confirm", "G"]],
            arguments: ["ship", "G", "--carrier", "ups", "--tracking", "123"],
            exitCode: 64,
            error: "Error: invalid --tracking '123': not a UPS tracking number (e.g. 1Z999AA10123456784)"),
        .init(
            label: "tracking without carrier", setup: [["confirm", "G"]],
            arguments: ["ship", "G", "--tracking", "1234567890"],
            error: "Error: missing carrier (a tracking number needs --carrier, e.g. --carrier dhl)"),
        .init(
            label: "ship a line the order does not have", setup: [["confirm", "G"]],
            arguments: ["ship", "G", "--item", "NOPE:1"],
            error: "Error: invalid item 'NOPE': order G has no line with this SKU (it has MUG-01, TEE-M, CARD)"),
        .init(
            label: "ship a pending order", setup: [], arguments: ["ship", "G"],
            error:
                "Error: cannot ship order G: it is pending (allowed next: confirm, hold, pay, cancel, edit, note, flag)"
        ),
        .init(
            label: "pay more than owed", setup: [], arguments: ["pay", "G", "--amount", "51.06"],
            error: "Error: cannot pay order G: 51.06 EUR is more than the 51.05 EUR still owed"),
        .init(
            label: "pay a paid order", setup: [["pay", "G"]], arguments: ["pay", "G"],
            error: "Error: cannot pay order G: it is already paid in full (51.05 EUR)"),
        .init(
            label: "pay a negative amount", setup: [], arguments: ["pay", "G", "--amount", "-5"],
            exitCode: 64,
            error: "Error: invalid --amount '-5': must not be negative"),
        .init(
            label: "refund more than paid", setup: [["pay", "G", "--amount", "10"]],
            arguments: ["refund", "G", "--amount", "10.01"],
            error: "Error: cannot refund order G: 10.01 EUR is more than the 10.00 EUR paid and not yet refunded"),
        .init(
            label: "refund with nothing paid", setup: [], arguments: ["refund", "G", "--amount", "1"],
            error: "Error: cannot refund order G: nothing paid is left to refund"),
        .init(
            label: "return more than shipped", setup: [["confirm", "G"], ["ship", "G", "--item", "MUG-01:1"]],
            arguments: ["return", "G", "--item", "MUG-01:2"],
            error: "Error: cannot return order G: 2 of MUG-01 returned, but only 1 shipped and not yet returned"),
        .init(
            label: "return from an order that has not shipped", setup: [["confirm", "G"]],
            arguments: ["return", "G", "--item", "MUG-01:1"],
            error:
                "Error: cannot return order G: it is confirmed (allowed next: hold, pay, ship, cancel, edit, note, flag)"
        ),
        .init(
            label: "edit after shipping", setup: [["confirm", "G"], ["ship", "G", "--item", "MUG-01:1"]],
            arguments: ["edit", "G", "--due", "+3d"],
            error: "Error: cannot edit order G: it is processing (allowed next: hold, pay, ship, return, note, flag)"),
        .init(
            label: "edit after shipping everything", setup: [["confirm", "G"], ["ship", "G"]],
            arguments: ["edit", "G", "--add", "CARD:1"],
            error: "Error: cannot edit order G: it is shipped (allowed next: pay, deliver, return, note, flag)"),
        .init(
            label: "cancel after shipping", setup: [["confirm", "G"], ["ship", "G"]],
            arguments: ["cancel", "G", "--reason", "too late"],
            error: "Error: cannot cancel order G: it is shipped (allowed next: pay, deliver, return, note, flag)"),
        .init(
            label: "cancel after a partial shipment", setup: [["confirm", "G"], ["ship", "G", "--item", "CARD:1"]],
            arguments: ["cancel", "G", "--reason", "too late"],
            error: "Error: cannot cancel order G: it is processing (allowed next: hold, pay, ship, return, note, flag)"),
        .init(
            label: "deliver before shipping", setup: [["confirm", "G"]], arguments: ["deliver", "G"],
            error:
                "Error: cannot deliver order G: it is confirmed (allowed next: hold, pay, ship, cancel, edit, note, flag)"
        ),
        .init(
            label: "release an order not on hold", setup: [], arguments: ["release", "G"],
            error:
                "Error: cannot release order G: it is pending (allowed next: confirm, hold, pay, cancel, edit, note, flag)"
        ),
        .init(
            label: "hold without --reason", setup: [], arguments: ["hold", "G"], exitCode: 64,
            error: "Error: Missing expected argument '--reason <reason>'"),
        .init(
            label: "cancel without --reason", setup: [], arguments: ["cancel", "G"], exitCode: 64,
            error: "Error: Missing expected argument '--reason <reason>'"),
        .init(
            label: "hold with a blank reason", setup: [], arguments: ["hold", "G", "--reason", " "],
            exitCode: 64,
            error: "Error: invalid --reason ' ': must not be empty"),
        .init(
            label: "return without --item", setup: [["confirm", "G"], ["ship", "G"]], arguments: ["return", "G"],
            exitCode: 64,
            error: "Error: name what came back with --item SKU:QTY"),
        .init(
            label: "tracking for several orders", setup: [["confirm", "G"]],
            arguments: ["ship", "G", "G2", "--carrier", "dhl", "--tracking", "1234567890"], exitCode: 64,
            error: "Error: a tracking number belongs to one order: ship one ref at a time with --tracking"),
        .init(
            label: "flag with neither --reason nor --clear", setup: [], arguments: ["flag", "G"], exitCode: 64,
            error: "Error: give either --reason TEXT or --clear"),
        .init(
            label: "unflag an order without a flag", setup: [], arguments: ["flag", "G", "--clear"],
            error: "Error: cannot unflag order G: it is not flagged"),
        .init(
            label: "ship at a time before the order", setup: [["confirm", "G"]],
            arguments: ["ship", "G", "--at", "2026-11-20"],
            error: "Error: invalid at '2026-11-20': before the order was placed (2026-11-25 11:00)"),
        .init(
            label: "ship at a time in the future", setup: [["confirm", "G"]],
            arguments: ["ship", "G", "--at", "2026-11-25T15:30"],
            error: "Error: invalid at '2026-11-25T15:30': in the future (2026-11-25 15:30)"),
        .init(
            label: "ship on a day in the future", setup: [["confirm", "G"]],
            arguments: ["ship", "G", "--at", "tomorrow"],
            error: "Error: invalid at 'tomorrow': in the future (2026-11-26)"),
        .init(
            label: "pay with a method that is not a word", setup: [],
            arguments: ["pay", "G", "--method", "credit card"],
            exitCode: 64,
            error:
                "Error: invalid --method 'credit card': expected a short word such as card, transfer or cash (letters, digits, - and _)"
        ),
        .init(
            label: "ship with a carrier that is not a word", setup: [["confirm", "G"]],
            arguments: ["ship", "G", "--carrier", "DHL Express"],
            exitCode: 64,
            error:
                "Error: invalid --carrier 'DHL Express': expected a short word such as dhl, ups or dpd (letters, digits, - and _)"
        ),
        .init(
            label: "edit lines after a partial shipment, on hold",
            setup: [["confirm", "G"], ["ship", "G", "--item", "MUG-01:1"], ["hold", "G", "--reason", "dispute"]],
            arguments: ["edit", "G", "--set", "CARD:1"],
            error:
                "Error: cannot edit order G: 1 unit has shipped, so the lines can no longer change; only --due and --shipping can"
        ),
        .init(
            label: "cancel after a partial shipment, on hold",
            setup: [["confirm", "G"], ["ship", "G", "--item", "CARD:2"], ["hold", "G", "--reason", "dispute"]],
            arguments: ["cancel", "G", "--reason", "too late"],
            error: "Error: cannot cancel order G: 2 units have shipped (use 'orderctl return')"),
    ]

    @Test("refused with the exact error line", arguments: cases)
    func refused(_ c: GuardCase) throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(annOrder + ["--item", "MUG-01:2", "--item", "TEE-M", "--item", "CARD:3", "--ref", "G"])
        for step in c.setup { try sb.ok(step) }
        try sb.expectStockAddsUp("setup")
        let before = try sb.dump()
        let r = try sb.run(c.arguments)
        #expect(r.exitCode == c.exitCode, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        #expect(r.stderrLines.first == c.error, "\(r)")
        if c.exitCode == 1 {
            #expect(r.stderrLines.count == 1, "exactly one stderr line: \(r)")
        }
        #expect(try sb.dump() == before, "the database changed: \(r)")
    }
}

// MARK: - Edit

@Suite("lifecycle edit: lines, due date, reservations, class, events")
struct LifecycleEditE2ETests {
    @Test("add, remove and set lines and the due date on a confirmed order")
    func editConfirmed() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(annOrder + ["--item", "MUG-01:2", "--item", "CARD:3", "--ref", "E-1"])
        try sb.ok("confirm", "E-1")
        #expect(try sb.stock("MUG-01") == "40/2")
        #expect(try sb.stock("CARD") == "10/3")
        #expect(try sb.scalar("SELECT class FROM orders") == "standard")
        let eventsBefore = try sb.scalar("SELECT count(*) FROM order_events")

        let r = try sb.ok(
            "edit", "E-1", "--add", "TEE-M:2", "--remove", "CARD", "--set", "MUG-01:5", "--due", "tomorrow")
        #expect(
            r.stdout
                == "E-1: edited: removed CARD; MUG-01 quantity 2 -> 5; added TEE-M:2; due none -> 2026-11-26; total 102.30 EUR; class standard -> express\n"
        )
        #expect(
            try sb.sql(
                "SELECT l.line_no || ' ' || l.sku || ' ' || l.quantity || ' ' || l.reserved || ' ' || l.line_total FROM order_lines l ORDER BY l.line_no"
            )
                == ["1 MUG-01 5 5 6250", "2 TEE-M 2 0 3980"])
        #expect(try sb.stock("MUG-01") == "40/5")
        #expect(try sb.stock("CARD") == "10/0")
        #expect(
            try sb.scalar(
                "SELECT status || ' ' || total || ' ' || item_count || ' ' || due_date || ' ' || class FROM orders")
                == "confirmed 10230 7 2026-11-26 express")
        #expect(
            try sb.scalar("SELECT class_reason FROM orders")
                == "rule express: due 2026-11-26, 1 day after the order date (limit 2)")
        try sb.expectStockAddsUp("edit")
        let events = try sb.sql(
            "SELECT kind || '|' || coalesce(old_value, '') || '|' || coalesce(new_value, '') || '|' || coalesce(detail, '') FROM order_events WHERE id > \(eventsBefore) ORDER BY id"
        )
        #expect(
            events == [
                "edited|31.15 EUR|102.30 EUR|removed CARD; MUG-01 quantity 2 -> 5; added TEE-M:2; due none -> 2026-11-26",
                "classified|standard|express|rule express: due 2026-11-26, 1 day after the order date (limit 2)",
                "stock-released|||MUG-01 x2, CARD x3",
                "stock-reserved|||MUG-01: 5 reserved",
            ])

        // Back again: due date cleared, class standard; the reservation follows.
        let back = try sb.ok("edit", "E-1", "--due", "none", "--set", "MUG-01:1", "--add", "CARD:10")
        #expect(
            back.stdout
                == "E-1: edited: MUG-01 quantity 5 -> 1; added CARD:10; due 2026-11-26 -> none; total 72.80 EUR; class express -> standard\n"
        )
        #expect(try sb.stock("MUG-01") == "40/1")
        #expect(try sb.stock("CARD") == "10/10")
        #expect(try sb.scalar("SELECT coalesce(due_date, 'none') || ' ' || class FROM orders") == "none standard")
        try sb.expectStockAddsUp("second edit")

        // Beyond stock is refused unless --backorder, and a refusal changes nothing.
        let before = try sb.dump()
        let over = try sb.run("edit", "E-1", "--set", "CARD:11")
        #expect(over.exitCode == 1)
        #expect(
            over.stderrLines == [
                "Error: not enough stock for SKU CARD: 11 requested, 10 available (use --backorder to accept anyway)"
            ])
        #expect(try sb.dump() == before)
        try sb.ok("edit", "E-1", "--set", "CARD:11", "--backorder")
        #expect(try sb.sql("SELECT reserved || '/' || backordered FROM order_lines WHERE sku = 'CARD'") == ["10/1"])
        try sb.expectStockAddsUp("edit with backorder")
        #expect(try sb.ok("verify").exitCode == 0)
    }

    @Test("edit with --shipping express reclassifies; the paid amount beyond a lower total is owed back")
    func editShippingAndPaid() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(annOrder + ["--item", "MUG-01:2", "--item", "CARD:3", "--ref", "E-2"])
        try sb.ok("pay", "E-2")
        let r = try sb.ok("edit", "E-2", "--remove", "MUG-01", "--shipping", "express")
        #expect(
            r.stdout
                == "E-2: edited: removed MUG-01; shipping standard -> express; total 6.15 EUR; class standard -> express; 25.00 EUR paid beyond the new total is owed back\n"
        )
        #expect(try sb.stock("MUG-01") == "40/0")
        #expect(
            try sb.scalar("SELECT shipping || ' ' || class || ' ' || payment_status FROM orders")
                == "express express paid")
        try sb.expectStockAddsUp("edit")
    }
}
