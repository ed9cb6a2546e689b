import WicketCore
import WicketFastCGI

/// FastCGI ↔ the decision core: the params nginx sends become a ``DecisionInput``; a ``Reply``
/// becomes the CGI response. The only place that knows the param names nginx's include sets.
public enum FastCGIMapping {
    /// The param nginx's metrics location sets (`WICKET_METRICS=1`); a client cannot set it, since
    /// client headers arrive as `HTTP_*` params.
    public static func isScrape(_ request: FastCGIRequest) -> Bool {
        // The first WICKET_METRICS, as `request[param:]` finds it, with the byte count compared first:
        // the kept names are ASCII, so same count and `==` is same bytes, and the other kept names
        // (none of 14 bytes but REQUEST_METHOD) cost no string comparison.
        let name = MetricsEndpoint.param
        let count = name.utf8.count
        for param in request.params where param.name.utf8.count == count && param.name == name {
            return param.value == "1"
        }
        return false
    }

    /// Every param ``input(_:)`` and ``isScrape(_:)`` read: the FastCGI reader keeps only these (as
    /// bytes compared with nginx's names) and never makes strings of the other 20-odd nginx sends.
    public static let params = FastCGIParamSelection.only([
        "WICKET_SERVER", "WICKET_REQUEST_ID", "REQUEST_METHOD", "REMOTE_ADDR", "HTTP_AUTHORIZATION",
        "HTTP_X_FORWARDED_FOR", "HTTP_TRACEPARENT", "CONTENT_TYPE", "HTTP_ACCEPT", "HTTP_MCP_SESSION_ID",
        "HTTP_MCP_PROTOCOL_VERSION", "HTTP_MCP_METHOD", "HTTP_MCP_NAME", MetricsEndpoint.param,
    ])

    /// Lookups take the first value of a repeated param, as libfcgi's `FCGX_GetParam` does.
    public static func input(_ request: FastCGIRequest) -> DecisionInput {
        var headers = DecisionInput.Headers()
        var serverName: String?
        var requestID: String?
        var method: String?
        var remote: String?
        // One pass over the params; `first` keeps FCGX_GetParam's first-value rule. The name's byte
        // count picks its one or two candidates, so a param costs one or two comparisons instead of
        // up to thirteen (each an ASCII name of that very length: same length and `==` is same bytes).
        func first(_ slot: inout String?, _ value: String) { if slot == nil { slot = value } }
        for param in request.params {
            let name = param.name
            switch name.utf8.count {
            case 11:
                if name == "REMOTE_ADDR" {
                    first(&remote, param.value)
                } else if name == "HTTP_ACCEPT" {
                    first(&headers.accept, param.value)
                }
            case 12: if name == "CONTENT_TYPE" { first(&headers.contentType, param.value) }
            case 13:
                if name == "WICKET_SERVER" {
                    first(&serverName, param.value)
                } else if name == "HTTP_MCP_NAME" {
                    first(&headers.mcpName, param.value)
                }
            case 14: if name == "REQUEST_METHOD" { first(&method, param.value) }
            case 15: if name == "HTTP_MCP_METHOD" { first(&headers.mcpMethod, param.value) }
            case 16: if name == "HTTP_TRACEPARENT" { first(&headers.traceparent, param.value) }
            case 17: if name == "WICKET_REQUEST_ID" { first(&requestID, param.value) }
            case 18: if name == "HTTP_AUTHORIZATION" { first(&headers.authorization, param.value) }
            case 19: if name == "HTTP_MCP_SESSION_ID" { first(&headers.mcpSessionID, param.value) }
            case 20: if name == "HTTP_X_FORWARDED_FOR" { first(&headers.forwardedFor, param.value) }
            case 25: if name == "HTTP_MCP_PROTOCOL_VERSION" { first(&headers.mcpProtocolVersion, param.value) }
            default: break
            }
        }
        let body: DecisionInput.Body
        switch request.body {
        case .complete(let bytes): body = .complete(bytes)
        case .tooLarge(let limit): body = .tooLarge(limit: limit)
        }
        // Moved, not copied, into the result (a copy and destroy of the headers was ~1k instructions).
        return DecisionInput(
            serverName: consume serverName, requestID: consume requestID, method: method ?? "",
            remoteAddress: consume remote, headers: consume headers, body: consume body)
    }

    public static func response(_ reply: Reply) -> FastCGIResponse {
        FastCGIResponse(status: reply.status, headers: reply.headers.map { .init($0.name, $0.value) }, body: reply.body)
    }
}
