import Foundation
import Testing

@testable import WicketStore

/// The audit's WAL is checkpointed by a thread of its own, bounded, and never at a reader's expense.
@Suite struct AuditCheckpointTests {
    static let pageFrame = 4096 + 24  // a WAL frame: one page and its header

    static func walBytes(_ dir: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: dir + "/audit.sqlite-wal"))?[.size] as? Int) ?? 0
    }

    @Test func theWALStaysBoundedAndIsCheckpointedByTheCheckpointThread() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(
                directory: dir, tenant: "acme", busyTimeoutMilliseconds: 5000, durability: .normal,
                checkpointFrames: 32)
            // Without checkpoints, 1,500 commits (each a few pages) would grow the WAL to thousands of frames.
            for i in 0..<1500 {
                try store.append(AuditStoreTests.exampleRecord(requestID: "r\(i)"))
                #expect(Self.walBytes(dir) <= (store.checkpointer.limit + 16) * Self.pageFrame, "the WAL outgrew its limit at commit \(i)")
            }
            #expect(store.checkpointer.waitForPasses(1), "the checkpoint thread never completed a pass")
            #expect(store.checkpointer.failureCount == 0)
            #expect(try store.query(AuditQuery(limit: 10_000)).count == 1500)
            store.close()
        }
    }

    @Test func aCheckpointPassWaitsForTheCommitUnderWayAndHoldsOffTheNextBatch() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme", busyTimeoutMilliseconds: 5000)
            let blocker = try SQLiteConnection(path: dir + "/audit.sqlite")
            try blocker.execute("BEGIN IMMEDIATE")  // the first caller leads and waits on this lock
            let failures = Collector<String>()
            let group = DispatchGroup()
            group.enter()
            Thread {
                do { try store.append(AuditStoreTests.exampleRecord(requestID: "leader")) } catch { failures.append("\(error)") }
                group.leave()
            }.start()
            let deadline = Date().addingTimeInterval(4)
            while store.writer.isWriting == false && Date() < deadline { usleep(1_000) }
            #expect(store.writer.isWriting, "the first caller never started its commit")
            // Followers queue behind the leader's commit, then the pass asks for the turn.
            for i in 0..<4 {
                group.enter()
                Thread {
                    do { try store.append(AuditStoreTests.exampleRecord(requestID: "f\(i)")) } catch { failures.append("\(error)") }
                    group.leave()
                }.start()
            }
            while store.pendingAppends < 4 && Date() < deadline { usleep(1_000) }
            #expect(store.pendingAppends == 4)
            let seen = Collector<Int>()
            group.enter()
            Thread {
                store.writer.exclusively {
                    let count = (try? store.query(AuditQuery(limit: 100)).count) ?? -1
                    seen.append(count)
                }
                group.leave()
            }.start()
            while !store.writer.isExclusiveWaiting && Date() < deadline { usleep(1_000) }
            #expect(store.writer.isExclusiveWaiting)
            try blocker.execute("COMMIT")
            group.wait()
            #expect(failures.all.isEmpty)
            // The pass ran after the leader's commit and before the followers' batch.
            #expect(seen.all == [1])
            #expect(try store.query(AuditQuery(limit: 100)).count == 5)
        }
    }

    @Test func aReaderKeepsItsSnapshotAcrossCheckpointsAndThenSeesEveryCommittedRow() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(
                directory: dir, tenant: "acme", busyTimeoutMilliseconds: 5000, durability: .normal,
                checkpointFrames: 16)
            try store.append(AuditStoreTests.exampleRecord(requestID: "first"))
            let reader = try SQLiteConnection(path: dir + "/audit.sqlite", readOnly: true)
            try reader.execute("BEGIN")
            #expect(try reader.scalarInt("SELECT count(*) FROM audit") == 1)
            for i in 0..<300 { try store.append(AuditStoreTests.exampleRecord(requestID: "r\(i)")) }
            #expect(store.checkpointer.waitForPasses(1))
            // The open snapshot still reads what it read: a checkpoint never takes a frame it needs.
            #expect(try reader.scalarInt("SELECT count(*) FROM audit") == 1)
            try reader.execute("COMMIT")
            #expect(try reader.scalarInt("SELECT count(*) FROM audit") == 301)
            // Once the reader is gone the WAL restarts and stays small again.
            let passes = store.checkpointer.passCount
            for i in 0..<300 { try store.append(AuditStoreTests.exampleRecord(requestID: "s\(i)")) }
            #expect(store.checkpointer.waitForPasses(passes + 1))
            #expect(try store.query(AuditQuery(limit: 10_000)).count == 601)
        }
    }

    @Test func aPassCopiesAgainBesideTheWriterWhatCommitsAddedDuringItsFirstCopy() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(
                directory: dir, tenant: "acme", busyTimeoutMilliseconds: 5000, durability: .normal, checkpointFrames: 200)
            defer { store.close() }
            // During the pass's first copy, commits add far more than a few frames (each record
            // changes the table's page and a page of each index).
            let during = Collector<Int>()
            store.checkpointer.afterCopy = {
                guard during.all.isEmpty else { return }
                during.append(0)  // the loop below stops appending
                for i in 0..<30 {
                    do { try store.append(AuditStoreTests.exampleRecord(requestID: "during\(i)")) } catch { during.append(-1) }
                }
                during.append(30)
            }
            // Past the threshold (a record writes 4 to 7 pages), and with the 30 above well below the
            // limit (800): a leader past it would wait for the copy that is appending.
            let i = 60
            for n in 0..<i { try store.append(AuditStoreTests.exampleRecord(requestID: "r\(n)")) }
            #expect(store.checkpointer.waitForPasses(1), "the checkpoint thread never completed a pass")
            #expect(during.all == [0, 30])
            #expect(store.checkpointer.lastPassCopies >= 2, "the pass did not copy again what commits added during its first copy")
            #expect(try store.query(AuditQuery(limit: 1000)).count == i + 30)
        }
    }

    /// A commit's answers go out before the checkpoint it made due: past the limit the writer
    /// checkpoints itself, after the batch's completions ran (round 10: off the answer's path). A lone
    /// caller leads its own commit, so everything has run on this thread when its append returns.
    @Test func aCompletionRunsBeforeTheInlineCheckpointItsCommitMadeDue() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(
                directory: dir, tenant: "acme", busyTimeoutMilliseconds: 5000, durability: .normal, checkpointFrames: 1)
            let seen = Collector<Int>()
            store.append(contentsOf: [AuditStoreTests.exampleRecord(requestID: "first")]) { result in
                if case .success = result { seen.append(store.writer.inlineCheckpointCount) }
            }
            #expect(seen.all == [0], "the completion ran after the inline checkpoint, or not at all")
            #expect(store.writer.inlineCheckpointCount == 1, "a first commit of 4 frames or more is past a limit of 4")
            store.close()
        }
    }
}
