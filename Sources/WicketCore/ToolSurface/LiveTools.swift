import Foundation
import WicketJSON
import WicketMCP

/// `wicket tools diff` / `wicket tools approve`: the live `tools/list` of an upstream, fetched the
/// way a client does (initialize on a handshake revision, then every page), against the reviewed
/// file in the tenant's folder.
public enum LiveTools {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    static let protocolVersion = "2025-11-25"

    /// Every tool of the upstream, across pages. `authorization` is sent as is (a member's credential).
    static func fetch(url: String, authorization: String?, timeoutMilliseconds: Int) throws(Failure) -> [JSONValue] {
        let client: HTTPClient
        do { client = try HTTPClient() } catch { throw Failure(description: error.description) }
        var headers: [(String, String)] = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
        if let authorization { headers.append(("Authorization", authorization)) }

        func post(_ body: String, id: JSONRPCID?, extra: [(String, String)]) throws(Failure) -> (HTTPClient.Reply, ListReply?) {
            let reply: HTTPClient.Reply
            do {
                reply = try client.exchange(
                    url: url, headers: headers + extra, body: Array(body.utf8),
                    timeoutMilliseconds: timeoutMilliseconds, maxBytes: 16 << 20)
            } catch { throw Failure(description: "the upstream `\(url)` did not answer: \(error.description)") }
            guard let id else { return (reply, nil) }
            guard (200..<300).contains(reply.status) else {
                throw Failure(description: "the upstream answered HTTP \(reply.status)")
            }
            do { return (reply, try ListReply.read(reply, id: id)) } catch {
                throw Failure(description: "the upstream's answer could not be read: \(error.reason)")
            }
        }

        let initialize =
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(protocolVersion)","capabilities":{},"clientInfo":{"name":"wicket-tools","version":"1"}}}"#
        let (opened, answer) = try post(initialize, id: .integer(1), extra: [("MCP-Protocol-Version", protocolVersion)])
        if case .error(let value)? = answer {
            throw Failure(description: "the upstream refused initialize: \(String(decoding: value.encoded, as: UTF8.self))")
        }
        var session: [(String, String)] = [("MCP-Protocol-Version", protocolVersion)]
        if let id = opened.header("mcp-session-id") { session.append(("Mcp-Session-Id", id)) }
        _ = try post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, id: nil, extra: session)

        var tools: [JSONValue] = []
        var cursor: String?
        for page in 2..<1002 {
            var params = ""
            if let cursor {
                var quoted: [UInt8] = []
                JSONValue.appendString(cursor, to: &quoted)
                params = #","params":{"cursor":"# + String(decoding: quoted, as: UTF8.self) + "}"
            }
            let (_, answer) = try post(
                #"{"jsonrpc":"2.0","id":\#(page),"method":"tools/list"\#(params)}"#, id: .integer(Int64(page)), extra: session)
            guard case .result(let result)? = answer, let entries = result["tools"]?.arrayValue else {
                throw Failure(description: "the upstream's tools/list answer has no `tools` array")
            }
            tools += entries
            guard let next = result["nextCursor"]?.stringValue, !next.isEmpty else { return tools }
            cursor = next
        }
        throw Failure(description: "the upstream's tools/list has more than 1000 pages")
    }

    /// The differences between the reviewed file and the live list, one line each, and whether any.
    public static func diff(config: WicketConfig, server: String, authorization: String?) throws(Failure) -> (text: String, differs: Bool) {
        let upstream = try Self.upstream(config, server)
        let live = try fetch(url: upstream.url, authorization: authorization, timeoutMilliseconds: upstream.listTimeoutMilliseconds)
        guard let path = upstream.reviewedTools, FileManager.default.fileExists(atPath: path) else {
            let names = live.compactMap { $0["name"]?.stringValue }
            return (
                "no reviewed file for `\(server)` (`reviewed_tools`); every live tool is unreviewed:\n"
                    + names.map { "+ \($0)" }.joined(separator: "\n") + "\n", true
            )
        }
        let reviewed: [JSONValue]
        do { reviewed = try ReviewedTools.entries(path: path) } catch { throw Failure(description: error.description) }
        return describe(reviewed: reviewed, live: live)
    }

    static func describe(reviewed: [JSONValue], live: [JSONValue]) -> (text: String, differs: Bool) {
        func byName(_ entries: [JSONValue]) -> [[UInt8]: (String, JSONValue)] {
            var out: [[UInt8]: (String, JSONValue)] = [:]
            for entry in entries { if let name = entry["name"]?.stringValue { out[Array(name.utf8)] = (name, entry) } }
            return out
        }
        let old = byName(reviewed)
        let new = byName(live)
        var lines: [String] = []
        for key in Set(old.keys).union(new.keys).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            switch (old[key], new[key]) {
            case (nil, let added?): lines.append("+ \(added.0) (new tool)")
            case (let removed?, nil): lines.append("- \(removed.0) (no longer offered)")
            case (let before?, let after?):
                guard let a = ToolDefinition(before.1), let b = ToolDefinition(after.1), a.canonical != b.canonical else { continue }
                for field in a.changedFields(from: before.1, live: after.1) {
                    lines.append("~ \(after.0): \(field) changed")
                    lines.append("    reviewed: " + text(before.1.objectValue?[field]))
                    lines.append("    live:     " + text(after.1.objectValue?[field]))
                }
            default: continue
            }
        }
        return (lines.isEmpty ? "the live tools match the reviewed definitions\n" : lines.joined(separator: "\n") + "\n", !lines.isEmpty)
    }

    static func text(_ value: JSONValue?) -> String {
        guard let value else { return "(absent)" }
        return String(decoding: ToolDefinition.canonical(value).encoded, as: UTF8.self)
    }

    /// Writes the live list as the reviewed file and regenerates the tenant's schema with its tools.
    /// Returns the files written.
    public static func approve(config: WicketConfig, server: String, authorization: String?) throws(Failure) -> [String] {
        let upstream = try Self.upstream(config, server)
        guard let path = upstream.reviewedTools else {
            throw Failure(
                description:
                    "upstream `\(server)` has no `reviewed_tools` file in the configuration; add one, e.g. `reviewed_tools = \"tenants/\(upstream.tenant)/tools/\(server).json\"`"
            )
        }
        let live = try fetch(url: upstream.url, authorization: authorization, timeoutMilliseconds: upstream.listTimeoutMilliseconds)
        var written: [String] = []
        do {
            try ReviewedTools.save(live, to: path)
            written.append(path)
            if let schema = config.tenant(named: upstream.tenant)?.schema {
                var names: [String] = []
                for other in config.upstreams where other.tenant == upstream.tenant {
                    var entries: [JSONValue] = []
                    if other.name == server {
                        entries = live
                    } else if let reviewed = other.reviewedTools, let saved = try? ReviewedTools.entries(path: reviewed) {
                        entries = saved
                    }
                    names += entries.compactMap { $0["name"]?.stringValue }
                }
                var seen = Set<[UInt8]>()
                names = names.filter { seen.insert(Array($0.utf8)).inserted }
                if let problem = SchemaGenerator.nameProblem(in: names, tenant: upstream.tenant, config: config) {
                    throw Failure(description: problem)
                }
                try SchemaGenerator.schema(for: upstream.tenant, config: config, tools: names).write(
                    toFile: schema, atomically: true, encoding: .utf8)
                written.append(schema)
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot write the reviewed file: \(error.localizedDescription)")
        }
        return written
    }

    static func upstream(_ config: WicketConfig, _ server: String) throws(Failure) -> UpstreamConfig {
        guard let upstream = config.upstream(named: server) else {
            throw Failure(description: "the configuration names no upstream `\(server)`")
        }
        return upstream
    }
}
