import Foundation
import Testing

/// `list`, `show`, `add`, `ship` and `--version` parse plain arguments without
/// swift-argument-parser (Sources/orderctl/FastPath.swift), for start-up time. These
/// tests hold the two paths equal: every case runs with the fast path allowed and with
/// it off (`ORDERCTL_FAST_ARGS=0`), on two copies of the same database, and must give
/// the same stdout, stderr, exit code and database. `ORDERCTL_FAST_ARGS=only` proves
/// which path a case takes: anything the fast path leaves to the full parser fails with
/// exit 70.
@Suite("The fast argument path gives what the full parser gives")
struct FastPathTests {
    /// A confirmed order B-1 (MUG-01 x2, TEE-M x1) beside the template's pending A-100.
    static let setup: [[String]] = [
        [
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M", "--ref", "B-1",
            "--date", "2026-11-20T08:00:00Z", "--due", "2026-11-22",
        ],
        ["confirm", "B-1"],
    ]

    /// Cases the fast path takes. Some fail in the command itself (an unknown order, a
    /// bad status): the error must be the same either way.
    static let fast: [[String]] = [
        ["--version"],
        ["list"],
        ["list", "--limit", "1"],
        ["list", "--limit=1", "--reverse"],
        ["list", "--status", "pending", "--json"],
        ["list", "--csv", "--sort", "total"],
        ["list", "--open", "--csv"],
        ["list", "--sort=due", "--csv"],
        ["list", "--customer", "ann@example.com", "--since", "2026-01-01", "--until", "2026-12-31"],
        ["list", "--due-before", "fri", "--overdue"],
        ["list", "--overdue", "--json"],
        ["list", "--flagged"],
        ["list", "--unpaid", "--unshipped", "--class", "standard"],
        ["list", "--db", "orders.db", "--color", "never"],
        ["list", "--color", "always"],
        ["list", "--since", "yesterday-ish"],
        ["list", "--status", "pending", "--status", "confirmed,shipped"],
        ["list", "--class", "standard,bulk", "--class", "express"],
        ["list", "--limit", "0"],
        ["list", "--db", "missing.db"],
        ["show", "A-100"],
        ["show", "b-1", "--json"],
        ["show", "--db", "orders.db", "B-1"],
        ["show", "NOPE"],
        [
            "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M", "--due", "+3d", "--note",
            "gift, wrap it",
        ],
        [
            "add", "--customer=jean@example.fr", "--item=CARD:3@1.50", "--shipping", "express", "--channel", "phone",
            "--ref", "P-7",
        ],
        ["add", "--customer", "jean@example.fr", "--item", "MUG-01:50"],
        ["add", "--customer", "jean@example.fr", "--item", "MUG-01:50", "--backorder", "--json"],
        [
            "add", "--customer", "new@example.com", "--create-customer", "--customer-name", "Neu Kunde", "--country",
            "FR", "--item", "CARD",
        ],
        ["add", "--customer", "ann@example.com", "--item", "NOPE"],
        ["add", "--customer", "Ann Lee", "--item", "TEE-M", "--date", "2026-11-01", "--ref", "A-100"],
        ["ship", "B-1"],
        ["ship", "B-1", "--carrier", "ups", "--tracking", "1Z999AA10123456784"],
        ["ship", "B-1", "--item", "MUG-01:1", "--at", "2026-11-24"],
        ["ship", "B-1", "A-100"],
        ["ship", "A-100", "NOPE"],
        ["ship", "B-1", "b-1"],
        ["ship", "B-1", "--carrier", "dhll"],
        ["ship", "B-1", "--carrier", "dhll", "--carrier-unchecked"],
    ]

    /// Cases left to swift-argument-parser: help, usage errors, what the fast path does
    /// not read itself.
    static let full: [[String]] = [
        ["list", "--help"],
        ["list", "-h"],
        ["list", "--limit", "x"],
        ["list", "--limit", "-1"],
        ["list", "--limit", "1", "--limit", "2"],
        ["list", "--json", "--csv"],
        ["list", "--json", "--json"],
        ["list", "--json=yes"],
        ["list", "--bogus"],
        ["list", "--sort", "size"],
        ["list", "--color", "pink"],
        ["list", "extra"],
        ["list", "--due-before", "-1d"],
        ["list", "--status"],
        ["list", "--status", "bogus"],
        ["list", "--status", "pending,bogus"],
        ["list", "--class", "vip"],
        ["show"],
        ["show", "A-100", "B-1"],
        ["show", "--", "A-100"],
        ["add", "--item", "MUG-01"],
        ["add", "--customer", "ann@example.com"],
        ["add", "--customer", "ann@example.com", "--item", "MUG-01", "--country", "DE"],
        ["add", "--customer", "ann@example.com", "--item", "MUG-01", "--due", "-1d"],
        ["ship"],
        ["ship", "-"],
        ["ship", "B-1", "--from-file", "refs.txt"],
        ["ship", "B-1", "--carrier", "dhl", "--carrier", "ups"],
        ["help", "list"],
        ["--version", "list"],
        ["confirm", "A-100"],
    ]

    func pair() throws -> (Sandbox, Sandbox) {
        let a = try Sandbox(template: .withOrder)
        let b = try Sandbox(template: .withOrder)
        for step in Self.setup {
            try a.ok(step)
            try b.ok(step)
        }
        return (a, b)
    }

    func compare(_ args: [String], takesFastPath: Bool) throws {
        let (a, b) = try pair()
        let fast = try a.run(args, env: ["ORDERCTL_FAST_ARGS": nil])
        let full = try b.run(args, env: ["ORDERCTL_FAST_ARGS": "0"])
        let label = args.joined(separator: " ")
        #expect(fast.exitCode != nil && full.exitCode != nil, "crashed: \(label)\n\(fast)\n\(full)")
        #expect(fast.exitCode == full.exitCode, "exit code differs for \(label):\n\(fast)\n\(full)")
        #expect(fast.stdout == full.stdout, "stdout differs for \(label):\n\(fast)\n\(full)")
        #expect(fast.stderr == full.stderr, "stderr differs for \(label):\n\(fast)\n\(full)")
        #expect(try a.dump() == b.dump(), "the databases differ after \(label)")

        // Which path it took: `only` refuses what the fast path leaves alone, with 70.
        let (c, _) = try pair()
        let only = try c.run(args, env: ["ORDERCTL_FAST_ARGS": "only"])
        if takesFastPath {
            #expect(
                only.exitCode == fast.exitCode && only.stdout == fast.stdout, "not on the fast path: \(label)\n\(only)")
        } else {
            #expect(
                only.exitCode == 70 && only.stderr.contains("need the full parser"),
                "unexpectedly on the fast path: \(label)\n\(only)")
        }
    }

    @Test("plain invocations take the fast path with the same result", arguments: Self.fast)
    func fastCases(_ args: [String]) throws {
        try compare(args, takesFastPath: true)
    }

    @Test("everything else goes to swift-argument-parser, unchanged", arguments: Self.full)
    func fullCases(_ args: [String]) throws {
        try compare(args, takesFastPath: false)
    }

    @Test("the cases cover real work: orders listed, shown, added and shipped")
    func casesDoRealWork() throws {
        let (a, _) = try pair()
        let csv = try a.ok("list", "--csv")
        #expect(csv.stdout.split(whereSeparator: \.isNewline).count == 3, "header, A-100, B-1 (CRLF rows): \(csv)")
        #expect(
            try a.ok("ship", "B-1", "--carrier", "ups", "--tracking", "1Z999AA10123456784").stdout.hasPrefix("B-1: "))
        #expect(try a.scalar("SELECT status FROM orders WHERE ref = 'B-1'") == "shipped")
        #expect(
            try a.ok("add", "--customer", "ann@example.com", "--item", "CARD:2", "--ref", "C-3").stdout.hasPrefix(
                "Added order C-3"))
        #expect(try a.ok("show", "C-3").stdout.hasPrefix("Order C-3  pending"))
    }

    /// The options each fast-path command reads, as swift-argument-parser declares them
    /// (`kind name repeating`). A new or renamed option fails here: add it to
    /// FastPath.swift's spec and to the cases above (or leave it to the full parser,
    /// which the fast path then does by itself, and list it here).
    static let declared: [String: Set<String>] = [
        "list": [
            "option db", "option color", "option status repeating", "option customer", "option class repeating",
            "option since",
            "option until", "option due-before", "flag overdue", "flag flagged", "flag unpaid", "flag unshipped",
            "flag open",
            "option sort", "flag reverse", "option limit", "flag json", "flag csv",
        ],
        "show": ["option db", "option color", "positional ref", "flag json"],
        "add": [
            "option db", "option color", "option customer", "option item repeating", "option due", "option ref",
            "option channel", "option shipping", "option note", "option date", "flag backorder",
            "flag create-customer", "option customer-name", "option country", "flag json",
        ],
        "ship": [
            "option db", "option color", "positional ref repeating", "option from-file", "option item repeating",
            "option carrier", "flag carrier-unchecked", "option tracking", "option at",
        ],
    ]

    @Test(
        "the fast path's options are the ones swift-argument-parser declares",
        arguments: ["list", "show", "add", "ship"])
    func optionsMatchDeclarations(_ command: String) throws {
        let sb = try Sandbox()
        let r = try sb.ok([command, "--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let arguments = try #require((root["command"] as? [String: Any])?["arguments"] as? [[String: Any]])
        var found = Set<String>()
        for argument in arguments {
            let kind = argument["kind"] as? String ?? "?"
            let names = (argument["names"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
            let name =
                (argument["preferredName"] as? [String: Any])?["name"] as? String ?? argument["valueName"] as? String
                ?? "?"
            // -h/--help and --version: swift-argument-parser's own, left to it.
            if names.contains("help") || names.contains("version") { continue }
            found.insert("\(kind) \(name)" + ((argument["isRepeating"] as? Bool) == true ? " repeating" : ""))
        }
        #expect(found == Self.declared[command], "\(command): declared \(found.sorted())")
    }
}
