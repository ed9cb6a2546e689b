extension Policy {
    /// Fills a template's slots, producing a static policy with id `newID`.
    /// Throws when a slot the template uses has no value, or a value is given for an unused slot.
    public func linked(id newID: String, principal p: EntityUID?, resource r: EntityUID?) throws(ParseError) -> Policy {
        func fill(_ c: ScopeConstraint, _ slot: SlotID, _ v: EntityUID?) throws(ParseError) -> ScopeConstraint {
            func ref(_ e: EntityReference) throws(ParseError) -> EntityReference {
                guard case .slot = e else { return e }
                guard let v else { throw linkError("the template `\(id)` needs a value for `\(slot.rawValue)`") }
                return .uid(v)
            }
            switch c {
            case .any, .is: return c
            case .eq(let e): return .eq(try ref(e))
            case .in(let e): return .in(try ref(e))
            case .isIn(let t, let e): return .isIn(t, try ref(e))
            }
        }
        func usesSlot(_ c: ScopeConstraint) -> Bool {
            switch c {
            case .eq(.slot), .in(.slot), .isIn(_, .slot): return true
            default: return false
            }
        }
        if p != nil && !usesSlot(principal) { throw linkError("the template `\(id)` has no `?principal` slot") }
        if r != nil && !usesSlot(resource) { throw linkError("the template `\(id)` has no `?resource` slot") }
        return Policy(
            id: newID, effect: effect, principal: try fill(principal, .principal, p), action: action,
            resource: try fill(resource, .resource, r), conditions: conditions, annotations: annotations,
            location: location)
    }

    private func linkError(_ m: String) -> ParseError {
        ParseError(
            code: .invalidTemplateLink, message: m,
            location: location ?? SourceLocation(file: "<link>", line: 1, column: 1, offset: 0), sourceLine: "")
    }
}
