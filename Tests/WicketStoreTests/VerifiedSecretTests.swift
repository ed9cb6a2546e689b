import Foundation
import Testing

@testable import WicketStore

/// A key whose secret was verified once is answered without SHA-256 while its row stays in memory
/// (`VerifiedSecret`): only the very same 32 bytes match, and a commit to `keys.sqlite` by another
/// handle (the CLI in another process) forgets it with the row.
@Suite struct VerifiedSecretTests {
    static let alex = "alex@company.com"

    /// Authenticates `key` until its `last used` write (a commit, in the background) is behind it, so
    /// what is in memory afterwards stays there for the rest of the test (the next write is a minute away).
    static func settle(_ store: KeyStore, _ key: PresentedKey) throws {
        #expect(try store.authenticate(key) != nil)
        _ = try store.list()  // waits for this process's pending `last used` writes
        #expect(try store.authenticate(key) != nil)
    }

    @Test func aSecretOneByteApartFromTheVerifiedOneIsNeverAccepted() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            let issued = try store.issue(member: Self.alex, agent: "agent")
            let key = try PresentedKey.parse(issued.key)
            try Self.settle(store, key)
            #expect(try store.isVerifiedInMemory(key))
            for position in 0..<key.secret.count {
                for flip: UInt8 in [0x01, 0x80] {
                    var secret = key.secret
                    secret[position] ^= flip
                    let other = PresentedKey(tenant: "acme", keyID: key.keyID, secret: secret)
                    #expect(try store.lookup(other) == .unknown, "byte \(position) changed")
                    #expect(try !store.isVerifiedInMemory(other))
                }
            }
            // A shorter or longer secret for the same id (never parsed, but the store must not care).
            let short = PresentedKey(tenant: "acme", keyID: key.keyID, secret: Array(key.secret.dropLast()))
            #expect(try store.lookup(short) == .unknown)
            // The wrong ones did not replace the verified one.
            #expect(try store.isVerifiedInMemory(key))
            #expect(try store.authenticate(key) != nil)
        }
    }

    @Test func aWrongSecretPresentedFirstDoesNotStopTheRightOneBeingVerifiedNext() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            let issued = try store.issue(member: Self.alex, agent: "agent")
            let key = try PresentedKey.parse(issued.key)
            var wrong = key.secret
            wrong[0] ^= 0xFF
            // The row is kept on this miss, but nothing is verified.
            #expect(try store.lookup(PresentedKey(tenant: "acme", keyID: key.keyID, secret: wrong)) == .unknown)
            #expect(try !store.isVerifiedInMemory(key))
            try Self.settle(store, key)
            #expect(try store.isVerifiedInMemory(key))
        }
    }

    @Test func aRevocationByAnotherHandleForgetsTheVerifiedSecretAndRefusesTheNextLookup() throws {
        try withTemporaryDirectory { dir in
            let server = try KeyStore(directory: dir, tenant: "acme")
            let cli = try KeyStore(directory: dir, tenant: "acme")
            let issued = try cli.issue(member: Self.alex, agent: "agent")
            let other = try cli.issue(member: "sam@company.com", agent: "agent")
            let key = try PresentedKey.parse(issued.key)
            let otherKey = try PresentedKey.parse(other.key)
            try Self.settle(server, otherKey)
            try Self.settle(server, key)
            #expect(try server.isVerifiedInMemory(key))
            try cli.revoke(keyID: issued.keyID)
            #expect(
                try server.lookup(key)
                    == .revoked(AuthenticatedKey(keyID: issued.keyID, tenant: "acme", member: Self.alex, agent: "agent")))
            #expect(try server.authenticate(key) == nil)
            // The other member's key is still accepted, verified again after the commit.
            #expect(try server.authenticate(otherKey) != nil)
            #expect(try server.isVerifiedInMemory(otherKey))
        }
    }

    @Test func aKeyOfAnotherTenantWithTheSameIDAndSecretIsUnknown() throws {
        try withTemporaryDirectory { dir in
            let store = try KeyStore(directory: dir, tenant: "acme")
            let key = try PresentedKey.parse(try store.issue(member: Self.alex, agent: "agent").key)
            #expect(try store.authenticate(key) != nil)
            #expect(try store.lookup(PresentedKey(tenant: "other", keyID: key.keyID, secret: key.secret)) == .unknown)
        }
    }
}
