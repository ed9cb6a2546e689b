import Foundation
import Testing
import WicketTestSupport

@testable import WicketStore

#if canImport(Glibc)
    import Glibc
#endif

/// `append(contentsOf:then:)`: the caller hands its records and a completion to the group commit and,
/// unless it leads, returns at once; the leader runs the completions of its batch on its own thread,
/// only after the commit returned, and leads the batch that queued meanwhile. Another connection holding
/// the write lock (`BEGIN IMMEDIATE`) keeps the leader's commit under way for as long as a test needs.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AuditCompletionTests {
    /// One completion's outcome: the thread it ran on, what it got, and whether its record was
    /// already readable through another connection when it ran.
    struct Completed: Sendable {
        let thread: UInt
        let ids: [Int64]?
        let error: StoreError.Code?
        let visible: Bool
    }

    static func completion(_ store: AuditStore, into done: Collector<Completed>) -> AuditCompletion {
        { result in
            let thread = UInt(pthread_self())
            switch result {
            case .success(let ids):
                let visible = ids.allSatisfy { ((try? store.record(id: $0)) ?? nil) != nil }
                done.append(Completed(thread: thread, ids: ids, error: nil, visible: visible))
            case .failure(let error):
                done.append(Completed(thread: thread, ids: nil, error: error.code, visible: false))
            }
        }
    }

    @Test func followersReturnAtOnceAndTheLeaderAnswersThemAfterItsCommit() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme", busyTimeoutMilliseconds: 10_000)
            let blocker = try SQLiteConnection(path: dir + "/audit.sqlite")
            try blocker.execute("BEGIN IMMEDIATE")
            let before = store.transactionCount
            let done = Collector<Completed>()
            let leaderThread = Collector<UInt>()
            Thread {
                leaderThread.append(UInt(pthread_self()))
                store.append(contentsOf: [AuditStoreTests.exampleRecord(requestID: "leader")], then: Self.completion(store, into: done))
            }.start()
            try #require(waitUntil { store.writer.isWriting })
            // Eight callers on this thread: each returns while the leader's commit is still waiting on the lock.
            for i in 0..<8 {
                store.append(contentsOf: [AuditStoreTests.exampleRecord(requestID: "f\(i)")], then: Self.completion(store, into: done))
            }
            #expect(store.pendingAppends == 8)
            #expect(done.all.isEmpty, "no completion may run before its commit returned")
            try blocker.execute("COMMIT")
            try #require(waitUntil { done.all.count == 9 })
            let leader = try #require(leaderThread.all.first)
            #expect(done.all.allSatisfy { $0.thread == leader }, "the leader runs every completion of the batches it commits")
            #expect(done.all.allSatisfy { $0.error == nil && $0.ids?.count == 1 && $0.visible })
            #expect(store.transactionCount - before == 2, "the eight followers share the second commit")
            #expect(try store.query(AuditQuery()).count == 9)
        }
    }

    @Test func aFailedCommitGivesEveryCompletionOfItsBatchTheError() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme", busyTimeoutMilliseconds: 300)
            let blocker = try SQLiteConnection(path: dir + "/audit.sqlite")
            try blocker.execute("BEGIN IMMEDIATE")  // held past the busy timeout: both commits fail
            let done = Collector<Completed>()
            Thread {
                store.append(contentsOf: [AuditStoreTests.exampleRecord(requestID: "leader")], then: Self.completion(store, into: done))
            }.start()
            try #require(waitUntil { store.writer.isWriting })
            for i in 0..<6 {
                store.append(contentsOf: [AuditStoreTests.exampleRecord(requestID: "f\(i)")], then: Self.completion(store, into: done))
            }
            try #require(waitUntil { done.all.count == 7 })
            #expect(done.all.allSatisfy { $0.ids == nil && $0.error == .busy })
            try blocker.execute("ROLLBACK")
            #expect(try store.query(AuditQuery()).isEmpty)
            // The store recovers: the next commit succeeds.
            store.append(contentsOf: [AuditStoreTests.exampleRecord(requestID: "after")], then: Self.completion(store, into: done))
            #expect(done.all.count == 8 && done.all.last?.ids?.count == 1, "an uncontended caller leads and completes before it returns")
        }
    }

    @Test func closeWaitsForEveryPendingCompletion() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme", busyTimeoutMilliseconds: 10_000)
            let blocker = try SQLiteConnection(path: dir + "/audit.sqlite")
            try blocker.execute("BEGIN IMMEDIATE")
            let done = Collector<Completed>()
            Thread {
                store.append(contentsOf: [AuditStoreTests.exampleRecord(requestID: "leader")], then: Self.completion(store, into: done))
            }.start()
            try #require(waitUntil { store.writer.isWriting })
            for i in 0..<4 {
                store.append(contentsOf: [AuditStoreTests.exampleRecord(requestID: "f\(i)")], then: Self.completion(store, into: done))
            }
            let atClose = Collector<Int>()
            let closed = DispatchSemaphore(value: 0)
            Thread {
                store.close()
                atClose.append(done.all.count)
                closed.signal()
            }.start()
            try blocker.execute("COMMIT")
            closed.wait()
            #expect(atClose.all == [5], "close returned before every pending completion ran")
            #expect(done.all.allSatisfy { $0.error == nil })
            // After close, a completion is called at once with `closed`.
            store.append(contentsOf: [AuditStoreTests.exampleRecord(requestID: "late")], then: Self.completion(store, into: done))
            #expect(done.all.last?.error == .closed)
        }
    }
}
