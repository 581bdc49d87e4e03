import Foundation
import OrderCore
import Testing

/// Imports a real shop's export (UCI Online Retail II, 2009-2010) from ../shared/data,
/// when it is there: every row must be accounted for, and the revenue of what was
/// imported must be exactly the revenue of the rows not rejected.
@Suite("import of a real export (online-retail-ii, when present)")
struct RealDataImportTests {
    static let file: URL? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let url = root.deletingLastPathComponent().appendingPathComponent(
            "shared/data/online-retail-ii/online_retail_II_2009-2010.csv.gz")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()

    /// "6.95" -> 6950 thousandths; "-0.5" -> -500. Exact, no binary floating point.
    static func thousandths(_ text: String) -> Int64? {
        var t = Substring(text)
        let negative = t.first == "-"
        if negative { t = t.dropFirst() }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]) else { return nil }
        var frac: Int64 = 0
        if parts.count == 2 {
            guard parts[1].count <= 3, let f = Int64(parts[1]) else { return nil }
            frac = f * [1000, 100, 10, 1][parts[1].count]
        }
        return (whole * 1000 + frac) * (negative ? -1 : 1)
    }

    @Test(
        "--map and --skip-invalid account for all 525,461 rows; imported revenue = the rows not rejected, to the penny, and month by month in stats",
        .enabled(if: file != nil, "../shared/data/online-retail-ii is not here"))
    func onlineRetail() throws {
        let source = try #require(Self.file)
        let sb = try Sandbox()
        try sb.ok("init", "--currency", "GBP", "--timezone", "Europe/London", "--country", "GB")
        let rejects = sb.dir.appendingPathComponent("rejects.csv").path
        let args = [
            "import", source.path,
            "--map", "ref=Invoice", "--map", "sku=StockCode", "--map", "product_name=Description",
            "--map", "quantity=Quantity", "--map", "ordered_at=InvoiceDate", "--map", "unit_price=Price",
            "--map", "customer_ref=Customer ID", "--map", "country=Country",
            "--skip-invalid", "--rejects", rejects,
        ]
        let r = try runProcess(
            sb.binary, args, environment: sb.environment(), directory: sb.dir, scratch: sb.scratch, timeout: 1800)
        // Invalid rows exist (cancellations with negative quantities, ...): skipped as
        // asked, the rest imported, exit 0; stderr counts them per reason, not per row.
        #expect(r.exitCode == 0, "\(r.stderr.prefix(2000))")
        #expect(r.stderrLines.count <= 16, "\(r.stderr.prefix(2000))")
        #expect(
            r.stderrLines.contains { $0.hasSuffix("every row written to \(rejects) with its reason:") },
            "\(r.stderr.prefix(2000))")
        #expect(!r.stderr.contains("Error:"), "\(r.stderr.prefix(2000))")

        // read = imported + rejected + duplicates, and read is every data row of the file.
        let summary = try #require(r.stdoutLines.first)
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        // read N rows: imported R (O), rejected R (O), duplicates R (O); created C, P
        try #require(numbers.count == 9, "\(summary)")
        let (read, imported, rejected, duplicates) = (numbers[0], numbers[1], numbers[3], numbers[5])
        #expect(read == 525_461)
        #expect(imported + rejected + duplicates == read)
        #expect(imported > 400_000, "most of the file is valid: \(summary)")
        #expect(duplicates == 0)

        // The rejects file: the header, then each rejected row as read, with a reason.
        let rejectedLines = try Self.rejectedLines(rejects, expectedRows: rejected)

        // Revenue: every non-rejected row's quantity x price, exactly.
        let input = try ImportInput(path: source.path)
        let csv = try input.csvReader()
        _ = try csv.next()  // header
        var expected: Int64 = 0  // thousandths of a pound
        var byMonth: [String: Int64] = [:]  // the same, by the month of InvoiceDate (London time, as imported)
        var counted = 0
        while try csv.next() {
            guard !rejectedLines.contains(csv.recordLine) else { continue }
            counted += 1
            let q = try #require(Int64(csv.string(3)), "line \(csv.recordLine)")
            let p = try #require(Self.thousandths(csv.string(5)), "line \(csv.recordLine)")
            expected += q * p
            byMonth[String(csv.string(4).prefix(7)), default: 0] += q * p
        }
        #expect(counted == imported)
        let stored = try #require(Int64(sb.scalar("SELECT sum(line_total) FROM order_lines")))  // pence
        #expect(
            stored * 10 == expected, "imported \(stored) pence, the rows not rejected add up to \(expected) thousandths"
        )
        #expect(try sb.scalar("SELECT sum(quantity) FROM order_lines") != "0")
        // Cancellation invoices have negative quantities: rejected, except the one whose
        // only row has Quantity +1 (see the data's README).
        #expect(try sb.scalar("SELECT count(*) FROM orders WHERE ref LIKE 'C%'") == "1")
        #expect(try sb.ok("verify").stdout.hasPrefix("history intact"))

        // stats: net revenue per month (cut in London time) = the rows imported, month by month.
        // (Nothing imported is cancelled or refunded, so net is the lines' value.)
        let months = byMonth.keys.sorted()
        #expect(months.count == 13, "\(months)")
        let stats = try sb.ok(
            "stats", "--by", "month", "--from", "\(months.first!)-01", "--to", "\(months.last!)-31", "--csv"
        ).stdout
        var net: [String: Int64] = [:]
        for line in stats.split(whereSeparator: \.isNewline).dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            try #require(cells.count == 15 && cells[1] == "GBP", "\(line)")
            net[cells[0]] = Self.thousandths(cells[7])
        }
        #expect(net.keys.sorted() == months)
        for month in months { #expect(net[month] == byMonth[month], "\(month)") }
    }

    /// The line numbers of the rejected rows; checks each row has the input's columns
    /// plus a reason that starts with its line number.
    static func rejectedLines(_ path: String, expectedRows: Int) throws -> Set<Int> {
        let csv = try RFC4180Reader(path: path)
        #expect(try csv.next())
        #expect(
            csv.fields == [
                "Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country",
                "reason",
            ])
        var lines = Set<Int>()
        var rows = 0
        while try csv.next() {
            rows += 1
            let reason = csv.string(csv.fieldCount - 1)
            #expect(csv.fieldCount == 9, "reject row \(rows)")
            guard reason.hasPrefix("line "), let n = Int(reason.dropFirst(5).prefix { $0.isNumber }) else {
                Issue.record("reason without a line number: \(reason)")
                continue
            }
            lines.insert(n)
        }
        #expect(rows == expectedRows)
        #expect(lines.count == rows)
        return lines
    }
}
