/// A request or entity that does not conform to the schema.
public struct SchemaConformanceError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case undeclaredAction
        case undeclaredEntityType
        case invalidPrincipalType
        case invalidResourceType
        case invalidEnumEntity
        case contextMismatch
        case attributeMismatch
        case undeclaredAttribute
        case missingAttribute
        case invalidParent
        case tagMismatch
        case actionMismatch
    }

    public var code: Code
    /// A lowercase sentence a user can act on; user input appears in backticks.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
