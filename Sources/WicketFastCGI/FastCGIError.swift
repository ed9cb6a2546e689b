/// A failure of the FastCGI responder, with a code and a sentence an operator can act on.
public struct FastCGIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for programmatic handling.
    public enum Code: String, Sendable, Equatable {
        /// The socket path is too long, relative, or otherwise unusable.
        case invalidSocketPath
        /// Another process is already listening on the socket path.
        case socketInUse
        /// A file that is not a socket sits at the socket path; it is never removed.
        case socketPathOccupied
        /// A system call needed to set up the socket failed.
        case socketSetupFailed
        /// The configured group does not exist.
        case unknownGroup
        /// The configuration is inconsistent (thread count, limits).
        case invalidConfiguration
        /// `start()` was called twice or after shutdown.
        case alreadyStarted
        /// An event loop's epoll set or eventfd, or a thread, could not be created.
        case initialisationFailed
        /// Installing the signal handlers failed.
        case signalSetupFailed
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
