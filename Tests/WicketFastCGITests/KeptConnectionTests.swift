import Foundation
import Testing

@testable import WicketFastCGI

/// nginx keeps FastCGI connections open (`fastcgi_keep_conn on` with an upstream `keepalive`, as
/// Wicket's include sets it, docs/architecture.md), so a kept connection must never carry anything of
/// one request into the next: params, body, stdin leftovers.
@Suite("Two requests on one kept FastCGI connection", .serialized)
struct KeptConnectionTests {
    @Test("each request sees only its own params and body")
    func nothingCarriesOver() throws {
        let seen = Recorder<FastCGIRequest>()
        try withFastCGIServer(
            maxBodyBytes: 64, threads: 1, params: .only(["REMOTE_ADDR", "HTTP_AUTHORIZATION", "WICKET_SERVER"]),
            handler: { request in
                seen.append(request)
                return .json(status: 403, body: "{\"n\":\(seen.all.count)}")
            }
        ) { _, socket in
            let fd = try FastCGITestClient.connect(socket)
            defer { close(fd) }
            let first = try FastCGITestClient.request(
                on: fd,
                params: [("REMOTE_ADDR", "203.0.113.42"), ("HTTP_AUTHORIZATION", "Bearer first"), ("CONTENT_LENGTH", "10")],
                body: Array("0123456789".utf8), keepConnection: true)
            #expect(first.body == "{\"n\":1}")
            // Shorter body, no key, another server; then one over the limit, then one with no body at all.
            let second = try FastCGITestClient.request(
                on: fd, params: [("REMOTE_ADDR", "10.0.0.1"), ("WICKET_SERVER", "helpdesk"), ("CONTENT_LENGTH", "3")],
                body: Array("abc".utf8), keepConnection: true)
            #expect(second.body == "{\"n\":2}")
            let third = try FastCGITestClient.request(
                on: fd, params: [("CONTENT_LENGTH", "100")], body: [UInt8](repeating: 0x41, count: 100), keepConnection: true)
            #expect(third.body == "{\"n\":3}")
            let fourth = try FastCGITestClient.request(on: fd, params: [], body: [], keepConnection: false)
            #expect(fourth.body == "{\"n\":4}")
        }
        let requests = seen.all
        try #require(requests.count == 4)
        #expect(requests[0][param: "HTTP_AUTHORIZATION"] == "Bearer first")
        #expect(requests[0].body == .complete(Array("0123456789".utf8)))
        #expect(requests[1][param: "HTTP_AUTHORIZATION"] == nil, "the first request's key must not reach the second")
        #expect(requests[1][param: "REMOTE_ADDR"] == "10.0.0.1" && requests[1][param: "WICKET_SERVER"] == "helpdesk")
        #expect(requests[1].body == .complete(Array("abc".utf8)))
        #expect(requests[2].params.isEmpty)
        #expect(requests[2].body == .tooLarge(limit: 64))
        #expect(requests[3].params.isEmpty && requests[3].body == .complete([]))
    }
}
