import ArgumentParser
import Foundation
import OrderCore
import Testing

@testable import orderctl

/// `list`, `show`, `add`, `ship` and `--version` parse plain arguments without
/// swift-argument-parser (Sources/orderctl/FastPath.swift), for start-up time. These
/// tests hold the two paths equal. In process: for every case below and thousands of
/// generated combinations, the value `FastPath.parse` returns is the one
/// `Orderctl.parseAsRoot` gives (through `FastInvocation(_:)`, i.e. the commands' own
/// `filter`, `draft` and `options`), and what the fast path declines, the parser refuses
/// or it is outside the fast path's scope. Through the binary, a few cases run with the
/// fast path allowed and with it off (`ORDERCTL_FAST_ARGS=0`), on two copies of the same
/// database, and must give the same stdout, stderr, exit code and database;
/// `ORDERCTL_FAST_ARGS=only` proves which path a case takes: anything the fast path
/// leaves to the full parser fails with exit 70.
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
    /// bad date): the value must be the same either way.
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
        ["list", "--since", "yesterday", "--until", "+3d", "--due-before", "fri"],
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
        ["list", "--since", "yesterday-ish"],
        ["list", "--due-before", "2026-02-30"],
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

    // MARK: - In process: the same value as swift-argument-parser's

    /// swift-argument-parser's reading of `args`: the value of the command it parsed (nil
    /// for a command outside the fast path's scope), or the error it stops with (help
    /// included). `--version` is the one clean exit the fast path takes.
    static func parsed(_ args: [String]) -> Result<FastInvocation?, any Error> {
        do {
            return .success(FastInvocation(try Orderctl.parseAsRoot(args)))
        } catch {
            if Orderctl.exitCode(for: error) == .success && Orderctl.fullMessage(for: error) == Orderctl.version {
                return .success(.version)
            }
            return .failure(error)
        }
    }

    /// What the fast path declines by rule though the parser may take it: `--`, a value
    /// (or short option) that begins with '-', such as `--since -30d`, and an option or
    /// flag given twice that is not one to repeat (the parser keeps the last); and
    /// `--version` with anything after it (the fast path takes it alone).
    static func declinedByRule(_ args: [String]) -> Bool {
        let rest = args.dropFirst()
        if args.first == "--version" { return !rest.isEmpty }
        if rest.contains(where: { $0 == "--" || ($0.hasPrefix("-") && !$0.hasPrefix("--")) || $0.contains("=-") }) {
            return true
        }
        let names = rest.filter { $0.hasPrefix("--") }.map { String($0.prefix { $0 != "=" }) }
            .filter { !["--status", "--class", "--item"].contains($0) }
        return Set(names).count < names.count
    }

    /// The check of one case; returns whether the fast path took it.
    @discardableResult
    static func check(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let fast = FastPath.parse(args)
        let label = args.joined(separator: " ")
        switch parsed(args) {
        case .success(let full?):
            if let fast {
                #expect(fast == full, "\(label): FastPath \(fast), the parser \(full)", sourceLocation: sourceLocation)
            } else {
                #expect(
                    declinedByRule(args), "\(label): declined, though the parser takes it as \(full)",
                    sourceLocation: sourceLocation)
            }
        case .success(nil):
            #expect(
                fast == nil, "\(label): outside the fast path's scope, yet it took it", sourceLocation: sourceLocation)
        case .failure(let error):
            #expect(
                fast == nil,
                "\(label): the parser refuses it (\(Orderctl.fullMessage(for: error))), FastPath gives \(String(describing: fast))",
                sourceLocation: sourceLocation)
        }
        return fast != nil
    }

    @Test("plain invocations: FastPath's value is swift-argument-parser's", arguments: Self.fast)
    func fastValues(_ args: [String]) {
        #expect(Self.check(args), "not on the fast path: \(args.joined(separator: " "))")
    }

    @Test("everything else is declined, and the parser refuses it or it is out of scope", arguments: Self.full)
    func declined(_ args: [String]) {
        #expect(!Self.check(args), "unexpectedly on the fast path: \(args.joined(separator: " "))")
    }

    /// Pieces of invocations, combined two at a time in every order around a base, with
    /// and without it: values that convert and values that do not, repeats, conflicts,
    /// values beginning with '-', unknown options and stray arguments.
    static let pieces: [String: (bases: [[String]], pieces: [[String]])] = [
        "list": (
            [[], ["--limit", "5"]],
            [
                ["--limit", "3"], ["--limit=0"], ["--limit", "x"], ["--limit", "-2"], ["--reverse"], ["--json"],
                ["--csv"], ["--open"], ["--status", "pending"], ["--status=confirmed,shipped"], ["--status", "bogus"],
                ["--sort", "due"], ["--sort=total"], ["--sort", "size"], ["--class", "bulk"], ["--class", "vip"],
                ["--customer", "ann@example.com"], ["--since", "2026-01-01"], ["--since", "-30d"], ["--until", "fri"],
                ["--due-before", "+3d"], ["--overdue"], ["--flagged"], ["--unpaid"], ["--unshipped"],
                ["--db", "x.db"], ["--color", "never"], ["--color=pink"], ["extra"], ["--bogus"], ["--json=yes"],
            ]
        ),
        "show": (
            [[], ["A-100"]],
            [
                ["A-100"], ["b-1"], ["--json"], ["--db", "x.db"], ["--color", "always"], ["--color", "pink"], ["--"],
                ["--bogus"], ["-h"], ["--db"],
            ]
        ),
        "add": (
            [[], ["--customer", "ann@example.com", "--item", "MUG-01"]],
            [
                ["--customer", "jean@example.fr"], ["--customer=Ann Lee"], ["--item", "MUG-01:2"],
                ["--item=CARD:3@1.50"], ["--due", "+3d"], ["--due", "-1d"], ["--ref", "P-7"], ["--channel", "phone"],
                ["--shipping", "express"], ["--note", "gift, wrap it"], ["--date", "2026-11-01"], ["--backorder"],
                ["--create-customer"], ["--customer-name", "Neu Kunde"], ["--country", "FR"], ["--json"],
                ["--db", "x.db"], ["--color", "never"], ["--bogus"], ["extra"],
            ]
        ),
        "ship": (
            [[], ["B-1"]],
            [
                ["B-1"], ["a-100"], ["-"], ["--item", "MUG-01:1"], ["--carrier", "ups"], ["--carrier=dhll"],
                ["--carrier-unchecked"], ["--tracking", "1Z999AA10123456784"], ["--at", "2026-11-24"], ["--at", "-1d"],
                ["--from-file", "refs.txt"], ["--db", "x.db"], ["--color", "pink"], ["--bogus"],
            ]
        ),
    ]

    /// Up to `limit` of the combinations, the same ones every run (one parse takes
    /// ~20 ms in a debug build, so not all of the thousands).
    static func generated(_ command: String, limit: Int) -> [[String]] {
        let (bases, pieces) = Self.pieces[command]!
        var seen = Set<[String]>()
        var all: [[String]] = []
        for base in bases {
            for a in pieces {
                for b in pieces {
                    for args in [[command] + base + a + b, [command] + a + base + b] where seen.insert(args).inserted {
                        all.append(args)
                    }
                }
            }
        }
        guard all.count > limit else { return all }
        // A spread of them: i * a prime, modulo the count, visits distinct cases.
        let prime = all.count % 7919 == 0 ? 7907 : 7919
        return (0..<limit).map { all[$0 * prime % all.count] }
    }

    @Test(
        "generated combinations: the same value, or declined",
        arguments: [("list", 320), ("show", 80), ("add", 220), ("ship", 140)])
    func generatedCombinations(_ command: String, limit: Int) {
        let cases = Self.generated(command, limit: limit)
        let taken = cases.filter { Self.check($0) }.count
        // Both sides of the rule get exercised: some taken, some declined.
        #expect(taken >= cases.count / 20 && taken < cases.count, "\(command): \(taken) of \(cases.count) taken")
    }

    // MARK: - Through the binary: a few cases both ways

    /// Run as processes with the fast path allowed, off and required.
    static let binaryCases: [(args: [String], takesFastPath: Bool)] = [
        (["--version"], true),
        (["list", "--status", "pending", "--json"], true),
        (["show", "b-1"], true),
        (["add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M", "--due", "+3d"], true),
        (["ship", "B-1", "--carrier", "ups", "--tracking", "1Z999AA10123456784"], true),
        (["list", "--limit", "-1"], false),
        (["ship", "B-1", "--carrier", "dhl", "--carrier", "ups"], false),
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

    @Test("through the binary: the same output, exit code and database", arguments: Self.binaryCases.indices)
    func throughTheBinary(_ index: Int) throws {
        let (args, takesFastPath) = Self.binaryCases[index]
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
    /// FastPath.swift's spec and to the cases and pieces above (or leave it to the full parser,
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
