// The age reader (Backup/Age*.swift): Age.decrypt on the input as a file, with a fixed
// X25519 identity (the one AgeTests uses), and the internal pieces directly on the
// same bytes: the armor decoder, the header parser, the buffered reader, strict
// base64, and recipient / identity key parsing (Bech32).
import Foundation

@testable import OrderCore

let identity = AgeIdentity.x25519(
    secretKey: "AGE-SECRET-KEY-1JJR24FR44Z3TTFR0WVJ9KF50PFL9752V0ZEGWMAAPEWKQZJC06PQ4GUE79")

/// Bytes from memory, handed out `piece` at a time.
final class MemorySource: AgeByteSource {
    let bytes: [UInt8]
    let piece: Int
    var at = 0
    init(_ bytes: [UInt8], piece: Int) {
        self.bytes = bytes
        self.piece = piece
    }
    func read(into buffer: inout [UInt8], at offset: Int, count: Int) throws -> Int {
        let n = min(count, piece, bytes.count - at)
        buffer.replaceSubrange(offset..<(offset + n), with: bytes[at..<(at + n)])
        at += n
        return n
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    // The public API, through files, as `orderctl restore` uses it.
    let input = scratchFile("in.age", bytes)
    let output = fuzzScratch + "/out"
    unlink(output)
    _ = Age.isEncrypted(path: input)
    do {
        try Age.decrypt(inputPath: input, outputPath: output, with: [identity])
    } catch {
        fuzzCheck(access(output, F_OK) != 0, "a failed decrypt left its output behind")
    }
    unlink(output)

    // The pieces, from memory, with small reads (odd boundaries).
    let piece = 1 + Int(bytes.first ?? 0) % 7
    do {
        let raw = AgeBufferedReader(MemorySource(bytes, piece: piece), capacity: 64 * 1024)
        let reader = try AgeArmor.looksArmored(raw) ? AgeBufferedReader(try AgeArmor(raw, name: "f")) : raw
        let header = try AgeHeader.parse(reader, name: "f")
        // The strict parser takes only canonical headers: they encode back to what was read.
        fuzzCheck(AgeHeader.encode(header.stanzas) == header.macInput, "header does not encode back to its bytes")
        _ = try? AgeStanzas.unwrap(header, identities: [identity], name: "f")
        var rest = [UInt8](repeating: 0, count: 4096)
        while try reader.readFull(into: &rest, count: rest.count) > 0 {}
    } catch {}
    do {
        let armor = try AgeArmor(AgeBufferedReader(MemorySource(bytes, piece: piece)), name: "f")
        var out = [UInt8](repeating: 0, count: 100)
        while try armor.read(into: &out, at: 3, count: 97) > 0 {}
    } catch {}

    // Base64 and keys on the text.
    if let decoded = AgeBase64.decodeRaw(bytes) {
        fuzzCheck(Array(AgeBase64.encode(decoded).utf8) == bytes, "raw base64 is not canonical")
    }
    if let decoded = AgeBase64.decodePadded(bytes) {
        fuzzCheck(Array(AgeBase64.encode(decoded, padded: true).utf8) == bytes, "padded base64 is not canonical")
    }
    let value = String(decoding: bytes, as: UTF8.self)
    _ = try? AgeRecipient.parse(value)
    _ = AgeIdentity.x25519(secretKey: value).recipient
    return 0
}
