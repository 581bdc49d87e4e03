import Crypto
import Foundation

/// One POST to `/webhooks/NAME` as it arrived: the shop's name from the path, the
/// headers (names in lower case) and the raw body, which the signature covers.
public struct WebhookDelivery: Sendable {
    public var shop: String
    public var headers: [String: String]
    public var body: [UInt8]

    public init(shop: String, headers: [String: String], body: [UInt8]) {
        self.shop = shop
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    public subscript(_ name: String) -> String? { headers[name]?.trimmingCharacters(in: .whitespaces) }
}

/// What the receiver answers a delivery, and what became of it.
public struct WebhookAnswer: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        /// Applied: created, moved forward, or the same as what is here.
        case applied
        /// The same delivery again: nothing changed.
        case duplicate
        /// Kept in the inbox for the owner (bad data, a conflict, a refund or an edit that
        /// waits for the order's next version): answered 200, as a retry would not help.
        case kept
        /// Not a delivery orderctl applies (WooCommerce's ping, another topic): 200,
        /// nothing stored.
        case ignored
        /// Refused before anything was stored: no such shop (404), no webhook secret or a
        /// wrong signature (401), no topic (400). The platform may send it again.
        case rejected
    }
    public var status: Int
    public var outcome: Outcome
    /// One line for the server's log (never a secret, never the body).
    public var message: String
    public var topic: String?
    public var ref: String?
    public var inboxID: Int64?
}

/// The topics `serve` takes, by platform.
public enum WebhookTopic {
    /// Deliveries whose body is the whole order.
    public static let shopifyOrders = [
        "orders/create", "orders/updated", "orders/paid", "orders/fulfilled", "orders/partially_fulfilled",
        "orders/cancelled",
    ]
    /// Deliveries that name an order (a refund, an edit): they apply with its next version.
    public static let shopifyPointers = ["refunds/create", "orders/edited"]
    public static let wooOrders = ["order.created", "order.updated", "order.restored"]
    public static let wooDeleted = "order.deleted"

    public static func all(_ platform: Platform) -> [String] {
        platform == .shopify ? shopifyOrders + shopifyPointers : wooOrders + [wooDeleted]
    }
}

/// The platforms' webhook signatures: base64(HMAC-SHA256(secret, raw body)).
public enum WebhookSignature {
    public static func header(_ platform: Platform) -> String {
        platform == .shopify ? "x-shopify-hmac-sha256" : "x-wc-webhook-signature"
    }

    public static func sign(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// True when `signature` is the body's; compared in constant time.
    public static func isValid(_ signature: String?, body: [UInt8], secret: String) -> Bool {
        guard let signature, let mac = Data(base64Encoded: signature), mac.count == SHA256.byteCount else {
            return false
        }
        return HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: body, using: SymmetricKey(data: Array(secret.utf8)))
    }
}

extension OrderStore {
    /// Takes one delivery: checks the shop and the signature (nothing is stored when
    /// either fails), then, in one transaction, keeps the delivery in `intake` (once per
    /// dedupe key: a second one changes nothing) and applies it with the code `sync`
    /// uses. An error thrown here (the database busy, the disk full) stored nothing: the
    /// receiver answers 5xx and the platform sends it again.
    public func receive(_ d: WebhookDelivery) throws -> WebhookAnswer {
        let topic = d[d.headers["x-shopify-topic"] != nil ? "x-shopify-topic" : "x-wc-webhook-topic"]
        func answer(
            _ status: Int, _ outcome: WebhookAnswer.Outcome, _ message: String, ref: String? = nil, id: Int64? = nil
        )
            -> WebhookAnswer
        {
            WebhookAnswer(status: status, outcome: outcome, message: message, topic: topic, ref: ref, inboxID: id)
        }
        let shop: Shop
        do { shop = try self.shop(named: d.shop) } catch OrderError.unknownShop {
            return answer(404, .rejected, "no shop named \(Shop.safe(d.shop)) here ('orderctl shop list')")
        }
        let signature = d[WebhookSignature.header(shop.platform)]
        // WooCommerce pings a new webhook's address, unsigned, with `webhook_id=N`.
        if shop.platform == .woocommerce, signature == nil, Self.isWooPing(d.body) {
            return answer(200, .ignored, "WooCommerce's ping for a new webhook")
        }
        guard let secretPath = shop.secretFiles[.webhookSecret] else {
            return answer(
                401, .rejected,
                "shop \(shop.name) has no webhook secret, so no delivery can be trusted: add one with 'orderctl shop update \(shop.name) --webhook-secret-file F'"
            )
        }
        let secret: String
        do { secret = try SecretFile.read(secretPath, for: .webhookSecret, platform: shop.platform) } catch {
            return answer(401, .rejected, "shop \(shop.name): \(error)")
        }
        guard WebhookSignature.isValid(signature, body: d.body, secret: secret) else {
            return answer(
                401, .rejected,
                signature == nil
                    ? "shop \(shop.name): the delivery is not signed (no \(WebhookSignature.header(shop.platform)) header)"
                    : "shop \(shop.name): the signature does not match the body and the webhook secret")
        }
        guard let topic else { return answer(400, .rejected, "shop \(shop.name): the delivery names no topic") }
        guard WebhookTopic.all(shop.platform).contains(topic) else {
            return answer(200, .ignored, "shop \(shop.name): topic \(Shop.safe(topic)) is not one orderctl applies")
        }
        let parsed = Result { try JSONValue.parse(d.body) }
        let json = try? parsed.get()
        var (platformID, modified) =
            json.map { Self.webhookSubject($0, platform: shop.platform, topic: topic) } ?? (nil, nil)
        // An id goes into the log, the inbox and keys: one printable word, or none.
        if let id = platformID, id.utf8.count > 100 || !id.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) {
            platformID = nil
        }
        // Shopify's event id is the same in each retry of one event, and in the deliveries
        // of each topic one event sets off (orders/updated and orders/paid): the topic goes
        // with it. WooCommerce sends each event once, and its delivery id is a hash of the
        // webhook and the second, not of the event, so its deliveries are known by the
        // order's id and modification time; a deletion (a body of the id alone) by its
        // delivery too, as an order deleted, restored and deleted again is two deletions.
        let key: String
        let event = (d["x-shopify-event-id"] ?? d["x-shopify-webhook-id"]).map { String($0.prefix(200)) }
        let delivery = d["x-wc-webhook-delivery-id"].map { String($0.prefix(200)) }
        if shop.platform == .shopify, let event, !event.isEmpty {
            key = "event:\(event):\(topic)"
        } else if topic == WebhookTopic.wooDeleted, let platformID {
            key = "order:\(platformID)@deleted:\(delivery ?? nowText)"
        } else if let platformID {
            key = "order:\(platformID)@\(modified.map(Instant.format) ?? "-")"
        } else {
            key = "body:" + SHA256.hash(data: d.body).map { String(format: "%02x", $0) }.joined()
        }
        return try write {
            try db.run(
                """
                INSERT INTO intake(shop_id, via, dedupe_key, topic, platform_id, received_at, body, state)
                VALUES (?, 'webhook', ?, ?, ?, ?, ?, 'received') ON CONFLICT (shop_id, dedupe_key) DO NOTHING
                """, shop.id, key, topic, platformID, nowText, SQLValue.blob(d.body))
            guard db.changes == 1 else {
                return answer(
                    200, .duplicate, "shop \(shop.name): \(topic): a delivery received before; nothing changed")
            }
            let entry = db.lastInsertRowID
            func keep(_ state: String, _ reason: String, orderID: Int64? = nil) throws -> WebhookAnswer {
                try db.run(
                    "UPDATE intake SET state = ?, error = ?, order_id = coalesce(?, order_id) WHERE id = ?", state,
                    reason,
                    orderID, entry)
                return answer(200, .kept, "shop \(shop.name): \(topic): \(reason) (inbox \(entry))", id: entry)
            }
            guard let json else {
                let reason: String
                switch parsed {
                case .failure(let e): reason = "the body is not JSON: \(e)"
                case .success: reason = "the body is not JSON"
                }
                return try keep("failed", reason)
            }
            guard let platformID else { return try keep("failed", "the body names no order (no id)") }
            let link = try db.queryFirst(
                """
                SELECT o.id, o.ref, so.modified_at FROM shop_orders so JOIN orders o ON o.id = so.order_id
                WHERE so.shop_id = ? AND so.platform_id = ?
                """, shop.id, platformID
            ) { (id: $0.int64(0), ref: $0.string(1), modified: $0.optionalString(2).flatMap(Instant.parse)) }
            if topic == WebhookTopic.wooDeleted {
                return try keep(
                    "conflict",
                    "WooCommerce deleted order \(platformID); orderctl never deletes an order: cancel it here if it should not stand, then 'orderctl inbox dismiss \(entry)'",
                    orderID: link?.id)
            }
            if WebhookTopic.shopifyPointers.contains(topic) {
                // A refund or an edit is in the order's next version (Shopify sends
                // orders/updated with it): settled now when that version is here already.
                if let link, let at = modified, let applied = link.modified, applied >= at {
                    try db.run(
                        "UPDATE intake SET state = 'applied', settled_at = ?, order_id = ?, body = NULL WHERE id = ?",
                        nowText, link.id, entry)
                    return answer(
                        200, .applied, "shop \(shop.name): \(topic): already in order \(link.ref)", ref: link.ref)
                }
                try db.run(
                    "UPDATE intake SET error = ?, order_id = ? WHERE id = ?",
                    "waits for the order's next version (Shopify's orders/updated, or the next sync)", link?.id, entry)
                return answer(
                    200, .kept, "shop \(shop.name): \(topic): waits for the order's next version (inbox \(entry))",
                    ref: link?.ref, id: entry)
            }
            var order =
                shop.platform == .shopify
                ? ShopifyOrder.order(ShopifyWebhookOrder.node(json), line: 1, channel: shop.name)
                : WooCommerceOrder.order(json, line: 1, channel: shop.name)
            order.raw = String(decoding: d.body, as: UTF8.self)
            let (outcome, _) = try applyShopOrder(order, shop: shop, via: .webhook, entry: entry)
            switch outcome.kind {
            case .conflict, .failed:
                return answer(
                    200, .kept,
                    "shop \(shop.name): \(topic): \(outcome.kind == .conflict ? "conflict" : "not applied"): \(outcome.reason ?? "") (inbox \(entry))",
                    ref: outcome.ref, id: entry)
            case .created, .updated, .unchanged:
                return answer(
                    200, .applied,
                    "shop \(shop.name): \(topic): order \(outcome.ref ?? platformID) \(outcome.kind.rawValue)",
                    ref: outcome.ref, id: entry)
            }
        }
    }

    /// `webhook_id=N`: the body of WooCommerce's ping.
    static func isWooPing(_ body: [UInt8]) -> Bool {
        let text = String(decoding: body, as: UTF8.self)
        guard text.hasPrefix("webhook_id=") else { return false }
        let digits = text.dropFirst("webhook_id=".count)
        return !digits.isEmpty && digits.count <= 20 && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
    }

    /// The platform order a delivery is about, and its time: the order's modification
    /// time, or a refund's or an edit's creation.
    static func webhookSubject(_ json: JSONValue, platform: Platform, topic: String) -> (String?, Date?) {
        switch (platform, topic) {
        case (.shopify, "refunds/create"):
            return (
                (json["order_id"]?.text).map { "gid://shopify/Order/\($0)" },
                ShopifyWebhookOrder.utc(json["created_at"]?.text).flatMap(Instant.parse)
            )
        case (.shopify, "orders/edited"):
            let edit = json["order_edit"]
            return (
                (edit?["order_id"]?.text).map { "gid://shopify/Order/\($0)" },
                ShopifyWebhookOrder.utc(edit?["committed_at"]?.text ?? edit?["created_at"]?.text).flatMap(Instant.parse)
            )
        case (.shopify, _):
            let id = json["admin_graphql_api_id"]?.text ?? (json["id"]?.text).map { "gid://shopify/Order/\($0)" }
            return (id, ShopifyWebhookOrder.utc(json["updated_at"]?.text).flatMap(Instant.parse))
        case (.woocommerce, _):
            return (
                json["id"]?.text,
                WooCommerceOrder.gmt(json["date_modified_gmt"]) ?? WooCommerceOrder.gmt(json["date_created_gmt"])
            )
        }
    }
}

extension Shop {
    /// A name or topic from a request, fit for one log line.
    static func safe(_ text: String) -> String {
        let cleaned = String(
            text.unicodeScalars.prefix(80).map {
                $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0)
            })
        return "'\(cleaned)'"
    }
}

/// Where `serve` listens: `HOST:PORT`, `[::1]:PORT`, or a port alone (on 127.0.0.1).
/// Anything but loopback needs `--public`, as the platforms only call HTTPS addresses:
/// a TLS proxy or a tunnel goes in front.
public struct ListenAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public static func parse(_ text: String) throws(OrderError) -> ListenAddress {
        let bad = OrderError.invalidValue(
            field: "--listen", value: text, reason: "expected HOST:PORT (127.0.0.1:8080, [::1]:8080) or a port")
        var host = "127.0.0.1"
        var portText = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw bad
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw bad }
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:".contains($0)) }),
            portText.allSatisfy(\.isASCII), let port = Int(portText), (0...65535).contains(port)
        else { throw bad }
        return ListenAddress(host: host, port: port)
    }

    public var isLoopback: Bool { ShopAddress.isLoopback(host) }

    public var display: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// How a shop's intake stands, for `serve`'s /healthz and /metrics.
public struct ShopIntakeStatus: Sendable, Equatable {
    public var shop: String
    public var platform: Platform
    public var syncedAt: Date?
    public var syncError: String?
    public var lastDelivery: Date?
    public var waiting: Int
    public var hasWebhookSecret: Bool
}

extension OrderStore {
    public func intakeStatus() throws -> [ShopIntakeStatus] {
        let shops = try shops()
        let last = try db.read {
            try db.query("SELECT shop_id, max(received_at) FROM intake WHERE via = 'webhook' GROUP BY shop_id") {
                ($0.int64(0), $0.string(1))
            }
        }
        let byShop = Dictionary(last, uniquingKeysWith: { a, _ in a })
        return shops.map {
            ShopIntakeStatus(
                shop: $0.name, platform: $0.platform, syncedAt: $0.syncedAt, syncError: $0.syncError,
                lastDelivery: byShop[$0.id].flatMap(Instant.parse), waiting: $0.waiting,
                hasWebhookSecret: $0.secretFiles[.webhookSecret] != nil)
        }
    }
}
