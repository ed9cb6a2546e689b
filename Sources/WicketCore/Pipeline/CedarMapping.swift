import Cedar
import WicketMCP

/// What one MCP message is, reduced to what the Cedar request needs.
struct MessageFacts: Sendable, Equatable {
    enum Target: Sendable, Equatable {
        case tool(String)
        case resource(String)
        case prompt(String)
        case none
    }

    /// The JSON-RPC method, or Wicket's name for what has none: `stream/open` (GET), `session/end`
    /// (DELETE), `client/response` (a client's answer to a server request).
    var method: String
    var target: Target
    /// The value of the tool's configured resource argument, when it has one and it is a string.
    var mappedResource: String?
}

/// Turns a message into Cedar's principal, action and resource in the upstream's namespace
/// (docs/policies.md, "The request Wicket evaluates"): a tool is an action whose parent is `Action::"tools/call"`; other methods are their own
/// action under `session` or `discovery`; the resource is the mapped argument, else the server.
///
/// Everything that does not depend on the message — the type names, the server entity, the action
/// groups, the action of every MCP method Wicket knows — is built once per upstream (the pipeline keeps
/// one mapping per upstream), so a request builds only its tool's action and its resource. A class, so
/// the request path passes one reference instead of copying every field.
final class CedarMapping: Sendable {
    let namespace: String
    let serverName: String
    let userType: Name
    let groupType: Name
    let actionType: Name
    let resourceType: Name
    let promptType: Name
    let serverUID: EntityUID
    private let server: Entity
    private let toolsCall: (uid: EntityUID, entity: Entity)
    /// Method → its action and that action's entities (itself with its group, and the group), for
    /// every reserved method; confirmed by bytes on lookup. `layer` is the server with those entities,
    /// their ancestors worked out once (they never depend on the tenant's entities: see ``resolve(_:over:)``).
    private let methodActions: [String: (method: String, action: EntityUID, entities: [Entity], layer: EntityLayer)]
    /// The server and `Action::"tools/call"`: what every tool call's own action and resource lie over.
    private let toolsCallLayer: EntityLayer
    /// `[Action::"tools/call"]` and `[the server]`: the parents of a tool's action and of a resource, built once.
    private let toolsCallParents: Set<EntityUID>
    private let serverParents: Set<EntityUID>

    init(namespace: String, serverName: String) {
        self.namespace = namespace
        self.serverName = serverName
        userType = Name("\(namespace)::User")
        groupType = Name("\(namespace)::Group")
        actionType = Name("\(namespace)::Action")
        resourceType = Name("\(namespace)::Resource")
        promptType = Name("\(namespace)::Prompt")
        serverUID = EntityUID(type: Name("\(namespace)::Server"), id: serverName)
        server = Entity(uid: serverUID, attributes: ["name": .string(serverName)])
        let toolsCallUID = EntityUID(type: actionType, id: "tools/call")
        toolsCall = (toolsCallUID, Entity(uid: toolsCallUID))
        toolsCallLayer = EntityLayer([server, toolsCall.entity])
        toolsCallParents = [toolsCallUID]
        serverParents = [serverUID]
        var actions: [String: (method: String, action: EntityUID, entities: [Entity], layer: EntityLayer)] = [:]
        for method in Self.reservedActionIDs {
            let (action, entities) = Self.methodAction(method, actionType: actionType)
            actions[method] = (method, action, entities, EntityLayer([server] + entities))
        }
        methodActions = actions
    }

    /// Methods that only keep a session alive; policies grant them with `action in Action::"session"`.
    static let sessionMethods: Set<String> = [
        "initialize", "server/discover", "ping", "notifications/initialized", "notifications/cancelled", "notifications/progress",
        "notifications/roots/list_changed", "notifications/tasks/status", "logging/setLevel", "subscriptions/listen",
        "stream/open", "session/end", "client/response",
    ]
    /// Methods that list what a server offers: `action in Action::"discovery"`.
    static let discoveryMethods: Set<String> = ["tools/list", "resources/list", "resources/templates/list", "prompts/list"]

    /// Action ids that name a method or an action group. Tools and methods share the `Action` type, so
    /// a tool called `session` would be the group every member is granted.
    /// Every MCP method of every supported revision is reserved too (`tasks/get`, …; each is its own action).
    static let reservedActionIDs: Set<String> = sessionMethods.union(discoveryMethods).union(MCPMethods.all).union([
        "session", "discovery", "tools/call", "resources/read", "resources/subscribe", "resources/unsubscribe",
        "prompts/get", "completion/complete",
    ])

    /// Why a message cannot be mapped without being mistaken for another action, or nil when it can:
    /// a tool named like a method or group, or a method named like a group.
    static func ambiguity(method: String, tool: String?) -> String? {
        if method == "tools/call", let tool, reservedActionIDs.contains(tool) {
            return "the tool name `\(tool)` is also the name of a Wicket action, so no policy can tell them apart; "
                + "the call is refused"
        }
        if method == "session" || method == "discovery" {
            return "`\(method)` is the name of a Wicket action group, not an MCP method; the message is refused"
        }
        return nil
    }

    func principal(member: String) -> EntityUID { EntityUID(type: userType, id: member) }

    /// A method's action and the entities it needs: the action in its group (`session`, `discovery`)
    /// and the group, or the action alone.
    private static func methodAction(_ method: String, actionType: Name) -> (EntityUID, [Entity]) {
        let action = EntityUID(type: actionType, id: method)
        let groupName = sessionMethods.contains(method) ? "session" : discoveryMethods.contains(method) ? "discovery" : nil
        guard let groupName else { return (action, [Entity(uid: action)]) }
        let group = EntityUID(type: actionType, id: groupName)
        return (action, [Entity(uid: action, parents: [group]), Entity(uid: group)])
    }

    /// The action, the resource, and the entities that exist only for this request (the action with
    /// its group, the resource with the server as parent, the server).
    func resolve(_ facts: MessageFacts) -> (action: EntityUID, resource: EntityUID, entities: [Entity]) {
        var entities: [Entity] = []
        entities.reserveCapacity(4)
        entities.append(server)

        let action: EntityUID
        if case .tool(let tool) = facts.target, facts.method == "tools/call" {
            action = EntityUID(type: actionType, id: tool)
            entities.append(Entity(uid: action, parents: [toolsCall.uid]))
            entities.append(toolsCall.entity)
        } else if let known = methodActions[facts.method], CodePoints.equal(known.method, facts.method) {
            // Swift's `String ==` (the dictionary's) would admit a canonically equivalent spelling; the bytes must match.
            action = known.action
            entities.append(contentsOf: known.entities)
        } else {
            let made = Self.methodAction(facts.method, actionType: actionType)
            action = made.0
            entities.append(contentsOf: made.1)
        }

        let resource = resource(of: facts)
        if let entity = resource.entity { entities.append(entity) }
        return (action, resource.uid, entities)
    }
}

extension CedarMapping {
    /// What ``resolve(_:)`` gives, with its entities laid over the tenant's `base` store: the same
    /// store as `LayeredEntityStore(base: base, overlay: resolve(facts).entities)`, but the server, the
    /// action groups and every known method's action come from layers built once per upstream, so a
    /// request builds only its tool's action and its resource. The layers are closed (every parent of
    /// theirs is in them), so their ancestors never depend on `base`, and no request entity replaces a
    /// layer entity (a tool's action differs from `tools/call`, checked below; a resource or prompt
    /// has a type of its own), which is when ``RequestEntities`` answers as the flat overlay does.
    func resolve(_ facts: MessageFacts, over base: Entities) -> (action: EntityUID, resource: EntityUID, store: RequestEntities) {
        var own: [Entity] = []
        own.reserveCapacity(2)
        let layer: EntityLayer
        let action: EntityUID
        if case .tool(let tool) = facts.target, facts.method == "tools/call" {
            action = EntityUID(type: actionType, id: tool)
            guard action != toolsCall.uid else {
                // Never served (a reserved name is refused before any decision); the flat overlay keeps the answer exact.
                let flat = resolve(facts)
                return (flat.action, flat.resource, RequestEntities(base: base, overlay: flat.entities))
            }
            own.append(Entity(uid: action, parents: toolsCallParents))
            layer = toolsCallLayer
        } else if let known = methodActions[facts.method], CodePoints.equal(known.method, facts.method) {
            action = known.action
            layer = known.layer
        } else {
            let made = Self.methodAction(facts.method, actionType: actionType)
            action = made.0
            layer = EntityLayer([server] + made.1)
        }

        let resource = resource(of: facts)
        if let entity = resource.entity { own.append(entity) }
        return (action, resource.uid, RequestEntities(base: base, layer: layer, adding: own))
    }

    /// The message's resource, and its entity (a named tool, resource or prompt, child of the server)
    /// when it is not the server itself.
    private func resource(of facts: MessageFacts) -> (uid: EntityUID, entity: Entity?) {
        let uid: EntityUID
        let name: String
        switch facts.target {
        case .tool:
            guard let mapped = facts.mappedResource else { return (serverUID, nil) }
            (uid, name) = (EntityUID(type: resourceType, id: mapped), mapped)
        case .resource(let uri):
            (uid, name) = (EntityUID(type: resourceType, id: uri), uri)
        case .prompt(let prompt):
            (uid, name) = (EntityUID(type: promptType, id: prompt), prompt)
        case .none:
            return (serverUID, nil)
        }
        var attributes = [ExactString: Value](minimumCapacity: 2)
        attributes[ContextKeys.name] = .string(name)
        attributes[ContextKeys.server] = .string(serverName)
        return (uid, Entity(uid: uid, attributes: attributes, parents: serverParents))
    }
}

/// The request facts that become `context`.
struct ContextFacts: Sendable {
    var time: RequestTime
    var sourceIP: String
    var geo: (country: String?, region: String?, city: String?)
    var agent: String
    var session: String?
    var server: String
    var method: String
    /// Parts made once and kept (the address's with its GeoIP answer, the millisecond's time): used
    /// when they answer for these facts, else built here (KeptContext.swift).
    var kept = KeptContext()

    /// Cedar's `context` record; nil when the source address is not an IP address.
    func cedarContext() -> Value? {
        typealias K = ContextKeys
        let sourceIPValue: Value
        let geoValue: Value
        if let address = kept.address, address.answers(self) {
            (sourceIPValue, geoValue) = (address.sourceIP, address.geoRecord)
        } else {
            guard let ip = IPAddr(parsing: sourceIP) else { return nil }
            (sourceIPValue, geoValue) = (.ext(.ipaddr(ip)), Self.geoRecord(geo))
        }
        let timeValue: Value
        if let kept = kept.time, kept.answers(time) { timeValue = kept.record } else { timeValue = Self.timeRecord(time) }
        // Sized up front: a dictionary that grows while it is filled is allocated and rehashed again.
        // The keys are `static let`s: their hashes were worked out once (ExactString), not per request.
        var record = [ExactString: Value](minimumCapacity: 7)
        record[K.time] = timeValue
        record[K.sourceIP] = sourceIPValue
        record[K.geo] = geoValue
        record[K.agent] = .string(agent)
        record[K.server] = .string(server)
        record[K.method] = .string(method)
        if let session { record[K.session] = .string(session) }
        return .record(record)
    }

    /// `context.geo`: the keys the GeoIP answer has (the empty record, nothing allocated, when none).
    static func geoRecord(_ geo: (country: String?, region: String?, city: String?)) -> Value {
        typealias K = ContextKeys
        guard geo.country != nil || geo.region != nil || geo.city != nil else { return .record([:]) }
        var record = [ExactString: Value](minimumCapacity: 3)
        if let country = geo.country { record[K.country] = .string(country) }
        if let region = geo.region { record[K.region] = .string(region) }
        if let city = geo.city { record[K.city] = .string(city) }
        return .record(record)
    }

    /// `context.time`: the local hour, minute, weekday and date, and `now` to the millisecond.
    static func timeRecord(_ time: RequestTime) -> Value {
        typealias K = ContextKeys
        var record = [ExactString: Value](minimumCapacity: 5)
        record[K.hour] = .long(Int64(time.hour))
        record[K.minute] = .long(Int64(time.minute))
        record[K.weekday] = .long(Int64(time.weekday))
        record[K.date] = .string(time.date)
        record[K.now] = .ext(.datetime(CedarDatetime(epochMilliseconds: millisecond(of: time))))
        return .record(record)
    }

    /// The millisecond `context.time.now` holds.
    static func millisecond(of time: RequestTime) -> Int64 { time.microseconds / 1000 }

    /// Which of the context's optional keys this request has (`session`, `geo.country`, `geo.region`,
    /// `geo.city`): with the value types fixed by ``cedarContext()``, what alone decides whether the
    /// context conforms to a schema's context type (``ContextConformance``).
    var shape: ContextShape {
        var bits: UInt8 = 0
        if session != nil { bits |= 1 }
        if geo.country != nil { bits |= 2 }
        if geo.region != nil { bits |= 4 }
        if geo.city != nil { bits |= 8 }
        return ContextShape(bits: bits)
    }
}

/// The context record's keys (and a resource entity's `name`), hashed once per process.
enum ContextKeys {
    static let name: ExactString = "name"
    static let time: ExactString = "time", sourceIP: ExactString = "source_ip", geo: ExactString = "geo"
    static let agent: ExactString = "agent", server: ExactString = "server", method: ExactString = "method"
    static let session: ExactString = "session"
    static let hour: ExactString = "hour", minute: ExactString = "minute", weekday: ExactString = "weekday"
    static let date: ExactString = "date", now: ExactString = "now"
    static let country: ExactString = "country", region: ExactString = "region", city: ExactString = "city"
}

/// The optional keys one context has (see ``ContextFacts/shape``): one of 16.
struct ContextShape: Sendable, Equatable {
    let bits: UInt8
    static let all: [ContextShape] = (0..<16).map { ContextShape(bits: UInt8($0)) }
}
