import Foundation

/// The settings `orderctl config` knows, with their defaults and checks.
public struct SettingKey: Sendable {
    public let key: String
    public let summary: String
    /// Default value; nil means "unset".
    public let defaultValue: String?
    /// Normalises and validates a value typed by the user.
    let normalise: @Sendable (String) throws(OrderError) -> String

    /// The value as it would be stored, or the setting's error; needs no database (whether
    /// a currency may still change does).
    public func check(_ value: String) throws(OrderError) -> String { try normalise(value) }

    public static let currency = SettingKey(
        key: "currency", summary: "ISO 4217 currency of all prices and orders", defaultValue: "EUR"
    ) { v throws(OrderError) in
        try Currency(code: v).code
    }
    public static let timezone = SettingKey(
        key: "timezone", summary: "business time zone for dates, days and months (IANA name)", defaultValue: nil
    ) { v throws(OrderError) in
        guard TimeZone(identifier: v) != nil else {
            throw .invalidValue(field: "timezone", value: v, reason: "expected an IANA time zone such as Europe/Berlin")
        }
        return v  // as given: Foundation would turn "UTC" into "GMT"
    }
    public static let shopCountry = SettingKey(
        key: "shop.country", summary: "the shop's country (ISO 3166 alpha-2); other countries are international",
        defaultValue: nil
    ) { v throws(OrderError) in
        try Validate.countryOrName(v)
    }
    public static let orderPrefix = SettingKey(
        key: "order.prefix", summary: "text before generated order numbers", defaultValue: ""
    ) { v throws(OrderError) in
        guard !v.isEmpty else { return v }
        guard v.count <= 20 else {
            throw .invalidValue(field: "order.prefix", value: v, reason: "longer than 20 characters")
        }
        return try Validate.code(v, field: "order.prefix")
    }
    public static let nextNumber = SettingKey(
        key: "order.next-number", summary: "number of the next generated order ref", defaultValue: "1001"
    ) { v throws(OrderError) in
        String(try Validate.integer(v, field: "order.next-number", min: 1, max: 999_999_999_999))
    }
    public static let defaultChannel = SettingKey(
        key: "order.default-channel", summary: "channel of orders added without --channel", defaultValue: "web"
    ) { v throws(OrderError) in
        try Validate.channel(v)
    }
    public static let classRules = SettingKey(
        key: "class.rules",
        summary: "classification rules in the order they are tried (first match wins; else standard)",
        defaultValue: "express,international,high-value,bulk"
    ) { v throws(OrderError) in
        try ClassificationRules.parseRuleList(v).map(\.rawValue).joined(separator: ",")
    }
    public static let expressDays = SettingKey(
        key: "class.express.due-within-days", summary: "an order due within this many days of being placed is express",
        defaultValue: "2"
    ) { v throws(OrderError) in
        String(try Validate.integer(v, field: "class.express.due-within-days", min: 0, max: 3650))
    }
    public static let bulkQuantity = SettingKey(
        key: "class.bulk.min-quantity", summary: "an order of at least this many units is bulk", defaultValue: "20"
    ) { v throws(OrderError) in
        String(try Validate.integer(v, field: "class.bulk.min-quantity", min: 1, max: 1_000_000_000))
    }
    public static let highValueTotal = SettingKey(
        key: "class.high-value.min-total", summary: "an order totalling at least this amount is high-value",
        defaultValue: "250"
    ) { v throws(OrderError) in
        v  // checked against the shop's currency by OrderStore.setSetting

    }

    public static let remindCooldown = SettingKey(
        key: "remind.cooldown",
        summary:
            "how long remind keeps a reminder quiet once shown, unless its situation changes (whole days count calendar days)",
        defaultValue: "1d"
    ) { v throws(OrderError) in
        try Span.parse(v, field: "remind.cooldown").code
    }
    public static let leadDays = SettingKey(
        key: "reorder.lead-days",
        summary: "days from reordering a product to having it in stock (a product's own --lead-days wins)",
        defaultValue: "14"
    ) { v throws(OrderError) in
        String(try Validate.integer(v, field: "reorder.lead-days", min: 0, max: 3650))
    }
    public static let serviceLevel = SettingKey(
        key: "reorder.service-level",
        summary:
            "percent of restock cycles that should not run out, for safety stock (a product's own --service-level wins)",
        defaultValue: "95"
    ) { v throws(OrderError) in
        String(try Validate.integer(v, field: "reorder.service-level", min: 50, max: 99))
    }
    public static let coverDays = SettingKey(
        key: "reorder.cover-days",
        summary: "days of demand one reorder should cover (a product's own --cover-days wins)", defaultValue: "28"
    ) { v throws(OrderError) in
        String(try Validate.integer(v, field: "reorder.cover-days", min: 1, max: 3650))
    }
    public static let deliveryZones = SettingKey(
        key: "delivery.zones",
        summary: "groups of regions that deliver alike, for delivery predictions: NAME:REGION,REGION;NAME:...",
        defaultValue: nil
    ) { v throws(OrderError) in
        try DeliveryZones.parse(v).code
    }

    public static let decimalComma = SettingKey(
        key: "csv.decimal-comma",
        summary:
            "CSV written and read with decimal commas and ; between fields, as spreadsheets in German, French, ... expect (true or false)",
        defaultValue: "false"
    ) { v throws(OrderError) in
        switch v.lowercased() {
        case "true", "yes", "on", "1": return "true"
        case "false", "no", "off", "0": return "false"
        default: throw .invalidValue(field: "csv.decimal-comma", value: v, reason: "expected true or false")
        }
    }

    public static let backupDir = SettingKey(
        key: "backup.dir", summary: "folder orderctl backup writes to (relative: to the database's folder)",
        defaultValue: "backups"
    ) { v throws(OrderError) in
        guard !v.isEmpty, !v.contains("\0"), !v.contains("\n") else {
            throw .invalidValue(field: "backup.dir", value: v, reason: "expected a folder name or path")
        }
        return v
    }
    public static let backupMaxAge = SettingKey(
        key: "backup.max-age", summary: "doctor warns when the newest backup is older than this (e.g. 2d, 36h)",
        defaultValue: "2d"
    ) { v throws(OrderError) in
        try Span.parse(v, field: "backup.max-age").code
    }
    public static let keepDaily = SettingKey(
        key: "backup.keep-daily", summary: "backup keeps the newest backup of each of this many days (unset: keep all)",
        defaultValue: nil
    ) { v throws(OrderError) in
        String(try Validate.integer(v, field: "backup.keep-daily", min: 0, max: 100_000))
    }
    public static let keepWeekly = SettingKey(
        key: "backup.keep-weekly", summary: "... and of each of this many ISO weeks", defaultValue: nil
    ) { v throws(OrderError) in
        String(try Validate.integer(v, field: "backup.keep-weekly", min: 0, max: 100_000))
    }
    public static let keepMonthly = SettingKey(
        key: "backup.keep-monthly", summary: "... and of each of this many months", defaultValue: nil
    ) { v throws(OrderError) in
        String(try Validate.integer(v, field: "backup.keep-monthly", min: 0, max: 100_000))
    }

    public static let all: [SettingKey] = [
        .currency, .timezone, .shopCountry, .orderPrefix, .nextNumber, .defaultChannel,
        .classRules, .expressDays, .bulkQuantity, .highValueTotal,
        .remindCooldown, .leadDays, .serviceLevel, .coverDays, .deliveryZones, .decimalComma,
        .backupDir, .backupMaxAge, .keepDaily, .keepWeekly, .keepMonthly,
    ]

    public static func named(_ key: String) throws(OrderError) -> SettingKey {
        guard let found = all.first(where: { $0.key == key.lowercased() }) else {
            throw .unknownSetting(key: key, known: all.map(\.key) + ["carrier.NAME.url"])
        }
        return found
    }
}

/// A setting with its effective value, as `config list` shows it.
public struct SettingValue: Sendable, Equatable {
    public var key: String
    public var value: String?
    public var isDefault: Bool
    public var summary: String
}
