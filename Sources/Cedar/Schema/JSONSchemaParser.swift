import Foundation
import WicketJSON

/// Reads Cedar's JSON schema format into unresolved namespaces.
struct JSONSchemaParser {
    let filename: String

    func parse(_ data: Data) throws(SchemaError) -> [RawNamespace] {
        let root: JSONValue
        do {
            root = try CedarJSON.parse(Array(data))
        } catch {
            let (line, column) = Self.position(of: error.offset, in: data)
            throw SchemaError(.invalidJSON, "the schema is not valid JSON: \(error.reason)", file: filename, line: line, column: column)
        }
        guard let object = root.objectValue else { throw fail("the schema must be a JSON object of namespaces") }
        var namespaces: [RawNamespace] = []
        for name in object.keys.sorted() {
            guard let body = object[name]?.objectValue else { throw fail("namespace `\(name)` must be a JSON object") }
            namespaces.append(try parseNamespace(name, body))
        }
        return namespaces
    }

    private func parseNamespace(_ name: String, _ body: JSONObject) throws(SchemaError) -> RawNamespace {
        var namespace = RawNamespace(name: name)
        for key in body.keys where !["entityTypes", "actions", "commonTypes", "annotations"].contains(key) {
            throw fail("unknown field `\(key)` in namespace `\(name)`")
        }
        if let entities = body["entityTypes"] {
            guard let object = entities.objectValue else { throw fail("`entityTypes` must be an object") }
            for entityName in object.keys.sorted() {
                guard let decl = object[entityName]?.objectValue else { throw fail("entity type `\(entityName)` must be an object") }
                namespace.entityTypes.append(try parseEntity(entityName, decl))
            }
        }
        if let actions = body["actions"] {
            guard let object = actions.objectValue else { throw fail("`actions` must be an object") }
            for id in object.keys.sorted() {
                guard let decl = object[id]?.objectValue else { throw fail("action `\(id)` must be an object") }
                namespace.actions.append(try parseAction(id, decl))
            }
        }
        if let common = body["commonTypes"] {
            guard let object = common.objectValue else { throw fail("`commonTypes` must be an object") }
            for typeName in object.keys.sorted() {
                guard let decl = object[typeName] else { continue }
                namespace.commonTypes.append(RawCommonTypeDeclaration(name: typeName, type: try parseType(decl), position: .unknown))
            }
        }
        namespace.annotations = try parseAnnotations(body["annotations"])
        return namespace
    }

    private func parseEntity(_ name: String, _ decl: JSONObject) throws(SchemaError) -> RawEntityDeclaration {
        for key in decl.keys where !["memberOfTypes", "shape", "tags", "enum", "annotations"].contains(key) {
            throw fail("unknown field `\(key)` in entity type `\(name)`")
        }
        var parents: [(name: String, position: SchemaPosition)] = []
        if let member = decl["memberOfTypes"] {
            guard let list = member.arrayValue else { throw fail("`memberOfTypes` of `\(name)` must be an array") }
            for item in list {
                guard let parent = item.stringValue else { throw fail("`memberOfTypes` of `\(name)` must hold strings") }
                parents.append((parent, .unknown))
            }
        }
        var enumIDs: [String]?
        if let list = decl["enum"] {
            guard let items = list.arrayValue, !items.isEmpty else { throw fail("`enum` of `\(name)` must be a non-empty array") }
            var ids: [String] = []
            for item in items {
                guard let id = item.stringValue else { throw fail("`enum` of `\(name)` must hold strings") }
                ids.append(id)
            }
            enumIDs = ids
        }
        return RawEntityDeclaration(
            name: name, parents: parents,
            shape: try decl["shape"].map { json throws(SchemaError) in try parseType(json) },
            tags: try decl["tags"].map { json throws(SchemaError) in try parseType(json) },
            enumIDs: enumIDs, annotations: try parseAnnotations(decl["annotations"]), position: .unknown)
    }

    private func parseAction(_ id: String, _ decl: JSONObject) throws(SchemaError) -> RawActionDeclaration {
        for key in decl.keys where !["memberOf", "appliesTo", "annotations", "attributes"].contains(key) {
            throw fail("unknown field `\(key)` in action `\(id)`")
        }
        if let attributes = decl["attributes"], attributes != .null, attributes != .object([:]) {
            throw fail(.unsupported, "action attributes are not supported")
        }
        var parents: [RawActionReference] = []
        if let member = decl["memberOf"] {
            guard let list = member.arrayValue else { throw fail("`memberOf` of action `\(id)` must be an array") }
            for item in list {
                guard let object = item.objectValue, let parentID = object["id"]?.stringValue else {
                    throw fail("`memberOf` of action `\(id)` must hold objects with an `id`")
                }
                parents.append(RawActionReference(type: object["type"]?.stringValue, id: parentID, position: .unknown))
            }
        }
        var appliesTo: RawAppliesTo?
        if let applies = decl["appliesTo"], applies != .null {
            guard let object = applies.objectValue else { throw fail("`appliesTo` of action `\(id)` must be an object") }
            var result = RawAppliesTo(principals: [], resources: [], context: nil)
            result.principals = try typeNames(object["principalTypes"], field: "principalTypes", action: id)
            result.resources = try typeNames(object["resourceTypes"], field: "resourceTypes", action: id)
            if let context = object["context"] { result.context = try parseType(context) }
            appliesTo = result
        }
        return RawActionDeclaration(
            id: id, parents: parents, appliesTo: appliesTo,
            annotations: try parseAnnotations(decl["annotations"]), position: .unknown)
    }

    private func typeNames(_ json: JSONValue?, field: String, action: String) throws(SchemaError) -> [(
        name: String, position: SchemaPosition
    )] {
        guard let json, json != .null else { return [] }
        guard let list = json.arrayValue else { throw fail("`\(field)` of action `\(action)` must be an array") }
        var names: [(name: String, position: SchemaPosition)] = []
        for item in list {
            guard let name = item.stringValue else { throw fail("`\(field)` of action `\(action)` must hold strings") }
            names.append((name, .unknown))
        }
        return names
    }

    private func parseType(_ json: JSONValue) throws(SchemaError) -> RawType {
        guard let object = json.objectValue, let kind = object["type"]?.stringValue else {
            throw fail("a schema type must be an object with a `type` field")
        }
        switch kind {
        case "Boolean": return .bool
        case "Long": return .long
        case "String": return .string
        case "Set":
            guard let element = object["element"] else { throw fail("a `Set` type needs an `element` type") }
            return .set(try parseType(element))
        case "Record":
            if object["additionalAttributes"]?.boolValue == true {
                throw fail(.unsupported, "records with `additionalAttributes` are not supported")
            }
            var attributes: [String: RawAttribute] = [:]
            if let attrs = object["attributes"] {
                guard let map = attrs.objectValue else { throw fail("`attributes` must be an object") }
                for (name, attr) in map {
                    let type = try parseType(attr)
                    var required = true
                    if let flag = attr.objectValue?["required"] {
                        guard let value = flag.boolValue else { throw fail("`required` of attribute `\(name)` must be a boolean") }
                        required = value
                    }
                    attributes[name] = RawAttribute(type: type, isRequired: required)
                }
            }
            return .record(attributes, position: .unknown)
        case "Entity":
            guard let name = object["name"]?.stringValue else { throw fail("an `Entity` type needs a `name`") }
            return .reference(name, .entity, .unknown)
        case "Extension":
            guard let name = object["name"]?.stringValue else { throw fail("an `Extension` type needs a `name`") }
            let bare = name.hasPrefix("__cedar::") ? String(name.dropFirst("__cedar::".count)) : name
            guard ExtensionTypeName.all.contains(bare) else { throw fail(.undeclaredType, "unknown extension type `\(name)`") }
            return .extensionType(bare, .unknown)
        case "EntityOrCommon":
            guard let name = object["name"]?.stringValue else { throw fail("an `EntityOrCommon` type needs a `name`") }
            return .reference(name, .commonOrEntity, .unknown)
        default:
            return .reference(kind, .common, .unknown)
        }
    }

    private func parseAnnotations(_ json: JSONValue?) throws(SchemaError) -> [String: String] {
        guard let json, json != .null else { return [:] }
        guard let object = json.objectValue else { throw fail("`annotations` must be an object of strings") }
        var result: [String: String] = [:]
        for (key, value) in object {
            guard let text = value.stringValue else { throw fail("annotation `\(key)` must be a string") }
            result[key] = text
        }
        return result
    }

    /// 1-based line and column of a byte offset.
    static func position(of offset: Int, in data: Data) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in data.prefix(max(0, offset)) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    private func fail(_ code: SchemaError.Code, _ message: String) -> SchemaError {
        SchemaError(code, message, file: filename)
    }

    private func fail(_ message: String) -> SchemaError {
        SchemaError(.invalidDeclaration, message, file: filename)
    }
}
