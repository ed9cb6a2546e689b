// Fuzzes Cedar's reading of JSON (the shared strict reader, `CedarJSON.parse`) and the entity/context readers (schema-less and schema-typed).
import Cedar
import FuzzSupport

private let schema = try? Schema(cedarText: """
    entity Group;
    entity User in [Group] { n: Long, ip?: ipaddr, d?: decimal, when?: datetime, r?: { k: String }, m?: User };
    action view appliesTo { principal: User, resource: Group, context: { x?: Long, t?: duration } };
    """)


public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let json = try? CedarJSON.parse(bytes) else { return 0 }
    if let entities = try? EntityJSON.entities(json) {
        _ = Entities(entities)
    }
    if let schema, let entities = try? EntityJSON.entities(json, typing: schema) {
        _ = Entities(entities + schema.actionEntities())
        for e in entities { _ = schema.validateEntity(e) }
    }
    let action = EntityUID("Action", "view")
    _ = try? EntityJSON.context(json, action: action)
    if let schema { _ = try? EntityJSON.context(json, action: action, typing: schema) }
    _ = try? CedarJSON.value(json)
    return 0
}

@_cdecl("FuzzEntityJSON_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOneInput)
}
