import Testing

@testable import WicketJSON

@Suite("JSON numbers")
struct JSONNumberTests {
    func number(_ text: String) throws -> JSONNumber {
        try #require(try JSONParser().parse(Array(text.utf8)).numberValue)
    }

    @Test("keeps the exact text")
    func exactText() throws {
        for text in ["0", "-0", "1.50", "1E+2", "123456789012345678901234567890", "1e400", "-0.000"] {
            #expect(try number(text).text == text)
        }
    }

    @Test("int64 accessor covers the full range and nothing else")
    func int64() throws {
        #expect(try number("9223372036854775807").int64Value == Int64.max)
        #expect(try number("-9223372036854775808").int64Value == Int64.min)
        #expect(try number("9223372036854775808").int64Value == nil)
        #expect(try number("-9223372036854775809").int64Value == nil)
        #expect(try number("99999999999999999999999").int64Value == nil)
        #expect(try number("42").int64Value == 42)
        #expect(try number("-0").int64Value == 0)
        #expect(try number("1.0").int64Value == nil)
        #expect(try number("1e2").int64Value == nil)
        #expect(try number("1.0").isInteger == false)
    }

    @Test("double accessor refuses non-finite results")
    func double() throws {
        #expect(try number("0.1").doubleValue == 0.1)
        #expect(try number("-1.5e-3").doubleValue == -0.0015)
        #expect(try number("1e400").doubleValue == nil)
        #expect(try number("-1e400").doubleValue == nil)
    }
}
