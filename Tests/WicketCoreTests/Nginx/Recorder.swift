import Foundation

/// Thread-safe list of values a handler records.
final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value] = []
    func append(_ value: Value) { lock.lock(); values.append(value); lock.unlock() }
    var all: [Value] { lock.lock(); defer { lock.unlock() }; return values }
}

/// A gate a test handler waits at until the test opens it: a request held in flight for as long as
/// the test needs, instead of a handler that sleeps and hopes the test is quicker.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    private var waiting = 0

    func wait() {
        condition.lock()
        waiting += 1
        while !isOpen { condition.wait() }
        waiting -= 1
        condition.unlock()
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Handlers waiting at the gate now.
    var waiters: Int { condition.lock(); defer { condition.unlock() }; return waiting }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
@discardableResult
func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() >= deadline { return false }
        usleep(2_000)
    }
    return true
}
