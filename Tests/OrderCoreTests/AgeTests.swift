import Crypto
import Foundation
import Testing

@testable import OrderCore

// The age file format (Backup/Age*.swift): keys, header, STREAM, armor, refusals.
// AgeInteropTests.swift checks the same code against the real age tool.
//
// Every age suite is nested in this one, serialized: the memory test measures the
// process's peak RSS, which a 256 MiB scrypt or a 1 MiB round trip running beside it
// would spoil.
@Suite("Age", .serialized)
struct AgeTests {}

// MARK: - Helpers shared with AgeInteropTests

/// A key made by `age-keygen` (2026-12-02), and `age-keygen -y` of it.
let ageKeygenIdentity = "AGE-SECRET-KEY-1JJR24FR44Z3TTFR0WVJ9KF50PFL9752V0ZEGWMAAPEWKQZJC06PQ4GUE79"
let ageKeygenRecipient = "age1k6nn4wkah9hhfeszy2afrvqy5n6lyzcl5makzknq5ndvr9pany6qdsvyqr"
/// `printf 'orderctl age fixture\n' | age -r ageKeygenRecipient | base64` (age 1.1.1).
let ageFixtureX25519 =
    "YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBZZkFGckNnSUJzZEJVNmFaM1czNmFiV0U4NTM0ZVpzNXpFcjJmTUlQVTNFCktNUTVWRFhvcHBnZmpnaXhpTlJhbldRNFRYWW5PWVFvWUVnMWgrUUUzQ2MKLS0tIE51RnEvU3kxUmFMRitiZWJXWWdnMFBGSHNKTEFUQlpTT1NURnlrb2hucHcKQkrm5vH7P+Dl6jiYiozoJc4NuAsJr1Lgh/eNgdP5K/+A0O5TEPvyF6ZR135dpLVOClvR8xs="
/// The same plaintext, `age -a -r ageKeygenRecipient`.
let ageFixtureArmored = """
    -----BEGIN AGE ENCRYPTED FILE-----
    YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBFUFdSWnlmdlQ0MnRGWGpt
    VVdrbHM0dlF3MStrL2UxWUpyTFEwbFNGcFFvCnNrdG1JTUw2NlMvU2o1N2ozR2Zx
    V2pZRCtBeXVrTHZQbG5kWVRUUFVSdzAKLS0tIDNJWkdiK0luTkk2TjlMZDd1OE1F
    dHZ3MjVJZ1NuSjNBQzc3T1cyd05TSG8KhVj2X7ZarUBe3hzdvjifC9qz4O5UOLnR
    ofnRa0taKcnO4qQd62iqAcfo2zXpybT+zaZyA20=
    -----END AGE ENCRYPTED FILE-----

    """
let ageFixturePlaintext = Array("orderctl age fixture\n".utf8)

func readBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Deterministic pseudo-random bytes (SplitMix64), so a failure can be reproduced.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        for b in 0..<8 where i < count {
            out[i] = UInt8(truncatingIfNeeded: z >> (8 * UInt64(b)))
            i += 1
        }
    }
    return out
}

func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

/// Sizes around the 64 KiB chunk boundaries, and about 1 MiB.
let ageSizes = [0, 1, 65535, 65536, 65537, 3 * 65536, 1_048_576 + 321]

/// Encrypts `plain` in memory (through temporary files) with `Age.encrypt`.
func ageEncrypt(_ plain: [UInt8], to recipients: [AgeRecipient]) throws -> [UInt8] {
    try withTempDir { dir throws in
        try writeBytes(dir + "/plain", plain)
        try Age.encrypt(inputPath: dir + "/plain", outputPath: dir + "/file.age", to: recipients)
        return try readBytes(dir + "/file.age")
    }
}

/// Decrypts `file` in memory (through temporary files) with `Age.decrypt`.
func ageDecrypt(_ file: [UInt8], with identities: [AgeIdentity]) throws -> [UInt8] {
    try withTempDir { dir throws in
        try writeBytes(dir + "/file.age", file)
        try Age.decrypt(inputPath: dir + "/file.age", outputPath: dir + "/plain", with: identities)
        return try readBytes(dir + "/plain")
    }
}

/// Expects `Age.decrypt` to refuse `file`, leave no output behind, and say `expected`
/// (with "FILE" for the input's path).
func expectAgeRefusal(
    _ file: [UInt8], _ identities: [AgeIdentity], _ expected: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    try withTempDir { dir throws in
        let input = dir + "/file.age"
        let output = dir + "/plain"
        try writeBytes(input, file)
        let error = #expect(throws: AgeError.self, sourceLocation: sourceLocation) {
            try Age.decrypt(inputPath: input, outputPath: output, with: identities)
        }
        #expect(
            error?.message.replacingOccurrences(of: input, with: "FILE") == expected, sourceLocation: sourceLocation)
        #expect(!fileExists(output), "the partial output must be removed", sourceLocation: sourceLocation)
    }
}

/// Where the payload starts (after the header and its 16-byte nonce).
func agePayloadOffset(_ file: [UInt8]) -> Int {
    let footer = Array("\n--- ".utf8)
    var i = 0
    while !file[i...].starts(with: footer) { i += 1 }
    let lineEnd = file[(i + 1)...].firstIndex(of: 0x0A)!
    return lineEnd + 1 + 16
}

/// The ways a file gets damaged, with what decrypt must say about each. The file is
/// three chunks: two full ones and a final one of 1000 bytes (`fullFinal`: 64 KiB).
enum AgeDamage: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case cutInsidePayload, cutAtChunkBoundary, cutInsideHeader, flippedPayloadByte, flippedHeaderMAC,
        swappedChunks, garbageAfterShortFinalChunk, garbageAfterFullFinalChunk, notAgeFile
    var testDescription: String { rawValue }

    static let shortPlainSize = 2 * 65536 + 1000
    static let fullPlainSize = 3 * 65536
    var fullFinal: Bool { self == .garbageAfterFullFinalChunk }

    func apply(_ file: [UInt8]) -> [UInt8] {
        let p = agePayloadOffset(file)
        let chunk = 65536 + 16
        var out = file
        switch self {
        case .cutInsidePayload: out.removeLast(10)
        case .cutAtChunkBoundary: out = Array(file[0..<(p + 2 * chunk)])
        case .cutInsideHeader: out = Array(file[0..<40])
        case .flippedPayloadByte: out[p + chunk + 500] ^= 0x01
        case .flippedHeaderMAC:
            // A middle character of the MAC's base64: still canonical, but wrong.
            let mac = p - 16 - 1 - 43 + 10
            out[mac] = out[mac] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        case .swappedChunks:
            out.replaceSubrange(p..<(p + chunk), with: file[(p + chunk)..<(p + 2 * chunk)])
            out.replaceSubrange((p + chunk)..<(p + 2 * chunk), with: file[p..<(p + chunk)])
        case .garbageAfterShortFinalChunk, .garbageAfterFullFinalChunk: out += Array("garbage".utf8)
        case .notAgeFile: out = Array("order_id,sku\n1,MUG-01\n".utf8)
        }
        return out
    }

    var expected: String {
        switch self {
        case .cutInsidePayload, .garbageAfterShortFinalChunk:
            "FILE: damaged, truncated or tampered (chunk 3, the last, fails its check)"
        case .cutAtChunkBoundary: "FILE: truncated (the last chunk is missing)"
        case .cutInsideHeader: "FILE: truncated (the header is incomplete)"
        case .flippedPayloadByte: "FILE: damaged or tampered (chunk 2 fails its check)"
        case .flippedHeaderMAC: "FILE: damaged or tampered (the header fails its check)"
        case .swappedChunks: "FILE: damaged or tampered (chunk 1 fails its check)"
        case .garbageAfterFullFinalChunk: "FILE: damaged or tampered (data after the final chunk)"
        case .notAgeFile: "FILE: not an age-encrypted file"
        }
    }
}

/// An in-memory byte source, for building files with `Age.writeFile`.
final class AgeMemorySource: AgeByteSource {
    let bytes: [UInt8]
    var position = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func read(into buffer: inout [UInt8], at offset: Int, count: Int) throws -> Int {
        let n = min(count, bytes.count - position)
        buffer.replaceSubrange(offset..<(offset + n), with: bytes[position..<(position + n)])
        position += n
        return n
    }
}

/// Builds age files from parts with a known file key, to test what `encrypt` never writes.
struct AgeCraft {
    let identity: AgeIdentity
    let recipient: String
    let fileKey: [UInt8]
    let nonce: [UInt8]

    init() {
        (identity, recipient) = AgeIdentity.generate()
        fileKey = Age.randomBytes(16)
        nonce = Age.randomBytes(16)
    }

    func x25519Stanza() throws -> AgeStanza {
        try AgeStanzas.x25519Stanza(fileKey: fileKey, to: AgeKeys.recipientKey(recipient))
    }

    /// A whole file as `encrypt` would write it, with the given stanzas.
    func file(_ stanzas: [AgeStanza], plain: [UInt8]) throws -> [UInt8] {
        try withTempDir { dir throws in
            let fd = try AgeIO.createOutput(dir + "/f")
            try Age.writeFile(
                stanzas: stanzas, fileKey: fileKey, input: AgeMemorySource(plain), output: fd,
                outputName: dir + "/f", nonce: nonce)
            close(fd)
            return try readBytes(dir + "/f")
        }
    }

    /// Header, nonce and hand-made chunks (plaintext, last flag), in order.
    func file(chunks: [([UInt8], Bool)]) throws -> [UInt8] {
        var out = AgeHeader.serialize([try x25519Stanza()], fileKey: fileKey) + nonce
        let key = Age.payloadKey(fileKey: fileKey, nonce: nonce)
        for (counter, (plain, last)) in chunks.enumerated() {
            let box = try ChaChaPoly.seal(plain, using: key, nonce: Age.chunkNonce(UInt64(counter), last: last))
            out += Array(box.ciphertext) + Array(box.tag)
        }
        return out
    }
}

/// Peak resident memory, reset through /proc/self/clear_refs (Linux 4.0 and later).
enum PeakRSS {
    static var resettable: Bool { reset() != nil }

    /// Resets the peak to the current RSS; returns the current RSS in bytes.
    @discardableResult
    static func reset() -> Int? {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard write(fd, "5", 1) == 1 else { return nil }
        return status("VmRSS:")
    }

    static var peak: Int? { status("VmHWM:") }

    private static func status(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let kb = line.dropFirst(field.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first
            return kb.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }
}

// MARK: - Keys

extension AgeTests {
    @Suite struct Keys {
        @Test func bech32KnownVectors() throws {
            // BIP 173's valid Bech32 strings.
            for valid in [
                "A12UEL5L", "a12uel5l",
                "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
                "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
                "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
            ] {
                _ = try Bech32.decode(valid)
            }
            let (hrp, data) = try Bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")
            #expect(hrp == "abcdef")
            #expect(Bech32.convertBits(data, from: 8, to: 5, pad: true) == Array(0..<32))
            // The case is kept, so age can insist on it.
            #expect(try Bech32.decode("A12UEL5L").hrp == "A")
            for invalid in [
                "A12uEL5L", "a12uel5m", "pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v",
                "li1dgmt3", "a1qqqqqb", "age1ab" + "\u{7F}",
            ] {
                #expect(throws: Bech32.DecodeError.self, "\(invalid)") { try Bech32.decode(invalid) }
            }
        }

        @Test(arguments: [0, 1, 5, 16, 31, 32, 33, 64, 100])
        func bech32RoundTrip(length: Int) throws {
            let data = pseudoRandomBytes(length, seed: UInt64(length))
            for hrp in ["age", "age-secret-key-"] {
                let text = Bech32.encode(hrp: hrp, data: data)
                #expect(text.hasPrefix(hrp + "1"))
                let decoded = try Bech32.decode(text)
                #expect(decoded.hrp == hrp && decoded.data == data)
                let upper = try Bech32.decode(text.uppercased())
                #expect(upper.hrp == hrp.uppercased() && upper.data == data)
                // One changed character breaks the checksum.
                var chars = Array(text)
                let i = chars.count - 3
                chars[i] = chars[i] == "q" ? "p" : "q"
                #expect(throws: Bech32.DecodeError.self) { try Bech32.decode(String(chars)) }
            }
        }

        @Test func ageKeygenPair() throws {
            let identity = AgeIdentity.x25519(secretKey: ageKeygenIdentity)
            #expect(identity.recipient == ageKeygenRecipient)
            guard case .x25519(let key) = try AgeRecipient.parse(ageKeygenRecipient) else {
                Issue.record("not an X25519 recipient")
                return
            }
            #expect(key == ageKeygenRecipient)
            // Our encoding of the decoded key is age-keygen's, character for character.
            let decoded = try Bech32.decode(ageKeygenIdentity)
            #expect(Bech32.encode(hrp: "age-secret-key-", data: decoded.data).uppercased() == ageKeygenIdentity)
            #expect(AgeIdentity.passphrase(Array("x".utf8)).recipient == nil)
        }

        @Test func generate() throws {
            let (identity, recipient) = AgeIdentity.generate()
            guard case .x25519(let secret) = identity else {
                Issue.record("not an X25519 identity")
                return
            }
            #expect(secret.hasPrefix("AGE-SECRET-KEY-1") && secret.count == 74)
            #expect(recipient.hasPrefix("age1") && recipient.count == 62)
            #expect(identity.recipient == recipient)
            #expect(AgeIdentity.generate().recipient != recipient)
            let file = try ageEncrypt(Array("hi".utf8), to: [try AgeRecipient.parse(recipient)])
            #expect(try ageDecrypt(file, with: [identity]) == Array("hi".utf8))
        }

        @Test func recipientParseRefusals() throws {
            func message(_ text: String) -> String? {
                (#expect(throws: AgeError.self) { try AgeRecipient.parse(text) })?.message
            }
            #expect(
                message("bob@example.com") == "not an age recipient: \"bob@example.com\" (a recipient starts with age1)"
            )
            #expect(
                message("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx")
                    == "not an age recipient: \"ssh-ed25519 AAAAC3NzaC1l…\" (SSH keys are not supported; use an age1... recipient)"
            )
            #expect(message(ageKeygenIdentity)?.contains("is a secret key") == true)
            #expect(
                message(ageKeygenIdentity)?.contains(String(ageKeygenIdentity.suffix(40))) == false,
                "a secret key is never echoed whole")
            // A typo: the checksum catches it; the value is clipped.
            let typo = ageKeygenRecipient.replacingOccurrences(of: "k6nn", with: "k6mn")
            #expect(
                message(typo)
                    == "not a valid age recipient: \"age1k6mn4wkah9hhfeszy2af…\" (its checksum is wrong (a typo, or a cut-off key?))"
            )
            #expect(message(String(ageKeygenRecipient.dropLast(5)))?.hasPrefix("not a valid age recipient") == true)
            #expect(message(ageKeygenRecipient.uppercased())?.hasPrefix("not an age recipient") == true)
            let huge = "age1" + String(repeating: "q", count: 5000)
            let long = try #require(message(huge))
            #expect(long.count < 120)
            // A valid Bech32 string of the wrong length.
            #expect(
                message(Bech32.encode(hrp: "age", data: [1, 2, 3]))
                    == "not a valid age recipient: \"\(Bech32.encode(hrp: "age", data: [1, 2, 3]))\" (not a 32-byte X25519 key)"
            )
        }

        @Test func identityFile() throws {
            try withTempDir { dir throws in
                let second = AgeIdentity.generate()
                guard case .x25519(let secondKey) = second.identity else { return }
                let path = dir + "/keys.txt"
                try writeBytes(
                    path,
                    Array(
                        """
                        # created: 2026-12-02T18:38:48Z
                        # public key: \(ageKeygenRecipient)
                        \(ageKeygenIdentity)

                        \(secondKey)\r

                        """.utf8))
                let identities = try AgeIdentity.readFile(atPath: path)
                #expect(identities.map(\.recipient) == [ageKeygenRecipient, second.recipient])

                func refusal(_ text: String) throws -> String? {
                    try writeBytes(path, Array(text.utf8))
                    return (#expect(throws: AgeError.self) { try AgeIdentity.readFile(atPath: path) })?
                        .message.replacingOccurrences(of: path, with: "KEYS")
                }
                #expect(
                    try refusal("# only a comment\n\n")
                        == "KEYS: no identities in it (expected lines starting AGE-SECRET-KEY-1)")
                #expect(
                    try refusal("\(ageKeygenIdentity)\n\(ageKeygenRecipient)\n")
                        == "KEYS line 2: not an age identity: \"age1k6nn4wkah9hhfesz…\" (an identity starts with AGE-SECRET-KEY-1)"
                )
                #expect(
                    try refusal(String(ageKeygenIdentity.dropLast()) + "\n")?.hasPrefix(
                        "KEYS line 1: not a valid age identity") == true)
                #expect(try refusal(Age.magic + "\n-> scrypt ...")?.contains("encrypted identity file") == true)
                #expect(throws: AgeError.self) { try AgeIdentity.readFile(atPath: dir + "/missing.txt") }
            }
        }
    }
}

// MARK: - Format

extension AgeTests {
    @Suite struct Format {
        @Test func strictBase64() {
            #expect(AgeBase64.encode([UInt8]()) == "")
            #expect(AgeBase64.encode(Array("f".utf8)) == "Zg")
            #expect(AgeBase64.encode(Array("fo".utf8), padded: true) == "Zm8=")
            for length in 0..<70 {
                let bytes = pseudoRandomBytes(length, seed: 7)
                #expect(AgeBase64.decodeRaw(Array(AgeBase64.encode(bytes).utf8)) == bytes)
                #expect(AgeBase64.decodePadded(Array(AgeBase64.encode(bytes, padded: true).utf8)) == bytes)
            }
            #expect(AgeBase64.decodeRaw(Array("Zh".utf8)) == nil, "non-zero unused bits")
            #expect(AgeBase64.decodeRaw(Array("Zm9=".utf8)) == nil, "padding in the header")
            #expect(AgeBase64.decodeRaw(Array("Zm9v\r".utf8)) == nil)
            #expect(AgeBase64.decodeRaw(Array("Z".utf8)) == nil)
            #expect(AgeBase64.decodePadded(Array("Zm8".utf8)) == nil, "missing padding")
            #expect(AgeBase64.decodePadded(Array("Zm9=".utf8)) == nil, "non-canonical")
            #expect(AgeBase64.decodePadded(Array("Z===".utf8)) == nil)
        }

        /// The header as age writes it: body lines of 64 columns and a shorter last one
        /// (empty when the body fills whole lines), and a MAC that parses back.
        @Test func headerLayout() throws {
            let craft = AgeCraft()
            let stanzas = [
                AgeStanza(type: "thing", args: ["a", "b"], body: pseudoRandomBytes(48, seed: 1)),
                AgeStanza(type: "empty", args: [], body: []),
                AgeStanza(type: "long", args: ["x"], body: pseudoRandomBytes(100, seed: 2)),
            ]
            let bytes = AgeHeader.serialize(stanzas, fileKey: craft.fileKey)
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[0] == "age-encryption.org/v1")
            #expect(lines[1] == "-> thing a b")
            #expect(lines[2].count == 64)
            #expect(lines[3] == "")
            #expect(lines[4] == "-> empty" && lines[5] == "")
            // 100 bytes: 134 base64 characters, in lines of 64, 64 and 6.
            #expect(lines[6] == "-> long x" && lines[7].count == 64 && lines[8].count == 64 && lines[9].count == 6)
            #expect(lines[10].hasPrefix("--- ") && lines[10].count == 4 + 43)
            let reader = AgeBufferedReader(AgeMemorySource(bytes))
            let header = try AgeHeader.parse(reader, name: "h")
            #expect(header.stanzas == stanzas)
            #expect(header.macInput == AgeHeader.encode(stanzas))
            #expect(header.mac == AgeHeader.computeMAC(fileKey: craft.fileKey, macInput: header.macInput))
        }

        @Test(arguments: ageSizes)
        func roundTrip(size: Int) throws {
            let plain = pseudoRandomBytes(size, seed: UInt64(size) + 11)
            let (identity, recipient) = AgeIdentity.generate()
            let file = try ageEncrypt(plain, to: [.x25519(publicKey: recipient)])
            // Header, nonce, and one tag per chunk (an empty payload is one empty chunk).
            let chunks = max(1, (size + 65535) / 65536)
            #expect(file.count == agePayloadOffset(file) + size + 16 * chunks)
            #expect(try ageDecrypt(file, with: [identity]) == plain)
        }

        @Test func severalRecipients() throws {
            let keys = (0..<3).map { _ in AgeIdentity.generate() }
            let plain = pseudoRandomBytes(70_000, seed: 3)
            let file = try ageEncrypt(plain, to: keys.map { .x25519(publicKey: $0.recipient) })
            #expect(String(decoding: file.prefix(400), as: UTF8.self).components(separatedBy: "-> X25519 ").count == 4)
            for key in keys {
                #expect(try ageDecrypt(file, with: [key.identity]) == plain)
            }
            // Identities that do not match are tried and passed over.
            #expect(try ageDecrypt(file, with: [AgeIdentity.generate().identity, keys[2].identity]) == plain)
            try expectAgeRefusal(
                file, [AgeIdentity.generate().identity], "FILE: not encrypted to any of the given identities")
        }

        @Test func passphrase() throws {
            let plain = pseudoRandomBytes(100_000, seed: 4)
            let secret = Array("correct horse battery".utf8)
            let file = try ageEncrypt(plain, to: [.scrypt(passphrase: secret, workFactor: 10)])
            #expect(String(decoding: file.prefix(100), as: UTF8.self).contains("\n-> scrypt "))
            #expect(String(decoding: file.prefix(100), as: UTF8.self).contains(" 10\n"))
            #expect(try ageDecrypt(file, with: [.passphrase(secret)]) == plain)
            try expectAgeRefusal(file, [.passphrase(Array("correct horse battery!".utf8))], "FILE: wrong passphrase")
            try expectAgeRefusal(
                file, [AgeIdentity.generate().identity],
                "FILE: encrypted with a passphrase, and no passphrase was given")
            let x25519File = try ageEncrypt(plain, to: [.x25519(publicKey: ageKeygenRecipient)])
            try expectAgeRefusal(
                x25519File, [.passphrase(secret)],
                "FILE: not encrypted with a passphrase (it is encrypted to age recipients; give an identity)")
        }

        @Test func ageMadeFiles() throws {
            let identity = AgeIdentity.x25519(secretKey: ageKeygenIdentity)
            #expect(
                try ageDecrypt(Array(Data(base64Encoded: ageFixtureX25519)!), with: [identity]) == ageFixturePlaintext)
            #expect(try ageDecrypt(Array(ageFixtureArmored.utf8), with: [identity]) == ageFixturePlaintext)
        }

        @Test func encryptRefusals() throws {
            func message(_ recipients: [AgeRecipient]) -> String? {
                (#expect(throws: AgeError.self) { try ageEncrypt([1, 2, 3], to: recipients) })?.message
            }
            let pass = Array("pw".utf8)
            #expect(message([]) == "no recipient given to encrypt to")
            #expect(
                message([.scrypt(passphrase: pass, workFactor: 10), .x25519(publicKey: ageKeygenRecipient)])?
                    .hasPrefix("a passphrase cannot be combined with other recipients") == true)
            #expect(
                message([.scrypt(passphrase: pass, workFactor: 10), .scrypt(passphrase: pass, workFactor: 10)])?
                    .hasPrefix("a passphrase cannot be combined") == true)
            #expect(message([.scrypt(passphrase: [], workFactor: 10)]) == "the passphrase is empty")
            #expect(
                message([.scrypt(passphrase: pass, workFactor: 23)])
                    == "the passphrase work factor 23 is outside 1...22 (age's default is 18; age refuses more than 22)"
            )
            #expect(
                message([.scrypt(passphrase: pass, workFactor: 0)])?.hasPrefix("the passphrase work factor 0") == true)
            #expect(
                message([.x25519(publicKey: "age1nope")])?.hasPrefix("not a valid age recipient: \"age1nope\"") == true)
        }

        @Test func encryptNeverOverwrites() throws {
            try withTempDir { dir throws in
                try writeBytes(dir + "/plain", [1, 2, 3])
                try writeBytes(dir + "/out.age", Array("precious".utf8))
                let error = #expect(throws: AgeError.self) {
                    try Age.encrypt(
                        inputPath: dir + "/plain", outputPath: dir + "/out.age",
                        to: [.x25519(publicKey: ageKeygenRecipient)])
                }
                #expect(error?.message == "\(dir)/out.age: already exists (refusing to overwrite it)")
                #expect(try readBytes(dir + "/out.age") == Array("precious".utf8))
                // decrypt too: it never replaces a file.
                try Age.encrypt(
                    inputPath: dir + "/plain", outputPath: dir + "/new.age",
                    to: [.x25519(publicKey: ageKeygenRecipient)])
                #expect(throws: AgeError("\(dir)/out.age: already exists (refusing to overwrite it)")) {
                    try Age.decrypt(
                        inputPath: dir + "/new.age", outputPath: dir + "/out.age",
                        with: [.x25519(secretKey: ageKeygenIdentity)])
                }
                #expect(try readBytes(dir + "/out.age") == Array("precious".utf8))
                // Mode 0600: a backup is nobody else's business.
                let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/new.age")
                #expect((attributes[.posixPermissions] as? Int) == 0o600)
                #expect(throws: AgeError("\(dir)/missing: cannot read it: No such file or directory")) {
                    try Age.encrypt(
                        inputPath: dir + "/missing", outputPath: dir + "/x.age",
                        to: [.x25519(publicKey: ageKeygenRecipient)])
                }
                #expect(!fileExists(dir + "/x.age"))
            }
        }

        @Test func isEncrypted() throws {
            try withTempDir { dir throws in
                func check(_ bytes: [UInt8]) throws -> Bool {
                    try writeBytes(dir + "/f", bytes)
                    return Age.isEncrypted(path: dir + "/f")
                }
                #expect(try check(Array(Data(base64Encoded: ageFixtureX25519)!)))
                #expect(try check(Array(ageFixtureArmored.utf8)))
                #expect(try check(Array(("\r\n  " + ageFixtureArmored).utf8)))
                #expect(try !check(Array("SQLite format 3\0".utf8)))
                #expect(try !check([]))
                #expect(try !check(Array("age-encryption.org/v1".utf8)), "no line end: not the header line")
                #expect(!Age.isEncrypted(path: dir + "/missing"))
                #expect(!Age.isEncrypted(path: dir))
            }
        }
    }
}

// MARK: - Refusals

extension AgeTests {
    @Suite struct Refusals {
        @Test(arguments: AgeDamage.allCases)
        func damagedFile(_ damage: AgeDamage) throws {
            let (identity, recipient) = AgeIdentity.generate()
            let size = damage.fullFinal ? AgeDamage.fullPlainSize : AgeDamage.shortPlainSize
            let file = try ageEncrypt(pseudoRandomBytes(size, seed: 5), to: [.x25519(publicKey: recipient)])
            try expectAgeRefusal(damage.apply(file), [identity], damage.expected)
        }

        @Test func wrongKeys() throws {
            let file = Array(Data(base64Encoded: ageFixtureX25519)!)
            try expectAgeRefusal(
                file, [AgeIdentity.generate().identity], "FILE: not encrypted to any of the given identities")
            try expectAgeRefusal(file, [], "no identity given to decrypt FILE")
            try expectAgeRefusal(
                file, [.x25519(secretKey: "AGE-SECRET-KEY-1XYZ")],
                "not a valid age identity: \"AGE-SECRET-KEY-1XYZ\" (it is too short)")
        }

        /// STREAM cases `encrypt` never writes, built chunk by chunk.
        @Test func streamRules() throws {
            let craft = AgeCraft()
            let full = pseudoRandomBytes(65536, seed: 6)
            let id = [craft.identity]
            // Allowed: an empty payload, a full final chunk, a short final chunk.
            #expect(try ageDecrypt(craft.file(chunks: [([], true)]), with: id) == [])
            #expect(try ageDecrypt(craft.file(chunks: [(full, false), (full, true)]), with: id) == full + full)
            #expect(try ageDecrypt(craft.file(chunks: [(full, false), ([7], true)]), with: id) == full + [7])
            // Refused.
            try expectAgeRefusal(
                craft.file(chunks: [(full, false), ([], true)]), id,
                "FILE: damaged or tampered (chunk 2 is an empty final chunk, which age never writes)")
            try expectAgeRefusal(
                craft.file(chunks: [(full, true), ([7], true)]), id,
                "FILE: damaged or tampered (data after the final chunk)")
            try expectAgeRefusal(craft.file(chunks: [(full, false)]), id, "FILE: truncated (the last chunk is missing)")
            try expectAgeRefusal(
                craft.file(chunks: [(full, false), (full, false)]), id, "FILE: truncated (the last chunk is missing)")
            try expectAgeRefusal(craft.file(chunks: []), id, "FILE: truncated (the payload is missing)")
            try expectAgeRefusal(
                craft.file(chunks: [([1, 2], false)]), id,
                "FILE: damaged, truncated or tampered (chunk 1, the last, fails its check)")
            var noNonce = try craft.file(chunks: [([1], true)])
            noNonce = Array(noNonce[0..<(agePayloadOffset(noNonce) - 5)])
            try expectAgeRefusal(noNonce, id, "FILE: truncated (the payload nonce is missing)")
            var shortChunk = try craft.file(chunks: [(full, false), ([1, 2, 3], true)])
            shortChunk.removeLast(12)
            try expectAgeRefusal(shortChunk, id, "FILE: damaged or truncated (chunk 2 is shorter than its check)")
        }

        /// Unknown stanzas (age's grease) are skipped; known ones must be well-formed.
        @Test func stanzaRules() throws {
            let craft = AgeCraft()
            let id = [craft.identity]
            let x25519 = try craft.x25519Stanza()
            let plain = Array("payload".utf8)
            let grease = AgeStanza(type: "ZzZ-grease", args: ["^2!", "xyz"], body: pseudoRandomBytes(50, seed: 8))
            #expect(try ageDecrypt(craft.file([grease, x25519], plain: plain), with: id) == plain)
            #expect(
                try ageDecrypt(
                    craft.file(
                        [AgeStanza(type: "x25519", args: x25519.args, body: x25519.body), x25519],
                        plain: plain), with: id) == plain, "stanza types are case-sensitive")

            func refuse(_ stanzas: [AgeStanza], _ expected: String, sourceLocation: SourceLocation = #_sourceLocation)
                throws
            {
                try expectAgeRefusal(craft.file(stanzas, plain: plain), id, expected, sourceLocation: sourceLocation)
            }
            var extra = x25519
            extra.args.append("more")
            try refuse([extra], "FILE: bad age header (an X25519 stanza needs one argument, a 32-byte share)")
            var longKey = x25519
            longKey.body.append(0)
            try refuse([longKey], "FILE: bad age header (an X25519 stanza's file key is not 16 bytes)")
            var shortShare = x25519
            shortShare.args = [AgeBase64.encode(pseudoRandomBytes(31, seed: 9))]
            try refuse([shortShare], "FILE: bad age header (an X25519 stanza needs one argument, a 32-byte share)")
            var lowOrder = x25519
            lowOrder.args = [AgeBase64.encode([UInt8](repeating: 0, count: 32))]
            try refuse([lowOrder], "FILE: bad age header (an X25519 stanza's share is a low-order point)")
            let scrypt = try AgeStanzas.scryptStanza(fileKey: craft.fileKey, passphrase: [1], workFactor: 1)
            try refuse([scrypt, x25519], "FILE: bad age header (a passphrase (scrypt) stanza must be the only one)")
            try refuse([scrypt, scrypt], "FILE: bad age header (a passphrase (scrypt) stanza must be the only one)")
            for factor in ["23", "30"] {
                var high = scrypt
                high.args[1] = factor
                try refuse(
                    [high],
                    "FILE: the passphrase work factor \(factor) is above the limit of 22 (it would take too long and too much memory to try)"
                )
            }
            for factor in ["0", "018", "+18", "0x12", "-1", "18a", "99999999999999999999"] {
                var odd = scrypt
                odd.args[1] = factor
                try refuse(
                    [odd],
                    "FILE: bad age header (the passphrase work factor \"\(AgeKeys.clip(factor, 12))\" is not a number from 1 to 22)"
                )
            }
            var saltless = scrypt
            saltless.args.removeFirst()
            try refuse(
                [saltless], "FILE: bad age header (a passphrase (scrypt) stanza needs a 16-byte salt and a work factor)"
            )
        }

        /// Header text that the strict parser refuses, each with a correct MAC for
        /// what it says, so the parser, not the MAC, must catch it.
        @Test func headerSyntax() throws {
            let craft = AgeCraft()
            let id = [craft.identity]
            let good = try craft.file([try craft.x25519Stanza()], plain: [1, 2, 3])
            let headerEnd = agePayloadOffset(good) - 16
            let text = String(decoding: good[0..<headerEnd], as: UTF8.self)
            let rest = Array(good[headerEnd...])
            func refuse(
                _ edit: (String) -> String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation
            ) throws {
                var header = edit(text)
                // Re-MAC the edited header (up to "---").
                let cut = header.range(of: "\n--- ")!
                let macInput = Array(header[..<cut.lowerBound].utf8) + Array("\n---".utf8)
                if !header.contains("\r") {
                    header =
                        String(decoding: macInput, as: UTF8.self) + " "
                        + AgeBase64.encode(AgeHeader.computeMAC(fileKey: craft.fileKey, macInput: macInput)) + "\n"
                }
                try expectAgeRefusal(Array(header.utf8) + rest, id, expected, sourceLocation: sourceLocation)
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // lines: version, "-> X25519 share", body, "--- mac", ""
            try refuse(
                { $0.replacingOccurrences(of: "\n", with: "\r\n") },
                "FILE: bad age header (line 1: ends with CR LF; age header lines end with LF only)")
            try refuse(
                { $0.replacingOccurrences(of: "-> X25519 ", with: "-> X25519  ") },
                "FILE: bad age header (line 2: a stanza argument is empty or has characters outside printable ASCII)")
            try refuse(
                { $0.replacingOccurrences(of: "-> X25519 ", with: "->X25519 ") },
                "FILE: bad age header (line 2: expected a stanza (\"-> \") or the closing line (\"--- \"))")
            try refuse(
                { $0.replacingOccurrences(of: "-> X25519 ", with: "-> X25519 \u{7F}") },
                "FILE: bad age header (line 2: a stanza argument is empty or has characters outside printable ASCII)")
            try refuse(
                { $0.replacingOccurrences(of: "\n" + lines[2] + "\n", with: "\n" + lines[2] + "=\n") },
                "FILE: bad age header (line 3: a stanza body line is not canonical unpadded base64)")
            try refuse(
                {
                    $0.replacingOccurrences(
                        of: "\n" + lines[2] + "\n", with: "\n" + lines[2] + String(repeating: "A", count: 25) + "\n")
                },
                "FILE: bad age header (line 3: a stanza body line is longer than 64 columns)")
            // A full body line must be followed by a short one, here the closing line comes first.
            let full = AgeBase64.encode(pseudoRandomBytes(48, seed: 10))
            try refuse(
                { $0.replacingOccurrences(of: "\n---", with: "\n-> grease\n\(full)\n---") },
                "FILE: bad age header (line 6: the stanza before it does not end with a short body line)")
            try refuse(
                { $0.replacingOccurrences(of: "\n---", with: "\n-> grease\n\n\n---") },
                "FILE: bad age header (line 6: expected a stanza (\"-> \") or the closing line (\"--- \"))")
            try refuse(
                { $0.replacingOccurrences(of: "\n" + lines[1] + "\n", with: "\n-> X25519\n") },
                "FILE: bad age header (an X25519 stanza needs one argument, a 32-byte share)")
            try refuse(
                { $0.replacingOccurrences(of: "age-encryption.org/v1", with: "age-encryption.org/v2") },
                "FILE: unsupported age format version (age-encryption.org/v2)")
            // The MAC line itself.
            let macLine = lines[3]
            for (bad, reason) in [
                (macLine + " ", "malformed closing line (expected \"--- \" and the MAC)"),
                ("---" + macLine.dropFirst(4), "malformed closing line (expected \"--- \" and the MAC)"),
                (String(macLine.dropLast(2)), "the header MAC is not 32 bytes of canonical base64"),
                ("--- " + String(repeating: "!", count: 43), "the header MAC is not 32 bytes of canonical base64"),
            ] {
                try expectAgeRefusal(
                    Array(text.replacingOccurrences(of: macLine, with: bad).utf8) + rest, id,
                    "FILE: bad age header (line 4: \(reason))")
            }
            try expectAgeRefusal([], id, "FILE: empty, not an age-encrypted file")
        }
    }
}

// MARK: - Armor

extension AgeTests {
    @Suite struct Armor {
        /// Armors a file as `age -a` does.
        static func armor(_ bytes: [UInt8], lineEnd: String = "\n") -> String {
            let text = AgeBase64.encode(bytes, padded: true)
            var lines = [AgeArmor.beginLine]
            var i = text.startIndex
            while i < text.endIndex {
                let j = text.index(i, offsetBy: 64, limitedBy: text.endIndex) ?? text.endIndex
                lines.append(String(text[i..<j]))
                i = j
            }
            lines.append(AgeArmor.endLine)
            return lines.joined(separator: lineEnd) + lineEnd
        }

        @Test(arguments: [0, 1, 47, 48, 65537, 200_000])
        func decryptsArmored(size: Int) throws {
            let plain = pseudoRandomBytes(size, seed: UInt64(size))
            let (identity, recipient) = AgeIdentity.generate()
            let file = try ageEncrypt(plain, to: [.x25519(publicKey: recipient)])
            #expect(try ageDecrypt(Array(Self.armor(file).utf8), with: [identity]) == plain)
            #expect(try ageDecrypt(Array(Self.armor(file, lineEnd: "\r\n").utf8), with: [identity]) == plain)
            #expect(try ageDecrypt(Array((" \n\t\r\n" + Self.armor(file) + "\n \r\n").utf8), with: [identity]) == plain)
            var noFinalEOL = Self.armor(file)
            noFinalEOL.removeLast()
            #expect(try ageDecrypt(Array(noFinalEOL.utf8), with: [identity]) == plain)
        }

        @Test func armorRefusals() throws {
            let (identity, recipient) = AgeIdentity.generate()
            // 3 full lines and a short one of the armored file.
            let file = try ageEncrypt(pseudoRandomBytes(10, seed: 1), to: [.x25519(publicKey: recipient)])
            let good = Self.armor(file)
            let lines = good.split(separator: "\n").map(String.init)
            let last = lines.count - 2
            func refuse(_ text: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
                try expectAgeRefusal(
                    Array(text.utf8), [identity], "FILE: bad armor (\(reason))", sourceLocation: sourceLocation)
            }
            try refuse(good + "garbage\n", "data after the END line")
            try refuse("garbage\n" + good, "line 1 is not \"-----BEGIN AGE ENCRYPTED FILE-----\"")
            try refuse(
                good.replacingOccurrences(of: "-----BEGIN AGE", with: "-----BEGIN  AGE"),
                "line 1 is not \"-----BEGIN AGE ENCRYPTED FILE-----\"")
            try refuse(String(good.dropLast(AgeArmor.endLine.count + 1)), "no END line; the file is truncated")
            try refuse(
                good.replacingOccurrences(of: "\n" + AgeArmor.endLine, with: "\n\n" + AgeArmor.endLine),
                "line \(last + 2) is empty")
            try refuse(
                good.replacingOccurrences(of: lines[1] + "\n", with: lines[1] + " \n"),
                "line 2 is longer than 64 columns")
            try refuse(
                good.replacingOccurrences(of: lines[2] + "\n", with: " " + lines[2] + "\n"),
                "line 3 is longer than 64 columns")
            try refuse(
                good.replacingOccurrences(of: lines[last] + "\n", with: String(lines[last].dropLast()) + "\n"),
                "line \(last + 1) is not canonical padded base64")
            try refuse(
                good.replacingOccurrences(
                    of: lines[1] + "\n", with: lines[1].prefix(32) + "\n" + lines[1].dropFirst(32) + "\n"),
                "line 3 follows a short line (only the last line may be short)")
            try refuse(
                good.replacingOccurrences(of: AgeArmor.beginLine, with: AgeArmor.beginLine.lowercased()),
                "line 1 is not \"-----BEGIN AGE ENCRYPTED FILE-----\"")
            try refuse(
                good.replacingOccurrences(of: lines[1] + "\n", with: "Version: 1\n" + lines[1] + "\n"),
                "line 2 is not canonical padded base64")
        }
    }
}

// MARK: - Memory

extension AgeTests {
    @Suite struct Memory {
        /// Encrypting and decrypting 64 MiB must not grow the peak resident memory by
        /// more than a few MiB: the file is never held whole (a whole-file read would
        /// add 64 MiB or more). /proc/self/clear_refs resets the peak before each step.
        @Test(.enabled(if: PeakRSS.resettable, "needs /proc/self/clear_refs to reset the peak RSS (Linux)"))
        func memoryStaysFlat() throws {
            try withTempDir { dir throws in
                let size = 64 << 20
                let block = pseudoRandomBytes(1 << 20, seed: 12)
                let fd = open(dir + "/plain", O_WRONLY | O_CREAT | O_EXCL, 0o600)
                for i in 0..<(size >> 20) {
                    var copy = block
                    copy[0] = UInt8(i)
                    try copy.withUnsafeBytes { try AgeIO.writeAll(fd, $0, name: "plain") }
                }
                close(fd)
                let (identity, recipient) = AgeIdentity.generate()
                let limit = 16 << 20

                let before = try #require(PeakRSS.reset())
                try Age.encrypt(
                    inputPath: dir + "/plain", outputPath: dir + "/file.age", to: [.x25519(publicKey: recipient)])
                let encryptGrowth = try #require(PeakRSS.peak) - before
                #expect(encryptGrowth < limit, "encrypt grew the peak RSS by \(encryptGrowth >> 10) KiB")

                let before2 = try #require(PeakRSS.reset())
                try Age.decrypt(inputPath: dir + "/file.age", outputPath: dir + "/back", with: [identity])
                let decryptGrowth = try #require(PeakRSS.peak) - before2
                #expect(decryptGrowth < limit, "decrypt grew the peak RSS by \(decryptGrowth >> 10) KiB")

                // And the round trip is exact (compared a block at a time).
                let a = try FileHandle(forReadingFrom: URL(fileURLWithPath: dir + "/plain"))
                let b = try FileHandle(forReadingFrom: URL(fileURLWithPath: dir + "/back"))
                defer {
                    try? a.close()
                    try? b.close()
                }
                var same = true
                while true {
                    let x = try a.read(upToCount: 1 << 20) ?? Data()
                    let y = try b.read(upToCount: 1 << 20) ?? Data()
                    if x != y {
                        same = false
                        break
                    }
                    if x.isEmpty { break }
                }
                #expect(same)
            }
        }
    }
}

// MARK: - The C2SP testkit, when present

extension AgeTests {
    /// Runs the C2SP/CCTV age test vectors (age/testdata) from the folder named by
    /// AGE_TESTKIT_DIR. They are not part of this repository; to run them:
    /// `AGE_TESTKIT_DIR=/path/to/CCTV/age/testdata swift test --filter Testkit`.
    /// Hybrid (post-quantum) vectors are skipped: neither this code nor age 1.1.1 has them.
    @Suite struct Testkit {
        static let folder = ProcessInfo.processInfo.environment["AGE_TESTKIT_DIR"]

        @Test(.enabled(if: folder != nil, "set AGE_TESTKIT_DIR to the CCTV age/testdata folder to run the vectors"))
        func vectors() throws {
            let folder = try #require(Self.folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            #expect(names.count > 100)
            var ran = 0
            for name in names {
                let bytes = try readBytes(folder + "/" + name)
                guard let blank = (0..<(bytes.count - 1)).first(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A })
                else {
                    Issue.record("\(name): no blank line")
                    continue
                }
                var fields: [(String, String)] = []
                for line in String(decoding: bytes[0..<blank], as: UTF8.self).split(separator: "\n") {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    fields.append(
                        (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""))
                }
                func values(_ key: String) -> [String] { fields.filter { $0.0 == key }.map(\.1) }
                var body = Array(bytes[(blank + 2)...])
                let identities: [AgeIdentity] =
                    values("identity").map { .x25519(secretKey: $0) }
                    + values("passphrase").map { .passphrase(Array($0.utf8)) }
                if name.hasPrefix("hybrid") || values("identity").contains(where: { $0.hasPrefix("AGE-SECRET-KEY-PQ") })
                {
                    continue
                }
                if values("compressed").first == "zlib" { body = try Self.inflate(body) }
                let expect = values("expect").first ?? ""
                ran += 1
                do {
                    let plain = try ageDecrypt(body, with: identities)
                    let hash = SHA256.hash(data: plain).map { String(format: "%02x", $0) }.joined()
                    #expect(expect == "success", "\(name): decrypted, but expected \(expect)")
                    #expect(hash == values("payload").first, "\(name): wrong payload")
                } catch let error as AgeError {
                    let kind: String
                    switch error.kind {
                    case .header, .notAge: kind = "header failure"
                    case .noMatch: kind = "no match"
                    case .headerMAC: kind = "HMAC failure"
                    case .payload: kind = "payload failure"
                    case .armor: kind = "armor failure"
                    case .usage, .io: kind = "other: \(error.message)"
                    }
                    #expect(kind == expect, "\(name): \(error.message)")
                }
            }
            #expect(ran > 100)
        }

        static func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
            try withTempDir { dir throws in
                try writeBytes(dir + "/z", bytes)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = [
                    "python3", "-c",
                    "import sys,zlib; sys.stdout.buffer.write(zlib.decompress(open(sys.argv[1],'rb').read()))",
                    dir + "/z",
                ]
                let out =
                    FileManager.default.createFile(atPath: dir + "/out", contents: nil)
                    ? try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out")) : nil
                process.standardOutput = out
                try process.run()
                process.waitUntilExit()
                try out?.close()
                return try readBytes(dir + "/out")
            }
        }
    }
}
