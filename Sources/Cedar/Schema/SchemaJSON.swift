import Foundation

/// A parsed JSON document with keyed objects, as the schema reader walks it.
enum SchemaJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([SchemaJSON])
    case object([String: SchemaJSON])

    /// Parses strict JSON (duplicate keys are rejected); returns the parse error message on failure.
    static func parse(_ data: Data) -> Result<SchemaJSON, JSONParseError> {
        do {
            return .success(SchemaJSON(try JSONParser.parse(Array(data))))
        } catch {
            return .failure(error)
        }
    }

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .integer(let i): self = .number(String(i))
        case .number(let s): self = .number(s)
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map(SchemaJSON.init))
        case .object(let pairs):
            var object: [String: SchemaJSON] = [:]
            for (key, value) in pairs { object[key] = SchemaJSON(value) }
            self = .object(object)
        }
    }

    var objectValue: [String: SchemaJSON]? { if case .object(let o) = self { return o } else { return nil } }
    var arrayValue: [SchemaJSON]? { if case .array(let a) = self { return a } else { return nil } }
    var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
}
