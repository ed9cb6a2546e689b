extension FastCGIServer {
    /// How the responder listens and how much it accepts.
    public struct Configuration: Sendable, Equatable {
        /// Absolute path of the Unix socket nginx's `fastcgi_pass unix:` points at.
        /// Default `/run/wicket/wicket.sock`.
        public var socketPath: String
        /// Permission bits of the socket. Default `0o660`: owner and group only.
        public var socketMode: UInt32
        /// Group owning the socket (name or numeric id), normally nginx's (`www-data` on Debian).
        /// nil keeps the process's group. Default nil.
        public var socketGroup: String?
        /// Event-loop threads. Each reads the requests of the connections it accepted and hands each to
        /// the handler; a handler that answers later through its responder does not hold the loop.
        /// Default 8 (`wicket serve` passes `server.threads`, 32).
        public var threadCount: Int
        /// Requests being read or waiting for their answer, at most (each holds a slot until its answer
        /// is written, RequestSlots.swift); past it no further request is read and nothing is
        /// accepted. nil means 4 × ``threadCount``.
        public var requestsInFlight: Int?
        /// Largest body read into memory; a longer one arrives as ``FastCGIRequest/Body/tooLarge(limit:)``.
        /// Default 1 MiB.
        public var maxBodyBytes: Int
        /// `listen(2)` backlog. Default 128.
        public var backlog: Int32
        /// How long ``FastCGIServer/wait()`` lets in-flight requests finish after shutdown before
        /// returning anyway. Default 10 seconds.
        public var shutdownGracePeriod: Duration
        /// The params handed to the handler (``FastCGIParamSelection``); the others are never turned
        /// into strings. Default ``FastCGIParamSelection/all``.
        public var params: FastCGIParamSelection
        /// Whether each event loop moves its own thread to SCHED_BATCH when it starts (only from the
        /// default SCHED_OTHER; BatchScheduling.swift). Default false (`server.batch_scheduling`).
        public var batchScheduling: Bool

        public init(
            socketPath: String = "/run/wicket/wicket.sock",
            socketMode: UInt32 = 0o660,
            socketGroup: String? = nil,
            threadCount: Int = 8,
            maxBodyBytes: Int = 1 << 20,
            backlog: Int32 = 128,
            shutdownGracePeriod: Duration = .seconds(10),
            params: FastCGIParamSelection = .all,
            requestsInFlight: Int? = nil,
            batchScheduling: Bool = false
        ) {
            self.requestsInFlight = requestsInFlight
            self.batchScheduling = batchScheduling
            self.socketPath = socketPath
            self.socketMode = socketMode
            self.socketGroup = socketGroup
            self.threadCount = threadCount
            self.maxBodyBytes = maxBodyBytes
            self.backlog = backlog
            self.shutdownGracePeriod = shutdownGracePeriod
            self.params = params
        }

        /// ``requestsInFlight``, or its default.
        var inFlightLimit: Int { requestsInFlight ?? threadCount * 4 }

        func validate() throws {
            if let limit = requestsInFlight, !(1...65_536).contains(limit) {
                throw FastCGIError(.invalidConfiguration, "the requests in flight must be between 1 and 65536, not \(limit)")
            }
            guard (1...1024).contains(threadCount) else {
                throw FastCGIError(.invalidConfiguration, "the thread count must be between 1 and 1024, not \(threadCount)")
            }
            guard maxBodyBytes >= 0, maxBodyBytes <= 1 << 30 else {
                throw FastCGIError(.invalidConfiguration, "the body limit must be between 0 and 1 GiB, not \(maxBodyBytes) bytes")
            }
            guard socketMode <= 0o777 else {
                throw FastCGIError(.invalidConfiguration, "the socket mode must be a permission mode such as 0660")
            }
            guard backlog > 0 else {
                throw FastCGIError(.invalidConfiguration, "the backlog must be positive, not \(backlog)")
            }
        }
    }
}
