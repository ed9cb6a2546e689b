import Foundation
import Testing

@testable import WicketStore

@Suite struct AuditStoreTests {
    /// The record of README's example: the 03:04:18 denial.
    static func exampleRecord(
        time: Int64 = 1_776_308_658_123_456, member: String = "alex@company.com",
        decision: AuditRecord.Decision = .deny, tool: String = "delete_records",
        agent: String = "maintenance-agent", requestID: String = "req-1"
    ) -> AuditRecord {
        AuditRecord(
            tenant: "acme", member: member, agent: agent, keyID: "0123456789abcdef", sourceIP: "203.0.113.42",
            geoCountry: "US", geoRegion: "VA", geoCity: "Ashburn",
            server: "database", method: "tools/call", targetKind: .tool, targetName: tool, resource: "prod.customer_records",
            timeMicros: time, sessionID: "mcp_sess_7k91", jsonrpcID: "7",
            traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            requestID: requestID, batchIndex: nil,
            decision: decision, httpStatus: decision == .deny ? 403 : 200,
            policies: [.init(id: "policy0", annotations: ["id": "release-window block", "reason": "allowed: 9–17"])],
            contextValues: [.init(name: "context.time.hour", value: "3")],
            errors: [], latencyMicros: 87, shadowDecision: nil)
    }

    @Test func appendedRecordReadsBackFieldByField() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            var record = Self.exampleRecord()
            record.batchIndex = 2
            record.errors = ["policy2: `context.geo.city` does not exist"]
            record.shadowDecision = .allow
            let id = try store.append(record)
            let read = try #require(try store.record(id: id))
            var expected = record
            expected.id = id
            #expect(read == expected)
            #expect(try store.record(id: id + 1) == nil)
            #expect(mode(dir + "/audit.sqlite") == 0o600)
            #expect(mode(dir + "/audit.sqlite-wal") == 0o600)
        }
    }

    @Test func aListRecordKeepsWhatWasHiddenAndByWhom() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            var record = Self.exampleRecord(decision: .allow)
            record.method = "tools/list"
            record.targetKind = nil
            record.targetName = nil
            record.listHidden = 2
            record.listHiddenBy = ["(no permit)", "release-window block"]
            let id = try store.append(record)
            let read = try #require(try store.record(id: id))
            #expect(read.listHidden == 2)
            #expect(read.listHiddenBy == ["(no permit)", "release-window block"])
            let plain = try #require(try store.record(id: try store.append(Self.exampleRecord())))
            #expect(plain.listHidden == nil && plain.listHiddenBy.isEmpty)
        }
    }

    @Test func aRequestsRecordsCommitTogetherOrNotAtAll() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let batch = (0..<3).map { index -> AuditRecord in
                var record = Self.exampleRecord(requestID: "req-batch")
                record.batchIndex = index
                return record
            }
            let before = store.transactionCount
            let ids = try store.append(contentsOf: batch)
            #expect(ids.count == 3 && Set(ids).count == 3)
            #expect(store.transactionCount == before + 1)
            #expect(try ids.map { try store.record(id: $0)?.batchIndex } == [0, 1, 2])

            // One foreign record refuses the whole set: nothing of it is written.
            var foreign = Self.exampleRecord(requestID: "req-mixed")
            foreign.tenant = "beta"
            #expect(throws: StoreError.self) { try store.append(contentsOf: [Self.exampleRecord(requestID: "req-mixed"), foreign]) }
            #expect(try store.query(AuditQuery(limit: 100)).filter { $0.requestID == "req-mixed" }.isEmpty)
        }
    }

    @Test func everyAppendReturnsOnlyAfterItsRowIsVisibleElsewhere() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let failures = Collector<String>()
            let ids = Collector<Int64>()
            concurrently(16) { thread in
                // Each thread checks from its own connection, right after `append` returns.
                guard let observer = try? SQLiteConnection(path: dir + "/audit.sqlite", readOnly: true) else {
                    failures.append("observer")
                    return
                }
                for i in 0..<40 {
                    do {
                        let id = try store.append(Self.exampleRecord(requestID: "t\(thread)-\(i)"))
                        ids.append(id)
                        let select = try observer.statement("SELECT request_id FROM audit WHERE id = ?")
                        try select.bind(.integer(id))
                        if try !select.step() || select.text(0) != "t\(thread)-\(i)" { failures.append("row \(id) not visible") }
                        select.reset()
                    } catch {
                        failures.append("\(error)")
                    }
                }
            }
            #expect(failures.all.isEmpty)
            #expect(Set(ids.all).count == 16 * 40)
            #expect(try store.query(AuditQuery(limit: 10_000)).count == 16 * 40)
        }
    }

    @Test func concurrentCallersShareACommit() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme", busyTimeoutMilliseconds: 5000)
            // Hold the write lock so that all 16 callers are pending before the writer can commit.
            let blocker = try SQLiteConnection(path: dir + "/audit.sqlite")
            try blocker.execute("BEGIN IMMEDIATE")
            let before = store.transactionCount
            let failures = Collector<String>()
            let group = DispatchGroup()
            group.enter()
            Thread {
                concurrently(16) { i in
                    do { try store.append(Self.exampleRecord(requestID: "r\(i)")) } catch { failures.append("\(error)") }
                }
                group.leave()
            }.start()
            // The first caller leads and waits on the lock; the other 15 queue behind its commit.
            let deadline = Date().addingTimeInterval(4)
            while store.pendingAppends < 15 && Date() < deadline { usleep(1_000) }
            #expect(store.pendingAppends == 15, "every caller but the leader must be pending before the lock is released")
            try blocker.execute("COMMIT")
            group.wait()
            #expect(failures.all.isEmpty)
            // One transaction may have started with the first record alone; the other 15 share one.
            #expect(store.transactionCount - before <= 3)
            #expect(try store.query(AuditQuery()).count == 16)
        }
    }

    @Test func aFailedCommitFailsEveryWaiterOfTheBatchAndTheStoreRecovers() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme", busyTimeoutMilliseconds: 50)
            let blocker = try SQLiteConnection(path: dir + "/audit.sqlite")
            try blocker.execute("BEGIN IMMEDIATE")  // another writer holds the lock past the busy timeout
            let errors = Collector<StoreError>()
            let successes = Collector<Int64>()
            concurrently(16) { i in
                do { successes.append(try store.append(Self.exampleRecord(requestID: "r\(i)"))) } catch let error as StoreError {
                    errors.append(error)
                } catch {}
            }
            #expect(successes.all.isEmpty)
            #expect(errors.all.count == 16)
            #expect(errors.all.allSatisfy { $0.code == .busy })
            try blocker.execute("ROLLBACK")
            let id = try store.append(Self.exampleRecord(requestID: "after"))
            #expect(try store.record(id: id)?.requestID == "after")
            #expect(try store.query(AuditQuery()).map(\.requestID) == ["after"])
        }
    }

    @Test func queryFiltersAndOrdersNewestFirst() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let t0: Int64 = 1_776_300_000_000_000
            try store.append(
                Self.exampleRecord(time: t0, member: "alex@company.com", decision: .deny, tool: "delete_records", requestID: "a"))
            try store.append(
                Self.exampleRecord(time: t0 + 1_000_000, member: "alex@company.com", decision: .allow, tool: "query", requestID: "b"))
            try store.append(
                Self.exampleRecord(
                    time: t0 + 2_000_000, member: "sam@company.com", decision: .allow, tool: "query", agent: "ci", requestID: "c"))
            var resource = Self.exampleRecord(time: t0 + 3_000_000, member: "sam@company.com", decision: .deny, requestID: "d")
            resource.targetKind = .resource
            resource.targetName = "query"
            try store.append(resource)
            func ids(_ query: AuditQuery) throws -> [String] { try store.query(query).map(\.requestID) }
            #expect(try ids(AuditQuery()) == ["d", "c", "b", "a"])
            #expect(try ids(AuditQuery(decision: .allow)) == ["c", "b"])
            #expect(try ids(AuditQuery(member: "alex@company.com")) == ["b", "a"])
            #expect(try ids(AuditQuery(agent: "ci")) == ["c"])
            #expect(try ids(AuditQuery(tool: "query")) == ["c", "b"])  // not the resource named `query`
            #expect(try ids(AuditQuery(since: StoreFiles.date(micros: t0 + 1_000_000))) == ["d", "c", "b"])
            #expect(try ids(AuditQuery(until: StoreFiles.date(micros: t0 + 2_000_000))) == ["b", "a"])
            #expect(try ids(AuditQuery(limit: 2)) == ["d", "c"])
            #expect(try ids(AuditQuery(limit: -5)) == ["d"])
            #expect(try ids(AuditQuery(since: .distantFuture)).isEmpty)
            #expect(try ids(AuditQuery(since: Date(timeIntervalSince1970: 1e300), until: Date(timeIntervalSince1970: -1e300))).isEmpty)
            #expect(try ids(AuditQuery(member: "x' OR '1'='1")).isEmpty)
        }
    }

    @Test func pruneDeletesOnlyOlderRecords() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let t0: Int64 = 1_776_300_000_000_000
            for i in 0..<5 { try store.append(Self.exampleRecord(time: t0 + Int64(i) * 1_000_000, requestID: "r\(i)")) }
            #expect(try store.prune(olderThan: StoreFiles.date(micros: t0 + 2_000_000)) == 2)
            #expect(try store.query(AuditQuery()).map(\.requestID) == ["r4", "r3", "r2"])
        }
    }

    @Test func aRecordOfAnotherTenantIsRefused() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "other")
            let error = #expect(throws: StoreError.self) { try store.append(Self.exampleRecord()) }
            #expect(error?.code == .invalidTenant)
            #expect(try store.query(AuditQuery()).isEmpty)
        }
    }

    @Test func migrationsRunOnceAndANewerSchemaIsRefused() throws {
        try withTemporaryDirectory { dir in
            do {
                let store = try AuditStore(directory: dir, tenant: "acme")
                try store.append(Self.exampleRecord())
                store.close()
            }
            let reopened = try AuditStore(directory: dir, tenant: "acme")
            #expect(try reopened.query(AuditQuery()).count == 1)
            reopened.close()
            let raw = try SQLiteConnection(path: dir + "/audit.sqlite")
            #expect(try raw.scalarInt("PRAGMA user_version") == Int64(AuditStore.migrations.steps.count))
            let journal = try raw.statement("PRAGMA journal_mode")
            #expect(try journal.step())
            #expect(journal.text(0) == "wal")
            journal.reset()
            try raw.execute("PRAGMA user_version = 99")
            let error = #expect(throws: StoreError.self) { try AuditStore(directory: dir, tenant: "acme") }
            #expect(error?.code == .schemaTooNew)
        }
    }

    @Test func anExistingWorldReadableFileIsTightenedTo0600() throws {
        try withTemporaryDirectory { dir in
            #expect(FileManager.default.createFile(atPath: dir + "/audit.sqlite", contents: Data(), attributes: [.posixPermissions: 0o644]))
            let store = try AuditStore(directory: dir, tenant: "acme")
            try store.append(Self.exampleRecord())
            #expect(mode(dir + "/audit.sqlite") == 0o600)
        }
    }

    @Test func appendAfterCloseThrows() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            store.close()
            #expect(throws: StoreError.self) { try store.append(Self.exampleRecord()) }
        }
    }

    @Test func oversizedFieldsAreClippedOnACharacterBoundary() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            var record = Self.exampleRecord()
            record.resource = String(repeating: "é", count: 10_000)
            let id = try store.append(record)
            let read = try #require(try store.record(id: id)?.resource)
            #expect(read.utf8.count <= AuditStore.maxFieldBytes)
            #expect(read.hasSuffix("…"))
            #expect(read.dropLast().allSatisfy { $0 == "é" })
        }
    }

    @Test func aStoreCannotBeOpenedInsideAFile() throws {
        try withTemporaryDirectory { dir in
            #expect(FileManager.default.createFile(atPath: dir + "/file", contents: Data()))
            #expect(throws: StoreError.self) { try AuditStore(directory: dir + "/file", tenant: "acme") }
            #expect(throws: StoreError.self) { try AuditStore(directory: dir + "/file/sub", tenant: "acme") }
        }
    }
}
