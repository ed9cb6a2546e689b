import WicketJSON

/// One classified JSON-RPC message of an MCP request.
///
/// It exposes what authorization and audit need — kind, id, method, target — and reads at most
/// one tool argument on demand through ``toolArgument(named:)``. The other arguments are never
/// exposed, printed or reflected (`description` and `customMirror` leave them out).
public struct MCPMessage: Sendable, CustomStringConvertible, CustomReflectable {
    public enum Kind: String, Sendable {
        case request
        case notification
        /// A response from the client to a server request (`result` or `error`).
        case response
    }

    public let kind: Kind
    /// The JSON-RPC id; nil for notifications and for error responses whose id is `null`.
    public let id: JSONRPCID?
    /// The method; nil for responses.
    public let method: String?
    /// What the message acts on, for methods that have a target.
    public let target: MCPTarget?
    /// For responses: whether it is an error response.
    public let isErrorResponse: Bool
    /// `params.arguments` of a `tools/call`; private so nothing but a single named read escapes.
    private let arguments: JSONObject?

    init(kind: Kind, id: JSONRPCID?, method: String?, target: MCPTarget?, isErrorResponse: Bool, arguments: JSONObject?) {
        self.kind = kind
        self.id = id
        self.method = method
        self.target = target
        self.isErrorResponse = isErrorResponse
        self.arguments = arguments
    }

    /// The tool argument `name` (`arguments.table` → `toolArgument(named: "table")`) of a
    /// `tools/call`, without exposing or copying the other arguments.
    public func toolArgument(named name: String) -> MCPToolArgument {
        guard let value = arguments?[name] else { return .absent }
        if case .string(let s) = value { return .string(s) }
        return .notAString
    }

    public var description: String {
        var parts = [kind.rawValue]
        if let method { parts.append("`\(method)`") }
        if let target { parts.append(target.description) }
        if let id { parts.append("id \(id)") }
        return parts.joined(separator: " ")
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "kind": kind, "id": id as Any, "method": method as Any, "target": target as Any,
                "isErrorResponse": isErrorResponse,
            ])
    }
}
