import Foundation

/// A WooCommerce order (REST API v3 `GET /wp-json/wc/v3/orders`, and the body of its
/// `order.created` / `order.updated` webhooks, which is the same document) as import rows.
///
/// - ref: the shop's order `number`; the customer: the billing email and name, the
///   shipping country and state (billing's when there is no shipping address).
/// - Lines: a line without a SKU (common) is the product `woo-<variation or product id>`,
///   named from the line. The unit price is the line's `subtotal` (before coupons, a
///   decimal string) divided by its quantity, never `price` (a JSON float); a subtotal
///   that does not divide evenly is rounded to the currency's minor unit, with a warning.
/// - orderctl's totals are the goods: shipping lines, fees, coupons, the discount, taxes
///   and WooCommerce's own total go into the note, as the Shopify CSV import does.
/// - Status: pending, checkout-draft -> pending; processing -> confirmed (paid, to ship);
///   on-hold -> on_hold; completed -> shipped (WooCommerce does not know delivery);
///   failed -> pending (a failed payment may be tried again); cancelled, trash ->
///   cancelled; refunded -> shipped when it had been
///   completed, else cancelled. Paid when `date_paid` is set; the refunds' totals are
///   the amount refunded.
public enum WooCommerceOrder {
    /// One order document; `line` numbers its issues (its place in a page, or the
    /// delivery), `channel` is the shop's name.
    public static func order(_ json: JSONValue, line: Int, channel: String) -> PlatformOrder {
        var base = ImportRow(line: line)
        let id = json["id"]?.text ?? ""
        func fail(_ field: String, _ value: String, _ reason: String) -> PlatformOrder {
            base.problems.append(ImportIssue(line: line, field: field, value: value, reason: reason))
            return PlatformOrder(platform: .woocommerce, platformID: id, modifiedAt: nil, rows: [base])
        }
        guard case .object = json else { return fail("order", "", "expected a WooCommerce order object") }
        guard !id.isEmpty else { return fail("id", "", "a WooCommerce order needs its id") }
        let modified = gmt(json["date_modified_gmt"]) ?? gmt(json["date_created_gmt"])
        base[.ref] = json["number"]?.text ?? id
        base[.orderedAt] = json["date_created_gmt"]?.text.map { $0 + "Z" } ?? json["date_created"]?.text
        let billing = json["billing"]
        let shipping = json["shipping"]
        base[.customerEmail] = billing?["email"]?.text
        base[.customerName] = name(billing) ?? name(shipping)
        let address = shipping?["country"]?.text != nil ? shipping : billing
        base[.country] = address?["country"]?.text
        base[.region] = address?["state"]?.text
        base[.currency] = json["currency"]?.text
        base[.channel] = channel
        let currencyCode = json["currency"]?.text ?? ""
        guard let currency = try? Currency(code: currencyCode) else {
            return fail("currency", currencyCode, "expected an ISO 4217 currency code")
        }

        let wooStatus = json["status"]?.text ?? ""
        let completed = json["date_completed_gmt"]?.text != nil
        let status: String
        switch wooStatus {
        case "pending", "checkout-draft", "failed": status = "pending"
        case "processing": status = "confirmed"
        case "on-hold": status = "on_hold"
        case "completed": status = "shipped"
        case "cancelled", "trash": status = "cancelled"
        case "refunded": status = completed ? "shipped" : "cancelled"
        default:
            return fail("status", wooStatus, "not a WooCommerce order status")
        }
        base[.status] = status
        if status == "cancelled" { base[.cancelledAt] = gmt(json["date_modified_gmt"]).map(Instant.format) }
        if status == "shipped" { base[.shippedAt] = gmt(json["date_completed_gmt"]).map(Instant.format) }
        if let paid = gmt(json["date_paid_gmt"]) {
            base[.paidAt] = Instant.format(paid)
            base[.paymentStatus] = "paid"
        } else {
            base[.paymentStatus] = "unpaid"
        }

        var extras: [String] = []
        for s in json["shipping_lines"]?.items ?? [] {
            extras.append(
                "shipping \([s["method_title"]?.text, s["total"]?.text].compactMap { $0 }.joined(separator: " "))")
        }
        for f in json["fee_lines"]?.items ?? [] {
            extras.append("fee \([f["name"]?.text, f["total"]?.text].compactMap { $0 }.joined(separator: " "))")
        }
        for c in json["coupon_lines"]?.items ?? [] {
            extras.append("coupon \([c["code"]?.text, c["discount"]?.text].compactMap { $0 }.joined(separator: " "))")
        }
        if let d = json["discount_total"]?.text, PlatformOrder.money(d, currency)?.minor ?? 0 != 0 {
            extras.append("discount \(d)")
        }
        if let t = json["total_tax"]?.text, PlatformOrder.money(t, currency)?.minor ?? 0 != 0 {
            extras.append("taxes \(t)")
        }
        if let t = json["total"]?.text { extras.append("total \(t)") }
        let summary = extras.isEmpty ? nil : "WooCommerce: " + extras.joined(separator: ", ")
        let note = [json["customer_note"]?.text, summary].compactMap { $0 }.joined(separator: "\n")
        base[.note] = note

        var refunded: Int64 = 0
        for r in json["refunds"]?.items ?? [] {
            guard let m = PlatformOrder.money(r["total"]?.text, currency, allowNegative: true) else {
                return fail("refunds.total", r["total"]?.text ?? "", "expected a decimal amount")
            }
            refunded += abs(m.minor)
        }
        if refunded > 0 { base[.refundedTotal] = Money(minor: refunded, currency: currency).decimalString }

        let lines = json["line_items"]?.items ?? []
        guard !lines.isEmpty else { return fail("line_items", "", "an order needs at least one line") }
        var rows: [ImportRow] = []
        for (i, item) in lines.enumerated() {
            var row = base
            let field = "line_items[\(i)]"
            let product = [item["variation_id"], item["product_id"]].compactMap { $0?.text }.first { $0 != "0" }
            guard let sku = item["sku"]?.text ?? product.map({ "woo-\($0)" }) else {
                return fail("\(field).sku", "", "a line needs a SKU or a product id")
            }
            row[.sku] = sku
            row[.productName] = item["name"]?.text
            guard let qtyText = item["quantity"]?.text, let quantity = Int64(qtyText), quantity > 0 else {
                return fail("\(field).quantity", item["quantity"]?.text ?? "", "expected a whole number above 0")
            }
            row[.quantity] = qtyText
            guard let subtotalText = item["subtotal"]?.text,
                let subtotal = PlatformOrder.money(subtotalText, currency)
            else {
                return fail("\(field).subtotal", item["subtotal"]?.text ?? "", "expected a decimal amount")
            }
            var unit = subtotal.minor / quantity
            if subtotal.minor % quantity != 0 {
                unit = (subtotal.minor + quantity / 2) / quantity
                let price = Money(minor: unit, currency: currency)
                row.warnings.append(
                    "line \(line): order \(base[.ref] ?? id): \(sku): a subtotal of \(subtotalText) for \(quantity) units does not divide evenly; imported at \(price.decimalString) each"
                )
            }
            row[.unitPrice] = Money(minor: unit, currency: currency).decimalString
            rows.append(row)
        }
        return PlatformOrder(platform: .woocommerce, platformID: id, modifiedAt: modified, rows: rows)
    }

    /// "John" and "Doe" as "John Doe"; nil when both are empty.
    static func name(_ address: JSONValue?) -> String? {
        let parts = [address?["first_name"]?.text, address?["last_name"]?.text].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// WooCommerce's `..._gmt` times: ISO 8601 without an offset, in UTC.
    static func gmt(_ value: JSONValue?) -> Date? {
        guard let text = value?.text else { return nil }
        return Instant.parse(text.hasSuffix("Z") ? text : text + "Z")
    }
}
