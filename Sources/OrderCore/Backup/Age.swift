import Crypto
import Foundation

/// The age v1 file format (https://age-encryption.org/v1, the C2SP spec): X25519 and
/// passphrase (scrypt) recipients, the STREAM payload in 64 KiB chunks, and reading
/// the ASCII armor of `age -a`. Files written here decrypt with `age -d`, and files
/// from `age` decrypt here. Both directions stream with fixed buffers: memory stays
/// flat whatever the file's size.
public enum Age {
    public static let magic = "age-encryption.org/v1"

    /// The largest passphrase work factor (scrypt log2 N) that `decrypt` will try:
    /// age's own default limit. 2^22 with r = 8 takes 4 GiB and several seconds; a file
    /// asking for more is refused rather than tried.
    public static let maxScryptWorkFactor = 22

    /// Plaintext bytes per STREAM chunk.
    static let chunkSize = 64 * 1024
    static let tagSize = 16

    /// True when the file at path begins with the age header line (binary) or the armored begin line.
    public static func isEncrypted(path: String) -> Bool {
        guard let fd = try? AgeIO.openInput(path) else { return false }
        defer { close(fd) }
        let reader = AgeBufferedReader(AgeFileSource(fd: fd, name: path), capacity: 4096)
        guard let head = try? reader.peek(1024) else { return false }
        if head.starts(with: (magic + "\n").utf8) { return true }
        guard let first = head.firstIndex(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return false }
        return head[first...].starts(with: AgeArmor.beginLine.utf8)
    }

    /// Streams inputPath to outputPath (created with mode 0600, O_EXCL: refuse an existing file), in 64 KiB STREAM chunks; memory flat. fsync the output before returning.
    public static func encrypt(inputPath: String, outputPath: String, to recipients: [AgeRecipient]) throws {
        let fileKey = randomBytes(16)
        let stanzas = try makeStanzas(recipients, fileKey: fileKey)
        let input = try AgeIO.openInput(inputPath)
        defer { close(input) }
        try AgeIO.withOutput(outputPath) { output in
            try writeFile(
                stanzas: stanzas, fileKey: fileKey, input: AgeFileSource(fd: input, name: inputPath),
                output: output, outputName: outputPath)
        }
    }

    /// Streams; verifies every chunk's tag before writing its plaintext; a wrong key, a truncated file, a reordered or tampered chunk, a bad header MAC, trailing data, an empty final chunk where not allowed etc. all throw AgeError with one clear line (e.g. "FILE: not encrypted to any of the given identities", "FILE: truncated (the last chunk is missing)", "FILE: damaged or tampered (chunk 3 fails its check)"). On failure the partial output file is removed. fsync the output.
    ///
    /// The output is created like `encrypt`'s (mode 0600, never over an existing file),
    /// and only once the header has been checked, so a wrong key leaves no file behind.
    public static func decrypt(inputPath: String, outputPath: String, with identities: [AgeIdentity]) throws {
        let input = try AgeIO.openInput(inputPath)
        defer { close(input) }
        let file = AgeFileSource(fd: input, name: inputPath)
        let raw = AgeBufferedReader(file)
        let reader = try AgeArmor.looksArmored(raw) ? AgeBufferedReader(try AgeArmor(raw, name: inputPath)) : raw
        let payload = try openPayload(reader, identities: identities, name: inputPath)
        try AgeIO.withOutput(outputPath) { output in
            try decryptPayload(reader, key: payload, name: inputPath) { bytes in
                try AgeIO.writeAll(output, bytes, name: outputPath)
            }
        }
    }

    // MARK: - The pieces (internal, so tests can build files with a known file key)

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func makeStanzas(_ recipients: [AgeRecipient], fileKey: [UInt8]) throws -> [AgeStanza] {
        guard !recipients.isEmpty else { throw AgeError("no recipient given to encrypt to") }
        var stanzas: [AgeStanza] = []
        for recipient in recipients {
            switch recipient {
            case .x25519(let publicKey):
                stanzas.append(try AgeStanzas.x25519Stanza(fileKey: fileKey, to: AgeKeys.recipientKey(publicKey)))
            case .scrypt(let passphrase, let workFactor):
                guard recipients.count == 1 else {
                    throw AgeError(
                        "a passphrase cannot be combined with other recipients (age allows only one passphrase and nothing else)"
                    )
                }
                guard !passphrase.isEmpty else { throw AgeError("the passphrase is empty") }
                guard (1...maxScryptWorkFactor).contains(workFactor) else {
                    throw AgeError(
                        "the passphrase work factor \(workFactor) is outside 1...\(maxScryptWorkFactor) (age's default is 18; age refuses more than \(maxScryptWorkFactor))"
                    )
                }
                stanzas.append(
                    try AgeStanzas.scryptStanza(fileKey: fileKey, passphrase: passphrase, workFactor: workFactor))
            }
        }
        return stanzas
    }

    static func payloadKey(fileKey: [UInt8], nonce: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: fileKey), salt: nonce,
            info: Array("payload".utf8), outputByteCount: 32)
    }

    /// The STREAM nonce: an 11-byte big-endian chunk counter and the last-chunk flag.
    static func chunkNonce(_ counter: UInt64, last: Bool) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { bytes[10 - i] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(i))) }
        bytes[11] = last ? 1 : 0
        return try! ChaChaPoly.Nonce(data: bytes)
    }

    /// Writes header, nonce and the STREAM-encrypted input to `output`.
    static func writeFile(
        stanzas: [AgeStanza], fileKey: [UInt8], input: AgeByteSource, output: Int32,
        outputName: String, nonce: [UInt8] = randomBytes(16)
    ) throws {
        let header = AgeHeader.serialize(stanzas, fileKey: fileKey) + nonce
        try header.withUnsafeBytes { try AgeIO.writeAll(output, $0, name: outputName) }
        let key = payloadKey(fileKey: fileKey, nonce: nonce)
        let reader = AgeBufferedReader(input)
        // Two buffers: a full chunk is the last one only if nothing follows it.
        var current = [UInt8](repeating: 0, count: chunkSize)
        var next = [UInt8](repeating: 0, count: chunkSize)
        var count = try reader.readFull(into: &current, count: chunkSize)
        var counter: UInt64 = 0
        while true {
            var nextCount = 0
            if count == chunkSize { nextCount = try reader.readFull(into: &next, count: chunkSize) }
            let last = nextCount == 0
            let box = try ChaChaPoly.seal(current[0..<count], using: key, nonce: chunkNonce(counter, last: last))
            try box.ciphertext.withUnsafeBytes { try AgeIO.writeAll(output, $0, name: outputName) }
            try box.tag.withUnsafeBytes { try AgeIO.writeAll(output, $0, name: outputName) }
            if last { return }
            counter += 1
            swap(&current, &next)
            count = nextCount
        }
    }

    /// Parses the header, finds the file key, checks the header MAC and reads the
    /// payload nonce: everything before the first byte of plaintext.
    static func openPayload(_ reader: AgeBufferedReader, identities: [AgeIdentity], name: String) throws -> SymmetricKey
    {
        let header = try AgeHeader.parse(reader, name: name)
        let fileKey = try AgeStanzas.unwrap(header, identities: identities, name: name)
        let expected = AgeHeader.computeMAC(fileKey: fileKey, macInput: header.macInput)
        guard constantTimeEqual(expected, header.mac) else {
            throw AgeError("\(name): damaged or tampered (the header fails its check)", kind: .headerMAC)
        }
        var nonce = [UInt8](repeating: 0, count: 16)
        guard try reader.readFull(into: &nonce, count: 16) == 16 else {
            throw AgeError("\(name): truncated (the payload nonce is missing)", kind: .header)
        }
        return payloadKey(fileKey: fileKey, nonce: nonce)
    }

    /// Decrypts the STREAM payload, handing each chunk's plaintext to `write` only
    /// after its tag checks out.
    static func decryptPayload(
        _ reader: AgeBufferedReader, key: SymmetricKey, name: String,
        write: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let full = chunkSize + tagSize
        var buffer = [UInt8](repeating: 0, count: full)
        var counter: UInt64 = 0
        while true {
            let chunk = counter + 1  // 1-based, for messages
            let n = try reader.readFull(into: &buffer, count: full)
            if n == 0 {
                throw AgeError(
                    counter == 0
                        ? "\(name): truncated (the payload is missing)"
                        : "\(name): truncated (the last chunk is missing)", kind: .payload)
            }
            guard n >= tagSize else {
                throw AgeError(
                    "\(name): damaged or truncated (chunk \(chunk) is shorter than its check)", kind: .payload)
            }
            if n == tagSize, counter > 0 {
                throw AgeError(
                    "\(name): damaged or tampered (chunk \(chunk) is an empty final chunk, which age never writes)",
                    kind: .payload)
            }
            var last = n < full
            var plain = open(buffer, n, key: key, counter: counter, last: last)
            if plain == nil, !last {
                // A full-size chunk can be the final one.
                last = true
                plain = open(buffer, n, key: key, counter: counter, last: true)
            }
            guard let plain else {
                throw AgeError(
                    n < full
                        ? "\(name): damaged, truncated or tampered (chunk \(chunk), the last, fails its check)"
                        : "\(name): damaged or tampered (chunk \(chunk) fails its check)", kind: .payload)
            }
            try plain.withUnsafeBytes { try write($0) }
            if last {
                var probe = [UInt8](repeating: 0, count: 1)
                if try reader.readFull(into: &probe, count: 1) != 0 {
                    throw AgeError("\(name): damaged or tampered (data after the final chunk)", kind: .payload)
                }
                return
            }
            counter += 1
        }
    }

    private static func open(_ buffer: [UInt8], _ n: Int, key: SymmetricKey, counter: UInt64, last: Bool) -> Data? {
        guard
            let box = try? ChaChaPoly.SealedBox(
                nonce: chunkNonce(counter, last: last),
                ciphertext: buffer[0..<(n - tagSize)], tag: buffer[(n - tagSize)..<n])
        else { return nil }
        return try? ChaChaPoly.open(box, using: key)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
