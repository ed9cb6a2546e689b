import Foundation
import Testing

@testable import WicketStore

/// The audit writer's WAL frames are gathered into one write per commit (CWALGather), and that write
/// reaches the file before the commit returns: a reader in another connection (as the CLI in another
/// process) and a copy of the files taken at that moment (what a kill -9 leaves) both hold every record.
@Suite struct WALGatherTests {
    /// Registering the VFS initializes SQLite, after which its process-wide settings are refused: no
    /// memory statistics (a global mutex on every allocation) must hold even when the audit store
    /// is the process's first use of SQLite (run alone, this test is).
    @Test func theAuditStoreOpenedFirstLeavesSQLitesMemoryStatisticsOff() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            defer { store.close() }
            try store.append(AuditStoreTests.exampleRecord(requestID: "r"))
            #expect(!SQLiteConnection.countsMemory)
        }
    }

    @Test(arguments: AuditStore.Durability.allCases)
    func aCommitWritesItsWALFramesInOneWriteMadeByTheCommitFrame(durability: AuditStore.Durability) throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme", durability: durability)
            defer { store.close() }
            try store.append(AuditStoreTests.exampleRecord(requestID: "warm-up"))
            let connection = try #require(store.writer.connection)
            for i in 0..<20 {
                let before = try #require(WALGather.stats(of: connection), "the writer's WAL is not open through the gathering VFS")
                try store.append(AuditStoreTests.exampleRecord(member: "m\(i)@company.com", tool: "tool\(i)", requestID: "r\(i)"))
                let after = try #require(WALGather.stats(of: connection))
                // A record changes the table's page and a page per index: frames of two writes each.
                #expect(after.writes - before.writes >= 4, "commit \(i) asked for \(after.writes - before.writes) WAL writes")
                // A commit right after a WAL restart also writes the WAL header (then syncs it): one more.
                #expect((1...2).contains(after.flushes - before.flushes), "commit \(i) made \(after.flushes - before.flushes) writes")
                #expect(after.otherFlushes == before.otherFlushes || after.flushes - before.flushes == 2)
            }
        }
    }

    @Test(arguments: AuditStore.Durability.allCases)
    func everyCommittedRecordIsInTheFilesWhenItsCommitReturns(durability: AuditStore.Durability) throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(
                directory: dir + "/live", tenant: "acme", busyTimeoutMilliseconds: 5000, durability: durability, checkpointFrames: 40)
            defer { store.close() }
            // A reader of its own, through SQLite's default VFS, as `wicket audit` in another process.
            let reader = try SQLiteConnection(path: dir + "/live/audit.sqlite", readOnly: true)
            for i in 1...120 {
                try store.append(AuditStoreTests.exampleRecord(requestID: "r\(i)"))
                #expect(try reader.scalarInt("SELECT count(*) FROM audit") == Int64(i), "a reader missed record \(i)")
                guard i % 17 == 1 else { continue }
                // What a kill -9 right now would leave: the database and its WAL as the OS holds them
                // (no -shm: the next opener rebuilds the index from the WAL), opened without the VFS.
                let copy = dir + "/copy\(i)"
                try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false)
                for suffix in ["", "-wal"] {
                    try FileManager.default.copyItem(atPath: dir + "/live/audit.sqlite" + suffix, toPath: copy + "/audit.sqlite" + suffix)
                }
                let recovered = try SQLiteConnection(path: copy + "/audit.sqlite")
                #expect(try recovered.scalarInt("SELECT count(*) FROM audit") == Int64(i), "a copy after commit \(i) lost records")
                #expect(try recovered.scalarInt("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'") == 0)
            }
        }
    }

    /// A commit of many records gathers more than the unix VFS takes in one write (its pwrite masks
    /// the length with 0x1ffff: a 128 KiB write fails as "database or disk is full"); it is written
    /// in steps and commits whole.
    @Test func aCommitLargerThanOneWriteOfTheUnixVFSCommitsWhole() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme", durability: .normal)
            defer { store.close() }
            let records = (0..<400).map { i in
                AuditStoreTests.exampleRecord(member: "member-\(i)@company.com", tool: "tool_\(i)", requestID: "batch-\(i)")
            }
            let connection = try #require(store.writer.connection)
            let before = try #require(WALGather.stats(of: connection))
            #expect(try store.append(contentsOf: records).count == 400)
            let after = try #require(WALGather.stats(of: connection))
            #expect(after.flushes - before.flushes >= 3, "400 records should gather more than 128 KiB of WAL frames")
            let reader = try SQLiteConnection(path: dir + "/audit.sqlite", readOnly: true)
            #expect(try reader.scalarInt("SELECT count(*) FROM audit WHERE request_id LIKE 'batch-%'") == 400)
        }
    }
}
