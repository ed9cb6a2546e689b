import Foundation
import WicketJSON

/// An IPv4 or IPv6 network in CIDR form, for the trusted-proxy list.
struct IPNetwork: Sendable, Equatable {
    let bytes: [UInt8]  // 4 or 16
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let address = IPNetwork.parseAddress(first) else { return nil }
        let maxPrefix = address.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : maxPrefix
        guard let prefix, (0...maxPrefix).contains(prefix) else { return nil }
        self.bytes = address
        self.prefix = prefix
    }

    func contains(_ address: AddressBytes) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefix
        var index = 0
        while remaining > 0 && index < bytes.count {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if address[index] & mask != bytes[index] & mask { return false }
            remaining -= bits
            index += 1
        }
        return true
    }

    /// Parses a textual address with inet_pton without an allocation: the text is copied to the stack
    /// (up to its first NUL, as a C string ends there) and the bytes come back inline; IPv4-mapped IPv6
    /// addresses become IPv4.
    static func parseInline(_ text: some Collection<UInt8>) -> AddressBytes? {
        // The longest address inet_pton reads is 45 characters; longer text is no address.
        guard text.count < 64 else { return nil }
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &buffer) { raw -> AddressBytes? in
            var length = 0
            for byte in text {
                if byte == 0 { break }
                raw[length] = byte
                length += 1
            }
            guard let start = raw.baseAddress else { return nil }
            let cString = start.assumingMemoryBound(to: CChar.self)
            var address = AddressBytes()
            var v4 = in_addr()
            if inet_pton(AF_INET, cString, &v4) == 1 {
                address.count = 4
                withUnsafeBytes(of: &v4) { source in
                    withUnsafeMutableBytes(of: &address.storage) { $0.copyMemory(from: source) }
                }
                return address
            }
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, cString, &v6) == 1 else { return nil }
            withUnsafeBytes(of: &v6) { source in
                withUnsafeMutableBytes(of: &address.storage) { $0.copyMemory(from: source) }
            }
            address.count = 16
            if (0..<10).allSatisfy({ address[$0] == 0 }) && address[10] == 0xFF && address[11] == 0xFF {
                var mapped = AddressBytes()
                mapped.count = 4
                withUnsafeMutableBytes(of: &mapped.storage) { target in
                    for k in 0..<4 { target[k] = address[12 + k] }
                }
                return mapped
            }
            return address
        }
    }

    /// ``parseInline(_:)`` as an array, for the trusted-proxy list (read once at start-up).
    static func parseAddress(_ text: String) -> [UInt8]? {
        parseInline(text.utf8).map { address in (0..<address.count).map { address[$0] } }
    }
}

/// An address's bytes held inline (4 for IPv4, 16 for IPv6), so parsing one allocates nothing.
struct AddressBytes {
    var count = 0
    var storage: (UInt64, UInt64) = (0, 0)

    subscript(index: Int) -> UInt8 {
        withUnsafeBytes(of: storage) { $0[index] }
    }
}

/// Decides which address is the client's: nginx's peer (`REMOTE_ADDR`), unless that peer is a
/// configured trusted proxy, in which case the right-most untrusted `X-Forwarded-For` entry.
struct ClientAddressResolver: Sendable {
    let trusted: [IPNetwork]

    init(trustedProxies: [String]) throws(ConfigError) {
        var networks: [IPNetwork] = []
        for entry in trustedProxies {
            guard let network = IPNetwork(entry) else {
                throw ConfigError("`server.trusted_proxies`: `\(entry)` is not an address or CIDR network")
            }
            networks.append(network)
        }
        trusted = networks
    }

    func isTrusted(_ address: String) -> Bool {
        IPNetwork.parseInline(address.utf8).map(isTrusted) ?? false
    }

    /// The client's address as text, or nil when nginx sent none that parses.
    func resolve(remoteAddress: String?, forwardedFor: String?) -> String? {
        resolveText(remoteAddress: remoteAddress, forwardedFor: forwardedFor).map { Self.canonical($0.text, parsed: $0.bytes) }
    }

    /// The client's address as sent, with the bytes its one parse gave.
    private func resolveText(remoteAddress: String?, forwardedFor: String?) -> (text: String, bytes: AddressBytes)? {
        // Each address is parsed once, inline: the parse both validates it and gives the bytes to match.
        guard let remote = remoteAddress, let remoteBytes = Self.parse(remote) else { return nil }
        guard !trusted.isEmpty, isTrusted(remoteBytes), let forwardedFor else { return (remote, remoteBytes) }
        // The header's bytes in place (a native string has them): walking a `String.UTF8View` by
        // index, slicing and trimming it cost ~800 instructions for one hop.
        let walked = ExactText.withUTF8(forwardedFor, clientHop)
        return walked ?? (remote, remoteBytes)
    }

    /// The client in `X-Forwarded-For`'s bytes: walking from the nearest hop outwards, the first
    /// address not ours; when every hop is trusted, the farthest (the first in the header). Nil when a
    /// hop is not an address, or there is none: then nginx's peer is the client. Hops are the
    /// non-empty pieces between commas, without surrounding spaces and tabs; each ends at an ASCII
    /// byte, so its text is the header's own characters.
    private func clientHop(_ header: UnsafeBufferPointer<UInt8>) -> (text: String, bytes: AddressBytes)? {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var end = header.count
        var farthest: (hop: UnsafeBufferPointer<UInt8>, bytes: AddressBytes)?
        while end > 0 {
            var start = end
            while start > 0, header[start - 1] != UInt8(ascii: ",") { start -= 1 }
            if start < end {
                var first = start
                var last = end
                while first < last, isBlank(header[first]) { first += 1 }
                while last > first, isBlank(header[last - 1]) { last -= 1 }
                let hop = UnsafeBufferPointer(rebasing: header[first..<last])
                guard let hopBytes = IPNetwork.parseInline(hop) else { return nil }
                if !isTrusted(hopBytes) { return (String(decoding: hop, as: UTF8.self), hopBytes) }
                farthest = (hop, hopBytes)
            }
            end = start > 0 ? start - 1 : start
        }
        return farthest.map { (String(decoding: $0.hop, as: UTF8.self), $0.bytes) }
    }

    /// ``IPNetwork/parseInline(_:)`` of a string's bytes in place when it has them.
    static func parse(_ text: String) -> AddressBytes? {
        text.utf8.withContiguousStorageIfAvailable(IPNetwork.parseInline) ?? IPNetwork.parseInline(text.utf8)
    }

    func isTrusted(_ address: AddressBytes) -> Bool {
        trusted.contains { $0.contains(address) }
    }

    /// An IPv4-mapped IPv6 address (`::ffff:203.0.113.42`, what a dual-stack nginx listener reports
    /// for IPv4 clients) as the IPv4 address it is, so Cedar can parse it and IPv4 ranges match.
    ///
    /// `parsed` is what ``IPNetwork/parseInline(_:)`` gave for `address` (the resolver's one parse):
    /// four bytes from text with a `:` can only be an IPv4-mapped IPv6 address, rebuilt as its dotted
    /// quad; any other text is already canonical (inet_pton read it as it is). The answer is the one
    /// ``canonical(_:)`` gives by parsing again.
    static func canonical(_ address: String, parsed: AddressBytes) -> String {
        guard parsed.count == 4, address.utf8.contains(UInt8(ascii: ":")) else { return address }
        return (0..<4).map { String(parsed[$0]) }.joined(separator: ".")
    }

    static func canonical(_ address: String) -> String {
        // Dotted-quad text that inet_pton reads as IPv4 is already canonical (it refuses leading zeros
        // and short forms): keep it, rather than rebuilding the same string on every request.
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return address }
        guard let bytes = IPNetwork.parseAddress(address), bytes.count == 4 else { return address }
        return bytes.map(String.init).joined(separator: ".")
    }
}
