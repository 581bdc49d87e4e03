import Foundation

/// What the owner can do to an order. Each action is one command.
public enum OrderAction: String, Sendable, CaseIterable {
    case confirm, hold, release, pay, ship, deliver, cancel, refund
    case returnItems = "return"
    case edit, note, flag
}

/// One row of the transition table: an action, the statuses it may start from, and
/// where it leads.
public struct Transition: Sendable {
    public let action: OrderAction
    public let from: [OrderStatus]
    /// The resulting status, in words when it depends on the order.
    public let to: String
    public let guardText: String
}

/// The lifecycle rules, all in one table. Payment and fulfilment statuses are not
/// set by hand: they follow from the amounts paid and refunded and the units shipped
/// and returned (see `PaymentStatus.derive` and `FulfilmentStatus.derive`).
public enum Lifecycle {
    static let active = OrderStatus.unfinished

    public static let table: [Transition] = [
        Transition(action: .confirm, from: [.pending], to: "confirmed", guardText: ""),
        Transition(
            action: .hold, from: [.pending, .confirmed, .processing], to: "on_hold", guardText: "a reason is required"),
        Transition(action: .release, from: [.onHold], to: "the status it had before the hold", guardText: ""),
        Transition(
            action: .pay, from: active, to: "unchanged; delivered becomes completed once fully paid",
            guardText: "at most what is still owed"),
        Transition(
            action: .ship, from: [.confirmed, .processing], to: "shipped when every unit has shipped, else processing",
            guardText: "units reserved or untracked; backordered units once stock is there"),
        Transition(action: .deliver, from: [.shipped], to: "completed if fully paid, else delivered", guardText: ""),
        Transition(
            action: .cancel, from: [.pending, .confirmed, .onHold], to: "cancelled",
            guardText: "a reason is required; nothing may have shipped; reserved stock is released"),
        Transition(
            action: .refund, from: OrderStatus.allCases, to: "unchanged",
            guardText: "at most what was paid and not yet refunded"),
        Transition(
            action: .returnItems, from: [.processing, .shipped, .delivered, .completed], to: "unchanged",
            guardText: "units shipped and not yet returned; restocked units go back on hand"),
        Transition(
            action: .edit, from: [.pending, .confirmed, .onHold], to: "unchanged",
            guardText: "lines only while nothing has shipped; reservations follow them"),
        Transition(action: .note, from: OrderStatus.allCases, to: "unchanged", guardText: ""),
        Transition(action: .flag, from: OrderStatus.allCases, to: "unchanged", guardText: ""),
    ]

    public static func transition(_ action: OrderAction) -> Transition {
        table.first { $0.action == action }!
    }

    /// Actions allowed from a status, in table order.
    public static func allowed(from status: OrderStatus) -> [OrderAction] {
        table.filter { $0.from.contains(status) }.map(\.action)
    }

    /// Throws `illegalTransition` unless `action` may start from `status`. The actions
    /// it offers instead leave out paying an order with nothing owed and refunding one
    /// with nothing paid: the status alone allows them, the amounts would refuse them.
    /// A tracking number belongs to one order: a `ship` with one names one ref (refs that
    /// differ only in case name the same order).
    public static func checkShipment(refs: [String], tracking: String?) throws(OrderError) {
        if tracking != nil && Set(refs.map { $0.lowercased() }).count > 1 { throw .trackingForSeveralOrders }
    }

    public static func check(
        _ action: OrderAction, ref: String, status: OrderStatus,
        owed: Bool = true, refundable: Bool = true
    ) throws(OrderError) {
        guard transition(action).from.contains(status) else {
            let offered = allowed(from: status).filter { ($0 != .pay || owed) && ($0 != .refund || refundable) }
            throw .illegalTransition(
                ref: ref, action: action.rawValue, status: status.rawValue,
                allowed: offered.map(\.rawValue))
        }
    }
}

public enum PaymentStatus: String, Sendable, CaseIterable {
    case unpaid
    case partiallyPaid = "partially_paid"
    case paid
    case partiallyRefunded = "partially_refunded"
    case refunded

    public static func derive(total: Int64, paid: Int64, refunded: Int64) -> PaymentStatus {
        if refunded > 0 { return refunded >= paid ? .refunded : .partiallyRefunded }
        if paid == 0 { return total == 0 ? .paid : .unpaid }
        return paid >= total ? .paid : .partiallyPaid
    }

    public static let rules = [
        "unpaid: nothing paid",
        "partially_paid: some paid, less than the total",
        "paid: the total is paid (an order totalling 0 is paid)",
        "partially_refunded: some of what was paid is refunded",
        "refunded: everything paid is refunded",
    ]
}

public enum FulfilmentStatus: String, Sendable, CaseIterable {
    case unfulfilled, partial, fulfilled
    case partiallyReturned = "partially_returned"
    case returned

    public static func derive(quantity: Int64, shipped: Int64, returned: Int64) -> FulfilmentStatus {
        if returned > 0 { return returned >= shipped && shipped >= quantity ? .returned : .partiallyReturned }
        if shipped == 0 { return .unfulfilled }
        return shipped >= quantity ? .fulfilled : .partial
    }

    public static let rules = [
        "unfulfilled: nothing shipped",
        "partial: some units shipped",
        "fulfilled: every unit shipped",
        "partially_returned: some shipped units came back",
        "returned: every unit shipped, and every one came back",
    ]
}

/// Carriers whose tracking numbers have a known shape, with a default tracking URL.
public struct Carrier: Sendable {
    public let name: String
    public let pattern: String
    public let example: String
    public let url: String

    public static let known: [Carrier] = [
        Carrier(
            name: "ups", pattern: "^1Z[0-9A-Z]{16}$", example: "1Z999AA10123456784",
            url: "https://www.ups.com/track?tracknum={tracking}"),
        Carrier(
            name: "dhl", pattern: "^([0-9]{10}|[0-9]{12}|[0-9]{20}|JJD[0-9]{15,20}|[A-Z]{2}[0-9]{9}DE)$",
            example: "1234567890",
            url: "https://www.dhl.com/en/express/tracking.html?AWB={tracking}"),
        Carrier(
            name: "dpd", pattern: "^[0-9]{14}$", example: "01234567890123",
            url: "https://tracking.dpd.de/parcelstatus?query={tracking}"),
        Carrier(
            name: "gls", pattern: "^[0-9]{11,12}$", example: "12345678901",
            url: "https://gls-group.com/track/{tracking}"),
        Carrier(
            name: "hermes", pattern: "^[0-9]{14,16}$", example: "12345678901234",
            url: "https://www.myhermes.de/empfangen/sendungsverfolgung/?suche={tracking}"),
        Carrier(
            name: "fedex", pattern: "^([0-9]{12}|[0-9]{15}|[0-9]{20})$", example: "123456789012",
            url: "https://www.fedex.com/fedextrack/?trknbr={tracking}"),
        Carrier(
            name: "usps", pattern: "^([0-9]{20,22}|[A-Z]{2}[0-9]{9}US)$", example: "9400100000000000000000",
            url: "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}"),
        Carrier(
            name: "royalmail", pattern: "^[A-Z]{2}[0-9]{9}GB$", example: "AB123456789GB",
            url: "https://www.royalmail.com/track-your-item#/tracking-results/{tracking}"),
    ]

    public static func named(_ name: String) -> Carrier? { known.first { $0.name == name.lowercased() } }

    /// Validates a tracking number against a known carrier's shape (spaces ignored,
    /// letters upper-cased); any non-blank code is accepted for other carriers.
    /// `strict: false` (a number a shop or a file brings, which the carrier gave out):
    /// a number of another shape than orderctl knows for the carrier is kept, not refused.
    public static func normaliseTracking(_ tracking: String, carrier: String?, strict: Bool = true) throws(OrderError)
        -> String
    {
        let trimmed = tracking.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64,
            trimmed.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.generalCategory != .control })
        else {
            throw .invalidValue(
                field: "tracking", value: tracking, reason: "expected a tracking number of up to 64 ASCII characters")
        }
        guard let carrier, let known = named(carrier) else { return trimmed }  // kept as typed
        // Known carriers: spaces dropped, letters upper-cased, then the shape checked.
        let compact = trimmed.filter { !$0.isWhitespace }.uppercased()
        guard compact.range(of: known.pattern, options: .regularExpression) != nil || !strict else {
            throw .invalidValue(
                field: "tracking", value: tracking,
                reason: "not a \(known.name.uppercased()) tracking number (e.g. \(known.example))")
        }
        return compact
    }
}
