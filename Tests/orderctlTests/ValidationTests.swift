import Foundation
import Testing

/// One invalid command: what it must exit with, and what its error line must name.
struct InvalidCase: CustomTestStringConvertible, Sendable {
    var label: String
    var arguments: [String]
    var exitCode: Int32 = 1
    /// Every one of these must appear in the "Error: " line.
    var mentions: [String]

    var testDescription: String { label }
}

/// Runs an invalid command on a copy of the `withOrder` database and checks the exit
/// code, that stderr is one "Error: " line naming the field and value, that stdout is
/// empty, and that the database dump is byte-identical afterwards.
func expectRejected(_ c: InvalidCase, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let sb = try Sandbox(template: .withOrder)
    let before = try sb.dump()
    let r = try sb.run(c.arguments)
    #expect(r.exitCode == c.exitCode, "\(r)", sourceLocation: sourceLocation)
    #expect(r.stdout.isEmpty, "nothing on stdout: \(r)", sourceLocation: sourceLocation)
    let lines = r.stderrLines
    let first = lines.first ?? ""
    #expect(first.hasPrefix("Error: "), "\(r)", sourceLocation: sourceLocation)
    if c.exitCode == 1 {
        // Domain errors are one line; usage errors (64) may be followed by the
        // argument parser's usage hint.
        #expect(lines.count == 1, "exactly one stderr line: \(r)", sourceLocation: sourceLocation)
    }
    for text in c.mentions {
        #expect(
            first.contains(text), "error line should mention \(text.debugDescription): \(r)",
            sourceLocation: sourceLocation)
    }
    let after = try sb.dump()
    #expect(before == after, "the database changed after a rejected command: \(r)", sourceLocation: sourceLocation)
}

private let ann = ["add", "--customer", "ann@example.com"]

@Suite("every invalid input is refused with exit code, one error line, and no change")
struct ValidationTests {
    static let cases: [InvalidCase] = [
        .init(
            label: "text-direction override in a name", arguments: ["customer", "add", "--name", "Ann \u{202E}eeL"],
            exitCode: 64,
            mentions: ["invalid --name", "text-direction overrides"]),
        .init(
            label: "non-ASCII country", arguments: ["customer", "add", "--name", "Ann", "--country", "ß"],
            exitCode: 64,
            mentions: ["invalid --country 'ß'"]),
        .init(
            label: "currency that is not ISO 4217", arguments: ["config", "set", "currency", "QQQ"],
            exitCode: 64,
            mentions: ["invalid currency 'QQQ'", "ISO 4217"]),
        .init(
            label: "existing customer with --create-customer and another country",
            arguments: ann + ["--item", "MUG-01", "--create-customer", "--country", "US"],
            mentions: ["invalid country 'US'", "exists already"]),
        .init(
            label: "date beyond the supported years",
            arguments: ann + ["--item", "MUG-01", "--date", "9999-12-31T23:00:00-05:00"],
            mentions: ["between 1900 and 9998"]),
        .init(
            label: "unknown SKU", arguments: ann + ["--item", "NOPE-9"],
            mentions: ["unknown SKU 'NOPE-9'"]),
        .init(
            label: "unknown SKU among good lines", arguments: ann + ["--item", "MUG-01", "--item", "NOPE-9:2"],
            mentions: ["unknown SKU 'NOPE-9'"]),
        .init(
            label: "unknown customer name", arguments: ["add", "--customer", "Nobody Here", "--item", "MUG-01"],
            mentions: ["no customer matches 'Nobody Here'"]),
        .init(
            label: "unknown customer id", arguments: ["add", "--customer", "99", "--item", "MUG-01"],
            mentions: ["no customer matches '99'"]),
        .init(
            label: "unknown email without --create-customer",
            arguments: ["add", "--customer", "bob@example.com", "--item", "MUG-01"],
            mentions: ["no customer with email 'bob@example.com'", "--create-customer"]),
        .init(
            label: "duplicate ref", arguments: ann + ["--item", "MUG-01", "--ref", "A-100"],
            mentions: ["ref 'A-100' already exists"]),
        .init(
            label: "duplicate ref in other case", arguments: ann + ["--item", "MUG-01", "--ref", "a-100"],
            mentions: ["ref 'a-100' already exists"]),
        .init(
            label: "quantity 0", arguments: ann + ["--item", "MUG-01:0"],
            exitCode: 64,
            mentions: ["quantity '0'", "positive whole number"]),
        .init(
            label: "quantity -1", arguments: ann + ["--item", "MUG-01:-1"],
            exitCode: 64,
            mentions: ["quantity '-1'", "positive whole number"]),
        .init(
            label: "quantity 1.5", arguments: ann + ["--item", "MUG-01:1.5"],
            exitCode: 64,
            mentions: ["quantity '1.5'", "positive whole number"]),
        .init(
            label: "quantity abc", arguments: ann + ["--item", "MUG-01:abc"],
            exitCode: 64,
            mentions: ["quantity 'abc'"]),
        .init(
            label: "price with three decimals", arguments: ann + ["--item", "MUG-01@12.345"],
            mentions: ["price", "'12.345'", "2 decimal places"]),
        .init(
            label: "negative price", arguments: ann + ["--item", "MUG-01@-5"],
            exitCode: 64,
            mentions: ["price", "'-5'", "negative"]),
        .init(
            label: "non-numeric price", arguments: ann + ["--item", "MUG-01@abc"],
            exitCode: 64,
            mentions: ["price", "'abc'"]),
        .init(
            label: "price with a decimal comma", arguments: ann + ["--item", "MUG-01@12,50"],
            exitCode: 64,
            mentions: ["price", "'12,50'"]),
        .init(
            label: "product add: price with three decimals",
            arguments: ["product", "add", "NEW-1", "--name", "New", "--price", "1.005"],
            mentions: ["price '1.005'"]),
        .init(
            label: "malformed email (two @)",
            arguments: ["customer", "add", "--name", "Bob", "--email", "bob@@example.com"],
            exitCode: 64,
            mentions: ["email 'bob@@example.com'"]),
        .init(
            label: "malformed email (no @)",
            arguments: ["customer", "add", "--name", "Bob", "--email", "bob.example.com"],
            exitCode: 64,
            mentions: ["email 'bob.example.com'"]),
        .init(
            label: "malformed email (no domain dot)",
            arguments: ["customer", "add", "--name", "Bob", "--email", "bob@example"],
            exitCode: 64,
            mentions: ["email 'bob@example'"]),
        .init(
            label: "duplicate email on customer add",
            arguments: ["customer", "add", "--name", "Ann Two", "--email", "ANN@example.com"],
            mentions: ["email 'ANN@example.com' already exists"]),
        .init(
            label: "due date before order date", arguments: ann + ["--item", "MUG-01", "--due", "2026-11-20"],
            mentions: ["due date 2026-11-20", "before the order date 2026-11-25"]),
        .init(
            label: "due -1d", arguments: ann + ["--item", "MUG-01", "--due", "-1d"],
            mentions: ["due date 2026-11-24", "before the order date 2026-11-25"]),
        .init(
            label: "due yesterday", arguments: ann + ["--item", "MUG-01", "--due", "yesterday"],
            mentions: ["due date 2026-11-24", "2026-11-25"]),
        .init(
            label: "invalid shipping", arguments: ann + ["--item", "MUG-01", "--shipping", "overnight"], exitCode: 64,
            mentions: ["shipping 'overnight'", "standard or express"]),
        .init(
            label: "same SKU with different prices",
            arguments: ann + ["--item", "MUG-01@12.00", "--item", "MUG-01@13.00"],
            mentions: ["MUG-01", "different prices"]),
        .init(
            label: "same SKU at catalog and other price",
            arguments: ann + ["--item", "MUG-01:2", "--item", "MUG-01@13.00"],
            mentions: ["MUG-01", "different prices"]),
        .init(
            label: "not enough stock", arguments: ann + ["--item", "MUG-01:41"],
            mentions: ["not enough stock for SKU MUG-01: 41 requested, 40 available"]),
        .init(
            label: "not enough stock on the second line", arguments: ann + ["--item", "MUG-01:2", "--item", "CARD:11"],
            mentions: ["not enough stock for SKU CARD: 11 requested, 10 available"]),
        .init(
            label: "no --item", arguments: ann, exitCode: 64,
            mentions: ["--item"]),
        .init(
            label: "item without SKU", arguments: ann + ["--item", ":2"],
            exitCode: 64,
            mentions: ["item ':2'"]),
        .init(
            label: "bad country on customer add",
            arguments: ["customer", "add", "--name", "Bob", "--country", "Germania"],
            exitCode: 64,
            mentions: ["country 'Germania'"]),
        .init(
            label: "bad country with --create-customer",
            arguments: [
                "add", "--customer", "bob@example.com", "--create-customer", "--country", "XYZ", "--item", "MUG-01",
            ],
            exitCode: 64,
            mentions: ["country 'XYZ'"]),
        .init(
            label: "invalid channel", arguments: ann + ["--item", "MUG-01", "--channel", "we b"],
            exitCode: 64,
            mentions: ["channel 'we b'"]),
        .init(
            label: "ref with a space", arguments: ann + ["--item", "MUG-01", "--ref", "A 1"],
            exitCode: 64,
            mentions: ["ref 'A 1'"]),
        .init(
            label: "blank customer name", arguments: ["customer", "add", "--name", "   "],
            exitCode: 64,
            mentions: ["name '   '", "empty"]),
    ]

    @Test("invalid input", arguments: cases)
    func rejected(_ c: InvalidCase) throws {
        try expectRejected(c)
    }

    static let badDates: [InvalidCase] = [
        .init(
            label: "due: words", arguments: ann + ["--item", "MUG-01", "--due", "next tuesday"],
            exitCode: 64,
            mentions: ["--due 'next tuesday'"]),
        .init(
            label: "due: February 30", arguments: ann + ["--item", "MUG-01", "--due", "2026-02-30"],
            exitCode: 64,
            mentions: ["--due '2026-02-30'"]),
        .init(
            label: "order date: garbage", arguments: ann + ["--item", "MUG-01", "--date", "yesterday-ish"],
            exitCode: 64,
            mentions: ["date 'yesterday-ish'"]),
        .init(
            label: "list --since: garbage", arguments: ["list", "--since", "garbage"], exitCode: 64,
            mentions: ["--since 'garbage'"]),
    ]

    @Test("bad date text", arguments: badDates)
    func badDateText(_ c: InvalidCase) throws {
        try expectRejected(c)
    }
}
