/// An error from a Wicket store: a stable code and a lowercase sentence an operator can act on.
///
/// Messages may carry SQLite's own message and file paths, never a bound value, a key or a secret.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, stable across releases.
    public enum Code: String, Sendable, Equatable {
        /// The SQLite file could not be opened or created.
        case openFailed = "open_failed"
        /// A statement failed (I/O error, disk full, constraint, corrupt file).
        case sqlite = "sqlite"
        /// The database is locked by another writer for longer than the busy timeout.
        case busy = "busy"
        /// A tenant name does not match `[a-z0-9-]{1,32}`.
        case invalidTenant = "invalid_tenant"
        /// A member, agent or server name is empty, too long or contains control characters.
        case invalidName = "invalid_name"
        /// A credential secret is empty or larger than the limit.
        case invalidSecret = "invalid_secret"
        /// No key with that id exists.
        case unknownKey = "unknown_key"
        /// The key is revoked (e.g. asked to rotate a revoked key).
        case keyRevoked = "key_revoked"
        /// The master key file is missing, malformed or readable by group/other.
        case masterKey = "master_key"
        /// A sealed credential failed to open (tampered, moved, or sealed under an unknown key).
        case sealedCredential = "sealed_credential"
        /// The store was closed.
        case closed = "closed"
        /// The file was written by a newer Wicket (its schema version is unknown).
        case schemaTooNew = "schema_too_new"
        /// PostgreSQL cannot be reached, or the connection broke (the request is refused with 503).
        case postgresUnavailable = "postgres_unavailable"
        /// A PostgreSQL statement failed (permission, constraint, …).
        case postgres = "postgres"
        /// A migration between stores found the copy differs from the source.
        case migrationMismatch = "migration_mismatch"
    }

    /// The stable code.
    public let code: Code
    /// A lowercase sentence without secrets or bound values.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
