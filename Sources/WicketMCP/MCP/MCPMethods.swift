import WicketJSON

/// The methods a client may send on each protocol revision, as the revision's own schema defines them.
///
/// Each set is the union of the revision's `ClientRequest` and `ClientNotification` types in
/// `schema/<revision>/schema.ts` of modelcontextprotocol/modelcontextprotocol (the "Client messages"
/// section at the end of the file). Client *responses* carry no method: they answer the revision's
/// `ServerRequest` union (`ClientResult`), and the classifier refuses them on 2026-07-28, whose schema
/// defines no `ServerRequest`.
///
/// Comparison is byte for byte (UTF-8), never Swift `String ==` (canonical equivalence): a method is
/// defined only when its bytes are exactly those of a method in the set. No case folding, no Unicode
/// normalisation, no trimming.
public enum MCPMethods {
    /// `schema/2025-03-26/schema.ts` (and `schema.json`): ClientRequest = Ping, Initialize, Complete,
    /// SetLevel, GetPrompt, ListPrompts, ListResources, ListResourceTemplates, ReadResource, Subscribe,
    /// Unsubscribe, CallTool, ListTools; ClientNotification = Cancelled, Progress, Initialized,
    /// RootsListChanged.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    static let v2025_03_26: [String] = [
        "ping", "initialize", "completion/complete", "logging/setLevel", "prompts/get", "prompts/list",
        "resources/list", "resources/templates/list", "resources/read", "resources/subscribe",
        "resources/unsubscribe", "tools/call", "tools/list",
        "notifications/cancelled", "notifications/progress", "notifications/initialized",
        "notifications/roots/list_changed",
    ]

    /// `schema/2025-06-18/schema.ts`: the same ClientRequest and ClientNotification unions as 2025-03-26
    /// (elicitation adds a server request, `elicitation/create`, whose answer is a client response).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    static let v2025_06_18: [String] = v2025_03_26

    /// `schema/2025-11-25/schema.ts`: 2025-06-18's unions plus the tasks utility — GetTaskRequest
    /// (`tasks/get`), GetTaskPayloadRequest (`tasks/result`), ListTasksRequest (`tasks/list`),
    /// CancelTaskRequest (`tasks/cancel`) and TaskStatusNotification (`notifications/tasks/status`).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    static let v2025_11_25: [String] =
        v2025_06_18 + [
            "tasks/get", "tasks/result", "tasks/list", "tasks/cancel", "notifications/tasks/status",
        ]

    /// `schema/2026-07-28/schema.ts` (the stateless revision, as far as Wicket supports it):
    /// ClientRequest = Discover (`server/discover`), Complete, GetPrompt, ListPrompts, ListResources,
    /// ListResourceTemplates, ReadResource, SubscriptionsListen (`subscriptions/listen`), CallTool,
    /// ListTools; ClientNotification = Cancelled. No initialize, ping, logging, subscribe pair, progress,
    /// roots or tasks.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    static let v2026_07_28: [String] = [
        "server/discover", "completion/complete", "prompts/get", "prompts/list", "resources/list",
        "resources/templates/list", "resources/read", "subscriptions/listen", "tools/call", "tools/list",
        "notifications/cancelled",
    ]

    /// The client-to-server methods (requests and notifications) `version` defines, in schema order.
    public static func defined(in version: MCPProtocolVersion) -> [String] {
        switch version {
        case .v2025_03_26: v2025_03_26
        case .v2025_06_18: v2025_06_18
        case .v2025_11_25: v2025_11_25
        case .v2026_07_28: v2026_07_28
        }
    }

    /// Each revision's methods as UTF-8 bytes, indexed by byte length: a look-up compares the bytes of
    /// the few methods of the same length and makes no copy of the asked name.
    private static func byLength(_ methods: [String]) -> [[[UInt8]]] {
        var table: [[[UInt8]]] = []
        for method in methods {
            let bytes = Array(method.utf8)
            while table.count <= bytes.count { table.append([]) }
            table[bytes.count].append(bytes)
        }
        return table
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    private static let bytes2025_03_26 = byLength(v2025_03_26)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    private static let bytes2025_06_18 = byLength(v2025_06_18)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    private static let bytes2025_11_25 = byLength(v2025_11_25)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    private static let bytes2026_07_28 = byLength(v2026_07_28)

    /// Whether `method` is, byte for byte, a client method of `version`.
    public static func isDefined(_ method: String, in version: MCPProtocolVersion) -> Bool {
        let table =
            switch version {
            case .v2025_03_26: bytes2025_03_26
            case .v2025_06_18: bytes2025_06_18
            case .v2025_11_25: bytes2025_11_25
            case .v2026_07_28: bytes2026_07_28
            }
        let length = method.utf8.count
        guard length < table.count else { return false }
        return table[length].contains { ExactText.equal(method, bytes: $0) }
    }

    /// Every method any supported revision defines (for the schema generator and the action groups).
    public static var all: [String] {
        var seen = Set<[UInt8]>()
        var out: [String] = []
        for version in MCPProtocolVersion.allCases {
            for method in defined(in: version) where seen.insert(Array(method.utf8)).inserted { out.append(method) }
        }
        return out
    }
}
