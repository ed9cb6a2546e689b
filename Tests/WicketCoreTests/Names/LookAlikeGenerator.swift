import Foundation
import WicketTestSupport

/// Names a human (or a normalising server) could read as a real one, but whose bytes differ:
/// confusables from other scripts, compatibility forms, default-ignorable code points and case variants.
enum LookAlike: String, CaseIterable {
    case confusable, fullwidth, ligature, superscript, ignorable, caseVariant

    /// Cyrillic, Greek, Armenian, Latin-extended and symbol look-alikes of ASCII (Unicode confusables.txt).
    static let confusables: [Unicode.Scalar: [String]] = [
        "a": ["\u{0430}", "\u{03B1}", "\u{0251}"], "c": ["\u{0441}", "\u{03F2}", "\u{217D}"], "d": ["\u{0501}", "\u{217E}"],
        "e": ["\u{0435}", "\u{03B5}", "\u{212E}"], "g": ["\u{0261}"], "h": ["\u{04BB}"], "i": ["\u{0456}", "\u{0131}", "\u{2170}"],
        "k": ["\u{03BA}", "\u{1D0B}"], "l": ["\u{04CF}", "\u{217C}", "\u{01C0}"], "m": ["\u{217F}"], "n": ["\u{0578}"],
        "o": ["\u{043E}", "\u{03BF}", "\u{0585}"], "p": ["\u{0440}", "\u{03C1}"], "q": ["\u{051B}"], "r": ["\u{0433}"],
        "s": ["\u{0455}", "\u{A731}"], "t": ["\u{1D1B}"], "u": ["\u{057D}", "\u{03C5}"], "x": ["\u{0445}"], "y": ["\u{0443}"],
        "K": ["\u{212A}", "\u{039A}"], "T": ["\u{0422}"], "_": ["\u{FF3F}", "\u{2017}", "\u{02CD}"],
        "/": ["\u{2215}", "\u{2044}", "\u{29F8}"],
        "-": ["\u{2010}", "\u{2212}"], ".": ["\u{2024}", "\u{FF0E}"],
    ]
    /// Modifier letters and superscripts (compatibility forms that NFKC folds to ASCII).
    static let superscripts: [Unicode.Scalar: String] = [
        "a": "\u{1D43}", "d": "\u{1D48}", "e": "\u{1D49}", "o": "\u{1D52}", "r": "\u{02B3}", "s": "\u{02E2}", "t": "\u{1D57}",
        "m": "\u{1D50}", "p": "\u{1D56}", "c": "\u{1D9C}", "y": "\u{02B8}", "l": "\u{02E1}", "i": "\u{2071}", "n": "\u{207F}",
        "u": "\u{1D58}", "k": "\u{1D4F}", "g": "\u{1D4D}", "h": "\u{02B0}",
    ]
    static let ligatures: [(String, String)] = [
        ("fi", "\u{FB01}"), ("fl", "\u{FB02}"), ("ff", "\u{FB00}"), ("st", "\u{FB06}"),
        ("ll", "\u{2016}"),
    ]
    /// Default-ignorable and format code points: ZWSP, ZWNJ, ZWJ, soft hyphen, variation selectors,
    /// word joiner, BOM, tag characters, Mongolian vowel separator, CGJ, bidi marks and overrides.
    static let ignorables = [
        "\u{200B}", "\u{200C}", "\u{200D}", "\u{00AD}", "\u{FE0F}", "\u{FE00}", "\u{E0100}", "\u{2060}",
        "\u{FEFF}", "\u{E0041}", "\u{E007F}", "\u{180E}", "\u{034F}", "\u{061C}", "\u{200E}", "\u{202E}",
    ]

    /// One variant of `name` made with this technique; nil when the technique finds nothing to change.
    func apply(to name: String, using rng: inout SplitMix) -> String? {
        var scalars = Array(name.unicodeScalars).map { String($0) }
        let ascii = Array(name.unicodeScalars)
        switch self {
        case .confusable, .superscript, .fullwidth:
            let positions = ascii.indices.filter { i in
                switch self {
                case .confusable: Self.confusables[ascii[i]] != nil
                case .superscript: Self.superscripts[ascii[i]] != nil
                default: ascii[i].value >= 0x21 && ascii[i].value <= 0x7E
                }
            }
            guard !positions.isEmpty else { return nil }
            for _ in 0..<Int.random(in: 1...min(3, positions.count), using: &rng) {
                let i = positions.randomElement(using: &rng) ?? positions[0]
                switch self {
                case .confusable: scalars[i] = Self.confusables[ascii[i]]?.randomElement(using: &rng) ?? scalars[i]
                case .superscript: scalars[i] = Self.superscripts[ascii[i]] ?? scalars[i]
                default: scalars[i] = String(Unicode.Scalar(ascii[i].value - 0x21 + 0xFF01) ?? ascii[i])
                }
            }
        case .ligature:
            let found = Self.ligatures.filter { name.contains($0.0) }
            guard let (plain, ligature) = found.randomElement(using: &rng) else { return nil }
            return name.replacingOccurrences(of: plain, with: ligature)
        case .ignorable:
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                let at = Int.random(in: 0...scalars.count, using: &rng)
                scalars.insert(Self.ignorables.randomElement(using: &rng) ?? "\u{200B}", at: at)
            }
        case .caseVariant:
            let letters = ascii.indices.filter { ascii[$0].properties.isAlphabetic && ascii[$0].isASCII }
            guard !letters.isEmpty else { return nil }
            for _ in 0..<Int.random(in: 1...min(3, letters.count), using: &rng) {
                let i = letters.randomElement(using: &rng) ?? letters[0]
                let v = ascii[i].value
                scalars[i] = String(Unicode.Scalar(v ^ 0x20) ?? ascii[i])
            }
        }
        let out = scalars.joined()
        return Array(out.utf8) == Array(name.utf8) ? nil : out
    }

    /// `count` byte-distinct variants of `names`, every technique represented.
    static func variants(of names: [String], count: Int, seed: UInt64) -> [(name: String, technique: LookAlike)] {
        var rng = SplitMix(seed: seed)
        var out: [(String, LookAlike)] = []
        var seen = Set<[UInt8]>(names.map { Array($0.utf8) })
        var attempts = 0
        while out.count < count && attempts < count * 20 {
            attempts += 1
            let technique = allCases[attempts % allCases.count]
            guard let base = names.randomElement(using: &rng), let variant = technique.apply(to: base, using: &rng),
                seen.insert(Array(variant.utf8)).inserted
            else { continue }
            out.append((variant, technique))
        }
        return out
    }
}
