import Foundation
import Testing

@testable import OrderCore

/// The three meanings of "open" are defined once, in `OrderStatus`; the schema's partial
/// indexes repeat two of them in SQL, and the rules that use them are checked here.
@Suite("Status sets")
struct StatusSetsTests {
    @Test("each status set is what its name says, and the three nest")
    func definitions() {
        #expect(OrderStatus.awaitingShipment == [.pending, .confirmed, .processing, .onHold])
        #expect(OrderStatus.undelivered == OrderStatus.awaitingShipment + [.shipped])
        #expect(Set(OrderStatus.unfinished) == Set(OrderStatus.allCases).subtracting([.completed, .cancelled]))
        #expect(Set(OrderStatus.undelivered) == Set(OrderStatus.unfinished).subtracting([.delivered]))
        for s in OrderStatus.allCases {
            #expect(s.isAwaitingShipment == OrderStatus.awaitingShipment.contains(s))
            #expect(s.isUndelivered == OrderStatus.undelivered.contains(s))
            #expect(s.isUnfinished == OrderStatus.unfinished.contains(s))
        }
        #expect(OrderStatus.awaitingShipment.sqlList == "'pending', 'confirmed', 'processing', 'on_hold'")
        // pay starts from every unfinished status, in the table's order
        #expect(Lifecycle.transition(.pay).from == OrderStatus.unfinished)
    }

    @Test("the schema's partial indexes use the same status lists as the queries that need them")
    func schemaIndexesMatch() throws {
        try withStore(catalog: false) { store throws in
            func whereClause(_ index: String) throws -> String {
                let sql = try store.db.queryFirst("SELECT sql FROM sqlite_schema WHERE name = ?", index) {
                    $0.string(0)
                }
                let text = try #require(sql, "index \(index) is missing")
                let range = try #require(text.range(of: "WHERE "))
                return text[range.upperBound...].split(whereSeparator: \.isWhitespace).joined(separator: " ")
            }
            #expect(try whereClause("orders_in_status") == "status IN (\(OrderStatus.undelivered.sqlList))")
            #expect(
                try whereClause("orders_open_due")
                    == "due_date IS NOT NULL AND status IN (\(OrderStatus.awaitingShipment.sqlList))")
        }
    }

    @Test("list --open, --overdue and --due-before select by their status sets")
    func filters() throws {
        try withStore { store throws in
            // One order in each status reachable by hand, all due yesterday (the clock is 2026-03-04).
            func add(_ ref: String) throws {
                var d = OrderDraft(customer: "ann@example.com", items: ["POSTER:1"])
                d.ref = ref
                d.placedAt = "2026-03-01"
                d.due = "2026-03-03"
                _ = try store.addOrder(d)
            }
            for ref in ["P", "C", "H", "S", "D", "X"] { try add(ref) }
            _ = try store.confirm("C")
            _ = try store.hold("H", reason: "check")
            for ref in ["S", "D"] {
                _ = try store.confirm(ref)
                _ = try store.ship(ref)
            }
            _ = try store.deliver("D")
            _ = try store.cancel("X", reason: "test")
            func refs(_ f: OrderFilter) throws -> Set<String> { Set(try store.orderSummaries(f).map(\.ref)) }
            var open = OrderFilter()
            open.open = true
            #expect(try refs(open) == ["P", "C", "H", "S"])
            var overdue = OrderFilter()
            overdue.overdue = true
            #expect(try refs(overdue) == ["P", "C", "H"])
            var due = OrderFilter()
            due.dueBefore = "2026-12-31"
            #expect(try refs(due) == ["P", "C", "H", "S", "D"])
            let statuses = try Dictionary(
                uniqueKeysWithValues: store.orderSummaries(OrderFilter()).map { ($0.ref, $0.status) })
            #expect(
                statuses == [
                    "P": .pending, "C": .confirmed, "H": .onHold, "S": .shipped, "D": .delivered, "X": .cancelled,
                ])
        }
    }

    @Test("a status orderctl never writes, put there by another program, is a clear error naming the value")
    func unknownStoredStatus() throws {
        try withStore { store in
            var d = OrderDraft(customer: "ann@example.com", items: ["POSTER:1"])
            d.ref = "T"
            _ = try store.addOrder(d)
            try store.db.run("UPDATE orders SET payment_status = 'bogus' WHERE ref = 'T'")
            #expect {
                try store.order("T")
            } throws: { error in
                "\(error)".contains("payment status") && "\(error)".contains("bogus")
                    && "\(error)".contains("orderctl doctor")
            }
        }
    }
}

@Suite("doctor's schema comparison")
struct SchemaNormalisationTests {
    @Test("whitespace and the quotes of plain identifiers do not count; a quoted string does")
    func normalised() {
        #expect(
            OrderStore.normalized("CREATE INDEX x ON \"orders\"(a)\n    WHERE  b IN ('x  y')")
                == "CREATE INDEX x ON orders(a) WHERE b IN ('x  y')")
        // "status " is a string to SQLite (no such column): the index never matches.
        #expect(
            OrderStore.normalized("WHERE \"status \" IN ('pending')")
                != OrderStore.normalized("WHERE status IN ('pending')"))
        #expect(OrderStore.normalized("WHERE \"status\" IN ('pending')") == "WHERE status IN ('pending')")
        #expect(OrderStore.normalized("a 'it''s  here' [x  y] \"9a\"") == "a 'it''s  here' [x  y] \"9a\"")
        #expect(OrderStore.normalized("unterminated 'quote  ") == "unterminated 'quote  ")
    }
}
