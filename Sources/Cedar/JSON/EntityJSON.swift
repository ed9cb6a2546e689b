import WicketJSON

/// Schema knowledge for the entity and context JSON readers (implemented by the schema module).
///
/// Each method returns `nil` when it has no type information, and the reader then falls back to
/// schema-less decoding (explicit `__entity` / `__extn` forms only).
public protocol EntityJSONTyping {
    /// Decodes the `attrs` object of the entity `uid`.
    func decodeAttributes(_ attrs: JSONValue, of uid: EntityUID) throws(CedarJSONError) -> [ExactString: Value]?
    /// Decodes the `tags` object of the entity `uid`.
    func decodeTags(_ tags: JSONValue, of uid: EntityUID) throws(CedarJSONError) -> [ExactString: Value]?
    /// Decodes a request context for `action`.
    func decodeContext(_ context: JSONValue, action: EntityUID) throws(CedarJSONError) -> [ExactString: Value]?
}

/// Reads entities and contexts in Cedar's JSON format.
public enum EntityJSON {
    /// Parses an entities document: a JSON array of `{"uid", "attrs", "parents", "tags"}` objects.
    /// With `asOfficialCLI` the document is read as the official CLI reads it: unknown fields (in an
    /// entity or an entity reference) are skipped and `attrs` and `parents` are required. Otherwise
    /// unknown fields are refused and `attrs` and `parents` default to empty.
    public static func parse(
        _ text: String, typing: (any EntityJSONTyping)? = nil, asOfficialCLI: Bool = false
    ) throws(CedarJSONError) -> [Entity] {
        let json: JSONValue
        do { json = try CedarJSON.parse(text) } catch { throw CedarJSONError(.syntax, error.description) }
        return try entities(json, typing: typing, asOfficialCLI: asOfficialCLI)
    }

    /// Converts a parsed entities document.
    public static func entities(
        _ json: JSONValue, typing: (any EntityJSONTyping)? = nil, asOfficialCLI: Bool = false
    ) throws(CedarJSONError) -> [Entity] {
        guard case .array(let items) = json else {
            throw CedarJSONError(.shape, "an entities file must be a JSON array of entity objects")
        }
        var out: [Entity] = []
        out.reserveCapacity(items.count)
        for item in items { out.append(try entity(item, typing: typing, asOfficialCLI: asOfficialCLI)) }
        return out
    }

    /// Converts one entity object.
    public static func entity(
        _ json: JSONValue, typing: (any EntityJSONTyping)? = nil, asOfficialCLI: Bool = false
    ) throws(CedarJSONError) -> Entity {
        let lenientUID = asOfficialCLI
        guard case .object(let pairs) = json else {
            throw CedarJSONError(.shape, "each entity must be a JSON object with `uid`, `attrs` and `parents`")
        }
        var uidJSON: JSONValue?
        var attrsJSON: JSONValue = .object([:])
        var parentsJSON: JSONValue = .array([])
        var tagsJSON: JSONValue?
        for (k, v) in pairs {
            switch ExactString(k) {
            case "uid": uidJSON = v
            case "attrs": attrsJSON = v
            case "parents": parentsJSON = v
            case "tags": tagsJSON = v
            default:
                if !asOfficialCLI { throw CedarJSONError(.shape, "unexpected field `\(k)` in an entity") }
            }
        }
        guard let uidJSON else { throw CedarJSONError(.shape, "an entity is missing its `uid`") }
        let uid = try CedarJSON.entityUID(uidJSON, ignoringUnknownFields: lenientUID)
        if asOfficialCLI {
            let keys = Set(pairs.map { ExactString($0.key) })
            for required: ExactString in ["attrs", "parents"] where !keys.contains(required) {
                throw CedarJSONError(.shape, "the entity `\(uid)` is missing its `\(required)`")
            }
        }
        guard case .array(let parentItems) = parentsJSON else {
            throw CedarJSONError(.shape, "`parents` of `\(uid)` must be an array")
        }
        var parents = Set<EntityUID>()
        for p in parentItems { parents.insert(try CedarJSON.entityUID(p, ignoringUnknownFields: lenientUID)) }
        let attrs = try record(attrsJSON, what: "attrs of `\(uid)`") { j throws(CedarJSONError) in
            try typing?.decodeAttributes(j, of: uid)
        }
        var tags: [ExactString: Value] = [:]
        if let tagsJSON {
            tags = try record(tagsJSON, what: "tags of `\(uid)`") { j throws(CedarJSONError) in
                try typing?.decodeTags(j, of: uid)
            }
        }
        return Entity(uid: uid, attributes: attrs, parents: parents, tags: tags)
    }

    /// Converts a context object for a request with `action`.
    public static func context(_ json: JSONValue, action: EntityUID, typing: (any EntityJSONTyping)? = nil)
        throws(CedarJSONError) -> [ExactString: Value]
    {
        try record(json, what: "the context") { j throws(CedarJSONError) in
            try typing?.decodeContext(j, action: action)
        }
    }

    private static func record(
        _ json: JSONValue, what: String, typed: (JSONValue) throws(CedarJSONError) -> [ExactString: Value]?
    ) throws(CedarJSONError) -> [ExactString: Value] {
        guard case .object(let pairs) = json else {
            throw CedarJSONError(.shape, "\(what) must be a JSON object")
        }
        if let t = try typed(json) { return t }
        var out: [ExactString: Value] = [:]
        out.reserveCapacity(pairs.count)
        for (k, v) in pairs { out[ExactString(k)] = try CedarJSON.value(v, depth: 1) }
        return out
    }
}
