import WicketJSON
import WicketMCP

/// The one writer of Wicket's refusal bodies: the JSON-RPC envelope with the request's id, and
/// either an `error` (the usual form) or, for `deny_style = "tool-result"`, a `tools/call` result
/// with `isError`. Both carry the decision, the request id and the determining rule.
enum JSONRPCRefusal {
    /// `{"jsonrpc":"2.0","id":ID,"error":{"code":C,"message":M,"data":{"decision":"deny","request_id":R[,"rule":P]}}}`
    static func error(_ refusal: Refusal, requestID: String) -> String {
        var body = envelope(refusal)
        body += #","error":{"code":\#(refusal.jsonRPCCode),"message":"# + JSONString.quote(refusal.message)
        body += #","data":{"decision":"deny","request_id":"# + JSONString.quote(requestID)
        if let rule = refusal.rule { body += #","rule":"# + JSONString.quote(rule) }
        return body + "}}}"
    }

    /// A policy denial of a `tools/call` as the tool's own error result: `{"result":{"content":[{"type":
    /// "text","text":REASON}],"isError":true}}`. MCP's rule for tools: errors the model should see and
    /// act on are results with `isError`, protocol errors are for malformed requests. Answered by
    /// Wicket itself, never an `X-Accel-Redirect`: nothing reaches the upstream, and the record says deny.
    static func toolResult(_ refusal: Refusal, requestID: String) -> String {
        var body = envelope(refusal)
        body += #","result":{"content":[{"type":"text","text":"# + JSONString.quote(refusal.message) + "}]"
        body += #","isError":true"#
        if refusal.taggedResult { body += #","resultType":"complete""# }
        body += #","_meta":{"wicket/decision":"deny","wicket/request_id":"# + JSONString.quote(requestID)
        if let rule = refusal.rule { body += #","wicket/rule":"# + JSONString.quote(rule) }
        return body + "}}}"
    }

    private static func envelope(_ refusal: Refusal) -> String {
        #"{"jsonrpc":"2.0","id":"# + (refusal.jsonrpcID?.description ?? "null")
    }
}
