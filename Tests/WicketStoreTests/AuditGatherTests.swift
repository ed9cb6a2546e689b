import Foundation
import Testing
import WicketTestSupport

@testable import WicketStore

#if canImport(Glibc)
    import Glibc
#endif

/// The group commit's gathering (AuditWriter+Gather.swift): a leader waits, bounded, only while
/// announced decisions are under way, so they join its batch; with none under way it commits at once.
/// The tests check the rule by its counters and by the transactions it produced, never by a timing:
/// the bound is set far beyond the test's time limit wherever a wait must end by an arrival.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AuditGatherTests {
    typealias Completed = AuditCompletionTests.Completed

    /// A store whose leader would wait for announced decisions for as long as `bound`.
    static func store(_ dir: String, bound: Duration = .seconds(3600), busyTimeout: Int32 = 10_000) throws -> AuditStore {
        try AuditStore(directory: dir, tenant: "acme", busyTimeoutMilliseconds: busyTimeout, gatherBound: bound)
    }

    static func record(_ id: String) -> [AuditRecord] { [AuditStoreTests.exampleRecord(requestID: id)] }

    @Test func aLoneCallerCommitsAtOnceWithoutWaiting() throws {
        try withTemporaryDirectory { dir in
            let store = try Self.store(dir)
            let done = Collector<Completed>()
            // At one connection: the caller announces, decides, and its own append ends the announcement,
            // so nothing else is under way when it leads.
            #expect(store.announce())
            store.append(contentsOf: Self.record("lone"), announced: true, then: AuditCompletionTests.completion(store, into: done))
            #expect(done.all.count == 1 && done.all.first?.visible == true, "the lone caller led and answered before returning")
            // A caller that did not announce, with nothing announced: the same.
            store.append(contentsOf: Self.record("plain"), then: AuditCompletionTests.completion(store, into: done))
            #expect(done.all.count == 2)
            #expect(store.writer.gatherCounts.waited == 0, "no leader may wait when no other decision is under way")
            #expect(store.writer.decidingCount == 0)
            #expect(store.transactionCount == 2)
        }
    }

    @Test func aLeaderWaitsForAnnouncedDecisionsAndCommitsThemInOneTransaction() throws {
        try withTemporaryDirectory { dir in
            let store = try Self.store(dir)
            let done = Collector<Completed>()
            let leaderThread = Collector<UInt>()
            for _ in 0..<3 { store.announce() }  // three decisions under way
            Thread {
                leaderThread.append(UInt(pthread_self()))
                store.append(contentsOf: Self.record("first"), announced: true, then: AuditCompletionTests.completion(store, into: done))
            }.start()
            // The leader holds the turn and waits for the two others instead of committing alone.
            try #require(waitUntil { store.writer.isGathering })
            #expect(store.transactionCount == 0)
            store.append(contentsOf: Self.record("second"), announced: true, then: AuditCompletionTests.completion(store, into: done))
            #expect(done.all.isEmpty, "a follower returns at once; nothing is answered before the commit")
            #expect(store.writer.isGathering, "one decision is still under way")
            store.append(contentsOf: Self.record("third"), announced: true, then: AuditCompletionTests.completion(store, into: done))
            try #require(waitUntil { done.all.count == 3 })
            #expect(store.transactionCount == 1, "the three records share one transaction")
            #expect(done.all.allSatisfy { $0.error == nil && $0.visible }, "each answer leaves only after its record is committed")
            let leader = try #require(leaderThread.all.first)
            #expect(done.all.allSatisfy { $0.thread == leader })
            #expect(store.writer.gatherCounts == (1, 0), "the wait ended by the last arrival, not by the bound")
            #expect(store.writer.decidingCount == 0)
        }
    }

    @Test func aWithdrawnDecisionEndsTheWait() throws {
        try withTemporaryDirectory { dir in
            let store = try Self.store(dir)
            let done = Collector<Completed>()
            for _ in 0..<2 { store.announce() }
            Thread {
                store.append(contentsOf: Self.record("first"), announced: true, then: AuditCompletionTests.completion(store, into: done))
            }.start()
            try #require(waitUntil { store.writer.isGathering })
            store.withdraw()  // the other decision had nothing to commit here
            try #require(waitUntil { done.all.count == 1 })
            #expect(store.writer.gatherCounts == (1, 0))
            #expect(store.transactionCount == 1)
        }
    }

    @Test func theWaitIsBoundedWhenAnAnnouncedDecisionNeverArrives() throws {
        try withTemporaryDirectory { dir in
            let store = try Self.store(dir, bound: .milliseconds(1))
            let done = Collector<Completed>()
            store.announce()  // never appended
            store.append(contentsOf: Self.record("leader"), then: AuditCompletionTests.completion(store, into: done))
            #expect(done.all.count == 1 && done.all.first?.visible == true)
            #expect(store.writer.gatherCounts == (1, 1), "the leader waited and the bound ended the wait")
            store.withdraw()
            #expect(store.writer.decidingCount == 0)
        }
    }

    @Test func aFailedGatheredCommitAnswersTheWholeBatchWithTheError() throws {
        try withTemporaryDirectory { dir in
            let store = try Self.store(dir, busyTimeout: 300)
            let blocker = try SQLiteConnection(path: dir + "/audit.sqlite")
            try blocker.execute("BEGIN IMMEDIATE")  // held past the busy timeout: the commit fails
            let done = Collector<Completed>()
            for _ in 0..<4 { store.announce() }
            Thread {
                store.append(contentsOf: Self.record("first"), announced: true, then: AuditCompletionTests.completion(store, into: done))
            }.start()
            try #require(waitUntil { store.writer.isGathering })
            for i in 0..<3 {
                store.append(contentsOf: Self.record("f\(i)"), announced: true, then: AuditCompletionTests.completion(store, into: done))
            }
            try #require(waitUntil { done.all.count == 4 })
            #expect(done.all.allSatisfy { $0.ids == nil && $0.error == .busy }, "every member of the batch gets the failure")
            #expect(store.transactionCount == 1, "the four were one (failed) transaction")
            try blocker.execute("ROLLBACK")
            #expect(try store.query(AuditQuery()).isEmpty)
        }
    }

    @Test func announcementsEndWhenTheRecordsAreRefusedOrEmpty() throws {
        try withTemporaryDirectory { dir in
            let store = try Self.store(dir)
            let done = Collector<Completed>()
            store.announce()
            store.append(contentsOf: [], announced: true, then: AuditCompletionTests.completion(store, into: done))
            store.announce()
            var other = AuditStoreTests.exampleRecord(requestID: "misfiled")
            other.tenant = "globex"
            store.append(contentsOf: [other], announced: true, then: AuditCompletionTests.completion(store, into: done))
            #expect(done.all.count == 2 && done.all.last?.error == .invalidTenant)
            #expect(store.writer.decidingCount == 0, "a refused or empty append still ends its announcement")
        }
    }
}
