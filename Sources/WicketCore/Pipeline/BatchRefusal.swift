import WicketMCP
import WicketStore

/// How a refusal decided by policy is recorded and answered once every message has its verdict.
enum BatchRefusal {
    /// Any denied element denies the whole batch; every element keeps its own record, and none may
    /// read as an allow: nothing of the batch reaches the upstream. An element policy allowed says
    /// so, and names the element that denied the batch (`batch element N`, as the record numbers it).
    static func mark(_ records: inout [AuditRecord], status: Int, deniedElement: Int) {
        for index in records.indices {
            records[index].httpStatus = status
            if records[index].decision == .allow {
                records[index].decision = .deny
                records[index].errors.append(
                    "policy allowed this element; the batch was refused because batch element \(deniedElement) was denied")
            }
        }
    }

    /// A single denied `tools/call` is answered as a tool result when the upstream asks for it
    /// (`deny_style = "tool-result"`); batches and every other method keep the JSON-RPC error.
    static func styled(_ refusal: Refusal, messages: [MessageFacts.Item], upstream: UpstreamConfig,
                       classification: MCPClassification) -> Refusal {
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
