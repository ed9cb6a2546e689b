@testable import WicketMCP

/// Builds a POST with JSON content type; headers default to absent.
func post(
    _ body: String, version: String? = nil, session: String? = nil, mcpMethod: String? = nil,
    mcpName: String? = nil, contentType: String? = "application/json"
) -> MCPHTTPRequest {
    MCPHTTPRequest(
        method: "POST", body: Array(body.utf8), sessionID: session, protocolVersion: version,
        mcpMethod: mcpMethod, mcpName: mcpName, contentType: contentType,
        accept: "application/json, text/event-stream")
}

/// Classifies and returns the error, or nil when the request was accepted.
func refusal(_ request: MCPHTTPRequest, limits: MCPLimits = MCPLimits()) -> MCPRequestError? {
    do {
        _ = try MCPClassifier(limits: limits).classify(request)
        return nil
    } catch {
        return error
    }
}

func classify(_ request: MCPHTTPRequest) throws -> MCPClassification {
    try MCPClassifier().classify(request)
}

let toolCall =
    #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_records","arguments":{"table":"prod.customer_records","dry_run":false,"token":"s3cr3t"}}}"#
