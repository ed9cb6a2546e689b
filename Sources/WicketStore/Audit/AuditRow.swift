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
    let bytes: [UInt8]
    /// The columns after `id`, in `AuditStore.columns` order.
    let columns: [Column]
    /// The alert names the record raises (its outbox rows), found while its policies are written.
    let alerts: [String]

    static let columnCount = 27

    /// The buffer a row is first written into: a request's record is ~400 bytes; a row that does not
    /// fit is written again into one four times larger. Under glibc's per-thread cache's largest
    /// size (1,032 bytes with the array's header).
    static let firstCapacity = 960

    init(_ r: borrowing AuditRecord) {
        self = Self.encoded { row in row.record(r) }
    }

    /// A row from bound values (`AuditStore.values` order), for callers that have values, not a record
    /// (the audit table has no blob column: a blob's bytes would be bound as text), with the alert
    /// names its record raises.
    init(values: [SQLiteValue?], alerts: [String] = []) {
        self = Self.encoded { row in
            row.alerts = alerts
            for value in values {
                switch value {
                case nil: row.columns.append(.null)
                case .integer(let v): row.integer(v)
                case .text(let v): row.text(v, clipped: false)
                case .blob(let v):
                    let start = row.count
                    v.withUnsafeBufferPointer { row.put($0) }
                    row.columns.append(.text(start: start, count: row.count - start))
                }
            }
        }
    }

    /// The `policies_json` column alone, as a row writes it.
    static func policiesJSON(_ policies: [AuditRecord.DeterminingPolicy]) -> String {
        String(decoding: encoded { row in row.policies(policies) }.bytes, as: UTF8.self)
    }

    /// The row `encode` writes, into one array allocated at its size first: every piece is copied
    /// straight into it (`Array.append(contentsOf:)`'s generic path cost ~90 instructions a piece, a
    /// row has ~30). A row that does not fit is written again into a larger one.
    private static func encoded(_ encode: (inout Writer) -> Void) -> AuditRow {
        var capacity = firstCapacity
        while true {
            var done: Writer?
            let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                guard let base = buffer.baseAddress else { return }  // none: the loop's next, larger buffer
                var row = Writer(base: base, capacity: buffer.count)
                encode(&row)
                count = row.overflowed ? 0 : row.count
                done = row
            }
            if let done, !done.overflowed {
                return AuditRow(bytes: bytes, columns: done.columns, alerts: done.alerts)
            }
            capacity *= 4
        }
    }

    private init(bytes: [UInt8], columns: [Column], alerts: [String]) {
        self.bytes = bytes
        self.columns = columns
        self.alerts = alerts
    }

    /// A row being written: its bytes into a buffer of fixed capacity (a write past it sets
    /// `overflowed`, and the row is written again into a larger one), its columns and alerts.
    private struct Writer {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int
        private(set) var count = 0
        private(set) var overflowed = false
        var columns: [Column] = []
        var alerts: [String] = []
        /// The `alert` annotation of the policy being written, found while its annotations are (no
        /// second lookup by hashing).
        private var alert: String?

        init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
            self.base = base
            self.capacity = capacity
            columns.reserveCapacity(AuditRow.columnCount)
        }

        mutating func put(_ source: UnsafeBufferPointer<UInt8>) {
            guard !overflowed, source.count <= capacity - count else {
                overflowed = true
                return
            }
            if let from = source.baseAddress { (base + count).update(from: from, count: source.count) }
            count += source.count
        }

        mutating func put(_ byte: UInt8) {
            guard !overflowed, count < capacity else {
                overflowed = true
                return
            }
            base[count] = byte
            count += 1
        }

        mutating func record(_ r: borrowing AuditRecord) {
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
                    row.append(String(hidden), clip: false)
                    row.put(UInt8(ascii: "}"))
                }
            } else {
                columns.append(.null)
            }
        }

        // MARK: - Columns

        mutating func integer(_ value: Int64) { columns.append(.integer(value)) }

        /// A text column, cut to `AuditStore.maxFieldBytes` unless `clipped` is false (values the
        /// record itself bounds: the tenant, the decision); nil is NULL.
        mutating func text(_ value: String?, clipped: Bool = true) {
            guard let value else { return columns.append(.null) }
            let start = count
            append(value, clip: clipped)
            columns.append(.text(start: start, count: count - start))
        }

        mutating func json(_ write: (inout Writer) -> Void) {
            let start = count
            write(&self)
            columns.append(.text(start: start, count: count - start))
        }

        // MARK: - JSON (read back by `AuditStore.record(from:)` with JSONDecoder)

        /// `[{"annotations":{"k":"v",…},"id":"…"},…]`, annotation keys sorted; records `@alert` names.
        mutating func policies(_ policies: [AuditRecord.DeterminingPolicy]) {
            put(UInt8(ascii: "["))
            for (index, policy) in policies.enumerated() {
                if index > 0 { put(UInt8(ascii: ",")) }
                raw(#"{"annotations":{"#)
                alert = nil
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
                    put(UInt8(ascii: ","))
                    member(inOrder.1)
                default:
                    for (position, entry) in annotations.sorted(by: { $0.key < $1.key }).enumerated() {
                        if position > 0 { put(UInt8(ascii: ",")) }
                        member(entry)
                    }
                }
                raw(#"},"id":"#)
                quoted(policy.id)
                put(UInt8(ascii: "}"))
                if let name = alert { AuditRecord.DeterminingPolicy.collectAlert(name, into: &alerts) }
            }
            put(UInt8(ascii: "]"))
        }

        /// `"key":"value"`; the value of an `alert` key (``AuditRecord/DeterminingPolicy/isAlertKey(_:)``) kept in `alert`.
        mutating func member(_ entry: (key: String, value: String)) {
            if AuditRecord.DeterminingPolicy.isAlertKey(entry.key) { alert = entry.value }
            quoted(entry.key)
            put(UInt8(ascii: ":"))
            quoted(entry.value)
        }

        /// `[{"name":"…","value":"…"},…]`
        mutating func contextValues(_ values: [AuditRecord.ContextValue]) {
            put(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { put(UInt8(ascii: ",")) }
                raw(#"{"name":"#)
                quoted(value.name)
                raw(#","value":"#)
                quoted(value.value)
                put(UInt8(ascii: "}"))
            }
            put(UInt8(ascii: "]"))
        }

        /// `["…",…]`
        mutating func strings(_ values: [String]) {
            put(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { put(UInt8(ascii: ",")) }
                quoted(value)
            }
            put(UInt8(ascii: "]"))
        }

        /// A JSON string literal of `text`, cut as a text column is.
        mutating func quoted(_ text: String) {
            guard !overflowed else { return }
            let text = text.utf8.count > AuditStore.maxFieldBytes ? AuditStore.clip(text) : text
            guard let written = JSONString.write(text, to: base + count, capacity: capacity - count) else {
                overflowed = true
                return
            }
            count += written
        }

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { put($0) }
        }

        /// `text`'s UTF-8 copied at once from its storage (a native string's, small ones included, is
        /// contiguous; `withUTF8` would first copy the string to a `var`).
        mutating func append(_ text: String, clip: Bool) {
            if clip && text.utf8.count > AuditStore.maxFieldBytes { return append(AuditStore.clip(text), clip: false) }
            if text.utf8.withContiguousStorageIfAvailable({ put($0) }) == nil {
                var copy = text
                copy.withUTF8 { put($0) }
            }
        }
    }
}
