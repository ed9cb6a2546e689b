/// The one strict RFC 8259 parser over bytes, for every JSON text Wicket reads: request bodies,
/// upstream answers, Cedar's entities, contexts, policies and schemas, and the CLI's files.
///
/// Refuses what lenient parsers accept and attackers use to make two parsers disagree: repeated
/// keys at any depth (compared byte for byte: `K` and U+212A KELVIN SIGN are two different keys, as
/// they are to the upstream server), invalid UTF-8 (overlongs, encoded surrogates, code points above
/// U+10FFFF), lone surrogate escapes, a leading byte order mark, `NaN`/`Infinity`, leading zeros,
/// raw control characters in strings, trailing data, nesting deeper than ``Limits/maxDepth`` and
/// input larger than ``Limits/maxBytes``. Number text is kept as written. It never traps and its
/// recursion is bounded by the depth limit.
public struct JSONParser: Sendable {
    /// Bounds on the input.
    public struct Limits: Sendable, Equatable {
        /// The hard ceiling on ``maxDepth``: keeps the bounded recursion well inside any thread stack.
        public static let depthCeiling = 512

        /// For files an operator or a policy author wrote (policies, entities, schemas, test
        /// suites): no size bound, nesting up to ``depthCeiling``.
        public static let documents = Limits(maxBytes: .max, maxDepth: depthCeiling)

        /// Largest input accepted, in bytes. Default 1 MiB.
        public var maxBytes: Int
        /// Deepest nesting of arrays and objects accepted (the top-level container is depth 1).
        /// Default 64; values above ``depthCeiling`` are clamped to it.
        public var maxDepth: Int {
            get { storedMaxDepth }
            set { storedMaxDepth = min(max(newValue, 0), Self.depthCeiling) }
        }
        private var storedMaxDepth: Int

        public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64) {
            self.maxBytes = maxBytes
            self.storedMaxDepth = min(max(maxDepth, 0), Self.depthCeiling)
        }
    }

    /// What a key repeated inside one object means.
    public enum RepeatedKeys: Sendable, Equatable {
        /// The document is refused (``JSONParseError/Code/duplicateKey``). The default, everywhere
        /// a second reader could see the other value.
        case refuse
        /// The last occurrence wins and takes the earlier one's place at the end of the members, as
        /// serde_json does. Only for reading what the official Cedar CLI reads (`wicket authorize`).
        case keepLast
    }

    public var limits: Limits
    public var repeatedKeys: RepeatedKeys

    public init(limits: Limits = Limits(), repeatedKeys: RepeatedKeys = .refuse) {
        self.limits = limits
        self.repeatedKeys = repeatedKeys
    }

    /// Parses one JSON text that spans all of `bytes`.
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { raw in
            parseResult(raw)
        }
        return try result.get()
    }

    /// Parses one JSON text that spans all of `bytes`.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        try parseResult(bytes).get()
    }

    /// Parses one JSON text that spans all of `text` (its UTF-8 bytes).
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        let contiguous: Result<JSONValue, JSONParseError>? = text.utf8.withContiguousStorageIfAvailable { buffer in
            parseResult(UnsafeRawBufferPointer(buffer))
        }
        if let contiguous { return try contiguous.get() }
        return try parse(Array(text.utf8))
    }

    private func parseResult(_ raw: UnsafeRawBufferPointer) -> Result<JSONValue, JSONParseError> {
        if raw.count > limits.maxBytes {
            return .failure(
                JSONParseError(
                    .tooLarge, at: limits.maxBytes,
                    "input is larger than the limit of \(limits.maxBytes) bytes"))
        }
        var reader = JSONReader(buffer: raw, maxDepth: limits.maxDepth, keepLastRepeatedKey: repeatedKeys == .keepLast)
        do {
            return .success(try reader.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}
