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

/// What a presented key is, as `KeyStore.lookup` finds it.
public enum KeyLookup: Sendable, Equatable {
    /// Its secret matches and it is not revoked: the request is this identity's.
    case valid(AuthenticatedKey)
    /// Its secret matches but it is revoked: refused, and the record names whose key it was.
    case revoked(AuthenticatedKey)
    /// No such id, a wrong secret, or another tenant's key.
    case unknown
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
