import Foundation

/// The one type the command line talks to. Every method that writes runs in one
/// transaction: when it throws, nothing changed.
public final class OrderStore {
    /// The connection: internal, so that SQL stays inside OrderCore.
    let db: Database
    public let path: String
    /// True when opening created the database (a new file, or an empty one).
    public let created: Bool
    /// Held while the store is open, so that `restore` never replaces the file under it.
    let lock: DatabaseLock?
    /// What the damage marker says (see `DamageMarker`) when the file is marked damaged:
    /// then it was opened read-only.
    public let damage: String?
    let clock: @Sendable () -> Date
    /// Rows nearly always share one currency: don't re-validate its code per row.
    var lastCurrency: Currency?

    public enum OpenMode: Sendable {
        /// Fail with `OrderError.noDatabase` when the file does not exist.
        case existing
        /// Create the file (and its folder) when missing.
        case create
    }

    /// `allowDamaged` opens a file marked damaged for writing (`doctor --repair` only).
    /// `onUpgrade` is called before an existing database is brought to a newer schema
    /// (which can take a while on a large one), with the path, its version, the new
    /// version, and the backup taken just before: the CLI says so on stderr.
    public init(
        path: String, mode: OpenMode = .create, allowDamaged: Bool = false,
        clock: @escaping @Sendable () -> Date = { Date() },
        onUpgrade: (_ path: String, _ from: Int, _ to: Int, _ backup: String) -> Void = { _, _, _, _ in }
    ) throws {
        self.path = path
        self.clock = clock
        if !FileManager.default.fileExists(atPath: path) {
            guard mode == .create else { throw OrderError.noDatabase(path: path) }
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            }
        }
        lock = try DatabaseLock.shared(path)
        let database: Database
        var fresh = false
        var backedUp: String?
        let marked = allowDamaged ? nil : DamageMarker.read(path)
        if marked != nil || (mode == .existing && !Self.mayWrite(path)) {
            // Reading a database one may not write (a read-only mount, another user's
            // folder), or one known to be damaged: opened read-only, never changed; a
            // write says why it is refused.
            database = try Self.openReadOnly(path)
            db = database
            created = false
            damage = try marked ?? Self.schemaDamage(database, path: path, at: clock())
            return
        }
        do {
            // Check the file is ours before anything (even the journal mode) changes it.
            database = try Database(path: path, create: mode == .create, wal: false)
            try Migrations.checkOwnership(database, path: path)
            if mode == .existing { try Self.refuseEmpty(database, path: path) }
            try database.enableWAL()
            backedUp = try Self.backUpBeforeUpgrade(database, path: path, at: clock())
            fresh = try Migrations.migrate(
                database, path: path, swiftSteps: Migrations.swiftSteps,
                afterFirstStep: {
                    // Pin the business time zone so the database means the same on any machine.
                    try database.run(
                        "INSERT OR IGNORE INTO settings(key, value) VALUES (?, ?)",
                        SettingKey.timezone.key, TimeZone.current.identifier)
                }, upgrading: { from, to in onUpgrade(path, from, to, backedUp ?? "") })
        } catch let error as SQLiteError where error.primaryCode == SQLiteCode.notADatabase {
            throw OrderError.databaseNotOrderctl(path: path, reason: "the file is not an SQLite database")
        } catch {
            throw Self.reportingBusy(error, path: path)
        }
        created = fresh
        if !allowDamaged, let found = try Self.schemaDamage(database, path: path, at: clock()) {
            // Marked now: opened read-only like any file known to be damaged.
            db = try Self.openReadOnly(path)
            damage = DamageMarker.read(path) ?? found
        } else {
            db = database
            damage = nil
        }
    }

    /// Runs `body` in one write transaction (`Database.transaction`: the write lock first;
    /// a savepoint inside another). Every write of the store goes through here.
    func write<T>(_ body: () throws -> T) throws -> T {
        do {
            return try db.transaction(body)
        } catch {
            throw Self.reportingBusy(error, path: path)
        }
    }

    /// The one place "busy" becomes a domain error, for every write and for the open
    /// (which takes the write lock to switch to WAL and to migrate): another program held
    /// the write lock beyond the busy timeout. Any other error is returned as it is.
    static func reportingBusy(_ error: any Error, path: String) -> any Error {
        guard let error = error as? SQLiteError, error.isBusy else { return error }
        return OrderError.databaseBusy(path: path)
    }

    /// The cheap check every open makes beyond SQLite's own: orderctl's tables, indexes,
    /// triggers and views still read as they did when it made them (`schema_objects`).
    /// When one does not, the file is marked damaged (best effort: a read-only folder
    /// keeps no mark) and the reason returned.
    public static let schemaDamagePhrase = "its schema was changed outside orderctl, or is damaged"

    static func schemaDamage(_ database: Database, path: String, at date: Date) throws -> String? {
        guard let drift = try Migrations.schemaDrift(database) else { return nil }
        let reason = "\(schemaDamagePhrase): \(drift)"
        DamageMarker.mark(path, reason: reason, at: date)
        return reason
    }

    /// True when this process may change the file and make files beside it (its -wal).
    static func mayWrite(_ path: String) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        guard access(path, W_OK) == 0, access(folder.isEmpty ? "." : folder, W_OK) == 0 else { return false }
        // Root passes access() everywhere but on a read-only mount.
        var fs = statvfs()
        return statvfs(path, &fs) != 0 || fs.f_flag & UInt(ST_RDONLY) == 0
    }

    static func openReadOnly(_ path: String) throws -> Database {
        var database: Database
        do {
            database = try Database(path: path, create: false, readOnly: true, wal: false)
            _ = try database.scalarInt("SELECT count(*) FROM sqlite_schema")
        } catch let error as SQLiteError where error.primaryCode == SQLiteCode.notADatabase {
            throw OrderError.databaseNotOrderctl(path: path, reason: "the file is not an SQLite database")
        } catch let error as SQLiteError where error.primaryCode != SQLiteCode.corrupt {
            // A WAL database whose -shm cannot be made here: read it as it is on disk,
            // unless its log holds changes the file does not (they would go unseen).
            if fileSize(path + "-wal") > 0 {
                throw OrderError.file(
                    path: path,
                    problem:
                        "cannot be read here: its write-ahead log (\(path)-wal) holds changes, and its index cannot be made in this folder (\(error.message)); run orderctl once where it may write the folder"
                )
            }
            database = try Database(path: path, create: false, readOnly: true, wal: false, immutable: true)
        }
        try Migrations.checkOwnership(database, path: path)
        try refuseEmpty(database, path: path)
        let version = try database.userVersion
        if version < Migrations.latestVersion {
            throw OrderError.file(
                path: path,
                problem:
                    "is read-only here (the file or its folder) and needs an upgrade from schema version \(version) to \(Migrations.latestVersion); run orderctl once where it may write the file"
            )
        }
        return database
    }

    /// A file without orderctl's schema, opened by a command that expects a database (a
    /// zero-length file after a crash or a `> orders.db`, or a young shop's file copied
    /// without its -wal) is refused, never quietly made a new, empty shop.
    static func refuseEmpty(_ database: Database, path: String) throws {
        guard try database.userVersion == 0 else { return }
        throw OrderError.file(
            path: path,
            problem:
                "holds no orderctl database (an empty file: was it cut short, or copied without its -wal?); nothing was changed. 'orderctl init' makes a new database there, 'orderctl restore FILE' puts a backup in its place"
        )
    }

    /// Wraps a connection that is already open and checked (a backup being checked, the
    /// copy a restore is about to put in place): no migration, no change of journal mode.
    init(opened database: Database, path: String) {
        self.path = path
        self.clock = { Date() }
        self.db = database
        self.created = false
        self.lock = nil
        self.damage = nil
    }

    /// Before an existing database is brought to a newer schema, a copy of it as it was:
    /// `orders-pre-v6-to-v7-TIME.db` in the backup folder (checked by SQLite's
    /// quick_check; the history chain is not walked, which on a large file would double
    /// the upgrade's time). Returns its path, or nil when no upgrade is due.
    static func backUpBeforeUpgrade(
        _ database: Database, path: String, at date: Date, latest: Int = Migrations.latestVersion
    ) throws -> String? {
        let version = try database.userVersion
        guard version > 0, version < latest else { return nil }
        let setting = try? database.scalarString("SELECT value FROM settings WHERE key = ?", SettingKey.backupDir.key)
        let folder = backupFolder(setting: setting, databasePath: path)
        let name = "\(Backups.stem(of: path))-pre-v\(version)-to-v\(latest)-\(Backups.stamp(date)).db"
        let final = (folder as NSString).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temporary = (folder as NSString).appendingPathComponent(Backups.temporaryName(for: name))
            defer { unlink(temporary) }
            try database.copySnapshot(to: temporary)
            _ = try Backups.check(path: temporary, shownAs: "the copy", history: false)
            try syncPath(temporary)
            try placeNew(temporary, as: final)
            try syncPath(folder)
        } catch {
            let reason = (error as? SQLiteError).flatMap(diskProblem) ?? "\(error)"
            throw OrderError.file(
                path: path,
                problem:
                    "not upgraded from schema version \(version) to \(latest): the backup taken first failed (\(reason)); nothing was changed"
            )
        }
        return final
    }

    /// `$ORDERCTL_DB`, else `$XDG_DATA_HOME/orderctl/orders.db`, else
    /// `~/.local/share/orderctl/orders.db`.
    public static func defaultPath(environment: (String) -> String? = Environment.value) -> String {
        if let path = environment("ORDERCTL_DB"), !path.isEmpty { return path }
        if let xdg = environment("XDG_DATA_HOME"), xdg.hasPrefix("/") {
            return xdg + "/orderctl/orders.db"
        }
        let home = environment("HOME").flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/orderctl/orders.db"
    }

    public var schemaVersion: Int { (try? db.userVersion) ?? 0 }
    public static var latestSchemaVersion: Int { Migrations.latestVersion }

    var now: Date { clock() }
    var nowText: String { Instant.format(clock()) }

    // MARK: settings

    func rawSetting(_ key: String) throws -> String? {
        try db.scalarString("SELECT value FROM settings WHERE key = ?", key)
    }

    func writeSetting(_ key: String, _ value: String?) throws {
        if let value {
            try db.run(
                "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                key, value)
        } else {
            try db.run("DELETE FROM settings WHERE key = ?", key)
        }
    }

    func setting(_ key: SettingKey) throws -> String? {
        try rawSetting(key.key) ?? key.defaultValue
    }

    public func currency() throws -> Currency {
        try Currency(code: setting(.currency) ?? "EUR")
    }

    public func timeZone() throws -> TimeZone {
        let identifier = try setting(.timezone)
        // TimeZone(identifier:) asks ICU each time; a command may need the zone often.
        if let cached = cachedZone, cached.identifier == identifier { return cached.zone }
        let zone = identifier.flatMap(TimeZone.init(identifier:)) ?? TimeZone.current
        cachedZone = (identifier, zone)
        return zone
    }
    private var cachedZone: (identifier: String?, zone: TimeZone)?

    public func dateResolver() throws -> DateResolver {
        DateResolver(now: now, zone: try timeZone())
    }

    public func classificationRules() throws -> ClassificationRules {
        let currency = try self.currency()
        let order = try ClassificationRules.parseRuleList(setting(.classRules) ?? "")
        let days = Int(try setting(.expressDays) ?? "2") ?? 2
        let bulk = Int64(try setting(.bulkQuantity) ?? "20") ?? 20
        let total = try Self.threshold(setting(.highValueTotal) ?? "250", currency: currency)
        return ClassificationRules(
            order: order, expressWithinDays: days, bulkMinQuantity: bulk,
            highValueMinTotal: total, shopCountry: try setting(.shopCountry))
    }

    /// The high-value threshold in a currency; zeros beyond its decimals don't matter
    /// ("250.000" is fine for EUR).
    static func threshold(_ text: String, currency: Currency) throws(OrderError) -> Money {
        var trimmed = Substring(text)
        if trimmed.contains(".") {
            while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
            if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        }
        return try Money.parse(String(trimmed), currency: currency, field: SettingKey.highValueTotal.key)
    }

    /// `csv.decimal-comma`: CSV with decimal commas and `;` between fields.
    public func decimalComma() throws -> Bool { try setting(.decimalComma) == "true" }

    public func settings() throws -> [SettingValue] {
        try SettingKey.all.map { key in
            let raw = try rawSetting(key.key)
            var value = raw ?? key.defaultValue
            if key.key == SettingKey.timezone.key && value == nil { value = TimeZone.current.identifier }
            return SettingValue(key: key.key, value: value, isDefault: raw == nil, summary: key.summary)
        }
    }

    public func setting(named name: String) throws -> SettingValue {
        if let carrier = Self.carrierURLKey(name) {
            let raw = try rawSetting(name.lowercased())
            return SettingValue(
                key: name.lowercased(), value: raw ?? Carrier.named(carrier)?.url, isDefault: raw == nil,
                summary: "tracking link for \(carrier); {tracking} stands for the number")
        }
        let key = try SettingKey.named(name)
        return try settings().first { $0.key == key.key }!
    }

    /// `carrier.NAME.url` names a carrier's tracking link template.
    static func carrierURLKey(_ key: String) -> String? {
        let parts = key.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "carrier", parts[2] == "url", !parts[1].isEmpty,
            (try? Validate.channel(String(parts[1]))) != nil
        else { return nil }
        return String(parts[1])
    }

    /// The carrier tracking templates set in config.
    public func carrierURLSettings() throws -> [SettingValue] {
        try db.query("SELECT key, value FROM settings WHERE key LIKE 'carrier.%.url' ORDER BY key") {
            SettingValue(key: $0.string(0), value: $0.string(1), isDefault: false, summary: "tracking link template")
        }
    }

    /// Sets a setting (nil resets it to its default) and returns the stored value.
    @discardableResult
    public func setSetting(_ name: String, _ value: String?) throws -> SettingValue {
        try setSettings([(name, value)])
        return try setting(named: name)
    }

    /// Sets several settings in one transaction: all of them, or none when one is invalid.
    public func setSettings(_ changes: [(key: String, value: String?)]) throws {
        try write {
            for (name, value) in changes { try applySetting(name, value) }
        }
    }

    /// A setting's key and value, as the settings' rules judge them without the database
    /// (whether the currency may still change is the database's question).
    public static func checkSetting(_ name: String, _ value: String?) throws(OrderError) {
        if carrierURLKey(name) != nil {
            if let value { try checkCarrierURL(name, value) }
            return
        }
        let key = try SettingKey.named(name)
        if let value { _ = try key.check(value) }
    }

    static func checkCarrierURL(_ name: String, _ value: String) throws(OrderError) {
        guard value.contains("{tracking}"), value.hasPrefix("https://") || value.hasPrefix("http://"),
            !value.contains(where: { $0.isWhitespace })
        else {
            throw OrderError.invalidValue(
                field: name, value: value, reason: "expected a http(s) URL containing {tracking}")
        }
    }

    func applySetting(_ name: String, _ value: String?) throws {
        if Self.carrierURLKey(name) != nil {
            if let value { try Self.checkCarrierURL(name, value) }
            try writeSetting(name.lowercased(), value)
            return
        }
        let key = try SettingKey.named(name)
        do {
            var normal = try value.map { v throws(OrderError) in try key.normalise(v) }
            switch key.key {
            case SettingKey.currency.key:
                let current = try currency().code
                let used = try db.scalarInt("SELECT (SELECT count(*) FROM products) + (SELECT count(*) FROM orders)")
                if (normal ?? key.defaultValue) != current && used > 0 {
                    throw OrderError.currencyInUse(current: current)
                }
                // The high-value threshold must still fit the new currency's decimals.
                if let threshold = try setting(.highValueTotal), let code = normal ?? key.defaultValue {
                    do {
                        _ = try Self.threshold(threshold, currency: Currency(code: code))
                    } catch {
                        throw OrderError.invalidValue(
                            field: "currency", value: code,
                            reason: "class.high-value.min-total \(threshold) does not fit it; change that first")
                    }
                }
            case SettingKey.highValueTotal.key:
                if let v = normal {
                    normal = try Money.parse(v, currency: currency(), field: key.key).decimalString
                }
            case SettingKey.timezone.key:
                if normal == nil { normal = TimeZone.current.identifier }
            default: break
            }
            try writeSetting(key.key, normal)
        }
    }

    /// Removes a database this process just created, if nothing was stored in it:
    /// a command that failed on a new file leaves no file behind.
    public static func removeIfUnused(path: String) {
        let unused: Bool = {
            guard let store = try? OrderStore(path: path, mode: .existing),
                let used = try? store.db.scalarInt(
                    "SELECT (SELECT count(*) FROM products) + (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders)"
                )
            else { return false }
            return used == 0
        }()
        guard unused else { return }
        for suffix in ["", "-wal", "-shm", ".lock"] { unlink(path + suffix) }
    }

    // MARK: helpers

    func date(_ text: String) -> Date { Instant.parse(text) ?? Date(timeIntervalSince1970: 0) }

    func money(_ minor: Int64, _ currencyCode: String) throws -> Money {
        if let cached = lastCurrency, cached.code == currencyCode { return Money(minor: minor, currency: cached) }
        let currency = try Currency(code: currencyCode)
        lastCurrency = currency
        return Money(minor: minor, currency: currency)
    }
}
