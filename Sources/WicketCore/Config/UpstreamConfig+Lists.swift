extension UpstreamConfig {
    /// Reads `list_timeout_ms` (100 ms to 120 s) and `reviewed_tools` (a path beside the config).
    mutating func readListSettings(_ table: TableReader, resolve: (String) -> String) throws(ConfigError) {
        reviewedTools = try table.string("reviewed_tools").map(resolve)
        guard let timeout = try table.integer("list_timeout_ms") else { return }
        guard (100...120_000).contains(timeout) else {
            throw ConfigError("upstream `\(name)`: `list_timeout_ms` must be between 100 and 120000, not \(timeout)")
        }
        listTimeoutMilliseconds = timeout
    }
}
