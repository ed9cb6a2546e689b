extension FastCGIResponse {
    /// Headers nginx copies from Wicket's answer to the client even after an internal redirect
    /// (docs/architecture.md); `fastcgi_hide_header` does not stop it.
    static let leakingOnRedirect: Set<String> = ["set-cookie", "cache-control", "expires", "content-disposition", "accept-ranges"]
    /// ``leakingOnRedirect``'s names as bytes, compared with a header name's bytes without a String.
    private static let leakingNames: [[UInt8]] = leakingOnRedirect.map { Array($0.utf8) }

    /// The whole FastCGI answer to request `id` in one buffer — the CGI header block and body in
    /// FCGI_STDOUT records, the empty FCGI_STDOUT that ends the stream, FCGI_END_REQUEST — and whether
    /// it is an internal redirect (`X-Accel-Redirect`, an allow: nginx acts on it as soon as it has the
    /// headers and closes the connection, FastCGIResponder.swift). nil when the response cannot be
    /// written safely (``encoded()``). The CGI bytes are written straight into their record: no
    /// intermediate buffer for an answer of up to 65,535 bytes (every answer but a large body).
    func answer(id: UInt16) -> (bytes: [UInt8], redirects: Bool)? {
        guard let redirects = check() else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(FastCGIRecord.headerLength + 160 + body.count + 32)
        FastCGIRecord.appendHeader(.stdout, id: id, length: 0, to: &out)
        appendCGI(to: &out)
        guard out.count - FastCGIRecord.headerLength <= FastCGIRecord.maxContentLength else {
            return (FastCGIRecord.answer(id: id, stdout: Array(out[FastCGIRecord.headerLength...])), redirects)
        }
        FastCGIRecord.closeRecord(startingAt: 0, in: &out)
        FastCGIRecord.appendStreamEnd(id: id, to: &out)
        return (out, redirects)
    }

    /// The CGI header block and body as bytes, or nil when the response cannot be written safely:
    /// a status outside 100...599, a header name that is not an HTTP token, a value with CR, LF
    /// or NUL (which would let a value inject headers), an internal redirect carrying a header nginx
    /// would leak to the client, or a 200 with neither redirect nor body (the client would get an
    /// empty 200). `Content-Length` is added for a body.
    func encoded() -> [UInt8]? {
        guard check() != nil else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(128 + body.count)
        appendCGI(to: &out)
        return out
    }

    /// Whether the response can be written safely (see ``encoded()``): nil when not, else whether
    /// it redirects. One pass over the headers, each name's bytes read once.
    private func check() -> Bool? {
        guard (100...599).contains(status) else { return nil }
        var redirects = false
        var leaks = false
        for header in headers {
            guard let kind = Self.nameKind(header.name), Self.withUTF8(header.value, Self.isSafeValue) else { return nil }
            switch kind {
            case .status: return nil
            case .redirect: redirects = true
            case .leaking: leaks = true
            case .contentLength, .other: break
            }
        }
        if redirects && leaks { return nil }
        if status == 200, !redirects, body.isEmpty { return nil }
        return redirects
    }

    /// Appends the checked response's CGI bytes: the status line, the headers, `Content-Length` for a
    /// body that has none, the blank line, the body.
    private func appendCGI(to out: inout [UInt8]) {
        out.append(contentsOf: "Status: ".utf8)
        Self.appendDecimal(status, to: &out)
        if let reason = Self.reasonPhrase(status) {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: reason.utf8)
        }
        out.append(contentsOf: [13, 10])
        var hasLength = false
        for header in headers {
            Self.withUTF8(header.name) { name in
                if !hasLength, name.count == 14, Self.sameToken(name, Self.contentLength) { hasLength = true }
                out.append(contentsOf: name)
            }
            out.append(UInt8(ascii: ":"))
            out.append(UInt8(ascii: " "))
            Self.withUTF8(header.value) { out.append(contentsOf: $0) }
            out.append(13)
            out.append(10)
        }
        if !body.isEmpty && !hasLength {
            out.append(contentsOf: "Content-Length: ".utf8)
            Self.appendDecimal(body.count, to: &out)
            out.append(contentsOf: [13, 10])
        }
        out.append(contentsOf: [13, 10])
        out.append(contentsOf: body)
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
        withUTF8(name) { name in sameToken(name, Array(lowercase.utf8)) }
    }

    /// ``sameToken(_:_:)`` over bytes: `name`'s bytes equal `lowercase`'s, ignoring ASCII case.
    private static func sameToken(_ name: UnsafeBufferPointer<UInt8>, _ lowercase: [UInt8]) -> Bool {
        guard name.count == lowercase.count else { return false }
        for index in 0..<name.count {
            let byte = name[index]
            if (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) != lowercase[index] { return false }
        }
        return true
    }

    private static let status = Array("status".utf8)
    private static let contentLength = Array("content-length".utf8)
    private static let redirect = Array("x-accel-redirect".utf8)

    /// Calls `body` with `string`'s UTF-8 bytes in place (every native string has them contiguous; a
    /// copy only for one that does not): the encoder reads headers as bytes, never through a
    /// `String.UTF8View` iterator, which here went through the generic collection calls byte by byte.
    @inline(__always)
    static func withUTF8<Result>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(string.utf8).withUnsafeBufferPointer(body)
    }

    /// What a header name is to the encoder.
    enum NameKind { case status, contentLength, redirect, leaking, other }

    /// The kind of header name `name`, or nil when it is not an HTTP token (RFC 9110: `!#$%&'*+-.^_`|~`,
    /// digits, ASCII letters). Compared byte by byte, ignoring ASCII case only.
    static func nameKind(_ name: String) -> NameKind? {
        withUTF8(name, nameKind)
    }

    private static func nameKind(_ name: UnsafeBufferPointer<UInt8>) -> NameKind? {
        guard !name.isEmpty else { return nil }
        for byte in name where !isTokenByte(byte) { return nil }
        switch name.count {
        case 6 where sameToken(name, status): return .status
        case 14 where sameToken(name, contentLength): return .contentLength
        case 16 where sameToken(name, redirect): return .redirect
        case 7, 10, 13, 19:
            return leakingNames.contains { sameToken(name, $0) } ? .leaking : .other
        default: return .other
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"),
            UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "^"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static func isSafeValue(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in value where byte == 13 || byte == 10 || byte == 0 { return false }
        return true
    }

    /// Appends non-negative `value` in decimal ASCII.
    private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        var rest = max(0, value)
        var unit = 1
        while unit <= rest / 10 { unit *= 10 }
        // Most significant digit first: no reversal of a slice afterwards.
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(rest / unit))
            rest %= unit
            unit /= 10
        } while unit > 0
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
