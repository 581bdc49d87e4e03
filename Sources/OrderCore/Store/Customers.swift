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

    public init(
        name: String, email: String? = nil, phone: String? = nil, country: String? = nil, region: String? = nil,
        address: String? = nil, note: String? = nil
    ) {
        self.name = name
        self.email = email
        self.phone = phone
        self.country = country
        self.region = region
        self.address = address
        self.note = note
    }
}

/// What `customer update` changes: nil leaves a field; an empty text clears an optional one.
public struct CustomerChanges: Sendable {
    public var name, email, phone, country, region, address, note: String?
    public init() {}
    public var isEmpty: Bool { [name, email, phone, country, region, address, note].allSatisfy { $0 == nil } }
}

extension OrderStore {
    static let customerColumns =
        "c.id, c.name, c.email, c.phone, c.country, c.address, c.note, c.created_at, c.region, c.external_ref, c.anonymous"
    /// How many columns `customerColumns` selects: what a query appends to them starts here.
    static let customerColumnCount = customerColumns.split(separator: ",").count

    func customer(from r: Row) -> Customer {
        Customer(
            id: r.int64(0), name: r.string(1), email: r.optionalString(2), phone: r.optionalString(3),
            country: r.optionalString(4), address: r.optionalString(5), note: r.optionalString(6),
            createdAt: date(r.string(7)), region: r.optionalString(8), externalRef: r.optionalString(9),
            anonymous: r.bool(10))
    }

    func insertCustomer(_ new: NewCustomer) throws -> Customer {
        try customer(id: insertCustomerRow(new))!
    }

    /// Validates and inserts; the new id. `emailChecked`: the caller has made sure no
    /// customer has this email (an import, which looked it up).
    func insertCustomerRow(_ new: NewCustomer, emailChecked: Bool = false, at: String? = nil) throws -> Int64 {
        let name = try Validate.name(new.name, field: "name")
        let email = try new.email.map { e throws(OrderError) in try Validate.email(e) }
        let country = try new.country.map { c throws(OrderError) in try Validate.countryOrName(c) }
        let region = try new.region.flatMap { $0.isEmpty ? nil : $0 }.map { r throws(OrderError) in
            try Validate.region(r)
        }
        let phone = try new.phone.map { p throws(OrderError) in try Validate.name(p, field: "phone") }
        let address = try new.address.flatMap { $0.isEmpty ? nil : $0 }.map { a throws(OrderError) in
            try Validate.note(a, field: "address")
        }
        let note = try new.note.flatMap { $0.isEmpty ? nil : $0 }.map { n throws(OrderError) in
            try Validate.note(n, field: "note")
        }
        if let email, !emailChecked, try db.scalarInt("SELECT count(*) FROM customers WHERE email = ?", email) > 0 {
            throw OrderError.duplicateEmail(email: email)
        }
        try db.run(
            "INSERT INTO customers(name, email, phone, country, region, address, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            name, email, phone, country, region, address, note, at ?? nowText)
        return db.lastInsertRowID
    }

    func customer(id: Int64) throws -> Customer? {
        try db.queryFirst("SELECT \(Self.customerColumns) FROM customers c WHERE c.id = ?", id) { customer(from: $0) }
    }

    @discardableResult
    public func addCustomer(_ new: NewCustomer) throws -> Customer {
        try write { try insertCustomer(new) }
    }

    /// Finds a customer by id (digits, or `#12`), external reference (`ext:17530`, or
    /// digits no customer has as id), email (contains `@`) or exact name
    /// (case-insensitive; must be unique).
    func resolveCustomer(_ text: String, suggest: Bool = true) throws -> Customer {
        let trimmed = text.trimmingWhitespace()
        if trimmed.lowercased().hasPrefix("ext:") {
            let ref = String(trimmed.dropFirst(4)).trimmingWhitespace()
            if let c = try customer(externalRef: ref) { return c }
            throw OrderError.unknownCustomer(text)
        }
        let idText = trimmed.hasPrefix("#") ? String(trimmed.dropFirst()) : trimmed
        if !idText.isEmpty, idText.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(idText) {
            let byID = try customer(id: id)
            // Plain digits may also be a shop's customer number: never silently the wrong one.
            let byRef = trimmed.hasPrefix("#") ? nil : try customer(externalRef: idText)
            if let byID, let byRef, byID.id != byRef.id {
                throw OrderError.invalidValue(
                    field: "customer", value: text,
                    reason:
                        "is the id of customer #\(byID.id) and the external reference of customer #\(byRef.id); say #\(idText) or ext:\(idText)"
                )
            }
            if let c = byID ?? byRef { return c }
            throw OrderError.unknownCustomer(text)
        }
        if let c = try customer(externalRef: trimmed) { return c }
        if trimmed.contains("@") {
            if let c = try db.queryFirst(
                "SELECT \(Self.customerColumns) FROM customers c WHERE c.email = ?", trimmed, row: customer(from:))
            {
                return c
            }
            throw OrderError.unknownCustomerEmail(
                trimmed, near: suggest ? try nearCustomers(trimmed, column: "email") : [])
        }
        let matches = try db.query(
            "SELECT \(Self.customerColumns) FROM customers c WHERE c.name = ? COLLATE NOCASE LIMIT 10", trimmed,
            row: customer(from:))
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw OrderError.ambiguousCustomer(text, matches: matches.count) }
        throw OrderError.unknownCustomer(text, near: try nearCustomers(trimmed, column: "name"))
    }

    public func customer(_ text: String) throws -> Customer { try db.read { try resolveCustomer(text) } }

    /// Names or emails near a mistyped one. Only candidates of about its length are
    /// read (an edit changes the length by at most the reach), at most 20,000, so a
    /// shop of 100,000 customers answers in a blink.
    func nearCustomers(_ text: String, column: String) throws -> [String] {
        guard text.count <= 200 else { return [] }
        let n = text.count
        let values = try db.query(
            """
            SELECT DISTINCT \(column) FROM customers
             WHERE \(column) IS NOT NULL AND anonymous = 0 AND length(\(column)) BETWEEN ? AND ? LIMIT 20000
            """, n - 3, n + 3
        ) { $0.string(0) }
        return Suggest.nearest(text, in: values)
    }

    func customer(externalRef ref: String) throws -> Customer? {
        guard !ref.isEmpty else { return nil }
        return try db.queryFirst(
            "SELECT \(Self.customerColumns) FROM customers c WHERE c.external_ref = ?", ref, row: customer(from:))
    }

    /// Changes a customer's details, each checked as `customer add` checks it, each
    /// change recorded in `customer_events`. An empty value clears an optional field.
    /// Orders stay with the customer (they refer to the id, not the email).
    public func updateCustomer(_ text: String, _ change: CustomerChanges) throws -> (
        customer: Customer, changed: [String]
    ) {
        try write {
            guard !change.isEmpty else {
                throw OrderError.missingValue(
                    field: "change", hint: "give --name, --email, --phone, --country, --region, --address or --note")
            }
            let old = try resolveCustomer(text)
            func optional(_ value: String?, _ check: (String) throws -> String) throws -> String?? {
                guard let value else { return .none }
                let trimmed = value.trimmingWhitespace()
                return .some(trimmed.isEmpty ? nil : try check(trimmed))
            }
            let name = try change.name.map { n throws(OrderError) in try Validate.name(n, field: "name") }
            let email = try optional(change.email) { try Validate.email($0) }
            let phone = try optional(change.phone) { try Validate.name($0, field: "phone") }
            let country = try optional(change.country) { try Validate.countryOrName($0) }
            let region = try optional(change.region) { try Validate.region($0) }
            let address = try optional(change.address) { try Validate.note($0, field: "address") }
            let note = try optional(change.note) { try Validate.note($0, field: "note") }
            if case .some(.some(let e)) = email, e.lowercased() != old.email?.lowercased(),
                try db.scalarInt("SELECT count(*) FROM customers WHERE email = ? AND id <> ?", e, old.id) > 0
            {
                throw OrderError.duplicateEmail(email: e)
            }
            var changed: [String] = []
            func apply(_ field: String, _ column: String, _ before: String?, _ after: String??) throws {
                guard case .some(let value) = after, value != before else { return }
                try db.run("UPDATE customers SET \(column) = ? WHERE id = ?", value, old.id)
                try db.run(
                    "INSERT INTO customer_events(customer_id, at, field, old_value, new_value) VALUES (?, ?, ?, ?, ?)",
                    old.id, nowText, field, before, value)
                changed.append(
                    "\(field) \(before.map { "'\(OrderError.clip($0))'" } ?? "none") -> \(value.map { "'\(OrderError.clip($0))'" } ?? "none")"
                )
            }
            try apply("name", "name", old.name, name.map { .some($0) } ?? .none)
            try apply("email", "email", old.email, email)
            try apply("phone", "phone", old.phone, phone)
            try apply("country", "country", old.country, country)
            try apply("region", "region", old.region, region)
            try apply("address", "address", old.address, address)
            try apply("note", "note", old.note, note)
            return (try customer(id: old.id)!, changed)
        }
    }

    /// A customer's recorded changes, oldest first.
    public func customerHistory(_ id: Int64) throws -> [(at: Date, field: String, old: String?, new: String?)] {
        try db.query(
            "SELECT at, field, old_value, new_value FROM customer_events WHERE customer_id = ? ORDER BY id", id
        ) {
            (date($0.string(0)), $0.string(1), $0.optionalString(2), $0.optionalString(3))
        }
    }

    static let summaryJoin = """
        SELECT \(customerColumns),
               count(o.id), CAST(total(CASE WHEN o.status <> 'cancelled' THEN o.total END) AS INTEGER), max(o.placed_at)
        FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
        """

    func summary(from r: Row, currency: Currency) -> CustomerSummary {
        let n = Self.customerColumnCount
        return CustomerSummary(
            customer: customer(from: r), orderCount: r.int(n),
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
            let found: CustomerSummary? = try db.queryFirst(Self.summaryJoin + " WHERE c.id = ? GROUP BY c.id", c.id) {
                r in
                self.summary(from: r, currency: currency)
            }
            var filter = OrderFilter()
            filter.customer = String(c.id)
            return (found!, try orderSummaries(filter))
        }
    }
}
