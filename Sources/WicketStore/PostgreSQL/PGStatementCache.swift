/// The statements one connection has prepared on its server session (`PQprepare`), by SQL text, so
/// each per-request statement is parsed and planned once per connection instead of on every request.
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
    private var names: [String: String] = [:]
    private var next = 0

    /// The name `sql` was prepared under on this session, if it was.
    func name(of sql: String) -> String? { names[sql] }

    /// A fresh statement name, or nil when the cache is full (run the statement unprepared).
    mutating func reserve() -> String? {
        guard names.count < Self.capacity else { return nil }
        next += 1
        return "wicket_\(next)"
    }

    mutating func remember(_ sql: String, as name: String) { names[sql] = name }
}
