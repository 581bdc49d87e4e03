internal import CSQLite
import Foundation

extension Database {
    /// Copies the whole database, as one consistent snapshot, into a new file at `path`
    /// (created with mode 0600; it must not exist), left in rollback-journal mode so that
    /// the copy is one self-contained file.
    ///
    /// Why the online backup API and not `VACUUM INTO`: the backup API copies pages as
    /// they are (no re-encoding of rows, no rebuilding of indexes). On the README's UCI
    /// example (93 MiB, 22,033 orders) sqlite3's `.backup` took 0.18 s and `VACUUM INTO`
    /// 0.35 s. Stepping all pages in one call (`-1`) reads them in one read transaction,
    /// so writers in other processes go on (WAL) and the copy never restarts. The copy
    /// keeps free pages, which `VACUUM INTO` would drop (5% here); a backup is about
    /// safety, not size.
    ///
    /// `durable: false` for a copy that only lives for moments (the plaintext an
    /// encrypted backup is made from): not synced, so its 3 GB on a large shop are never
    /// written out to the disk before they are deleted.
    func copySnapshot(to path: String, durable: Bool = true) throws {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SQLiteError(
                code: SQLiteCode.cantOpen, message: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        close(fd)
        var dest: OpaquePointer?
        let rc = sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nil)
        guard rc == SQLITE_OK, let dest else {
            let message = dest.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let dest { sqlite3_close_v2(dest) }
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        defer { sqlite3_close_v2(dest) }
        func fail(_ rc: Int32, _ what: String) -> SQLiteError {
            let code = sqlite3_extended_errcode(dest)
            return SQLiteError(
                code: code == 0 ? rc : code, message: "\(what): \(String(cString: sqlite3_errmsg(dest)))")
        }
        if !durable { sqlite3_exec(dest, "PRAGMA synchronous = OFF", nil, nil, nil) }
        guard let backup = sqlite3_backup_init(dest, "main", handle, "main") else {
            throw fail(SQLITE_ERROR, "cannot start the backup")
        }
        var step = sqlite3_backup_step(backup, -1)
        var waited = 0
        while step == SQLITE_BUSY || step == SQLITE_LOCKED, waited < Int(Self.busyTimeoutMilliseconds) {
            usleep(1000)
            waited += 1
            step = sqlite3_backup_step(backup, -1)
        }
        let finish = sqlite3_backup_finish(backup)
        guard step == SQLITE_DONE else {
            // The source's error, if the read failed there (a damaged page, say).
            let sourceCode = sqlite3_extended_errcode(handle)
            if sourceCode != SQLITE_OK && sourceCode != SQLITE_DONE {
                throw SQLiteError(
                    code: sourceCode, message: "reading \(self.path): \(String(cString: sqlite3_errmsg(handle)))")
            }
            throw fail(step, "writing \(path)")
        }
        guard finish == SQLITE_OK else { throw fail(finish, "writing \(path)") }
        var errmsg: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(dest, "PRAGMA journal_mode = DELETE", nil, nil, &errmsg) != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(errmsg)
            throw SQLiteError(code: sqlite3_extended_errcode(dest), message: "writing \(path): \(message)")
        }
    }

    /// Moves everything in the write-ahead log into the database file and empties the
    /// log. Returns false when another connection kept it from finishing.
    func checkpointTruncate() throws -> Bool {
        var log: Int32 = 0
        var done: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, &log, &done)
        if rc == SQLITE_BUSY { return false }
        guard rc == SQLITE_OK else { throw error(rc, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        return true
    }
}
