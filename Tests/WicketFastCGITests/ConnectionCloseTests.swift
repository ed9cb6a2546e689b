import Foundation
import Testing

@testable import WicketFastCGI

#if canImport(Glibc)
    import Glibc
#endif

/// After answering a request without FCGI_KEEP_CONN, the responder closes its end at once instead of
/// draining until nginx closes (libfcgi's shutdown-select-read held a thread for nginx's round trip).
@Suite("The connection closes right after the answer", .serialized)
struct CloseAfterAnswerTests {
    @Test("the answer arrives whole, then the responder's end is closed, not merely shut for writing")
    func closedNotDrained() throws {
        try withFastCGIServer(
            threads: 1,
            handler: { _ in .internalRedirect(to: "@wicket_mcp", headers: [.init("X-Wicket-Token", "Bearer up-1")]) }
        ) { _, socket in
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            let answer = try FastCGITestClient.request(
                on: fd, params: [("REQUEST_METHOD", "POST")], body: [1, 2, 3], keepConnection: false)
            #expect(answer.header("X-Accel-Redirect") == "@wicket_mcp" && answer.header("X-Wicket-Token") == "Bearer up-1")
            // End of stream: the responder's end is shut or closed.
            var byte: UInt8 = 0
            #expect(read(fd, &byte, 1) == 0)
            // A drain would still be reading (the write succeeds); a closed end refuses it.
            let sent = send(fd, &byte, 1, Int32(MSG_NOSIGNAL))
            #expect(sent == -1 && (errno == EPIPE || errno == ECONNRESET), "sent \(sent), errno \(errno)")
        }
    }
}
