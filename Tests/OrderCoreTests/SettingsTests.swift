import Foundation
import Testing

@testable import OrderCore

@Suite("Settings")
struct SettingsTests {

    @Test("defaults are listed for every known key")
    func defaults() throws {
        try withStore(catalog: false) { store throws in
            let all = try store.settings()
            #expect(all.map(\.key) == SettingKey.all.map(\.key))
            let byKey = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
            #expect(byKey["currency"]?.value == "EUR")
            #expect(byKey["currency"]?.isDefault == true)
            #expect(byKey["order.next-number"]?.value == "1001")
            #expect(byKey["class.rules"]?.value == "express,international,high-value,bulk")
            #expect(byKey["timezone"]?.value == "Europe/Berlin")
            #expect(byKey["timezone"]?.isDefault == false)
            #expect(byKey["shop.country"]?.value == "DE")
            #expect(try store.timeZone().identifier == "Europe/Berlin")
        }
    }

    static let knownKeys: [String] = SettingKey.all.map { $0.key } + ["carrier.NAME.url"]

    @Test("an unknown key is refused, listing the known ones")
    func unknownKey() throws {
        try withStore(catalog: false) { store throws in
            try expectRefused(store, .unknownSetting(key: "colour", known: Self.knownKeys)) {
                _ = try store.setSetting("colour", "red")
            }
            try expectRefused(store, .unknownSetting(key: "", known: Self.knownKeys)) {
                _ = try store.setSetting("", "x")
            }
            try expectRefused(store, .unknownSetting(key: "nope", known: Self.knownKeys)) {
                _ = try store.setting(named: "nope")
            }
        }
    }

    @Test("a time zone must be an IANA name", arguments: ["Mars/Olympus_Mons", "", "Europe/Berlin ", "UTC+25"])
    func badTimeZone(value: String) throws {
        try withStore(catalog: false) { store throws in
            let found = try expectInvalid(store, field: "timezone") { try store.setSetting("timezone", value) }
            #expect(found?.value == value)
            #expect(try store.timeZone().identifier == "Europe/Berlin")
        }
    }

    @Test("a valid time zone changes how dates resolve")
    func goodTimeZone() throws {
        // 20:00 UTC is 21:00 on the 4th in Berlin and 05:00 on the 5th in Tokyo.
        try withStore(catalog: false, now: utc("2026-03-04T20:00:00Z")) { store throws in
            #expect(try store.dateResolver().today.iso == "2026-03-04")
            #expect(try store.setSetting("timezone", "Asia/Tokyo").value == "Asia/Tokyo")
            #expect(try store.timeZone().identifier == "Asia/Tokyo")
            #expect(try store.dateResolver().today.iso == "2026-03-05")
        }
    }

    @Test("the currency can change until products exist, then it is refused")
    func currencyChange() throws {
        try withStore(catalog: false) { store throws in
            #expect(try store.setSetting("currency", "usd").value == "USD")
            #expect(try store.currency().code == "USD")
            #expect(try store.setSetting("currency", "JPY").value == "JPY")
            #expect(try store.setSetting("currency", "usd").value == "USD")
            try expectInvalid(store, field: "currency") { try store.setSetting("currency", "EURO") }

            try store.addProduct(NewProduct(sku: "A", name: "A", price: "1.50"))
            #expect(try store.product("A").price.currency.code == "USD")
            try expectRefused(store, .currencyInUse(current: "USD")) { try store.setSetting("currency", "EUR") }
            try expectRefused(store, .currencyInUse(current: "USD")) { try store.setSetting("currency", nil) }
            // Setting the same currency again is harmless.
            #expect(try store.setSetting("currency", "USD").value == "USD")
            #expect(try store.currency().code == "USD")
        }
    }

    @Test("the currency decides the decimals prices may have")
    func currencyDigits() throws {
        try withStore(catalog: false) { store throws in
            try store.setSetting("currency", "JPY")
            try expectInvalid(store, field: "price") {
                try store.addProduct(NewProduct(sku: "A", name: "A", price: "12.5"))
            }
            #expect(try store.addProduct(NewProduct(sku: "A", name: "A", price: "1200")).price.minor == 1200)
        }
    }

    @Test("numeric settings are validated and normalised")
    func numbers() throws {
        try withStore(catalog: false) { store throws in
            try expectInvalid(store, field: "order.next-number") { try store.setSetting("order.next-number", "0") }
            try expectInvalid(store, field: "order.next-number") { try store.setSetting("order.next-number", "ten") }
            try expectInvalid(store, field: "class.bulk.min-quantity") {
                try store.setSetting("class.bulk.min-quantity", "-5")
            }
            try expectInvalid(store, field: "class.express.due-within-days") {
                try store.setSetting("class.express.due-within-days", "1.5")
            }
            try expectInvalid(store, field: "class.high-value.min-total") {
                try store.setSetting("class.high-value.min-total", "12,50")
            }
            try expectInvalid(store, field: "class.high-value.min-total") {
                try store.setSetting("class.high-value.min-total", "-1")
            }
            #expect(try store.setSetting("order.next-number", " 42 ").value == "42")
            #expect(try store.setSetting("class.high-value.min-total", "99.5").value == "99.50")
            #expect(try store.classificationRules().highValueMinTotal.minor == 9950)
        }
    }

    @Test("the high-value threshold takes the shop currency's decimals")
    func highValueThresholdDigits() throws {
        try withStore(catalog: false) { store throws in
            try store.setSetting("currency", "KWD")
            #expect(try store.setSetting("class.high-value.min-total", "250.125").value == "250.125")
            #expect(try store.classificationRules().highValueMinTotal.minor == 250_125)
            // A threshold that does not fit the new currency blocks the change...
            let refused = try expectInvalid(store, field: "currency") { try store.setSetting("currency", "EUR") }
            #expect(refused?.reason.contains("class.high-value.min-total 250.125") == true)
            #expect(try store.currency().code == "KWD")
            // ... until it fits.
            try store.setSetting("class.high-value.min-total", "250")
            try store.setSetting("currency", "EUR")
            let found = try expectInvalid(store, field: "class.high-value.min-total") {
                try store.setSetting("class.high-value.min-total", "12.345")
            }
            #expect(found?.reason == "EUR has at most 2 decimal places")
        }
    }

    @Test("text settings are validated and normalised")
    func texts() throws {
        try withStore(catalog: false) { store throws in
            #expect(try store.setSetting("class.rules", " Bulk , EXPRESS ").value == "bulk,express")
            try expectInvalid(store, field: "class.rules") { try store.setSetting("class.rules", "express,fast") }
            try expectInvalid(store, field: "class.rules") { try store.setSetting("class.rules", "bulk,bulk") }
            #expect(try store.setSetting("shop.country", "at").value == "AT")
            try expectInvalid(store, field: "country") { try store.setSetting("shop.country", "AUT") }
            try expectInvalid(store, field: "order.prefix") { try store.setSetting("order.prefix", "W 1") }
            #expect(try store.setSetting("order.default-channel", "Shop").value == "shop")
            try expectInvalid(store, field: "channel") { try store.setSetting("order.default-channel", "in store") }
            #expect(try store.setSetting("CURRENCY", "gbp").value == "GBP")
        }
    }

    @Test(
        "an order prefix must not contain what a ref may not contain",
        arguments: ["W:", "W@", "W,", "W\u{7}"])
    func prefixObeysRefRules(prefix: String) throws {
        // Generated refs (prefix + number) must satisfy the rules a --ref must satisfy.
        #expect(throws: OrderError.self) { _ = try Validate.code(prefix + "1001", field: "ref") }
        try withStore(catalog: false) { store throws in
            try expectInvalid(store, field: "order.prefix") { _ = try store.setSetting("order.prefix", prefix) }
        }
    }

    @Test("nil resets a setting to its default")
    func reset() throws {
        try withStore(catalog: false) { store throws in
            try store.setSetting("class.bulk.min-quantity", "5")
            #expect(try store.setting(named: "class.bulk.min-quantity").isDefault == false)
            let back = try store.setSetting("class.bulk.min-quantity", nil)
            #expect(back.value == "20")
            #expect(back.isDefault)
            #expect(try store.db.scalarInt("SELECT count(*) FROM settings WHERE key = 'class.bulk.min-quantity'") == 0)
        }
    }
}
