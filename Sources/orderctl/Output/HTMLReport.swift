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

    /// An email laid out in pieces that start at a "." or the "@", each an inline block
    /// with a <wbr> between them: a line breaks between pieces, and only a piece wider
    /// than the whole column wraps inside itself (after a "-", or, for a run of letters
    /// wider than the column, anywhere, rather than widen the table). So
    /// "marie-christine.delacroix@atelier-example.fr" in a narrow column reads
    /// "marie-christine.delacroix" / "@atelier-example.fr".
    static func email(_ text: String) -> String {
        var pieces: [String] = []
        var piece = ""
        for c in text {
            if (c == "." || c == "@") && !piece.isEmpty {
                pieces.append(piece)
                piece = ""
            }
            piece.append(c)
        }
        if !piece.isEmpty { pieces.append(piece) }
        return "<span class=\"email\">" + pieces.map { "<span>\(escape($0))</span>" }.joined(separator: "<wbr>")
            + "</span>"
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
        var whole = Substring(digits)
        var sign = ""
        if whole.first == "-" {
            sign = "-"
            whole = whole.dropFirst()
        }
        var out = ""
        while whole.count > 3 {
            out = "," + whole.suffix(3) + out
            whole = whole.dropLast(3)
        }
        return sign + whole + out
    }

    /// On a phone (390 px wide) every table fits its card: numbers and months stay whole
    /// (`nowrap`), headers wrap at spaces, lead times before their "(p90", emails between
    /// their pieces (`email`), and the cells are tighter. A table that still cannot fit
    /// (figures too wide for the screen) scrolls inside its wrapper (`.table`), never out
    /// of its card; the grid's columns are `minmax(0, 1fr)` so that they let it.
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
        .grid2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; margin: 0 0 1rem; }
        .grid2 section { margin: 0; }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th, td { padding: .3rem .4rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { color: var(--muted); font-weight: 600; font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; }
        .table { overflow-x: auto; }
        th.n, td.n { text-align: right; }
        td.n, td.month { white-space: nowrap; }
        td.n.lead { white-space: normal; }
        td .detail { display: block; color: var(--muted); font-size: .8rem; overflow-wrap: anywhere; }
        .email > span { display: inline-block; }
        svg { width: 100%; height: auto; display: block; }
        svg text { font: \(Int(small))px system-ui, sans-serif; fill: var(--muted); }
        .empty { color: var(--muted); }
        footer { color: var(--muted); font-size: .8rem; text-align: center; margin-top: 1.5rem; }
        @media (max-width: 40rem) {
          body { padding: .7rem; font-size: 14px; }
          section { padding: .8rem .6rem; }
          .grid2 { grid-template-columns: minmax(0, 1fr); }
          table { font-size: 13px; }
          th, td { padding: .3rem .2rem; }
          th { font-size: .7rem; letter-spacing: 0; }
          .hide-narrow { display: none; }
          svg text { font-size: \(Int(large))px; }
          svg text.wide { display: none; }
        }
        @media print {
          body { background: #fff; padding: 0; font-size: 11pt; }
          section, .card { border-color: #bbb; }
          .grid2 { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
        }
        """

    static func render(_ r: BusinessReport, version: String) -> String {
        let m = r.months
        let range = "\(m.from.iso) to \(m.to.iso)"
        // A shop younger than the period: its months start at its first order.
        let young = r.startsAtFirstOrder ? " · months from the first order, \(r.firstOrder?.iso ?? "")" : ""
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
            <p class="sub">Orders placed \(range) (\(escape(m.timeZone)))\(young) · generated \(escape(Instant.display(r.generatedAt, in: TimeZone(identifier: m.timeZone) ?? .current)))</p>

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
                h +=
                    "<div class=\"card\"><div class=\"label\">\(label)</div><div class=\"value\">\(escape(value))</div></div>\n"
            }
            h += "</section>\n"
            let months = m.groups.filter { $0.currency == c }
            h += "<section><h2>Net revenue by month\(multi ? " (\(c.code))" : "")</h2>\n"
            let revenue = months.map {
                (
                    $0.keys[0].label, $0.net,
                    "\($0.keys[0].label): \(money($0.net, c)) \(c.code) net, \($0.orders) orders"
                )
            }
            let orders = months.map {
                (
                    $0.keys[0].label, Int64($0.orders),
                    "\($0.keys[0].label): \($0.orders) orders, \($0.cancelled) cancelled"
                )
            }
            let revenueAxis: (Int64) -> String = { count($0 / scale(c)) }
            let ordersAxis: (Int64) -> String = { count($0) }
            // The two plots start at the same x: room for the wider axis labels of either.
            let left = max(
                axisMargin(revenue.map(\.1), axis: revenueAxis, minStep: scale(c)),
                axisMargin(orders.map(\.1), axis: ordersAxis, minStep: 1))
            h += barChart(
                revenue, axis: revenueAxis, minStep: scale(c), left: left, color: "var(--bar)",
                title: "Net revenue by month")
            h += "</section>\n<section><h2>Orders by month\(multi ? " (\(c.code))" : "")</h2>\n"
            h += barChart(orders, axis: ordersAxis, left: left, color: "var(--bar2)", title: "Orders by month")
            h += "</section>\n"
            h += "<div class=\"grid2\">\n"
            h += topTable(
                "Top products", r.products.groups.filter { $0.currency == c }, nameHeader: "Product", currency: c
            ) { k in
                (k.label, k.detail.map { "<span class=\"detail\">\(escape($0))</span>" })
            }
            h += topTable(
                "Top customers", r.customers.groups.filter { $0.currency == c }, nameHeader: "Customer", currency: c
            ) { k in
                (k.label, k.detail.map { "<span class=\"detail\">\(email($0))</span>" })
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

    /// "1.0 (p90 2.5)": a narrow column breaks it before the "(" only (a no-break space
    /// inside the parentheses).
    static func lead(_ h: HourHistogram) -> String {
        h.count == 0 ? "–" : "\(StatsOutput.days(h.median)) (p90\u{00A0}\(StatsOutput.days(h.p90)))"
    }

    /// Vertical bars with a value axis; each bar's exact figure is in its tooltip.
    /// `axis` labels the value lines; `minStep` is the smallest step between them (one
    /// major unit for money: the lines fall on whole figures).
    ///
    /// Sized for both widths the page is read at: the labels are 11 units high on a
    /// desktop and 21 on a phone (where the chart is drawn at about half its size), so
    /// the margins and the label spacing allow for the larger text; a phone shows every
    /// other label or fewer (`class="wide"` ones give way), a desktop all it has room for.
    static func barChart(
        _ bars: [(label: String, value: Int64, tip: String)], axis: (Int64) -> String,
        minStep: Int64 = 1, left: Double? = nil, color: String, title: String
    ) -> String {
        guard !bars.isEmpty else { return "<p class=\"empty\">No months.</p>\n" }
        let ticks = axisTicks(bars.map(\.value), axis: axis, minStep: minStep)
        let axisMax = Double(ticks.last!.value)
        let width = 720.0
        let height = 250.0
        let top = 18.0
        let bottom = 44.0
        let left = left ?? axisMargin(bars.map(\.value), axis: axis, minStep: minStep)
        let longest = bars.map(\.label).max { $0.count < $1.count } ?? ""
        let half = textWidth(longest, large) / 2
        // The last bar's label must not run past the right edge.
        var right = 8.0
        var slot = (width - left - right) / Double(bars.count)
        right = max(8, half + 2 - slot / 2)
        slot = (width - left - right) / Double(bars.count)
        let plotH = height - top - bottom
        let every = max(1, Int(((textWidth(longest, small) + 4) / slot).rounded(.up)))
        let needNarrow = max(1, Int(((textWidth(longest, large) + 12) / slot).rounded(.up)))
        let everyNarrow = every * max(1, Int((Double(needNarrow) / Double(every)).rounded(.up)))
        var s = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
        for tick in ticks {
            let y = top + plotH - plotH * Double(tick.value) / axisMax
            s +=
                "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#d9dee7\" stroke-width=\"1\"/>\n"
            s +=
                "<text class=\"y\" x=\"\(f(left - 6))\" y=\"\(f(y))\" text-anchor=\"end\" dominant-baseline=\"central\">\(escape(tick.label))</text>\n"
        }
        for (i, bar) in bars.enumerated() {
            let value = max(0, Double(bar.value))
            let hgt = plotH * value / axisMax
            let x = left + slot * Double(i) + slot * 0.15
            s +=
                "<rect x=\"\(f(x))\" y=\"\(f(top + plotH - hgt))\" width=\"\(f(slot * 0.7))\" height=\"\(f(hgt))\" fill=\"\(color)\" rx=\"2\">"
            s += "<title>\(escape(bar.tip))</title></rect>\n"
            if i % every == 0 {
                let cls = i % everyNarrow == 0 ? "x" : "x wide"
                s +=
                    "<text class=\"\(cls)\" x=\"\(f(x + slot * 0.35))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(escape(bar.label))</text>\n"
            }
        }
        return s + "</svg>\n"
    }

    /// The charts' text size in user units: on a desktop, and on a phone (the CSS).
    static let small = 11.0, large = 21.0

    /// A label's width in user units at `size`, a little generously (DejaVu Sans, wider
    /// than most phone fonts: digits 0.636 em, "," and "." 0.318, "-" 0.361).
    static func textWidth(_ text: String, _ size: Double) -> Double {
        text.reduce(0) { $0 + (",.".contains($1) ? 0.34 : $1 == "-" ? 0.38 : 0.64) } * size
    }

    /// The value lines of a chart of `values` and their labels.
    static func axisTicks(_ values: [Int64], axis: (Int64) -> String, minStep: Int64) -> [(value: Int64, label: String)]
    {
        let (step, steps) = valueAxis(max: values.max() ?? 1, minStep: minStep)
        return (0...steps).map { (value: step * Int64($0), label: axis(step * Int64($0))) }
    }

    /// The room left of the plot for the value labels, at the phone's text size.
    static func axisMargin(_ values: [Int64], axis: (Int64) -> String, minStep: Int64) -> Double {
        12 + (axisTicks(values, axis: axis, minStep: minStep).map { textWidth($0.label, large) }.max() ?? 0)
    }

    /// The value axis from 0: `steps` lines `step` apart, ending at the first multiple of
    /// the step at or above `max`. The step is the smallest of 1, 2 and 5 times a power of
    /// ten (and at least `minStep`, itself a power of ten) with which 5 steps reach `max`;
    /// so the axis ends less than one step above the maximum, in 3 to 5 steps (fewer only
    /// when `minStep` or 1 is already more than a fifth of it). 4,337 -> 1,000 x 5 = 5,000;
    /// 2,001 -> 500 x 5 = 2,500; 1,194 -> 500 x 3 = 1,500; 2 orders -> 1 x 2.
    static func valueAxis(max: Int64, minStep: Int64 = 1) -> (step: Int64, steps: Int) {
        let top = Swift.max(1, max)
        var power: Int64 = 1
        while true {
            for m: Int64 in [1, 2, 5] {
                let step = m * power
                if step >= minStep && step * 5 >= top {
                    return (step, Int((top + step - 1) / step))
                }
            }
            power *= 10
        }
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    static func topTable(
        _ title: String, _ groups: [StatsGroup], nameHeader: String, currency c: Currency,
        name: (StatsKey) -> (label: String, detail: String?)
    ) -> String {
        var s = "<section><h2>\(title)</h2>\n"
        guard !groups.isEmpty else { return s + "<p class=\"empty\">None.</p></section>\n" }
        s +=
            "<div class=\"table\"><table><thead><tr><th>\(nameHeader)</th><th class=\"n\">Orders</th><th class=\"n\">Units</th><th class=\"n\">Net \(c.code)</th></tr></thead><tbody>\n"
        for g in groups {
            let (label, detail) = name(g.keys[0])
            s += "<tr><td>\(escape(label))\(detail ?? "")</td>"
            s += "<td class=\"n\">\(count(g.orders))</td><td class=\"n\">\(count(g.units))</td>"
            s += "<td class=\"n\">\(money(g.net, c))</td></tr>\n"
        }
        return s + "</tbody></table></div></section>\n"
    }

    static func statusTable(_ groups: [StatsGroup], total: Int) -> String {
        var s = "<section><h2>Orders by status</h2>\n"
        guard !groups.isEmpty else { return s + "<p class=\"empty\">None.</p></section>\n" }
        s +=
            "<div class=\"table\"><table><thead><tr><th>Status</th><th class=\"n\">Orders</th><th class=\"n\">Share</th><th class=\"n hide-narrow\">Gross</th></tr></thead><tbody>\n"
        for g in groups.sorted(by: { $0.orders > $1.orders }) {
            let share = total > 0 ? Double(g.orders) / Double(total) : nil
            s += "<tr><td>\(escape(g.keys[0].label))</td><td class=\"n\">\(count(g.orders))</td>"
            s +=
                "<td class=\"n\">\(StatsOutput.percent(share))</td><td class=\"n hide-narrow\">\(money(g.gross, g.currency))</td></tr>\n"
        }
        return s + "</tbody></table></div></section>\n"
    }

    static func monthTable(_ months: [StatsGroup], currency c: Currency) -> String {
        var s = "<section><h2>Month by month: lead times and rates</h2>\n"
        s +=
            "<div class=\"table\"><table><thead><tr><th>Month</th><th class=\"n\">Orders</th><th class=\"n\">Net \(c.code)</th><th class=\"n hide-narrow\">Avg order</th>"
        s +=
            "<th class=\"n\">Cancelled</th><th class=\"n hide-narrow\">Returned</th><th class=\"n\">Days to ship</th><th class=\"n hide-narrow\">Days to deliver</th></tr></thead><tbody>\n"
        for g in months {
            s +=
                "<tr><td class=\"month\">\(escape(g.keys[0].label))</td><td class=\"n\">\(count(g.orders))</td><td class=\"n\">\(money(g.net, c))</td>"
            s += "<td class=\"n hide-narrow\">\(g.averageOrder.map { money($0, c) } ?? "–")</td>"
            s +=
                "<td class=\"n\">\(StatsOutput.percent(g.cancellationRate))</td><td class=\"n hide-narrow\">\(StatsOutput.percent(g.returnRate))</td>"
            s +=
                "<td class=\"n lead\">\(escape(lead(g.shipLead)))</td><td class=\"n lead hide-narrow\">\(escape(lead(g.deliveryLead)))</td></tr>\n"
        }
        return s + "</tbody></table></div></section>\n"
    }
}
