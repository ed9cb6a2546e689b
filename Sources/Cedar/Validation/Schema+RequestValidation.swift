extension Schema {
    /// Checks a request against the schema: the action is declared, the principal and resource types
    /// are ones the action applies to, and the context has the action's context type.
    public func validateRequest(_ request: Request) throws(SchemaConformanceError) {
        let actionID = ActionID(request.action)
        guard let action = actions[actionID] else {
            throw SchemaConformanceError(.undeclaredAction, "request's action `\(request.action)` is not declared in the schema")
        }
        try checkRequestEntity(
            request.principal, role: "principal", allowed: action.principalTypes, action: request.action,
            code: .invalidPrincipalType)
        try checkRequestEntity(
            request.resource, role: "resource", allowed: action.resourceTypes, action: request.action,
            code: .invalidResourceType)
        guard recordConforms(request.context, action.context) else {
            throw SchemaConformanceError(
                .contextMismatch,
                "the context of the request does not match the context type \(action.context) declared for `\(request.action)`")
        }
    }

    private func checkRequestEntity(
        _ uid: EntityUID, role: String, allowed: [String], action: EntityUID,
        code: SchemaConformanceError.Code
    ) throws(SchemaConformanceError) {
        let type = uid.type.qualified
        guard entityTypes[type] != nil else {
            throw SchemaConformanceError(.undeclaredEntityType, "\(role) type `\(type)` is not declared in the schema")
        }
        guard allowed.contains(type) else {
            throw SchemaConformanceError(code, "\(role) type `\(type)` is not valid for `\(action)`")
        }
        guard isValidEnumMember(uid) else {
            throw SchemaConformanceError(.invalidEnumEntity, "\(role) `\(uid)` is not one of the ids enumerated for `\(type)`")
        }
    }
}
