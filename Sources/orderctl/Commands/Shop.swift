import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Shop: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shop",
            abstract: "The Shopify and WooCommerce shops orders arrive from by themselves.",
            discussion: """
                A shop's secrets stay in files of their own, readable only by you (chmod 600); \
                the database keeps only their paths, so backups and exports never carry a token:
                  orderctl shop add main --platform shopify --domain STORE.myshopify.com \\
                      --token-file ~/.config/orderctl/main.token
                  orderctl shop add woo --platform woocommerce --url https://shop.example \\
                      --key-file ~/.config/orderctl/woo.key --secret-file ~/.config/orderctl/woo.secret
                The shop's name is the channel of its orders.

                """,
            subcommands: [List.self, Add.self, Show.self, Update.self, Remove.self],
            defaultSubcommand: List.self)

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add", abstract: "Add a shop (each secret file is read and checked now).",
                discussion: """
                    Shopify: an app's Admin API access token (Settings > Apps > Develop apps, with \
                    the read_orders scope) in --token-file. WooCommerce: a REST API key pair \
                    (WooCommerce > Settings > Advanced > REST API, Read) in --key-file and --secret-file. \
                    --webhook-secret-file holds the secret webhooks are signed with, for 'orderctl serve'.
                    Adding a removed shop again (the same name, platform and address) brings it back \
                    with its orders and where its sync stopped.
                    Example: orderctl shop add main --platform shopify --domain mugs.myshopify.com --token-file ~/.config/orderctl/main.token
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The shop's name, also the channel of its orders (a short word: main, woo).") var name:
                String
            @Option(help: "shopify or woocommerce.") var platform: String
            @Option(help: "Shopify: the shop's STORE.myshopify.com domain.") var domain: String?
            @Option(help: "WooCommerce: the site's address, https://shop.example.") var url: String?
            @Option(
                name: .customLong("api-url"),
                help: "Reach the platform's API at another address (a proxy, a test server; http only to this machine)."
            ) var apiURL: String?
            @OptionGroup var secrets: SecretFileOptions
            @OptionGroup var json: JSONOption

            var draft: NewShop {
                var d = NewShop(name: name, platform: platform)
                d.domain = domain
                d.url = url
                d.apiURL = apiURL
                d.secretFiles = secrets.files
                return d
            }

            func validate() throws {
                do { _ = try draft.check() } catch { throw ValidationError("\(error)") }
            }

            func run() throws {
                let store = try global.openStore(.existing)
                let (shop, revived) = try store.addShop(draft)
                if json.json {
                    var o = ShopOutput.json(shop)
                    o["revived"] = revived
                    Terminal.print(JSON.render(o))
                } else if revived {
                    Terminal.print(
                        "added shop \(shop.name) again (\(shop.platform.rawValue), \(shop.address)): \(shop.orderCount) \(shop.orderCount == 1 ? "order" : "orders") kept"
                    )
                } else {
                    Terminal.print("added shop \(shop.name) (\(shop.platform.rawValue), \(shop.address))")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "list", abstract: "List the shops: platform, address, orders, last sync.",
                discussion: "Example: orderctl shop list --json")
            @OptionGroup var global: GlobalOptions
            @Flag(help: "Also the removed shops.") var all = false
            @OptionGroup var format: FormatOptions

            func run() throws {
                let store = try global.openStore(.existing)
                ShopOutput.list(try store.shops(removed: all), format: format, zone: try store.dateResolver().zone)
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show", abstract: "Show a shop: its address, secret files (checked now), sync and inbox.",
                discussion: "Example: orderctl shop show main")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The shop's name.") var name: String
            @OptionGroup var json: JSONOption

            func run() throws {
                let store = try global.openStore(.existing)
                let shop = try store.shop(named: name, removed: true)
                ShopOutput.show(shop, json: json.json, zone: try store.dateResolver().zone)
            }
        }

        struct Update: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "update",
                abstract: "Change a shop's secret files or API address (each file is read and checked now).",
                discussion: """
                    For a webhook secret added later, a token rotated into another file, or a proxy \
                    in front of the platform's API. The shop's orders and its sync are not touched.
                    Example: orderctl shop update main --webhook-secret-file ~/.config/orderctl/main.webhook
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The shop's name.") var name: String
            @OptionGroup var secrets: SecretFileOptions
            @Flag(
                name: .customLong("no-webhook-secret"),
                help: "Forget the webhook secret: 'serve' refuses the shop's deliveries (401) from then on.")
            var noWebhookSecret = false
            @Option(
                name: .customLong("api-url"),
                help: "Reach the platform's API at another address ('' for the platform's own).")
            var apiURL: String?
            @OptionGroup var json: JSONOption

            var files: [ShopSecret: String] { secrets.files }

            func validate() throws {
                do { _ = try Validate.word(name, field: "shop name", examples: "main") } catch {
                    throw ValidationError("\(error)")
                }
                if let apiURL, !apiURL.isEmpty {
                    do { _ = try ShopAddress.url(apiURL, field: "--api-url") } catch {
                        throw ValidationError("\(error)")
                    }
                }
                if noWebhookSecret && secrets.webhookSecretFile != nil {
                    throw ValidationError("--no-webhook-secret and --webhook-secret-file: give one of them")
                }
                if files.isEmpty && !noWebhookSecret && apiURL == nil {
                    throw ValidationError(
                        "nothing to change: give a secret file, --no-webhook-secret or --api-url (see 'orderctl shop update --help')"
                    )
                }
            }

            func run() throws {
                let shop = try global.openStore(.existing).updateShop(
                    name, secretFiles: files, removeWebhookSecret: noWebhookSecret, apiURL: apiURL)
                if json.json {
                    Terminal.print(JSON.render(ShopOutput.json(shop)))
                } else {
                    Terminal.print("updated shop \(shop.name) ('orderctl shop show \(shop.name)' checks each file)")
                }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "remove",
                abstract: "Stop syncing a shop and taking its deliveries; its orders stay (and stay linked to it).",
                discussion: "Example: orderctl shop remove woo")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The shop's name.") var name: String

            func run() throws {
                let shop = try global.openStore(.existing).removeShop(name)
                Terminal.print(
                    "removed shop \(shop.name); its \(shop.orderCount) \(shop.orderCount == 1 ? "order stays" : "orders stay") ('orderctl shop add \(shop.name) ...' brings it back)"
                )
            }
        }
    }
}

/// The files a shop's secrets are in, as `shop add` and `shop update` take them.
struct SecretFileOptions: ParsableArguments {
    @Option(name: .customLong("token-file"), help: "Shopify: the file holding the Admin API access token.")
    var tokenFile: String?
    @Option(name: .customLong("key-file"), help: "WooCommerce: the file holding the consumer key (ck_...).")
    var keyFile: String?
    @Option(name: .customLong("secret-file"), help: "WooCommerce: the file holding the consumer secret (cs_...).")
    var secretFile: String?
    @Option(name: .customLong("webhook-secret-file"), help: "The file holding the webhook signing secret.")
    var webhookSecretFile: String?

    var files: [ShopSecret: String] {
        let given: [(ShopSecret, String?)] = [
            (.token, tokenFile), (.key, keyFile), (.secret, secretFile), (.webhookSecret, webhookSecretFile),
        ]
        var out: [ShopSecret: String] = [:]
        for case (let secret, let path?) in given { out[secret] = path }
        return out
    }
}
