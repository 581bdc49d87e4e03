import Foundation
import Testing

// End-to-end tests of the import inputs of issue 4: the Shopify orders export, JSON
// Lines, any other CSV through --map, and gzip-compressed input. Each test runs the
// built binary and reads the database afterwards with sqlite3.

// MARK: - Helpers

extension Sandbox {
    /// Runs `orderctl` with bytes (possibly binary, e.g. gzip) on its stdin.
    func run(_ arguments: [String], stdinData data: Data) throws -> RunResult {
        let launched = try launch(
            binary, arguments, environment: environment(), directory: dir, scratch: scratch, gated: true)
        signal(SIGPIPE, SIG_IGN)
        try? launched.stdinPipe!.fileHandleForWriting.write(contentsOf: data)
        try? launched.stdinPipe!.fileHandleForWriting.close()
        return try launched.wait()
    }

    /// Compresses `source` with /bin/gzip into `name` in the sandbox; returns its path.
    func gzip(_ source: String, to name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let target = dir.appendingPathComponent(name).path
        let r = try runProcess(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "/bin/gzip -c -n < \"$1\" > \"$2\"", "sh", source, target],
            environment: ["PATH": "/usr/bin:/bin"], directory: dir, scratch: scratch)
        try #require(r.exitCode == 0, "gzip failed: \(r)", sourceLocation: sourceLocation)
        let magic = try Data(contentsOf: URL(fileURLWithPath: target)).prefix(2)
        try #require(magic == Data([0x1F, 0x8B]), "not gzip data", sourceLocation: sourceLocation)
        return target
    }

    /// A new empty shop (no template) with the given settings.
    static func shop(_ settings: String...) throws -> Sandbox {
        let sb = try Sandbox()
        try sb.ok(["init"] + settings)
        return sb
    }
}

/// The summary line `import` prints (after "read "). With `would`, the wording of a run
/// that kept nothing (a dry run, or refused whole): "would import ..., would create ...".
func importSummary(
    read: Int, imported: (Int, Int), rejected: (Int, Int) = (0, 0), duplicates: (Int, Int) = (0, 0),
    customers: Int = 0, products: Int = 0, would: Bool = false
) -> String {
    func n(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
    func part(_ p: (Int, Int)) -> String { "\(n(p.0, "row")) (\(n(p.1, "order")))" }
    return
        "\(n(read, "row")): \(would ? "would import" : "imported") \(part(imported)), rejected \(part(rejected)), duplicates \(part(duplicates)); "
        + "\(would ? "would create" : "created") \(n(customers, "customer")), \(n(products, "product"))"
}

/// The summary of a run that kept nothing: the spec's wording ("imported") or the
/// implementation's ("would import"); both say the same numbers.
func notKeptSummaries(
    read: Int, imported: (Int, Int), rejected: (Int, Int) = (0, 0), duplicates: (Int, Int) = (0, 0),
    customers: Int = 0, products: Int = 0
) -> [String] {
    [false, true].map {
        "read "
            + importSummary(
                read: read, imported: imported, rejected: rejected, duplicates: duplicates,
                customers: customers, products: products, would: $0)
    }
}

// MARK: - Shopify

@Suite("import formats: the Shopify orders export")
struct ImportFormatsShopifyTests {
    /// A Shopify orders export (one row per line item; later rows of an order carry only
    /// Name and the Lineitem cells), for a shop in USD on America/New_York (-0500 in winter).
    ///   #1001 3 lines, paid, fulfilled, FedEx Express, "Doe, Jane", a two-line note, a discount
    ///   #1002 paid, fulfilled, billed in US but shipped to CA
    ///   #1003 paid, partially fulfilled (TEE-M fulfilled, TOTE-01 pending)
    ///   #1004 refunded: 30.00 refunded (with shipping) on 25.00 of goods
    ///   #1005 partially_refunded: 2.05 of 8.20
    ///   #1006 voided and cancelled, unfulfilled
    ///   #1007 pending, unfulfilled
    ///   #1008 partially_paid: Total 110.00, Outstanding Balance 60.00 on 100.00 of goods
    static let export = """
        Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Phone,Receipt Number
        #1001,jane@example.com,paid,2026-01-15 10:24:02 -0500,fulfilled,2026-01-16 09:00:00 -0500,yes,USD,45.94,15.00,3.68,64.62,SAVE10,5.11,FedEx Express Saver,2026-01-15 10:23:45 -0500,2,Stoneware mug,12.50,15.00,MUG-01,true,true,fulfilled,"Doe, Jane",12 Elm St,12 Elm St,,,New York,10001,NY,US,+12125550100,"Doe, Jane",12 Elm St,12 Elm St,,,New York,10001,NY,US,+12125550100,"Leave at the back door.
        Ring twice.",gift: yes,,Shopify Payments,c1234.1,0.00,Mugs & Co,0.00,,,,5550001001,"vip, repeat",Low,web,0.00,NY State Tax 8.0%,3.68,+12125550100,
        #1001,,,,,,,,,,,,,,,,1,T-shirt M,19.90,,TEE-M,true,true,fulfilled,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,0.00,,,,
        #1001,,,,,,,,,,,,,,,,3,Greeting card,2.05,,CARD,true,true,fulfilled,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,0.00,,,,
        #1002,bob@example.com,paid,2026-02-01 08:00:05 -0500,fulfilled,2026-02-02 11:30:00 -0500,no,USD,12.50,5.00,0.00,17.50,,,Standard Shipping,2026-02-01 08:00:00 -0500,1,Stoneware mug,12.50,,MUG-01,true,true,fulfilled,Bob Stone,1 Main St,1 Main St,,,Buffalo,14201,NY,US,,Bob Stone,99 King St W,99 King St W,,,Toronto,M5H 1J9,ON,CA,,,,,Shopify Payments,,0.00,Mugs & Co,0.00,,,,5550001002,,Low,web,0.00,,,,
        #1003,dave@example.com,paid,2026-02-05 13:10:00 -0500,partial,,no,USD,54.80,5.00,4.38,64.18,,,Standard Shipping,2026-02-05 13:09:30 -0500,2,T-shirt M,19.90,,TEE-M,true,true,fulfilled,Dave Kim,5 Oak Ave,5 Oak Ave,,,Brooklyn,11201,NY,US,,Dave Kim,5 Oak Ave,5 Oak Ave,,,Brooklyn,11201,NY,US,,,,,Shopify Payments,,0.00,Mugs & Co,0.00,,,,5550001003,,Low,web,0.00,NY State Tax 8.0%,4.38,,
        #1003,,,,,,,,,,,,,,,,1,Canvas tote,15.00,,TOTE-01,true,true,pending,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,0.00,,,,
        #1004,erin@example.com,refunded,2026-02-10 09:15:00 -0500,fulfilled,2026-02-11 10:00:00 -0500,no,USD,25.00,5.00,0.00,30.00,,,Standard International,2026-02-10 09:14:00 -0500,2,Stoneware mug,12.50,,MUG-01,true,true,fulfilled,Erin Fox,7 Mill Lane,7 Mill Lane,,,Leeds,LS1 4AP,,GB,,Erin Fox,7 Mill Lane,7 Mill Lane,,,Leeds,LS1 4AP,,GB,,,,,PayPal Express Checkout,,30.00,Mugs & Co,0.00,,,,5550001004,,Low,web,0.00,,,,
        #1005,jane@example.com,partially_refunded,2026-02-12 18:00:00 -0500,fulfilled,2026-02-13 08:45:00 -0500,no,USD,8.20,0.00,0.66,8.86,,,Free Shipping,2026-02-12 17:59:00 -0500,4,Greeting card,2.05,,CARD,true,true,fulfilled,"Doe, Jane",12 Elm St,12 Elm St,,,New York,10001,NY,US,,"Doe, Jane",12 Elm St,12 Elm St,,,New York,10001,NY,US,,,,,Shopify Payments,,2.05,Mugs & Co,0.00,,,,5550001005,,Low,web,0.00,NY State Tax 8.0%,0.66,,
        #1006,bob@example.com,voided,,unfulfilled,,no,USD,19.90,5.00,0.00,24.90,,,Standard Shipping,2026-02-20 11:00:00 -0500,1,T-shirt M,19.90,,TEE-M,true,true,,Bob Stone,1 Main St,1 Main St,,,Buffalo,14201,NY,US,,Bob Stone,99 King St W,99 King St W,,,Toronto,M5H 1J9,ON,CA,,,,2026-02-20 12:00:00 -0500,Shopify Payments,,0.00,Mugs & Co,0.00,,,,5550001006,,Low,web,0.00,,,,
        #1007,carla@example.pt,pending,,unfulfilled,,no,USD,37.50,12.00,0.00,49.50,,,International Shipping,2026-02-25 07:30:00 -0500,3,Stoneware mug,12.50,,MUG-01,true,true,,Carla Mendes,Rua Augusta 10,Rua Augusta 10,,,Lisboa,1100-053,,PT,,Carla Mendes,Rua Augusta 10,Rua Augusta 10,,,Lisboa,1100-053,,PT,,,,,Bank Deposit,,0.00,Mugs & Co,49.50,,,,5550001007,,Low,web,0.00,,,,
        #1008,frank@example.com,partially_paid,2026-02-26 10:00:00 -0500,unfulfilled,,no,USD,100.00,10.00,0.00,110.00,,,Standard Shipping,2026-02-26 09:55:00 -0500,1,Desk lamp,100.00,,LAMP-1,true,true,,Frank Ode,3 Pine Rd,3 Pine Rd,,,Albany,12207,NY,US,,Frank Ode,3 Pine Rd,3 Pine Rd,,,Albany,12207,NY,US,,,,,Manual,,0.00,Mugs & Co,60.00,,,,5550001008,,Low,web,0.00,,,,

        """

    func shop() throws -> Sandbox {
        try Sandbox.shop("--currency", "USD", "--timezone", "America/New_York", "--country", "US")
    }

    @Test("the fixture is what it claims: 12 records of 64 fields")
    func fixture() throws {
        // Output.parseCSV wants CRLF records; the embedded newline in a note goes along.
        let records = try #require(Output.parseCSV(Self.export.replacingOccurrences(of: "\n", with: "\r\n")))
        #expect(records.count == 12)
        #expect(Set(records.map(\.count)) == [64])
    }

    @Test("a Shopify export: format detected, each order with its statuses, money, shipments, customer and note")
    func shopifyExport() throws {
        let sb = try shop()
        let path = try sb.write("orders_export_1.csv", Self.export)
        let empty = try sb.dump()
        let dry = try sb.ok("import", path, "--dry-run")
        #expect(
            notKeptSummaries(read: 11, imported: (11, 8), customers: 6, products: 5).contains(
                dry.stdoutLines.first ?? ""), "\(dry)")
        #expect(dry.stdoutLines.last == "dry run: nothing was written", "\(dry)")
        #expect(try sb.dump() == empty)

        let r = try sb.ok("import", path)
        #expect(
            r.stdoutLines.first == "read " + importSummary(read: 11, imported: (11, 8), customers: 6, products: 5),
            "\(r)")
        #expect(r.stderr.lowercased().contains("shopify"), "a note on stderr says the format was guessed: \(r)")
        // Empty order-level cells on an order's later rows are not disagreements.
        #expect(!r.stderr.contains("warning"), "\(r)")

        // The spec's status rule: "cancelled; else shipped when fulfilled; else confirmed when
        // (partly) paid or partially fulfilled; else pending". (README and code say processing
        // for a partly fulfilled order, as `orderctl ship` of some lines does: see #1003.)
        let statuses = try sb.sql("SELECT ref, status FROM orders ORDER BY ref")
        #expect(
            statuses == [
                "#1001|shipped", "#1002|shipped", "#1003|processing", "#1004|shipped", "#1005|shipped",
                "#1006|cancelled", "#1007|pending", "#1008|confirmed",
            ], "\(statuses)")

        // ref|payment|fulfilment|total|item_count|paid|refunded|channel|shipping|currency|placed_at|lines|shipments|customer
        let orders = try sb.sql(
            """
            SELECT o.ref, o.payment_status, o.fulfilment_status, o.total, o.item_count, o.paid_total, o.refunded_total,
                   o.channel, o.shipping, o.currency, o.placed_at,
                   (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id),
                   (SELECT count(*) FROM shipments s WHERE s.order_id = o.id), c.email
            FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.ref
            """)
        #expect(
            orders == [
                "#1001|paid|fulfilled|5105|6|5105|0|shopify|express|USD|2026-01-15T15:23:45Z|3|1|jane@example.com",
                "#1002|paid|fulfilled|1250|1|1250|0|shopify|standard|USD|2026-02-01T13:00:00Z|1|1|bob@example.com",
                "#1003|paid|partial|5480|3|5480|0|shopify|standard|USD|2026-02-05T18:09:30Z|2|1|dave@example.com",
                "#1004|refunded|fulfilled|2500|2|2500|2500|shopify|standard|USD|2026-02-10T14:14:00Z|1|1|erin@example.com",
                "#1005|partially_refunded|fulfilled|820|4|820|205|shopify|standard|USD|2026-02-12T22:59:00Z|1|1|jane@example.com",
                "#1006|unpaid|unfulfilled|1990|1|0|0|shopify|standard|USD|2026-02-20T16:00:00Z|1|0|bob@example.com",
                "#1007|unpaid|unfulfilled|3750|3|0|0|shopify|standard|USD|2026-02-25T12:30:00Z|1|0|carla@example.pt",
                "#1008|partially_paid|unfulfilled|10000|1|5000|0|shopify|standard|USD|2026-02-26T14:55:00Z|1|0|frank@example.com",
            ], "\(orders.joined(separator: "\n"))")

        // Lines: SKU, name and price as Shopify had them; shipped units per line.
        #expect(
            try sb.sql(
                """
                SELECT o.ref, l.line_no, l.sku, l.name, l.quantity, l.unit_price, l.line_total, l.shipped
                FROM order_lines l JOIN orders o ON o.id = l.order_id ORDER BY o.ref, l.line_no
                """) == [
                    "#1001|1|MUG-01|Stoneware mug|2|1250|2500|2",
                    "#1001|2|TEE-M|T-shirt M|1|1990|1990|1",
                    "#1001|3|CARD|Greeting card|3|205|615|3",
                    "#1002|1|MUG-01|Stoneware mug|1|1250|1250|1",
                    "#1003|1|TEE-M|T-shirt M|2|1990|3980|2",
                    "#1003|2|TOTE-01|Canvas tote|1|1500|1500|0",
                    "#1004|1|MUG-01|Stoneware mug|2|1250|2500|2",
                    "#1005|1|CARD|Greeting card|4|205|820|4",
                    "#1006|1|TEE-M|T-shirt M|1|1990|1990|0",
                    "#1007|1|MUG-01|Stoneware mug|3|1250|3750|0",
                    "#1008|1|LAMP-1|Desk lamp|1|10000|10000|0",
                ])
        #expect(
            try sb.sql("SELECT sku, name, price, currency FROM products ORDER BY sku") == [
                "CARD|Greeting card|205|USD", "LAMP-1|Desk lamp|10000|USD", "MUG-01|Stoneware mug|1250|USD",
                "TEE-M|T-shirt M|1990|USD", "TOTE-01|Canvas tote|1500|USD",
            ])

        // Shipments: fulfilled orders at Fulfilled at (UTC), nothing delivered; the
        // partial order ships only its fulfilled line.
        #expect(
            try sb.sql(
                """
                SELECT o.ref, s.shipped_at, coalesce(s.delivered_at, '-'),
                       (SELECT group_concat(l.sku || 'x' || sl.quantity, ' ') FROM shipment_lines sl JOIN order_lines l ON l.id = sl.order_line_id
                        WHERE sl.shipment_id = s.id)
                FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.ref <> '#1003' ORDER BY o.ref
                """) == [
                    "#1001|2026-01-16T14:00:00Z|-|MUG-01x2 TEE-Mx1 CARDx3",
                    "#1002|2026-02-02T16:30:00Z|-|MUG-01x1",
                    "#1004|2026-02-11T15:00:00Z|-|MUG-01x2",
                    "#1005|2026-02-13T13:45:00Z|-|CARDx4",
                ])
        #expect(
            try sb.sql(
                """
                SELECT (SELECT group_concat(l.sku || 'x' || sl.quantity, ' ') FROM shipment_lines sl JOIN order_lines l ON l.id = sl.order_line_id
                        WHERE sl.shipment_id = s.id), coalesce(s.delivered_at, '-'), s.shipped_at >= o.placed_at
                FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.ref = '#1003'
                """) == ["TEE-Mx2|-|1"])

        // Money in goods terms: paid at Paid at; refunds capped at what was paid;
        // partially_paid pays Total - Outstanding Balance.
        #expect(
            try sb.sql(
                """
                SELECT o.ref, p.kind, p.amount FROM payments p JOIN orders o ON o.id = p.order_id ORDER BY o.ref, p.id
                """) == [
                    "#1001|payment|5105", "#1002|payment|1250", "#1003|payment|5480",
                    "#1004|payment|2500", "#1004|refund|2500",
                    "#1005|payment|820", "#1005|refund|205",
                    "#1008|payment|5000",
                ])
        #expect(
            try sb.sql(
                """
                SELECT o.ref, p.at FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.kind = 'payment' ORDER BY o.ref
                """) == [
                    "#1001|2026-01-15T15:24:02Z", "#1002|2026-02-01T13:00:05Z", "#1003|2026-02-05T18:10:00Z",
                    "#1004|2026-02-10T14:15:00Z", "#1005|2026-02-12T23:00:00Z", "#1008|2026-02-26T15:00:00Z",
                ])

        // Cancelled at Cancelled at, in UTC.
        #expect(
            try sb.sql(
                """
                SELECT e.at FROM order_events e JOIN orders o ON o.id = e.order_id
                WHERE o.ref = '#1006' AND e.kind = 'status' AND e.new_value = 'cancelled'
                """) == ["2026-02-20T17:00:00Z"])

        // Customers: email, Billing Name (quoted, with a comma), Shipping Country first.
        #expect(
            try sb.sql("SELECT email, name, coalesce(country, '-') FROM customers ORDER BY email") == [
                "bob@example.com|Bob Stone|CA",
                "carla@example.pt|Carla Mendes|PT",
                "dave@example.com|Dave Kim|US",
                "erin@example.com|Erin Fox|GB",
                "frank@example.com|Frank Ode|US",
                "jane@example.com|Doe, Jane|US",
            ])

        // The note: Notes as written, then Shopify's own money as a last line.
        let note1001 = try sb.sql("SELECT note FROM orders WHERE ref = '#1001'").joined(separator: "\n")
        #expect(
            note1001
                == "Leave at the back door.\nRing twice.\nShopify: subtotal 45.94, shipping 15.00, taxes 3.68, discount SAVE10 5.11, total 64.62"
        )
        #expect(
            try sb.sql("SELECT note FROM orders WHERE ref = '#1008'") == [
                "Shopify: subtotal 100.00, shipping 10.00, taxes 0.00, total 110.00"
            ])
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE note LIKE '%Shopify: subtotal %'") == "8")
        // Nothing dropped leaks into the database: addresses, phones, tags, payment method.
        #expect(
            try sb.scalar(
                "SELECT count(*) FROM orders WHERE note LIKE '%Elm St%' OR note LIKE '%vip%' OR note LIKE '%Shopify Payments%'"
            ) == "0")
        #expect(try sb.scalar("SELECT count(*) FROM customers WHERE address IS NOT NULL OR phone IS NOT NULL") == "0")

        // Historic orders do not move stock; the history verifies.
        #expect(try sb.scalar("SELECT count(*) FROM stock_moves") == "0")
        let verify = try sb.ok("verify")
        #expect(verify.stdout.hasPrefix("history intact"), "\(verify)")

        // The same file again: every row a duplicate, nothing changed.
        let before = try sb.dump()
        let again = try sb.ok("import", path, "--format", "shopify")
        #expect(
            again.stdoutLines.first == "read " + importSummary(read: 11, imported: (0, 0), duplicates: (11, 8)),
            "\(again)")
        #expect(try sb.dump() == before)
    }

    static let small = """
        Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Currency,Total,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name,Billing Country
        #2001,amy@example.com,paid,2026-01-05 10:00:00 -0500,,,USD,10.00,Standard,2026-01-05 09:00:00 -0500,1,Mug,10.00,MUG-01,Amy Ray,US
        #2002,ben@example.com,pending,,,,USD,20.00,Standard,2026-01-06 09:00:00 -0500,1,Mug,10.00,MUG-01,Ben Cole,US
        #2002,,,,,,,,,,1,Gift wrapping,10.00,,,

        """

    @Test("a row without Lineitem sku is rejected, naming its line: the SKU is never guessed")
    func missingSKU() throws {
        let sb = try shop()
        let path = try sb.write("shop.csv", Self.small)
        let before = try sb.dump()
        let r = try sb.run("import", path, "--format", "shopify")
        #expect(r.exitCode == 65, "\(r)")
        let errors = r.stderrLines.filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "\(r)")
        #expect(errors.first?.hasPrefix("Error: line 4: ") == true, "\(r)")
        #expect(errors.first?.lowercased().contains("sku") == true, "\(r)")
        #expect(
            r.stdout.contains(
                "read " + importSummary(read: 3, imported: (1, 1), rejected: (2, 1), customers: 1, products: 1))
                || r.stdout.contains("rejected 2 rows (1 order)"), "\(r)")
        #expect(try sb.dump() == before, "all or nothing")

        // With --skip-invalid the other order goes in; #2002 does not, not even its good line.
        let rejects = sb.dir.appendingPathComponent("rejects.csv").path
        let skip = try sb.run("import", path, "--format", "shopify", "--skip-invalid", "--rejects", rejects)
        #expect(skip.exitCode == 0, "\(skip)")
        let records = try #require(
            Output.parseCSV(String(contentsOfFile: rejects, encoding: .utf8)), "rejects file is RFC 4180 CSV")
        let input = try #require(Output.parseCSV(Self.small.replacingOccurrences(of: "\n", with: "\r\n")))
        #expect(records.first == input[0] + ["reason"])
        #expect(records.dropFirst().map { Array($0.dropLast()) } == Array(input[2...3]), "the rows of #2002, verbatim")
        #expect(records.count == 3 && records[2].last?.hasPrefix("line 4: ") == true, "\(records)")
        #expect(try sb.sql("SELECT ref, total FROM orders ORDER BY ref") == ["#2001|1000"])
        #expect(try sb.scalar("SELECT count(*) FROM order_lines WHERE sku = '' OR name = 'Gift wrapping'") == "0")
    }
}

extension ImportFormatsShopifyTests {
    /// Fewer columns (missing optional columns are fine) and the rules' corner cases.
    static let corners = """
        Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Currency,Total,Outstanding Balance,Refunded Amount,Shipping Method,Created at,Cancelled at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Lineitem fulfillment status,Billing Name,Billing Country,Shipping Name,Shipping Country
        #3001,amy@example.com,paid,2026-01-05 10:00:00 -0500,fulfilled,2026-01-06 10:00:00 -0500,USD,10.00,0.00,,Standard,2026-01-05 09:00:00 -0500,2026-01-07 10:00:00 -0500,1,Mug,10.00,MUG-01,fulfilled,Amy Ray,US,Amy Ray,US
        #3002,ben@example.com,refunded,,unfulfilled,,USD,10.00,0.00,10.00,EXPRESS,2026-01-06 09:00:00 -0500,,1,Mug,10.00,MUG-01,,,MX,Ben Cole,
        #3003,cy@example.com,partially_paid,2026-01-07 12:00:00 -0500,,,USD,20.00,5.00,,Standard,2026-01-07 11:00:00 -0500,,1,Mug,10.00,MUG-01,,Cy Dee,US,,
        #3004,dee@example.com,authorized,,,,USD,10.00,10.00,,,2026-01-08 11:00:00 -0500,,1,Mug,10.00,MUG-01,,Dee Lo,US,Dee Lo,US

        """

    @Test(
        "corner cases: cancelled after shipping stays shipped (with a warning), no Paid at, payments capped, fallbacks for name and country"
    )
    func corners() throws {
        let sb = try shop()
        let path = try sb.write("corners.csv", Self.corners)
        let r = try sb.ok("import", path, "--format", "shopify")
        #expect(
            r.stdoutLines.first == "read " + importSummary(read: 4, imported: (4, 4), customers: 4, products: 1), "\(r)"
        )
        let warnings = r.stderrLines.filter { $0.hasPrefix("warning:") }
        #expect(warnings.count == 1, "\(r)")
        #expect(warnings.first?.contains("#3001") == true, "the warning names the order: \(r)")
        #expect(warnings.first?.contains("line 2") == true, "\(r)")
        let orders = try sb.sql(
            """
            SELECT ref, status, payment_status, fulfilment_status, shipping, paid_total, refunded_total FROM orders ORDER BY ref
            """)
        #expect(
            orders == [
                "#3001|shipped|paid|fulfilled|standard|1000|0",
                "#3002|confirmed|refunded|unfulfilled|express|1000|1000",  // paid at Created at, then refunded
                "#3003|confirmed|paid|unfulfilled|standard|1000|0",  // 20.00 - 5.00 capped at 10.00 of goods
                "#3004|pending|unpaid|unfulfilled|standard|0|0",  // authorized is not paid
            ], "\(orders.joined(separator: "\n"))")
        #expect(
            try sb.scalar(
                """
                SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = '#3001' AND e.new_value = 'cancelled'
                """) == "0")
        #expect(
            try sb.sql(
                "SELECT o.ref, p.kind, p.amount, p.at FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.kind = 'payment' ORDER BY o.ref"
            ) == [
                "#3001|payment|1000|2026-01-05T15:00:00Z", "#3002|payment|1000|2026-01-06T14:00:00Z",
                "#3003|payment|1000|2026-01-07T17:00:00Z",
            ])
        #expect(
            try sb.sql("SELECT email, name, country FROM customers ORDER BY email") == [
                "amy@example.com|Amy Ray|US", "ben@example.com|Ben Cole|MX", "cy@example.com|Cy Dee|US",
                "dee@example.com|Dee Lo|US",
            ])
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))
    }

    @Test("an order in another currency than the shop's is rejected")
    func otherCurrency() throws {
        let sb = try shop()
        let path = try sb.write(
            "eur.csv",
            "Name,Currency,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku\n"
                + "#4001,EUR,2026-01-05 09:00:00 -0500,1,Mug,10.00,MUG-01\n")
        let before = try sb.dump()
        let r = try sb.run("import", path)
        #expect(r.exitCode == 65, "\(r)")
        #expect(
            r.stderrLines.filter { $0.hasPrefix("Error:") }.first?.hasPrefix("Error: line 2: currency 'EUR': ") == true,
            "\(r)")
        #expect(try sb.dump() == before)
    }
}

// MARK: - JSON Lines

@Suite("import formats: JSON Lines")
struct ImportFormatsJSONLTests {

    @Test("export --format jsonl, import into an empty database: the same export")
    func roundTrip() throws {
        let sb = try Sandbox(template: .catalog)
        try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M", "--ref", "R-1", "--date",
            "2026-11-18T09:00:00Z", "--due", "2026-11-30", "--note", "=1+1, \"quoted\"\nsecond line")
        try sb.ok("confirm", "R-1")
        try sb.ok("pay", "R-1")
        try sb.ok("ship", "R-1", "--carrier", "dhl", "--tracking", "1234567890")
        try sb.ok("deliver", "R-1")
        try sb.ok("add", "--customer", "ann@example.com", "--item", "CARD:3@0.50", "--ref", "R-2")
        try sb.ok("cancel", "R-2", "--reason", "duplicate")
        try sb.ok(
            "add", "--customer", "jean@example.fr", "--item", "CARD", "--item", "TEE-M:2@18.00", "--ref", "R-3",
            "--shipping", "express", "--date", "2026-11-20T08:15:00Z")
        try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01", "--ref", "R-4", "--date", "2026-11-24")
        try sb.ok("confirm", "R-4")
        // What only JSON Lines carries: a partial payment, a refund, a partial shipment.
        try sb.ok(
            "add", "--customer", "ann@example.com", "--item", "MUG-01:3", "--item", "CARD:2", "--ref", "R-5", "--date",
            "2026-11-24T12:00:00Z")
        try sb.ok("confirm", "R-5")
        try sb.ok("pay", "R-5", "--amount", "20.00")
        try sb.ok("ship", "R-5", "--item", "MUG-01:2", "--carrier", "dhl", "--tracking", "1234567890")
        try sb.ok("refund", "R-1", "--amount", "5.00", "--reason", "scratched")
        let moneyBefore = try sb.sql(
            """
            SELECT o.ref, o.status, o.payment_status, o.fulfilment_status, o.paid_total, o.refunded_total,
                   (SELECT group_concat(l.sku || ':' || l.quantity || '/' || l.shipped, ' ') FROM order_lines l WHERE l.order_id = o.id)
            FROM orders o ORDER BY o.ref
            """)
        // Ann's first order comes first, so customer ids (customer_ref) agree in both databases.
        let csvBefore = try sb.ok("export").stdout
        let jsonl = try sb.ok("export", "--format", "jsonl").stdout
        #expect(jsonl.split(separator: "\n").count == 5)
        let path = try sb.write("orders.jsonl", jsonl)

        let copy = sb.dir.appendingPathComponent("copy.db").path
        try sb.ok("--db", copy, "init", "--currency", "EUR", "--timezone", "Europe/Berlin", "--country", "DE")
        let r = try sb.ok("--db", copy, "import", path, "--format", "jsonl")
        #expect(
            r.stdoutLines.first == "read " + importSummary(read: 5, imported: (5, 5), customers: 2, products: 3), "\(r)"
        )
        let csvAfter = try sb.ok("--db", copy, "export").stdout
        #expect(csvAfter == csvBefore)
        #expect(try sb.ok("--db", copy, "export", "--format", "jsonl").stdout == jsonl)
        let moneyAfter = try sb.sql(
            """
            SELECT o.ref, o.status, o.payment_status, o.fulfilment_status, o.paid_total, o.refunded_total,
                   (SELECT group_concat(l.sku || ':' || l.quantity || '/' || l.shipped, ' ') FROM order_lines l WHERE l.order_id = o.id)
            FROM orders o ORDER BY o.ref
            """, db: copy)
        #expect(moneyAfter == moneyBefore)
        #expect(
            moneyBefore.contains("R-5|processing|partially_paid|partial|2000|0|MUG-01:3/2 CARD:2/0"), "\(moneyBefore)")
        #expect(
            try sb.sql("SELECT note FROM orders WHERE ref = 'R-1'", db: copy) == ["=1+1, \"quoted\"", "second line"])
        #expect(try sb.ok("--db", copy, "verify").stdout.hasPrefix("history intact"))
        let again = try sb.ok("--db", copy, "import", path)
        #expect(
            again.stdoutLines.first == "read " + importSummary(read: 5, imported: (0, 0), duplicates: (5, 5)),
            "\(again)")
        #expect(try sb.ok("--db", copy, "export").stdout == csvBefore)
    }

    static let handWritten = [
        #"{"ref":"J-1","ordered_at":"2026-10-01T09:00:00Z","customer_email":"ann@example.com","currency":"EUR","status":"completed","due":null,"note":null,"lines":[{"sku":"MUG-01","quantity":2,"unit_price":12.5},{"sku":"CARD","product_name":"Greeting card","quantity":"3","unit_price":"0.50"},{"sku":"NEW-J","product_name":"Jute bag","quantity":1,"unit_price":4.35}]}"#,
        "",
        #"{"ref":"J-2","ordered_at":"2026-10-02T10:00:00Z","customer_email":"zoe@example.org","customer_name":"Zoë Null","country":"FR","shipping":"express","note":"line one\nline two","lines":[{"sku":"TEE-M","quantity":1,"unit_price":19.99}]}"#,
        "",
    ]

    @Test("numbers as numbers or as strings, exactly (19.99 and 4.35 are not floating point); null and blank lines")
    func handWrittenLines() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("in.txt", Self.handWritten.joined(separator: "\n") + "\n")
        let r = try sb.ok("import", path, "--format", "jsonl")
        #expect(
            r.stdoutLines.first == "read " + importSummary(read: 2, imported: (2, 2), customers: 1, products: 1), "\(r)"
        )
        #expect(
            try sb.sql(
                """
                SELECT o.ref, l.sku, l.name, l.quantity, l.unit_price, l.line_total FROM order_lines l JOIN orders o ON o.id = l.order_id
                ORDER BY o.ref, l.line_no
                """) == [
                    "J-1|MUG-01|Stoneware mug|2|1250|2500",
                    "J-1|CARD|Greeting card|3|50|150",
                    "J-1|NEW-J|Jute bag|1|435|435",
                    "J-2|TEE-M|T-shirt M|1|1999|1999",
                ])
        #expect(
            try sb.sql(
                """
                SELECT o.ref, o.total, o.status, o.payment_status, o.shipping, coalesce(o.due_date, '-'), o.placed_at, c.email, c.name, coalesce(c.country, '-')
                FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.ref
                """) == [
                    "J-1|3085|completed|paid|standard|-|2026-10-01T09:00:00Z|ann@example.com|Ann Lee|DE",
                    "J-2|1999|pending|unpaid|express|-|2026-10-02T10:00:00Z|zoe@example.org|Zoë Null|FR",
                ])
        #expect(
            try sb.sql("SELECT coalesce(note, 'NULL') FROM orders ORDER BY ref") == ["NULL", "line one", "line two"])
        #expect(try sb.sql("SELECT price, track_stock FROM products WHERE sku = 'NEW-J'") == ["435|0"])
    }

    static let valid =
        #"{"ref":"J-1","ordered_at":"2026-10-01T09:00:00Z","customer_email":"ann@example.com","lines":[{"sku":"MUG-01","quantity":1}]}"#
    static let unknownOrderKey = #"{"ref":"J-3","colour":"red","lines":[{"sku":"CARD","quantity":1}]}"#
    static let unknownLineKey = #"{"ref":"J-4","lines":[{"sku":"CARD","quantity":1,"qty_shipped":1}]}"#
    static let malformed = #"{"ref":"J-5","lines":[{"sku":"CARD","quantity":1}]"#

    @Test("an unknown key, in the order or in a line, is an error naming the key and the line")
    func unknownKeys() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write(
            "in.jsonl", [Self.valid, Self.unknownOrderKey, Self.unknownLineKey].joined(separator: "\n") + "\n")
        let before = try sb.dump()
        let r = try sb.run("import", path)
        #expect(r.exitCode == 65, "\(r)")
        let errors = r.stderrLines.filter { $0.hasPrefix("Error:") }
        #expect(errors.first { $0.hasPrefix("Error: line 2: ") }?.contains("colour") == true, "\(r)")
        // Both lines have a SKU and a quantity: no error may say otherwise.
        #expect(!errors.contains { $0.contains("sku") && $0.contains("empty") }, "\(r)")
        #expect(errors.count == 2, "one error per line: \(r)")
        #expect(errors.first { $0.hasPrefix("Error: line 3: ") }?.contains("qty_shipped") == true, "\(r)")
        #expect(
            notKeptSummaries(read: 3, imported: (1, 1), rejected: (2, 2)).contains(r.stdoutLines.first ?? ""), "\(r)")
        #expect(r.stdout.contains("nothing was imported"))
        #expect(try sb.dump() == before)
    }

    @Test("a malformed JSON line is reported by its line number; nothing is imported")
    func malformedLine() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("in.jsonl", [Self.valid, "", Self.malformed].joined(separator: "\n") + "\n")
        let before = try sb.dump()
        let r = try sb.run("import", path)
        #expect(r.exitCode == 65, "\(r)")
        let errors = r.stderrLines.filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "\(r)")
        #expect(errors.first?.contains("line 3") == true, "blank line 2 still counts as a line: \(r)")
        #expect(try sb.dump() == before)
    }

    @Test("with --skip-invalid, a malformed line is one rejected line; the others are imported")
    func malformedLineSkipped() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("in.jsonl", [Self.malformed, Self.valid].joined(separator: "\n") + "\n")
        let rejects = sb.dir.appendingPathComponent("rejects.jsonl").path
        let r = try sb.run("import", path, "--skip-invalid", "--rejects", rejects)
        #expect(r.exitCode == 0, "\(r)")
        // Skipped and kept as asked: one count per reason on stderr, no line per row.
        #expect(
            r.stderrLines.first == "rejected 1 order (1 row), every row written to \(rejects) with its reason:", "\(r)")
        #expect(r.stderrLines.count == 2 && r.stderrLines[1].hasPrefix("       1  "), "\(r)")
        #expect(!r.stderr.contains("Error:"), "\(r)")
        #expect(try sb.sql("SELECT ref FROM orders WHERE ref LIKE 'J-%'") == ["J-1"])
        let lines = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(object.int("line") == 1)
        #expect(object.string("input") == Self.malformed, "a line that is not JSON can only be kept as text")
    }

    @Test("--skip-invalid --rejects with jsonl: JSON Lines of {line, reason, input}")
    func rejectsFile() throws {
        let sb = try Sandbox(template: .catalog)
        let input = [Self.unknownOrderKey, "", Self.valid, Self.unknownLineKey]
        let path = try sb.write("in.jsonl", input.joined(separator: "\n") + "\n")
        let rejects = sb.dir.appendingPathComponent("rejects.jsonl").path
        let r = try sb.run("import", path, "--skip-invalid", "--rejects", rejects)
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdoutLines.first == "read " + importSummary(read: 3, imported: (1, 1), rejected: (2, 2)), "\(r)")
        #expect(try sb.sql("SELECT ref FROM orders WHERE ref LIKE 'J-%'") == ["J-1"])

        let text = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        try #require(lines.count == 2, "\(text)")
        let objects = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)")
        }
        #expect(objects.map { $0.int("line") } == [1, 4])
        #expect(objects.map { Set($0.keys) } == [["line", "reason", "input"], ["line", "reason", "input"]])
        #expect(objects[0].string("reason")?.contains("colour") == true, "\(objects[0])")
        #expect(objects[1].string("reason")?.contains("qty_shipped") == true, "\(objects[1])")
        // The input line as read: kept as its text, or as the JSON value it holds.
        for (object, raw) in zip(objects, [Self.unknownOrderKey, Self.unknownLineKey]) {
            if let s = object.string("input") {
                #expect(s == raw)
            } else {
                let parsed = try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? NSDictionary
                #expect((object["input"] as? NSDictionary) == parsed, "\(object)")
            }
        }
    }

    @Test(
        "the extension .jsonl or .ndjson means JSON Lines without --format",
        arguments: ["orders.jsonl", "orders.ndjson"])
    func detectedByExtension(_ name: String) throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write(name, Self.valid + "\n")
        let r = try sb.ok("import", path)
        #expect(r.stdoutLines.first == "read " + importSummary(read: 1, imported: (1, 1)), "\(r)")
        #expect(
            try sb.sql(
                "SELECT o.ref, o.total, l.sku FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE ref = 'J-1'")
                == ["J-1|1250|MUG-01"])
    }
}

// MARK: - --map

@Suite("import formats: any CSV with --map")
struct ImportFormatsMapTests {
    static let retail = """
        Invoice;StockCode;Description;Qty;When;Price;CustomerID
        536365;MUG-01;WHITE HANGING HEART;6;15/01/2026 09:30;12.50;17850
        536365;CARD;SET 7 BABUSHKA;2;15/01/2026 09:30;2.05;17850
        536366;NEW-9;JUMBO BAG RED;1;15/07/2026 09:30;3.40;13047
        536367;CARD;SET 7 BABUSHKA;1;25/10/2026 00:30;2.05;

        """

    static let maps = [
        "--map", "ref=Invoice", "--map", "sku=StockCode", "--map", "quantity=Qty", "--map", "ordered_at=When",
        "--map", "unit_price=Price",
    ]
    static let options = [
        "--delimiter", ";", "--date-format", "%d/%m/%Y %H:%M", "--timezone", "Europe/London", "--currency", "EUR",
    ]

    @Test(
        "columns mapped by name, ';' delimited, dates in London time (GMT and BST) stored in UTC; other columns ignored"
    )
    func mapped() throws {
        let sb = try Sandbox(template: .catalog)  // EUR, Europe/Berlin
        let path = try sb.write("retail.csv", Self.retail)
        let r = try sb.ok(["import", path] + Self.maps + Self.options)
        // No customer column is mapped, so how many customers are created is not checked.
        let summary = r.stdoutLines.first ?? ""
        #expect(
            summary.hasPrefix(
                "read 4 rows: imported 4 rows (3 orders), rejected 0 rows (0 orders), duplicates 0 rows (0 orders); created "
            ), "\(r)")
        #expect(summary.hasSuffix(", 1 product"), "\(r)")
        #expect(
            try sb.sql(
                "SELECT ref, placed_at, total, currency, item_count FROM orders WHERE ref LIKE '5363%' ORDER BY ref")
                == [
                    "536365|2026-01-15T09:30:00Z|7910|EUR|8",  // GMT = UTC
                    "536366|2026-07-15T08:30:00Z|340|EUR|1",  // BST = UTC+1
                    "536367|2026-10-24T23:30:00Z|205|EUR|1",  // still BST on 25 October before 01:00 UTC
                ])
        // Description is not mapped: line names come from the catalog (or the SKU), never from it.
        #expect(
            try sb.sql(
                """
                SELECT o.ref, l.sku, l.name, l.quantity, l.unit_price FROM order_lines l JOIN orders o ON o.id = l.order_id
                WHERE o.ref LIKE '5363%' ORDER BY o.ref, l.line_no
                """) == [
                    "536365|MUG-01|Stoneware mug|6|1250", "536365|CARD|Greeting card|2|205",
                    "536366|NEW-9|NEW-9|1|340", "536367|CARD|Greeting card|1|205",
                ])
        #expect(
            try sb.scalar(
                "SELECT count(*) FROM products WHERE name IN ('WHITE HANGING HEART', 'SET 7 BABUSHKA', 'JUMBO BAG RED')"
            ) == "0")
        #expect(try sb.scalar("SELECT count(*) FROM customers WHERE name LIKE '%17850%' OR name LIKE '%13047%'") == "0")
    }

    @Test("--delimiter tab")
    func tab() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("retail.tsv", Self.retail.replacingOccurrences(of: ";", with: "\t"))
        try sb.ok(
            ["import", path] + Self.maps + [
                "--delimiter", "tab", "--date-format", "%d/%m/%Y %H:%M", "--timezone", "Europe/London",
            ])
        #expect(
            try sb.sql("SELECT ref, placed_at, total FROM orders WHERE ref LIKE '5363%' ORDER BY ref") == [
                "536365|2026-01-15T09:30:00Z|7910", "536366|2026-07-15T08:30:00Z|340",
                "536367|2026-10-24T23:30:00Z|205",
            ])
    }

    @Test(
        "a --map with an unknown field, a column not in the header, or ref/sku/quantity unmapped: one error naming it, nothing created",
        arguments: [
            // A field the importer does not know: the parser judges it (64).
            (["--map", "colour=Invoice"], "colour", Int32(64)),
            // A column the file lacks: the input does not fit (65).
            (["--map", "customer_ref=Customer_ID"], "Customer_ID", 65),
            // sku mapped twice (the second names a column the file lacks, too): a shape, 64.
            (["--map", "sku=Stock_Code"], "Stock_Code", 64),
        ])
    func badMap(_ extra: [String], _ named: String, _ code: Int32) throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("retail.csv", Self.retail)
        let before = try sb.dump()
        let r = try sb.run(["import", path] + Self.maps + extra + Self.options)
        #expect(r.exitCode == code, "\(r)")
        #expect(r.stderrLines.first?.hasPrefix("Error: ") == true, "\(r)")
        #expect(r.stderrLines.first?.contains(named) == true, "\(r)")
        #expect(!r.stdout.contains("imported"), "\(r)")
        #expect(try sb.dump() == before)
    }

    @Test("quantity must end up mapped")
    func quantityUnmapped() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("retail.csv", Self.retail)
        let before = try sb.dump()
        let r = try sb.run(
            ["import", path, "--map", "ref=Invoice", "--map", "sku=StockCode", "--map", "ordered_at=When"]
                + Self.options)
        #expect(r.exitCode == 65, "\(r)")
        #expect(r.stderrLines.first?.hasPrefix("Error: ") == true, "\(r)")
        #expect(r.stderrLines.first?.contains("quantity") == true, "\(r)")
        #expect(try sb.dump() == before)
    }

    @Test("--currency other than the shop's is refused")
    func otherCurrency() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("retail.csv", Self.retail)
        let before = try sb.dump()
        let r = try sb.run(
            ["import", path] + Self.maps + ["--delimiter", ";", "--date-format", "%d/%m/%Y %H:%M", "--currency", "USD"])
        // A currency code of the right shape that the shop does not use: the database's call.
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stderr.contains("USD") && r.stderr.contains("EUR"), "\(r)")
        #expect(try sb.dump() == before)
    }

    @Test("%y is not a directive: two-digit years are refused")
    func twoDigitYearDirective() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("retail.csv", Self.retail.replacingOccurrences(of: "/2026 ", with: "/26 "))
        let before = try sb.dump()
        let r = try sb.run(
            ["import", path] + Self.maps + [
                "--delimiter", ";", "--date-format", "%d/%m/%y %H:%M", "--timezone", "Europe/London",
            ])
        #expect(r.exitCode == 64, "\(r)")
        #expect(r.stderrLines.first?.hasPrefix("Error: ") == true, "\(r)")
        #expect(r.stderrLines.first?.contains("%y") == true, "\(r)")
        #expect(try sb.dump() == before)
    }

    @Test("a two-digit year under %Y is an invalid row")
    func twoDigitYearValue() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write(
            "retail.csv", Self.retail.replacingOccurrences(of: "15/07/2026 09:30", with: "15/07/26 09:30"))
        let before = try sb.dump()
        let r = try sb.run(["import", path] + Self.maps + Self.options)
        #expect(r.exitCode == 65, "\(r)")
        let errors = r.stderrLines.filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "\(r)")
        #expect(errors.first?.hasPrefix("Error: line 4: ") == true, "\(r)")
        #expect(errors.first?.contains("'15/07/26 09:30'") == true, "\(r)")
        #expect(errors.first.map { $0.contains("ordered_at") || $0.contains("When") } == true, "\(r)")
        #expect(try sb.dump() == before)
    }

    @Test(
        "header columns named like a field map to it unless overridden; COLUMN matches case-insensitively; no --timezone: the shop's zone"
    )
    func autoMapped() throws {
        let sb = try Sandbox(template: .catalog)  // Europe/Berlin
        let path = try sb.write(
            "auto.csv",
            "ref,Article,quantity,note,Comment,When\nM-1,MUG-01,2,not this note,this comment,2026-01-15 09:30\n")
        let r = try sb.ok(
            "import", path, "--map", "sku=article", "--map", "note=COMMENT", "--map", "ordered_at=When",
            "--date-format", "%Y-%m-%d %H:%M")
        #expect(r.stdoutLines.first?.hasPrefix("read 1 row: imported 1 row (1 order)") == true, "\(r)")
        #expect(
            try sb.sql(
                "SELECT o.ref, o.placed_at, o.note, o.total, l.sku, l.quantity FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.ref = 'M-1'"
            )
                == ["M-1|2026-01-15T08:30:00Z|this comment|2500|MUG-01|2"])
    }

    @Test("%b, %S and %z: an offset in the value wins over --timezone")
    func monthNamesAndOffsets() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write(
            "z.csv",
            """
            Invoice;StockCode;Qty;When
            Z-1;MUG-01;1;15 Jan 2026 09:30:00 +0530
            Z-2;MUG-01;1;15 Jul 2026 09:30:00 Z
            Z-3;MUG-01;1;01 Feb 2026 23:59:59 -03:00
            Z-4;MUG-01;1;15 Dec 2025 09:30:05 +0000

            """)
        try sb.ok(
            "import", path, "--delimiter", ";", "--map", "ref=Invoice", "--map", "sku=StockCode", "--map",
            "quantity=Qty",
            "--map", "ordered_at=When", "--date-format", "%d %b %Y %H:%M:%S %z", "--timezone", "Europe/London")
        #expect(
            try sb.sql("SELECT ref, placed_at FROM orders WHERE ref LIKE 'Z-%' ORDER BY ref") == [
                "Z-1|2026-01-15T04:00:00Z", "Z-2|2026-07-15T09:30:00Z", "Z-3|2026-02-02T02:59:59Z",
                "Z-4|2025-12-15T09:30:05Z",
            ])
    }

    @Test(
        "--date-format must match the whole value, and a date or time that does not exist is refused",
        arguments: [
            "15/01/2026 09:30 extra", "15/01/2026 9:30", "32/01/2026 09:30", "15/13/2026 09:30", "15/01/2026 24:00",
            "29/02/2026 09:30",
        ])
    func strictDates(_ value: String) throws { try expectDateRefused(value) }

    /// README: %m and %d take one or two digits (not a guess: the separators delimit them).
    @Test("%d and %m take one or two digits", arguments: ["15/1/2026 09:30", "15/01/2026 09:30"])
    func oneOrTwoDigitDayAndMonth(_ value: String) throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("w.csv", "Invoice;StockCode;Qty;When\nW-1;MUG-01;1;\(value)\n")
        try sb.ok(
            "import", path, "--delimiter", ";", "--map", "ref=Invoice", "--map", "sku=StockCode", "--map",
            "quantity=Qty",
            "--map", "ordered_at=When", "--date-format", "%d/%m/%Y %H:%M", "--timezone", "Europe/London")
        #expect(try sb.sql("SELECT placed_at FROM orders WHERE ref = 'W-1'") == ["2026-01-15T09:30:00Z"])
    }

    func expectDateRefused(_ value: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write("w.csv", "Invoice;StockCode;Qty;When\nW-1;MUG-01;1;\(value)\n")
        let before = try sb.dump()
        let r = try sb.run(
            "import", path, "--delimiter", ";", "--map", "ref=Invoice", "--map", "sku=StockCode", "--map",
            "quantity=Qty",
            "--map", "ordered_at=When", "--date-format", "%d/%m/%Y %H:%M", "--timezone", "Europe/London")
        #expect(r.exitCode == 65, "\(r)", sourceLocation: sourceLocation)
        #expect(
            r.stderrLines.first { $0.hasPrefix("Error:") }?.hasPrefix("Error: line 2: ordered_at '\(value)': ") == true,
            "\(r)",
            sourceLocation: sourceLocation)
        #expect(try sb.dump() == before, sourceLocation: sourceLocation)
    }

    @Test("\"1,000\" is not a quantity")
    func thousandsSeparator() throws {
        let sb = try Sandbox(template: .catalog)
        let path = try sb.write(
            "retail.csv",
            Self.retail.replacingOccurrences(
                of: "536365;CARD;SET 7 BABUSHKA;2;", with: "536365;CARD;SET 7 BABUSHKA;1,000;"))
        let before = try sb.dump()
        let r = try sb.run(["import", path] + Self.maps + Self.options)
        #expect(r.exitCode == 65, "\(r)")
        let errors = r.stderrLines.filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "\(r)")
        #expect(errors.first?.hasPrefix("Error: line 3: ") == true, "\(r)")
        #expect(errors.first?.contains("'1,000'") == true, "\(r)")
        #expect(errors.first.map { $0.contains("quantity") || $0.contains("Qty") } == true, "\(r)")
        #expect(try sb.dump() == before)
    }
}

// MARK: - gzip

@Suite("import formats: gzip-compressed input")
struct ImportFormatsGzipTests {
    static let native = #"""
        ref,ordered_at,customer_email,customer_name,country,sku,product_name,quantity,unit_price,currency,status,due,note
        I-1,2026-10-01T09:00:00Z,ann@example.com,Ann Lee,DE,MUG-01,Stoneware mug,2,12.50,EUR,completed,,
        I-1,2026-10-01T09:00:00Z,ann@example.com,Ann Lee,DE,NEW-1,"Brand new, blue",1,5.00,EUR,completed,,
        I-2,2026-10-02T10:00:00Z,zoe@example.org,Zoë Null,FR,CARD,Card,3,0.50,EUR,cancelled,2026-10-09,"a note, with ""quotes"""

        """#.replacingOccurrences(of: "\n", with: "\r\n")

    /// What an import leaves behind, to compare databases.
    func state(_ sb: Sandbox) throws -> [String] {
        try [sb.ok("export").stdout]
            + sb.sql(
                """
                SELECT o.ref, o.status, o.payment_status, o.total, o.placed_at, o.channel, coalesce(o.note, '') FROM orders o ORDER BY o.ref
                """) + sb.sql("SELECT email, name, coalesce(country, '') FROM customers ORDER BY id")
            + sb.sql("SELECT sku, name, price, track_stock FROM products ORDER BY sku")
    }

    @Test("the same native CSV, gzipped, imports identically from a .gz file, a file without .gz, and stdin")
    func gzippedNative() throws {
        let plain = try Sandbox(template: .catalog)
        let csv = try plain.write("in.csv", Self.native)
        let expected = try plain.ok("import", csv)
        #expect(
            expected.stdoutLines.first == "read " + importSummary(read: 3, imported: (3, 2), customers: 1, products: 1),
            "\(expected)")
        let want = try state(plain)

        let fromFile = try Sandbox(template: .catalog)
        let gz = try fromFile.gzip(try fromFile.write("in.csv", Self.native), to: "in.csv.gz")
        let r1 = try fromFile.ok("import", gz)
        #expect(r1.stdout == expected.stdout, "\(r1)")
        #expect(try state(fromFile) == want)

        let byMagic = try Sandbox(template: .catalog)
        let disguised = try byMagic.gzip(try byMagic.write("plain.csv", Self.native), to: "in.csv")
        let r2 = try byMagic.ok("import", disguised)
        #expect(r2.stdout == expected.stdout, "\(r2)")
        #expect(try state(byMagic) == want)

        let fromStdin = try Sandbox(template: .catalog)
        let data = try Data(
            contentsOf: URL(
                fileURLWithPath: try fromStdin.gzip(try fromStdin.write("in.csv", Self.native), to: "in.csv.gz")))
        let r3 = try fromStdin.run(["import", "-"], stdinData: data)
        #expect(r3.exitCode == 0, "\(r3)")
        #expect(r3.stdout == expected.stdout, "\(r3)")
        #expect(try state(fromStdin) == want)
    }

    @Test("a gzipped Shopify export on stdin: detected by its header, imported as from the plain file")
    func gzippedShopifyOnStdin() throws {
        func shop() throws -> Sandbox {
            try Sandbox.shop("--currency", "USD", "--timezone", "America/New_York", "--country", "US")
        }
        let plain = try shop()
        let expected = try plain.ok("import", try plain.write("orders.csv", ImportFormatsShopifyTests.export))
        let piped = try shop()
        let gz = try piped.gzip(try piped.write("orders.csv", ImportFormatsShopifyTests.export), to: "orders.csv.gz")
        let r = try piped.run(["import", "-"], stdinData: Data(contentsOf: URL(fileURLWithPath: gz)))
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdout == expected.stdout, "\(r)")
        #expect(r.stderr.lowercased().contains("shopify"), "\(r)")
        #expect(try piped.ok("export").stdout == plain.ok("export").stdout)
    }

    @Test("a gzipped .jsonl.gz is JSON Lines without --format")
    func gzippedJSONL() throws {
        let source = try Sandbox(template: .catalog)
        try source.ok("add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "CARD", "--ref", "G-1")
        try source.ok("add", "--customer", "jean@example.fr", "--item", "TEE-M", "--ref", "G-2")
        let jsonl = try source.ok("export", "--format", "jsonl").stdout
        let csv = try source.ok("export").stdout

        let target = try Sandbox.shop("--currency", "EUR", "--timezone", "Europe/Berlin", "--country", "DE")
        let gz = try target.gzip(try target.write("orders.jsonl", jsonl), to: "orders.jsonl.gz")
        let r = try target.ok("import", gz)
        #expect(
            r.stdoutLines.first == "read " + importSummary(read: 2, imported: (2, 2), customers: 2, products: 3), "\(r)"
        )
        #expect(try target.ok("export").stdout == csv)
    }

    @Test("a truncated gzip stream is an error, and nothing is imported")
    func truncated() throws {
        let sb = try Sandbox(template: .catalog)
        let gz = try sb.gzip(try sb.write("in.csv", Self.native), to: "in.csv.gz")
        let data = try Data(contentsOf: URL(fileURLWithPath: gz))
        let cut = try sb.write("cut.csv.gz", "")
        try data.prefix(data.count - 12).write(to: URL(fileURLWithPath: cut))
        let before = try sb.dump()
        let r = try sb.run("import", cut)
        // Malformed input, like any other: 65.
        #expect(r.exitCode == 65, "\(r)")
        #expect(r.stderrLines.first?.hasPrefix("Error: ") == true, "\(r)")
        #expect(try sb.dump() == before)
    }
}
