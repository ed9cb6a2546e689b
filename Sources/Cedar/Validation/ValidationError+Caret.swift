extension ValidationError {
    /// A closer location for the error inside its policy's source text: the first place in the
    /// policy where the offending attribute, tag access, extension call, entity type or empty set
    /// is written. Falls back to the policy's start when nothing better is found.
    ///
    /// The policy AST carries no positions for sub-expressions, so this is a textual search within
    /// the policy (from its start to its closing `;`).
    public func refinedLocation(in source: String) -> SourceLocation? {
        guard let location else { return nil }
        let bytes = Array(source.utf8)
        guard location.offset >= 0, location.offset < bytes.count else { return location }
        let end = Self.policyEnd(bytes, from: location.offset)
        let policy = Array(bytes[location.offset..<end])
        for needle in needles() where !needle.isEmpty {
            if let at = Self.find(Array(needle.utf8), in: policy) {
                return Self.location(of: location.offset + at, in: bytes, file: location.file)
            }
        }
        return location
    }

    /// Texts to look for, best first.
    private func needles() -> [String] {
        let quoted = backticked
        switch code {
        case .attributeNotFound, .unsafeOptionalAttributeAccess:
            guard let name = quoted.first else { return [] }
            return [".\(name)", "\"\(name)\"", "has \(name)"]
        case .unsafeTagAccess:
            return ["getTag("]
        case .emptySetForbidden:
            return ["[]"]
        case .unrecognizedEntityType:
            guard let name = quoted.first else { return [] }
            return ["\(name)::", "is \(name)", name]
        case .unrecognizedActionID, .invalidEnumEntity:
            return quoted.prefix(1).flatMap { uid in [uid, uid.replacingOccurrences(of: "::\"", with: ":: \"")] }
        case .extensionError:
            if let call = quoted.first, let paren = call.firstIndex(of: "(") {
                return [call, String(call[...paren])]
            }
            return ["ip(", "decimal(", "datetime(", "duration("] + Extensions.methods.keys.sorted().map { ".\($0)(" }
        default:
            return []
        }
    }

    /// The backticked pieces of the message, in order.
    private var backticked: [String] {
        let parts = message.split(separator: "`", omittingEmptySubsequences: false)
        return stride(from: 1, to: parts.count, by: 2).map { String(parts[$0]) }
    }

    /// The offset just past the policy's terminating `;` (outside string literals).
    private static func policyEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var i = start
        var inString = false
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: ";") {
                return i + 1
            }
            i += 1
        }
        return bytes.count
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }

    private static func location(of offset: Int, in bytes: [UInt8], file: String) -> SourceLocation {
        var line = 1
        var column = 1
        for b in bytes.prefix(offset) {
            if b == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column, offset: offset)
    }
}
