import Foundation
import OrderCore

/// `orderctl report --html`: one self-contained page (inline CSS and SVG, no script, no
/// font, image or link that would need a network), readable on a phone and in print.
/// Every piece of text from the database is escaped.
enum HTMLReport {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// 1234567.5 -> "1,234,567.50" (amounts are read by people here, not spreadsheets).
    static func money(_ minor: Int64, _ currency: Currency) -> String {
        let plain = Money(minor: minor, currency: currency).decimalString
        let parts = plain.split(separator: ".", maxSplits: 1)
        return grouped(String(parts[0])) + (parts.count > 1 ? "." + parts[1] : "")
    }

    static func count<N: BinaryInteger>(_ n: N) -> String { grouped(String(n)) }

    /// "-1234567" -> "-1,234,567".
    static func grouped(_ digits: String) -> String {
        var whole = Substring(digits), sign = ""
        if whole.first == "-" { sign = "-"; whole = whole.dropFirst() }
        var out = ""
        while whole.count > 3 {
            out = "," + whole.suffix(3) + out
            whole = whole.dropLast(3)
        }
        return sign + whole + out
    }

    static let css = """
        :root { --ink: #1d2433; --muted: #5b6475; --line: #d9dee7; --bar: #2f6fdf; --bar2: #17a673; --bg: #f6f7fa; }
        * { box-sizing: border-box; }
        body { margin: 0; padding: 1.25rem; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
               color: var(--ink); background: var(--bg); }
        main { max-width: 60rem; margin: 0 auto; }
        h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
        h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
        .sub { color: var(--muted); margin: 0 0 1.2rem; }
        section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.1rem; margin: 0 0 1rem;
                  break-inside: avoid; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: .7rem; background: none;
                 border: 0; padding: 0; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: .75rem .9rem; }
        .card .label { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
        .card .value { font-size: 1.35rem; font-weight: 650; margin-top: .15rem; font-variant-numeric: tabular-nums; }
        .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin: 0 0 1rem; }
        .grid2 section { margin: 0; }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th, td { padding: .3rem .4rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { color: var(--muted); font-weight: 600; font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; }
        td.n, th.n { text-align: right; white-space: nowrap; }
        td .detail { display: block; color: var(--muted); font-size: .8rem; overflow-wrap: anywhere; }
        svg { width: 100%; height: auto; display: block; }
        svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
        .empty { color: var(--muted); }
        footer { color: var(--muted); font-size: .8rem; text-align: center; margin-top: 1.5rem; }
        @media (max-width: 40rem) {
          body { padding: .7rem; font-size: 14px; }
          .grid2 { grid-template-columns: 1fr; }
          .hide-narrow { display: none; }
          svg text { font-size: 21px; }
          svg text.odd { display: none; }
        }
        @media print {
          body { background: #fff; padding: 0; font-size: 11pt; }
          section, .card { border-color: #bbb; }
          .grid2 { grid-template-columns: 1fr 1fr; }
        }
        """

    static func render(_ r: BusinessReport, version: String) -> String {
        let m = r.months
        let range = "\(m.from.iso) to \(m.to.iso)"
        var h = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>orderctl report: \(range)</title>
            <style>
            \(css)
            </style>
            </head>
            <body>
            <main>
            <h1>Business report</h1>
            <p class="sub">Orders placed \(range) (\(escape(m.timeZone))) · generated \(escape(Instant.display(r.generatedAt, in: TimeZone(identifier: m.timeZone) ?? .current)))</p>

            """
        if r.totals.isEmpty {
            h += "<section><p class=\"empty\">No orders placed from \(range).</p></section>\n"
        }
        for t in r.totals {
            let c = t.currency
            let multi = r.totals.count > 1
            if multi { h += "<h2>\(c.code)</h2>\n" }
            h += "<section class=\"cards\">\n"
            let cards: [(String, String)] = [
                ("Orders", count(t.orders)),
                ("Net revenue", "\(money(t.net, c)) \(c.code)"),
                ("Average order", t.averageOrder.map { "\(money($0, c)) \(c.code)" } ?? "–"),
                ("Units", count(t.units)),
                ("Refunds", "\(money(t.refunds, c)) \(c.code)"),
                ("Cancelled", StatsOutput.percent(t.cancellationRate)),
                ("Returned", StatsOutput.percent(t.returnRate)),
                ("Days to ship", lead(t.shipLead)),
                ("Days to deliver", lead(t.deliveryLead)),
            ]
            for (label, value) in cards {
                h += "<div class=\"card\"><div class=\"label\">\(label)</div><div class=\"value\">\(escape(value))</div></div>\n"
            }
            h += "</section>\n"
            let months = m.groups.filter { $0.currency == c }
            h += "<section><h2>Net revenue by month\(multi ? " (\(c.code))" : "")</h2>\n"
            h += barChart(months.map { ($0.keys[0].label, $0.net, "\($0.keys[0].label): \(money($0.net, c)) \(c.code) net, \($0.orders) orders") },
                          axis: { count($0 / scale(c)) }, minStep: Double(scale(c)), color: "var(--bar)", title: "Net revenue by month")
            h += "</section>\n<section><h2>Orders by month\(multi ? " (\(c.code))" : "")</h2>\n"
            h += barChart(months.map { ($0.keys[0].label, Int64($0.orders), "\($0.keys[0].label): \($0.orders) orders, \($0.cancelled) cancelled") },
                          axis: { count($0) }, color: "var(--bar2)", title: "Orders by month")
            h += "</section>\n"
            h += "<div class=\"grid2\">\n"
            h += topTable("Top products", r.products.groups.filter { $0.currency == c }, nameHeader: "Product", currency: c) { k in
                (k.label, k.detail)
            }
            h += topTable("Top customers", r.customers.groups.filter { $0.currency == c }, nameHeader: "Customer", currency: c) { k in
                (k.label, k.detail)
            }
            h += "</div>\n"
            h += statusTable(r.statuses.groups.filter { $0.currency == c }, total: t.orders)
            h += monthTable(months, currency: c)
        }
        h += """
            <footer>orderctl \(escape(version)) · \(escape(range)) · periods cut at midnight in \(escape(m.timeZone))</footer>
            </main>
            </body>
            </html>

            """
        return h
    }

    /// Minor units per major unit: 100 for EUR.
    static func scale(_ c: Currency) -> Int64 {
        var n: Int64 = 1
        for _ in 0..<c.minorDigits { n *= 10 }
        return n
    }

    static func lead(_ h: HourHistogram) -> String {
        h.count == 0 ? "–" : "\(StatsOutput.days(h.median)) (p90 \(StatsOutput.days(h.p90)))"
    }

    /// Vertical bars with a value axis; each bar's exact figure is in its tooltip.
    /// `axis` labels the value lines (whole units: the lines fall on round figures).
    static func barChart(_ bars: [(label: String, value: Int64, tip: String)], axis: (Int64) -> String,
                         minStep: Double = 1, color: String, title: String) -> String {
        guard !bars.isEmpty else { return "<p class=\"empty\">No months.</p>\n" }
        let width = 720.0, height = 240.0, left = 70.0, bottom = 26.0, top = 18.0
        let plotW = width - left - 8, plotH = height - top - bottom
        let maxValue = max(1, bars.map(\.value).max() ?? 1)
        let step = max(minStep, niceStep(Double(maxValue) / 4))
        let axisMax = step * 4 >= Double(maxValue) ? step * 4 : step * 5
        var s = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
        for i in 0...4 {
            let v = axisMax * Double(i) / 4
            let y = top + plotH - plotH * v / axisMax
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - 8))\" y2=\"\(f(y))\" stroke=\"#d9dee7\" stroke-width=\"1\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(axis(Int64(v.rounded()))))</text>\n"
        }
        let slot = plotW / Double(bars.count)
        let every = max(1, Int((Double(bars.count) * 52 / plotW).rounded(.up)))
        for (i, bar) in bars.enumerated() {
            let value = max(0, Double(bar.value))
            let hgt = plotH * value / axisMax
            let x = left + slot * Double(i) + slot * 0.15
            s += "<rect x=\"\(f(x))\" y=\"\(f(top + plotH - hgt))\" width=\"\(f(slot * 0.7))\" height=\"\(f(hgt))\" fill=\"\(color)\" rx=\"2\">"
            s += "<title>\(escape(bar.tip))</title></rect>\n"
            if i % every == 0 {
                // Every other label gives way on a phone, where the text is larger.
                let odd = (i / every) % 2 == 1 ? " class=\"odd\"" : ""
                s += "<text x=\"\(f(x + slot * 0.35))\" y=\"\(f(height - 8))\" text-anchor=\"middle\"\(odd)>\(escape(bar.label))</text>\n"
            }
        }
        return s + "</svg>\n"
    }

    /// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0 else { return 1 }
        let power = pow(10, floor(log10(raw)))
        for m in [1.0, 2.0, 2.5, 5.0, 10.0] where m * power >= raw { return max(1, m * power) }
        return max(1, 10 * power)
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    static func topTable(_ title: String, _ groups: [StatsGroup], nameHeader: String, currency c: Currency,
                         name: (StatsKey) -> (String, String?)) -> String {
        var s = "<section><h2>\(title)</h2>\n"
        guard !groups.isEmpty else { return s + "<p class=\"empty\">None.</p></section>\n" }
        s += "<table><thead><tr><th>\(nameHeader)</th><th class=\"n\">Orders</th><th class=\"n\">Units</th><th class=\"n\">Net \(c.code)</th></tr></thead><tbody>\n"
        for g in groups {
            let (label, detail) = name(g.keys[0])
            s += "<tr><td>\(escape(label))\(detail.map { "<span class=\"detail\">\(escape($0))</span>" } ?? "")</td>"
            s += "<td class=\"n\">\(count(g.orders))</td><td class=\"n\">\(count(g.units))</td>"
            s += "<td class=\"n\">\(money(g.net, c))</td></tr>\n"
        }
        return s + "</tbody></table></section>\n"
    }

    static func statusTable(_ groups: [StatsGroup], total: Int) -> String {
        var s = "<section><h2>Orders by status</h2>\n"
        guard !groups.isEmpty else { return s + "<p class=\"empty\">None.</p></section>\n" }
        s += "<table><thead><tr><th>Status</th><th class=\"n\">Orders</th><th class=\"n\">Share</th><th class=\"n hide-narrow\">Gross</th></tr></thead><tbody>\n"
        for g in groups.sorted(by: { $0.orders > $1.orders }) {
            let share = total > 0 ? Double(g.orders) / Double(total) : nil
            s += "<tr><td>\(escape(g.keys[0].label))</td><td class=\"n\">\(count(g.orders))</td>"
            s += "<td class=\"n\">\(StatsOutput.percent(share))</td><td class=\"n hide-narrow\">\(money(g.gross, g.currency))</td></tr>\n"
        }
        return s + "</tbody></table></section>\n"
    }

    static func monthTable(_ months: [StatsGroup], currency c: Currency) -> String {
        var s = "<section><h2>Month by month: lead times and rates</h2>\n"
        s += "<table><thead><tr><th>Month</th><th class=\"n\">Orders</th><th class=\"n\">Net \(c.code)</th><th class=\"n hide-narrow\">Avg order</th>"
        s += "<th class=\"n\">Cancelled</th><th class=\"n hide-narrow\">Returned</th><th class=\"n\">Days to ship</th><th class=\"n hide-narrow\">Days to deliver</th></tr></thead><tbody>\n"
        for g in months {
            s += "<tr><td>\(escape(g.keys[0].label))</td><td class=\"n\">\(count(g.orders))</td><td class=\"n\">\(money(g.net, c))</td>"
            s += "<td class=\"n hide-narrow\">\(g.averageOrder.map { money($0, c) } ?? "–")</td>"
            s += "<td class=\"n\">\(StatsOutput.percent(g.cancellationRate))</td><td class=\"n hide-narrow\">\(StatsOutput.percent(g.returnRate))</td>"
            s += "<td class=\"n\">\(escape(lead(g.shipLead)))</td><td class=\"n hide-narrow\">\(escape(lead(g.deliveryLead)))</td></tr>\n"
        }
        return s + "</tbody></table></section>\n"
    }
}
