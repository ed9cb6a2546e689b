import Foundation
import Testing

@testable import WicketStore

/// The single-value binds the audit insert uses (null, integer, text in place) check SQLite's answer
/// without touching their connection on success: a bind SQLite refuses must still throw, with the
/// connection's message and file.
@Suite struct SQLiteStatementBindTests {
    @Test func aBindSQLiteRefusesThrowsNamingTheFile() throws {
        try withTemporaryDirectory { dir in
            let connection = try SQLiteConnection(path: dir + "/binds.sqlite")
            let statement = try connection.statement("SELECT ?")
            // Parameter 2 does not exist: SQLITE_RANGE.
            #expect(throws: StoreError.self) { try statement.bindNull(at: 2) }
            #expect(throws: StoreError.self) { try statement.bind(Int64(1), at: 2) }
            let text = Array("alex@company.com".utf8)
            let error = text.withUnsafeBufferPointer { bytes in
                #expect(throws: StoreError.self) { try statement.bind(borrowedText: bytes, at: 2) }
            }
            #expect(error?.message.contains("binds.sqlite") == true)
            #expect(error?.message.contains("bind") == true)
        }
    }

    @Test func bindsInRangeAreRead() throws {
        try withTemporaryDirectory { dir in
            let connection = try SQLiteConnection(path: dir + "/binds.sqlite")
            let statement = try connection.statement("SELECT ?, ?, ?")
            let text = Array("delete_records".utf8)
            try text.withUnsafeBufferPointer { bytes throws(StoreError) in
                try statement.bind(Int64(42), at: 1)
                try statement.bindNull(at: 2)
                try statement.bind(borrowedText: bytes, at: 3)
                #expect(try statement.step())
                #expect(statement.int64(0) == 42 && statement.isNull(1) && statement.text(2) == "delete_records")
                statement.reset()
            }
        }
    }
}
