/// An error found while parsing or resolving a schema, with the source position when known.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem the schema has.
    public enum Code: String, Sendable, Hashable {
        case syntax
        case invalidJSON
        case duplicateDeclaration
        case undeclaredType
        case undeclaredAction
        case actionCycle
        case invalidDeclaration
        case unsupported
    }

    public var code: Code
    /// A lowercase sentence a user can act on; user input appears in backticks.
    public var message: String
    public var file: String
    /// 1-based line, or 0 when the position is unknown (JSON schemas).
    public var line: Int
    /// 1-based column, or 0 when unknown.
    public var column: Int

    public init(_ code: Code, _ message: String, file: String = "", line: Int = 0, column: Int = 0) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        if line > 0 {
            return "\(file.isEmpty ? "<schema>" : file):\(line):\(column): \(message)"
        }
        return file.isEmpty ? message : "\(file): \(message)"
    }
}
