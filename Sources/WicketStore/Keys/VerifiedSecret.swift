import Crypto

/// A member key's secret that was found to hash to its row's `secret_sha256`, remembered with that
/// row in the key cache (`KeyStore`'s `ReadCache`), so the next request presenting the very same
/// secret skips SHA-256.
///
/// Why that is exact: a secret is remembered only after its SHA-256 equalled the row's stored hash,
/// and only beside a row with that same stored hash (`KeyStore.lookup` checks it), so a remembered
/// secret always hashes to the hash beside it. A presented secret that equals it byte for byte (all
/// 32 bytes, compared in constant time) hashes to the same value: the answer is the one hashing would
/// give. Any other secret, one byte apart or entirely different, is hashed and compared as before.
/// Nothing else about the key is decided here: the row (member, agent, revocation) is the cache's,
/// dropped the moment anything commits to `keys.sqlite` (a revocation by the CLI in another process
/// included), and the remembered secret goes with it. The secret stays in this process's memory,
/// like the presented key it came from; it is never written, logged or described.
struct VerifiedSecret {
    private let bytes: [UInt8]

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The secret, when its SHA-256 is `storedHash` (else nil: it must not be remembered).
    static func verify(_ secret: [UInt8], against storedHash: [UInt8]) -> VerifiedSecret? {
        matches(secret, storedHash) ? VerifiedSecret(secret) : nil
    }

    /// Whether `secret` is this one, every byte compared (constant time).
    func isSecret(_ secret: [UInt8]) -> Bool {
        KeyStore.constantTimeEqual(bytes, secret)
    }

    /// Whether SHA-256 of `secret` is `storedHash`, compared in constant time without an array for the digest.
    static func matches(_ secret: [UInt8], _ storedHash: [UInt8]) -> Bool {
        let digest = SHA256.hash(data: secret)
        return digest.withUnsafeBytes { hash in
            guard hash.count == storedHash.count else { return false }
            var difference: UInt8 = 0
            for i in 0..<hash.count { difference |= hash[i] ^ storedHash[i] }
            return difference == 0
        }
    }
}
