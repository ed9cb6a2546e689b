/// A problem in entity, context or request JSON.
public struct CedarJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case syntax, shape, entityUID, extensionValue, number, schemaType
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}
