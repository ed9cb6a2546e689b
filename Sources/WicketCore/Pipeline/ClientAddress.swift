import Foundation

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

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefix
        for (a, b) in zip(address, bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// Parses a textual address with inet_pton; IPv4-mapped IPv6 addresses become IPv4.
    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Array(bytes[12..<16])
        }
        return bytes
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
        guard let bytes = IPNetwork.parseAddress(address) else { return false }
        return isTrusted(bytes: bytes)
    }

    func isTrusted(bytes: [UInt8]) -> Bool {
        trusted.contains { $0.contains(bytes) }
    }

    /// The client's address as text, or nil when nginx sent none that parses.
    func resolve(remoteAddress: String?, forwardedFor: String?) -> String? {
        resolveText(remoteAddress: remoteAddress, forwardedFor: forwardedFor).map(Self.canonical)
    }

    private func resolveText(remoteAddress: String?, forwardedFor: String?) -> String? {
        // Each address is parsed once: the parse both validates it and gives the bytes to match.
        guard let remote = remoteAddress, let remoteBytes = IPNetwork.parseAddress(remote) else { return nil }
        guard !trusted.isEmpty, isTrusted(bytes: remoteBytes), let forwardedFor else { return remote }
        // Walk from the nearest hop outwards; the first address not ours is the client.
        let hops = forwardedFor.split(separator: ",").map { HeaderText.trimmed($0.utf8[...]) }
        for hop in hops.reversed() {
            guard let hopBytes = IPNetwork.parseAddress(hop) else { return remote }
            if !isTrusted(bytes: hopBytes) { return hop }
        }
        return hops.first ?? remote
    }

    /// An IPv4-mapped IPv6 address (`::ffff:203.0.113.42`, what a dual-stack nginx listener reports
    /// for IPv4 clients) as the IPv4 address it is, so Cedar can parse it and IPv4 ranges match.
    static func canonical(_ address: String) -> String {
        // Dotted-quad text that inet_pton reads as IPv4 is already canonical (it refuses leading zeros
        // and short forms): keep it, rather than rebuilding the same string on every request.
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return address }
        guard let bytes = IPNetwork.parseAddress(address), bytes.count == 4 else { return address }
        return bytes.map(String.init).joined(separator: ".")
    }
}
