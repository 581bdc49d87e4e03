import Foundation

/// A Shopify webhook's order (the REST Admin API's order resource, the body of
/// `orders/create`, `orders/updated`, `orders/paid`, ...) in the shape of the GraphQL
/// `orders` node that `ShopifyOrder.order` reads, so that a delivered order and a synced
/// one become the same rows, with the same platform id (`admin_graphql_api_id`, the
/// order's GID).
///
/// - `financial_status` and `fulfillment_status` are the GraphQL enums in lower case
///   (`partial` is `PARTIALLY_FULFILLED`, null is `UNFULFILLED`).
/// - The amount refunded is the sum of the refunds' successful `refund` transactions.
/// - A line's `current_quantity` (what the order holds after edits and refunds) is used
///   when sent; else its `quantity` less the units its refunds took off.
/// - A fulfilment whose `shipment_status` is `delivered` was delivered at its
///   `updated_at`; cancelled and failed fulfilments are left out.
public enum ShopifyWebhookOrder {
    /// A REST time (`2026-11-20T10:00:00+01:00`, offsets and fractions allowed) as the
    /// UTC instant GraphQL writes (`2026-11-20T09:00:00Z`); other text is passed on as it
    /// is, for the reader to refuse.
    static func utc(_ text: String?) -> String? {
        guard let text else { return nil }
        if Instant.parse(text) != nil { return text }
        let plain = ISO8601DateFormatter()
        let fraction = ISO8601DateFormatter()
        fraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = plain.date(from: text) ?? fraction.date(from: text) else { return text }
        return Instant.format(date)
    }

    /// A line's units still to ship: what it holds now less what its fulfilments
    /// shipped, when they list their lines; else Shopify's `fulfillable_quantity`.
    static func unfulfilled(_ item: JSONValue, current: String?, shipped: Int64?) -> JSONValue {
        guard let shipped, let now = current.flatMap({ Int64($0) }) else {
            return item["fulfillable_quantity"]?.text.map(JSONValue.string) ?? .null
        }
        return .string(now < 0 ? String(now) : String(now - min(now, shipped)))
    }

    public static func node(_ rest: JSONValue) -> JSONValue {
        guard case .object = rest else { return rest }
        func text(_ v: JSONValue?) -> JSONValue { v?.text.map(JSONValue.string) ?? .null }
        func time(_ v: JSONValue?) -> JSONValue { utc(v?.text).map(JSONValue.string) ?? .null }
        func set(_ key: String, fallback: String? = nil) -> JSONValue {
            if let amount = rest[key]?["shop_money"]?["amount"]?.text {
                return .object([("shopMoney", .object([("amount", .string(amount))]))])
            }
            if let fallback, let amount = rest[fallback]?.text {
                return .object([("shopMoney", .object([("amount", .string(amount))]))])
            }
            return .null
        }
        func address(_ key: String) -> JSONValue {
            guard let a = rest[key], case .object = a else { return .null }
            return .object([
                ("name", text(a["name"])), ("countryCodeV2", text(a["country_code"])),
                ("provinceCode", text(a["province_code"])),
            ])
        }
        let restID = rest["id"]?.text
        let id = rest["admin_graphql_api_id"]?.text ?? restID.map { "gid://shopify/Order/\($0)" }
        let financial = rest["financial_status"]?.text?.uppercased() ?? ""
        let fulfilment: String
        switch rest["fulfillment_status"]?.text {
        case nil: fulfilment = "UNFULFILLED"
        case "partial": fulfilment = "PARTIALLY_FULFILLED"
        case let other?: fulfilment = other.uppercased()
        }
        let customer = rest["customer"]
        let displayName = [customer?["first_name"]?.text, customer?["last_name"]?.text].compactMap { $0 }
            .joined(separator: " ")

        // What the refunds took off each line, and the amount they gave back.
        var refundedUnits: [String: Int64] = [:]
        var refunded: Money?
        // A refund amount that cannot be read is passed on as text, which `order` refuses.
        var badRefund: String?
        let currency = (rest["currency"]?.text).flatMap { try? Currency(code: $0) }
        for refund in rest["refunds"]?.items ?? [] {
            for line in refund["refund_line_items"]?.items ?? [] {
                if let lineID = line["line_item_id"]?.text, let q = (line["quantity"]?.text).flatMap({ Int64($0) }),
                    q >= 0
                {
                    let (sum, overflow) = refundedUnits[lineID, default: 0].addingReportingOverflow(q)
                    refundedUnits[lineID] = overflow ? Int64.max : sum
                }
            }
            for t in refund["transactions"]?.items ?? []
            where t["kind"]?.text == "refund" && (t["status"]?.text ?? "success") == "success" {
                // An amount in another currency (the buyer's, on a multi-currency order)
                // is not the shop's money: refused, not added.
                guard let currency, t["currency"]?.text.map({ $0 == currency.code }) ?? true,
                    let m = PlatformOrder.money(t["amount"]?.text, currency)
                else {
                    badRefund = t["amount"]?.text ?? "null"
                    continue
                }
                let (sum, overflow) = (refunded?.minor ?? 0).addingReportingOverflow(m.minor)
                if overflow {
                    badRefund = "more than an amount can hold"
                } else {
                    refunded = Money(minor: sum, currency: currency)
                }
            }
        }

        let fulfilments: [JSONValue] = (rest["fulfillments"]?.items ?? []).compactMap { f in
            if let status = f["status"]?.text, status != "success" && status != "open" && status != "pending" {
                return nil
            }
            let delivered = f["shipment_status"]?.text == "delivered" ? time(f["updated_at"]) : .null
            let number = f["tracking_number"]?.text ?? f["tracking_numbers"]?.items.first?.text
            let tracking: [JSONValue] =
                number == nil && f["tracking_company"]?.text == nil
                ? []
                : [
                    .object([
                        ("company", text(f["tracking_company"])), ("number", number.map(JSONValue.string) ?? .null),
                    ])
                ]
            return .object([
                ("createdAt", time(f["created_at"])), ("deliveredAt", delivered), ("trackingInfo", .array(tracking)),
            ])
        }

        // The units each line has shipped: the successful fulfilments' line items
        // (`fulfillable_quantity` also leaves out units that are only pending or open).
        var shippedUnits: [String: Int64] = [:]
        for f in rest["fulfillments"]?.items ?? [] where (f["status"]?.text ?? "success") == "success" {
            for line in f["line_items"]?.items ?? [] {
                if let lineID = line["id"]?.text, let q = (line["quantity"]?.text).flatMap({ Int64($0) }), q >= 0 {
                    let (sum, overflow) = shippedUnits[lineID, default: 0].addingReportingOverflow(q)
                    shippedUnits[lineID] = overflow ? Int64.max : sum
                }
            }
        }
        let listed = (rest["fulfillments"]?.items ?? []).contains { !($0["line_items"]?.items.isEmpty ?? true) }
        let lines: [JSONValue] = (rest["line_items"]?.items ?? []).map { item in
            let lineID = item["id"]?.text
            var current = item["current_quantity"]?.text
            if current == nil, let q = (item["quantity"]?.text).flatMap({ Int64($0) }) {
                // Refunded units are never negative (see above); a negative quantity passes on, for the reader to refuse.
                current = q < 0 ? String(q) : String(q - min(q, lineID.flatMap { refundedUnits[$0] } ?? 0))
            }
            let price = item["price_set"]?["shop_money"]?["amount"]?.text ?? item["price"]?.text
            return .object([
                (
                    "id",
                    (item["admin_graphql_api_id"]?.text ?? lineID.map { "gid://shopify/LineItem/\($0)" }).map(
                        JSONValue.string) ?? .null
                ),
                ("sku", text(item["sku"])),
                ("name", text(item["name"] ?? item["title"])),
                ("quantity", text(item["quantity"])),
                ("currentQuantity", current.map(JSONValue.string) ?? .null),
                (
                    "unfulfilledQuantity",
                    unfulfilled(
                        item, current: current, shipped: listed ? lineID.flatMap { shippedUnits[$0] } ?? 0 : nil)
                ),
                (
                    "variant",
                    (item["variant_id"]?.text).map { .object([("id", .string("gid://shopify/ProductVariant/\($0)"))]) }
                        ?? .null
                ),
                (
                    "originalUnitPriceSet",
                    price.map { .object([("shopMoney", .object([("amount", .string($0))]))]) } ?? .null
                ),
            ])
        }

        return .object([
            ("id", id.map(JSONValue.string) ?? .null),
            ("name", text(rest["name"])),
            ("createdAt", time(rest["created_at"])),
            ("updatedAt", time(rest["updated_at"])),
            ("processedAt", time(rest["processed_at"])),
            ("cancelledAt", time(rest["cancelled_at"])),
            ("email", text(rest["email"]?.text != nil ? rest["email"] : rest["contact_email"])),
            ("note", text(rest["note"])),
            ("currencyCode", text(rest["currency"])),
            ("displayFinancialStatus", .string(financial)),
            ("displayFulfillmentStatus", .string(fulfilment)),
            (
                "customer",
                customer == nil
                    ? .null
                    : .object([
                        ("displayName", displayName.isEmpty ? .null : .string(displayName)),
                        ("email", text(customer?["email"])),
                    ])
            ),
            ("billingAddress", address("billing_address")),
            ("shippingAddress", address("shipping_address")),
            ("subtotalPriceSet", set("subtotal_price_set", fallback: "subtotal_price")),
            ("totalShippingPriceSet", set("total_shipping_price_set")),
            ("totalTaxSet", set("total_tax_set", fallback: "total_tax")),
            ("totalDiscountsSet", set("total_discounts_set", fallback: "total_discounts")),
            ("totalPriceSet", set("total_price_set", fallback: "total_price")),
            ("totalOutstandingSet", set("total_outstanding_set", fallback: "total_outstanding")),
            (
                "totalRefundedSet",
                badRefund.map { .object([("shopMoney", .object([("amount", .string($0))]))]) } ?? refunded.map {
                    .object([("shopMoney", .object([("amount", .string($0.decimalString))]))])
                } ?? .null
            ),
            ("fulfillments", .array(fulfilments)),
            ("lineItems", .object([("nodes", .array(lines)), ("pageInfo", .object([("hasNextPage", .bool(false))]))])),
        ])
    }
}
