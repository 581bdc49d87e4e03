import Foundation

/// The fields an import fills: the native columns, in `NativeFormat.columns` order,
/// then a few that only a shop export carries.
public enum ImportField: Int, CaseIterable, Sendable {
    case ref, orderedAt, customerRef, customerEmail, customerName, country, sku, productName, quantity, unitPrice,
        currency, channel, shipping, status, paymentStatus, due, paidAt, shippedAt, deliveredAt, cancelledAt,
        carrier, tracking, note, region
    // Not native CSV columns: JSON Lines (paid_total, refunded_total) and Shopify.
    case paidTotal, refundedTotal, shopTotal, shopOutstanding, lineShipped

    public var name: String {
        switch self {
        case .shopTotal: return "Total"
        case .shopOutstanding: return "Outstanding Balance"
        case .paidTotal: return "paid_total"
        case .refundedTotal: return "refunded_total"
        case .lineShipped: return "shipped"
        default: return NativeFormat.columns[rawValue]
        }
    }

    public init?(column: String) {
        guard let i = NativeFormat.columns.firstIndex(of: column) else { return nil }
        self.init(rawValue: i)
    }

    /// The keys of a JSON Lines order: the native order fields and the amounts paid
    /// and refunded, which the CSV form cannot carry.
    init?(jsonKey: String) {
        switch jsonKey {
        case "paid_total": self = .paidTotal
        case "refunded_total": self = .refundedTotal
        default: self.init(column: jsonKey)
        }
    }

    static let count = allCases.count
    var isLineField: Bool {
        self == .sku || self == .productName || self == .quantity || self == .unitPrice || self == .lineShipped
    }
}

/// One input record, turned into import fields.
public struct ImportRow: Sendable {
    public var line: Int
    var values: [String?]
    /// The record as read, for the rejects file: CSV fields, or a JSON line's text.
    public var raw: [String]
    public var rawText: String?
    /// How many input rows this stands for: a JSON line with three order lines gives
    /// three import rows, the first counting 1 and the others 0.
    var weight = 1
    /// Starts a new order even if the ref is the same as the previous row's.
    var startsOrder = false
    /// Problems the source found (a wrong number of fields, bad JSON, ...).
    var problems: [ImportIssue] = []
    var warnings: [String] = []

    init(line: Int, raw: [String] = [], rawText: String? = nil) {
        self.line = line
        self.values = Array(repeating: nil, count: ImportField.count)
        self.raw = raw
        self.rawText = rawText
    }

    subscript(_ f: ImportField) -> String? {
        get { values[f.rawValue] }
        set { values[f.rawValue] = newValue.flatMap { $0.isEmpty ? nil : $0 } }
    }
}

/// Where import rows come from.
public protocol ImportSource: AnyObject {
    func next() throws -> ImportRow?
    /// The CSV header as read (for the rejects file); empty for JSON Lines.
    var header: [String] { get }
    /// Order-level cells are filled on an order's first row only (Shopify).
    var sparseOrderFields: Bool { get }
    /// Said once before the import (columns ignored, the format guessed, ...).
    var notes: [String] { get }
    /// Bytes of the input consumed so far (compressed bytes for gzip), for progress;
    /// asked on the reading thread.
    var bytesRead: Int64 { get }
}

// MARK: CSV: native, mapped, Shopify

public final class CSVImportSource: ImportSource {
    public enum Mode: Sendable {
        /// orderctl's own columns; any other column is an error.
        case native
        /// Another CSV: FIELD=COLUMN pairs; columns named like a field map to it;
        /// other columns are ignored.
        case mapped([(field: String, column: String)])
        /// The Shopify orders export.
        case shopify
    }

    let csv: RFC4180Reader
    public private(set) var mode: Mode
    public private(set) var header: [String] = []
    public private(set) var notes: [String] = []
    public var sparseOrderFields: Bool { if case .shopify = mode { return true } else { return false } }
    /// field -> column index
    var map: [(ImportField, Int)] = []
    var shop: [String: Int] = [:]
    let unguard: Bool
    let input: ImportInput?
    public var bytesRead: Int64 { input?.bytesRead ?? 0 }

    /// With `detect`, a native-mode header with Shopify's columns is read as Shopify.
    public init(_ csv: RFC4180Reader, mode: Mode, detect: Bool = false, input: ImportInput? = nil) throws {
        self.csv = csv
        self.input = input
        guard try csv.next() else { throw OrderError.missingValue(field: "header row", hint: "the input is empty") }
        header = csv.fields
        let line = csv.recordLine
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        var byName: [String: Int] = [:]
        for (i, n) in names.enumerated() where byName[n.lowercased()] == nil { byName[n.lowercased()] = i }
        var mode = mode
        if detect, case .native = mode, byName["name"] != nil, byName["lineitem quantity"] != nil {
            mode = .shopify
            notes.append("reading a Shopify orders export (--format shopify)")
        }
        self.mode = mode
        if case .native = mode { unguard = true } else { unguard = false }
        switch mode {
        case .native:
            var seen = Set<String>()
            for (i, name) in names.enumerated() {
                let key = name.lowercased()
                // A rejects file, corrected, comes back with its reason column.
                if key == "reason" && i == names.count - 1 {
                    notes.append("ignoring the column reason (a rejects file's)")
                    continue
                }
                guard let field = ImportField(column: key) else {
                    var hint = "known: \(NativeFormat.columns.joined(separator: ", "))"
                    if byName["lineitem quantity"] != nil {
                        hint = "this looks like a Shopify export: use --format shopify"
                    } else {
                        hint += "; for another CSV, map its columns with --map FIELD=COLUMN"
                    }
                    throw OrderError.invalidValue(
                        field: "header", value: name, reason: "unknown column (line \(line); \(hint))")
                }
                guard seen.insert(key).inserted else {
                    throw OrderError.invalidValue(
                        field: "header", value: name, reason: "column given twice (line \(line))")
                }
                map.append((field, i))
            }
        case .mapped(let pairs):
            var chosen: [ImportField: Int] = [:]
            for (i, name) in names.enumerated() {
                if let field = ImportField(column: name.lowercased()), chosen[field] == nil { chosen[field] = i }
            }
            var explicit = Set<ImportField>()
            for (fieldName, column) in pairs {
                guard let field = ImportField(column: fieldName.lowercased()) else {
                    throw OrderError.invalidValue(
                        field: "--map", value: "\(fieldName)=\(column)",
                        reason: "unknown field \(fieldName) (fields: \(NativeFormat.columns.joined(separator: ", ")))")
                }
                if column.trimmingCharacters(in: .whitespaces).isEmpty {
                    // FIELD= : do not read this field, even from a column of that name.
                    guard explicit.insert(field).inserted else {
                        throw OrderError.invalidValue(
                            field: "--map", value: "\(fieldName)=", reason: "\(field.name) is mapped twice")
                    }
                    chosen[field] = nil
                    continue
                }
                guard let i = byName[column.trimmingCharacters(in: .whitespaces).lowercased()] else {
                    throw OrderError.invalidValue(
                        field: "--map", value: "\(fieldName)=\(column)",
                        reason:
                            "the header (line \(line)) has no column \(column) (it has: \(OrderError.clip(names.joined(separator: ", "))))"
                    )
                }
                guard explicit.insert(field).inserted else {
                    throw OrderError.invalidValue(
                        field: "--map", value: "\(fieldName)=\(column)", reason: "\(field.name) is mapped twice")
                }
                chosen[field] = i
            }
            map = chosen.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) }
            let used = Set(map.map(\.1))
            let ignored = names.enumerated().filter { !used.contains($0.offset) }.map(\.element)
            if !ignored.isEmpty {
                notes.append(
                    "ignoring column\(ignored.count == 1 ? "" : "s") \(OrderError.clip(ignored.joined(separator: ", ")))"
                )
            }
        case .shopify:
            shop = byName
            for required in ["name", "lineitem quantity", "lineitem sku"] where byName[required] == nil {
                throw OrderError.missingValue(
                    field: "column '\(Self.shopifyTitle(required))'",
                    hint: "a Shopify orders export has Name, Lineitem quantity and Lineitem sku (line \(line))")
            }
        }
        if case .shopify = mode { return }
        let mapped = Set(map.map(\.0))
        for required in [ImportField.ref, .sku, .quantity] where !mapped.contains(required) {
            if case .mapped = mode {
                throw OrderError.missingValue(
                    field: "column for \(required.name)", hint: "map it, e.g. --map \(required.name)=COLUMN")
            }
            throw OrderError.missingValue(
                field: "column '\(required.name)'", hint: "the header must name ref, sku and quantity")
        }
    }

    static func shopifyTitle(_ lower: String) -> String {
        lower.split(separator: " ").enumerated().map { $0.offset == 0 ? $0.element.capitalized : String($0.element) }
            .joined(separator: " ")
    }

    public var recordLine: Int { csv.recordLine }

    public func next() throws -> ImportRow? {
        guard try csv.next() else { return nil }
        var raw: [String] = []
        raw.reserveCapacity(csv.fieldCount)
        var notUTF8: Int?
        for i in 0..<csv.fieldCount {
            if let text = csv.validatedString(i) {
                raw.append(text)
            } else {
                raw.append(csv.string(i))
                notUTF8 = notUTF8 ?? i
            }
        }
        var row = ImportRow(line: csv.recordLine, raw: raw)
        if let i = notUTF8 {
            // Never repaired silently: Latin-1 from a spreadsheet would turn "Müller" into "M?ller".
            row.problems.append(
                ImportIssue(
                    line: row.line, field: i < header.count ? header[i] : "field \(i + 1)", value: "",
                    reason: "is not valid UTF-8 (save the file as UTF-8 and import again)"))
        }
        if row.raw.count != header.count {
            row.problems.append(
                ImportIssue(
                    line: row.line, field: "row", value: "\(row.raw.count) fields",
                    reason: "expected \(header.count) fields, as in the header"))
        }
        switch mode {
        case .native, .mapped:
            for (field, i) in map where i < row.raw.count {
                let v = row.raw[i]
                row[field] = unguard ? Self.undoFormulaGuard(v) : v.trimmingCharacters(in: .whitespaces)
            }
        case .shopify:
            shopify(&row)
        }
        return row
    }

    /// Export puts an apostrophe before text a spreadsheet would run as a formula;
    /// import takes it off again, so export and import round-trip.
    static func undoFormulaGuard(_ text: String) -> String {
        guard text.utf8.first == 39 else { return text }
        let bytes = Array(text.utf8.prefix(2))
        guard bytes.count == 2, bytes[0] == 39, [61, 43, 45, 64, 9, 13].contains(bytes[1]) else { return text }
        return String(text.dropFirst())
    }

    // MARK: Shopify

    func cell(_ row: ImportRow, _ column: String) -> String? {
        guard let i = shop[column], i < row.raw.count else { return nil }
        let v = row.raw[i].trimmingCharacters(in: .whitespaces)
        return v.isEmpty ? nil : v
    }

    /// Maps one row of the Shopify orders export onto import fields (see README).
    func shopify(_ row: inout ImportRow) {
        let r = row
        func c(_ name: String) -> String? { cell(r, name) }
        row[.ref] = c("name")
        row[.sku] = c("lineitem sku")
        row[.productName] = c("lineitem name")
        row[.quantity] = c("lineitem quantity")
        row[.unitPrice] = c("lineitem price")
        row[.lineShipped] = c("lineitem fulfillment status")?.lowercased() == "fulfilled" ? c("lineitem quantity") : "0"
        // Order-level cells are on the order's first row; "Created at" marks it.
        guard let created = c("created at") else { return }
        row[.orderedAt] = created
        row[.customerEmail] = c("email")
        row[.customerName] = c("billing name") ?? c("shipping name")
        row[.country] = c("shipping country") ?? c("billing country")
        row[.region] = c("shipping province") ?? c("billing province")
        row[.currency] = c("currency")
        row[.channel] = "shopify"
        if let method = c("shipping method") {
            row[.shipping] = method.lowercased().contains("express") ? "express" : "standard"
        }
        let financial = c("financial status")?.lowercased()
        switch financial {
        case nil, "pending", "authorized", "voided", "unpaid", "expired": row[.paymentStatus] = "unpaid"
        default: row[.paymentStatus] = financial
        }
        row[.paidAt] = c("paid at")
        row[.shippedAt] = c("fulfilled at")
        row[.shopTotal] = c("total")
        row[.shopOutstanding] = c("outstanding balance")
        row[.refundedTotal] = c("refunded amount")
        let fulfilment = c("fulfillment status")?.lowercased()
        let paid = ["paid", "partially_paid", "partially_refunded", "refunded"].contains(financial ?? "")
        var status: String
        switch fulfilment {
        case "fulfilled": status = "shipped"
        case "partial": status = "processing"
        default: status = paid ? "confirmed" : "pending"
        }
        if let cancelled = c("cancelled at") {
            if status == "shipped" || status == "processing" {
                row.warnings.append(
                    "line \(row.line): order \(c("name") ?? "") was cancelled at \(cancelled) after lines had shipped; it is imported as \(status)"
                )
            } else {
                status = "cancelled"
                row[.cancelledAt] = cancelled
            }
        }
        row[.status] = status
        var extras: [String] = []
        if let v = c("subtotal") { extras.append("subtotal \(v)") }
        if let v = c("shipping") { extras.append("shipping \(v)") }
        if let v = c("taxes") { extras.append("taxes \(v)") }
        if c("discount code") != nil || c("discount amount") != nil {
            extras.append(
                "discount " + [c("discount code"), c("discount amount")].compactMap { $0 }.joined(separator: " "))
        }
        if let v = c("total") { extras.append("total \(v)") }
        let summary = extras.isEmpty ? nil : "Shopify: " + extras.joined(separator: ", ")
        row[.note] = [c("notes"), summary].compactMap { $0 }.joined(separator: "\n")
    }
}

// MARK: JSON Lines

/// One order per line: the native order fields, and `lines`, an array of objects with
/// the line fields. Numbers are read as their exact text.
public final class JSONLImportSource: ImportSource {
    let reader: LineReader
    public let header: [String] = []
    public let notes: [String] = []
    public var sparseOrderFields: Bool { false }
    var pending: [ImportRow] = []
    public var bytesRead: Int64 { reader.input.bytesRead }

    public init(_ input: ImportInput) { reader = input.lines() }

    public func next() throws -> ImportRow? {
        if !pending.isEmpty { return pending.removeFirst() }
        while let bytes = try reader.next() {
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let line = reader.lineNumber
            let text = String(decoding: bytes, as: UTF8.self)
            var rows = parse(bytes, line: line, text: text)
            rows[0].startsOrder = true
            for i in rows.indices.dropFirst() { rows[i].weight = 0 }
            pending = Array(rows.dropFirst())
            return rows[0]
        }
        return nil
    }

    func parse(_ bytes: [UInt8], line: Int, text: String) -> [ImportRow] {
        var base = ImportRow(line: line, rawText: text)
        func fail(_ field: String, _ value: String, _ reason: String) -> [ImportRow] {
            base.problems.append(ImportIssue(line: line, field: field, value: value, reason: reason))
            return [base]
        }
        guard String(validating: bytes, as: UTF8.self) != nil else { return fail("line", "", "is not valid UTF-8") }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch {
            return fail("json", OrderError.clip(text), "malformed JSON: \(error)")
        }
        guard case .object(let members) = value else {
            return fail("json", OrderError.clip(text), "expected one order as a JSON object")
        }
        var lines: [[(key: String, value: JSONValue)]] = []
        var seen = Set<String>()
        for (key, v) in members {
            guard seen.insert(key).inserted else { return fail(key, "", "key given twice") }
            if key == NativeFormat.linesKey {
                guard case .array(let items) = v else { return fail(key, "", "expected an array of line objects") }
                for item in items {
                    guard case .object(let fields) = item else {
                        return fail("lines", "", "expected an array of line objects")
                    }
                    lines.append(fields)
                }
                continue
            }
            guard let field = ImportField(jsonKey: key), !field.isLineField else {
                return fail(
                    key, "",
                    "unknown key (order keys: \(NativeFormat.columns.filter { !NativeFormat.lineColumns.contains($0) }.joined(separator: ", ")), paid_total, refunded_total, lines)"
                )
            }
            switch scalar(v) {
            case .success(let s): base[field] = s
            case .failure(let reason): return fail(key, "", reason)
            }
        }
        guard !lines.isEmpty else { return fail("lines", "", "an order needs at least one line") }
        var rows: [ImportRow] = []
        for fields in lines {
            var row = base
            var seenLine = Set<String>()
            for (key, v) in fields {
                guard seenLine.insert(key).inserted else { return fail("lines.\(key)", "", "key given twice") }
                guard let field = key == "shipped" ? .lineShipped : ImportField(column: key), field.isLineField else {
                    return fail(
                        "lines.\(key)", "",
                        "unknown key (line keys: \(NativeFormat.columns.filter { NativeFormat.lineColumns.contains($0) }.joined(separator: ", ")), shipped)"
                    )
                }
                switch scalar(v) {
                case .success(let s): row[field] = s
                case .failure(let reason): return fail("lines.\(key)", "", reason)
                }
            }
            rows.append(row)
        }
        return rows
    }

    enum Scalar {
        case success(String?)
        case failure(String)
    }

    func scalar(_ v: JSONValue) -> Scalar {
        switch v {
        case .null: return .success(nil)
        case .string(let s): return .success(s)
        case .number(let n): return .success(n)
        case .bool: return .failure("expected text or a number, not true/false")
        case .array, .object: return .failure("expected text or a number")
        }
    }
}
