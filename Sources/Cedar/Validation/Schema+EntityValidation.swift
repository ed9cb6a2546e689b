extension Schema {
    /// Checks one entity against the schema; returns every problem found (empty when it conforms).
    ///
    /// Action entities must be declared actions whose parents are exactly the declared action groups;
    /// other entities must have a declared type, declared attributes and tags of the declared types,
    /// every required attribute, and parents of the types the schema allows.
    public func validateEntity(_ entity: Entity) -> [SchemaConformanceError] {
        let uid = entity.uid
        let type = uid.type.qualified
        guard let declared = entityTypes[type] else {
            guard isActionEntityType(type) else {
                return [
                    SchemaConformanceError(.undeclaredEntityType, "entity `\(uid)` has type `\(type)`, which the schema does not declare")
                ]
            }
            guard let action = actions[ActionID(uid)] else {
                return [SchemaConformanceError(.undeclaredAction, "action `\(uid)` is not declared in the schema")]
            }
            // The entity may list its parents directly or transitively closed; the closures must agree.
            let id = ActionID(uid)
            let declared = actionAncestors[id] ?? Set(action.memberOf)
            var closure: Set<ActionID> = []
            for parent in entity.parents {
                let parentID = ActionID(parent)
                closure.insert(parentID)
                closure.formUnion(actionAncestors[parentID] ?? [])
            }
            if closure != declared || !entity.attributes.isEmpty || !entity.tags.isEmpty {
                return [SchemaConformanceError(.actionMismatch, "the definition of action `\(uid)` does not match its schema declaration")]
            }
            return []
        }
        var errors: [SchemaConformanceError] = []
        if !isValidEnumMember(uid) {
            errors.append(SchemaConformanceError(.invalidEnumEntity, "`\(uid)` is not one of the ids enumerated for `\(type)`"))
        }
        for key in entity.attributes.keys.sorted() {
            guard let value = entity.attributes[key] else { continue }
            guard let attribute = declared.attributes.attributes[key.string] else {
                errors.append(SchemaConformanceError(.undeclaredAttribute, "attribute `\(key)` of `\(uid)` is not declared for `\(type)`"))
                continue
            }
            if !self.value(value, conformsTo: attribute.type) {
                errors.append(
                    SchemaConformanceError(.attributeMismatch, "attribute `\(key)` of `\(uid)` should have type \(attribute.type)"))
            }
        }
        for key in declared.attributes.attributes.keys.sorted()
        where declared.attributes.attributes[key]?.isRequired == true && entity.attributes[ExactString(key)] == nil {
            errors.append(SchemaConformanceError(.missingAttribute, "`\(uid)` is missing the required attribute `\(key)`"))
        }
        for parent in entity.parents.sorted() {
            let parentType = parent.type.qualified
            if !declared.memberOfTypes.contains(parentType) {
                errors.append(
                    SchemaConformanceError(.invalidParent, "`\(uid)` may not have a parent of type `\(parentType)` according to the schema")
                )
            }
        }
        if !entity.tags.isEmpty {
            if let tagType = declared.tags {
                for key in entity.tags.keys.sorted() {
                    if let value = entity.tags[key], !self.value(value, conformsTo: tagType) {
                        errors.append(SchemaConformanceError(.tagMismatch, "tag `\(key)` of `\(uid)` should have type \(tagType)"))
                    }
                }
            } else {
                errors.append(SchemaConformanceError(.tagMismatch, "`\(uid)` has tags, but the schema declares none for `\(type)`"))
            }
        }
        return errors
    }

    /// Checks every entity; returns all problems found (empty when all conform).
    public func validateEntities<S: Sequence>(_ entities: S) -> [SchemaConformanceError] where S.Element == Entity {
        entities.flatMap { validateEntity($0) }
    }
}
