import Foundation

/// What a database file holds, as backup, restore and doctor print it.
public struct SnapshotFacts: Sendable, Equatable {
    public var schemaVersion: Int
    public var orders: Int
    /// The most recently placed order.
    public var newestRef: String?
    public var newestPlacedAt: String?
    public var events: Int
    /// The history chain's newest event, "#ID HASH", as `verify` prints it.
    public var head: String?
}

/// One backup written by `orderctl backup`.
public struct BackupResult: Sendable {
    public var path: String
    public var bytes: Int64
    public var facts: SnapshotFacts
    public var encrypted: Bool
    /// Older backups removed by the retention rules.
    public var removed: [String]
}

/// How many backups `--keep-daily/weekly/monthly` keep: the newest of each of the last
/// N days (weeks, months) that have one. nil: that rule keeps nothing by itself.
public struct Retention: Sendable, Equatable {
    public var daily: Int?
    public var weekly: Int?
    public var monthly: Int?

    public init(daily: Int? = nil, weekly: Int? = nil, monthly: Int? = nil) {
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
    }

    public var isEmpty: Bool { daily == nil && weekly == nil && monthly == nil }
}

/// Encrypts the plaintext file at the first path into a new file at the second (the age
/// format; see `Age`). Handed in by the caller so that this file knows no keys.
public typealias BackupEncryption = (_ plaintext: String, _ encrypted: String) throws -> Void

/// Backup files: their names, the checks a copy must pass, retention.
public enum Backups {
    /// `orders` for `/x/orders.db`: backups of it are `orders-20261201T061500Z.db`.
    public static func stem(of databasePath: String) -> String {
        let name = (databasePath as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        return stem.isEmpty ? name : stem
    }

    /// `20261201T061500Z`: UTC, so that names sort by time.
    public static func stamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&seconds, &t)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return
            "\(t.tm_year + 1900)\(two(t.tm_mon + 1))\(two(t.tm_mday))T\(two(t.tm_hour))\(two(t.tm_min))\(two(t.tm_sec))Z"
    }

    /// The instant of a stamp, or nil.
    static func parseStamp(_ text: Substring) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var n: Int32 = 0
            for i in range {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                n = n * 10 + Int32(b[i] - 48)
            }
            return n
        }
        guard let y = number(0..<4), let mo = number(4..<6), let d = number(6..<8), let h = number(9..<11),
            let mi = number(11..<13), let s = number(13..<15), (1...12).contains(mo), (1...31).contains(d), h < 24,
            mi < 60, s < 61
        else { return nil }
        var t = tm()
        t.tm_year = y - 1900
        t.tm_mon = mo - 1
        t.tm_mday = d
        t.tm_hour = h
        t.tm_min = mi
        t.tm_sec = s
        return Date(timeIntervalSince1970: TimeInterval(timegm(&t)))
    }

    public static func fileName(stem: String, at date: Date, encrypted: Bool) -> String {
        "\(stem)-\(stamp(date)).db" + (encrypted ? ".age" : "")
    }

    /// The time of a backup orderctl made (by its name), or nil for any other file.
    /// Backups taken before a schema upgrade (`-pre-v6-to-v7-`) are not counted: no
    /// retention rule removes them.
    static func time(ofBackupNamed name: String, stem: String) -> Date? {
        guard name.hasPrefix(stem + "-") else { return nil }
        var rest = name.dropFirst(stem.count + 1)
        if rest.hasSuffix(".db.age") {
            rest = rest.dropLast(7)
        } else if rest.hasSuffix(".db") {
            rest = rest.dropLast(3)
        } else {
            return nil
        }
        return parseStamp(rest)
    }

    /// orderctl's own backups in `folder`, newest first.
    public static func list(folder: String, stem: String) -> [(name: String, time: Date)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.compactMap { name in time(ofBackupNamed: name, stem: stem).map { (name, $0) } }
            .sorted { $0.time != $1.time ? $0.time > $1.time : $0.name > $1.name }
    }

    /// The backups the rules let go: never the newest, never a file orderctl did not make.
    static func expired(_ backups: [(name: String, time: Date)], keep: Retention) -> [String] {
        guard !keep.isEmpty, !backups.isEmpty else { return [] }
        var utc = Calendar(identifier: .iso8601)
        utc.timeZone = TimeZone(identifier: "UTC")!
        var kept: Set<String> = [backups[0].name]
        func apply(_ count: Int?, _ period: (Date) -> String) {
            guard let count, count > 0 else { return }
            var periods: Set<String> = []
            for backup in backups {
                let key = period(backup.time)
                if periods.contains(key) { continue }
                guard periods.count < count else { break }
                periods.insert(key)
                kept.insert(backup.name)
            }
        }
        apply(keep.daily) { stamp($0).prefix(8).description }
        apply(keep.weekly) {
            let c = utc.dateComponents([.yearForWeekOfYear, .weekOfYear], from: $0)
            return "\(c.yearForWeekOfYear!)-\(c.weekOfYear!)"
        }
        apply(keep.monthly) { stamp($0).prefix(6).description }
        return backups.map(\.name).filter { !kept.contains($0) }
    }

    /// Checks a copy of a database and says what it holds: SQLite's `quick_check`, the
    /// foreign keys, a schema this orderctl knows, and (with `history`) the history chain
    /// as `verify` walks it, and (with `schema`) orderctl's schema text as every open
    /// checks it. Throws `OrderError.file` naming `shownAs` on any problem.
    public static func check(path: String, shownAs: String? = nil, history: Bool = true, schema: Bool = true) throws
        -> SnapshotFacts
    {
        let name = shownAs ?? path
        let db: Database
        do {
            db = try Database(path: path, create: false, readOnly: true, wal: false)
        } catch let error as SQLiteError {
            switch error.primaryCode {
            case SQLiteCode.notADatabase: throw OrderError.file(path: name, problem: "not an SQLite database")
            case SQLiteCode.corrupt: throw OrderError.file(path: name, problem: "damaged (\(error.message))")
            default: throw OrderError.file(path: name, problem: "cannot be read: \(error.message)")
            }
        }
        do {
            try db.execute("PRAGMA mmap_size = 1073741824")
            let problems = try db.query("PRAGMA quick_check(5)") { $0.string(0) }
            if problems != ["ok"] {
                throw OrderError.file(
                    path: name,
                    problem: "damaged (SQLite quick_check: \(OrderError.clip(problems.joined(separator: "; "))))")
            }
            let version = try db.userVersion
            let tables = try db.scalarInt(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('orders', 'order_events', 'settings')"
            )
            guard version > 0, tables == 3 else {
                throw OrderError.file(path: name, problem: "not an orderctl database")
            }
            guard version <= Migrations.latestVersion else {
                throw OrderError.file(
                    path: name,
                    problem:
                        "schema version \(version) is newer than this orderctl supports (\(Migrations.latestVersion)); upgrade orderctl"
                )
            }
            if let broken = try db.queryFirst(
                "PRAGMA foreign_key_check",
                row: { "\($0.string(0)) row \($0.int64(1)) refers to a missing \($0.string(2)) row" })
            {
                throw OrderError.file(path: name, problem: "damaged: \(broken)")
            }
            if schema, let drift = try Migrations.schemaDrift(db) {
                throw OrderError.file(path: name, problem: "damaged: \(OrderStore.schemaDamagePhrase): \(drift)")
            }
            let store = OrderStore(opened: db, path: path)
            var facts = try db.read {
                let newest = try db.queryFirst(
                    "SELECT ref, placed_at FROM orders ORDER BY placed_at DESC, id DESC LIMIT 1"
                ) { ($0.string(0), $0.string(1)) }
                return SnapshotFacts(
                    schemaVersion: version, orders: Int(try db.scalarInt("SELECT count(*) FROM orders")),
                    newestRef: newest?.0, newestPlacedAt: newest?.1,
                    events: Int(try db.scalarInt("SELECT count(*) FROM order_events")), head: nil)
            }
            // The chain exists from schema step 2 on; an older file has none to walk.
            if version >= 2 {
                if history {
                    let report = try store.verifyHistory()
                    if let problem = report.problem {
                        throw OrderError.file(path: name, problem: "history check failed: \(problem)")
                    }
                    facts.head = report.head
                } else {
                    facts.head = try db.queryFirst("SELECT id, hash FROM order_events ORDER BY id DESC LIMIT 1") {
                        "#\($0.int64(0)) \($0.optionalString(1) ?? "")"
                    }
                }
            }
            return facts
        } catch let error as SQLiteError {
            throw OrderError.file(
                path: name,
                problem: error.primaryCode == SQLiteCode.corrupt || error.primaryCode == SQLiteCode.notADatabase
                    ? "damaged (\(error.message))" : "cannot be checked: \(error.message)")
        }
    }

    /// Removes temporary files an earlier backup or restore left when it was killed:
    /// `.NAME.tmp-PID` whose process is gone.
    static func removeStaleTemporaries(in folder: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") {
            guard let range = name.range(of: ".tmp-", options: .backwards), let pid = Int32(name[range.upperBound...]),
                pid > 0, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            unlink((folder as NSString).appendingPathComponent(name))
        }
    }

    static func temporaryName(for name: String) -> String { ".\(name).tmp-\(getpid())" }
}

/// fsync of a file or a folder, so a rename that follows survives a power cut.
func syncPath(_ path: String) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw OrderError.file(path: path, problem: String(cString: strerror(errno))) }
    defer { close(fd) }
    if fsync(fd) != 0 {
        throw OrderError.file(path: path, problem: "cannot be synced to disk: \(String(cString: strerror(errno)))")
    }
}

func fileSize(_ path: String) -> Int64 {
    var info = stat()
    return stat(path, &info) == 0 ? Int64(info.st_size) : 0
}

/// Puts `temporary` in place as `final` without replacing a file already there.
func placeNew(_ temporary: String, as final: String) throws {
    if link(temporary, final) != 0 {
        let reason = errno == EEXIST ? "already exists" : String(cString: strerror(errno))
        throw OrderError.file(path: final, problem: reason)
    }
    unlink(temporary)
}

extension OrderStore {
    /// The folder backups go to: the `backup.dir` setting (relative to the database's
    /// folder), else `backups` beside the database.
    public func backupFolder() throws -> String {
        try Self.backupFolder(setting: setting(.backupDir), databasePath: path)
    }

    static func backupFolder(setting: String?, databasePath: String) -> String {
        let folder = (databasePath as NSString).deletingLastPathComponent
        let dir = setting ?? "backups"
        if dir.hasPrefix("/") { return dir }
        if dir.hasPrefix("~/") { return NSHomeDirectory() + dir.dropFirst(1) }
        return ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(dir)
    }

    /// The retention rules in the settings (`backup.keep-daily`, ...).
    public func retentionSettings() throws -> Retention {
        Retention(
            daily: try setting(.keepDaily).flatMap { Int($0) }, weekly: try setting(.keepWeekly).flatMap { Int($0) },
            monthly: try setting(.keepMonthly).flatMap { Int($0) })
    }

    /// Writes a consistent snapshot of the database while others go on writing.
    /// `destination`: a folder (an existing one, or a path ending in "/"), a new file, or
    /// nil for `backupFolder()`. In a folder the name carries the UTC time and the
    /// retention rules then remove older backups of this database.
    ///
    /// The copy is written to a temporary file (in the destination folder; for an
    /// encrypted backup the plaintext one beside the database, never in the destination),
    /// synced, checked (`Backups.check`), given mode 0600 and then linked into place, the
    /// folder synced: a backup that fails leaves nothing that looks like a backup.
    /// `checkSchema: false` keeps a copy of a file whose schema text is off (what
    /// `doctor --repair` saves before it mends the schema).
    public func backup(
        to destination: String? = nil, encrypt: BackupEncryption? = nil, keep: Retention = Retention(),
        at date: Date = Date(), checkSchema: Bool = true
    ) throws -> BackupResult {
        if let damage, checkSchema {
            // A backup of a damaged file would count as the newest for retention and push
            // good backups out. (doctor --repair's own backup, checkSchema false, is taken
            // of a marked file on purpose.)
            throw OrderError.damagedNotBackedUp(path: path, mark: damage)
        }
        let encrypted = encrypt != nil
        let stem = Backups.stem(of: path)
        var isDirectory: ObjCBool = false
        let folder: String
        let final: String
        var inFolder = false
        if let destination, !destination.hasSuffix("/"),
            !(FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory) && isDirectory.boolValue)
        {
            if FileManager.default.fileExists(atPath: destination) {
                throw OrderError.file(
                    path: destination, problem: "already exists; name a new file, or a folder to put a dated backup in")
            }
            final = destination
            let parent = (destination as NSString).deletingLastPathComponent
            folder = parent.isEmpty ? "." : parent
        } else {
            folder =
                try destination.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? backupFolder()
            final = (folder as NSString).appendingPathComponent(
                Backups.fileName(stem: stem, at: date, encrypted: encrypted))
            inFolder = true
        }
        var madeFolder = false
        if !FileManager.default.fileExists(atPath: folder) {
            // Only the default folder beside the database is made: a folder named by DEST
            // or backup.dir that is missing may be a disk that is not mounted, or a typo,
            // and a backup written beside it would not be where the owner thinks.
            let defaultFolder = try destination == nil && setting(.backupDir) == SettingKey.backupDir.defaultValue
            guard defaultFolder else {
                throw OrderError.file(
                    path: folder,
                    problem:
                        "no such folder (a disk not mounted? a typo?); nothing was written. Create it first: mkdir -p \(folder)"
                )
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                madeFolder = true
            } catch {
                throw OrderError.file(
                    path: folder, problem: "cannot create the backup folder: \((error as NSError).localizedDescription)"
                )
            }
        }
        do {
            return try writeBackup(
                final: final, folder: folder, inFolder: inFolder, stem: stem, encrypt: encrypt, keep: keep,
                checkSchema: checkSchema)
        } catch {
            // A failed first backup leaves no empty folder behind either.
            if madeFolder { rmdir(folder) }
            throw error
        }
    }

    private func writeBackup(
        final: String, folder: String, inFolder: Bool, stem: String, encrypt: BackupEncryption?,
        keep: Retention, checkSchema: Bool
    ) throws -> BackupResult {
        let encrypted = encrypt != nil
        if FileManager.default.fileExists(atPath: final) {
            throw OrderError.file(path: final, problem: "already exists (one backup a second); try again in a moment")
        }
        Backups.removeStaleTemporaries(in: folder)
        let finalName = (final as NSString).lastPathComponent
        let temporary = (folder as NSString).appendingPathComponent(Backups.temporaryName(for: finalName))
        // The plaintext copy of an encrypted backup stays beside the database.
        let databaseFolder = (path as NSString).deletingLastPathComponent
        let plaintext =
            encrypted
            ? ((databaseFolder.isEmpty ? "." : databaseFolder) as NSString).appendingPathComponent(
                Backups.temporaryName(for: stem + ".backup"))
            : temporary
        defer {
            unlink(temporary)
            unlink(plaintext)
            unlink(plaintext + "-journal")
        }
        if encrypted { Backups.removeStaleTemporaries(in: databaseFolder.isEmpty ? "." : databaseFolder) }
        do {
            try db.copySnapshot(to: plaintext, durable: !encrypted)
        } catch let error as SQLiteError {
            throw OrderError.file(
                path: final, problem: "backup failed, nothing written: \(Self.diskProblem(error) ?? error.message)")
        }
        let facts = try Backups.check(path: plaintext, shownAs: "the backup copy", schema: checkSchema)
        if let encrypt {
            try encrypt(plaintext, temporary)
            unlink(plaintext)
        }
        chmod(temporary, 0o600)
        try syncPath(temporary)
        try placeNew(temporary, as: final)
        try syncPath(folder)
        var removed: [String] = []
        if inFolder {
            for name in Backups.expired(Backups.list(folder: folder, stem: stem), keep: keep) {
                let file = (folder as NSString).appendingPathComponent(name)
                if unlink(file) == 0 { removed.append(file) }
            }
        }
        return BackupResult(path: final, bytes: fileSize(final), facts: facts, encrypted: encrypted, removed: removed)
    }

    /// "the disk is full" and the like, for an SQLite error that is about the disk.
    static func diskProblem(_ error: SQLiteError) -> String? {
        switch error.primaryCode {
        case SQLiteCode.full: return "the disk is full"
        case 10: return "a read or write failed (\(error.message))"  // SQLITE_IOERR
        case SQLiteCode.readonly: return "the file or its folder is read-only"
        default: return nil
        }
    }
}
