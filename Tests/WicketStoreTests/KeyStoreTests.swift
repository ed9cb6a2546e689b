import Foundation
import Logging
import Testing
import WicketTestSupport

@testable import WicketStore

@Suite struct KeyStoreTests {
    @Test func issuedKeyAuthenticatesAsItsMemberAndAgent() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            let issued = try store.issue(member: "alex@company.com", agent: "maintenance-agent")
            #expect(issued.key.hasPrefix("wk_acme_\(issued.keyID)_"))
            let identity = try #require(try store.authenticate(issued.key))
            #expect(
                identity == AuthenticatedKey(keyID: issued.keyID, tenant: "acme", member: "alex@company.com", agent: "maintenance-agent"))
            #expect(!"\(issued)".contains(issued.key))
            var dumped = ""
            dump(issued, to: &dumped)
            #expect(!dumped.contains(String(issued.key.suffix(43))))
        }
    }

    @Test func aDifferentSecretWithTheSameKeyIDFails() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            let issued = try store.issue(member: "a@x", agent: "bot")
            var chars = Array(issued.key)
            let index = chars.count - 5  // inside the secret, away from the padding bits
            chars[index] = chars[index] == "A" ? "B" : "A"
            #expect(try store.authenticate(String(chars)) == nil)
            #expect(try store.authenticate("wk_acme_\(issued.keyID)_" + String(repeating: "A", count: 43)) == nil)
        }
    }

    @Test func revocationIsSeenByARunningStoreOnItsNextCall() throws {
        try withTemporaryDirectory { dir in
            let server = try KeyStore(directory: dir, tenant: "acme")  // the running server
            let cli = try KeyStore(directory: dir, tenant: "acme")  // `wicket keys revoke`, its own connections
            let issued = try cli.issue(member: "alex@company.com", agent: "agent")
            let other = try cli.issue(member: "sam@company.com", agent: "agent")
            #expect(try server.authenticate(issued.key) != nil)  // warms the server's pooled connection
            #expect(try cli.revoke(keyID: issued.keyID))
            #expect(try server.authenticate(issued.key) == nil)
            #expect(try server.authenticate(other.key) != nil)
            #expect(try cli.revoke(keyID: issued.keyID) == false)  // already revoked
            #expect(throws: StoreError.self) { try cli.revoke(keyID: "0000000000000000") }
        }
    }

    @Test func revocationDuringConcurrentAuthenticationDisturbsNoOneElse() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            let victim = try store.issue(member: "alex@company.com", agent: "a")
            let others = try (0..<8).map { try store.issue(member: "m\($0)@company.com", agent: "a") }
            let failures = Collector<String>()
            let revoked = Collector<Bool>()
            let running = Collector<Int>()
            concurrently(9) { index in
                if index == 8 {
                    // Revoke while every other member is mid-loop.
                    if !waitUntil({ running.all.count == 8 }) { failures.append("the readers never started") }
                    revoked.append((try? store.revoke(keyID: victim.keyID)) ?? false)
                    return
                }
                // Until the revocation is done, and at least 300 times.
                var round = 0
                while revoked.all.isEmpty || round < 300 {
                    if round == 1 { running.append(index) }
                    do {
                        if try store.authenticate(others[index].key) == nil { failures.append("nil for \(index)") }
                    } catch {
                        failures.append("\(error)")
                    }
                    round += 1
                }
            }
            #expect(failures.all.isEmpty)
            #expect(revoked.all == [true])
            #expect(try store.authenticate(victim.key) == nil)
        }
    }

    @Test func rotateIssuesANewKeyAndRevokesTheOld() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            let old = try store.issue(member: "alex@company.com", agent: "agent")
            let new = try store.rotate(keyID: old.keyID)
            #expect(new.keyID != old.keyID)
            #expect(try store.authenticate(old.key) == nil)
            #expect(try store.authenticate(new.key)?.member == "alex@company.com")
            #expect(try store.authenticate(new.key)?.agent == "agent")
            #expect(throws: StoreError(.keyRevoked, "key `\(old.keyID)` is revoked; issue a new key instead")) {
                try store.rotate(keyID: old.keyID)
            }
            let unknown = #expect(throws: StoreError.self) { try store.rotate(keyID: "ffffffffffffffff") }
            #expect(unknown?.code == .unknownKey)
            #expect(try store.list().count == 2)  // nothing half-done by the failed rotations
        }
    }

    @Test func revokeAllTouchesOnlyThatMember() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            let a1 = try store.issue(member: "alex@company.com", agent: "one")
            let a2 = try store.issue(member: "alex@company.com", agent: "two")
            let b = try store.issue(member: "sam@company.com", agent: "one")
            #expect(try store.revokeAll(member: "alex@company.com") == 2)
            #expect(try store.authenticate(a1.key) == nil)
            #expect(try store.authenticate(a2.key) == nil)
            #expect(try store.authenticate(b.key) != nil)
        }
    }

    @Test func aKeyOfAnotherTenantNeverAuthenticates() throws {
        try withTemporaryDirectory { dir in
            let a = try KeyStore(directory: dir + "/a", tenant: "tenant-a")
            let b = try KeyStore(directory: dir + "/b", tenant: "tenant-b")
            let key = try a.issue(member: "alex@company.com", agent: "agent")
            #expect(try b.authenticate(key.key) == nil)
            // Even when the row exists in b's file (same key id), the tenant in the key decides.
            let forged = key.key.replacingOccurrences(of: "wk_tenant-a_", with: "wk_tenant-b_")
            #expect(try b.authenticate(forged) == nil)
            #expect(try a.authenticate(forged) == nil)
        }
    }

    @Test func listShowsMetadataButNeverTheKey() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            let issued = try store.issue(member: "alex@company.com", agent: "agent")
            _ = try store.authenticate(issued.key)
            try store.revoke(keyID: issued.keyID)
            let rows = try store.list()
            #expect(rows.count == 1)
            #expect(rows.first?.keyID == issued.keyID)
            #expect(rows.first?.member == "alex@company.com")
            #expect(rows.first?.lastUsed != nil)
            #expect(rows.first?.revoked != nil)
            #expect(!"\(rows)".contains(String(issued.key.suffix(43))))
        }
    }

    @Test func theSecretNeverReachesTheDiskOnlyItsHash() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            var keys: [PresentedKey] = []
            for i in 0..<20 {
                let issued = try store.issue(member: "m\(i)@company.com", agent: "agent")
                _ = try store.authenticate(issued.key)
                keys.append(try PresentedKey.parse(issued.key))
            }
            _ = try store.rotate(keyID: keys[0].keyID)
            let bytes = rawFileBytes(dir + "/keys.sqlite")
            #expect(bytes.count > 0)
            for key in keys {
                #expect(!contains(bytes, key.secret))
                #expect(!contains(bytes, Array(key.keyString.suffix(43).utf8)))
            }
            #expect(mode(dir + "/keys.sqlite") == 0o600)
        }
    }

    @Test func lastUsedIsWrittenAtMostOncePerMinute() throws {
        try withTemporaryDirectory { dir in
            let clock = TestClock(1_000_000_000_000_000)
            let store = try KeyStore(directory: dir, tenant: "acme", logger: Logger(label: "test"), clock: clock.now)
            let issued = try store.issue(member: "alex@company.com", agent: "agent")
            func lastUsed() throws -> Int64? {
                try store.list().first?.lastUsed.map { AuditStore.micros($0) }
            }
            #expect(try lastUsed() == nil)
            _ = try store.authenticate(issued.key)
            let first = try #require(try lastUsed())
            clock.advance(by: 30_000_000)
            _ = try store.authenticate(issued.key)
            #expect(try lastUsed() == first)
            clock.advance(by: 31_000_000)
            _ = try store.authenticate(issued.key)
            #expect(try lastUsed() == first + 61_000_000)
        }
    }

    @Test(arguments: ["", "bad\nname", String(repeating: "x", count: 257)])
    func rejectsBadMemberOrAgentNames(name: String) throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            #expect(throws: StoreError.self) { try store.issue(member: name, agent: "agent") }
            #expect(throws: StoreError.self) { try store.issue(member: "a@x", agent: name) }
            #expect(try store.list().isEmpty)
        }
    }

    @Test(arguments: ["", "Acme", "a_b", "../etc", String(repeating: "a", count: 33)])
    func rejectsBadTenantNames(tenant: String) throws {
        try withTemporaryDirectory { dir in
            #expect(throws: StoreError.self) { try KeyStore(directory: dir, tenant: tenant) }
        }
    }

    @Test func malformedPresentedKeysAreNilNotErrors() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            for text in ["", "wk_acme_", "wk_acme_0123456789abcdef_\u{0}", String(repeating: "é", count: 5000)] {
                #expect(try store.authenticate(text) == nil)
            }
        }
    }
}

/// A settable clock in microseconds.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64
    init(_ start: Int64) { value = start }
    var now: @Sendable () -> Int64 {
        { [self] in
            lock.lock()
            defer { lock.unlock() }
            return value
        }
    }
    func advance(by micros: Int64) {
        lock.lock()
        value += micros
        lock.unlock()
    }
}
