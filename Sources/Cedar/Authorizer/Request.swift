/// An authorization request: who (principal) does what (action) to what (resource), in which context.
public struct Request: Sendable, Hashable {
    public var principal: EntityUID
    public var action: EntityUID
    public var resource: EntityUID
    public var context: [ExactString: Value]

    public init(principal: EntityUID, action: EntityUID, resource: EntityUID, context: [ExactString: Value] = [:]) {
        self.principal = principal
        self.action = action
        self.resource = resource
        self.context = context
    }
}
