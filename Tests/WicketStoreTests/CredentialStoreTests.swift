import Foundation
import Testing
import WicketTestSupport

@testable import WicketStore

@Suite struct CredentialStoreTests {
    /// A tenant directory with a master key ring holding one key.
    func makeStore(_ dir: String, tenant: String = "acme") throws -> CredentialStore {
        let ring = try MasterKeyRing(directory: dir + "/keys")
        if ring.ids.isEmpty { _ = try ring.generate() }
        return try CredentialStore(directory: dir + "/\(tenant)", tenant: tenant, ring: ring)
    }

    @Test func setRevealListRemove() throws {
        try withTemporaryDirectory { dir in
            let store = try makeStore(dir)
            let secret = Array("ghp_upstream-token-123".utf8)
            try store.set(member: "alex@company.com", server: "github", secret: secret)
            let revealed = try #require(try store.reveal(member: "alex@company.com", server: "github"))
            #expect(revealed.withUnsafeBytes { Array($0) } == secret)
            #expect(revealed.utf8String() == "ghp_upstream-token-123")
            #expect(try store.reveal(member: "alex@company.com", server: "other") == nil)
            #expect(try store.reveal(member: "sam@company.com", server: "github") == nil)
            let rows = try store.list()
            #expect(rows.map { "\($0.member) \($0.server)" } == ["alex@company.com github"])
            #expect(!"\(rows)".contains("ghp_upstream"))
            try store.set(member: "alex@company.com", server: "github", secret: Array("replaced".utf8))
            #expect(try store.reveal(member: "alex@company.com", server: "github")?.utf8String() == "replaced")
            #expect(try store.remove(member: "alex@company.com", server: "github"))
            #expect(try store.remove(member: "alex@company.com", server: "github") == false)
            #expect(try store.reveal(member: "alex@company.com", server: "github") == nil)
        }
    }

    @Test func secretDescriptionIsRedacted() throws {
        try withTemporaryDirectory { dir in
            let store = try makeStore(dir)
            try store.set(member: "a@x", server: "s", secret: Array("sentinel-9f2c".utf8))
            let secret = try #require(try store.reveal(member: "a@x", server: "s"))
            var dumped = ""
            dump(secret, to: &dumped)
            for text in ["\(secret)", String(reflecting: secret), dumped, "\([secret])"] {
                #expect(!text.contains("sentinel"))
            }
        }
    }

    @Test func tamperedCiphertextFailsToOpen() throws {
        try withTemporaryDirectory { dir in
            let store = try makeStore(dir)
            try store.set(member: "a@x", server: "s", secret: Array("secret-value".utf8))
            let raw = try SQLiteConnection(path: dir + "/acme/credentials.sqlite")
            // Flip one bit of the ciphertext (after the 12-byte nonce).
            let select = try raw.statement("SELECT sealed FROM credentials")
            #expect(try select.step())
            var sealed = try #require(select.blob(0))
            select.reset()
            sealed[14] ^= 1
            let update = try raw.statement("UPDATE credentials SET sealed = ?")
            try update.bind(.blob(sealed))
            try update.run()
            let error = #expect(throws: StoreError.self) { try store.reveal(member: "a@x", server: "s") }
            #expect(error?.code == .sealedCredential)
            try raw.execute("UPDATE credentials SET sealed = x'00'")
            #expect(throws: StoreError.self) { try store.reveal(member: "a@x", server: "s") }
        }
    }

    @Test func aRowCopiedToAnotherMemberServerOrTenantFailsToOpen() throws {
        try withTemporaryDirectory { dir in
            let acme = try makeStore(dir, tenant: "acme")
            let other = try makeStore(dir, tenant: "other")  // same master key ring
            try acme.set(member: "alex@company.com", server: "github", secret: Array("alex-token".utf8))
            let raw = try SQLiteConnection(path: dir + "/acme/credentials.sqlite")
            try raw.execute("INSERT INTO credentials SELECT 'mallory@company.com', server, key_id, sealed, updated_us FROM credentials")
            try raw.execute(
                "INSERT INTO credentials SELECT member, 'jira', key_id, sealed, updated_us FROM credentials WHERE member = 'alex@company.com'"
            )
            #expect(throws: StoreError.self) { try acme.reveal(member: "mallory@company.com", server: "github") }
            #expect(throws: StoreError.self) { try acme.reveal(member: "alex@company.com", server: "jira") }
            #expect(try acme.reveal(member: "alex@company.com", server: "github")?.utf8String() == "alex-token")
            // Copy to the other tenant's file.
            _ = try other.list()
            try raw.execute("ATTACH DATABASE '\(dir)/other/credentials.sqlite' AS o")
            try raw.execute(
                "INSERT INTO o.credentials SELECT * FROM main.credentials WHERE member = 'alex@company.com' AND server = 'github'")
            try raw.execute("INSERT INTO o.meta SELECT * FROM main.meta")
            #expect(throws: StoreError.self) { try other.reveal(member: "alex@company.com", server: "github") }
        }
    }

    @Test func emptyOrOversizedSecretsAreRefusedAndNothingIsWritten() throws {
        try withTemporaryDirectory { dir in
            let store = try makeStore(dir)
            #expect(throws: StoreError.self) { try store.set(member: "a@x", server: "s", secret: []) }
            #expect(throws: StoreError.self) {
                try store.set(member: "a@x", server: "s", secret: [UInt8](repeating: 65, count: 16 * 1024 + 1))
            }
            #expect(throws: StoreError.self) { try store.set(member: "", server: "s", secret: [1]) }
            #expect(throws: StoreError.self) { try store.set(member: "a@x", server: "bad\u{1}", secret: [1]) }
            #expect(try store.list().isEmpty)
            try store.set(member: "a@x", server: "s", secret: [UInt8](repeating: 65, count: 16 * 1024))
            #expect(try store.reveal(member: "a@x", server: "s")?.count == 16 * 1024)
        }
    }

    @Test func noMasterKeyIsAClearError() throws {
        try withTemporaryDirectory { dir in
            let ring = try MasterKeyRing(directory: dir + "/keys")
            let store = try CredentialStore(directory: dir + "/acme", tenant: "acme", ring: ring)
            let error = #expect(throws: StoreError.self) { try store.set(member: "a@x", server: "s", secret: [1]) }
            #expect(error?.code == .masterKey)
        }
    }

    @Test func theSecretIsNowhereInTheFiles() throws {
        try withTemporaryDirectory { dir in
            let store = try makeStore(dir)
            let sentinels = (0..<10).map { "SENTINEL-\($0)-c0ffee-\(UInt64.random(in: 0 ... .max))" }
            for (i, sentinel) in sentinels.enumerated() {
                try store.set(member: "m\(i)@x", server: "github", secret: Array(sentinel.utf8))
                _ = try store.reveal(member: "m\(i)@x", server: "github")
            }
            try store.rotateMasterKey()
            for i in 0..<10 { _ = try store.reveal(member: "m\(i)@x", server: "github") }
            try store.remove(member: "m0@x", server: "github")
            let bytes = rawFileBytes(dir + "/acme/credentials.sqlite")
            #expect(bytes.count > 0)
            for sentinel in sentinels { #expect(!contains(bytes, Array(sentinel.utf8))) }
            #expect(!contains(bytes, Array("SENTINEL".utf8)))
            #expect(mode(dir + "/acme/credentials.sqlite") == 0o600)
        }
    }

    @Test func masterKeyRotationKeepsEveryCredentialReadableWhileReadersRun() throws {
        try withTemporaryDirectory { dir in
            let admin = try makeStore(dir)
            for i in 0..<50 { try admin.set(member: "m\(i)@x", server: "s", secret: Array("secret-\(i)".utf8)) }
            let oldKeyID = try #require(try admin.currentMasterKeyID())
            // The running server: its own ring (loaded before the new key exists) and connections.
            let server = try CredentialStore(directory: dir + "/acme", tenant: "acme", ring: MasterKeyRing(directory: dir + "/keys"))
            let failures = Collector<String>()
            let done = Collector<Bool>()
            let reading = Collector<Int>()
            concurrently(5) { index in
                if index == 4 {
                    // Rotate while every reader is mid-round.
                    if !waitUntil({ reading.all.count == 4 }) { failures.append("the readers never started") }
                    do { try admin.rotateMasterKey() } catch { failures.append("rotate: \(error)") }
                    done.append(true)
                    return
                }
                var rounds = 0
                while done.all.isEmpty || rounds < 3 {
                    if rounds == 1 { reading.append(index) }
                    for i in 0..<50 {
                        do {
                            let value = try server.reveal(member: "m\(i)@x", server: "s")?.utf8String()
                            if value != "secret-\(i)" { failures.append("m\(i): \(value ?? "nil")") }
                        } catch {
                            failures.append("m\(i): \(error)")
                        }
                    }
                    rounds += 1
                }
            }
            #expect(failures.all.isEmpty)
            let newKeyID = try #require(try admin.currentMasterKeyID())
            #expect(newKeyID != oldKeyID)
            #expect(try admin.list().allSatisfy { $0.masterKeyID == newKeyID })
            try admin.set(member: "new@x", server: "s", secret: Array("after".utf8))
            #expect(try server.reveal(member: "new@x", server: "s")?.utf8String() == "after")
        }
    }

    @Test func aBadlyPermittedKeyFileInTheRingIsRefused() throws {
        try withTemporaryDirectory { dir in
            let ring = try MasterKeyRing(directory: dir)
            let key = try ring.generate()
            chmod("\(dir)/master-\(key.id).key", 0o644)
            #expect(throws: StoreError.self) { try MasterKeyRing(directory: dir) }
        }
    }
}
