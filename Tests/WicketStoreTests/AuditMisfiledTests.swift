import Foundation
import Testing

@testable import WicketStore

/// Each tenant's audit takes only its own records: one record of another tenant anywhere in an append
/// refuses the whole append, names that record's tenant, and commits nothing (the check reads every
/// record in place, not only the first).
@Suite struct AuditMisfiledTests {
    static func records(tenants: [String]) -> [AuditRecord] {
        tenants.enumerated().map { index, tenant in
            var record = AuditStoreTests.exampleRecord(requestID: "req-\(index)")
            record.tenant = tenant
            record.batchIndex = index
            return record
        }
    }

    @Test func aRecordOfAnotherTenantAfterOwnOnesRefusesTheWholeAppend() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let error = #expect(throws: StoreError.self) {
                try store.append(contentsOf: Self.records(tenants: ["acme", "acme", "beta", "gamma"]))
            }
            #expect(error?.code == .invalidTenant)
            #expect(error?.message.contains("tenant `beta`") == true, "\(error?.message ?? "")")
            #expect(try store.query(AuditQuery()).isEmpty)
        }
    }

    @Test func theCompletingAppendRefusesItToo() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let outcomes = Collector<Result<[Int64], StoreError>>()
            store.append(contentsOf: Self.records(tenants: ["acme", "beta"])) { outcomes.append($0) }
            let outcome = outcomes.all.first
            guard case .failure(let error)? = outcome else {
                Issue.record("the append was not refused: \(String(describing: outcome))")
                return
            }
            #expect(error.code == .invalidTenant && error.message.contains("tenant `beta`"))
            #expect(try store.query(AuditQuery()).isEmpty)
        }
    }

    @Test func ownRecordsAreAllCommittedInOrder() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            let ids = try store.append(contentsOf: Self.records(tenants: ["acme", "acme", "acme"]))
            #expect(ids.count == 3)
            let read = try ids.map { id in try #require(try store.record(id: id)) }
            #expect(read.map(\.requestID) == ["req-0", "req-1", "req-2"])
            #expect(read.map(\.batchIndex) == [0, 1, 2])
        }
    }
}
