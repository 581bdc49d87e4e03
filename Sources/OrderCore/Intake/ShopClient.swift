import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

// The shops' APIs are reached with AsyncHTTPClient (SwiftNIO), linked into the binary.
// Measured against Foundation's URLSession (FoundationNetworking, over libcurl): linking
// FoundationNetworking loads libcurl and about 30 more shared libraries at every start,
// which took a trivial program from about 13 ms to 27 ms a run here (200 runs each,
// `make bench`'s start-up matters for every command); AsyncHTTPClient adds nothing to
// start-up, at the cost of a longer first build (about 3.5 min, debug). Its `serve` will
// share SwiftNIO with Hummingbird. Redirects are refused (a redirect must not carry a
// token to another address); TLS uses the system's trust store.

/// A platform's HTTP answer.
struct ShopResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// Why a shop could not be synced: one line, naming the shop, never a secret.
public struct ShopSyncError: Error, CustomStringConvertible, Equatable {
    public var shop: String
    public var message: String
    public var description: String { "shop \(shop): \(message)" }
}

/// Waits and retries, for `sync`: how long a request may take, how often a failing
/// one is tried again.
public struct SyncTiming: Sendable {
    /// Per request (connect, then the whole answer).
    public var timeout: TimeInterval = 30
    /// Tries after the first, for connection errors, 5xx and 429.
    public var retries = 4
    /// The first backoff; it doubles with each retry.
    public var backoff: TimeInterval = 1
    /// The longest wait a platform may ask for (Retry-After, Shopify's throttle).
    public var longestWait: TimeInterval = 120
    /// Every wait is multiplied by this (tests set it small through
    /// `ORDERCTL_SYNC_WAIT_SCALE`).
    public var waitScale: Double = 1

    public init() {}
}

/// One HTTP client for a sync run: blocking calls, retries and backoff.
public final class ShopHTTP {
    let client: HTTPClient
    let timing: SyncTiming
    /// What each request waited for, for the summary and the tests: (reason, seconds).
    public private(set) var waits: [(String, TimeInterval)] = []

    public init(timing: SyncTiming = SyncTiming()) {
        var timing = timing
        if !timing.timeout.isFinite || timing.timeout < 1 { timing.timeout = 1 }
        if !timing.waitScale.isFinite || timing.waitScale < 0 { timing.waitScale = 1 }
        self.timing = timing
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(Int64(min(timing.timeout, 30))), read: .seconds(Int64(timing.timeout))))
        configuration.decompression = .enabled(limit: .ratio(50))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    func wait(_ seconds: TimeInterval, _ reason: String) {
        waits.append((reason, seconds))
        Thread.sleep(forTimeInterval: seconds * timing.waitScale)
    }

    /// Sends a request, retrying connection errors, 5xx and 429 with backoff (a 429's
    /// Retry-After when it gives one). Any other answer is returned.
    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]? = nil, shop: String
    ) throws -> ShopResponse {
        var attempt = 0
        var delay = timing.backoff
        while true {
            var failure: String
            do {
                var request = try HTTPClient.Request(url: url, method: method)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                request.headers.replaceOrAdd(name: "User-Agent", value: "orderctl")
                if let body { request.body = .bytes(body) }
                let deadline = NIODeadline.now() + .milliseconds(Int64(timing.timeout * 1000))
                let response = try client.execute(request: request, deadline: deadline).wait()
                let bytes = response.body.map { Array(buffer: $0) } ?? []
                let status = Int(response.status.code)
                if status == 429 || status >= 500 {
                    failure = "HTTP \(status)" + (status == 429 ? " (too many requests)" : "")
                    if attempt < timing.retries {
                        attempt += 1
                        let asked = status == 429 ? Self.retryAfter(response.headers.first(name: "Retry-After")) : nil
                        if let asked, asked > timing.longestWait {
                            throw ShopSyncError(
                                shop: shop,
                                message: "the platform asks to wait \(Int(asked)) s before the next request; try later")
                        }
                        wait(asked ?? delay, failure)
                        delay *= 2
                        continue
                    }
                } else {
                    return ShopResponse(status: status, headers: response.headers, body: bytes)
                }
            } catch let error as ShopSyncError {
                throw error
            } catch let error as HTTPClientError where error == .invalidURL || error == .emptyHost {
                throw ShopSyncError(shop: shop, message: "not an address: \(url)")
            } catch {
                failure = Self.describe(error)
                // The connection pool has tried to connect again and again until the
                // timeout already: another round would only multiply the wait.
                if Self.isConnectFailure(error) {
                    throw ShopSyncError(
                        shop: shop,
                        message: "\(Self.hostAndPath(url)): \(failure) (kept trying for \(Int(timing.timeout)) s)")
                }
                if attempt < timing.retries {
                    attempt += 1
                    wait(delay, failure)
                    delay *= 2
                    continue
                }
            }
            throw ShopSyncError(
                shop: shop,
                message: "\(Self.hostAndPath(url)): \(failure), \(attempt + 1) \(attempt == 0 ? "try" : "tries")")
        }
    }

    /// Retry-After in seconds (the seconds form, or an HTTP date).
    static func retryAfter(_ value: String?) -> TimeInterval? {
        guard let text = value?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(text), seconds >= 0 { return seconds }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: text).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// No connection could be made (as against one that broke).
    static func isConnectFailure(_ error: Error) -> Bool {
        if let e = error as? HTTPClientError, e == .connectTimeout { return true }
        let text = "\(error)".lowercased()
        return [
            "connection refused", "connectionrefused", "connecttimeout", "nioconnectionerror", "socketaddresserror",
            "no such host", "name or service not known", "nodename nor servname", "niosslerror", "handshake",
        ]
        .contains { text.contains($0) }
    }

    /// A connection error in a few words.
    static func describe(_ error: Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout: return "no connection within the timeout"
            case .readTimeout, .deadlineExceeded: return "no answer within the timeout"
            case .remoteConnectionClosed: return "the connection was closed"
            default: return "\(e)"
            }
        }
        let text = "\(error)"
        let lower = text.lowercased()
        if lower.contains("connection refused") || lower.contains("connectionrefused") { return "connection refused" }
        if lower.contains("socketaddresserror") || lower.contains("name or service not known") {
            return "the name does not resolve (no such host?)"
        }
        if lower.contains("niosslerror") || lower.contains("handshake") {
            return "the TLS handshake failed (" + String(text.prefix(120)) + ")"
        }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    /// The address without its query (where a platform might take keys).
    static func hostAndPath(_ url: String) -> String { url.components(separatedBy: "?")[0] }
}
