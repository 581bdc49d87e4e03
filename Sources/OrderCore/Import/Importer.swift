import Foundation

/// One problem with an input row, as `import` reports it.
public struct ImportIssue: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var value: String
    public var reason: String
    public var description: String {
        value.isEmpty && field != "ref"
            ? "line \(line): \(field): \(reason)" : "line \(line): \(field) '\(OrderError.clip(value))': \(reason)"
    }
}

public struct ImportOptions: Sendable {
    /// Import the valid orders and report the others, instead of all or nothing.
    public var skipInvalid = false
    /// Check everything, change nothing.
    public var dryRun = false
    /// Bring orders already present forward to the file's status and payment.
    public var update = false
    /// Orders arriving from a shop (`sync`, `serve`), not history: a new order comes in
    /// as `add` makes it (stock reserved, backordered where short, since the shop has
    /// sold it) and moves through the lifecycle to its status, as `update` moves one
    /// already present. Implies `update`.
    public var live = false {
        didSet { if live { update = true } }
    }
    /// How dates and times are written (`--date-format`); nil: ISO 8601.
    public var dateFormat: DateFormat?
    /// The zone of times without an offset (`--timezone`); nil: the shop's.
    public var timeZone: TimeZone?
    /// The currency of amounts when the input has no currency (`--currency`).
    public var currency: Currency?
    /// `--map-status FROM=TO`: statuses of other tools, folded (see `statusKey`).
    public var statusMap: [String: OrderStatus] = [:]
    /// `--decimal-comma`: amounts written 12,50. A point as well (1.234,50) is refused,
    /// as thousands separators always are.
    public var decimalComma = false

    /// An amount's text as Money.parse reads it.
    func amountText(_ text: String) -> String {
        decimalComma && !text.contains(".") ? text.replacingOccurrences(of: ",", with: ".") : text
    }
    public init() {}

    /// "On Hold", "on_hold", "on-hold" alike.
    public static func statusKey(_ text: String) -> String {
        String(text.trimmingCharacters(in: .whitespaces).lowercased().map { $0 == "_" || $0 == " " ? "-" : $0 })
    }

    /// The statuses other order tools write whose meaning here is clear (WooCommerce,
    /// Shopify, marketplaces). `refunded` and `returned` are not among them: an order is
    /// refunded or returned before or after it ships, so --map-status says which.
    public static let statusAliases: [String: OrderStatus] = [
        "failed": .cancelled, "trash": .cancelled, "void": .cancelled, "voided": .cancelled, "declined": .cancelled,
        "pending-payment": .pending, "awaiting-payment": .pending, "checkout-draft": .pending, "draft": .pending,
        "new": .pending,
        "paid": .confirmed, "accepted": .confirmed, "approved": .confirmed, "awaiting-fulfillment": .confirmed,
        "awaiting-shipment": .confirmed,
        "partially-shipped": .processing, "partially-fulfilled": .processing,
        "fulfilled": .shipped, "sent": .shipped, "dispatched": .shipped, "in-transit": .shipped,
        "complete": .completed, "closed": .completed,
        "onhold": .onHold, "on-hold": .onHold,
    ]

    /// A status as a file writes it: orderctl's own, then --map-status, then the aliases.
    /// The second value is set when it was mapped.
    public func status(_ text: String) -> (status: OrderStatus, mapped: Bool)? {
        let key = Self.statusKey(text)
        if let s = statusMap[key] { return (s, true) }
        if let s = try? OrderStatus.parse(text) { return (s, false) }
        if let s = Self.statusAliases[key] { return (s, true) }
        return nil
    }
}

/// Every input row is accounted for: read = imported + rejected + duplicates.
public struct ImportSummary: Sendable, Equatable {
    public var rowsRead = 0
    public var rowsImported = 0
    public var rowsRejected = 0
    public var rowsDuplicate = 0
    public var ordersImported = 0
    public var ordersRejected = 0
    public var ordersDuplicate = 0
    public var ordersUpdated = 0
    public var rowsUpdated = 0
    public var customersCreated = 0
    public var productsCreated = 0
    /// The first `ImportSummary.kept` issues and warnings; the counts say how many in all.
    public var issues: [ImportIssue] = []
    public var warnings: [String] = []
    public var issueCount = 0
    public var warningCount = 0
    /// Memory stays flat however many rows are bad: only this many are kept to show.
    public static let kept = 1000
    /// True when the changes were kept (not a dry run, and not refused whole).
    public var committed = false
    /// How many issues there were of each kind ("quantity: expected a whole number"),
    /// the first `reasonsKept` kinds; the rest count under `otherReasons`.
    public var reasons: [String: Int] = [:]
    public var otherReasons = 0
    /// Statuses read as another ("failed -> cancelled"), with how many orders.
    public var statusesMapped: [String: Int] = [:]
    public static let reasonsKept = 500

    /// The input did not fit and none of it stands (import exits 65): invalid rows in an
    /// all-or-nothing import, or, with `skipInvalid`, no order kept (new, updated or
    /// already here). A --skip-invalid import that kept some is a success.
    public func refused(skipInvalid: Bool) -> Bool {
        guard issueCount > 0 else { return false }
        let keptSome = ordersImported > 0 || ordersUpdated > 0 || ordersDuplicate > 0
        return !skipInvalid || !keptSome
    }
}

/// A rejected input row, to write to the rejects file: the record as read, and why.
public struct RejectedRow: Sendable {
    public var line: Int
    public var fields: [String]
    /// A JSON line's text.
    public var text: String?
    public var reason: String
}

/// Imports orders from an `ImportSource` (native CSV, mapped CSV, JSON Lines, Shopify)
/// in one transaction, streaming: rows are read and checked on a second thread and
/// written here, with only a window of recent orders and a short queue in memory (see
/// `pipeline`). Historic orders keep their statuses and times, with matching events;
/// they do not move stock. Unknown customers and products are created (products
/// without stock tracking).
public final class Importer {
    let store: OrderStore
    let options: ImportOptions
    var summary = ImportSummary()
    /// Refs of orders rejected in this run, and the line where each began.
    var rejectedRefs: [String: Int] = [:]
    /// Orders with an id above this were created by this run.
    var firstNewID: Int64 = 0
    var chain: ChainCursor!
    /// The rows of new orders but the order row itself (which the import looks up by
    /// ref), written many at a time (see BulkInsert), with ids given here.
    var eventRows: BulkInsert!
    var orderLineRows: BulkInsert!
    var paymentRows: BulkInsert!
    var shipmentRows: BulkInsert!
    var shipmentLineRows: BulkInsert!
    var nextLineID: Int64 = 0
    /// The time of the import, for created_at and updated_at: one for all its rows.
    lazy var nowText = store.nowText
    var nextShipmentID: Int64 = 0

    func startBulk() throws {
        let db = store.db
        eventRows = BulkInsert(db, table: "order_events", columns: EventWriter.columns)
        orderLineRows = BulkInsert(
            db, table: "order_lines",
            columns: [
                "id", "order_id", "line_no", "product_id", "sku", "name", "quantity",
                "unit_price", "line_total", "price_source", "shipped",
            ])
        paymentRows = BulkInsert(
            db, table: "payments", columns: ["order_id", "kind", "amount", "method", "reason", "at"])
        shipmentRows = BulkInsert(
            db, table: "shipments", columns: ["id", "order_id", "carrier", "tracking", "shipped_at", "delivered_at"])
        shipmentLineRows = BulkInsert(
            db, table: "shipment_lines", columns: ["shipment_id", "order_line_id", "quantity"])
        shipmentLineRows.dependsOn = [orderLineRows, shipmentRows]
        nextLineID = try db.scalarInt("SELECT coalesce(max(id), 0) + 1 FROM order_lines")
        nextShipmentID = try db.scalarInt("SELECT coalesce(max(id), 0) + 1 FROM shipments")
    }

    /// Writes every gathered row: before anything reads those tables.
    func flushBulk() throws {
        for rows in [eventRows, orderLineRows, paymentRows, shipmentRows, shipmentLineRows] { try rows?.flush() }
    }
    var statusDurations: [StatusStay: Int] = [:]
    /// Products by lower-cased SKU (bounded; cleared when it grows large).
    var products: [String: Product] = [:]
    var sparse = false

    /// The shop's settings, read once per import instead of once per order.
    struct Shop {
        var currency: Currency
        var dates: DateResolver
        var rules: ClassificationRules
    }
    let shop: Shop

    public init(store: OrderStore, options: ImportOptions) throws {
        self.store = store
        self.options = options
        var dates = try store.dateResolver()
        if let zone = options.timeZone { dates = DateResolver(now: dates.now, zone: zone) }
        shop = Shop(currency: try store.currency(), dates: dates, rules: try store.classificationRules())
        if let c = options.currency, c != shop.currency {
            throw OrderError.invalidValue(
                field: "--currency", value: c.code,
                reason: "the shop keeps its accounts in \(shop.currency.code); convert the amounts before importing")
        }
    }

    /// Thrown to roll the transaction back: a dry run, or an all-or-nothing import
    /// with invalid rows.
    struct KeepNothing: Error {}

    /// How many orders stay open for more rows (see `run`), and how many rows at most.
    static let window = 16
    static let cacheKiB = 16 * 1024
    static let maxOpenRows = 20_000

    /// Reads everything, in one transaction; `rejected` receives each rejected input
    /// row, and `progress` the count of rows read, now and then.
    /// `beforeCommit` runs inside the transaction once every row is done (the rejects
    /// file is completed there): if it fails, nothing is imported.
    public func run(
        _ source: ImportSource, rejected: (RejectedRow) throws -> Void,
        progress: ((Int, Int64) -> Void)? = nil, beforeCommit: () throws -> Void = {}
    ) throws -> ImportSummary {
        sparse = source.sparseOrderFields
        // A bigger page cache for the one long transaction (SQLite's default is 2 MiB):
        // the indexes being filled stay in memory instead of spilling to the WAL early.
        // Inside a caller's transaction (a sync's page) neither pragma may change.
        let own = !store.db.isInTransaction
        if own { try store.db.execute("PRAGMA cache_size = -\(Self.cacheKiB)") }
        // A statement journal (the pages a statement changes, as they were, to undo it
        // alone) stays in memory: on disk, SQLite's default, the many-row INSERTs' journals
        // cost five times the writes of the import itself. With foreign keys off and
        // INSERT OR FAIL (BulkInsert) none is needed; this keeps any that is small.
        if own { try store.db.execute("PRAGMA temp_store = MEMORY") }
        // Foreign keys are checked once for all new rows before the commit (see
        // ReferenceCheck). The pragma is a no-op inside a transaction: a caller's
        // transaction keeps them on, and the check below is then redundant, not wrong.
        // Not run inside one either: setting the pragma expires every prepared statement
        // of the connection, and a sync applies each order of a page through here (its
        // statements were prepared again for every order: 45% of a sync's time).
        if own { try store.db.execute("PRAGMA foreign_keys = OFF") }
        defer { if own { try? store.db.execute("PRAGMA foreign_keys = ON") } }
        do {
            try store.write {
                chain = try ChainCursor(store.db)
                let references = try ReferenceCheck(store.db)
                try startBulk()
                firstNewID = try store.db.scalarInt("SELECT coalesce(max(id), 0) + 1 FROM orders")
                // New orders get their status times as their history is written (see
                // applyHistory); the lifecycle actions of --update and of a shop's orders
                // need the trigger, and turn it on while they run (`withStatusTrigger`).
                try StatusTimes.defer(store.db)
                try pipeline(source, rejected: rejected, progress: progress)
                try flushBulk()
                try flushStatusDurations()
                try StatusTimes.resume(store.db)
                try references.verify(store.db)
                try chain.save(store)
                try beforeCommit()
                if options.dryRun || (summary.issueCount > 0 && !options.skipInvalid) { throw KeepNothing() }
            }
            summary.committed = true
        } catch is KeepNothing {
            summary.committed = false
        }
        return summary
    }

    // MARK: two stages

    /// Reading and checking (stage 1, `OrderParser`) runs on a thread of its own while
    /// this one writes (stage 2, `commit`): the two take about as long, and the machine
    /// has a core for each. A bounded queue between them keeps memory flat.
    func pipeline(_ source: ImportSource, rejected: (RejectedRow) throws -> Void, progress: ((Int, Int64) -> Void)?)
        throws
    {
        let parser = OrderParser(
            currency0: shop.currency, dates: shop.dates, options: options, sparse: source.sparseOrderFields)
        let queue = OrderQueue(capacity: 8)
        let input = UncheckedBox(source)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { finished.signal() }
            do {
                try Self.read(input.value, parser: parser, into: queue)
            } catch {
                _ = queue.put(.failure(error))
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
        var readerDone = false
        defer {
            queue.close()  // stops the reader if this side stops early
            // Wait for the reader only when it has finished: after a write error it may
            // be blocked reading a pipe, and the error must not wait for more input.
            if readerDone { finished.wait() }
        }
        var lastProgress = 0
        while true {
            switch queue.take() {
            case .orders(let batch, let bytes):
                for prepared in batch {
                    summary.rowsRead = prepared.rowsRead
                    try commit(prepared, rejected: rejected)
                }
                if let progress, summary.rowsRead - lastProgress >= 4096 {
                    lastProgress = summary.rowsRead
                    progress(summary.rowsRead, bytes)
                }
            case .end(let rowsRead):
                readerDone = true
                summary.rowsRead = rowsRead
                return
            case .failure(let error):
                readerDone = true
                throw error
            }
        }
    }

    /// Stage 1: groups rows into orders and checks them. Orders stay open for more rows,
    /// oldest first: real exports interleave the rows of neighbouring orders now and then
    /// (an invoice that spans two timestamps), so rows join their order while it is among
    /// the last `window` orders begun. Memory stays bounded by that window.
    static func read(_ source: ImportSource, parser: OrderParser, into queue: OrderQueue) throws {
        var open: [(ref: String, rows: [ImportRow])] = []
        var openRows = 0
        var rowsRead = 0
        // Orders travel in batches: one handover per order would cost more in thread
        // wake-ups than it saves.
        var batch: [Prepared] = []
        func flushOldest() -> Bool {
            let group = open.removeFirst()
            openRows -= group.rows.count
            batch.append(parser.prepare(group.rows, rowsRead: rowsRead))
            guard batch.count >= 64 else { return true }
            defer { batch.removeAll(keepingCapacity: true) }
            return queue.put(.orders(batch, source.bytesRead))
        }
        while let row = try source.next() {
            rowsRead += row.weight
            let ref = fold(row[.ref] ?? "")
            if !row.startsOrder, let i = open.lastIndex(where: { $0.ref == ref }) {
                open[i].rows.append(row)
            } else {
                open.append((ref, [row]))
            }
            openRows += 1
            while open.count > window || (openRows > maxOpenRows && open.count > 1) {
                guard flushOldest() else { return }
            }
        }
        while !open.isEmpty {
            guard flushOldest() else { return }
        }
        if !batch.isEmpty { guard queue.put(.orders(batch, source.bytesRead)) else { return } }
        _ = queue.put(.end(rowsRead))
    }

    // MARK: one order

    struct ParsedLine: Sendable {
        var sku: String
        var name: String?
        var quantity: Int64
        var price: Money?
        /// Units shipped, when the input says (JSON Lines `shipped`, Shopify).
        var shipped: Int64?
    }

    /// What an order's history was, as far as the input tells.
    struct Plan {
        var status: OrderStatus
        var paid: Int64  // 0: nothing paid
        var paidAt: Date?
        var refund: Int64
        /// Units to ship per line; all zero: nothing shipped.
        var ship: [Int64]
        var shippedAt: Date?
        var deliveredAt: Date?
        var cancelledAt: Date?
        var carrier: String?
        var tracking: String?
        /// Each line's SKU, as `ship` counts them.
        var skus: [String] = []
    }

    /// Writes one prepared order: the second stage.
    /// One order's rows: checked whole before anything is written (a refusal rejects the
    /// order and leaves no customer or product behind), then planned and written.
    func commit(_ p: Prepared, rejected: (RejectedRow) throws -> Void) throws {
        let rows = p.rows
        for w in p.warnings { warn(w) }
        if let m = p.mappedStatus, summary.statusesMapped.count < 100 || summary.statusesMapped[m] != nil {
            summary.statusesMapped[m, default: 0] += 1
        }
        guard let v = p.values, p.issues.isEmpty else {
            try reject(rows, p.issues, rejected: rejected)
            return
        }
        do {
            if let earlier = rejectedRefs[Self.fold(v.ref)] {
                throw Refusal(
                    rows[0].line, "ref", v.ref,
                    "the rows of this order are not together (it also appears at line \(earlier))")
            }
            let priced = try priceLines(v, rows)
            let plan = try historyPlan(v, rows, priced)
            if try settleExisting(v, rows, plan, priced, rejected: rejected) { return }
            let customerID = try importCustomer(v, rows)
            let drafts = try lineDrafts(v, priced)
            if options.live {
                guard try insertLive(v, rows, priced, plan, customerID: customerID, drafts: drafts, rejected: rejected)
                else { return }
            } else {
                try insertOrder(v, rows, priced, plan, customerID: customerID, drafts: drafts)
            }
        } catch let refusal as Refusal {
            try reject(rows, [refusal.issue], rejected: rejected)
            return
        }
        summary.rowsImported += weight(rows)
        summary.ordersImported += 1
    }

    /// Why an order is rejected, found before anything of it is written.
    struct Refusal: Error {
        let issue: ImportIssue
        init(_ line: Int, _ field: String, _ value: String, _ why: String) {
            issue = ImportIssue(line: line, field: field, value: value, reason: why)
        }
    }

    /// The order's lines with their products (nil: new, to be created), prices and totals.
    struct PricedLines {
        var known: [Product?]
        var prices: [Money]
        var total: Int64
        var units: Int64
    }

    /// Every line's product exists or can be created, and the total fits.
    func priceLines(_ v: Prepared.Values, _ rows: [ImportRow]) throws -> PricedLines {
        let first = rows[0]
        let lines = v.lines
        let lineRows = v.lineRows
        // Everything is checked before anything is written, so that a rejected order
        // leaves no customer or product behind.
        var known: [Product?] = []
        for (i, l) in lines.enumerated() {
            let p = try product(l.sku)
            if p == nil {
                guard l.price != nil else {
                    throw Refusal(rows[lineRows[i]].line, "unit_price", "", "a new product \(l.sku) needs a price")
                }
                do { _ = try Validate.name(l.name ?? l.sku, field: "product_name") } catch {
                    throw Refusal(rows[lineRows[i]].line, "product_name", l.name ?? "", reason(error))
                }
            }
            known.append(p)
        }
        let prices = lines.indices.map { lines[$0].price ?? known[$0]!.price }
        var total: Int64 = 0
        var units: Int64 = 0
        for (l, price) in zip(lines, prices) {
            let (lineTotal, o1) = price.minor.multipliedReportingOverflow(by: l.quantity)
            let (sum, o2) = total.addingReportingOverflow(lineTotal)
            guard !o1, !o2, sum <= Money.maxMinor else {
                throw Refusal(first.line, "quantity", "", "the order's total is too large")
            }
            total = sum
            units += l.quantity
        }
        return PricedLines(known: known, prices: prices, total: total, units: units)
    }

    /// What the file says happened to the order (payments, refunds, shipments, its
    /// status), made consistent with its lines and total.
    func historyPlan(_ v: Prepared.Values, _ rows: [ImportRow], _ priced: PricedLines) throws -> Plan {
        let total = priced.total
        let units = priced.units
        let ref = v.ref
        let first = rows[0]
        let currency = v.currency
        let paidAt = v.paidAt
        let shippedAt = v.shippedAt
        let deliveredAt = v.deliveredAt
        let cancelledAt = v.cancelledAt
        let payment = v.payment
        let carrier = v.carrier
        let shopTotal = v.shopTotal
        let outstanding = v.outstanding
        let refundedTotal = v.refundedTotal
        let paidTotal = v.paidTotal
        let lines = v.lines
        // The history: payments, refunds, shipments, the status.
        var status = v.status
        var paid: Int64 = 0
        switch payment {
        case .paid?, .partiallyRefunded?, .refunded?: paid = total
        case .partiallyPaid?:
            if let shopTotal, let outstanding {
                paid = max(0, min(total, shopTotal - outstanding))
            } else if paidTotal == nil {
                warn(
                    "line \(first.line): payment_status partially_paid: the file does not say how much; order \(ref) is imported as unpaid"
                )
            }
        case .unpaid?: paid = 0
        case nil: paid = (paidAt != nil || status == .completed) ? total : 0
        }
        if let paidTotal {
            guard paidTotal <= total else {
                throw Refusal(
                    first.line, "paid_total", first[.paidTotal] ?? "",
                    "more than the order's total \(Money(minor: total, currency: currency))")
            }
            paid = paidTotal
        }
        var refund: Int64 = 0
        if let refundedTotal, refundedTotal > 0 {
            if refundedTotal > paid {
                guard paidTotal == nil else {
                    throw Refusal(
                        first.line, "refunded_total", first[.refundedTotal] ?? "",
                        "more than was paid (\(Money(minor: paid, currency: currency)))")
                }
                // A full refund also returns shipping and taxes: no news. A partial one
                // that is more than the goods is worth a word.
                if payment != .refunded {
                    warn(
                        "line \(first.line): order \(ref): a refund of \(Money(minor: refundedTotal, currency: currency)) is more than the \(Money(minor: paid, currency: currency)) of goods paid (shipping and taxes are not in orderctl's totals); imported as \(Money(minor: paid, currency: currency))"
                    )
                }
            }
            refund = min(refundedTotal, paid)
        } else if payment == .refunded && paidTotal == nil {
            refund = paid
        } else if payment == .partiallyRefunded && paidTotal == nil {
            warn(
                "line \(first.line): payment_status partially_refunded: the file does not say how much; order \(ref) is imported as paid"
            )
        }
        // Shipped, delivered and completed orders shipped everything; processing and
        // held orders what their lines say.
        var ship = lines.map { _ in Int64(0) }
        if [.shipped, .delivered, .completed].contains(status) {
            ship = lines.map(\.quantity)
        } else if status == .processing || status == .onHold {
            ship = lines.map { $0.shipped ?? 0 }
        }
        let shippedUnits = ship.reduce(0, +)
        if shippedUnits == units && (status == .processing || status == .onHold) {
            throw Refusal(
                first.line, "status", status.rawValue,
                "\(status.rawValue) means not everything has shipped, but every line is shipped in full")
        }
        if status == .processing && shippedUnits == 0 {
            warn(
                "line \(first.line): order \(ref) is processing (partly shipped), but the file does not say which units shipped; imported as confirmed"
            )
            status = .confirmed
        }
        if status == .completed && paid < total {
            throw Refusal(
                first.line, "status", status.rawValue,
                "completed means delivered and paid in full, but \(Money(minor: paid, currency: currency)) of \(Money(minor: total, currency: currency)) is paid"
            )
        }
        // As in the lifecycle, a delivered order that is paid in full is completed.
        if status == .delivered && paid >= total { status = .completed }
        return Plan(
            status: status, paid: paid, paidAt: paidAt, refund: refund, ship: ship,
            shippedAt: shippedAt, deliveredAt: deliveredAt, cancelledAt: cancelledAt,
            carrier: carrier, tracking: first[.tracking], skus: lines.map(\.sku))
    }

    /// An order already in the database: true when it is settled here (a duplicate, or
    /// moved forward with --update); a conflict is a refusal.
    func settleExisting(
        _ v: Prepared.Values, _ rows: [ImportRow], _ plan: Plan, _ priced: PricedLines,
        rejected: (RejectedRow) throws -> Void
    ) throws -> Bool {
        let ref = v.ref
        let first = rows[0]
        let due = v.due
        let shipping = v.shipping
        let channel = v.channel
        let email = v.email
        let lines = v.lines
        // Already there? The same content is a duplicate; other content a conflict.
        if let existing = try store.db.queryFirst(
            """
            SELECT o.id, o.status, o.paid_total, o.refunded_total, o.shipping, o.due_date, o.note, o.channel, c.email
            FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.ref = ?
            """, ref,
            row: { r in
                (
                    id: r.int64(0), status: r.string(1), paid: r.int64(2), refunded: r.int64(3), shipping: r.string(4),
                    due: r.optionalString(5), note: r.optionalString(6), channel: r.string(7),
                    email: r.optionalString(8)
                )
            })
        {
            if existing.id >= firstNewID {
                throw Refusal(
                    first.line, "ref", ref,
                    "the rows of this order are further apart than \(Self.window) orders: its earlier rows were imported above, these were not (sort the file by ref)"
                )
            }
            let stored = try store.db.query(
                "SELECT sku, quantity, unit_price FROM order_lines WHERE order_id = ? ORDER BY line_no", existing.id
            ) {
                (sku: Self.fold($0.string(0)), quantity: $0.int64(1), price: $0.int64(2))
            }
            // A line without a price takes the catalog's: any stored price matches it.
            let sameLines =
                stored.count == lines.count
                && zip(stored, lines).allSatisfy { s, l in
                    s.sku == Self.fold(l.sku) && s.quantity == l.quantity
                        && (l.price == nil || l.price!.minor == s.price)
                }
            // A shop's order edited there before anything shipped: edited here too.
            let edited =
                try !sameLines && options.live && editLive(existing.id, ref, stored, v, priced, line: first.line)
            guard sameLines || edited else {
                throw Refusal(
                    first.line, "ref", ref,
                    options.live
                        ? "conflict: the shop changed the order's lines, and here \(try shippedUnits(existing.id) > 0 ? "some have shipped" : "they cannot follow (a price changed, or a SKU is twice)"); nothing was changed"
                        : "conflict: an order with this ref exists with other lines; nothing was changed")
            }
            var differs: [String] = []
            if existing.status != plan.status.rawValue {
                differs.append("status (\(existing.status) here, \(plan.status.rawValue) in the file)")
            }
            // A shop's order may have more paid or refunded here (see `advance`): only less is news.
            if options.live
                ? existing.paid < plan.paid || existing.refunded < plan.refund
                : existing.paid != plan.paid || existing.refunded != plan.refund
            {
                differs.append("payments")
            }
            if existing.shipping != shipping { differs.append("shipping") }
            if existing.due != due?.iso { differs.append("due") }
            if existing.note != first[.note] { differs.append("note") }
            if existing.channel != channel { differs.append("channel") }
            if let email, existing.email?.lowercased() != email.lowercased() { differs.append("customer_email") }
            // A shop's order keeps the note, address and email it came with; its status,
            // payments and shipments follow the shop's (`edit` changes the rest).
            if options.live { differs.removeAll { !($0.hasPrefix("status") || $0 == "payments") } }
            if differs.isEmpty && options.live && plan.status == .processing,
                try shippedUnits(existing.id) < plan.ship.reduce(0, +)
            {
                differs.append("status (more shipped)")
            }
            if differs.isEmpty && edited {
                summary.rowsUpdated += weight(rows)
                summary.ordersUpdated += 1
                return true
            }
            if differs.isEmpty {
                summary.rowsDuplicate += weight(rows)
                summary.ordersDuplicate += 1
                return true
            }
            let lifecycle = differs.allSatisfy { $0.hasPrefix("status") || $0 == "payments" }
            if options.update && lifecycle {
                // The lifecycle actions read the order's rows: they must all be written.
                try flushBulk()
                try update(ref: ref, plan: plan, rows: rows, rejected: rejected)
                return true
            }
            let hint =
                lifecycle
                ? "--update applies the file's status and payments"
                : "--update applies status and payments only; change the rest with orderctl edit"
            throw Refusal(
                first.line, differs[0].hasPrefix("status") ? "status" : "ref",
                differs[0].hasPrefix("status") ? plan.status.rawValue : ref,
                "conflict: order \(ref) differs here in \(differs.joined(separator: ", ")); nothing was changed (\(hint))"
            )
        }
        return false
    }

    /// The lines of a shop's order that the shop edited (`live`): when nothing has shipped
    /// yet, each line at the same price, and each SKU once, the lines here follow through
    /// `edit` (reservations follow, backordered where the shelf is short). False when
    /// they cannot (a conflict); an edit the lifecycle refuses is a refusal.
    func editLive(
        _ orderID: Int64, _ ref: String, _ stored: [(sku: String, quantity: Int64, price: Int64)],
        _ v: Prepared.Values, _ priced: PricedLines, line: Int
    ) throws -> Bool {
        let lines = v.lines
        let given = lines.map { Self.fold($0.sku) }
        guard try shippedUnits(orderID) == 0, Set(given).count == given.count,
            Set(stored.map(\.sku)).count == stored.count,
            lines.allSatisfy({ !$0.sku.contains(":") && !$0.sku.contains("@") })
        else { return false }
        var change = OrderEdit()
        change.backorder = true
        for s in stored where !given.contains(s.sku) { change.remove.append(s.sku) }
        for (i, l) in lines.enumerated() {
            if let s = stored.first(where: { $0.sku == given[i] }) {
                if let price = l.price, price.minor != s.price { return false }
                if s.quantity != l.quantity { change.set.append("\(l.sku):\(l.quantity)") }
            } else {
                change.add.append("\(l.sku):\(l.quantity)@\(priced.prices[i].decimalString)")
            }
        }
        _ = try lineDrafts(v, priced)  // the products a new line brings
        do {
            // As a lifecycle step: the bulk rows written first, the status trigger on, the
            // next line id taken past the edit's lines, and the chain read again after it
            // (the edit's events moved the head the import saves at its end).
            try withStatusTrigger { _ = try store.edit(ref, change) }
            try chain.reload(store.db)
        } catch let e as OrderError {
            try chain.reload(store.db)
            throw Refusal(line, "lines", ref, "cannot edit the order as the shop did: \(e)")
        }
        return true
    }

    func shippedUnits(_ orderID: Int64) throws -> Int64 {
        try store.db.scalarInt("SELECT coalesce(sum(shipped), 0) FROM order_lines WHERE order_id = ?", orderID)
    }

    /// The order's customer: by email, else by external reference, else by exact name,
    /// else new.
    func importCustomer(_ v: Prepared.Values, _ rows: [ImportRow]) throws -> Int64 {
        let first = rows[0]
        let email = v.email
        let country = v.country
        let region = v.region
        // Orders with no customer at all go to one anonymous placeholder.
        let externalRef = first[.customerRef]
        if let externalRef,
            externalRef.count > 64
                || externalRef.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 32 } == true })
        {
            throw Refusal(
                first.line, "customer_ref", externalRef,
                "expected a customer number or code of at most 64 characters on one line")
        }
        let anonymous =
            (first[.customerName] == nil || first[.customerName] == "Imported customer") && email == nil
            && externalRef == nil
        let name =
            first[.customerName] ?? email.map { String($0.prefix { $0 != "@" }) } ?? externalRef.map {
                "Customer \($0)"
            } ?? "Imported customer"
        var customerID: Int64?
        if let email {
            customerID = try store.db.queryFirst("SELECT id FROM customers WHERE email = ?", email) { $0.int64(0) }
        }
        if let id = customerID, let externalRef {
            // Found by email: the file's reference is theirs too, unless another has it.
            try store.db.run(
                "UPDATE customers SET external_ref = ? WHERE id = ? AND external_ref IS NULL AND NOT EXISTS (SELECT 1 FROM customers WHERE external_ref = ?)",
                externalRef, id, externalRef)
        }
        if customerID == nil, let externalRef {
            customerID = try store.db.queryFirst("SELECT id FROM customers WHERE external_ref = ?", externalRef) {
                $0.int64(0)
            }
        }
        if customerID == nil, email == nil, externalRef == nil {
            customerID = try store.db.queryFirst(
                "SELECT id FROM customers WHERE name = ? COLLATE NOCASE AND anonymous = ? ORDER BY id LIMIT 1",
                name, anonymous
            ) { $0.int64(0) }
        }
        if customerID == nil {
            do {
                // Looked up by email above: no need to check again or read it back.
                customerID = try store.insertCustomerRow(
                    NewCustomer(name: name, email: email, country: country, region: region), emailChecked: true,
                    at: nowText)
                if externalRef != nil || anonymous {
                    try store.db.run(
                        "UPDATE customers SET external_ref = ?, anonymous = ? WHERE id = ?", externalRef, anonymous,
                        customerID!)
                }
                summary.customersCreated += 1
            } catch let e as OrderError {
                throw Refusal(first.line, "customer_name", name, reason(e))
            }
        }
        return customerID!
    }

    /// The lines to write, with the products the file brings created (checked above).
    func lineDrafts(_ v: Prepared.Values, _ priced: PricedLines) throws -> [OrderStore.LineDraft] {
        let known = priced.known
        let prices = priced.prices
        let currency = v.currency
        let lines = v.lines
        var drafts: [OrderStore.LineDraft] = []
        for (i, l) in lines.enumerated() {
            var found = known[i]
            if found == nil { found = try product(l.sku) }  // made for an earlier line at another price
            if found == nil {
                try store.db.run(
                    """
                    INSERT INTO products(sku, name, price, currency, track_stock, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)
                    """, l.sku, l.name ?? l.sku, prices[i].minor, currency.code, nowText, nowText)
                found = try product(l.sku, reload: true)
                summary.productsCreated += 1
            }
            let p = found!
            drafts.append(
                OrderStore.LineDraft(
                    product: p, quantity: l.quantity, price: prices[i], overridden: prices[i] != p.price, name: l.name))
        }
        return drafts
    }

    /// The order row, its lines and its history, in one go.
    func insertOrder(
        _ v: Prepared.Values, _ rows: [ImportRow], _ priced: PricedLines, _ plan: Plan, customerID: Int64,
        drafts: [OrderStore.LineDraft]
    ) throws {
        let total = priced.total
        let units = priced.units
        let shippedUnits = plan.ship.reduce(0, +)
        let ref = v.ref
        let first = rows[0]
        let currency = v.currency
        let orderedAt = v.orderedAt
        let due = v.due
        let shipping = v.shipping
        let channel = v.channel
        let country = v.country
        let lines = v.lines
        let dates = shop.dates
        let placed = orderedAt ?? store.now
        let facts = OrderFacts(
            shipping: Shipping(rawValue: shipping)!, placed: LocalDate(placed, in: dates.zone), due: due,
            totalQuantity: units, total: Money(minor: total, currency: currency), customerCountry: country)
        let (orderClass, classReason) = shop.rules.classify(facts)
        let placedText = Instant.format(placed)
        // The order row goes in once, with the figures its history below ends with.
        let fulfilment: FulfilmentStatus =
            shippedUnits == 0 ? .unfulfilled : shippedUnits == units ? .fulfilled : .partial
        let heldFrom: String? =
            plan.status == .onHold ? (shippedUnits == 0 ? OrderStatus.confirmed : .processing).rawValue : nil
        try store.db.run(
            """
            INSERT INTO orders(ref, customer_id, channel, shipping, currency, total, item_count, class, class_reason,
                               due_date, note, placed_at, created_at, updated_at, status, payment_status, fulfilment_status,
                               paid_total, refunded_total, closed_reason, held_from)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, ref, customerID, channel, shipping, currency.code, total, units, orderClass, classReason,
            due?.iso, first[.note], placedText, nowText, nowText, plan.status.rawValue,
            PaymentStatus.derive(total: total, paid: plan.paid, refunded: plan.refund).rawValue, fulfilment.rawValue,
            plan.paid, plan.refund, plan.status == .cancelled ? "imported as cancelled" : nil, heldFrom)
        let orderID = store.db.lastInsertRowID
        var events = EventWriter(store: store, orderID: orderID)
        events.chain = chain
        events.bulk = eventRows
        events.nextSeq = 1
        try events.append(
            "created", new: OrderStatus.pending.rawValue, detail: "imported from line \(first.line)", at: placedText)
        try events.append("classified", new: orderClass, detail: classReason, at: placedText)
        // Historic lines: no reservation and no stock movement; shipped as the plan says.
        var lineIDs: [Int64] = []
        for (i, d) in drafts.enumerated() {
            let id = nextLineID
            nextLineID += 1
            let name: String = d.name ?? d.product.name
            let source: String = d.overridden ? "override" : "catalog"
            let row: [SQLValue] = [
                .integer(id), .integer(orderID), .integer(Int64(i + 1)), .integer(d.product.id), .text(d.product.sku),
                .text(name), .integer(d.quantity), .integer(d.price.minor),
                .integer(d.price.minor * d.quantity), .text(source), .integer(plan.ship[i]),
            ]
            try orderLineRows.add(row)
            lineIDs.append(id)
        }
        try applyHistory(
            orderID: orderID, total: total, placed: placed, plan: plan, lines: lines, lineIDs: lineIDs, events: &events)
    }

    /// A new order from a shop, written as `add` writes one: pending, unpaid, stock
    /// reserved where the product tracks it (backordered where short), then moved
    /// through the lifecycle to the plan's status. False when it was rejected (nothing
    /// of it is kept).
    func insertLive(
        _ v: Prepared.Values, _ rows: [ImportRow], _ priced: PricedLines, _ plan: Plan, customerID: Int64,
        drafts: [OrderStore.LineDraft], rejected: (RejectedRow) throws -> Void
    ) throws -> Bool {
        let first = rows[0]
        let placed = v.orderedAt ?? store.now
        let placedText = Instant.format(placed)
        let dates = shop.dates
        let facts = OrderFacts(
            shipping: Shipping(rawValue: v.shipping)!, placed: LocalDate(placed, in: dates.zone), due: v.due,
            totalQuantity: priced.units, total: Money(minor: priced.total, currency: v.currency),
            customerCountry: v.country)
        let (orderClass, classReason) = shop.rules.classify(facts)
        try flushBulk()
        do {
            try store.write {
                try withStatusTrigger {
                    try store.db.run(
                        """
                        INSERT INTO orders(ref, customer_id, channel, shipping, currency, total, item_count, class,
                                           class_reason, due_date, note, placed_at, created_at, updated_at, payment_status)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, v.ref, customerID, v.channel, v.shipping, v.currency.code, priced.total, priced.units,
                        orderClass, classReason, v.due?.iso, first[.note], placedText, nowText, nowText,
                        PaymentStatus.derive(total: priced.total, paid: 0, refunded: 0).rawValue)
                    let orderID = store.db.lastInsertRowID
                    var events = EventWriter(store: store, orderID: orderID)
                    events.defaultAt = placedText
                    let lines = drafts.count
                    try events.append(
                        "created", new: OrderStatus.pending.rawValue,
                        detail:
                            "from \(v.channel), \(lines) \(lines == 1 ? "line" : "lines"), \(priced.units) \(priced.units == 1 ? "unit" : "units"), total \(Money(minor: priced.total, currency: v.currency))"
                    )
                    try events.append("classified", new: orderClass, detail: classReason)
                    var stockNotes: [String] = []
                    for (i, d) in drafts.enumerated() {
                        if let note = try store.insertLine(d, orderID: orderID, lineNo: i + 1, backorder: true) {
                            stockNotes.append(note)
                        }
                    }
                    if !stockNotes.isEmpty {
                        try events.append("stock-reserved", detail: stockNotes.joined(separator: "; "))
                    }
                    try advance(ref: v.ref, plan: plan, first: first)
                }
            }
            try chain.reload(store.db)
            return true
        } catch let error as OrderError {
            try rejectStep(rows, plan, "cannot apply", error, rejected: rejected)
            return false
        }
    }

    /// Case folding as SQLite's NOCASE does it: ASCII letters only, so that the import
    /// matches refs and SKUs exactly as the database's unique indexes do.
    static func fold(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return text }
        return String(decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }

    func weight(_ rows: [ImportRow]) -> Int { rows.reduce(0) { $0 + $1.weight } }

    func product(_ sku: String, reload: Bool = false) throws -> Product? {
        let key = Self.fold(sku)
        if !reload, let p = products[key] { return p }
        guard let p = try store.findProduct(sku) else { return nil }
        if products.count > 20_000 { products.removeAll(keepingCapacity: true) }
        products[key] = p
        return p
    }

    /// Brings an imported order to its historic status, with the events, payment,
    /// shipment and refund records the lifecycle would have written.
    func applyHistory(
        orderID: Int64, total: Int64, placed: Date, plan: Plan, lines: [ParsedLine], lineIDs: [Int64],
        events: inout EventWriter
    ) throws {
        let currency = shop.currency
        // The order row already holds the final figures; this writes the way there.
        var current = OrderStatus.pending
        var paymentStatus = PaymentStatus.derive(total: total, paid: 0, refunded: 0)
        // What the status trigger keeps, worked out here as the history is written (the
        // trigger is off for the import): when the order entered its status, when it
        // was confirmed, and how long it stayed in each status it left.
        var statusAt = Instant.format(placed)
        var confirmedAt: String?
        var since = Int64(placed.timeIntervalSince1970.rounded(.down))
        func setStatus(_ new: OrderStatus, at: Date?) throws {
            guard new != current else { return }
            let when = at ?? placed
            let stamp = Instant.format(when)
            try events.append("status", old: current.rawValue, new: new.rawValue, detail: "imported", at: stamp)
            let seconds = Int64(when.timeIntervalSince1970.rounded(.down))
            statusDurations[
                StatusStay(status: current.rawValue, hours: max(0, (seconds - since) / 3600)), default: 0] += 1
            if current == .pending && new != .onHold && new != .cancelled && confirmedAt == nil { confirmedAt = stamp }
            statusAt = stamp
            since = seconds
            current = new
        }
        func settlePayment(paid: Int64, refunded: Int64, at: String) throws {
            let derived = PaymentStatus.derive(total: total, paid: paid, refunded: refunded)
            guard derived != paymentStatus else { return }
            try events.append("payment", old: paymentStatus.rawValue, new: derived.rawValue, at: at)
            paymentStatus = derived
        }
        if plan.paid > 0 {
            let at = Instant.format(plan.paidAt ?? placed)
            try paymentRows.add([
                .integer(orderID), .text("payment"), .integer(plan.paid), .text("import"), .null, .text(at),
            ])
            try events.append(
                "paid", new: Money(minor: plan.paid, currency: currency).description, detail: "imported", at: at)
            try settlePayment(paid: plan.paid, refunded: 0, at: at)
        }
        if plan.status == .cancelled {
            try setStatus(.cancelled, at: plan.cancelledAt)
        } else {
            if plan.status != .pending { try setStatus(.confirmed, at: placed) }
            let shipping = plan.ship.indices.filter { plan.ship[$0] > 0 }
            if !shipping.isEmpty {
                let at = Instant.format(plan.shippedAt ?? placed)
                let delivered = plan.status.hasArrived
                let shipmentID = nextShipmentID
                nextShipmentID += 1
                func text(_ s: String?) -> SQLValue { s.map(SQLValue.text) ?? .null }
                try shipmentRows.add([
                    .integer(shipmentID), .integer(orderID), text(plan.carrier), text(plan.tracking), .text(at),
                    text(delivered ? Instant.format(plan.deliveredAt ?? plan.shippedAt ?? placed) : nil),
                ])
                for i in shipping {
                    try shipmentLineRows.add([.integer(shipmentID), .integer(lineIDs[i]), .integer(plan.ship[i])])
                }
                let all = plan.ship == lines.map(\.quantity)
                let fulfilment: FulfilmentStatus = all ? .fulfilled : .partial
                try events.append(
                    "shipped", new: shipping.map { "\(lines[$0].sku) x\(plan.ship[$0])" }.joined(separator: ", "),
                    detail: "imported", at: at)
                try setStatus(all ? .shipped : .processing, at: plan.shippedAt)
                try events.append(
                    "fulfilment", old: FulfilmentStatus.unfulfilled.rawValue, new: fulfilment.rawValue, at: at)
                if all && plan.status != .shipped {
                    try setStatus(.delivered, at: plan.deliveredAt ?? plan.shippedAt)
                    if plan.status == .completed { try setStatus(.completed, at: plan.deliveredAt ?? plan.shippedAt) }
                }
                if plan.status == .onHold { try setStatus(.onHold, at: plan.shippedAt) }
            } else if plan.status != .confirmed {
                try setStatus(plan.status, at: placed)
            }
        }
        if plan.refund > 0 {
            let at = Instant.format(
                [plan.cancelledAt, plan.deliveredAt, plan.shippedAt, plan.paidAt].compactMap { $0 }.max() ?? placed)
            try paymentRows.add([
                .integer(orderID), .text("refund"), .integer(plan.refund), .null, .text("imported"), .text(at),
            ])
            try events.append(
                "refunded", new: Money(minor: plan.refund, currency: currency).description, detail: "imported", at: at)
            try settlePayment(paid: plan.paid, refunded: plan.refund, at: at)
        }
        // The row was written with these figures up front; the history must end there.
        assert(
            current == plan.status
                && paymentStatus == PaymentStatus.derive(total: total, paid: plan.paid, refunded: plan.refund))
        try store.db.run(
            "UPDATE orders SET status_at = ?, confirmed_at = ? WHERE id = ?", statusAt, confirmedAt, orderID)
    }

    /// One status left after a number of whole hours (a row of status_durations).
    struct StatusStay: Hashable {
        var status: String
        var hours: Int64
    }

    /// Adds the stays of the imported orders to status_durations.
    func flushStatusDurations() throws {
        for (stay, count) in statusDurations {
            try store.db.run(
                """
                INSERT INTO status_durations(status, hours, orders) VALUES (?, ?, ?)
                ON CONFLICT (status, hours) DO UPDATE SET orders = orders + excluded.orders
                """, stay.status, stay.hours, count)
        }
        statusDurations.removeAll()
    }

    /// `--update`: moves an order already present forward to the file's status, through
    /// the ordinary lifecycle actions (so stock, payments and history follow the rules).
    func update(ref: String, plan: Plan, rows: [ImportRow], rejected: (RejectedRow) throws -> Void) throws {
        let first = rows[0]
        do {
            try store.write { try withStatusTrigger { try advance(ref: ref, plan: plan, first: first) } }
            try chain.reload(store.db)
            summary.rowsUpdated += weight(rows)
            summary.ordersUpdated += 1
            summary.rowsImported += weight(rows)
        } catch let error as OrderError {
            try rejectStep(rows, plan, "cannot update", error, rejected: rejected)
        }
    }

    /// An order a lifecycle step refused (rolled back by its savepoint): the chain read
    /// again, the order rejected with the step's reason.
    func rejectStep(
        _ rows: [ImportRow], _ plan: Plan, _ what: String, _ error: OrderError, rejected: (RejectedRow) throws -> Void
    ) throws {
        try chain.reload(store.db)
        try reject(
            rows,
            [
                ImportIssue(
                    line: rows[0].line, field: "status", value: plan.status.rawValue,
                    reason: "\(what): \(reason(error))")
            ], rejected: rejected)
    }

    /// Runs lifecycle actions with the status-times trigger on: the history the import
    /// writes in bulk (flushed first) was written with it off, and counted by the import.
    func withStatusTrigger<T>(_ body: () throws -> T) throws -> T {
        try flushBulk()
        try StatusTimes.resume(store.db)
        let result = try body()
        try StatusTimes.defer(store.db)
        // The actions took the next ids of the tables the import also fills in bulk.
        nextShipmentID = max(nextShipmentID, try store.db.scalarInt("SELECT coalesce(max(id), 0) + 1 FROM shipments"))
        nextLineID = max(nextLineID, try store.db.scalarInt("SELECT coalesce(max(id), 0) + 1 FROM order_lines"))
        return result
    }

    /// Moves the order `ref` forward to the plan's status, shipments and payments with
    /// the lifecycle actions; refuses a step back. Runs inside the caller's transaction.
    func advance(ref: String, plan: Plan, first: ImportRow) throws {
        let status = plan.status
        let source = options.live ? "in \(first[.channel] ?? "the shop")" : nil
        var state = try store.loadState(ref)
        let orderID = state.id
        /// The time of a step. A shop's times are kept, but never before the order's last
        /// step here (a version applied late) nor after now (a clock ahead).
        func at(_ date: Date?) throws -> String? {
            guard let date else { return nil }
            guard options.live else { return Instant.format(date) }
            let last = try store.db.queryFirst(
                "SELECT max(at) FROM order_events WHERE order_id = ?", orderID, row: { $0.optionalString(0) }
            ).flatMap { $0 }.flatMap(Instant.parse)
            return Instant.format(min(max(date, last ?? date), store.now))
        }
        // Released in the shop: back to where it was held, then on.
        if state.status == .onHold && status != .onHold && status != .cancelled {
            _ = try store.release(ref)
            state = try store.loadState(ref)
        }
        let from = state.status
        let order: [OrderStatus] = [.pending, .confirmed, .processing, .shipped, .delivered, .completed]
        func payAsPlanned() throws {
            state = try store.loadState(ref)
            if plan.paid > state.paid {
                _ = try store.pay(
                    ref, amount: Money(minor: plan.paid - state.paid, currency: state.currency).decimalString,
                    method: options.live ? first[.channel] : "import", at: try at(plan.paidAt))
            }
        }
        /// The units the plan says have shipped, by SKU, that have not shipped here.
        func shipPlanned() throws {
            state = try store.loadState(ref)
            var items: [String] = []
            var seen = Set<String>()
            for sku in plan.skus where seen.insert(Self.fold(sku)).inserted {
                let key = Self.fold(sku)
                let wanted = zip(plan.skus, plan.ship).filter { Self.fold($0.0) == key }.reduce(Int64(0)) { $0 + $1.1 }
                let done = state.lines.filter { Self.fold($0.sku) == key }.reduce(Int64(0)) { $0 + $1.shipped }
                if wanted > done { items.append("\(sku):\(wanted - done)") }
            }
            if !items.isEmpty {
                _ = try store.ship(
                    ref, items: items, carrier: first[.carrier], tracking: first[.tracking],
                    at: try at(plan.shippedAt), carrierUnchecked: true)
            }
        }
        if status == .cancelled {
            if from != .cancelled {
                // Paid before it was cancelled: the payment first, so the refund below has
                // something to return.
                try payAsPlanned()
                _ = try store.cancel(
                    ref, reason: source.map { "cancelled \($0)" } ?? "imported as cancelled",
                    at: options.live ? try at(plan.cancelledAt) : nil)
            }
        } else if status == .onHold {
            if from != .onHold {
                guard order.contains(from), from != .shipped, !from.hasArrived else {
                    throw OrderError.refused(
                        ref: ref, action: "update",
                        reason: "it is \(from.rawValue) here; the \(options.live ? "shop" : "file") says on_hold")
                }
                // Held while pending (a payment awaited) stays unconfirmed.
                if plan.ship.contains(where: { $0 > 0 }) {
                    if from == .pending { _ = try store.confirm(ref) }
                    try shipPlanned()
                }
                _ = try store.hold(ref, reason: source.map { "on hold \($0)" } ?? "imported as on hold")
            }
        } else if status != from || status == .processing {
            guard let target = order.firstIndex(of: status), let now = order.firstIndex(of: from), target >= now
            else {
                throw OrderError.refused(
                    ref: ref, action: "update",
                    reason:
                        "it is \(from.rawValue) here; the \(options.live ? "shop" : "file") says \(status.rawValue), which is not a later step"
                )
            }
            // Confirmed no later than it shipped, so that the history reads in order.
            let shipping = target >= order.firstIndex(of: .shipped)!
            if from == .pending && target > 0 {
                // A shop's order is confirmed when it was paid (else when it shipped).
                let confirmedAt = options.live ? plan.paidAt ?? plan.shippedAt : shipping ? plan.shippedAt : nil
                _ = try store.confirm(ref, at: try at(confirmedAt))
            }
            if shipping {
                state = try store.loadState(ref)
                if state.lines.contains(where: { $0.outstanding > 0 }) {
                    _ = try store.ship(
                        ref, carrier: first[.carrier], tracking: first[.tracking], at: try at(plan.shippedAt),
                        carrierUnchecked: true)
                }
            } else if status == .processing {
                try shipPlanned()
            }
            if status.hasArrived && !from.hasArrived {
                _ = try store.deliver(ref, at: try at(plan.deliveredAt ?? plan.shippedAt))
            }
        }
        if status != .cancelled { try payAsPlanned() }
        state = try store.loadState(ref)
        if plan.refund > state.refunded {
            _ = try store.refund(
                ref, amount: Money(minor: plan.refund - state.refunded, currency: state.currency).decimalString,
                reason: options.live ? "refunded \(source!)" : "imported")
        }
        state = try store.loadState(ref)
        // A shop's order may have more paid or refunded here than its version says: a
        // payment is never taken back (lines the shop removed after payment leave it paid
        // beyond the new total, owed back until the shop's refund comes).
        let money =
            options.live
            ? state.paid >= plan.paid && state.refunded >= plan.refund
            : state.paid == plan.paid && state.refunded == plan.refund
        guard state.status == status, money else {
            throw OrderError.refused(
                ref: ref, action: "update",
                reason:
                    "it would end \(state.status.rawValue) with \(Money(minor: state.paid, currency: state.currency)) paid, not \(status.rawValue) with \(Money(minor: plan.paid, currency: state.currency)) as the \(options.live ? "shop" : "file") says"
            )
        }
    }

    /// Rejects a whole order: counts its rows, keeps its issues, hands each row on.
    func warn(_ text: String) {
        summary.warningCount += 1
        if summary.warnings.count < ImportSummary.kept { summary.warnings.append(text) }
    }

    func reject(_ rows: [ImportRow], _ issues: [ImportIssue], rejected: (RejectedRow) throws -> Void) throws {
        summary.issueCount += issues.count
        if summary.issues.count < ImportSummary.kept {
            summary.issues += issues.prefix(ImportSummary.kept - summary.issues.count)
        }
        for issue in issues {
            let kind = "\(issue.field): \(Self.kind(of: issue.reason))"
            if summary.reasons[kind] != nil || summary.reasons.count < ImportSummary.reasonsKept {
                summary.reasons[kind, default: 0] += 1
            } else {
                summary.otherReasons += 1
            }
        }
        summary.rowsRejected += weight(rows)
        summary.ordersRejected += 1
        if let ref = rows[0][.ref], rejectedRefs[Self.fold(ref)] == nil, rejectedRefs.count < 100_000 {
            rejectedRefs[Self.fold(ref)] = rows[0].line
        }
        for row in rows where row.weight > 0 {
            try rejected(
                RejectedRow(line: row.line, fields: row.raw, text: row.rawText, reason: issuesText(issues, row)))
        }
    }

    /// A row's own problems; a row rejected only because another row of its order is
    /// invalid points to that row instead of repeating its problems.
    func issuesText(_ issues: [ImportIssue], _ row: ImportRow) -> String {
        let mine = issues.filter { $0.line == row.line }
        guard !mine.isEmpty else {
            let ref = row[.ref].map { "order \(OrderError.clip($0))" } ?? "its order"
            return "\(ref) rejected: see line \(issues.map(\.line).min() ?? row.line)"
        }
        return mine.map {
            $0.value.isEmpty && $0.field != "ref"
                ? "\($0.field): \($0.reason)" : "\($0.field) '\(OrderError.clip($0.value))': \($0.reason)"
        }
        .joined(separator: "; ")
    }

    /// A reason without what names one order or line ("given twice in order 5142 at
    /// different prices (also at line 2555)" -> "given twice in an order at different
    /// prices"), so that the summary counts kinds of problem.
    static func kind(of reason: String) -> String {
        var out = reason.replacingOccurrences(of: #" \([^()]*\)"#, with: "", options: .regularExpression)
        out = out.replacingOccurrences(of: #"\border \S+"#, with: "an order", options: .regularExpression)
        out = out.replacingOccurrences(of: #"\bline \d+"#, with: "another line", options: .regularExpression)
        return out
    }

    static func reason(_ error: Error) -> String {
        if case OrderError.invalidValue(_, _, let reason) = error { return reason }
        return "\(error)"
    }

    func reason(_ error: Error) -> String { Self.reason(error) }
}

/// One order's rows, read and checked (`OrderParser`), ready to be written.
struct Prepared: Sendable {
    var rows: [ImportRow]
    /// Input rows read when this order was complete, for progress.
    var rowsRead: Int
    var issues: [ImportIssue]
    var warnings: [String]
    /// Set when there are no issues.
    var values: Values?
    /// "failed -> cancelled" when the file's status was mapped.
    var mappedStatus: String?

    struct Values: Sendable {
        var ref: String
        var currency: Currency
        var orderedAt, paidAt, shippedAt, deliveredAt, cancelledAt: Date?
        var due: LocalDate?
        var status: OrderStatus
        var payment: PaymentStatus?
        var shipping: String
        var channel: String
        var email, country, region, carrier: String?
        var shopTotal, outstanding, refundedTotal, paidTotal: Int64?
        var lines: [Importer.ParsedLine]
        var lineRows: [Int]
    }
}

/// Reads and checks one order's rows without the database: the first stage of an
/// import, run on its own thread while the second writes.
struct OrderParser: Sendable {
    let currency0: Currency
    let dates: DateResolver
    let options: ImportOptions
    let sparse: Bool

    func prepare(_ rows: [ImportRow], rowsRead: Int) -> Prepared {
        var warnings: [String] = []
        var issues: [ImportIssue] = []
        func issue(_ row: ImportRow, _ field: ImportField, _ value: String, _ reason: String) {
            issues.append(ImportIssue(line: row.line, field: field.name, value: value, reason: reason))
        }
        let first = rows[0]
        for row in rows {
            issues += row.problems
            warnings += row.warnings
        }
        // A record the source could not read (bad JSON, a wrong number of fields) is
        // reported for that alone, not for every field it then lacks.
        if !issues.isEmpty { return Prepared(rows: rows, rowsRead: rowsRead, issues: issues, warnings: warnings) }
        let ref = first[.ref] ?? ""
        if ref.isEmpty {
            issue(first, .ref, "", "must not be empty")
        } else if let error = catching({ try Validate.code(ref, field: "ref") }) {
            issue(first, .ref, ref, error)
        }

        // Order-level fields come from the first row; others that disagree are warned about.
        for field in ImportField.allCases where !field.isLineField && field != .ref {
            let mine = first[field]
            for row in rows.dropFirst() where row[field] != mine && !(sparse && row[field] == nil) {
                warnings.append(
                    "line \(row.line): \(field.name) '\(OrderError.clip(row[field] ?? ""))' differs from line \(first.line) ('\(OrderError.clip(mine ?? ""))'); line \(first.line) wins"
                )
            }
        }
        var currency = currency0
        if let code = first[.currency] ?? options.currency?.code {
            do { currency = try Currency(code: code) } catch { issue(first, .currency, code, reason(error)) }
        }
        if currency != currency0 {
            issue(first, .currency, currency.code, "the shop keeps \(currency0.code); convert before importing")
        }
        let dates = self.dates
        func instant(_ field: ImportField) -> Date? {
            guard let text = first[field] else { return nil }
            if let format = options.dateFormat {
                if let date = format.instant(text, zone: dates.zone) { return date }
                issue(first, field, text, "does not match --date-format '\(format.pattern)'")
                return nil
            }
            // Fast path: the stored form, which exports write.
            if let date = Instant.parse(text), let year = Int(text.prefix(4)), DateResolver.years.contains(year) {
                return date
            }
            // Dates in a file are ISO 8601, never "yesterday" or "fri" as on the command line.
            guard text.utf8.count >= 10, LocalDate(iso: String(text.prefix(10))) != nil else {
                issue(
                    first, field, text,
                    "expected an ISO 8601 date-time such as 2026-11-25T14:30:00Z or 2026-11-25 14:30 (or a date), or give --date-format"
                )
                return nil
            }
            do { return try dates.instant(text, field: field.name) } catch {
                issue(first, field, text, reason(error))
                return nil
            }
        }
        // What happened cannot lie in the future (as add --date and --at refuse it):
        // a year typed wrong would put the order ahead of everything done to it later.
        func past(_ field: ImportField) -> Date? {
            guard let at = instant(field) else { return nil }
            guard at <= dates.now.addingTimeInterval(60) else {
                issue(first, field, first[field] ?? "", "in the future (\(Instant.display(at, in: dates.zone)))")
                return nil
            }
            return at
        }
        let orderedAt = past(.orderedAt)
        let paidAt = past(.paidAt)
        let shippedAt = past(.shippedAt)
        let deliveredAt = past(.deliveredAt)
        let cancelledAt = past(.cancelledAt)
        var due: LocalDate?
        if let text = first[.due] {
            if let format = options.dateFormat {
                due = format.parse(text)?.date
                if due == nil { issue(first, .due, text, "does not match --date-format '\(format.pattern)'") }
            } else if text.utf8.count == 10, let day = LocalDate(iso: text), DateResolver.years.contains(day.year) {
                due = day
            } else {
                issue(first, .due, text, "expected a date such as 2026-11-25 (or give --date-format)")
            }
        }
        var status = OrderStatus.pending
        var mappedStatus: String?
        if let text = first[.status] {
            if let found = options.status(text) {
                status = found.status
                if found.mapped { mappedStatus = "\(ImportOptions.statusKey(text)) -> \(found.status.rawValue)" }
            } else {
                issue(
                    first, .status, text,
                    "expected one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")); map another tool's status with --map-status \(OrderError.clip(text))=STATUS"
                )
            }
        }
        var payment: PaymentStatus?
        if let text = first[.paymentStatus] {
            payment = PaymentStatus(rawValue: text.lowercased())
            if payment == nil {
                issue(
                    first, .paymentStatus, text,
                    "expected one of \(PaymentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let shipping = first[.shipping].map { $0.lowercased() } ?? "standard"
        if Shipping(rawValue: shipping) == nil { issue(first, .shipping, shipping, "expected standard or express") }
        var channel = "import"
        if let text = first[.channel] {
            do { channel = try Validate.channel(text) } catch { issue(first, .channel, text, reason(error)) }
        }
        var email: String?
        if let text = first[.customerEmail] {
            do { email = try Validate.email(text) } catch { issue(first, .customerEmail, text, reason(error)) }
        }
        var country: String?
        if let text = first[.country] {
            switch CountryNames.resolve(text) {
            case .code(let code):
                do { country = try Validate.country(code) } catch { issue(first, .country, text, reason(error)) }
            case .none:
                country = nil
            case .unknownName:
                issue(
                    first, .country, text,
                    "not a country name orderctl knows; use a two-letter ISO 3166 code such as DE")
            }
        }
        var region: String?
        if let text = first[.region] {
            do { region = try Validate.region(text) } catch { issue(first, .region, text, reason(error)) }
        }
        var carrier: String?
        if let text = first[.carrier] {
            do { carrier = try Validate.word(text, field: "carrier", examples: "dhl, ups or dpd") } catch {
                issue(first, .carrier, text, reason(error))
            }
        }
        func amount(_ field: ImportField) -> Int64? {
            guard let text = first[field] else { return nil }
            do { return try Money.parse(options.amountText(text), currency: currency, field: field.name).minor } catch {
                issue(first, field, text, reason(error))
                return nil
            }
        }
        let shopTotal = amount(.shopTotal)
        let outstanding = amount(.shopOutstanding)
        let refundedTotal = amount(.refundedTotal)
        let paidTotal = amount(.paidTotal)

        var lines: [Importer.ParsedLine] = []
        var lineRows: [Int] = []  // the row index each line came from
        for (r, row) in rows.enumerated() {
            let sku = row[.sku] ?? ""
            if let error = catching({ try Validate.code(sku, field: "sku") }) { issue(row, .sku, sku, error) }
            var quantity: Int64 = 0
            let qtyText = row[.quantity] ?? ""
            if let q = Int64(qtyText), q > 0, q <= Validate.maxQuantity {
                quantity = q
            } else if let q = Int64(qtyText), q < 0 {
                // A credit note or stock correction in a sales export (the UCI file's C invoices).
                issue(
                    row, .quantity, qtyText,
                    "negative: a credit note or stock correction is not an order (record a return with 'orderctl return REF')"
                )
            } else {
                issue(row, .quantity, qtyText, "expected a whole number from 1 to \(Validate.maxQuantity)")
            }
            var price: Money?
            if let text = row[.unitPrice] {
                do { price = try Money.parse(options.amountText(text), currency: currency, field: "unit_price") } catch
                { issue(row, .unitPrice, text, reason(error)) }
            }
            var shipped: Int64?
            if let text = row[.lineShipped] {
                if let n = Int64(text), n >= 0, n <= quantity {
                    shipped = n
                } else {
                    issue(row, .lineShipped, text, "expected a whole number from 0 to the line's quantity")
                }
            }
            // The same SKU twice in one order at one price is one line, as with `orderctl
            // add`; at another price (a price break, a discount) it is another line.
            let folded = Importer.fold(sku)
            if !sku.isEmpty, let i = lines.firstIndex(where: { Importer.fold($0.sku) == folded && $0.price == price }) {
                if lines[i].quantity + quantity > Validate.maxQuantity {
                    issue(
                        row, .quantity, qtyText,
                        "with line \(rows[lineRows[i]].line) of the same SKU, more than \(Validate.maxQuantity)")
                } else {
                    lines[i].quantity += quantity
                    if lines[i].shipped != nil || shipped != nil {
                        lines[i].shipped = (lines[i].shipped ?? 0) + (shipped ?? 0)
                    }
                }
                continue
            }
            lines.append(
                Importer.ParsedLine(
                    sku: sku, name: row[.productName], quantity: quantity, price: price, shipped: shipped))
            lineRows.append(r)
        }

        var p = Prepared(rows: rows, rowsRead: rowsRead, issues: issues, warnings: warnings)
        p.mappedStatus = mappedStatus
        p.values = .init(
            ref: ref, currency: currency, orderedAt: orderedAt, paidAt: paidAt, shippedAt: shippedAt,
            deliveredAt: deliveredAt, cancelledAt: cancelledAt, due: due, status: status, payment: payment,
            shipping: shipping, channel: channel, email: email, country: country, region: region, carrier: carrier,
            shopTotal: shopTotal, outstanding: outstanding, refundedTotal: refundedTotal, paidTotal: paidTotal,
            lines: lines, lineRows: lineRows)
        return p
    }

    func catching(_ body: () throws -> String) -> String? {
        do {
            _ = try body()
            return nil
        } catch { return Importer.reason(error) }
    }

    func reason(_ error: Error) -> String { Importer.reason(error) }
}

/// The bounded queue between the two stages of an import.
final class OrderQueue: @unchecked Sendable {
    enum Item: Sendable {
        case orders([Prepared], Int64)
        case end(Int)
        case failure(any Error)
    }
    private let condition = NSCondition()
    private var items: [Item] = []
    private var closed = false
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; false when the consumer has gone.
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    func take() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()  // a few items at most
        condition.broadcast()
        return item
    }

    /// The consumer is done: wake and stop the producer.
    func close() {
        condition.lock()
        closed = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

/// Hands a value that is used by one thread at a time to another thread.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
