import Foundation
import OrderCore

/// How shops are printed: `shop list/show/add`. Field names here are a public interface.
/// Secrets are never read for printing; `show` only checks that each file would pass.
enum ShopOutput {
    static func json(_ s: OrderCore.Shop) -> JSONObject {
        var files: JSONObject = [:]
        for (secret, path) in s.secretFiles { files[secret.rawValue] = path }
        return [
            "name": s.name, "platform": s.platform.rawValue, "address": s.address, "api_url": orNull(s.apiURL),
            "currency": s.currency.code, "secret_files": files, "cursor": orNull(s.cursor.map(Instant.format)),
            "synced_at": orNull(s.syncedAt.map(Instant.format)), "sync_error": orNull(s.syncError),
            "added_at": Instant.format(s.addedAt), "removed_at": orNull(s.removedAt.map(Instant.format)),
            "orders": s.orderCount, "waiting": s.waiting,
        ]
    }

    static let csvHeader = [
        "name", "platform", "address", "currency", "orders", "waiting", "synced_at", "sync_error", "removed_at",
    ]

    static func list(_ shops: [OrderCore.Shop], format: FormatOptions, zone: TimeZone) {
        if format.json {
            Terminal.print(JSON.render(shops.map(json)))
            return
        }
        if format.csv {
            CSV.write(header: csvHeader, rows: shops) {
                [
                    $0.name, $0.platform.rawValue, $0.address, $0.currency.code, String($0.orderCount),
                    String($0.waiting), $0.syncedAt.map(Instant.format) ?? "", $0.syncError ?? "",
                    $0.removedAt.map(Instant.format) ?? "",
                ]
            }
            return
        }
        if shops.isEmpty {
            Terminal.note("no shops yet: add one with 'orderctl shop add NAME --platform shopify|woocommerce ...'")
            return
        }
        var t = Table([
            .init(title: "NAME"), .init(title: "PLATFORM"), .init(title: "ADDRESS", flexible: true),
            .init(title: "ORDERS", align: .right), .init(title: "WAITING", align: .right), .init(title: "LAST SYNC"),
        ])
        for s in shops {
            let sync =
                s.removedAt != nil
                ? "removed"
                : s.syncError != nil ? "failed" : s.syncedAt.map { Instant.display($0, in: zone) } ?? "never"
            t.add([
                s.name, s.platform.rawValue, s.address, String(s.orderCount), s.waiting == 0 ? "" : String(s.waiting),
                sync,
            ])
        }
        Terminal.print(t.render())
    }

    static func show(_ s: OrderCore.Shop, json asJSON: Bool, zone: TimeZone) {
        // Each file checked as sync would read it; the secret itself is dropped at once.
        var problems: [ShopSecret: String] = [:]
        for (secret, path) in s.secretFiles {
            do { _ = try SecretFile.read(path, for: secret, platform: s.platform) } catch {
                problems[secret] = "\(error)"
            }
        }
        if asJSON {
            var o = json(s)
            var checks: JSONObject = [:]
            for secret in s.secretFiles.keys { checks[secret.rawValue] = orNull(problems[secret]) }
            o["secret_file_problems"] = checks
            Terminal.print(JSON.render(o))
            return
        }
        func time(_ d: Date?) -> String { d.map { Instant.display($0, in: zone) } ?? "never" }
        var fields: [(String, String)] = [("address", s.address)]
        if let api = s.apiURL { fields.append(("api", api)) }
        fields.append(("currency", s.currency.code))
        for secret in s.secretFiles.keys.sorted() {
            fields.append(
                (String(secret.option.dropFirst(2)), s.secretFiles[secret]! + "  (\(problems[secret] ?? "ok"))"))
        }
        if s.secretFiles[.webhookSecret] == nil {
            fields.append(
                (
                    "webhooks",
                    "refused: no secret (remove the shop and add it again with --webhook-secret-file; its orders stay)"
                ))
        }
        fields.append(("orders", String(s.orderCount)))
        fields.append(("waiting", s.waiting == 0 ? "nothing" : "\(s.waiting) (see 'orderctl inbox')"))
        fields.append(("last sync", time(s.syncedAt) + (s.syncError.map { "; the last one failed: \($0)" } ?? "")))
        fields.append(("read up to", s.cursor.map { Instant.display($0, in: zone) } ?? "nothing yet"))
        fields.append(("added", time(s.addedAt) + (s.removedAt.map { "; removed \(time($0))" } ?? "")))
        let width = fields.map(\.0.count).max()! + 2
        var lines = [
            Terminal.style(s.name, .bold) + "  (\(s.platform.rawValue)\(s.removedAt == nil ? "" : ", removed"))"
        ]
        for (label, value) in fields {
            lines.append("  " + (label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value)
        }
        Terminal.print(lines.joined(separator: "\n"))
    }
}
