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

    static var latestVersion: Int { steps.last?.version ?? 0 }

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

    /// Brings `db` to the latest version, one transaction per step. Safe when several
    /// processes open a new file at once: each step re-checks the version under the
    /// write lock.
    static func migrate(_ db: Database, path: String, steps: [Step] = steps) throws {
        let current = try db.userVersion
        let latest = steps.last?.version ?? 0
        if current > latest {
            throw OrderError.newerSchema(path: path, version: current, supported: latest)
        }
        if current == 0 {
            let foreign = try db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'")
            if foreign > 0 {
                throw OrderError.databaseNotOrderctl(path: path, reason: "it already holds \(foreign) tables of something else")
            }
        }
        for step in steps where step.version > current {
            try db.transaction {
                guard try db.userVersion < step.version else { return }
                try db.execute(step.sql)
                try db.execute("PRAGMA user_version = \(step.version)")
            }
        }
    }
}
