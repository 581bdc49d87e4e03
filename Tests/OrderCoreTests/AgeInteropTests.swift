import Foundation
import Testing

@testable import OrderCore

// The age format against the real tool: Debian's age 1.1.1 (`make test` installs it).
// Files go both ways, to X25519 recipients and with passphrases; age reads a passphrase
// only from a terminal, so a small python3 pty driver types it at age's prompts.

enum AgeTool {
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static let age = find("age")
    static let keygen = find("age-keygen")
    static let python = find("python3")
    static var available: Bool { age != nil && keygen != nil }
    static var ptyAvailable: Bool { available && python != nil }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a program to completion; output goes through files (no pipe can fill up).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try withTempDir { dir throws in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
            _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
            let err = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = out
            process.standardError = err
            try process.run()
            process.waitUntilExit()
            try out.close()
            try err.close()
            return Result(
                status: process.terminationStatus,
                stdout: try String(contentsOfFile: dir + "/out", encoding: .utf8),
                stderr: try String(contentsOfFile: dir + "/err", encoding: .utf8))
        }
    }

    /// `age ARGS`, expecting success.
    static func age(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run(age!, arguments)
        #expect(
            result.status == 0, "age \(arguments.joined(separator: " ")): \(result.stderr)",
            sourceLocation: sourceLocation)
    }

    /// A new key from age-keygen: the identity file's path and the recipient.
    static func keygen(in dir: String, name: String = "key.txt") throws -> (path: String, recipient: String) {
        let path = dir + "/" + name
        let result = try run(keygen!, ["-o", path])
        #expect(result.status == 0, "age-keygen: \(result.stderr)")
        // age-keygen -o prints "Public key: age1..." on stderr.
        let recipient = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("Public key: ") })
            .dropFirst("Public key: ".count)
        return (path, String(recipient))
    }

    /// Runs age in a pseudo-terminal and types `passphrase` (and Enter) at each of its
    /// passphrase prompts; age 1.1.1 has no other way to take one.
    static func ageWithPassphrase(_ passphrase: String, _ arguments: [String]) throws -> Result {
        try run(python!, ["-c", ptyDriver, age!] + arguments, environment: ["AGE_TEST_PASSPHRASE": passphrase])
    }

    static let ptyDriver = #"""
        import os, pty, re, select, sys, time
        pw = os.environ["AGE_TEST_PASSPHRASE"].encode()
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execv(sys.argv[1], sys.argv[1:])
            finally:
                os._exit(127)
        out = b""
        answered = 0
        prompt = re.compile(rb"(Enter|Confirm) passphrase[^\n:]*:")
        deadline = time.monotonic() + 60
        while True:
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                sys.stderr.write("pty driver: age did not finish in 60 s\n")
                break
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
            while answered < len(prompt.findall(out)):
                os.write(fd, pw + b"\r")
                answered += 1
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(out.decode("utf-8", "replace"))
        sys.stdout.write("\n[prompts answered: %d]\n" % answered)
        sys.exit(os.waitstatus_to_exitcode(status))
        """#
}

extension AgeTests {
    @Suite(.enabled(if: AgeTool.available, "the age tool is not on PATH (Debian package age; make test installs it)"))
    struct Interop {
        /// Ours encrypts to an age-keygen recipient; `age -d -i KEY` gives the same bytes.
        @Test(arguments: ageSizes)
        func ageDecryptsOurs(size: Int) throws {
            try withTempDir { dir throws in
                let key = try AgeTool.keygen(in: dir)
                let plain = pseudoRandomBytes(size, seed: UInt64(size) &* 31)
                try writeBytes(dir + "/plain", plain)
                try Age.encrypt(
                    inputPath: dir + "/plain", outputPath: dir + "/file.age",
                    to: [try AgeRecipient.parse(key.recipient)])
                try AgeTool.age(["-d", "-i", key.path, "-o", dir + "/back", dir + "/file.age"])
                // age opens its output at the first byte it writes: an empty payload
                // leaves no file.
                let back = size == 0 && !fileExists(dir + "/back") ? [] : try readBytes(dir + "/back")
                #expect(back == plain)
            }
        }

        /// `age -r RECIPIENT` encrypts; ours decrypts with the identity file.
        @Test(arguments: ageSizes)
        func weDecryptAges(size: Int) throws {
            try withTempDir { dir throws in
                let key = try AgeTool.keygen(in: dir)
                let plain = pseudoRandomBytes(size, seed: UInt64(size) &* 37)
                try writeBytes(dir + "/plain", plain)
                try AgeTool.age(["-r", key.recipient, "-o", dir + "/file.age", dir + "/plain"])
                try Age.decrypt(
                    inputPath: dir + "/file.age", outputPath: dir + "/back",
                    with: try AgeIdentity.readFile(atPath: key.path))
                #expect(try readBytes(dir + "/back") == plain)
            }
        }

        /// `age -R FILE` with two recipients; either identity decrypts here.
        @Test(arguments: ageSizes)
        func weDecryptAgesTwoRecipients(size: Int) throws {
            try withTempDir { dir throws in
                let first = try AgeTool.keygen(in: dir, name: "first.txt")
                let second = try AgeTool.keygen(in: dir, name: "second.txt")
                try writeBytes(
                    dir + "/recipients.txt", Array("# backup keys\n\(first.recipient)\n\n\(second.recipient)\n".utf8))
                let plain = pseudoRandomBytes(size, seed: UInt64(size) &* 41)
                try writeBytes(dir + "/plain", plain)
                try AgeTool.age(["-R", dir + "/recipients.txt", "-o", dir + "/file.age", dir + "/plain"])
                for (n, key) in [first, second].enumerated() {
                    try Age.decrypt(
                        inputPath: dir + "/file.age", outputPath: dir + "/back\(n)",
                        with: try AgeIdentity.readFile(atPath: key.path))
                    #expect(try readBytes(dir + "/back\(n)") == plain)
                }
            }
        }

        /// `age -a` (armored) encrypts; ours decrypts.
        @Test(arguments: [0, 65536, 200_000])
        func weDecryptAgesArmor(size: Int) throws {
            try withTempDir { dir throws in
                let key = try AgeTool.keygen(in: dir)
                let plain = pseudoRandomBytes(size, seed: 43)
                try writeBytes(dir + "/plain", plain)
                try AgeTool.age(["-a", "-r", key.recipient, "-o", dir + "/file.age", dir + "/plain"])
                #expect(
                    try String(contentsOfFile: dir + "/file.age", encoding: .utf8).hasPrefix(AgeArmor.beginLine + "\n"))
                #expect(Age.isEncrypted(path: dir + "/file.age"))
                try Age.decrypt(
                    inputPath: dir + "/file.age", outputPath: dir + "/back",
                    with: try AgeIdentity.readFile(atPath: key.path))
                #expect(try readBytes(dir + "/back") == plain)
            }
        }

        /// Our key encoding is age's: `age-keygen -y` on our identity gives our recipient,
        /// and ours on age-keygen's identity gives its.
        @Test func keysAgree() throws {
            try withTempDir { dir throws in
                let key = try AgeTool.keygen(in: dir)
                let identities = try AgeIdentity.readFile(atPath: key.path)
                #expect(identities.count == 1)
                #expect(identities.first?.recipient == key.recipient)
                let y = try AgeTool.run(AgeTool.keygen!, ["-y", key.path])
                #expect(y.stdout == key.recipient + "\n")

                let ours = AgeIdentity.generate()
                guard case .x25519(let secret) = ours.identity else { return }
                try writeBytes(dir + "/ours.txt", Array("# made by orderctl\n\(secret)\n".utf8))
                let y2 = try AgeTool.run(AgeTool.keygen!, ["-y", dir + "/ours.txt"])
                #expect(y2.status == 0, "\(y2.stderr)")
                #expect(y2.stdout == ours.recipient + "\n")
            }
        }

        /// Refusals on files that age made.
        @Test(arguments: AgeDamage.allCases)
        func damagedAgeFile(_ damage: AgeDamage) throws {
            try withTempDir { dir throws in
                let key = try AgeTool.keygen(in: dir)
                let size = damage.fullFinal ? AgeDamage.fullPlainSize : AgeDamage.shortPlainSize
                try writeBytes(dir + "/plain", pseudoRandomBytes(size, seed: 47))
                try AgeTool.age(["-r", key.recipient, "-o", dir + "/file.age", dir + "/plain"])
                try expectAgeRefusal(
                    damage.apply(try readBytes(dir + "/file.age")),
                    try AgeIdentity.readFile(atPath: key.path), damage.expected)
            }
        }

        @Test func wrongIdentityForAgesFile() throws {
            try withTempDir { dir throws in
                let key = try AgeTool.keygen(in: dir)
                let other = try AgeTool.keygen(in: dir, name: "other.txt")
                try writeBytes(dir + "/plain", [1, 2, 3])
                try AgeTool.age(["-r", key.recipient, "-o", dir + "/file.age", dir + "/plain"])
                try expectAgeRefusal(
                    try readBytes(dir + "/file.age"), try AgeIdentity.readFile(atPath: other.path),
                    "FILE: not encrypted to any of the given identities")
            }
        }
    }

    @Suite(.enabled(if: AgeTool.ptyAvailable, "age, age-keygen or python3 (for the pseudo-terminal) is not on PATH"))
    struct InteropPassphrase {
        static let passphrase = "correct horse battery staple"

        /// `age -p` (its default work factor, 18) encrypts; ours decrypts with the
        /// passphrase, and refuses a wrong one.
        @Test func weDecryptAgesPassphrase() throws {
            try withTempDir { dir throws in
                let plain = pseudoRandomBytes(3 * 65536 + 17, seed: 53)
                try writeBytes(dir + "/plain", plain)
                let result = try AgeTool.ageWithPassphrase(
                    Self.passphrase, ["-p", "-o", dir + "/file.age", dir + "/plain"])
                #expect(result.status == 0, "\(result.stdout)")
                #expect(
                    result.stdout.contains("[prompts answered: 2]"), "age asks twice when encrypting: \(result.stdout)")
                let file = try readBytes(dir + "/file.age")
                #expect(String(decoding: file.prefix(80), as: UTF8.self).contains("-> scrypt "))
                try Age.decrypt(
                    inputPath: dir + "/file.age", outputPath: dir + "/back",
                    with: [.passphrase(Array(Self.passphrase.utf8))])
                #expect(try readBytes(dir + "/back") == plain)
                // (A wrong passphrase is refused in AgeTests at work factor 10: at 18 each
                // try costs seconds in a debug build.)
            }
        }

        /// Ours encrypts with a passphrase; `age -d` decrypts it with the passphrase
        /// typed at its prompt. Work factors 10 (fast) and 18 (age's default).
        @Test(arguments: [10, 18])
        func ageDecryptsOurPassphrase(workFactor: Int) throws {
            try withTempDir { dir throws in
                let plain = pseudoRandomBytes(65536 + 5, seed: UInt64(workFactor))
                try writeBytes(dir + "/plain", plain)
                try Age.encrypt(
                    inputPath: dir + "/plain", outputPath: dir + "/file.age",
                    to: [.scrypt(passphrase: Array(Self.passphrase.utf8), workFactor: workFactor)])
                let result = try AgeTool.ageWithPassphrase(
                    Self.passphrase, ["-d", "-o", dir + "/back", dir + "/file.age"])
                #expect(result.status == 0, "\(result.stdout)")
                #expect(result.stdout.contains("[prompts answered: 1]"), "\(result.stdout)")
                #expect(try readBytes(dir + "/back") == plain)
                // And age refuses a wrong passphrase for our file, as we do.
                guard workFactor == 10 else { return }
                let wrong = try AgeTool.ageWithPassphrase("not it", ["-d", "-o", dir + "/back2", dir + "/file.age"])
                #expect(wrong.status != 0)
                #expect(wrong.stdout.contains("incorrect passphrase"), "\(wrong.stdout)")
            }
        }
    }
}
