/// Turns SQLite's positional `?` into PostgreSQL's `$1`, `$2`, … so that SQL shared by both
/// stores (audit filters, alert outbox bookkeeping) is written once. The SQL it is given is
/// Wicket's own and holds no `?` inside string literals.
enum PGPlaceholders {
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                out += "$\(index)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}
