import Crypto
import Foundation

/// Sealing and opening one credential row with ChaCha20-Poly1305, the same whichever store keeps
/// the sealed blob: the associated data binds it to tenant, member and server.
struct CredentialSealing {
    let tenant: String

    /// Associated data: a version tag and length-prefixed tenant, member, server (unambiguous even
    /// when a name contains a separator character).
    func associatedData(member: String, server: String) -> [UInt8] {
        var out = Array("wicket-credential-v1".utf8)
        for part in [tenant, member, server] {
            let bytes = Array(part.utf8)
            let length = UInt32(clamping: bytes.count)
            out += [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
            out += bytes
        }
        return out
    }

    func seal<Bytes: DataProtocol>(_ plaintext: Bytes, member: String, server: String, key: MasterKey) throws(StoreError) -> [UInt8] {
        do {
            let box = try ChaChaPoly.seal(plaintext, using: key.key, authenticating: associatedData(member: member, server: server))
            return Array(box.combined)
        } catch {
            throw StoreError(.sealedCredential, "cannot seal the credential: \(error)")
        }
    }

    func open(_ sealed: [UInt8], member: String, server: String, key: MasterKey) throws(StoreError) -> Secret {
        var plaintext: Data
        do {
            let box = try ChaChaPoly.SealedBox(combined: sealed)
            plaintext = try ChaChaPoly.open(box, using: key.key, authenticating: associatedData(member: member, server: server))
        } catch {
            throw StoreError(
                .sealedCredential,
                "the credential of `\(Names.printable(member))` for `\(Names.printable(server))` does not open: it was altered or belongs to another tenant, member or server"
            )
        }
        defer {
            plaintext.withUnsafeMutableBytes { buffer in
                if let base = buffer.baseAddress { explicit_bzero(base, buffer.count) }
            }
        }
        return plaintext.withUnsafeBytes { Secret(copying: $0) }
    }
}
