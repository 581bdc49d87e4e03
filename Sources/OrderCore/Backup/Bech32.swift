/// Bech32 (BIP 173) as age uses it for its keys: the original checksum constant (not
/// Bech32m), no 90-character limit, and the human-readable part returned as written, so
/// the caller can insist on its case ("age" for recipients, "AGE-SECRET-KEY-" for
/// identities). Encoding writes lower case; `encode(...).uppercased()` gives the other.
public enum Bech32 {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let charsetRev: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (i, c) in charset.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    public struct DecodeError: Error, CustomStringConvertible, Equatable {
        public let reason: String
        public var description: String { reason }
    }

    /// Encodes `data` (8-bit bytes) under `hrp`, in lower case.
    public static func encode(hrp: String, data: [UInt8]) -> String {
        let hrpBytes = Array(hrp.lowercased().utf8)
        let values = convertBits(data, from: 8, to: 5, pad: true)!
        let checksum = createChecksum(hrp: hrpBytes, values: values)
        var out = hrpBytes
        out.append(UInt8(ascii: "1"))
        for v in values + checksum { out.append(charset[Int(v)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a Bech32 string into its human-readable part (in the case it was written)
    /// and its 8-bit data. Mixed case, a bad checksum, characters outside the alphabet
    /// and non-zero or over-long padding are refused.
    public static func decode(_ text: String) throws(DecodeError) -> (hrp: String, data: [UInt8]) {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 >= 33 && $0 <= 126 }) else {
            throw DecodeError(reason: "it has characters outside printable ASCII")
        }
        let hasLower = bytes.contains { $0 >= 0x61 && $0 <= 0x7A }
        let hasUpper = bytes.contains { $0 >= 0x41 && $0 <= 0x5A }
        guard !(hasLower && hasUpper) else { throw DecodeError(reason: "it mixes upper and lower case") }
        guard let sep = bytes.lastIndex(of: UInt8(ascii: "1")) else {
            throw DecodeError(reason: "it has no separator '1'")
        }
        guard sep >= 1 else { throw DecodeError(reason: "its human-readable part is empty") }
        guard bytes.count - sep - 1 >= 6 else { throw DecodeError(reason: "it is too short") }
        let hrp = String(decoding: bytes[..<sep], as: UTF8.self)
        let lowerHrp = Array(hrp.lowercased().utf8)
        var values: [UInt8] = []
        values.reserveCapacity(bytes.count - sep - 1)
        for c in bytes[(sep + 1)...] {
            let lower = (c >= 0x41 && c <= 0x5A) ? c + 0x20 : c
            let v = charsetRev[Int(lower)]
            guard v >= 0 else {
                throw DecodeError(
                    reason: "it has a character outside the Bech32 alphabet ('\(Character(Unicode.Scalar(c)))')")
            }
            values.append(UInt8(v))
        }
        guard polymod(hrpExpand(lowerHrp) + values) == 1 else {
            throw DecodeError(reason: "its checksum is wrong (a typo, or a cut-off key?)")
        }
        guard let data = convertBits(Array(values.dropLast(6)), from: 5, to: 8, pad: false) else {
            throw DecodeError(reason: "its data has invalid padding")
        }
        return (hrp, data)
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let gen: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= gen[i] }
        }
        return chk
    }

    private static func hrpExpand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    private static func createChecksum(hrp: [UInt8], values: [UInt8]) -> [UInt8] {
        let mod = polymod(hrpExpand(hrp) + values + [0, 0, 0, 0, 0, 0]) ^ 1
        return (0..<6).map { UInt8((mod >> (5 * (5 - UInt32($0)))) & 31) }
    }

    /// Regroups bits; nil when `pad` is false and the input has more than 4 bits of
    /// padding or non-zero padding bits.
    static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var acc = 0
        var bits = 0
        var out: [UInt8] = []
        out.reserveCapacity(data.count * from / to + 1)
        let maxv = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { return nil }
            acc = (acc << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((acc >> bits) & maxv))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((acc << (to - bits)) & maxv)) }
        } else if bits >= from || ((acc << (to - bits)) & maxv) != 0 {
            return nil
        }
        return out
    }
}
