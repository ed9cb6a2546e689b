import WicketMCP
import WicketStore

/// The names a message acts on, checked byte by byte before any policy runs: the method is one the
/// negotiated revision defines (or one of the upstream's `extension_methods`), a tool or prompt name is
/// in the MCP name grammar (or the upstream's deliberate widening), a resource URI is an RFC 3986 URI.
///
/// A policy decides on the names Wicket reads; an allow is safe only if the upstream can read them no
/// other way. A look-alike, a width variant, an invisible character or a case variant of a real name
/// would map to a Cedar action no policy names, be allowed by any broad permit, and leave it to the
/// upstream's normalisation whether the forbidden tool runs. So such names never reach Cedar.
struct NameDiscipline {
    /// JSON-RPC "Method not found".
    static let methodNotFoundCode = -32601
    /// JSON-RPC "Invalid params" (MCP's code for a bad tool call).
    static let invalidParamsCode = -32602

    let version: MCPProtocolVersion
    /// The upstream's name, for the refusal's words (not a copy of its whole configuration).
    let upstreamName: String
    let grammar: MCPNameGrammar
    let extensionMethods: Set<[UInt8]>

    /// Reads the three fields it needs from the route's upstream in place (a whole `UpstreamConfig`
    /// passed as an argument was copied, a retain per field).
    init(version: MCPProtocolVersion, route: UpstreamRoutes.Route) {
        self.version = version
        upstreamName = route.upstream.name
        grammar = route.upstream.nameGrammar
        extensionMethods = route.upstream.extensionMethodBytes
    }

    /// The refusal and its records when any message breaks a rule (a batch is refused whole), else nil.
    static func outcome(of classification: MCPClassification, route: UpstreamRoutes.Route, base: AuditRecord)
        -> DecisionPipeline.Outcome?
    {
        let discipline = NameDiscipline(version: classification.protocolVersion, route: route)
        guard case .messages(let messages, _) = classification.kind else { return nil }
        // The usual answer, every name exact, takes no array of refusals (each element read in place).
        let span = messages.span
        var broken = false
        for index in span.indices where discipline.refusal(for: span[index]) != nil {
            broken = true
            break
        }
        guard broken else { return nil }
        let refusals = messages.map { discipline.refusal(for: $0) }
        guard var refusal = refusals.compactMap({ $0 }).first else { return nil }
        var records: [AuditRecord] = []
        for (position, message) in messages.enumerated() {
            var kind: AuditRecord.TargetKind?
            switch message.target {
            case .tool?: kind = .tool
            case .resource?: kind = message.method == "completion/complete" ? .completion : .resource
            case .prompt?: kind = message.method == "completion/complete" ? .completion : .prompt
            case nil: kind = nil
            }
            let record = base.message(
                method: message.kind == .response ? "client/response" : message.method.map(Self.visible),
                targetKind: kind, targetName: message.target.map { Self.visible($0.name) },
                id: message.id, batchIndex: classification.isBatch ? position : nil)
            records.append(record.refusedByName(refusals[position], status: refusal.status))
        }
        if classification.isBatch { refusal.jsonrpcID = nil }
        return .refused(refusal, records: records)
    }

    /// Why `message` must be refused before any policy, or nil when its names are exact.
    func refusal(for message: MCPMessage) -> Refusal? {
        guard let method = message.method else { return nil }  // a client response: no method, no name
        // Most upstreams declare no extension method: then no byte array is made for the look-up.
        let isExtension = !extensionMethods.isEmpty && extensionMethods.contains(Array(method.utf8))
        guard isExtension || MCPMethods.isDefined(method, in: version) else {
            return Refusal(
                status: 400, jsonRPCCode: Self.methodNotFoundCode,
                message: "method `\(Self.visible(method))` is not defined by MCP protocol \(version.rawValue) "
                    + "and is not an extension method of `\(upstreamName)`; the message is refused",
                jsonrpcID: message.id)
        }
        switch message.target {
        case .tool(let name)?:
            guard grammar.isValidName(name) else {
                return Refusal(
                    status: 400, jsonRPCCode: Self.invalidParamsCode,
                    message: "`\(Self.visible(name))` is not a valid MCP tool name (\(grammarText)); the call is refused",
                    jsonrpcID: message.id)
            }
            if !extensionMethods.isEmpty && extensionMethods.contains(Array(name.utf8)) {
                return .forbidden(
                    "the tool name `\(name)` is also an extension method of `\(upstreamName)`, so no policy "
                        + "can tell them apart; the call is refused", id: message.id)
            }
        case .prompt(let name)?:
            guard grammar.isValidName(name) else {
                return Refusal(
                    status: 400, jsonRPCCode: Self.invalidParamsCode,
                    message: "`\(Self.visible(name))` is not a valid MCP prompt name (\(grammarText)); the message is refused",
                    jsonrpcID: message.id)
            }
        case .resource(let uri)?:
            guard MCPNameGrammar.isValidURI(uri, allowTemplate: method == "completion/complete") else {
                return Refusal(
                    status: 400, jsonRPCCode: Self.invalidParamsCode,
                    message: "`\(Self.visible(uri))` is not a valid resource URI (RFC 3986: a scheme, `:`, "
                        + "and only URI characters; percent-encode the rest); the message is refused",
                    jsonrpcID: message.id)
            }
        case nil:
            break
        }
        return nil
    }

    private var grammarText: String {
        let extra = grammar.extraCharacters.sorted().map { String(UnicodeScalar($0)) }.joined()
        return "1–128 of A-Z a-z 0-9 _ - ." + (extra.isEmpty ? "" : " and `\(extra)`")
    }

    /// A name as an operator can read it: ASCII printable kept, everything else as `\u{XXXX}`, at most
    /// 160 characters, so an invisible or look-alike character is visible in the answer and the audit.
    static func visible(_ text: String) -> String {
        var out = ""
        for (count, scalar) in text.unicodeScalars.enumerated() {
            if count == 160 { out += "…"; break }
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "`" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }
}
