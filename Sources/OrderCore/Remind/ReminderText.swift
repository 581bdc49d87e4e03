import Foundation

extension RemindResult {
    /// At most this many reminders per rule are written out unless `--limit` says
    /// otherwise; `--json` and `--exec` (read by programs) have no limit.
    public static let defaultLimit = 50

    /// The per-rule limit for `remind`: `--limit N` (0: none), else the default for text.
    public static func perRuleLimit(requested: Int?, forPrograms: Bool) -> Int? {
        if let requested { return requested == 0 ? nil : requested }
        return forPrograms ? nil : defaultLimit
    }

    /// What `remind` prints, and what its mail says: the reminders grouped by urgency,
    /// each line led by its key, and a line counting what a rule's limit held back.
    /// `title` styles each group's title (colour on a terminal).
    public func text(zone: TimeZone, title style: (String, Urgency) -> String = { text, _ in text }) -> String {
        let reminders = shown
        let more = Dictionary(self.more.map { ($0.rule, $0.count) }, uniquingKeysWith: +)
        let width = min(28, reminders.map { $0.key.count }.max() ?? 0)
        var lines: [String] = []
        var group: Urgency?
        for (i, r) in reminders.enumerated() {
            if r.urgency != group {
                if group != nil { lines.append("") }
                group = r.urgency
                let inGroup = reminders.filter { $0.urgency == r.urgency }
                let count = inGroup.count + Set(inGroup.map(\.rule)).reduce(0) { $0 + (more[$1] ?? 0) }
                lines.append(style("\(r.urgency.title) (\(count))", r.urgency))
            }
            let key = r.key.count >= width ? r.key : r.key + String(repeating: " ", count: width - r.key.count)
            // --all shows what a snooze hides: say so, and until when.
            var mark = ""
            if r.state == .snoozed, let until = r.snoozedUntil {
                mark = "  [snoozed until \(Instant.display(until, in: zone))]"
            }
            lines.append("  \(key)  \(r.message)" + mark)
            if let n = more[r.rule], i + 1 == reminders.count || reminders[i + 1].rule != r.rule {
                lines.append(
                    "  ... and \(n) more \(r.rule) (orderctl remind --all --rule \(r.rule) --limit 0 lists every one)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The message `remind --mail-to` hands to `sendmail -t`: headers, the text, a signature.
    public func mail(to address: String, zone: TimeZone) -> String {
        let count = shown.count + more.reduce(0) { $0 + $1.count }
        let urgent = shown.filter { $0.urgency == .urgent }.count
        let subject = "orderctl: \(count) reminder\(count == 1 ? "" : "s")" + (urgent > 0 ? " (\(urgent) urgent)" : "")
        return """
            To: \(address)
            Subject: \(subject)
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            \(text(zone: zone))

            -- 
            orderctl remind; 'orderctl snooze KEY --for 3d' quiets one.

            """
    }
}
