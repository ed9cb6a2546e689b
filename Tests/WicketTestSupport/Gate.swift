import Foundation

/// A gate a test handler waits at until the test opens it: a request held in flight for as long as
/// the test needs, instead of a handler that sleeps and hopes the test is quicker.
public final class Gate: @unchecked Sendable {
    // @unchecked: every field is read and written only with `condition` locked.
    private let condition = NSCondition()
    private var isOpen = false
    private var waiting = 0

    public init() {}

    public func wait() {
        condition.lock()
        waiting += 1
        while !isOpen { condition.wait() }
        waiting -= 1
        condition.unlock()
    }

    public func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Handlers waiting at the gate now.
    public var waiters: Int { condition.lock(); defer { condition.unlock() }; return waiting }
}
