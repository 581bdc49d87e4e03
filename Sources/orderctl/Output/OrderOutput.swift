import Foundation
import OrderCore

/// How models look in JSON, CSV and tables: orders, their ETAs, history and the states
/// table here, products and customers in CatalogOutput.swift. Field names here are a
/// public interface.
enum Present {
    static func money(_ m: Money) -> String { m.decimalString }

    static func json(_ m: Money, _ key: String, into dict: inout JSONObject) {
        dict[key] = m.decimalString
    }

    static func time(_ date: Date, _ zone: TimeZone) -> String { Instant.display(date, in: zone) }

    // MARK: orders

    static func json(_ o: OrderSummary) -> JSONObject {
        [
            "ref": o.ref, "placed_at": Instant.format(o.placedAt), "customer_id": o.customerID,
            "customer": o.customerName,
            "customer_email": orNull(o.customerEmail), "status": o.status.rawValue,
            "payment_status": o.paymentStatus.rawValue,
            "fulfilment_status": o.fulfilmentStatus.rawValue, "channel": o.channel, "shipping": o.shipping.rawValue,
            "class": o.orderClass, "items": o.itemCount, "line_count": o.lineCount, "total": o.total.decimalString,
            "currency": o.total.currency.code, "due": orNull(o.dueDate?.iso), "flag": orNull(o.flag),
        ]
    }

    static let orderCSVHeader = [
        "ref", "placed_at", "customer_id", "customer", "customer_email", "status", "payment_status",
        "fulfilment_status", "channel", "shipping", "class", "items", "line_count", "total", "currency", "due", "flag",
    ]

    /// One line of `export --format jsonl`: the order's fields, its totals and its lines.
    static func json(_ o: NativeOrder) -> JSONObject {
        var order: JSONObject = [
            ImportField.paidTotal.name: o.paidTotal, ImportField.refundedTotal.name: o.refundedTotal,
        ]
        for (column, value) in o.fields { order[column] = orNull(value) }
        order[NativeFormat.linesKey] = o.lines.map { l -> JSONObject in
            var line: JSONObject = [ImportField.quantity.name: l.quantity, ImportField.lineShipped.name: l.shipped]
            for (column, value) in l.fields { line[column] = orNull(value) }
            return line
        }
        return order
    }

    static func csvRow(_ o: OrderSummary) -> [String] {
        [
            o.ref, Instant.format(o.placedAt), String(o.customerID), o.customerName, o.customerEmail ?? "",
            o.status.rawValue,
            o.paymentStatus.rawValue, o.fulfilmentStatus.rawValue, o.channel, o.shipping.rawValue, o.orderClass,
            String(o.itemCount),
            String(o.lineCount), o.total.decimalString, o.total.currency.code, o.dueDate?.iso ?? "", o.flag ?? "",
        ]
    }

    /// "no rule matched (tried a, b)" as "no rule matched; tried a, b": no parentheses
    /// inside the ones `show` puts around a reason.
    static func unnested(_ reason: String) -> String {
        guard reason.hasSuffix(")"), let open = reason.range(of: " (", options: .backwards) else { return reason }
        return reason[..<open.lowerBound] + "; " + reason[open.upperBound...].dropLast()
    }

    static func orderTable(_ list: [OrderSummary], zone: TimeZone, today: LocalDate) -> Table {
        // On a narrow terminal (80 columns) the time goes first, then CLASS, ITEMS and
        // PAYMENT (show has them all).
        var t = Table([
            .init(title: "REF"), .init(title: "PLACED", shorten: { String($0.prefix(10)) }),
            .init(title: "CUSTOMER", flexible: true),
            .init(title: "STATUS"), .init(title: "PAYMENT", dropPriority: 3), .init(title: "CLASS", dropPriority: 1),
            .init(title: "ITEMS", align: .right, dropPriority: 2),
            .init(title: "TOTAL", align: .right), .init(title: "DUE"), .init(title: "FLAG", flexible: true),
        ])
        for o in list {
            var due = o.dueDate?.iso ?? ""
            if o.isOverdue(on: today) { due += " overdue" }
            t.add([
                o.ref, time(o.placedAt, zone), o.customerName, o.status.rawValue, o.paymentStatus.rawValue,
                o.orderClass,
                String(o.itemCount),
                o.total.decimalString, due, o.flag.map { "! " + $0 } ?? "",
            ])
        }
        t.stylers[3] = Terminal.statusStyle
        t.stylers[4] = Terminal.statusStyle
        t.stylers[8] = { $0.hasSuffix("overdue") ? Terminal.style($0, .red) : $0 }
        t.stylers[9] = { Terminal.style($0, .red) }
        return t
    }

    /// The ETA of an open order, for --json: expected ship and delivery instants with
    /// their 80% range, the group learned from, or why there is none.
    static func eta(_ p: DeliveryPrediction) -> JSONObject {
        func dates(_ d: DeliveryPrediction.Dates?) -> any JSONEncodable {
            guard let d else { return JSONNull() }
            return [
                "expected": Instant.format(d.expected), "low": Instant.format(d.low), "high": Instant.format(d.high),
            ] as JSONObject
        }
        return [
            "ship": dates(p.ship), "delivery": dates(p.delivery), "group": orNull(p.group), "group_size": p.groupSize,
            "note": orNull(p.note ?? p.late),
        ]
    }

    /// `Mon 11-30` with the range when it spans days: `Mon 11-30 (11-29..12-02)`.
    static func etaCell(_ d: DeliveryPrediction.Dates, _ zone: TimeZone) -> String {
        let e = LocalDate(d.expected, in: zone)
        let lo = LocalDate(d.low, in: zone)
        let hi = LocalDate(d.high, in: zone)
        func md(_ x: LocalDate) -> String { String(x.iso.dropFirst(5)) }
        return "\(e.weekdayName) \(md(e))" + (lo == hi ? "" : " (\(md(lo))..\(md(hi)))")
    }

    /// The lines `show` adds for an open order.
    static func etaLines(_ p: DeliveryPrediction, zone: TimeZone) -> String {
        func line(_ label: String, _ d: DeliveryPrediction.Dates) -> String {
            let e = LocalDate(d.expected, in: zone)
            return
                "\(label)\(e.weekdayName) \(e.iso) (80% range \(LocalDate(d.low, in: zone).iso) to \(LocalDate(d.high, in: zone).iso))"
        }
        var lines: [String] = []
        if let note = p.note { return "ETA:       \(note)" }
        if let s = p.ship { lines.append(line("Ships:     ", s)) }
        if let d = p.delivery { lines.append(line("Arrives:   ", d)) }
        if let late = p.late { lines.append("           (\(late))") }
        if let g = p.group {
            lines.append("           learned from the newest \(p.groupSize) delivered orders \(g) (orderctl predict)")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ d: OrderDetail) -> JSONObject {
        var o = json(d.summary)
        let cur = d.summary.total.currency.code
        o["class_reason"] = d.classReason
        o["note"] = orNull(d.note)
        o["customer_details"] = json(d.customer)
        o["lines"] = d.lines.map { l -> JSONObject in
            [
                "line": l.lineNo, "sku": l.sku, "name": l.name, "quantity": l.quantity,
                "unit_price": l.unitPrice.decimalString,
                "line_total": l.lineTotal.decimalString, "currency": cur,
                "price_source": l.priceOverridden ? "override" : "catalog",
                "reserved": l.reserved, "backordered": l.backordered, "shipped": l.shipped, "returned": l.returned,
            ]
        }
        o["reserved"] = d.reservedUnits
        o["backordered"] = d.backorderedUnits
        o["events"] = d.events.map(json)
        o["created_at"] = Instant.format(d.createdAt)
        o["updated_at"] = Instant.format(d.updatedAt)
        o["paid"] = d.paid.decimalString
        o["refunded"] = d.refunded.decimalString
        o["balance_due"] = d.balanceDue.decimalString
        o["cancel_reason"] = orNull(d.closedReason)
        o["held_from"] = orNull(d.heldFrom?.rawValue)
        o["owed_back"] = d.owedBack.decimalString
        o["shipments"] = d.shipments.map { sh -> JSONObject in
            [
                "carrier": orNull(sh.carrier), "tracking": orNull(sh.tracking), "tracking_url": orNull(sh.trackingURL),
                "shipped_at": Instant.format(sh.shippedAt), "delivered_at": orNull(sh.deliveredAt.map(Instant.format)),
                "lines": sh.lines.map { l -> JSONObject in ["sku": l.sku, "quantity": l.quantity] },
            ]
        }
        o["payments"] = d.payments.map { p -> JSONObject in
            [
                "kind": p.kind, "amount": p.amount.decimalString, "currency": p.amount.currency.code,
                "method": orNull(p.method),
                "reason": orNull(p.reason), "at": Instant.format(p.at),
            ]
        }
        return o
    }

    static func json(_ e: OrderEvent) -> JSONObject {
        [
            "seq": e.seq, "at": Instant.format(e.at), "kind": e.kind, "old": orNull(e.oldValue),
            "new": orNull(e.newValue), "detail": orNull(e.detail),
        ]
    }

    static func historyTable(_ events: [OrderEvent], zone: TimeZone) -> Table {
        var t = Table([
            .init(title: "#", align: .right), .init(title: "WHEN"), .init(title: "EVENT"),
            .init(title: "CHANGE", flexible: true), .init(title: "DETAIL", flexible: true),
        ])
        for e in events {
            let change: String
            switch (e.oldValue, e.newValue) {
            case (let old?, let new?): change = "\(old) -> \(new)"
            case (nil, let new?): change = new
            case (let old?, nil): change = "\(old) -> (none)"
            default: change = ""
            }
            t.add([String(e.seq), time(e.at, zone), e.kind, change, e.detail ?? ""])
        }
        return t
    }

    static func statesText() -> String {
        var out: [String] = [Terminal.style("Lifecycle: what each action does, from which statuses", .bold)]
        let width = Lifecycle.table.map { $0.action.rawValue.count }.max() ?? 0
        for tr in Lifecycle.table {
            let from =
                tr.from.count == OrderStatus.allCases.count
                ? "any status" : tr.from.map(\.rawValue).joined(separator: ", ")
            let name = tr.action.rawValue + String(repeating: " ", count: width - tr.action.rawValue.count)
            out.append("  " + Terminal.style(name, .cyan) + "  from \(from)")
            out.append("  " + String(repeating: " ", count: width) + "  to   \(tr.to)")
            if !tr.guardText.isEmpty {
                out.append("  " + String(repeating: " ", count: width) + "  rule \(tr.guardText)")
            }
        }
        out.append("")
        out.append(Terminal.style("Payment status follows the money:", .bold))
        out += PaymentStatus.rules.map { "  " + $0 }
        out.append("")
        out.append(Terminal.style("Fulfilment status follows the units:", .bold))
        out += FulfilmentStatus.rules.map { "  " + $0 }
        return out.joined(separator: "\n")
    }

    static func orderDetail(_ d: OrderDetail, zone: TimeZone, today: LocalDate, history: Bool = true) -> String {
        let s = d.summary
        var out: [String] = []
        out.append(
            Terminal.style("Order \(s.ref)", .bold) + "  " + Terminal.statusStyle(s.status.rawValue)
                + "  payment " + Terminal.statusStyle(s.paymentStatus.rawValue) + "  fulfilment "
                + Terminal.statusStyle(s.fulfilmentStatus.rawValue))
        var customer = "\(d.customer.name) (#\(d.customer.id)"
        if let e = d.customer.email { customer += ", \(e)" }
        if let c = d.customer.country { customer += ", \(c)" }
        out.append("Customer:  " + customer + ")")
        out.append("Placed:    \(time(s.placedAt, zone)) via \(s.channel), \(s.shipping.rawValue) shipping")
        if let due = s.dueDate {
            let days = today.days(until: due)
            let when = days == 0 ? "today" : days == 1 ? "tomorrow" : days > 0 ? "in \(days) days" : "\(-days) days ago"
            let overdue = s.isOverdue(on: today)
            out.append(
                "Due:       \(due.iso) (\(due.weekdayName), \(when))"
                    + (overdue ? "  " + Terminal.style("OVERDUE", .red) : ""))
        }
        out.append("Class:     " + Terminal.style(s.orderClass, .cyan) + " (\(Self.unnested(d.classReason)))")
        if let note = d.note { out.append("Note:      " + note) }
        out.append("")
        var t = Table([
            .init(title: "#", align: .right), .init(title: "SKU"), .init(title: "NAME", flexible: true),
            .init(title: "QTY", align: .right), .init(title: "PRICE", align: .right),
            .init(title: "TOTAL", align: .right), .init(title: "STOCK"),
        ])
        for l in d.lines {
            var stock: [String] = []
            if l.reserved > 0 { stock.append("\(l.reserved) reserved") }
            if l.backordered > 0 { stock.append("\(l.backordered) backordered") }
            if l.shipped > 0 { stock.append("\(l.shipped) shipped") }
            if l.returned > 0 { stock.append("\(l.returned) returned") }
            t.add([
                String(l.lineNo), l.sku, l.name, String(l.quantity),
                l.unitPrice.decimalString + (l.priceOverridden ? "*" : ""), l.lineTotal.decimalString,
                stock.joined(separator: ", "),
            ])
        }
        out.append(t.render())
        out.append(
            "Total:     " + Terminal.style(s.total.description, .bold)
                + "  (\(plural(Int(s.itemCount), "unit")) in \(plural(d.lines.count, "line")))")
        if d.lines.contains(where: \.priceOverridden) {
            out.append("           * price given on the order, not the catalog's")
        }
        if d.reservedUnits > 0 || d.backorderedUnits > 0 {
            out.append(
                "Stock:     \(plural(Int(d.reservedUnits), "unit")) reserved"
                    + (d.backorderedUnits > 0 ? ", \(d.backorderedUnits) backordered" : ""))
        }
        if d.paid.minor > 0 || d.refunded.minor > 0 {
            var money = "Paid:      \(d.paid)"
            if d.refunded.minor > 0 { money += ", refunded \(d.refunded)" }
            if d.stillOwed.minor > 0 { money += ", \(d.stillOwed) still owed" }
            out.append(money)
        }
        if let reason = d.closedReason {
            out.append("Cancelled: \(reason)")
            let owedBack = d.owedBack
            if owedBack.minor > 0 {
                out.append(
                    "Owed back: " + Terminal.style(owedBack.description, .red)
                        + " (orderctl refund \(s.ref) --amount \(owedBack.decimalString))")
            }
        }
        if let flag = s.flag { out.append("Flag:      " + Terminal.style("! " + flag, .red)) }
        if !d.shipments.isEmpty {
            out.append("")
            out.append(Terminal.style("Shipments", .bold))
            for (i, sh) in d.shipments.enumerated() {
                var line =
                    "  \(i + 1). \(time(sh.shippedAt, zone))  "
                    + sh.lines.map { "\($0.sku) x\($0.quantity)" }.joined(separator: ", ")
                if let c = sh.carrier { line += "  via \(c)" + (sh.tracking.map { " \($0)" } ?? "") }
                if let at = sh.deliveredAt { line += "  delivered \(time(at, zone))" }
                out.append(line)
                if let url = sh.trackingURL { out.append("     " + url) }
            }
        }
        if !d.payments.isEmpty {
            out.append("")
            out.append(Terminal.style("Payments", .bold))
            for p in d.payments {
                let extra = [p.method.map { "by \($0)" }, p.reason].compactMap { $0 }.joined(separator: ", ")
                out.append(
                    "  \(time(p.at, zone))  \(p.kind == "refund" ? "refund " : "payment") \(p.amount)"
                        + (extra.isEmpty ? "" : "  (\(extra))"))
            }
        }
        if history {
            out.append("")
            out.append(Terminal.style("History", .bold))
            for e in d.events {
                var line = "  \(time(e.at, zone))  \(e.kind)"
                if let old = e.oldValue, let new = e.newValue {
                    line += ": \(old) -> \(new)"
                } else if let new = e.newValue {
                    line += ": \(new)"
                }
                if let detail = e.detail { line += " (\(unnested(detail)))" }
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }
}
