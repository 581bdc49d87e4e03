import Foundation
import Testing

@testable import OrderCore

@Suite("Inventory: reservation, backorders, stock changes")
struct StockTests {

    @Test("orders reserve stock; not enough stock is refused with exact figures")
    func reservationAndShortage() throws {
        try withStore { store throws in
            // 5 on hand.
            try expectRefused(store, .notEnoughStock(sku: "MUG-01", requested: 6, available: 5)) {
                _ = try store.addOrder(draft(["MUG-01:6"]))
            }
            let first = try store.addOrder(draft(["MUG-01:3"], ref: "R1")).order
            #expect(first.lines[0].reserved == 3)
            #expect(first.lines[0].backordered == 0)
            var mug = try store.product("MUG-01")
            #expect(mug.onHand == 5)
            #expect(mug.reserved == 3)
            #expect(mug.available == 2)

            try expectRefused(store, .notEnoughStock(sku: "MUG-01", requested: 3, available: 2)) {
                _ = try store.addOrder(draft(["MUG-01:3"], ref: "R2"))
            }
            // Exactly what is available is fine.
            _ = try store.addOrder(draft(["MUG-01:2"], ref: "R3"))
            mug = try store.product("MUG-01")
            #expect(mug.reserved == 5)
            #expect(mug.available == 0)
            try expectRefused(store, .notEnoughStock(sku: "MUG-01", requested: 1, available: 0)) {
                _ = try store.addOrder(draft(["MUG-01"], ref: "R4"))
            }
            #expect(
                try store.reservations("MUG-01").map { "\($0.ref) \($0.reserved) \($0.backordered)" } == [
                    "R1 3 0", "R3 2 0",
                ])
            // The error reads well.
            #expect(
                OrderError.notEnoughStock(sku: "MUG-01", requested: 3, available: 1).description
                    == "not enough stock for SKU MUG-01: 3 requested, 1 available (use --backorder to accept anyway)")
        }
    }

    @Test("--backorder reserves what is available and backorders the rest")
    func backorderSplits() throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(["MUG-01:3"], ref: "R1"))
            let split = try store.addOrder(draft(["MUG-01:4", "POSTER:2"], ref: "R2", backorder: true)).order
            #expect(split.lines.map(\.reserved) == [2, 2])
            #expect(split.lines.map(\.backordered) == [2, 0])
            #expect(split.reservedUnits == 4)
            #expect(split.backorderedUnits == 2)
            #expect(split.events.last?.detail == "MUG-01: 2 reserved, 2 backordered; POSTER: 2 reserved")
            var mug = try store.product("MUG-01")
            #expect(mug.onHand == 5)
            #expect(mug.reserved == 5)
            #expect(mug.available == 0)

            // Nothing left: everything is backordered and nothing more is reserved.
            let all = try store.addOrder(draft(["MUG-01:2"], ref: "R3", backorder: true)).order
            #expect(all.lines[0].reserved == 0)
            #expect(all.lines[0].backordered == 2)
            mug = try store.product("MUG-01")
            #expect(mug.reserved == 5)
            #expect(
                try store.reservations("MUG-01").map { "\($0.ref) \($0.reserved) \($0.backordered)" }
                    == ["R1 3 0", "R2 2 2", "R3 0 2"])
            // With enough stock, --backorder changes nothing.
            let plenty = try store.addOrder(draft(["POSTER:10"], ref: "R4", backorder: true)).order
            #expect(plenty.lines[0].reserved == 10)
            #expect(plenty.lines[0].backordered == 0)
        }
    }

    @Test("when a later line lacks stock, earlier reservations are rolled back too")
    func multiLineFailureRollsBack() throws {
        try withStore { store throws in
            try expectRefused(store, .notEnoughStock(sku: "MUG-01", requested: 9, available: 5)) {
                _ = try store.addOrder(draft(["POSTER:10", "TEE:3", "MUG-01:9"]))
            }
            #expect(try store.product("POSTER").reserved == 0)
            #expect(try store.product("POSTER").available == 100)
        }
    }

    @Test("products that do not track stock are never reserved nor short")
    func untrackedProduct() throws {
        try withStore { store throws in
            let order = try store.addOrder(draft(["TEE:500"])).order
            #expect(order.lines[0].reserved == 0)
            #expect(order.lines[0].backordered == 0)
            #expect(!order.events.map(\.kind).contains("stock-reserved"))
            let tee = try store.product("TEE")
            #expect(!tee.tracksStock)
            #expect(tee.reserved == 0)
        }
    }

    @Test("stock cannot be set or reduced below what open orders reserve")
    func changeStockBelowReserved() throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(["MUG-01:3"], ref: "R1"))
            try expectRefused(store, .stockBelowReserved(sku: "MUG-01", requested: 2, reserved: 3)) {
                try store.changeStock("MUG-01", .set(2), note: nil)
            }
            try expectRefused(store, .stockBelowReserved(sku: "MUG-01", requested: 2, reserved: 3)) {
                try store.changeStock("MUG-01", .add(-3), note: "breakage")
            }
            try expectRefused(store, .stockBelowReserved(sku: "MUG-01", requested: 0, reserved: 3)) {
                try store.changeStock("MUG-01", .set(0), note: nil)
            }
            let (mug, started) = try store.changeStock("MUG-01", .set(3), note: "count")
            #expect(!started)
            #expect(mug.onHand == 3)
            #expect(mug.reserved == 3)
            #expect(mug.available == 0)
            let moves = try store.stockMoves("MUG-01")
            #expect(moves.map(\.kind) == ["set", "initial"])
            #expect(moves.map(\.delta) == [-2, 5])
            #expect(moves.map(\.onHand) == [3, 5])
            #expect(moves.first?.note == "count")
        }
    }

    @Test("stock changes: below zero, zero and absurd amounts are refused; add and remove are logged")
    func changeStockValidation() throws {
        try withStore { store throws in
            try expectInvalid(store, field: "quantity") { try store.changeStock("MUG-01", .add(-6), note: nil) }
            try expectInvalid(store, field: "quantity") { try store.changeStock("MUG-01", .add(0), note: nil) }
            try expectInvalid(store, field: "quantity") { try store.changeStock("MUG-01", .set(-1), note: nil) }
            try expectInvalid(store, field: "quantity") {
                try store.changeStock("MUG-01", .add(2_000_000_000), note: nil)
            }
            try expectInvalid(store, field: "note") { try store.changeStock("MUG-01", .add(1), note: "\u{1b}[31m") }
            try expectRefused(store, .unknownProduct(sku: "NOPE")) { try store.changeStock("NOPE", .set(1), note: nil) }

            #expect(try store.changeStock("MUG-01", .add(4), note: nil).product.onHand == 9)
            #expect(try store.changeStock("MUG-01", .add(-9), note: nil).product.onHand == 0)
            #expect(try store.stockMoves("MUG-01").map(\.kind) == ["remove", "add", "initial"])
        }
    }

    @Test("setting stock on an untracked product starts tracking it")
    func changeStockStartsTracking() throws {
        try withStore { store throws in
            let (tee, started) = try store.changeStock("TEE", .add(7), note: nil)
            #expect(started)
            #expect(tee.tracksStock)
            #expect(tee.onHand == 7)
            #expect(try store.stockMoves("TEE").map(\.delta) == [7])
            try expectRefused(store, .notEnoughStock(sku: "TEE", requested: 8, available: 7)) {
                _ = try store.addOrder(draft(["TEE:8"]))
            }
        }
    }

    @Test("stock tracking cannot be switched off while units are reserved")
    func untrackWhileReserved() throws {
        try withStore { store throws in
            _ = try store.addOrder(draft(["MUG-01:1"]))
            try expectInvalid(store, field: "track-stock") {
                try store.updateProduct("MUG-01", ProductChanges(trackStock: false))
            }
            #expect(try store.updateProduct("POSTER", ProductChanges(trackStock: false)).tracksStock == false)
        }
    }

    @Test("the database itself refuses to reserve more than is on hand")
    func schemaGuardsAgainstOverselling() throws {
        try withStore { store throws in
            let error = #expect(throws: SQLiteError.self) {
                try store.db.run("UPDATE products SET reserved = on_hand + 1 WHERE sku = ?", "MUG-01")
            }
            #expect(error?.code == SQLiteCode.constraintCheck)
            #expect(try store.product("MUG-01").reserved == 0)
        }
    }

    @Test("two stores adding orders for the last unit at the same moment: exactly one succeeds")
    func concurrentLastUnit() throws {
        try withTempDir { dir throws in
            for round in 0..<5 {
                let path = dir + "/race-\(round).db"
                do {
                    let store = try OrderStore(path: path, clock: { fixedNow })
                    try store.setSetting("timezone", "Europe/Berlin")
                    try store.addProduct(NewProduct(sku: "LAST", name: "Last one", price: "9.99", stock: 1))
                    try store.addCustomer(NewCustomer(name: "Ann", email: "ann@example.com"))
                }
                let results = Collector<String>()
                DispatchQueue.concurrentPerform(iterations: 2) { i in
                    do {
                        let store = try OrderStore(path: path, mode: .existing, clock: { fixedNow })
                        _ = try store.addOrder(draft(["LAST"], ref: "T\(i)"))
                        results.append("ok")
                    } catch let error as OrderError {
                        results.append("\(error)")
                    } catch {
                        results.append("unexpected: \(error)")
                    }
                }
                #expect(
                    results.all.sorted() == [
                        OrderError.notEnoughStock(sku: "LAST", requested: 1, available: 0).description, "ok",
                    ],
                    "round \(round)")
                let store = try OrderStore(path: path, mode: .existing)
                let last = try store.product("LAST")
                #expect(last.onHand == 1)
                #expect(last.reserved == 1)
                #expect(try store.db.scalarInt("SELECT count(*) FROM orders") == 1)
                #expect(try store.db.scalarInt("SELECT count(*) FROM order_lines") == 1)
            }
        }
    }
}
