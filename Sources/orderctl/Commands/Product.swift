import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Product: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "product",
            abstract: "Keep the catalog: add, list, show and update products.",
            subcommands: [Add.self, List.self, Show.self, Update.self],
            defaultSubcommand: List.self)

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add",
                abstract: "Add a product to the catalog.",
                discussion: """
                    Giving --stock (or --reorder-at) makes the product track stock: orders then \
                    reserve it and cannot oversell it.

                    Examples:
                      orderctl product add MUG-01 --name "Stoneware mug" --price 12.50 --stock 40
                      orderctl product add VASE --name "Tall vase" --price 79 --stock 9 --reorder-at 3
                      orderctl product add GIFTWRAP --name "Gift wrapping" --price 3
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Stock-keeping unit: up to 64 characters, no spaces, ':', '@' or ','.") var sku: String
            @Option(help: "Product name.") var name: String
            @Option(parsing: .unconditional, help: "Unit price, a decimal in the shop's currency, e.g. 12.50.")
            var price: String
            @Option(parsing: .unconditional, help: "Units on hand; makes the product track stock.") var stock: Int64?
            @Option(
                name: .customLong("reorder-at"), parsing: .unconditional,
                help: "Low-stock threshold on available units.")
            var reorderAt: Int64?
            @OptionGroup var json: JSONOption

            var product: NewProduct {
                NewProduct(sku: sku, name: name, price: price, stock: stock, reorderAt: reorderAt)
            }

            func validate() throws {
                try OptionCheck.field(sku, option: "SKU") { try Validate.code($0, field: "SKU") }
                try OptionCheck.field(name, option: "--name") { try Validate.name($0, field: "name") }
                try OptionCheck.field(price, option: "--price") { try Money.checkShape($0, field: "price") }
                do { try product.checkFigures() } catch {
                    throw OptionCheck.usage(error, option: "--\(OptionCheck.fieldName(error))")
                }
            }

            func run() throws {
                let store = try global.openStore(.create)
                let p = try store.addProduct(product)
                if json.json {
                    Terminal.print(JSON.render(Present.json(p)))
                    return
                }
                Terminal.print(
                    "Added product \(p.sku): \(p.name), \(p.price)"
                        + (p.tracksStock ? ", \(p.onHand) in stock" : ", stock not tracked"))
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "list",
                abstract: "List products with their stock.",
                discussion: """
                    Available = on hand - reserved by open orders; 'low' marks products at or \
                    below their reorder point.
                    Examples:
                      orderctl product list --low
                      orderctl product list --search mug --csv > mugs.csv
                    """)
            @OptionGroup var global: GlobalOptions
            @Flag(help: "Only products at or below their reorder point.") var low = false
            @Flag(help: "Include discontinued products.") var all = false
            @Option(help: "Only products whose SKU or name contains this text.") var search: String?
            @OptionGroup var format: FormatOptions

            func run() throws {
                let store = try global.openStore(.existing)
                let products = try store.products(.init(includeInactive: all, lowOnly: low, search: search))
                if format.json {
                    Terminal.print(JSON.render(products.map(Present.json)))
                } else if format.csv {
                    CSV.write(header: Present.productCSVHeader, rows: products, Present.csvRow)
                } else if products.isEmpty {
                    Terminal.note(
                        "No products"
                            + (low || search != nil ? " match." : " yet: add one with 'orderctl product add'."))
                } else {
                    Terminal.print(Present.productTable(products).render())
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show",
                abstract: "Show a product, its stock moves and the orders holding it.",
                discussion: "Example: orderctl product show MUG-01 --json")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The SKU.") var sku: String
            @OptionGroup var json: JSONOption

            func run() throws {
                let store = try global.openStore(.existing)
                let (p, moves, reservations) = try store.productDetail(sku)
                if json.json {
                    var d = Present.json(p)
                    d["stock_moves"] = moves.map { m -> JSONObject in
                        [
                            "at": Instant.format(m.at), "kind": m.kind, "delta": m.delta, "on_hand": m.onHand,
                            "order": orNull(m.orderRef), "note": orNull(m.note),
                        ]
                    }
                    d["reservations"] = reservations.map { r -> JSONObject in
                        ["ref": r.ref, "reserved": r.reserved, "backordered": r.backordered]
                    }
                    Terminal.print(JSON.render(d))
                    return
                }
                Terminal.print(
                    Present.productDetail(p, moves: moves, reservations: reservations, zone: try store.timeZone()))
            }
        }

        struct Update: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "update",
                abstract: "Change a product's name, price, reorder point, stock tracking or status.",
                discussion: """
                    A new price applies to new orders; existing orders keep the price they were taken at.
                    Examples:
                      orderctl product update MUG-01 --price 13.90
                      orderctl product update MUG-01 --reorder-at none
                      orderctl product update OLD-01 --discontinue
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The SKU.") var sku: String
            @Option(help: "New name.") var name: String?
            @Option(parsing: .unconditional, help: "New unit price.") var price: String?
            @Option(
                name: .customLong("reorder-at"), parsing: .unconditional, help: "New low-stock threshold, or 'none'.")
            var reorderAt: String?
            @Option(
                name: .customLong("lead-days"),
                help: "Days from reordering to having stock, or 'default' (reorder.lead-days).") var leadDays: String?
            @Option(
                name: .customLong("service-level"),
                help: "Percent of restock cycles that should not run out (50-99), or 'default'.") var serviceLevel:
                String?
            @Option(name: .customLong("cover-days"), help: "Days of demand one reorder should cover, or 'default'.")
            var coverDays: String?
            @Flag(
                name: .customLong("track-stock"), inversion: .prefixedNo,
                help: "Track stock for this product (or stop).")
            var trackStock: Bool?
            @Flag(help: "Sell the product again.") var active = false
            @Flag(help: "Stop selling the product; it stays in old orders.") var discontinue = false
            @OptionGroup var json: JSONOption

            func validate() throws {
                if active && discontinue { throw ValidationError("--active and --discontinue cannot be used together") }
                try OptionCheck.field(name, option: "--name") { try Validate.name($0, field: "name") }
                try OptionCheck.field(price, option: "--price") { try Money.checkShape($0, field: "price") }
                _ = try changes()
            }

            /// The options as changes; a figure out of its range is a usage error.
            func changes() throws -> ProductChanges {
                var changes = ProductChanges(name: name, price: price, trackStock: trackStock)
                func figure(_ text: String?, _ field: String) throws -> Int64?? {
                    guard let text else { return nil }
                    do { return .some(try ProductChanges.restockFigure(text, field: field)) } catch {
                        throw OptionCheck.usage(error, option: "--\(field)")
                    }
                }
                changes.leadDays = try figure(leadDays, "lead-days")
                changes.serviceLevel = try figure(serviceLevel, "service-level")
                changes.coverDays = try figure(coverDays, "cover-days")
                if let reorderAt {
                    do { changes.reorderAt = .some(try ProductChanges.reorderPoint(reorderAt)) } catch {
                        throw OptionCheck.usage(error, option: "--reorder-at")
                    }
                }
                if active { changes.active = true }
                if discontinue { changes.active = false }
                return changes
            }

            func run() throws {
                let store = try global.openStore(.existing)
                let p = try store.updateProduct(sku, try changes())
                if json.json {
                    Terminal.print(JSON.render(Present.json(p)))
                    return
                }
                Terminal.print("Updated product \(p.sku)")
                Terminal.print(Present.productDetail(p, moves: [], reservations: [], zone: try store.timeZone()))
            }
        }
    }
}

extension Orderctl {
    struct Stock: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stock",
            abstract: "Change stock on hand; every change is logged.",
            discussion: """
                Stock on hand can never go below what open orders have reserved. A product that \
                did not track stock starts tracking it.

                Examples:
                  orderctl stock set MUG-01 40 --note "stocktake"
                  orderctl stock add MUG-01 24 --note "delivery from supplier"
                  orderctl stock remove MUG-01 2 --note "broken in storage"
                """,
            subcommands: [Set.self, Add.self, Remove.self])

        struct Options: ParsableArguments {
            @Argument(help: "The SKU.") var sku: String
            // Every word left over, so that "-1" reaches the check below instead of being
            // taken for an option ("Missing expected argument").
            @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Number of units.", valueName: "quantity"))
            var words: [String] = []
            @Option(help: "Why the stock changed (shown in 'product show').") var note: String?

            /// The quantity; with `positive`, more than zero.
            func quantity(positive: Bool) throws -> Int64 {
                guard words.count == 1 else {
                    throw ValidationError(
                        words.isEmpty
                            ? "missing the number of units"
                            : "expected one number of units, got '\(words.joined(separator: " "))'")
                }
                guard let n = Int64(words[0]) else {
                    throw ValidationError("quantity '\(words[0])' is not a whole number")
                }
                if n < 0 {
                    throw ValidationError(
                        "quantity must not be negative (got \(n))"
                            + (positive ? "" : "; take units off with 'orderctl stock remove'"))
                }
                if positive && n == 0 { throw ValidationError("quantity must be more than zero") }
                do { try OrderStore.checkStockFigure(n, field: "quantity") } catch {
                    throw OptionCheck.usage(error, option: "quantity")
                }
                return n
            }
        }

        static func apply(_ global: GlobalOptions, _ o: Options, _ change: StockChange) throws {
            let store = try global.openStore(.existing)
            let (p, started) = try store.changeStock(o.sku, change, note: o.note)
            if started { Terminal.note("\(p.sku) now tracks stock") }
            Terminal.print(
                "\(p.sku): \(p.onHand) on hand, \(p.reserved) reserved, \(p.available ?? 0) available"
                    + (p.isLow ? " (low: reorder at \(p.reorderAt!))" : ""))
        }

        struct Set: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set", abstract: "Set the units on hand (after a stocktake).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var options: Options
            func validate() throws { _ = try options.quantity(positive: false) }
            func run() throws { try Orderctl.Stock.apply(global, options, .set(try options.quantity(positive: false))) }
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add", abstract: "Add units on hand (a delivery).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var options: Options
            func validate() throws { _ = try options.quantity(positive: true) }
            func run() throws { try Orderctl.Stock.apply(global, options, .add(try options.quantity(positive: true))) }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "remove", abstract: "Remove units on hand (breakage, loss).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var options: Options
            func validate() throws { _ = try options.quantity(positive: true) }
            func run() throws {
                try Orderctl.Stock.apply(global, options, .remove(try options.quantity(positive: true)))
            }
        }
    }
}
