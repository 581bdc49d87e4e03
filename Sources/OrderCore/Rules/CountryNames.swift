import Foundation

/// Country names as other exports write them ("United Kingdom", "EIRE", "USA"),
/// turned into ISO 3166 codes. Names come from the system's English region names,
/// plus the usual short forms; anything else is not guessed.
public enum CountryNames {
    static let table: [String: String] = {
        var t: [String: String] = [:]
        let en = Locale(identifier: "en_US")
        for region in Locale.Region.isoRegions where region.identifier.count == 2 && isCountry(region.identifier) {
            if let name = en.localizedString(forRegionCode: region.identifier) { t[fold(name)] = region.identifier }
        }
        let aliases = [
            "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
            "northern ireland": "GB",
            "eire": "IE", "republic of ireland": "IE", "usa": "US", "united states of america": "US", "us": "US",
            "rsa": "ZA", "korea": "KR", "republic of korea": "KR", "hong kong": "HK", "macau": "MO", "macao": "MO",
            "czech republic": "CZ", "holland": "NL", "the netherlands": "NL", "russia": "RU", "uae": "AE",
            "vietnam": "VN", "turkey": "TR", "ivory coast": "CI", "swaziland": "SZ", "burma": "MM",
        ]
        for (k, v) in aliases { t[k] = v }
        return t
    }()

    /// The English name of a two-letter code ("DE" -> "Germany").
    public static func name(_ code: String) -> String? {
        Locale(identifier: "en_US").localizedString(forRegionCode: code)
    }

    /// Two-letter codes that name groups or reserved ranges, not countries (EU, UN,
    /// the euro zone, "Outlying Oceania", user-assigned Q* and X* codes except XK).
    static func isCountry(_ code: String) -> Bool {
        let c = code.uppercased()
        if ["EU", "EZ", "UN", "QO", "ZZ", "AA"].contains(c) { return false }
        if c.hasPrefix("Q") && c >= "QM" { return false }
        if c.hasPrefix("X") && c != "XK" { return false }
        return true
    }

    /// Words that mean the country is not known: read as no country.
    static let unknown: Set<String> = ["unspecified", "unknown", "n/a", "na", "none", "-"]

    static func fold(_ s: String) -> String {
        s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split(whereSeparator: { $0 == " " }).joined(separator: " ")
    }

    public enum Result: Equatable {
        case code(String)
        case none
        case unknownName
    }

    /// A two-letter code stays as it is (validated elsewhere); a name is looked up.
    public static func resolve(_ text: String) -> Result {
        let t = text.utf8.count == 2 ? text : text.trimmingCharacters(in: .whitespaces)
        if t.unicodeScalars.count == 2 {
            if t.uppercased() == "UK" { return .code("GB") }  // the usual name, not the ISO code
            return isCountry(t) ? .code(t) : .unknownName
        }
        let key = fold(t)
        if unknown.contains(key) { return .none }
        if let code = table[key] { return .code(code) }
        return .unknownName
    }
}
