/// A GeoIP failure: a stable code and a lowercase sentence an operator can act on.
public struct GeoError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The database file is missing, unreadable or not a valid MaxMind DB.
        case openFailed = "open_failed"
        /// The string is not a numeric IPv4 or IPv6 address.
        case invalidAddress = "invalid_address"
        /// The lookup failed inside the database (corrupt data, IPv6 address in an IPv4-only database).
        case lookupFailed = "lookup_failed"
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
