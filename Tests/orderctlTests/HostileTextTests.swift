import Foundation
import Testing

struct HostileText: CustomTestStringConvertible, Sendable {
    var label: String
    var text: String
    var testDescription: String { label }
}

@Suite("hostile text is stored and shown back exactly")
struct HostileTextTests {
    static let tenKB: String = {
        // Mixed 1-, 2-, 3- and 4-byte UTF-8, a little over 10 kB.
        var s = ""
        while s.utf8.count < 10_240 { s += "Zoë's \"Ünïcødé\" 名前 🎉 '; -- " }
        return s
    }()

    static let texts: [HostileText] = [
        .init(label: "quotes", text: #"O'Brien "Bob" `tick` \backslash\"#),
        .init(label: "SQL injection", text: "'; DROP TABLE orders;--"),
        .init(label: "SQL injection, double quotes", text: #"Robert"); DELETE FROM customers; --"#),
        .init(label: "emoji and combining marks", text: "🎉 👩‍👩‍👧‍👦 🇩🇪 Zoë (Zoe\u{0308}) 名前 مرحبا"),
        .init(
            label: "Unicode line and paragraph separators",
            text: "before\u{2028}between\u{2029}after \u{200B}zero-width"),
        .init(label: "JSON and HTML metacharacters", text: #"{"a": [1, "\u0041"]} </script><b>&amp;"#),
        .init(label: "percent and format specifiers", text: "100% %s %@ %d %n {0} ${HOME} $(id)"),
        .init(label: "leading and trailing spaces", text: "  spaced  out  "),
        .init(label: "10 kB name", text: tenKB),
    ]

    @Test("customer, product and order text round-trips byte for byte", arguments: texts)
    func roundTrip(_ h: HostileText) throws {
        let sb = try Sandbox(template: .catalog)
        let s = h.text

        let added = try sb.jsonObject(
            "customer", "add", "--name", s, "--email", "hostile@example.com", "--note", s, "--address", s)
        let id = try #require(added.int("id"))
        let customer = try sb.jsonObject("customer", "show", String(id))
        #expect(customer.string("name") == s)
        #expect(customer.string("note") == s)
        #expect(customer.string("address") == s)
        #expect(try sb.jsonObject("customer", "show", "hostile@example.com").string("name") == s)

        try sb.ok("product", "add", "HOSTILE-1", "--name", s, "--price", "1.00")
        #expect(try sb.jsonObject("product", "show", "HOSTILE-1").string("name") == s)

        try sb.ok("add", "--customer", "hostile@example.com", "--item", "HOSTILE-1", "--note", s, "--ref", "H-1")
        let order = try sb.jsonObject("show", "H-1")
        #expect(order.string("note") == s)
        #expect(order.string("customer") == s)
        #expect(order.object("customer_details").string("name") == s)
        #expect(order.objects("lines").first?.string("name") == s)
        let listed = try #require(try sb.json("list") as? [[String: Any]])
        #expect(listed.first?.string("customer") == s)

        // The text output carries it too (short texts: long ones are only checked in JSON).
        if s.count < 200 {
            let show = try sb.ok("show", "H-1").stdout
            #expect(Output.field("Note:", in: show) == s.trimmingCharacters(in: .whitespaces))
            #expect(show.contains(s))
        }

        // Stored as given, and nothing was executed.
        #expect(
            try sb.sql("SELECT hex(name) FROM customers WHERE email = 'hostile@example.com'")
                == [s.utf8.map { String(format: "%02X", $0) }.joined()])
        #expect(
            try sb.sql(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('orders', 'customers') ORDER BY name")
                == ["customers", "orders"])
        #expect(try sb.scalar("SELECT count(*) FROM orders") == "1")
        #expect(try sb.scalar("SELECT count(*) FROM customers") == "3")
    }

    @Test("notes keep newlines and tabs exactly")
    func multilineNote() throws {
        let sb = try Sandbox(template: .catalog)
        let note = "line one\nline two\twith a tab\r\nwindows line\n\n  indented; \"quoted\" \\ DROP TABLE orders;--"
        try sb.ok("add", "--customer", "ann@example.com", "--item", "TEE-M", "--note", note, "--ref", "N-1")
        #expect(try sb.jsonObject("show", "N-1").string("note") == note)
        #expect(try sb.scalar("SELECT hex(note) FROM orders") == note.utf8.map { String(format: "%02X", $0) }.joined())
    }
}
