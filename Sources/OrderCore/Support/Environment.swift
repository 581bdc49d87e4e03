import Foundation

/// One environment variable. `ProcessInfo.processInfo.environment` copies the whole
/// environment into a dictionary, which costs a noticeable part of a short command's run.
public enum Environment {
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
