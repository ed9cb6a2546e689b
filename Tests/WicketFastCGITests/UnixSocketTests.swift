import Foundation
import Logging
import Testing

@testable import WicketFastCGI

@Suite("The responder's Unix socket", .serialized)
struct UnixSocketTests {
    static let logger = Logger(label: "wicket.fastcgi.test")

    func server(_ socket: String, mode: UInt32 = 0o660, group: String? = nil) -> FastCGIServer {
        FastCGIServer(
            configuration: .init(socketPath: socket, socketMode: mode, socketGroup: group, threadCount: 1),
            logger: Self.logger, handler: { _ in .json(status: 403, body: "{}") })
    }

    @Test("the socket gets the configured mode and group")
    func modeAndGroup() throws {
        try withTemporaryDirectory { dir in
            let socket = dir + "/wicket.sock"
            let group = getgrnam("www-data") != nil ? "www-data" : "\(getgid())"
            let expectedGID = getgrnam("www-data")?.pointee.gr_gid ?? getgid()
            let server = server(socket, mode: 0o660, group: group)
            try server.start()
            defer { server.shutdown(); server.wait() }
            var info = stat()
            #expect(lstat(socket, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o660)
            #expect(info.st_gid == expectedGID)
        }
    }

    @Test("a stale socket left by a dead process is replaced")
    func staleSocketReplaced() throws {
        try withTemporaryDirectory { dir in
            let socket = dir + "/wicket.sock"
            // Leave a socket file with nobody listening, as a killed process would.
            let first = server(socket)
            try first.start()
            let fd = try FastCGITestClient.connect(socket)
            close(fd)
            first.shutdown()
            first.wait()
            let stale = socket
            let raw = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(stale.utf8)) }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(raw, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            close(raw)
            #expect(FileManager.default.fileExists(atPath: socket))
            let second = server(socket)
            try second.start()
            defer { second.shutdown(); second.wait() }
            let answer = try FastCGITestClient.send(to: socket, params: [], body: [])
            #expect(answer.headerLines.first == "Status: 403 Forbidden")
        }
    }

    @Test("a live socket is never stolen")
    func liveSocketRefused() throws {
        try withTemporaryDirectory { dir in
            let socket = dir + "/wicket.sock"
            let first = server(socket)
            try first.start()
            defer { first.shutdown(); first.wait() }
            let error = #expect(throws: FastCGIError.self) { try server(socket).start() }
            #expect(error?.code == .socketInUse)
        }
    }

    @Test("a regular file at the socket path is never deleted")
    func regularFileRefused() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/wicket.sock"
            _ = FileManager.default.createFile(atPath: path, contents: Data("keep".utf8))
            let error = #expect(throws: FastCGIError.self) { try server(path).start() }
            #expect(error?.code == .socketPathOccupied)
            #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
        }
    }

    @Test("an unknown group is an error naming the group")
    func unknownGroup() throws {
        try withTemporaryDirectory { dir in
            let error = #expect(throws: FastCGIError.self) {
                try server(dir + "/wicket.sock", group: "no-such-group-wicket").start()
            }
            #expect(error?.code == .unknownGroup)
            #expect(error?.message.contains("`no-such-group-wicket`") == true)
        }
    }
}
