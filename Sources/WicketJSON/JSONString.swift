/// The one JSON string escaper: every JSON text Wicket writes (refusal bodies, audit columns, MCP
/// error bodies, `authorize --batch` lines) quotes its strings here.
///
/// Escapes `"`, `\`, `\n`, `\r`, `\t`, every other control character and DEL as `\u00XX` (lowercase
/// hex); everything else, multi-byte UTF-8 included, passes through unchanged, so the output is
/// valid JSON whatever the input and safe to print on one log line.
public enum JSONString {
    /// `text` as a JSON string literal, quotes included.
    public static func quote(_ text: String) -> String {
        // Most values need no escaping at all.
        if !text.utf8.contains(where: needsEscape) { return "\"" + text + "\"" }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` as a JSON string literal (quotes included) to `out`. Runs of bytes that need no
    /// escape (usually the whole text) are copied at once, not appended byte by byte.
    public static func append(_ text: String, to out: inout [UInt8]) {
        out.append(0x22)
        var text = text
        text.withUTF8 { appendEscaped($0, to: &out) }
        out.append(0x22)
    }

    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var plain = 0  // the start of the run of plain bytes not copied yet
        for index in bytes.indices where needsEscape(bytes[index]) {
            if plain < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plain..<index])) }
            plain = index + 1
            let byte = bytes[index]
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6) { escape in
                guard let start = escape.baseAddress else { return }
                writeEscape(byte, at: start)
                out.append(contentsOf: UnsafeBufferPointer(start: start, count: escapeLength(byte)))
            }
        }
        if plain < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plain...])) }
    }

    /// Writes `text` as a JSON string literal (quotes included) at `base`, which has room for
    /// `capacity` bytes; returns the bytes written, or nil (after writing any part of it) when the
    /// literal does not fit. The same escapes as ``append(_:to:)``, for a caller that writes into a
    /// buffer it sized itself (the audit row) instead of appending to an array.
    public static func write(_ text: String, to base: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int? {
        // A native string's UTF-8 (a small one's included) is read in place, without a copy to a `var`.
        if let written = text.utf8.withContiguousStorageIfAvailable({ write($0, to: base, capacity: capacity) }) { return written }
        var text = text
        return text.withUTF8 { write($0, to: base, capacity: capacity) }
    }

    private static func write(_ bytes: UnsafeBufferPointer<UInt8>, to base: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int? {
        // The quotes and every byte once: the usual case, checked once.
        guard bytes.count + 2 <= capacity else { return nil }
        guard let start = bytes.baseAddress else {
            base[0] = 0x22
            base[1] = 0x22
            return 2
        }
        var used = 0
        base[used] = 0x22
        used += 1
        var plain = 0  // the start of the run of plain bytes not copied yet
        for index in bytes.indices where needsEscape(bytes[index]) {
            let run = index - plain
            let byte = bytes[index]
            let escape = escapeLength(byte)
            // What is left after this escape needs at most its own bytes and the closing quote.
            guard used + run + escape + (bytes.count - index - 1) + 1 <= capacity else { return nil }
            if run > 0 { (base + used).update(from: start + plain, count: run) }
            used += run
            plain = index + 1
            writeEscape(byte, at: base + used)
            used += escape
        }
        let run = bytes.count - plain
        if run > 0 { (base + used).update(from: start + plain, count: run) }
        used += run
        base[used] = 0x22
        return used + 1
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// How many bytes the escape of `byte` (one that `needsEscape`) takes: 2 for `\"`, `\\`, `\n`,
    /// `\r`, `\t`, 6 for `\u00XX`.
    private static func escapeLength(_ byte: UInt8) -> Int {
        byte == 0x22 || byte == 0x5C || byte == 0x0A || byte == 0x0D || byte == 0x09 ? 2 : 6
    }

    /// Writes the escape of `byte` (one that `needsEscape`) at `p`: ``escapeLength(_:)`` bytes (room for 6).
    private static func writeEscape(_ byte: UInt8, at p: UnsafeMutablePointer<UInt8>) {
        p[0] = 0x5C
        switch byte {
        case 0x22: p[1] = 0x22
        case 0x5C: p[1] = 0x5C
        case 0x0A: p[1] = 0x6E
        case 0x0D: p[1] = 0x72
        case 0x09: p[1] = 0x74
        default:
            p[1] = 0x75
            p[2] = 0x30
            p[3] = 0x30
            p[4] = hex[Int(byte >> 4)]
            p[5] = hex[Int(byte & 0x0F)]
        }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F
    }
}
