import Foundation
import Testing

// Every figure the read commands print, in every format they offer, checked against the
// database itself: plain SQL over the tables with the sqlite3 CLI (orders, order_lines,
// payments, shipments, returns, stock_moves, customers, products), never orderctl's own
// queries or its kept sums (orders.total, paid_total, ship_hours, stats_daily, ...).
// Where SQL would be awkward the rule is worked here in a few lines (a nearest-rank
// percentile, a quintile score, ABC classes) or stated as a constant with its reason.
//
// Why: a column read at the wrong offset (issue 14: after `region` was added, `customer
// list` showed ORDERS 0 and the order count as SPENT) passed 345 tests, because none
// compared a printed figure with the data. Here every numeric cell of every row is
// compared, rows are matched by their key (ref, id, SKU, period) and the set of rows must
// be the same too.

// MARK: - The shop

/// A small shop built once per test run through the binary and copied into each test's
/// sandbox (the read commands are run on a copy, so no test sees another's writes).
///
/// Clock 2026-11-25T10:00Z (a Wednesday); EUR; business time zone Europe/Berlin, which is
/// +2 h (CEST) from 2026-03-29T01:00Z to 2026-10-25T01:00Z and +1 h (CET) otherwise, for
/// every instant in this shop (2025-11 to 2026-11; see `Berlin`).
///
/// Customers: #1 Ann Lee (DE, region Bavaria), #2 Jean Dupont (FR), #3 Mia Rossi (IT,
/// phone), #4 Ola Nordmann (NO, no email, no orders), #5 Bo Berg (SE, one cancelled order).
/// Products: MUG-01 12.50 (40 in stock, reorder at 5), TEE-M 19.90 (not tracked), CARD 2.05
/// (10 in stock, +5 delivered), VASE 79.00 (5 in stock, reorder at 3: ends low), POSTER 8.00
/// (not tracked), OLD-01 30.00 (2 in stock, discontinued, never sold).
///
///   O-01 Ann   2026-06-10 09:00Z  MUG-01 x2 + TEE-M           paid by card, shipped (dhl), delivered: completed
///   O-02 Ann   2026-08-14 10:00Z  VASE, express               paid, shipped, delivered, returned (restocked), refunded 79.00
///   O-03 Jean  2026-09-03 08:00Z  CARD x3                     confirmed, 2.00 of 6.15 paid (cash)
///   O-04 Jean  2026-09-20 12:00Z  TEE-M x2 at 15.00 (override) cancelled, unpaid
///   O-05 Mia   2026-09-30 22:30Z  MUG-01 x4 + CARD x2         (1 Oct in Berlin) paid, shipped, flagged
///   O-06 Mia   2026-10-12 15:00Z  MUG-01 x3                   paid, shipped, delivered, 1 returned (not restocked), 12.50 refunded
///   O-07 Ann   2026-11-02 10:00Z  TEE-M                       pending, unpaid
///   O-08 Bo    2026-11-05 10:00Z  CARD                        paid, cancelled, refunded 2.05
///   O-09 Mia   2026-11-20 13:00Z  VASE x2 + POSTER x3 at 6.50 paid, confirmed, due 2026-11-30
///   O-10 Ann   2026-11-22 23:30Z  MUG-01 x5                   (23 Nov in Berlin) confirmed, 30.00 paid, 2 shipped
///   O-11 Jean  2025-11-15 10:00Z  POSTER                      paid, shipped, delivered (before the default stats range)
///   O-12 Jean  2026-11-10 09:00Z  VASE x4, backorder          pending, 3 reserved + 1 backordered, due 2026-11-20 (overdue)
enum FigShop {
    static let steps: [[String]] = [
        ["init", "--currency", "EUR", "--timezone", "Europe/Berlin", "--country", "DE"],
        [
            "product", "add", "MUG-01", "--name", "Stoneware mug", "--price", "12.50", "--stock", "40", "--reorder-at",
            "5",
        ],
        ["product", "add", "TEE-M", "--name", "T-shirt M", "--price", "19.90"],
        ["product", "add", "CARD", "--name", "Greeting card", "--price", "2.05", "--stock", "10"],
        ["product", "add", "VASE", "--name", "Tall vase", "--price", "79", "--stock", "5", "--reorder-at", "3"],
        ["product", "add", "POSTER", "--name", "Poster", "--price", "8"],
        ["product", "add", "OLD-01", "--name", "Old lamp", "--price", "30", "--stock", "2"],
        ["product", "update", "OLD-01", "--discontinue"],
        ["stock", "add", "CARD", "5", "--note", "delivery"],
        [
            "customer", "add", "--name", "Ann Lee", "--email", "ann@example.com", "--country", "DE", "--region",
            "Bavaria",
        ],
        ["customer", "add", "--name", "Jean Dupont", "--email", "jean@example.fr", "--country", "FR"],
        [
            "customer", "add", "--name", "Mia Rossi", "--email", "mia@example.it", "--country", "IT", "--phone",
            "+39 055 123456",
        ],
        ["customer", "add", "--name", "Ola Nordmann", "--country", "NO"],
        ["customer", "add", "--name", "Bo Berg", "--email", "bo@example.se", "--country", "SE"],

        [
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M", "--ref", "O-01", "--date",
            "2026-06-10T09:00:00Z", "--channel", "web",
        ],
        ["pay", "O-01", "--at", "2026-06-10T09:30:00Z", "--method", "card"],
        ["confirm", "O-01", "--at", "2026-06-10T10:00:00Z"],
        ["ship", "O-01", "--at", "2026-06-11T12:00:00Z", "--carrier", "dhl", "--tracking", "1234567890"],
        ["deliver", "O-01", "--at", "2026-06-13T12:00:00Z"],

        [
            "add", "--customer", "ann@example.com", "--item", "VASE", "--ref", "O-02", "--date", "2026-08-14T10:00:00Z",
            "--channel", "web", "--shipping", "express",
        ],
        ["pay", "O-02", "--at", "2026-08-14T10:05:00Z"],
        ["confirm", "O-02", "--at", "2026-08-14T11:00:00Z"],
        ["ship", "O-02", "--at", "2026-08-15T10:00:00Z"],
        ["deliver", "O-02", "--at", "2026-08-16T16:00:00Z"],
        ["return", "O-02", "--item", "VASE:1", "--reason", "broken"],
        ["refund", "O-02", "--amount", "79", "--reason", "broken"],

        [
            "add", "--customer", "jean@example.fr", "--item", "CARD:3", "--ref", "O-03", "--date",
            "2026-09-03T08:00:00Z", "--channel", "shop",
        ],
        ["pay", "O-03", "--amount", "2.00", "--at", "2026-09-03T08:00:00Z", "--method", "cash"],
        ["confirm", "O-03", "--at", "2026-09-03T09:00:00Z"],

        [
            "add", "--customer", "jean@example.fr", "--item", "TEE-M:2@15.00", "--ref", "O-04", "--date",
            "2026-09-20T12:00:00Z", "--channel", "phone",
        ],
        ["cancel", "O-04", "--reason", "changed mind"],

        [
            "add", "--customer", "mia@example.it", "--item", "MUG-01:4", "--item", "CARD:2", "--ref", "O-05", "--date",
            "2026-09-30T22:30:00Z", "--channel", "web",
        ],
        ["pay", "O-05", "--at", "2026-09-30T22:40:00Z"],
        ["confirm", "O-05", "--at", "2026-09-30T23:30:00Z"],
        ["ship", "O-05", "--at", "2026-10-01T22:30:00Z"],
        ["flag", "O-05", "--reason", "address problem"],

        [
            "add", "--customer", "mia@example.it", "--item", "MUG-01:3", "--ref", "O-06", "--date",
            "2026-10-12T15:00:00Z", "--channel", "web",
        ],
        ["pay", "O-06", "--at", "2026-10-12T15:00:00Z"],
        ["confirm", "O-06", "--at", "2026-10-12T16:00:00Z"],
        ["ship", "O-06", "--at", "2026-10-14T09:00:00Z"],
        ["deliver", "O-06", "--at", "2026-10-17T09:00:00Z"],
        ["return", "O-06", "--item", "MUG-01:1", "--no-restock", "--reason", "scratched"],
        ["refund", "O-06", "--amount", "12.50"],

        [
            "add", "--customer", "ann@example.com", "--item", "TEE-M", "--ref", "O-07", "--date",
            "2026-11-02T10:00:00Z", "--channel", "phone",
        ],

        ["add", "--customer", "bo@example.se", "--item", "CARD", "--ref", "O-08", "--date", "2026-11-05T10:00:00Z"],
        ["pay", "O-08", "--at", "2026-11-05T10:00:00Z"],
        ["cancel", "O-08", "--reason", "out of area"],
        ["refund", "O-08", "--amount", "2.05"],

        [
            "add", "--customer", "mia@example.it", "--item", "VASE:2", "--item", "POSTER:3@6.50", "--ref", "O-09",
            "--date", "2026-11-20T13:00:00Z",
            "--channel", "shop", "--due", "2026-11-30",
        ],
        ["pay", "O-09", "--at", "2026-11-20T13:00:00Z"],
        ["confirm", "O-09", "--at", "2026-11-20T14:00:00Z"],

        [
            "add", "--customer", "ann@example.com", "--item", "MUG-01:5", "--ref", "O-10", "--date",
            "2026-11-22T23:30:00Z", "--channel", "web",
        ],
        ["confirm", "O-10", "--at", "2026-11-23T00:30:00Z"],
        ["pay", "O-10", "--amount", "30"],
        ["ship", "O-10", "--item", "MUG-01:2", "--at", "2026-11-24T23:30:00Z"],

        [
            "add", "--customer", "jean@example.fr", "--item", "POSTER", "--ref", "O-11", "--date",
            "2025-11-15T10:00:00Z", "--channel", "shop",
        ],
        ["pay", "O-11", "--at", "2025-11-15T10:00:00Z"],
        ["confirm", "O-11", "--at", "2025-11-15T11:00:00Z"],
        ["ship", "O-11", "--at", "2025-11-16T10:00:00Z"],
        ["deliver", "O-11", "--at", "2025-11-18T10:00:00Z"],

        [
            "add", "--customer", "jean@example.fr", "--item", "VASE:4", "--backorder", "--ref", "O-12", "--date",
            "2026-11-10T09:00:00Z",
            "--channel", "phone", "--due", "2026-11-20",
        ],
    ]

    static let refs = (1...12).map { String(format: "O-%02d", $0) }
    static let skus = ["CARD", "MUG-01", "OLD-01", "POSTER", "TEE-M", "VASE"]
    static let customerIDs = [1, 2, 3, 4, 5]

    /// Today in Berlin, and the default stats period: the first of the month 11 months ago
    /// to today, i.e. [2025-12-01 00:00, 2026-11-26 00:00) Berlin (CET) in UTC.
    static let today = "2026-11-25"
    static let defaultFrom = "2025-12-01", defaultTo = "2026-11-25"
    static let defaultStart = "2025-11-30T23:00:00Z", defaultEnd = "2026-11-25T23:00:00Z"

    static let root: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("orderctl-figures-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: FigShop.root) }
        return url
    }()

    static let built: Result<String, HarnessError> = Template.buildDatabase(in: root, steps)

    /// A fresh sandbox holding a copy of the shop.
    static func sandbox() throws -> Sandbox {
        let sb = try Sandbox()
        let source = try built.get()
        let fm = FileManager.default
        try fm.copyItem(atPath: source, toPath: sb.dbPath)
        if fm.fileExists(atPath: source + "-wal") {
            try fm.copyItem(atPath: source + "-wal", toPath: sb.dbPath + "-wal")
        }
        return sb
    }
}

// MARK: - SQL helpers

/// Europe/Berlin wall-clock time of a UTC instant column, as SQL: the offset is worked by
/// hand for this shop's instants (see `FigShop`), so that no time-zone code of orderctl's
/// is used.
enum Berlin {
    static func shift(_ col: String) -> String {
        "CASE WHEN \(col) >= '2026-03-29T01:00:00Z' AND \(col) < '2026-10-25T01:00:00Z' THEN '+2 hours' ELSE '+1 hours' END"
    }
    /// 'YYYY-MM-DD HH:MM', as tables print instants.
    static func time(_ col: String) -> String { "strftime('%Y-%m-%d %H:%M', \(col), \(shift(col)))" }
    static func day(_ col: String) -> String { "strftime('%Y-%m-%d', \(col), \(shift(col)))" }
    static func month(_ col: String) -> String { "strftime('%Y-%m', \(col), \(shift(col)))" }
    static func year(_ col: String) -> String { "strftime('%Y', \(col), \(shift(col)))" }
    static func quarter(_ col: String) -> String {
        "strftime('%Y', \(col), \(shift(col))) || '-Q' || ((CAST(strftime('%m', \(col), \(shift(col))) AS INTEGER) + 2) / 3)"
    }
    /// ISO 8601 week ('2026-W36'): the year and day of year of the Thursday of the week.
    static func week(_ col: String) -> String {
        let thursday = "\(col), \(shift(col)), '-3 days', 'weekday 4'"
        return
            "strftime('%Y', \(thursday)) || '-W' || printf('%02d', (CAST(strftime('%j', \(thursday)) AS INTEGER) - 1) / 7 + 1)"
    }
}

extension Sandbox {
    /// Rows of a query as cells (NULL is an empty cell).
    func rows(_ statement: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String]] {
        try sql(statement, sourceLocation: sourceLocation).map {
            $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        }
    }
}

// MARK: - Expected formatting, worked here

enum Fmt {
    static func money(_ minor: Int) -> String {
        let a = abs(minor)
        return (minor < 0 ? "-" : "") + "\(a / 100)." + (a % 100 < 10 ? "0" : "") + "\(a % 100)"
    }
    static func eur(_ minor: Int) -> String { money(minor) + " EUR" }
    /// num / den rounded half up (num >= 0, den > 0).
    static func ratio(_ num: Int, _ den: Int) -> Int { (2 * num + den) / (2 * den) }
    /// "33.3%".
    static func percent(_ num: Int, _ den: Int) -> String {
        let t = ratio(num * 1000, den)
        return "\(t / 10).\(t % 10)%"
    }
    /// "0.3333".
    static func fraction(_ num: Int, _ den: Int) -> String {
        let q = ratio(num * 10000, den)
        return "\(q / 10000)." + String(format: "%04d", q % 10000)
    }
    /// Hours as days with one decimal: 27 -> "1.1".
    static func days(_ hours: Int) -> String {
        let t = ratio(hours * 10, 24)
        return "\(t / 10).\(t % 10)"
    }
    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
    /// Nearest-rank percentile: the ceil(n x num / den)-th smallest.
    static func rank(_ values: [Int], _ num: Int, _ den: Int) -> Int? {
        guard !values.isEmpty else { return nil }
        return values.sorted()[max(1, (values.count * num + den - 1) / den) - 1]
    }
    static func median(_ v: [Int]) -> Int? { rank(v, 1, 2) }
    static func p90(_ v: [Int]) -> Int? { rank(v, 9, 10) }
    static func opt(_ v: Int?) -> String { v.map(String.init) ?? "" }
    static func ints(_ list: String) -> [Int] { list.split(separator: ",").compactMap { Int($0) } }
}

// MARK: - Reading output

/// A text table read by column position: each cell belongs to the header title it lies
/// under (left-aligned cells start under their title, right-aligned ones end under it), so
/// empty cells in the middle of a row are read as empty rather than shifting the rest.
/// Cells under no title (the bar of `stats`) are under "".
struct FigTable {
    var titles: [String]
    var rows: [[String: String]]

    static func tokens(_ line: String) -> [(start: Int, end: Int, text: String)] {
        let chars = Array(line)
        var out: [(start: Int, end: Int, text: String)] = []
        var i = 0
        while i < chars.count {
            if chars[i] == " " {
                i += 1
                continue
            }
            let start = i
            while i < chars.count && !(chars[i] == " " && (i + 1 == chars.count || chars[i + 1] == " ")) { i += 1 }
            out.append((start, i, String(chars[start..<i])))
        }
        return out
    }

    /// The table whose header line (leading spaces aside) starts with `header`, down to a
    /// blank line or a "Total:" line.
    static func parse(_ text: String, header: String) -> FigTable? {
        let lines = text.components(separatedBy: "\n")
        guard let h = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(header) }) else {
            return nil
        }
        let head = tokens(lines[h])
        var rows: [[String: String]] = []
        for line in lines[(h + 1)...] {
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("Total:") { break }
            var row: [String: String] = [:]
            for t in tokens(line) {
                let key = head.first { max($0.start, t.start) < min($0.end, t.end) }?.text ?? ""
                row[key] = row[key].map { $0 + " " + t.text } ?? t.text
            }
            rows.append(row)
        }
        return FigTable(titles: head.map(\.text), rows: rows)
    }

    /// A row's cells under these titles ("" for none).
    static func cells(_ row: [String: String], _ titles: [String]) -> [String] { titles.map { row[$0] ?? "" } }
}

/// A JSON value as the text a CSV cell would hold: strings as they are, null as "",
/// whole numbers as digits, other numbers with four decimals.
func figText(_ value: Any?) -> String {
    switch value {
    case nil, is NSNull: return ""
    case let s as String: return s
    case let n as NSNumber:
        // JSONSerialization keeps the kind: "c" for true and false, "d" for a number
        // written with a decimal point, an integer type otherwise.
        switch String(cString: n.objCType) {
        case "c": return n.boolValue ? "true" : "false"
        case "d", "f": return String(format: "%.4f", n.doubleValue)
        default: return String(n.int64Value)
        }
    default: return "\(value!)"
    }
}

func figCSV(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String]] {
    try #require(Output.parseCSV(text), "not RFC 4180 CSV:\n\(text)", sourceLocation: sourceLocation)
}

func figJSONObject(_ sb: Sandbox, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
    -> [String: Any]
{
    let r = try sb.ok(arguments + ["--json"], sourceLocation: sourceLocation)
    let value = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    return try #require(value as? [String: Any], "expected a JSON object from \(r)", sourceLocation: sourceLocation)
}

func figJSONArray(_ sb: Sandbox, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
    -> [[String: Any]]
{
    let r = try sb.ok(arguments + ["--json"], sourceLocation: sourceLocation)
    let value = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    return try #require(value as? [[String: Any]], "expected a JSON array from \(r)", sourceLocation: sourceLocation)
}

// MARK: - Orders, from the tables

struct FigOrder {
    var id = 0, ref = "", placedAt = "", placedLocal = "", customerID = 0, customer = "", email = "", country = ""
    var status = "", payment = "", fulfilment = "", channel = "", shipping = "", orderClass = "", classReason = ""
    var items = 0, lineCount = 0, total = 0, currency = "", due = "", flag = "", note = "", closedReason = "",
        heldFrom = ""
    var createdAt = "", updatedAt = ""
    var paid = 0, refunded = 0

    static let open = ["pending", "confirmed", "processing", "on_hold", "shipped"]
    var isOpen: Bool { Self.open.contains(status) }
    var overdue: Bool { !due.isEmpty && due < FigShop.today && isOpen }
    /// What is still owed, as orderctl defines it: the total less payments (refunds not
    /// counted back), never below zero; for any status.
    var balanceDue: Int { max(0, total - paid) }

    /// Every order, newest first (the order of `list`). Items, lines and the total come
    /// from the lines; paid and refunded from the payments.
    static func all(_ sb: Sandbox, where condition: String = "1") throws -> [FigOrder] {
        try sb.rows(
            """
            SELECT o.id, o.ref, o.placed_at, \(Berlin.time("o.placed_at")), o.customer_id, c.name, c.email, c.country,
                   o.status, o.payment_status, o.fulfilment_status, o.channel, o.shipping, o.class, o.class_reason,
                   (SELECT sum(l.quantity) FROM order_lines l WHERE l.order_id = o.id),
                   (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id),
                   (SELECT sum(l.quantity * l.unit_price) FROM order_lines l WHERE l.order_id = o.id),
                   o.currency, o.due_date, o.flag, o.note, o.closed_reason, o.held_from, o.created_at, o.updated_at,
                   (SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE p.order_id = o.id AND p.kind = 'payment'),
                   (SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE p.order_id = o.id AND p.kind = 'refund')
            FROM orders o JOIN customers c ON c.id = o.customer_id
            WHERE \(condition)
            ORDER BY o.placed_at DESC, o.id DESC
            """
        ).map { r in
            FigOrder(
                id: Int(r[0])!, ref: r[1], placedAt: r[2], placedLocal: r[3], customerID: Int(r[4])!, customer: r[5],
                email: r[6],
                country: r[7], status: r[8], payment: r[9], fulfilment: r[10], channel: r[11], shipping: r[12],
                orderClass: r[13],
                classReason: r[14], items: Int(r[15])!, lineCount: Int(r[16])!, total: Int(r[17])!, currency: r[18],
                due: r[19],
                flag: r[20], note: r[21], closedReason: r[22], heldFrom: r[23], createdAt: r[24], updatedAt: r[25],
                paid: Int(r[26])!, refunded: Int(r[27])!)
        }
    }

    static let tableTitles = [
        "REF", "PLACED", "CUSTOMER", "STATUS", "PAYMENT", "CLASS", "ITEMS", "TOTAL", "DUE", "FLAG",
    ]

    /// The row of the orders table (`list`, `customer show`).
    var tableCells: [String] {
        [
            ref, placedLocal, customer, status, payment, orderClass, String(items), Fmt.money(total),
            due + (overdue ? " overdue" : ""), flag.isEmpty ? "" : "! " + flag,
        ]
    }

    static let csvHeader = [
        "ref", "placed_at", "customer_id", "customer", "customer_email", "status", "payment_status",
        "fulfilment_status", "channel", "shipping", "class", "items", "line_count", "total", "currency", "due", "flag",
    ]

    var csvCells: [String] {
        [
            ref, placedAt, String(customerID), customer, email, status, payment, fulfilment, channel, shipping,
            orderClass,
            String(items), String(lineCount), Fmt.money(total), currency, due, flag,
        ]
    }

    /// A JSON order summary read back into the CSV's cells.
    static func jsonCells(_ o: [String: Any]) -> [String] { csvHeader.map { figText(o[$0]) } }

    /// Checks that the table, CSV and JSON of a list of orders hold exactly `expected`, in its order.
    static func expectList(
        table text: String, csv: String, json: [[String: Any]], _ expected: [FigOrder],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let table = try #require(
            FigTable.parse(text, header: "REF"), "no orders table in:\n\(text)", sourceLocation: sourceLocation)
        #expect(table.titles == tableTitles, sourceLocation: sourceLocation)
        #expect(table.rows.map { $0["REF"] ?? "" } == expected.map(\.ref), "table rows", sourceLocation: sourceLocation)
        for (row, o) in zip(table.rows, expected) {
            #expect(
                FigTable.cells(row, tableTitles) == o.tableCells, "table row \(o.ref)", sourceLocation: sourceLocation)
            #expect(row[""] == nil, "a cell under no column in \(o.ref): \(row)", sourceLocation: sourceLocation)
        }
        let records = try figCSV(csv, sourceLocation: sourceLocation)
        #expect(records.first == csvHeader, sourceLocation: sourceLocation)
        #expect(
            records.dropFirst().map { $0.first ?? "" } == expected.map(\.ref), "CSV rows",
            sourceLocation: sourceLocation)
        for (record, o) in zip(records.dropFirst(), expected) {
            #expect(record == o.csvCells, "CSV row \(o.ref)", sourceLocation: sourceLocation)
        }
        #expect(json.map { figText($0["ref"]) } == expected.map(\.ref), "JSON rows", sourceLocation: sourceLocation)
        for (object, o) in zip(json, expected) {
            #expect(jsonCells(object) == o.csvCells, "JSON order \(o.ref)", sourceLocation: sourceLocation)
            #expect(Set(object.keys) == Set(csvHeader), "JSON keys of \(o.ref)", sourceLocation: sourceLocation)
        }
    }
}

// MARK: - Stats groups, from the tables

/// The figures of one stats group, summed by SQL from the orders' own rows.
struct FigGroup {
    var orders = 0, cancelled = 0, units = 0, gross = 0, refunds = 0, shipped = 0, returned = 0
    var ship: [Int] = [], delivery: [Int] = []

    var kept: Int { orders - cancelled }
    var net: Int { gross - refunds }
    var average: String? { kept > 0 ? Fmt.money(Fmt.ratio(gross, kept)) : nil }

    static func lead(_ v: [Int]) -> String { v.isEmpty ? "–" : "\(Fmt.days(Fmt.median(v)!))/\(Fmt.days(Fmt.p90(v)!))" }

    static let tableTitles = ["ORDERS", "UNITS", "GROSS", "REFUNDS", "NET", "AVG", "CANC", "RET", "SHIP d", "DELIV d"]

    var tableCells: [String] {
        [
            String(orders), String(units), Fmt.money(gross), Fmt.money(refunds), Fmt.money(net), average ?? "–",
            orders > 0 ? Fmt.percent(cancelled, orders) : "–", shipped > 0 ? Fmt.percent(returned, shipped) : "–",
            Self.lead(ship), Self.lead(delivery),
        ]
    }

    static let csvHeader = [
        "currency", "orders", "cancelled", "units", "gross", "refunds", "net", "average_order",
        "cancellation_rate", "return_rate", "ship_hours_median", "ship_hours_p90",
        "delivery_hours_median", "delivery_hours_p90",
    ]

    var csvCells: [String] {
        [
            "EUR", String(orders), String(cancelled), String(units), Fmt.money(gross), Fmt.money(refunds),
            Fmt.money(net), average ?? "",
            orders > 0 ? Fmt.fraction(cancelled, orders) : "", shipped > 0 ? Fmt.fraction(returned, shipped) : "",
            Fmt.opt(Fmt.median(ship)), Fmt.opt(Fmt.p90(ship)), Fmt.opt(Fmt.median(delivery)),
            Fmt.opt(Fmt.p90(delivery)),
        ]
    }

    /// A JSON group read back into the CSV's cells, and the count of orders behind each lead time.
    static func jsonCells(_ g: [String: Any]) -> [String] {
        let ship = g["ship_hours"] as? [String: Any] ?? [:]
        let delivery = g["delivery_hours"] as? [String: Any] ?? [:]
        return [
            "currency", "orders", "cancelled", "units", "gross", "refunds", "net", "average_order", "cancellation_rate",
            "return_rate",
        ]
        .map { figText(g[$0]) } + [
            figText(ship["median"]), figText(ship["p90"]), figText(delivery["median"]), figText(delivery["p90"]),
        ]
    }
    static func jsonLeadCounts(_ g: [String: Any]) -> [Int?] {
        [(g["ship_hours"] as? [String: Any])?.int("orders"), (g["delivery_hours"] as? [String: Any])?.int("orders")]
    }
    var leadCounts: [Int?] { [ship.count, delivery.count] }

    /// Per-order facts of the orders placed in [start, end), each under the SQL key `key`.
    static func orderFacts(key: String, start: String, end: String) -> String {
        """
        WITH f AS (
          SELECT \(key) AS k, o.status = 'cancelled' AS canc,
            (SELECT sum(l.quantity) FROM order_lines l WHERE l.order_id = o.id) AS units,
            (SELECT sum(l.quantity * l.unit_price) FROM order_lines l WHERE l.order_id = o.id) AS gross,
            (SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE p.order_id = o.id AND p.kind = 'refund') AS refunds,
            (SELECT coalesce(sum(sl.quantity), 0) FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id WHERE s.order_id = o.id) AS shipped,
            (SELECT coalesce(sum(rl.quantity), 0) FROM returns r JOIN return_lines rl ON rl.return_id = r.id WHERE r.order_id = o.id) AS returned,
            (SELECT (unixepoch(min(s.shipped_at)) - unixepoch(o.placed_at)) / 3600 FROM shipments s WHERE s.order_id = o.id) AS ship_h,
            (SELECT CASE WHEN count(*) > 0 AND count(*) = count(s.delivered_at)
                         THEN (unixepoch(max(s.delivered_at)) - unixepoch(min(s.shipped_at))) / 3600 END
               FROM shipments s WHERE s.order_id = o.id) AS delivery_h
          FROM orders o JOIN customers c ON c.id = o.customer_id
          WHERE o.placed_at >= '\(start)' AND o.placed_at < '\(end)'
        )
        """
    }

    /// Per-line facts (by product: value of the units returned instead of refunds; no lead times).
    static func lineFacts(key: String, start: String, end: String) -> String {
        """
        WITH f AS (
          SELECT \(key) AS k, o.status = 'cancelled' AS canc, l.quantity AS units, l.quantity * l.unit_price AS gross,
            (SELECT coalesce(sum(rl.quantity), 0) FROM return_lines rl WHERE rl.order_line_id = l.id) * l.unit_price AS refunds,
            (SELECT coalesce(sum(sl.quantity), 0) FROM shipment_lines sl WHERE sl.order_line_id = l.id) AS shipped,
            (SELECT coalesce(sum(rl.quantity), 0) FROM return_lines rl WHERE rl.order_line_id = l.id) AS returned,
            NULL AS ship_h, NULL AS delivery_h
          FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id
          JOIN customers c ON c.id = o.customer_id
          WHERE o.placed_at >= '\(start)' AND o.placed_at < '\(end)'
        )
        """
    }

    /// The groups of `facts`, by key: orders placed (cancelled included), cancelled, and of
    /// the rest units, gross, refunds, those with a shipped unit and those with a returned
    /// one, and the lead times.
    static func groups(_ sb: Sandbox, _ facts: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [String: FigGroup]
    {
        let rows = try sb.rows(
            facts + """
                SELECT k, count(*), sum(canc), sum(iif(canc, 0, units)), sum(iif(canc, 0, gross)), sum(iif(canc, 0, refunds)),
                       sum(NOT canc AND shipped > 0), sum(NOT canc AND shipped > 0 AND returned > 0),
                       group_concat(ship_h) FILTER (WHERE NOT canc), group_concat(delivery_h) FILTER (WHERE NOT canc)
                FROM f GROUP BY k
                """, sourceLocation: sourceLocation)
        var out: [String: FigGroup] = [:]
        for r in rows {
            out[r[0]] = FigGroup(
                orders: Int(r[1])!, cancelled: Int(r[2])!, units: Int(r[3])!, gross: Int(r[4])!, refunds: Int(r[5])!,
                shipped: Int(r[6])!, returned: Int(r[7])!, ship: Fmt.ints(r[8]), delivery: Fmt.ints(r[9]))
        }
        return out
    }

    static func total(
        _ sb: Sandbox, start: String = FigShop.defaultStart, end: String = FigShop.defaultEnd,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> FigGroup {
        try groups(sb, orderFacts(key: "'Total'", start: start, end: end), sourceLocation: sourceLocation)["Total"]
            ?? FigGroup()
    }
}

/// Calendar labels of the periods from `from` to `to` (inclusive days), in order.
enum FigPeriods {
    static func days(_ from: String, _ to: String) -> [String] {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        var out: [String] = []
        var d = f.date(from: from)!
        let last = f.date(from: to)!
        while d <= last {
            out.append(f.string(from: d))
            d = cal.date(byAdding: .day, value: 1, to: d)!
        }
        return out
    }

    static func labels(_ dimension: String, _ from: String, _ to: String) -> [String] {
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = TimeZone(identifier: "UTC")!
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        var out: [String] = []
        for day in days(from, to) {
            let label: String
            switch dimension {
            case "day": label = day
            case "month": label = String(day.prefix(7))
            case "year": label = String(day.prefix(4))
            case "quarter": label = "\(day.prefix(4))-Q\((Int(day.dropFirst(5).prefix(2))! + 2) / 3)"
            case "week":
                let c = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: f.date(from: day)!)
                label = String(format: "%04d-W%02d", c.yearForWeekOfYear!, c.weekOfYear!)
            default: fatalError(dimension)
            }
            if out.last != label { out.append(label) }
        }
        return out
    }
}

// MARK: - Orders: list and show

@Suite("figures: list and show, against the tables")
struct FiguresOrderTests {
    @Test("list: table, CSV and JSON hold every order with its figures")
    func list() throws {
        let sb = try FigShop.sandbox()
        let expected = try FigOrder.all(sb)
        #expect(expected.map(\.ref).sorted() == FigShop.refs)
        try FigOrder.expectList(
            table: try sb.ok("list").stdout, csv: try sb.ok("list", "--csv").stdout,
            json: try figJSONArray(sb, ["list"]), expected)
    }

    @Test("list with filters: the same figures for the orders each filter selects")
    func filtered() throws {
        let sb = try FigShop.sandbox()
        // Each filter as SQL over the tables (unpaid: less paid than the lines' total).
        let cases: [([String], String)] = [
            (["--customer", "mia@example.it"], "o.customer_id = 3"),
            (["--status", "cancelled"], "o.status = 'cancelled'"),
            (
                ["--unpaid"],
                "o.status <> 'cancelled' AND (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.order_id = o.id AND p.kind = 'payment') < (SELECT sum(quantity * unit_price) FROM order_lines l WHERE l.order_id = o.id)"
            ),
            (
                ["--since", "2026-10-01", "--until", "2026-11-22"],
                "o.placed_at >= '2026-09-30T22:00:00Z' AND o.placed_at < '2026-11-22T23:00:00Z'"
            ),
            (
                ["--overdue"],
                "o.due_date < '2026-11-25' AND o.status IN ('pending', 'confirmed', 'processing', 'on_hold', 'shipped')"
            ),
        ]
        for (args, condition) in cases {
            let expected = try FigOrder.all(sb, where: condition)
            #expect(!expected.isEmpty, "\(args) selects nothing")
            try FigOrder.expectList(
                table: try sb.ok(["list"] + args).stdout, csv: try sb.ok(["list"] + args + ["--csv"]).stdout,
                json: try figJSONArray(sb, ["list"] + args), expected)
        }
        // --sort total: largest first (ties newest first).
        let byTotal = try FigOrder.all(sb).sorted {
            $0.total != $1.total ? $0.total > $1.total : $0.placedAt > $1.placedAt
        }
        try FigOrder.expectList(
            table: try sb.ok("list", "--sort", "total").stdout,
            csv: try sb.ok("list", "--sort", "total", "--csv").stdout,
            json: try figJSONArray(sb, ["list", "--sort", "total"]), byTotal)
    }

    struct Line {
        var no = 0, sku = "", name = "", quantity = 0, unitPrice = 0, lineTotal = 0, override = false
        var reserved = 0, backordered = 0, shipped = 0, returned = 0
    }

    /// An order's lines: shipped and returned units from the shipments and returns.
    static func lines(_ sb: Sandbox, _ id: Int) throws -> [Line] {
        try sb.rows(
            """
            SELECT l.line_no, l.sku, l.name, l.quantity, l.unit_price, l.quantity * l.unit_price, l.price_source = 'override',
                   l.reserved, l.backordered,
                   (SELECT coalesce(sum(quantity), 0) FROM shipment_lines WHERE order_line_id = l.id),
                   (SELECT coalesce(sum(quantity), 0) FROM return_lines WHERE order_line_id = l.id)
            FROM order_lines l WHERE l.order_id = \(id) ORDER BY l.line_no
            """
        ).map { r in
            Line(
                no: Int(r[0])!, sku: r[1], name: r[2], quantity: Int(r[3])!, unitPrice: Int(r[4])!,
                lineTotal: Int(r[5])!,
                override: r[6] == "1", reserved: Int(r[7])!, backordered: Int(r[8])!, shipped: Int(r[9])!,
                returned: Int(r[10])!)
        }
    }

    struct Shipment {
        var id = 0, carrier = "", tracking = "", shippedAt = "", shippedLocal = "", deliveredAt = "",
            deliveredLocal = ""
        var lines: [(sku: String, quantity: Int)] = []
    }

    static func shipments(_ sb: Sandbox, _ id: Int) throws -> [Shipment] {
        try sb.rows(
            """
            SELECT s.id, s.carrier, s.tracking, s.shipped_at, \(Berlin.time("s.shipped_at")), s.delivered_at,
                   CASE WHEN s.delivered_at IS NOT NULL THEN \(Berlin.time("s.delivered_at")) END
            FROM shipments s WHERE s.order_id = \(id) ORDER BY s.id
            """
        ).map { r in
            var s = Shipment(
                id: Int(r[0])!, carrier: r[1], tracking: r[2], shippedAt: r[3], shippedLocal: r[4], deliveredAt: r[5],
                deliveredLocal: r[6])
            s.lines = try sb.rows(
                """
                SELECT l.sku, sl.quantity FROM shipment_lines sl JOIN order_lines l ON l.id = sl.order_line_id
                WHERE sl.shipment_id = \(s.id) ORDER BY l.line_no
                """
            ).map { ($0[0], Int($0[1])!) }
            return s
        }
    }

    struct Payment { var kind = "", amount = 0, method = "", reason = "", at = "", local = "" }

    static func payments(_ sb: Sandbox, _ id: Int) throws -> [Payment] {
        try sb.rows(
            "SELECT kind, amount, method, reason, at, \(Berlin.time("at")) FROM payments WHERE order_id = \(id) ORDER BY id"
        ).map {
            Payment(kind: $0[0], amount: Int($0[1])!, method: $0[2], reason: $0[3], at: $0[4], local: $0[5])
        }
    }

    struct Event { var seq = 0, at = "", local = "", kind = "", old = "", new = "", detail = "" }

    static func events(_ sb: Sandbox, _ id: Int) throws -> [Event] {
        try sb.rows(
            "SELECT seq, at, \(Berlin.time("at")), kind, old_value, new_value, detail FROM order_events WHERE order_id = \(id) ORDER BY seq"
        ).map {
            Event(seq: Int($0[0])!, at: $0[1], local: $0[2], kind: $0[3], old: $0[4], new: $0[5], detail: $0[6])
        }
    }

    /// Orders whose shipments have all arrived: what a delivery-time prediction learns from.
    static func deliveredOrders(_ sb: Sandbox) throws -> Int {
        Int(
            try sb.scalar(
                """
                SELECT count(*) FROM orders o WHERE EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id)
                   AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.delivered_at IS NULL)
                """))!
    }

    /// The weekday and distance of a due date from today (2026-11-25, a Wednesday).
    static func dueText(_ due: String) -> String {
        let days = FigPeriods.days(min(due, FigShop.today), max(due, FigShop.today)).count - 1
        let signed = due < FigShop.today ? -days : days
        let weekdays = ["Wed", "Thu", "Fri", "Sat", "Sun", "Mon", "Tue"]
        let weekday = weekdays[((signed % 7) + 7) % 7]
        let when =
            signed == 0 ? "today" : signed == 1 ? "tomorrow" : signed > 0 ? "in \(signed) days" : "\(-signed) days ago"
        return "\(due) (\(weekday), \(when))"
    }

    @Test("show REF: every line of the text, figures from the tables", arguments: FigShop.refs)
    func showText(ref: String) throws {
        let sb = try FigShop.sandbox()
        let o = try #require(try FigOrder.all(sb, where: "o.ref = '\(ref)'").first)
        let lines = try Self.lines(sb, o.id)
        let shipments = try Self.shipments(sb, o.id)
        let payments = try Self.payments(sb, o.id)
        let events = try Self.events(sb, o.id)
        let out = try sb.ok("show", ref).stdout

        // The lines table.
        let table = try #require(FigTable.parse(out, header: "#  SKU"), "no lines table in:\n\(out)")
        let titles = ["#", "SKU", "NAME", "QTY", "PRICE", "TOTAL", "STOCK"]
        #expect(table.titles == titles)
        #expect(
            table.rows.map { FigTable.cells($0, titles) }
                == lines.map { l in
                    let stock = [
                        (l.reserved, "reserved"), (l.backordered, "backordered"), (l.shipped, "shipped"),
                        (l.returned, "returned"),
                    ]
                    .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
                    return [
                        String(l.no), l.sku, l.name, String(l.quantity),
                        Fmt.money(l.unitPrice) + (l.override ? "*" : ""), Fmt.money(l.lineTotal), stock,
                    ]
                })

        // Every other line.
        var expected = [
            "Order \(ref)  \(o.status)  payment \(o.payment)  fulfilment \(o.fulfilment)",
            "Customer:  \(o.customer) (#\(o.customerID)" + (o.email.isEmpty ? "" : ", \(o.email)")
                + (o.country.isEmpty ? "" : ", \(o.country)") + ")",
            "Placed:    \(o.placedLocal) via \(o.channel), \(o.shipping) shipping",
        ]
        if !o.due.isEmpty { expected.append("Due:       \(Self.dueText(o.due))" + (o.overdue ? "  OVERDUE" : "")) }
        // show keeps one pair of parentheses: "no rule matched; tried ..." (hand-written here).
        let reason =
            o.classReason.hasPrefix("no rule matched (tried ")
            ? "no rule matched; tried " + o.classReason.dropFirst(23).dropLast() : o.classReason
        expected.append("Class:     \(o.orderClass) (\(reason))")
        if !o.note.isEmpty { expected.append("Note:      \(o.note)") }
        expected.append("")
        expected.append(
            "Total:     \(Fmt.eur(o.total))  (\(Fmt.plural(o.items, "unit")) in \(Fmt.plural(lines.count, "line")))")
        if lines.contains(where: \.override) {
            expected.append("           * price given on the order, not the catalog's")
        }
        let reserved = lines.map(\.reserved).reduce(0, +)
        let backordered = lines.map(\.backordered).reduce(0, +)
        if reserved > 0 || backordered > 0 {
            expected.append(
                "Stock:     \(Fmt.plural(reserved, "unit")) reserved"
                    + (backordered > 0 ? ", \(backordered) backordered" : ""))
        }
        if o.paid > 0 || o.refunded > 0 {
            expected.append(
                "Paid:      \(Fmt.eur(o.paid))" + (o.refunded > 0 ? ", refunded \(Fmt.eur(o.refunded))" : "")
                    + (o.balanceDue > 0 && o.status != "cancelled" ? ", \(Fmt.eur(o.balanceDue)) still owed" : ""))
        }
        if o.status == "cancelled" {
            expected.append("Cancelled: \(o.closedReason)")
            let owedBack = o.paid - o.refunded
            if owedBack > 0 {
                expected.append(
                    "Owed back: \(Fmt.eur(owedBack)) (orderctl refund \(ref) --amount \(Fmt.money(owedBack)))")
            }
        }
        if !o.flag.isEmpty { expected.append("Flag:      ! \(o.flag)") }
        if !shipments.isEmpty {
            expected += ["", "Shipments"]
            for (i, s) in shipments.enumerated() {
                expected.append(
                    "  \(i + 1). \(s.shippedLocal)  "
                        + s.lines.map { "\($0.sku) x\($0.quantity)" }.joined(separator: ", ")
                        + (s.carrier.isEmpty ? "" : "  via \(s.carrier)" + (s.tracking.isEmpty ? "" : " \(s.tracking)"))
                        + (s.deliveredLocal.isEmpty ? "" : "  delivered \(s.deliveredLocal)"))
                // DHL's tracking link (the built-in carrier.dhl.url).
                if s.carrier == "dhl" {
                    expected.append("     https://www.dhl.com/en/express/tracking.html?AWB=\(s.tracking)")
                }
            }
        }
        if !payments.isEmpty {
            expected += ["", "Payments"]
            for p in payments {
                let extra = [p.method.isEmpty ? nil : "by \(p.method)", p.reason.isEmpty ? nil : p.reason].compactMap {
                    $0
                }.joined(separator: ", ")
                expected.append(
                    "  \(p.local)  \(p.kind == "refund" ? "refund " : "payment") \(Fmt.eur(p.amount))"
                        + (extra.isEmpty ? "" : "  (\(extra))"))
            }
        }
        expected += ["", "History"]
        for e in events {
            var line = "  \(e.local)  \(e.kind)"
            if !e.old.isEmpty && !e.new.isEmpty {
                line += ": \(e.old) -> \(e.new)"
            } else if !e.new.isEmpty {
                line += ": \(e.new)"
            }
            // A detail ending in its own parentheses reads "a; b" inside show's: no nesting.
            let detail =
                e.detail.hasPrefix("no rule matched (tried ")
                ? "no rule matched; tried " + e.detail.dropFirst(23).dropLast() : e.detail
            if !detail.isEmpty { line += " (\(detail))" }
            #expect(!line.contains("))"), "nested parentheses: \(line)")
            expected.append(line)
        }
        // An open order gets an ETA; this shop has too few delivered orders for one (30 needed).
        if o.isOpen {
            expected.append("ETA:       not enough history (\(try Self.deliveredOrders(sb)) delivered orders, need 30)")
        }

        let all = out.components(separatedBy: "\n").dropLastIfEmpty()
        let header = try #require(all.firstIndex { $0.hasPrefix("#  SKU") })
        let rest = Array(all[..<header]) + Array(all[(header + 1 + lines.count)...])
        #expect(rest == expected)
    }

    @Test("show REF --json: every field against the tables", arguments: FigShop.refs)
    func showJSON(ref: String) throws {
        let sb = try FigShop.sandbox()
        let o = try #require(try FigOrder.all(sb, where: "o.ref = '\(ref)'").first)
        let lines = try Self.lines(sb, o.id)
        let shipments = try Self.shipments(sb, o.id)
        let payments = try Self.payments(sb, o.id)
        let events = try Self.events(sb, o.id)
        let j = try sb.jsonObject("show", ref)

        #expect(FigOrder.jsonCells(j) == o.csvCells)
        #expect(figText(j["class_reason"]) == o.classReason)
        #expect(
            figText(j["note"]) == o.note && figText(j["cancel_reason"]) == o.closedReason
                && figText(j["held_from"]) == o.heldFrom)
        #expect(figText(j["created_at"]) == o.createdAt && figText(j["updated_at"]) == o.updatedAt)
        #expect(figText(j["paid"]) == Fmt.money(o.paid))
        #expect(figText(j["refunded"]) == Fmt.money(o.refunded))
        #expect(figText(j["balance_due"]) == Fmt.money(o.balanceDue))
        #expect(figText(j["owed_back"]) == Fmt.money(o.status == "cancelled" ? o.paid - o.refunded : 0))
        #expect(j.int("reserved") == lines.map(\.reserved).reduce(0, +))
        #expect(j.int("backordered") == lines.map(\.backordered).reduce(0, +))

        let customer = j.object("customer_details")
        let c = try #require(
            try sb.rows(
                "SELECT id, name, email, phone, country, region, address, note, created_at FROM customers WHERE id = \(o.customerID)"
            ).first)
        #expect(
            ["id", "name", "email", "phone", "country", "region", "address", "note", "created_at"].map {
                figText(customer[$0])
            } == c)

        #expect(
            j.objects("lines").map { l in
                [
                    "line", "sku", "name", "quantity", "unit_price", "line_total", "currency", "price_source",
                    "reserved", "backordered", "shipped", "returned",
                ]
                .map { figText(l[$0]) }
            }
                == lines.map { l in
                    [
                        String(l.no), l.sku, l.name, String(l.quantity), Fmt.money(l.unitPrice), Fmt.money(l.lineTotal),
                        "EUR",
                        l.override ? "override" : "catalog", String(l.reserved), String(l.backordered),
                        String(l.shipped), String(l.returned),
                    ]
                })
        #expect(
            j.objects("shipments").map { s in
                ["carrier", "tracking", "shipped_at", "delivered_at"].map { figText(s[$0]) }
                    + [
                        s.objects("lines").map { "\(figText($0["sku"])) x\(figText($0["quantity"]))" }.joined(
                            separator: ", ")
                    ]
            }
                == shipments.map { s in
                    [
                        s.carrier, s.tracking, s.shippedAt, s.deliveredAt,
                        s.lines.map { "\($0.sku) x\($0.quantity)" }.joined(separator: ", "),
                    ]
                })
        #expect(
            j.objects("payments").map { p in
                ["kind", "amount", "currency", "method", "reason", "at"].map { figText(p[$0]) }
            }
                == payments.map { [$0.kind, Fmt.money($0.amount), "EUR", $0.method, $0.reason, $0.at] })
        #expect(
            j.objects("events").map { e in ["seq", "at", "kind", "old", "new", "detail"].map { figText(e[$0]) } }
                == events.map { [String($0.seq), $0.at, $0.kind, $0.old, $0.new, $0.detail] })
        if o.isOpen {
            let eta = j.object("eta")
            #expect(eta.isNull("ship") && eta.isNull("delivery") && eta.int("group_size") == 0)
            #expect(
                eta.string("note") == "not enough history (\(try Self.deliveredOrders(sb)) delivered orders, need 30)")
        }
    }
}

// MARK: - Customers

struct FigCustomer {
    var id = 0, name = "", email = "", phone = "", country = "", region = "", address = "", note = "", createdAt = "",
        since = ""
    var orders = 0, spent = 0, lastOrderAt = "", lastOrderDay = ""

    /// Every customer, by name: orders placed (cancelled included), spent (the lines of
    /// orders not cancelled), the last order placed (any status) and its day in Berlin.
    static func all(_ sb: Sandbox) throws -> [FigCustomer] {
        try sb.rows(
            """
            SELECT c.id, c.name, c.email, c.phone, c.country, c.region, c.address, c.note, c.created_at, \(Berlin.day("c.created_at")),
                   (SELECT count(*) FROM orders o WHERE o.customer_id = c.id),
                   (SELECT coalesce(sum(l.quantity * l.unit_price), 0) FROM orders o JOIN order_lines l ON l.order_id = o.id
                     WHERE o.customer_id = c.id AND o.status <> 'cancelled'),
                   (SELECT max(o.placed_at) FROM orders o WHERE o.customer_id = c.id),
                   (SELECT \(Berlin.day("max(o.placed_at)")) FROM orders o WHERE o.customer_id = c.id)
            FROM customers c
            ORDER BY c.name COLLATE NOCASE, c.id
            """
        ).map { r in
            FigCustomer(
                id: Int(r[0])!, name: r[1], email: r[2], phone: r[3], country: r[4], region: r[5], address: r[6],
                note: r[7],
                createdAt: r[8], since: r[9], orders: Int(r[10])!, spent: Int(r[11])!, lastOrderAt: r[12],
                lastOrderDay: r[13])
        }
    }

    static let tableTitles = ["ID", "NAME", "EMAIL", "COUNTRY", "ORDERS", "SPENT", "LAST ORDER"]
    var tableCells: [String] { [String(id), name, email, country, String(orders), Fmt.money(spent), lastOrderDay] }

    static let csvHeader = [
        "id", "name", "email", "phone", "country", "order_count", "total_spent", "currency", "last_order_at",
    ]
    /// CSV: a phone starting with "+" gets a leading apostrophe, so that a spreadsheet does
    /// not run it as a formula (CSV's documented guard).
    var csvCells: [String] {
        [
            String(id), name, email, phone.hasPrefix("+") ? "'" + phone : phone, country, String(orders),
            Fmt.money(spent), "EUR", lastOrderAt,
        ]
    }

    static let jsonKeys = [
        "id", "name", "email", "phone", "country", "region", "address", "note", "created_at", "external_ref",
        "order_count", "total_spent", "currency", "last_order_at",
    ]
    /// No customer of the shop came from an import: external_ref is null for all.
    var jsonCells: [String] {
        [
            String(id), name, email, phone, country, region, address, note, createdAt, "", String(orders),
            Fmt.money(spent), "EUR", lastOrderAt,
        ]
    }
}

@Suite("figures: customer list and show, against the tables")
struct FiguresCustomerTests {
    @Test("customer list: table, CSV and JSON: orders, spent and last order of every customer")
    func list() throws {
        let sb = try FigShop.sandbox()
        let expected = try FigCustomer.all(sb)
        #expect(expected.map(\.id).sorted() == FigShop.customerIDs)

        let out = try sb.ok("customer", "list").stdout
        let table = try #require(FigTable.parse(out, header: "ID"), "no table in:\n\(out)")
        #expect(table.titles == FigCustomer.tableTitles)
        #expect(table.rows.map { FigTable.cells($0, FigCustomer.tableTitles) } == expected.map(\.tableCells))

        let csv = try figCSV(try sb.ok("customer", "list", "--csv").stdout)
        #expect(csv.first == FigCustomer.csvHeader)
        #expect(Array(csv.dropFirst()) == expected.map(\.csvCells))

        let json = try figJSONArray(sb, ["customer", "list"])
        #expect(json.map { o in FigCustomer.jsonKeys.map { figText(o[$0]) } } == expected.map(\.jsonCells))
        #expect(json.allSatisfy { Set($0.keys) == Set(FigCustomer.jsonKeys) })

        // --search: the same figures for the customers it finds.
        let found = expected.filter { $0.name.lowercased().contains("ro") || $0.email.lowercased().contains("ro") }
        #expect(!found.isEmpty)
        let searched = try figCSV(try sb.ok("customer", "list", "--search", "ro", "--csv").stdout)
        #expect(Array(searched.dropFirst()) == found.map(\.csvCells))
    }

    @Test("customer show ID: text and JSON, with the customer's orders", arguments: FigShop.customerIDs)
    func show(id: Int) throws {
        let sb = try FigShop.sandbox()
        let c = try #require(try FigCustomer.all(sb).first { $0.id == id })
        let orders = try FigOrder.all(sb, where: "o.customer_id = \(id)")
        #expect(orders.count == c.orders)

        let out = try sb.ok("customer", "show", String(id)).stdout
        var expected = ["Customer #\(id): \(c.name)"]
        if !c.email.isEmpty { expected.append("Email:    \(c.email)") }
        if !c.phone.isEmpty { expected.append("Phone:    \(c.phone)") }
        if !c.country.isEmpty { expected.append("Country:  \(c.country)") }
        if !c.region.isEmpty { expected.append("Region:   \(c.region)") }
        expected.append("Since:    \(c.since)")
        expected.append("Orders:   \(c.orders), total spent \(Fmt.eur(c.spent)) (cancelled orders not counted)")
        let all = out.components(separatedBy: "\n").dropLastIfEmpty()
        #expect(Array(all.prefix(expected.count)) == expected)
        if orders.isEmpty {
            #expect(all.count == expected.count)
        } else {
            let table = try #require(FigTable.parse(out, header: "REF"))
            #expect(table.rows.map { FigTable.cells($0, FigOrder.tableTitles) } == orders.map(\.tableCells))
        }

        let j = try sb.jsonObject("customer", "show", String(id))
        #expect(FigCustomer.jsonKeys.map { figText(j[$0]) } == c.jsonCells)
        #expect(j.objects("orders").map(FigOrder.jsonCells) == orders.map(\.csvCells))
    }
}

// MARK: - Products

struct FigProduct {
    var id = 0, sku = "", name = "", price = 0, tracked = false, onHand = 0, reserved = 0, reorderAt = "", active = true
    var available: Int { onHand - reserved }
    var low: Bool { tracked && !reorderAt.isEmpty && available <= Int(reorderAt)! }

    /// Every product by SKU: on hand is the sum of its stock moves, reserved what the
    /// lines of its orders hold.
    static func all(_ sb: Sandbox) throws -> [FigProduct] {
        try sb.rows(
            """
            SELECT p.id, p.sku, p.name, p.price, p.track_stock,
                   (SELECT coalesce(sum(m.delta), 0) FROM stock_moves m WHERE m.product_id = p.id),
                   (SELECT coalesce(sum(l.reserved), 0) FROM order_lines l WHERE l.product_id = p.id),
                   p.reorder_at, p.active
            FROM products p ORDER BY p.sku
            """
        ).map { r in
            FigProduct(
                id: Int(r[0])!, sku: r[1], name: r[2], price: Int(r[3])!, tracked: r[4] == "1", onHand: Int(r[5])!,
                reserved: Int(r[6])!, reorderAt: r[7], active: r[8] == "1")
        }
    }

    static let tableTitles = ["SKU", "NAME", "PRICE", "ON HAND", "RESERVED", "AVAILABLE", "REORDER AT", ""]
    var tableCells: [String] {
        [
            sku, name, Fmt.money(price), tracked ? String(onHand) : "-", tracked ? String(reserved) : "-",
            tracked ? String(available) : "-",
            reorderAt, [low ? "low" : nil, active ? nil : "discontinued"].compactMap { $0 }.joined(separator: ","),
        ]
    }

    static let csvHeader = [
        "sku", "name", "price", "currency", "track_stock", "on_hand", "reserved", "available", "reorder_at", "active",
    ]
    var csvCells: [String] {
        [
            sku, name, Fmt.money(price), "EUR", tracked ? "1" : "0", tracked ? String(onHand) : "",
            tracked ? String(reserved) : "",
            tracked ? String(available) : "", reorderAt, active ? "1" : "0",
        ]
    }

    static let jsonKeys = [
        "sku", "name", "price", "currency", "track_stock", "on_hand", "reserved", "available", "reorder_at",
        "low_stock", "active",
    ]
    var jsonCells: [String] {
        [
            sku, name, Fmt.money(price), "EUR", String(tracked), tracked ? String(onHand) : "",
            tracked ? String(reserved) : "",
            tracked ? String(available) : "", reorderAt, String(low), String(active),
        ]
    }
}

@Suite("figures: product list and show, against the tables")
struct FiguresProductTests {
    static func expectList(
        _ sb: Sandbox, _ args: [String], _ expected: [FigProduct], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let out = try sb.ok(["product", "list"] + args, sourceLocation: sourceLocation).stdout
        let table = try #require(
            FigTable.parse(out, header: "SKU"), "no table in:\n\(out)", sourceLocation: sourceLocation)
        #expect(
            table.rows.map { FigTable.cells($0, FigProduct.tableTitles) } == expected.map(\.tableCells),
            sourceLocation: sourceLocation)
        let csv = try figCSV(
            try sb.ok(["product", "list"] + args + ["--csv"], sourceLocation: sourceLocation).stdout,
            sourceLocation: sourceLocation)
        #expect(csv.first == FigProduct.csvHeader, sourceLocation: sourceLocation)
        #expect(Array(csv.dropFirst()) == expected.map(\.csvCells), sourceLocation: sourceLocation)
        let json = try figJSONArray(sb, ["product", "list"] + args, sourceLocation: sourceLocation)
        #expect(
            json.map { o in FigProduct.jsonKeys.map { figText(o[$0]) } } == expected.map(\.jsonCells),
            sourceLocation: sourceLocation)
    }

    @Test("product list (plain, --all, --low): price, on hand, reserved, available, reorder point, flags")
    func list() throws {
        let sb = try FigShop.sandbox()
        let all = try FigProduct.all(sb)
        #expect(all.map(\.sku) == FigShop.skus)
        // What this shop should show, by hand: VASE is low (5 on hand, O-09 and O-12 hold 5).
        #expect(all.filter(\.low).map(\.sku) == ["VASE"])
        try Self.expectList(sb, [], all.filter(\.active))
        try Self.expectList(sb, ["--all"], all)
        try Self.expectList(sb, ["--low"], all.filter { $0.active && $0.low })
    }

    @Test("product show SKU: text and JSON: stock, the orders holding it, its stock moves", arguments: FigShop.skus)
    func show(sku: String) throws {
        let sb = try FigShop.sandbox()
        let p = try #require(try FigProduct.all(sb).first { $0.sku == sku })
        // The newest 20 moves, and the lines holding stock (by when their order was placed).
        let moves = try sb.rows(
            """
            SELECT m.at, \(Berlin.time("m.at")), m.kind, m.delta, m.on_hand, o.ref, m.note,
                   (SELECT sum(m2.delta) FROM stock_moves m2 WHERE m2.product_id = m.product_id AND m2.id <= m.id)
            FROM stock_moves m LEFT JOIN orders o ON o.id = m.order_id WHERE m.product_id = \(p.id) ORDER BY m.id DESC LIMIT 20
            """)
        let holds = try sb.rows(
            """
            SELECT o.ref, l.reserved, l.backordered FROM order_lines l JOIN orders o ON o.id = l.order_id
            WHERE l.product_id = \(p.id) AND (l.reserved > 0 OR l.backordered > 0) ORDER BY o.placed_at, o.id
            """)
        // Each move's "on hand after" is the running sum of the deltas.
        for m in moves { #expect(m[4] == m[7], "stock move on hand after: \(m)") }

        let out = try sb.ok("product", "show", sku).stdout
        var expected = [
            "Product \(sku)" + (p.active ? "" : "  discontinued"), "Name:       \(p.name)",
            "Price:      \(Fmt.eur(p.price))",
        ]
        if p.tracked {
            expected.append(
                "Stock:      \(p.onHand) on hand, \(p.reserved) reserved, \(p.available) available"
                    + (p.low ? "  LOW" : ""))
            expected.append("Reorder at: \(p.reorderAt.isEmpty ? "not set" : p.reorderAt)")
        } else {
            expected.append("Stock:      not tracked")
        }
        if !holds.isEmpty {
            expected += ["", "Held by orders"]
            expected += holds.map { "  \($0[0]): \($0[1]) reserved" + ($0[2] != "0" ? ", \($0[2]) backordered" : "") }
        }
        if !moves.isEmpty { expected += ["", "Stock moves (newest first)"] }
        let all = out.components(separatedBy: "\n").dropLastIfEmpty()
        #expect(Array(all.prefix(expected.count)) == expected)
        if !moves.isEmpty {
            let table = try #require(FigTable.parse(out, header: "WHEN"))
            let titles = ["WHEN", "KIND", "CHANGE", "ON HAND", "NOTE"]
            #expect(table.titles == titles)
            #expect(
                table.rows.map { FigTable.cells($0, titles) }
                    == moves.map { m in
                        let note = [m[5].isEmpty ? nil : "order \(m[5])", m[6].isEmpty ? nil : m[6]].compactMap { $0 }
                            .joined(separator: ": ")
                        return [m[1], m[2], Int(m[3])! > 0 ? "+\(m[3])" : m[3], m[7], note]
                    })
            #expect(all.count == expected.count + 1 + moves.count)
        } else {
            #expect(all.count == expected.count)
        }

        let j = try sb.jsonObject("product", "show", sku)
        #expect(FigProduct.jsonKeys.map { figText(j[$0]) } == p.jsonCells)
        #expect(
            j.objects("reservations").map { r in ["ref", "reserved", "backordered"].map { figText(r[$0]) } } == holds)
        #expect(
            j.objects("stock_moves").map { m in
                ["at", "kind", "delta", "on_hand", "order", "note"].map { figText(m[$0]) }
            }
                == moves.map { [$0[0], $0[2], $0[3], $0[7], $0[5], $0[6]] })
    }
}

// MARK: - stats (overview)

/// A dimension of `stats --by`: its SQL key, its label in the table, and its key fields
/// in CSV and JSON.
struct FigDimension: Sendable, CustomTestStringConvertible {
    let name: String
    let args: [String]
    var testDescription: String { (["--by", name] + args).joined(separator: " ") }

    static let all: [FigDimension] = [
        FigDimension(name: "month", args: []),
        FigDimension(name: "day", args: ["--from", "2026-09-28", "--to", "2026-10-03"]),
        FigDimension(name: "week", args: ["--from", "2026-08-01"]),
        FigDimension(name: "quarter", args: ["--from", "2025-11-01", "--to", "2026-11-30"]),
        FigDimension(name: "year", args: ["--from", "2025-11-01", "--to", "2026-11-30"]),
        FigDimension(name: "product", args: ["--limit", "0"]),
        FigDimension(name: "customer", args: []),
        FigDimension(name: "channel", args: []),
        FigDimension(name: "class", args: []),
        FigDimension(name: "country", args: []),
        FigDimension(name: "status", args: []),
    ]

    var isPeriod: Bool { ["day", "week", "month", "quarter", "year"].contains(name) }

    /// The period asked for: default, or --from/--to (inclusive days in Berlin).
    var from: String { args.firstIndex(of: "--from").map { args[$0 + 1] } ?? FigShop.defaultFrom }
    var to: String { args.firstIndex(of: "--to").map { args[$0 + 1] } ?? FigShop.defaultTo }

    /// The UTC instant of the midnight that starts a Berlin day of this shop's range, worked
    /// by hand: 22:00Z the day before from 2026-03-30 to 2026-10-25 (CEST), 23:00Z otherwise.
    static func midnight(_ day: String) -> String {
        let summer = day >= "2026-03-30" && day <= "2026-10-25"
        let previous = FigPeriods.days("2025-01-01", day).dropLast().last!
        return summer ? "\(previous)T22:00:00Z" : "\(previous)T23:00:00Z"
    }
    var start: String { Self.midnight(from) }
    var end: String { Self.midnight(FigPeriods.days(to, "2027-01-01")[1]) }

    var key: String {
        switch name {
        case "month": return Berlin.month("o.placed_at")
        case "day": return Berlin.day("o.placed_at")
        case "week": return Berlin.week("o.placed_at")
        case "quarter": return Berlin.quarter("o.placed_at")
        case "year": return Berlin.year("o.placed_at")
        case "product": return "p.sku"
        case "customer": return "o.customer_id"
        case "channel": return "o.channel"
        case "class": return "o.class"
        case "country": return "c.country"
        case "status": return "o.status"
        default: fatalError(name)
        }
    }

    func groups(_ sb: Sandbox) throws -> [String: FigGroup] {
        try FigGroup.groups(
            sb,
            name == "product"
                ? FigGroup.lineFacts(key: key, start: start, end: end)
                : FigGroup.orderFacts(key: key, start: start, end: end))
    }

    var csvKeyHeader: [String] {
        switch name {
        case "customer": return ["customer_id", "customer", "email"]
        case "product": return ["sku", "product"]
        default: return [name]
        }
    }
}

@Suite("figures: stats overview, against the tables")
struct FiguresStatsTests {
    @Test("stats: the Total row, --csv and --json, for the default period and one with O-11")
    func overview() throws {
        let sb = try FigShop.sandbox()
        for (args, start, end) in [
            ([String](), FigShop.defaultStart, FigShop.defaultEnd),
            (["--from", "2025-11-01", "--to", "2026-11-30"], "2025-10-31T23:00:00Z", "2026-11-30T23:00:00Z"),
        ] {
            let total = try FigGroup.total(sb, start: start, end: end)
            let out = try sb.ok(["stats"] + args).stdout
            let table = try #require(FigTable.parse(out, header: "ORDERS"), "no table in:\n\(out)")
            #expect(table.titles == FigGroup.tableTitles)
            #expect(table.rows.count == 1 && table.rows.first?[""] == "Total")
            #expect(table.rows.map { FigTable.cells($0, FigGroup.tableTitles) } == [total.tableCells], "\(args)")

            let csv = try figCSV(try sb.ok(["stats", "--csv"] + args).stdout)
            #expect(csv == [FigGroup.csvHeader, total.csvCells], "\(args)")

            let json = try figJSONObject(sb, ["stats"] + args)
            for key in ["groups", "totals"] {
                #expect(json.objects(key).map(FigGroup.jsonCells) == [total.csvCells], "\(key) \(args)")
                #expect(json.objects(key).map(FigGroup.jsonLeadCounts) == [total.leadCounts], "\(key) \(args)")
            }
        }
        // By hand, the default period (2025-12-01 to 2026-11-25, O-11 outside): 11 orders,
        // 2 cancelled (O-04, O-08); gross 481.55 + O-12's 316.00; refunds 79.00 + 12.50 (O-08's
        // 2.05 is on a cancelled order); ship hours 27, 24, 24, 42, 48; delivery 48, 30, 72.
        let total = try FigGroup.total(sb)
        #expect(
            total.tableCells == [
                "11", "31", "797.55", "91.50", "706.05", "88.62", "18.2%", "40.0%", "1.1/2.0", "2.0/3.0",
            ])
    }

    @Test("stats --by: every row and the Total, in the table, --csv --totals and --json", arguments: FigDimension.all)
    func by(dimension d: FigDimension) throws {
        let sb = try FigShop.sandbox()
        let groups = try d.groups(sb)
        let total = try FigGroup.total(sb, start: d.start, end: d.end)
        let customers = Dictionary(uniqueKeysWithValues: try FigCustomer.all(sb).map { (String($0.id), $0) })
        let products = Dictionary(uniqueKeysWithValues: try FigProduct.all(sb).map { ($0.sku, $0) })

        // The rows: every period of the range (empty ones too), else every key with orders,
        // by net revenue, largest first.
        let keys: [String]
        if d.isPeriod {
            keys = FigPeriods.labels(d.name, d.from, d.to)
            #expect(Set(groups.keys).isSubset(of: Set(keys)), "orders outside the periods: \(groups.keys.sorted())")
        } else {
            keys = groups.keys.sorted()
        }
        func group(_ k: String) -> FigGroup { groups[k] ?? FigGroup() }
        func label(_ k: String) -> String { d.name == "customer" ? customers[k]!.name : k }

        // The table, rows matched by their label.
        let out = try sb.ok(["stats", "--by", d.name] + d.args).stdout
        let title = d.name.uppercased()
        let table = try #require(FigTable.parse(out, header: title), "no table in:\n\(out)")
        #expect(table.titles == [title] + FigGroup.tableTitles)
        let rows = table.rows.filter { $0[title] != "Total" }
        #expect(rows.map { $0[title] ?? "" }.sorted() == keys.map(label).sorted(), "the rows")
        if d.isPeriod { #expect(rows.map { $0[title] ?? "" } == keys, "the periods in order") }
        if !d.isPeriod {
            let nets = rows.map { row in groups.first { label($0.key) == row[title] }?.value.net ?? 0 }
            #expect(nets == nets.sorted(by: >), "rows by net revenue, largest first")
        }
        for k in keys {
            guard let row = rows.first(where: { $0[title] == label(k) }) else { continue }
            #expect(FigTable.cells(row, FigGroup.tableTitles) == group(k).tableCells, "row \(k)")
            // The bar: drawn for net revenue above zero only.
            #expect((row[""] != nil) == (group(k).net > 0), "bar of \(k): \(row)")
        }
        let totalRows = table.rows.filter { $0[title] == "Total" }
        #expect(totalRows.map { FigTable.cells($0, FigGroup.tableTitles) } == [total.tableCells], "the Total row")

        // --csv --totals.
        let csv = try figCSV(try sb.ok(["stats", "--by", d.name, "--csv", "--totals"] + d.args).stdout)
        #expect(csv.first == d.csvKeyHeader + FigGroup.csvHeader)
        let keyCount = d.csvKeyHeader.count
        let body = csv.dropFirst().filter { $0.first != "total" }
        #expect(body.map { $0.first ?? "" }.sorted() == keys.sorted(), "CSV rows")
        if d.isPeriod { #expect(body.map { $0.first ?? "" } == keys) }
        for record in body {
            let k = record[0]
            var expectedKeys = [k]
            if d.name == "customer" { expectedKeys = [k, customers[k]!.name, customers[k]!.email] }
            if d.name == "product" { expectedKeys = [k, products[k]!.name] }
            #expect(record == expectedKeys + group(k).csvCells, "CSV row \(k)")
        }
        #expect(
            csv.filter { $0.first == "total" } == [
                ["total"] + Array(repeating: "", count: keyCount - 1) + total.csvCells
            ], "CSV total")

        // --json.
        let json = try figJSONObject(sb, ["stats", "--by", d.name] + d.args)
        func jsonKey(_ g: [String: Any]) -> String {
            switch d.name {
            case "customer": return figText(g.object("customer")["id"])
            case "product": return figText(g.object("product")["sku"])
            default: return figText(g[d.name])
            }
        }
        let jsonGroups = json.objects("groups")
        #expect(jsonGroups.map(jsonKey).sorted() == keys.sorted(), "JSON groups")
        for g in jsonGroups {
            let k = jsonKey(g)
            #expect(FigGroup.jsonCells(g) == group(k).csvCells, "JSON group \(k)")
            #expect(FigGroup.jsonLeadCounts(g) == group(k).leadCounts, "JSON lead counts \(k)")
            if d.name == "customer" {
                #expect(
                    figText(g.object("customer")["name"]) == customers[k]!.name
                        && figText(g.object("customer")["email"]) == customers[k]!.email)
            }
            if d.name == "product" { #expect(figText(g.object("product")["name"]) == products[k]!.name) }
        }
        #expect(json.objects("totals").map(FigGroup.jsonCells) == [total.csvCells], "JSON totals")
        #expect(
            json.string("from") == d.from && json.string("to") == d.to && json.string("time_zone") == "Europe/Berlin")
    }

    @Test("stats --by product --limit 2: the two best by net revenue, the rest counted as omitted, the Total whole")
    func limit() throws {
        let sb = try FigShop.sandbox()
        let groups = try FigDimension(name: "product", args: []).groups(sb)
        let top = groups.sorted { $0.value.net > $1.value.net }.prefix(2)
        let total = try FigGroup.total(sb)
        #expect(groups.count > 2)

        let r = try sb.ok("stats", "--by", "product", "--limit", "2")
        let table = try #require(FigTable.parse(r.stdout, header: "PRODUCT"), "no table in:\n\(r)")
        let titles = ["PRODUCT"] + FigGroup.tableTitles
        #expect(
            table.rows.map { FigTable.cells($0, titles) } == top.map { [$0.key] + $0.value.tableCells } + [
                ["Total"] + total.tableCells
            ])
        #expect(r.stderr == "Top 2 shown; \(groups.count - 2) more (--limit 0 shows all).\n")

        let json = try figJSONObject(sb, ["stats", "--by", "product", "--limit", "2"])
        #expect(json.int("limit") == 2 && json.int("omitted") == groups.count - 2)
        #expect(
            json.objects("groups").map { [figText($0.object("product")["sku"])] + FigGroup.jsonCells($0) }
                == top.map { [$0.key] + $0.value.csvCells })
        #expect(json.objects("totals").map(FigGroup.jsonCells) == [total.csvCells])
    }

    @Test("stats --by month --by channel --csv: every pair with orders")
    func twoDimensions() throws {
        let sb = try FigShop.sandbox()
        let groups = try FigGroup.groups(
            sb,
            FigGroup.orderFacts(
                key: Berlin.month("o.placed_at") + " || ',' || o.channel",
                start: FigShop.defaultStart, end: FigShop.defaultEnd))
        let csv = try figCSV(try sb.ok("stats", "--by", "month", "--by", "channel", "--csv").stdout)
        #expect(csv.first == ["month", "channel"] + FigGroup.csvHeader)
        let body = Array(csv.dropFirst())
        #expect(body.map { "\($0[0]),\($0[1])" }.sorted() == groups.keys.sorted())
        for record in body {
            #expect(Array(record.dropFirst(2)) == groups["\(record[0]),\(record[1])"]?.csvCells, "\(record)")
        }
    }
}

// MARK: - stats customers

/// One customer's purchases in a period: orders not cancelled, net (lines less refunds).
struct FigBuyer {
    var id = 0, name = "", email = "", orders = 0, net = 0, first = "", last = "", lastDay = "", recency = 0
    var gaps: [Int] = []
    var r = 0, f = 0, m = 0
    var segment = ""

    static func all(_ sb: Sandbox, start: String = FigShop.defaultStart, end: String = FigShop.defaultEnd) throws
        -> [FigBuyer]
    {
        let kept = "o.placed_at >= '\(start)' AND o.placed_at < '\(end)' AND o.status <> 'cancelled'"
        var list = try sb.rows(
            """
            SELECT o.customer_id, c.name, c.email, count(*),
                   sum((SELECT sum(l.quantity * l.unit_price) FROM order_lines l WHERE l.order_id = o.id)
                       - (SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE p.order_id = o.id AND p.kind = 'refund')),
                   min(o.placed_at), max(o.placed_at), \(Berlin.day("max(o.placed_at)")),
                   (unixepoch('\(end)') - unixepoch(max(o.placed_at))) / 86400
            FROM orders o JOIN customers c ON c.id = o.customer_id WHERE \(kept) GROUP BY o.customer_id
            """
        ).map { r in
            FigBuyer(
                id: Int(r[0])!, name: r[1], email: r[2], orders: Int(r[3])!, net: Int(r[4])!, first: r[5], last: r[6],
                lastDay: r[7],
                recency: Int(r[8])!)
        }
        // Whole days between a customer's consecutive orders.
        let gaps = try sb.rows(
            """
            SELECT customer_id, gap FROM (
              SELECT o.customer_id, (unixepoch(o.placed_at) - unixepoch(lag(o.placed_at) OVER (PARTITION BY o.customer_id ORDER BY o.placed_at, o.id))) / 86400 AS gap
              FROM orders o WHERE \(kept)) WHERE gap IS NOT NULL
            """)
        for g in gaps { if let i = list.firstIndex(where: { $0.id == Int(g[0])! }) { list[i].gaps.append(Int(g[1])!) } }
        // R, F, M as documented: 1 + floor(5 x (customers strictly worse) / customers), at most 5.
        let everyone = list
        func score(_ value: (FigBuyer) -> Int, _ c: FigBuyer) -> Int {
            1 + min(4, 5 * everyone.filter { value($0) < value(c) }.count / everyone.count)
        }
        list = list.map { c in
            var c2 = c
            c2.r = score({ -$0.recency }, c)
            c2.f = score(\.orders, c)
            c2.m = score(\.net, c)
            c2.segment = Self.segment(c2)
            return c2
        }
        // By net, largest first; then by name.
        return list.sorted { $0.net != $1.net ? $0.net > $1.net : $0.name < $1.name }
    }

    /// The segment rules, in the order `stats customers` prints them (the first that holds).
    static let segments: [(String, @Sendable (FigBuyer) -> Bool)] = [
        ("champions", { $0.r >= 4 && $0.f >= 4 }),
        ("loyal", { $0.r >= 3 && $0.f >= 4 }),
        ("new", { $0.r >= 4 && $0.orders == 1 }),
        ("promising", { $0.r >= 4 }),
        ("at-risk", { $0.r <= 2 && $0.f >= 3 }),
        ("lost", { $0.r == 1 && $0.f <= 2 }),
        ("hibernating", { $0.r == 2 && $0.f <= 2 }),
        ("need-attention", { _ in true }),
    ]
    static func segment(_ c: FigBuyer) -> String { segments.first { $0.1(c) }!.0 }

    static let csvHeader = [
        "customer_id", "customer", "email", "currency", "orders", "net", "first_order", "last_order",
        "recency_days", "r", "f", "m", "segment",
    ]
    var csvCells: [String] {
        [
            String(id), name, email, "EUR", String(orders), Fmt.money(net), first, last, String(recency), String(r),
            String(f), String(m), segment,
        ]
    }
    static let jsonKeys = [
        "id", "name", "email", "currency", "orders", "net", "first_order", "last_order", "recency_days", "r", "f", "m",
        "segment",
    ]
}

@Suite("figures: stats customers, against the tables")
struct FiguresStatsCustomersTests {
    static let distribution: [(String, ClosedRange<Int>)] = [
        ("1", 1...1), ("2", 2...2), ("3", 3...3), ("4", 4...4), ("5-9", 5...9), ("10+", 10...Int.max),
    ]

    @Test("stats customers: the headline, distribution, top customers and segments in text, CSV and JSON")
    func customers() throws {
        let sb = try FigShop.sandbox()
        let buyers = try FigBuyer.all(sb)
        let n = buyers.count
        let gaps = buyers.flatMap(\.gaps)
        let repeaters = buyers.filter { $0.orders > 1 }.count
        // By hand: Jean (O-03, O-12), Mia (O-05, O-06, O-09) and Ann (O-01, O-02, O-07, O-10)
        // bought; Bo's only order was cancelled, O-11 is before the period.
        #expect(buyers.map(\.id).sorted() == [1, 2, 3])

        let out = try sb.ok("stats", "customers").stdout
        let lines = out.components(separatedBy: "\n")
        #expect(
            lines.first
                == "Customers who bought from \(FigShop.defaultFrom) to \(FigShop.defaultTo) (Europe/Berlin): \(n)")
        #expect(
            lines.contains("Repeat purchase rate: \(Fmt.percent(repeaters, n)) (\(repeaters) bought more than once)"))
        #expect(
            lines.contains(
                "Days between a customer's orders: median \(Fmt.median(gaps)!), 90th percentile \(Fmt.p90(gaps)!) (\(gaps.count) gaps)"
            ))

        let dist = try #require(FigTable.parse(out, header: "ORDERS  CUSTOMERS"))
        let expectedDist = Self.distribution.map { label, range in
            (label, buyers.filter { range.contains($0.orders) }.count)
        }
        #expect(
            dist.rows.map { FigTable.cells($0, ["ORDERS", "CUSTOMERS", "SHARE"]) }
                == expectedDist.map { [$0.0, String($0.1), Fmt.percent($0.1, n)] })

        let top = try #require(FigTable.parse(out, header: "TOP CUSTOMERS"))
        let topTitles = ["TOP CUSTOMERS", "ORDERS", "NET EUR", "LAST ORDER", "R F M", "SEGMENT"]
        #expect(top.titles == topTitles)
        // LAST ORDER is the day the last order was placed, in the business time zone (as
        // `customer list` prints it): Ann's O-10 was placed on 23 Nov in Berlin (22 Nov 23:30Z).
        #expect(
            top.rows.map { FigTable.cells($0, topTitles) }
                == buyers.prefix(10).map { c in
                    [
                        "\(c.name) <\(c.email)>", String(c.orders), Fmt.money(c.net), c.lastDay, "\(c.r) \(c.f) \(c.m)",
                        c.segment,
                    ]
                })

        let seg = try #require(FigTable.parse(out, header: "SEGMENT"))
        // The eight segments, then the scoring rule.
        #expect(seg.rows.count == 9 && seg.rows.last?["SEGMENT"]?.hasPrefix("R, F and M are 1 to 5") == true)
        #expect(
            seg.rows.prefix(8).map { FigTable.cells($0, ["SEGMENT", "CUSTOMERS", "SHARE", "NET EUR"]) }
                == FigBuyer.segments.map { name, _ in
                    let members = buyers.filter { $0.segment == name }
                    return [
                        name, String(members.count), Fmt.percent(members.count, n),
                        Fmt.money(members.map(\.net).reduce(0, +)),
                    ]
                })

        // CSV: one row per customer who bought.
        let csv = try figCSV(try sb.ok("stats", "customers", "--csv").stdout)
        #expect(csv.first == FigBuyer.csvHeader)
        #expect(Array(csv.dropFirst()) == buyers.map(\.csvCells))

        // JSON.
        let json = try sb.jsonObject("stats", "customers")
        let block = try #require(json.objects("currencies").first)
        #expect(json.objects("currencies").count == 1)
        #expect(figText(block["currency"]) == "EUR" && block.int("customers") == n)
        #expect(figText(block["repeat_rate"]) == Fmt.fraction(repeaters, n))
        let between = block.object("days_between_orders")
        #expect(
            [between.int("gaps"), between.int("median"), between.int("p90")] == [
                gaps.count, Fmt.median(gaps), Fmt.p90(gaps),
            ])
        #expect(
            block.objects("orders_per_customer").map { [figText($0["orders"]), figText($0["customers"])] }
                == expectedDist.map { [$0.0, String($0.1)] })
        #expect(
            block.objects("top").map { o in FigBuyer.jsonKeys.map { figText(o[$0]) } }
                == buyers.prefix(10).map(\.csvCells))
        #expect(
            block.objects("segments").map { [figText($0["segment"]), figText($0["customers"]), figText($0["net"])] }
                == FigBuyer.segments.map { name, _ in
                    let members = buyers.filter { $0.segment == name }
                    return [name, String(members.count), Fmt.money(members.map(\.net).reduce(0, +))]
                })
    }

    @Test("stats customers --show: figures and favourite products, text, CSV and JSON", arguments: FigShop.customerIDs)
    func show(id: Int) throws {
        let sb = try FigShop.sandbox()
        let buyer = try FigBuyer.all(sb).first { $0.id == id }
        let customer = try #require(try FigCustomer.all(sb).first { $0.id == id })
        // Favourite products: lines of orders not cancelled in the period, by units (then net, SKU).
        let products = try sb.rows(
            """
            SELECT l.sku, l.name, count(*), sum(l.quantity), sum(l.quantity * l.unit_price
                   - (SELECT coalesce(sum(rl.quantity), 0) FROM return_lines rl WHERE rl.order_line_id = l.id) * l.unit_price)
            FROM orders o JOIN order_lines l ON l.order_id = o.id
            WHERE o.customer_id = \(id) AND o.placed_at >= '\(FigShop.defaultStart)' AND o.placed_at < '\(FigShop.defaultEnd)'
              AND o.status <> 'cancelled'
            GROUP BY l.product_id ORDER BY 4 DESC, 5 DESC, 1
            """)
        let asText = products.map { [$0[0], $0[1], $0[2], $0[3], Fmt.money(Int($0[4])!)] }

        let out = try sb.ok("stats", "customers", "--show", String(id)).stdout
        let lines = out.components(separatedBy: "\n").dropLastIfEmpty()
        let who =
            "\(customer.name)" + (customer.email.isEmpty ? "" : " <\(customer.email)>")
            + " (#\(id)), \(FigShop.defaultFrom) to \(FigShop.defaultTo)"
        if let b = buyer {
            #expect(
                Array(lines.prefix(3)) == [
                    who,
                    // The last order's day in the business time zone, as everywhere else.
                    "\(Fmt.plural(b.orders, "order")), net \(Fmt.eur(b.net)); last order \(b.lastDay), \(b.recency) days before the period's end",
                    "R \(b.r), F \(b.f), M \(b.m): \(b.segment) (\(Self.rule(b.segment)))",
                ])
            let table = try #require(FigTable.parse(out, header: "SKU"))
            #expect(table.rows.map { FigTable.cells($0, ["SKU", "PRODUCT", "ORDERS", "UNITS", "NET"]) } == asText)
        } else {
            #expect(lines == [who, "No purchases in this period."])
        }

        let csv = try figCSV(try sb.ok("stats", "customers", "--show", String(id), "--csv").stdout)
        #expect(csv.first == ["sku", "product", "currency", "orders", "units", "net"])
        #expect(Array(csv.dropFirst()) == asText.map { [$0[0], $0[1], "EUR", $0[2], $0[3], $0[4]] })

        let json = try sb.jsonObject("stats", "customers", "--show", String(id))
        #expect(
            ["id", "name", "email"].map { figText(json.object("customer")[$0]) } == [
                String(id), customer.name, customer.email,
            ])
        #expect(
            json.objects("figures").map { o in FigBuyer.jsonKeys.map { figText(o[$0]) } }
                == (buyer.map { [$0.csvCells] } ?? []))
        #expect(
            json.objects("products").map { o in
                ["sku", "name", "orders", "units", "net", "currency"].map { figText(o[$0]) }
            }
                == asText.map { $0 + ["EUR"] })
    }

    /// The rule text of a segment, as `stats customers` prints it (stated here, not read from orderctl).
    static func rule(_ segment: String) -> String {
        [
            "champions": "R >= 4 and F >= 4: recent and frequent",
            "loyal": "R >= 3 and F >= 4: frequent, not lately",
            "new": "R >= 4 and one order: first order lately",
            "promising": "R >= 4: recent, a few orders",
            "at-risk": "R <= 2 and F >= 3: used to order often, not lately",
            "lost": "R = 1 and F <= 2: long ago, seldom",
            "hibernating": "R = 2 and F <= 2: a while ago, seldom",
            "need-attention": "the rest (R = 3, F <= 3)",
        ][segment]!
    }
}

// MARK: - stats products

struct FigSeller {
    var id = 0, sku = "", name = "", orders = 0, units = 0, net = 0
    var rankRevenue = 0, rankUnits = 0, before = 0, total = 0
    var abc = ""
    var cumulative: Int { before + max(0, net) }

    /// Products sold in the period (lines of orders not cancelled): orders, units, net
    /// (line value less the units returned); ranked by net (then SKU) and by units (then
    /// SKU); ABC by the share of net revenue before each product: under 80% A, under 95% B.
    static func all(_ sb: Sandbox) throws -> [FigSeller] {
        var list = try sb.rows(
            """
            SELECT p.id, p.sku, p.name, count(*), sum(l.quantity), sum(l.quantity * l.unit_price
                   - (SELECT coalesce(sum(rl.quantity), 0) FROM return_lines rl WHERE rl.order_line_id = l.id) * l.unit_price)
            FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id
            WHERE o.placed_at >= '\(FigShop.defaultStart)' AND o.placed_at < '\(FigShop.defaultEnd)' AND o.status <> 'cancelled'
            GROUP BY p.id
            """
        ).map { r in
            FigSeller(id: Int(r[0])!, sku: r[1], name: r[2], orders: Int(r[3])!, units: Int(r[4])!, net: Int(r[5])!)
        }
        list.sort { $0.net != $1.net ? $0.net > $1.net : $0.sku < $1.sku }
        let byUnits = list.sorted { $0.units != $1.units ? $0.units > $1.units : $0.sku < $1.sku }.map(\.sku)
        let total = list.map { max(0, $0.net) }.reduce(0, +)
        var before = 0
        for i in list.indices {
            list[i].rankRevenue = i + 1
            list[i].rankUnits = byUnits.firstIndex(of: list[i].sku)! + 1
            list[i].before = before
            list[i].total = total
            list[i].abc =
                list[i].net > 0 ? (before * 10 < total * 8 ? "A" : before * 100 < total * 95 ? "B" : "C") : "C"
            before += max(0, list[i].net)
        }
        return list
    }

    static let csvHeader = [
        "sku", "product", "currency", "orders", "units", "net", "rank_revenue", "rank_units", "share",
        "cumulative_share", "abc",
    ]
    var csvCells: [String] {
        [
            sku, name, "EUR", String(orders), String(units), Fmt.money(net), String(rankRevenue), String(rankUnits),
            Fmt.fraction(max(0, net), total), Fmt.fraction(cumulative, total), abc,
        ]
    }
    static let tableTitles = ["PRODUCT", "ORDERS", "UNITS", "NET EUR", "SHARE", "ABC"]
    var tableCells: [String] {
        [name, String(orders), String(units), Fmt.money(net), Fmt.percent(max(0, net), total), abc]
    }
    static let jsonKeys = ["sku", "name", "currency", "orders", "units", "net", "share", "abc"]
    var jsonCells: [String] {
        [sku, name, "EUR", String(orders), String(units), Fmt.money(net), Fmt.fraction(max(0, net), total), abc]
    }
}

@Suite("figures: stats products, against the tables")
struct FiguresStatsProductsTests {
    @Test("stats products: best sellers by revenue and units, ABC, bought together, in text, CSV and JSON")
    func products() throws {
        let sb = try FigShop.sandbox()
        let sellers = try FigSeller.all(sb)
        let byUnits = sellers.sorted { $0.rankUnits < $1.rankUnits }
        let bySKU = Dictionary(uniqueKeysWithValues: sellers.map { ($0.id, $0) })
        // Pairs in the same order (not cancelled), first the lower product id; most orders first.
        let pairs = try sb.rows(
            """
            SELECT a.product_id, b.product_id, count(*) FROM order_lines a
            JOIN order_lines b ON b.order_id = a.order_id AND b.product_id > a.product_id JOIN orders o ON o.id = a.order_id
            WHERE o.placed_at >= '\(FigShop.defaultStart)' AND o.placed_at < '\(FigShop.defaultEnd)' AND o.status <> 'cancelled'
            GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 10
            """
        ).map { (first: bySKU[Int($0[0])!]!, second: bySKU[Int($0[1])!]!, orders: Int($0[2])!) }
        // By hand: O-01 (MUG-01, TEE-M), O-05 (MUG-01, CARD), O-09 (VASE, POSTER).
        #expect(pairs.count == 3)
        let classes = ["A", "B", "C"].map { c in (c, sellers.filter { $0.abc == c }) }
        let totalNet = sellers.first?.total ?? 0

        let out = try sb.ok("stats", "products").stdout
        #expect(
            out.hasPrefix(
                "Products sold from \(FigShop.defaultFrom) to \(FigShop.defaultTo) (Europe/Berlin): \(sellers.count)\n")
        )
        let rev = try #require(FigTable.parse(out, header: "BY REVENUE"))
        #expect(rev.titles == ["BY REVENUE"] + FigSeller.tableTitles)
        #expect(rev.rows.map { FigTable.cells($0, rev.titles) } == sellers.map { [$0.sku] + $0.tableCells })
        let units = try #require(FigTable.parse(out, header: "BY UNITS"))
        #expect(units.rows.map { FigTable.cells($0, units.titles) } == byUnits.map { [$0.sku] + $0.tableCells })
        let abc = try #require(FigTable.parse(out, header: "CLASS"))
        // The three classes, then the rule.
        #expect(
            abc.rows.count == 4
                && abc.rows.last?["CLASS"]
                    == "A: the best sellers that together make the first 80% of net revenue; B: the next 15%; C: the last 5%."
        )
        #expect(
            abc.rows.prefix(3).map { FigTable.cells($0, ["CLASS", "PRODUCTS", "OF PRODUCTS", "NET EUR", "OF NET"]) }
                == classes.map { c, members in
                    let net = members.map { max(0, $0.net) }.reduce(0, +)
                    return [
                        c, String(members.count), Fmt.percent(members.count, sellers.count), Fmt.money(net),
                        Fmt.percent(net, totalNet),
                    ]
                })
        let together = try #require(FigTable.parse(out, header: "BOUGHT TOGETHER"))
        #expect(
            together.rows.map { FigTable.cells($0, ["BOUGHT TOGETHER", "WITH", "ORDERS", "OF 1ST'S", "OF 2ND'S"]) }
                == pairs.map { p in
                    [
                        p.first.sku, p.second.sku, String(p.orders), Fmt.percent(p.orders, p.first.orders),
                        Fmt.percent(p.orders, p.second.orders),
                    ]
                })

        let csv = try figCSV(try sb.ok("stats", "products", "--csv").stdout)
        #expect(csv.first == FigSeller.csvHeader)
        #expect(Array(csv.dropFirst()) == sellers.map(\.csvCells))

        let json = try sb.jsonObject("stats", "products")
        let block = try #require(json.objects("currencies").first)
        #expect(json.objects("currencies").count == 1 && block.int("products") == sellers.count)
        #expect(
            block.objects("by_revenue").map { o in FigSeller.jsonKeys.map { figText(o[$0]) } }
                == sellers.map(\.jsonCells))
        #expect(
            block.objects("by_units").map { o in FigSeller.jsonKeys.map { figText(o[$0]) } } == byUnits.map(\.jsonCells)
        )
        #expect(
            block.objects("abc").map { o in ["class", "products", "net"].map { figText(o[$0]) } }
                == classes.map { c, members in
                    [c, String(members.count), Fmt.money(members.map { max(0, $0.net) }.reduce(0, +))]
                })
        #expect(
            block.objects("bought_together").map { o in
                ["first", "second", "orders", "of_first", "of_second"].map { figText(o[$0]) }
            }
                == pairs.map { p in
                    [
                        p.first.sku, p.second.sku, String(p.orders), Fmt.fraction(p.orders, p.first.orders),
                        Fmt.fraction(p.orders, p.second.orders),
                    ]
                })
    }
}

// MARK: - report

@Suite("figures: report --html, against the tables")
struct FiguresReportTests {
    /// The text of an HTML fragment (tags dropped, entities of the report decoded).
    static func text(_ html: Substring) -> String {
        var s = String(html).replacingOccurrences(of: #"<span class="detail">"#, with: " ")
        s = s.replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression)
        // A no-break space keeps "(p90 2.0)" together on a phone; as text it is a space.
        s = s.replacingOccurrences(of: "\u{00A0}", with: " ")
        for (entity, char) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            s = s.replacingOccurrences(of: entity, with: char)
        }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The rows (cells as text) of the table in the section headed `title`.
    static func table(_ html: String, _ title: String) -> [[String]]? {
        guard let h = html.range(of: "<h2>\(title)</h2>"), let body = html[h.upperBound...].range(of: "<tbody>"),
            let end = html[body.upperBound...].range(of: "</tbody>")
        else { return nil }
        return html[body.upperBound..<end.lowerBound].components(separatedBy: "<tr>").dropFirst().map { row in
            row.components(separatedBy: "<td").dropFirst().map { cell in
                text(cell[cell.index(after: cell.firstIndex(of: ">")!)...])
            }
        }
    }

    static func lead(_ v: [Int]) -> String {
        v.isEmpty ? "–" : "\(Fmt.days(Fmt.median(v)!)) (p90 \(Fmt.days(Fmt.p90(v)!)))"
    }

    @Test("report --html FILE and --html -: headline cards, charts and tables hold the tables' figures")
    func report() throws {
        let sb = try FigShop.sandbox()
        let total = try FigGroup.total(sb)
        let start = FigShop.defaultStart
        let end = FigShop.defaultEnd
        let months = try FigGroup.groups(
            sb, FigGroup.orderFacts(key: Berlin.month("o.placed_at"), start: start, end: end))
        let products = try FigGroup.groups(sb, FigGroup.lineFacts(key: "p.sku", start: start, end: end))
        let customers = try FigGroup.groups(sb, FigGroup.orderFacts(key: "o.customer_id", start: start, end: end))
        let statuses = try FigGroup.groups(sb, FigGroup.orderFacts(key: "o.status", start: start, end: end))
        let names = Dictionary(uniqueKeysWithValues: try FigProduct.all(sb).map { ($0.sku, $0.name) })
        let people = Dictionary(uniqueKeysWithValues: try FigCustomer.all(sb).map { (String($0.id), $0) })

        let file = sb.dir.appendingPathComponent("report.html")
        let r = try sb.ok("report", "--html", file.path)
        #expect(
            r.stdout.isEmpty
                && r.stderr
                    == "wrote the report of \(total.orders) orders placed \(FigShop.defaultFrom) to \(FigShop.defaultTo) to \(file.path)\n"
        )
        let html = try String(contentsOf: file, encoding: .utf8)
        #expect(try sb.ok("report", "--html", "-").stdout == html, "--html - writes the same page")

        // The headline cards.
        let cards = html.components(separatedBy: #"<div class="card">"#).dropFirst().map { card -> [String] in
            card.components(separatedBy: "</div>").prefix(2).map { Self.text(Substring($0)) }
        }
        #expect(
            cards == [
                ["Orders", String(total.orders)],
                ["Net revenue", Fmt.eur(total.net)],
                ["Average order", total.average.map { $0 + " EUR" } ?? "–"],
                ["Units", String(total.units)],
                ["Refunds", Fmt.eur(total.refunds)],
                ["Cancelled", Fmt.percent(total.cancelled, total.orders)],
                ["Returned", Fmt.percent(total.returned, total.shipped)],
                ["Days to ship", Self.lead(total.ship)],
                ["Days to deliver", Self.lead(total.delivery)],
            ])
        #expect(
            html.contains(
                "Orders placed \(FigShop.defaultFrom) to \(FigShop.defaultTo) (Europe/Berlin) · generated 2026-11-25 11:00"
            ))

        // The charts: a bar per month, its figures in its title.
        let monthKeys = FigPeriods.labels("month", FigShop.defaultFrom, FigShop.defaultTo)
        let titles = html.components(separatedBy: "<title>").dropFirst(2).map { String($0.prefix { $0 != "<" }) }
        #expect(
            titles == monthKeys.map { m in "\(m): \(Fmt.eur(months[m]?.net ?? 0)) net, \(months[m]?.orders ?? 0) orders"
            }
                + monthKeys.map { m in "\(m): \(months[m]?.orders ?? 0) orders, \(months[m]?.cancelled ?? 0) cancelled"
                })

        // Top products and customers: by net revenue, orders counted as in `stats --by`.
        #expect(
            Self.table(html, "Top products")
                == products.sorted { $0.value.net != $1.value.net ? $0.value.net > $1.value.net : $0.key < $1.key }
                .prefix(10).map { k, g in ["\(k) \(names[k]!)", String(g.orders), String(g.units), Fmt.money(g.net)] })
        #expect(
            Self.table(html, "Top customers")
                == customers.sorted { $0.value.net > $1.value.net }
                .prefix(10).map { k, g in
                    ["\(people[k]!.name) \(people[k]!.email)", String(g.orders), String(g.units), Fmt.money(g.net)]
                })

        // Statuses: orders, share of all orders, gross of those not cancelled; most orders first.
        let statusRows = try #require(Self.table(html, "Orders by status"))
        #expect(statusRows.map { $0.first ?? "" }.sorted() == statuses.keys.sorted())
        let counts = statusRows.map { statuses[$0[0]]?.orders ?? 0 }
        #expect(counts == counts.sorted(by: >))
        for row in statusRows {
            let g = statuses[row[0]] ?? FigGroup()
            #expect(
                row == [row[0], String(g.orders), Fmt.percent(g.orders, total.orders), Fmt.money(g.gross)],
                "status \(row[0])")
        }

        // Month by month.
        #expect(
            Self.table(html, "Month by month: lead times and rates")
                == monthKeys.map { m in
                    let g = months[m] ?? FigGroup()
                    return [
                        m, String(g.orders), Fmt.money(g.net), g.average ?? "–",
                        g.orders > 0 ? Fmt.percent(g.cancelled, g.orders) : "–",
                        g.shipped > 0 ? Fmt.percent(g.returned, g.shipped) : "–", Self.lead(g.ship),
                        Self.lead(g.delivery),
                    ]
                })
    }
}
