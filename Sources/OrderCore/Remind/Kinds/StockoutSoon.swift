import Foundation

extension OrderStore {
    /// `stockout-soon`: products whose forecast demand empties the shelf within their
    /// restock lead time.
    func stockoutSoonCandidates(_ scan: RuleScan, _ c: ReminderContext) throws {
        let db = self.db
        let rule = c.rule
        let today = c.today
        for p in try stockoutCandidates(today: today, minWeeks: rule.int("min-weeks"))
        where p.daysLeft <= Double(p.leadDays) {
            let left = Int(p.daysLeft.rounded(.down))
            try scan.add(
                db,
                Candidate(subject: p.sku, situation: "available \(p.available)", weight: -p.daysLeft) {
                    c.message(
                        "\(p.sku) (\(p.name)) will run out in about \(c.days(left)) (around \(today.adding(days: left).iso): \(p.available) available, selling about \(Self.rate(p.weekly)) a week), within its \(p.leadDays)-day restock lead time",
                        value: c.days(left), threshold: "\(p.leadDays) days", sku: p.sku)
                })
        }
    }

    static func rate(_ weekly: Double) -> String {
        weekly >= 10 ? String(Int(weekly.rounded())) : String(format: "%.1f", weekly)
    }
}
