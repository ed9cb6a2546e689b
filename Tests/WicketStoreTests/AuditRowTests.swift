import Foundation
import Testing

@testable import WicketStore

/// A record is encoded once into one buffer (`AuditRow`) and its text bound in place: every column
/// of every row of a commit reads back as written, the JSON columns keep their exact text, and an
/// empty text stays empty (not NULL).
@Suite struct AuditRowTests {
    /// A record whose every text column is its own (`n` in each), with JSON that needs escaping.
    static func distinct(_ n: Int) -> AuditRecord {
        var record = AuditRecord(
            tenant: "acme", member: "member\(n)@company.com", agent: "agent-\(n)", keyID: "key\(n)", sourceIP: "203.0.113.\(n % 250)",
            geoCountry: "C\(n)", geoRegion: "R\(n)", geoCity: "Zürich \(n)",
            server: "server\(n)", method: "tools/call", targetKind: n % 2 == 0 ? .tool : .prompt, targetName: "tool_\(n)",
            resource: "prod.\(n)", timeMicros: 1_776_308_658_123_456 + Int64(n), sessionID: "sess-\(n)", jsonrpcID: "\(n)",
            traceparent: n % 3 == 0 ? nil : "00-\(n)", requestID: "req-\(n)", batchIndex: n % 4 == 0 ? nil : n,
            decision: n % 2 == 0 ? .allow : .deny, httpStatus: 200 + n,
            policies: [
                .init(
                    id: "policy \"\(n)\"",
                    annotations: ["reason": "line\nbreak \(n)", "id": "p\(n)", "alert": n % 5 == 0 ? "page-\(n)" : ""]),
                .init(id: "second\(n)", annotations: ["id": "tab\there\\\(n)"]),
            ],
            contextValues: [.init(name: "context.time.hour", value: "\(n)"), .init(name: "context.geo.city", value: "é\u{1}\(n)")],
            errors: n % 2 == 0 ? [] : ["error \(n)", "second error"], latencyMicros: Int64(n * 7),
            shadowDecision: n % 3 == 1 ? .allow : nil)
        if n % 6 == 0 {
            record.listHidden = n
            record.listHiddenBy = ["(no permit)", "policy \(n)"]
        }
        return record
    }

    @Test func everyColumnOfEveryRowOfOneCommitReadsBackAsWritten() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            // 40 rows: a 32-row statement and an 8-row one, in one transaction.
            let records = (0..<40).map(Self.distinct)
            let ids = try store.append(contentsOf: records)
            #expect(ids.count == records.count)
            for (record, id) in zip(records, ids) {
                var expected = record
                expected.id = id
                #expect(try store.record(id: id) == expected)
            }
        }
    }

    /// A row is first written into a buffer of `AuditRow.firstCapacity` bytes; one that does not fit
    /// (here by a plain column, by escapes inside a JSON string, by a clipped value) is written again
    /// into a larger buffer, whole.
    @Test(arguments: [
        ("resource", AuditRow.firstCapacity),
        ("escapes", AuditRow.firstCapacity / 2),
        ("clipped", AuditStore.maxFieldBytes + 100),
    ])
    func aRowLargerThanItsFirstBufferIsWrittenWhole(kind: String, size: Int) throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            var record = Self.distinct(7)
            switch kind {
            case "resource": record.resource = String(repeating: "r", count: size)
            case "escapes": record.policies[0].annotations["reason"] = String(repeating: "\n\u{1}", count: size / 2)
            default: record.contextValues[0].value = String(repeating: "v\"", count: size)
            }
            let row = AuditRow(record)
            #expect(row.bytes.count > AuditRow.firstCapacity)
            #expect(row.columns.count == AuditRow.columnCount)
            let id = try store.append(record)
            var expected = record
            expected.id = id
            if kind == "clipped" { expected.contextValues[0].value = AuditStore.clip(record.contextValues[0].value) }
            #expect(try store.record(id: id) == expected)
        }
    }

    @Test func theJSONColumnsKeepTheirExactText() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            var record = AuditStoreTests.exampleRecord()
            record.policies = [
                .init(id: "p\"1", annotations: ["reason": "a\nb", "id": "x", "alert": "oncall"]), .init(id: "p2", annotations: ["id": "é"]),
                .init(id: "p3", annotations: ["reason": "r", "id": "i"]), .init(id: "p4", annotations: [:]),
            ]
            record.contextValues = [.init(name: "context.time.hour", value: "3\u{7F}")]
            record.errors = ["one", "two \\"]
            record.listHidden = 2
            record.listHiddenBy = ["(no permit)"]
            let id = try store.append(record)
            let raw = try SQLiteConnection(path: dir + "/audit.sqlite", readOnly: true)
            let select = try raw.statement("SELECT policies_json, context_json, errors_json, list_json FROM audit WHERE id = ?")
            try select.bind(.integer(id))
            #expect(try select.step())
            #expect(
                select.text(0)
                    == #"[{"annotations":{"alert":"oncall","id":"x","reason":"a\nb"},"id":"p\"1"},{"annotations":{"id":"é"},"id":"p2"},"#
                    + #"{"annotations":{"id":"i","reason":"r"},"id":"p3"},{"annotations":{},"id":"p4"}]"#)
            #expect(select.text(1) == #"[{"name":"context.time.hour","value":"3\u007f"}]"#)
            #expect(select.text(2) == #"["one","two \\"]"#)
            #expect(select.text(3) == #"{"by":["(no permit)"],"hidden":2}"#)
            select.reset()
        }
    }

    @Test func anEmptyTextIsStoredEmptyAndANilOneAsNull() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            var record = AuditStoreTests.exampleRecord()
            record.member = ""
            record.agent = nil
            let id = try store.append(record)
            let raw = try SQLiteConnection(path: dir + "/audit.sqlite", readOnly: true)
            let select = try raw.statement("SELECT member IS NULL, typeof(member), agent IS NULL FROM audit WHERE id = ?")
            try select.bind(.integer(id))
            #expect(try select.step())
            #expect(select.int64(0) == 0 && select.text(1) == "text" && select.int64(2) == 1)
            select.reset()
            #expect(try store.record(id: id)?.member == "")
        }
    }

    @Test func aLongJSONValueIsClippedLikeAColumn() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            var record = AuditStoreTests.exampleRecord()
            record.policies = [.init(id: "p", annotations: ["reason": String(repeating: "é", count: 5_000)])]
            let read = try #require(try store.record(id: try store.append(record)))
            let reason = try #require(read.policies.first?.annotations["reason"])
            #expect(reason.utf8.count <= AuditStore.maxFieldBytes && reason.hasSuffix("…"))
        }
    }

    @Test func thePostgreSQLValuesAreTheRowsColumns() {
        let record = Self.distinct(6)
        let values = AuditStore.values(record)
        #expect(values.count == AuditRow.columnCount)
        guard case .text(let policies) = values[21] else {
            Issue.record("policies_json is not text")
            return
        }
        #expect(policies == RowJSON.policies(record.policies))
        guard case .text(let list) = values[26] else {
            Issue.record("list_json is not text")
            return
        }
        #expect(list == #"{"by":["(no permit)","policy 6"],"hidden":6}"#)
    }
}

/// A new audit file is created with `AuditStore.pageSize`; a file created before keeps its own.
@Suite struct AuditPageSizeTests {
    @Test func aNewAuditFileHasTheSmallerPages() throws {
        try withTemporaryDirectory { dir in
            let store = try AuditStore(directory: dir, tenant: "acme")
            try store.append(AuditStoreTests.exampleRecord())
            let raw = try SQLiteConnection(path: dir + "/audit.sqlite", readOnly: true)
            #expect(try raw.scalarInt("PRAGMA page_size") == Int64(AuditStore.pageSize))
            #expect(AuditStore.pageSize != 4096, "SQLite's default; the audit chose smaller pages")
        }
    }

    @Test func anExistingFileKeepsItsPageSizeAndItsRecords() throws {
        try withTemporaryDirectory { dir in
            do {
                let old = try SQLiteConnection.openStore(path: dir + "/audit.sqlite", synchronous: "FULL", pageSize: 4096)
                try AuditStore.migrations.apply(to: old)
            }
            let store = try AuditStore(directory: dir, tenant: "acme")
            let id = try store.append(AuditStoreTests.exampleRecord())
            #expect(try store.record(id: id)?.requestID == "req-1")
            let raw = try SQLiteConnection(path: dir + "/audit.sqlite", readOnly: true)
            #expect(try raw.scalarInt("PRAGMA page_size") == 4096)
        }
    }
}
