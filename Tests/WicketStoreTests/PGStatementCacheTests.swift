import Testing

@testable import WicketStore

/// A prepared statement is found again by its identity, never by another statement's.
@Suite struct PGStatementCacheTests {
    static func key(_ sql: StaticString) -> PGStatementKey? { PGStatementKey(sql) }
    static func readKey() -> PGStatementKey? { key("SELECT member FROM member_keys WHERE key_id = $1") }

    @Test("one literal is one key; two literals, even of one length, are two")
    func literals() throws {
        let first = try #require(Self.readKey())
        #expect(Self.readKey() == first)
        let other = try #require(Self.key("SELECT member FROM member_keys WHERE key_id = $2"))
        #expect(other != first)
        #expect(Self.key("SELECT 1") != Self.key("SELECT 2"))
    }

    @Test("the audit insert is one key per batch size, its text a function of the size alone")
    func auditInserts() {
        #expect(PGStatementKey.auditInsert(rows: 3) == .auditInsert(rows: 3))
        #expect(PGStatementKey.auditInsert(rows: 3) != .auditInsert(rows: 4))
        #expect(PGAuditStore.insertSQL(rows: 3) == PGAuditStore.insertSQL(rows: 3))
        #expect(
            PGAuditStore.insertSQL(rows: 2).hasSuffix(
                "($29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47, $48, $49, $50, $51, $52, $53, $54, $55, $56) RETURNING id"
            ))
    }

    @Test("a statement is found under the name it was prepared as, and the cache holds at most 96")
    func namesAndBound() throws {
        var cache = PGStatementCache()
        let literal = try #require(Self.readKey())
        #expect(cache.name(of: literal) == nil)
        let reserved = cache.reserve()
        let name = try #require(reserved)
        cache.remember(literal, as: name)
        #expect(cache.name(of: literal) == name)
        #expect(cache.name(of: .auditInsert(rows: 1)) == nil)
        for rows in 1..<PGStatementCache.capacity {
            let reserved = cache.reserve()
            let fresh = try #require(reserved)
            cache.remember(.auditInsert(rows: rows), as: fresh)
            #expect(fresh != name)
        }
        #expect(cache.reserve() == nil)
        #expect(cache.name(of: literal) == name)
        #expect(cache.name(of: .auditInsert(rows: PGStatementCache.capacity)) == nil)
    }
}
