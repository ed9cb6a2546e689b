/// A session store that can answer the session check and read the member's sealed credential for
/// the same server in one statement (PostgreSQL: one round trip instead of two per request).
///
/// Exactness: the credential is read by this request's own statement, after the request arrived,
/// exactly as the separate read did (a credential changed or removed by the CLI on any node before
/// the request is the one this request sees); it is never kept past the request, and it is opened
/// (unsealed) only when the request is allowed.
public protocol SessionCredentialReading: SessionBindings {
    /// `lookup`, and the member's credential for `server` as the same statement read it; nil when
    /// this store cannot read credentials (the caller reads it from the credential store).
    func lookupReadingCredential(
        server: String, sessionID: String, member: String, now: Int64
    ) throws(StoreError) -> (state: SessionBinding.State, credential: ReadCredential?)
}

/// A member's sealed credential as one request's statement read it; `reveal` opens it (nil when no
/// credential is stored), with the same errors as `SealedCredentialStore.reveal`.
public struct ReadCredential: Sendable {
    private let open: @Sendable () throws(StoreError) -> Secret?

    init(open: @escaping @Sendable () throws(StoreError) -> Secret?) { self.open = open }

    public func reveal() throws(StoreError) -> Secret? { try open() }
}
