import Foundation

/// One row of `wicket creds list`: never the secret.
public struct CredentialInfo: Sendable, Equatable {
    public let member: String
    public let server: String
    public let updated: Date
    /// The id of the master key the row is sealed under.
    public let masterKeyID: String
}
