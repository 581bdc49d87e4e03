import Foundation
import OrderCore

/// How products and customers are printed: `product list/show`, `customer list/show`.
/// Field names here are a public interface.
extension Present {
    // MARK: products

    static func json(_ p: Product) -> JSONObject {
        [
            "sku": p.sku, "name": p.name, "price": p.price.decimalString, "currency": p.price.currency.code,
            "track_stock": p.tracksStock, "on_hand": orNull(p.tracksStock ? p.onHand : nil),
            "reserved": orNull(p.tracksStock ? p.reserved : nil), "available": orNull(p.available),
            "reorder_at": orNull(p.reorderAt), "low_stock": p.isLow, "active": p.active,
        ]
    }

    static let productCSVHeader = [
        "sku", "name", "price", "currency", "track_stock", "on_hand", "reserved", "available", "reorder_at", "active",
    ]

    static func csvRow(_ p: Product) -> [String] {
        [
            p.sku, p.name, p.price.decimalString, p.price.currency.code, p.tracksStock ? "1" : "0",
            p.tracksStock ? String(p.onHand) : "", p.tracksStock ? String(p.reserved) : "",
            p.available.map(String.init) ?? "", p.reorderAt.map(String.init) ?? "", p.active ? "1" : "0",
        ]
    }

    static func productTable(_ products: [Product]) -> Table {
        var t = Table([
            .init(title: "SKU"), .init(title: "NAME", flexible: true), .init(title: "PRICE", align: .right),
            .init(title: "ON HAND", align: .right), .init(title: "RESERVED", align: .right),
            .init(title: "AVAILABLE", align: .right), .init(title: "REORDER AT", align: .right), .init(title: ""),
        ])
        for p in products {
            var flags: [String] = []
            if p.isLow { flags.append("low") }
            if !p.active { flags.append("discontinued") }
            t.add([
                p.sku, p.name, p.price.decimalString, p.tracksStock ? String(p.onHand) : "-",
                p.tracksStock ? String(p.reserved) : "-", p.available.map(String.init) ?? "-",
                p.reorderAt.map(String.init) ?? "", flags.joined(separator: ","),
            ])
        }
        t.stylers[7] = { Terminal.style($0, .red) }
        return t
    }

    static func productDetail(
        _ p: Product, moves: [StockMove], reservations: [(ref: String, reserved: Int64, backordered: Int64)],
        zone: TimeZone
    ) -> String {
        var out: [String] = []
        out.append(
            Terminal.style("Product \(p.sku)", .bold) + (p.active ? "" : "  " + Terminal.style("discontinued", .red)))
        out.append("Name:       \(p.name)")
        out.append("Price:      \(p.price)")
        if p.tracksStock {
            out.append(
                "Stock:      \(p.onHand) on hand, \(p.reserved) reserved, \(p.available ?? 0) available"
                    + (p.isLow ? "  " + Terminal.style("LOW", .red) : ""))
            out.append("Reorder at: \(p.reorderAt.map(String.init) ?? "not set")")
        } else {
            out.append("Stock:      not tracked")
        }
        if !reservations.isEmpty {
            out.append("")
            out.append(Terminal.style("Held by orders", .bold))
            for r in reservations {
                out.append(
                    "  \(r.ref): \(r.reserved) reserved" + (r.backordered > 0 ? ", \(r.backordered) backordered" : ""))
            }
        }
        if !moves.isEmpty {
            out.append("")
            out.append(Terminal.style("Stock moves (newest first)", .bold))
            var t = Table([
                .init(title: "WHEN"), .init(title: "KIND"), .init(title: "CHANGE", align: .right),
                .init(title: "ON HAND", align: .right), .init(title: "NOTE", flexible: true),
            ])
            for m in moves {
                let note = [m.orderRef.map { "order \($0)" }, m.note].compactMap { $0 }.joined(separator: ": ")
                t.add([time(m.at, zone), m.kind, m.delta > 0 ? "+\(m.delta)" : String(m.delta), String(m.onHand), note])
            }
            out.append(t.render())
        }
        return out.joined(separator: "\n")
    }

    // MARK: customers

    static func json(_ c: Customer) -> JSONObject {
        [
            "id": c.id, "name": c.name, "email": orNull(c.email), "phone": orNull(c.phone),
            "country": orNull(c.country), "region": orNull(c.region),
            "address": orNull(c.address), "note": orNull(c.note), "created_at": Instant.format(c.createdAt),
            "external_ref": orNull(c.externalRef),
        ]
    }

    static func json(_ s: CustomerSummary) -> JSONObject {
        var d = json(s.customer)
        d["order_count"] = s.orderCount
        d["total_spent"] = s.totalSpent.decimalString
        d["currency"] = s.totalSpent.currency.code
        d["last_order_at"] = orNull(s.lastOrderAt.map(Instant.format))
        return d
    }

    static let customerCSVHeader = [
        "id", "name", "email", "phone", "country", "order_count", "total_spent", "currency", "last_order_at",
    ]

    static func csvRow(_ s: CustomerSummary) -> [String] {
        let c = s.customer
        return [
            String(c.id), c.name, c.email ?? "", c.phone ?? "", c.country ?? "", String(s.orderCount),
            s.totalSpent.decimalString, s.totalSpent.currency.code, s.lastOrderAt.map(Instant.format) ?? "",
        ]
    }

    static func customerTable(_ list: [CustomerSummary], zone: TimeZone) -> Table {
        var t = Table([
            .init(title: "ID", align: .right), .init(title: "NAME", flexible: true),
            .init(title: "EMAIL", flexible: true),
            .init(title: "COUNTRY"), .init(title: "ORDERS", align: .right), .init(title: "SPENT", align: .right),
            .init(title: "LAST ORDER"),
        ])
        for s in list {
            t.add([
                String(s.customer.id), s.customer.name, s.customer.email ?? "", s.customer.country ?? "",
                String(s.orderCount), s.totalSpent.decimalString,
                s.lastOrderAt.map { LocalDate($0, in: zone).iso } ?? "",
            ])
        }
        return t
    }
}
