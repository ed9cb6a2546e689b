extension Schema {
    /// Checks a request against the schema: the action is declared, the principal and resource types
    /// are ones the action applies to, and the context has the action's context type.
    ///
    /// This works the schema's request checks out on every call; to check many requests, keep a
    /// ``RequestValidator`` (the same checks, built once).
    public func validateRequest(_ request: Request) throws(SchemaConformanceError) {
        try RequestValidator(self).validate(request)
    }
}
