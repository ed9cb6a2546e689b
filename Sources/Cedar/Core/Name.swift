/// A possibly namespaced Cedar name such as `User` or `MyApp::Users::User`.
///
/// Entity types, extension function names and namespaces are all `Name`s. The qualified text is
/// the only stored property, so equality and hashing cost one
/// code-point comparison.
public struct Name: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The fully qualified text, components joined by `::`.
    public let qualified: String

    /// Creates a name from namespace components and a base name.
    public init(path: [String], basename: String) {
        qualified = path.isEmpty ? basename : (path + [basename]).joined(separator: "::")
    }

    /// Creates a name from its qualified text (`A::B::C`); the text is not validated.
    public init(_ qualified: String) {
        self.qualified = qualified
    }

    /// The namespace components, outermost first (empty for an unqualified name).
    public var path: [String] {
        let parts = components
        return Array(parts.dropLast())
    }

    /// The last component.
    public var basename: String {
        components.last ?? qualified
    }

    /// All components, namespace first.
    public var components: [String] {
        qualified.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
    }

    /// The namespace as a name, or `nil` when unqualified.
    public var namespace: Name? {
        let p = path
        return p.isEmpty ? nil : Name(p.joined(separator: "::"))
    }

    /// Whether this is the name of an action entity type (`Action` or `NS::Action`).
    public var isActionType: Bool {
        qualified == "Action" || qualified.hasSuffix("::Action")
    }

    public var description: String { qualified }

    public static func == (lhs: Name, rhs: Name) -> Bool { CodePoints.equal(lhs.qualified, rhs.qualified) }
    public func hash(into h: inout Hasher) { CodePoints.hash(qualified, into: &h) }
    public static func < (lhs: Name, rhs: Name) -> Bool { CodePoints.less(lhs.qualified, rhs.qualified) }
}
