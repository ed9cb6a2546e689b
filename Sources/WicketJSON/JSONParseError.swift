/// Why a byte sequence is not the strict JSON Wicket accepts, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Equatable {
        case emptyInput
        case tooLarge
        case byteOrderMark
        case unexpectedEnd
        case unexpectedByte
        case invalidUTF8
        case controlCharacter
        case invalidEscape
        case loneSurrogate
        case invalidNumber
        case duplicateKey
        case tooDeep
        case trailingData
    }

    public let code: Code
    /// The byte offset (from 0) at which the problem was found.
    public let offset: Int
    /// A lowercase sentence naming the problem, without the offset; never quotes input values.
    public let reason: String
    /// A lowercase sentence naming the problem and the offset; never quotes input values.
    public var message: String { "\(reason) at byte \(offset)" }

    init(_ code: Code, at offset: Int, _ reason: String) {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    public var description: String { message }
}
