import Foundation

/// The master keys in one directory (`master-<id>.key`, mode 0600), looked up by id.
///
/// A running server holds a ring; when a row names a key id it has not loaded (another process
/// rotated the master key), the ring re-reads the directory once, so rotation needs no restart.
public final class MasterKeyRing: @unchecked Sendable {
    // @unchecked Sendable: `keys` is only read and written under `lock`.
    public let directory: String
    private let lock = NSLock()
    private var keys: [String: MasterKey] = [:]

    /// Loads every `master-*.key` file in `directory` (creating the directory, mode 0700, if missing).
    public init(directory: String) throws(StoreError) {
        self.directory = directory
        try StoreFiles.ensureDirectory(directory)
        try reload()
    }

    /// The ids of the keys currently loaded.
    public var ids: [String] {
        lock.lock()
        defer { lock.unlock() }
        return keys.keys.sorted()
    }

    /// Creates a new key file in the directory and adds it to the ring.
    public func generate() throws(StoreError) -> MasterKey {
        let temporary = StoreFiles.join(directory, ".master-new-\(UInt64.random(in: .min ... .max)).key")
        let key = try MasterKey.create(at: temporary)
        let final = StoreFiles.join(directory, "master-\(key.id).key")
        guard rename(temporary, final) == 0 else {
            unlink(temporary)
            throw StoreError(.masterKey, "cannot install master key `\(final)`: \(String(cString: strerror(errno)))")
        }
        lock.lock()
        keys[key.id] = key
        lock.unlock()
        return key
    }

    /// Re-reads the directory. A file with a bad mode or size is an error, not silently skipped.
    public func reload() throws(StoreError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw StoreError(.masterKey, "cannot list master keys in `\(directory)`: \(error.localizedDescription)")
        }
        var loaded: [String: MasterKey] = [:]
        for name in names where name.hasPrefix("master-") && name.hasSuffix(".key") {
            let key = try MasterKey.load(from: StoreFiles.join(directory, name))
            loaded[key.id] = key
        }
        lock.lock()
        keys = loaded
        lock.unlock()
    }

    /// The key with `id`, re-reading the directory once when it is not loaded.
    func key(id: String) throws(StoreError) -> MasterKey? {
        if let key = cached(id) { return key }
        try reload()
        return cached(id)
    }

    /// The only key of the ring, if it holds exactly one.
    func single() -> MasterKey? {
        lock.lock()
        defer { lock.unlock() }
        return keys.count == 1 ? keys.values.first : nil
    }

    private func cached(_ id: String) -> MasterKey? {
        lock.lock()
        defer { lock.unlock() }
        return keys[id]
    }
}
