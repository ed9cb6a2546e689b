import Foundation
import WicketJSON

/// Rows of one SQLite store file kept in memory for exactly as long as nothing has been committed
/// to that file, by this process or any other (the CLI, another `wicket serve`).
///
/// What invalidates it, and why that is exact: every `find` first asks the file's `CommitWatch`
/// whether a commit happened since the last look; if one did, every entry is dropped before the
/// answer. A change that committed before a request began is therefore never answered from memory,
/// and the store's own writes (a touch, a claim) count as commits like any other. A row read from
/// the database is kept only if no look saw a commit between the `find` that missed and the `keep`
/// (`Ticket`): a read racing a commit could otherwise re-insert the old row after the drop. A row
/// kept from a read that began after an unseen commit is newer than memory, and the next `find`
/// sees that commit and drops it anyway.
///
/// Only rows that exist are meant to be kept, so unknown ids sprayed at the server cannot grow it;
/// past `maxEntries` it starts over.
final class ReadCache<Value>: @unchecked Sendable {
    // @unchecked Sendable: `entries`, `generation` and the watch are only touched under `lock`.
    private let lock = NSLock()
    private let watch: CommitWatch
    private var entries: [ExactKey: Value] = [:]
    private var generation: UInt64 = 0
    private let maxEntries: Int

    /// Proof that nothing was committed since a `find` missed, as far as the cache has looked.
    struct Ticket {
        fileprivate let generation: UInt64
    }

    enum Found {
        case hit(Value)
        case miss(Ticket)
    }

    /// `path` must already be a WAL database (the store has opened and migrated it).
    init(path: String, maxEntries: Int) throws(StoreError) {
        watch = try CommitWatch(path: path)
        self.maxEntries = maxEntries
    }

    /// The kept value for `key`, unless anything has committed to the file since it was kept.
    /// Throws when the file cannot be checked: the caller fails closed.
    func find(_ key: ExactKey) throws(StoreError) -> Found {
        lock.lock()
        defer { lock.unlock() }
        if try watch.changed() {
            entries.removeAll(keepingCapacity: true)
            generation &+= 1
        }
        if let value = entries[key] { return .hit(value) }
        return .miss(Ticket(generation: generation))
    }

    /// Keeps `value`, read from the database after the `find` that gave `ticket`, unless a commit
    /// has been seen since.
    func keep(_ value: Value, for key: ExactKey, ticket: Ticket) {
        lock.lock()
        defer { lock.unlock() }
        guard ticket.generation == generation else { return }
        if entries.count >= maxEntries { entries.removeAll(keepingCapacity: true) }
        entries[key] = value
    }

    /// Changes the value kept for `key` in place, when one is kept. For what the value itself makes
    /// true whatever read it came from (a key's verified secret is checked against the kept row's own
    /// hash): a commit seen since the caller's `find` may have replaced the entry.
    func update(_ key: ExactKey, _ change: (inout Value) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard let index = entries.index(forKey: key) else { return }
        change(&entries.values[index])
    }

    /// Drops every entry (the store is closing).
    func removeAll() {
        lock.lock()
        entries.removeAll()
        generation &+= 1
        lock.unlock()
    }
}

/// A cache key compared byte for byte: `String`'s `==` and hashing treat canonically equivalent
/// names as one, and two members whose names differ only so must never share a credential.
///
/// One or two parts, kept as the strings themselves (a retain each, or nothing for a small string)
/// rather than a new byte array (a malloc and a free per lookup, three lookups per request). Parts
/// compare one by one and each part's hash ends with its length (``ExactText``), so no two lists of
/// parts are one key: ("ab", "c") and ("a", "bc") differ.
struct ExactKey: Hashable, Sendable {
    private let first: String
    private let second: String?

    init(_ first: String) {
        self.first = first
        second = nil
    }

    init(_ first: String, _ second: String) {
        self.first = first
        self.second = second
    }

    static func == (a: ExactKey, b: ExactKey) -> Bool {
        guard ExactText.equal(a.first, b.first) else { return false }
        switch (a.second, b.second) {
        case (nil, nil): return true
        case (let x?, let y?): return ExactText.equal(x, y)
        default: return false
        }
    }

    func hash(into hasher: inout Hasher) {
        ExactText.hash(first, into: &hasher)
        if let second { ExactText.hash(second, into: &hasher) } else { hasher.combine(UInt8(0xFF)) }
    }
}
