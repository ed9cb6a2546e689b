import Foundation
import Testing
import WicketJSON

@Suite struct JSONStringTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("", #""""#),
        ("ünïcode ✓", "\"ünïcode ✓\""),
        ("a\"b\\c", #""a\"b\\c""#),
        ("l1\nl2\r\t", #""l1\nl2\r\t""#),
        ("\u{0}\u{1f}\u{7f}", #""\u0000\u001f\u007f""#),
        // Escapes at both ends and between plain runs, in a text too long to be stored inline.
        ("\"a release window, ünïcode ✓\\ and more\n", #""\"a release window, ünïcode ✓\\ and more\n""#),
        ("a long plain text that needs no escape at all, ünïcode ✓", "\"a long plain text that needs no escape at all, ünïcode ✓\""),
    ])
    func quotesAsJSON(text: String, expected: String) throws {
        #expect(JSONString.quote(text) == expected)
        var bytes: [UInt8] = []
        JSONString.append(text, to: &bytes)
        #expect(bytes == Array(expected.utf8))
        // And a JSON reader gets the text back.
        let decoded = try JSONSerialization.jsonObject(with: Data(("[" + expected + "]").utf8)) as? [String]
        #expect(decoded == [text])
        // Written into a buffer: the same bytes when they fit, nil (and nothing claimed) when they do not.
        let size = expected.utf8.count
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: size + 4)
        defer { buffer.deallocate() }
        for capacity in 0..<size { #expect(JSONString.write(text, to: buffer, capacity: capacity) == nil) }
        for capacity in [size, size + 4] {
            #expect(JSONString.write(text, to: buffer, capacity: capacity) == size)
            #expect(Array(UnsafeBufferPointer(start: buffer, count: size)) == Array(expected.utf8))
        }
    }
}
