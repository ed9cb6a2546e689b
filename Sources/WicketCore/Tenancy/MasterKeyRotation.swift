import WicketStore

/// `creds rotate-master-key --to ID`: on PostgreSQL, to a key every node already holds; SQLite
/// (one node) has no other node to wait for and rotates to a freshly made key instead.
public enum MasterKeyRotation {
    public static func rotate(_ store: any SealedCredentialStore, to id: String) throws -> MasterKey {
        if let shared = store as? PGCredentialStore { return try shared.rotateMasterKey(to: id) }
        throw ConfigError("`--to` is for tenants on postgresql; on sqlite run `wicket creds rotate-master-key` without it")
    }
}
