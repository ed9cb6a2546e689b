/// A JSON object: its members in source order, keys unique (the parser refuses duplicates).
public struct JSONObject: Sendable, Equatable {
    /// One `"key": value` pair.
    public struct Member: Sendable, Equatable {
        public let key: String
        public let value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members in source order.
    public let members: [Member]

    /// Creates an object from members; the caller guarantees the keys are unique.
    public init(members: [Member]) {
        self.members = members
    }

    /// The number of members.
    public var count: Int { members.count }

    /// The keys in source order.
    public var keys: [String] { members.map(\.key) }

    /// The value of the member whose key is exactly `key` (compared byte for byte).
    public subscript(key: String) -> JSONValue? {
        // Not `==`: Swift compares strings by canonical equivalence (U+212A KELVIN SIGN equals
        // `K`), and a lookup must find exactly the key the upstream server will read.
        let length = key.utf8.count
        for member in members where member.key.utf8.count == length && Self.sameBytes(member.key, key) {
            return member.value
        }
        return nil
    }

    static func sameBytes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb in pa.elementsEqual(pb) }
        }
        if let fast, let equal = fast { return equal }
        return a.utf8.elementsEqual(b.utf8)
    }
}
