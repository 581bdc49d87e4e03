import Foundation

/// `orders.db.lock` beside the database: every `OrderStore` holds a shared lock on it
/// while it is open, and `restore` takes it exclusively, so a database is never replaced
/// under a running orderctl, and nobody opens it while it is being replaced. (A lock on
/// the database file itself cannot be used: closing any descriptor of that file drops
/// the locks SQLite holds on it.) Programs other than orderctl do not know this lock;
/// restore also asks SQLite's own shared-memory lock (see `Restore.otherProgramHasOpen`).
final class DatabaseLock {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    static func path(for database: String) -> String { database + ".lock" }

    private static func openLockFile(_ database: String) -> Int32 {
        let fd = open(path(for: database), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        // flock needs no write permission: a lock file one may only read still locks.
        return fd >= 0 ? fd : open(path(for: database), O_RDONLY | O_CLOEXEC)
    }

    /// Waits (up to the busy timeout) for a restore to finish. nil where the lock file
    /// cannot be made (a read-only folder: nothing can be restored there either).
    static func shared(_ database: String) throws -> DatabaseLock? {
        let fd = openLockFile(database)
        guard fd >= 0 else { return nil }
        let lock = DatabaseLock(fd: fd)
        let deadline = Date().addingTimeInterval(Double(Database.busyTimeoutMilliseconds) / 1000)
        while flock(fd, LOCK_SH | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { return lock }
            guard Date() < deadline else {
                throw OrderError.file(
                    path: database, problem: "a restore is replacing this database; try again when it has finished")
            }
            usleep(5_000)
        }
        return lock
    }

    /// The lock for replacing the database; thrown when any orderctl has it open.
    static func exclusive(_ database: String) throws -> DatabaseLock {
        let fd = openLockFile(database)
        guard fd >= 0 else {
            throw OrderError.file(
                path: path(for: database), problem: "cannot create the lock file: \(String(cString: strerror(errno)))")
        }
        let lock = DatabaseLock(fd: fd)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw OrderError.file(
                path: database,
                problem:
                    "another orderctl process has it open (a cron job, another shell?); nothing was changed, try again when it has finished"
            )
        }
        return lock
    }
}
