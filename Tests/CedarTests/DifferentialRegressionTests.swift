import Testing
import WicketJSON

@testable import Cedar
@testable import CedarTooling

/// Minimal cases where the engine disagreed with the Rust engine (cedarpy 4.12.2), each checked
/// against it; the differential tester (FuzzTesting/differential) keeps looking for more.
@Suite("Differential regressions")
struct DifferentialRegressionTests {
    /// One authorization through the batch path the differential tester uses.
    func answer(
        _ policies: String, entities: String = "[]", principal: String = #"{"type":"User","id":"alice"}"#,
        resource: String = #"{"type":"Doc","id":"d"}"#, context: String = "{}"
    ) -> String {
        let request = #"{"principal":\#(principal),"action":{"type":"Action","id":"read"},"resource":\#(resource),"context":\#(context)}"#
        func q(_ s: String) -> String { AuthorizationBatch.quoted(s) }
        return AuthorizationBatch.answer(#"{"policies":\#(q(policies)),"entities":\#(q(entities)),"request":\#(q(request))}"#)
    }

    static let allow0 = #"{"decision":"allow","reasons":["policy0"],"errors":[]}"#
    static let deny = #"{"decision":"deny","reasons":[],"errors":[]}"#

    // MARK: code points, not canonical equivalence

    @Test func stringsDifferingOnlyInNormalisationAreDifferent() throws {
        #expect(try evaluate("\"\u{00C5}\" == \"\u{212B}\"") == .bool(false))
        #expect(try evaluate("\"\u{00E9}\" == \"e\u{0301}\"") == .bool(false))
        #expect(try evaluate("\"\u{00C5}\" == \"\\u{c5}\"") == .bool(true))
        #expect(try evaluate("[\"\u{00C5}\", \"\u{212B}\"].contains(\"A\u{030A}\")") == .bool(false))
        #expect(try evaluate("{a: \"\u{00C5}\"} == {a: \"\u{212B}\"}") == .bool(false))
        let policy = "permit(principal, action, resource) when { principal.name == \"\u{00C5}ngstr\u{00F6}m\" };"
        let entities = #"[{"uid":{"type":"User","id":"alice"},"attrs":{"name":"\u212bngstro\u0308m"},"parents":[]}]"#
        #expect(answer(policy, entities: entities) == Self.deny)
    }

    @Test func entityIdsInAnotherFormAreOtherEntities() {
        // Two entities whose ids differ only in normalisation: neither merges into the other, and
        // the look-alike does not inherit the group.
        let entities = #"""
            [{"uid":{"type":"User","id":"\u00c5"},"attrs":{},"parents":[{"type":"Group","id":"admins"}]},
             {"uid":{"type":"User","id":"\u212b"},"attrs":{},"parents":[]}]
            """#
        let policy = #"permit(principal in Group::"admins", action, resource);"#
        #expect(answer(policy, entities: entities, principal: #"{"type":"User","id":"\u00c5"}"#) == Self.allow0)
        #expect(answer(policy, entities: entities, principal: #"{"type":"User","id":"\u212b"}"#) == Self.deny)
        #expect(
            answer("permit(principal == User::\"\u{00C5}\", action, resource);", principal: #"{"type":"User","id":"A\u030a"}"#) == Self.deny
        )
        #expect(EntityUID("User", "\u{00C5}") != EntityUID("User", "\u{212B}"))
        #expect(Set([EntityUID("User", "\u{00C5}"), EntityUID("User", "\u{212B}")]).count == 2)
    }

    @Test func recordKeysInAnotherFormAreOtherKeys() throws {
        #expect(try evaluate("{\"\u{00C5}\": 1, \"\u{212B}\": 2}[\"\u{212B}\"]") == .long(2))
        #expect(try evaluate("{\"\u{00C5}\": 1} has \"\u{212B}\"") == .bool(false))
        // Context keys from JSON: not duplicates of each other, and each reads back its own value.
        #expect(
            answer(
                "permit(principal, action, resource) when { context[\"\u{212B}\"] == 2 };",
                context: #"{"\u00c5": 1, "\u212b": 2}"#) == Self.allow0)
        let parsed = try CedarJSON.parse(#"{"\u00c5": 1, "\u212b": 2}"#)
        guard case .object(let pairs) = parsed else { Issue.record("not an object"); return }
        #expect(pairs.count == 2)
    }

    @Test func attributesTagsAndLikeUseCodePoints() {
        let entities = #"[{"uid":{"type":"User","id":"alice"},"attrs":{"\u00c5":1},"parents":[],"tags":{"e\u0301":"x"}}]"#
        #expect(answer("permit(principal, action, resource) when { principal has \"\u{212B}\" };", entities: entities) == Self.deny)
        #expect(answer("permit(principal, action, resource) when { principal.hasTag(\"\u{00E9}\") };", entities: entities) == Self.deny)
        #expect(answer("permit(principal, action, resource) when { principal.hasTag(\"e\u{0301}\") };", entities: entities) == Self.allow0)
        #expect(answer("permit(principal, action, resource) when { \"\u{212B}\" like \"\u{00C5}*\" };") == Self.deny)
    }

    @Test func enumeratedIdsAreMatchedByCodePoints() throws {
        let schema = try Schema(cedarText: "entity Unit enum [\"\u{00C5}\"];", filename: "s.cedarschema")
        #expect(schema.isValidEnumMember(EntityUID("Unit", "\u{00C5}")))
        #expect(!schema.isValidEnumMember(EntityUID("Unit", "\u{212B}")))
    }

    /// A nested record's keys are matched by code points in entity validation too: `é` written as
    /// `e` + U+0301 is not the declared optional `é` (U+00E9) but an undeclared key, so the value does
    /// not conform (the Rust engine reports an undeclared attribute); an enumerated id inside a record is
    /// matched the same way.
    @Test func nestedRecordKeysAndEnumIdsConformByCodePoints() throws {
        let schema = try Schema(
            cedarText: "entity Unit enum [\"\u{00C5}\"]; entity User { profile: { \"\u{00E9}\"?: String, unit: Unit } };",
            filename: "s.cedarschema")
        guard let profile = schema.entityTypes["User"]?.attributes.attributes["profile"]?.type else {
            Issue.record("the schema has no User.profile")
            return
        }
        func value(key: String, unit: String) -> Value {
            .record([ExactString(key): .string("x"), ExactString("unit"): .entity(EntityUID("Unit", unit))])
        }
        #expect(schema.value(value(key: "\u{00E9}", unit: "\u{00C5}"), conformsTo: profile))
        #expect(!schema.value(value(key: "e\u{0301}", unit: "\u{00C5}"), conformsTo: profile))
        #expect(!schema.value(value(key: "\u{00E9}", unit: "\u{212B}"), conformsTo: profile))
    }

    // MARK: IP predicates on ranges

    @Test func loopbackAndMulticastNeedTheWholeRange() throws {
        #expect(try evaluate(#"ip("127.0.0.0/7").isLoopback()"#) == .bool(false))
        #expect(try evaluate(#"ip("127.0.0.0/8").isLoopback()"#) == .bool(true))
        #expect(try evaluate(#"ip("127.1.2.3/9").isLoopback()"#) == .bool(true))
        #expect(try evaluate(#"ip("::1/127").isLoopback()"#) == .bool(false))
        #expect(try evaluate(#"ip("::1").isLoopback()"#) == .bool(true))
        #expect(try evaluate(#"ip("224.0.0.0/3").isMulticast()"#) == .bool(false))
        #expect(try evaluate(#"ip("224.0.0.0/4").isMulticast()"#) == .bool(true))
        #expect(try evaluate(#"ip("ff00::/7").isMulticast()"#) == .bool(false))
        #expect(try evaluate(#"ip("ff00::/8").isMulticast()"#) == .bool(true))
    }

    // MARK: escapes

    @Test func hexAndUnicodeEscapesAsRustReadsThem() throws {
        #expect(try evaluate(#""\x41" == "A""#) == .bool(true))
        #expect(try evaluate(#""\x7f" == "\u{7f}""#) == .bool(true))
        #expect(try evaluate(#""\u{1_F600}" == "\u{1F600}""#) == .bool(true))
        for bad in [
            #""\x80""#, #""\x4""#, #""\x4g""#, #""\X41""#, #""\u{_41}""#, #""\u{}""#, #""\u{0000041}""#, #""\u{D800}""#, "\"a\rb\"",
            "\"a\\\nb\"",
        ] {
            #expect(throws: ParseError.self, "\(bad)") { _ = try PolicyParser.parseExpression(bad) }
        }
    }

    @Test func anEscapedStarInAPatternIsStillAWildcard() throws {
        // Only `\*` is a literal star; `\x2a` and `\u{2a}` decode to `*`, which is a wildcard.
        #expect(try evaluate(#""ab" like "\x2a""#) == .bool(true))
        #expect(try evaluate(#""ab" like "\u{2a}""#) == .bool(true))
        #expect(try evaluate(#""ab" like "\*""#) == .bool(false))
        #expect(try evaluate(#""*" like "\*""#) == .bool(true))
    }

    // MARK: bad input the Rust engine refuses

    @Test func reservedWordsAreNotIdentifiers() throws {
        for bad in [
            "context has then", "context.if == 1", "{else: 1} == {}", "User::\"a\" is in", "context has __cedar",
            "{__cedar: 1} == {}", "1.if()", "if::x::\"a\" == 1",
        ] {
            #expect(throws: ParseError.self, "\(bad)") { _ = try PolicyParser.parseExpression(bad) }
        }
        // As strings they are ordinary keys; `__cedarx` and annotation names are fine.
        _ = try PolicyParser.parseExpression(#"context["if"] == 1 && context has "__cedar" && context has __cedarx"#)
        _ = try PolicySet(text: #"@if("x") permit(principal, action, resource);"#)
    }

    @Test func duplicateEntitiesAndCyclesAreRefused() throws {
        let a1 = Entity(uid: EntityUID("User", "a"), attributes: ["n": .long(1)])
        let a2 = Entity(uid: EntityUID("User", "a"), attributes: ["n": .long(2)])
        #expect(throws: EntityGraphError.self) { _ = try Entities(checking: [a1, a2]) }
        #expect(try Entities(checking: [a1, a1]).count == 1)
        let g = EntityUID("Group", "g")
        let h = EntityUID("Group", "h")
        #expect(throws: EntityGraphError.self) { _ = try Entities(checking: [Entity(uid: g, parents: [g])]) }
        #expect(throws: EntityGraphError.self) {
            _ = try Entities(checking: [Entity(uid: g, parents: [h]), Entity(uid: h, parents: [g]), a1])
        }
        #expect(
            try Entities(checking: [Entity(uid: g, parents: [h]), Entity(uid: h), Entity(uid: EntityUID("User", "a"), parents: [g, h])])
                .count == 3)
        // Ids that differ only in normalisation are not duplicates.
        #expect(
            try Entities(checking: [Entity(uid: EntityUID("User", "\u{00C5}")), Entity(uid: EntityUID("User", "\u{212B}"))]).count == 2)
    }

    @Test func anEscapeWithoutItsShapeIsARecord() {
        // `{"__entity": 5}` or `{"__extn": "x"}` are records with one odd key in the Rust engine.
        for body in [#"{"__entity": 5}"#, #"{"__entity": {"type": "User"}}"#, #"{"__extn": {"fn": "ip"}}"#, #"{"__expr": 5}"#] {
            #expect(
                answer(
                    "permit(principal, action, resource) when { context.x == context.x && !(context.x has type) };",
                    context: #"{"x": \#(body)}"#) == Self.allow0, "\(body)")
        }
        // Extra fields beside the shape are ignored; a string `__expr` is still refused.
        #expect(
            answer(
                "permit(principal, action, resource) when { context.x is User };",
                context: #"{"x": {"__entity": {"type": "User", "id": "a", "extra": 1}}}"#) == Self.allow0)
        #expect(answer("permit(principal, action, resource);", context: #"{"x": {"__expr": "1"}}"#).contains("error"))
    }

    @Test func minusZeroIsNotAnInteger() {
        // serde_json reads `-0` as a float, so the Rust engine refuses it where a Long is expected.
        #expect(answer("permit(principal, action, resource);", context: #"{"x": [-0]}"#).contains("error"))
        #expect(answer("permit(principal, action, resource) when { context.x == 0 };", context: #"{"x": 0}"#) == Self.allow0)
    }

    @Test func unknownExtensionFunctionsAreRefusedOnInput() {
        // A deliberate difference: the Rust engine accepts `{"__extn": {"fn": "unknown", ...}}` and errors
        // only when a policy reads the value; Wicket refuses the input at once (fail closed).
        let context = #"{"x": {"__extn": {"fn": "unknown", "arg": "x"}}, "y": 1}"#
        #expect(answer("permit(principal, action, resource) when { context.y == 1 };", context: context).contains("error"))
    }

    // MARK: the official CLI's edges, in `authorize` only

    @Test func cliKeepsTheLastRepeatedContextKeyAndSkipsUnknownEntityFields() {
        #expect(answer("permit(principal, action, resource) when { context.a == 2 };", context: #"{"a": 1, "a": 2}"#) == Self.allow0)
        let entities = #"[{"uid":{"type":"User","id":"alice"},"attrs":{},"parents":[],"note":"ignored"}]"#
        #expect(answer("permit(principal, action, resource);", entities: entities) == Self.allow0)
        // As the CLI: `attrs` and `parents` are required, and extra fields in an entity reference are skipped.
        #expect(
            answer(
                "permit(principal, action, resource);",
                entities: #"[{"uid":{"type":"User","id":"alice"},"attrs":{}}]"#
            ).contains("error"))
        #expect(
            answer(
                "permit(principal, action, resource);",
                entities: #"[{"uid":{"type":"User","id":"alice"},"parents":[]}]"#
            ).contains("error"))
        #expect(
            answer(
                "permit(principal in Group::\"g\", action, resource);",
                entities: #"[{"uid":{"type":"User","id":"alice","x":1},"attrs":{},"parents":[{"type":"Group","id":"g","y":2}]}]"#)
                == Self.allow0)
        #expect(answer("permit(principal, action, resource);", principal: #"{"type":"User","id":"alice","x":1}"#) == Self.allow0)
        // The strict readers elsewhere still refuse both.
        #expect(throws: JSONParseError.self) { _ = try CedarJSON.parse(#"{"a": 1, "a": 2}"#) }
        #expect(throws: CedarJSONError.self) { _ = try EntityJSON.parse(entities) }
    }

    @Test func verbosePolicyIdsAreEscapedLikeRustDebug() {
        #expect(DebugEscaping.escape(#"it's "1""#) == #"it\'s \"1\""#)
        #expect(DebugEscaping.escape("a\tb\n\u{7}") == #"a\tb\n\u{7}"#)
        #expect(DebugEscaping.escape("\u{00C5}ngstr\u{00F6}m") == "\u{00C5}ngstr\u{00F6}m")
    }
}
