/// An error raised while evaluating a policy; the authorizer skips the policy and reports it.
public struct EvaluationError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// An operand had the wrong type.
        case typeError
        /// An entity referenced for its attributes or tags is not in the store.
        case entityDoesNotExist
        /// A record or entity lacks the attribute, or an entity lacks the tag.
        case attributeDoesNotExist
        /// 64-bit integer overflow.
        case overflow
        /// An extension function rejected its input.
        case extensionError
        /// An unknown function, or the wrong number of arguments.
        case unknownFunction
        /// A template slot was evaluated without being linked.
        case unlinkedSlot
        /// Evaluation nested beyond the recursion limit.
        case tooDeep
    }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func type(expected: String, got v: Value) -> EvaluationError {
        EvaluationError(.typeError, "type error: expected \(expected), got \(v.typeName)")
    }
}
