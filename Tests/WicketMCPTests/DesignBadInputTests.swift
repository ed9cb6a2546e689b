import Testing

@testable import WicketMCP

/// The bad-input rows (docs/threat-model.md, "Fail closed"), one test each. Rows about keys, policies,
/// audit and nginx belong to other modules.
@Suite("bad input")
struct DesignBadInputTests {
    @Test("body not JSON → 400 -32700")
    func notJSON() throws {
        for body in ["hello", "{\"jsonrpc\":\"2.0\",", "<xml/>", "jsonrpc=2.0&method=tools/call"] {
            let error = try #require(refusal(post(body)))
            #expect(error.httpStatus == 400)
            #expect(error.jsonRPCCode == -32700)
        }
    }

    @Test("body not UTF-8 → 400 -32700")
    func notUTF8() throws {
        let latin1: [UInt8] =
            Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"caf"#.utf8) + [0xE9] + Array(#""}}"#.utf8)
        let utf16: [UInt8] = [0xFF, 0xFE] + Array(#"{}"#.utf8).flatMap { [$0, 0] }
        let surrogate: [UInt8] =
            Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}}"#.utf8)
        let overlongQuote: [UInt8] =
            Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"#.utf8) + [0xC0, 0xA2] + Array(#""}}"#.utf8)
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(toolCall.utf8)
        let loneEscape = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\ud800"}}"#.utf8)
        for body in [latin1, utf16, surrogate, overlongQuote, bom, loneEscape] {
            var request = post("")
            request.body = body
            let error = try #require(refusal(request))
            #expect(error.httpStatus == 400)
            #expect(error.jsonRPCCode == -32700)
        }
    }

    @Test("not a JSON-RPC 2.0 message → 400 -32600")
    func notJSONRPC() throws {
        for body in [#"{"method":"tools/call"}"#, #"{"jsonrpc":"2.0"}"#, #""tools/call""#, "42", "null"] {
            let error = try #require(refusal(post(body)))
            #expect(error.httpStatus == 400)
            #expect(error.jsonRPCCode == -32600)
        }
    }

    @Test("duplicate object keys anywhere → 400")
    func duplicateKeys() throws {
        let bodies = [
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list","params":{"name":"a"}}"#,
            #"{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"ping"}"#,
            #"[{"jsonrpc":"2.0","id":1,"method":"ping","id":2}]"#,
        ]
        for body in bodies {
            let error = try #require(refusal(post(body)))
            #expect(error.httpStatus == 400)
            #expect(error.message.contains("duplicate object key"))
        }
    }

    @Test("nesting deeper than the bound → 400, no crash")
    func tooDeep() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let inArguments =
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":"# + String(repeating: "[", count: 100)
            + String(repeating: "]", count: 100) + "}}}"
        for body in [deep, inArguments] {
            let error = try #require(refusal(post(body)))
            #expect(error.httpStatus == 400)
            #expect(error.jsonRPCCode == -32700)
        }
    }

    @Test("body over the size bound → 413, no crash")
    func tooLarge() throws {
        let big =
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":""#
            + String(repeating: "x", count: 2 << 20) + #""}}}"#
        let error = try #require(refusal(post(big)))
        #expect(error.httpStatus == 413)
    }

    @Test("Mcp-Method / Mcp-Name disagree with the body → 400")
    func headersDisagree() throws {
        let error = try #require(refusal(post(toolCall, version: "2026-07-28", mcpMethod: "tools/call", mcpName: "query")))
        #expect(error.httpStatus == 400)
        let error2 = try #require(refusal(post(toolCall, version: "2026-07-28", mcpMethod: "tools/list", mcpName: "delete_records")))
        #expect(error2.httpStatus == 400)
    }

    @Test("batch: every element is classified so each can be decided and audited")
    func batchElements() throws {
        let body =
            "["
            + (0..<5).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"tools/call","params":{"name":"t\#($0)"}}"# }
            .joined(separator: ",") + "]"
        let c = try classify(post(body))
        #expect(c.messages.map(\.target) == (0..<5).map { .tool("t\($0)") })
        #expect(c.messages.map(\.id) == (0..<5).map { .integer(Int64($0)) })
    }
}
