/// Turns an HTTP request to the MCP endpoint into an ``MCPClassification`` or refuses it with an
/// ``MCPRequestError``. Pure and allocation-light: it runs on every request.
///
/// Checks, in order: HTTP method; `MCP-Protocol-Version`; `Mcp-Session-Id`; GET/DELETE rules; body
/// size (413); `Content-Type` (415); strict JSON (-32700); JSON-RPC 2.0 shape (-32600); batch rules
/// (-32600); each method's target (-32602); `Mcp-Method`/`Mcp-Name` agreement (-32020).
///
/// Where the specifications leave room, Wicket decides:
/// - No `MCP-Protocol-Version` → 2025-03-26 (the transport spec's rule); an unknown value → 400
///   with -32600 (not 2026's -32022, which would tell a client the upstream is modern).
/// - 2026-07-28 is stateless: `Mcp-Session-Id` is ignored (``MCPClassification/sessionID`` is nil),
///   GET and DELETE are 405, and a client response is -32600 (the revision has no server requests).
///   `Mcp-Method` is required on every message with a method; `Mcp-Name` on `tools/call`,
///   `prompts/get` (`params.name`) and `resources/read` (`params.uri`), `=?UTF-8?B?…?=` decoded.
///   A `params._meta` protocol version that differs from the header is a mismatch.
/// - Earlier revisions: `Mcp-Method`/`Mcp-Name` are optional but must agree when present, so an
///   intermediary routing on them never sees a different call than the upstream.
/// - A missing or mistyped target (`tools/call` without a non-empty string `params.name`,
///   non-object `params.arguments`…) is -32602 "Invalid params", as MCP uses it for tools.
/// - Batches (2025-03-26 only): at most ``MCPLimits/maxBatchCount`` messages; no `initialize`;
///   requests/notifications and responses are never mixed; one invalid element refuses the whole
///   batch (without an id). Unknown top-level members of a message are refused.
/// - POST needs `Content-Type: application/json` (415 otherwise); GET and DELETE must have no
///   body; DELETE needs `Mcp-Session-Id`. `Accept` is not checked (406 is the upstream's call).
public struct MCPClassifier: Sendable {
    public var limits: MCPLimits

    public init(limits: MCPLimits = MCPLimits()) {
        self.limits = limits
    }

    /// Classifies `request`, or throws why it must be refused.
    public func classify(_ request: MCPHTTPRequest) throws(MCPRequestError) -> MCPClassification {
        let method: String
        if request.method == "POST" || Self.equalsASCIICaseInsensitive(request.method, "POST") {
            method = "POST"
        } else if Self.equalsASCIICaseInsensitive(request.method, "GET") {
            method = "GET"
        } else if Self.equalsASCIICaseInsensitive(request.method, "DELETE") {
            method = "DELETE"
        } else {
            throw MCPRequestError(
                code: .methodNotAllowed, httpStatus: 405, jsonRPCCode: MCPRequestError.invalidRequestCode,
                message: "HTTP method `\(Self.echo(request.method))` is not allowed; use POST, GET or DELETE")
        }
        let version = try Self.protocolVersion(request.protocolVersion)
        let sessionID = try version.isStateless ? nil : validatedSessionID(request.sessionID)

        switch method {
        case "GET", "DELETE":
            if version.isStateless {
                throw MCPRequestError(
                    code: .methodNotAllowed, httpStatus: 405, jsonRPCCode: MCPRequestError.invalidRequestCode,
                    message: "protocol 2026-07-28 has no sessions or streams to \(method == "GET" ? "open" : "end"); use POST")
            }
            guard request.body.isEmpty else {
                throw MCPRequestError(
                    code: .unexpectedBody, httpStatus: 400, jsonRPCCode: MCPRequestError.invalidRequestCode,
                    message: "a \(method) request to the MCP endpoint must not have a body")
            }
            if method == "DELETE" {
                guard sessionID != nil else {
                    throw MCPRequestError(
                        code: .missingSessionID, httpStatus: 400, jsonRPCCode: MCPRequestError.invalidRequestCode,
                        message: "ending a session needs an `Mcp-Session-Id` header")
                }
                return MCPClassification(
                    protocolVersion: version, protocolVersionHeaderPresent: request.protocolVersion != nil,
                    sessionID: sessionID, kind: .endSession)
            }
            return MCPClassification(
                protocolVersion: version, protocolVersionHeaderPresent: request.protocolVersion != nil,
                sessionID: sessionID, kind: .openStream)
        default:
            let (messages, isBatch) = try classifyBody(request, version: version)
            return MCPClassification(
                protocolVersion: version, protocolVersionHeaderPresent: request.protocolVersion != nil,
                sessionID: sessionID, kind: .messages(messages, isBatch: isBatch))
        }
    }

    // MARK: - Headers

    static func protocolVersion(_ header: String?) throws(MCPRequestError) -> MCPProtocolVersion {
        guard let header else { return .assumedWhenAbsent }
        guard let version = MCPProtocolVersion(exactly: trimmed(header)) else {
            let known = MCPProtocolVersion.allCases.map(\.rawValue).joined(separator: ", ")
            throw MCPRequestError(
                code: .unsupportedProtocolVersion, httpStatus: 400, jsonRPCCode: MCPRequestError.invalidRequestCode,
                message: "unsupported MCP protocol version `\(echo(header))`; supported: \(known)")
        }
        return version
    }

    /// The spec requires visible ASCII (0x21–0x7E) only.
    func validatedSessionID(_ header: String?) throws(MCPRequestError) -> String? {
        guard let header else { return nil }
        let utf8 = header.utf8
        // The bytes in place when the string has them: the generic `allSatisfy` over the view cost
        // ~440 instructions for a 13-byte id.
        let visible = utf8.withContiguousStorageIfAvailable { $0.allSatisfy(Self.isVisibleASCII) } ?? utf8.allSatisfy(Self.isVisibleASCII)
        guard !utf8.isEmpty, utf8.count <= limits.maxSessionIDBytes, visible else {
            throw MCPRequestError(
                code: .invalidSessionID, httpStatus: 400, jsonRPCCode: MCPRequestError.invalidRequestCode,
                message: "`Mcp-Session-Id` must be 1 to \(limits.maxSessionIDBytes) visible ASCII characters")
        }
        return header
    }

    static func isVisibleASCII(_ byte: UInt8) -> Bool { byte >= 0x21 && byte <= 0x7E }

    /// `application/json`, optionally with parameters (`; charset=utf-8`), any case.
    static func isJSONContentType(_ header: String?) -> Bool {
        guard let header else { return false }
        if header == "application/json" { return true }
        var utf8 = header.utf8[...]
        if let semicolon = utf8.firstIndex(of: UInt8(ascii: ";")) { utf8 = utf8[..<semicolon] }
        while let first = utf8.first, first == 0x20 || first == 0x09 { utf8 = utf8.dropFirst() }
        while let last = utf8.last, last == 0x20 || last == 0x09 { utf8 = utf8.dropLast() }
        return equalsASCIICaseInsensitive(utf8, "application/json".utf8)
    }

    /// ASCII case-insensitive equality without allocating.
    static func equalsASCIICaseInsensitive(_ a: String, _ b: String) -> Bool {
        equalsASCIICaseInsensitive(a.utf8[...], b.utf8)
    }

    static func equalsASCIICaseInsensitive(_ a: Substring.UTF8View, _ b: String.UTF8View) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            let lx = (x >= 0x41 && x <= 0x5A) ? x | 0x20 : x
            let ly = (y >= 0x41 && y <= 0x5A) ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }

    static func trimmed(_ s: String) -> String {
        let utf8 = s.utf8
        // The usual header has no blank at either end: seen from its two end bytes, without the walks.
        if let first = utf8.first, let last = utf8.last, first != 0x20, first != 0x09, last != 0x20, last != 0x09 { return s }
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        if first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) { return s }
        return String(s[first...last])
    }

    /// Client text quoted in an error sentence: at most 40 characters, control characters and
    /// backticks replaced, so a message can never carry a payload or break a log line.
    static func echo(_ s: String) -> String {
        var out = ""
        for (i, scalar) in s.unicodeScalars.enumerated() {
            if i == 40 { out += "…"; break }
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "`" || (0x80...0x9F).contains(scalar.value) {
                out += "?"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
