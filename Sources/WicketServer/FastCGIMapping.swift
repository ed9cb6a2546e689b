import WicketCore
import WicketFastCGI

/// FastCGI ↔ the decision core: the params nginx sends become a ``DecisionInput``; a ``Reply``
/// becomes the CGI response. The only place that knows the param names nginx's include sets.
public enum FastCGIMapping {
    /// The param nginx's metrics location sets (`WICKET_METRICS=1`); a client cannot set it, since
    /// client headers arrive as `HTTP_*` params.
    public static func isScrape(_ request: FastCGIRequest) -> Bool {
        // The first WICKET_METRICS, as `request[param:]` finds it. Each param is read in place (a `for`
        // over the array copied each one: a retain and a release of its name and of its value).
        let params = request.params.span
        for index in params.indices where field(named: params[index].name) == .scrape {
            return params[index].value == "1"
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

    /// What a kept param is to the decision.
    enum Field {
        case serverName, requestID, method, remoteAddress, authorization, forwardedFor, traceparent
        case contentType, accept, mcpSessionID, mcpProtocolVersion, mcpMethod, mcpName, scrape
    }

    /// The field a param name is, or nil. The name's byte count picks its one or two candidates, so a
    /// param costs one or two comparisons instead of up to fourteen; each candidate is an ASCII name of
    /// that very count, so same count and `==` is same bytes.
    static func field(named name: String) -> Field? {
        switch name.utf8.count {
        case 11: return name == "REMOTE_ADDR" ? .remoteAddress : name == "HTTP_ACCEPT" ? .accept : nil
        case 12: return name == "CONTENT_TYPE" ? .contentType : nil
        case 13: return name == "WICKET_SERVER" ? .serverName : name == "HTTP_MCP_NAME" ? .mcpName : nil
        case 14: return name == "REQUEST_METHOD" ? .method : name == MetricsEndpoint.param ? .scrape : nil
        case 15: return name == "HTTP_MCP_METHOD" ? .mcpMethod : nil
        case 16: return name == "HTTP_TRACEPARENT" ? .traceparent : nil
        case 17: return name == "WICKET_REQUEST_ID" ? .requestID : nil
        case 18: return name == "HTTP_AUTHORIZATION" ? .authorization : nil
        case 19: return name == "HTTP_MCP_SESSION_ID" ? .mcpSessionID : nil
        case 20: return name == "HTTP_X_FORWARDED_FOR" ? .forwardedFor : nil
        case 25: return name == "HTTP_MCP_PROTOCOL_VERSION" ? .mcpProtocolVersion : nil
        default: return nil
        }
    }

    /// Lookups take the first value of a repeated param, as libfcgi's `FCGX_GetParam` does.
    public static func input(_ request: FastCGIRequest) -> DecisionInput {
        var headers = DecisionInput.Headers()
        var serverName: String?
        var requestID: String?
        var method: String?
        var remote: String?
        // One pass over the params, each read in place (see `isScrape`); `first` keeps FCGX_GetParam's
        // first-value rule, and only a value the decision keeps is retained.
        func first(_ slot: inout String?, _ value: String) { if slot == nil { slot = value } }
        let params = request.params.span
        for index in params.indices {
            switch field(named: params[index].name) {
            case .serverName?: first(&serverName, params[index].value)
            case .requestID?: first(&requestID, params[index].value)
            case .method?: first(&method, params[index].value)
            case .remoteAddress?: first(&remote, params[index].value)
            case .authorization?: first(&headers.authorization, params[index].value)
            case .forwardedFor?: first(&headers.forwardedFor, params[index].value)
            case .traceparent?: first(&headers.traceparent, params[index].value)
            case .contentType?: first(&headers.contentType, params[index].value)
            case .accept?: first(&headers.accept, params[index].value)
            case .mcpSessionID?: first(&headers.mcpSessionID, params[index].value)
            case .mcpProtocolVersion?: first(&headers.mcpProtocolVersion, params[index].value)
            case .mcpMethod?: first(&headers.mcpMethod, params[index].value)
            case .mcpName?: first(&headers.mcpName, params[index].value)
            case .scrape?, nil: break
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
