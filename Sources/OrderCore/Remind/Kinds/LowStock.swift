import Foundation

extension OrderStore {
    /// `low-stock`: tracked products at or below their reorder level.
    func lowStockCandidates(_ scan: RuleScan, _ c: ReminderContext) throws {
        let db = self.db
        try scan.scan(
            db,
            """
            SELECT sku, name, on_hand - reserved, reorder_at, on_hand, sku AS subject_, 'available ' || (on_hand - reserved) AS situation_
              FROM products WHERE track_stock = 1 AND active = 1 AND on_hand - reserved <= coalesce(reorder_at, 0)
            """, []
        ) { r in
            let (sku, name, available, level, onHand) = (
                r.string(0), r.string(1), r.int64(2), r.optionalInt64(3), r.int64(4)
            )
            return Candidate(subject: sku, situation: "available \(available)", weight: Double(-available)) {
                let what =
                    available <= 0 && onHand <= 0
                    ? "out of stock"
                    : available <= 0 ? "none available (\(onHand) on hand, all reserved)" : "\(available) available"
                let why = level.map { "at or below its reorder level of \($0)" } ?? "and no reorder level set"
                return c.message(
                    "\(sku) (\(name)): \(what), \(why)", value: "\(available)",
                    threshold: level.map(String.init) ?? "0", sku: sku)
            }
        }
    }
}
