/// A Cedar `ipaddr` value: an IPv4 or IPv6 address with a prefix length (host bits are kept).
public struct IPAddr: Hashable, Sendable, CustomStringConvertible {
    /// The address; IPv4 addresses occupy the low 32 bits.
    public let high: UInt64
    public let low: UInt64
    public let isIPv4: Bool
    /// The prefix length (32 or 128 when none was written).
    public let prefix: UInt8

    init(high: UInt64, low: UInt64, isIPv4: Bool, prefix: UInt8) {
        self.high = high
        self.low = low
        self.isIPv4 = isIPv4
        self.prefix = prefix
    }

    /// Parses the text of `ip("...")` exactly as Cedar does; `nil` when invalid.
    public init?(parsing s: String) {
        let bytes = Array(s.utf8)
        if bytes.count > 43 { return nil }
        // Cedar refuses IPv4 embedded in IPv6 (two or more colons and two or more dots); counted
        // without the two filtered arrays this made per address (a context's `source_ip` per request).
        var colons = 0
        var dots = 0
        for byte in bytes {
            if byte == UInt8(ascii: ":") { colons += 1 } else if byte == UInt8(ascii: ".") { dots += 1 }
        }
        if colons >= 2 && dots >= 2 { return nil }
        let addrBytes: ArraySlice<UInt8>
        var prefixBytes: ArraySlice<UInt8>? = nil
        if let slash = bytes.firstIndex(of: UInt8(ascii: "/")) {
            addrBytes = bytes[..<slash]
            prefixBytes = bytes[(slash + 1)...]
        } else {
            addrBytes = bytes[...]
        }
        if let v4 = IPAddr.parseV4(addrBytes) {
            var p: UInt8 = 32
            if let pb = prefixBytes {
                guard let parsed = IPAddr.parsePrefix(pb, max: 32, maxLen: 2) else { return nil }
                p = parsed
            }
            self.init(high: 0, low: UInt64(v4), isIPv4: true, prefix: p)
        } else if let (h, l) = IPAddr.parseV6(addrBytes) {
            var p: UInt8 = 128
            if let pb = prefixBytes {
                guard let parsed = IPAddr.parsePrefix(pb, max: 128, maxLen: 3) else { return nil }
                p = parsed
            }
            self.init(high: h, low: l, isIPv4: false, prefix: p)
        } else {
            return nil
        }
    }

    static func parsePrefix(_ b: ArraySlice<UInt8>, max: Int, maxLen: Int) -> UInt8? {
        if b.isEmpty || b.count > maxLen { return nil }
        if b.count > 1 && b.first == UInt8(ascii: "0") { return nil }
        var v = 0
        for c in b {
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v <= max ? UInt8(v) : nil
    }

    /// Rust `Ipv4Addr` syntax: four decimal octets, no leading zeros.
    static func parseV4(_ b: ArraySlice<UInt8>) -> UInt32? {
        // The octets so far, shifted in as they end (no array of parts).
        var value: UInt32 = 0
        var count = 0
        var cur: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for c in b {
            if c == UInt8(ascii: ".") {
                if digits == 0 { return nil }
                value = value << 8 | cur
                count += 1
                cur = 0
                digits = 0
                leadingZero = false
                if count > 3 { return nil }
            } else if c >= 48 && c <= 57 {
                if leadingZero { return nil }
                if digits == 0 && c == 48 { leadingZero = true }
                digits += 1
                if digits > 3 { return nil }
                cur = cur * 10 + UInt32(c - 48)
                if cur > 255 { return nil }
            } else {
                return nil
            }
        }
        if digits == 0 { return nil }
        guard count == 3 else { return nil }
        return value << 8 | cur
    }

    /// Rust `Ipv6Addr` syntax: up to eight hex groups, one `::`, optional trailing dotted IPv4.
    static func parseV6(_ b: ArraySlice<UInt8>) -> (UInt64, UInt64)? {
        let s = Array(b)
        if s.isEmpty { return nil }
        func groups(_ part: ArraySlice<UInt8>, allowV4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let pieces = part.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if piece.isEmpty { return nil }
                if allowV4Tail && i == pieces.count - 1 && piece.contains(UInt8(ascii: ".")) {
                    guard let v4 = parseV4(piece) else { return nil }
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xffff))
                    continue
                }
                if piece.count > 4 { return nil }
                var v: UInt16 = 0
                for c in piece {
                    guard let d = hexValue(c) else { return nil }
                    v = v << 4 | UInt16(d)
                }
                out.append(v)
            }
            return out
        }
        var all: [UInt16]
        if let dc = findDoubleColon(s) {
            let head = s[..<dc]
            let tail = s[(dc + 2)...]
            if findDoubleColon(Array(tail)) != nil { return nil }
            guard let h = groups(head, allowV4Tail: false), let t = groups(tail, allowV4Tail: true) else {
                return nil
            }
            if h.count + t.count > 7 { return nil }
            all = h + Array(repeating: 0, count: 8 - h.count - t.count) + t
        } else {
            guard let g = groups(s[...], allowV4Tail: true), g.count == 8 else { return nil }
            all = g
        }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(all[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(all[i]) }
        return (hi, lo)
    }

    static func findDoubleColon(_ s: [UInt8]) -> Int? {
        var i = 0
        while i + 1 < s.count {
            if s[i] == UInt8(ascii: ":") && s[i + 1] == UInt8(ascii: ":") { return i }
            i += 1
        }
        return nil
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    public var isIPv6: Bool { !isIPv4 }

    public var isLoopback: Bool {
        // The whole range must lie in 127.0.0.0/8 (or be ::1/128), as in the Rust engine.
        isIPv4 ? ((low >> 24) == 127 && prefix >= 8) : (high == 0 && low == 1 && prefix >= 128)
    }

    public var isMulticast: Bool {
        // The whole range must lie in 224.0.0.0/4 (or ff00::/8).
        isIPv4 ? ((low >> 28) == 0xE && prefix >= 4) : ((high >> 56) == 0xff && prefix >= 8)
    }

    /// Whether this address range lies within `other`'s range (false across address families).
    public func isInRange(_ other: IPAddr) -> Bool {
        guard isIPv4 == other.isIPv4 else { return false }
        let bits = isIPv4 ? 32 : 128
        let (sn, sb) = range(bits: bits)
        let (on, ob) = other.range(bits: bits)
        return on <= sn && sb <= ob
    }

    private func range(bits: Int) -> ((UInt64, UInt64), (UInt64, UInt64)) {
        let hostBits = bits - Int(prefix)
        // Host mask over the 128-bit (high, low) pair.
        func mask(_ n: Int) -> (UInt64, UInt64) {
            if n <= 0 { return (0, 0) }
            if n >= 128 { return (.max, .max) }
            if n >= 64 { return (n == 64 ? 0 : (UInt64.max >> (128 - n)), .max) }
            return (0, UInt64.max >> (64 - n))
        }
        let (mh, ml) = mask(hostBits)
        let network = (high & ~mh, low & ~ml)
        let broadcast = (high | mh, low | ml)
        return (network, broadcast)
    }

    public var description: String {
        if isIPv4 {
            let a = low
            return "\(a >> 24 & 255).\(a >> 16 & 255).\(a >> 8 & 255).\(a & 255)/\(prefix)"
        }
        var parts: [String] = []
        for i in 0..<4 { parts.append(String((high >> (48 - 16 * UInt64(i))) & 0xffff, radix: 16)) }
        for i in 0..<4 { parts.append(String((low >> (48 - 16 * UInt64(i))) & 0xffff, radix: 16)) }
        return parts.joined(separator: ":") + "/\(prefix)"
    }
}

/// Lexicographic comparison of (high, low) pairs.
private func <= (a: (UInt64, UInt64), b: (UInt64, UInt64)) -> Bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 <= b.1)
}
