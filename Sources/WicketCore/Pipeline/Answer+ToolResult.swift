import WicketFastCGI
import WicketMCP

extension Answer {
    /// A policy denial of a `tools/call` as the tool's own error result (`deny_style = "tool-result"`):
    /// HTTP 200, `Content-Type: application/json`, `{"result":{"content":[{"type":"text","text":REASON}],
    /// "isError":true}}`. MCP's rule for tools: errors the model should see and act on are results with
    /// `isError`, protocol errors are for malformed requests. Answered by Wicket itself, never an
    /// `X-Accel-Redirect`: nothing reaches the upstream, and the record says deny.
    static func toolResult(_ refusal: Refusal, requestID: String) -> FastCGIResponse {
        var headers: [FastCGIResponse.Header] = [
            .init("Cache-Control", "no-store"),
            .init("X-Wicket-Decision", "deny"),
            .init("X-Wicket-Request-Id", requestID),
        ]
        if let rule = refusal.rule { headers.append(.init("X-Wicket-Rule", HeaderText.sanitize(rule))) }
        var body = #"{"jsonrpc":"2.0","id":"#
        body += refusal.jsonrpcID?.description ?? "null"
        body += #","result":{"content":[{"type":"text","text":"# + JSONText.quote(refusal.message) + "}]"
        body += #","isError":true"#
        if refusal.taggedResult { body += #","resultType":"complete""# }
        body += #","_meta":{"wicket/decision":"deny","wicket/request_id":"# + JSONText.quote(requestID)
        if let rule = refusal.rule { body += #","wicket/rule":"# + JSONText.quote(rule) }
        body += "}}}"
        return .json(status: 200, body: body, headers: headers)
    }
}
