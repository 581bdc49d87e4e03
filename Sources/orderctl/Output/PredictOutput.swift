import Foundation
import OrderCore

/// `orderctl predict`: a delivery-time prediction per order, and the backtest, as text and JSON.
enum PredictOutput {
    static func json(_ b: DeliveryBacktest, from start: LocalDate?) -> JSONObject {
        var o: JSONObject = ["orders": b.orders, "predicted": b.predicted, "from": orNull(start?.iso)]
        if b.predicted > 0 {
            o["mae_days"] = JSONNumber(b.mae, digits: 3)
            o["bias_days"] = JSONNumber(b.bias, digits: 3)
            o["coverage"] = JSONNumber(b.coverage, digits: 4)
            o["baseline_median_mae_days"] = JSONNumber(b.baselineMAE, digits: 3)
            o["promise_mae_days"] =
                b.promiseMAE.map { JSONNumber($0, digits: 3) as any JSONEncodable } ?? JSONNull()
            o["promised"] = b.promised
            var levels: JSONObject = [:]
            for (k, v) in b.levels { levels[k] = v }
            o["levels"] = levels
        }
        return o
    }

    static func text(_ b: DeliveryBacktest, from start: LocalDate?) -> String {
        guard b.predicted > 0 else {
            return
                "No prediction could be made: not enough history (\(b.orders) delivered order\(b.orders == 1 ? "" : "s") to replay, each needs \(LeadModel.minGroup) delivered before it)."
        }
        func d(_ x: Double) -> String { String(format: "%.2f days", x) }
        var lines = [
            "Delivery-time backtest" + (start.map { " from \($0.iso)" } ?? "")
                + ": \(b.predicted) of \(b.orders) delivered orders predicted (the rest had too little history before them)",
            "  mean absolute error      \(d(b.mae))  (bias \(String(format: "%+.2f", b.bias)) days)",
            "  inside the 80% range     \(String(format: "%.1f%%", b.coverage * 100))",
            "  baseline: median so far  \(d(b.baselineMAE))  (prediction \(String(format: "%+.1f%%", (b.mae / b.baselineMAE - 1) * 100)))",
        ]
        if let p = b.promiseMAE {
            lines.append(
                "  the promise (due date)   \(d(p))  over \(b.promised) orders with one (prediction/promise \(String(format: "%.2f", b.mae / p))x)"
            )
        }
        lines.append(
            "  groups used: "
                + b.levels.sorted { $0.value > $1.value }.map {
                    "\($0.key) \(String(format: "%.0f%%", Double($0.value) / Double(b.predicted) * 100))"
                }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    static func day(_ d: Date, _ zone: TimeZone) -> String {
        let l = LocalDate(d, in: zone)
        return "\(l.weekdayName) \(l.iso)"
    }

    static func range(_ d: DeliveryPrediction.Dates, _ zone: TimeZone) -> String {
        "\(day(d.expected, zone)) (80% range \(LocalDate(d.low, in: zone).iso) to \(LocalDate(d.high, in: zone).iso))"
    }

    static func text(_ p: DeliveryPrediction, zone: TimeZone) -> String {
        var lines = ["Order \(p.ref) (\(p.status.rawValue), placed \(LocalDate(p.placed, in: zone).iso))"]
        if let at = p.deliveredAt {
            lines.append("  delivered \(day(at, zone)); nothing to predict")
            return lines.joined(separator: "\n")
        }
        if p.status.hasArrived {
            lines.append("  delivered; nothing to predict")
            return lines.joined(separator: "\n")
        }
        if let note = p.note {
            lines.append("  \(note)")
            return lines.joined(separator: "\n")
        }
        if let s = p.shippedAt { lines.append("  shipped    \(day(s, zone))") }
        if let s = p.ship { lines.append("  ships      \(range(s, zone))") }
        if let d = p.delivery { lines.append("  arrives    \(range(d, zone))") }
        if let late = p.late { lines.append("  (\(late))") }
        if let g = p.group { lines.append("  learned from the newest \(p.groupSize) delivered orders \(g)") }
        return lines.joined(separator: "\n")
    }

    static func json(_ p: DeliveryPrediction) -> JSONObject {
        var o = Present.eta(p)
        o["ref"] = p.ref
        o["status"] = p.status.rawValue
        o["placed_at"] = Instant.format(p.placed)
        o["shipped_at"] = orNull(p.shippedAt.map(Instant.format))
        o["delivered_at"] = orNull(p.deliveredAt.map(Instant.format))
        return o
    }
}
