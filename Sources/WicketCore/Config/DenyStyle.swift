/// How Wicket answers a policy denial of a `tools/call` (`deny_style` of an upstream).
public enum DenyStyle: String, Sendable, Equatable {
    /// HTTP 403 with a JSON-RPC error naming the policy (the default): a protocol error.
    case jsonRPCError = "jsonrpc-error"
    /// HTTP 200 with a `tools/call` result `{content: [{type: text, text: REASON}], isError: true}`:
    /// a tool error the host shows the model. Still never forwarded, still audited as a deny.
    case toolResult = "tool-result"
}
