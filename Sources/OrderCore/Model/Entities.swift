import Foundation

public struct Product: Sendable, Equatable {
    public var id: Int64
    public var sku: String
    public var name: String
    public var price: Money
    public var tracksStock: Bool
    public var onHand: Int64
    public var reserved: Int64
    public var reorderAt: Int64?
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    /// On hand less what open orders have reserved; nil when stock is not tracked.
    public var available: Int64? { tracksStock ? onHand - reserved : nil }
    public var isLow: Bool {
        guard tracksStock, let reorderAt, let available else { return false }
        return available <= reorderAt
    }
}

public struct StockMove: Sendable, Equatable {
    public var at: Date
    public var kind: String
    public var delta: Int64
    public var onHand: Int64
    public var orderRef: String?
    public var note: String?
}

public struct Customer: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var email: String?
    public var phone: String?
    public var country: String?
    public var address: String?
    public var note: String?
    public var createdAt: Date
    /// State, province or region.
    public var region: String? = nil
    /// The customer's id where they came from (an import's customer_ref).
    public var externalRef: String? = nil
    /// The placeholder an import gives orders without a customer: left out of rankings.
    public var anonymous = false
}

public struct CustomerSummary: Sendable, Equatable {
    public var customer: Customer
    public var orderCount: Int
    public var totalSpent: Money
    public var lastOrderAt: Date?
}

public enum Shipping: String, Sendable, CaseIterable, Codable {
    case standard, express
}

public struct OrderLine: Sendable, Equatable {
    public var lineNo: Int
    public var sku: String
    public var name: String
    public var quantity: Int64
    public var unitPrice: Money
    public var lineTotal: Money
    public var priceOverridden: Bool
    public var reserved: Int64
    public var backordered: Int64
    public var shipped: Int64
    public var returned: Int64
}

public struct OrderEvent: Sendable, Equatable {
    public var seq: Int
    public var at: Date
    public var kind: String
    public var oldValue: String?
    public var newValue: String?
    public var detail: String?
}

/// One row of `orderctl list`.
public struct OrderSummary: Sendable, Equatable {
    public var id: Int64
    public var ref: String
    public var placedAt: Date
    public var customerID: Int64
    public var customerName: String
    public var customerEmail: String?
    public var status: OrderStatus
    public var paymentStatus: PaymentStatus
    public var fulfilmentStatus: FulfilmentStatus
    public var channel: String
    public var shipping: Shipping
    public var orderClass: String
    public var itemCount: Int64
    public var lineCount: Int
    public var total: Money
    public var dueDate: LocalDate?
    public var flag: String?

    /// Overdue on `today`: due before it and still awaiting shipment, as `list --overdue`
    /// and the overdue reminder count it.
    public func isOverdue(on today: LocalDate) -> Bool {
        guard let due = dueDate else { return false }
        return due < today && status.isAwaitingShipment
    }
}

/// Everything `orderctl show` prints.
public struct OrderDetail: Sendable, Equatable {
    public var summary: OrderSummary
    public var customer: Customer
    public var classReason: String
    public var note: String?
    public var lines: [OrderLine]
    public var events: [OrderEvent]
    public var createdAt: Date
    public var updatedAt: Date
    public var paid: Money
    public var refunded: Money
    public var closedReason: String?
    public var heldFrom: OrderStatus?
    public var shipments: [Shipment]
    public var payments: [Payment]

    public var reservedUnits: Int64 { lines.reduce(0) { $0 + $1.reserved } }
    public var shippedUnits: Int64 { lines.reduce(0) { $0 + $1.shipped } }
    public var returnedUnits: Int64 { lines.reduce(0) { $0 + $1.returned } }
    /// What is still owed: the total less what was paid (never below zero).
    public var balanceDue: Money { Money(minor: max(0, summary.total.minor - paid.minor), currency: paid.currency) }
    /// What the customer still owes, as `list --unpaid` counts it: the balance, and
    /// nothing for a cancelled order.
    public var stillOwed: Money { summary.status == .cancelled ? Money.zero(paid.currency) : balanceDue }
    public var backorderedUnits: Int64 { lines.reduce(0) { $0 + $1.backordered } }
    /// What a cancelled order's customer is to get back: paid less refunded (zero for an
    /// order not cancelled).
    public var owedBack: Money {
        summary.status == .cancelled ? paid - refunded : Money.zero(paid.currency)
    }
}

public struct Shipment: Sendable, Equatable {
    public var carrier: String?
    public var tracking: String?
    public var trackingURL: String?
    public var shippedAt: Date
    public var deliveredAt: Date?
    public var lines: [(sku: String, quantity: Int64)]

    public static func == (a: Shipment, b: Shipment) -> Bool {
        a.carrier == b.carrier && a.tracking == b.tracking && a.shippedAt == b.shippedAt
            && a.deliveredAt == b.deliveredAt
            && a.lines.map(\.sku) == b.lines.map(\.sku) && a.lines.map(\.quantity) == b.lines.map(\.quantity)
    }
}

public struct Payment: Sendable, Equatable {
    public var kind: String  // payment or refund
    public var amount: Money
    public var method: String?
    public var reason: String?
    public var at: Date
}
