import Cedar

/// The schema pieces the conformance harness needs: typed JSON decoding, action entities and
/// request validation, as the reference harness uses them.
struct ConformanceSchema {
    let schema: Schema
    var typing: (any EntityJSONTyping)? { schema }
    var actionEntities: [Entity] { schema.actionEntities() }

    static func load(text: String, file: String) throws -> ConformanceSchema {
        ConformanceSchema(schema: try Schema(cedarText: text, filename: file))
    }

    func validate(_ request: Request) throws {
        try schema.validateRequest(request)
    }
}
