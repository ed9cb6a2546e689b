/// A syntax error in policy text, with where it happened and a caret under the spot.
public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unexpectedToken, invalidLiteral, invalidEscape, unknownFunction, wrongArity
        case invalidScope, duplicateKey, tooDeep, invalidName, invalidTemplateLink
    }
    public let code: Code
    public let message: String
    public let location: SourceLocation
    /// The source line the error is on.
    public let sourceLine: String

    public init(code: Code, message: String, location: SourceLocation, sourceLine: String) {
        self.code = code
        self.message = message
        self.location = location
        self.sourceLine = sourceLine
    }

    /// `file:line:col: error: message`, then the line and a caret under the column.
    public var description: String {
        let pad = String(repeating: " ", count: max(0, location.column - 1))
        return "\(location): error: \(message)\n  \(sourceLine)\n  \(pad)^"
    }
}
