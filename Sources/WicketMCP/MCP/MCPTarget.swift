/// What an MCP message acts on, read from its params.
///
/// `tools/call` → `params.name`; `resources/read`, `resources/subscribe`, `resources/unsubscribe`
/// → `params.uri`; `prompts/get` → `params.name`; `completion/complete` → `params.ref.name`
/// (`ref/prompt`) or `params.ref.uri` (`ref/resource`, a URI or URI template).
public enum MCPTarget: Sendable, Hashable, CustomStringConvertible {
    case tool(String)
    case resource(String)
    case prompt(String)

    /// The name or URI.
    public var name: String {
        switch self {
        case .tool(let n), .resource(let n), .prompt(let n): n
        }
    }

    public var description: String {
        switch self {
        case .tool(let n): "tool `\(n)`"
        case .resource(let u): "resource `\(u)`"
        case .prompt(let n): "prompt `\(n)`"
        }
    }
}
