/// Which member an MCP session (`Mcp-Session-Id`) belongs to: the interface a session store implements.
///
/// The tenant's SQLite `SessionStore` implements it today; a shared PostgreSQL store would implement
/// the same four calls (`claim` as `INSERT … ON CONFLICT DO NOTHING` followed by a read, in one
/// statement or transaction), so the pipeline never knows which backend it talks to.
///
/// Rules every implementation keeps:
/// - A binding is keyed by (tenant, server, session id) and names one member.
/// - `claim` is atomic: when two members present a fresh id at once, exactly one insert wins and
///   both callers see the winner's member.
/// - A binding idle for longer than the idle timeout is expired: nobody may use it again, not even
///   its member (the client starts a new session). An ended binding (after `DELETE`) is the same.
///   Expired and ended rows are kept as tombstones for ``SessionBindingRules/tombstoneMicros`` so an
///   old id cannot be claimed anew by someone else, then purged.
public protocol SessionBindings: Sendable {
    /// The binding of `sessionID` on `server`, refreshing its last use when the caller is its member
    /// and the stored last use is older than ``SessionBindingRules/refreshMicros``. Never inserts.
    func lookup(server: String, sessionID: String, member: String, now: Int64) throws(StoreError) -> SessionBinding.State

    /// Binds `sessionID` on `server` to `member` unless it is bound already (first wins), then
    /// answers as `lookup` does for `member`.
    func claim(server: String, sessionID: String, member: String, now: Int64) throws(StoreError) -> SessionBinding.State

    /// Marks the binding ended (after an allowed `DELETE`); later requests with the id are refused.
    func end(server: String, sessionID: String, now: Int64) throws(StoreError)

    /// Deletes tombstones older than the retention; returns how many.
    @discardableResult
    func purge(now: Int64) throws(StoreError) -> Int
}

/// A stored binding, as the pipeline needs it.
public enum SessionBinding {
    public enum State: Sendable, Equatable {
        /// Nobody has presented the id yet (only `lookup` answers this).
        case unbound
        /// Bound to the asking member and usable.
        case owned
        /// Bound to another member (named for the audit record, never for the client).
        case boundToOther(member: String)
        /// Bound to the asking member but idle past the timeout, or ended by `DELETE`.
        case expired
    }
}

/// Timing rules shared by every implementation.
public struct SessionBindingRules: Sendable, Equatable {
    /// A binding unused for this long is expired.
    public var idleTimeoutMicros: Int64
    /// Last use is written at most this often per session, so the hot path stays read-mostly.
    public var refreshMicros: Int64 = 60_000_000
    /// Expired and ended bindings are kept this long before `purge` deletes them (7 days).
    public var tombstoneMicros: Int64 = 7 * 86_400_000_000

    public init(idleTimeoutSeconds: Int) {
        idleTimeoutMicros = Int64(idleTimeoutSeconds) * 1_000_000
    }
}
