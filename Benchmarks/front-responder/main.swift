// front-responder: Wicket's own FastCGI front (WicketFastCGI: the epoll loops, the record parser with
// Wicket's param selection, the answer's encoding and write, the connection's close) with no decision
// and no audit behind it. It answers every request on the loop that read it with the allow shape the
// libfcgi noop answers (Benchmarks/noop-responder), so bench-path's `front` setup beside `noop` says
// how much of Wicket's CPU per request is the front and how much the decision and the audit
// (docs/benchmarks.md, "Issue 11, round 6: the front's own cost"). Benchmark use only: it allows
// everything.
//
// Build: swift build -c release --package-path Benchmarks --product front-responder
// Run:   front-responder SOCKET [THREADS]   (socket mode 0666; THREADS defaults to 32, `server.threads`;
//        FRONT_BATCH_SCHEDULING=1 moves the loops to SCHED_BATCH, `server.batch_scheduling = true`)
import Foundation
import Logging
import WicketFastCGI

#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: front-responder SOCKET [THREADS]\n".utf8))
    exit(2)
}
let threads = arguments.count > 2 ? Int(arguments[2]) ?? 32 : 32

// The params Wicket's mapping keeps (WicketServer.FastCGIMapping.params), so the parser does the
// same work it does in `wicket serve`.
let params = FastCGIParamSelection.only([
    "WICKET_SERVER", "WICKET_REQUEST_ID", "REQUEST_METHOD", "REMOTE_ADDR", "HTTP_AUTHORIZATION",
    "HTTP_X_FORWARDED_FOR", "HTTP_TRACEPARENT", "CONTENT_TYPE", "HTTP_ACCEPT", "HTTP_MCP_SESSION_ID",
    "HTTP_MCP_PROTOCOL_VERSION", "HTTP_MCP_METHOD", "HTTP_MCP_NAME", "WICKET_METRICS",
])

// The noop's answer, header for header.
let allow = FastCGIResponse.internalRedirect(
    to: "@wicket_mcp",
    headers: [
        .init("X-Wicket-Token", "Bearer noop-upstream-credential"),
        .init("X-Wicket-Decision", "allow"),
        .init("X-Wicket-Rule", "noop"),
    ])

var logger = Logger(label: "front-responder")
logger.logLevel = .warning
let server = FastCGIServer(
    configuration: .init(
        socketPath: arguments[1], socketMode: 0o666, threadCount: threads, params: params,
        batchScheduling: ProcessInfo.processInfo.environment["FRONT_BATCH_SCHEDULING"] == "1"),
    logger: logger,
    deferredHandler: { _, responder in responder.respond(allow) })
do {
    try server.run()
} catch {
    FileHandle.standardError.write(Data("front-responder: \(error)\n".utf8))
    exit(1)
}
