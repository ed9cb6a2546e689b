import WicketJSON

/// Why a request to the MCP endpoint is refused before any policy is evaluated: the HTTP status,
/// the JSON-RPC error code and a sentence. The sentence never carries tool arguments, credentials
/// or header values beyond short method and target names.
public struct MCPRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// HTTP method other than POST/GET/DELETE, or GET/DELETE on the stateless 2026-07-28 (405).
        case methodNotAllowed
        /// `MCP-Protocol-Version` names a revision Wicket does not know (400).
        case unsupportedProtocolVersion
        /// `Mcp-Session-Id` is empty, too long or has characters outside visible ASCII (400).
        case invalidSessionID
        /// DELETE without `Mcp-Session-Id` (400).
        case missingSessionID
        /// A body on GET or DELETE (400).
        case unexpectedBody
        /// Body over the size bound (413).
        case bodyTooLarge
        /// POST whose `Content-Type` is not `application/json` (415).
        case unsupportedMediaType
        /// Body that is not strict JSON (400, -32700).
        case parseError
        /// JSON that is not a valid JSON-RPC 2.0 message for this revision (400, -32600).
        case invalidRequest
        /// A batch on a revision without batches, an empty batch or an oversized one (400, -32600).
        case invalidBatch
        /// A method's target (`params.name`, `params.uri`, `params.ref`) missing or mistyped (400, -32602).
        case invalidParams
        /// `Mcp-Method` / `Mcp-Name` missing or disagreeing with the body (400, -32020).
        case headerMismatch
    }

    /// JSON-RPC "Parse error".
    public static let parseErrorCode = -32700
    /// JSON-RPC "Invalid Request".
    public static let invalidRequestCode = -32600
    /// JSON-RPC "Invalid params".
    public static let invalidParamsCode = -32602
    /// MCP 2026-07-28 "HeaderMismatch".
    public static let headerMismatchCode = -32020

    public let code: Code
    public let httpStatus: Int
    public let jsonRPCCode: Int
    /// A lowercase sentence a client developer can act on.
    public let message: String
    /// The request's JSON-RPC id when it could be read (single messages only).
    public let requestID: JSONRPCID?

    public init(code: Code, httpStatus: Int, jsonRPCCode: Int, message: String, requestID: JSONRPCID? = nil) {
        self.code = code
        self.httpStatus = httpStatus
        self.jsonRPCCode = jsonRPCCode
        self.message = message
        self.requestID = requestID
    }

    public var description: String { message }

    /// The JSON-RPC error response body:
    /// `{"jsonrpc":"2.0","id":<id or null>,"error":{"code":<code>,"message":"<message>"}}`.
    public func jsonRPCErrorBody() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(80 + message.utf8.count)
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        if let requestID { requestID.append(to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: #","error":{"code":"#.utf8)
        out.append(contentsOf: String(jsonRPCCode).utf8)
        out.append(contentsOf: #","message":"#.utf8)
        JSONString.append(message, to: &out)
        out.append(contentsOf: "}}".utf8)
        return out
    }
}

extension MCPRequestError {
    static func invalidRequest(_ message: String, id: JSONRPCID? = nil) -> Self {
        Self(code: .invalidRequest, httpStatus: 400, jsonRPCCode: invalidRequestCode, message: message, requestID: id)
    }

    static func invalidBatch(_ message: String) -> Self {
        Self(code: .invalidBatch, httpStatus: 400, jsonRPCCode: invalidRequestCode, message: message)
    }

    static func invalidParams(_ message: String, id: JSONRPCID?) -> Self {
        Self(code: .invalidParams, httpStatus: 400, jsonRPCCode: invalidParamsCode, message: message, requestID: id)
    }

    static func headerMismatch(_ message: String, id: JSONRPCID?) -> Self {
        Self(code: .headerMismatch, httpStatus: 400, jsonRPCCode: headerMismatchCode, message: message, requestID: id)
    }
}
