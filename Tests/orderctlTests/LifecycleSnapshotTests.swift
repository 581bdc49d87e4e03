import Foundation
import Testing

/// Compares `orderctl states`, `why` and `history` output with files under Snapshots/
/// (fixed clock, NO_COLOR). After an intended change, regenerate:
///   UPDATE_SNAPSHOTS=1 swift test --filter LifecycleSnapshotTests
/// and review and commit the updated files.
@Suite("lifecycle snapshots: states, why, history")
struct LifecycleSnapshotTests {
    struct Snapshot: CustomTestStringConvertible, Sendable {
        var file: String
        /// Commands run first on the catalog database.
        var setup: [[String]] = []
        var arguments: [String]
        var testDescription: String { file }
    }

    static let order = [
        "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--item", "TEE-M", "--item", "CARD:3", "--ref",
        "W-1",
    ]

    static let snapshots: [Snapshot] = [
        .init(file: "states.txt", arguments: ["states"]),
        .init(file: "states.json", arguments: ["states", "--json"]),
        .init(file: "why-pending.txt", setup: [order], arguments: ["why", "W-1"]),
        .init(
            file: "why-pending-backordered.txt",
            setup: [["add", "--customer", "ann@example.com", "--item", "CARD:12", "--backorder", "--ref", "W-1"]],
            arguments: ["why", "W-1"]),
        .init(
            file: "why-processing-partly-paid.txt",
            setup: [
                order, ["confirm", "W-1"], ["ship", "W-1", "--item", "MUG-01:1", "--item", "CARD:3"],
                ["pay", "W-1", "--amount", "20"],
            ],
            arguments: ["why", "W-1"]),
        .init(
            file: "why-on-hold.txt",
            setup: [order, ["confirm", "W-1"], ["hold", "W-1", "--reason", "waiting for the address"]],
            arguments: ["why", "W-1"]),
        .init(
            file: "why-cancelled-after-payment.txt",
            setup: [
                order, ["confirm", "W-1"], ["pay", "W-1", "--amount", "20"],
                ["cancel", "W-1", "--reason", "customer changed their mind"],
            ],
            arguments: ["why", "W-1"]),
        .init(
            file: "why-delivered-flagged.txt",
            setup: [
                order, ["confirm", "W-1"], ["ship", "W-1"], ["deliver", "W-1"],
                ["flag", "W-1", "--reason", "parcel left at the door"],
            ],
            arguments: ["why", "W-1"]),
        .init(
            file: "why-completed.txt",
            setup: [
                order, ["confirm", "W-1"], ["pay", "W-1"],
                ["ship", "W-1", "--carrier", "ups", "--tracking", "1Z999AA10123456784"],
                ["deliver", "W-1"],
            ],
            arguments: ["why", "W-1"]),
        .init(
            file: "why-completed-returned-refunded.txt",
            setup: [
                order, ["confirm", "W-1"], ["pay", "W-1"], ["ship", "W-1"], ["deliver", "W-1"],
                ["return", "W-1", "--item", "MUG-01:2", "--item", "TEE-M", "--item", "CARD:3"],
                ["refund", "W-1", "--amount", "51.05"],
            ],
            arguments: ["why", "W-1"]),
        .init(
            file: "history-completed.txt",
            setup: [
                order + ["--date", "2026-11-24T09:00"], ["confirm", "W-1", "--at", "2026-11-24T16:00"],
                ["pay", "W-1", "--amount", "20", "--method", "card", "--at", "2026-11-24T10:00"],
                [
                    "ship", "W-1", "--item", "MUG-01:1", "--carrier", "dhl", "--tracking", "1234567890", "--at",
                    "2026-11-24T16:00",
                ],
                ["ship", "W-1"], ["deliver", "W-1"], ["pay", "W-1", "--method", "transfer"],
                ["return", "W-1", "--item", "CARD:1", "--reason", "bent"],
                ["refund", "W-1", "--amount", "2.05", "--reason", "bent card"],
                ["note", "W-1", "customer happy"],
            ],
            arguments: ["history", "W-1"]),
    ]

    @Test("output matches the committed snapshot", arguments: snapshots)
    func matchesSnapshot(_ snapshot: Snapshot) throws {
        let sb = try Sandbox(template: .catalog)
        for step in snapshot.setup { try sb.ok(step) }
        let r = try sb.run(snapshot.arguments, env: ["COLUMNS": "80"])
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stderr.isEmpty, "\(r)")
        #expect(!r.stdout.isEmpty)
        #expect(!r.stdout.contains("\u{1B}["), "no color codes with NO_COLOR")
        try expectSnapshot(r.stdout, file: snapshot.file)
    }

    @Test("states lists every action of the table and every status it names")
    func statesCoversTable() throws {
        let sb = try Sandbox()
        let r = try sb.ok("states")
        for action in [
            "confirm", "hold", "release", "pay", "ship", "deliver", "cancel", "refund", "return", "edit", "note",
            "flag",
        ] {
            #expect(r.stdout.contains("\n  \(action) "), "\(action) missing")
        }
        let json = try sb.jsonObject("states")
        let rows = json.objects("transitions")
        #expect(
            rows.map { $0.string("action") ?? "" } == [
                "confirm", "hold", "release", "pay", "ship", "deliver", "cancel", "refund", "return", "edit", "note",
                "flag",
            ])
        #expect(rows.first { $0.string("action") == "ship" }?["from"] as? [String] == ["confirmed", "processing"])
        #expect(
            rows.first { $0.string("action") == "cancel" }?["from"] as? [String] == ["pending", "confirmed", "on_hold"])
        #expect((json["payment"] as? [String])?.count == 5)
        #expect((json["fulfilment"] as? [String])?.count == 5)
    }
}
