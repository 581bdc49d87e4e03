import Foundation

/// Named groups of regions that deliver alike (a carrier's zones), set with
/// `orderctl config set delivery.zones 'north:AC,AM,PA;south:PR,RS,SC'`.
public struct DeliveryZones: Sendable, Equatable {
    public var zones: [(name: String, regions: [String])]

    public static func == (a: DeliveryZones, b: DeliveryZones) -> Bool { a.code == b.code }

    public static func parse(_ text: String) throws(OrderError) -> DeliveryZones {
        var zones: [(String, [String])] = []
        var seen: Set<String> = []
        for part in text.split(separator: ";") {
            let pieces = part.split(separator: ":", maxSplits: 1)
            let name = pieces.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            let regions =
                pieces.count == 2
                ? pieces[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.filter {
                    !$0.isEmpty
                } : []
            guard !name.isEmpty, !regions.isEmpty else {
                throw .invalidValue(
                    field: "delivery.zones", value: String(part),
                    reason: "expected NAME:REGION,REGION,... (zones separated by ;)")
            }
            for r in regions where !seen.insert(r).inserted {
                throw .invalidValue(field: "delivery.zones", value: r, reason: "this region is in two zones")
            }
            zones.append((name, regions))
        }
        return DeliveryZones(zones: zones)
    }

    public var code: String { zones.map { "\($0.name):\($0.regions.joined(separator: ","))" }.joined(separator: ";") }

    public func zone(of region: String?) -> String? {
        guard let region = region?.uppercased() else { return nil }
        return zones.first { $0.regions.contains(region) }?.name
    }
}
