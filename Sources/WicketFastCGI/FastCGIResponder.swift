import CFastCGI
import Foundation
import Logging

/// The one answer to one accepted FastCGI request. The handler gets it with the request and calls
/// ``respond(_:)`` exactly once, from any thread, now or later (Wicket's does it from the audit
/// commit's completion). Responding writes the CGI response, ends the request (`FCGX_Detach` +
/// `FCGX_Finish_r`), gives its `FCGX_Request` back to the pool and ends its in-flight accounting, which
/// the draining shutdown waits on.
///
/// Never responding is a bug the type catches: a responder dropped without an answer answers 500
/// (a refusal: nginx forwards nothing) and logs it as critical, so a request can neither hang nor
/// keep its struct. A second ``respond(_:)`` is ignored and logged the same way. Both are counted
/// (``FastCGIServer/responderErrors``).
public final class FastCGIResponder: @unchecked Sendable {
    // @unchecked Sendable: `request` is used only inside `respond`, which runs once; `answered` is
    // written by that call (and read by a later one, or by deinit, which the reference count orders
    // after every use).
    private let request: UnsafeMutablePointer<FCGX_Request>
    private let pool: FCGXRequestPool
    private let logger: Logger
    /// Set for a kept connection: its accept thread waits for the answer, then reads the next request
    /// on the same connection (and so the same struct).
    private let kept: DispatchSemaphore?
    private var answered = false

    init(request: UnsafeMutablePointer<FCGX_Request>, pool: FCGXRequestPool, logger: Logger, kept: DispatchSemaphore?) {
        self.request = request
        self.pool = pool
        self.logger = logger
        self.kept = kept
    }

    deinit {
        guard !answered else { return }
        logger.critical("a fastcgi request was dropped without an answer; answering 500")
        pool.responderError()
        write(FastCGIResponse(status: 500))
    }

    /// Writes `response` and ends the request. Call exactly once.
    public func respond(_ response: FastCGIResponse) {
        guard !answered else {
            logger.critical("a fastcgi request was answered twice; the second answer is dropped")
            pool.responderError()
            return
        }
        write(response)
    }

    private func write(_ response: FastCGIResponse) {
        answered = true
        let bytes: [UInt8]
        if let encoded = response.encoded() {
            bytes = encoded
        } else {
            logger.error(
                "handler returned a response that cannot be written safely; answering 500",
                metadata: [
                    "wicket.fastcgi.status": "\(response.status)"
                ])
            bytes = FastCGIResponse.unencodable.encoded() ?? []
        }
        if !FCGXRequestIO.write(bytes, to: request) {
            logger.debug("nginx closed the fastcgi connection before the answer was written")
        }
        FCGXRequestIO.finish(request)
        pool.ended(request, keeping: kept != nil)
        kept?.signal()
    }
}
