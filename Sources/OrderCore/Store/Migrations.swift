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
                var j = i + marker.count
                var n = 0
                while j < bytes.count, bytes[j] >= 48, bytes[j] <= 57 {
                    n = n * 10 + Int(bytes[j] - 48)
                    j += 1
                }
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
                let version = Int(line.dropFirst(8)[..<colon].trimmingCharacters(in: .whitespaces))
            {
                flush()
                current = (version, line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            } else if current != nil {
                body.append(line)
            }
        }
        flush()
        precondition(
            steps.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
            "schema.sql steps must be numbered 1, 2, 3, ...")
        return steps
    }

    /// Refuses a file that is not ours: one with a newer schema, or an unversioned one
    /// that already holds other tables. Reads one consistent snapshot, so another
    /// process creating the schema at this moment is never mistaken for a stranger.
    static func checkOwnership(_ db: Database, path: String, latest: Int = latestVersion) throws {
        let (version, tables) = try db.read {
            (
                try db.userVersion,
                try db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            )
        }
        if version > latest {
            throw OrderError.newerSchema(path: path, version: version, supported: latest)
        }
        if version == 0 && tables > 0 {
            throw OrderError.databaseNotOrderctl(
                path: path, reason: "it already holds \(tables) table\(tables == 1 ? "" : "s") of something else")
        }
    }

    /// Brings `db` to the latest version, one transaction per step. Safe when several
    /// processes open a new file at once: each step re-checks the version under the
    /// write lock. Returns true when this call created the schema (applied step 1).
    @discardableResult
    static func migrate(
        _ db: Database, path: String, steps given: [Step]? = nil,
        swiftSteps: @autoclosure () -> [Int: @Sendable (Database) throws -> Void] = [:],
        afterFirstStep: () throws -> Void = {},
        upgrading: (_ from: Int, _ to: Int) -> Void = { _, _ in }
    ) throws -> Bool {
        let latest = given.map { $0.last?.version ?? 0 } ?? latestVersion
        try checkOwnership(db, path: path, latest: latest)
        let startedAt = try db.userVersion
        guard startedAt < latest else { return false }
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
                    let tables = try db.scalarInt(
                        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    if tables > 0 {
                        throw OrderError.databaseNotOrderctl(
                            path: path,
                            reason: "it already holds \(tables) table\(tables == 1 ? "" : "s") of something else")
                    }
                }
                // An existing database brought up to date (not one being created): once.
                if current > 0 && !announced {
                    upgrading(current, latest)
                    announced = true
                }
                try db.execute(step.sql)
                if rebuilds,
                    let broken = try db.queryFirst(
                        "PRAGMA foreign_key_check", row: { "\($0.string(0)) row \($0.int64(1))" })
                {
                    throw OrderError.databaseNotOrderctl(
                        path: path, reason: "step \(step.version) would leave \(broken) pointing at nothing")
                }
                try swiftSteps()[step.version]?(db)
                try recordSchema(db, fresh: startedAt == 0)
                try db.execute("PRAGMA user_version = \(step.version)")
                if step.version == 1 {
                    try afterFirstStep()
                    created = true
                }
            }
        }
        return created
    }

    // MARK: the schema's own text (step 8)

    /// One table, index, trigger or view, as `sqlite_schema` holds it.
    struct SchemaObject: Equatable, Sendable {
        let type: String
        let name: String
        let sql: String
    }

    /// The objects orderctl's steps make, built once in memory from the embedded schema
    /// (about 30 ms; `doctor` and upgrades need it, ordinary opens do not). Nil only
    /// when SQLite cannot build it at all.
    static let embeddedSchema: [SchemaObject]? = {
        guard let memory = try? Database(path: ":memory:"), (try? migrate(memory, path: ":memory:")) != nil else {
            return nil
        }
        return try? objects(in: memory)
    }()

    static func objects(in db: Database) throws -> [SchemaObject] {
        try db.query(
            """
            SELECT type, name, sql FROM sqlite_schema
            WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL AND type IN ('table', 'index', 'trigger', 'view')
            ORDER BY name
            """
        ) { SchemaObject(type: $0.string(0), name: $0.string(1), sql: $0.string(2)) }
    }

    /// Keeps `schema_objects` (once a step has made it) equal to the text SQLite holds for
    /// orderctl's objects: all of them in a database these steps just created, else those
    /// the embedded schema names, so that objects of the owner's own are left out.
    static func recordSchema(_ db: Database, fresh: Bool) throws {
        guard
            try db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_objects'") > 0
        else { return }
        let filter: String
        var names = "[]"
        if fresh {
            filter = ""
        } else {
            guard let embedded = embeddedSchema else {
                throw SQLiteError(
                    code: SQLiteCode.error, message: "could not build the embedded schema to compare with")
            }
            filter = "AND name IN (SELECT value FROM json_each(?1))"
            names = "[" + embedded.map { "\"\($0.name)\"" }.joined(separator: ",") + "]"
        }
        try db.execute("DELETE FROM schema_objects")
        try db.run(
            """
            INSERT INTO schema_objects(name, type, sql) SELECT name, type, sql FROM sqlite_schema
            WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL AND type IN ('table', 'index', 'trigger', 'view') \(filter)
            """, arguments: fresh ? [] : [names])
    }

    /// On every open (one small query): the first of orderctl's objects whose text in
    /// the file differs from the text kept in `schema_objects` when orderctl made it, as
    /// a phrase ("the index orders_open differs from the one orderctl made"); nil when
    /// all agree or the file predates step 8.
    static func schemaDrift(_ db: Database) throws -> String? {
        guard try db.userVersion >= 8 else { return nil }
        let kept: Int64
        do {
            kept = try db.scalarInt("SELECT count(*) FROM schema_objects")
        } catch let error as SQLiteError where error.primaryCode == SQLiteCode.error {
            return "the table schema_objects, which keeps the schema's text, is missing"
        }
        if kept == 0 { return "the table schema_objects, which keeps the schema's text, is empty" }
        return try db.queryFirst(
            """
            SELECT o.type, o.name, s.name IS NULL FROM schema_objects o
              LEFT JOIN sqlite_schema s ON s.name = o.name AND s.type = o.type
            WHERE s.sql IS NOT o.sql ORDER BY o.name LIMIT 1
            """
        ) { r in
            r.int64(2) == 1
                ? "the \(r.string(0)) \(r.string(1)) that orderctl made is missing"
                : "the \(r.string(0)) \(r.string(1)) differs from the one orderctl made"
        }
    }
}
