import WicketCore
import WicketFastCGI

/// FastCGI ↔ the decision core: the params nginx sends become a ``DecisionInput``; a ``Reply``
/// becomes the CGI response. The only place that knows the param names nginx's include sets.
public enum FastCGIMapping {
    /// The param nginx's metrics location sets (`WICKET_METRICS=1`); a client cannot set it, since
    /// client headers arrive as `HTTP_*` params.
    public static func isScrape(_ request: FastCGIRequest) -> Bool {
        request[param: MetricsEndpoint.param] == "1"
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
        // One pass over the params; `first` keeps FCGX_GetParam's first-value rule.
        func first(_ slot: inout String?, _ value: String) { if slot == nil { slot = value } }
        for param in request.params {
            switch param.name {
            case "WICKET_SERVER": first(&serverName, param.value)
            case "WICKET_REQUEST_ID": first(&requestID, param.value)
            case "REQUEST_METHOD": first(&method, param.value)
            case "REMOTE_ADDR": first(&remote, param.value)
            case "HTTP_AUTHORIZATION": first(&headers.authorization, param.value)
            case "HTTP_X_FORWARDED_FOR": first(&headers.forwardedFor, param.value)
            case "HTTP_TRACEPARENT": first(&headers.traceparent, param.value)
            case "CONTENT_TYPE": first(&headers.contentType, param.value)
            case "HTTP_ACCEPT": first(&headers.accept, param.value)
            case "HTTP_MCP_SESSION_ID": first(&headers.mcpSessionID, param.value)
            case "HTTP_MCP_PROTOCOL_VERSION": first(&headers.mcpProtocolVersion, param.value)
            case "HTTP_MCP_METHOD": first(&headers.mcpMethod, param.value)
            case "HTTP_MCP_NAME": first(&headers.mcpName, param.value)
            default: break
            }
        }
        let body: DecisionInput.Body
        switch request.body {
        case .complete(let bytes): body = .complete(bytes)
        case .tooLarge(let limit): body = .tooLarge(limit: limit)
        }
        return DecisionInput(
            serverName: serverName, requestID: requestID, method: method ?? "",
            remoteAddress: remote, headers: headers, body: body)
    }

    public static func response(_ reply: Reply) -> FastCGIResponse {
        FastCGIResponse(status: reply.status, headers: reply.headers.map { .init($0.name, $0.value) }, body: reply.body)
    }
}
