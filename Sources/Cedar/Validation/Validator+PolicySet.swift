extension Validator {
    /// Validates a policy set: its static and linked policies in order, then its templates by id.
    public func validate(_ set: PolicySet) -> ValidationResult {
        validate(set.policies + set.templates.keys.sorted().compactMap { set.templates[$0] })
    }
}
