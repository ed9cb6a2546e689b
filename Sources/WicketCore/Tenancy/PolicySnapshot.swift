import Cedar
import Foundation

/// One immutable, fully loaded generation of a tenant's policies and entities. A reload builds a new
/// snapshot beside the serving one and swaps it in only when every file parsed.
///
/// A class, and immutable: whoever holds it (a request's decisions, a list filter) takes one
/// reference, not a copy of every table (a struct's copy retains each of its fields, and releases them
/// again, on every message decided).
public final class PolicySnapshot: Sendable {
    public let enforced: PolicySet
    /// The candidate set of shadow mode, evaluated beside the enforced one; never decides.
    public let shadow: PolicySet?
    /// The tenant's members and groups, placed in each upstream's namespace.
    let entitiesByNamespace: [String: Entities]
    /// What was read, to notice a change on disk.
    let fingerprint: SourceFingerprint
    /// The tenant's schema, enforced on live traffic (declared tools, request validation); nil without one.
    let toolSurface: ToolSurface?
    /// The enforced set's policies as the audit explains them, worked out once (PolicyExplanations.swift).
    let explained: PolicyExplanations?
    /// Each message's Cedar request apart from its context, made once per snapshot (KeptContext.swift):
    /// a reload's new snapshot starts empty, so nothing made from the old policies, entities or schema
    /// is used after the swap.
    let keptRequests = KeptRequests()

    init(
        enforced: PolicySet, shadow: PolicySet?, entitiesByNamespace: [String: Entities], fingerprint: SourceFingerprint,
        toolSurface: ToolSurface? = nil, explained: PolicyExplanations? = nil
    ) {
        self.enforced = enforced
        self.shadow = shadow
        self.entitiesByNamespace = entitiesByNamespace
        self.fingerprint = fingerprint
        self.toolSurface = toolSurface
        self.explained = explained
    }

    /// The message's kept request, made over this snapshot on first use.
    func keptRequest(_ key: KeptRequestKey) -> KeptRequest { keptRequests.request(key, snapshot: self) }

    func entities(namespace: String) -> Entities { entitiesByNamespace[namespace] ?? Entities() }
}

/// A policy-loading problem: which file, and what is wrong with it.
public struct PolicyLoadError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Loads a tenant's policy folder (every `*.cedar` file, in name order) and entities.
public enum PolicyLoader {
    /// Policies are known by their `@id`; one without gets `<file>.policyN` (N counts in that file),
    /// so ids stay stable when another file changes.
    public static func loadPolicies(at path: String) throws(PolicyLoadError) -> PolicySet {
        var all: [Policy] = []
        for file in try cedarFiles(at: path) {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw PolicyLoadError("cannot read `\(file)`: \(error.localizedDescription)")
            }
            do { all += try policies(in: text, file: file) } catch { throw PolicyLoadError(error.description) }
        }
        do { return try PolicySet(all) } catch { throw PolicyLoadError("`\(path)`: \(error.description)") }
    }

    /// One file's policies and templates, each named by its `@id` or else `<file>.policyN`.
    static func policies(in text: String, file: String) throws(PolicySetError) -> [Policy] {
        let parsed = try PolicySet(text: text, file: file)
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        return (parsed.policies + parsed.templates.values.sorted(by: { CodePoints.less($0.id, $1.id) })).map { policy in
            var named = policy
            named.id = policy.annotation("id") ?? "\(stem).\(policy.id)"
            return named
        }
    }

    /// The `*.cedar` files of a folder in name order, or the one file named.
    static func cedarFiles(at path: String) throws(PolicyLoadError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PolicyLoadError("the policy path `\(path)` does not exist")
        }
        guard isDirectory.boolValue else { return [path] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw PolicyLoadError("cannot list `\(path)`: \(error.localizedDescription)")
        }
        return names.filter { $0.hasSuffix(".cedar") }.sorted().map { (path as NSString).appendingPathComponent($0) }
    }

    public static func loadEntities(at path: String) throws(PolicyLoadError) -> [Entity] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PolicyLoadError("cannot read entities `\(path)`: \(error.localizedDescription)")
        }
        do { return try EntityJSON.parse(text) } catch { throw PolicyLoadError("`\(path)`: \(error.description)") }
    }

    /// Reads everything a tenant's decisions depend on.
    static func snapshot(for tenant: TenantConfig, namespaces: Set<String>) throws(PolicyLoadError) -> PolicySnapshot {
        let fingerprint = SourceFingerprint(paths: sourcePaths(of: tenant))
        let enforced = try loadPolicies(at: tenant.policies)
        let shadow = try tenant.shadowPolicies.map { (path) throws(PolicyLoadError) in try loadPolicies(at: path) }
        var surface: ToolSurface?
        if let schemaPath = tenant.schema {
            let schema = try loadSchema(at: schemaPath)
            surface = ToolSurface(schema: schema, unknownTools: tenant.unknownTools)
            let validator = Validator(schema: schema)
            try validate(enforced, with: validator, path: tenant.policies)
            if let shadow, let path = tenant.shadowPolicies { try validate(shadow, with: validator, path: path) }
        }
        let members = try loadEntities(at: tenant.entities)
        var byNamespace: [String: Entities] = [:]
        for namespace in namespaces {
            do { byNamespace[namespace] = try NamespacedEntities.place(members, in: namespace) } catch {
                throw PolicyLoadError("`\(tenant.entities)`: \(error.message)")
            }
        }
        return PolicySnapshot(
            enforced: enforced, shadow: shadow, entitiesByNamespace: byNamespace, fingerprint: fingerprint,
            toolSurface: surface, explained: PolicyExplanations(enforced))
    }

    /// The tenant's schema, in Cedar syntax or (`.json`) JSON syntax.
    static func loadSchema(at path: String) throws(PolicyLoadError) -> Schema {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PolicyLoadError("cannot read the schema `\(path)`: \(error.localizedDescription)")
        }
        do {
            return path.hasSuffix(".json") ? try Schema(json: text, filename: path) : try Schema(cedarText: text, filename: path)
        } catch {
            throw PolicyLoadError("the schema `\(path)` is not valid: \(error)")
        }
    }

    /// Strict validation against the schema: a policy that does not typecheck is never served.
    static func validate(_ set: PolicySet, with validator: Validator, path: String) throws(PolicyLoadError) {
        let result = validator.validate(set.policies + set.templates.values.sorted { CodePoints.less($0.id, $1.id) })
        guard let first = result.errors.first else { return }
        let more = result.errors.count > 1 ? " (and \(result.errors.count - 1) more)" : ""
        throw PolicyLoadError("`\(path)` does not validate against the schema: \(first.description)\(more)")
    }

    static func sourcePaths(of tenant: TenantConfig) -> [String] {
        var paths = [tenant.entities] + (tenant.schema.map { [$0] } ?? [])
        for folder in [tenant.policies] + (tenant.shadowPolicies.map { [$0] } ?? []) {
            paths.append(folder)
            paths += (try? cedarFiles(at: folder)) ?? []
        }
        return paths
    }
}

/// Modification times and sizes of a tenant's source files: cheap to compare every few seconds.
struct SourceFingerprint: Sendable, Equatable {
    let entries: [String]

    init(paths: [String]) {
        entries = paths.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return "\(path):missing" }
            return "\(path):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_size)"
        }
    }
}
