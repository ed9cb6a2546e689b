import CMaxMindDB

/// A NULL-terminated array of C strings for `MMDB_aget_value`, allocated once and freed on deinit.
final class LookupPath: @unchecked Sendable {
    // @unchecked Sendable: written only in init, read-only afterwards.
    let dotted: String
    private let pointers: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let count: Int

    init(_ components: [String]) {
        dotted = components.joined(separator: ".")
        count = components.count
        pointers = .allocate(capacity: components.count + 1)
        for (index, component) in components.enumerated() {
            let cString = Array(component.utf8CString)
            let storage = UnsafeMutablePointer<CChar>.allocate(capacity: cString.count)
            storage.initialize(from: cString, count: cString.count)
            pointers[index] = UnsafePointer(storage)
        }
        pointers[components.count] = nil
    }

    deinit {
        for index in 0..<count { UnsafeMutablePointer(mutating: pointers[index])?.deallocate() }
        pointers.deallocate()
    }

    func withCPath<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        body(UnsafePointer(pointers))
    }
}
