#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads one FastCGI connection's bytes, in whatever pieces they arrive, into requests (FastCGI 1.0,
/// responder role, one request at a time). Pure: it never touches a socket, so every bound and every
/// malformed input is unit-tested byte by byte (FastCGIRequestParserTests).
///
/// What it accepts: FCGI_BEGIN_REQUEST (role RESPONDER, flag KEEP_CONN), the FCGI_PARAMS stream up to
/// its empty record, the FCGI_STDIN stream up to its empty record (then the request is complete and
/// the parser waits for ``answered()`` before it takes the next one), FCGI_ABORT_REQUEST and
/// FCGI_GET_VALUES. It answers by itself (``Event/reply(_:closeAfter:)``): another role with
/// END_REQUEST/UNKNOWN_ROLE, a second request id while one is active with END_REQUEST/CANT_MPX_CONN,
/// an unknown record type with FCGI_UNKNOWN_TYPE, GET_VALUES with the three values it knows.
///
/// What it bounds: a record's content by its 16-bit length (so the unparsed bytes it holds stay under
/// one record plus one read); the params stream by ``Limits/maxParamsBytes`` (past it the connection
/// is malformed); the body it keeps by ``Limits/maxBodyBytes`` (past it, or when CONTENT_LENGTH
/// declares more, the rest is read and dropped and the request arrives as
/// ``FastCGIRequest/Body/tooLarge(limit:)`` — nginx must be able to finish sending, exactly as with
/// libfcgi). Anything that breaks the protocol throws ``Malformed``: the caller closes the connection
/// (nginx answers 502, which Wicket's include turns into 503: fail closed).
struct FastCGIRequestParser {
    struct Limits: Sendable, Equatable {
        /// The params stream of one request, at most. nginx sends the `fastcgi_param` lines and every
        /// client header (`HTTP_*`); its default header buffers (`large_client_header_buffers 4 8k`)
        /// cap the headers at 32 KiB, so 256 KiB is 8× what a default nginx can send.
        var maxParamsBytes = 256 * 1024
        var maxBodyBytes = 1 << 20
        /// What GET_VALUES answers for FCGI_MAX_CONNS and FCGI_MAX_REQS.
        var maxConnections = 1024
        var maxRequests = 128
    }

    /// One complete request.
    struct Request {
        let id: UInt16
        let keepConnection: Bool
        let params: [FastCGIRequest.Param]
        let body: FastCGIRequest.Body
    }

    enum Event {
        /// A complete request; the parser takes no other until ``answered()``.
        case request(Request)
        /// Records the parser answers itself; with `closeAfter` the connection closes once they are written.
        case reply([UInt8], closeAfter: Bool)
        /// nginx aborted the request the handler has: its answer is still written (and its record committed).
        case abort(UInt16)
    }

    /// A protocol violation; the connection must be closed. `reason` names the violation, never a param or body byte.
    struct Malformed: Error, Equatable {
        let reason: String
    }

    private enum State: Equatable {
        case idle
        case params(id: UInt16, keep: Bool)
        case stdin(id: UInt16, keep: Bool)
        /// Complete and handed on; waiting for its answer.
        case answering(id: UInt16, keep: Bool)
    }

    let limits: Limits
    let selection: FastCGIParamSelection
    private var state = State.idle
    /// The start of a record that has not fully arrived (less than one record's worth).
    private var pending: [UInt8] = []
    private var paramsBytes: [UInt8] = []
    /// The params stream while it is one record of the input being parsed: nginx writes the stream and
    /// its empty closing record together, so it is decoded where it lies instead of copied first into
    /// `paramsBytes`. Only valid within one ``parseRecords(_:into:)``, which copies what is left of it
    /// into `paramsBytes` before it returns.
    private var paramsInInput: UnsafeRawBufferPointer?
    private var params: [FastCGIRequest.Param] = []
    private var body: [UInt8] = []
    private var bodyOverLimit = false

    init(limits: Limits, selection: FastCGIParamSelection) {
        self.limits = limits
        self.selection = selection
    }

    /// Whether a request is complete and waiting for ``answered()``.
    var isAnswering: Bool {
        if case .answering = state { return true }
        return false
    }

    /// Whether the connection is between requests with nothing half-read (safe to close when idle).
    var isIdle: Bool { state == .idle && pending.isEmpty }

    /// Whether a request has begun and is not yet answered.
    var hasRequest: Bool { state != .idle }

    /// The request handed on was answered: the next BEGIN_REQUEST may come.
    mutating func answered() {
        if case .answering = state { state = .idle }
    }

    /// Reads `input`, appending what it completes to `events`. Throws on a protocol violation (then
    /// the parser must not be used again).
    mutating func consume(_ input: UnsafeRawBufferPointer, into events: inout [Event]) throws(Malformed) {
        guard !input.isEmpty else { return }
        if pending.isEmpty {
            let used = try parseRecords(input, into: &events)
            if used < input.count { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[used...])) }
        } else {
            pending.append(contentsOf: input)
            let buffered = pending
            var collected: [Event] = []
            let parsed = buffered.withUnsafeBytes { bytes in
                Result { () throws(Malformed) in try parseRecords(bytes, into: &collected) }
            }
            events.append(contentsOf: collected)
            pending.removeFirst(try parsed.get())
        }
    }

    /// Parses every whole record in `bytes`; returns how many bytes they took.
    private mutating func parseRecords(_ bytes: UnsafeRawBufferPointer, into events: inout [Event]) throws(Malformed) -> Int {
        defer { keepParamsInInput() }
        var offset = 0
        while bytes.count - offset >= FastCGIRecord.headerLength {
            guard bytes[offset] == FastCGIRecord.version else { throw Malformed(reason: "unsupported fastcgi version") }
            let type = bytes[offset + 1]
            let id = UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3])
            let length = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
            let padding = Int(bytes[offset + 6])
            let total = FastCGIRecord.headerLength + length + padding
            guard bytes.count - offset >= total else { break }
            let start = offset + FastCGIRecord.headerLength
            let content = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
            try record(type: type, id: id, content: content, into: &events)
            offset += total
        }
        return offset
    }

    private mutating func record(type: UInt8, id: UInt16, content: UnsafeRawBufferPointer, into events: inout [Event]) throws(Malformed) {
        guard let kind = FastCGIRecord.Kind(rawValue: type),
            [.beginRequest, .abortRequest, .params, .stdin, .getValues].contains(kind)
        else {
            var out: [UInt8] = []
            FastCGIRecord.append(.unknownType, id: 0, content: [type, 0, 0, 0, 0, 0, 0, 0], to: &out)
            events.append(.reply(out, closeAfter: false))
            return
        }
        if kind == .getValues {
            events.append(.reply(try valuesResult(content), closeAfter: false))
            return
        }
        guard id != 0 else { throw Malformed(reason: "an application record with request id 0") }
        switch kind {
        case .beginRequest: try begin(id: id, content: content, into: &events)
        case .abortRequest: abort(id: id, into: &events)
        case .params: try paramsRecord(id: id, content: content)
        default: try stdinRecord(id: id, content: content, into: &events)
        }
    }

    private var activeID: UInt16? {
        switch state {
        case .idle: nil
        case .params(let id, _), .stdin(let id, _), .answering(let id, _): id
        }
    }

    private mutating func begin(id: UInt16, content: UnsafeRawBufferPointer, into events: inout [Event]) throws(Malformed) {
        guard content.count == 8 else { throw Malformed(reason: "a begin-request record of the wrong length") }
        if let active = activeID {
            guard active != id else { throw Malformed(reason: "a second begin-request for the active request id") }
            var out: [UInt8] = []
            FastCGIRecord.appendEndRequest(id: id, status: .cantMultiplexConnection, to: &out)
            events.append(.reply(out, closeAfter: false))
            return
        }
        let role = UInt16(content[0]) << 8 | UInt16(content[1])
        let keep = content[2] & FastCGIRecord.keepConnectionFlag != 0
        guard role == FastCGIRecord.responderRole else {
            var out: [UInt8] = []
            FastCGIRecord.appendEndRequest(id: id, status: .unknownRole, to: &out)
            events.append(.reply(out, closeAfter: !keep))
            return
        }
        state = .params(id: id, keep: keep)
        paramsBytes = []
        paramsInInput = nil
        params = []
        body = []
        bodyOverLimit = false
    }

    private mutating func abort(id: UInt16, into events: inout [Event]) {
        switch state {
        case .params(let active, let keep) where active == id, .stdin(let active, let keep) where active == id:
            // Not handed on yet: nothing was decided, nothing to record. End it here.
            var out: [UInt8] = []
            FastCGIRecord.appendEndRequest(id: id, status: .requestComplete, to: &out)
            state = .idle
            paramsBytes = []
            paramsInInput = nil
            body = []
            events.append(.reply(out, closeAfter: !keep))
        case .answering(let active, _) where active == id:
            events.append(.abort(id))
        default:
            break  // not the active request: ignored, as the specification says
        }
    }

    private mutating func paramsRecord(id: UInt16, content: UnsafeRawBufferPointer) throws(Malformed) {
        guard case .params(let active, let keep) = state, active == id else {
            guard activeID == id else { return }  // a record of an inactive request: ignored
            throw Malformed(reason: "a params record after the params stream ended")
        }
        guard !content.isEmpty else {
            if let inInput = paramsInInput {
                paramsInInput = nil
                try decodeParams(inInput)
            } else {
                let stream = paramsBytes
                paramsBytes = []
                let decoded = stream.withUnsafeBytes { bytes in Result { () throws(Malformed) in try decodeParams(bytes) } }
                try decoded.get()
            }
            state = .stdin(id: id, keep: keep)
            return
        }
        guard paramsBytes.count + (paramsInInput?.count ?? 0) + content.count <= limits.maxParamsBytes else {
            throw Malformed(reason: "the params stream is longer than \(limits.maxParamsBytes) bytes")
        }
        if paramsBytes.isEmpty && paramsInInput == nil {
            paramsInInput = content
            return
        }
        keepParamsInInput()
        paramsBytes.append(contentsOf: content)
    }

    /// Copies the params still in the input into `paramsBytes` (the stream goes on past this input or
    /// this record).
    private mutating func keepParamsInInput() {
        guard let inInput = paramsInInput else { return }
        paramsInInput = nil
        paramsBytes.append(contentsOf: inInput)
    }

    private mutating func stdinRecord(id: UInt16, content: UnsafeRawBufferPointer, into events: inout [Event]) throws(Malformed) {
        guard case .stdin(let active, let keep) = state, active == id else {
            guard activeID == id else { return }
            throw Malformed(reason: "a stdin record outside the stdin stream")
        }
        guard !content.isEmpty else {
            let request = Request(
                id: id, keepConnection: keep, params: params,
                body: bodyOverLimit ? .tooLarge(limit: limits.maxBodyBytes) : .complete(body))
            params = []
            body = []
            state = .answering(id: id, keep: keep)
            events.append(.request(request))
            return
        }
        if bodyOverLimit { return }
        if body.count + content.count > limits.maxBodyBytes {
            bodyOverLimit = true
            body = []
            return
        }
        body.append(contentsOf: content)
    }

    /// The params stream, decoded into the params `selection` keeps, in arrival order; CONTENT_LENGTH
    /// (kept or not) sizes the body. As libfcgi stored them as C strings, a value ends at a NUL byte.
    private mutating func decodeParams(_ bytes: UnsafeRawBufferPointer) throws(Malformed) {
        let keepsAll = selection.names == nil
        if !keepsAll { params.reserveCapacity(16) }
        // libfcgi put the role first, as a param; kept for programs (and tests) that read it.
        if selection.keepsRole { params.append(.init(name: "FCGI_ROLE", value: "RESPONDER")) }
        var declared: Int?
        var offset = 0
        while offset < bytes.count {
            guard let (name, pairValue) = FastCGIRecord.readPair(bytes, &offset) else {
                throw Malformed(reason: "a params pair runs past the end of the params stream")
            }
            let nameLength = name.count
            // The value up to a NUL is cut only for what is read: a kept value and CONTENT_LENGTH
            // (most params are neither, and their bytes are never looked at).
            if declared == nil, nameLength == 14, Self.equal(name, "CONTENT_LENGTH") {
                declared = Self.decimal(Self.untilNUL(pairValue))
            }
            if keepsAll {
                params.append(
                    .init(name: String(decoding: name, as: UTF8.self), value: String(decoding: Self.untilNUL(pairValue), as: UTF8.self)))
            } else if let base = name.baseAddress,
                let kept = selection.match(base.assumingMemoryBound(to: CChar.self), length: nameLength)
            {
                params.append(.init(name: kept, value: String(decoding: Self.untilNUL(pairValue), as: UTF8.self)))
            }
        }
        if let declared {
            if declared > limits.maxBodyBytes {
                bodyOverLimit = true
            } else if declared > 0 {
                body.reserveCapacity(declared)
            }
        }
    }

    /// FCGI_GET_VALUES_RESULT with the values asked for that Wicket knows.
    private func valuesResult(_ content: UnsafeRawBufferPointer) throws(Malformed) -> [UInt8] {
        var pairs: [UInt8] = []
        var offset = 0
        while offset < content.count {
            guard let (name, _) = FastCGIRecord.readPair(content, &offset) else {
                throw Malformed(reason: "a get-values pair runs past the end of its record")
            }
            let nameLength = name.count
            let answer: String? =
                if Self.equal(name, "FCGI_MAX_CONNS") {
                    String(limits.maxConnections)
                } else if Self.equal(name, "FCGI_MAX_REQS") {
                    String(limits.maxRequests)
                } else if Self.equal(name, "FCGI_MPXS_CONNS") {
                    "0"
                } else {
                    nil
                }
            guard let answer else { continue }
            FastCGIRecord.appendLength(nameLength, to: &pairs)
            FastCGIRecord.appendLength(answer.utf8.count, to: &pairs)
            pairs.append(contentsOf: name)
            pairs.append(contentsOf: answer.utf8)
        }
        var out: [UInt8] = []
        FastCGIRecord.append(.getValuesResult, id: 0, content: pairs, to: &out)
        return out
    }

    /// `value` up to its first NUL byte (a C string's end, as libfcgi stored values).
    @inline(__always)
    private static func untilNUL(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let base = value.baseAddress, let nul = memchr(base, 0, value.count) else { return value }
        return UnsafeRawBufferPointer(start: base, count: base.distance(to: UnsafeRawPointer(nul)))
    }

    private static func equal(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount, let base = bytes.baseAddress else {
            return bytes.isEmpty && text.utf8CodeUnitCount == 0
        }
        return memcmp(base, text.utf8Start, bytes.count) == 0
    }

    /// A decimal without sign or spaces, as `Int(String)` reads CONTENT_LENGTH; nil otherwise or on overflow.
    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
