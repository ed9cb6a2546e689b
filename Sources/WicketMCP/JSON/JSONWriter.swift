import WicketJSON

/// Minimal JSON output for the error bodies Wicket renders: string escaping that always yields
/// valid JSON, whatever the input.
enum JSONWriter {
    /// Appends `string` as a JSON string literal (quotes included).
    static func appendString(_ string: String, to out: inout [UInt8]) {
        JSONString.append(string, to: &out)
    }
}
