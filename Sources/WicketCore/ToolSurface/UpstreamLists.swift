import Foundation
import WicketJSON
import WicketMCP
import WicketStore

/// A list request that policy allowed: Wicket calls the upstream itself (the member's own credential,
/// the session and protocol headers the client sent), filters the entries per member and answers the
/// client directly. Anything but a readable answer becomes a JSON-RPC error: never an unfiltered list.
struct UpstreamLists {
    let upstream: UpstreamConfig
    let request: DecisionInput
    let body: [UInt8]
    let id: JSONRPCID
    let method: String
    let protocolVersion: MCPProtocolVersion
    let token: String
    let filter: ListFilter
    let requestID: String
    let pins: ToolPins

    /// The one list request of a non-batch POST, or nil when this message is no list call.
    static func listRequest(of classification: MCPClassification) -> (method: String, id: JSONRPCID)? {
        guard case .messages(let messages, false) = classification.kind, messages.count == 1,
            let message = messages.first, message.kind == .request, let method = message.method,
            ListFilter.entryKeys[method] != nil, let id = message.id
        else { return nil }
        return (method, id)
    }

    /// A batch (2025-03-26) that carries a list request: Wicket cannot filter one answer of a batch
    /// nginx forwards, so such a batch is refused rather than let an unfiltered list through.
    static func batchCarriesList(_ classification: MCPClassification) -> Bool {
        guard case .messages(let messages, true) = classification.kind else { return false }
        return messages.contains { $0.kind == .request && ListFilter.entryKeys[$0.method ?? ""] != nil }
    }

    static let batchedListRefusal = Refusal(
        status: 400, jsonRPCCode: -32600,
        message: "a list request cannot be part of a batch through Wicket, which filters lists per member; send it on its own")

    struct Answered {
        let response: Reply
        /// What the list call adds to its audit record.
        var hidden: Int? = nil
        var hidingPolicies: [String] = []
        var error: String? = nil
        var status: Int = 200
        /// The live tool definitions the upstream offered (for the pins), when it answered a tools list.
        var liveTools: [JSONValue] = []
    }

    func answer() -> Answered {
        let reply: HTTPClient.Reply
        do {
            reply = try HTTPClientPool.shared.withClient { client throws(HTTPClient.Failure) in
                try client.exchange(
                    url: upstream.url, headers: headers(), body: body,
                    timeoutMilliseconds: upstream.listTimeoutMilliseconds, maxBytes: 16 << 20)
            }
        } catch {
            return failure("the upstream server did not answer the list request (\(error.description))")
        }
        guard (200..<300).contains(reply.status) || reply.contentType == "application/json" else {
            return failure("the upstream server answered the list request with HTTP \(reply.status)")
        }
        let read: ListReply
        do { read = try ListReply.read(reply, id: id) } catch {
            return failure("the upstream server's answer to the list request could not be read: \(error.reason)")
        }
        switch read {
        case .error(let value):
            // An error lists nothing; pass it on with the upstream's status (a 404 tells the client its
            // session expired).
            let status = (200..<600).contains(reply.status) ? reply.status : 502
            return Answered(
                response: respond(status: status, body: value.encoded), error: "the upstream server answered with a JSON-RPC error",
                status: status)
        case .result(let result):
            guard (200..<300).contains(reply.status), let key = ListFilter.entryKeys[method],
                let entries = result[key]?.arrayValue
            else {
                return failure("the upstream server's list result has no `\(ListFilter.entryKeys[method] ?? "")` array")
            }
            var filter = self.filter
            if method == "tools/list" { filter.refusedTools = pins.observe(entries, upstream: upstream) }
            let outcome = filter.filter(entries)
            var filtered = result.setting(key, to: .array(outcome.kept))
            if protocolVersion >= .v2026_07_28 { filtered = filtered.setting("cacheScope", to: JSONValue.string("private")) }
            let envelope = JSONValue.object(
                JSONObject(members: [
                    .init(key: "jsonrpc", value: .string("2.0")), .init(key: "id", value: idValue),
                    .init(key: "result", value: .object(filtered)),
                ]))
            return Answered(
                response: respond(status: 200, body: envelope.encoded), hidden: outcome.hidden,
                hidingPolicies: outcome.hidingPolicies.sorted(), liveTools: method == "tools/list" ? entries : [])
        }
    }

    private var idValue: JSONValue {
        switch id {
        case .string(let s): .string(s)
        case .integer(let i): .number(JSONNumber(i))
        }
    }

    private func failure(_ message: String) -> Answered {
        let refusal = Refusal(status: 502, jsonRPCCode: Answer.unavailableCode, message: message, jsonrpcID: id)
        return Answered(response: Answer.deny(refusal, requestID: requestID), error: message, status: 502)
    }

    private func respond(status: Int, body: [UInt8]) -> Reply {
        Reply(
            status: status,
            headers: [
                .init("Content-Type", "application/json"),
                .init("Cache-Control", "no-store"),
                .init("X-Wicket-Decision", "allow"),
                .init("X-Wicket-Request-Id", requestID),
            ], body: body)
    }

    /// The headers the upstream gets: the member's credential and the client's MCP headers.
    func headers() -> [(String, String)] {
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        if !token.isEmpty { headers.append(("Authorization", token)) }
        let client = request.headers
        headers.append(("Accept", safe(client.accept) ?? "application/json, text/event-stream"))
        let forwarded = [
            ("Mcp-Session-Id", client.mcpSessionID), ("MCP-Protocol-Version", client.mcpProtocolVersion),
            ("Mcp-Method", client.mcpMethod), ("Mcp-Name", client.mcpName), ("traceparent", client.traceparent),
        ]
        for (name, value) in forwarded {
            if let value = safe(value) { headers.append((name, value)) }
        }
        return headers
    }

    private func safe(_ value: String?) -> String? {
        guard let value, !value.isEmpty, HeaderText.isSafe(value) else { return nil }
        return value
    }
}

/// libcurl handles for the accept threads: one handle is used by one thread at a time, and a handle
/// goes back to the pool after the call so its connection to the upstream is reused.
final class HTTPClientPool: @unchecked Sendable {
    // @unchecked Sendable: `idle` is only touched under `lock`; a handle is owned by one caller at a time.
    static let shared = HTTPClientPool()
    private let lock = NSLock()
    private var idle: [HTTPClient] = []

    func withClient<T>(_ body: (HTTPClient) throws(HTTPClient.Failure) -> T) throws(HTTPClient.Failure) -> T {
        lock.lock()
        let pooled = idle.popLast()
        lock.unlock()
        let client: HTTPClient
        if let pooled { client = pooled } else { client = try HTTPClient() }
        defer {
            lock.lock()
            if idle.count < 64 { idle.append(client) }
            lock.unlock()
        }
        return try body(client)
    }
}

extension UpstreamLists {
    static func call(
        _ list: (method: String, id: JSONRPCID), exchange: borrowing Exchange, body: [UInt8], classification: MCPClassification,
        token: String, member: String, context: ContextFacts, snapshot: PolicySnapshot
    ) -> Answered {
        let upstream = exchange.upstream
        let filter = ListFilter(
            method: list.method, member: member, context: context,
            mapping: exchange.mapping,
            snapshot: snapshot, resourceArguments: ResourceArguments(upstream.resourceArguments))
        let answered = UpstreamLists(
            upstream: upstream, request: exchange.request, body: body, id: list.id, method: list.method,
            protocolVersion: classification.protocolVersion, token: token, filter: filter,
            requestID: exchange.requestID, pins: exchange.pipeline.pins
        ).answer()
        if answered.status == 502, let error = answered.error {
            exchange.pipeline.logger.warning(
                "a list call to the upstream failed; the client got a JSON-RPC error, no list",
                metadata: [
                    "wicket.request.id": "\(exchange.requestID)", "wicket.server": "\(upstream.name)", "wicket.error": "\(error)",
                ])
        }
        return answered
    }
}

extension UpstreamLists.Answered {
    /// Adds the list call's outcome to its record: how many entries were hidden and by which
    /// policies, or why no list was given.
    func apply(to records: inout [AuditRecord]) {
        for index in records.indices {
            records[index].httpStatus = status
            // Policy allowed the list, but the client got none: the record reads as what was answered.
            if status != 200 { records[index].decision = .deny }
            if let error { records[index].errors.append(error) }
            if let hidden {
                records[index].listHidden = hidden
                records[index].listHiddenBy = hidingPolicies
            }
        }
    }
}
