import Foundation
import Testing

@testable import WicketMCP

@Suite("MCP classification")
struct MCPClassifierTests {
    // MARK: Targets

    @Test("tools/call targets params.name and reads one argument")
    func toolCallTarget() throws {
        let c = try classify(post(toolCall, version: "2025-06-18", session: "mcp_sess_7k91"))
        #expect(c.protocolVersion == .v2025_06_18)
        #expect(c.protocolVersionHeaderPresent)
        #expect(c.sessionID == "mcp_sess_7k91")
        guard case .messages(let messages, let isBatch) = c.kind else {
            Issue.record("not messages")
            return
        }
        #expect(!isBatch)
        let m = try #require(messages.first)
        #expect(m.kind == .request)
        #expect(m.id == .integer(7))
        #expect(m.method == "tools/call")
        #expect(m.target == .tool("delete_records"))
        #expect(m.toolArgument(named: "table") == .string("prod.customer_records"))
        #expect(m.toolArgument(named: "dry_run") == .notAString)
        #expect(m.toolArgument(named: "missing") == .absent)
    }

    @Test(
        "other methods' targets",
        arguments: [
            (#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///a"}}"#, MCPTarget.resource("file:///a")),
            (#"{"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{"uri":"db://x"}}"#, .resource("db://x")),
            (#"{"jsonrpc":"2.0","id":1,"method":"resources/unsubscribe","params":{"uri":"db://x"}}"#, .resource("db://x")),
            (#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"summarize"}}"#, .prompt("summarize")),
            (
                #"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":"v"}}}"#,
                .prompt("p")
            ),
            (
                #"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"file:///{path}"}}}"#,
                .resource("file:///{path}")
            ),
        ])
    func targets(_ body: String, _ target: MCPTarget) throws {
        let m = try #require(try classify(post(body)).messages.first)
        #expect(m.target == target)
        #expect(m.toolArgument(named: "uri") == .absent)
    }

    @Test("methods without a target have none")
    func noTarget() throws {
        for body in [
            #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}"#,
        ] {
            #expect(try classify(post(body)).messages.first?.target == nil)
        }
    }

    @Test(
        "missing or mistyped targets are -32602 with 400",
        arguments: [
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":1}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":null}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":""}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["delete_records"]}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":[1]}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":"table=x"}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":{"x":1}}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":["p"]}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/other","name":"p"}}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","uri":"p"}}}"#,
            #"{"jsonrpc":"2.0","method":"tools/call","params":{"name":7}}"#,
        ])
    func invalidTargets(_ body: String) throws {
        let error = try #require(refusal(post(body)), "accepted")
        #expect(error.jsonRPCCode == -32602)
        #expect(error.httpStatus == 400)
        #expect(error.code == .invalidParams)
    }

    @Test("duplicate keys nested inside params.arguments are refused")
    func duplicateArgumentKeys() throws {
        let body =
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_records","arguments":{"table":"staging.x","opts":{"a":1},"table":"prod.customer_records"}}}"#
        let error = try #require(refusal(post(body)))
        #expect(error.jsonRPCCode == -32700)
        #expect(error.httpStatus == 400)
        #expect(error.message.contains("duplicate object key"))
        let deeper = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"q":[{"k":{"x":1,"x":2}}]}}}"#
        #expect(refusal(post(deeper))?.jsonRPCCode == -32700)
        let escaped = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","n\u0061me":"b"}}"#
        #expect(refusal(post(escaped))?.jsonRPCCode == -32700)
    }

    @Test("tool arguments never appear in description, dump or errors")
    func argumentsHidden() throws {
        let m = try #require(try classify(post(toolCall)).messages.first)
        var dumped = ""
        dump(m, to: &dumped)
        for text in [m.description, dumped, String(describing: m), String(reflecting: m)] {
            #expect(!text.contains("s3cr3t"), "\(text)")
            #expect(!text.contains("prod.customer_records"), "\(text)")
        }
        let bad = toolCall.replacingOccurrences(of: #""jsonrpc":"2.0""#, with: #""jsonrpc":"2.1""#)
        let error = try #require(refusal(post(bad)))
        #expect(!error.message.contains("s3cr3t"))
        #expect(!String(decoding: error.jsonRPCErrorBody(), as: UTF8.self).contains("s3cr3t"))
    }

    // MARK: Protocol versions

    @Test("absent MCP-Protocol-Version means 2025-03-26")
    func defaultVersion() throws {
        let c = try classify(post(toolCall))
        #expect(c.protocolVersion == .v2025_03_26)
        #expect(!c.protocolVersionHeaderPresent)
    }

    @Test("each known revision is recognised", arguments: MCPProtocolVersion.allCases)
    func versions(_ version: MCPProtocolVersion) throws {
        let c = try classify(post(toolCall, version: version.rawValue, mcpMethod: "tools/call", mcpName: "delete_records"))
        #expect(c.protocolVersion == version)
        #expect(c.messages.first?.target == .tool("delete_records"))
    }

    @Test(
        "unknown protocol versions are 400",
        arguments: [
            "2024-11-05", "2099-01-01", "not-a-version", "", "2025-03-26x", "2025-3-26", "2025-06-1", "\u{FF12}025-06-18",
            "2025\u{2011}06-18", "2025-06-18\u{0}",
        ])
    func unknownVersion(_ header: String) throws {
        let error = try #require(refusal(post(toolCall, version: header)))
        #expect(error.httpStatus == 400)
        #expect(error.code == .unsupportedProtocolVersion)
    }

    @Test("a header's revision is read by its exact bytes, as the raw value names it")
    func versionByExactBytes() {
        for version in MCPProtocolVersion.allCases {
            #expect(MCPProtocolVersion(exactly: version.rawValue) == version)
            #expect(MCPProtocolVersion(exactly: String(version.rawValue.dropLast())) == nil)
        }
        #expect(MCPProtocolVersion(exactly: "2025-06-18 ") == nil)
    }

    @Test("a header's blanks at either end are trimmed, and only those")
    func headerBlanksTrimmed() throws {
        for header in ["2025-06-18", " 2025-06-18", "2025-06-18\t", "\t 2025-06-18  ", " 2025-06-18"] {
            #expect(try classify(post(toolCall, version: header)).protocolVersion == .v2025_06_18, "\(header)")
        }
        for header in ["2025-06- 18", "\u{A0}2025-06-18", "2025-06-18\n", ""] {
            #expect(refusal(post(toolCall, version: header))?.code == .unsupportedProtocolVersion, "\(header)")
        }
        #expect(MCPClassifier.trimmed(" a b\t") == "a b")
        #expect(MCPClassifier.trimmed("ab") == "ab")
        #expect(MCPClassifier.trimmed(" \t ") == "")
        #expect(MCPClassifier.trimmed("") == "")
    }

    // MARK: Batches

    static let batch =
        #"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query","arguments":{"sql":"select 1"}}},{"jsonrpc":"2.0","method":"notifications/progress","params":{}},{"jsonrpc":"2.0","id":"b","method":"resources/read","params":{"uri":"db://t"}}]"#

    @Test("batches are classified element by element on 2025-03-26")
    func batchOn20250326() throws {
        for version in [nil, "2025-03-26"] {
            let c = try classify(post(Self.batch, version: version))
            guard case .messages(let messages, let isBatch) = c.kind else {
                Issue.record("not messages")
                return
            }
            #expect(isBatch)
            #expect(messages.map(\.kind) == [.request, .notification, .request])
            #expect(messages.map(\.target) == [.tool("query"), nil, .resource("db://t")])
            #expect(messages[0].toolArgument(named: "sql") == .string("select 1"))
        }
        let single = try classify(post("[" + toolCall + "]"))
        guard case .messages(let messages, true) = single.kind else {
            Issue.record("a one-element batch is still a batch")
            return
        }
        #expect(messages.count == 1)
    }

    @Test("batches are refused on later revisions", arguments: ["2025-06-18", "2025-11-25", "2026-07-28"])
    func batchRefused(_ version: String) throws {
        let error = try #require(refusal(post(Self.batch, version: version, mcpMethod: "tools/call")))
        #expect(error.jsonRPCCode == -32600)
        #expect(error.httpStatus == 400)
        #expect(error.code == .invalidBatch)
    }

    @Test("empty, oversized, mixed and initialize batches are refused")
    func badBatches() throws {
        #expect(refusal(post("[]"))?.code == .invalidBatch)
        #expect(refusal(post(" [ ] "))?.jsonRPCCode == -32600)
        let many = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"n"}"#, count: 4).joined(separator: ",") + "]"
        #expect(refusal(post(many), limits: MCPLimits(maxBatchCount: 3))?.code == .invalidBatch)
        #expect(refusal(post(many), limits: MCPLimits(maxBatchCount: 4)) == nil)
        let mixed = #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"result":{}}]"#
        #expect(refusal(post(mixed))?.code == .invalidBatch)
        let responses = #"[{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"2.0","id":2,"error":{"code":-1,"message":"no"}}]"#
        #expect(try classify(post(responses)).messages.map(\.isErrorResponse) == [false, true])
        let initialize = #"[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}]"#
        #expect(refusal(post(initialize))?.code == .invalidBatch)
    }

    @Test("one bad element refuses the whole batch without an id")
    func badElement() throws {
        let body =
            #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{}},{"jsonrpc":"2.0","id":3}]"#
        let error = try #require(refusal(post(body)))
        #expect(error.jsonRPCCode == -32602)
        #expect(error.requestID == nil)
        #expect(error.message.contains("batch element 1"))
        let nested = #"[[{"jsonrpc":"2.0","id":1,"method":"ping"}]]"#
        #expect(refusal(post(nested))?.jsonRPCCode == -32600)
        let scalar = #"[1]"#
        #expect(refusal(post(scalar))?.jsonRPCCode == -32600)
    }

    // MARK: 2026-07-28 headers

    @Test("2026-07-28 needs Mcp-Method and Mcp-Name that agree with the body")
    func statelessHeaders() throws {
        let v = "2026-07-28"
        #expect(refusal(post(toolCall, version: v, mcpMethod: "tools/call", mcpName: "delete_records")) == nil)
        #expect(refusal(post(toolCall, version: v, mcpMethod: " tools/call ", mcpName: "delete_records ")) == nil)
        let cases: [(String?, String?)] = [
            (nil, "delete_records"), ("tools/list", "delete_records"), ("Tools/Call", "delete_records"),
            ("tools/call", nil), ("tools/call", "query"), ("tools/call", "DELETE_RECORDS"), ("tools/call", ""),
        ]
        for (method, name) in cases {
            let error = try #require(
                refusal(post(toolCall, version: v, mcpMethod: method, mcpName: name)),
                "\(String(describing: method)) \(String(describing: name)) accepted")
            #expect(error.httpStatus == 400)
            #expect(error.jsonRPCCode == -32020)
            #expect(error.code == .headerMismatch)
            #expect(error.requestID == .integer(7))
        }
    }

    @Test("2026-07-28 name mirroring per method")
    func statelessNames() throws {
        let v = "2026-07-28"
        let read = #"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"db://t"}}"#
        #expect(refusal(post(read, version: v, mcpMethod: "resources/read", mcpName: "db://t")) == nil)
        #expect(refusal(post(read, version: v, mcpMethod: "resources/read"))?.code == .headerMismatch)
        let prompt = #"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"p"}}"#
        #expect(refusal(post(prompt, version: v, mcpMethod: "prompts/get", mcpName: "p")) == nil)
        #expect(refusal(post(prompt, version: v, mcpMethod: "prompts/get", mcpName: "q"))?.code == .headerMismatch)
        let list = #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#
        #expect(refusal(post(list, version: v, mcpMethod: "tools/list")) == nil)
        #expect(refusal(post(list, version: v, mcpMethod: "tools/list", mcpName: "x"))?.code == .headerMismatch)
        let note = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#
        #expect(refusal(post(note, version: v, mcpMethod: "notifications/cancelled")) == nil)
        #expect(refusal(post(note, version: v))?.code == .headerMismatch)
    }

    @Test("Mcp-Name may be =?UTF-8?B?…?= encoded")
    func encodedName() throws {
        let body = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"résumé"}}"#
        let encoded = "=?UTF-8?B?" + Data("résumé".utf8).base64EncodedString() + "?="
        #expect(refusal(post(body, version: "2026-07-28", mcpMethod: "tools/call", mcpName: encoded)) == nil)
        let lowerPrefix = "=?utf-8?b?" + Data("résumé".utf8).base64EncodedString() + "?="
        #expect(refusal(post(body, version: "2026-07-28", mcpMethod: "tools/call", mcpName: lowerPrefix)) == nil)
        #expect(refusal(post(body, version: "2026-07-28", mcpMethod: "tools/call", mcpName: "résumé")) == nil)
        let wrong = "=?UTF-8?B?" + Data("resume".utf8).base64EncodedString() + "?="
        #expect(refusal(post(body, version: "2026-07-28", mcpMethod: "tools/call", mcpName: wrong))?.code == .headerMismatch)
        #expect(refusal(post(body, version: "2026-07-28", mcpMethod: "tools/call", mcpName: "=?UTF-8?B?***?="))?.code == .headerMismatch)
        let invalidUTF8 = "=?UTF-8?B?" + Data([0xC3, 0x28]).base64EncodedString() + "?="
        #expect(refusal(post(body, version: "2026-07-28", mcpMethod: "tools/call", mcpName: invalidUTF8))?.code == .headerMismatch)
    }

    @Test("2026-07-28 refuses a _meta protocol version that disagrees with the header")
    func metaVersion() throws {
        func body(_ version: String) -> String {
            #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"\#(version)"}}}"#
        }
        #expect(refusal(post(body("2026-07-28"), version: "2026-07-28", mcpMethod: "tools/list")) == nil)
        #expect(refusal(post(body("2025-11-25"), version: "2026-07-28", mcpMethod: "tools/list"))?.code == .headerMismatch)
    }

    @Test("2026-07-28 is stateless: no session, no GET, no DELETE, no client responses")
    func stateless() throws {
        let c = try classify(
            post(toolCall, version: "2026-07-28", session: "old-session", mcpMethod: "tools/call", mcpName: "delete_records"))
        #expect(c.sessionID == nil)
        for method in ["GET", "DELETE"] {
            let error = try #require(refusal(MCPHTTPRequest(method: method, sessionID: "s", protocolVersion: "2026-07-28")))
            #expect(error.httpStatus == 405)
            #expect(error.code == .methodNotAllowed)
        }
        let response = #"{"jsonrpc":"2.0","id":1,"result":{}}"#
        #expect(refusal(post(response, version: "2026-07-28"))?.code == .invalidRequest)
    }

    @Test("earlier revisions: headers optional but must agree when present", arguments: ["2025-03-26", "2025-06-18", "2025-11-25"])
    func optionalHeaders(_ v: String) throws {
        #expect(refusal(post(toolCall, version: v)) == nil)
        #expect(refusal(post(toolCall, version: v, mcpMethod: "tools/call", mcpName: "delete_records")) == nil)
        #expect(refusal(post(toolCall, version: v, mcpMethod: "tools/list"))?.code == .headerMismatch)
        #expect(refusal(post(toolCall, version: v, mcpName: "query"))?.code == .headerMismatch)
        let response = #"{"jsonrpc":"2.0","id":1,"result":{}}"#
        #expect(refusal(post(response, version: v)) == nil)
        #expect(refusal(post(response, version: v, mcpMethod: "x"))?.code == .headerMismatch)
    }

    // MARK: HTTP method, session, content type, size

    @Test("GET opens a stream and DELETE ends a session on stateful revisions", arguments: ["2025-03-26", "2025-06-18", "2025-11-25"])
    func getAndDelete(_ v: String) throws {
        let get = try classify(MCPHTTPRequest(method: "GET", sessionID: "abc", protocolVersion: v, accept: "text/event-stream"))
        guard case .openStream = get.kind else { Issue.record("GET not openStream"); return }
        #expect(get.sessionID == "abc")
        #expect(get.messages.isEmpty)
        let getNoSession = try classify(MCPHTTPRequest(method: "GET", protocolVersion: v))
        #expect(getNoSession.sessionID == nil)
        let delete = try classify(MCPHTTPRequest(method: "DELETE", sessionID: "abc", protocolVersion: v))
        guard case .endSession = delete.kind else { Issue.record("DELETE not endSession"); return }
        #expect(refusal(MCPHTTPRequest(method: "DELETE", protocolVersion: v))?.code == .missingSessionID)
        #expect(refusal(MCPHTTPRequest(method: "GET", body: Array(toolCall.utf8), protocolVersion: v))?.code == .unexpectedBody)
        #expect(refusal(MCPHTTPRequest(method: "DELETE", body: [0x7B], sessionID: "a", protocolVersion: v))?.code == .unexpectedBody)
    }

    @Test("other HTTP methods are 405", arguments: ["PUT", "PATCH", "OPTIONS", "HEAD", "", "POST "])
    func otherMethods(_ method: String) throws {
        let error = try #require(refusal(MCPHTTPRequest(method: method, body: Array(toolCall.utf8), contentType: "application/json")))
        #expect(error.httpStatus == 405)
    }

    @Test("lowercase HTTP method names are accepted")
    func lowercaseMethod() throws {
        var request = post(toolCall)
        request.method = "post"
        #expect(refusal(request) == nil)
    }

    @Test("session ids must be visible ASCII", arguments: ["", "a b", "a\tb", "é", "a\u{7F}", String(repeating: "x", count: 1025)])
    func badSessionIDs(_ id: String) throws {
        let error = try #require(refusal(post(toolCall, session: id)))
        #expect(error.code == .invalidSessionID)
        #expect(error.httpStatus == 400)
    }

    @Test("content type must be application/json")
    func contentType() throws {
        for ok in ["application/json", "application/json; charset=utf-8", "Application/JSON", " application/json ;charset=UTF-8"] {
            #expect(refusal(post(toolCall, contentType: ok)) == nil, "\(ok)")
        }
        for bad in [nil, "", "text/plain", "application/json-seq", "application/x-www-form-urlencoded", "multipart/form-data"] {
            let error = try #require(refusal(post(toolCall, contentType: bad)), "\(String(describing: bad))")
            #expect(error.httpStatus == 415)
        }
    }

    @Test("bodies over the bound are 413; at the bound they parse")
    func bodySize() throws {
        let limit = toolCall.utf8.count
        #expect(refusal(post(toolCall), limits: MCPLimits(maxBodyBytes: limit)) == nil)
        let error = try #require(refusal(post(toolCall + " "), limits: MCPLimits(maxBodyBytes: limit)))
        #expect(error.httpStatus == 413)
        #expect(error.code == .bodyTooLarge)
    }

    @Test("an empty POST body is a parse error")
    func emptyBody() throws {
        let error = try #require(refusal(post("")))
        #expect(error.jsonRPCCode == -32700)
    }
}
