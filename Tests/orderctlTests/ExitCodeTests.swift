import Foundation
import Testing

/// The exit-code rule (README, "Exit codes"): 64 for what the parser alone can judge (a
/// closed set, a shape, a range), 1 for what needs the database, 65 for an import whose
/// input does not fit. Each case runs on a copy of the `withOrder` database, with
/// `in.csv` (columns ref, sku, quantity) and `retail.csv` (Invoice, StockCode) beside it.
@Suite("exit codes: 64 for what the parser can judge, 1 for what needs the database")
struct ExitCodeTests {
    static let csv = ["--map", "ref=Invoice", "--map", "sku=StockCode"]

    static let cases: [InvalidCase] = [
        // 64: closed sets.
        .init(label: "list --status", arguments: ["list", "--status", "bogus"], exitCode: 64, mentions: ["--status"]),
        .init(label: "list --class", arguments: ["list", "--class", "bogus"], exitCode: 64, mentions: ["--class"]),
        .init(label: "list --sort", arguments: ["list", "--sort", "size"], exitCode: 64, mentions: ["--sort"]),
        .init(
            label: "export --status", arguments: ["export", "--status", "bogus"], exitCode: 64, mentions: ["--status"]),
        .init(
            label: "rule add --kind", arguments: ["rule", "add", "x", "--kind", "nope"], exitCode: 64,
            mentions: ["--kind", "due-soon"]),
        .init(
            label: "stats --by", arguments: ["stats", "--by", "fortnight"], exitCode: 64, mentions: ["--by", "month"]),
        // 64: shapes and ranges.
        .init(
            label: "stats --by: two periods", arguments: ["stats", "--by", "month", "--by", "week"], exitCode: 64,
            mentions: ["--by", "at most one period"]),
        .init(
            label: "stats --from: syntax", arguments: ["stats", "--from", "someday"], exitCode: 64,
            mentions: ["--from", "someday"]),
        .init(
            label: "stats --currency: shape", arguments: ["stats", "--currency", "EURO"], exitCode: 64,
            mentions: ["--currency", "EURO"]),
        .init(
            label: "stats --timezone", arguments: ["stats", "--timezone", "Mars/Olympus"], exitCode: 64,
            mentions: ["--timezone", "Mars/Olympus"]),
        .init(
            label: "stats --limit", arguments: ["stats", "--limit=-3"], exitCode: 64, mentions: ["--limit"]),
        .init(
            label: "stats customers --currency", arguments: ["stats", "customers", "--currency", "EURO"],
            exitCode: 64, mentions: ["--currency"]),
        .init(
            label: "stats products --to", arguments: ["stats", "products", "--to", "never"], exitCode: 64,
            mentions: ["--to", "never"]),
        .init(
            label: "report --timezone", arguments: ["report", "--html", "r.html", "--timezone", "Mars/X"],
            exitCode: 64, mentions: ["--timezone"]),
        .init(
            label: "report --from", arguments: ["report", "--html", "r.html", "--from", "someday"], exitCode: 64,
            mentions: ["--from"]),
        .init(
            label: "forecast --weeks", arguments: ["forecast", "--weeks", "99"], exitCode: 64, mentions: ["--weeks"]),
        .init(label: "remind --limit", arguments: ["remind", "--limit=-1"], exitCode: 64, mentions: ["--limit"]),
        .init(
            label: "remind --mail-to", arguments: ["remind", "--mail-to", "not an address"], exitCode: 64,
            mentions: ["--mail-to"]),
        .init(
            label: "snooze --for", arguments: ["snooze", "overdue:A-100", "--for", "3x"], exitCode: 64,
            mentions: ["--for", "3x"]),
        .init(
            label: "snooze --until", arguments: ["snooze", "overdue:A-100", "--until", "someday"], exitCode: 64,
            mentions: ["--until"]),
        .init(
            label: "predict --from", arguments: ["predict", "--backtest", "--from", "someday"], exitCode: 64,
            mentions: ["--from"]),
        .init(
            label: "export --since", arguments: ["export", "--since", "someday"], exitCode: 64, mentions: ["--since"]),
        .init(
            label: "list --until", arguments: ["list", "--until", "2026-13-01"], exitCode: 64, mentions: ["--until"]),
        .init(
            label: "list --due-before", arguments: ["list", "--due-before", "someday"], exitCode: 64,
            mentions: ["--due-before"]),
        .init(
            label: "import --delimiter", arguments: ["import", "in.csv", "--delimiter", ";;"], exitCode: 64,
            mentions: ["--delimiter", ";;"]),
        .init(
            label: "import --map: not FIELD=COLUMN", arguments: ["import", "in.csv", "--map", "ref"], exitCode: 64,
            mentions: ["--map", "FIELD=COLUMN"]),
        .init(
            label: "import --map: unknown field", arguments: ["import", "in.csv", "--map", "colour=Invoice"],
            exitCode: 64, mentions: ["--map", "colour"]),
        .init(
            label: "import --map: a field twice", arguments: ["import", "in.csv", "--map", "ref=a", "--map", "ref=b"],
            exitCode: 64, mentions: ["--map", "mapped twice"]),
        .init(
            label: "import --map with --format jsonl",
            arguments: ["import", "in.csv", "--format", "jsonl", "--map", "ref=a"], exitCode: 64,
            mentions: ["--map", "jsonl"]),
        .init(
            label: "import --map-status", arguments: ["import", "in.csv", "--map-status", "refunded=gone"],
            exitCode: 64, mentions: ["--map-status", "gone"]),
        .init(
            label: "import --date-format", arguments: ["import", "in.csv", "--date-format", "%d/%m/%y"],
            exitCode: 64, mentions: ["--date-format", "%y"]),
        .init(
            label: "import --timezone", arguments: ["import", "in.csv", "--timezone", "Mars/X"], exitCode: 64,
            mentions: ["--timezone"]),
        .init(
            label: "import --currency: shape", arguments: ["import", "in.csv", "--currency", "EURO"], exitCode: 64,
            mentions: ["--currency", "EURO"]),
        .init(
            label: "edit --shipping", arguments: ["edit", "A-100", "--shipping", "overnight"], exitCode: 64,
            mentions: ["--shipping", "overnight"]),
        .init(
            label: "init --currency", arguments: ["init", "--currency", "EURO"], exitCode: 64,
            mentions: ["--currency", "EURO"]),
        .init(
            label: "init --timezone", arguments: ["init", "--timezone", "Mars/X"], exitCode: 64,
            mentions: ["--timezone", "Mars/X"]),
        .init(
            label: "init --country", arguments: ["init", "--country", "Atlantis"], exitCode: 64,
            mentions: ["--country", "Atlantis"]),
        .init(
            label: "product add --stock",
            arguments: ["product", "add", "N-1", "--name", "N", "--price", "1", "--stock=-5"],
            exitCode: 64, mentions: ["--stock", "-5"]),
        .init(
            label: "product update --service-level",
            arguments: ["product", "update", "MUG-01", "--service-level", "20"],
            exitCode: 64, mentions: ["--service-level", "50 to 99"]),
        .init(
            label: "product update --lead-days", arguments: ["product", "update", "MUG-01", "--lead-days", "x"],
            exitCode: 64, mentions: ["--lead-days", "'x'"]),
        .init(
            label: "product update --reorder-at", arguments: ["product", "update", "MUG-01", "--reorder-at", "-1"],
            exitCode: 64, mentions: ["--reorder-at", "-1"]),
        .init(
            label: "backup --recipient", arguments: ["backup", "--recipient", "age1notakey"], exitCode: 64,
            mentions: ["--recipient"]),
        // 64: the shape of a value a command stores (OrderCore's field rules, without the database).
        .init(
            label: "add --item: quantity", arguments: ["add", "--customer", "ann@example.com", "--item", "MUG-01:0"],
            exitCode: 64, mentions: ["--item", "quantity '0'"]),
        .init(
            label: "add --item: price shape",
            arguments: ["add", "--customer", "ann@example.com", "--item", "MUG-01@12,50"], exitCode: 64,
            mentions: ["--item", "'12,50'"]),
        .init(
            label: "add --due: no date",
            arguments: [
                "add", "--customer", "ann@example.com", "--item", "MUG-01",
                "--due", "someday",
            ], exitCode: 64, mentions: ["--due", "someday"]),
        .init(
            label: "add --ref",
            arguments: ["add", "--customer", "ann@example.com", "--item", "MUG-01", "--ref", "A 1"],
            exitCode: 64, mentions: ["--ref", "'A 1'"]),
        .init(
            label: "edit --set", arguments: ["edit", "A-100", "--set", "MUG-01:x"], exitCode: 64,
            mentions: ["--set", "quantity 'x'"]),
        .init(
            label: "customer add --email", arguments: ["customer", "add", "--name", "Bob", "--email", "bob@example"],
            exitCode: 64, mentions: ["--email", "bob@example"]),
        .init(
            label: "customer update: no change", arguments: ["customer", "update", "1"], exitCode: 64,
            mentions: ["missing change"]),
        .init(
            label: "product add --price shape", arguments: ["product", "add", "N-1", "--name", "N", "--price", "1,5"],
            exitCode: 64, mentions: ["--price", "1,5"]),
        .init(
            label: "pay --amount shape", arguments: ["pay", "A-100", "--amount", "-5"], exitCode: 64,
            mentions: ["--amount", "-5"]),
        .init(
            label: "confirm --at: no date", arguments: ["confirm", "A-100", "--at", "soon"], exitCode: 64,
            mentions: ["--at", "soon"]),
        .init(
            label: "ship --carrier", arguments: ["ship", "A-100", "--carrier", "DHL Express"], exitCode: 64,
            mentions: ["--carrier", "DHL Express"]),
        .init(
            label: "ship --tracking: UPS shape", arguments: ["ship", "A-100", "--carrier", "ups", "--tracking", "123"],
            exitCode: 64, mentions: ["--tracking", "123"]),
        .init(
            label: "ship: one tracking number for two refs",
            arguments: ["ship", "A-100", "A-101", "--carrier", "dhl", "--tracking", "1234567890"], exitCode: 64,
            mentions: ["tracking number belongs to one order"]),
        .init(
            label: "stock set: above the stock limit", arguments: ["stock", "set", "MUG-01", "2000000000"],
            exitCode: 64, mentions: ["quantity", "2000000000", "at most 1000000000"]),
        .init(
            label: "hold --reason", arguments: ["hold", "A-100", "--reason", " "], exitCode: 64,
            mentions: ["--reason"]),
        .init(
            label: "config get: unknown setting", arguments: ["config", "get", "bogus"], exitCode: 64,
            mentions: ["bogus"]),
        .init(
            label: "config set: a setting's value", arguments: ["config", "set", "timezone", "Mars/X"],
            exitCode: 64, mentions: ["timezone", "Mars/X"]),
        .init(
            label: "rule set: NAME=VALUE", arguments: ["rule", "set", "overdue", "grace"], exitCode: 64,
            mentions: ["grace", "NAME=VALUE"]),
        .init(
            label: "rule add: a parameter the kind lacks",
            arguments: ["rule", "add", "x", "--kind", "overdue", "after=2d"], exitCode: 64,
            mentions: ["after", "grace"]),
        .init(
            label: "snooze: key shape", arguments: ["snooze", "nokey"], exitCode: 64,
            mentions: ["nokey", "RULE:SUBJECT"]),
        // 1: needs the database.
        .init(
            label: "stats --from after --to (resolved in the shop's zone)",
            arguments: ["stats", "--from", "2026-10-01", "--to", "2026-09-01"], mentions: ["from", "after --to"]),
        .init(
            label: "stats customers --show: unknown customer",
            arguments: ["stats", "customers", "--show", "nobody@example.com"], mentions: ["nobody@example.com"]),
        .init(
            label: "import --currency: not the shop's", arguments: ["import", "in.csv", "--currency", "USD"],
            mentions: ["--currency", "USD", "EUR"]),
        .init(
            label: "add: unknown SKU", arguments: ["add", "--customer", "ann@example.com", "--item", "NOPE"],
            mentions: ["NOPE"]),
        .init(
            label: "snooze: no such reminder", arguments: ["snooze", "overdue:NOPE", "--for", "1d"],
            mentions: ["NOPE"]),
        .init(
            label: "rule add: a name in use", arguments: ["rule", "add", "overdue", "--kind", "overdue"],
            mentions: ["overdue"]),
        .init(
            label: "config set: the currency once orders exist", arguments: ["config", "set", "currency", "USD"],
            mentions: ["currency", "EUR"]),
        .init(
            label: "add: price decimals for the shop's currency",
            arguments: ["add", "--customer", "ann@example.com", "--item", "MUG-01@1.234"],
            mentions: ["1.234", "EUR"]),
        .init(
            label: "pay: amount decimals for the order's currency", arguments: ["pay", "A-100", "--amount", "1.234"],
            mentions: ["1.234", "EUR"]),
        .init(
            label: "rule set: a parameter the rule's kind lacks", arguments: ["rule", "set", "overdue", "after=2d"],
            mentions: ["after", "grace"]),
        .init(
            label: "customer add: an email in use",
            arguments: ["customer", "add", "--name", "Ann Two", "--email", "ann@example.com"],
            mentions: ["ann@example.com"]),
        .init(
            label: "ship: one tracking number for two refs read from a file",
            arguments: ["ship", "--from-file", "refs.txt", "--carrier", "dhl", "--tracking", "1234567890"],
            mentions: ["tracking number belongs to one order"]),
        // 65: the import's input does not fit the options.
        .init(
            label: "import --map: a column the file lacks",
            arguments: ["import", "retail.csv", "--map", "ref=Invoice", "--map", "sku=Stock_Code"], exitCode: 65,
            mentions: ["--map", "Stock_Code"]),
        .init(
            label: "import --map: quantity left unmapped", arguments: ["import", "retail.csv"] + csv, exitCode: 65,
            mentions: ["quantity"]),
    ]

    @Test("exact exit code, one Error: line naming the option, nothing changed", arguments: cases)
    func exitCode(_ c: InvalidCase) throws {
        let sb = try Sandbox(template: .withOrder)
        _ = try sb.write("in.csv", "ref,sku,quantity\nR-9,MUG-01,1\n")
        _ = try sb.write("retail.csv", "Invoice,StockCode\nR-9,MUG-01\n")
        _ = try sb.write("refs.txt", "A-100\nA-101\n")
        let before = try sb.dump()
        let r = try sb.run(c.arguments)
        #expect(r.exitCode == c.exitCode, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        let first = r.stderrLines.first ?? ""
        #expect(first.hasPrefix("Error: "), "\(r)")
        #expect(r.stderrLines.filter { $0.hasPrefix("Error") }.count == 1, "\(r)")
        if c.exitCode == 64 {
            // The argument parser's usage hint follows the error line.
            #expect(r.stderrLines.dropFirst().contains { $0.hasPrefix("Usage: ") }, "\(r)")
        } else {
            #expect(r.stderrLines.count == 1, "\(r)")
        }
        for text in c.mentions { #expect(first.contains(text), "should name \(text): \(r)") }
        #expect(try sb.dump() == before)
        #expect(!FileManager.default.fileExists(atPath: sb.dir.appendingPathComponent("r.html").path))
    }
}
