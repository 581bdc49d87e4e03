/// Errors in the domain. Each text reads well after "Error: ", names the thing and
/// the value, and says what to do where it can.
public enum OrderError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidValue(field: String, value: String, reason: String)
    case missingValue(field: String, hint: String)
    case unknownProduct(sku: String, near: [String] = [])
    case unknownCustomer(String, near: [String] = [])
    case unknownCustomerEmail(String, near: [String] = [])
    case ambiguousCustomer(String, matches: Int)
    case unknownOrder(ref: String)
    case unknownShop(String, known: [String])
    case duplicateRef(ref: String)
    case duplicateSKU(sku: String)
    case duplicateEmail(email: String)
    case conflictingLines(sku: String)
    case notEnoughStock(sku: String, requested: Int64, available: Int64)
    case stockBelowReserved(sku: String, requested: Int64, reserved: Int64)
    case productNotTracked(sku: String)
    case inactiveProduct(sku: String)
    case dueBeforeOrder(due: String, placed: String)
    case unknownSetting(key: String, known: [String])
    case currencyInUse(current: String)
    case noDatabase(path: String)
    case databaseNotOrderctl(path: String, reason: String)
    case newerSchema(path: String, version: Int, supported: Int)
    /// Another program held the database's write lock for longer than the busy timeout.
    case databaseBusy(path: String)
    /// A file the data-safety commands (backup, restore, doctor) cannot use as asked.
    case file(path: String, problem: String)
    case illegalTransition(ref: String, action: String, status: String, allowed: [String])
    case refused(ref: String, action: String, reason: String)
    /// `ship` with --tracking for more than one order.
    case trackingForSeveralOrders
    /// `doctor --repair` could not take its backup first.
    case repairWithoutBackup(reason: String)
    /// `backup` of a file marked damaged.
    case damagedNotBackedUp(path: String, mark: String)

    public var description: String {
        switch self {
        case .invalidValue(let field, let value, let reason):
            return "invalid \(field) '\(Self.clip(value))': \(reason)"
        case .missingValue(let field, let hint):
            return "missing \(field)" + (hint.isEmpty ? "" : " (\(hint))")
        case .unknownProduct(let sku, let near):
            return "unknown SKU '\(Self.clip(sku))'" + Self.nearText(near)
                + " (see 'orderctl product list', or add it with 'orderctl product add')"
        case .unknownCustomer(let text, let near):
            return "no customer matches '\(Self.clip(text))'" + Self.nearText(near) + " (see 'orderctl customer list')"
        case .unknownCustomerEmail(let email, let near):
            return "no customer with email '\(Self.clip(email))'" + Self.nearText(near)
                + " (add --create-customer to create one, or 'orderctl customer add')"
        case .ambiguousCustomer(let text, let matches):
            return "'\(Self.clip(text))' matches \(matches) customers by name; use the customer's id or email"
        case .unknownOrder(let ref):
            return "no order with ref '\(Self.clip(ref))' (see 'orderctl list')"
        case .unknownShop(let name, let known):
            return "no shop named '\(Self.clip(name))'"
                + (known.isEmpty
                    ? " (add one with 'orderctl shop add')"
                    : " (shops: \(known.joined(separator: ", ")); see 'orderctl shop list')")
        case .duplicateRef(let ref):
            return "an order with ref '\(Self.clip(ref))' already exists"
        case .duplicateSKU(let sku):
            return "a product with SKU '\(Self.clip(sku))' already exists (use 'orderctl product update')"
        case .duplicateEmail(let email):
            return "a customer with email '\(Self.clip(email))' already exists"
        case .conflictingLines(let sku):
            return "SKU \(Self.clip(sku)) is given twice with different prices; give it once with the full quantity"
        case .notEnoughStock(let sku, let requested, let available):
            return
                "not enough stock for SKU \(Self.clip(sku)): \(requested) requested, \(available) available (use --backorder to accept anyway)"
        case .stockBelowReserved(let sku, let requested, let reserved):
            return
                "cannot set stock of SKU \(Self.clip(sku)) to \(requested): \(reserved) units are reserved by open orders"
        case .productNotTracked(let sku):
            return
                "SKU \(Self.clip(sku)) does not track stock (use 'orderctl product update \(Self.clip(sku)) --track-stock')"
        case .inactiveProduct(let sku):
            return
                "SKU \(Self.clip(sku)) is discontinued (use 'orderctl product update \(Self.clip(sku)) --active' to sell it again)"
        case .dueBeforeOrder(let due, let placed):
            return "invalid due date \(due): before the order date \(placed)"
        case .unknownSetting(let key, let known):
            return "unknown setting '\(Self.clip(key))' (known: \(known.joined(separator: ", ")))"
        case .currencyInUse(let current):
            return "cannot change the currency from \(current): the database already holds products or orders"
        case .noDatabase(let path):
            return "no database at \(path) (create one with 'orderctl init', or name another with --db)"
        case .databaseNotOrderctl(let path, let reason):
            return "\(path) is not an orderctl database: \(reason)"
        case .illegalTransition(let ref, let action, let status, let allowed):
            return "cannot \(action) order \(Self.clip(ref)): it is \(status)"
                + (allowed.isEmpty ? "" : " (allowed next: \(allowed.joined(separator: ", ")))")
        case .refused(let ref, let action, let reason):
            return "cannot \(action) order \(Self.clip(ref)): \(reason)"
        case .newerSchema(let path, let version, let supported):
            return
                "\(path) has schema version \(version), newer than this orderctl supports (\(supported)); upgrade orderctl"
        case .file(let path, let problem):
            return "\(path): \(problem)"
        case .repairWithoutBackup(let reason):
            return
                "doctor --repair backs up first, and that failed (\(reason)); nothing was changed. A damaged file is mended by 'orderctl restore FILE', not by --repair"
        case .damagedNotBackedUp(let path, let mark):
            return
                "\(path) is marked damaged (\(mark)), so it is not backed up: restore a good backup ('orderctl restore FILE'), or once 'orderctl doctor --full' finds the file whole, clear the mark with 'orderctl doctor --repair'"
        case .trackingForSeveralOrders:
            return "a tracking number belongs to one order: ship one ref at a time with --tracking"
        case .databaseBusy:
            return
                "the database is busy: another program has been writing to it for over \(Database.busyTimeoutMilliseconds / 1000) seconds; nothing was changed, try again"
        }
    }

    /// "; did you mean 'MUG-01'?" for the nearest known names, or nothing.
    static func nearText(_ near: [String]) -> String {
        guard !near.isEmpty else { return "" }
        let quoted = near.map { "'\(clip($0))'" }
        return "; did you mean "
            + (quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!) + "?"
    }

    /// Keeps error lines one line long and readable, whatever the user typed.
    public static func clip(_ text: String) -> String {
        var oneLine = ""
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" || scalar == "\t" {
                oneLine.append(" ")
            } else if scalar.properties.generalCategory == .control || Validate.isBidiControl(scalar) {
                oneLine += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                oneLine.unicodeScalars.append(scalar)
            }
        }
        return oneLine.count > 80 ? String(oneLine.prefix(77)) + "..." : oneLine
    }
}
