import Foundation

/// A key just issued: the only moment the full key string exists. Its description is redacted.
public struct IssuedKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The public key id.
    public let keyID: String
    /// The full key (`wk_<tenant>_<keyid>_<secret>`) to hand to the member once; not stored anywhere.
    public let key: String
    public var description: String { "IssuedKey(\(keyID), <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["keyID": keyID, "key": "<redacted>"]) }
}

/// The identity a valid, unrevoked key stands for.
public struct AuthenticatedKey: Sendable, Equatable {
    public let keyID: String
    public let tenant: String
    public let member: String
    public let agent: String
}

/// One row of `wicket keys list`: never the key or its hash.
public struct KeyInfo: Sendable, Equatable {
    public let keyID: String
    public let member: String
    public let agent: String
    public let created: Date
    /// Updated at most once a minute per key.
    public let lastUsed: Date?
    public let revoked: Date?
}
