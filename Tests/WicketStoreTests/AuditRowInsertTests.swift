import Foundation
import Testing

@testable import WicketStore

/// A group commit writes every caller's records with multi-row inserts: each caller gets its own
/// rows' ids, alerts land on the right record, and a batch fails or commits as a whole.
@Suite struct AuditRowInsertTests {
    static func records(_ caller: Int, count: Int) -> [AuditRecord] {
        (0..<count).map { index in
            var record = AuditStoreTests.exampleRecord(requestID: "c\(caller)")
            record.batchIndex = index
            if index % 7 == 3 { record.policies = [.init(id: "policy1", annotations: ["alert": "page-\(caller)-\(index)"])] }
            return record
        }
    }

    /// Holds the audit's write lock until every caller but the first is pending, so that they
    /// commit as one batch once `blocker` lets go.
    static func oneBatch(_ store: AuditStore, _ dir: String, callers: Int, _ body: @escaping @Sendable (Int) -> Void) throws {
        let blocker = try SQLiteConnection(path: dir + "/audit.sqlite")
        try blocker.execute("BEGIN IMMEDIATE")
        let group = DispatchGroup()
        group.enter()
        Thread {
            concurrently(callers, body)
            group.leave()
        }.start()
        let deadline = Date().addingTimeInterval(4)
        while store.pendingAppends < callers - 1 && Date() < deadline { usleep(1_000) }
        #expect(store.pendingAppends == callers - 1)
        try blocker.execute("COMMIT")
        group.wait()
    }

    @Test(arguments: [1, 2, 31, 32, 33, 100])
    func oneCallersRecordsGetTheirOwnIDsInOrder(count: Int) throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            try store.append(AuditStoreTests.exampleRecord(requestID: "before"))
            let ids = try store.append(contentsOf: Self.records(1, count: count))
            #expect(ids.count == count && Set(ids).count == count)
            for (index, id) in ids.enumerated() {
                let record = try #require(try store.record(id: id))
                #expect(record.requestID == "c1" && record.batchIndex == index)
            }
        }
    }

    @Test func manyCallersInOneCommitEachGetTheirOwnRowsAndAlerts() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let before = store.transactionCount
            let results = Collector<(Int, [Int64])>()
            let failures = Collector<String>()
            // Callers of 1 to 40 records: the batch spans several 32-row statements.
            try Self.oneBatch(store, dir, callers: 12) { caller in
                do { results.append((caller, try store.append(contentsOf: Self.records(caller, count: 1 + caller * 3)))) } catch {
                    failures.append("\(error)")
                }
            }
            #expect(failures.all.isEmpty)
            #expect(store.transactionCount - before == 2, "the first caller alone, then the other eleven together")
            let reader = try SQLiteConnection(path: dir + "/audit.sqlite", readOnly: true)
            for (caller, ids) in results.all {
                #expect(ids.count == 1 + caller * 3)
                for (index, id) in ids.enumerated() {
                    let record = try #require(try store.record(id: id))
                    #expect(
                        record.requestID == "c\(caller)" && record.batchIndex == index,
                        "caller \(caller) got row \(id) of \(record.requestID)")
                    let alert = try reader.statement("SELECT alert FROM alert_outbox WHERE record_id = ?")
                    try alert.bind(.integer(id))
                    let expected = index % 7 == 3 ? "page-\(caller)-\(index)" : nil
                    #expect((try alert.step() ? alert.text(0) : nil) == expected)
                    alert.reset()
                }
            }
            #expect(try store.query(AuditQuery(limit: 10_000)).count == (0..<12).reduce(0) { $0 + 1 + $1 * 3 })
        }
    }

    /// Rows appended as values (`Work.records`, PostgreSQL's shape) carry their alerts through
    /// `Work.rows` like encoded records: each alert lands on its own record, in the same commit, and
    /// a record without one gets no outbox row (also when the alerts are fewer than the rows).
    @Test func valuesAppendedWithAlertsGetTheirOutboxRowsOnTheirOwnRecords() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let rows = (0..<3).map { AuditStore.values(AuditStoreTests.exampleRecord(requestID: "values-\($0)")) }
            let ids = try store.writer.append(rows, alerts: [[], ["oncall", "security"]])
            #expect(ids.count == 3)
            let outbox = try store.outbox()
            #expect(outbox.map(\.recordID) == [ids[1], ids[1]])
            #expect(outbox.map(\.alert) == ["oncall", "security"])
            let quiet = try store.writer.append([AuditStore.values(AuditStoreTests.exampleRecord(requestID: "values-quiet"))])
            #expect(quiet.count == 1)
            #expect(try store.outbox().count == 2)
        }
    }

    /// Inside a transaction the insert is `OR FAIL` (no statement journal): a row refused by a
    /// constraint stops the statement but keeps the rows before it; the writer's rollback must drop
    /// them. This batch (three rows, no alert) is one statement committed alone (autocommit), where
    /// `OR FAIL` would commit the rows before the refused one: there the insert must be the plain
    /// `INSERT`, which rolls the statement back whole.
    @Test func aConstraintRefusedMidStatementLeavesNoneOfTheStatementsRows() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            var rows = (0..<3).map { AuditStore.values(AuditStoreTests.exampleRecord(requestID: "batch-\($0)")) }
            rows[1][19] = .text("maybe")  // `decision`: refused by its CHECK after row 0 is in
            #expect(throws: StoreError.self) { try store.writer.append(rows) }
            let after = try store.append(contentsOf: Self.records(7, count: 2))
            #expect(after.count == 2)
            let reader = try SQLiteConnection(path: dir + "/audit.sqlite", readOnly: true)
            #expect(try reader.scalarInt("SELECT count(*) FROM audit") == 2)
            #expect(try reader.scalarInt("SELECT count(*) FROM audit WHERE request_id LIKE 'batch-%'") == 0)
        }
    }

    @Test func aRowThatCannotBeWrittenFailsEveryCallerOfItsBatchAndLeavesNoneOfItsRows() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let setup = try SQLiteConnection(path: dir + "/audit.sqlite")
            try setup.execute(
                """
                CREATE TRIGGER poison BEFORE INSERT ON audit WHEN NEW.request_id = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned row'); END
                """)
            let errors = Collector<Int>()
            let successes = Collector<Int>()
            try Self.oneBatch(store, dir, callers: 8) { caller in
                // The first caller commits alone; one of the other seven brings a row that fails mid-batch.
                var records = Self.records(caller, count: 20)
                if caller == 5 { records[10].requestID = "poison" }
                do {
                    try store.append(contentsOf: records)
                    successes.append(caller)
                } catch {
                    errors.append(caller)
                }
            }
            #expect(successes.all.count == 1, "only the first caller, who committed alone, succeeds")
            #expect(errors.all.count == 7)
            let leader = try #require(successes.all.first)
            let written = try store.query(AuditQuery(limit: 10_000))
            #expect(written.count == 20 && written.allSatisfy { $0.requestID == "c\(leader)" })
            #expect(try setup.scalarInt("SELECT count(*) FROM alert_outbox") == 3)
            // The writer goes on with the next batch.
            #expect(try store.append(contentsOf: Self.records(99, count: 3)).count == 3)
        }
    }
}
