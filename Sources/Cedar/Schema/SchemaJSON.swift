import Foundation

/// A parsed JSON document, as the schema readers need it.
enum SchemaJSON: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(Int64)
    case double(Double)
    case string(String)
    case array([SchemaJSON])
    case object([String: SchemaJSON])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([SchemaJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: SchemaJSON].self))
        }
    }

    static func parse(_ data: Data) -> SchemaJSON? {
        try? JSONDecoder().decode(SchemaJSON.self, from: data)
    }

    var objectValue: [String: SchemaJSON]? { if case .object(let o) = self { return o } else { return nil } }
    var arrayValue: [SchemaJSON]? { if case .array(let a) = self { return a } else { return nil } }
    var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
}
