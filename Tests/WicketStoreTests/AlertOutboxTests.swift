import Foundation
import Testing

@testable import WicketStore

/// The alert outbox: a row per `@alert` name of a committed record, in the record's transaction,
/// worked off by the dispatcher's marks.
@Suite struct AlertOutboxTests {
    static func alerting(_ names: [String], requestID: String = "req-a") -> AuditRecord {
        var record = AuditStoreTests.exampleRecord(requestID: requestID)
        record.policies = names.map { .init(id: "rule-\($0)", annotations: ["alert": $0]) }
        return record
    }

    @Test func aRecordWithAnAlertGetsItsOutboxRowInTheSameCommit() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let quiet = try store.append(AuditStoreTests.exampleRecord())
            let loud = try store.append(Self.alerting(["oncall", "security", "oncall"]))
            let rows = try store.outbox()
            #expect(rows.map(\.recordID) == [loud, loud])
            #expect(rows.map(\.alert) == ["oncall", "security"], "each name once, none for the record without @alert")
            #expect(rows.allSatisfy { $0.state == "pending" && $0.attempts == 0 })
            #expect(quiet != loud)
            let due = try store.dueAlerts(now: Date())
            #expect(due.map(\.record.id) == [loud, loud])
            #expect(due.first?.record.requestID == "req-a")
            #expect(due.map(\.alert) == ["oncall", "security"], "the outbox columns are read after every audit column")
        }
    }

    @Test func aFailedCommitLeavesNoOutboxRow() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            var wrongTenant = Self.alerting(["oncall"])
            wrongTenant.tenant = "other"
            #expect(throws: StoreError.self) { try store.append(contentsOf: [Self.alerting(["oncall"]), wrongTenant]) }
            #expect(try store.outbox().isEmpty)
        }
    }

    @Test func marksMoveRowsThroughTheirStates() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            for index in 0..<3 { try store.append(Self.alerting(["oncall"], requestID: "r\(index)")) }
            let due = try store.dueAlerts(now: Date())
            #expect(due.count == 3)
            let later = Date().addingTimeInterval(60)
            try store.record([
                .delivered(id: due[0].id, sinks: ["webhook#0", "slack#0"]),
                .deferred(id: due[1].id, deliveredSinks: ["webhook#0"], nextAttempt: later, error: "slack#0: HTTP 500"),
                .abandoned(id: due[2].id, deliveredSinks: [], error: "no sink"),
            ])
            let rows = try store.outbox()
            #expect(rows.map(\.state) == ["delivered", "pending", "abandoned"])
            #expect(rows.map(\.attempts) == [1, 1, 1])
            #expect(rows[1].deliveredSinks == ["webhook#0"] && rows[1].lastError == "slack#0: HTTP 500")
            #expect(try store.dueAlerts(now: Date()).isEmpty, "the deferred row is not due before its next attempt")
            let retry = try store.dueAlerts(now: later.addingTimeInterval(1))
            #expect(retry.map(\.id) == [due[1].id] && retry.first?.deliveredSinks == ["webhook#0"])
            #expect(abs((try store.nextAlertDue() ?? .distantPast).timeIntervalSince(later)) < 0.001)
        }
    }

    @Test func theOutboxSurvivesReopeningAndPruningRemovesIt() throws {
        try withTemporaryDirectory { dir in
            do {
                let store = try AuditStore(directory: dir, tenant: "acme")
                try store.append(Self.alerting(["oncall"]))
                store.close()
            }
            let reopened = try AuditStore(directory: dir, tenant: "acme")
            #expect(try reopened.dueAlerts(now: Date()).count == 1)
            try reopened.prune(olderThan: Date())
            #expect(try reopened.outbox().isEmpty)
        }
    }
}
