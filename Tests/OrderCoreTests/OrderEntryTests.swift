import Foundation
import Testing

@testable import OrderCore

@Suite("Order entry: validation, merging, refs")
struct OrderEntryTests {

    @Test("a valid order is stored with its lines, totals, class, reservations and events")
    func roundTrip() throws {
        try withStore { store throws in
            let (order, created) = try store.addOrder(draft(["MUG-01:2", "TEE", "POSTER:3@4.50"], due: "+7d"))
            #expect(!created)
            let s = order.summary
            #expect(s.ref == "1001")
            #expect(s.customerName == "Ann")
            #expect(s.customerEmail == "ann@example.com")
            #expect(s.status == .pending)
            #expect(s.channel == "web")
            #expect(s.shipping == .standard)
            #expect(s.placedAt == fixedNow)
            #expect(s.dueDate == day("2026-03-11"))
            #expect(s.total.decimalString == "58.50")
            #expect(s.total.currency.code == "EUR")
            #expect(s.itemCount == 6)
            #expect(s.lineCount == 3)
            #expect(s.orderClass == "standard")
            #expect(order.classReason == "no rule matched (tried express, international, high-value, bulk)")

            #expect(order.lines.map(\.lineNo) == [1, 2, 3])
            #expect(order.lines.map(\.sku) == ["MUG-01", "TEE", "POSTER"])
            #expect(order.lines.map(\.name) == ["Mug", "T-shirt", "Poster"])
            #expect(order.lines.map(\.quantity) == [2, 1, 3])
            #expect(order.lines.map(\.unitPrice.decimalString) == ["12.50", "20.00", "4.50"])
            #expect(order.lines.map(\.lineTotal.decimalString) == ["25.00", "20.00", "13.50"])
            #expect(order.lines.map(\.priceOverridden) == [false, false, true])
            #expect(order.lines.map(\.reserved) == [2, 0, 3])
            #expect(order.lines.map(\.backordered) == [0, 0, 0])
            #expect(order.reservedUnits == 5)

            #expect(order.events.map(\.kind) == ["created", "classified", "stock-reserved"])
            #expect(order.events.map(\.seq) == [1, 2, 3])
            #expect(order.events[0].newValue == "pending")
            #expect(order.events[0].detail == "3 lines, 6 units, total 58.50 EUR")
            #expect(order.events[1].newValue == "standard")
            #expect(order.events[2].detail == "MUG-01: 2 reserved; POSTER: 3 reserved")
            #expect(order.events.allSatisfy { $0.at == fixedNow })

            // Stored, not just returned.
            #expect(try store.order("1001") == order)
            #expect(try store.product("MUG-01").reserved == 2)
            #expect(try store.product("MUG-01").available == 3)
            #expect(try store.product("POSTER").available == 97)
            #expect(try store.product("TEE").available == nil)
            #expect(try store.setting(named: "order.next-number").value == "1002")
            #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == 1)
            #expect(try store.db.scalarInt("SELECT count(*) FROM order_lines") == 3)
        }
    }

    @Test("a duplicate ref is refused (case-insensitively) and changes nothing", arguments: ["A-1", "a-1"])
    func duplicateRef(second: String) throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(["TEE"], ref: "A-1"))
            try expectRefused(store, .duplicateRef(ref: second)) {
                _ = try store.addOrder(draft(["MUG-01"], ref: second))
            }
        }
    }

    @Test("an unknown SKU is refused naming it, and changes nothing")
    func unknownSKU() throws {
        try withStore { store throws in
            try expectRefused(store, .unknownProduct(sku: "NOPE-9")) {
                _ = try store.addOrder(draft(["MUG-01:2", "NOPE-9"]))
            }
        }
    }

    @Test("SKUs match case-insensitively")
    func skuCaseInsensitive() throws {
        try withStore { store throws in
            let order = try store.addOrder(draft(["mug-01"])).order
            #expect(order.lines.map(\.sku) == ["MUG-01"])
        }
    }

    @Test("a discontinued product is refused")
    func inactiveProduct() throws {
        try withStore { store throws in
            try expectRefused(store, .inactiveProduct(sku: "OLD")) {
                _ = try store.addOrder(draft(["TEE", "OLD"]))
            }
        }
    }

    struct BadQuantity: Sendable, CustomTestStringConvertible {
        let item: String
        let value: String
        var testDescription: String { item }
    }

    static let badQuantities: [BadQuantity] = [
        BadQuantity(item: "MUG-01:0", value: "0"),
        BadQuantity(item: "MUG-01:-1", value: "-1"),
        BadQuantity(item: "MUG-01:abc", value: "abc"),
        BadQuantity(item: "MUG-01:1.5", value: "1.5"),
        BadQuantity(item: "MUG-01:", value: ""),
        BadQuantity(item: "MUG-01: 2", value: " 2"),
        BadQuantity(item: "MUG-01:1000001", value: "1000001"),
        BadQuantity(item: "MUG-01:99999999999999999999", value: "99999999999999999999"),
    ]

    @Test("a quantity that is not a positive whole number is refused", arguments: badQuantities)
    func badQuantity(_ c: BadQuantity) throws {
        try withStore { store throws in
            let found = try expectInvalid(store, field: "quantity") {
                _ = try store.addOrder(draft(["TEE", c.item]))
            }
            #expect(found?.value == c.value)
        }
    }

    @Test("an order without items is refused")
    func noItems() throws {
        try withStore { store throws in
            let before = try dump(store.db)
            let error = #expect(throws: OrderError.self) { _ = try store.addOrder(draft([])) }
            guard case .missingValue(let field, _)? = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(field == "items")
            #expect(try dump(store.db) == before)
        }
    }

    @Test("malformed items are refused", arguments: ["", ":2", "@1.00", "MUG-01@", "MUG-01:2@"])
    func malformedItem(item: String) throws {
        try withStore { store throws in
            let before = try dump(store.db)
            let error = #expect(throws: OrderError.self) { _ = try store.addOrder(draft([item])) }
            guard case .invalidValue(let field, _, _)? = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(field == "item" || field == "quantity")
            #expect(try dump(store.db) == before)
        }
    }

    @Test("a price override is validated against the currency, naming the SKU")
    func badPriceOverride() throws {
        try withStore { store throws in
            let found = try expectInvalid(store, field: "price of MUG-01") {
                _ = try store.addOrder(draft(["MUG-01@12.345"]))
            }
            #expect(found?.value == "12.345")
            try expectInvalid(store, field: "price of MUG-01") { _ = try store.addOrder(draft(["MUG-01@-1"])) }
            try expectInvalid(store, field: "price of MUG-01") { _ = try store.addOrder(draft(["MUG-01@12,50"])) }
            let free = try store.addOrder(draft(["MUG-01@0"])).order
            #expect(free.summary.total.minor == 0)
        }
    }

    @Test("a due date before the order date is refused", arguments: ["yesterday", "2026-03-03", "-1d", "2025-12-31"])
    func dueBeforePlaced(due: String) throws {
        try withStore { store throws in
            let resolved = try store.dateResolver().date(due, field: "due date")
            try expectRefused(store, .dueBeforeOrder(due: resolved.iso, placed: "2026-03-04")) {
                _ = try store.addOrder(draft(["TEE"], due: due))
            }
        }
    }

    @Test("a due date before an explicit order date is refused; the same day is fine")
    func dueBeforeExplicitPlacedDate() throws {
        try withStore { store throws in
            var d = draft(["TEE"], due: "2026-01-31")
            d.placedAt = "2026-02-01T10:00"
            try expectRefused(store, .dueBeforeOrder(due: "2026-01-31", placed: "2026-02-01")) {
                _ = try store.addOrder(d)
            }
            d.due = "2026-02-01"
            let order = try store.addOrder(d).order
            #expect(order.summary.placedAt == utc("2026-02-01T09:00:00Z"))
            #expect(order.summary.dueDate == day("2026-02-01"))
            let today = try store.addOrder(draft(["TEE"], due: "today")).order
            #expect(today.summary.dueDate == day("2026-03-04"))
        }
    }

    @Test("a placed date is compared with the due date in the business zone, not UTC")
    func placedDayInBusinessZone() throws {
        try withStore { store throws in
            // 23:30 UTC on the 3rd is 00:30 on the 4th in Berlin: due on the 4th is not "before".
            var d = draft(["TEE"], due: "2026-03-04")
            d.placedAt = "2026-03-03T23:30:00Z"
            let order = try store.addOrder(d).order
            #expect(order.summary.dueDate == day("2026-03-04"))
        }
    }

    struct Conflict: Sendable, CustomTestStringConvertible {
        let items: [String]
        var testDescription: String { items.joined(separator: " ") }
    }

    @Test(
        "the same SKU twice at different prices is refused",
        arguments: [
            Conflict(items: ["MUG-01:1@10.00", "MUG-01:1@11.00"]),
            Conflict(items: ["MUG-01:1@12.00", "MUG-01:1"]),  // catalog price is 12.50
            Conflict(items: ["MUG-01", "TEE", "mug-01@1"]),
        ])
    func conflictingLines(_ c: Conflict) throws {
        try withStore { store throws in
            try expectRefused(store, .conflictingLines(sku: "MUG-01")) {
                _ = try store.addOrder(draft(c.items))
            }
        }
    }

    @Test("the same SKU twice at the same price is merged into one line")
    func mergedLines() throws {
        try withStore { store throws in
            let order = try store.addOrder(draft(["POSTER:2", "TEE", "poster:3", "POSTER:1@5.00"])).order
            #expect(order.lines.count == 2)
            #expect(order.lines.map(\.sku) == ["POSTER", "TEE"])
            #expect(order.lines[0].quantity == 6)
            #expect(order.lines[0].lineTotal.decimalString == "30.00")
            #expect(order.lines[0].reserved == 6)
            #expect(order.summary.total.decimalString == "50.00")
            #expect(order.summary.itemCount == 7)
            #expect(try store.product("POSTER").reserved == 6)
        }
    }

    @Test("merged lines are still limited to the maximum quantity")
    func mergedLinesOverMaximum() throws {
        try withStore { store throws in
            try expectInvalid(store, field: "quantity") {
                _ = try store.addOrder(draft(["TEE:600000", "TEE:600000"]))
            }
        }
    }

    @Test("an order total too large to store is refused")
    func totalOverflow() throws {
        try withStore { store throws in
            try expectInvalid(store, field: "total") {
                _ = try store.addOrder(draft(["TEE:1000000@99999999999.00", "MUG-01:1000000@99999999999.00"]))
            }
        }
    }

    @Test("header fields are validated: ref, channel, shipping, note")
    func headerValidation() throws {
        try withStore { store throws in
            for bad in ["A 1", "", "a:b", "x@y", "a,b", String(repeating: "R", count: 65)] {
                try expectInvalid(store, field: "ref") { _ = try store.addOrder(draft(["TEE"], ref: bad)) }
            }
            var d = draft(["TEE"])
            d.channel = "web shop"
            try expectInvalid(store, field: "channel") { _ = try store.addOrder(d) }
            d.channel = "Phone"
            d.shipping = "overnight"
            try expectInvalid(store, field: "shipping") { _ = try store.addOrder(d) }
            d.shipping = "EXPRESS"
            d.note = "bell\u{7}"
            try expectInvalid(store, field: "note") { _ = try store.addOrder(d) }
            d.note = "leave at the door\nsecond line"
            let order = try store.addOrder(d).order
            #expect(order.summary.channel == "phone")
            #expect(order.summary.shipping == .express)
            #expect(order.note == "leave at the door\nsecond line")
        }
    }

    @Test("an unknown customer email is refused unless the customer is to be created")
    func unknownCustomerEmail() throws {
        try withStore { store throws in
            try expectRefused(store, .unknownCustomerEmail("new@example.com")) {
                _ = try store.addOrder(draft("new@example.com", ["TEE"]))
            }
            try expectRefused(store, .unknownCustomer("Nobody")) {
                _ = try store.addOrder(draft("Nobody", ["TEE"]))
            }
            try expectRefused(store, .unknownCustomer("999")) {
                _ = try store.addOrder(draft("999", ["TEE"]))
            }
            var d = draft("new@example.com", ["TEE"])
            d.createCustomer = true
            d.customerCountry = "at"
            let (order, created) = try store.addOrder(d)
            #expect(created)
            #expect(order.customer.email == "new@example.com")
            #expect(order.customer.name == "new")
            #expect(order.customer.country == "AT")
            #expect(order.summary.orderClass == "international")
        }
    }

    @Test("a failure after creating the customer rolls the customer back too")
    func createdCustomerRolledBack() throws {
        try withStore { store throws in
            var d = draft("new@example.com", ["TEE", "NOPE"])
            d.createCustomer = true
            try expectRefused(store, .unknownProduct(sku: "NOPE")) { _ = try store.addOrder(d) }
            #expect(throws: OrderError.unknownCustomerEmail("new@example.com")) {
                _ = try store.customer("new@example.com")
            }
        }
    }

    // MARK: generated refs

    @Test("generated refs count up and skip refs that already exist")
    func generatedRefsSkipExisting() throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(["TEE"], ref: "1001"))
            _ = try store.addOrder(draft(["TEE"], ref: "1003"))
            #expect(try store.addOrder(draft(["TEE"])).order.summary.ref == "1002")
            #expect(try store.setting(named: "order.next-number").value == "1003")
            #expect(try store.addOrder(draft(["TEE"])).order.summary.ref == "1004")
            #expect(try store.setting(named: "order.next-number").value == "1005")

            try store.setSetting("order.prefix", "W-")
            try store.setSetting("order.next-number", "7")
            _ = try store.addOrder(draft(["TEE"], ref: "w-7"))  // refs are case-insensitive
            _ = try store.addOrder(draft(["TEE"], ref: "W-8"))
            #expect(try store.addOrder(draft(["TEE"])).order.summary.ref == "W-9")
            #expect(try store.setting(named: "order.next-number").value == "10")
        }
    }

    @Test("a refused order does not use up a generated number")
    func refusedOrderKeepsNumber() throws {
        try withStore { store throws in
            try expectRefused(store, .notEnoughStock(sku: "MUG-01", requested: 6, available: 5)) {
                _ = try store.addOrder(draft(["MUG-01:6"]))
            }
            #expect(try store.setting(named: "order.next-number").value == "1001")
            #expect(try store.addOrder(draft(["MUG-01:5"])).order.summary.ref == "1001")
        }
    }

    // MARK: hostile text

    static let hostileNames: [String] = [
        "O'Brien \"the quoted\"",
        "'; DROP TABLE orders;--",
        "Robert'); DROP TABLE customers; --",
        "🧑‍🚀 Zoë Ångström 日本語",
        "%_\\ LIKE wildcards",
        String(repeating: "Ä😀'\"x", count: 2_048),
    ]

    @Test("hostile text is stored and read back exactly", arguments: hostileNames)
    func hostileText(text: String) throws {
        try withStore { store throws in
            let customer = try store.addCustomer(
                NewCustomer(name: text, email: "h@example.com", address: text + "\nline 2"))
            #expect(customer.name == text)
            #expect(try store.customer("#\(customer.id)").name == text)
            #expect(try store.customer("h@example.com").address == text + "\nline 2")
            try store.addProduct(NewProduct(sku: "H-1", name: text, price: "1.00"))
            #expect(try store.product("H-1").name == text)
            var d = draft("h@example.com", ["H-1"], ref: "H")
            d.note = text
            let order = try store.addOrder(d).order
            #expect(order.customer.name == text)
            #expect(order.summary.customerName == text)
            #expect(order.lines.first?.name == text)
            #expect(order.note == text)
            #expect(try store.order("H").note == text)
            #expect(
                try store.db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name IN ('orders', 'customers')") == 2)
        }
    }
}
