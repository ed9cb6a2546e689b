import Logging

@testable import WicketFastCGI

/// Runs `body` against a started `FastCGIServer` on a socket in a fresh folder, then shuts the server
/// down and waits for its threads, whatever `body` did.
func withFastCGIServer<T>(
    maxBodyBytes: Int = 1 << 20,
    threads: Int = 2,
    params: FastCGIParamSelection = .all,
    handler: @escaping FastCGIServer.Handler,
    _ body: (FastCGIServer, String) throws -> T
) throws -> T {
    try withFastCGIServer(
        maxBodyBytes: maxBodyBytes, threads: threads, params: params,
        deferredHandler: { request, responder in responder.respond(handler(request)) }, body)
}

/// The same with a handler that answers through its responder, possibly later.
func withFastCGIServer<T>(
    maxBodyBytes: Int = 1 << 20,
    threads: Int = 2,
    requestsInFlight: Int? = nil,
    params: FastCGIParamSelection = .all,
    deferredHandler: @escaping FastCGIServer.DeferredHandler,
    _ body: (FastCGIServer, String) throws -> T
) throws -> T {
    try withTemporaryDirectory { dir in
        let socket = dir + "/wicket.sock"
        let server = FastCGIServer(
            configuration: .init(
                socketPath: socket, threadCount: threads, maxBodyBytes: maxBodyBytes, params: params,
                requestsInFlight: requestsInFlight),
            logger: Logger(label: "wicket.fastcgi.test"), deferredHandler: deferredHandler)
        try server.start()
        defer {
            server.shutdown()
            server.wait()
        }
        return try body(server, socket)
    }
}
