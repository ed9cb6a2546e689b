/// A JSON object: its members in source order, keys unique byte for byte (the parser refuses
/// repeated keys, or keeps the last when asked to).
///
/// It is also a collection of `(key, value)` pairs in source order, so `for (key, value) in object`
/// reads every member.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// One `"key": value` pair.
    public struct Member: Sendable, Hashable {
        public let key: String
        public let value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }

        public static func == (a: Member, b: Member) -> Bool {
            ExactText.equal(a.key, b.key) && a.value == b.value
        }

        public func hash(into hasher: inout Hasher) {
            ExactText.hash(key, into: &hasher)
            hasher.combine(value)
        }
    }

    /// The members in source order.
    public let members: [Member]

    /// Creates an object from members; the caller guarantees the keys are unique byte for byte.
    public init(members: [Member]) {
        self.members = members
    }

    /// An object written in code (`["type": .string("User")]`); the keys must be unique.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.members = elements.map { Member(key: $0.0, value: $0.1) }
    }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }

    /// The member at `position` (in source order) as a `(key, value)` pair.
    public subscript(position: Int) -> (key: String, value: JSONValue) {
        let member = members[position]
        return (member.key, member.value)
    }

    /// The keys in source order.
    public var keys: [String] { members.map(\.key) }

    /// The value of the member whose key is exactly `key` (compared byte for byte).
    public subscript(key: String) -> JSONValue? {
        // Not `==`: Swift compares strings by canonical equivalence (U+212A KELVIN SIGN equals
        // `K`), and a lookup must find exactly the key the upstream server will read.
        for member in members where ExactText.equal(member.key, key) {
            return member.value
        }
        return nil
    }

    /// The value of the member whose key is exactly `key`, a name written in code (compared byte for
    /// byte, the literal's bytes read in place).
    public subscript(literal key: StaticString) -> JSONValue? {
        // By index: only the keys are read, no other member's value is copied (retained).
        for index in members.indices where ExactText.equal(members[index].key, literal: key) {
            return members[index].value
        }
        return nil
    }

    /// The object with `key` set to `value` (replaced in place, or appended).
    public func setting(_ key: String, to value: JSONValue) -> JSONObject {
        var members = self.members
        if let index = members.firstIndex(where: { ExactText.equal($0.key, key) }) {
            members[index] = Member(key: key, value: value)
        } else {
            members.append(Member(key: key, value: value))
        }
        return JSONObject(members: members)
    }
}
