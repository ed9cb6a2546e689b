import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal FastCGI client speaking the wire protocol directly (what nginx does), so the
/// responder is tested without nginx: BEGIN_REQUEST, PARAMS, STDIN, then STDOUT until END_REQUEST.
enum FastCGITestClient {
    struct Answer {
        let raw: [UInt8]
        var text: String { String(decoding: raw, as: UTF8.self) }
        /// Header block lines before the blank line.
        var headerLines: [String] {
            guard let end = text.range(of: "\r\n\r\n") else { return [] }
            return text[..<end.lowerBound].components(separatedBy: "\r\n")
        }
        var body: String {
            guard let end = text.range(of: "\r\n\r\n") else { return "" }
            return String(text[end.upperBound...])
        }
        func header(_ name: String) -> String? {
            for line in headerLines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].lowercased() == name.lowercased() {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            throw Failure(description: "connect to \(path) failed: errno \(errno)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends one request and returns the STDOUT stream.
    static func send(to path: String, params: [(String, String)], body: [UInt8]) throws -> Answer {
        let fd = try connect(path)
        defer { close(fd) }
        return try request(on: fd, params: params, body: body, keepConnection: false)
    }

    /// One request on an open connection; with `keepConnection` the BEGIN_REQUEST carries
    /// FCGI_KEEP_CONN (what `fastcgi_keep_conn on` makes nginx send), so the responder must leave the
    /// connection open for the next request.
    static func request(on fd: Int32, params: [(String, String)], body: [UInt8], keepConnection: Bool) throws -> Answer {
        var out: [UInt8] = []
        out += record(type: 1, content: [0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0])
        var encoded: [UInt8] = []
        for (name, value) in params {
            encoded += length(name.utf8.count) + length(value.utf8.count) + Array(name.utf8) + Array(value.utf8)
        }
        var offset = 0
        while offset < encoded.count {
            let end = min(offset + 65_535, encoded.count)
            out += record(type: 4, content: Array(encoded[offset..<end]))
            offset = end
        }
        out += record(type: 4, content: [])
        try writeAll(fd, out)
        offset = 0
        while offset < body.count {
            let end = min(offset + 65_535, body.count)
            try writeAll(fd, record(type: 5, content: Array(body[offset..<end])))
            offset = end
        }
        try writeAll(fd, record(type: 5, content: []))
        return try readAnswer(fd)
    }

    static func readAnswer(_ fd: Int32) throws -> Answer {
        var stdout: [UInt8] = []
        while true {
            let header = try readExactly(fd, 8)
            let type = header[1]
            let contentLength = Int(header[4]) << 8 | Int(header[5])
            let padding = Int(header[6])
            let content = try readExactly(fd, contentLength + padding)
            switch type {
            case 6: stdout += content[0..<contentLength]
            case 3: return Answer(raw: stdout)
            default: continue
            }
        }
    }

    static func record(type: UInt8, content: [UInt8]) -> [UInt8] {
        [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xff), 0, 0] + content
    }

    private static func length(_ n: Int) -> [UInt8] {
        n < 128 ? [UInt8(n)] : [UInt8((n >> 24) | 0x80), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "write failed: errno \(errno)") }
            offset += n
        }
    }

    private static func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = result[got...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "connection closed after \(got) of \(count) bytes") }
            got += n
        }
        return result
    }
}

/// A fresh directory under /tmp, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = "/tmp/wicket-fcgi-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Thread-safe box for values a handler records.
final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value] = []
    func append(_ value: Value) { lock.lock(); values.append(value); lock.unlock() }
    var all: [Value] { lock.lock(); defer { lock.unlock() }; return values }
}
