import WicketJSON

/// The reviewable part of a tool's definition — name, description, input and output schema,
/// annotations — in a canonical form: object members sorted by their UTF-8 bytes, compact, so two
/// definitions are the same exactly when their bytes are.
struct ToolDefinition: Sendable, Equatable {
    static let pinnedFields = ["name", "description", "inputSchema", "outputSchema", "annotations"]

    let name: String
    let canonical: [UInt8]

    init?(_ entry: JSONValue) {
        guard let object = entry.objectValue, let name = object["name"]?.stringValue else { return nil }
        self.name = name
        var members: [JSONObject.Member] = []
        for field in Self.pinnedFields {
            if let value = object[field] { members.append(.init(key: field, value: Self.canonical(value))) }
        }
        canonical = JSONValue.object(JSONObject(members: members)).encoded
    }

    /// The fields that differ between two definitions of the same tool.
    func changedFields(from reviewed: JSONValue?, live: JSONValue?) -> [String] {
        Self.pinnedFields.filter { field in
            let a = reviewed?.objectValue?[field].map { Self.canonical($0).encoded }
            let b = live?.objectValue?[field].map { Self.canonical($0).encoded }
            return a != b
        }
    }

    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            let sorted = object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return .object(JSONObject(members: sorted.map { .init(key: $0.key, value: canonical($0.value)) }))
        case .array(let items): return .array(items.map(canonical))
        default: return value
        }
    }
}
