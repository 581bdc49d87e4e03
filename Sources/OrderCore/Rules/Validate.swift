import Foundation

/// Field-level validation shared by every command. Each check throws an
/// `OrderError` naming the field and the value.
public enum Validate {
    public static let maxTextLength = 100_000

    /// A name or other one-line text: not blank, no control characters, stored exactly.
    public static func name(_ text: String, field: String) throws(OrderError) -> String {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidValue(field: field, value: text, reason: "must not be empty")
        }
        guard text.count <= maxTextLength else {
            throw .invalidValue(field: field, value: text, reason: "longer than \(maxTextLength) characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || isBidiControl($0) }) else {
            throw .invalidValue(field: field, value: text, reason: "must not contain control characters such as newlines, tabs or text-direction overrides")
        }
        return text
    }

    /// Free text (notes, addresses): newlines and tabs allowed, other control characters not.
    public static func note(_ text: String, field: String) throws(OrderError) -> String {
        guard text.count <= maxTextLength else {
            throw .invalidValue(field: field, value: text, reason: "longer than \(maxTextLength) characters")
        }
        guard !text.unicodeScalars.contains(where: { ($0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" && $0 != "\r") || isBidiControl($0) }) else {
            throw .invalidValue(field: field, value: text, reason: "must not contain control characters")
        }
        return text
    }

    /// SKUs and refs: 1-64 characters, no spaces, none of `:` `@` `,` (they separate
    /// the parts of `--item SKU:QTY@PRICE`).
    public static func code(_ text: String, field: String) throws(OrderError) -> String {
        guard !text.isEmpty else { throw .invalidValue(field: field, value: text, reason: "must not be empty") }
        // The usual case, plain ASCII letters, digits and punctuation, without the
        // Unicode property lookups below.
        if text.utf8.count <= 64, text.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != 58 && $0 != 64 && $0 != 44 }) { return text }
        guard text.count <= 64 else { throw .invalidValue(field: field, value: text, reason: "longer than 64 characters") }
        guard !text.unicodeScalars.contains(where: {
            $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0 == ":" || $0 == "@" || $0 == ","
        }) else {
            throw .invalidValue(field: field, value: text, reason: "must not contain spaces, control characters, ':', '@' or ','")
        }
        return text
    }

    public static func email(_ text: String) throws(OrderError) -> String {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let ok = parts.count == 2 && !parts[0].isEmpty && text.count <= 254
            && parts[1].split(separator: ".", omittingEmptySubsequences: false).count >= 2
            && parts[1].split(separator: ".", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty }
            && !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0 == "," || $0 == "<" || $0 == ">" })
        guard ok else {
            throw .invalidValue(field: "email", value: text, reason: "expected an address such as ann@example.com")
        }
        return text
    }

    /// ISO 3166-1 alpha-2, normalised to upper case.
    public static func country(_ text: String) throws(OrderError) -> String {
        let upper = text.uppercased()
        guard text.unicodeScalars.count == 2, text.unicodeScalars.allSatisfy({ $0.isASCII }),
              upper.unicodeScalars.allSatisfy({ $0 >= "A" && $0 <= "Z" }) else {
            throw .invalidValue(field: "country", value: text, reason: "expected a two-letter ISO 3166 code such as DE")
        }
        return upper
    }

    public static func channel(_ text: String) throws(OrderError) -> String {
        try word(text, field: "channel", examples: "web, shop or phone")
    }

    /// A short lower-case word: a channel, a payment method, a carrier.
    public static func word(_ text: String, field: String, examples: String) throws(OrderError) -> String {
        let lower = text.lowercased()
        guard !lower.isEmpty, lower.count <= 32,
              lower.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "_" })
        else {
            throw .invalidValue(field: field, value: text, reason: "expected a short word such as \(examples) (letters, digits, - and _)")
        }
        return lower
    }

    public static func integer(_ text: String, field: String, min: Int64, max: Int64) throws(OrderError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Int64(trimmed) else {
            throw .invalidValue(field: field, value: text, reason: "expected a whole number")
        }
        guard value >= min else {
            throw .invalidValue(field: field, value: text, reason: min == 1 ? "must be a positive whole number" : "must be at least \(min)")
        }
        guard value <= max else {
            throw .invalidValue(field: field, value: text, reason: "must be at most \(max)")
        }
        return value
    }

    public static let maxQuantity: Int64 = 1_000_000

    /// Text-direction overrides and isolates, which make text display as something else.
    static func isBidiControl(_ s: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
    }
}

/// One `--item SKU[:QTY][@PRICE]` as typed.
public struct ItemSpec: Sendable, Equatable {
    public var sku: String
    public var quantity: Int64
    public var price: String?

    public init(sku: String, quantity: Int64 = 1, price: String? = nil) {
        self.sku = sku
        self.quantity = quantity
        self.price = price
    }

    public static func parse(_ text: String) throws(OrderError) -> ItemSpec {
        var rest = Substring(text)
        var price: String?
        if let at = rest.lastIndex(of: "@") {
            price = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
            if price!.isEmpty { throw .invalidValue(field: "item", value: text, reason: "no price after '@' (expected SKU[:QTY][@PRICE])") }
        }
        var quantity: Int64 = 1
        if let colon = rest.lastIndex(of: ":") {
            let qtyText = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
            guard let q = Int64(qtyText), q > 0 else {
                throw .invalidValue(field: "quantity", value: qtyText, reason: "must be a positive whole number (in item '\(OrderError.clip(text))')")
            }
            guard q <= Validate.maxQuantity else {
                throw .invalidValue(field: "quantity", value: qtyText, reason: "must be at most \(Validate.maxQuantity)")
            }
            quantity = q
        }
        guard !rest.isEmpty else {
            throw .invalidValue(field: "item", value: text, reason: "no SKU (expected SKU[:QTY][@PRICE], e.g. MUG-01:2@12.50)")
        }
        return ItemSpec(sku: String(rest), quantity: quantity, price: price)
    }
}
