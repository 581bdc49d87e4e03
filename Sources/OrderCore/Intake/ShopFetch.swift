import Foundation
import NIOHTTP1

/// One page of a shop's orders, oldest change first.
struct FetchedPage {
    var orders: [PlatformOrder]
    /// True when there are no more pages.
    var last: Bool
    /// How far the pages read so far cover every change without a gap: the cursor may
    /// move up to here (not to an order read again alone, which may be newer).
    var covered: Date?
}

/// Reads a shop's orders changed since a time, page by page.
protocol ShopPager {
    mutating func next() throws -> FetchedPage
}

extension Shop {
    /// The pager for this shop's platform, reading orders changed at or after `since`
    /// (nil: every order), with the secrets read from their files now.
    func pager(since: Date?, http: ShopHTTP) throws -> any ShopPager {
        func secret(_ s: ShopSecret) throws -> String {
            guard let path = secretFiles[s] else {
                throw ShopSyncError(shop: name, message: "no \(s.option) (add the shop again with it)")
            }
            do { return try SecretFile.read(path, for: s, platform: platform) } catch {
                throw ShopSyncError(shop: name, message: "\(error)")
            }
        }
        switch platform {
        case .shopify:
            return ShopifyPager(shop: self, http: http, token: try secret(.token), since: since)
        case .woocommerce:
            return WooCommercePager(
                shop: self, http: http, key: try secret(.key), secret: try secret(.secret), since: since)
        }
    }
}

/// Reads a JSON answer, or says in one line why it is none.
func decodeJSON(_ r: ShopResponse, shop: String, what: String) throws -> JSONValue {
    do { return try JSONValue.parse(r.body) } catch {
        throw ShopSyncError(shop: shop, message: "\(what) is not JSON (\(error)); is the address right?")
    }
}

/// The usual answers that are not data, in one line each.
func checkStatus(_ r: ShopResponse, shop: Shop, hint401: String) throws {
    switch r.status {
    case 200..<300: return
    case 401, 403:
        throw ShopSyncError(
            shop: shop.name, message: "the platform refused the credentials (HTTP \(r.status)): \(hint401)")
    case 404:
        throw ShopSyncError(
            shop: shop.name,
            message:
                "HTTP 404 from \(shop.baseURL): no such shop or API there; check the address ('orderctl shop show \(shop.name)')"
        )
    case 300..<400:
        throw ShopSyncError(
            shop: shop.name,
            message:
                "HTTP \(r.status): redirected to \(r.headers.first(name: "Location").map(ShopHTTP.hostAndPath) ?? "another address"); orderctl does not follow redirects with your token: give the final address"
        )
    default:
        throw ShopSyncError(shop: shop.name, message: "HTTP \(r.status) from \(shop.baseURL)")
    }
}

/// Shopify's GraphQL Admin API: `orders(sortKey: UPDATED_AT, query: "updated_at:>=...")`
/// in cursor pages; Shopify's cost throttle is waited out as its answer says.
struct ShopifyPager: ShopPager {
    static let apiVersion = "2026-01"
    /// A query's cost is about orders x lines: 8 orders of 50 lines stay under the
    /// 1,000 points a single query may cost. An order of more lines is read again alone.
    static let pageSize = 8
    static let linesPerOrder = 50

    let shop: Shop
    let http: ShopHTTP
    let token: String
    let since: Date?
    var after: String?
    var done = false

    init(shop: Shop, http: ShopHTTP, token: String, since: Date?) {
        self.shop = shop
        self.http = http
        self.token = token
        self.since = since
    }

    var url: String { shop.baseURL + "/admin/api/\(Self.apiVersion)/graphql.json" }

    static let pageQuery = """
        query Orders($first: Int!, $after: String, $query: String) {
          orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
            nodes { \(ShopifyOrder.fields(lines: linesPerOrder)) }
            pageInfo { hasNextPage endCursor }
          }
        }
        """

    static let orderQuery = """
        query Order($id: ID!) { order(id: $id) { \(ShopifyOrder.fields(lines: 250)) } }
        """

    /// Posts a query; waits out Shopify's throttle (an error THROTTLED, or a bucket too
    /// low for the next query) and returns `data`.
    func query(_ text: String, _ variables: [(String, JSONValue)]) throws -> JSONValue {
        var body = "{\"query\": " + JSONValue.string(text).encoded + ", \"variables\": {"
        body += variables.map { JSONValue.string($0.0).encoded + ": " + $0.1.encoded }.joined(separator: ", ") + "}}"
        for _ in 0..<10 {
            let r = try http.send(
                .POST, url,
                headers: [("X-Shopify-Access-Token", token), ("Content-Type", "application/json")],
                body: Array(body.utf8), shop: shop.name)
            try checkStatus(
                r, shop: shop,
                hint401:
                    "check the token in \(shop.secretFiles[.token] ?? "--token-file") and the app's read_orders scope")
            let json = try decodeJSON(r, shop: shop.name, what: "Shopify's answer")
            let throttle = json["extensions"]?["cost"]?["throttleStatus"]
            let available = (throttle?["currentlyAvailable"]?.text).flatMap(Double.init)
            let rate = (throttle?["restoreRate"]?.text).flatMap(Double.init) ?? 50
            let requested = (json["extensions"]?["cost"]?["requestedQueryCost"]?.text).flatMap(Double.init) ?? 0
            let errors = json["errors"]?.items ?? []
            if errors.contains(where: { $0["extensions"]?["code"]?.text == "THROTTLED" }) {
                let need = max(1, (requested - (available ?? 0)) / max(rate, 1))
                guard need <= http.timing.longestWait else {
                    throw ShopSyncError(
                        shop: shop.name, message: "throttled for longer than \(Int(http.timing.longestWait)) s")
                }
                http.wait(need, "Shopify throttle")
                continue
            }
            if let first = errors.first {
                let message = first["message"]?.text ?? "an error without a message"
                throw ShopSyncError(shop: shop.name, message: "Shopify answered: \(message)")
            }
            guard let data = json["data"], case .object = data else {
                throw ShopSyncError(shop: shop.name, message: "Shopify's answer has no data")
            }
            // Leave the bucket room for the next query of the same cost.
            if let available, requested > 0, available < requested {
                http.wait(min((requested - available) / max(rate, 1), http.timing.longestWait), "Shopify throttle")
            }
            return data
        }
        throw ShopSyncError(shop: shop.name, message: "still throttled after 10 waits")
    }

    mutating func next() throws -> FetchedPage {
        var variables: [(String, JSONValue)] = [("first", .number(String(Self.pageSize)))]
        variables.append(("after", after.map(JSONValue.string) ?? .null))
        variables.append(("query", since.map { .string("updated_at:>='\(Instant.format($0))'") } ?? .null))
        let data = try query(Self.pageQuery, variables)
        guard let connection = data["orders"], case .object = connection else {
            throw ShopSyncError(shop: shop.name, message: "Shopify's answer has no orders")
        }
        var orders: [PlatformOrder] = []
        let nodes = connection["nodes"]?.items ?? []
        for (i, var node) in nodes.enumerated() {
            if case .bool(true)? = node["lineItems"]?["pageInfo"]?["hasNextPage"], let id = node["id"]?.text {
                // More lines than a page holds: this order alone, with all of them (gone
                // since: the page's node, which is refused as incomplete).
                if let alone = try query(Self.orderQuery, [("id", .string(id))])["order"], case .object = alone {
                    node = alone
                }
            }
            var order = ShopifyOrder.order(node, line: i + 1, channel: shop.name)
            order.raw = node.encoded
            orders.append(order)
        }
        // The pages are in update order: their own times say how far they cover.
        let covered = nodes.compactMap { ($0["updatedAt"]?.text).flatMap(Instant.parse) }.max()
        let info = connection["pageInfo"]
        let more: Bool
        if case .bool(true)? = info?["hasNextPage"] { more = true } else { more = false }
        let next = info?["endCursor"]?.text
        if more, next == nil || next == after {
            throw ShopSyncError(
                shop: shop.name, message: "Shopify's answer repeats the page before (endCursor); stopped")
        }
        after = next
        return FetchedPage(orders: orders, last: !more, covered: covered)
    }
}

/// WooCommerce's REST API v3: `GET /wp-json/wc/v3/orders?modified_after=...&orderby=modified`
/// with the consumer key and secret. Each page starts at the last page's newest change
/// (a second before it), not at a page number, so that an order changed during the sync,
/// which moves to the end, cannot make the pages shift and skip one.
struct WooCommercePager: ShopPager {
    static let pageSize = 100

    let shop: Shop
    let http: ShopHTTP
    let key: String
    let secret: String
    var start: Date?
    var page = 1
    /// Orders already read at `start` or after, so a second read of them is skipped.
    var seen: [String: Date] = [:]
    /// The first second whose orders filled more than a page: read by page number, in
    /// which an order changed meanwhile shifts the others and may hide one. The cursor
    /// stays there, so the next sync reads that second again.
    var tie: Date?

    init(shop: Shop, http: ShopHTTP, key: String, secret: String, since: Date?) {
        self.shop = shop
        self.http = http
        self.key = key
        self.secret = secret
        self.start = since
    }

    mutating func next() throws -> FetchedPage {
        var query = "orderby=modified&order=asc&per_page=\(Self.pageSize)&page=\(page)&dates_are_gmt=true"
        if let start {
            // modified_after is exclusive: a second earlier keeps an order changed at `start`.
            query += "&modified_after=" + Self.wooTime(start.addingTimeInterval(-1))
        }
        let auth = Data("\(key):\(secret)".utf8).base64EncodedString()
        let r = try http.send(
            .GET, shop.baseURL + "/wp-json/wc/v3/orders?" + query,
            headers: [("Authorization", "Basic " + auth), ("Accept", "application/json")], shop: shop.name)
        try checkStatus(
            r, shop: shop,
            hint401:
                "check the key pair in \(shop.secretFiles[.key] ?? "--key-file") and \(shop.secretFiles[.secret] ?? "--secret-file") (Read access)"
        )
        let json = try decodeJSON(r, shop: shop.name, what: "WooCommerce's answer")
        guard case .array(let items) = json else {
            throw ShopSyncError(shop: shop.name, message: "WooCommerce's answer is not a list of orders")
        }
        var orders: [PlatformOrder] = []
        for (i, item) in items.enumerated() {
            var order = WooCommerceOrder.order(item, line: i + 1, channel: shop.name)
            order.raw = item.encoded
            // Read before (an order without a readable time counts as read once).
            let m = order.modifiedAt ?? .distantPast
            if let was = seen[order.platformID], was >= m { continue }
            seen[order.platformID] = m
            orders.append(order)
        }
        let total = r.headers.first(name: "X-WP-TotalPages").flatMap { Int($0) }
        let last = items.count < Self.pageSize || (total.map { page >= $0 } ?? false)
        // The next page starts at this one's newest change, unless every order of a full
        // page changed in the same second as the start: then the next page number.
        let times = items.compactMap { Self.gmt($0["date_modified_gmt"]) }
        let newest = times.max()
        if let newest, newest > (start ?? .distantPast) {
            start = newest
            page = 1
        } else if !items.isEmpty {
            if tie == nil { tie = start }
            page += 1
        }
        let covered = tie.map { t in newest.map { min($0, t) } ?? t } ?? newest
        return FetchedPage(orders: orders, last: last, covered: covered)
    }

    static func gmt(_ v: JSONValue?) -> Date? { (v?.text).flatMap { Instant.parse($0 + "Z") } }

    /// WooCommerce reads `2026-02-22T15:28:08` (GMT with dates_are_gmt).
    static func wooTime(_ date: Date) -> String { String(Instant.format(date).dropLast()) }
}

/// What one shop's sync did.
public struct SyncReport: Sendable {
    public var shop: String
    public var summary = IntakeSummary()
    public var pages = 0
    /// Why it stopped early; the pages before it are kept.
    public var error: ShopSyncError?
    /// Where it started reading (nil: from the first order).
    public var since: Date?
    /// What it waited for: a retry's backoff, a Retry-After, Shopify's throttle.
    public var waits: [(reason: String, seconds: TimeInterval)] = []
}

extension OrderStore {
    /// Reads a shop's orders changed since its cursor (less `overlap`, or from `since`)
    /// and applies each page with the cursor in one transaction: a sync stopped at any
    /// point resumes without a gap or a repeat. A failure is kept on the shop
    /// (`sync_error`) and in the report; what was applied before it stays.
    public func sync(
        _ shop: Shop, since: Date? = nil, overlap: TimeInterval = 600, dryRun: Bool = false, http: ShopHTTP,
        progress: (SyncReport) -> Void = { _ in }
    ) throws -> SyncReport {
        let start = since ?? shop.cursor.map { $0.addingTimeInterval(-overlap) }
        var report = SyncReport(shop: shop.name, since: start)
        let waitsBefore = http.waits.count
        do {
            var pager = try shop.pager(since: start, http: http)
            while true {
                let page = try pager.next()
                report.pages += 1
                // The cursor never passes now (a shop clock ahead would skip orders).
                let cursor = page.covered.map { min($0, self.now) }
                let current = try self.shop(named: shop.name)
                report.summary.add(try applyShopOrders(page.orders, shop: current, cursor: cursor, dryRun: dryRun))
                progress(report)
                if page.last { break }
            }
            if !dryRun {
                try write {
                    try db.run("UPDATE shops SET synced_at = ?, sync_error = NULL WHERE id = ?", nowText, shop.id)
                }
            }
        } catch {
            // Anything that stops this shop (the database busy, the shop removed meanwhile)
            // is this shop's failure, named: the other shops still get their turn.
            let failure = error as? ShopSyncError ?? ShopSyncError(shop: shop.name, message: "\(error)")
            report.error = failure
            if !dryRun {
                try? write { try db.run("UPDATE shops SET sync_error = ? WHERE id = ?", failure.message, shop.id) }
            }
        }
        report.waits = http.waits.dropFirst(waitsBefore).map { (reason: $0.0, seconds: $0.1) }
        return report
    }
}
