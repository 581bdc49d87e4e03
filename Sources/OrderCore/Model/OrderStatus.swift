import Foundation

/// Lifecycle status of an order.
public enum OrderStatus: String, Sendable, CaseIterable {
    case pending, confirmed, processing, shipped, delivered, completed
    case onHold = "on_hold"
    case cancelled

    /// Statuses in which an order still awaits shipping (and can be overdue).
    public static let open: [OrderStatus] = [.pending, .confirmed, .processing, .onHold]

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
