/// A member key as presented by a client, parsed strictly: `wk_<tenant>_<keyid>_<secret>`.
///
/// - `tenant`: `[a-z0-9-]{1,32}` (no `_`, so the first `_` after it ends it);
/// - `keyid`: 16 lowercase hex digits (64 random bits, public: it names the row);
/// - `secret`: 43 base64url characters, the canonical unpadded encoding of 32 random bytes.
///
/// The description never shows the secret.
public struct PresentedKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The tenant the key belongs to; route the request to that tenant's stores only.
    public let tenant: String
    /// The public key id (as shown by `wicket keys list`).
    public let keyID: String
    /// The 32 secret bytes.
    let secret: [UInt8]

    static let keyIDLength = 16
    static let secretLength = 43
    /// The longest valid key; anything longer is rejected before any other work.
    /// (`wk_`, a 32-character tenant, the key id, the secret and their two `_`: a constant the
    /// compiler folds, where a count of the prefix string was a lazily made global looked at on every parse.)
    static let maxLength = 3 + 32 + 1 + keyIDLength + 1 + secretLength

    init(tenant: String, keyID: String, secret: [UInt8]) {
        self.tenant = tenant
        self.keyID = keyID
        self.secret = secret
    }

    /// Parses a presented key string; any deviation from the format is a `KeyFormatError`.
    public static func parse(_ text: String) throws(KeyFormatError) -> PresentedKey {
        var text = text
        return try text.withUTF8 { parse(bytes: $0) }.get()
    }

    /// Parses the key in a slice of a longer string (the `Authorization` header after `Bearer `),
    /// reading its bytes in place: no string or array of them is made first.
    public static func parse(_ text: Substring) throws(KeyFormatError) -> PresentedKey {
        var text = text
        return try text.withUTF8 { parse(bytes: $0) }.get()
    }

    /// The parse itself, over the key's UTF-8 bytes in place; only the tenant, the key id and the
    /// secret are copied out of them.
    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Result<PresentedKey, KeyFormatError> {
        guard !bytes.isEmpty else { return .failure(KeyFormatError(.empty, "the key is empty")) }
        guard bytes.count <= maxLength else {
            return .failure(KeyFormatError(.tooLong, "the key is longer than any wicket key (\(bytes.count) bytes)"))
        }
        // `wk_` by its three bytes (the generic `starts(with: prefix.utf8)` stepped the literal's view).
        guard bytes.count >= 3, bytes[0] == UInt8(ascii: "w"), bytes[1] == UInt8(ascii: "k"), bytes[2] == UInt8(ascii: "_") else {
            return .failure(KeyFormatError(.badPrefix, "the key does not start with `wk_`"))
        }
        var index = 3  // after `wk_`
        // Tenant: up to the next underscore.
        var tenantEnd = index
        while tenantEnd < bytes.count && bytes[tenantEnd] != UInt8(ascii: "_") { tenantEnd += 1 }
        guard tenantEnd < bytes.count else { return .failure(KeyFormatError(.truncated, "the key is truncated after its tenant")) }
        let tenantBytes = UnsafeBufferPointer(rebasing: bytes[index..<tenantEnd])
        guard Names.isValidTenant(bytes: tenantBytes) else {
            return .failure(KeyFormatError(.badTenant, "the key's tenant is not 1 to 32 characters of a-z, 0-9 and -"))
        }
        index = tenantEnd + 1
        // Key id: exactly 16 lowercase hex digits, then an underscore.
        guard bytes.count >= index + keyIDLength + 1 else {
            return .failure(KeyFormatError(.truncated, "the key is truncated in its key id"))
        }
        let idBytes = UnsafeBufferPointer(rebasing: bytes[index..<(index + keyIDLength)])
        guard idBytes.allSatisfy(isLowerHex) else {
            return .failure(KeyFormatError(.badKeyID, "the key id must be 16 lowercase hexadecimal digits"))
        }
        index += keyIDLength
        guard bytes[index] == UInt8(ascii: "_") else {
            return .failure(KeyFormatError(.badKeyID, "the key id must be 16 lowercase hexadecimal digits"))
        }
        index += 1
        let secretBytes = UnsafeBufferPointer(rebasing: bytes[index...])
        guard secretBytes.count == secretLength else {
            return .failure(
                KeyFormatError(
                    secretBytes.count < secretLength ? .truncated : .badSecret,
                    "the key's secret must be 43 base64url characters"))
        }
        guard let secret = Base64URL.decode32(secretBytes) else {
            return .failure(KeyFormatError(.badSecret, "the key's secret is not valid base64url"))
        }
        return .success(
            PresentedKey(
                tenant: String(decoding: tenantBytes, as: UTF8.self), keyID: String(decoding: idBytes, as: UTF8.self),
                secret: secret))
    }

    /// The full key string (only ever produced once, at issue time).
    var keyString: String { "wk_\(tenant)_\(keyID)_\(Base64URL.encode(secret))" }

    public var description: String { "wk_\(tenant)_\(keyID)_<redacted>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["tenant": tenant, "keyID": keyID, "secret": "<redacted>"])
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }
}

/// Why a presented key string is not a well-formed Wicket key. Never contains the key.
public struct KeyFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case empty
        case tooLong = "too_long"
        case badPrefix = "bad_prefix"
        case truncated
        case badTenant = "bad_tenant"
        case badKeyID = "bad_key_id"
        case badSecret = "bad_secret"
    }
    public let code: Code
    public let message: String
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code.rawValue): \(message)" }
}
