import Foundation
import Logging
import WicketFastCGI
import WicketTestSupport

@testable import WicketCore

#if canImport(Glibc)
    import Glibc
#endif

/// Real parts for the request-path tests: a standalone nginx rendered by ``NginxConfig``, an
/// in-process ``FastCGIServer``, and a small Python MCP stand-in that counts what reaches it.
final class NginxHarness: @unchecked Sendable {
    static let nginxBinary = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let python =
        ["/usr/bin/python3", "/usr/local/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "python3"
    static var available: Bool { nginxBinary != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") }

    struct Failure: Error, CustomStringConvertible { let description: String }

    let dir: String
    let socketPath: String
    let nginxPort: Int
    let upstreamPort: Int
    let config: NginxConfig
    private var nginx: Process?
    private var upstream: Process?
    var server: FastCGIServer?

    init(fastcgiTimeoutMilliseconds: Int = 1000, clientMaxBodyBytes: Int = 1 << 20) throws {
        dir = "/tmp/wicket-nginx-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        socketPath = dir + "/wicket.sock"
        nginxPort = try Self.freePort()
        upstreamPort = try Self.freePort()
        config = NginxConfig(
            listen: "127.0.0.1:\(nginxPort)",
            upstreamURL: "http://127.0.0.1:\(upstreamPort)",
            serverName: "database",
            socketPath: socketPath,
            prefix: dir,
            clientMaxBodyBytes: clientMaxBodyBytes,
            fastcgiConnectTimeoutMilliseconds: 500,
            fastcgiTimeoutMilliseconds: fastcgiTimeoutMilliseconds,
            user: geteuid() == 0 ? "root root" : nil)
    }

    var url: String { "http://127.0.0.1:\(nginxPort)/mcp" }

    func startUpstream() throws {
        let script = dir + "/upstream.py"
        try Self.upstreamScript.write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [script, "\(upstreamPort)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        upstream = process
        try Self.waitForPort(upstreamPort, what: "the python upstream")
    }

    func startServer(maxBodyBytes: Int = 1 << 20, handler: @escaping FastCGIServer.Handler) throws {
        try startServer(maxBodyBytes: maxBodyBytes, deferredHandler: { request, responder in responder.respond(handler(request)) })
    }

    /// The same with a handler that answers through its responder, possibly later (as `wicket serve`'s does).
    func startServer(maxBodyBytes: Int = 1 << 20, deferredHandler: @escaping FastCGIServer.DeferredHandler) throws {
        let server = FastCGIServer(
            configuration: .init(
                socketPath: socketPath, threadCount: 4, maxBodyBytes: maxBodyBytes,
                shutdownGracePeriod: .seconds(5)),
            logger: Logger(label: "wicket.nginx.test"), deferredHandler: deferredHandler)
        try server.start()
        self.server = server
    }

    func startNginx() throws {
        guard let binary = Self.nginxBinary else { throw Failure(description: "no nginx binary") }
        let file = dir + "/nginx.conf"
        try config.standaloneConfig().write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", dir, "-c", file, "-e", dir + "/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        nginx = process
        do {
            try Self.waitForPort(nginxPort, what: "nginx")
        } catch {
            throw Failure(description: "nginx did not start: \(errorLog)")
        }
    }

    /// SIGTERM, then SIGKILL after 5 s: a child must never hang the test run.
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    var errorLog: String { (try? String(contentsOfFile: dir + "/error.log", encoding: .utf8)) ?? "" }

    func stop() {
        if let server {
            server.shutdown()
            server.wait()
        }
        for process in [nginx, upstream].compactMap({ $0 }) {
            Self.stop(process)
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Requests the upstream received on non-control paths, in order.
    func upstreamRequests() throws -> [[String: Any]] {
        let result = try Curl.run(["http://127.0.0.1:\(upstreamPort)/__state"])
        guard let object = try JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any],
            let requests = object["requests"] as? [[String: Any]]
        else { throw Failure(description: "bad upstream state: \(result.text)") }
        return requests
    }

    func releaseStream() throws {
        _ = try Curl.run(["http://127.0.0.1:\(upstreamPort)/__release"])
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw Failure(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func waitForPort(_ port: Int, what: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(fd)
            if rc == 0 { return }
            usleep(20_000)
        }
        throw Failure(description: "\(what) is not listening on port \(port)")
    }

    /// The MCP stand-in: records every request (method, path, Authorization, body as hex),
    /// answers JSON (with an `X-Accel-Redirect` nginx must ignore), and on GET streams two SSE
    /// events with the second held back until `/__release`.
    static let upstreamScript = #"""
        import json, signal, sys, threading
        # Foundation's Process hands children a mostly blocked signal mask; undo it so SIGTERM works.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

        lock = threading.Lock()
        requests = []
        release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body, headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def handle_any(self):
                if self.path == "/__state":
                    with lock:
                        body = json.dumps({"requests": requests}).encode()
                    return self.reply(200, body, [("Content-Type", "application/json")])
                if self.path == "/__release":
                    release.set()
                    return self.reply(200, b"ok")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with lock:
                    requests.append({
                        "method": self.command,
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "body": body.hex(),
                    })
                if self.command == "GET":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Cache-Control", "no-cache")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(b"data: one\n\n")
                    self.wfile.flush()
                    release.wait(10)
                    self.wfile.write(b"data: two\n\n")
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.reply(200, b'{"jsonrpc":"2.0","id":1,"result":{"ok":true}}', [
                    ("Content-Type", "application/json"),
                    ("X-Accel-Redirect", "@wicket_unavailable"),
                    ("X-Upstream", "yes"),
                ])

            do_GET = do_POST = do_DELETE = do_PUT = handle_any

        ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """#
}

/// curl as the client, the way an operator would test.
enum Curl {
    struct Result {
        let status: Int
        let headers: [String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            let prefix = name.lowercased() + ":"
            return headers.first { $0.lowercased().hasPrefix(prefix) }
                .map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Runs curl with `arguments` (a URL last); returns status, response headers and body.
    static func run(_ arguments: [String], body: [UInt8]? = nil) throws -> Result {
        let dir = NSTemporaryDirectory() + "wicket-curl-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var args = ["-sS", "--max-time", "20", "-o", dir + "/body", "-D", dir + "/headers", "-w", "%{http_code}"]
        if let body {
            _ = FileManager.default.createFile(atPath: dir + "/request", contents: Data(body))
            args += ["--data-binary", "@" + dir + "/request"]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = args + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let code = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let headers = ((try? String(contentsOfFile: dir + "/headers", encoding: .utf8)) ?? "")
            .components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let responseBody = FileManager.default.contents(atPath: dir + "/body").map { [UInt8]($0) } ?? []
        return Result(status: Int(String(decoding: code, as: UTF8.self)) ?? 0, headers: headers, body: responseBody)
    }
}
