import Cedar

/// The schema pieces the conformance harness needs: typed JSON decoding and action entities.
/// Until the schema module provides them this is a no-op, so only tests that need no schema pass.
struct ConformanceSchema {
    var typing: (any EntityJSONTyping)?
    var actionEntities: [Entity]

    static func load(text: String, file: String) throws -> ConformanceSchema {
        ConformanceSchema(typing: nil, actionEntities: [])
    }
}
