import Foundation

/// A shop orders arrive from by themselves (`orderctl shop add`): where it is, which
/// files hold its secrets, and how far `sync` has read.
public struct Shop: Sendable, Equatable {
    public var id: Int64
    /// Also the channel of its orders.
    public var name: String
    public var platform: Platform
    /// `STORE.myshopify.com`, or the WooCommerce site's URL.
    public var address: String
    /// Another base address for the platform's API (a proxy, a test server).
    public var apiURL: String?
    public var currency: Currency
    /// Where each secret is: absolute paths, never the secrets.
    public var secretFiles: [ShopSecret: String]
    /// The platform's modification time `sync` has committed up to.
    public var cursor: Date?
    public var syncedAt: Date?
    public var syncError: String?
    public var addedAt: Date
    public var removedAt: Date?
    /// Orders linked to the shop.
    public var orderCount: Int
    /// Deliveries and conflicts waiting in the inbox.
    public var waiting: Int

    /// The address the platform's API is reached at, without a trailing slash.
    public var baseURL: String { apiURL ?? (platform == .shopify ? "https://" + address : address) }
}

/// The secrets a shop may have, each in a file of its own.
public enum ShopSecret: String, CaseIterable, Sendable, Comparable {
    /// Shopify: the Admin API access token of the shop's app.
    case token = "token_file"
    /// WooCommerce: the REST API's consumer key (`ck_...`).
    case key = "key_file"
    /// WooCommerce: the REST API's consumer secret (`cs_...`).
    case secret = "secret_file"
    /// Either: the secret webhooks are signed with.
    case webhookSecret = "webhook_secret_file"

    public var option: String { "--" + rawValue.replacingOccurrences(of: "_", with: "-") }

    public static func < (a: ShopSecret, b: ShopSecret) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The secrets a platform needs (webhooks are optional).
    public static func required(for platform: Platform) -> [ShopSecret] {
        platform == .shopify ? [.token] : [.key, .secret]
    }

    public static func allowed(for platform: Platform) -> [ShopSecret] { required(for: platform) + [.webhookSecret] }
}

/// What `orderctl shop add` takes, as typed.
public struct NewShop: Sendable, Equatable {
    public var name: String
    public var platform: String
    /// Shopify's `--domain`.
    public var domain: String?
    /// WooCommerce's `--url`.
    public var url: String?
    public var apiURL: String?
    public var currency: String?
    public var secretFiles: [ShopSecret: String] = [:]

    public init(name: String, platform: String) {
        self.name = name
        self.platform = platform
    }

    /// The shape of every value, as the parser can judge it (exit 64): the name, the
    /// platform, the address, which secrets the platform takes. The files themselves
    /// are read by `OrderStore.addShop`.
    public func check() throws(OrderError) -> (name: String, platform: Platform, address: String, apiURL: String?) {
        let name = try Validate.word(self.name, field: "shop name", examples: "main, shopify or woo")
        guard let platform = Platform(rawValue: self.platform.lowercased()) else {
            throw .invalidValue(
                field: "--platform", value: self.platform,
                reason: "expected \(Platform.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        let address: String
        switch platform {
        case .shopify:
            if url != nil {
                throw .invalidValue(
                    field: "--url", value: url!, reason: "a Shopify shop is named by --domain STORE.myshopify.com")
            }
            guard let domain else {
                throw .missingValue(field: "--domain", hint: "a Shopify shop needs --domain STORE.myshopify.com")
            }
            address = try ShopAddress.shopifyDomain(domain)
        case .woocommerce:
            if domain != nil {
                throw .invalidValue(
                    field: "--domain", value: domain!, reason: "a WooCommerce shop is named by --url https://SITE")
            }
            guard let url else {
                throw .missingValue(field: "--url", hint: "a WooCommerce shop needs --url https://SITE")
            }
            address = try ShopAddress.url(url, field: "--url")
        }
        let api = try apiURL.map { u throws(OrderError) in try ShopAddress.url(u, field: "--api-url") }
        for secret in secretFiles.keys.sorted() where !ShopSecret.allowed(for: platform).contains(secret) {
            throw .invalidValue(
                field: secret.option, value: "",
                reason:
                    "a \(platform.rawValue) shop takes \(ShopSecret.allowed(for: platform).map(\.option).joined(separator: ", "))"
            )
        }
        for secret in ShopSecret.required(for: platform) where secretFiles[secret] == nil {
            throw .missingValue(
                field: secret.option,
                hint: "the file that holds the shop's \(SecretFile.what(secret)), readable only by you")
        }
        if let currency { _ = try Currency(code: currency) }
        return (name, platform, address, api)
    }
}

/// A shop's address in the one form it is kept in, so that the same shop typed two
/// ways is found as one.
public enum ShopAddress {
    /// `Store.myshopify.com`, `https://store.myshopify.com/` and `store` alike as
    /// `store.myshopify.com`.
    static func shopifyDomain(_ given: String) throws(OrderError) -> String {
        // An old private app's address held its key and password: never shown.
        let text = redacted(given.components(separatedBy: "?")[0])
        var d = text.trimmingCharacters(in: .whitespaces).lowercased()
        for prefix in ["https://", "http://"] where d.hasPrefix(prefix) { d.removeFirst(prefix.count) }
        while d.hasSuffix("/") { d.removeLast() }
        if d.hasPrefix("admin.shopify.com") || d.contains("/") {
            throw .invalidValue(
                field: "--domain", value: text,
                reason: "expected the shop's STORE.myshopify.com domain (Settings > Domains in the Shopify admin)")
        }
        if !d.contains(".") { d += ".myshopify.com" }
        let store = d.hasSuffix(".myshopify.com") ? String(d.dropLast(".myshopify.com".count)) : ""
        guard !store.isEmpty, store.count <= 63, store.first != "-",
            store.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" })
        else {
            throw .invalidValue(
                field: "--domain", value: text,
                reason:
                    "expected the shop's STORE.myshopify.com domain, not its own domain (Settings > Domains in the Shopify admin)"
            )
        }
        return d
    }

    /// An http(s) URL without credentials, query or fragment, lower-case scheme and
    /// host, no trailing slash; plain http only to this machine (a test server, a
    /// local proxy): anything else would send the secrets in the clear.
    public static func url(_ text: String, field: String) throws(OrderError) -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let parts = URLComponents(string: t), let scheme = parts.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = parts.host?.lowercased(), !host.isEmpty
        else {
            throw .invalidValue(
                field: field, value: Self.redacted(t), reason: "expected an address like https://shop.example")
        }
        if parts.user != nil || parts.password != nil {
            throw .invalidValue(
                field: field, value: Self.redacted(t),
                reason:
                    "an address must not hold a user or password: put secrets in files (see 'orderctl shop add --help')"
            )
        }
        if parts.query != nil || parts.fragment != nil {
            // A query may hold keys (WooCommerce documents ?consumer_key=...): not shown.
            throw .invalidValue(
                field: field, value: "\(scheme)://\(host)/...", reason: "expected an address without '?' or '#'")
        }
        if scheme == "http" && !isLoopback(host) {
            throw .invalidValue(
                field: field, value: t,
                reason: "expected https (plain http only to this machine: localhost, 127.0.0.1, ::1)")
        }
        var path = parts.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        let port = parts.port.map { ":\($0)" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost)\(port)\(path)"
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { p in UInt8(p) != nil }
    }

    /// The text with any `user:password@` taken out, for an error line.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else {
            return text
        }
        let slash = text[scheme.upperBound...].firstIndex(of: "/") ?? text.endIndex
        guard at < slash else { return text }
        return String(text[..<scheme.upperBound]) + "…@" + text[text.index(after: at)...]
    }
}

/// A file that holds one secret, checked as ssh checks a private key: a regular file,
/// yours, readable by you alone, in a folder others cannot write to. Its content is
/// never shown, in output or errors.
public enum SecretFile {
    /// The longest secret a file may hold.
    static let maxBytes = 4096

    static func what(_ secret: ShopSecret) -> String {
        switch secret {
        case .token: return "Admin API access token"
        case .key: return "consumer key"
        case .secret: return "consumer secret"
        case .webhookSecret: return "webhook secret"
        }
    }

    /// `path` checked as `shop add` and `shop update` check a secret file given to them:
    /// its absolute form. A path that is no file and looks like the secret itself is
    /// never echoed.
    static func checked(_ path: String, for secret: ShopSecret, platform: Platform) throws -> String {
        if !FileManager.default.fileExists(atPath: path) && (looksLikeSecret(path) || !path.contains("/")) {
            throw OrderError.invalidValue(
                field: secret.option, value: "(not shown)",
                reason: looksLikeSecret(path)
                    ? "no such file; this looks like the \(what(secret)) itself: put it in a file readable only by you (chmod 600) and give that file's path"
                    : "no such file in this folder (the name is not shown, in case it is the secret itself)"
            )
        }
        let absolute = absolute(path)
        _ = try read(absolute, for: secret, platform: platform)
        return absolute
    }

    /// The `credentials` column: each secret's file, by its key.
    static func credentials(_ files: [ShopSecret: String]) throws -> String {
        let paths = Dictionary(uniqueKeysWithValues: files.map { ($0.key.rawValue, $0.value) })
        return String(
            decoding: try JSONSerialization.data(
                withJSONObject: paths, options: [.sortedKeys, .withoutEscapingSlashes]),
            as: UTF8.self)
    }

    /// An absolute form of `path` (relative to the working folder), without reading it.
    public static func absolute(_ path: String) -> String {
        let url =
            path.hasPrefix("/")
            ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    /// Reads the secret `path` holds for `secret` of a shop on `platform`: the checks
    /// above, then one line of text without white space inside.
    public static func read(_ path: String, for secret: ShopSecret, platform: Platform) throws(OrderError) -> String {
        let option = secret.option
        var st = stat()
        guard stat(path, &st) == 0 else {
            let err = errno
            throw .file(path: path, problem: "\(option): \(String(cString: strerror(err)))")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw .file(path: path, problem: "\(option): not a regular file (a secret lives in a file of its own)")
        }
        guard st.st_uid == geteuid() else {
            throw .file(
                path: path, problem: "\(option): belongs to another user; it must be yours (chown it, or copy it)")
        }
        guard st.st_mode & 0o077 == 0 else {
            throw .file(
                path: path,
                problem:
                    "\(option): readable by others (mode \(String(st.st_mode & 0o777, radix: 8))): 'chmod 600 \(path)', then give a new \(what(secret)) if others may have read it"
            )
        }
        let folder = (path as NSString).deletingLastPathComponent
        var fst = stat()
        if stat(folder.isEmpty ? "/" : folder, &fst) == 0, fst.st_mode & 0o002 != 0, fst.st_mode & S_ISVTX == 0 {
            throw .file(
                path: path,
                problem: "\(option): its folder \(folder) can be written by anyone, who could replace the file; move it"
            )
        }
        guard st.st_size <= maxBytes else {
            throw .file(path: path, problem: "\(option): larger than a secret (\(maxBytes) bytes at most)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .file(path: path, problem: "\(option): cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .file(path: path, problem: "\(option): not text")
        }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else {
            throw .file(path: path, problem: "\(option): empty; put the \(what(secret)) in it")
        }
        guard !value.contains(where: { $0.isWhitespace || $0.isNewline }), value.allSatisfy({ $0.isASCII }) else {
            throw .file(
                path: path, problem: "\(option): expected the \(what(secret)) alone, on one line, without spaces")
        }
        if platform == .woocommerce {
            let other: ShopSecret? = secret == .key ? .secret : secret == .secret ? .key : nil
            let prefix = secret == .key ? "ck_" : "cs_"
            if let other {
                if value.hasPrefix(other == .key ? "ck_" : "cs_") {
                    throw .file(
                        path: path,
                        problem:
                            "\(option): holds a \(what(other)) (\(other == .key ? "ck_" : "cs_")...), not a \(what(secret)): are \(secret.option) and \(other.option) swapped?"
                    )
                }
                if !value.hasPrefix(prefix) {
                    throw .file(
                        path: path,
                        problem:
                            "\(option): expected a WooCommerce \(what(secret)) (\(prefix)..., from WooCommerce > Settings > Advanced > REST API)"
                    )
                }
            }
        }
        return value
    }

    /// Text that is more likely a token than a path: no folder, long, or a known prefix.
    static func looksLikeSecret(_ text: String) -> Bool {
        let text = (text as NSString).lastPathComponent
        if ["shpat_", "shpca_", "shppa_", "shpss_", "ck_", "cs_"].contains(where: text.hasPrefix) { return true }
        return !text.contains("/") && !text.contains(".") && text.count >= 24
    }
}

extension OrderStore {
    static let shopSelect = """
        SELECT s.id, s.name, s.platform, s.address, s.api_url, s.currency, s.credentials, s.cursor, s.synced_at,
               s.sync_error, s.added_at, s.removed_at,
               (SELECT count(*) FROM shop_orders so WHERE so.shop_id = s.id),
               (SELECT count(*) FROM intake i WHERE i.shop_id = s.id AND i.state IN ('failed', 'conflict'))
        FROM shops s
        """

    func shop(from r: Row) throws -> Shop {
        let platformText = r.string(2)
        guard let platform = Platform(rawValue: platformText) else {
            throw OrderError.invalidValue(
                field: "shops.platform", value: platformText,
                reason: "shop '\(r.string(1))' has a platform this orderctl does not know (a newer orderctl's?)")
        }
        var files: [ShopSecret: String] = [:]
        if case .object(let members)? = try? JSONValue.parse(Array(r.string(6).utf8)) {
            for (key, value) in members {
                if let secret = ShopSecret(rawValue: key), case .string(let path) = value { files[secret] = path }
            }
        }
        return Shop(
            id: r.int64(0), name: r.string(1), platform: platform, address: r.string(3), apiURL: r.optionalString(4),
            currency: try Currency(code: r.string(5)), secretFiles: files,
            cursor: r.optionalString(7).flatMap(Instant.parse), syncedAt: r.optionalString(8).flatMap(Instant.parse),
            syncError: r.optionalString(9), addedAt: Instant.parse(r.string(10)) ?? now,
            removedAt: r.optionalString(11).flatMap(Instant.parse), orderCount: r.int(12), waiting: r.int(13))
    }

    /// Every shop, oldest first; removed ones only with `removed`.
    public func shops(removed: Bool = false) throws -> [Shop] {
        try db.read {
            try db.query(Self.shopSelect + (removed ? "" : " WHERE s.removed_at IS NULL") + " ORDER BY s.id") {
                try shop(from: $0)
            }
        }
    }

    /// The shop of that name (removed ones too, with `removed`).
    public func shop(named name: String, removed: Bool = false) throws -> Shop {
        try db.read {
            if let found = try db.queryFirst(
                Self.shopSelect + " WHERE s.name = ?" + (removed ? "" : " AND s.removed_at IS NULL"), name.lowercased(),
                row: { try shop(from: $0) })
            {
                return found
            }
            let known = try db.query("SELECT name FROM shops WHERE removed_at IS NULL ORDER BY id") { $0.string(0) }
            throw OrderError.unknownShop(name, known: known)
        }
    }

    /// Adds a shop after reading each secret file (so that a wrong path or a loose mode
    /// is found now, not by the first cron run). Adding a removed shop again (same
    /// name, platform and address) brings it back with its orders and cursor.
    /// Returns the shop and whether it came back.
    public func addShop(_ new: NewShop) throws -> (shop: Shop, revived: Bool) {
        let checked = try new.check()
        var files: [ShopSecret: String] = [:]
        for (secret, path) in new.secretFiles.sorted(by: { $0.key < $1.key }) {
            files[secret] = try SecretFile.checked(path, for: secret, platform: checked.platform)
        }
        let credentials = try SecretFile.credentials(files)
        return try write {
            let currency =
                try new.currency.map { c throws(OrderError) in try Currency(code: c) }
                ?? self.currency()
            let sameName = try db.queryFirst(
                "SELECT id, platform, address, removed_at FROM shops WHERE name = ?", checked.name
            ) { (id: $0.int64(0), platform: $0.string(1), address: $0.string(2), removed: $0.optionalString(3)) }
            let sameAddress = try db.queryFirst(
                "SELECT name, removed_at FROM shops WHERE platform = ? AND address = ?", checked.platform.rawValue,
                checked.address
            ) { (name: $0.string(0), removed: $0.optionalString(1)) }
            if let s = sameName {
                guard s.removed != nil else {
                    throw OrderError.invalidValue(
                        field: "shop name", value: checked.name,
                        reason: "a shop of that name exists already (see 'orderctl shop show \(checked.name)')")
                }
                guard s.platform == checked.platform.rawValue, s.address == checked.address else {
                    throw OrderError.invalidValue(
                        field: "shop name", value: checked.name,
                        reason:
                            "a removed shop of that name was \(s.platform) at \(s.address), and its orders keep the name as their channel: choose another name"
                    )
                }
                try db.run(
                    """
                    UPDATE shops SET removed_at = NULL, api_url = ?, currency = ?, credentials = ?, sync_error = NULL
                    WHERE id = ?
                    """, checked.apiURL, currency.code, credentials, s.id)
                return (try shop(named: checked.name), true)
            }
            if let other = sameAddress {
                throw OrderError.invalidValue(
                    field: checked.platform == .shopify ? "--domain" : "--url", value: checked.address,
                    reason: other.removed == nil
                        ? "shop '\(other.name)' is that shop already"
                        : "shop '\(other.name)' was that shop (removed): 'orderctl shop add \(other.name) ...' brings it back with its orders"
                )
            }
            try db.run(
                """
                INSERT INTO shops(name, platform, address, api_url, currency, credentials, added_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, checked.name, checked.platform.rawValue, checked.address, checked.apiURL, currency.code,
                credentials, nowText)
            return (try shop(named: checked.name), false)
        }
    }

    /// Changes a shop's secret files or API address (a webhook secret added, a token
    /// rotated into another file), each file read and checked now. `removeWebhookSecret`
    /// forgets the webhook secret's file (deliveries are refused from then on); an
    /// `apiURL` of "" goes back to the platform's own address.
    public func updateShop(
        _ name: String, secretFiles: [ShopSecret: String], removeWebhookSecret: Bool = false, apiURL: String? = nil
    ) throws -> Shop {
        let shop = try shop(named: name)
        guard !secretFiles.isEmpty || removeWebhookSecret || apiURL != nil else {
            throw OrderError.missingValue(
                field: "change", hint: "give a secret file, --no-webhook-secret or --api-url")
        }
        var files = shop.secretFiles
        for (secret, path) in secretFiles.sorted(by: { $0.key < $1.key }) {
            guard ShopSecret.allowed(for: shop.platform).contains(secret) else {
                throw OrderError.invalidValue(
                    field: secret.option, value: "",
                    reason:
                        "a \(shop.platform.rawValue) shop takes \(ShopSecret.allowed(for: shop.platform).map(\.option).joined(separator: ", "))"
                )
            }
            files[secret] = try SecretFile.checked(path, for: secret, platform: shop.platform)
        }
        if removeWebhookSecret { files[.webhookSecret] = nil }
        let api: String?? = try apiURL.map { u throws(OrderError) in
            u.isEmpty ? String?.none : try ShopAddress.url(u, field: "--api-url")
        }
        let credentials = try SecretFile.credentials(files)
        return try write {
            try db.run("UPDATE shops SET credentials = ? WHERE id = ?", credentials, shop.id)
            if let api { try db.run("UPDATE shops SET api_url = ? WHERE id = ?", api, shop.id) }
            return try self.shop(named: shop.name)
        }
    }

    /// Stops syncing a shop and taking its deliveries. Its orders stay, linked to it,
    /// so that adding it again neither loses nor repeats any.
    public func removeShop(_ name: String) throws -> Shop {
        try write {
            let shop = try shop(named: name)
            try db.run("UPDATE shops SET removed_at = ? WHERE id = ?", nowText, shop.id)
            return shop
        }
    }
}
