import ArgumentParser
import Foundation
import OrderCore

extension Orderctl {
    struct Customer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "customer",
            abstract: "Keep customers: add, list, show, update.",
            subcommands: [Add.self, List.self, Show.self, Update.self],
            defaultSubcommand: List.self)

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add",
                abstract: "Add a customer.",
                discussion: """
                    Examples:
                      orderctl customer add --name "Ann Lee" --email ann@example.com --country DE
                      orderctl customer add --name "Walk-in"
                    """)
            @OptionGroup var global: GlobalOptions
            @Option(help: "Full name.") var name: String
            @Option(help: "Email address (unique).") var email: String?
            @Option(help: "Country: ISO 3166 alpha-2 (e.g. DE) or its English name (Germany).") var country: String?
            @Option(help: "State, province or region (e.g. CA, Bavaria): delivery predictions group by it.") var region:
                String?
            @Option(help: "Phone number.") var phone: String?
            @Option(help: "Postal address (may span lines).") var address: String?
            @Option(help: "A note about the customer.") var note: String?
            @OptionGroup var json: JSONOption

            func validate() throws {
                try checkCustomerFields(
                    name: name, email: email, phone: phone, country: country, region: region, address: address,
                    note: note)
            }

            func run() throws {
                let store = try global.openStore(.create)
                let c = try store.addCustomer(
                    NewCustomer(
                        name: name, email: email, phone: phone, country: country, region: region, address: address,
                        note: note))
                if json.json {
                    Terminal.print(JSON.render(Present.json(c)))
                    return
                }
                Terminal.print("Added customer #\(c.id): \(c.name)" + (c.email.map { " <\($0)>" } ?? ""))
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "list",
                abstract: "List customers with their order count and total spent.",
                discussion: """
                    Examples:
                      orderctl customer list --search example.de
                      orderctl customer list --csv > customers.csv
                    """)
            @OptionGroup var global: GlobalOptions
            @Option(help: "Only customers whose name or email contains this text.") var search: String?
            @OptionGroup var format: FormatOptions

            func run() throws {
                let store = try global.openStore(.existing)
                let list = try store.customers(search: search)
                if format.json {
                    Terminal.print(JSON.render(list.map(Present.json)))
                } else if format.csv {
                    CSV.write(header: Present.customerCSVHeader, rows: list, Present.csvRow)
                } else if list.isEmpty {
                    Terminal.note(
                        search == nil
                            ? "No customers yet: add one with 'orderctl customer add'." : "No customers match.")
                } else {
                    Terminal.print(Present.customerTable(list, zone: try store.timeZone()).render())
                }
            }
        }

        struct Update: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "update",
                abstract: "Correct a customer's details; each change is recorded.",
                discussion: """
                    Each value is checked as 'customer add' checks it; an empty value ("") clears \
                    an optional field. A changed email keeps the customer's orders. 'customer show' \
                    lists the recorded changes.
                    Examples:
                      orderctl customer update 12 --email ann.lee@example.com
                      orderctl customer update ann@example.com --country Austria --region "" --phone "+43 1 234"
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Customer id, ext:REF, email or exact name.") var customer: String
            @Option(help: "Full name.") var name: String?
            @Option(help: "Email address (unique); \"\" clears it.") var email: String?
            @Option(help: "Country code or English name; \"\" clears it.") var country: String?
            @Option(help: "State, province or region; \"\" clears it.") var region: String?
            @Option(help: "Phone number; \"\" clears it.") var phone: String?
            @Option(help: "Postal address; \"\" clears it.") var address: String?
            @Option(help: "A note about the customer; \"\" clears it.") var note: String?
            @OptionGroup var json: JSONOption

            func validate() throws {
                // "" clears a field (but the name): nothing to check then.
                func given(_ text: String?) -> String? {
                    text.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
                }
                if changes.isEmpty {
                    throw ValidationError(
                        "missing change (give --name, --email, --phone, --country, --region, --address or --note)")
                }
                try checkCustomerFields(
                    name: name, email: given(email), phone: given(phone), country: given(country),
                    region: given(region), address: given(address), note: given(note))
            }

            var changes: CustomerChanges {
                var change = CustomerChanges()
                change.name = name
                change.email = email
                change.country = country
                change.region = region
                change.phone = phone
                change.address = address
                change.note = note
                return change
            }

            func run() throws {
                let store = try global.openStore(.existing)
                let (c, changed) = try store.updateCustomer(customer, changes)
                if json.json {
                    Terminal.print(JSON.render(Present.json(c)))
                    return
                }
                Terminal.print(
                    changed.isEmpty
                        ? "Customer #\(c.id): nothing changed (the values are the ones it has)"
                        : "Updated customer #\(c.id): \(changed.joined(separator: "; "))")
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show",
                abstract: "Show a customer with their orders and total spent.",
                discussion: """
                    The customer is found by id (12 or #12), email, or exact name (case-insensitive).
                    Examples:
                      orderctl customer show ann@example.com
                      orderctl customer show "Ann Lee" --json
                    """)
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Customer id, ext:REF, email or exact name.") var customer: String
            @OptionGroup var json: JSONOption

            func run() throws {
                let store = try global.openStore(.existing)
                let (summary, orders) = try store.customerDetail(customer)
                if json.json {
                    var d = Present.json(summary)
                    d["orders"] = orders.map(Present.json)
                    Terminal.print(JSON.render(d))
                    return
                }
                let c = summary.customer
                let zone = try store.timeZone()
                var lines = [Terminal.style("Customer #\(c.id): \(c.name)", .bold)]
                if let e = c.email { lines.append("Email:    \(e)") }
                if let p = c.phone { lines.append("Phone:    \(p)") }
                if let k = c.country { lines.append("Country:  \(k)") }
                if let r = c.region { lines.append("Region:   \(r)") }
                if let a = c.address {
                    lines.append("Address:  " + a.replacingOccurrences(of: "\n", with: "\n          "))
                }
                if let n = c.note { lines.append("Note:     \(n)") }
                if let x = c.externalRef { lines.append("Ext ref:  \(x) (find with ext:\(x))") }
                lines.append("Since:    \(LocalDate(c.createdAt, in: zone).iso)")
                lines.append(
                    "Orders:   \(summary.orderCount), total spent \(summary.totalSpent) (cancelled orders not counted)")
                let history = try store.customerHistory(c.id)
                if !history.isEmpty {
                    lines.append("Changed:")
                    for h in history {
                        lines.append(
                            "  \(Instant.display(h.at, in: zone))  \(h.field): \(h.old ?? "none") -> \(h.new ?? "none")"
                        )
                    }
                }
                Terminal.print(lines.joined(separator: "\n"))
                if !orders.isEmpty {
                    Terminal.print("")
                    Terminal.print(
                        Present.orderTable(orders, zone: zone, today: try store.dateResolver().today).render())
                }
            }
        }
    }
}

/// A customer's fields, each by OrderCore's rule for it (the store applies the same
/// rules as it keeps them), as usage errors naming the option.
func checkCustomerFields(
    name: String?, email: String?, phone: String?, country: String?, region: String?, address: String?,
    note: String?
) throws {
    try OptionCheck.field(name, option: "--name") { try Validate.name($0, field: "name") }
    try OptionCheck.field(email, option: "--email", Validate.email)
    try OptionCheck.field(phone, option: "--phone") { try Validate.name($0, field: "phone") }
    try OptionCheck.field(country, option: "--country", Validate.countryOrName)
    try OptionCheck.field(region.flatMap { $0.isEmpty ? nil : $0 }, option: "--region", Validate.region)
    try OptionCheck.field(address.flatMap { $0.isEmpty ? nil : $0 }, option: "--address") {
        try Validate.note($0, field: "address")
    }
    try OptionCheck.field(note.flatMap { $0.isEmpty ? nil : $0 }, option: "--note") {
        try Validate.note($0, field: "note")
    }
}
