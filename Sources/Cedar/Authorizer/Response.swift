/// The authorizer's answer.
public enum Decision: String, Sendable, Hashable {
    case allow, deny
}

/// A policy that raised an error during evaluation (and was therefore skipped).
public struct PolicyError: Sendable, Hashable {
    public let policyID: String
    public let error: EvaluationError
    public init(policyID: String, error: EvaluationError) {
        self.policyID = policyID
        self.error = error
    }
}

/// The decision, the policies that determined it, and the policies that errored.
public struct Response: Sendable, Hashable {
    public let decision: Decision
    /// Ids of the satisfied forbid policies (on deny) or permit policies (on allow).
    public let reasons: [String]
    public let errors: [PolicyError]
    public init(decision: Decision, reasons: [String], errors: [PolicyError]) {
        self.decision = decision
        self.reasons = reasons
        self.errors = errors
    }
}
