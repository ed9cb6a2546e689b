/// The stable code of an error WicketCore raises, as `StoreError.Code` is for the stores: scripts and
/// logs match on the code, people read the sentence. (`NginxConfigError` has its own `Code`.)
public enum WicketErrorCode: String, Sendable, Equatable {
    /// The configuration file cannot be read or is not UTF-8 text.
    case configUnreadable = "config_unreadable"
    /// The configuration is not valid TOML Wicket understands, or a key or value is wrong.
    case configInvalid = "config_invalid"
    /// A tenant's policies, schema or entities do not load.
    case policyLoad = "policy_load"
    /// `wicket init` cannot write its setup (an existing setup, a bad option, a file error).
    case setup = "setup"
    /// A tool list for `wicket schema` cannot be read.
    case toolList = "tool_list"
    /// An alert could not be delivered to a sink.
    case alertDelivery = "alert_delivery"
}

/// An error with a stable ``WicketErrorCode`` and a lowercase sentence an operator can act on.
public protocol CodedError: Error, CustomStringConvertible {
    var code: WicketErrorCode { get }
}

extension ConfigError: CodedError {}
extension TOMLError: CodedError {
    public var code: WicketErrorCode { .configInvalid }
}
extension PolicyLoadError: CodedError {
    public var code: WicketErrorCode { .policyLoad }
}
extension SetupInitializer.InitError: CodedError {
    public var code: WicketErrorCode { .setup }
}
extension SchemaGenerator.ToolsError: CodedError {
    public var code: WicketErrorCode { .toolList }
}
extension AlertDeliveryError: CodedError {
    var code: WicketErrorCode { .alertDelivery }
}
