import Cedar
import Foundation
import WicketJSON
import WicketMCP

/// `wicket schema`: the Cedar schema of exactly what Wicket passes to Cedar for a tenant's upstream
/// servers — the context (time, source_ip, geo, agent, session, server, method), the member and group
/// types, and one action per tool — so every policy can be validated against it.
public enum SchemaGenerator {
    public struct ToolsError: Error, CustomStringConvertible {
        public let description: String
    }

    /// One namespace block per upstream of the tenant, in configuration order.
    public static func schema(for tenant: String, config: WicketConfig, tools: [String]) -> String {
        var namespaces: [(namespace: String, servers: [String], extensions: [String])] = []
        for upstream in config.upstreams where upstream.tenant == tenant {
            if let index = namespaces.firstIndex(where: { $0.namespace == upstream.namespace }) {
                namespaces[index].servers.append(upstream.name)
                namespaces[index].extensions += upstream.extensionMethods.filter { !namespaces[index].extensions.contains($0) }
            } else {
                namespaces.append((upstream.namespace, [upstream.name], upstream.extensionMethods))
            }
        }
        return namespaces.map { block(namespace: $0.namespace, servers: $0.servers, tools: tools, extensionMethods: $0.extensions) }
            .joined(separator: "\n")
    }

    static func block(namespace: String, servers: [String], tools: [String], extensionMethods: [String] = []) -> String {
        let names = tools.map(quote).joined(separator: ", ")
        let toolLines =
            tools.isEmpty
            ? "    // no tools given: pass --tools with a saved tools/list answer\n"
            : """
                action \(names)
                    in ["tools/call"]
                    appliesTo { principal: User, resource: [Resource, Server], context: Context };

            """
        let extensionLines =
            extensionMethods.isEmpty
            ? ""
            : """
                // The servers' extension methods (`extension_methods`): each its own action, in no group.
                action \(extensionMethods.map(quote).joined(separator: ", "))
                    appliesTo { principal: User, resource: Server, context: Context };

            """
        return """
            // What Wicket passes to Cedar for \(servers.map { "`\($0)`" }.joined(separator: ", ")) (namespace \(namespace)).
            // Written by `wicket schema`; regenerate it when the server's tools change.
            namespace \(namespace) {
                type Time = {
                    hour: Long,          // 0–23 in the tenant's time zone
                    minute: Long,
                    weekday: Long,       // ISO 8601: Monday = 1 … Sunday = 7
                    date: String,        // "2026-04-16"
                    now: datetime,       // UTC
                };
                type Geo = { country?: String, region?: String, city?: String };
                type Context = {
                    time: Time,
                    source_ip: ipaddr,
                    geo: Geo,
                    agent: String,
                    session?: String,
                    server: String,
                    method: String,
                };

                entity Group;
                entity User in [Group] = { name?: String, department?: String };
                entity Server = { name: String };
                entity Resource in [Server] = { name: String, server: String };
                entity Prompt in [Server] = { name: String, server: String };

                action "session", "discovery";
                action "initialize", "server/discover", "ping", "notifications/initialized", "notifications/cancelled",
                       "notifications/progress", "notifications/roots/list_changed", "notifications/tasks/status",
                       "logging/setLevel", "subscriptions/listen", "stream/open", "session/end", "client/response"
                    in ["session"]
                    appliesTo { principal: User, resource: Server, context: Context };
                action "tools/list", "resources/list", "resources/templates/list", "prompts/list"
                    in ["discovery"]
                    appliesTo { principal: User, resource: Server, context: Context };
                action "tasks/get", "tasks/result", "tasks/list", "tasks/cancel"
                    appliesTo { principal: User, resource: Server, context: Context };
                action "resources/read", "resources/subscribe", "resources/unsubscribe"
                    appliesTo { principal: User, resource: [Resource, Server], context: Context };
                action "completion/complete"
                    appliesTo { principal: User, resource: [Resource, Prompt, Server], context: Context };
                action "prompts/get"
                    appliesTo { principal: User, resource: [Prompt, Server], context: Context };
                action "tools/call";
            \(toolLines)\(extensionLines)}

            """
    }

    /// Tool names from a saved `tools/list` answer: the JSON-RPC response, its `result`, or a bare list.
    public static func toolNames(fromToolsList data: Data) throws -> [String] {
        var node: JSONValue
        do { node = try JSONParser(limits: .documents).parse(Array(data)) } catch {
            throw ToolsError(description: "the tools file is not strict JSON: \(error.message)")
        }
        if let result = node["result"] { node = result }
        if let tools = node["tools"] { node = tools }
        guard let list = node.arrayValue, list.allSatisfy({ $0.objectValue != nil }) else {
            throw ToolsError(description: "expected a tools/list answer: {\"tools\": [{\"name\": …}, …]}")
        }
        let names = list.compactMap { $0["name"]?.stringValue }
        guard names.count == list.count else { throw ToolsError(description: "every tool needs a string `name`") }
        return names
    }

    /// Why the tools file cannot become a schema, or nil: a tool name outside the MCP name grammar of
    /// every upstream of the tenant would be refused on every call, so declaring it only misleads.
    public static func nameProblem(in tools: [String], tenant: String, config: WicketConfig) -> String? {
        let grammars = config.upstreams.filter { $0.tenant == tenant }.map(\.nameGrammar)
        let bad = tools.filter { name in !grammars.contains { $0.isValidName(name) } }
        guard let first = bad.first else { return nil }
        let more = bad.count > 1 ? " (and \(bad.count - 1) more)" : ""
        return "`\(NameDiscipline.visible(first))`\(more) is not a valid MCP tool name (1–128 of A-Z a-z 0-9 _ - .), so Wicket "
            + "refuses every call of it; if the server really uses such names, widen `extra_name_characters` of its upstream"
    }

    private static func quote(_ name: String) -> String { "\"" + CedarString.escape(name) + "\"" }
}
