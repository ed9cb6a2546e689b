import Foundation
import WicketJSON

extension MCPClassifier {
    /// The body member `Mcp-Name` mirrors on 2026-07-28, per method.
    static func mirroredNameMember(_ method: String) -> String? {
        // By bytes, as the body's method was classified.
        if ExactText.equal(method, literal: "tools/call") || ExactText.equal(method, literal: "prompts/get") { return "params.name" }
        if ExactText.equal(method, literal: "resources/read") { return "params.uri" }
        return nil
    }

    /// The 2026-07-28 `_meta` key that repeats the protocol version inside the body.
    static let metaProtocolVersionKey = "io.modelcontextprotocol/protocolVersion"

    /// `Mcp-Method` / `Mcp-Name` agreement. On 2026-07-28 `Mcp-Method` is required on every
    /// message with a method and `Mcp-Name` on the methods that mirror a name. On earlier revisions
    /// the headers are optional, but when present they must agree as well: an intermediary that
    /// routes on them must never see a different call than the upstream.
    func checkHeaders(of message: MCPMessage, request: MCPHTTPRequest, version: MCPProtocolVersion) throws(MCPRequestError) {
        let id = message.id
        guard let method = message.method else {
            // A response has neither a method nor a name to mirror.
            if request.mcpMethod != nil || request.mcpName != nil {
                throw MCPRequestError.headerMismatch("a response must not carry `Mcp-Method` or `Mcp-Name` headers", id: id)
            }
            return
        }
        if let header = request.mcpMethod {
            // Bytes, not `String ==`: a canonically equivalent spelling is a different header.
            guard ExactText.equal(Self.trimmed(header), method) else {
                throw MCPRequestError.headerMismatch(
                    "the `Mcp-Method` header does not match the body's method `\(Self.echo(method))`", id: id)
            }
        } else if version.isStateless {
            throw MCPRequestError.headerMismatch("protocol 2026-07-28 requires an `Mcp-Method` header equal to the body's method", id: id)
        }

        if let header = request.mcpName {
            guard let target = message.target else {
                throw MCPRequestError.headerMismatch("`Mcp-Name` was sent but `\(Self.echo(method))` has no name to mirror", id: id)
            }
            guard let decoded = Self.decodeHeaderValue(Self.trimmed(header)) else {
                throw MCPRequestError.headerMismatch(
                    "the `Mcp-Name` header is not valid: its `=?UTF-8?B?…?=` encoding does not decode to UTF-8", id: id)
            }
            guard ExactText.equal(decoded, target.name) else {
                throw MCPRequestError.headerMismatch(
                    "the `Mcp-Name` header does not match the body's \(Self.mirroredNameMember(method) ?? "target")", id: id)
            }
        } else if version.isStateless, let mirrored = Self.mirroredNameMember(method) {
            throw MCPRequestError.headerMismatch("protocol 2026-07-28 requires an `Mcp-Name` header equal to `\(mirrored)`", id: id)
        }
    }

    /// A header value, decoding the `=?UTF-8?B?<base64>?=` form used for non-ASCII values.
    /// Nil when the encoded form does not decode to valid UTF-8.
    static func decodeHeaderValue(_ value: String) -> String? {
        let prefix = "=?utf-8?b?"
        let utf8 = value.utf8
        guard utf8.count >= prefix.utf8.count + 2,
            equalsASCIICaseInsensitive(utf8.prefix(prefix.utf8.count), prefix.utf8),
            value.hasSuffix("?=")
        else { return value }
        let encoded = value.utf8.dropFirst(prefix.utf8.count).dropLast(2)
        guard let data = Data(base64Encoded: Data(encoded)) else { return nil }
        return String(validating: data, as: UTF8.self)
    }
}
