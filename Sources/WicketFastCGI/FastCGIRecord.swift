/// The FastCGI 1.0 record layer (the responder role only): record types, the 8-byte header, and the
/// records Wicket writes. Pure byte work, no I/O; ``FastCGIRequestParser`` reads, this writes.
enum FastCGIRecord {
    static let version: UInt8 = 1
    static let headerLength = 8
    /// The most content one record carries (its length field is 16 bits).
    static let maxContentLength = 65_535

    enum Kind: UInt8 {
        case beginRequest = 1
        case abortRequest = 2
        case endRequest = 3
        case params = 4
        case stdin = 5
        case stdout = 6
        case stderr = 7
        case data = 8
        case getValues = 9
        case getValuesResult = 10
        case unknownType = 11
    }

    /// FCGI_RESPONDER, the only role Wicket plays.
    static let responderRole: UInt16 = 1
    /// FCGI_KEEP_CONN in FCGI_BEGIN_REQUEST's flags.
    static let keepConnectionFlag: UInt8 = 1

    /// FCGI_END_REQUEST's protocol status.
    enum ProtocolStatus: UInt8 {
        case requestComplete = 0
        case cantMultiplexConnection = 1
        case overloaded = 2
        case unknownRole = 3
    }

    /// The padding that brings `length` bytes of content to a multiple of 8 (as libfcgi pads).
    static func padding(for length: Int) -> Int { (8 - length % 8) % 8 }

    /// Appends a record header for `length` bytes of content (and their padding).
    static func appendHeader(_ kind: Kind, id: UInt16, length: Int, to out: inout [UInt8]) {
        out.append(contentsOf: [
            version, kind.rawValue, UInt8(id >> 8), UInt8(id & 0xff), UInt8(length >> 8), UInt8(length & 0xff),
            UInt8(padding(for: length)), 0,
        ])
    }

    /// Ends the record whose header starts at `start` with the bytes appended after that header
    /// (at most ``maxContentLength``): sets its length and padding, and appends the padding.
    static func closeRecord(startingAt start: Int, in out: inout [UInt8]) {
        let length = out.count - start - headerLength
        let pad = padding(for: length)
        out[start + 4] = UInt8(length >> 8)
        out[start + 5] = UInt8(length & 0xff)
        out[start + 6] = UInt8(pad)
        for _ in 0..<pad { out.append(0) }
    }

    /// Appends one record's header, `content` and padding to a multiple of 8.
    static func append(_ kind: Kind, id: UInt16, content: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendHeader(kind, id: id, length: content.count, to: &out)
        out.append(contentsOf: content)
        for _ in 0..<padding(for: content.count) { out.append(0) }
    }

    static func append(_ kind: Kind, id: UInt16, content: [UInt8], to out: inout [UInt8]) {
        content.withUnsafeBytes { append(kind, id: id, content: $0, to: &out) }
    }

    /// FCGI_END_REQUEST with application status 0 and `status`.
    static func appendEndRequest(id: UInt16, status: ProtocolStatus, to out: inout [UInt8]) {
        append(.endRequest, id: id, content: [0, 0, 0, 0, status.rawValue, 0, 0, 0], to: &out)
    }

    /// The whole answer to request `id`: `stdout` in FCGI_STDOUT records of at most 65,535 bytes,
    /// the empty FCGI_STDOUT that ends the stream, and FCGI_END_REQUEST (REQUEST_COMPLETE). One
    /// buffer, so that one `write(2)` usually sends it all.
    static func answer(id: UInt16, stdout: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        let records = max(1, (stdout.count + maxContentLength - 1) / maxContentLength)
        out.reserveCapacity(stdout.count + records * 16 + 32)
        stdout.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + maxContentLength, bytes.count)
                append(.stdout, id: id, content: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), to: &out)
                offset = end
            }
        }
        appendStreamEnd(id: id, to: &out)
        return out
    }

    /// What ends every answer: the empty FCGI_STDOUT that closes the stream, and FCGI_END_REQUEST
    /// (REQUEST_COMPLETE).
    static func appendStreamEnd(id: UInt16, to out: inout [UInt8]) {
        append(.stdout, id: id, content: [], to: &out)
        appendEndRequest(id: id, status: .requestComplete, to: &out)
    }

    /// A name-value pair's length: one byte below 128, else four with the top bit set.
    static func appendLength(_ length: Int, to out: inout [UInt8]) {
        if length < 128 {
            out.append(UInt8(length))
        } else {
            out.append(contentsOf: [
                UInt8((length >> 24) & 0x7f) | 0x80, UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff),
            ])
        }
    }

    /// The name-value pair at `offset` (a params stream or a get-values record), advancing past it;
    /// nil when its lengths or its bytes run past the end of `bytes`.
    static func readPair(
        _ bytes: UnsafeRawBufferPointer, _ offset: inout Int
    ) -> (name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        guard let nameLength = readLength(bytes, &offset), let valueLength = readLength(bytes, &offset),
            nameLength <= bytes.count - offset, valueLength <= bytes.count - offset - nameLength
        else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + nameLength)])
        let value = UnsafeRawBufferPointer(rebasing: bytes[(offset + nameLength)..<(offset + nameLength + valueLength)])
        offset += nameLength + valueLength
        return (name, value)
    }

    /// Decodes a name-value pair's length at `offset`, advancing it; nil when the bytes end first.
    static func readLength(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> Int? {
        guard offset < bytes.count else { return nil }
        let first = bytes[offset]
        if first < 128 {
            offset += 1
            return Int(first)
        }
        guard offset + 4 <= bytes.count else { return nil }
        let length = Int(first & 0x7f) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        offset += 4
        return length
    }
}
