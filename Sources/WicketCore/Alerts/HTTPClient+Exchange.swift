import CCurl
import Foundation

extension HTTPClient {
    /// An answer read whole: status, `Content-Type` (lowercased, without parameters) and body.
    struct Reply: Sendable {
        let status: Int
        let contentType: String
        let body: [UInt8]
        /// Response header lines (`name: value`), names lowercased; a redirect's are not followed.
        var headers: [(String, String)] = []

        func header(_ name: String) -> String? { headers.last { $0.0 == name }?.1 }
    }

    /// POSTs `body` and reads the whole answer, at most `maxBytes` of it (more is a failure, not a
    /// truncated answer). Throws when no complete answer came within the timeout.
    func exchange(
        url: String, headers: [(String, String)], body: [UInt8], timeoutMilliseconds: Int,
        maxBytes: Int
    ) throws(Failure) -> Reply {
        let sink = ReplySink(limit: maxBytes)
        let status = try withRetainedSink(sink) { context throws(Failure) in
            try post(url: url, headers: headers, body: body, timeoutMilliseconds: timeoutMilliseconds, sink: context)
        }
        if sink.overflowed { throw Failure(description: "the answer is larger than \(maxBytes) bytes") }
        var type: UnsafeMutablePointer<CChar>?
        _ = wicket_curl_content_type(handle, &type)
        let contentType = type.map { String(cString: $0) } ?? ""
        let bare = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return Reply(status: status, contentType: bare, body: sink.bytes, headers: sink.headers)
    }

    private func withRetainedSink(_ sink: ReplySink, _ body: (UnsafeMutableRawPointer) throws(Failure) -> Int) throws(Failure) -> Int {
        let context = Unmanaged.passRetained(sink).toOpaque()
        defer { Unmanaged<ReplySink>.fromOpaque(context).release() }
        return try body(context)
    }
}

/// Collects an answer's body for ``HTTPClient/exchange(url:headers:body:timeoutMilliseconds:maxBytes:)``.
final class ReplySink {
    let limit: Int
    var bytes: [UInt8] = []
    var overflowed = false
    var headers: [(String, String)] = []

    init(limit: Int) { self.limit = limit }

    /// libcurl's write callback: returning less than offered aborts the transfer.
    static let write: wicket_curl_write_callback = { data, size, count, context in
        guard let context, let data else { return 0 }
        let sink = Unmanaged<ReplySink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        if sink.bytes.count + length > sink.limit {
            sink.overflowed = true
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: length) {
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
        }
        return length
    }

    /// libcurl's header callback: one header line per call (at most 64 headers of 8 KiB are kept).
    static let header: wicket_curl_write_callback = { data, size, count, context in
        guard let context, let data else { return 0 }
        let sink = Unmanaged<ReplySink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        guard length <= 8192, sink.headers.count < 64 else { return length }
        let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            sink.headers.append((name, value))
        }
        return length
    }
}
