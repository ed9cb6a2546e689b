/// A schema's request checks worked out once (``Schema/validateRequest(_:)`` builds one per call; a
/// server keeps one per loaded schema and drops it with the schema): each declared action by its
/// exact uid with the principal and resource types it applies to, and its context type with record
/// keys compared by code points. Answers, codes and messages are ``Schema/validateRequest(_:)``'s;
/// names and keys are compared as bytes, as the Rust engine compares them. A class: holders copy one reference.
public final class RequestValidator: Sendable {
    private let actions: [EntityUID: CompiledAction]
    private let declaredTypes: Set<Name>
    /// Value conformance with the schema's enumerated ids (context values, nested records).
    private let conformance: ValueConformance

    public init(_ schema: Schema) {
        declaredTypes = Set(schema.entityTypes.keys.map { Name($0) })
        conformance = ValueConformance(schema)
        let enums = conformance.enumIDs
        var actions: [EntityUID: CompiledAction] = [:]
        for (id, action) in schema.actions {
            actions[id.entityUID] = CompiledAction(action, declared: declaredTypes, enums: enums)
        }
        self.actions = actions
    }

    /// Checks a request: the action is declared, the principal and resource types are ones the action
    /// applies to, and the context has the action's context type.
    ///
    /// `contextConforms`: the caller already knows the context has the action's context type (it
    /// asked ``contextConforms(_:action:)`` once about a context of the same keys and value types),
    /// so the walk over it is skipped; every other check, and every answer, is the same.
    public func validate(_ request: Request, contextConforms: Bool = false) throws(SchemaConformanceError) {
        guard let action = actions[request.action] else {
            throw SchemaConformanceError(.undeclaredAction, "request's action `\(request.action)` is not declared in the schema")
        }
        try check(request.principal, role: "principal", allowed: action.principalTypes, action: request.action, code: .invalidPrincipalType)
        try check(request.resource, role: "resource", allowed: action.resourceTypes, action: request.action, code: .invalidResourceType)
        guard contextConforms || conformance.record(request.context, conformsTo: action.context, depth: 0) else {
            throw SchemaConformanceError(
                .contextMismatch,
                "the context of the request does not match the context type \(action.declaredContext) declared for `\(request.action)`")
        }
    }

    /// Whether `context` has the context type declared for `action`, as ``validate(_:contextConforms:)``
    /// checks it; false when the action is not declared.
    public func contextConforms(_ context: [ExactString: Value], action: EntityUID) -> Bool {
        guard let compiled = actions[action] else { return false }
        return conformance.record(context, conformsTo: compiled.context, depth: 0)
    }

    /// The declared actions' uids.
    public var actionUIDs: [EntityUID] { Array(actions.keys) }

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
