/// The answer to give nginx, as plain HTTP: a status, headers and a body. The server layer writes it
/// in its transport's form (a CGI response over FastCGI).
///
/// On allow this is `200` with `X-Accel-Redirect: @wicket_mcp` and no body; nginx then replays the
/// request to the MCP server. A 200 without `X-Accel-Redirect` would reach the client as an empty
/// 200, so the core never answers so.
public struct Reply: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var status: Int
    public var headers: [Header]
    public var body: [UInt8]

    public init(status: Int, headers: [Header] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `200` that tells nginx to continue in the named location, keeping the method and body.
    static func internalRedirect(to location: String, headers: [Header]) -> Reply {
        var all: [Header] = []
        all.reserveCapacity(headers.count + 1)
        all.append(Header("X-Accel-Redirect", location))
        all.append(contentsOf: headers)
        return Reply(status: 200, headers: all)
    }

    /// A JSON answer (`Content-Type: application/json`).
    static func json(status: Int, body: String, headers: [Header]) -> Reply {
        var all: [Header] = []
        all.reserveCapacity(headers.count + 1)
        all.append(Header("Content-Type", "application/json"))
        all.append(contentsOf: headers)
        return Reply(status: status, headers: all, body: Array(body.utf8))
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
