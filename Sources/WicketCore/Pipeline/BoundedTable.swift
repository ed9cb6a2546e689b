import Foundation

/// Values made once per key and kept under a lock, for the request path's caches (GeoIP answers by
/// address, Cedar requests by message). Bounded: at `capacity` entries it is emptied and refills with
/// what is asked for, so keys sprayed at the server cost a `make` per request, never unbounded memory.
/// The lock is not held while a value is made; two callers may both make one, and the later wins.
///
/// The entry last asked for (found or made) is kept beside the table and compared with the asked key
/// first, with the table's own `==` (the keys compare bytes): a run of requests for one key (one member
/// calling one tool, one client address) skips the key's hashing and the table's probe, and the last
/// value is used exactly when the table would give it. It is one of the table's values (made over what
/// the table is kept with), so it is invalidated with them.
final class BoundedTable<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `entries` is only read and written under `lock`.
    private let lock = NSLock()
    private var entries: [Key: Value] = [:]
    private var last: (key: Key, value: Value)?
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The value kept for `key`, else `make()`'s, kept (a throw keeps nothing).
    func value<Failure: Error>(for key: Key, make: () throws(Failure) -> Value) throws(Failure) -> Value {
        lock.lock()
        if let last, last.key == key {
            lock.unlock()
            return last.value
        }
        let found = entries[key]
        if let found { last = (key, found) }
        lock.unlock()
        if let found { return found }
        let made = try make()
        lock.lock()
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = made
        last = (key, made)
        lock.unlock()
        return made
    }

    /// How many entries are kept (tests).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
