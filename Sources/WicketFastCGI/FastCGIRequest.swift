/// One FastCGI request as nginx sent it: the params and the request body (FastCGI stdin).
///
/// Params keep nginx's order and duplicates. Lookups return the *first* value, exactly as
/// libfcgi's `FCGX_GetParam` does, so Wicket and any other libfcgi program agree on which of two
/// repeated `fastcgi_param` lines wins.
public struct FastCGIRequest: Sendable {
    /// One `NAME=value` pair in the order nginx sent it.
    public struct Param: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The request body as read from FastCGI stdin.
    public enum Body: Sendable, Equatable {
        /// The whole body, at most the configured limit.
        case complete([UInt8])
        /// The body was longer than `limit` bytes. It was read and discarded so that nginx can
        /// finish sending it, but never held in memory; answer 413.
        case tooLarge(limit: Int)
    }

    /// All params in arrival order, duplicates included.
    public let params: [Param]
    /// The body, or the fact that it was over the limit.
    public let body: Body

    public init(params: [Param], body: Body) {
        self.params = params
        self.body = body
    }

    /// The first value of the param `name` (FCGX_GetParam semantics), or nil when absent.
    public subscript(param name: String) -> String? {
        for param in params where param.name == name {
            return param.value
        }
        return nil
    }

    /// The first value of the HTTP request header `name` (nginx passes `Mcp-Session-Id` as
    /// `HTTP_MCP_SESSION_ID`), or nil when the client did not send it.
    public func header(_ name: String) -> String? {
        var key = "HTTP_"
        for scalar in name.unicodeScalars {
            switch scalar {
            case "-": key.append("_")
            case "a"..."z": key.unicodeScalars.append(Unicode.Scalar(scalar.value - 32) ?? scalar)
            default: key.unicodeScalars.append(scalar)
            }
        }
        return self[param: key]
    }

    /// `REQUEST_METHOD`, e.g. `POST`.
    public var method: String? { self[param: "REQUEST_METHOD"] }

    /// `REMOTE_ADDR`: the client address nginx saw.
    public var remoteAddress: String? { self[param: "REMOTE_ADDR"] }

    /// The body bytes, or nil when the body was over the limit.
    public var bodyBytes: [UInt8]? {
        if case .complete(let bytes) = body { return bytes }
        return nil
    }
}
