import CFastCGI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads and writes one accepted libfcgi request. The only file that touches FCGX streams.
enum FCGXRequestIO {
    /// The params `selection` keeps, in arrival order (libfcgi keeps duplicates; lookups take the
    /// first), and `CONTENT_LENGTH` as a number. Names are compared as bytes in libfcgi's buffers;
    /// a `String` is made only of a kept value.
    static func params(of request: UnsafeMutablePointer<FCGX_Request>, keeping selection: FastCGIParamSelection)
        -> (params: [FastCGIRequest.Param], contentLength: Int?)
    {
        var params: [FastCGIRequest.Param] = []
        var contentLength: Int?
        guard var entry = request.pointee.envp else { return (params, nil) }
        let keepsAll = selection.names == nil
        if !keepsAll { params.reserveCapacity(16) }
        while let raw = entry.pointee {
            entry += 1
            guard let equals = strchr(raw, Int32(UInt8(ascii: "="))) else {
                if keepsAll { params.append(.init(name: String(cString: raw), value: "")) }
                continue
            }
            let nameLength = raw.distance(to: equals)
            let value = equals + 1
            if contentLength == nil, nameLength == 14, memcmp(raw, "CONTENT_LENGTH", 14) == 0 {
                contentLength = Int(String(cString: value))
            }
            if keepsAll {
                let name = String(decoding: UnsafeRawBufferPointer(start: raw, count: nameLength), as: UTF8.self)
                params.append(.init(name: name, value: String(cString: value)))
            } else if let name = selection.match(raw, length: nameLength) {
                params.append(.init(name: name, value: String(cString: value)))
            }
        }
        return (params, contentLength)
    }

    /// Reads stdin to its end. At most `limit` bytes are kept; past that the rest is read and
    /// dropped (nginx must be able to finish sending, or it reports a broken pipe as 502). With a
    /// declared length within the limit, the body is read straight into an array of that size (no
    /// zeroed scratch buffer, no copy); anything else arrives through a stack buffer.
    static func body(of request: UnsafeMutablePointer<FCGX_Request>, limit: Int, declaredLength: Int?) -> FastCGIRequest.Body {
        guard let stream = request.pointee.`in` else { return .complete([]) }
        var overLimit = (declaredLength ?? 0) > limit
        var kept: [UInt8] = []
        if !overLimit, let declared = declaredLength, declared > 0 {
            kept = [UInt8](unsafeUninitializedCapacity: declared) { buffer, count in
                guard let base = buffer.baseAddress else { return }
                while count < declared {
                    let read = (base + count).withMemoryRebound(to: CChar.self, capacity: declared - count) {
                        FCGX_GetStr($0, Int32(declared - count), stream)
                    }
                    guard read > 0 else { break }
                    count += Int(read)
                }
            }
        }
        // Whatever is left: a body without a declared length, or more than was declared.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 16 * 1024) { chunk in
            guard let base = chunk.baseAddress else { return }
            while true {
                let count = FCGX_GetStr(base, Int32(chunk.count), stream)
                guard count > 0 else { break }
                if overLimit { continue }
                if kept.count + Int(count) > limit {
                    overLimit = true
                    kept = []
                    continue
                }
                kept.append(contentsOf: UnsafeRawBufferPointer(start: base, count: Int(count)))
            }
        }
        return overLimit ? .tooLarge(limit: limit) : .complete(kept)
    }

    /// Ends the request: flushes the answer and END_REQUEST, frees libfcgi's streams and params, and
    /// closes the connection unless nginx asked to keep it (FCGI_KEEP_CONN).
    ///
    /// `FCGX_Detach` first makes that close a plain `close(2)`. Otherwise libfcgi's `OS_Close`
    /// `shutdown`s the write side and then `select`s and `read`s until nginx closes its end (up to 2 s),
    /// holding this accept thread for a round trip of nginx's event loop on every request. That drain
    /// guards a TCP peer against a reset discarding unread response bytes; Wicket listens only on a
    /// Unix socket, where the kernel hands the peer every queued byte before any error, and the request
    /// has been read to its end (the body reader drains stdin), so nothing is left unread to reset on.
    /// libfcgi clears the flag again when it closes, so it never outlives the request.
    static func finish(_ request: UnsafeMutablePointer<FCGX_Request>) {
        _ = FCGX_Detach(request)
        FCGX_Finish_r(request)
    }

    /// Writes the encoded response with `FCGX_PutStr` (never `FCGX_FPrintF`, which mangles `%zu`).
    /// Returns false when nginx went away mid-write.
    static func write(_ bytes: [UInt8], to request: UnsafeMutablePointer<FCGX_Request>) -> Bool {
        guard let stream = request.pointee.out else { return false }
        var offset = 0
        while offset < bytes.count {
            let length = min(bytes.count - offset, 1 << 20)
            let written = bytes.withUnsafeBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -1 }
                return (base + offset).withMemoryRebound(to: CChar.self, capacity: length) {
                    FCGX_PutStr($0, Int32(length), stream)
                }
            }
            guard written == Int32(length) else { return false }
            offset += length
        }
        return true
    }
}
