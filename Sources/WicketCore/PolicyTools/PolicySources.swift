import Foundation

/// Where a tenant's policy files are: a policy repository folder (`policies/`, `entities.json`,
/// `schema.cedarschema`, `tests/`), or the paths a `wicket.toml` names for one tenant.
public struct PolicySources: Sendable {
    public var name: String
    public var policies: String
    public var entities: String?
    public var schema: String?
    public var tests: String?
    /// The zone policy tests read their times in: the tenant's, or UTC for a bare folder.
    public var timeZone: String?

    /// A tenant as configured.
    public init(tenant: TenantConfig) {
        name = tenant.name
        policies = tenant.policies
        entities = tenant.entities
        schema = tenant.schema
        tests = tenant.tests
        timeZone = tenant.timeZone
    }

    /// A policy folder laid out as `wicket init` writes it; a folder of `.cedar` files alone works too.
    public init(folder: String) {
        let fm = FileManager.default
        func child(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        name = (folder as NSString).lastPathComponent
        policies = fm.fileExists(atPath: child("policies")) ? child("policies") : folder
        entities = fm.fileExists(atPath: child("entities.json")) ? child("entities.json") : nil
        schema = ["schema.cedarschema", "schema.cedarschema.json"].map(child).first { fm.fileExists(atPath: $0) }
        tests = fm.fileExists(atPath: child("tests")) ? child("tests") : nil
    }

    /// What `wicket check PATH` / `wicket test PATH` mean by PATH: a `.toml` configuration (every
    /// tenant it names), or a policy folder.
    public static func resolve(_ path: String) throws -> [PolicySources] {
        if path.hasSuffix(".toml") {
            return try WicketConfig.load(path: path).tenants.map(PolicySources.init(tenant:))
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PolicyLoadError("`\(path)` is neither a policy folder nor a wicket.toml")
        }
        return [PolicySources(folder: path)]
    }
}
