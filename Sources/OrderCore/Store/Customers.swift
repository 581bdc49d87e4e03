import Foundation

public struct NewCustomer: Sendable {
    public var name: String
    public var email: String?
    public var phone: String?
    public var country: String?
    /// State, province or region: deliveries within a country are predicted by it.
    public var region: String?
    public var address: String?
    public var note: String?

    public init(name: String, email: String? = nil, phone: String? = nil, country: String? = nil, region: String? = nil,
                address: String? = nil, note: String? = nil) {
        self.name = name; self.email = email; self.phone = phone; self.country = country; self.region = region
        self.address = address; self.note = note
    }
}

extension OrderStore {
    static let customerColumns = "c.id, c.name, c.email, c.phone, c.country, c.address, c.note, c.created_at, c.region"
    /// How many columns `customerColumns` selects: what a query appends to them starts here.
    static let customerColumnCount = customerColumns.split(separator: ",").count

    func customer(from r: Row) -> Customer {
        Customer(id: r.int64(0), name: r.string(1), email: r.optionalString(2), phone: r.optionalString(3),
                 country: r.optionalString(4), address: r.optionalString(5), note: r.optionalString(6),
                 createdAt: date(r.string(7)), region: r.optionalString(8))
    }

    func insertCustomer(_ new: NewCustomer) throws -> Customer {
        try customer(id: insertCustomerRow(new))!
    }

    /// Validates and inserts; the new id. `emailChecked`: the caller has made sure no
    /// customer has this email (an import, which looked it up).
    func insertCustomerRow(_ new: NewCustomer, emailChecked: Bool = false, at: String? = nil) throws -> Int64 {
        let name = try Validate.name(new.name, field: "name")
        let email = try new.email.map { e throws(OrderError) in try Validate.email(e) }
        let country = try new.country.map { c throws(OrderError) in try Validate.country(c) }
        let region = try new.region.flatMap { $0.isEmpty ? nil : $0 }.map { r throws(OrderError) in try Validate.region(r) }
        let phone = try new.phone.map { p throws(OrderError) in try Validate.name(p, field: "phone") }
        let address = try new.address.flatMap { $0.isEmpty ? nil : $0 }.map { a throws(OrderError) in try Validate.note(a, field: "address") }
        let note = try new.note.flatMap { $0.isEmpty ? nil : $0 }.map { n throws(OrderError) in try Validate.note(n, field: "note") }
        if let email, !emailChecked, try db.scalarInt("SELECT count(*) FROM customers WHERE email = ?", email) > 0 {
            throw OrderError.duplicateEmail(email: email)
        }
        try db.run("INSERT INTO customers(name, email, phone, country, region, address, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   name, email, phone, country, region, address, note, at ?? nowText)
        return db.lastInsertRowID
    }

    func customer(id: Int64) throws -> Customer? {
        try db.queryFirst("SELECT \(Self.customerColumns) FROM customers c WHERE c.id = ?", id) { customer(from: $0) }
    }

    @discardableResult
    public func addCustomer(_ new: NewCustomer) throws -> Customer {
        try db.transaction { try insertCustomer(new) }
    }

    /// Finds a customer by id (digits, or `#12`), email (contains `@`) or exact name
    /// (case-insensitive; must be unique).
    func resolveCustomer(_ text: String) throws -> Customer {
        let trimmed = text.trimmingWhitespace()
        let idText = trimmed.hasPrefix("#") ? String(trimmed.dropFirst()) : trimmed
        if !idText.isEmpty, idText.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(idText) {
            if let c = try customer(id: id) { return c }
            throw OrderError.unknownCustomer(text)
        }
        if trimmed.contains("@") {
            if let c = try db.queryFirst("SELECT \(Self.customerColumns) FROM customers c WHERE c.email = ?", trimmed, row: customer(from:)) {
                return c
            }
            throw OrderError.unknownCustomerEmail(trimmed)
        }
        let matches = try db.query("SELECT \(Self.customerColumns) FROM customers c WHERE c.name = ? COLLATE NOCASE LIMIT 10", trimmed, row: customer(from:))
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw OrderError.ambiguousCustomer(text, matches: matches.count) }
        throw OrderError.unknownCustomer(text)
    }

    public func customer(_ text: String) throws -> Customer { try db.read { try resolveCustomer(text) } }

    static let summaryJoin = """
        SELECT \(customerColumns),
               count(o.id), CAST(total(CASE WHEN o.status <> 'cancelled' THEN o.total END) AS INTEGER), max(o.placed_at)
        FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
        """

    func summary(from r: Row, currency: Currency) -> CustomerSummary {
        let n = Self.customerColumnCount
        return CustomerSummary(customer: customer(from: r), orderCount: r.int(n),
                               totalSpent: Money(minor: r.int64(n + 1), currency: currency),
                               lastOrderAt: r.optionalString(n + 2).map(date))
    }

    public func customers(search: String? = nil) throws -> [CustomerSummary] {
        try db.read {
            let currency = try self.currency()
            var sql = Self.summaryJoin
            var args: [any SQLBindable] = []
            if let s = search {
                sql += " WHERE instr(lower(c.name), lower(?)) > 0 OR instr(lower(coalesce(c.email, '')), lower(?)) > 0"
                args = [s, s]
            }
            sql += " GROUP BY c.id ORDER BY c.name COLLATE NOCASE, c.id"
            return try db.query(sql, arguments: args) { summary(from: $0, currency: currency) }
        }
    }

    /// A customer with their order count, total spent (cancelled orders excluded) and orders.
    public func customerDetail(_ text: String) throws -> (summary: CustomerSummary, orders: [OrderSummary]) {
        try db.read {
            let c = try resolveCustomer(text)
            let currency = try self.currency()
            let found: CustomerSummary? = try db.queryFirst(Self.summaryJoin + " WHERE c.id = ? GROUP BY c.id", c.id) { r in
                self.summary(from: r, currency: currency)
            }
            var filter = OrderFilter()
            filter.customer = String(c.id)
            return (found!, try orderSummaries(filter))
        }
    }
}
