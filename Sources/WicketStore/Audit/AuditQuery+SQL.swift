import Foundation

extension AuditQuery {
    /// The `WHERE` clause (empty or starting with a space) and its bound values. Times compare
    /// against each record's own time (`time_us`: when the request was decided), never its id or
    /// when it was written.
    func sqlFilter() -> (String, [SQLiteValue?]) {
        var conditions: [String] = []
        var values: [SQLiteValue?] = []
        if let since {
            conditions.append("time_us >= ?")
            values.append(.integer(AuditStore.micros(since)))
        }
        if let until {
            conditions.append("time_us < ?")
            values.append(.integer(AuditStore.micros(until)))
        }
        if let decision {
            conditions.append("decision = ?")
            values.append(.text(decision.rawValue))
        }
        if let member {
            conditions.append("member = ?")
            values.append(.text(member))
        }
        if let agent {
            conditions.append("agent = ?")
            values.append(.text(agent))
        }
        if let tool {
            conditions.append("target_kind = 'tool' AND target_name = ?")
            values.append(.text(tool))
        }
        return (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "), values)
    }
}
