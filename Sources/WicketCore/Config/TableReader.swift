/// Typed access to one TOML table, with errors that name the key.
struct TableReader {
    private let table: [String: TOMLValue]
    private let location: String

    init(_ table: [String: TOMLValue], where location: String) {
        self.table = table
        self.location = location
    }

    var keys: [String] { table.keys.sorted() }

    private func name(_ key: String) -> String { location.isEmpty ? key : "\(location).\(key)" }

    func allowOnly(_ allowed: Set<String>) throws(ConfigError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            throw ConfigError("unknown key `\(name(key))`")
        }
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        switch table[key] {
        case nil: return nil
        case .string(let value): return value
        default: throw ConfigError("`\(name(key))` must be a string")
        }
    }

    func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let value = try string(key), !value.isEmpty else { throw ConfigError("`\(name(key))` is required") }
        return value
    }

    /// A string that must be one of `Value`'s raw values; anything else is a configuration error that
    /// lists the accepted words (never a silent fallback to the default).
    func choice<Value: RawRepresentable & CaseIterable>(_ key: String, default fallback: Value) throws(ConfigError) -> Value
    where Value.RawValue == String {
        guard let text = try string(key) else { return fallback }
        guard let value = Value(rawValue: text) else {
            let words = Value.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ")
            throw ConfigError("`\(name(key))` must be one of \(words), not `\(text)`")
        }
        return value
    }

    func integer(_ key: String) throws(ConfigError) -> Int? {
        switch table[key] {
        case nil: return nil
        case .integer(let value): return value
        default: throw ConfigError("`\(name(key))` must be an integer")
        }
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        switch table[key] {
        case nil: return nil
        case .bool(let value): return value
        default: throw ConfigError("`\(name(key))` must be true or false")
        }
    }

    func strings(_ key: String) throws(ConfigError) -> [String]? {
        switch table[key] {
        case nil: return nil
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw ConfigError("`\(name(key))` must be a list of strings") }
                out.append(text)
            }
            return out
        default: throw ConfigError("`\(name(key))` must be a list of strings")
        }
    }

    func table(_ key: String) throws(ConfigError) -> TableReader? {
        switch table[key] {
        case nil: return nil
        case .table(let child): return TableReader(child, where: name(key))
        default: throw ConfigError("`\(name(key))` must be a table")
        }
    }

    func tables(_ key: String) throws(ConfigError) -> [TableReader] {
        switch table[key] {
        case nil: return []
        case .array(let items):
            var out: [TableReader] = []
            for (position, item) in items.enumerated() {
                guard case .table(let child) = item else { throw ConfigError("`\(name(key))` must be written as `[[\(key)]]` tables") }
                out.append(TableReader(child, where: "\(name(key))[\(position)]"))
            }
            return out
        default: throw ConfigError("`\(name(key))` must be written as `[[\(key)]]` tables")
        }
    }
}
