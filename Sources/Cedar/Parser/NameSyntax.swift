/// Syntax checks for identifiers and names, shared by the policy parser and the JSON readers.
public enum NameSyntax {
    /// Words that cannot be used as identifiers in names.
    public static let reserved: Set<String> = ["true", "false", "if", "then", "else", "in", "is", "like", "has", "__cedar"]

    /// Whether `s` is a syntactically valid identifier (`[_a-zA-Z][_a-zA-Z0-9]*`).
    public static func isIdentifier<S: StringProtocol>(_ s: S) -> Bool {
        var first = true
        for b in s.utf8 {
            let ok = b == UInt8(ascii: "_") || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (!first && b >= 48 && b <= 57)
            if !ok { return false }
            first = false
        }
        return !first
    }

    /// Parses a normalised name `A::B::C` (no whitespace, no reserved words); `nil` when invalid.
    public static func parseName(_ s: String) -> Name? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        // "A::B" splits into ["A", "", "B"]: odd positions must be empty.
        guard parts.count % 2 == 1 else { return nil }
        for (i, p) in parts.enumerated() {
            if i % 2 == 1 {
                if !p.isEmpty { return nil }
            } else if !isIdentifier(p) || reserved.contains(String(p)) {
                return nil
            }
        }
        return Name(s)
    }
}
