import Foundation
import Testing

// `orderctl report --html`: one self-contained page with the figures of `stats`; text from
// the database is escaped; rendered in headless Chromium when it is installed
// (`make test-browser` installs it).

/// Three orders (one by a customer whose name is markup) and the clock at 2026-11-25.
func reportShop() throws -> Sandbox {
    let sb = try Sandbox(template: .catalog)
    try sb.ok(
        "customer", "add", "--name", "<script>alert('x')</script> & \"Co\"", "--email", "evil@example.com", "--country",
        "DE")
    try sb.ok(
        "add", "--customer", "ann@example.com", "--item", "MUG-01:2", "--ref", "O-1", "--date", "2026-09-10T10:00:00Z")
    try sb.ok("pay", "O-1", "--at", "2026-09-10T10:00:00Z")
    try sb.ok("confirm", "O-1", "--at", "2026-09-11T10:00:00Z")
    try sb.ok("ship", "O-1", "--at", "2026-09-11T10:00:00Z")
    try sb.ok("deliver", "O-1", "--at", "2026-09-13T10:00:00Z")
    try sb.ok(
        "add", "--customer", "evil@example.com", "--item", "TEE-M:60", "--ref", "O-2", "--date", "2026-10-05T10:00:00Z")
    try sb.ok(
        "add", "--customer", "jean@example.fr", "--item", "CARD:3", "--ref", "O-3", "--date", "2026-10-20T10:00:00Z")
    try sb.ok("cancel", "O-3", "--reason", "changed mind")
    return sb
}

/// A shop younger than the period (its first order on 2026-07-03; the reports ask for
/// 2026-01-01 to 2026-11-30), with a customer whose name and email are long, the clock
/// at 2026-11-25. Worked out by hand:
///
/// | ref | placed (UTC)     | customer                           | lines             | net      |
/// |-----|------------------|------------------------------------|-------------------|----------|
/// | Y-1 | 2026-07-03 09:00 | Ann Lee                            | MUG-01 x4 @12.50  |    50.00 |
/// | Y-2 | 2026-07-20 09:00 | Jean Dupont                        | CARD x2 @2.05     |     4.10 |
/// | Y-3 | 2026-09-09 09:00 | Marie-Christine Delacroix-Beaumont | TEE-M x100 @43.37 | 4,337.00 |
/// | Y-4 | 2026-10-02 09:00 | Ann Lee                            | MUG-01 x20        |   250.00 |
/// | Y-5 | 2026-11-05 09:00 | Jean Dupont                        | TEE-M x60 @19.90  | 1,194.00 |
/// | Y-6 | 2026-11-06 09:00 | Jean Dupont                        | CARD x1, cancelled|     0.00 |
///
/// (Y-3 shipped 49 hours after it was placed, delivered 72 hours after that.)
/// By month: 2026-07 54.10 (2 orders), 2026-08 none, 2026-09 4,337.00 (1), 2026-10 250.00
/// (1), 2026-11 1,194.00 (2, one cancelled); January to June: none, before the first order.
/// Total 5,835.10 net, 6 orders.
/// Axes (the rule: the step is the smallest 1, 2 or 5 x 10^k with which 5 steps reach the
/// maximum; the axis ends at the first multiple of it at or above the maximum):
/// revenue, max 4,337.00: 500 x 5 = 2,500 falls short, 1,000 x 5 does: step 1,000, top
/// 5,000; orders, max 2: step 1, top 2.
func youngShop() throws -> Sandbox {
    let sb = try Sandbox(template: .catalog)
    try sb.ok(
        "customer", "add", "--name", "Marie-Christine Delacroix-Beaumont",
        "--email", "marie-christine.delacroix@atelier-example.fr", "--country", "FR")
    try sb.ok(
        "add", "--customer", "ann@example.com", "--item", "MUG-01:4", "--ref", "Y-1", "--date", "2026-07-03T09:00:00Z")
    try sb.ok(
        "add", "--customer", "jean@example.fr", "--item", "CARD:2", "--ref", "Y-2", "--date", "2026-07-20T09:00:00Z")
    try sb.ok(
        "add", "--customer", "marie-christine.delacroix@atelier-example.fr", "--item", "TEE-M:100@43.37", "--ref",
        "Y-3",
        "--date", "2026-09-09T09:00:00Z")
    try sb.ok("pay", "Y-3", "--at", "2026-09-09T10:00:00Z")
    try sb.ok("confirm", "Y-3", "--at", "2026-09-11T10:00:00Z")
    try sb.ok("ship", "Y-3", "--at", "2026-09-11T10:00:00Z")
    try sb.ok("deliver", "Y-3", "--at", "2026-09-14T10:00:00Z")
    try sb.ok(
        "add", "--customer", "ann@example.com", "--item", "MUG-01:20", "--ref", "Y-4", "--date", "2026-10-02T09:00:00Z")
    try sb.ok(
        "add", "--customer", "jean@example.fr", "--item", "TEE-M:60", "--ref", "Y-5", "--date", "2026-11-05T09:00:00Z")
    try sb.ok(
        "add", "--customer", "jean@example.fr", "--item", "CARD:1", "--ref", "Y-6", "--date", "2026-11-06T09:00:00Z")
    try sb.ok("cancel", "Y-6", "--reason", "changed mind")
    return sb
}

/// What the tests read back from a report's markup.
enum Page {
    struct Chart {
        /// The value axis' labels, as numbers.
        var ticks: [Double]
        /// Each bar's month and the figure its tooltip gives first.
        var bars: [(month: String, value: Double)]
    }

    static func number(_ text: Substring) -> Double? { Double(text.replacingOccurrences(of: ",", with: "")) }

    /// The charts in page order (net revenue first, then orders, per currency).
    static func charts(_ html: String) -> [Chart] {
        html.components(separatedBy: "<svg ").dropFirst().map { svg in
            let body = svg.components(separatedBy: "</svg>")[0]
            let ticks = body.matches(of: #/<text class="y"[^>]*>([^<]*)</text>/#).compactMap { number($0.output.1) }
            let bars = body.matches(of: #/<title>(\d{4}-\d{2}): ([0-9,.]+)/#).compactMap { m in
                number(m.output.2).map { (String(m.output.1), $0) }
            }
            return Chart(ticks: ticks, bars: bars)
        }
    }

    /// The first column of the month-by-month table.
    static func monthRows(_ html: String) -> [String] {
        html.matches(of: #/<td class="month">([^<]*)</td>/#).map { String($0.output.1) }
    }

    /// The axis rule (HTMLReport.valueAxis), checked on what a chart shows: the lines are
    /// 0, s, 2s ... with s 1, 2 or 5 x 10^k and at least `minStep`; the last is the first at
    /// or above the tallest bar; and no smaller such step reaches it within 5 steps.
    static func checkAxis(_ chart: Chart, minStep: Double = 1, sourceLocation: SourceLocation = #_sourceLocation) {
        let ticks = chart.ticks
        let tallest = max(chart.bars.map(\.value).max() ?? 0, 0)
        guard ticks.count >= 2, let top = ticks.last else {
            Issue.record("no value axis: \(ticks)", sourceLocation: sourceLocation)
            return
        }
        let step = ticks[1] - ticks[0]
        #expect(
            ticks[0] == 0 && ticks.indices.allSatisfy { abs(ticks[$0] - Double($0) * step) < 1e-9 },
            "lines not evenly spaced from 0: \(ticks)", sourceLocation: sourceLocation)
        let power = pow(10, floor(log10(step)))
        #expect(
            [1.0, 2, 5].contains { abs(step - $0 * power) < 1e-9 } && step >= minStep, "step \(step) is not nice",
            sourceLocation: sourceLocation)
        #expect(
            top >= tallest && top - tallest < step, "axis top \(top) for a tallest bar of \(tallest) (step \(step))",
            sourceLocation: sourceLocation)
        let smaller = [0.5, 0.5, 0.4][[1.0, 2, 5].firstIndex { abs(step - $0 * power) < 1e-9 } ?? 0] * step
        #expect(
            step == minStep || smaller * 5 < max(tallest, 1), "step \(step): \(smaller) would do",
            sourceLocation: sourceLocation)
    }
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
        for forbidden in ["<script", "http:", "https:", "src=", "href=", "@import", "url(", "<link", "<img", "<iframe"]
        {
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
        // (A no-break space in the parentheses: a narrow card breaks before the "(" only.)
        #expect(html.contains("<div class=\"label\">Days to ship</div><div class=\"value\">1.0 (p90\u{00A0}1.0)</div>"))
        // Top customers: the one with the markup name first (1,194.00), escaped.
        let customers = try #require(html.range(of: "<h2>Top customers</h2>"))
        #expect(html[customers.upperBound...].contains("<tr><td>&lt;script&gt;"))
        // Bars carry their exact figures as tooltips.
        #expect(html.contains("<title>2026-10: 1,194.00 EUR net, 2 orders</title>"))
        // The axes end a nice step above the tallest bar: 1,194.00 -> 500 x 3 = 1,500
        // (200 x 5 = 1,000 falls short); 2 orders -> 1 x 2. November, without orders,
        // is a bar of 0 (the shop's first order is in the first month: nothing is cut).
        let charts = Page.charts(html)
        #expect(charts.map(\.ticks) == [[0, 500, 1000, 1500], [0, 1, 2]])
        #expect(
            charts.map { $0.bars.map(\.month) } == [
                ["2026-09", "2026-10", "2026-11"], ["2026-09", "2026-10", "2026-11"],
            ])
        for chart in charts { Page.checkAxis(chart) }
        #expect(Page.monthRows(html) == ["2026-09", "2026-10", "2026-11"])
        #expect(!html.contains("months from"))

        // '-' writes the same page to stdout.
        let stdout = try sb.ok(["report", "--html", "-"] + Self.range)
        #expect(stdout.stdout == html)
    }

    @Test("a shop younger than the period: charts and months from its first order; axes end near the maximum")
    func youngShopStartsAtFirstOrder() throws {
        let sb = try youngShop()
        let path = sb.dir.appendingPathComponent("report.html").path
        let r = try sb.ok("report", "--html", path, "--from", "2026-01-01", "--to", "2026-11-30")
        // The period stays as asked, and so does every figure.
        #expect(r.stderr == "wrote the report of 6 orders placed 2026-01-01 to 2026-11-30 to \(path)\n")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            html.contains(
                "Orders placed 2026-01-01 to 2026-11-30 (Europe/Berlin) · months from the first order, 2026-07-03 · "))
        let stats = try sb.jsonObject("stats", "--from", "2026-01-01", "--to", "2026-11-30")
        #expect((stats["totals"] as? [[String: Any]])?.first?["net"] as? String == "5835.10")
        #expect(html.contains("<div class=\"label\">Net revenue</div><div class=\"value\">5,835.10 EUR</div>"))
        #expect(html.contains("<div class=\"label\">Orders</div><div class=\"value\">6</div>"))

        // Point 5: July on, in both charts and the table; August, after the first order,
        // stays as a bar of 0.
        let months = ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
        let charts = Page.charts(html)
        try #require(charts.count == 2)
        #expect(charts[0].bars.map(\.month) == months && charts[1].bars.map(\.month) == months)
        #expect(charts[0].bars.map(\.value) == [54.10, 0, 4337.00, 250.00, 1194.00])
        #expect(charts[1].bars.map(\.value) == [2, 0, 1, 1, 2])
        #expect(Page.monthRows(html) == months)
        for m in 1...6 { #expect(!html.contains("2026-0\(m):") && !html.contains(">2026-0\(m)<"), "month \(m) shown") }
        #expect(html.contains("<title>2026-08: 0.00 EUR net, 0 orders</title>"))

        // Point 4: the revenue axis ends at 5,000 for 4,337.00 (was 8,000), orders at 2.
        #expect(charts[0].ticks == [0, 1000, 2000, 3000, 4000, 5000])
        #expect(charts[1].ticks == [0, 1, 2])
        for chart in charts { Page.checkAxis(chart) }

        // Point 3: the long email may break before a "." or the "@" only.
        #expect(
            html.contains(
                "<span class=\"email\"><span>marie-christine</span><wbr><span>.delacroix</span><wbr><span>@atelier-example</span><wbr><span>.fr</span></span>"
            ))
        #expect(
            html.contains(
                "<span class=\"email\"><span>ann</span><wbr><span>@example</span><wbr><span>.com</span></span>"))
        #expect(html.contains(".email > span { display: inline-block; }"))

        // A period that starts after the first order keeps its own first month.
        let later = try sb.ok("report", "--html", "-", "--from", "2026-08-01", "--to", "2026-11-30").stdout
        #expect(Page.monthRows(later) == Array(months.dropFirst()))
        #expect(!later.contains("months from"))
        // The revenue axis of August to November: the same maximum, the same axis.
        #expect(Page.charts(later).first?.ticks == [0, 1000, 2000, 3000, 4000, 5000])
    }

    @Test("a period without orders says so")
    func empty() throws {
        let sb = try reportShop()
        let r = try sb.ok("report", "--html", "-", "--from", "2025-01-01", "--to", "2025-01-31")
        #expect(r.stdout.contains("No orders placed from 2025-01-01 to 2025-01-31."))
        #expect(!r.stdout.contains("<svg"))
    }

    @Test(
        "bad input: an Error: line, the exact exit code, no file written",
        arguments: [
            (["--from", "someday"], Int32(64)),
            (["--timezone", "Mars/Olympus"], Int32(64)),
            (["--top", "-1"], Int32(64)),
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
        return try runProcess(
            URL(fileURLWithPath: chromium),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                "--user-data-dir=\(sb.dir.appendingPathComponent("chromium").path)",
            ] + arguments,
            environment: sb.environment(["HOME": sb.dir.path]), directory: sb.dir, scratch: sb.scratch, timeout: 120)
    }

    /// Console messages the page logged (Chromium writes them to stderr as CONSOLE lines).
    static func consoleErrors(_ file: URL, sandbox sb: Sandbox) throws -> [String] {
        let r = try run(["--enable-logging=stderr", "--v=0", "--dump-dom", file.absoluteString], sandbox: sb)
        #expect(r.stdout.contains("</html>"), "Chromium did not load the page: \(r)")
        return r.stderrLines.filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
    }

    /// `ORDERCTL_BROWSER_SHOTS=DIR` keeps the screenshots there, to look at.
    static func keep(_ shot: URL, as name: String) {
        guard let dir = ProcessInfo.processInfo.environment["ORDERCTL_BROWSER_SHOTS"], !dir.isEmpty else { return }
        let target = URL(fileURLWithPath: dir).appendingPathComponent(name)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: target)
        try? FileManager.default.copyItem(at: shot, to: target)
    }

    /// What `layoutCheck` found on a page laid out `width` CSS pixels wide.
    struct Layout {
        var width: Int
        /// Sections, cards and table wrappers measured; month cells; chart labels shown.
        var boxes: Int, months: Int, labels: Int
        /// Each email and the lines it was laid out on.
        var emails: [String: [String]]
        var problems: [String]
    }

    /// Lays the page out in headless Chromium at `width` and measures it with
    /// `layoutCheck`. The page itself has no script: the check runs in a copy, which
    /// is the page with the script appended, shown in an iframe `width` pixels wide
    /// (Chromium's headless window is at least 500 wide; an iframe is the viewport the
    /// page's media queries see). The script writes its findings into the outer page,
    /// which `--dump-dom` prints.
    static func layout(_ page: URL, width: Int, sandbox sb: Sandbox) throws -> Layout {
        let html = try String(contentsOf: page, encoding: .utf8)
        let checked = html.replacingOccurrences(of: "</body>", with: "<script>\n\(layoutCheck)</script>\n</body>")
        func attribute(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
                .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let outer = """
            <!doctype html><html><head><meta charset="utf-8"><title>layout check</title>
            <style>body { margin: 0 } iframe { display: block; border: 0; width: \(width)px; height: 2400px }</style></head>
            <body><pre id="layout-check"></pre><iframe srcdoc="\(attribute(checked))"></iframe></body></html>
            """
        let copy = sb.dir.appendingPathComponent("check-\(width)-\(page.lastPathComponent)")
        try Data(outer.utf8).write(to: copy)
        let r = try run(
            [
                "--window-size=\(max(600, width + 40)),2500", "--run-all-compositor-stages-before-draw",
                "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0", "--dump-dom", copy.absoluteString,
            ], sandbox: sb)
        let errors = r.stderrLines.filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        #expect(errors == [], "the check page logged errors")
        let found = try #require(
            r.stdout.firstMatch(of: #/<pre id="layout-check">([^<]+)</pre>/#), "no result from the check: \(r)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(found.output.1.utf8)) as? [String: Any])
        var emails: [String: [String]] = [:]
        for e in json["emails"] as? [[String: Any]] ?? [] {
            if let email = e["email"] as? String { emails[email] = e["lines"] as? [String] ?? [] }
        }
        return Layout(
            width: json["width"] as? Int ?? 0, boxes: json["boxes"] as? Int ?? 0, months: json["months"] as? Int ?? 0,
            labels: json["labels"] as? Int ?? 0, emails: emails,
            problems: json["problems"] as? [String] ?? ["no problems list"])
    }

    /// Measures the laid-out page (in its iframe) and writes what it found, as JSON, into
    /// the outer page's <pre id="layout-check">:
    /// - every section, card and table wrapper (`.table`) holds its content: scrollWidth
    ///   at most clientWidth, so nothing sticks out or needs scrolling; each table fits
    ///   its wrapper; the page is no wider than the viewport;
    /// - each month cell of the table (`td.month`) is one line box (a Range over its text
    ///   has one client rect);
    /// - each chart label shown lies inside its chart and over no other label;
    /// - each email (`.email`) is cut into lines by the top of each character's rect; a
    ///   line may start only at a "." or the "@", or after a "-" (never between two
    ///   letters), and the email stays inside its cell.
    static let layoutCheck = #"""
        (function () {
          var problems = [], emails = [], months = 0, boxes = 0, labels = 0;
          function where(el) {
            var s = el.closest('section'), h = s && s.querySelector('h2');
            var c = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '';
            return el.tagName.toLowerCase() + c + (h ? ' in "' + h.textContent + '"' : '');
          }
          // 1. Nothing wider than its box: the page, each section and card, each table's wrapper.
          var root = document.documentElement;
          if (root.scrollWidth > root.clientWidth) problems.push('page: ' + root.scrollWidth + ' px wide in ' + root.clientWidth);
          document.querySelectorAll('section, .card, .table').forEach(function (el) {
            boxes++;
            if (el.scrollWidth > el.clientWidth) problems.push(where(el) + ': content ' + el.scrollWidth + ' px wide in ' + el.clientWidth);
          });
          document.querySelectorAll('table').forEach(function (t) {
            var box = t.parentElement.getBoundingClientRect(), r = t.getBoundingClientRect();
            if (r.left < box.left - 0.5 || r.right > box.right + 0.5) problems.push(where(t) + ': ' + Math.round(r.width) + ' px wide in ' + Math.round(box.width));
          });
          // 2. Each month on one line: one line box for the text of each month cell.
          document.querySelectorAll('td.month').forEach(function (td) {
            months++;
            var range = document.createRange();
            range.selectNodeContents(td);
            var n = range.getClientRects().length;
            if (n !== 1) problems.push('month "' + td.textContent + '" on ' + n + ' lines');
          });
          // Chart labels: each inside its chart, none over another.
          document.querySelectorAll('svg').forEach(function (svg) {
            var frame = svg.getBoundingClientRect(), shown = [];
            svg.querySelectorAll('text').forEach(function (t) {
              var r = t.getBoundingClientRect();
              if (r.width === 0 || getComputedStyle(t).display === 'none') return;
              labels++;
              if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5 || r.bottom > frame.bottom + 0.5)
                problems.push('chart label "' + t.textContent + '" outside its chart');
              shown.forEach(function (o) {
                if (r.left < o.r.right && o.r.left < r.right && r.top < o.r.bottom && o.r.top < r.bottom)
                  problems.push('chart labels "' + o.text + '" and "' + t.textContent + '" overlap');
              });
              shown.push({ r: r, text: t.textContent });
            });
          });
          // 3. Emails: where each line starts; a line may start only at a "." or the "@", or after a "-".
          document.querySelectorAll('.email').forEach(function (el) {
            var text = '', starts = [], lastTop = null;
            var walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (var node = walk.nextNode(); node; node = walk.nextNode()) {
              for (var i = 0; i < node.length; i++) {
                var range = document.createRange();
                range.setStart(node, i); range.setEnd(node, i + 1);
                var rect = range.getClientRects()[0];
                if (rect) {
                  if (lastTop !== null && rect.top > lastTop + rect.height / 2) starts.push(text.length);
                  if (lastTop === null || rect.top > lastTop + rect.height / 2) lastTop = rect.top;
                }
                text += node.data[i];
              }
            }
            var lines = [], from = 0;
            starts.concat([text.length]).forEach(function (s) { lines.push(text.slice(from, s)); from = s; });
            emails.push({ email: text, lines: lines });
            if (starts.some(function (s) { return text[s] !== '.' && text[s] !== '@' && text[s - 1] !== '-'; }))
              problems.push('email "' + text + '" broken as ' + JSON.stringify(lines));
            var box = el.getBoundingClientRect(), cell = el.closest('td').getBoundingClientRect();
            if (box.right > cell.right + 0.5) problems.push('email "' + text + '" sticks out of its cell');
          });
          var out = parent.document.getElementById("layout-check");
          out.textContent = JSON.stringify({ width: root.clientWidth, boxes: boxes, months: months, labels: labels, emails: emails, problems: problems }).replace(/[<>&]/g, function (c) { return '\\u00' + c.charCodeAt(0).toString(16); });

        })();
        """#

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

@Suite(
    "report --html in headless Chromium",
    .enabled(if: Browser.enabled, "Chromium is not installed: skipped (make test-browser installs it and runs this)"))
struct HTMLReportBrowserTests {
    @Test("the page renders, not blank, at desktop and phone widths, with no console errors")
    func renders() throws {
        let sb = try reportShop()
        let page = sb.dir.appendingPathComponent("report.html")
        try sb.ok("report", "--html", page.path, "--from", "2026-09-01", "--to", "2026-11-30")
        for (width, height) in [(1280, 1800), (390, 2400)] {
            let shot = sb.dir.appendingPathComponent("shot-\(width).png")
            let r = try Browser.run(
                ["--screenshot=\(shot.path)", "--window-size=\(width),\(height)", page.absoluteString], sandbox: sb)
            #expect(FileManager.default.fileExists(atPath: shot.path), "no screenshot: \(r)")
            Browser.keep(shot, as: "report-\(width).png")
            let stats = try runProcess(
                URL(fileURLWithPath: "/usr/bin/python3"), ["-c", Browser.pngStats, shot.path],
                environment: sb.environment(), directory: sb.dir, scratch: sb.scratch, timeout: 300)
            let numbers = stats.stdout.split(separator: " ").compactMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
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

    @Test(
        "at 390 px (a phone): tables inside their cards, months on one line, emails broken only at . or @, chart labels inside"
    )
    func phone() throws {
        let sb = try youngShop()
        let page = sb.dir.appendingPathComponent("young.html")
        try sb.ok("report", "--html", page.path, "--from", "2026-01-01", "--to", "2026-11-30")
        let shot = sb.dir.appendingPathComponent("young-390.png")
        let r = try Browser.run(
            ["--screenshot=\(shot.path)", "--window-size=390,2400", page.absoluteString], sandbox: sb)
        #expect(FileManager.default.fileExists(atPath: shot.path), "no screenshot: \(r)")
        Browser.keep(shot, as: "young-390.png")

        for width in [390, 1280] {
            let layout = try Browser.layout(page, width: width, sandbox: sb)
            #expect(layout.width == width)
            // Points 1 to 3, and the charts' labels.
            #expect(layout.problems == [], "at \(width) px")
            // 9 cards and their section, 2 chart sections, 4 table sections and their 4 wrappers.
            #expect(layout.boxes == 9 + 1 + 2 + 4 + 4, "at \(width) px")
            #expect(layout.months == 5, "months from the first order, 2026-07 (point 5)")
            #expect(layout.labels >= 2 + 5 + 3, "chart labels shown at \(width) px: \(layout.labels)")
            // Short emails stay whole; the long one, if it breaks, breaks as the markup allows.
            #expect(layout.emails["ann@example.com"] == ["ann@example.com"])
            #expect(layout.emails["jean@example.fr"] == ["jean@example.fr"])
            // The long email's pieces fit the column: it breaks between them, not at a "-".
            let long = try #require(layout.emails["marie-christine.delacroix@atelier-example.fr"])
            #expect(long.joined() == "marie-christine.delacroix@atelier-example.fr")
            #expect(long.dropFirst().allSatisfy { $0.hasPrefix(".") || $0.hasPrefix("@") }, "\(long)")
            if width == 390 { #expect(long.count > 1, "the long email fits a phone's column? \(long)") }
        }
    }

    @Test(
        "the layout check catches what it checks: overflow, a broken month, an email broken mid-word, a clipped label")
    func layoutCheckFails() throws {
        let sb = try Sandbox()
        let bad = sb.dir.appendingPathComponent("bad-layout.html")
        try Data(
            """
            <!doctype html><html><head><meta charset="utf-8"><title>bad</title>
            <style>section { width: 200px; border: 1px solid } td { overflow-wrap: anywhere }</style></head><body>
            <section><h2>Wide</h2><div class="table"><table><tr><td style="white-space: nowrap">a cell far too wide to fit two hundred pixels</td></tr></table></div></section>
            <section><h2>Narrow</h2><table style="width: 200px"><tr><td class="month" style="width: 1px">2026-01</td>
            <td style="width: 60px"><span class="email">averyveryverylongname@example.com</span></td><td style="width: 140px">x</td></tr></table></section>
            <svg viewBox="0 0 100 20" width="100"><text x="95" y="15">2026-11</text></svg>
            </body></html>
            """.utf8
        ).write(to: bad)
        let layout = try Browser.layout(bad, width: 390, sandbox: sb)
        let problems = layout.problems.joined(separator: "\n")
        #expect(problems.contains("div.table in \"Wide\": content"), "\(problems)")
        #expect(problems.contains("month \"2026-01\" on "), "\(problems)")
        #expect(problems.contains("email \"averyveryverylongname@example.com\" broken as"), "\(problems)")
        #expect(problems.contains("chart label \"2026-11\" outside its chart"), "\(problems)")
    }
}
