import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import OrderCore
import Prometheus

extension Orderctl {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Take the shops' webhook deliveries as they happen (runs until stopped).",
            discussion: """
                POST /webhooks/NAME takes shop NAME's deliveries: the signature (Shopify's \
                X-Shopify-Hmac-Sha256, WooCommerce's X-WC-Webhook-Signature) is checked over the \
                raw body with the shop's webhook secret (401 and nothing stored without one, or \
                when it does not match), the body is limited (413), and the delivery is kept and \
                applied as 'sync' applies an order, in one transaction, before the answer 200. A \
                delivery seen before answers 200 and changes nothing; one that cannot be applied \
                is kept in 'orderctl inbox' and answered 200 (a retry would not help).
                GET /healthz: 200 while the database answers, with each shop's last sync and \
                delivery. GET /metrics: the Prometheus text format.
                It listens on loopback only, unless --public: the platforms call HTTPS \
                addresses only, so put a TLS proxy or a tunnel in front (README, "Orders from \
                your shop"). SIGTERM or Ctrl-C stops it once the requests it took are answered.
                  orderctl serve                          # 127.0.0.1:8080
                  orderctl serve --listen 127.0.0.1:9000

                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Where to listen: HOST:PORT, [::1]:PORT, or a port on 127.0.0.1 (0: any free port).")
        var listen = "127.0.0.1:8080"
        @Flag(help: "Allow an address other than loopback (behind a TLS proxy or tunnel only).")
        var `public` = false
        @Option(name: .customLong("max-body"), help: "The largest body taken, in bytes, or with K or M (default 4M).")
        var maxBody = "4M"

        func validate() throws {
            let address: ListenAddress
            do { address = try ListenAddress.parse(listen) } catch { throw ValidationError("\(error)") }
            if !address.isLoopback && !`public` {
                throw ValidationError(
                    "--listen \(listen) is not a loopback address: the shops call HTTPS addresses only, so put a TLS proxy or tunnel in front and add --public"
                )
            }
            guard Self.bytes(maxBody) != nil else {
                throw ValidationError("--max-body: expected bytes from 1K to 64M (4194304, 512K, 4M), not '\(maxBody)'")
            }
        }

        static func bytes(_ text: String) -> Int? {
            let unit: Int
            var digits = Substring(text)
            switch text.last {
            case "K", "k":
                unit = 1024
                digits = digits.dropLast()
            case "M", "m":
                unit = 1024 * 1024
                digits = digits.dropLast()
            default: unit = 1
            }
            guard digits.allSatisfy(\.isASCII), let n = Int(digits), n > 0, n <= 64 * 1024 * 1024 / unit else {
                return nil
            }
            let bytes = n * unit
            return bytes >= 1024 ? bytes : nil
        }

        func run() throws {
            let address = try ListenAddress.parse(listen)
            let store = try global.openStore(.existing)
            let desk = IntakeDesk(store: store, maxBody: Self.bytes(maxBody)!)
            for s in try store.intakeStatus() where !s.hasWebhookSecret {
                Terminal.warn(
                    "shop \(s.shop) has no webhook secret: its deliveries are refused (401) until it has one ('orderctl shop update \(s.shop) --webhook-secret-file F')"
                )
            }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            desk.registry = registry

            var logger = Logger(label: "orderctl.serve")
            logger.logLevel = .critical
            let router = Router()
            router.post("/webhooks/:name") { request, context -> Response in
                await desk.deliver(request, shop: context.parameters.get("name") ?? "")
            }
            router.get("/healthz") { _, _ -> Response in await desk.health() }
            router.get("/metrics") { _, _ -> Response in await desk.metrics() }
            let app = Application(
                router: router,
                configuration: .init(address: .hostname(address.host, port: address.port), serverName: "orderctl"),
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? address.port
                    let shown = ListenAddress(host: address.host, port: port).display
                    Terminal.note(
                        "orderctl serve: listening on http://\(shown) (POST /webhooks/NAME, GET /healthz, GET /metrics)"
                    )
                },
                logger: logger)
            let done = DispatchSemaphore(value: 0)
            let failure = Box()
            Task {
                // Graceful on SIGTERM and SIGINT: the requests taken are answered first.
                do { try await app.runService() } catch {
                    failure.error = error
                }
                done.signal()
            }
            done.wait()
            if let error = failure.error {
                throw CommandError("serve: \(error)")
            }
            Terminal.note("orderctl serve: stopped")
        }
    }
}

final class Box: @unchecked Sendable {
    var error: (any Error)?
}

/// The store, used by one request at a time (SQLite writes one at a time anyway), on a
/// queue of its own so that a wait for the write lock blocks neither the event loops nor
/// Swift's cooperative threads.
final class IntakeDesk: @unchecked Sendable {
    let store: OrderStore
    let maxBody: Int
    let queue = DispatchQueue(label: "orderctl.serve.store")
    var registry: PrometheusCollectorRegistry?

    init(store: OrderStore, maxBody: Int) {
        self.store = store
        self.maxBody = maxBody
    }

    func onStore<T: Sendable>(_ body: @escaping @Sendable (OrderStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            queue.async { c.resume(with: Result { try body(self.store) }) }
        }
    }

    static func text(_ status: HTTPResponse.Status, _ body: String, type: String = "text/plain; charset=utf-8")
        -> Response
    {
        Response(
            status: status, headers: [.contentType: type],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body + "\n")))
    }

    func log(_ status: Int, _ path: String, _ outcome: String, _ message: String, started: ContinuousClock.Instant) {
        let ms = (ContinuousClock.now - started).components
        let millis = ms.seconds * 1000 + ms.attoseconds / 1_000_000_000_000_000
        Terminal.note("\(Instant.format(Date())) \(status) POST \(path) \(outcome) (\(millis) ms): \(message)")
    }

    func deliver(_ request: Request, shop name: String) async -> Response {
        let started = ContinuousClock.now
        // For the log line: printable ASCII only (the name comes from anyone's request).
        let shown = String(name.unicodeScalars.prefix(80).map { $0.value > 32 && $0.value < 127 ? Character($0) : "?" })
        let path = "/webhooks/\(shown)"
        func count(_ outcome: String, shop: String) {
            Counter(label: "orderctl_webhook_deliveries_total", dimensions: [("shop", shop), ("outcome", outcome)])
                .increment()
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBody {
            count("rejected", shop: "-")
            log(413, path, "rejected", "a body of \(length) bytes, more than --max-body \(maxBody)", started: started)
            return Self.text(.contentTooLarge, "the body is larger than \(maxBody) bytes")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: maxBody) } catch is NIOTooManyBytesError {
            count("rejected", shop: "-")
            log(413, path, "rejected", "a body of more than --max-body \(maxBody) bytes", started: started)
            return Self.text(.contentTooLarge, "the body is larger than \(maxBody) bytes")
        } catch {
            log(400, path, "rejected", "the body could not be read: \(error)", started: started)
            return Self.text(.badRequest, "the body could not be read")
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let delivery = WebhookDelivery(shop: name, headers: headers, body: Array(buffer: body))
        do {
            let answer = try await onStore { try $0.receive(delivery) }
            // A shop that does not exist is not a label (anyone can make up names).
            count(answer.outcome.rawValue, shop: answer.status == 404 ? "-" : name.lowercased())
            log(answer.status, path, answer.outcome.rawValue, answer.message, started: started)
            let status = HTTPResponse.Status(code: answer.status)
            switch answer.outcome {
            case .rejected where answer.status == 401: return Self.text(status, "the signature was not accepted")
            case .rejected: return Self.text(status, answer.status == 404 ? "no such shop" : "bad request")
            default: return Self.text(status, answer.outcome.rawValue)
            }
        } catch {
            // Nothing was stored: the platform sends it again.
            count("error", shop: "-")
            let busy = (error as? OrderError).map { if case .databaseBusy = $0 { true } else { false } } ?? false
            log(
                busy ? 503 : 500, path, "error", "\(error); nothing stored, the shop will send it again",
                started: started)
            return Self.text(busy ? .serviceUnavailable : .internalServerError, "not stored; send it again")
        }
    }

    func health() async -> Response {
        do {
            let status = try await onStore { try $0.intakeStatus() }
            let shops: [JSONObject] = status.map {
                [
                    "name": $0.shop, "platform": $0.platform.rawValue,
                    "last_sync": orNull($0.syncedAt.map(Instant.format)),
                    "sync_error": orNull($0.syncError), "last_delivery": orNull($0.lastDelivery.map(Instant.format)),
                    "waiting": $0.waiting, "webhook_secret": $0.hasWebhookSecret,
                ]
            }
            return Self.text(
                .ok, JSON.render(["status": "ok", "shops": shops] as JSONObject), type: "application/json")
        } catch {
            return Self.text(
                .serviceUnavailable, JSON.render(["status": "error", "error": "\(error)"] as JSONObject),
                type: "application/json")
        }
    }

    func metrics() async -> Response {
        if let status = try? await onStore({ try $0.intakeStatus() }) {
            for s in status {
                let d = [("shop", s.shop)]
                if let t = s.syncedAt {
                    Gauge(label: "orderctl_shop_last_sync_timestamp_seconds", dimensions: d).record(
                        t.timeIntervalSince1970)
                }
                if let t = s.lastDelivery {
                    Gauge(label: "orderctl_shop_last_delivery_timestamp_seconds", dimensions: d)
                        .record(t.timeIntervalSince1970)
                }
                Gauge(label: "orderctl_shop_sync_failing", dimensions: d).record(s.syncError == nil ? 0 : 1)
                Gauge(label: "orderctl_inbox_waiting", dimensions: d).record(s.waiting)
            }
            Gauge(label: "orderctl_database_up").record(1)
        } else {
            Gauge(label: "orderctl_database_up").record(0)
        }
        return Self.text(.ok, registry?.emitToString() ?? "", type: "text/plain; version=0.0.4; charset=utf-8")
    }
}
