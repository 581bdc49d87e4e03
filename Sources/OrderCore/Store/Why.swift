import Foundation

extension OrderStore {
    /// `orderctl why`: the order's statuses in plain words, and what can happen next.
    public func explain(_ ref: String) throws -> [String] {
        try db.read {
            let d = try requireOrderDetail(ref)
            let zone = try timeZone()
            let s = d.summary
            let ref = s.ref
            let status = s.status
            let units = s.itemCount
            let toShip = d.lines.reduce(0) { $0 + $1.quantity - $1.shipped }
            let owed = d.balanceDue
            let netPaid = d.paid - d.refunded
            func plural(_ n: Int64, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
            var out: [String] = []

            let lifecycle: String
            switch status {
            case .pending: lifecycle = "it came in on \(LocalDate(s.placedAt, in: zone).iso) and waits to be confirmed"
            case .confirmed: lifecycle = "it is confirmed and nothing has shipped yet"
            case .processing:
                lifecycle = "\(plural(d.shippedUnits, "unit")) of \(units) have shipped; \(toShip) still to ship"
            case .shipped:
                let last = d.shipments.last.map { " (last shipment \(LocalDate($0.shippedAt, in: zone).iso))" } ?? ""
                lifecycle = "every unit has shipped\(last) and it waits to be delivered"
            case .delivered: lifecycle = "it was delivered; it completes once it is paid in full"
            case .completed: lifecycle = "it was delivered and paid in full"
            case .onHold:
                let reason = d.events.last { $0.kind == "status" && $0.newValue == OrderStatus.onHold.rawValue }?.detail
                lifecycle =
                    "it is on hold" + (reason.map { " (\($0))" } ?? "")
                    + "; on release it is \(d.heldFrom?.rawValue ?? "pending") again"
            case .cancelled: lifecycle = "it was cancelled" + (d.closedReason.map { " (\($0))" } ?? "")
            }
            out.append("Order \(ref) is \(status.rawValue): \(lifecycle).")

            let payment: String
            switch s.paymentStatus {
            case .unpaid: payment = status == .cancelled ? "nothing was paid" : "nothing of \(s.total) is paid"
            case .partiallyPaid:
                payment =
                    status == .cancelled
                    ? "\(d.paid) of \(s.total) was paid before it was cancelled"
                    : "\(d.paid) of \(s.total) is paid; \(owed) still owed"
            case .paid: payment = s.total.minor == 0 ? "nothing to pay" : "\(d.paid) paid in full"
            case .partiallyRefunded: payment = "\(d.paid) paid, \(d.refunded) of it refunded"
            case .refunded: payment = "\(d.paid) paid and all of it refunded"
            }
            out.append("Payment is \(s.paymentStatus.rawValue): \(payment).")

            let fulfilment: String
            switch s.fulfilmentStatus {
            case .unfulfilled:
                fulfilment =
                    "nothing has shipped"
                    + (d.backorderedUnits > 0
                        ? "; \(plural(d.backorderedUnits, "unit")) backordered, waiting for stock" : "")
            case .partial:
                fulfilment =
                    "\(d.shippedUnits) of \(units) units shipped in \(plural(Int64(d.shipments.count), "shipment"))"
            case .fulfilled:
                fulfilment = "all \(units) units shipped in \(plural(Int64(d.shipments.count), "shipment"))"
            case .partiallyReturned: fulfilment = "\(d.returnedUnits) of \(d.shippedUnits) shipped units came back"
            case .returned: fulfilment = "every shipped unit came back"
            }
            out.append("Fulfilment is \(s.fulfilmentStatus.rawValue): \(fulfilment).")
            if status == .cancelled && netPaid.minor > 0 {
                out.append("\(netPaid) was paid and is owed back to the customer.")
            }
            if let flag = s.flag { out.append("Flagged: \(flag).") }

            var next: [(String, String)] = []
            for action in Lifecycle.allowed(from: status) {
                switch action {
                case .confirm: next.append(("confirm it", "orderctl confirm \(ref)"))
                case .hold: next.append(("put it on hold", "orderctl hold \(ref) --reason TEXT"))
                case .release: next.append(("release the hold", "orderctl release \(ref)"))
                case .pay where owed.minor > 0: next.append(("record a payment (\(owed) owed)", "orderctl pay \(ref)"))
                case .ship where toShip > 0:
                    next.append(
                        (
                            "ship (\(plural(toShip, "unit")) to go)",
                            "orderctl ship \(ref) [--item SKU:QTY] [--carrier C --tracking NO]"
                        ))
                case .deliver: next.append(("mark it delivered", "orderctl deliver \(ref)"))
                case .cancel: next.append(("cancel it", "orderctl cancel \(ref) --reason TEXT"))
                case .refund where netPaid.minor > 0:
                    next.append(("refund up to \(netPaid)", "orderctl refund \(ref) --amount X"))
                case .returnItems where d.shippedUnits > d.returnedUnits:
                    next.append(("take back shipped units", "orderctl return \(ref) --item SKU:QTY"))
                case .edit:
                    next.append(
                        (
                            "change lines or dates",
                            "orderctl edit \(ref) --add/--remove/--set/--due/--shipping/--date/--customer/--channel"
                        ))
                default: break
                }
            }
            if next.isEmpty {
                out.append("Nothing more is expected of it (notes and flags can still be added).")
            } else {
                out.append("What can happen next:")
                let width = next.map { $0.0.count }.max() ?? 0
                out += next.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }
            }
            return out
        }
    }
}
