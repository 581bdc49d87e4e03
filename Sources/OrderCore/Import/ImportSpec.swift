import Foundation

/// What an import reads and how: the format, the columns `--map` names, the field
/// separator. `init` judges the option texts alone (an `ImportSpec.OptionError`, a usage
/// error); `open` reads the input's header and says what the file is (a
/// `MalformedInput` when it is not what the import expects).
public struct ImportSpec: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        case native, jsonl, shopify
    }

    /// An option value whose shape is wrong, said as the option's error.
    public struct OptionError: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// nil: from the file (its name, then its header).
    public let format: Format?
    /// `--map FIELD=COLUMN`, in the order given.
    public let maps: [(field: String, column: String)]
    /// The field separator's byte.
    public let delimiter: UInt8

    /// - Parameters:
    ///   - maps: `FIELD=COLUMN` texts; FIELD is a native column name.
    ///   - delimiter: one ASCII character, or `tab`; nil: `,` (or `;` with a decimal comma).
    public init(format: Format?, maps: [String] = [], delimiter: String? = nil, decimalComma: Bool = false)
        throws(OptionError)
    {
        self.format = format
        self.delimiter = try Self.delimiter(delimiter, decimalComma: decimalComma)
        var pairs: [(field: String, column: String)] = []
        var mapped = Set<ImportField>()
        for m in maps {
            let parts = m.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else {
                throw OptionError("--map: expected FIELD=COLUMN, e.g. --map ref=Invoice (got '\(OrderError.clip(m))')")
            }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard let field = ImportField(column: name.lowercased()) else {
                throw OptionError(
                    "invalid --map '\(OrderError.clip(m))': unknown field \(OrderError.clip(name)) (fields: \(NativeFormat.columns.joined(separator: ", ")))"
                )
            }
            guard mapped.insert(field).inserted else {
                throw OptionError("invalid --map '\(OrderError.clip(m))': \(field.name) is mapped twice")
            }
            pairs.append((name, parts[1]))
        }
        if !pairs.isEmpty, let format, format != .native {
            throw OptionError("--map reads a CSV of your own; it does not go with --format \(format.rawValue)")
        }
        self.maps = pairs
    }

    static func delimiter(_ text: String?, decimalComma: Bool) throws(OptionError) -> UInt8 {
        guard let text else { return UInt8(ascii: decimalComma ? ";" : ",") }
        if text == "tab" { return 9 }
        let bytes = Array(text.utf8)
        guard bytes.count == 1, ![UInt8(ascii: "\""), 10, 13].contains(bytes[0]), bytes[0] < 0x80 else {
            throw OptionError(
                "--delimiter: expected one ASCII character other than a quote or a line end, or 'tab' (got '\(OrderError.clip(text))')"
            )
        }
        return bytes[0]
    }

    /// `--map-status FROM=TO` texts, by the key the importer looks statuses up with.
    public static func statusMap(_ texts: [String]) throws(OptionError) -> [String: OrderStatus] {
        var map: [String: OrderStatus] = [:]
        for m in texts {
            let parts = m.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw OptionError(
                    "--map-status: expected FROM=TO, e.g. --map-status refunded=cancelled (got '\(OrderError.clip(m))')"
                )
            }
            do {
                map[ImportOptions.statusKey(parts[0])] = try OrderStatus.parse(
                    parts[1].trimmingCharacters(in: .whitespaces))
            } catch {
                throw OptionError("--map-status \(OrderError.clip(m)): \(error)")
            }
        }
        return map
    }

    /// The format a file's name says: JSON Lines for `.jsonl` and `.ndjson`, gzip-compressed
    /// or not; nil for anything else (a CSV, whose header tells native from Shopify).
    public static func format(forName path: String) -> Format? {
        let lower = path.lowercased().replacingOccurrences(of: ".gz", with: "", options: [.anchored, .backwards])
        return lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") ? .jsonl : nil
    }

    /// The source that reads `input` as this spec says, its header read and checked.
    public func open(_ input: ImportInput, path: String) throws(MalformedInput) -> ImportSource {
        let chosen = format ?? Self.format(forName: path)
        if chosen == .jsonl { return JSONLImportSource(input) }
        let mode: CSVImportSource.Mode =
            !maps.isEmpty ? .mapped(maps) : chosen == .shopify ? .shopify : .native
        do {
            return try CSVImportSource(
                try input.csvReader(delimiter: delimiter), mode: mode, detect: format == nil, input: input)
        } catch {
            throw MalformedInput(input, error)
        }
    }
}

/// Input an import cannot read as asked: malformed CSV, a line too long, an empty file,
/// a header that is not the format's or lacks a column `--map` names. Nothing was
/// imported; the text names the input and the line.
public struct MalformedInput: Error, CustomStringConvertible {
    public let description: String

    public init(_ input: ImportInput, _ error: any Error) {
        var problem = "\(error)"
        if let read = error as? CSVReadError, case .io = read.kind, let detail = input.lastError {
            problem = "cannot read it (line \(read.line)): \(detail)"
        }
        description = "\(input.name): \(problem); nothing was imported"
    }
}
