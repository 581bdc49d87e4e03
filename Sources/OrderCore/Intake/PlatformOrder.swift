import Foundation

/// The shop platforms orders arrive from by themselves (`sync`, `serve`).
public enum Platform: String, CaseIterable, Sendable {
    case shopify, woocommerce
}

/// One order as a platform sent it, turned into the import's rows, so that a synced or
/// delivered order is created and moved forward exactly as `import --update` does.
public struct PlatformOrder: Sendable {
    public var platform: Platform
    /// The platform's own id for the order (WooCommerce's `id`, Shopify's GID): with the
    /// shop, the key that makes a second delivery a no-op.
    public var platformID: String
    /// When the platform last changed it: an older payload than the one applied changes
    /// nothing.
    public var modifiedAt: Date?
    /// The import rows, one per line (the first row carries the order's fields).
    public var rows: [ImportRow]
    /// The order as the platform sent it (JSON), kept with a conflict or a failure so
    /// that `inbox retry` can apply it again.
    public var raw: String? = nil
}

extension PlatformOrder {
    /// A platform's decimal amount in `currency`'s minor unit: trailing zeros beyond it
    /// dropped (Shopify writes 1500 yen as "1500.0"), anything else kept as written; nil
    /// when it is not an amount the currency can hold.
    static func amount(_ text: String?, _ currency: Currency, allowNegative: Bool = false) -> String? {
        money(text, currency, allowNegative: allowNegative) == nil ? nil : text.map { normalised($0, currency) }
    }

    /// The same amount as Money: every amount a platform sends is read through here.
    static func money(_ text: String?, _ currency: Currency, allowNegative: Bool = false) -> Money? {
        guard let text, !text.isEmpty else { return nil }
        return try? Money.parse(normalised(text, currency), currency: currency, allowNegative: allowNegative)
    }

    private static func normalised(_ text: String, _ currency: Currency) -> String {
        guard let dot = text.firstIndex(of: ".") else { return text }
        var fraction = text[text.index(after: dot)...]
        while fraction.count > currency.minorDigits && fraction.last == "0" { fraction = fraction.dropLast() }
        return String(text[..<dot]) + (fraction.isEmpty ? "" : "." + fraction)
    }
}

/// A run of platform orders as an import source (a sync page, one webhook delivery).
public final class PlatformOrderSource: ImportSource {
    public let header: [String] = []
    public let notes: [String] = []
    public var sparseOrderFields: Bool { false }
    public var bytesRead: Int64 { 0 }
    var pending: [ImportRow]

    public init(_ orders: [PlatformOrder]) {
        var rows: [ImportRow] = []
        for order in orders {
            for (i, var row) in order.rows.enumerated() {
                row.startsOrder = i == 0
                row.weight = i == 0 ? 1 : 0
                rows.append(row)
            }
        }
        pending = rows.reversed()
    }

    public func next() throws -> ImportRow? { pending.popLast() }
}

/// Reading a platform's JSON: members by key, text of strings and numbers alike (a JSON
/// number keeps its digits as written; nothing goes through a Double).
extension JSONValue {
    subscript(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// A string or a number's text; nil for null, empty text and other kinds.
    var text: String? {
        switch self {
        case .string(let s): return s.isEmpty ? nil : s
        case .number(let n): return n
        default: return nil
        }
    }

    var items: [JSONValue] {
        if case .array(let a) = self { return a }
        return []
    }
}
