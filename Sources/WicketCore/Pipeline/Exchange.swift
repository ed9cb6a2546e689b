import Cedar
import Foundation
import WicketGeo
import WicketMCP
import WicketStore

/// One request's way through the pipeline: what is known so far, for the decision and its record.
///
/// Not copyable: it exists once per request and is passed by borrowing, so its request, record and
/// references are never duplicated (each copy of a struct is a retain per reference field, and a
/// release later). Per-route configuration is read through `route`, one shared reference: the
/// decision reads the upstream's fields in place (`route.upstream.name`) rather than through a copy of
/// the whole configuration (only the list call still takes one).
struct Exchange: ~Copyable {
    let pipeline: DecisionPipeline
    let request: DecisionInput
    /// The upstream, its tenant and mapping, looked up once by the server name (UpstreamRoutes.swift).
    let route: UpstreamRoutes.Route
    let requestID: String
    let started: ContinuousClock.Instant
    private var base: AuditRecord

    /// A copy of the upstream's configuration (every field retained): for the rare list call only; the
    /// decision reads `route.upstream` in place.
    var upstream: UpstreamConfig { route.upstream }
    var tenant: TenantRuntime { route.tenant }
    /// The upstream's Cedar mapping, for the request's decisions and its list filter.
    var mapping: CedarMapping { route.mapping }

    /// Takes `request` over (moved in from the caller, not copied).
    init(
        pipeline: DecisionPipeline, request: consuming DecisionInput, route: UpstreamRoutes.Route,
        requestID: String, started: ContinuousClock.Instant
    ) {
        base = .exchange(
            tenant: route.tenant.config.name, server: route.upstream.name, requestID: requestID,
            traceparent: request.headers.traceparent)
        self.pipeline = pipeline
        self.request = request
        self.route = route
        self.requestID = requestID
        self.started = started
    }

    /// The record for a refusal that happened before (or instead of) per-message decisions.
    func record(_ refusal: Refusal) -> AuditRecord {
        base.refused(refusal)
    }

    mutating func decide() throws -> DecisionPipeline.Outcome {
        let now = pipeline.clock.read()
        let (time, timeContext) = route.localTime.timeAndContext(at: now)
        base.timeMicros = time.microseconds

        let client = pipeline.addresses.resolve(
            remoteAddress: request.remoteAddress,
            forwardedFor: request.headers.forwardedFor)
        base.sourceIP = client
        var location: GeoLocation?
        var addressContext: AddressContext?  // `source_ip` and `geo` kept with the answer (KeptContext.swift)
        if let client, let geo = pipeline.geo.currentAnswers {
            do { (location, addressContext) = try geo.answer(client).parts } catch {
                throw Refusal.unavailable("the GeoIP lookup failed, so the request is refused", cause: .geoip)
            }
        }
        base.geoCountry = location?.country
        base.geoRegion = location?.region
        base.geoCity = location?.city

        guard case .complete(let body) = request.body else {
            throw Refusal(
                status: 413, jsonRPCCode: -32600,
                message: "the message is larger than \(pipeline.config.maxBodyBytes) bytes")
        }
        let identity = try authenticate()
        base.member = identity.member
        base.agent = identity.agent
        base.keyID = identity.keyID

        let classification: MCPClassification
        do {
            classification = try pipeline.classifier.classify(
                MCPHTTPRequest(
                    method: request.method, body: body,
                    sessionID: request.headers.mcpSessionID, protocolVersion: request.headers.mcpProtocolVersion,
                    mcpMethod: request.headers.mcpMethod, mcpName: request.headers.mcpName,
                    contentType: request.headers.contentType, accept: request.headers.accept))
        } catch {
            throw Refusal(status: error.httpStatus, jsonRPCCode: error.jsonRPCCode, message: error.message, jsonrpcID: error.requestID)
        }
        base.sessionID = classification.sessionID
        if let refused = NameDiscipline.outcome(of: classification, route: route, base: base) { return refused }
        let session = SessionGuard(
            store: route.tenant.sessions, reading: route.sessionReading, server: route.upstream.name, classification: classification,
            member: identity.member, now: time.microseconds)
        let (sessionUnbound, readCredential) = try session.check()

        guard let clientAddress = client else {
            throw Refusal.forbidden("nginx sent no client address, so no policy can be evaluated")
        }
        let snapshot = route.tenant.sharedSnapshot
        let messages = try MessageFacts.of(classification, resourceArguments: route.resourceArguments)

        var records: [AuditRecord] = []
        var firstRefusal: Refusal?
        var firstDenied = 0
        for (position, item) in messages.enumerated() {
            let context = ContextFacts(
                time: time, sourceIP: clientAddress,
                geo: (location?.country, location?.region, location?.city),
                agent: identity.agent, session: classification.sessionID,
                server: route.upstream.name, method: item.facts.method,
                kept: KeptContext(time: timeContext, address: addressContext))
            let verdict = try Verdict(
                facts: item.facts, member: identity.member, context: context,
                mapping: route.mapping, snapshot: snapshot, jsonrpcID: item.id)
            // The message's record is the shared one copied into the array and filled there: made
            // apart and appended, it was copied and destroyed once more on the way (~1,000 instructions).
            records.append(base)
            let last = records.count - 1
            records[last].describe(
                method: item.facts.method, targetKind: item.targetKind, targetName: item.targetName,
                resource: item.facts.mappedResource, id: item.id,
                batchIndex: classification.isBatch ? position : nil)
            records[last].apply(verdict)
            if verdict.allowed,
                let pinned = pipeline.pins.callRefusal(
                    item.facts, server: .init(name: route.upstream.name, reviewedTools: route.upstream.reviewedTools))
            {
                // Allowed by policy, but the tool changed since review (ToolSurface/ToolPins.swift).
                records[last].decision = .deny
                records[last].httpStatus = 403
                records[last].errors.append("pinning: " + ToolPins.changedMessage)
                if firstRefusal == nil { firstRefusal = .forbidden(pinned, id: item.id); firstDenied = position }
                continue
            }
            // An allow's rules are its records' policies, read at the answer (`Answer.rule(of:)`).
            if !verdict.allowed, firstRefusal == nil { firstRefusal = verdict.refusal; firstDenied = position }
        }
        if let denied = firstRefusal {
            // Any denied element denies the whole batch; every element keeps its own record, and
            // none may read as an allow: nothing of the batch reaches the upstream.
            let refusal = BatchRefusal.styled(denied, messages: messages, upstream: route.upstream, classification: classification)
            for index in records.indices {
                records[index].refusedWithBatch(status: refusal.asToolResult ? 200 : 403, deniedElement: firstDenied)
            }
            if classification.isBatch {
                var whole = refusal
                whole.jsonrpcID = nil
                return .refused(whole, records: records)
            }
            return .refused(refusal, records: records)
        }

        let token: String
        do {
            if UpstreamLists.batchCarriesList(classification) { throw UpstreamLists.batchedListRefusal }
            token = try upstreamToken(member: identity.member, read: readCredential ?? identity.credential)
            try session.settle(wasUnbound: sessionUnbound)
        } catch let refusal as Refusal {
            for index in records.indices { records[index].overruled(by: refusal) }
            return .refused(refusal, records: records)
        }
        if let list = UpstreamLists.listRequest(of: classification) {
            // Lists are fetched by Wicket and filtered per member (ToolSurface/UpstreamLists.swift).
            let context = ContextFacts(
                time: time, sourceIP: clientAddress, geo: (location?.country, location?.region, location?.city),
                agent: identity.agent, session: classification.sessionID, server: route.upstream.name, method: list.method)
            let answered = UpstreamLists.call(
                list, exchange: self, body: body, classification: classification, token: token,
                member: identity.member, context: context, snapshot: snapshot.value)
            answered.apply(to: &records)
            return .answered(answered.response, records: records)
        }
        return .allowed(token: token, records: records)
    }

    private struct Identity {
        let keyID: String
        let member: String
        let agent: String
        /// The member's credential, when the key check read it in its own statement (KeyCredentialReading.swift).
        var credential: ReadCredential?
    }

    /// The bearer key → tenant, member, agent. A key is looked up only in the store of the tenant that
    /// owns this upstream; a key naming another tenant is refused before any lookup.
    private mutating func authenticate() throws -> Identity {
        guard let header = request.headers.authorization, !header.isEmpty else {
            throw Refusal.unauthenticated(
                "a Wicket member key is required: send `Authorization: Bearer <key>`",
                hadCredentials: false)
        }
        guard header.utf8.count > 7, Self.hasPrefixIgnoringASCIICase(header.utf8, "bearer ") else {
            throw Refusal.unauthenticated("the Authorization header must be `Bearer <key>`")
        }
        // The key read in place in the header (a slice, not a new string of it).
        let text = Substring(HeaderText.trimmedBytes(header.utf8.dropFirst(7)))
        let presented: PresentedKey
        do { presented = try PresentedKey.parse(text) } catch {
            throw Refusal.unauthenticated("the key is malformed: \(error.message)")
        }
        base.keyID = presented.keyID
        guard presented.tenant == route.tenant.config.name else {
            throw Refusal.unauthenticated("the key does not belong to the tenant of this server")
        }
        let found: KeyLookup
        var credential: ReadCredential?
        do {
            if let reading = route.tenant.keysReadingCredentials {
                (found, credential) = try reading.lookup(presented, readingCredentialFor: route.upstream.name)
            } else {
                found = try route.tenant.keys.lookup(presented)
            }
        } catch {
            throw Refusal.unavailable("the key store could not be read, so the request is refused", cause: .store)
        }
        if case .revoked(let owner) = found, owner.tenant == route.tenant.config.name {
            // Refused, and the record says whose key it was (the client is told no more than before).
            base.member = owner.member
            base.agent = owner.agent
        }
        guard case .valid(let key) = found, key.tenant == route.tenant.config.name else {
            throw Refusal.unauthenticated("the key is unknown or has been revoked")
        }
        return Identity(keyID: key.keyID, member: key.member, agent: key.agent, credential: credential)
    }

    /// Authorization schemes a stored credential may already carry (lowercase, with the space).
    static let schemes = ["bearer ", "basic ", "token "]

    /// Whether `bytes` (a header's UTF-8, a credential's bytes) start with `lowercasePrefix`, ASCII
    /// letters compared without case, byte by byte (no lowercased copy of the credential).
    static func hasPrefixIgnoringASCIICase(_ bytes: some Sequence<UInt8>, _ lowercasePrefix: String) -> Bool {
        // A header's bytes in place when it has them (a native string's): stepping a `String.UTF8View`'s
        // iterator cost ~500 instructions for `bearer `.
        let contiguous = bytes.withContiguousStorageIfAvailable { hasPrefixIgnoringASCIICase(buffer: $0, lowercasePrefix) }
        if let contiguous { return contiguous }
        return Array(bytes.prefix(lowercasePrefix.utf8.count)).withUnsafeBufferPointer {
            hasPrefixIgnoringASCIICase(buffer: $0, lowercasePrefix)
        }
    }

    private static func hasPrefixIgnoringASCIICase(buffer: UnsafeBufferPointer<UInt8>, _ lowercasePrefix: String) -> Bool {
        var index = 0
        for wanted in lowercasePrefix.utf8 {
            guard index < buffer.count else { return false }
            let byte = buffer[index]
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if folded != wanted { return false }
            index += 1
        }
        return true
    }

    /// The value nginx puts in the upstream's `Authorization`: the member's own credential for this
    /// server, decrypted for this request only; `read` when the session check already read it.
    private func upstreamToken(member: String, read: ReadCredential?) throws -> String {
        let secret: Secret?
        do {
            if let read {
                secret = try read.reveal()
            } else {
                secret = try route.tenant.credentials.reveal(member: member, server: route.upstream.name)
            }
        } catch {
            throw Refusal.unavailable("the member's upstream credential could not be opened, so the request is refused", cause: .store)
        }
        guard let secret else {
            if route.tenant.config.missingCredential == .empty { return "" }
            throw Refusal.forbidden(
                "no upstream credential is stored for `\(member)` on `\(route.upstream.name)`; "
                    + "store one with `wicket creds set`")
        }
        guard case .success(let value) = UpstreamTokenText.header(from: secret) else {
            throw Refusal.unavailable("the stored upstream credential cannot be sent as a header")
        }
        return value
    }
}

extension MessageFacts {
    struct Item {
        let facts: MessageFacts
        let id: JSONRPCID?
        let targetKind: AuditRecord.TargetKind?
        let targetName: String?
    }

    /// The messages to decide: each JSON-RPC message, or the one GET/DELETE of the session.
    static func of(_ classification: MCPClassification, resourceArguments: ResourceArguments) throws -> [Item] {
        switch classification.kind {
        case .openStream:
            return [Item(facts: MessageFacts(method: "stream/open", target: .none), id: nil, targetKind: nil, targetName: nil)]
        case .endSession:
            return [Item(facts: MessageFacts(method: "session/end", target: .none), id: nil, targetKind: nil, targetName: nil)]
        case .messages(let messages, _):
            return try messages.map { message in
                let method = message.kind == .response ? "client/response" : (message.method ?? "")
                var toolName: String?
                if case .tool(let name)? = message.target { toolName = name }
                if let reason = CedarMapping.ambiguity(method: method, tool: toolName) {
                    throw Refusal.forbidden(reason, id: message.id)
                }
                var facts = MessageFacts(method: method, target: .none)
                var kind: AuditRecord.TargetKind?
                switch message.target {
                case .tool(let name)?:
                    facts.target = .tool(name)
                    kind = .tool
                    if let argument = resourceArguments.argument(forTool: name) {
                        switch message.toolArgument(named: argument) {
                        case .string(let value): facts.mappedResource = value
                        case .absent: break
                        case .notAString:
                            throw Refusal(
                                status: 400, jsonRPCCode: -32602,
                                message: "the argument `\(argument)` of `\(name)` must be a string", jsonrpcID: message.id)
                        }
                    }
                case .resource(let uri)?:
                    facts.target = .resource(uri)
                    kind = method == "completion/complete" ? .completion : .resource
                case .prompt(let name)?:
                    facts.target = .prompt(name)
                    kind = method == "completion/complete" ? .completion : .prompt
                case nil: break
                }
                return Item(facts: facts, id: message.id, targetKind: kind, targetName: message.target?.name)
            }
        }
    }
}

extension MCPClassification {
    var isBatch: Bool {
        if case .messages(_, let isBatch) = kind { return isBatch }
        return false
    }
}
