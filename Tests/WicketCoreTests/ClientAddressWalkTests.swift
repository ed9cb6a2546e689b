import Testing

@testable import WicketCore

/// The resolver parses addresses inline and walks `X-Forwarded-For` from the right without splitting
/// it into arrays; it must pick exactly the address the split-and-parse walk it replaced picked, for
/// every header: empty pieces, spaces and tabs, garbage, IPv6, IPv4-mapped hops, all hops trusted.
@Suite struct ClientAddressWalkTests {
    /// The walk as it was: split on commas (empty pieces dropped), trim, parse into arrays.
    static func reference(_ resolver: ClientAddressResolver, remote: String?, forwardedFor: String?) -> String? {
        func text() -> String? {
            guard let remote, let remoteBytes = IPNetwork.parseInline(remote.utf8) else { return nil }
            guard !resolver.trusted.isEmpty, resolver.isTrusted(remoteBytes), let forwardedFor else { return remote }
            let hops = forwardedFor.split(separator: ",").map { HeaderText.trimmed($0.utf8[...]) }
            for hop in hops.reversed() {
                guard let hopBytes = IPNetwork.parseInline(hop.utf8) else { return remote }
                if !resolver.isTrusted(hopBytes) { return hop }
            }
            return hops.first ?? remote
        }
        return text().map(ClientAddressResolver.canonical)
    }

    static let pieces = [
        "10.0.0.1", "10.9.8.7", "203.0.113.42", "198.51.100.7", "::1", "2001:db8::7", "::ffff:10.0.0.2",
        "::ffff:203.0.113.9", "127.0.0.1", "garbage", "", " ", "\t", " 10.0.0.1 ", "\t203.0.113.42", "1.2.3.04",
        "256.1.1.1", "fe80::1%eth0", "10.0.0.1\u{0}junk", "2001:db8::ffff:1.2.3.4",
        // Non-ASCII text (not an address) around ASCII hops: the walk reads bytes in place.
        "\u{E9}t\u{E9}", "10.0.0.1\u{E9}", "\u{1F600}",
    ]

    @Test(arguments: [UInt64(7), 8, 9])
    func theInlineWalkPicksTheAddressTheSplitWalkPicked(seed: UInt64) throws {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let resolvers = [
            try ClientAddressResolver(trustedProxies: []),
            try ClientAddressResolver(trustedProxies: ["127.0.0.1/32", "10.0.0.0/8"]),
            try ClientAddressResolver(trustedProxies: ["10.0.0.0/9", "::1/128", "2001:db8::/32"]),
            try ClientAddressResolver(trustedProxies: ["0.0.0.0/0"]),
        ]
        let remotes: [String?] = [nil, "127.0.0.1", "10.1.1.1", "::1", "::ffff:127.0.0.1", "203.0.113.5", "bad", ""]
        var answers = Set<String>()
        for _ in 0..<3_000 {
            let resolver = resolvers[next(resolvers.count)]
            let remote = remotes[next(remotes.count)]
            var header: String?
            if next(10) > 0 {
                header = (0..<next(5)).map { _ in Self.pieces[next(Self.pieces.count)] }.joined(separator: next(3) == 0 ? ", " : ",")
            }
            let got = resolver.resolve(remoteAddress: remote, forwardedFor: header)
            #expect(
                got == Self.reference(resolver, remote: remote, forwardedFor: header),
                "\(String(describing: remote)) \(String(describing: header))")
            answers.insert(got ?? "(none)")
        }
        // The cases reach many different answers (remote, a hop, the first hop, none), not one.
        #expect(answers.count > 8)
    }
}
