import Testing

@testable import WicketMCP

/// JSON-RPC 2.0 shape checks, seen through the classifier (the JSON-RPC layer is internal).
@Suite("JSON-RPC 2.0 validation")
struct JSONRPCValidationTests {
    static let invalid: [(String, String)] = [
        (#"1"#, "not an object"),
        (#""x""#, "string"),
        (#"null"#, "null"),
        (#"{}"#, "no jsonrpc"),
        (#"{"id":1,"method":"ping"}"#, "jsonrpc missing"),
        (#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, "jsonrpc 1.0"),
        (#"{"jsonrpc":2.0,"id":1,"method":"ping"}"#, "jsonrpc number"),
        (#"{"jsonrpc":"2.0 ","id":1,"method":"ping"}"#, "jsonrpc with space"),
        (#"{"jsonrpc":"2.0","id":1}"#, "no method, no result"),
        (#"{"jsonrpc":"2.0","id":1,"method":1}"#, "method number"),
        (#"{"jsonrpc":"2.0","id":1,"method":null}"#, "method null"),
        (#"{"jsonrpc":"2.0","id":1,"method":""}"#, "method empty"),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}"#, "params string"),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":null}"#, "params null"),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":3}"#, "params number"),
        (#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, "request id null"),
        (#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, "id fraction"),
        (#"{"jsonrpc":"2.0","id":1e2,"method":"ping"}"#, "id exponent"),
        (#"{"jsonrpc":"2.0","id":99999999999999999999,"method":"ping"}"#, "id too big"),
        (#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#, "id bool"),
        (#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#, "id array"),
        (#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#, "id object"),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}"#, "method and result"),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","extra":1}"#, "unknown member"),
        (#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}"#, "result and error"),
        (#"{"jsonrpc":"2.0","result":{}}"#, "result without id"),
        (#"{"jsonrpc":"2.0","id":null,"result":{}}"#, "result with null id"),
        (#"{"jsonrpc":"2.0","error":{"code":1,"message":"m"}}"#, "error without id"),
        (#"{"jsonrpc":"2.0","id":1,"error":"bad"}"#, "error string"),
        (#"{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}}"#, "error code fraction"),
        (#"{"jsonrpc":"2.0","id":1,"error":{"message":"m"}}"#, "error code missing"),
        (#"{"jsonrpc":"2.0","id":1,"error":{"code":1}}"#, "error message missing"),
        (#"{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","x":1}}"#, "error extra"),
        (#"{"jsonrpc":"2.0","id":1,"result":{},"extra":1}"#, "response extra"),
    ]

    @Test("refuses malformed JSON-RPC with -32600 and 400", arguments: invalid)
    func refuses(_ body: String, _ why: String) throws {
        let error = try #require(refusal(post(body)), "\(why) was accepted")
        #expect(error.jsonRPCCode == -32600, "\(why)")
        #expect(error.httpStatus == 400)
        #expect(error.code == .invalidRequest)
    }

    @Test("an id reads back as its JSON text: integers as digits, strings escaped")
    func idDescriptions() {
        #expect(JSONRPCID.integer(42).description == "42")
        #expect(JSONRPCID.integer(-7).description == "-7")
        #expect(JSONRPCID.integer(.min).description == "-9223372036854775808")
        #expect(JSONRPCID.integer(.max).description == "9223372036854775807")
        #expect(JSONRPCID.string("42").description == "\"42\"")
        #expect(JSONRPCID.string("a\"b\\c\n").description == #""a\"b\\c\n""#)
    }

    @Test("the first member a request or a response must not have is the one named")
    func namesTheFirstForeignMember() throws {
        let request = try #require(refusal(post(#"{"jsonrpc":"2.0","zz":1,"id":1,"result":{},"method":"ping"}"#)))
        #expect(request.message.contains("`zz`"), "\(request.message)")
        let result = try #require(refusal(post(#"{"jsonrpc":"2.0","id":1,"result":{},"method":"ping"}"#)))
        #expect(result.message.contains("`result`"), "\(result.message)")
        let response = try #require(refusal(post(#"{"jsonrpc":"2.0","id":1,"params":{},"result":{},"x":1}"#)))
        #expect(response.message.contains("`params` is not allowed"), "\(response.message)")
        // The id is read before anything else is refused, so the refusal can name it.
        let named = try #require(refusal(post(#"{"zz":1,"jsonrpc":"2.0","method":"ping","id":"n-1"}"#)))
        #expect(named.requestID == .string("n-1"))
    }

    @Test("a key of a member's byte count but other bytes is a foreign member, named as such")
    func nearMissKeysAreForeign() throws {
        // Members are told apart by their byte count first: each count's names must still be
        // compared byte for byte (`K` is U+212A KELVIN SIGN, canonically equal to `K`).
        for key in ["ix", "errot", "methoD", "paramz", "resulT", "jsonrpC", "jsonrpc\u{212A}"] {
            let error = try #require(
                refusal(post(#"{"jsonrpc":"2.0","id":1,"method":"ping",""# + key + #"":{}}"#)), "`\(key)` was accepted")
            #expect(error.message.contains("`\(key)`"), "\(error.message)")
        }
    }

    @Test("accepts requests, notifications and responses")
    func accepts() throws {
        let cases: [(String, MCPMessage.Kind, JSONRPCID?)] = [
            (#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, .request, .integer(1)),
            (#"{"jsonrpc":"2.0","id":"a-1","method":"tools/list","params":{}}"#, .request, .string("a-1")),
            (#"{"jsonrpc":"2.0","id":-5,"method":"x","params":[1,2]}"#, .request, .integer(-5)),
            (#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, .notification, nil),
            (#"{"jsonrpc":"2.0","id":3,"result":{"roots":[]}}"#, .response, .integer(3)),
            (#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"m","data":{}}}"#, .response, nil),
            (#"{"jsonrpc":"2.0","id":"s","error":{"code":-1,"message":"m"}}"#, .response, .string("s")),
        ]
        for (body, kind, id) in cases {
            let c = try classify(post(body))
            let message = try #require(c.messages.first)
            #expect(message.kind == kind, "\(body)")
            #expect(message.id == id, "\(body)")
        }
    }

    @Test("a parse error is -32700 with a null id")
    func parseError() throws {
        let error = try #require(refusal(post(#"{"jsonrpc":"2.0","id":1,"method":"ping""#)))
        #expect(error.jsonRPCCode == -32700)
        #expect(error.httpStatus == 400)
        #expect(error.requestID == nil)
        #expect(error.message.hasPrefix("the body is not valid JSON: "))
    }

    @Test("the id is reported when known")
    func idKnown() throws {
        let error = try #require(refusal(post(#"{"jsonrpc":"1.0","id":"abc","method":"ping"}"#)))
        #expect(error.requestID == .string("abc"))
        let error2 = try #require(refusal(post(#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{}}"#)))
        #expect(error2.requestID == .integer(9))
    }
}
