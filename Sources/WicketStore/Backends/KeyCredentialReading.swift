/// A key store that, when it reads a key's row from the database (not from memory), can read the
/// member's sealed credential for the request's server in the same statement (PostgreSQL: one round
/// trip instead of two for a request without a session whose key is not in memory).
///
/// Exactness: as ``SessionCredentialReading``: the credential is read by this request's own
/// statement, after the request arrived, never kept past the request, and opened (unsealed) only
/// when the request is allowed. A key answered from memory comes with no credential, and the caller
/// reads it on its own as before.
public protocol KeyCredentialReading: MemberKeyStore {
    /// `lookup`, and, when the key's row was read by a statement and the key is valid, the member's
    /// credential for `server` as that statement read it; else nil (the caller reads it itself).
    func lookup(
        _ key: PresentedKey, readingCredentialFor server: String
    ) throws(StoreError) -> (found: KeyLookup, credential: ReadCredential?)
}
