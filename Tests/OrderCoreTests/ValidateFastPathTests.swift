import Testing

@testable import OrderCore

/// Names, notes and emails have ASCII fast paths (an import checks millions); on any
/// ASCII text they must agree with the rules as written for Unicode.
@Suite("Validation fast paths agree with the general rules")
struct ValidateFastPathTests {
    /// Random ASCII strings, heavy in the characters the rules care about.
    static func samples(count: Int, seed: UInt64) -> [String] {
        var rng = CSVReaderTests.SplitMix64(state: seed)
        let alphabet = Array("aZ09.@@..,<> \t\r\n-_\u{7F}\u{01}\u{1F}x+~'\"")
        var out = [
            "", " ", "@", "a@b", "a@b.c", "a@b.", "@b.c", "a@@b.c", "a b@c.d", "a@b..c", "a@.b", "ann@example.com",
            "Ann Lee", "  x  ", "\t", "a\u{7F}", "line\nbreak", "cr\r\nlf", "tab\there",
        ]
        for _ in 0..<count {
            let n = Int(rng.next() % 14)
            out.append(String((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
        }
        return out
    }

    @Test("email: the byte rules give what the Unicode rules give")
    func email() {
        for text in Self.samples(count: 20_000, seed: 7) {
            #expect(Validate.emailASCII(text) == Validate.emailUnicode(text), "\(text.debugDescription)")
        }
        #expect(Validate.emailASCII("ann@example.com"))
        #expect(!Validate.emailASCII("ann@example"))
    }

    @Test("name and note: what the fast path accepts, the general rules accept")
    func nameAndNote() {
        var fastNames = 0
        var fastNotes = 0
        for text in Self.samples(count: 20_000, seed: 11) {
            if Validate.nameASCIIFast(text) {
                fastNames += 1
                #expect(Validate.nameProblem(text) == nil, "\(text.debugDescription)")
            }
            if Validate.noteASCIIFast(text) {
                fastNotes += 1
                #expect(Validate.noteProblem(text) == nil, "\(text.debugDescription)")
            }
        }
        // The fast paths do take most plain text (else they would test nothing).
        #expect(fastNames > 1000 && fastNotes > 1000)
        #expect(Validate.nameProblem(" ") != nil && !Validate.nameASCIIFast(" "))
        #expect(Validate.nameProblem("a\tb") != nil && !Validate.nameASCIIFast("a\tb"))
    }
}
