import Testing

@testable import Cedar

/// The request checks built once (``RequestValidator``) compare action ids, entity types and context
/// keys by bytes, as the Rust engine does: a canonically equivalent spelling is another name.
@Suite("Request validator")
struct RequestValidatorTests {
    /// `Å` as one code point (U+00C5) and as `A` + combining ring (U+030A): equal as Swift `String`s.
    static let composed = "\u{00C5}"
    static let decomposed = "A\u{030A}"

    static let schema: Schema? = try? Schema(
        cedarText: """
            namespace App {
              entity User;
              entity Color enum ["red", "\(composed)"];
              action "\(composed)" appliesTo { principal: User, resource: [User, Color], context: { "\(composed)": Long, b?: { c: String } } };
            }
            """, filename: "app.cedarschema")

    static func request(action: String = composed, resource: EntityUID = EntityUID("App::User", "b"), context: [ExactString: Value])
        -> Request
    {
        Request(principal: EntityUID("App::User", "a"), action: EntityUID("App::Action", action), resource: resource, context: context)
    }

    func code(_ request: Request) throws -> SchemaConformanceError.Code? {
        let validator = RequestValidator(try #require(Self.schema))
        do { try validator.validate(request) } catch { return error.code }
        return nil
    }

    @Test func theDeclaredSpellingValidates() throws {
        #expect(try code(Self.request(context: [ExactString(Self.composed): .long(1)])) == nil)
        #expect(try code(Self.request(context: [ExactString(Self.composed): .long(1), "b": .record(["c": .string("x")])])) == nil)
        #expect(
            try code(Self.request(resource: EntityUID("App::Color", Self.composed), context: [ExactString(Self.composed): .long(1)])) == nil
        )
    }

    @Test func anEquivalentSpellingIsAnotherName() throws {
        #expect(Self.composed == Self.decomposed, "the test needs two spellings Swift calls equal")
        #expect(try code(Self.request(action: Self.decomposed, context: [ExactString(Self.composed): .long(1)])) == .undeclaredAction)
        #expect(try code(Self.request(context: [ExactString(Self.decomposed): .long(1)])) == .contextMismatch)
        #expect(
            try code(Self.request(resource: EntityUID("App::Color", Self.decomposed), context: [ExactString(Self.composed): .long(1)]))
                == .invalidEnumEntity)
    }

    @Test func recordsAreClosedAndRequiredAttributesPresent() throws {
        #expect(try code(Self.request(context: [:])) == .contextMismatch)
        #expect(try code(Self.request(context: [ExactString(Self.composed): .long(1), "z": .long(1)])) == .contextMismatch)
        #expect(try code(Self.request(context: [ExactString(Self.composed): .string("1")])) == .contextMismatch)
        #expect(try code(Self.request(context: [ExactString(Self.composed): .long(1), "b": .record([:])])) == .contextMismatch)
        #expect(
            try code(Self.request(resource: EntityUID("App::Nope", "x"), context: [ExactString(Self.composed): .long(1)]))
                == .undeclaredEntityType)
    }
}
