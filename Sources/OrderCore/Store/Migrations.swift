import Foundation

/// Applies the numbered steps of the embedded `schema.sql` that a database lacks.
enum Migrations {
    struct Step {
        let version: Int
        let title: String
        let sql: String
    }

    /// The embedded schema, split at its `-- step N: title` lines.
    static let steps: [Step] = parse(String(decoding: PackageResources.schema_sql, as: UTF8.self))

    /// The newest step's number, found without parsing the steps (every open needs
    /// it; the steps themselves only when a database is behind).
    static let latestVersion: Int = {
        let bytes = PackageResources.schema_sql
        let marker = Array("\n-- step ".utf8)
        var best = 0
        var i = 0
        while i + marker.count < bytes.count {
            if bytes[i] == 10, bytes[i..<(i + marker.count)].elementsEqual(marker) {
                var j = i + marker.count, n = 0
                while j < bytes.count, bytes[j] >= 48, bytes[j] <= 57 { n = n * 10 + Int(bytes[j] - 48); j += 1 }
                best = max(best, n)
                i = j
            } else {
                i += 1
            }
        }
        return best
    }()

    /// Work a step needs that SQL cannot do, run in the step's transaction after its SQL.
    static let swiftSteps: [Int: @Sendable (Database) throws -> Void] = [
        2: HistoryChain.backfill,
        4: { try StatusTimes.fill($0) },
    ]

    static func parse(_ text: String) -> [Step] {
        var steps: [Step] = []
        var current: (Int, String)?
        var body: [Substring] = []
        func flush() {
            if let (version, title) = current {
                steps.append(Step(version: version, title: title, sql: body.joined(separator: "\n")))
            }
            body = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-- step "), let colon = line.firstIndex(of: ":"),
               let version = Int(line.dropFirst(8)[..<colon].trimmingCharacters(in: .whitespaces)) {
                flush()
                current = (version, line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            } else if current != nil {
                body.append(line)
            }
        }
        flush()
        precondition(steps.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
                     "schema.sql steps must be numbered 1, 2, 3, ...")
        return steps
    }

    /// Refuses a file that is not ours: one with a newer schema, or an unversioned one
    /// that already holds other tables. Reads one consistent snapshot, so another
    /// process creating the schema at this moment is never mistaken for a stranger.
    static func checkOwnership(_ db: Database, path: String, latest: Int = latestVersion) throws {
        let (version, tables) = try db.read {
            (try db.userVersion,
             try db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        }
        if version > latest {
            throw OrderError.newerSchema(path: path, version: version, supported: latest)
        }
        if version == 0 && tables > 0 {
            throw OrderError.databaseNotOrderctl(path: path, reason: "it already holds \(tables) table\(tables == 1 ? "" : "s") of something else")
        }
    }

    /// Brings `db` to the latest version, one transaction per step. Safe when several
    /// processes open a new file at once: each step re-checks the version under the
    /// write lock. Returns true when this call created the schema (applied step 1).
    @discardableResult
    static func migrate(_ db: Database, path: String, steps given: [Step]? = nil,
                        swiftSteps: @autoclosure () -> [Int: @Sendable (Database) throws -> Void] = [:],
                        afterFirstStep: () throws -> Void = {},
                        upgrading: (_ from: Int, _ to: Int) -> Void = { _, _ in }) throws -> Bool {
        let latest = given.map { $0.last?.version ?? 0 } ?? latestVersion
        try checkOwnership(db, path: path, latest: latest)
        guard try db.userVersion < latest else { return false }
        var created = false
        var announced = false
        for step in given ?? steps {
            // A step that rebuilds a table others refer to (SQLite's ALTER TABLE recipe)
            // runs with foreign keys off, which only takes effect outside a transaction,
            // and checks every reference before it commits.
            let rebuilds = step.sql.contains("PRAGMA legacy_alter_table = ON")
            if rebuilds { try db.execute("PRAGMA foreign_keys = OFF") }
            defer { if rebuilds { try? db.execute("PRAGMA legacy_alter_table = OFF; PRAGMA foreign_keys = ON") } }
            try db.transaction {
                let current = try db.userVersion
                guard current < step.version else { return }
                if current == 0 {
                    let tables = try db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    if tables > 0 {
                        throw OrderError.databaseNotOrderctl(path: path, reason: "it already holds \(tables) table\(tables == 1 ? "" : "s") of something else")
                    }
                }
                // An existing database brought up to date (not one being created): once.
                if current > 0 && !announced {
                    upgrading(current, latest)
                    announced = true
                }
                try db.execute(step.sql)
                if rebuilds, let broken = try db.queryFirst("PRAGMA foreign_key_check", row: { "\($0.string(0)) row \($0.int64(1))" }) {
                    throw OrderError.databaseNotOrderctl(path: path, reason: "step \(step.version) would leave \(broken) pointing at nothing")
                }
                try swiftSteps()[step.version]?(db)
                try db.execute("PRAGMA user_version = \(step.version)")
                if step.version == 1 {
                    try afterFirstStep()
                    created = true
                }
            }
        }
        return created
    }
}
