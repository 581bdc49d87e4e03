import Foundation
import OrderCore

/// The bridge from the command line's key options to `Age` (OrderCore/Backup).
enum AgeSupport {
    static func encryption(_ options: EncryptionOptions) throws -> BackupEncryption {
        throw CommandError("encrypted backups are not built yet")
    }

    static func decryption(identityFiles: [String], passphraseFile: String?) throws -> BackupDecryption {
        throw CommandError("encrypted backups are not built yet")
    }
}
