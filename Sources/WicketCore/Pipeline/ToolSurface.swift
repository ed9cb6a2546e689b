import Cedar

/// What the tenant's schema (written by `wicket schema` from the server's `tools/list`) says each
/// namespace offers, checked on live traffic: a `tools/call` of a tool the schema does not declare is
/// refused (`unknown_tools = "deny"`), and every Cedar request must conform to the schema — declared
/// action, principal and resource types it applies to, and the context type.
struct ToolSurface: Sendable {
    let schema: Schema
    /// The schema's request checks, built once with the schema (a reload builds a new surface).
    let requests: RequestValidator
    /// Which context shapes conform to each action's context type, worked out with the schema.
    let contexts: ContextConformance
    let unknownTools: UnknownTools
    /// Namespace → the UTF-8 bytes of every action declared in its `tools/call` group. Bytes, not
    /// `String`: Swift's `String` equality would let a canonically equivalent spelling match.
    let toolsByNamespace: [String: Set<[UInt8]>]

    init(schema: Schema, unknownTools: UnknownTools) {
        self.schema = schema
        requests = RequestValidator(schema)
        contexts = ContextConformance(requests)
        self.unknownTools = unknownTools
        var tools: [String: Set<[UInt8]>] = [:]
        for action in schema.actions.values {
            let type = action.uid.type
            guard type.hasSuffix("::Action") || type == "Action" else { continue }
            let namespace = type == "Action" ? "" : String(type.dropLast("::Action".count))
            let isTool = action.memberOf.contains { CodePoints.equal($0.type, type) && CodePoints.equal($0.id, "tools/call") }
            if isTool { tools[namespace, default: []].insert(Array(action.uid.id.utf8)) }
        }
        toolsByNamespace = tools
    }

    /// Why the message must be refused before any policy runs, or nil. `shape`: the request's context
    /// came from ``ContextFacts/cedarContext()`` with this shape (its conformance is then looked up).
    func problem(
        request: Request, facts: MessageFacts, namespace: String, shape: ContextShape? = nil
    ) -> (message: String, record: String)? {
        if facts.method == "tools/call", case .tool(let tool) = facts.target {
            let declared = toolsByNamespace[namespace]?.contains(Array(tool.utf8)) ?? false
            if !declared {
                guard unknownTools == .deny else { return nil }  // `policy`: left to the policies, unvalidated
                return (
                    "the tool `\(tool)` is not declared in the tenant's schema for namespace \(namespace), so it is refused; "
                        + "if the server now offers it, regenerate the schema with `wicket schema` and reload",
                    "schema: undeclared tool `\(tool)` (unknown_tools = deny); regenerate the schema with `wicket schema`"
                )
            }
        }
        do {
            let conforms = shape.map { contexts.conforms(action: request.action, shape: $0) } ?? false
            try requests.validate(request, contextConforms: conforms)
        } catch {
            return (
                "the request does not conform to the tenant's schema (\(Self.part(error.code))): \(error.message); "
                    + "regenerate the schema with `wicket schema` if the server or Wicket changed",
                "schema: \(Self.part(error.code)): \(error.message)"
            )
        }
        return nil
    }

    /// The context shapes (one bit per ``ContextShape/bits``) for which ``problem(request:facts:namespace:shape:)``
    /// is nil whatever the context's values: worked out once for a request's principal, action, resource
    /// and message (``KeptRequest``). A shape is admitted when the tool passes the declared-tools rule and
    /// the request passes validation with its context known to conform by its shape alone, exactly the
    /// path `problem` takes for it without reading the context; any other shape is left to `problem`.
    func admittedShapes(request: Request, facts: MessageFacts, namespace: String) -> UInt16 {
        if facts.method == "tools/call", case .tool(let tool) = facts.target {
            let declared = toolsByNamespace[namespace]?.contains(Array(tool.utf8)) ?? false
            if !declared { return unknownTools == .deny ? 0 : 0xFFFF }
        }
        do { try requests.validate(request, contextConforms: true) } catch { return 0 }
        var bits: UInt16 = 0
        for shape in ContextShape.all where contexts.conforms(action: request.action, shape: shape) {
            bits |= 1 << UInt16(shape.bits)
        }
        return bits
    }

    /// The part of the request that failed validation, as the record names it.
    static func part(_ code: SchemaConformanceError.Code) -> String {
        switch code {
        case .undeclaredAction, .actionMismatch: "action"
        case .invalidPrincipalType: "principal"
        case .invalidResourceType: "resource"
        case .contextMismatch, .attributeMismatch, .undeclaredAttribute, .missingAttribute, .tagMismatch: "context"
        case .undeclaredEntityType, .invalidEnumEntity, .invalidParent: "entity"
        }
    }
}
