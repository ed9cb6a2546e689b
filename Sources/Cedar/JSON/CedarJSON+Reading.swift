import WicketJSON

extension CedarJSON {
    /// Parses a JSON document Cedar reads (policies, entities, contexts, requests, schemas) with the
    /// one strict reader: no size bound, nesting up to `JSONParser.Limits.depthCeiling`, repeated
    /// keys refused, or with `keepingLastDuplicate` the last occurrence kept, as the official Cedar
    /// CLI (serde_json) does; only `wicket authorize` asks for that.
    public static func parse(_ text: String, keepingLastDuplicate: Bool = false) throws(JSONParseError) -> JSONValue {
        try (keepingLastDuplicate ? lenientReader : reader).parse(text)
    }

    /// Parses a JSON document from its bytes (see ``parse(_:keepingLastDuplicate:)``).
    public static func parse(_ bytes: [UInt8], keepingLastDuplicate: Bool = false) throws(JSONParseError) -> JSONValue {
        try (keepingLastDuplicate ? lenientReader : reader).parse(bytes)
    }

    private static let reader = JSONParser(limits: .documents)
    private static let lenientReader = JSONParser(limits: .documents, repeatedKeys: .keepLast)
}

extension JSONNumber {
    /// The number as a Cedar `Long`: an integer without fraction or exponent that fits in 64 bits.
    /// `-0` is not one (serde_json reads it as a float, so the official engine refuses it).
    public var cedarLong: Int64? {
        text == "-0" ? nil : int64Value
    }
}
