/// A strict RFC 8259 parser over bytes.
///
/// Refuses what lenient parsers accept and attackers use to make two parsers disagree: duplicate
/// keys at any depth (compared as Swift strings, so canonically equivalent keys count as
/// duplicates too), invalid UTF-8 (overlongs, encoded surrogates, code points above U+10FFFF),
/// lone surrogate escapes, a leading byte order mark, `NaN`/`Infinity`, leading zeros, raw control
/// characters in strings, trailing data, nesting deeper than ``Limits/maxDepth`` and input larger
/// than ``Limits/maxBytes``. It never traps and its recursion is bounded by the depth limit.
public struct JSONParser: Sendable {
    /// Bounds on the input.
    public struct Limits: Sendable, Equatable {
        /// The hard ceiling on ``maxDepth``: keeps the bounded recursion well inside any thread stack.
        public static let depthCeiling = 512

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

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
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

    private func parseResult(_ raw: UnsafeRawBufferPointer) -> Result<JSONValue, JSONParseError> {
        if raw.count > limits.maxBytes {
            return .failure(JSONParseError(.tooLarge, at: limits.maxBytes,
                "input is larger than the limit of \(limits.maxBytes) bytes"))
        }
        var reader = JSONReader(buffer: raw, maxDepth: limits.maxDepth)
        do {
            return .success(try reader.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}
