import WicketJSON

/// Schema-directed decoding of entity and context JSON: with the expected type known, an entity
/// reference may be written `{"type": …, "id": …}` and an extension value as its plain string
/// (`"10.0.0.1"` for an `ipaddr`), as Cedar allows.
extension Schema {
    /// Converts the JSON value of an attribute, tag or context field into a ``Value`` of type `expected`.
    ///
    /// - Parameter path: where the value sits, for error messages (e.g. ``attribute `age` of `User::"a"` ``).
    /// - Throws: ``CedarJSONError`` with code `schemaType` when the value does not have the expected type.
    public func decodeValue(_ json: JSONValue, expected: SchemaType, path: String) throws(CedarJSONError) -> Value {
        try decode(json, expected, path, depth: 0)
    }

    /// Converts a JSON object into record fields of type `record` (undeclared fields and missing
    /// required fields are errors).
    public func decodeRecord(_ json: JSONValue, expected record: RecordSchemaType, path: String) throws(CedarJSONError) -> [ExactString:
        Value]
    {
        try decodeFields(json, record, path, depth: 0)
    }

    private func decode(_ json: JSONValue, _ expected: SchemaType, _ path: String, depth: Int) throws(CedarJSONError) -> Value {
        guard depth < CedarJSON.maxDepth else { throw CedarJSONError(.shape, "\(path) nests too deeply") }
        switch expected {
        case .bool:
            guard case .bool(let b) = json else { throw mismatch(path, expected, json) }
            return .bool(b)
        case .long:
            switch json {
            case .number(let n):
                guard let i = n.cedarLong else { throw CedarJSONError(.number, "\(path): `\(n.text)` is not a 64-bit integer") }
                return .long(i)
            default: throw mismatch(path, expected, json)
            }
        case .string:
            guard case .string(let s) = json else { throw mismatch(path, expected, json) }
            return .string(s)
        case .set(let element):
            guard case .array(let items) = json else { throw mismatch(path, expected, json) }
            var set = Set<Value>()
            for item in items { set.insert(try decode(item, element, path, depth: depth + 1)) }
            return .set(set)
        case .record(let record):
            return .record(try decodeFields(json, record, path, depth: depth + 1))
        case .entity(let type):
            let uid: EntityUID
            do { uid = try CedarJSON.entityUID(json) } catch { throw mismatch(path, expected, json) }
            guard uid.type.qualified == type else {
                throw CedarJSONError(.schemaType, "\(path) must be an entity of type `\(type)`, found `\(uid)`")
            }
            return .entity(uid)
        case .extensionType(let name):
            let value: Value
            switch json {
            case .string(let text):
                guard let ext = Extensions.construct(Self.constructor(for: name), text) else {
                    throw CedarJSONError(.extensionValue, "\(path): `\(text)` is not a valid `\(name)` value")
                }
                value = .ext(ext)
            case .object(let pairs):
                let body = pairs.count == 1 && ExactString(pairs[0].key) == "__extn" ? pairs[0].value : json
                value = try CedarJSON.extensionValue(body, depth: depth + 1)
            default:
                throw mismatch(path, expected, json)
            }
            guard case .ext(let ext) = value, ext.typeName == name else {
                throw CedarJSONError(.schemaType, "\(path) must be a `\(name)` value, found a \(value.typeName)")
            }
            return value
        }
    }

    private func decodeFields(_ json: JSONValue, _ record: RecordSchemaType, _ path: String, depth: Int) throws(CedarJSONError)
        -> [ExactString: Value]
    {
        guard case .object(let pairs) = json else {
            throw CedarJSONError(.schemaType, "\(path) must be a record, found a JSON \(json.kindName)")
        }
        var out: [ExactString: Value] = [:]
        for (key, value) in pairs {
            guard let attribute = record.attributes[key] else {
                throw CedarJSONError(.schemaType, "\(path) has attribute `\(key)`, which the schema does not declare")
            }
            out[ExactString(key)] = try decode(value, attribute.type, "attribute `\(key)` of \(path)", depth: depth + 1)
        }
        for (key, attribute) in record.attributes where attribute.isRequired && out[ExactString(key)] == nil {
            throw CedarJSONError(.schemaType, "\(path) is missing the required attribute `\(key)`")
        }
        return out
    }

    /// The constructor function of an extension type (`ip` for `ipaddr`).
    static func constructor(for extensionType: String) -> String {
        extensionType == "ipaddr" ? "ip" : extensionType
    }

    private func mismatch(_ path: String, _ expected: SchemaType, _ json: JSONValue) -> CedarJSONError {
        CedarJSONError(.schemaType, "\(path) must have type \(expected), found a JSON \(json.kindName)")
    }
}

extension Schema: EntityJSONTyping {
    public func decodeAttributes(_ attrs: JSONValue, of uid: EntityUID) throws(CedarJSONError) -> [ExactString: Value]? {
        if isActionEntityType(uid.type.qualified), entityTypes[uid.type.qualified] == nil {
            return nil
        }
        guard let type = entityTypes[uid.type.qualified] else {
            throw CedarJSONError(.schemaType, "entity `\(uid)` has type `\(uid.type)`, which the schema does not declare")
        }
        return try decodeRecord(attrs, expected: type.attributes, path: "`\(uid)`")
    }

    public func decodeTags(_ tags: JSONValue, of uid: EntityUID) throws(CedarJSONError) -> [ExactString: Value]? {
        guard let type = entityTypes[uid.type.qualified] else { return nil }
        guard case .object(let pairs) = tags else {
            throw CedarJSONError(.schemaType, "the tags of `\(uid)` must be a JSON object")
        }
        guard let tagType = type.tags else {
            if pairs.isEmpty { return [:] }
            throw CedarJSONError(.schemaType, "`\(uid)` has tags, but the schema declares none for `\(uid.type)`")
        }
        var out: [ExactString: Value] = [:]
        for (key, value) in pairs {
            out[ExactString(key)] = try decodeValue(value, expected: tagType, path: "tag `\(key)` of `\(uid)`")
        }
        return out
    }

    public func decodeContext(_ context: JSONValue, action: EntityUID) throws(CedarJSONError) -> [ExactString: Value]? {
        let id = ActionID(type: action.type.qualified, id: action.id)
        guard let declared = actions[id] else {
            throw CedarJSONError(.schemaType, "action `\(action)` is not declared in the schema")
        }
        return try decodeRecord(context, expected: declared.context, path: "the context of `\(action)`")
    }
}
