import Foundation
import Testing

@testable import OrderCore

// Shared fixtures for the core tests: every test gets its own temporary directory and
// a fresh database in it, and nothing is shared between tests (they run in parallel).

/// Runs `body` with a fresh temporary directory, removed afterwards.
@discardableResult
func withTempDir<T>(_ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("ordercore-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// Runs `body` with a fresh raw `Database` in a temporary directory.
@discardableResult
func withDatabase<T>(_ body: (Database, String) throws -> T) throws -> T {
    try withTempDir { dir throws in
        let path = dir + "/test.db"
        let db = try Database(path: path)
        return try body(db, path)
    }
}

/// 2026-03-04 is a Wednesday; 10:00 UTC is 11:00 in Berlin.
let fixedNow = Date(timeIntervalSince1970: 1_772_618_400)  // 2026-03-04T10:00:00Z

func utc(_ text: String) -> Date {
    guard let date = Instant.parse(text) else { fatalError("bad instant in test: \(text)") }
    return date
}

func day(_ iso: String) -> LocalDate {
    guard let d = LocalDate(iso: iso) else { fatalError("bad date in test: \(iso)") }
    return d
}

let berlin = TimeZone(identifier: "Europe/Berlin")!

/// A store on a fresh database with a fixed clock, the Berlin time zone, shop
/// country DE, and a small catalog and customer list:
///
/// - `MUG-01` Mug 12.50, tracked, 5 on hand
/// - `POSTER` Poster 5.00, tracked, 100 on hand
/// - `TEE` T-shirt 20.00, not tracked
/// - `OLD` Old thing 1.00, discontinued
/// - ann@example.com (DE), bob@example.com (FR), cy@example.com (no country)
@discardableResult
func withStore<T>(catalog: Bool = true, now: Date = fixedNow, _ body: (OrderStore) throws -> T) throws -> T {
    try withTempDir { dir throws in
        let store = try OrderStore(path: dir + "/orders.db", clock: { now })
        try store.setSetting("timezone", "Europe/Berlin")
        try store.setSetting("shop.country", "DE")
        if catalog {
            try store.addProduct(NewProduct(sku: "MUG-01", name: "Mug", price: "12.50", stock: 5))
            try store.addProduct(NewProduct(sku: "POSTER", name: "Poster", price: "5.00", stock: 100))
            try store.addProduct(NewProduct(sku: "TEE", name: "T-shirt", price: "20.00"))
            try store.addProduct(NewProduct(sku: "OLD", name: "Old thing", price: "1.00"))
            try store.updateProduct("OLD", ProductChanges(active: false))
            try store.addCustomer(NewCustomer(name: "Ann", email: "ann@example.com", country: "DE"))
            try store.addCustomer(NewCustomer(name: "Bob", email: "bob@example.com", country: "FR"))
            try store.addCustomer(NewCustomer(name: "Cy", email: "cy@example.com"))
        }
        return try body(store)
    }
}

func draft(
    _ items: [String], ref: String? = nil, due: String? = nil, shipping: String? = nil,
    backorder: Bool = false
) -> OrderDraft {
    draft("ann@example.com", items, ref: ref, due: due, shipping: shipping, backorder: backorder)
}

func draft(
    _ customer: String, _ items: [String], ref: String? = nil,
    due: String? = nil, shipping: String? = nil, backorder: Bool = false
) -> OrderDraft {
    var d = OrderDraft(customer: customer, items: items)
    d.ref = ref
    d.due = due
    d.shipping = shipping
    d.backorder = backorder
    return d
}

/// Every row of every table (and the user_version), as text: two equal dumps mean
/// the database did not change.
func dump(_ db: Database) throws -> [String: [String]] {
    let tables = try db.query(
        "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ) {
        ($0.string(0), $0.bool(1))
    }
    var result: [String: [String]] = ["user_version": [String(try db.userVersion)]]
    for (table, withoutRowid) in tables {
        // Tables without rowid are in primary key order.
        result[table] = try db.query("SELECT * FROM \"\(table)\"\(withoutRowid ? "" : " ORDER BY rowid")") { row in
            (0..<row.columnCount).map { "\(row.value($0))" }.joined(separator: "|")
        }
    }
    return result
}

func rowCounts(_ db: Database) throws -> [String: Int64] {
    let tables = try db.query(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ) {
        $0.string(0)
    }
    var result: [String: Int64] = [:]
    for table in tables { result[table] = try db.scalarInt("SELECT count(*) FROM \"\(table)\"") }
    return result
}

/// Expects `body` to throw exactly `expected` and to leave every table as it was.
func expectRefused(
    _ store: OrderStore, _ expected: OrderError,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) throws {
    let before = try dump(store.db)
    let counts = try rowCounts(store.db)
    #expect(throws: expected, sourceLocation: sourceLocation) { try body() }
    #expect(try rowCounts(store.db) == counts, sourceLocation: sourceLocation)
    #expect(try dump(store.db) == before, sourceLocation: sourceLocation)
}

/// Expects `body` to throw `OrderError.invalidValue` for `field`, changing nothing.
/// Returns the error's value and reason for further checks.
@discardableResult
func expectInvalid(
    _ store: OrderStore, field: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) throws -> (value: String, reason: String)? {
    let before = try dump(store.db)
    let error = #expect(throws: OrderError.self, sourceLocation: sourceLocation) { try body() }
    #expect(try dump(store.db) == before, sourceLocation: sourceLocation)
    guard case .invalidValue(let f, let value, let reason)? = error else {
        Issue.record(
            "expected invalidValue(field: \(field)), got \(String(describing: error))", sourceLocation: sourceLocation)
        return nil
    }
    #expect(f == field, sourceLocation: sourceLocation)
    return (value, reason)
}

/// Collects results from several threads.
final class Collector<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ item: T) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }
    var all: [T] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// A JSON object from its members (keys and JSON texts, in order), with `changes`
/// replacing members or added at the end: a platform's order document, varied per test.
func jsonDocument(_ members: [(String, String)], _ changes: [String: String]) -> String {
    var members = members
    for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
        if let i = members.firstIndex(where: { $0.0 == key }) {
            members[i].1 = value
        } else {
            members.append((key, value))
        }
    }
    return "{" + members.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}

/// Platform orders applied as `import --update` applies a file.
func applyAsImport(_ store: OrderStore, _ orders: [PlatformOrder]) throws -> ImportSummary {
    var options = ImportOptions()
    options.update = true
    return try Importer(store: store, options: options).run(PlatformOrderSource(orders), rejected: { _ in })
}
