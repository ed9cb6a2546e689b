import Foundation

/// A validated Cedar schema: entity types, actions and their request shapes, all names fully qualified.
///
/// Build one from the Cedar schema syntax with ``init(cedarText:filename:)`` or from Cedar's JSON schema
/// format with ``init(json:filename:)``.
public struct Schema: Sendable {
    /// One declared entity type.
    public struct EntityType: Sendable {
        /// Fully qualified name, e.g. `NS::User`.
        public var name: String
        /// Types an entity of this type may be a direct member of.
        public var memberOfTypes: Set<String>
        /// The declared attributes (empty for enumerated types).
        public var attributes: RecordSchemaType
        /// The type of every tag value, or nil when entities of this type take no tags.
        public var tags: SchemaType?
        /// For enumerated entity types (`entity E enum [...]`), the only allowed ids.
        public var enumIDs: [String]?
        public var annotations: [String: String]
    }

    /// An action's entity uid: its fully qualified action entity type (`NS::Action`) and its id.
    public struct ActionID: Sendable, Hashable, CustomStringConvertible {
        public var type: String
        public var id: String

        public init(type: String, id: String) {
            self.type = type
            self.id = id
        }

        public var description: String { "\(type)::\(CedarStringEscapes.quote(id))" }
    }

    /// One declared action.
    public struct Action: Sendable {
        public var uid: ActionID
        /// The direct parents (action groups) of this action.
        public var memberOf: [ActionID]
        /// Principal entity types the action applies to (empty when it applies to none).
        public var principalTypes: [String]
        /// Resource entity types the action applies to (empty when it applies to none).
        public var resourceTypes: [String]
        /// The context record every request for this action must conform to.
        public var context: RecordSchemaType
        public var annotations: [String: String]

        /// Whether a request can use this action at all (it has principal and resource types).
        public var appliesToAnything: Bool { !principalTypes.isEmpty && !resourceTypes.isEmpty }
    }

    /// Every declared entity type, by fully qualified name.
    public internal(set) var entityTypes: [String: EntityType] = [:]
    /// Every declared action, by uid.
    public internal(set) var actions: [ActionID: Action] = [:]
    /// Every action in declaration order (stable iteration).
    public internal(set) var actionOrder: [ActionID] = []
    /// Entity type → all types it may transitively be a member of (not including itself).
    public internal(set) var entityTypeAncestors: [String: Set<String>] = [:]
    /// Action → all its transitive action-group ancestors (not including itself).
    public internal(set) var actionAncestors: [ActionID: Set<ActionID>] = [:]
    /// Every action entity type (`Action`, `NS::Action`) that has declared actions.
    public internal(set) var actionEntityTypes: Set<String> = []

    /// Parses a schema in the Cedar schema syntax.
    /// - Throws: ``SchemaError`` with file, line and column on a syntax or resolution error.
    public init(cedarText: String, filename: String = "") throws(SchemaError) {
        var parser = try CedarSchemaParser(text: cedarText, filename: filename)
        let namespaces = try parser.parse()
        self = try SchemaResolver(filename: filename).resolve(namespaces)
    }

    /// Parses a schema in Cedar's JSON schema format.
    public init(json: Data, filename: String = "") throws(SchemaError) {
        let namespaces = try JSONSchemaParser(filename: filename).parse(json)
        self = try SchemaResolver(filename: filename).resolve(namespaces)
    }

    /// Parses a schema in Cedar's JSON schema format.
    public init(json: String, filename: String = "") throws(SchemaError) {
        try self.init(json: Data(json.utf8), filename: filename)
    }

    init() {}

    // MARK: Lookups

    /// The declared type of attribute `attribute` on entities of type `entityType`, or nil if undeclared.
    public func attributeType(of entityType: String, _ attribute: String) -> AttributeSchemaType? {
        entityTypes[entityType]?.attributes.attributes[attribute]
    }

    /// The context record type of an action, or nil if the action is not declared.
    public func contextType(for action: ActionID) -> RecordSchemaType? {
        actions[action]?.context
    }

    /// Whether `type` names an action entity type of this schema (or is spelled like one).
    public func isActionEntityType(_ type: String) -> Bool {
        actionEntityTypes.contains(type) || type == "Action" || type.hasSuffix("::Action")
    }

    /// Whether an entity of type `descendant` may be in (equal to or a transitive member of) `ancestor`.
    public func entityType(_ descendant: String, mayBeIn ancestor: String) -> Bool {
        descendant == ancestor || (entityTypeAncestors[descendant]?.contains(ancestor) ?? false)
    }

    /// Whether action `descendant` is `ancestor` or transitively in it.
    public func action(_ descendant: ActionID, isIn ancestor: ActionID) -> Bool {
        descendant == ancestor || (actionAncestors[descendant]?.contains(ancestor) ?? false)
    }
}

extension CedarStringEscapes {
    /// Quotes a string the way Cedar prints entity ids.
    static func quote(_ text: String) -> String { "\"" + CedarString.escape(text) + "\"" }
}
