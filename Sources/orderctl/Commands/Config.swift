import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Show and change settings: currency, time zone, classification rules, order numbers.",
            discussion: """
                Classification: every new order gets the class of the first rule in class.rules \
                that matches it, else 'standard'. Reorder or drop rules, and change their thresholds:
                  orderctl config set class.rules high-value,express,bulk
                  orderctl config set class.bulk.min-quantity 50
                  orderctl config set shop.country DE
                Orders keep the class they were given when they came in.

                Tracking links: carrier.NAME.url, with {tracking} for the number:
                  orderctl config set carrier.dhl.url 'https://www.dhl.de/track?piececode={tracking}'

                """,
            subcommands: [List.self, Get.self, Set.self, Unset.self],
            defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "list", abstract: "List every setting with its value.",
                discussion: "Example: orderctl config list --json")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var format: FormatOptions

            func run() throws {
                let store = try global.openStore(.existing)
                let settings = try store.settings() + store.carrierURLSettings()
                if format.json {
                    Terminal.print(
                        JSON.render(
                            settings.map {
                                [
                                    "key": $0.key, "value": orNull($0.value), "default": $0.isDefault,
                                    "summary": $0.summary,
                                ]
                            }))
                } else if format.csv {
                    CSV.write(header: ["key", "value", "default"], rows: settings) {
                        [$0.key, $0.value ?? "", $0.isDefault ? "1" : "0"]
                    }
                } else {
                    var t = Table([
                        .init(title: "KEY"), .init(title: "VALUE"), .init(title: "DESCRIPTION", flexible: true),
                    ])
                    for s in settings {
                        let shown = s.value.map { $0.isEmpty ? "\"\"" : $0 } ?? "(not set)"
                        t.add([s.key, shown + (s.isDefault && s.value != nil ? " (default)" : ""), s.summary])
                    }
                    Terminal.print(t.render())
                    let rules = try store.classificationRules()
                    Terminal.print("")
                    Terminal.print(Terminal.style("Classification rules, tried in this order:", .bold))
                    for (i, rule) in rules.order.enumerated() {
                        Terminal.print("  \(i + 1). \(rule.rawValue): \(rules.describe(rule))")
                    }
                    Terminal.print("  else standard")
                }
            }
        }

        struct Get: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "get", abstract: "Print one setting's value.",
                discussion: "Example: orderctl config get order.next-number")
            @OptionGroup var global: GlobalOptions
            @Argument(
                help: "The setting, e.g. currency or class.bulk.min-quantity.",
                completion: .list(CompletionValues.settingKeys)) var key: String

            func validate() throws {
                do { try OrderStore.checkSetting(key, nil) } catch { throw ValidationError("\(error)") }
            }

            func run() throws {
                let store = try global.openStore(.existing)
                let s = try store.setting(named: key)
                guard let value = s.value else { Terminal.fail("\(s.key) is not set") }
                Terminal.print(value)
            }
        }

        struct Set: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set", abstract: "Change a setting.",
                discussion: "Example: orderctl config set class.high-value.min-total 500")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The setting.", completion: .list(CompletionValues.settingKeys)) var key: String
            @Argument(help: "Its new value.") var value: String

            func validate() throws {
                do { try OrderStore.checkSetting(key, value) } catch { throw ValidationError("\(error)") }
            }

            func run() throws {
                let store = try global.openStore(.create)
                let s = try store.setSetting(key, value)
                Terminal.print("\(s.key) = \(s.value ?? "")")
            }
        }

        struct Unset: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "unset", abstract: "Reset a setting to its default.",
                discussion: "Example: orderctl config unset class.rules")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The setting.", completion: .list(CompletionValues.settingKeys)) var key: String

            func validate() throws {
                do { try OrderStore.checkSetting(key, nil) } catch { throw ValidationError("\(error)") }
            }

            func run() throws {
                let store = try global.openStore(.existing)
                let s = try store.setSetting(key, nil)
                Terminal.print("\(s.key) = \(s.value ?? "(not set)") (default)")
            }
        }
    }
}
