import Foundation
import Testing

@testable import OrderCore

// Crashes the libFuzzer harnesses (Tests/Fuzz, `make fuzz`) found, fed through the same
// API: each must be a clear error, not a trap. The inputs are in Tests/Fuzz/crashes/.
@Suite("Fuzz findings")
struct FuzzFindingsTests {
    /// Tests/Fuzz/crashes/dates-relative-years-near-9999.bin (fuzz-dates): "+1000y" with
    /// the clock in 9998 (ORDERCTL_NOW=9998-11-..., or an order placed then, whose due
    /// date counts from its placing). DateResolver allows up to 1000 years (12,000
    /// months) either way, and LocalDate.adding(months:) force-unwraps
    /// LocalDate(year: 10998, ...), which is nil: "Unexpectedly found nil while
    /// unwrapping an Optional value" at Model/Dates.swift:78.
    @Test("a relative date past 9999 is refused, not a trap")
    func relativeYearsPastTheLastYear() {
        let now = Date(timeIntervalSince1970: 253_370_000_000)  // 9998-11-14
        let resolver = DateResolver(now: now, zone: TimeZone(identifier: "America/New_York")!)
        for text in ["+1000y", "+12000m", "+2y", "+13m"] {
            #expect(throws: OrderError.self) { try resolver.date(text, field: "due") }
        }
    }
}
