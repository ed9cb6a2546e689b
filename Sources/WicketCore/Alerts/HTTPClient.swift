import CCurl
import Foundation

/// With `HTTPClient+Exchange.swift`, the only code that touches libcurl: a blocking HTTP POST for threads of Wicket's own (the alert
/// dispatcher; the list calls of `ToolSurface/UpstreamLists`). Synchronous by design — no event loop, no
/// concurrency pool: both callers run on threads of their own (FastCGI accept threads block anyway).
///
/// One client per thread: a curl easy handle must not be used by two threads at once, and reusing
/// it keeps the connection to a sink alive between alerts.
final class HTTPClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    let handle: UnsafeMutableRawPointer

    init() throws(Failure) {
        guard Self.globalInit, let handle = curl_easy_init() else {
            throw Failure(description: "libcurl could not be initialised")
        }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// POSTs `body` and returns the HTTP status; throws when no answer came (refused, timed out, TLS).
    /// Redirects are not followed, and only http and https are spoken.
    /// `sink`: a retained ``ReplySink`` to collect the answer into; nil discards it.
    func post(
        url: String, headers: [(String, String)], body: [UInt8], timeoutMilliseconds: Int,
        sink: UnsafeMutableRawPointer? = nil
    ) throws(Failure) -> Int {
        curl_easy_reset(handle)
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        for (name, value) in headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")  // no 100-continue round trip

        var code: CURLcode = CURLE_OK
        func set(_ rc: CURLcode) { if code == CURLE_OK { code = rc } }
        set(wicket_curl_setopt_string(handle, CURLOPT_URL, url))
        set(wicket_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(wicket_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(wicket_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        set(wicket_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds))
        set(wicket_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutMilliseconds))
        set(wicket_curl_setopt_long(handle, CURLOPT_POST, 1))
        set(wicket_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)))
        if let sink {
            set(wicket_curl_setopt_write_function(handle, ReplySink.write))
            set(wicket_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sink))
            set(wicket_curl_setopt_header_function(handle, ReplySink.header))
            set(wicket_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sink))
        } else {
            set(wicket_curl_setopt_write_function(handle) { _, size, count, _ in size * count })  // answer body is ignored
        }
        let result: CURLcode = body.withUnsafeBytes { bytes in
            set(wicket_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bytes.count))
            set(wicket_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
            guard code == CURLE_OK else { return code }
            return curl_easy_perform(handle)
        }
        guard result == CURLE_OK else {
            throw Failure(description: String(cString: curl_easy_strerror(result)))
        }
        var status = 0
        _ = wicket_curl_response_code(handle, &status)
        return status
    }
}
