import Testing

@testable import Cedar

/// Authorization with the resource unknown: deny only when every resource is denied.
@Suite struct ResidualAuthorizerTests {
    static let policies = """
        @id("eng") permit (principal in Group::"eng", action in Action::"call", resource);
        @id("support") permit (principal in Group::"support", action == Action::"read", resource);
        @id("window") forbid (principal, action == Action::"delete", resource) when { context.hour < 9 };
        @id("prod") forbid (principal, action == Action::"delete", resource) when { resource.name like "prod.*" };
        @id("owner") permit (principal, action == Action::"share", resource) when { resource.owner == principal };
        @id("owner late") permit (principal, action == Action::"late", resource) when { resource.owner == principal && context.hour > 20 };
        @id("late check") permit (principal, action == Action::"late", resource) when { resource.owner == principal } when { context.hour > 20 };
        @id("broken") forbid (principal, action == Action::"odd", resource) when { context.missing == 1 };
        @id("odd") permit (principal, action == Action::"odd", resource);
        """

    static func entities() throws -> Entities {
        Entities(
            try EntityJSON.parse(
                """
                [
                  {"uid": {"type": "User", "id": "alex"}, "attrs": {}, "parents": [{"type": "Group", "id": "eng"}]},
                  {"uid": {"type": "User", "id": "sam"}, "attrs": {}, "parents": [{"type": "Group", "id": "support"}]},
                  {"uid": {"type": "Action", "id": "delete"}, "attrs": {}, "parents": [{"type": "Action", "id": "call"}]},
                  {"uid": {"type": "Action", "id": "read"}, "attrs": {}, "parents": [{"type": "Action", "id": "call"}]},
                  {"uid": {"type": "Action", "id": "call"}, "attrs": {}, "parents": []},
                  {"uid": {"type": "Group", "id": "eng"}, "attrs": {}, "parents": []},
                  {"uid": {"type": "Group", "id": "support"}, "attrs": {}, "parents": []}
                ]
                """))
    }

    func decide(_ member: String, _ action: String, hour: Int64) throws -> ResidualResponse {
        let set = try PolicySet(text: Self.policies, idAnnotations: true)
        return ResidualAuthorizer.decide(
            principal: EntityUID("User", member), action: EntityUID("Action", action),
            context: ["hour": .long(hour)], placeholder: EntityUID("Server", "s"),
            policies: set, entities: try Self.entities())
    }

    @Test func noPermitThatCouldApplyDenies() throws {
        let sam = try decide("sam", "delete", hour: 12)
        #expect(sam.decision == .deny)
        #expect(sam.determining.isEmpty)
        #expect(try decide("sam", "read", hour: 12).decision == .maybe)
    }

    @Test func aForbidThatAppliesWhateverTheResourceDenies() throws {
        let late = try decide("alex", "delete", hour: 3)
        #expect(late.decision == .deny)
        #expect(late.determining == ["window"])
    }

    @Test func aForbidThatDependsOnTheResourceIsOnlyAMaybe() throws {
        // `prod` forbids some resources only: another table may be deleted at noon.
        #expect(try decide("alex", "delete", hour: 12).decision == .maybe)
    }

    @Test func aPermitThatDependsOnTheResourceIsAMaybe() throws {
        #expect(try decide("sam", "share", hour: 12).decision == .maybe)
    }

    @Test func aPermitRuledOutByItsResourceFreeConditionDenies() throws {
        // `late check`'s second condition reads no resource and is false at noon; `owner late`'s
        // single condition mixes both, so it stays a maybe.
        #expect(try decide("sam", "late", hour: 12).decision == .maybe)
        let set = try PolicySet(
            text: """
                @id("late check") permit (principal, action == Action::"late", resource) when { resource.owner == principal } when { context.hour > 20 };
                """, idAnnotations: true)
        let response = ResidualAuthorizer.decide(
            principal: EntityUID("User", "sam"), action: EntityUID("Action", "late"),
            context: ["hour": .long(12)], placeholder: EntityUID("Server", "s"),
            policies: set, entities: try Self.entities())
        #expect(response.decision == .deny)
    }

    @Test func aResourceFreePolicyThatErrorsDenies() throws {
        let odd = try decide("alex", "odd", hour: 12)
        #expect(odd.decision == .deny)
        #expect(odd.determining == ["broken"])
    }

    /// Soundness against the exact authorizer: whenever some sampled resource is allowed, the
    /// residual answer is not deny.
    @Test(arguments: ["alex", "sam"], ["delete", "read", "share", "late", "odd", "call"])
    func neverDeniesWhatSomeResourceAllows(member: String, action: String) throws {
        let set = try PolicySet(text: Self.policies, idAnnotations: true)
        var entities = try Self.entities()
        let resources = ["prod.a", "staging.b"].map { EntityUID("Table", $0) }
        for (uid, name) in zip(resources, ["prod.a", "staging.b"]) {
            entities = entities.adding([Entity(uid: uid, attributes: ["name": .string(name), "owner": .entity(EntityUID("User", member))])])
        }
        for hour in [3, 12, 22] as [Int64] {
            let residual = ResidualAuthorizer.decide(
                principal: EntityUID("User", member), action: EntityUID("Action", action),
                context: ["hour": .long(hour)], placeholder: EntityUID("Server", "s"),
                policies: set, entities: entities)
            for resource in resources + [EntityUID("Server", "s")] {
                let exact = Authorizer.isAuthorized(
                    Request(
                        principal: EntityUID("User", member), action: EntityUID("Action", action),
                        resource: resource, context: ["hour": .long(hour)]), policies: set, entities: entities)
                if exact.decision == .allow && exact.errors.isEmpty {
                    #expect(residual.decision != .deny, "\(member) \(action) at \(hour) on \(resource)")
                }
            }
        }
    }
}
