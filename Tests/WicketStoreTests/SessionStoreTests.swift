import Foundation
import Testing

@testable import WicketStore

@Suite struct SessionStoreTests {
    static let alex = "alex@company.com"
    static let sam = "sam@company.com"
    static let t0: Int64 = 1_800_000_000_000_000
    static let minute: Int64 = 60_000_000

    func open(_ dir: String, idle: Int = 3600) throws -> SessionStore {
        try SessionStore(directory: dir, tenant: "acme", rules: SessionBindingRules(idleTimeoutSeconds: idle))
    }

    @Test func theFirstPresenterOwnsTheSessionAndNobodyElseMayUseIt() throws {
        try withTemporaryDirectory { dir in
            let store = try open(dir)
            #expect(try store.lookup(server: "database", sessionID: "s1", member: Self.alex, now: Self.t0) == .unbound)
            #expect(try store.claim(server: "database", sessionID: "s1", member: Self.alex, now: Self.t0) == .owned)
            #expect(try store.lookup(server: "database", sessionID: "s1", member: Self.alex, now: Self.t0) == .owned)
            #expect(
                try store.lookup(server: "database", sessionID: "s1", member: Self.sam, now: Self.t0) == .boundToOther(member: Self.alex))
            #expect(
                try store.claim(server: "database", sessionID: "s1", member: Self.sam, now: Self.t0) == .boundToOther(member: Self.alex))
            // The same id on another server is another session.
            #expect(try store.claim(server: "helpdesk", sessionID: "s1", member: Self.sam, now: Self.t0) == .owned)
        }
    }

    @Test func membersAreComparedByteForByteNotByUnicodeEquivalence() throws {
        try withTemporaryDirectory { dir in
            let store = try open(dir)
            let composed = "jos\u{E9}@company.com"
            let decomposed = "jose\u{301}@company.com"
            #expect(composed == decomposed)  // Swift's String == says equal…
            #expect(try store.claim(server: "database", sessionID: "s", member: composed, now: Self.t0) == .owned)
            // …but they are two different members.
            #expect(
                try store.lookup(server: "database", sessionID: "s", member: decomposed, now: Self.t0) == .boundToOther(member: composed))
        }
    }

    @Test func twoMembersPresentingAFreshIdAtOnceHaveExactlyOneWinner() throws {
        try withTemporaryDirectory { dir in
            // Two stores on one file: two `wicket serve` processes sharing a tenant's store.
            let stores = [try open(dir), try open(dir)]
            for round in 0..<20 {
                let results = Collector<(String, SessionBinding.State)>()
                concurrently(8) { index in
                    let member = "member\(index)@company.com"
                    let store = stores[index % 2]
                    if let state = try? store.claim(server: "database", sessionID: "race-\(round)", member: member, now: Self.t0) {
                        results.append((member, state))
                    }
                }
                let all = results.all
                #expect(all.count == 8)
                let winners = all.filter { $0.1 == .owned }.map(\.0)
                #expect(winners.count == 1, "round \(round): \(all)")
                guard let winner = winners.first else { continue }
                #expect(all.allSatisfy { $0.0 == winner || $0.1 == .boundToOther(member: winner) })
            }
        }
    }

    @Test func anIdleSessionExpiresAndUseRefreshesItAtMostOnceAMinute() throws {
        try withTemporaryDirectory { dir in
            let idle: Int64 = 3600 * 1_000_000
            let store = try open(dir, idle: 3600)
            #expect(try store.claim(server: "database", sessionID: "a", member: Self.alex, now: Self.t0) == .owned)
            // Used after 30 s: under a minute, so last use is not rewritten…
            #expect(try store.lookup(server: "database", sessionID: "a", member: Self.alex, now: Self.t0 + 30_000_000) == .owned)
            // …and the hour counts from the claim.
            #expect(try store.lookup(server: "database", sessionID: "a", member: Self.alex, now: Self.t0 + idle + 10_000_000) == .expired)

            #expect(try store.claim(server: "database", sessionID: "b", member: Self.alex, now: Self.t0) == .owned)
            #expect(try store.lookup(server: "database", sessionID: "b", member: Self.alex, now: Self.t0 + 2 * Self.minute) == .owned)
            #expect(try store.lookup(server: "database", sessionID: "b", member: Self.alex, now: Self.t0 + idle + Self.minute) == .owned)
            #expect(try store.lookup(server: "database", sessionID: "b", member: Self.alex, now: Self.t0 + 3 * idle) == .expired)
            // Expired is not free: another member still cannot take it.
            #expect(
                try store.claim(server: "database", sessionID: "b", member: Self.sam, now: Self.t0 + 3 * idle)
                    == .boundToOther(member: Self.alex))
        }
    }

    @Test func anEndedSessionIsRefusedToItsMemberAndStaysBoundUntilPurged() throws {
        try withTemporaryDirectory { dir in
            let store = try open(dir)
            #expect(try store.claim(server: "database", sessionID: "s", member: Self.alex, now: Self.t0) == .owned)
            try store.end(server: "database", sessionID: "s", now: Self.t0 + 1)
            #expect(try store.lookup(server: "database", sessionID: "s", member: Self.alex, now: Self.t0 + 2) == .expired)
            #expect(
                try store.claim(server: "database", sessionID: "s", member: Self.sam, now: Self.t0 + 2) == .boundToOther(member: Self.alex))
            #expect(try store.purge(now: Self.t0 + 2) == 0)
            let later = Self.t0 + store.rules.idleTimeoutMicros + store.rules.tombstoneMicros + 2
            #expect(try store.purge(now: later) == 1)
            #expect(try store.count() == 0)
        }
    }

    @Test func theBindingIsKeptInTheTenantsOwnPrivateFile() throws {
        try withTemporaryDirectory { dir in
            let store = try open(dir)
            _ = try store.claim(server: "database", sessionID: "s", member: Self.alex, now: Self.t0)
            #expect(mode(dir + "/sessions.sqlite") == 0o600)
            let reopened = try open(dir)
            #expect(
                try reopened.lookup(server: "database", sessionID: "s", member: Self.sam, now: Self.t0) == .boundToOther(member: Self.alex))
            #expect(throws: StoreError.self) {
                try SessionStore(directory: dir, tenant: "Not A Tenant", rules: SessionBindingRules(idleTimeoutSeconds: 600))
            }
        }
    }
}
