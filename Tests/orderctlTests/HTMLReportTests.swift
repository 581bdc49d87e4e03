import Foundation
import Testing

// `orderctl report --html`: one self-contained page with the figures of `stats`; text from
// the database is escaped; rendered in headless Chromium when it is installed
// (`make test-browser` installs it).

/// Three orders (one by a customer whose name is markup) and the clock at 2026-11-25.
func reportShop() throws -> Sandbox {
    let sb = try Sandbox(template: .catalog)
    try sb.ok("customer", "add", "--name", "<script>alert('x')</script> & \"Co\"", "--email", "evil@example.com", "--country", "DE")
    try sb.ok("add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--ref", "O-1", "--date", "2026-09-10T10:00:00Z")
    try sb.ok("pay", "O-1", "--at", "2026-09-10T10:00:00Z")
    try sb.ok("confirm", "O-1")
    try sb.ok("ship", "O-1", "--at", "2026-09-11T10:00:00Z")
    try sb.ok("deliver", "O-1", "--at", "2026-09-13T10:00:00Z")
    try sb.ok("add", "--customer", "evil@example.com", "--item", "TEE-M:60", "--ref", "O-2", "--date", "2026-10-05T10:00:00Z")
    try sb.ok("add", "--customer", "jean@example.fr", "--item", "CARD:3", "--ref", "O-3", "--date", "2026-10-20T10:00:00Z")
    try sb.ok("cancel", "O-3", "--reason", "changed mind")
    return sb
}

@Suite("report --html")
struct HTMLReportTests {
    static let range = ["--from", "2026-09-01", "--to", "2026-11-30"]

    @Test("one self-contained file: no script, no network, the figures of stats, text escaped")
    func selfContained() throws {
        let sb = try reportShop()
        let path = sb.dir.appendingPathComponent("report.html").path
        let r = try sb.ok(["report", "--html", path] + Self.range)
        #expect(r.stderr == "wrote the report of 3 orders placed 2026-09-01 to 2026-11-30 to \(path)\n")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.hasPrefix("<!doctype html>\n<html lang=\"en\">"))
        #expect(html.hasSuffix("</html>\n"))
        let lower = html.lowercased()
        for forbidden in ["<script", "http:", "https:", "src=", "href=", "@import", "url(", "<link", "<img", "<iframe"] {
            #expect(!lower.contains(forbidden), "the report contains \(forbidden)")
        }
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;"))
        #expect(html.components(separatedBy: "<svg ").count == 3, "two charts")
        #expect(html.contains("<meta name=\"viewport\""))
        #expect(html.contains("@media print"))
        // The headline figures are stats': 1,194.00 + 25.00 net, 2 orders kept of 3.
        let stats = try sb.jsonObject("stats", "--from", "2026-09-01", "--to", "2026-11-30")
        let net = try #require((stats["totals"] as? [[String: Any]])?.first?["net"] as? String)
        #expect(net == "1219.00")
        #expect(html.contains("<div class=\"label\">Net revenue</div><div class=\"value\">1,219.00 EUR</div>"))
        #expect(html.contains("<div class=\"label\">Orders</div><div class=\"value\">3</div>"))
        #expect(html.contains("<div class=\"label\">Cancelled</div><div class=\"value\">33.3%</div>"))
        #expect(html.contains("<div class=\"label\">Days to ship</div><div class=\"value\">1.0 (p90 1.0)</div>"))
        // Top customers: the one with the markup name first (1,194.00), escaped.
        let customers = try #require(html.range(of: "<h2>Top customers</h2>"))
        #expect(html[customers.upperBound...].contains("<tr><td>&lt;script&gt;"))
        // Bars carry their exact figures as tooltips.
        #expect(html.contains("<title>2026-10: 1,194.00 EUR net, 2 orders</title>"))

        // '-' writes the same page to stdout.
        let stdout = try sb.ok(["report", "--html", "-"] + Self.range)
        #expect(stdout.stdout == html)
    }

    @Test("a period without orders says so")
    func empty() throws {
        let sb = try reportShop()
        let r = try sb.ok("report", "--html", "-", "--from", "2025-01-01", "--to", "2025-01-31")
        #expect(r.stdout.contains("No orders placed from 2025-01-01 to 2025-01-31."))
        #expect(!r.stdout.contains("<svg"))
    }

    @Test("bad input: one line, non-zero exit, no file written", arguments: [
        (["--from", "someday"], Int32(1)),
        (["--timezone", "Mars/Olympus"], Int32(1)),
        (["--top", "0"], Int32(64)),
    ])
    func badInput(extra: [String], code: Int32) throws {
        let sb = try reportShop()
        let path = sb.dir.appendingPathComponent("bad.html").path
        let r = try sb.run(["report", "--html", path] + extra)
        #expect(r.exitCode == code, "\(r)")
        #expect(r.stderrLines.first?.hasPrefix("Error: ") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
        let unwritable = try sb.run("report", "--html", sb.dir.appendingPathComponent("no/such/dir/r.html").path)
        #expect(unwritable.exitCode == 1 && unwritable.stderr.hasPrefix("Error: cannot write "), "\(unwritable)")
    }
}

/// Headless Chromium, when installed.
enum Browser {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    /// `make test-browser` sets this: then a missing browser is a failure, not a skip.
    static let required = ProcessInfo.processInfo.environment["ORDERCTL_BROWSER_TEST"] == "1"
    static var enabled: Bool { path != nil || required }

    static func run(_ arguments: [String], sandbox sb: Sandbox) throws -> RunResult {
        let chromium = try #require(path, "Chromium is not installed (make test-browser installs it)")
        return try runProcess(URL(fileURLWithPath: chromium),
                              ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                               "--user-data-dir=\(sb.dir.appendingPathComponent("chromium").path)"] + arguments,
                              environment: sb.environment(["HOME": sb.dir.path]), directory: sb.dir, scratch: sb.scratch, timeout: 120)
    }

    /// Console messages the page logged (Chromium writes them to stderr as CONSOLE lines).
    static func consoleErrors(_ file: URL, sandbox sb: Sandbox) throws -> [String] {
        let r = try run(["--enable-logging=stderr", "--v=0", "--dump-dom", file.absoluteString], sandbox: sb)
        #expect(r.stdout.contains("</html>"), "Chromium did not load the page: \(r)")
        return r.stderrLines.filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
    }

    /// Decodes a PNG (8-bit RGB or RGBA) with Python's zlib and counts what is on it.
    static let pngStats = #"""
        import struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
        pos, idat = 8, b''
        while pos < len(data):
            n, kind = struct.unpack('>I4s', data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + n]
            if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            if kind == b'IDAT': idat += body
            pos += 12 + n
        assert depth == 8 and ctype in (2, 6), 'unexpected PNG format'
        bpp = 3 if ctype == 2 else 4
        raw, stride = zlib.decompress(idat), w * bpp
        prev, rows, i = bytearray(stride), [], 0
        for _ in range(h):
            f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
                if f == 1: line[x] = (line[x] + a) & 255
                elif f == 2: line[x] = (line[x] + b) & 255
                elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            rows.append(line); prev = line
        colors, ink = set(), 0
        for line in rows:
            for x in range(0, stride, bpp):
                px = tuple(line[x:x + 3]); colors.add(px)
                if sum(px) < 600: ink += 1
        print(w, h, len(colors), ink)
        """#
}

@Suite("report --html in headless Chromium", .enabled(if: Browser.enabled, "Chromium is not installed: skipped (make test-browser installs it and runs this)"))
struct HTMLReportBrowserTests {
    @Test("the page renders, not blank, at desktop and phone widths, with no console errors")
    func renders() throws {
        let sb = try reportShop()
        let page = sb.dir.appendingPathComponent("report.html")
        try sb.ok("report", "--html", page.path, "--from", "2026-09-01", "--to", "2026-11-30")
        for (width, height) in [(1280, 1800), (390, 2400)] {
            let shot = sb.dir.appendingPathComponent("shot-\(width).png")
            let r = try Browser.run(["--screenshot=\(shot.path)", "--window-size=\(width),\(height)", page.absoluteString], sandbox: sb)
            #expect(FileManager.default.fileExists(atPath: shot.path), "no screenshot: \(r)")
            let stats = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", Browser.pngStats, shot.path],
                                       environment: sb.environment(), directory: sb.dir, scratch: sb.scratch, timeout: 300)
            let numbers = stats.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            try #require(numbers.count == 4, "PNG check failed: \(stats)")
            #expect(numbers[0] == width && numbers[1] == height)
            #expect(numbers[2] > 20, "only \(numbers[2]) colours at \(width) px: blank?")
            #expect(numbers[3] > width * height / 100, "only \(numbers[3]) dark pixels at \(width) px: blank?")
        }
        #expect(try Browser.consoleErrors(page, sandbox: sb) == [])
        // The check itself can fail: a page that logs an error is caught.
        let bad = sb.dir.appendingPathComponent("bad.html")
        try Data("<!doctype html><title>x</title><script>console.error('broken page')</script>".utf8).write(to: bad)
        #expect(try Browser.consoleErrors(bad, sandbox: sb).contains { $0.contains("broken page") })
    }
}
