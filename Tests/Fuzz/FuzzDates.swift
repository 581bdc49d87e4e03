// Dates: `--date-format` patterns and the text they read (Import/DateFormat.swift), the
// date expressions a user types (Model/Dates.swift: DateResolver) and stored instants
// (Instant.parse).
//
// Input: a mode byte, then PATTERN NUL TEXT. Any trap is a finding; so is a parsed
// value that does not read back the same.
import Foundation

@testable import OrderCore

let utc = TimeZone(identifier: "UTC")!
let zones = [
    utc, TimeZone(identifier: "Europe/Berlin") ?? utc, TimeZone(identifier: "America/New_York") ?? utc,
    TimeZone(identifier: "Pacific/Kiritimati") ?? utc, TimeZone(identifier: "Pacific/Pago_Pago") ?? utc,
]
// 2026-11-25T17:04:06Z, and a few other "now"s near the edges of a year and of the range.
let nows = [
    Date(timeIntervalSince1970: 1_795_713_846), Date(timeIntervalSince1970: 1_798_761_599),
    Date(timeIntervalSince1970: -2_208_988_800), Date(timeIntervalSince1970: 253_370_000_000),
]
/// FUZZ_SKIP_KNOWN=1: no clock in 9998, where "+2y" traps (Tests/Fuzz/crashes/
/// dates-relative-years-near-9999.bin), so a run can look past that known finding.
let skipKnown = getenv("FUZZ_SKIP_KNOWN") != nil

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    let mode = input.byte()
    let zone = zones[Int(mode & 7) % zones.count]
    let now = nows[Int(mode >> 3 & 3) % (skipKnown ? 3 : 4)]
    let parts = input.parts(2)
    let pattern = text(parts[0])
    let value = parts.count > 1 ? text(parts[1]) : pattern

    // --date-format PATTERN, then the text.
    if let format = try? DateFormat(pattern) {
        if let parsed = format.parse(value) {
            fuzzCheck(DateResolver.years.contains(parsed.date.year), "year \(parsed.date.year) out of range")
            fuzzCheck((0..<86400).contains(parsed.seconds), "seconds \(parsed.seconds)")
            fuzzCheck(LocalDate(dayNumber: parsed.date.dayNumber) == parsed.date, "day number round trip")
            _ = format.instant(value, zone: zone)
        }
    }

    // What a user types for --due, --since, ...
    let resolver = DateResolver(now: now, zone: zone)
    if let day = try? resolver.date(value, field: "due") {
        fuzzCheck(DateResolver.years.contains(day.year), "date \(day) out of range")
        fuzzCheck(LocalDate(iso: day.iso) == day, "\(day.iso) does not read back")
        _ = day.isoWeek
        _ = day.weekdayName
        _ = day.start(in: zone)
    }
    if let instant = try? resolver.instant(value, field: "since") {
        _ = Instant.format(instant)
        _ = Instant.display(instant, in: zone)
        _ = LocalDate(instant, in: zone)
    }

    // Stored instants.
    if let instant = Instant.parse(value) {
        let back = Instant.format(instant)
        if !value.hasSuffix(":60Z") { fuzzCheck(back == value, "\(value) formats back as \(back)") }
        _ = Instant.display(instant, in: zone)
    }
    _ = LocalDate(iso: value)
    return 0
}
