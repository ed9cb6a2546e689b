/// The statements one connection has prepared on its server session (`PQprepare`), by statement
/// identity (``PGStatementKey``), so each per-request statement is parsed and planned once per
/// connection instead of on every request, and finding it costs hashing two integers, not its text
/// (the audit INSERT for a batch is ~10 KB).
///
/// What invalidates it: a prepared statement lives exactly as long as the server session that
/// prepared it. The cache belongs to one `PGConnection` (one session) and dies with it, so a new
/// connection — after a restart, a broken socket, or a new pool member — starts empty and prepares
/// again (Wicket never runs `DEALLOCATE`/`DISCARD`). The server re-plans a prepared statement itself
/// when a table it uses changes. A pooler between Wicket and PostgreSQL must keep protocol-level
/// prepared statements per client (PgBouncer ≥ 1.21 with `max_prepared_statements`, or session
/// pooling; docs/operations.md).
///
/// What bounds it: at most `capacity` statements per connection; a statement beyond that runs
/// unprepared (`PQexecParams`), as every statement did before. Wicket's per-request statements are
/// a handful, plus the audit insert for each batch size up to `PGAuditStore.preparedRows`.
///
/// Not thread-safe on its own: a connection is used by one thread at a time (`PGPool`, the audit
/// leader), and so is its cache.
struct PGStatementCache {
    static let capacity = 96
    private var names: [PGStatementKey: String] = [:]
    private var next = 0

    /// The name the statement `key` names was prepared under on this session, if it was.
    func name(of key: PGStatementKey) -> String? { names[key] }

    /// A fresh statement name, or nil when the cache is full (run the statement unprepared).
    mutating func reserve() -> String? {
        guard names.count < Self.capacity else { return nil }
        next += 1
        return "wicket_\(next)"
    }

    mutating func remember(_ key: PGStatementKey, as name: String) { names[key] = name }
}

/// Which statement text a prepared statement runs, cheap to hash and exact: two keys are equal only
/// when their texts are the same bytes.
enum PGStatementKey: Hashable {
    /// A fixed statement: the address and length of its text, a literal in the binary's read-only
    /// data. Equal keys are the same bytes of memory, so the same text; one text written twice may
    /// get two keys (two prepared statements of the same text, harmless).
    case literal(address: UInt, count: Int)
    /// The audit's multi-row INSERT for `rows` records: its text is a function of the count alone
    /// (`PGAuditStore.insertSQL`).
    case auditInsert(rows: Int)

    /// The key of a literal; nil when it has no pointer (a one-scalar literal, never an SQL statement).
    init?(_ sql: StaticString) {
        guard sql.hasPointerRepresentation else { return nil }
        self = .literal(address: UInt(bitPattern: sql.utf8Start), count: sql.utf8CodeUnitCount)
    }
}
