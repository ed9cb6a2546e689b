import WicketJSON

/// One audit record's row, encoded once: every text column's UTF-8 back to back in one byte buffer
/// (the three JSON columns written by ``JSONString``, the one escaper, straight into it), and each
/// column as NULL, an integer, or a span of that buffer. The insert binds the spans with
/// `SQLITE_STATIC` — SQLite reads them in place while the statement runs, and copies them only
/// into the record it writes — so a record costs one buffer and one column array, instead of a
/// `String` per JSON column (and the pieces it was joined from) and a copy per text column at bind
/// time (`SQLITE_TRANSIENT`).
///
/// Built by the request's own thread (``AuditStore/append(contentsOf:)``), before it joins a group
/// commit; read-only afterwards.
struct AuditRow {
    enum Column {
        case null
        case integer(Int64)
        /// `count` bytes of `bytes` from `start`.
        case text(start: Int, count: Int)
    }

    /// The text columns' UTF-8, back to back.
    private(set) var bytes: [UInt8] = []
    /// The columns after `id`, in `AuditStore.columns` order.
    private(set) var columns: [Column] = []
    /// The alert names the record raises (its outbox rows), found while its policies are written.
    private(set) var alerts: [String] = []

    static let columnCount = 27

    init(_ r: borrowing AuditRecord) {
        bytes.reserveCapacity(512)
        columns.reserveCapacity(Self.columnCount)
        integer(r.timeMicros)
        text(r.requestID)
        columns.append(r.batchIndex.map { .integer(Int64($0)) } ?? .null)
        text(r.tenant, clipped: false)
        text(r.member)
        text(r.agent)
        text(r.keyID)
        text(r.sourceIP)
        text(r.geoCountry)
        text(r.geoRegion)
        text(r.geoCity)
        text(r.server)
        text(r.method)
        text(r.targetKind?.rawValue)
        text(r.targetName)
        text(r.resource)
        text(r.sessionID)
        text(r.jsonrpcID)
        text(r.traceparent)
        text(r.decision.rawValue, clipped: false)
        integer(Int64(r.httpStatus))
        json { row in row.policies(r.policies) }
        json { row in row.contextValues(r.contextValues) }
        json { row in row.strings(r.errors) }
        integer(r.latencyMicros)
        text(r.shadowDecision?.rawValue)
        if let hidden = r.listHidden {
            json { row in
                row.raw(#"{"by":"#)
                row.strings(r.listHiddenBy)
                row.raw(#","hidden":"#)
                row.bytes.append(contentsOf: String(hidden).utf8)
                row.bytes.append(UInt8(ascii: "}"))
            }
        } else {
            columns.append(.null)
        }
    }

    /// A row from bound values (`AuditStore.values` order), for callers that have values, not a record
    /// (the audit table has no blob column: a blob's bytes would be bound as text).
    init(values: [SQLiteValue?]) {
        for value in values {
            switch value {
            case nil: columns.append(.null)
            case .integer(let v): integer(v)
            case .text(let v): text(v, clipped: false)
            case .blob(let v):
                columns.append(.text(start: bytes.count, count: v.count))
                bytes += v
            }
        }
    }

    private init() {}

    /// The `policies_json` column alone, as a row writes it.
    static func policiesJSON(_ policies: [AuditRecord.DeterminingPolicy]) -> String {
        var row = AuditRow()
        row.policies(policies)
        return String(decoding: row.bytes, as: UTF8.self)
    }

    // MARK: - Columns

    private mutating func integer(_ value: Int64) { columns.append(.integer(value)) }

    /// A text column, cut to `AuditStore.maxFieldBytes` unless `clipped` is false (values the
    /// record itself bounds: the tenant, the decision); nil is NULL.
    private mutating func text(_ value: String?, clipped: Bool = true) {
        guard let value else { return columns.append(.null) }
        let start = bytes.count
        append(value, clip: clipped)
        columns.append(.text(start: start, count: bytes.count - start))
    }

    private mutating func json(_ write: (inout AuditRow) -> Void) {
        let start = bytes.count
        write(&self)
        columns.append(.text(start: start, count: bytes.count - start))
    }

    // MARK: - JSON (read back by `AuditStore.record(from:)` with JSONDecoder)

    /// `[{"annotations":{"k":"v",…},"id":"…"},…]`, annotation keys sorted; records `@alert` names.
    private mutating func policies(_ policies: [AuditRecord.DeterminingPolicy]) {
        bytes.append(UInt8(ascii: "["))
        for (index, policy) in policies.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            raw(#"{"annotations":{"#)
            // Keys in `String` order. One or two (the usual `@id`, `@reason`) need no sorted copy.
            let annotations = policy.annotations
            switch annotations.count {
            case 0: break
            case 1: member(annotations[annotations.startIndex])
            case 2:
                let first = annotations[annotations.startIndex]
                let second = annotations[annotations.index(after: annotations.startIndex)]
                let inOrder = second.key < first.key ? (second, first) : (first, second)
                member(inOrder.0)
                bytes.append(UInt8(ascii: ","))
                member(inOrder.1)
            default:
                for (position, entry) in annotations.sorted(by: { $0.key < $1.key }).enumerated() {
                    if position > 0 { bytes.append(UInt8(ascii: ",")) }
                    member(entry)
                }
            }
            raw(#"},"id":"#)
            quoted(policy.id)
            bytes.append(UInt8(ascii: "}"))
            if let name = policy.annotations["alert"], !name.isEmpty, !alerts.contains(where: { $0.utf8.elementsEqual(name.utf8) }) {
                alerts.append(name)
            }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `"key":"value"`
    private mutating func member(_ entry: (key: String, value: String)) {
        quoted(entry.key)
        bytes.append(UInt8(ascii: ":"))
        quoted(entry.value)
    }

    /// `[{"name":"…","value":"…"},…]`
    private mutating func contextValues(_ values: [AuditRecord.ContextValue]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            raw(#"{"name":"#)
            quoted(value.name)
            raw(#","value":"#)
            quoted(value.value)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `["…",…]`
    private mutating func strings(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            quoted(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A JSON string literal of `text`, cut as a text column is.
    private mutating func quoted(_ text: String) {
        if text.utf8.count > AuditStore.maxFieldBytes {
            JSONString.append(AuditStore.clip(text), to: &bytes)
        } else {
            JSONString.append(text, to: &bytes)
        }
    }

    private mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `text`'s UTF-8 copied at once from its storage (`append(contentsOf: text.utf8)` goes through the
    /// generic sequence copy, several times the instructions for a short value).
    private mutating func append(_ text: String, clip: Bool) {
        var text = clip && text.utf8.count > AuditStore.maxFieldBytes ? AuditStore.clip(text) : text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }
}
