import Foundation

/// Resolves the names of parsed namespaces into a ``Schema`` (Cedar's RFC 24 rules).
///
/// An unqualified name `T` written inside namespace `N` is tried as `N::T`, then as `T` in the empty
/// namespace, preferring a common type over an entity type for each candidate; a builtin
/// (`Bool`, `Long`, `String`, extension types, also spelled `__cedar::T`) is the last resort.
/// A qualified name is taken as written.
struct SchemaResolver {
    let filename: String
    private static let maxDepth = 64

    private struct Definitions {
        var entityTypes: Set<String> = []
        var commonTypes: [String: (type: RawType, namespace: String)] = [:]
        var actions: Set<Schema.ActionID> = []
    }

    func resolve(_ namespaces: [RawNamespace]) throws(SchemaError) -> Schema {
        var defs = Definitions()
        var seenNamespaces: Set<String> = []
        for namespace in namespaces {
            if !namespace.name.isEmpty {
                guard seenNamespaces.insert(namespace.name).inserted else {
                    throw fail(.duplicateDeclaration, "namespace `\(namespace.name)` is declared twice", namespace.position)
                }
                if namespace.name.split(separator: ":").contains("__cedar") {
                    throw fail(.invalidDeclaration, "the namespace `__cedar` is reserved", namespace.position)
                }
            }
            for common in namespace.commonTypes {
                if ["Bool", "Boolean", "Entity", "Extension", "Long", "Record", "Set", "String"].contains(common.name) {
                    throw fail(.invalidDeclaration, "`\(common.name)` is reserved and cannot name a common type", common.position)
                }
                let name = qualify(common.name, in: namespace.name)
                guard defs.commonTypes[name] == nil else {
                    throw fail(.duplicateDeclaration, "common type `\(name)` is declared twice", common.position)
                }
                defs.commonTypes[name] = (common.type, namespace.name)
            }
            for entity in namespace.entityTypes {
                let name = qualify(entity.name, in: namespace.name)
                guard defs.entityTypes.insert(name).inserted else {
                    throw fail(.duplicateDeclaration, "entity type `\(name)` is declared twice", entity.position)
                }
            }
            for action in namespace.actions {
                let uid = Schema.ActionID(type: qualify("Action", in: namespace.name), id: action.id)
                guard defs.actions.insert(uid).inserted else {
                    throw fail(.duplicateDeclaration, "action `\(uid)` is declared twice", action.position)
                }
            }
        }
        for name in defs.entityTypes where defs.commonTypes[name] != nil {
            throw fail(.duplicateDeclaration, "`\(name)` is declared both as an entity type and as a common type", .unknown)
        }
        // RFC 70: a declaration in a namespace may not shadow one in the empty namespace.
        let typeNames = defs.entityTypes.union(defs.commonTypes.keys)
        for name in typeNames.sorted() {
            guard let separator = name.range(of: "::", options: .backwards) else { continue }
            let basename = String(name[separator.upperBound...])
            if typeNames.contains(basename) {
                throw fail(
                    .duplicateDeclaration, "`\(name)` shadows `\(basename)` declared in the empty namespace; rename one of them", .unknown)
            }
        }
        for action in defs.actions.sorted(by: { $0.description < $1.description }) where action.type != "Action" {
            if defs.actions.contains(Schema.ActionID(type: "Action", id: action.id)) {
                throw fail(
                    .duplicateDeclaration,
                    "action `\(action)` shadows `Action::\(CedarStringEscapes.quote(action.id))` declared in the empty namespace; rename one of them",
                    .unknown)
            }
        }

        var schema = Schema()
        for namespace in namespaces {
            for entity in namespace.entityTypes {
                let name = qualify(entity.name, in: namespace.name)
                var parents: Set<String> = []
                for parent in entity.parents {
                    parents.insert(try resolveEntityType(parent.name, in: namespace.name, defs, parent.position))
                }
                var attributes = RecordSchemaType()
                if let shape = entity.shape {
                    guard case .record(let record) = try resolveType(shape, in: namespace.name, defs, depth: 0) else {
                        throw fail(.invalidDeclaration, "the shape of entity type `\(name)` must be a record", entity.position)
                    }
                    attributes = record
                }
                let tags = try entity.tags.map { raw throws(SchemaError) in try resolveType(raw, in: namespace.name, defs, depth: 0) }
                schema.entityTypes[name] = Schema.EntityType(
                    name: name, memberOfTypes: parents, attributes: attributes, tags: tags,
                    enumIDs: entity.enumIDs, annotations: entity.annotations)
            }
            for action in namespace.actions {
                let actionType = qualify("Action", in: namespace.name)
                let uid = Schema.ActionID(type: actionType, id: action.id)
                var parents: [Schema.ActionID] = []
                for parent in action.parents {
                    let candidates: [String]
                    if let type = parent.type {
                        candidates = type.contains("::") ? [type] : unique([qualify(type, in: namespace.name), type])
                    } else {
                        candidates = [actionType]
                    }
                    guard
                        let found = candidates.map({ Schema.ActionID(type: $0, id: parent.id) }).first(where: { defs.actions.contains($0) })
                    else {
                        let shown = Schema.ActionID(type: candidates.first ?? actionType, id: parent.id)
                        throw fail(.undeclaredAction, "action `\(uid)` is declared in undeclared action `\(shown)`", parent.position)
                    }
                    if !parents.contains(found) { parents.append(found) }
                }
                var principals: [String] = []
                var resources: [String] = []
                var context = RecordSchemaType()
                if let applies = action.appliesTo {
                    for p in applies.principals {
                        let t = try resolveEntityType(p.name, in: namespace.name, defs, p.position)
                        if !principals.contains(t) { principals.append(t) }
                    }
                    for r in applies.resources {
                        let t = try resolveEntityType(r.name, in: namespace.name, defs, r.position)
                        if !resources.contains(t) { resources.append(t) }
                    }
                    if let raw = applies.context {
                        guard case .record(let record) = try resolveType(raw, in: namespace.name, defs, depth: 0) else {
                            throw fail(.invalidDeclaration, "the context of action `\(uid)` must be a record", action.position)
                        }
                        context = record
                    }
                }
                schema.actions[uid] = Schema.Action(
                    uid: uid, memberOf: parents, principalTypes: principals, resourceTypes: resources,
                    context: context, annotations: action.annotations)
                schema.actionOrder.append(uid)
                schema.actionEntityTypes.insert(actionType)
            }
        }
        schema.entityTypeAncestors = closure(schema.entityTypes.mapValues { Array($0.memberOfTypes) })
        let actionParents = schema.actions.mapValues { $0.memberOf }
        schema.actionAncestors = closure(actionParents)
        for (uid, ancestors) in schema.actionAncestors where ancestors.contains(uid) {
            throw fail(.actionCycle, "action `\(uid)` is transitively a member of itself", .unknown)
        }
        return schema
    }

    // MARK: Names

    private func qualify(_ name: String, in namespace: String) -> String {
        namespace.isEmpty ? name : "\(namespace)::\(name)"
    }

    private func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }

    private func candidates(_ name: String, in namespace: String) -> [String] {
        name.contains("::") ? [name] : unique([qualify(name, in: namespace), name])
    }

    private func resolveEntityType(_ name: String, in namespace: String, _ defs: Definitions, _ position: SchemaPosition)
        throws(SchemaError) -> String
    {
        for candidate in candidates(name, in: namespace) where defs.entityTypes.contains(candidate) {
            return candidate
        }
        throw fail(.undeclaredType, "entity type `\(name)` is not declared", position)
    }

    private func resolveType(_ raw: RawType, in namespace: String, _ defs: Definitions, depth: Int) throws(SchemaError) -> SchemaType {
        guard depth < Self.maxDepth else {
            throw fail(.invalidDeclaration, "type definitions nest too deeply or are cyclic", .unknown)
        }
        switch raw {
        case .bool: return .bool
        case .long: return .long
        case .string: return .string
        case .set(let element):
            return .set(try resolveType(element, in: namespace, defs, depth: depth + 1))
        case .record(let attributes, _):
            var record = RecordSchemaType()
            for (name, attribute) in attributes {
                record.attributes[name] = AttributeSchemaType(
                    type: try resolveType(attribute.type, in: namespace, defs, depth: depth + 1),
                    isRequired: attribute.isRequired)
            }
            return .record(record)
        case .extensionType(let name, _):
            return .extensionType(name)
        case .reference(let name, let kind, let position):
            if name.hasPrefix("__cedar::") {
                if let builtin = Self.builtin(String(name.dropFirst("__cedar::".count))) { return builtin }
                throw fail(.undeclaredType, "type `\(name)` is not declared", position)
            }
            for candidate in candidates(name, in: namespace) {
                if kind != .entity, let common = defs.commonTypes[candidate] {
                    return try resolveType(common.type, in: common.namespace, defs, depth: depth + 1)
                }
                if kind != .common, defs.entityTypes.contains(candidate) {
                    return .entity(candidate)
                }
            }
            if kind != .entity, !name.contains("::"), let builtin = Self.builtin(name) { return builtin }
            throw fail(.undeclaredType, "type `\(name)` is not declared", position)
        }
    }

    private static func builtin(_ name: String) -> SchemaType? {
        switch name {
        case "Bool": return .bool
        case "Long": return .long
        case "String": return .string
        default: return ExtensionTypeName.all.contains(name) ? .extensionType(name) : nil
        }
    }

    private func closure<Key: Hashable>(_ parents: [Key: [Key]]) -> [Key: Set<Key>] {
        var result: [Key: Set<Key>] = [:]
        for start in parents.keys {
            var seen: Set<Key> = []
            var stack = parents[start] ?? []
            while let next = stack.popLast() {
                guard seen.insert(next).inserted else { continue }
                stack.append(contentsOf: parents[next] ?? [])
            }
            result[start] = seen
        }
        return result
    }

    private func fail(_ code: SchemaError.Code, _ message: String, _ position: SchemaPosition) -> SchemaError {
        SchemaError(code, message, file: filename, line: position.line, column: position.column)
    }
}
