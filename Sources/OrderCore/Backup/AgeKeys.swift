import Crypto
import Foundation

/// An age failure, as one line that names the file (or key) and says what is wrong.
public struct AgeError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public var description: String { message }

    /// What went wrong, in the testkit's terms (for tests; not part of equality).
    enum Kind: Sendable { case usage, io, notAge, header, noMatch, headerMAC, payload, armor }
    let kind: Kind

    public init(_ message: String) {
        self.init(message, kind: .usage)
    }

    init(_ message: String, kind: Kind) {
        self.message = message
        self.kind = kind
    }

    public static func == (a: AgeError, b: AgeError) -> Bool { a.message == b.message }
}

/// Who can decrypt a file.
public enum AgeRecipient: Sendable {
    /// An X25519 public key, "age1..." (Bech32, as `age-keygen` prints it).
    case x25519(publicKey: String)
    /// A passphrase, stretched with scrypt at N = 2^workFactor (age's default is 18).
    case scrypt(passphrase: [UInt8], workFactor: Int)

    /// Parses a recipient as `age -r` takes it: only X25519 recipients ("age1...").
    public static func parse(_ text: String) throws -> AgeRecipient {
        let value = text.trimmingCharacters(in: .whitespaces)
        _ = try AgeKeys.recipientKey(value)
        return .x25519(publicKey: value)
    }
}

/// What can decrypt a file.
public enum AgeIdentity: Sendable {
    /// An X25519 secret key, "AGE-SECRET-KEY-1..." (as `age-keygen` writes it).
    case x25519(secretKey: String)
    /// The passphrase of a file encrypted with `age -p`.
    case passphrase([UInt8])

    /// Reads an identity file as age-keygen writes it (comments '#', blank lines, one AGE-SECRET-KEY-1 per line).
    public static func readFile(atPath path: String) throws -> [AgeIdentity] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AgeError("\(path): cannot read it: \(AgeIO.errnoText())", kind: .io) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw AgeError("\(path): is a folder, not an identity file", kind: .io)
        }
        // An identity file holds a few short lines; a big file is something else.
        let limit = 1 << 20
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = try AgeIO.readSome(fd, &chunk, 0, chunk.count, name: path)
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit {
                throw AgeError("\(path): too big for an identity file (over 1 MiB)", kind: .usage)
            }
        }
        if bytes.starts(with: Array(Age.magic.utf8)) || bytes.starts(with: Array(AgeArmor.beginLine.utf8)) {
            throw AgeError("\(path): is an encrypted identity file; decrypt it with age first", kind: .usage)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw AgeError("\(path): not an identity file (it is not text)", kind: .usage)
        }
        var identities: [AgeIdentity] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do {
                _ = try AgeKeys.identityKey(line)
            } catch let error as AgeError {
                throw AgeError("\(path) line \(lineNumber): \(error.message)", kind: .usage)
            }
            identities.append(.x25519(secretKey: line))
        }
        guard !identities.isEmpty else {
            throw AgeError("\(path): no identities in it (expected lines starting AGE-SECRET-KEY-1)", kind: .usage)
        }
        return identities
    }

    /// The recipient for an X25519 identity (like `age-keygen -y`); nil for a passphrase
    /// or a key that does not parse.
    public var recipient: String? {
        guard case .x25519(let secretKey) = self,
            let key = try? AgeKeys.identityKey(secretKey)
        else { return nil }
        return AgeKeys.encodeRecipient(key.publicKey.rawRepresentation)
    }

    /// A new random X25519 identity and its recipient, as `age-keygen` makes them.
    public static func generate() -> (identity: AgeIdentity, recipient: String) {
        let key = Curve25519.KeyAgreement.PrivateKey()
        let secret = Bech32.encode(hrp: AgeKeys.identityHRP, data: Array(key.rawRepresentation)).uppercased()
        return (.x25519(secretKey: secret), AgeKeys.encodeRecipient(key.publicKey.rawRepresentation))
    }
}

/// Key parsing shared by recipients and identities.
enum AgeKeys {
    static let recipientHRP = "age"
    static let identityHRP = "age-secret-key-"

    /// Clips a value for an error message: keys are long, and a pasted file longer.
    static func clip(_ text: String, _ limit: Int = 24) -> String {
        let oneLine = text.replacingOccurrences(of: "\n", with: " ")
        return oneLine.count <= limit ? oneLine : String(oneLine.prefix(limit)) + "…"
    }

    static func encodeRecipient<D: ContiguousBytes>(_ publicKey: D) -> String {
        Bech32.encode(hrp: recipientHRP, data: publicKey.withUnsafeBytes { Array($0) })
    }

    /// The 32-byte X25519 public key in an "age1..." recipient.
    static func recipientKey(_ text: String) throws -> Curve25519.KeyAgreement.PublicKey {
        let shown = "\"\(clip(text))\""
        guard text.hasPrefix("age1") else {
            if text.hasPrefix("ssh-") {
                throw AgeError("not an age recipient: \(shown) (SSH keys are not supported; use an age1... recipient)")
            }
            if text.hasPrefix("AGE-SECRET-KEY-") {
                throw AgeError("not an age recipient: \(shown) is a secret key (age-keygen -y prints its recipient)")
            }
            throw AgeError("not an age recipient: \(shown) (a recipient starts with age1)")
        }
        let decoded: (hrp: String, data: [UInt8])
        do { decoded = try Bech32.decode(text) } catch {
            throw AgeError("not a valid age recipient: \(shown) (\(error.reason))")
        }
        guard decoded.hrp == recipientHRP, decoded.data.count == 32,
            let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: decoded.data)
        else {
            throw AgeError("not a valid age recipient: \(shown) (not a 32-byte X25519 key)")
        }
        return key
    }

    /// The X25519 private key in an "AGE-SECRET-KEY-1..." identity.
    static func identityKey(_ text: String) throws -> Curve25519.KeyAgreement.PrivateKey {
        // Never echo a secret key whole: the first characters say enough.
        let shown = "\"\(clip(text, 20))\""
        guard text.hasPrefix("AGE-SECRET-KEY-1") else {
            throw AgeError("not an age identity: \(shown) (an identity starts with AGE-SECRET-KEY-1)")
        }
        let decoded: (hrp: String, data: [UInt8])
        do { decoded = try Bech32.decode(text) } catch {
            throw AgeError("not a valid age identity: \(shown) (\(error.reason))")
        }
        guard decoded.hrp == identityHRP.uppercased(), decoded.data.count == 32,
            let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: decoded.data)
        else {
            throw AgeError("not a valid age identity: \(shown) (not a 32-byte X25519 key)")
        }
        return key
    }
}
