import Foundation

/// Polls `condition` until it holds or `seconds` pass; returns whether it held (a wait on a
/// condition, never a fixed sleep followed by an assertion).
@discardableResult
public func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() >= deadline { return false }
        usleep(1_000)
    }
    return true
}
