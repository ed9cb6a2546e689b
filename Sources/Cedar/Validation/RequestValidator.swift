/// A schema's request checks worked out once (``Schema/validateRequest(_:)`` builds one per call; a
/// server keeps one per loaded schema and drops it with the schema): each declared action by its
/// exact uid with the principal and resource types it applies to, and its context type with record
/// keys compared by code points. Answers, codes and messages are ``Schema/validateRequest(_:)``'s;
/// names and keys are compared as bytes, as the Rust engine compares them. A class: holders copy one reference.
public final class RequestValidator: Sendable {
    private let actions: [EntityUID: CompiledAction]
    private let declaredTypes: Set<Name>
    /// The ids of each enumerated entity type.
    private let enumIDs: [Name: Set<ExactString>]

    public init(_ schema: Schema) {
        declaredTypes = Set(schema.entityTypes.keys.map { Name($0) })
        var enums: [Name: Set<ExactString>] = [:]
        for (name, type) in schema.entityTypes {
            if let ids = type.enumIDs { enums[Name(name)] = Set(ids.map { ExactString($0) }) }
        }
        enumIDs = enums
        var actions: [EntityUID: CompiledAction] = [:]
        for (id, action) in schema.actions {
            actions[id.entityUID] = CompiledAction(action, declared: declaredTypes, enums: enums)
        }
        self.actions = actions
    }

    /// Checks a request: the action is declared, the principal and resource types are ones the action
    /// applies to, and the context has the action's context type.
    public func validate(_ request: Request) throws(SchemaConformanceError) {
        guard let action = actions[request.action] else {
            throw SchemaConformanceError(.undeclaredAction, "request's action `\(request.action)` is not declared in the schema")
        }
        try check(request.principal, role: "principal", allowed: action.principalTypes, action: request.action, code: .invalidPrincipalType)
        try check(request.resource, role: "resource", allowed: action.resourceTypes, action: request.action, code: .invalidResourceType)
        guard record(request.context, conformsTo: action.context, depth: 0) else {
            throw SchemaConformanceError(
                .contextMismatch,
                "the context of the request does not match the context type \(action.declaredContext) declared for `\(request.action)`")
        }
    }

    private func check(
        _ uid: EntityUID, role: String, allowed: [AllowedType], action: EntityUID, code: SchemaConformanceError.Code
    ) throws(SchemaConformanceError) {
        // The usual case: one of the few declared types the action applies to (compared as bytes, no hashing).
        for t in allowed where t.name == uid.type {
            if let ids = t.enumIDs, !ids.contains(ExactString(uid.id)) { break }
            return
        }
        let type = uid.type.qualified
        guard declaredTypes.contains(uid.type) else {
            throw SchemaConformanceError(.undeclaredEntityType, "\(role) type `\(type)` is not declared in the schema")
        }
        guard allowed.contains(where: { $0.name == uid.type }) else {
            throw SchemaConformanceError(code, "\(role) type `\(type)` is not valid for `\(action)`")
        }
        throw SchemaConformanceError(.invalidEnumEntity, "\(role) `\(uid)` is not one of the ids enumerated for `\(type)`")
    }

    /// ``Schema``'s record conformance: every field declared and of its type, every required attribute
    /// present. With distinct keys, the second holds exactly when as many fields are required
    /// attributes as the record has required attributes.
    private func record(_ fields: [ExactString: Value], conformsTo record: CompiledRecord, depth: Int) -> Bool {
        var required = 0
        for (key, value) in fields {
            guard let attribute = record.attribute(key), conforms(value, attribute.type, depth: depth + 1) else { return false }
            if attribute.isRequired { required += 1 }
        }
        return required == record.requiredCount
    }

    private func conforms(_ value: Value, _ type: CompiledType, depth: Int) -> Bool {
        guard depth < 256 else { return false }
        switch (value, type) {
        case (.bool, .bool), (.long, .long), (.string, .string):
            return true
        case (.set(let items), .set(let element)):
            return items.allSatisfy { conforms($0, element, depth: depth + 1) }
        case (.record(let fields), .record(let compiled)):
            return record(fields, conformsTo: compiled, depth: depth + 1)
        case (.entity(let uid), .entity(let expected)):
            guard uid.type == expected else { return false }
            guard let ids = enumIDs[expected] else { return true }
            return ids.contains(ExactString(uid.id))
        case (.ext(let ext), .extensionType(let name)):
            return ext.typeName == name
        default:
            return false
        }
    }
}

/// An entity type an action applies to, with its enumerated ids when it has them.
private struct AllowedType: Sendable {
    let name: Name
    let enumIDs: Set<ExactString>?
}

private struct CompiledAction: Sendable {
    /// Declared types only, so a match needs no second lookup (an undeclared one fails as before).
    let principalTypes: [AllowedType]
    let resourceTypes: [AllowedType]
    let context: CompiledRecord
    /// For the message, written as the schema writes it.
    let declaredContext: RecordSchemaType

    init(_ action: Schema.Action, declared: Set<Name>, enums: [Name: Set<ExactString>]) {
        func allowed(_ types: [String]) -> [AllowedType] {
            types.map { Name($0) }.filter { declared.contains($0) }.map { AllowedType(name: $0, enumIDs: enums[$0]) }
        }
        principalTypes = allowed(action.principalTypes)
        resourceTypes = allowed(action.resourceTypes)
        context = CompiledRecord(action.context)
        declaredContext = action.context
    }
}

private final class CompiledRecord: Sendable {
    let attributes: [ExactString: (type: CompiledType, isRequired: Bool)]
    let requiredCount: Int

    init(_ record: RecordSchemaType) {
        var attributes: [ExactString: (type: CompiledType, isRequired: Bool)] = [:]
        for (key, attribute) in record.attributes {
            attributes[ExactString(key)] = (CompiledType(attribute.type), attribute.isRequired)
        }
        self.attributes = attributes
        requiredCount = record.attributes.values.filter(\.isRequired).count
        listed = attributes.count <= 8 ? attributes.map { ($0.key, $0.value) } : []
    }

    /// A small record's attributes as a list: comparing a few short keys (two integer compares when
    /// both are the same short string) costs less than hashing one.
    private let listed: [(key: ExactString, value: (type: CompiledType, isRequired: Bool))]

    @inline(__always)
    func attribute(_ key: ExactString) -> (type: CompiledType, isRequired: Bool)? {
        guard !listed.isEmpty else { return attributes[key] }
        for k in listed.indices where listed[k].key == key { return listed[k].value }
        return nil
    }
}

private indirect enum CompiledType: Sendable {
    case bool, long, string
    case set(CompiledType)
    case record(CompiledRecord)
    case entity(Name)
    case extensionType(String)

    init(_ type: SchemaType) {
        switch type {
        case .bool: self = .bool
        case .long: self = .long
        case .string: self = .string
        case .set(let element): self = .set(CompiledType(element))
        case .record(let record): self = .record(CompiledRecord(record))
        case .entity(let name): self = .entity(Name(name))
        case .extensionType(let name): self = .extensionType(name)
        }
    }
}
