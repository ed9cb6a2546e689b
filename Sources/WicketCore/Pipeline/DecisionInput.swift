/// What the decision core is given: the facts nginx passes about one HTTP request, with no trace of
/// the transport that carried them (the server layer maps FastCGI params to this).
public struct DecisionInput: Sendable {
    /// The request body, or the fact that it was over the limit (read and discarded, never held).
    public enum Body: Sendable, Equatable {
        case complete([UInt8])
        case tooLarge(limit: Int)
    }

    /// The request headers the decision reads; nil when the client did not send one.
    public struct Headers: Sendable, Equatable {
        public var authorization: String?
        public var forwardedFor: String?
        public var traceparent: String?
        public var contentType: String?
        public var accept: String?
        public var mcpSessionID: String?
        public var mcpProtocolVersion: String?
        public var mcpMethod: String?
        public var mcpName: String?

        /// Inlinable, as ``DecisionInput/init(serverName:requestID:method:remoteAddress:headers:body:)``:
        /// the server module builds these per request, in place instead of through a copy.
        @inlinable
        public init(
            authorization: String? = nil, forwardedFor: String? = nil, traceparent: String? = nil,
            contentType: String? = nil, accept: String? = nil, mcpSessionID: String? = nil,
            mcpProtocolVersion: String? = nil, mcpMethod: String? = nil, mcpName: String? = nil
        ) {
            self.authorization = authorization
            self.forwardedFor = forwardedFor
            self.traceparent = traceparent
            self.contentType = contentType
            self.accept = accept
            self.mcpSessionID = mcpSessionID
            self.mcpProtocolVersion = mcpProtocolVersion
            self.mcpMethod = mcpMethod
            self.mcpName = mcpName
        }
    }

    /// The upstream this nginx location guards (`WICKET_SERVER`); nil when nginx named none.
    public var serverName: String?
    /// nginx's `$request_id`; a fresh id is made when it is absent or not hex.
    public var requestID: String?
    /// The HTTP method, e.g. `POST`.
    public var method: String
    /// The peer address nginx saw (`$remote_addr`).
    public var remoteAddress: String?
    public var headers: Headers
    public var body: Body

    @inlinable
    public init(
        serverName: String?, requestID: String?, method: String, remoteAddress: String?,
        headers: Headers, body: Body
    ) {
        self.serverName = serverName
        self.requestID = requestID
        self.method = method
        self.remoteAddress = remoteAddress
        self.headers = headers
        self.body = body
    }
}
