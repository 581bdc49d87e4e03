import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create the database (an existing one is shown, never changed).",
            discussion: """
                Creates the database file (mode 0600, its folder 0700) with the current schema. \
                Any command that writes also creates a missing database with default settings; \
                commands that only read refuse a missing file, so a mistyped --db is an error. \
                On an existing database init changes nothing: a --currency, --timezone or \
                --country that differs from its settings is named, with the 'orderctl config \
                set' command that changes it, and init exits 1.

                Examples:
                  orderctl init --currency EUR --timezone Europe/Berlin --country DE
                  orderctl --db /tmp/try.db init
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "ISO 4217 currency of all prices (default EUR).")
        var currency: String?

        @Option(help: "Business time zone, an IANA name (default: this machine's).")
        var timezone: String?

        @Option(help: "The shop's country, ISO 3166 alpha-2; customers elsewhere are international.")
        var country: String?

        /// The settings given, by key, with the option that gave each.
        var given: [(key: SettingKey, option: String, value: String)] {
            [
                (SettingKey.currency, "--currency", currency), (SettingKey.timezone, "--timezone", timezone),
                (SettingKey.shopCountry, "--country", country),
            ].compactMap { key, option, value in value.map { (key, option, $0) } }
        }

        func validate() throws {
            for (key, option, value) in given {
                do { _ = try key.check(value) } catch { throw OptionCheck.usage(error, option: option) }
            }
        }

        func run() throws {
            let store = try global.openStore(.create, announce: false)
            var changes: [(key: String, value: String?)] = given.map { ($0.key.key, $0.value) }
            if !store.created {
                // An existing database is never changed by init: a value that differs is
                // said, with the command that would change it.
                let settings = try store.settings()
                let differ = changes.compactMap { change -> String? in
                    let current = settings.first { $0.key == change.key }?.value
                    guard let text = change.value else { return nil }
                    let given = (try? SettingKey.named(change.key).check(text)) ?? text
                    guard current?.caseInsensitiveCompare(given) != .orderedSame else { return nil }
                    return
                        "\(change.key) is \(current ?? "not set"), not \(given) (change it with 'orderctl config set \(change.key) \(given)')"
                }
                if !differ.isEmpty {
                    Terminal.note("Database already exists at \(store.path); init changed nothing:")
                    for line in differ { Terminal.note("  \(line)") }
                    throw ExitCode(1)
                }
                changes = []
            }
            do {
                try store.setSettings(changes)
            } catch {
                // init is all or nothing: a new database with a bad setting is not kept.
                if store.created { GlobalOptions.createdPath = store.path }
                throw error
            }
            let settings = try store.settings()
            func value(_ key: String) -> String { settings.first { $0.key == key }?.value ?? "not set" }
            Terminal.print(
                "\(store.created ? "Initialised" : "Database already exists at") \(store.path)"
                    + (store.created ? "" : " (schema version \(store.schemaVersion))"))
            Terminal.print(
                "currency \(value("currency")), time zone \(value("timezone")), shop country \(value("shop.country"))")
        }
    }
}
