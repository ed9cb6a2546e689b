/// A source position inside a schema file (1-based; 0 when unknown).
struct SchemaPosition: Sendable, Hashable {
    var line: Int
    var column: Int
    static let unknown = SchemaPosition(line: 0, column: 0)
}

/// How a type name written in a schema may be resolved.
enum RawReferenceKind: Sendable {
    case commonOrEntity
    case common
    case entity
}

/// A type as written in a schema, before names are resolved.
indirect enum RawType: Sendable {
    case bool
    case long
    case string
    case set(RawType)
    case record([String: RawAttribute], position: SchemaPosition)
    case reference(String, RawReferenceKind, SchemaPosition)
    case extensionType(String, SchemaPosition)
}

struct RawAttribute: Sendable {
    var type: RawType
    var isRequired: Bool
}

struct RawEntityDeclaration: Sendable {
    var name: String
    var parents: [(name: String, position: SchemaPosition)]
    var shape: RawType?
    var tags: RawType?
    var enumIDs: [String]?
    var annotations: [String: String]
    var position: SchemaPosition
}

struct RawActionReference: Sendable {
    /// The action entity type as written (`Action`, `NS::Action`), or nil for the namespace's own.
    var type: String?
    var id: String
    var position: SchemaPosition
}

struct RawAppliesTo: Sendable {
    var principals: [(name: String, position: SchemaPosition)]
    var resources: [(name: String, position: SchemaPosition)]
    var context: RawType?
}

struct RawActionDeclaration: Sendable {
    var id: String
    var parents: [RawActionReference]
    var appliesTo: RawAppliesTo?
    var annotations: [String: String]
    var position: SchemaPosition
}

struct RawCommonTypeDeclaration: Sendable {
    var name: String
    var type: RawType
    var position: SchemaPosition
}

struct RawNamespace: Sendable {
    /// Empty for the anonymous namespace.
    var name: String
    var entityTypes: [RawEntityDeclaration] = []
    var actions: [RawActionDeclaration] = []
    var commonTypes: [RawCommonTypeDeclaration] = []
    var annotations: [String: String] = [:]
    var position: SchemaPosition = .unknown
}
