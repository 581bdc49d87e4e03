import ArgumentParser
import Foundation
import OrderCore

// Keeping the data safe: backup, restore, doctor.

/// The age encryption options of backup (recipients or a passphrase) and restore (identities
/// or a passphrase).
struct EncryptionOptions: ParsableArguments {
    @Flag(help: "Encrypt the backup (the age format, age-encryption.org/v1): give --recipient or --passphrase-file.")
    var encrypt = false

    @Option(
        name: .customLong("recipient"),
        help: ArgumentHelp(
            "An age public key (age1...) that can decrypt the backup; repeatable. Cron needs no secret on the machine.",
            valueName: "age1..."))
    var recipients: [String] = []

    @Option(
        name: .customLong("recipients-file"),
        help: ArgumentHelp("A file of age public keys, one a line (# comments), as age -R reads.", valueName: "file"),
        completion: .file())
    var recipientsFile: String?

    @Option(
        name: .customLong("passphrase-file"),
        help: ArgumentHelp(
            "Encrypt with the passphrase in this file (its first line; scrypt, as age -p).", valueName: "file"),
        completion: .file())
    var passphraseFile: String?

    func validate() throws {
        let given = !recipients.isEmpty || recipientsFile != nil
        if passphraseFile != nil && given {
            throw ValidationError(
                "--passphrase-file cannot be combined with --recipient or --recipients-file (age allows one or the other)"
            )
        }
        if encrypt && !given && passphraseFile == nil {
            throw ValidationError(
                "--encrypt needs --recipient age1..., --recipients-file FILE or --passphrase-file FILE")
        }
    }

    /// Any of the options asks for encryption.
    var wanted: Bool { encrypt || !recipients.isEmpty || recipientsFile != nil || passphraseFile != nil }
}

/// Reads the first line of a secret file, refusing one that others may read.
func readSecretFile(_ path: String, what: String) throws -> [UInt8] {
    var info = stat()
    guard stat(path, &info) == 0 else { throw CommandError("\(what) \(path): \(String(cString: strerror(errno)))") }
    if info.st_mode & 0o077 != 0 {
        throw CommandError(
            "\(what) \(path) may be read by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 \(path)")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandError("\(what) \(path) cannot be read")
    }
    var line = Array(data.prefix { $0 != 10 })
    if line.last == 13 { line.removeLast() }
    guard !line.isEmpty else { throw CommandError("\(what) \(path) is empty") }
    return line
}

func sizeText(_ bytes: Int64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) bytes" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
}

extension SnapshotFacts {
    /// "4210 orders (newest A-1042, placed 2026-11-30T09:12:00Z), history head #91234 3fa2..."
    var summary: String {
        var text = "\(orders) order\(orders == 1 ? "" : "s")"
        if let ref = newestRef, let at = newestPlacedAt { text += " (newest \(OrderError.clip(ref)), placed \(at))" }
        if let head { text += ", history head \(head)" } else if schemaVersion >= 2 { text += ", no history yet" }
        return text
    }

    var json: JSONObject {
        [
            "schema_version": schemaVersion, "orders": orders, "events": events,
            "newest_order": newestRef.map { ["ref": $0, "placed_at": newestPlacedAt ?? ""] as JSONObject }
                ?? JSONNull(),
            "head": orNull(head),
        ]
    }
}

extension Orderctl {
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup",
            abstract: "Write a checked snapshot of the database (safe while others write).",
            discussion: """
                DEST is an existing folder or a new file in one; without it, the folder \
                'config get backup.dir' (default: backups/ beside the database, made when \
                missing; another folder must exist, so that a disk that is not mounted is an \
                error rather than a backup written beside its mount point). In \
                a folder the file is named after the database and the UTC time \
                (orders-20261201T061500Z.db, .db.age when encrypted), so that names sort by time.

                The snapshot is taken through SQLite's online backup API in one read \
                transaction, so cron and a shell may go on writing. It is written to a temporary \
                file, synced, checked (SQLite's quick_check, the foreign keys, the history chain \
                as verify walks it), given mode 0600 and only then put in place: a backup that \
                fails leaves nothing that looks like a backup. An encrypted backup is checked \
                before it is encrypted; its plaintext is never written to the destination.

                Retention (--keep-daily/--keep-weekly/--keep-monthly, or the backup.keep-* \
                settings) keeps the newest backup of each of the last N days, ISO weeks and \
                months that have one, and removes the other backups of this database in that \
                folder: only files orderctl named, never the newest, never a backup taken \
                before a schema upgrade.

                Examples:
                  orderctl backup
                  orderctl backup /mnt/usb/ --keep-daily 7 --keep-weekly 5 --keep-monthly 12
                  orderctl backup --recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
                  orderctl backup /tmp/before-import.db
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(
            help: ArgumentHelp("A folder, or a new file (default: the backup.dir setting).", valueName: "dest"),
            completion: .file())
        var destination: String?

        @OptionGroup var encryption: EncryptionOptions

        @Option(
            name: .customLong("keep-daily"),
            help: ArgumentHelp("Keep the newest backup of each of the last N days.", valueName: "n"))
        var keepDaily: Int?
        @Option(
            name: .customLong("keep-weekly"), help: ArgumentHelp("... of each of the last N ISO weeks.", valueName: "n")
        )
        var keepWeekly: Int?
        @Option(
            name: .customLong("keep-monthly"), help: ArgumentHelp("... of each of the last N months.", valueName: "n"))
        var keepMonthly: Int?

        @OptionGroup var format: JSONOption

        func validate() throws {
            for (name, value) in [
                ("--keep-daily", keepDaily), ("--keep-weekly", keepWeekly), ("--keep-monthly", keepMonthly),
            ] {
                if let value, value < 0 { throw ValidationError("\(name) must be 0 or more, not \(value)") }
            }
            if destination?.isEmpty == true { throw ValidationError("DEST is empty; name a folder or a new file") }
            for text in encryption.recipients {
                do { _ = try AgeRecipient.parse(text) } catch let error as AgeError {
                    throw ValidationError("--recipient: \(error.message)")
                }
            }
        }

        func run() throws {
            let store = try global.openStore(.existing)
            let encrypt = try encryption.wanted ? AgeSupport.encryption(encryption) : nil
            let settings = try store.retentionSettings()
            let keep = Retention(
                daily: keepDaily ?? settings.daily, weekly: keepWeekly ?? settings.weekly,
                monthly: keepMonthly ?? settings.monthly)
            let result = try store.backup(to: destination, encrypt: encrypt, keep: keep, at: GlobalOptions.clock()())
            if format.json {
                let doc: JSONObject = [
                    "path": result.path, "bytes": result.bytes, "encrypted": result.encrypted,
                    "removed": result.removed, "database": store.path,
                ].merging(result.facts.json) { a, _ in a }
                Terminal.print(JSON.render(doc))
                return
            }
            var line =
                "backed up to \(result.path) (\(sizeText(result.bytes))\(result.encrypted ? ", encrypted" : "")): \(result.facts.summary)"
            if !result.removed.isEmpty {
                line += "; removed \(result.removed.count) older backup\(result.removed.count == 1 ? "" : "s")"
            }
            Terminal.print(line)
        }
    }
}

extension Orderctl {
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Check a backup and put it in place of the database.",
            discussion: """
                The backup is checked first, in a temporary copy beside the database (decrypted \
                with --identity or --passphrase-file when it is encrypted): SQLite's quick_check, \
                the foreign keys, a schema version this orderctl knows, the history chain. \
                restore prints what it holds; with --dry-run it stops there.

                Then it replaces the database: it refuses while another orderctl (or sqlite3) \
                has the database open, keeps the current file as DB.pre-restore-TIME, removes \
                the old -wal and -shm and renames the checked copy into place. A restore that \
                fails at any point leaves the current database as it was.

                Examples:
                  orderctl restore backups/orders-20261201T061500Z.db --dry-run
                  orderctl restore orders-20261201T061500Z.db.age --identity ~/.config/age/key.txt
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The backup file.", valueName: "file"), completion: .file())
        var file: String

        @Option(
            name: .customLong("identity"),
            help: ArgumentHelp(
                "An age identity file (AGE-SECRET-KEY-1..., as age-keygen writes) for an encrypted backup; repeatable.",
                valueName: "file"), completion: .file())
        var identities: [String] = []

        @Option(
            name: .customLong("passphrase-file"),
            help: ArgumentHelp(
                "The passphrase of a passphrase-encrypted backup (the file's first line).", valueName: "file"),
            completion: .file())
        var passphraseFile: String?

        @Flag(name: .customLong("dry-run"), help: "Check the backup and say what it holds; change nothing.")
        var dryRun = false

        @OptionGroup var format: JSONOption

        func run() throws {
            let database = global.values.databasePath
            let decrypt =
                identities.isEmpty && passphraseFile == nil
                ? nil : try AgeSupport.decryption(identityFiles: identities, passphraseFile: passphraseFile)
            let result = try OrderCore.Restore.run(
                backup: file, into: database, decrypt: decrypt, dryRun: dryRun, at: GlobalOptions.clock()())
            if format.json {
                let doc: JSONObject = [
                    "backup": result.backup, "database": result.database, "encrypted": result.encrypted,
                    "dry_run": result.dryRun, "saved_as": orNull(result.savedAs),
                ].merging(result.facts.json) { a, _ in a }
                Terminal.print(JSON.render(doc))
                return
            }
            Terminal.print("\(file) holds \(result.facts.summary); schema version \(result.facts.schemaVersion)")
            if dryRun {
                Terminal.print("dry run: \(database) was not changed")
            } else if let saved = result.savedAs {
                Terminal.print("restored \(database); the database it replaced is kept as \(saved)")
            } else {
                Terminal.print("restored \(database) (there was no database there before)")
            }
        }
    }
}

extension Orderctl {
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract: "Check the database file and everything orderctl keeps in it.",
            discussion: """
                Checks the file (SQLite's quick_check; --full: integrity_check, which also \
                compares every index with its table and takes longer), the schema (every \
                table, index, trigger and view as orderctl makes them), the foreign keys, and \
                orderctl's own rules: the history chain (as verify), stock on hand equals the \
                sum of its stock moves and reserved what the order lines hold, units shipped \
                and returned equal the shipments and returns, each order's payment and \
                fulfilment status, item count and total agree with its records, the stats \
                summaries, status times and lead times equal a rebuild from the orders. \
                Around the file: its permissions and its folder's, a -wal or -shm left on its \
                own, the size of the write-ahead log, the age of the newest backup (a warning \
                past backup.max-age, default 2d, when the backup folder exists) and free disk \
                space.

                One line per finding, naming the thing and what to do. Exit 0 when all is \
                well, 1 when there is a problem, 3 when there are only warnings (cron mails \
                the owner on either).

                --repair first takes a backup, then rebuilds what is derived (indexes, \
                triggers and views that differ from orderctl's schema, summaries, status \
                times, lead times) and says what it changed; it never touches orders, \
                payments or history. Damage to the file itself needs a backup: orderctl restore.

                Examples:
                  orderctl doctor
                  orderctl doctor --full --json
                  orderctl doctor --repair
                """)

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Run SQLite's integrity_check instead of quick_check (reads every index against its table).")
        var full = false

        @Flag(
            help:
                "Back up, then rebuild the derived data (schema indexes, triggers, views; summaries, status and lead times) and say what changed."
        )
        var repair = false

        @OptionGroup var format: JSONOption

        func run() throws {
            let path = global.values.databasePath
            let files = DatabaseFiles.look(at: path)
            let store = try global.openStore(.existing, allowDamaged: repair)
            let visit = try store.visit(full: full, repair: repair, files: files, at: GlobalOptions.clock()())
            let (report, repaired, backup) = (visit.report, visit.repaired, visit.backup)
            if format.json {
                let findings: [JSONObject] = report.findings.map {
                    [
                        "severity": $0.severity.rawValue, "check": $0.check, "subject": $0.subject,
                        "message": $0.message,
                        "fix": $0.fix,
                    ]
                }
                var doc: JSONObject = [
                    "database": store.path, "checks": report.checks, "findings": findings,
                    "problems": report.problems, "warnings": report.warnings,
                ]
                if repair {
                    doc["repaired"] = repaired
                    doc["backup"] = orNull(backup)
                }
                Terminal.print(JSON.render(doc))
            } else {
                if let backup { Terminal.print("backed up to \(backup) before repairing") }
                if repair {
                    Terminal.print(
                        repaired.isEmpty
                            ? "repaired: nothing needed rebuilding"
                            : repaired.map { $0.hasPrefix("cleared ") ? $0 : "rebuilt \($0)" }.joined(separator: "\n"))
                }
                for f in report.findings {
                    let label =
                        f.severity == .problem
                        ? Terminal.style("problem", .red, .bold) : Terminal.style("warning", .yellow)
                    Terminal.print("\(label): \(f.check): \(OrderError.clip(f.subject)): \(f.message); \(f.fix)")
                }
                let summary: String
                if report.findings.isEmpty {
                    summary = "all well: \(report.checks.count) checks of \(store.path) passed"
                } else {
                    summary =
                        "\(report.problems) problem\(report.problems == 1 ? "" : "s"), \(report.warnings) warning\(report.warnings == 1 ? "" : "s") in \(store.path)"
                }
                Terminal.print(summary)
            }
            if report.problems > 0 { throw ExitCode(1) }
            if report.warnings > 0 { throw ExitCode(3) }
        }
    }
}
