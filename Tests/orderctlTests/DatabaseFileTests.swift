import Foundation
import Testing

@Suite("the database file: read commands never create it, write commands do (mode 0600)")
struct DatabaseFileTests {
    static let readCommands: [[String]] = [
        ["list"],
        ["list", "--json"],
        ["show", "1001"],
        ["product", "list"],
        ["product", "show", "MUG-01"],
        ["customer", "list"],
        ["customer", "show", "ann@example.com"],
        ["config", "list"],
        ["config", "get", "currency"],
    ]

    @Test("a read command on a missing --db exits 1, names the path, creates nothing", arguments: readCommands)
    func readOnMissing(_ command: [String]) throws {
        let sb = try Sandbox()
        let path = sb.dir.appendingPathComponent("missing/orders.db").path
        for arguments in [command + ["--db", path], ["--db", path] + command] {
            let r = try sb.run(arguments)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
            #expect(r.stderrLines.count == 1, "\(r)")
            #expect(r.stderrLines.first?.hasPrefix("Error: ") == true, "\(r)")
            #expect(r.stderr.contains(path), "the error names the path: \(r)")
        }
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: path))
        #expect(!fm.fileExists(atPath: sb.dir.appendingPathComponent("missing").path), "not even the folder")
        #expect(!fm.fileExists(atPath: sb.dbPath), "nor the ORDERCTL_DB file")
    }

    @Test("ORDERCTL_DB naming a missing file: list exits 1 and creates nothing")
    func readOnMissingFromEnvironment() throws {
        let sb = try Sandbox()
        let r = try sb.run("list")
        #expect(r.exitCode == 1, "\(r)")
        #expect(
            r.stderrLines == [
                "Error: no database at \(sb.dbPath) (create one with 'orderctl init', or name another with --db)"
            ])
        #expect(!FileManager.default.fileExists(atPath: sb.dbPath))
    }

    @Test("a write command creates the database (and its folder) with mode 0600, and says so")
    func writeCreates() throws {
        let sb = try Sandbox()
        let path = sb.dir.appendingPathComponent("new/sub/orders.db").path
        let r = try sb.ok("product", "add", "NEW-1", "--name", "New thing", "--price", "3.50", "--db", path)
        #expect(r.stdout == "Added product NEW-1: New thing, 3.50 EUR, stock not tracked\n")
        #expect(r.stderrLines == ["created a new database at \(path)"])

        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let mode = try #require(attributes[.posixPermissions] as? NSNumber).intValue
        #expect(String(mode & 0o777, radix: 8) == "600")
        let folder = try FileManager.default.attributesOfItem(atPath: (path as NSString).deletingLastPathComponent)
        #expect(String(try #require(folder[.posixPermissions] as? NSNumber).intValue & 0o777, radix: 8) == "700")

        // It is a real database now: read commands work on it, and the note is not repeated.
        let list = try sb.ok("--db", path, "product", "list", "--json")
        #expect(
            (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])?.first?.string("sku")
                == "NEW-1")
        #expect(list.stderr.isEmpty)
        #expect(try sb.sql("SELECT sku, price FROM products", db: path) == ["NEW-1|350"])
    }

    @Test("without ORDERCTL_DB the default is under HOME (~/.local/share/orderctl/orders.db)")
    func defaultPath() throws {
        let sb = try Sandbox()
        let r = try sb.run(["customer", "add", "--name", "Ann Lee"], env: ["ORDERCTL_DB": nil, "XDG_DATA_HOME": nil])
        #expect(r.exitCode == 0, "\(r)")
        let expected = sb.dir.appendingPathComponent(".local/share/orderctl/orders.db").path
        #expect(FileManager.default.fileExists(atPath: expected))
        #expect(r.stderrLines == ["created a new database at \(expected)"])
        #expect(try sb.sql("SELECT name FROM customers", db: expected) == ["Ann Lee"])
    }
}
