/// `permit` or `forbid`.
public enum Effect: String, Sendable, Hashable {
    case permit, forbid
}

/// An entity in a scope constraint: a literal uid or a template slot.
public enum EntityReference: Sendable, Hashable {
    case uid(EntityUID)
    case slot(SlotID)
}

/// The principal or resource part of a scope.
public enum ScopeConstraint: Sendable, Hashable {
    /// No constraint (`principal`).
    case any
    /// `principal == X`
    case eq(EntityReference)
    /// `principal in X`
    case `in`(EntityReference)
    /// `principal is T`
    case `is`(Name)
    /// `principal is T in X`
    case isIn(Name, EntityReference)
}

/// The action part of a scope.
public enum ActionConstraint: Sendable, Hashable {
    case any
    /// `action == A`
    case eq(EntityUID)
    /// `action in A`
    case `in`(EntityUID)
    /// `action in [A, B]`
    case inSet([EntityUID])
}

/// A `when` or `unless` clause.
public struct Condition: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case when, unless }
    public let kind: Kind
    public let body: Expr
    public init(kind: Kind, body: Expr) {
        self.kind = kind
        self.body = body
    }
}

/// An annotation `@key("value")`; `@key` alone has the empty value.
public struct Annotation: Sendable, Hashable {
    public let key: String
    public let value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Where something is in a source text (1-based line and column).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    /// Byte offset into the source (0-based).
    public let offset: Int
    public init(file: String, line: Int, column: Int, offset: Int) {
        self.file = file
        self.line = line
        self.column = column
        self.offset = offset
    }
    public var description: String { "\(file):\(line):\(column)" }
}

/// A policy or template as written. A template has slots in its scope.
public struct Policy: Sendable, Hashable {
    /// The policy id (`policy0`… by source order, or as assigned by the caller).
    public var id: String
    public let effect: Effect
    public let principal: ScopeConstraint
    public let action: ActionConstraint
    public let resource: ScopeConstraint
    public let conditions: [Condition]
    /// Annotations in source order.
    public let annotations: [Annotation]
    /// Where the policy starts, when parsed from text.
    public let location: SourceLocation?

    public init(
        id: String, effect: Effect, principal: ScopeConstraint = .any, action: ActionConstraint = .any,
        resource: ScopeConstraint = .any, conditions: [Condition] = [], annotations: [Annotation] = [],
        location: SourceLocation? = nil
    ) {
        self.id = id
        self.effect = effect
        self.principal = principal
        self.action = action
        self.resource = resource
        self.conditions = conditions
        self.annotations = annotations
        self.location = location
    }

    /// The value of annotation `key`, if present.
    public func annotation(_ key: String) -> String? {
        annotations.first { $0.key == key }?.value
    }

    /// Whether the scope contains a slot (this is a template).
    public var isTemplate: Bool {
        func hasSlot(_ c: ScopeConstraint) -> Bool {
            switch c {
            case .eq(.slot), .in(.slot), .isIn(_, .slot): return true
            default: return false
            }
        }
        return hasSlot(principal) || hasSlot(resource)
    }
}
