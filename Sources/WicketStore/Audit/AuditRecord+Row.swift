import Foundation
import WicketJSON

/// Mapping between `AuditRecord` and the `audit` table's columns (order of `AuditStore.columns`).
extension AuditStore {
    /// The row's values as `SQLiteValue`s (PostgreSQL, the store migration): the same encoding as
    /// the SQLite insert's, `AuditRow`'s.
    static func values(_ r: AuditRecord) -> [SQLiteValue?] {
        let row = AuditRow(r)
        return row.columns.map { column in
            switch column {
            case .null: nil
            case .integer(let value): .integer(value)
            case .text(let start, let count): .text(String(decoding: row.bytes[start..<start + count], as: UTF8.self))
            }
        }
    }

    static func record(from row: SQLiteStatement) throws(StoreError) -> AuditRecord {
        guard let decision = row.text(20).flatMap(AuditRecord.Decision.init(rawValue:)) else {
            throw StoreError(.sqlite, "audit row \(row.int64(0)) has an unknown decision")
        }
        return AuditRecord(
            tenant: row.text(4) ?? "", member: row.text(5), agent: row.text(6), keyID: row.text(7), sourceIP: row.text(8),
            geoCountry: row.text(9), geoRegion: row.text(10), geoCity: row.text(11),
            server: row.text(12), method: row.text(13), targetKind: row.text(14).flatMap(AuditRecord.TargetKind.init(rawValue:)),
            targetName: row.text(15), resource: row.text(16),
            timeMicros: row.int64(1), sessionID: row.text(17), jsonrpcID: row.text(18), traceparent: row.text(19),
            requestID: row.text(2) ?? "", batchIndex: row.optionalInt64(3).flatMap { Int(exactly: $0) },
            decision: decision, httpStatus: Int(clamping: row.int64(21)),
            policies: decode([AuditRecord.DeterminingPolicy].self, row.text(22)) ?? [],
            contextValues: decode([AuditRecord.ContextValue].self, row.text(23)) ?? [],
            errors: decode([String].self, row.text(24)) ?? [],
            latencyMicros: row.int64(25), shadowDecision: row.text(26).flatMap(AuditRecord.Decision.init(rawValue:))
        ).with(id: row.int64(0)).with(list: decode(RowJSON.ListColumn.self, row.text(27)))
    }

    /// Cuts a value to `maxFieldBytes` UTF-8 bytes on a character boundary.
    static func clip(_ value: String) -> String {
        guard value.utf8.count > maxFieldBytes else { return value }
        var out = ""
        var used = 0
        for character in value {
            let size = character.utf8.count
            if used + size > maxFieldBytes - 3 { break }
            out.append(character)
            used += size
        }
        return out + "…"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// Microseconds since the epoch, clamped (a far-future `--until` must not trap).
    static func micros(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard value.isFinite else { return value > 0 ? .max : .min }
        if value >= 9.2e18 { return .max }
        if value <= -9.2e18 { return .min }
        return Int64(value)
    }
}

extension AuditRecord {
    func with(list: RowJSON.ListColumn?) -> AuditRecord {
        var copy = self
        copy.listHidden = list?.hidden
        copy.listHiddenBy = list?.by ?? []
        return copy
    }

    func with(id: Int64) -> AuditRecord {
        var copy = self
        copy.id = id
        return copy
    }
}

extension AuditRow {
    /// One row per record, each record read in place: `records.map(AuditRow.init)` would copy every
    /// record (a retain per field, and a release) only to read it.
    static func rows(of records: [AuditRecord]) -> [AuditRow] {
        let span = records.span
        var rows: [AuditRow] = []
        rows.reserveCapacity(span.count)
        for index in span.indices { rows.append(AuditRow(span[index])) }
        return rows
    }
}

/// The list column's JSON as `AuditRow` writes it (`JSONDecoder` reads it back), and the policies
/// column alone.
enum RowJSON {
    struct ListColumn: Decodable {
        let hidden: Int
        let by: [String]
    }

    /// The policies column's JSON, as the audit row holds it.
    static func policies(_ policies: [AuditRecord.DeterminingPolicy]) -> String { AuditRow.policiesJSON(policies) }
}
