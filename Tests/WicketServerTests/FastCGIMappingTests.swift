import Testing
import WicketCore
import WicketFastCGI

@testable import WicketServer

/// The server layer's one job besides the lifecycle: FastCGI params to the core's plain input and
/// the core's reply back to a CGI response, losing nothing and inventing nothing.
@Suite struct FastCGIMappingTests {
    static func request(_ params: [(String, String)], body: FastCGIRequest.Body = .complete(Array("{}".utf8))) -> FastCGIRequest {
        FastCGIRequest(params: params.map { .init(name: $0.0, value: $0.1) }, body: body)
    }

    @Test func everyFactTheCoreReadsIsMapped() {
        let input = FastCGIMapping.input(
            Self.request([
                ("REQUEST_METHOD", "POST"), ("REMOTE_ADDR", "127.0.0.1"), ("WICKET_SERVER", "database"),
                ("WICKET_REQUEST_ID", "a1b2c3d4"), ("HTTP_AUTHORIZATION", "Bearer k"), ("HTTP_X_FORWARDED_FOR", "203.0.113.42"),
                ("HTTP_TRACEPARENT", "00-t"), ("CONTENT_TYPE", "application/json"), ("HTTP_ACCEPT", "text/event-stream"),
                ("HTTP_MCP_SESSION_ID", "s"), ("HTTP_MCP_PROTOCOL_VERSION", "2025-06-18"), ("HTTP_MCP_METHOD", "tools/call"),
                ("HTTP_MCP_NAME", "query"), ("HTTP_X_OTHER", "ignored"),
            ]))
        #expect(input.method == "POST" && input.remoteAddress == "127.0.0.1")
        #expect(input.serverName == "database" && input.requestID == "a1b2c3d4")
        #expect(
            input.headers
                == DecisionInput.Headers(
                    authorization: "Bearer k", forwardedFor: "203.0.113.42", traceparent: "00-t", contentType: "application/json",
                    accept: "text/event-stream", mcpSessionID: "s", mcpProtocolVersion: "2025-06-18", mcpMethod: "tools/call",
                    mcpName: "query"))
        #expect(input.body == .complete(Array("{}".utf8)))
    }

    /// A repeated param keeps its first value, as libfcgi's `FCGX_GetParam` does, so Wicket and any
    /// other libfcgi program agree on which of two `fastcgi_param` lines wins.
    @Test func aRepeatedParamKeepsItsFirstValue() {
        let input = FastCGIMapping.input(
            Self.request(
                [
                    ("WICKET_SERVER", "database"), ("WICKET_SERVER", "helpdesk"),
                    ("HTTP_AUTHORIZATION", "Bearer first"), ("HTTP_AUTHORIZATION", "Bearer second"),
                ], body: .tooLarge(limit: 1024)))
        #expect(input.serverName == "database")
        #expect(input.headers.authorization == "Bearer first")
        #expect(input.method == "")
        #expect(input.body == .tooLarge(limit: 1024))
    }

    /// The reader keeps only `FastCGIMapping.params`: a name the mapping reads but the selection
    /// forgets would silently arrive as missing (no key, no server) in `wicket serve`.
    @Test func theReaderKeepsEveryParamTheMappingReads() {
        let read = [
            "REQUEST_METHOD", "REMOTE_ADDR", "WICKET_SERVER", "WICKET_REQUEST_ID", "HTTP_AUTHORIZATION", "HTTP_X_FORWARDED_FOR",
            "HTTP_TRACEPARENT", "CONTENT_TYPE", "HTTP_ACCEPT", "HTTP_MCP_SESSION_ID", "HTTP_MCP_PROTOCOL_VERSION", "HTTP_MCP_METHOD",
            "HTTP_MCP_NAME", "WICKET_METRICS",
        ]
        for name in read { #expect(FastCGIMapping.params.keeps(name), "\(name) is read but not kept") }
        #expect(FastCGIMapping.params.names?.count == read.count, "a kept param nothing reads")
        #expect(!FastCGIMapping.params.keeps("HTTP_X_OTHER") && !FastCGIMapping.params.keeps("HTTP_WICKET_METRICS"))
    }

    /// A param is found by its name's bytes: a spelling canonically equivalent to a kept name (U+212A
    /// KELVIN SIGN for the K of `WICKET_`), which Swift's `==` takes as the same, is no param at all.
    @Test func aCanonicallyEquivalentNameIsAnotherParam() {
        let kelvin = "WIC\u{212A}ET_SERVER"
        #expect(kelvin == "WICKET_SERVER", "the premise: Swift's == takes them as one")
        let input = FastCGIMapping.input(Self.request([(kelvin, "helpdesk"), ("WICKET_SERVER ", "x"), ("WICKET_SERVER", "database")]))
        #expect(input.serverName == "database")
        #expect(FastCGIMapping.input(Self.request([(kelvin, "helpdesk")])).serverName == nil)
        #expect(!FastCGIMapping.isScrape(Self.request([("WIC\u{212A}ET_METRICS", "1"), ("WICKET_METRICS", "0")])))
    }

    @Test func onlyTheMetricsParamMakesAScrape() {
        #expect(FastCGIMapping.isScrape(Self.request([("WICKET_METRICS", "1")])))
        #expect(!FastCGIMapping.isScrape(Self.request([("HTTP_WICKET_METRICS", "1")])))
        #expect(!FastCGIMapping.isScrape(Self.request([("WICKET_METRICS", "0")])))
    }

    @Test func aReplyBecomesTheSameCGIResponse() {
        let reply = Reply(
            status: 403, headers: [.init("Content-Type", "application/json"), .init("X-Wicket-Decision", "deny")],
            body: Array(#"{"jsonrpc":"2.0"}"#.utf8))
        let response = FastCGIMapping.response(reply)
        #expect(
            response
                == FastCGIResponse(
                    status: 403,
                    headers: [
                        .init("Content-Type", "application/json"), .init("X-Wicket-Decision", "deny"),
                    ], body: reply.body))
    }
}
