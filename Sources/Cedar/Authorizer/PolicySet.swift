import WicketJSON

/// A set of static policies, templates and template-linked policies, with a scope index.
public struct PolicySet: Sendable {
    /// Static and linked policies, in source/link order. These are what the authorizer evaluates.
    public private(set) var policies: [Policy]
    /// Templates by id (never evaluated directly), compared by code points as Cedar compares ids: two
    /// ids that differ only in Unicode normalisation are two templates, never one.
    public private(set) var templates: [ExactString: Policy]
    /// The scope index and the compiled policies, rebuilt whenever `policies` changes; boxed so that
    /// copying a set (the request path passes snapshots by value) retains one object, not every table.
    final class Derived: Sendable {
        let index: ScopeIndex
        let compiled: [CompiledPolicy]
        init(_ policies: [Policy]) {
            let index = ScopeIndex(policies)
            self.index = index
            compiled = policies.indices.map { CompiledPolicy(policies[$0], needsScopeCheck: index.typeChecked[$0]) }
        }
    }
    private(set) var derived: Derived
    var index: ScopeIndex { derived.index }
    var compiled: [CompiledPolicy] { derived.compiled }

    /// Builds a set from parsed policies; templates are kept aside for linking.
    /// Throws on duplicate ids.
    public init(_ all: [Policy]) throws(PolicySetError) {
        policies = []
        templates = [:]
        derived = Derived([])
        var ids = Set<ExactString>()
        for p in all {
            guard ids.insert(ExactString(p.id)).inserted else { throw PolicySetError("duplicate policy id `\(p.id)`") }
            if p.isTemplate { templates[ExactString(p.id)] = p } else { policies.append(p) }
        }
        rebuild()
    }

    private mutating func rebuild() {
        derived = Derived(policies)
    }

    /// Parses policy text. With `idAnnotations`, a policy's `@id("x")` becomes its id, as the
    /// official CLI does; otherwise ids are `policy0`, `policy1`, … in source order.
    public init(text: String, file: String = "<input>", idAnnotations: Bool = false) throws(PolicySetError) {
        let parsed: [Policy]
        do { parsed = try PolicyParser.parsePolicies(text, file: file) } catch { throw PolicySetError(error) }
        var renamed = parsed
        if idAnnotations {
            for k in renamed.indices {
                if let id = renamed[k].annotation("id") { renamed[k].id = id }
            }
        }
        try self.init(renamed)
    }

    /// Links a template, adding the resulting policy.
    public mutating func link(template: String, newID: String, principal: EntityUID?, resource: EntityUID?)
        throws(PolicySetError)
    {
        guard let t = templates[ExactString(template)] else { throw PolicySetError("no template with id `\(template)`") }
        guard templates[ExactString(newID)] == nil, !policies.contains(where: { CodePoints.equal($0.id, newID) }) else {
            throw PolicySetError("duplicate policy id `\(newID)`")
        }
        do {
            policies.append(try t.linked(id: newID, principal: principal, resource: resource))
        } catch {
            throw PolicySetError(error.message)
        }
        rebuild()
    }

    /// Links templates from the CLI's JSON format:
    /// `[{"template_id": "t", "link_id": "l", "args": {"?principal": {"type": "T", "id": "x"}}}]`.
    public mutating func link(json text: String) throws(PolicySetError) {
        let json: JSONValue
        do { json = try CedarJSON.parse(text) } catch { throw PolicySetError(error.description) }
        guard case .array(let links) = json else { throw PolicySetError("template links must be a JSON array") }
        for l in links {
            guard case .string(let tid)? = l["template_id"], case .string(let lid)? = l["link_id"] else {
                throw PolicySetError("each template link needs string fields `template_id` and `link_id`")
            }
            var p: EntityUID?
            var r: EntityUID?
            if case .object(let args)? = l["args"] {
                for (k, v) in args {
                    let uid: EntityUID
                    do {
                        if case .string(let s) = v {
                            uid = try PolicyParser.parseEntityUID(s)
                        } else {
                            uid = try CedarJSON.entityUID(v)
                        }
                    } catch {
                        throw PolicySetError("invalid entity for `\(k)` in link `\(lid)`")
                    }
                    switch k {
                    case "?principal": p = uid
                    case "?resource": r = uid
                    default: throw PolicySetError("unknown slot `\(k)` in link `\(lid)`")
                    }
                }
            }
            try link(template: tid, newID: lid, principal: p, resource: r)
        }
    }

    /// The policy (static or linked) or template with this id.
    public func policy(id: String) -> Policy? {
        policies.first { CodePoints.equal($0.id, id) } ?? templates[ExactString(id)]
    }
}

/// A problem building a policy set (parse error, duplicate id, bad link).
public struct PolicySetError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// The parse error, when the problem is one.
    public let parseError: ParseError?
    public init(_ message: String) {
        self.message = message
        parseError = nil
    }
    public init(_ e: ParseError) {
        message = e.description
        parseError = e
    }
    public var description: String { message }
}
