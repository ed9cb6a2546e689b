extension FastCGIResponse {
    /// Headers nginx copies from Wicket's answer to the client even after an internal redirect
    /// (docs/architecture.md); `fastcgi_hide_header` does not stop it.
    static let leakingOnRedirect: Set<String> = ["set-cookie", "cache-control", "expires", "content-disposition", "accept-ranges"]

    /// The CGI header block and body as bytes, or nil when the response cannot be written safely:
    /// a status outside 100...599, a header name that is not an HTTP token, a value with CR, LF
    /// or NUL (which would let a value inject headers), an internal redirect carrying a header nginx
    /// would leak to the client, or a 200 with neither redirect nor body (the client would get an
    /// empty 200). `Content-Length` is added for a body.
    func encoded() -> [UInt8]? {
        guard (100...599).contains(status) else { return nil }
        let redirects = headers.contains { Self.sameToken($0.name, "x-accel-redirect") }
        if redirects, headers.contains(where: { header in Self.leakingOnRedirect.contains { Self.sameToken(header.name, $0) } }) {
            return nil
        }
        if status == 200, !redirects, body.isEmpty { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(128 + body.count)
        out.append(contentsOf: "Status: \(status)".utf8)
        if let reason = Self.reasonPhrase(status) {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: reason.utf8)
        }
        out.append(contentsOf: [13, 10])
        var hasLength = false
        for header in headers {
            guard Self.isToken(header.name), Self.isSafeValue(header.value) else { return nil }
            if Self.sameToken(header.name, "status") { return nil }
            if Self.sameToken(header.name, "content-length") { hasLength = true }
            out.append(contentsOf: header.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: header.value.utf8)
            out.append(contentsOf: [13, 10])
        }
        if !body.isEmpty && !hasLength {
            out.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        }
        out.append(contentsOf: [13, 10])
        out.append(contentsOf: body)
        return out
    }

    /// The fallback when a handler's response cannot be encoded: fail closed with a 500.
    static let unencodable = FastCGIResponse.json(
        status: 500,
        body:
            #"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"wicket produced an invalid response; the request was not forwarded"}}"#
    )

    /// Whether header name `name` is `lowercase` (ASCII, lowercase) ignoring ASCII case, byte by
    /// byte: no lowercased copy per header, and no Unicode case mapping of a name nginx reads as bytes.
    static func sameToken(_ name: String, _ lowercase: String) -> Bool {
        name.utf8.elementsEqual(lowercase.utf8) { byte, wanted in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == wanted
        }
    }

    private static func isToken(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            default:
                guard "!#$%&'*+-.^_`|~".utf8.contains(byte) else { return false }
            }
        }
        return true
    }

    private static func isSafeValue(_ value: String) -> Bool {
        !value.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
    }

    private static func reasonPhrase(_ status: Int) -> String? {
        switch status {
        case 200: "OK"
        case 202: "Accepted"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: nil
        }
    }
}
