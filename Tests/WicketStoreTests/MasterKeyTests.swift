import Foundation
import Testing

@testable import WicketStore

@Suite struct MasterKeyTests {
    @Test func createdFileHasMode0600AndLoadsBackTheSameKey() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/master.key"
            let previous = umask(0)  // even with a permissive umask
            defer { umask(previous) }
            let created = try MasterKey.create(at: path)
            #expect(mode(path) == 0o600)
            #expect(FileManager.default.contents(atPath: path)?.count == 32)
            let loaded = try MasterKey.load(from: path)
            #expect(loaded.id == created.id)
            #expect(!"\(loaded)".contains(String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)))
        }
    }

    @Test func createNeverOverwritesAnExistingFile() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/master.key"
            let first = try MasterKey.create(at: path)
            #expect(throws: StoreError.self) { try MasterKey.create(at: path) }
            #expect(try MasterKey.load(from: path).id == first.id)
        }
    }

    @Test(arguments: [0o640, 0o604, 0o644, 0o660, 0o700 | 0o007])
    func loadRefusesGroupOrOtherPermissions(permissions: Int) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/master.key"
            _ = try MasterKey.create(at: path)
            chmod(path, mode_t(permissions))
            #expect(throws: StoreError.self) { try MasterKey.load(from: path) }
        }
    }

    @Test func loadRefusesWrongSizeSymlinksAndMissingFiles() throws {
        try withTemporaryDirectory { dir in
            for (name, size) in [("short", 31), ("long", 33), ("empty", 0)] {
                let path = "\(dir)/\(name).key"
                #expect(
                    FileManager.default.createFile(
                        atPath: path, contents: Data(repeating: 7, count: size), attributes: [.posixPermissions: 0o600]))
                #expect(throws: StoreError.self) { try MasterKey.load(from: path) }
            }
            _ = try MasterKey.create(at: dir + "/real.key")
            symlink(dir + "/real.key", dir + "/link.key")
            #expect(throws: StoreError.self) { try MasterKey.load(from: dir + "/link.key") }
            #expect(throws: StoreError.self) { try MasterKey.load(from: dir + "/missing.key") }
            #expect(throws: StoreError.self) { try MasterKey.load(from: dir) }
        }
    }
}
