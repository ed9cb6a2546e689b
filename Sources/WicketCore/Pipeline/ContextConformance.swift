import Cedar

/// Whether a Wicket context conforms to each declared action's context type, worked out once per
/// schema for each of the 16 ``ContextShape``s instead of walking the context (three records, every
/// key compared) on every request.
///
/// Why it is exact: ``ContextFacts/cedarContext()`` always builds the same keys with the same value
/// types (`time` a record of four longs-or-strings and a `datetime`, `source_ip` an `ipaddr`, strings
/// elsewhere), and only `session` and the three `geo` keys come and go; schema conformance reads
/// keys and value types, never the values (no entity or set is in the context). So a context built
/// from representative facts of the same shape answers for every real one. Only a `true` is trusted:
/// a context that does not conform is walked again, so the refusal's message is the validator's own.
///
/// What invalidates it: the schema. It is built with the ``ToolSurface`` (one per loaded schema); a
/// reload builds a new surface and with it a new table, used from the next request on.
final class ContextConformance: Sendable {
    /// Action → one bit per shape (bit `shape.bits` set: a context of that shape conforms).
    private let conformingShapes: [EntityUID: UInt16]

    init(_ validator: RequestValidator) {
        var table: [EntityUID: UInt16] = [:]
        let contexts = ContextShape.all.map { Self.representative($0) }
        for action in validator.actionUIDs {
            var bits: UInt16 = 0
            for (shape, context) in zip(ContextShape.all, contexts) where validator.contextConforms(context, action: action) {
                bits |= 1 << UInt16(shape.bits)
            }
            table[action] = bits
        }
        conformingShapes = table
    }

    /// True when a context of `shape` is known to conform to `action`'s context type.
    func conforms(action: EntityUID, shape: ContextShape) -> Bool {
        guard let bits = conformingShapes[action] else { return false }
        return bits & (1 << UInt16(shape.bits)) != 0
    }

    /// A context with `shape`'s keys, built by the same code as every request's.
    static func representative(_ shape: ContextShape) -> [ExactString: Value] {
        let facts = ContextFacts(
            time: RequestTime(microseconds: 0, hour: 0, minute: 0, weekday: 1, date: "1970-01-01"),
            sourceIP: "127.0.0.1",
            geo: (shape.bits & 2 != 0 ? "" : nil, shape.bits & 4 != 0 ? "" : nil, shape.bits & 8 != 0 ? "" : nil),
            agent: "", session: shape.bits & 1 != 0 ? "" : nil, server: "", method: "")
        guard case .record(let context)? = facts.cedarContext() else { return [:] }
        return context
    }
}
