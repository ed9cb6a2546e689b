import WicketMCP
import WicketStore

/// The two shapes of Wicket's answer to nginx (docs/architecture.md, "A request's path").
///
/// Allow: `200` + `X-Accel-Redirect: @wicket_mcp` and the `X-Wicket-*` headers the named location reads,
/// no body, and none of the headers nginx would copy to the client (`Set-Cookie`, `Cache-Control`, …).
/// Deny: the status, `Content-Type: application/json` and a JSON-RPC error whose message says why.
enum Answer {
    /// JSON-RPC error codes Wicket uses for its own refusals (the implementation-defined range).
    static let unauthenticatedCode = -32001
    static let forbiddenCode = -32003
    static let unavailableCode = -32004

    /// `records` are the allow's (each one an allow); `X-Wicket-Rule` names their determining policies.
    static func allow(token: String, records: [AuditRecord], requestID: String) -> Reply {
        // ``Reply/internalRedirect(to:headers:)``'s headers written in one array (that function
        // copies the given array into a second one after its `X-Accel-Redirect`).
        Reply(
            status: 200,
            headers: [
                .init("X-Accel-Redirect", "@wicket_mcp"),
                .init("X-Wicket-Token", token),
                .init("X-Wicket-Decision", "allow"),
                .init("X-Wicket-Rule", HeaderText.sanitize(rule(of: records))),
                .init("X-Wicket-Request-Id", requestID),
            ])
    }

    /// The records' determining policies, each once, in UTF-8 byte order, joined by `, ` (an allow's
    /// records carry its verdicts' policies: `AuditRecord.apply(_:)`). Read in place from the records:
    /// the usual allow, one record with one policy, makes no array of ids (the decision collected one
    /// per request before).
    static func rule(of records: [AuditRecord]) -> String {
        let span = records.span  // an array's element read by subscript or `for` copies the whole record
        if span.count == 1, span[0].policies.count == 1 { return span[0].policies[0].id }
        var ids: [String] = []
        for index in span.indices {
            for policy in span[index].policies { ids.append(policy.id) }
        }
        let rules = distinctRules(ids)
        return rules.count == 1 ? rules[0] : rules.joined(separator: ", ")
    }

    /// The determining policies of an allow, each once, in UTF-8 byte order. Bytes, not `String`: two
    /// canonically equivalent ids are two policies (and the usual single id costs no set or sort).
    static func distinctRules(_ rules: [String]) -> [String] {
        guard rules.count > 1 else { return rules }
        let sorted = rules.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var out: [String] = []
        out.reserveCapacity(sorted.count)
        for rule in sorted where !(out.last.map { $0.utf8.elementsEqual(rule.utf8) } ?? false) { out.append(rule) }
        return out
    }

    /// Every refusal is rendered here: the deny headers, then the one JSON-RPC body writer
    /// (``JSONRPCRefusal``) as an error, or as a tool's error result for `deny_style = "tool-result"`.
    static func deny(_ refusal: Refusal, requestID: String) -> Reply {
        var headers: [Reply.Header] = [
            .init("Cache-Control", "no-store"),
            .init("X-Wicket-Decision", "deny"),
            .init("X-Wicket-Request-Id", requestID),
        ]
        if let rule = refusal.rule { headers.append(.init("X-Wicket-Rule", HeaderText.sanitize(rule))) }
        if refusal.asToolResult {
            return .json(status: 200, body: JSONRPCRefusal.toolResult(refusal, requestID: requestID), headers: headers)
        }
        if refusal.status == 401 {
            headers.append(
                .init(
                    "WWW-Authenticate",
                    refusal.hadCredentials
                        ? #"Bearer realm="wicket", error="invalid_token""# : #"Bearer realm="wicket""#))
        }
        return .json(status: refusal.status, body: JSONRPCRefusal.error(refusal, requestID: requestID), headers: headers)
    }
}

/// Why a request is refused, in words the client sees and the audit keeps.
struct Refusal: Error, Sendable {
    var status: Int
    var jsonRPCCode: Int
    var message: String
    /// The determining policy, when a policy decided.
    var rule: String? = nil
    var jsonrpcID: JSONRPCID? = nil
    /// For 401: whether the client sent a key at all (selects the `WWW-Authenticate` form).
    var hadCredentials = true
    /// For the audit record only, never the client (e.g. whose session it was).
    var auditDetail: String? = nil
    /// Answer as a `tools/call` result with `isError` (HTTP 200), per the upstream's `deny_style`.
    var asToolResult = false
    /// With `asToolResult`: add `resultType: "complete"` (protocol 2026-07-28 requires it).
    var taggedResult = false
    /// For 503: which dependency failed, for `wicket_errors_total`.
    var cause: WicketMetrics.ErrorKind? = nil

    static func unauthenticated(_ message: String, hadCredentials: Bool = true) -> Refusal {
        Refusal(status: 401, jsonRPCCode: Answer.unauthenticatedCode, message: message, hadCredentials: hadCredentials)
    }

    static func unavailable(_ message: String, cause: WicketMetrics.ErrorKind? = nil) -> Refusal {
        Refusal(status: 503, jsonRPCCode: Answer.unavailableCode, message: message, cause: cause)
    }

    static func forbidden(_ message: String, rule: String? = nil, id: JSONRPCID? = nil) -> Refusal {
        Refusal(status: 403, jsonRPCCode: Answer.forbiddenCode, message: message, rule: rule, jsonrpcID: id)
    }
}

enum HeaderText {
    /// The bytes without leading and trailing spaces and tabs, as a string (byte-wise: no grapheme work
    /// on the request path).
    static func trimmed(_ bytes: Substring.UTF8View) -> String {
        String(Substring(trimmedBytes(bytes)))
    }

    /// The same bytes as a slice of the input (no copy).
    static func trimmedBytes(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }

    /// Header values must not carry control characters (no header injection through a policy id).
    static func sanitize(_ text: String) -> String {
        guard !isSafe(text) else { return text }  // the usual case: no copy
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// Control characters are single bytes below 0x80 in UTF-8 and never part of a longer sequence, so
    /// a byte scan is exact.
    static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains(where: isControl)
    }

    /// A control character's byte: below 0x20, or DEL.
    static func isControl(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F
    }
}
