import Cedar
import Foundation
import Testing
import WicketMCP
import WicketStore

@testable import WicketCore

/// A broad permit beside a forbid on one tool: whatever a name rule lets through, this permit allows.
private let broad = PipelineOptions(extraPolicies: [
    "broad.cedar": """
    @id("broad permit")
    permit (principal, action, resource);
    @id("no deletes")
    forbid (principal, action == ServiceMCP::Action::"delete_records", resource);
    """
])

private func json(_ object: [String: Any]) -> String {
    String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
}

private func call(_ tool: String, id: Int = 1) -> String {
    json(["jsonrpc": "2.0", "id": id, "method": "tools/call", "params": ["name": tool, "arguments": ["table": "prod.x"]]])
}

@Suite("Names policy sees are the names the upstream runs")
struct NameDisciplineTests {
    static let tools = ["delete_records", "drop_table", "query", "post_message", "slow_report"]
    static let methods = [
        "tools/call", "tools/list", "initialize", "resources/read", "prompts/get", "ping",
        "notifications/initialized", "logging/setLevel", "completion/complete",
    ]

    @Test func exactNamesStillPassTheBroadPermit() throws {
        try withPipeline(broad) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            try h.send(h.request(call("query"), key: h.key(PipelineHarness.alex))).expectAllowed(
                token: "Bearer " + PipelineHarness.alexCredential)
            try h.send(h.request(call("delete_records"), key: h.key(PipelineHarness.alex)))
                .expectDenied(status: 403, code: -32003, words: ["no deletes"])
        }
    }

    /// The generator: look-alikes of every real tool, none allowed, each refused before any policy.
    @Test(arguments: [UInt64(0x5EED_0001), 0x5EED_0002, 0x5EED_0003])
    func lookAlikeToolNamesNeverPass(seed: UInt64) throws {
        let variants = LookAlike.variants(of: Self.tools, count: 120, seed: seed)
        #expect(Set(variants.map(\.technique)) == Set(LookAlike.allCases), "every technique is exercised (seed \(seed))")
        try withPipeline(broad) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            for (name, technique) in variants {
                let out = try h.send(h.request(call(name), key: h.key(PipelineHarness.alex)))
                #expect(out.status != 200, "seed \(seed): \(technique) variant `\(NameDiscipline.visible(name))` was allowed")
                #expect(out.records.allSatisfy { $0.decision == .deny })
                if technique == .caseVariant {
                    // Inside the grammar, but not a tool the schema declares.
                    out.expectDenied(status: 403, code: -32003, words: ["not declared in the tenant's schema", "wicket schema"])
                } else {
                    out.expectDenied(status: 400, code: -32602, words: ["is not a valid MCP tool name"])
                    #expect(out.record?.errors.first?.contains("not a valid MCP tool name") == true)
                }
            }
        }
    }

    @Test(arguments: [UInt64(0xC0FF_EE01), 0xC0FF_EE02])
    func lookAlikeMethodsNeverPass(seed: UInt64) throws {
        let variants = LookAlike.variants(of: Self.methods, count: 90, seed: seed)
        try withPipeline(broad) { h in
            for (method, technique) in variants {
                let body = json(["jsonrpc": "2.0", "id": 3, "method": method, "params": ["name": "query", "uri": "db://x"]])
                let out = try h.send(h.request(body, key: h.key(PipelineHarness.alex), protocolVersion: "2025-11-25"))
                #expect(out.status == 400, "seed \(seed): \(technique) variant `\(NameDiscipline.visible(method))` got \(out.status)")
                out.expectDenied(status: 400, code: -32601, words: ["is not defined by MCP protocol 2025-11-25"])
                #expect(out.record?.method == NameDiscipline.visible(method))
            }
        }
    }

    @Test func methodsAreThoseOfTheNegotiatedRevision() throws {
        try withPipeline(broad) { h in
            let key = h.key(PipelineHarness.alex)
            let tasks = json(["jsonrpc": "2.0", "id": 4, "method": "tasks/list", "params": [:] as [String: Any]])
            try h.send(h.request(tasks, key: key, protocolVersion: "2025-06-18"))
                .expectDenied(status: 400, code: -32601, words: ["`tasks/list`", "2025-06-18"])
            #expect(try h.send(h.request(tasks, key: key, protocolVersion: "2025-11-25")).status == 200)
            let ping = json(["jsonrpc": "2.0", "id": 5, "method": "ping"])
            #expect(try h.send(h.request(ping, key: key, protocolVersion: "2025-11-25")).status == 200)
            try h.send(h.request(ping, key: key, protocolVersion: "2026-07-28", mcpMethod: "ping"))
                .expectDenied(status: 400, code: -32601, words: ["`ping`", "2026-07-28"])
            let vendor = json(["jsonrpc": "2.0", "id": 6, "method": "acme/export"])
            try h.send(h.request(vendor, key: key)).expectDenied(status: 400, code: -32601, words: ["acme/export"])
        }
    }

    @Test func extensionMethodsAreTheirOwnActionInNoGroup() throws {
        var options = broad
        options.extraPolicies["broad.cedar"] = """
            @id("session") permit (principal, action in [ServiceMCP::Action::"session", ServiceMCP::Action::"discovery", ServiceMCP::Action::"tools/call"], resource);
            """
        options.upstreamLines = #"extension_methods = ["acme/export"]"#
        try withPipeline(options) { h in
            let key = h.key(PipelineHarness.alex)
            let vendor = json(["jsonrpc": "2.0", "id": 6, "method": "acme/export"])
            // Not yet in the schema: request validation refuses it and names the part.
            try h.send(h.request(vendor, key: key)).expectDenied(status: 403, code: -32003, words: ["(action)", "acme/export"])
            try h.regenerateSchema()
            // Classified now, but no group grants it: a policy must name it.
            try h.send(h.request(vendor, key: key)).expectDenied(status: 403, code: -32003, words: ["no policy permits", "acme/export"])
            let variant = json(["jsonrpc": "2.0", "id": 7, "method": "Acme/export"])
            try h.send(h.request(variant, key: key)).expectDenied(status: 400, code: -32601, words: ["Acme/export"])
        }
        try withPipeline(options) { h in
            try h.regenerateSchema(policy: #"permit (principal, action == ServiceMCP::Action::"acme/export", resource);"#)
            let vendor = json(["jsonrpc": "2.0", "id": 6, "method": "acme/export"])
            #expect(try h.send(h.request(vendor, key: h.key(PipelineHarness.alex))).status == 200)
        }
    }

    @Test func toolNameGrammarIsTheSpecs() throws {
        try withPipeline(broad) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let key = h.key(PipelineHarness.alex)
            for bad in [String(repeating: "a", count: 129), "query tool", "query/x", "query:x", "qu\"ery", "query\u{0}"] {
                try h.send(h.request(call(bad), key: key)).expectDenied(status: 400, code: -32602, words: ["not a valid MCP tool name"])
            }
            // Inside the grammar but undeclared: the tool surface refuses it and says how to fix the schema.
            for undeclared in [String(repeating: "a", count: 128), "Query", "drop.everything", "a-b_c.D9"] {
                try h.send(h.request(call(undeclared), key: key))
                    .expectDenied(status: 403, code: -32003, words: ["not declared", "regenerate the schema with `wicket schema`"])
            }
            let prompt = json(["jsonrpc": "2.0", "id": 8, "method": "prompts/get", "params": ["name": "incident\u{200B}_summary"]])
            try h.send(h.request(prompt, key: key)).expectDenied(status: 400, code: -32602, words: ["not a valid MCP prompt name"])
        }
    }

    @Test func widenedGrammarIsDeliberateAndStillASCII() throws {
        var options = broad
        options.upstreamLines = #"extra_name_characters = ":/""#
        options.tenantLines = #"unknown_tools = "policy""#
        try withPipeline(options) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            let key = h.key(PipelineHarness.alex)
            #expect(try h.send(h.request(call("github:create/issue"), key: key)).status == 200)
            try h.send(h.request(call("github:cre\u{0430}te"), key: key)).expectDenied(status: 400, code: -32602, words: ["and `/:`"])
        }
    }

    @Test func resourceURIsMustBeURIs() throws {
        try withPipeline(broad) { h in
            let key = h.key(PipelineHarness.alex)
            func read(_ uri: String) -> String { json(["jsonrpc": "2.0", "id": 9, "method": "resources/read", "params": ["uri": uri]]) }
            #expect(try h.send(h.request(read("db://prod/customer_records/schema"), key: key)).status == 200)
            #expect(try h.send(h.request(read("file:///tmp/a%20b.txt"), key: key)).status == 200)
            for bad in ["not a uri", "db://prod/customer\u{200B}_records", "ｄｂ://prod", "//no-scheme", "1db://x", "db://x%zz", "db://{x}"] {
                try h.send(h.request(read(bad), key: key)).expectDenied(status: 400, code: -32602, words: ["is not a valid resource URI"])
            }
        }
    }

    @Test func batchWithOneBadNameIsRefusedWholeAndEveryElementRecorded() throws {
        try withPipeline(broad) { h in
            let body = "[" + call("query", id: 1) + "," + call("qu\u{0435}ry", id: 2) + "]"
            let out = try h.send(h.request(body, key: h.key(PipelineHarness.alex), protocolVersion: "2025-03-26"))
            out.expectDenied(status: 400, code: -32602, words: ["not a valid MCP tool name"])
            #expect(out.records.count == 2)
            #expect(out.records.map(\.targetName) == ["query", "qu\\u{435}ry"])
        }
    }

    @Test func unknownToolsPolicyLeavesUndeclaredToolsToThePolicies() throws {
        var options = broad
        options.tenantLines = #"unknown_tools = "policy""#
        try withPipeline(options) { h in
            try h.setNow("2026-04-16T11:00:00Z")
            #expect(try h.send(h.request(call("brand_new_tool"), key: h.key(PipelineHarness.alex))).status == 200)
        }
    }

    @Test func requestValidationNamesThePartThatFailed() throws {
        let schema = try Schema(
            cedarText: """
                namespace NS {
                    entity User; entity Server = { name: String }; entity Resource in [Server] = { name: String, server: String };
                    type Context = { method: String };
                    action "tools/call";
                    action "query" in ["tools/call"] appliesTo { principal: User, resource: Server, context: Context };
                }
                """)
        let surface = ToolSurface(schema: schema, unknownTools: .deny)
        let facts = MessageFacts(method: "tools/call", target: .tool("query"))
        func request(resource: EntityUID, context: [ExactString: Value]) -> Request {
            Request(
                principal: EntityUID(type: Name("NS::User"), id: "a"), action: EntityUID(type: Name("NS::Action"), id: "query"),
                resource: resource, context: context)
        }
        let server = EntityUID(type: Name("NS::Server"), id: "db")
        #expect(
            surface.problem(
                request: request(resource: server, context: ["method": .string("tools/call")]),
                facts: facts, namespace: "NS") == nil)
        let wrongResource = surface.problem(
            request: request(
                resource: EntityUID(type: Name("NS::Resource"), id: "t"),
                context: ["method": .string("tools/call")]), facts: facts, namespace: "NS")
        #expect(wrongResource?.record.hasPrefix("schema: resource:") == true)
        let wrongContext = surface.problem(request: request(resource: server, context: ["method": .long(1)]), facts: facts, namespace: "NS")
        #expect(wrongContext?.record.hasPrefix("schema: context:") == true)
        let undeclared = surface.problem(
            request: request(resource: server, context: [:]), facts: MessageFacts(method: "tools/call", target: .tool("drop")),
            namespace: "NS")
        #expect(undeclared?.message.contains("wicket schema") == true)
    }

    @Test func configKeysAreCheckedAndDefaulted() throws {
        let base = """
            [[tenant]]
            name = "acme"
            policies = "p"
            entities = "e.json"
            """
        func parse(_ tenant: String, _ upstream: String = "") throws -> WicketConfig {
            try WicketConfig.parse(
                base + "\n" + tenant + "\n[[upstream]]\nname = \"db\"\ntenant = \"acme\"\n" + upstream, baseDirectory: "/tmp")
        }
        #expect(try parse("").tenants[0].unknownTools == .policy)
        #expect(try parse(#"schema = "s.cedarschema""#).tenants[0].unknownTools == .deny)
        #expect(try parse("schema = \"s\"\nunknown_tools = \"policy\"").tenants[0].unknownTools == .policy)
        #expect(throws: ConfigError.self) { try parse(#"unknown_tools = "deny""#) }
        #expect(throws: ConfigError.self) { try parse(#"unknown_tools = "allow""#) }
        #expect(try parse("", #"extension_methods = ["acme/export"]"#).upstreams[0].extensionMethods == ["acme/export"])
        for bad in [#"["tools/call"]"#, #"["session"]"#, #"["a b"]"#, #"["x", "x"]"#, #"["é"]"#] {
            #expect(throws: ConfigError.self) { try parse("", "extension_methods = \(bad)") }
        }
        #expect(try parse("", #"extra_name_characters = ":/ ""#).upstreams[0].nameGrammar.isValidName("a b:c/d"))
        #expect(throws: ConfigError.self) { try parse("", #"extra_name_characters = "é""#) }
        // `wicket schema` refuses to declare a tool Wicket would refuse on every call.
        let plain = try parse("")
        #expect(SchemaGenerator.nameProblem(in: ["query", "post_message"], tenant: "acme", config: plain) == nil)
        #expect(
            SchemaGenerator.nameProblem(in: ["query", "qu\u{0435}ry"], tenant: "acme", config: plain)?
                .contains("`qu\\u{435}ry` is not a valid MCP tool name") == true)
        #expect(
            SchemaGenerator.nameProblem(
                in: ["a:b"], tenant: "acme",
                config: try parse("", #"extra_name_characters = ":""#)) == nil)
    }
}

extension PipelineHarness {
    /// Rewrites acme's schema with `wicket schema` for the harness's configuration, and reloads.
    func regenerateSchema(policy: String? = nil) throws {
        let text = SchemaGenerator.schema(for: "acme", config: config, tools: SetupInitializer.exampleTools)
        try text.write(toFile: root + "/tenants/acme/schema.cedarschema", atomically: true, encoding: .utf8)
        if let policy { try policy.write(toFile: root + "/tenants/acme/policies/name.cedar", atomically: true, encoding: .utf8) }
        #expect(try #require(tenants["acme"]).reload(onlyIfChanged: false, logger: Self.logger))
    }
}
