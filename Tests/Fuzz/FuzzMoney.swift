// Amounts, quantities and the other typed fields (Model/Money.swift, Rules/Validate.swift):
// Money.parse in currencies of 0, 2, 3 and 4 minor digits, Validate.integer (the
// quantity rule), `--item SKU[:QTY][@PRICE]`, currency codes, and the field checks an
// import runs on every cell. A parsed amount must print back to text that parses to
// it again; the ASCII fast paths must agree with the Unicode rules.
@testable import OrderCore

let currencies = ["EUR", "JPY", "KWD", "CLF"].map { try! Currency(code: $0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzBytes(data, size)
    let mode = input.byte()
    let currency = currencies[Int(mode & 3)]
    let negative = mode & 4 != 0
    let value = text(input.rest)

    if let money = try? Money.parse(value, currency: currency, allowNegative: negative) {
        fuzzCheck(money.minor.magnitude <= Money.maxMinor.magnitude, "\(money.minor) is over the limit")
        fuzzCheck(negative || money.minor >= 0, "a negative amount without allowNegative")
        let back = try? Money.parse(money.decimalString, currency: currency, allowNegative: true)
        fuzzCheck(back == money, "\(value) -> \(money) -> \(String(describing: back))")
        _ = money.description
        _ = money + money
        _ = money * 1000
    }
    if let q = try? Validate.integer(value, field: "quantity", min: 1, max: Validate.maxQuantity) {
        fuzzCheck((1...Validate.maxQuantity).contains(q), "quantity \(q)")
    }
    _ = try? Validate.integer(value, field: "n", min: .min, max: .max)
    if let item = try? ItemSpec.parse(value) {
        fuzzCheck((1...Validate.maxQuantity).contains(item.quantity), "item quantity \(item.quantity)")
        if let price = item.price { _ = try? Money.parse(price, currency: currency) }
        _ = try? Validate.code(item.sku, field: "sku")
    }
    _ = try? Currency(code: value)

    // The cell checks an import runs.
    _ = try? Validate.name(value, field: "name")
    _ = try? Validate.note(value, field: "note")
    _ = try? Validate.code(value, field: "ref")
    _ = try? Validate.region(value)
    _ = try? Validate.countryOrName(value)
    _ = try? Validate.channel(value)
    _ = try? Validate.email(value)
    if Validate.nameASCIIFast(value) {
        fuzzCheck(Validate.nameProblem(value) == nil, "name fast path disagrees on \(value.debugDescription)")
    }
    if Validate.noteASCIIFast(value) {
        fuzzCheck(Validate.noteProblem(value) == nil, "note fast path disagrees on \(value.debugDescription)")
    }
    if Validate.isASCII(value) {
        fuzzCheck(
            Validate.emailASCII(value) == Validate.emailUnicode(value),
            "email rules disagree on \(value.debugDescription)")
    }
    return 0
}
