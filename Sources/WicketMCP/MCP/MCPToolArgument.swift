/// One argument of a `tools/call`, read by name for the mapped Cedar resource.
public enum MCPToolArgument: Sendable, Equatable {
    /// The message is not a `tools/call`, has no `arguments`, or has no member of that name.
    case absent
    /// The argument is a JSON string.
    case string(String)
    /// The argument exists but is not a string; its value is deliberately not exposed.
    case notAString
}
