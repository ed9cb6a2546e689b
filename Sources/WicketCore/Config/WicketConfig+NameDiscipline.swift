import Logging
import WicketMCP

/// `unknown_tools` of a tenant: what happens to a `tools/call` whose tool the tenant's schema does not
/// declare for the upstream's namespace.
public enum UnknownTools: String, Sendable {
    /// Refused before any policy runs (the default when the tenant has a schema).
    case deny
    /// Left to the policies, as before schemas were enforced (the only choice without a schema).
    case policy
}

extension TenantConfig {
    /// Reads `unknown_tools`: `deny` by default when the tenant has a schema, `policy` without one.
    mutating func readNameDiscipline(_ table: TableReader) throws(ConfigError) {
        guard let text = try table.string("unknown_tools") else {
            unknownTools = schema == nil ? .policy : .deny
            return
        }
        guard let mode = UnknownTools(rawValue: text) else {
            throw ConfigError("tenant `\(name)`: `unknown_tools` must be `deny` or `policy`, not `\(text)`")
        }
        if mode == .deny && schema == nil {
            throw ConfigError(
                "tenant `\(name)`: `unknown_tools = \"deny\"` needs a `schema` that declares the tools; "
                    + "write one with `wicket schema`")
        }
        unknownTools = mode
    }
}

extension UpstreamConfig {
    /// Action ids Wicket itself gives meaning to, which an extension method must not take.
    static let wicketActionIDs: Set<String> = ["session", "discovery", "stream/open", "session/end", "client/response"]

    /// Reads `extension_methods` and `extra_name_characters`.
    mutating func readNameDiscipline(_ table: TableReader) throws(ConfigError) {
        var seen = Set<[UInt8]>()
        for method in try table.strings("extension_methods") ?? [] {
            let bytes = Array(method.utf8)
            guard !bytes.isEmpty, bytes.count <= 128, bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                throw ConfigError("upstream `\(name)`: extension method `\(method)` must be 1 to 128 visible ASCII characters")
            }
            guard !MCPMethods.all.contains(where: { Array($0.utf8) == bytes }),
                !Self.wicketActionIDs.contains(where: { Array($0.utf8) == bytes })
            else {
                throw ConfigError("upstream `\(name)`: `\(method)` is an MCP method or a Wicket action, not an extension method")
            }
            guard seen.insert(bytes).inserted else {
                throw ConfigError("upstream `\(name)`: extension method `\(method)` is listed twice")
            }
            extensionMethods.append(method)
        }
        extensionMethodBytes = seen
        if let extra = try table.string("extra_name_characters") {
            guard let grammar = MCPNameGrammar(extra: extra) else {
                throw ConfigError(
                    "upstream `\(name)`: `extra_name_characters` may hold only ASCII punctuation and space "
                        + "(no letters beyond A-Z, a-z, no quotes or backslashes); `\(extra)` does not")
            }
            extraNameCharacters = extra
            nameGrammar = grammar
        }
    }
}

/// What the operator widened or left to policy, said once at start so it is never silent.
enum NameDisciplineNotice {
    static func log(_ config: WicketConfig, logger: Logger) {
        for upstream in config.upstreams {
            if !upstream.extraNameCharacters.isEmpty {
                logger.warning(
                    "tool and prompt names of this upstream are widened beyond the MCP grammar",
                    metadata: [
                        "wicket.server": "\(upstream.name)", "wicket.extra_name_characters": "\(upstream.extraNameCharacters)",
                    ])
            }
            if !upstream.extensionMethods.isEmpty {
                logger.notice(
                    "extension methods admitted for this upstream, each its own Cedar action",
                    metadata: [
                        "wicket.server": "\(upstream.name)",
                        "wicket.extension_methods": "\(upstream.extensionMethods.joined(separator: ", "))",
                    ])
            }
        }
        for tenant in config.tenants where tenant.schema != nil && tenant.unknownTools == .policy {
            logger.warning(
                "tools the schema does not declare are left to the policies (unknown_tools = \"policy\")",
                metadata: ["wicket.tenant": "\(tenant.name)"])
        }
    }
}
