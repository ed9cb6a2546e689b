import Foundation

/// Values made once per key and kept under a lock, for the request path's caches (GeoIP answers by
/// address, Cedar requests by message). Bounded: at `capacity` entries it is emptied and refills with
/// what is asked for, so keys sprayed at the server cost a `make` per request, never unbounded memory.
/// The lock is not held while a value is made; two callers may both make one, and the later wins.
///
/// The value last asked for (found or made) is kept beside the table and offered to the caller's
/// `isFor` before the table: a run of requests for one key (one member calling one tool, one client
/// address) skips the key's hashing and the table's probe. `isFor` compares the value's own key with
/// the asked one by bytes, so the last value is used exactly when the table would give it; it is one
/// of the table's values (made over what the table is kept with), so it is invalidated with them.
final class BoundedTable<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `entries` is only read and written under `lock`.
    private let lock = NSLock()
    private var entries: [Key: Value] = [:]
    private var last: Value?
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The value kept for `key`, else `make()`'s, kept (a throw keeps nothing). `isFor(v)`: whether
    /// `v` is the value of `key` (its key equals `key` as the table's `==` would say).
    func value<Failure: Error>(
        for key: Key, isFor: (Value) -> Bool, make: () throws(Failure) -> Value
    ) throws(Failure) -> Value {
        lock.lock()
        if let last, isFor(last) {
            lock.unlock()
            return last
        }
        let found = entries[key]
        if let found { last = found }
        lock.unlock()
        if let found { return found }
        let made = try make()
        lock.lock()
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = made
        last = made
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
