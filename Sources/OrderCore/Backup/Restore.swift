import Foundation

/// Decrypts the age file at the first path into a new file at the second. Handed in by
/// the caller, who holds the identities.
public typealias BackupDecryption = (_ encrypted: String, _ plaintext: String) throws -> Void

/// What `orderctl restore` did (or, with `dryRun`, would do).
public struct RestoreResult: Sendable {
    public var backup: String
    public var database: String
    public var facts: SnapshotFacts
    public var encrypted: Bool
    /// Where the database that was replaced is kept, nil when there was none (or a dry run).
    public var savedAs: String?
    public var dryRun: Bool
}

public enum Restore {
    /// Checks `backup` and, unless `dryRun`, puts it in place of the database at
    /// `database`. The backup is decrypted (or copied) to a temporary file beside the
    /// database and checked there (integrity, schema version, history chain) before
    /// anything else; then, under the exclusive lock, the current database (its log
    /// folded in) is kept as `DB.pre-restore-TIME`, its `-wal` and `-shm` removed, and the
    /// checked copy renamed into place. Any failure leaves the current database as it was.
    public static func run(
        backup: String, into database: String, decrypt: BackupDecryption?, dryRun: Bool,
        at date: Date = Date()
    ) throws -> RestoreResult {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: backup, isDirectory: &isDirectory) else {
            throw OrderError.file(path: backup, problem: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw OrderError.file(
                path: backup, problem: "is a folder; name one backup file in it (the newest: ls -t \(backup) | head -1)"
            )
        }
        guard access(backup, R_OK) == 0 else {
            throw OrderError.file(path: backup, problem: "cannot be read (permission denied)")
        }
        let encrypted = Age.isEncrypted(path: backup)
        if encrypted && decrypt == nil {
            throw OrderError.file(
                path: backup, problem: "is encrypted (age); give --identity FILE or --passphrase-file FILE")
        }
        if !encrypted, fileSize(backup + "-wal") > 0 {
            throw OrderError.file(
                path: backup,
                problem:
                    "has a write-ahead log beside it (\(backup)-wal), so the file alone is not the whole database; back it up with 'orderctl backup --db \(backup)' and restore that"
            )
        }
        let folder = (database as NSString).deletingLastPathComponent
        let databaseFolder = folder.isEmpty ? "." : folder
        if !FileManager.default.fileExists(atPath: databaseFolder) {
            try FileManager.default.createDirectory(
                atPath: databaseFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        Backups.removeStaleTemporaries(in: databaseFolder)
        let temporary = (databaseFolder as NSString).appendingPathComponent(
            Backups.temporaryName(for: (database as NSString).lastPathComponent + ".restore"))
        defer {
            unlink(temporary)
            unlink(temporary + "-journal")
        }
        if let decrypt, encrypted {
            try decrypt(backup, temporary)
        } else {
            try copyFile(backup, to: temporary)
        }
        let facts = try Backups.check(path: temporary, shownAs: backup)
        var result = RestoreResult(
            backup: backup, database: database, facts: facts, encrypted: encrypted, savedAs: nil, dryRun: dryRun)
        if dryRun { return result }
        chmod(temporary, 0o600)
        try syncPath(temporary)

        let lock = try DatabaseLock.exclusive(database)
        defer { withExtendedLifetime(lock) {} }
        if otherProgramHasOpen(database) {
            throw OrderError.file(
                path: database,
                problem: "another program (sqlite3?) has it open; nothing was changed, close it and try again")
        }
        if FileManager.default.fileExists(atPath: database) {
            let saved = "\(database).pre-restore-\(Backups.stamp(date))"
            if FileManager.default.fileExists(atPath: saved) {
                throw OrderError.file(
                    path: saved, problem: "already exists (one restore a second); try again in a moment")
            }
            // Fold the log into the file, so that the file alone is the database as it was.
            if let current = try? Database(path: database, create: false, wal: false) {
                _ = try? current.checkpointTruncate()
            }
            guard link(database, saved) == 0 else {
                throw OrderError.file(
                    path: saved,
                    problem:
                        "cannot keep the current database: \(String(cString: strerror(errno))); nothing was changed")
            }
            var movedLog = false
            if fileSize(database + "-wal") > 0 {
                // The fold failed (a damaged file): the log goes with the file it belongs to.
                guard rename(database + "-wal", saved + "-wal") == 0 else {
                    unlink(saved)
                    throw OrderError.file(
                        path: database + "-wal",
                        problem: "cannot be moved aside: \(String(cString: strerror(errno))); nothing was changed")
                }
                movedLog = true
            }
            guard rename(temporary, database) == 0 else {
                let reason = String(cString: strerror(errno))
                if movedLog { rename(saved + "-wal", database + "-wal") }
                unlink(saved)
                throw OrderError.file(path: database, problem: "cannot be replaced: \(reason); nothing was changed")
            }
            result.savedAs = saved
        } else {
            guard rename(temporary, database) == 0 else {
                throw OrderError.file(path: database, problem: "cannot be written: \(String(cString: strerror(errno)))")
            }
        }
        // A log or shared-memory index of the replaced file would be read as the new one's.
        unlink(database + "-wal")
        unlink(database + "-shm")
        // A damage mark stays with the file it was about.
        if let saved = result.savedAs, DamageMarker.read(database) != nil {
            rename(DamageMarker.path(for: database), DamageMarker.path(for: saved))
        }
        DamageMarker.clear(database)
        try syncPath(databaseFolder)
        return result
    }

    /// True when a program other than this one has the database open in WAL mode: SQLite
    /// holds a read lock on a byte of the `-shm` file (the "DMS" byte, offset 128) for as
    /// long as any connection is open.
    static func otherProgramHasOpen(_ database: String) -> Bool {
        let fd = open(database + "-shm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        probe.l_start = 128
        probe.l_len = 1
        guard fcntl(fd, F_GETLK, &probe) == 0 else { return false }
        return probe.l_type != Int16(F_UNLCK)
    }

    /// A byte copy, created 0600, synced.
    static func copyFile(_ source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw OrderError.file(path: source, problem: String(cString: strerror(errno))) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw OrderError.file(path: destination, problem: String(cString: strerror(errno))) }
        defer { close(output) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw OrderError.file(path: source, problem: "cannot be read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            var done = 0
            while done < n {
                let w = write(output, buffer + done, n - done)
                if w < 0 {
                    if errno == EINTR { continue }
                    let reason =
                        errno == ENOSPC
                        ? "the disk is full (the restore needs \(fileSize(source)) bytes free beside the database)"
                        : String(cString: strerror(errno))
                    throw OrderError.file(
                        path: destination, problem: "cannot be written: \(reason); nothing was changed")
                }
                done += w
            }
        }
        if fsync(output) != 0 {
            throw OrderError.file(path: destination, problem: "cannot be synced: \(String(cString: strerror(errno)))")
        }
    }
}
