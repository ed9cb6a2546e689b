import Foundation
import Testing
import WicketJSON

@testable import WicketMCP

@Suite("JSON-RPC error bodies")
struct MCPRequestErrorTests {
    @Test("the body is valid strict JSON with id, code and message")
    func body() throws {
        let error = MCPRequestError(
            code: .invalidParams, httpStatus: 400, jsonRPCCode: -32602,
            message: "`tools/call` needs \"x\"\n\u{1}é", requestID: .string("a\"b"))
        let value = try JSONParser().parse(error.jsonRPCErrorBody())
        #expect(value["jsonrpc"] == .string("2.0"))
        #expect(value["id"] == .string("a\"b"))
        #expect(value["error"]?["code"]?.numberValue?.int64Value == -32602)
        #expect(value["error"]?["message"] == .string("`tools/call` needs \"x\"\n\u{1}é"))
        #expect(value.objectValue?.keys == ["jsonrpc", "id", "error"])
    }

    @Test("a null id when unknown, an integer id as a number")
    func ids() throws {
        let none = MCPRequestError(code: .parseError, httpStatus: 400, jsonRPCCode: -32700, message: "m")
        #expect(
            String(decoding: none.jsonRPCErrorBody(), as: UTF8.self)
                == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"m"}}"#)
        let int = MCPRequestError(code: .invalidRequest, httpStatus: 400, jsonRPCCode: -32600, message: "m", requestID: .integer(-9))
        #expect(try JSONParser().parse(int.jsonRPCErrorBody())["id"]?.numberValue?.text == "-9")
    }

    @Test("every classifier error renders a body Foundation can read")
    func classifierErrorsRender() throws {
        let requests = [
            post("{"), post(#"{"jsonrpc":"2.0","id":"\u0007","method":1}"#), post(toolCall, version: "bad\u{1}`version"),
            MCPHTTPRequest(method: "TRACE\n"), post(toolCall, version: "2026-07-28"),
        ]
        for request in requests {
            let error = try #require(refusal(request))
            let object = try JSONSerialization.jsonObject(with: Data(error.jsonRPCErrorBody())) as? [String: Any]
            #expect(object?["jsonrpc"] as? String == "2.0")
            #expect(!error.message.contains("\n"))
            #expect(!error.message.contains("\u{1}"))
        }
    }

    @Test("echoed client text is bounded")
    func echoBounded() throws {
        let error = try #require(refusal(post(toolCall, version: String(repeating: "9", count: 5000))))
        #expect(error.message.count < 200)
    }
}
