/// One reason a policy fails strict validation.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// An entity type that the schema does not declare.
        case unrecognizedEntityType
        /// An action that the schema does not declare.
        case unrecognizedActionID
        /// An entity id that is not one of its enumerated type's ids.
        case invalidEnumEntity
        /// The scope matches no action's principal and resource types.
        case invalidActionApplication
        /// An operand of the wrong type.
        case unexpectedType
        /// Two types that must agree do not (strict mode).
        case incompatibleTypes
        /// An attribute not declared for the type.
        case attributeNotFound
        /// An optional attribute read without a `has` guard.
        case unsafeOptionalAttributeAccess
        /// A tag read without a `hasTag` guard, or on a type without tags.
        case unsafeTagAccess
        /// An empty set literal `[]`.
        case emptySetForbidden
        /// An extension constructor with a non-literal or invalid argument, or a bad extension call.
        case extensionError
        /// Nesting too deep to check.
        case recursionLimit
    }

    public var code: Code
    /// The id of the policy the error is in.
    public var policyID: String
    /// A lowercase sentence a user can act on; user input appears in backticks.
    public var message: String
    /// Where the policy is, when it was parsed from text.
    public var location: SourceLocation?

    public init(_ code: Code, policyID: String, message: String, location: SourceLocation? = nil) {
        self.code = code
        self.policyID = policyID
        self.message = message
        self.location = location
    }

    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)for policy `\(policyID)`, \(message)"
    }

    /// The error with the offending source line and a caret under the offending text (see
    /// ``refinedLocation(in:)``), for terminals.
    public func rendered(source: String) -> String {
        guard let location = refinedLocation(in: source), location.line > 0 else { return description }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line <= lines.count else { return description }
        let line = lines[location.line - 1]
        let caret = String(repeating: " ", count: max(0, location.column - 1)) + "^"
        let prefix = "\(location.file):\(location.line):\(location.column): "
        return "\(prefix)for policy `\(policyID)`, \(message)\n  \(line)\n  \(caret)"
    }
}

/// A finding that does not fail validation.
public struct ValidationWarning: Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The policy's condition is false for every request the schema allows.
        case impossiblePolicy
    }

    public var code: Code
    public var policyID: String
    public var message: String
    public var location: SourceLocation?

    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)for policy `\(policyID)`, \(message)"
    }
}

/// The outcome of validating a policy set against a schema.
public struct ValidationResult: Sendable {
    /// Every error, policy by policy in input order.
    public var errors: [ValidationError]
    public var warnings: [ValidationWarning]
    /// Whether the policy set passes strict validation (no errors).
    public var passed: Bool { errors.isEmpty }

    /// The errors of one policy.
    public func errors(forPolicy id: String) -> [ValidationError] {
        errors.filter { $0.policyID == id }
    }
}
