import Foundation

/// Field-level validation shared by every command. Each check throws an
/// `OrderError` naming the field and the value.
public enum Validate {
    public static let maxTextLength = 100_000

    /// A name or other one-line text: not blank, no control characters, stored exactly.
    public static func name(_ text: String, field: String) throws(OrderError) -> String {
        if nameASCIIFast(text) { return text }
        if let reason = nameProblem(text) { throw .invalidValue(field: field, value: text, reason: reason) }
        return text
    }

    static func nameProblem(_ text: String) -> String? {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { return "must not be empty" }
        if text.count > maxTextLength { return "longer than \(maxTextLength) characters" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || isBidiControl($0) }) {
            return "must not contain control characters such as newlines, tabs or text-direction overrides"
        }
        return nil
    }

    /// Free text (notes, addresses): newlines and tabs allowed, other control characters not.
    public static func note(_ text: String, field: String) throws(OrderError) -> String {
        if noteASCIIFast(text) { return text }
        if let reason = noteProblem(text) { throw .invalidValue(field: field, value: text, reason: reason) }
        return text
    }

    static func noteProblem(_ text: String) -> String? {
        if text.count > maxTextLength { return "longer than \(maxTextLength) characters" }
        if text.unicodeScalars.contains(where: {
            ($0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" && $0 != "\r") || isBidiControl($0)
        }) {
            return "must not contain control characters"
        }
        return nil
    }

    /// SKUs and refs: 1-64 characters, no spaces, none of `:` `@` `,` (they separate
    /// the parts of `--item SKU:QTY@PRICE`).
    public static func code(_ text: String, field: String) throws(OrderError) -> String {
        guard !text.isEmpty else { throw .invalidValue(field: field, value: text, reason: "must not be empty") }
        // The usual case, plain ASCII letters, digits and punctuation, without the
        // Unicode property lookups below.
        if text.utf8.count <= 64, text.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != 58 && $0 != 64 && $0 != 44 }) {
            return text
        }
        guard text.count <= 64 else {
            throw .invalidValue(field: field, value: text, reason: "longer than 64 characters")
        }
        guard
            !text.unicodeScalars.contains(where: {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0 == ":" || $0 == "@"
                    || $0 == ","
            })
        else {
            throw .invalidValue(
                field: field, value: text, reason: "must not contain spaces, control characters, ':', '@' or ','")
        }
        return text
    }

    static func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 < 0x80 } }

    // Fast paths for plain ASCII, which an import checks millions of times; each gives
    // what the Unicode rules give (ValidateFastPathTests compares them on random text).

    /// Printable ASCII with something besides spaces: a valid name.
    static func nameASCIIFast(_ text: String) -> Bool {
        text.utf8.count <= maxTextLength && text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
            && text.utf8.contains(where: { $0 != 0x20 })
    }

    /// Printable ASCII, newlines, tabs and carriage returns: a valid note.
    static func noteASCIIFast(_ text: String) -> Bool {
        text.utf8.count <= maxTextLength
            && text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D })
    }

    /// The email rules on the bytes of an ASCII string: one '@' with something before
    /// it, a domain of two or more non-empty labels, no spaces, controls, ',', '<', '>'.
    static func emailASCII(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count <= 254, let at = b.firstIndex(of: UInt8(ascii: "@")), at > 0,
            b.lastIndex(of: UInt8(ascii: "@")) == at,
            !b.contains(where: {
                $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "<")
                    || $0 == UInt8(ascii: ">")
            })
        else { return false }
        let domain = b[(at + 1)...].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }

    /// The email rules as written for any text.
    static func emailUnicode(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && text.count <= 254
            && parts[1].split(separator: ".", omittingEmptySubsequences: false).count >= 2
            && parts[1].split(separator: ".", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty }
            && !text.unicodeScalars.contains(where: {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0 == "," || $0 == "<"
                    || $0 == ">"
            })
    }

    public static func email(_ text: String) throws(OrderError) -> String {
        if isASCII(text) {
            guard emailASCII(text) else {
                throw .invalidValue(field: "email", value: text, reason: "expected an address such as ann@example.com")
            }
            return text
        }
        guard emailUnicode(text) else {
            throw .invalidValue(field: "email", value: text, reason: "expected an address such as ann@example.com")
        }
        return text
    }

    /// One address to mail to (`remind --mail-to`): any local part and domain (root@localhost
    /// is fine), no spaces, commas, angle brackets or quotes, so it can stand in a To: header.
    public static func mailAddress(_ text: String) throws(OrderError) -> String {
        let ok =
            text.count <= 254
            && !text.contains(where: { $0.isWhitespace || $0 == "," || $0 == "<" || $0 == ">" || $0 == "\"" })
            && text.split(separator: "@", omittingEmptySubsequences: false).count == 2 && !text.hasPrefix("@")
            && !text.hasSuffix("@")
        guard ok else {
            throw .invalidValue(field: "mail-to", value: text, reason: "expected one address such as owner@example.com")
        }
        return text
    }

    /// ISO 3166-1 alpha-2, normalised to upper case.
    /// A state, province or region: a code (SP, CA) or a name, one line, at most 60 characters.
    public static func region(_ text: String) throws(OrderError) -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.count <= 60, !t.contains(where: { $0.isNewline || $0 == ";" || $0 == ":" || $0 == "," })
        else {
            throw .invalidValue(
                field: "region", value: text,
                reason:
                    "expected a state, province or region code or name (one line, at most 60 characters, no , ; or :)")
        }
        return t
    }

    public static func country(_ text: String) throws(OrderError) -> String {
        let upper = text.uppercased()
        guard text.unicodeScalars.count == 2, text.unicodeScalars.allSatisfy({ $0.isASCII }),
            upper.unicodeScalars.allSatisfy({ $0 >= "A" && $0 <= "Z" })
        else {
            throw .invalidValue(field: "country", value: text, reason: "expected a two-letter ISO 3166 code such as DE")
        }
        return upper
    }

    /// A two-letter code, or a country's English name ("Germany", "United Kingdom",
    /// "USA") as exports write it: what an import accepts, every command accepts.
    public static func countryOrName(_ text: String) throws(OrderError) -> String {
        if text.unicodeScalars.count == 2 { return try country(text) }
        if case .code(let code) = CountryNames.resolve(text) { return try country(code) }
        throw .invalidValue(
            field: "country", value: text,
            reason: "expected a two-letter ISO 3166 code such as DE, or a country's English name such as Germany")
    }

    public static func channel(_ text: String) throws(OrderError) -> String {
        try word(text, field: "channel", examples: "web, shop or phone")
    }

    /// A short lower-case word: a channel, a payment method, a carrier.
    public static func word(_ text: String, field: String, examples: String) throws(OrderError) -> String {
        let lower = text.lowercased()
        guard !lower.isEmpty, lower.count <= 32,
            lower.unicodeScalars.allSatisfy({
                ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "_"
            })
        else {
            throw .invalidValue(
                field: field, value: text,
                reason: "expected a short word such as \(examples) (letters, digits, - and _)")
        }
        return lower
    }

    public static func integer(_ text: String, field: String, min: Int64, max: Int64) throws(OrderError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Int64(trimmed) else {
            throw .invalidValue(field: field, value: text, reason: "expected a whole number")
        }
        guard value >= min else {
            throw .invalidValue(
                field: field, value: text,
                reason: min == 1 ? "must be a positive whole number" : "must be at least \(min)")
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
            if price!.isEmpty {
                throw .invalidValue(
                    field: "item", value: text, reason: "no price after '@' (expected SKU[:QTY][@PRICE])")
            }
        }
        var quantity: Int64 = 1
        if let colon = rest.lastIndex(of: ":") {
            let qtyText = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
            guard let q = Int64(qtyText), q > 0 else {
                throw .invalidValue(
                    field: "quantity", value: qtyText,
                    reason: "must be a positive whole number (in item '\(OrderError.clip(text))')")
            }
            guard q <= Validate.maxQuantity else {
                throw .invalidValue(
                    field: "quantity", value: qtyText, reason: "must be at most \(Validate.maxQuantity)")
            }
            quantity = q
        }
        guard !rest.isEmpty else {
            throw .invalidValue(
                field: "item", value: text, reason: "no SKU (expected SKU[:QTY][@PRICE], e.g. MUG-01:2@12.50)")
        }
        return ItemSpec(sku: String(rest), quantity: quantity, price: price)
    }
}
