import Foundation

/// `orders.db.damaged` beside a database known to be damaged: written when doctor (or
/// any command) finds the file itself broken, it makes every later open read-only, so
/// nothing is written on top of the damage, until `restore` replaces the file or
/// `doctor --repair` finds it whole again. Its one line says when and what was found.
public enum DamageMarker {
    public static func path(for database: String) -> String { database + ".damaged" }

    /// The marker's line, or nil when the database is not marked.
    public static func read(_ database: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(for: database)) else { return nil }
        let line =
            String(decoding: data.prefix(1000), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        return line.isEmpty ? "damage was found" : line
    }

    /// Marks the database (best effort: a read-only folder keeps no marker).
    public static func mark(_ database: String, reason: String, at date: Date = Date()) {
        guard read(database) == nil else { return }
        let oneLine = String(reason.map { $0.isNewline ? " " : $0 }.prefix(500))
        let line = "\(Instant.format(date)) \(oneLine)\n"
        let fd = open(path(for: database), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        fsync(fd)
        close(fd)
    }

    /// The rule for any command: one that failed because a read found damaged data marks
    /// the database, so the next command changes nothing in it. Says whether it did.
    @discardableResult
    public static func markIfDamaged(_ database: String, after error: any Error, at date: Date) -> Bool {
        guard let error = error as? SQLiteError, error.isDamaged else { return false }
        mark(database, reason: "a command read damaged data: \(error.message)", at: date)
        return true
    }

    public static func clear(_ database: String) {
        unlink(path(for: database))
    }
}
