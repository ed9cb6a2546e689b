import Foundation
import Testing

@testable import WicketStore

/// The per-request reads answered from memory (`ReadCache`, `CommitWatch`): every change committed
/// through another handle on the same file, standing in for the CLI in another process, is seen by
/// the very next call of a store that has the old row in memory.
@Suite struct ReadCacheTests {
    static let alex = "alex@company.com"

    // MARK: The watch

    @Test func theWatchSeesEveryCommitOfAnotherConnectionAndNothingElse() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/watched.sqlite"
            let writer = try SQLiteConnection.openStore(path: path, synchronous: "NORMAL")
            try writer.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
            let watch = try CommitWatch(path: path)
            #expect(try watch.changed() == false)
            try writer.execute("INSERT INTO t VALUES ('a', 1)")
            #expect(try watch.changed())
            #expect(try watch.changed() == false)
            // A statement that changes nothing commits nothing.
            try writer.execute("UPDATE t SET v = 2 WHERE k = 'missing'")
            #expect(try watch.changed() == false)
            // A checkpoint that restarts the log, then a commit into the restarted log.
            try writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _ = try watch.changed()
            try writer.execute("UPDATE t SET v = 3 WHERE k = 'a'")
            #expect(try watch.changed())
            // Many commits between two looks are one change.
            for value in 4..<20 { try writer.execute("UPDATE t SET v = \(value) WHERE k = 'a'") }
            #expect(try watch.changed())
            #expect(try watch.changed() == false)
        }
    }

    @Test func aRowReadWhileACommitWasSeenIsNotKept() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/watched.sqlite"
            let writer = try SQLiteConnection.openStore(path: path, synchronous: "NORMAL")
            try writer.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
            let cache = try ReadCache<String>(path: path, maxEntries: 10)
            guard case .miss(let stale) = try cache.find(ExactKey("k")) else { Issue.record("a hit in an empty cache"); return }
            // Another request sees a commit between this one's miss and its keep…
            try writer.execute("INSERT INTO t VALUES ('k')")
            guard case .miss = try cache.find(ExactKey("other")) else { Issue.record("a hit in an empty cache"); return }
            // …so the row this one read before the commit is dropped, not kept as current.
            cache.keep("old row", for: ExactKey("k"), ticket: stale)
            guard case .miss(let fresh) = try cache.find(ExactKey("k")) else { Issue.record("a stale row was kept"); return }
            cache.keep("new row", for: ExactKey("k"), ticket: fresh)
            guard case .hit(let kept) = try cache.find(ExactKey("k")) else { Issue.record("a fresh row was not kept"); return }
            #expect(kept == "new row")
        }
    }

    @Test func canonicallyEquivalentNamesAreDifferentKeys() {
        // "é" precomposed and decomposed: equal as Swift Strings, different members.
        #expect("caf\u{E9}" == "cafe\u{301}")
        #expect(ExactKey("caf\u{E9}", "database") != ExactKey("cafe\u{301}", "database"))
        #expect(ExactKey("ab", "c") != ExactKey("a", "bc"))
        #expect(ExactKey("a") != ExactKey("a", ""))
        #expect(ExactKey("K") != ExactKey("\u{212A}"))
        #expect(ExactKey("alex", "database") == ExactKey(String("alex".reversed().reversed()), "database"))
        #expect(Set([ExactKey("caf\u{E9}", "db"), ExactKey("cafe\u{301}", "db"), ExactKey("caf\u{E9}", "db")]).count == 2)
    }

    // MARK: Keys

    @Test func aKeyRevokedOrRotatedByTheCommandLineIsRefusedOnTheNextLookupThoughItWasInMemory() throws {
        try withTemporaryDirectory { dir in
            let server = try KeyStore(directory: dir, tenant: "acme")
            let cli = try KeyStore(directory: dir, tenant: "acme")
            let one = try cli.issue(member: Self.alex, agent: "agent")
            let two = try cli.issue(member: Self.alex, agent: "agent")
            let three = try cli.issue(member: "sam@company.com", agent: "agent")
            for _ in 0..<3 {
                #expect(try server.authenticate(one.key) != nil)
                #expect(try server.authenticate(two.key) != nil)
                #expect(try server.authenticate(three.key) != nil)
            }
            try cli.revoke(keyID: one.keyID)
            #expect(try server.authenticate(one.key) == nil)
            #expect(try server.authenticate(two.key) != nil)
            let rotated = try cli.rotate(keyID: two.keyID)
            #expect(try server.authenticate(two.key) == nil)
            #expect(try server.authenticate(rotated.key) != nil)
            #expect(try cli.revokeAll(member: "sam@company.com") == 1)
            #expect(
                try server.lookup(PresentedKey.parse(three.key))
                    == .revoked(
                        AuthenticatedKey(keyID: three.keyID, tenant: "acme", member: "sam@company.com", agent: "agent")))
        }
    }

    @Test func anUnknownKeyIssuedLaterIsFoundOnItsFirstUse() throws {
        try withTemporaryDirectory { dir in
            let server = try KeyStore(directory: dir, tenant: "acme")
            let cli = try KeyStore(directory: dir, tenant: "acme")
            let seed = try cli.issue(member: Self.alex, agent: "agent")
            #expect(try server.authenticate(seed.key) != nil)
            // Unknown ids and wrong secrets: refused, and (ids) never kept.
            let unknown = "wk_acme_0123456789abcdef_" + String(repeating: "A", count: 43)
            #expect(try server.authenticate(unknown) == nil)
            let issued = try cli.issue(member: Self.alex, agent: "agent")
            #expect(try server.authenticate(issued.key) != nil)
        }
    }

    @Test func lastUseIsWrittenInTheBackgroundAndSeenByTheNextLookup() throws {
        try withTemporaryDirectory { dir in
            let clock = ClockCell(1_800_000_000_000_000)
            let server = try KeyStore(directory: dir, tenant: "acme", logger: .init(label: "test"), clock: { clock.value })
            let cli = try KeyStore(directory: dir, tenant: "acme")
            let issued = try cli.issue(member: Self.alex, agent: "agent")
            #expect(try server.authenticate(issued.key) != nil)
            #expect(try server.list().first?.lastUsed != nil)  // list waits for this process's writes
            // The key is revoked while its last use is being written: still refused next.
            clock.value += 61_000_000
            #expect(try server.authenticate(issued.key) != nil)
            try cli.revoke(keyID: issued.keyID)
            #expect(try server.authenticate(issued.key) == nil)
        }
    }

    // MARK: Credentials

    @Test func aCredentialSetOrRemovedByTheCommandLineIsTheOneRevealedNext() throws {
        try withTemporaryDirectory { dir in
            let server = try CredentialStore(directory: dir, tenant: "acme", ring: try MasterKeyRing(directory: dir + "/keys"))
            let cli = try CredentialStore(directory: dir, tenant: "acme", ring: try MasterKeyRing(directory: dir + "/keys"))
            func revealed() throws -> String? { try server.reveal(member: Self.alex, server: "database")?.utf8String() }
            // Nothing stored is kept too, and a later `creds set` replaces it.
            #expect(try revealed() == nil)
            #expect(try revealed() == nil)
            _ = try cli.ring.generate()
            try server.ring.reload()
            try cli.set(member: Self.alex, server: "database", secret: Array("first".utf8))
            #expect(try revealed() == "first")
            #expect(try revealed() == "first")
            try cli.set(member: Self.alex, server: "database", secret: Array("second".utf8))
            #expect(try revealed() == "second")
            // A rotation re-seals under a key the server's ring has not loaded: it still opens.
            let rotated = try cli.rotateMasterKey()
            #expect(!server.ring.ids.contains(rotated.id))
            #expect(try revealed() == "second")
            #expect(try cli.remove(member: Self.alex, server: "database"))
            #expect(try revealed() == nil)
        }
    }

    @Test func membersWithCanonicallyEquivalentNamesNeverShareACredential() throws {
        try withTemporaryDirectory { dir in
            let store = try CredentialStore(directory: dir, tenant: "acme", ring: try MasterKeyRing(directory: dir + "/keys"))
            _ = try store.ring.generate()
            try store.set(member: "caf\u{E9}@x", server: "database", secret: Array("precomposed".utf8))
            try store.set(member: "cafe\u{301}@x", server: "database", secret: Array("decomposed".utf8))
            for _ in 0..<2 {
                #expect(try store.reveal(member: "caf\u{E9}@x", server: "database")?.utf8String() == "precomposed")
                #expect(try store.reveal(member: "cafe\u{301}@x", server: "database")?.utf8String() == "decomposed")
            }
        }
    }

    // MARK: Sessions

    @Test func aSessionEndedOrClaimedByAnotherProcessIsSeenOnTheNextLookup() throws {
        try withTemporaryDirectory { dir in
            let rules = SessionBindingRules(idleTimeoutSeconds: 600)
            let server = try SessionStore(directory: dir, tenant: "acme", rules: rules)
            let other = try SessionStore(directory: dir, tenant: "acme", rules: rules)
            let t0: Int64 = 1_800_000_000_000_000
            #expect(try server.claim(server: "database", sessionID: "s1", member: Self.alex, now: t0) == .owned)
            #expect(try server.lookup(server: "database", sessionID: "s1", member: Self.alex, now: t0 + 1) == .owned)
            #expect(try server.lookup(server: "database", sessionID: "s1", member: Self.alex, now: t0 + 2) == .owned)
            try other.end(server: "database", sessionID: "s1", now: t0 + 3)
            #expect(try server.lookup(server: "database", sessionID: "s1", member: Self.alex, now: t0 + 4) == .expired)
            // An id nobody has bound is not kept: another server's claim is seen next.
            #expect(try server.lookup(server: "database", sessionID: "s2", member: Self.alex, now: t0 + 5) == .unbound)
            #expect(try other.claim(server: "database", sessionID: "s2", member: "sam@company.com", now: t0 + 6) == .owned)
            #expect(
                try server.lookup(server: "database", sessionID: "s2", member: Self.alex, now: t0 + 7)
                    == .boundToOther(member: "sam@company.com"))
            // Idle expiry is computed at each lookup, from memory too.
            #expect(try server.lookup(server: "database", sessionID: "s2", member: "sam@company.com", now: t0 + 8) == .owned)
            #expect(
                try server.lookup(
                    server: "database", sessionID: "s2", member: "sam@company.com",
                    now: t0 + 6 + rules.idleTimeoutMicros + 1) == .expired)
        }
    }
}

/// A clock a test moves by hand.
final class ClockCell: @unchecked Sendable {
    // @unchecked Sendable: only the test's own thread writes it before the calls that read it.
    var value: Int64
    init(_ value: Int64) { self.value = value }
}
