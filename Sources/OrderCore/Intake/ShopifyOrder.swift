import Foundation

/// A Shopify order as the GraphQL Admin API's `orders` query returns a node (the fields
/// `ShopifyOrder.fields` asks for), as import rows, read the way the Shopify CSV import
/// reads the admin's export.
///
/// - ref: the order's `name` (`#1001`); the customer: the email, the billing name (else
///   the shipping name, else the customer's), the shipping country and province.
/// - Lines: a line without a SKU is the product `shopify-<variant id>` (or
///   `shopify-line-<line id>` for a custom item), named from the line (an order of more
///   than 250 lines, more than one page of them, is an issue, never read in part); the unit price is
///   `originalUnitPriceSet.shopMoney.amount`, a decimal string in the shop's currency.
/// - Amounts in the shop's currency (`shopMoney`), never the presentment currency. The
///   subtotal, shipping, taxes, discounts and Shopify's total go into the note.
/// - Status: FULFILLED -> shipped (delivered when every fulfilment has a `deliveredAt`),
///   PARTIALLY_FULFILLED -> processing (each line's shipped units: its `currentQuantity`,
///   what the order holds after edits and refunds, less `unfulfilledQuantity`), ON_HOLD
///   -> on_hold, FULFILLMENT_NOT_REQUIRED -> shipped, RESTOCKED and refunded ->
///   cancelled, the other documented values -> confirmed when paid, else pending (an
///   unknown value is an issue); cancelled (`cancelledAt`) unless something shipped, which is kept with a
///   warning. Payment from `displayFinancialStatus`, the amounts from the total, the
///   outstanding and the refunded sets; paid at `processedAt`.
/// - Shipments: the first fulfilment's time, its first tracking company (letters and
///   digits, lower case: `DHL Express` is `dhlexpress`) and number.
public enum ShopifyOrder {
    /// The selection of an `orders` query's node that `order` reads.
    public static let fields = fields(lines: 250)

    /// The same, with at most `lines` line items (a page of them).
    static func fields(lines: Int) -> String {
        """
        id name createdAt updatedAt processedAt cancelledAt email note currencyCode
        displayFinancialStatus displayFulfillmentStatus
        customer { displayName email }
        billingAddress { name countryCodeV2 provinceCode }
        shippingAddress { name countryCodeV2 provinceCode }
        subtotalPriceSet { shopMoney { amount } } totalShippingPriceSet { shopMoney { amount } }
        totalTaxSet { shopMoney { amount } } totalDiscountsSet { shopMoney { amount } }
        totalPriceSet { shopMoney { amount } } totalOutstandingSet { shopMoney { amount } }
        totalRefundedSet { shopMoney { amount } }
        fulfillments { createdAt deliveredAt trackingInfo { company number } }
        lineItems(first: \(lines)) { nodes { id sku name quantity currentQuantity unfulfilledQuantity variant { id }
          originalUnitPriceSet { shopMoney { amount } } } pageInfo { hasNextPage } }
        """
    }

    /// One `orders` node; `line` numbers its issues, `channel` is the shop's name.
    public static func order(_ json: JSONValue, line: Int, channel: String) -> PlatformOrder {
        var base = ImportRow(line: line)
        let id = json["id"]?.text ?? ""
        func fail(_ field: String, _ value: String, _ reason: String) -> PlatformOrder {
            base.problems.append(ImportIssue(line: line, field: field, value: value, reason: reason))
            return PlatformOrder(platform: .shopify, platformID: id, modifiedAt: nil, rows: [base])
        }
        guard case .object = json else { return fail("order", "", "expected a Shopify order object") }
        guard !id.isEmpty else { return fail("id", "", "a Shopify order needs its id") }
        guard let name = json["name"]?.text else { return fail("name", "", "a Shopify order needs its name") }
        let modified = (json["updatedAt"]?.text).flatMap(Instant.parse)
        func amount(_ key: String) -> String? { json[key]?["shopMoney"]?["amount"]?.text }
        base[.ref] = name
        base[.orderedAt] = json["createdAt"]?.text
        let billing = json["billingAddress"]
        let shipping = json["shippingAddress"]
        let customer = json["customer"]
        base[.customerEmail] = json["email"]?.text ?? customer?["email"]?.text
        base[.customerName] = billing?["name"]?.text ?? shipping?["name"]?.text ?? customer?["displayName"]?.text
        let address = shipping?["countryCodeV2"]?.text != nil ? shipping : billing
        base[.country] = address?["countryCodeV2"]?.text
        base[.region] = address?["provinceCode"]?.text
        let currencyCode = json["currencyCode"]?.text ?? ""
        guard let currency = try? Currency(code: currencyCode) else {
            return fail("currencyCode", currencyCode, "expected an ISO 4217 currency code")
        }
        base[.currency] = currency.code
        base[.channel] = channel

        let financial = json["displayFinancialStatus"]?.text ?? ""
        let payment: String
        switch financial {
        case "PAID": payment = "paid"
        case "PARTIALLY_PAID": payment = "partially_paid"
        case "REFUNDED": payment = "refunded"
        case "PARTIALLY_REFUNDED": payment = "partially_refunded"
        case "PENDING", "AUTHORIZED", "VOIDED", "EXPIRED", "": payment = "unpaid"
        default: return fail("displayFinancialStatus", financial, "not a Shopify financial status")
        }
        base[.paymentStatus] = payment
        if payment != "unpaid" { base[.paidAt] = json["processedAt"]?.text ?? json["createdAt"]?.text }
        base[.shopTotal] = PlatformOrder.money(amount("totalPriceSet"), currency)?.decimalString
        base[.shopOutstanding] = PlatformOrder.money(amount("totalOutstandingSet"), currency)?.decimalString
        if let text = amount("totalRefundedSet") {
            guard let refunded = PlatformOrder.money(text, currency) else {
                return fail("totalRefundedSet", text, "expected a decimal amount in \(currency.code)")
            }
            if refunded.minor > 0 { base[.refundedTotal] = refunded.decimalString }
        }

        let fulfilments = json["fulfillments"]?.items ?? []
        let fulfilment = json["displayFulfillmentStatus"]?.text ?? ""
        var status: String
        switch fulfilment {
        case "FULFILLED":
            let delivered = fulfilments.compactMap { ($0["deliveredAt"]?.text).flatMap(Instant.parse) }
            if !fulfilments.isEmpty && delivered.count == fulfilments.count, let last = delivered.max() {
                status = "delivered"
                base[.deliveredAt] = Instant.format(last)
            } else {
                status = "shipped"
            }
        case "FULFILLMENT_NOT_REQUIRED": status = "shipped"
        case "PARTIALLY_FULFILLED": status = "processing"
        case "ON_HOLD": status = "on_hold"
        case "RESTOCKED" where payment == "refunded": status = "cancelled"
        case "UNFULFILLED", "OPEN", "IN_PROGRESS", "PENDING_FULFILLMENT", "SCHEDULED", "REQUEST_DECLINED", "RESTOCKED":
            status = payment == "unpaid" ? "pending" : "confirmed"
        default: return fail("displayFulfillmentStatus", fulfilment, "not a Shopify fulfilment status")
        }
        if let first = fulfilments.first {
            base[.shippedAt] = first["createdAt"]?.text
            if let tracking = first["trackingInfo"]?.items.first {
                base[.carrier] = tracking["company"]?.text.map {
                    String($0.lowercased().filter(\.isLetterOrDigitASCII))
                }
                base[.tracking] = tracking["number"]?.text
            }
        }
        if let cancelled = json["cancelledAt"]?.text {
            if status == "shipped" || status == "processing" || status == "delivered" {
                base.warnings.append(
                    "line \(line): order \(name) was cancelled at \(cancelled) after lines had shipped; it is kept as \(status)"
                )
            } else {
                status = "cancelled"
                base[.cancelledAt] = cancelled
            }
        }
        base[.status] = status

        var extras: [String] = []
        for (key, label) in [
            ("subtotalPriceSet", "subtotal"), ("totalShippingPriceSet", "shipping"), ("totalTaxSet", "taxes"),
            ("totalDiscountsSet", "discount"),
        ] {
            if let v = amount(key), PlatformOrder.money(v, currency)?.minor ?? 0 != 0 {
                extras.append("\(label) \(v)")
            }
        }
        if let v = amount("totalPriceSet") { extras.append("total \(v)") }
        let summary = extras.isEmpty ? nil : "Shopify: " + extras.joined(separator: ", ")
        base[.note] = [json["note"]?.text, summary].compactMap { $0 }.joined(separator: "\n")

        let items =
            json["lineItems"]?["nodes"]?.items ?? (json["lineItems"]?["edges"]?.items ?? []).compactMap { $0["node"] }
        guard !items.isEmpty else { return fail("lineItems", "", "an order needs at least one line") }
        // An order is applied whole or not at all: one with more lines than a page holds
        // is refused rather than taken for a smaller order.
        if case .bool(true) = json["lineItems"]?["pageInfo"]?["hasNextPage"] ?? .null {
            return fail("lineItems", "", "more than \(items.count) lines: the page does not hold the whole order")
        }
        var rows: [ImportRow] = []
        for (i, item) in items.enumerated() {
            var row = base
            let field = "lineItems[\(i)]"
            let variant = (item["variant"]?["id"]?.text).map(Self.numericID)
            let lineID = (item["id"]?.text).map(Self.numericID)
            guard
                let sku = item["sku"]?.text ?? variant.map({ "shopify-\($0)" }) ?? lineID.map({ "shopify-line-\($0)" })
            else {
                return fail("\(field).sku", "", "a line needs a SKU, a variant or its id")
            }
            row[.sku] = sku
            row[.productName] = item["name"]?.text
            // The units the order holds now: an edit or a refund removes some from `quantity`.
            let quantityField = item["currentQuantity"] != nil ? "currentQuantity" : "quantity"
            guard let qtyText = item[quantityField]?.text, let quantity = Int64(qtyText), quantity >= 0 else {
                return fail("\(field).\(quantityField)", item[quantityField]?.text ?? "", "expected a whole number")
            }
            if quantity == 0 { continue }  // removed from the order
            row[.quantity] = qtyText
            guard
                let price = PlatformOrder.amount(item["originalUnitPriceSet"]?["shopMoney"]?["amount"]?.text, currency)
            else {
                return fail(
                    "\(field).originalUnitPriceSet", item["originalUnitPriceSet"]?["shopMoney"]?["amount"]?.text ?? "",
                    "expected a decimal amount in \(currency.code)")
            }
            row[.unitPrice] = price
            if status == "processing" {
                let open = min(quantity, max(0, (item["unfulfilledQuantity"]?.text).flatMap { Int64($0) } ?? quantity))
                row[.lineShipped] = String(quantity - open)
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { return fail("lineItems", "", "every line was removed from the order") }
        return PlatformOrder(platform: .shopify, platformID: id, modifiedAt: modified, rows: rows)
    }

    /// `gid://shopify/ProductVariant/39072856` as `39072856`.
    static func numericID(_ gid: String) -> String {
        gid.split(separator: "/").last.map(String.init) ?? gid
    }
}

extension Character {
    fileprivate var isLetterOrDigitASCII: Bool { isASCII && (isLetter || isNumber) }
}
