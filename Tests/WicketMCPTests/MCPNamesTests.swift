import Foundation
import Testing

@testable import WicketMCP

@Suite("MCP methods per revision and the name grammar")
struct MCPNamesTests {
    @Test func eachRevisionDefinesItsOwnMethods() {
        #expect(MCPMethods.isDefined("tools/call", in: .v2025_03_26))
        #expect(MCPMethods.isDefined("initialize", in: .v2025_11_25))
        #expect(!MCPMethods.isDefined("initialize", in: .v2026_07_28))
        #expect(MCPMethods.isDefined("server/discover", in: .v2026_07_28))
        #expect(!MCPMethods.isDefined("server/discover", in: .v2025_11_25))
        #expect(MCPMethods.isDefined("tasks/result", in: .v2025_11_25))
        #expect(!MCPMethods.isDefined("tasks/result", in: .v2025_06_18))
        #expect(MCPMethods.isDefined("notifications/tasks/status", in: .v2025_11_25))
        #expect(!MCPMethods.isDefined("ping", in: .v2026_07_28))
        // Server-to-client methods are never client methods.
        for version in MCPProtocolVersion.allCases {
            for method in ["sampling/createMessage", "roots/list", "elicitation/create", "notifications/message"] {
                #expect(!MCPMethods.isDefined(method, in: version))
            }
        }
    }

    @Test func comparisonIsByteForByte() {
        for variant in [
            "Tools/call", "tools/call ", " tools/call", "tools/call\u{200B}", "tools\u{2215}call", "ｔools/call",
            "tools/cal\u{006C}\u{0301}", "TOOLS/CALL",
        ] {
            #expect(!MCPMethods.isDefined(variant, in: .v2025_11_25), "\(variant.unicodeScalars.map { $0.value })")
        }
        // U+212A KELVIN SIGN is canonically equivalent to `K`: Swift's `==` calls them equal, bytes do not.
        #expect("\u{212A}" == "K")
        #expect(!MCPNameGrammar.spec.isValidName("\u{212A}ill"))
    }

    @Test func toolNameGrammar() {
        let g = MCPNameGrammar.spec
        #expect(g.isValidName("delete_records") && g.isValidName("a.b-c_D9") && g.isValidName(String(repeating: "x", count: 128)))
        for bad in ["", String(repeating: "x", count: 129), "a b", "a/b", "a:b", "dеlete", "a\u{0}", "a\u{AD}b", "ｑuery"] {
            #expect(!g.isValidName(bad))
        }
        let wide = MCPNameGrammar(extra: ":/")
        #expect(wide?.isValidName("github:issues/create") == true)
        #expect(MCPNameGrammar(extra: "é") == nil && MCPNameGrammar(extra: "\"") == nil && MCPNameGrammar(extra: "\t") == nil)
    }

    @Test func resourceURIs() {
        for good in [
            "db://prod/customer_records/schema", "file:///a%20b", "urn:isbn:0451450523", "https://x.example/a?b=c#d",
            "custom+x.y-z:opaque",
        ] {
            #expect(MCPNameGrammar.isValidURI(good), "\(good)")
        }
        for bad in [
            "", "no scheme", "/path", ":x", "1a:x", "a b:x", "db://x y", "db://x%2", "db://x%g0", "db://ü", "db://x\u{200B}",
            "db://{id}",
        ] {
            #expect(!MCPNameGrammar.isValidURI(bad), "\(bad)")
        }
        #expect(MCPNameGrammar.isValidURI("db://tables/{name}", allowTemplate: true))
        #expect(!MCPNameGrammar.isValidURI("db://{{x}}", allowTemplate: true))
    }

    @Test func mirroredHeadersAgreeByteForByte() {
        let body = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"Kill","arguments":{}}}"#
        let kelvin = "=?UTF-8?B?" + Data("\u{212A}ill".utf8).base64EncodedString() + "?="
        #expect(refusal(post(body, version: "2025-11-25", mcpName: kelvin))?.code == .headerMismatch)
        #expect(refusal(post(body, version: "2025-11-25", mcpName: "Kill")) == nil)
    }
}
