import Foundation

/// Lifecycle status of an order.
public enum OrderStatus: String, Sendable, CaseIterable {
    case pending, confirmed, processing, shipped, delivered, completed
    case onHold = "on_hold"
    case cancelled

    // The three sets of statuses a rule can mean by "open". Each is defined here once and
    // used everywhere, in SQL too (`sqlList`); schema.sql's partial indexes repeat the first
    // two in their WHERE clauses, and a test keeps them equal.

    /// Still to ship: what `list --overdue` and the `overdue` and `due-soon` reminders look at.
    public static let awaitingShipment: [OrderStatus] = [.pending, .confirmed, .processing, .onHold]
    /// Not yet delivered (nor cancelled): `list --open`, `show`'s ETA, the `stuck` reminder.
    public static let undelivered: [OrderStatus] = [.pending, .confirmed, .processing, .onHold, .shipped]
    /// Not closed: every status but completed and cancelled (`list --due-before`, `pay`).
    public static let unfinished: [OrderStatus] = allCases.filter { $0 != .completed && $0 != .cancelled }

    /// Delivered to the customer: delivered, or completed after it (`predict` has nothing
    /// left to predict for these).
    public static let arrived: [OrderStatus] = [.delivered, .completed]

    public var isAwaitingShipment: Bool { Self.awaitingShipment.contains(self) }
    public var hasArrived: Bool { Self.arrived.contains(self) }
    public var isUndelivered: Bool { Self.undelivered.contains(self) }
    public var isUnfinished: Bool { Self.unfinished.contains(self) }

    public static func parse(_ text: String) throws(OrderError) -> OrderStatus {
        if let status = OrderStatus(rawValue: text) { return status }
        let normal = String(text.lowercased().map { $0 == "-" ? "_" : $0 })
        guard let status = OrderStatus(rawValue: normal == "canceled" ? "cancelled" : normal) else {
            throw .invalidValue(
                field: "status", value: text,
                reason: "expected one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return status
    }
}

/// A status enum as the database stores it (its raw value in a TEXT column).
public protocol StoredStatus: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The column's name in errors: "status", "payment status", "fulfilment status".
    static var field: String { get }
}

extension StoredStatus {
    /// The status a row holds; a value orderctl never writes (the file was changed by
    /// another program) is a clear error, never a guess.
    static func stored(_ text: String) throws(OrderError) -> Self {
        guard let status = Self(rawValue: text) else {
            throw .invalidValue(
                field: field, value: text,
                reason: "not one orderctl writes (\(allCases.map(\.rawValue).joined(separator: ", "))); "
                    + "the database was changed by another program: run orderctl doctor")
        }
        return status
    }
}

extension OrderStatus: StoredStatus { public static let field = "status" }
extension PaymentStatus: StoredStatus { public static let field = "payment status" }
extension FulfilmentStatus: StoredStatus { public static let field = "fulfilment status" }

extension Array where Element: StoredStatus {
    /// `'pending', 'confirmed'`: the statuses as SQL string literals, for an `IN (...)`
    /// of constants (which SQLite matches against a partial index's WHERE clause).
    public var sqlList: String { map { "'\($0.rawValue)'" }.joined(separator: ", ") }
}
