import Crypto
import Foundation
import _CryptoExtras

/// Strict base64 with the standard alphabet, as age needs it: the header uses it
/// without padding, the armor with padding, and both refuse non-canonical encodings
/// (unused low bits that are not zero), so every file has exactly one spelling.
enum AgeBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    static func encode<C: Collection>(_ bytes: C, padded: Bool = false) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var it = bytes.makeIterator()
        while let b0 = it.next() {
            let b1 = it.next()
            let b2 = b1 == nil ? nil : it.next()
            let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if b1 != nil { out.append(alphabet[Int(n >> 6 & 63)]) } else if padded { out.append(UInt8(ascii: "=")) }
            if b2 != nil { out.append(alphabet[Int(n & 63)]) } else if padded { out.append(UInt8(ascii: "=")) }
            if b2 == nil { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes unpadded base64; nil for any character outside the alphabet (padding,
    /// CR and LF included), an impossible length, or non-zero unused bits.
    static func decodeRaw<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        let chars = Array(text)
        if chars.count % 4 == 1 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var i = 0
        while i < chars.count {
            let group = min(4, chars.count - i)
            var n: UInt32 = 0
            for j in 0..<4 {
                var v: Int8 = 0
                if j < group {
                    v = reverse[Int(chars[i + j])]
                    if v < 0 { return nil }
                }
                n = n << 6 | UInt32(v)
            }
            out.append(UInt8(n >> 16 & 0xFF))
            if group >= 3 { out.append(UInt8(n >> 8 & 0xFF)) }
            if group == 4 { out.append(UInt8(n & 0xFF)) }
            // Canonical: the bits that a short group does not use must be zero.
            if group == 2, n & 0xFFFF != 0 { return nil }
            if group == 3, n & 0xFF != 0 { return nil }
            i += group
        }
        return out
    }

    /// Decodes padded base64 (length a multiple of 4, "=" only at the end).
    static func decodePadded<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        let chars = Array(text)
        guard chars.count % 4 == 0 else { return nil }
        var body = chars[...]
        var padding = 0
        while padding < 2, body.last == UInt8(ascii: "=") {
            body = body.dropLast()
            padding += 1
        }
        if padding > 0, body.count % 4 != 4 - padding { return nil }
        return decodeRaw(body)
    }
}

/// One recipient stanza: "-> TYPE ARG..." and its body.
struct AgeStanza: Equatable {
    var type: String
    var args: [String]
    var body: [UInt8]
}

/// The age header: the stanzas, and the MAC over the header up to and including "---".
struct AgeHeader {
    static let maxLineLength = 16 * 1024
    static let maxHeaderBytes = 1 << 20

    var stanzas: [AgeStanza]
    var mac: [UInt8]
    /// The header's bytes as read, from the version line to "---" inclusive: what the
    /// MAC covers. The strict parser accepts only canonical headers, so these are also
    /// the bytes `encode` would write for `stanzas`.
    var macInput: [UInt8]

    /// The header up to and including "---" (without the MAC).
    static func encode(_ stanzas: [AgeStanza]) -> [UInt8] {
        var out = Array((Age.magic + "\n").utf8)
        for stanza in stanzas {
            out += Array(("-> " + ([stanza.type] + stanza.args).joined(separator: " ") + "\n").utf8)
            let text = Array(AgeBase64.encode(stanza.body).utf8)
            var i = 0
            while i < text.count {
                let j = min(i + 64, text.count)
                out += text[i..<j]
                out.append(0x0A)
                i = j
            }
            // The body ends with a line shorter than 64 columns, empty if need be.
            if text.count % 64 == 0 { out.append(0x0A) }
        }
        out += Array("---".utf8)
        return out
    }

    static func macKey(fileKey: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: fileKey), salt: [UInt8](),
            info: Array("header".utf8), outputByteCount: 32)
    }

    static func computeMAC(fileKey: [UInt8], macInput: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: macInput, using: macKey(fileKey: fileKey)))
    }

    /// The whole header as written: `encode`, the MAC, and the line end.
    static func serialize(_ stanzas: [AgeStanza], fileKey: [UInt8]) -> [UInt8] {
        let body = encode(stanzas)
        return body + Array((" " + AgeBase64.encode(computeMAC(fileKey: fileKey, macInput: body)) + "\n").utf8)
    }

    /// Parses the header strictly (the rules of age's reference implementation):
    /// LF line ends, single spaces between arguments of printable ASCII, canonical
    /// unpadded base64, body lines of 64 columns ending with a shorter one.
    static func parse(_ reader: AgeBufferedReader, name: String) throws -> AgeHeader {
        func bad(_ line: Int, _ reason: String) -> AgeError {
            AgeError("\(name): bad age header (line \(line): \(reason))", kind: .header)
        }
        let truncated = AgeError("\(name): truncated (the header is incomplete)", kind: .header)
        var raw: [UInt8] = []
        var lineNumber = 0

        func nextLine() throws -> [UInt8] {
            lineNumber += 1
            switch try reader.readLine(maxLength: maxLineLength) {
            case .end: throw truncated
            case .tooLong: throw bad(lineNumber, "longer than \(maxLineLength) bytes")
            case .line(let bytes, let terminated):
                guard terminated else { throw truncated }
                raw += bytes
                raw.append(0x0A)
                if raw.count > maxHeaderBytes {
                    throw AgeError("\(name): bad age header (over 1 MiB of stanzas)", kind: .header)
                }
                if bytes.last == 0x0D { throw bad(lineNumber, "ends with CR LF; age header lines end with LF only") }
                return bytes
            }
        }

        // The version line.
        lineNumber = 1
        switch try reader.readLine(maxLength: 256) {
        case .end:
            throw AgeError("\(name): empty, not an age-encrypted file", kind: .notAge)
        case .tooLong:
            throw AgeError("\(name): not an age-encrypted file", kind: .notAge)
        case .line(let bytes, let terminated):
            let text = String(decoding: bytes, as: UTF8.self)
            if text == Age.magic {
                guard terminated else { throw truncated }
            } else if text == Age.magic + "\r" {
                throw bad(1, "ends with CR LF; age header lines end with LF only")
            } else if text.hasPrefix("age-encryption.org/") {
                throw AgeError("\(name): unsupported age format version (\(AgeKeys.clip(text, 40)))", kind: .header)
            } else {
                throw AgeError("\(name): not an age-encrypted file", kind: .notAge)
            }
            raw = bytes + [0x0A]
        }

        var stanzas: [AgeStanza] = []
        while true {
            if try reader.peek(3).elementsEqual("---".utf8) {
                let line = try nextLine()
                let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0].elementsEqual("---".utf8) else {
                    throw bad(lineNumber, "malformed closing line (expected \"--- \" and the MAC)")
                }
                guard let mac = AgeBase64.decodeRaw(parts[1]), mac.count == 32 else {
                    throw bad(lineNumber, "the header MAC is not 32 bytes of canonical base64")
                }
                // The MAC covers the header up to and including "---".
                let macInput = Array(raw[0..<(raw.count - line.count - 1 + 3)])
                return AgeHeader(stanzas: stanzas, mac: mac, macInput: macInput)
            }
            let line = try nextLine()
            let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].elementsEqual("->".utf8) else {
                throw bad(lineNumber, "expected a stanza (\"-> \") or the closing line (\"--- \")")
            }
            let args = parts.dropFirst().map { String(decoding: $0, as: UTF8.self) }
            for arg in parts.dropFirst() where arg.isEmpty || !arg.allSatisfy({ $0 >= 33 && $0 <= 126 }) {
                throw bad(lineNumber, "a stanza argument is empty or has characters outside printable ASCII")
            }
            var body: [UInt8] = []
            while true {
                let bodyLine = try nextLine()
                guard let bytes = AgeBase64.decodeRaw(bodyLine) else {
                    if bodyLine.starts(with: "-> ".utf8) || bodyLine.starts(with: "---".utf8) {
                        throw bad(lineNumber, "the stanza before it does not end with a short body line")
                    }
                    throw bad(lineNumber, "a stanza body line is not canonical unpadded base64")
                }
                guard bytes.count <= 48 else { throw bad(lineNumber, "a stanza body line is longer than 64 columns") }
                body += bytes
                if bytes.count < 48 { break }
            }
            stanzas.append(AgeStanza(type: args[0], args: Array(args.dropFirst()), body: body))
        }
    }
}

/// The recipient stanzas age defines: X25519 and scrypt.
enum AgeStanzas {
    static let x25519Label = Array("age-encryption.org/v1/X25519".utf8)
    static let scryptLabel = Array("age-encryption.org/v1/scrypt".utf8)
    static var zeroNonce: ChaChaPoly.Nonce { try! ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)) }
    static var maxScryptWorkFactor: Int { Age.maxScryptWorkFactor }

    static func seal(_ fileKey: [UInt8], key: SymmetricKey) throws -> [UInt8] {
        let box = try ChaChaPoly.seal(fileKey, using: key, nonce: zeroNonce)
        return Array(box.ciphertext) + Array(box.tag)
    }

    static func open(_ body: [UInt8], key: SymmetricKey) -> [UInt8]? {
        guard body.count == 32,
            let box = try? ChaChaPoly.SealedBox(nonce: zeroNonce, ciphertext: body[0..<16], tag: body[16..<32]),
            let plain = try? ChaChaPoly.open(box, using: key)
        else { return nil }
        return Array(plain)
    }

    static func x25519WrapKey(sharedSecret: [UInt8], share: [UInt8], recipient: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: sharedSecret), salt: share + recipient,
            info: x25519Label, outputByteCount: 32)
    }

    static func x25519Stanza(fileKey: [UInt8], to recipient: Curve25519.KeyAgreement.PublicKey) throws -> AgeStanza {
        // A fresh ephemeral key per stanza; a low-order recipient key would give the
        // all-zero secret, which age refuses.
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        let share = Array(ephemeral.publicKey.rawRepresentation)
        let secret = try ephemeral.sharedSecretFromKeyAgreement(with: recipient).withUnsafeBytes { Array($0) }
        guard secret.contains(where: { $0 != 0 }) else {
            throw AgeError("not a usable age recipient (a low-order X25519 key)")
        }
        let key = x25519WrapKey(sharedSecret: secret, share: share, recipient: Array(recipient.rawRepresentation))
        return AgeStanza(type: "X25519", args: [AgeBase64.encode(share)], body: try seal(fileKey, key: key))
    }

    static func scryptKey(passphrase: [UInt8], salt: [UInt8], workFactor: Int) throws -> SymmetricKey {
        // r = 8, p = 1: 128 * 8 * 2^workFactor bytes, which swift-crypto allows for.
        try KDF.Scrypt.deriveKey(
            from: passphrase, salt: scryptLabel + salt, outputByteCount: 32,
            rounds: 1 << workFactor, blockSize: 8, parallelism: 1)
    }

    static func scryptStanza(fileKey: [UInt8], passphrase: [UInt8], workFactor: Int) throws -> AgeStanza {
        let salt = Age.randomBytes(16)
        let key = try scryptKey(passphrase: passphrase, salt: salt, workFactor: workFactor)
        return AgeStanza(
            type: "scrypt", args: [AgeBase64.encode(salt), String(workFactor)],
            body: try seal(fileKey, key: key))
    }

    /// Finds the file key. Malformed X25519 and scrypt stanzas are errors (header
    /// failures); other stanza types are skipped, as age skips its grease.
    static func unwrap(_ header: AgeHeader, identities: [AgeIdentity], name: String) throws -> [UInt8] {
        func bad(_ reason: String) -> AgeError {
            AgeError("\(name): bad age header (\(reason))", kind: .header)
        }
        guard !identities.isEmpty else { throw AgeError("no identity given to decrypt \(name)") }
        var keys: [Curve25519.KeyAgreement.PrivateKey] = []
        var passphrases: [[UInt8]] = []
        for identity in identities {
            switch identity {
            case .x25519(let secretKey): keys.append(try AgeKeys.identityKey(secretKey))
            case .passphrase(let passphrase):
                guard !passphrase.isEmpty else { throw AgeError("the passphrase for \(name) is empty") }
                passphrases.append(passphrase)
            }
        }
        let stanzas = header.stanzas
        if stanzas.contains(where: { $0.type == "scrypt" }), stanzas.count > 1 {
            throw bad("a passphrase (scrypt) stanza must be the only one")
        }
        for stanza in stanzas {
            switch stanza.type {
            case "X25519":
                guard stanza.args.count == 1, let share = AgeBase64.decodeRaw(stanza.args[0].utf8), share.count == 32
                else {
                    throw bad("an X25519 stanza needs one argument, a 32-byte share")
                }
                guard stanza.body.count == 32 else { throw bad("an X25519 stanza's file key is not 16 bytes") }
                let sharePoint = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: share)
                for key in keys {
                    let secret = try key.sharedSecretFromKeyAgreement(with: sharePoint).withUnsafeBytes { Array($0) }
                    guard secret.contains(where: { $0 != 0 }) else {
                        throw bad("an X25519 stanza's share is a low-order point")
                    }
                    let wrapKey = x25519WrapKey(
                        sharedSecret: secret, share: share,
                        recipient: Array(key.publicKey.rawRepresentation))
                    if let fileKey = open(stanza.body, key: wrapKey) { return fileKey }
                }
            case "scrypt":
                guard stanza.args.count == 2, let salt = AgeBase64.decodeRaw(stanza.args[0].utf8), salt.count == 16
                else {
                    throw bad("a passphrase (scrypt) stanza needs a 16-byte salt and a work factor")
                }
                let text = stanza.args[1]
                guard let first = text.utf8.first, first != UInt8(ascii: "0"), text.utf8.count <= 2,
                    text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let workFactor = Int(text)
                else {
                    throw bad(
                        "the passphrase work factor \"\(AgeKeys.clip(text, 12))\" is not a number from 1 to \(maxScryptWorkFactor)"
                    )
                }
                guard workFactor <= maxScryptWorkFactor else {
                    throw AgeError(
                        "\(name): the passphrase work factor \(workFactor) is above the limit of \(maxScryptWorkFactor) (it would take too long and too much memory to try)",
                        kind: .header)
                }
                guard stanza.body.count == 32 else {
                    throw bad("a passphrase (scrypt) stanza's file key is not 16 bytes")
                }
                for passphrase in passphrases {
                    let key = try scryptKey(passphrase: passphrase, salt: salt, workFactor: workFactor)
                    if let fileKey = open(stanza.body, key: key) { return fileKey }
                }
            default:
                continue
            }
        }
        if stanzas.contains(where: { $0.type == "scrypt" }) {
            if passphrases.isEmpty {
                throw AgeError("\(name): encrypted with a passphrase, and no passphrase was given", kind: .noMatch)
            }
            throw AgeError("\(name): wrong passphrase", kind: .noMatch)
        }
        if keys.isEmpty {
            throw AgeError(
                "\(name): not encrypted with a passphrase (it is encrypted to age recipients; give an identity)",
                kind: .noMatch)
        }
        throw AgeError("\(name): not encrypted to any of the given identities", kind: .noMatch)
    }
}
