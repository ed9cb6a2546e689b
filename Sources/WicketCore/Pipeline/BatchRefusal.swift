import WicketMCP
import WicketStore

/// How a refusal decided by policy is answered once every message has its verdict (the records are
/// marked by `AuditRecord.refusedWithBatch`).
enum BatchRefusal {
    /// A single denied `tools/call` is answered as a tool result when the upstream asks for it
    /// (`deny_style = "tool-result"`); batches and every other method keep the JSON-RPC error.
    static func styled(
        _ refusal: Refusal, messages: [MessageFacts.Item], upstream: UpstreamConfig,
        classification: MCPClassification
    ) -> Refusal {
        guard upstream.denyStyle == .toolResult, !classification.isBatch, messages.count == 1,
            let only = messages.first, only.facts.method == "tools/call", only.id != nil
        else { return refusal }
        var styled = refusal
        styled.asToolResult = true
        // 2026-07-28 requires `resultType` on every result; earlier revisions do not know it.
        styled.taggedResult = classification.protocolVersion.isStateless
        return styled
    }
}
