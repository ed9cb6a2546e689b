import Logging

/// The one answer to one FastCGI request. The handler gets it with the request and calls
/// ``respond(_:)`` exactly once, from any thread, now or later (Wicket's does it from the audit
/// commit's completion). Responding encodes the CGI response into FCGI_STDOUT records and
/// FCGI_END_REQUEST and writes them on the request's connection from the calling thread when the
/// socket takes them all (else its event loop finishes the write); then the request's slot goes back,
/// which the draining shutdown waits on, and the connection is kept for nginx's next request
/// (FCGI_KEEP_CONN) or closed.
///
/// Never responding is a bug the type catches: a responder dropped without an answer answers 500
/// (a refusal: nginx forwards nothing) and logs it as critical, so a request can neither hang nor
/// keep its slot. A second ``respond(_:)`` is ignored and logged the same way. Both are counted
/// (``FastCGIServer/responderErrors``).
public final class FastCGIResponder: @unchecked Sendable {
    // @unchecked Sendable: `answered` is written by the one `respond` that answers (and read by a later
    // one, or by deinit, which the reference count orders after every use); the rest is immutable.
    private let connection: FastCGIConnection
    private let id: UInt16
    private let keep: Bool
    private let slots: RequestSlots
    private let logger: Logger
    private var answered = false

    init(connection: FastCGIConnection, id: UInt16, keep: Bool, slots: RequestSlots, logger: Logger) {
        self.connection = connection
        self.id = id
        self.keep = keep
        self.slots = slots
        self.logger = logger
    }

    deinit {
        guard !answered else { return }
        logger.critical("a fastcgi request was dropped without an answer; answering 500")
        slots.responderError()
        write(FastCGIResponse(status: 500))
    }

    /// Writes `response` and ends the request. Call exactly once.
    public func respond(_ response: FastCGIResponse) {
        guard !answered else {
            logger.critical("a fastcgi request was answered twice; the second answer is dropped")
            slots.responderError()
            return
        }
        write(response)
    }

    private func write(_ response: FastCGIResponse) {
        answered = true
        let answer: (bytes: [UInt8], redirects: Bool)
        if let encoded = response.answer(id: id) {
            answer = encoded
        } else {
            logger.error(
                "handler returned a response that cannot be written safely; answering 500",
                metadata: [
                    "wicket.fastcgi.status": "\(response.status)"
                ])
            answer = FastCGIResponse.unencodable.answer(id: id) ?? (FastCGIRecord.answer(id: id, stdout: []), false)
        }
        // An internal redirect (an allow) ends the connection: nginx acts on X-Accel-Redirect as soon
        // as it has the headers and closes the connection without reading the END_REQUEST, whatever
        // FCGI_KEEP_CONN said — the keepalive upstream keeps a connection only once the FastCGI module
        // has read the END_REQUEST (nginx 1.22: ngx_http_upstream.c 2794–2797, X-Accel-Redirect
        // finalizes the upstream before any body filter runs; ngx_http_upstream_keepalive_module.c
        // 342, `!u->keepalive` → not cached; ngx_http_fastcgi_module.c 2223 and 2489, the only places
        // `u->keepalive` becomes 1; docs/benchmarks.md, "Issue 11, round 6"). Closing it at once, from
        // this thread, spares the loop the wake-up for nginx's hang-up.
        connection.answer(answer.bytes, keep: keep && !answer.redirects)
    }
}
