/// A value that cannot go into an nginx config, with a code and a sentence the operator can act on.
public struct NginxConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case invalidListen
        case invalidUpstreamURL
        case invalidServerName
        case invalidSocketPath
        case invalidMCPPath
        case invalidPrefix
        case invalidLimit
        case invalidUser
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
