import Foundation

/// A past order's lead times, as a prediction learns from them.
public struct LeadSample: Sendable {
    public var placed: Date
    public var shipHours: Int
    public var deliveryHours: Int
    public var country: String?
    public var region: String?
    public var shipping: String
    public var carrier: String?
    public var due: LocalDate?
    public var totalHours: Int { shipHours + deliveryHours }
    public var delivered: Date { placed.addingTimeInterval(TimeInterval(totalHours) * 3600) }
}

/// What a prediction knows of the order it predicts.
public struct LeadQuery: Sendable {
    public var country: String?
    public var region: String?
    public var shipping: String
    /// Known once shipped: then only the delivery leg is predicted.
    public var carrier: String?
    public init(country: String?, region: String?, shipping: String, carrier: String? = nil) {
        self.country = country
        self.region = region
        self.shipping = shipping
        self.carrier = carrier
    }
}

/// Delivery-time prediction from the shop's own delivered orders.
///
/// The orders are grouped from fine to coarse (carrier and region once shipped; then
/// region, zone, country and shipping class; then shipping class; then all), and a
/// prediction uses the finest group with at least `minGroup` orders, taking its newest
/// `window` by delivery. The expected time is the median; the range is the 7.5th to
/// 92.5th percentile (linear interpolation): on Olist the plain P10-P90 of a window of
/// 100 held 74% of outcomes, this one 79% (see BENCHMARKS.md). It is called the 80% range.
public struct LeadModel: Sendable {
    public static let minGroup = 30
    public static let window = 100
    public static let lowQuantile = 0.075
    public static let highQuantile = 0.925

    public var zones: DeliveryZones?
    /// Lead-time samples per group key, newest delivery last, at most `window` each.
    var groups: [String: [LeadSample]] = [:]
    public private(set) var known = 0

    public init(zones: DeliveryZones?) { self.zones = zones }

    /// Group keys of an order, finest first, each with how it is described.
    func keys(_ q: LeadQuery, shipped: Bool) -> [(key: String, label: String)] {
        var out: [(String, String)] = []
        let country = q.country ?? "?"
        if shipped, let carrier = q.carrier?.lowercased() {
            if let region = q.region?.uppercased() {
                out.append(("c|\(carrier)|\(country)|\(region)", "sent by \(q.carrier!) to \(region), \(country)"))
            }
            out.append(("c|\(carrier)|\(country)", "sent by \(q.carrier!) to \(country)"))
            out.append(("c|\(carrier)", "sent by \(q.carrier!)"))
        }
        if let region = q.region?.uppercased() {
            out.append(("r|\(country)|\(region)|\(q.shipping)", "sent \(q.shipping) to \(region), \(country)"))
            if let zone = zones?.zone(of: region) {
                out.append(("z|\(country)|\(zone)|\(q.shipping)", "sent \(q.shipping) to zone \(zone), \(country)"))
            }
        }
        // Labels follow "delivered orders": "standard" is the shipping option, never the class.
        out.append(("n|\(country)|\(q.shipping)", "sent \(q.shipping) to \(country)"))
        out.append(("s|\(q.shipping)", "sent \(q.shipping), to any country"))
        out.append(("all", "of every kind"))
        return out
    }

    /// Adds a delivered order (in order of delivery, oldest first).
    public mutating func add(_ s: LeadSample) {
        known += 1
        let q = LeadQuery(country: s.country, region: s.region, shipping: s.shipping, carrier: s.carrier)
        for (key, _) in keys(q, shipped: s.carrier != nil) {
            // In place (a copy per add would make a long backtest quadratic); trimmed
            // now and then rather than on every add.
            groups[key, default: []].append(s)
            if groups[key]!.count > 2 * Self.window { groups[key]!.removeFirst(Self.window) }
        }
    }

    /// The group a prediction uses and its newest samples, or nil below `minGroup` known.
    func group(_ q: LeadQuery, shipped: Bool) -> (label: String, level: String, samples: ArraySlice<LeadSample>)? {
        for (key, label) in keys(q, shipped: shipped) {
            guard let list = groups[key] else { continue }
            if list.count >= Self.minGroup || key == "all" {
                guard list.count >= Self.minGroup else { return nil }
                let level =
                    ["c": "carrier", "r": "region", "z": "zone", "n": "country", "s": "shipping class"][
                        String(key.prefix(1))] ?? "all orders"
                return (label, level, list.suffix(Self.window))
            }
        }
        return nil
    }

    public struct Range: Sendable, Equatable {
        public var low: Double
        public var expected: Double
        public var high: Double
    }

    /// The range of `hours`; for an order already `elapsed` hours along, of the ones at
    /// least that long when there are `minConditional` of them (an order late against
    /// the usual is predicted from the late ones, not moved to now).
    /// Nil when fewer than `minConditional` past orders took that long: the order is
    /// later than nearly all of them, and they cannot say when it will end (taking all
    /// of them instead predicted "today, range today to today").
    static let minConditional = 10
    static func range(_ hours: [Double], elapsed: Double = 0) -> Range? {
        var sorted = hours.sorted()
        if elapsed > 0 {
            let later = sorted.filter { $0 >= elapsed }
            guard later.count >= minConditional else { return nil }
            sorted = later
        }
        return Range(
            low: DemandModel.quantile(sorted, lowQuantile), expected: DemandModel.quantile(sorted, 0.5),
            high: DemandModel.quantile(sorted, highQuantile))
    }

    /// A prediction for an order not yet delivered, and how many past orders it is later than.
    public struct Total: Sendable {
        public var group: String
        public var level: String
        public var size: Int
        /// From the order; nil when it is later than nearly every past order to ship.
        public var ship: Range?
        /// From the order; nil when it is later than nearly every past order to arrive.
        public var total: Range?
        /// The leg from shipping to delivery, of every past order in the group.
        public var delivery: Range
        /// How many of the group's orders took less than the time already passed.
        public var shorter: Int
    }

    /// Hours from the order to delivery (and to shipping), or nil without enough history.
    public func predictTotal(_ q: LeadQuery, elapsed: Double = 0) -> Total? {
        guard let (label, level, samples) = group(q, shipped: false) else { return nil }
        return Total(
            group: label, level: level, size: samples.count,
            ship: Self.range(samples.map { Double($0.shipHours) }, elapsed: elapsed),
            total: Self.range(samples.map { Double($0.totalHours) }, elapsed: elapsed),
            delivery: Self.range(samples.map { Double($0.deliveryHours) })!,
            shorter: samples.filter { Double($0.totalHours) < elapsed }.count)
    }

    /// Hours from shipping to delivery, for an order that has shipped; `delivery` nil when
    /// it has been on its way longer than nearly every past order.
    public func predictDelivery(_ q: LeadQuery, elapsed: Double = 0) -> (
        group: String, size: Int, delivery: Range?, shorter: Int
    )? {
        guard let (label, _, samples) = group(q, shipped: true) else { return nil }
        return (
            label, samples.count, Self.range(samples.map { Double($0.deliveryHours) }, elapsed: elapsed),
            samples.filter { Double($0.deliveryHours) < elapsed }.count
        )
    }
}

/// An order's predicted ship and delivery dates.
public struct DeliveryPrediction: Sendable {
    public struct Dates: Sendable, Equatable {
        public var low: Date
        public var expected: Date
        public var high: Date
    }
    public var ref: String
    public var status: OrderStatus
    public var placed: Date
    public var shippedAt: Date?
    public var deliveredAt: Date?
    /// Nil once it has happened, or without enough history.
    public var ship: Dates?
    public var delivery: Dates?
    public var group: String?
    public var groupSize = 0
    /// "not enough history (N delivered orders, need M)", or why there is no prediction.
    public var note: String?
    /// Why the prediction counts from now: the order is later than nearly every past one.
    public var late: String?
}

extension OrderStore {
    /// Recent delivered orders, newest delivery last: the model's history.
    func recentDeliveries(limit: Int = 20_000, withCarrier: Bool) throws -> [LeadSample] {
        var out: [LeadSample] = []
        try db.forEach(
            """
            SELECT o.placed_at, o.ship_hours, o.delivery_hours, c.country, c.region, o.shipping\(withCarrier ? ", (SELECT s.carrier FROM shipments s WHERE s.order_id = o.id ORDER BY s.id LIMIT 1)" : "")
              FROM orders o JOIN customers c ON c.id = o.customer_id
             WHERE o.delivery_hours IS NOT NULL ORDER BY o.placed_at DESC LIMIT ?
            """, arguments: [limit]
        ) { r in
            guard let placed = Instant.parse(r.string(0)) else { return }
            out.append(
                LeadSample(
                    placed: placed, shipHours: r.int(1), deliveryHours: r.int(2), country: r.optionalString(3),
                    region: r.optionalString(4), shipping: r.string(5), carrier: withCarrier ? r.optionalString(6) : nil
                ))
        }
        out.sort { $0.delivered < $1.delivered }
        return out
    }

    func leadModel(withCarrier: Bool) throws -> LeadModel {
        var model = LeadModel(zones: try setting(.deliveryZones).flatMap { try? DeliveryZones.parse($0) })
        for s in try recentDeliveries(withCarrier: withCarrier) { model.add(s) }
        return model
    }

    /// Predictions for orders by ref (one model for all of them).
    public func predictions(_ refs: [String]) throws -> [DeliveryPrediction] {
        try db.read {
            var model: LeadModel?
            var modelWithCarrier: LeadModel?
            var out: [DeliveryPrediction] = []
            for ref in refs {
                guard
                    let row = try db.queryFirst(
                        """
                        SELECT o.ref, o.status, o.placed_at, c.country, c.region, o.shipping,
                               (SELECT min(s.shipped_at) FROM shipments s WHERE s.order_id = o.id),
                               (SELECT s.carrier FROM shipments s WHERE s.order_id = o.id ORDER BY s.id LIMIT 1),
                               (SELECT max(s.delivered_at) FROM shipments s WHERE s.order_id = o.id), o.delivery_hours
                          FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.ref = ?
                        """, ref,
                        row: { r in
                            (
                                r.string(0), try OrderStatus.stored(r.string(1)),
                                Instant.parse(r.string(2)) ?? now,
                                LeadQuery(
                                    country: r.optionalString(3), region: r.optionalString(4), shipping: r.string(5),
                                    carrier: r.optionalString(7)),
                                r.optionalString(6).flatMap(Instant.parse), r.optionalString(8).flatMap(Instant.parse),
                                r.isNull(9) ? false : true
                            )
                        })
                else { throw OrderError.unknownOrder(ref: ref) }
                let (realRef, status, placed, query, shippedAt, deliveredAt, delivered) = row
                var p = DeliveryPrediction(
                    ref: realRef, status: status, placed: placed, shippedAt: shippedAt,
                    deliveredAt: delivered ? deliveredAt : nil)
                if status == .cancelled {
                    p.note = "cancelled"
                    out.append(p)
                    continue
                }
                if delivered || status.hasArrived {
                    out.append(p)
                    continue
                }
                if shippedAt != nil && (status == .shipped) {
                    if modelWithCarrier == nil { modelWithCarrier = try leadModel(withCarrier: true) }
                    let elapsed = max(0, now.timeIntervalSince(shippedAt!) / 3600)
                    guard let m = modelWithCarrier, let d = m.predictDelivery(query, elapsed: elapsed) else {
                        p.note = notEnough(modelWithCarrier!.known)
                        out.append(p)
                        continue
                    }
                    p.group = d.group
                    p.groupSize = d.size
                    if let range = d.delivery {
                        p.delivery = dates(from: shippedAt!, range)
                    } else {
                        p.note =
                            "no estimate: on its way longer than \(d.shorter) of the \(d.size) past orders \(d.group)"
                    }
                } else {
                    if model == nil { model = try leadModel(withCarrier: false) }
                    // Not shipped yet: the ship time is conditioned on what has passed; so is
                    // the delivery, on the time since the order.
                    let elapsed = max(0, now.timeIntervalSince(placed) / 3600)
                    guard let m = model, let t = m.predictTotal(query, elapsed: elapsed) else {
                        p.note = notEnough(model!.known)
                        out.append(p)
                        continue
                    }
                    p.group = t.group
                    p.groupSize = t.size
                    if shippedAt == nil, let ship = t.ship { p.ship = dates(from: placed, ship) }
                    if let total = t.total {
                        p.delivery = dates(from: placed, total)
                    } else if shippedAt == nil {
                        // Later than nearly every past order: if it ships now, the usual time on the way.
                        p.delivery = dates(from: now, t.delivery)
                        p.late =
                            "later than \(t.shorter) of the \(t.size) past orders \(t.group): if it ships today, the usual time on the way"
                    } else {
                        p.note = "no estimate: later than \(t.shorter) of the \(t.size) past orders \(t.group)"
                    }
                }
                out.append(p)
            }
            return out
        }
    }

    func notEnough(_ known: Int) -> String {
        "not enough history (\(known) delivered order\(known == 1 ? "" : "s"), need \(LeadModel.minGroup))"
    }

    /// Hours after `start`, never before now: an open order's prediction in the past
    /// is moved to now.
    func dates(from start: Date, _ r: LeadModel.Range) -> DeliveryPrediction.Dates {
        let now = self.now
        func at(_ h: Double) -> Date { max(now, max(start, start.addingTimeInterval(h * 3600))) }
        return DeliveryPrediction.Dates(low: at(r.low), expected: at(r.expected), high: at(r.high))
    }
}
