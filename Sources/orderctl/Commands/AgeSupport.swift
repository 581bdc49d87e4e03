import Foundation
import OrderCore

/// The bridge from the command line's key options to `Age` (OrderCore/Backup): what
/// backup encrypts to, what restore decrypts with. age's own errors become one line.
enum AgeSupport {
    /// age's default passphrase work factor (scrypt N = 2^18), as `age -p` writes.
    static let workFactor = 18

    static func encryption(_ options: EncryptionOptions) throws -> BackupEncryption {
        var recipients: [AgeRecipient] = []
        for text in options.recipients {
            recipients.append(try parse(text, where: "--recipient"))
        }
        if let file = options.recipientsFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandError("--recipients-file \(file): cannot be read")
            }
            for (number, line) in String(decoding: data, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false
            ).enumerated() {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty || text.hasPrefix("#") { continue }
                recipients.append(try parse(text, where: "\(file) line \(number + 1)"))
            }
            if recipients.isEmpty { throw CommandError("--recipients-file \(file): holds no recipient") }
        }
        if let file = options.passphraseFile {
            recipients = [
                .scrypt(passphrase: try readSecretFile(file, what: "passphrase file"), workFactor: workFactor)
            ]
        }
        let chosen = recipients
        return { plaintext, encrypted in
            do {
                try Age.encrypt(inputPath: plaintext, outputPath: encrypted, to: chosen)
            } catch let error as AgeError {
                throw CommandError("encrypting the backup: \(error.message)")
            }
        }
    }

    static func decryption(identityFiles: [String], passphraseFile: String?) throws -> BackupDecryption {
        var identities: [AgeIdentity] = []
        for file in identityFiles {
            do {
                identities += try AgeIdentity.readFile(atPath: file)
            } catch let error as AgeError {
                throw CommandError("--identity \(file): \(error.message)")
            }
        }
        if let passphraseFile {
            identities.append(.passphrase(try readSecretFile(passphraseFile, what: "passphrase file")))
        }
        let chosen = identities
        return { encrypted, plaintext in
            do {
                try Age.decrypt(inputPath: encrypted, outputPath: plaintext, with: chosen)
            } catch let error as AgeError {
                throw CommandError(error.message)
            }
        }
    }

    static func parse(_ text: String, where place: String) throws -> AgeRecipient {
        do {
            return try AgeRecipient.parse(text)
        } catch let error as AgeError {
            throw CommandError("\(place): \(error.message)")
        }
    }
}
