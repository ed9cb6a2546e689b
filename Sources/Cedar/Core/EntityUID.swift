/// The unique identifier of an entity: its type and its id, written `Type::"id"`.
public struct EntityUID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The entity type.
    public let type: Name
    /// The entity id (any string; compared by code points, see ``ExactString``).
    public let id: String
    /// Precomputed so that hashing a uid (done on every store lookup) costs one integer.
    private let cachedHash: Int

    public init(type: Name, id: String) {
        self.type = type
        self.id = id
        var h = Hasher()
        h.combine(type)
        CodePoints.hash(id, into: &h)
        cachedHash = h.finalize()
    }

    /// Convenience: `EntityUID("User", "alice")`.
    public init(_ type: String, _ id: String) {
        self.init(type: Name(type), id: id)
    }

    public static func == (a: EntityUID, b: EntityUID) -> Bool {
        a.cachedHash == b.cachedHash && CodePoints.equal(a.id, b.id) && a.type == b.type
    }

    public func hash(into h: inout Hasher) { h.combine(cachedHash) }

    /// Dictionaries and sets hash uids constantly; the cached hash already came from a seeded
    /// SipHash, so mixing it with the table's seed is enough and skips a full Hasher round.
    public func _rawHashValue(seed: Int) -> Int {
        SeededHash.mix(cachedHash, seed: seed)
    }

    /// Cedar syntax, e.g. `User::"alice"`, with the id escaped.
    public var description: String {
        "\(type.qualified)::\"\(CedarString.escape(id))\""
    }

    public static func < (lhs: EntityUID, rhs: EntityUID) -> Bool {
        lhs.type == rhs.type ? CodePoints.less(lhs.id, rhs.id) : lhs.type < rhs.type
    }
}

/// String escaping as Cedar prints it.
public enum CedarString {
    /// Escapes `"`, `\` and control characters the way Cedar's pretty-printer does.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
