import Foundation
import Logging
import WicketJSON

/// Each upstream's reviewed tool definitions (the saved `tools/list` answer in the tenant's folder,
/// `reviewed_tools`) against the live ones Wicket last saw in a list answer. A tool whose live
/// definition differs from the reviewed one is hidden from lists and its calls are refused.
///
/// With no reviewed file the first definitions seen are trusted (trust on first use), said loudly in
/// the log; a later change to one of them is refused like any other.
/// A `tools/call` before any list was seen is left to the policies: there is nothing live to compare.
final class ToolPins: @unchecked Sendable {
    // @unchecked Sendable: `servers` is only touched under `lock`.
    private let lock = NSLock()
    private var servers: [String: ServerPins] = [:]
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    struct ServerPins {
        /// Name bytes → canonical definition: the reviewed file's, or the first seen (TOFU).
        var reviewed: [[UInt8]: [UInt8]] = [:]
        var reviewedFile: String?
        var reviewedStamp: Date?
        var trustOnFirstUse = false
        /// The reviewed file exists but cannot be read: every tool counts as changed.
        var unreadable = false
        /// Name bytes → canonical definition last seen in a list answer.
        var live: [[UInt8]: [UInt8]] = [:]
        /// Tools already reported as changed (logged once per change).
        var reported: Set<[UInt8]> = []
    }

    static let changedMessage = "tool definition changed since review"

    /// Learns the live definitions of a list answer's tools; returns the tools whose definition
    /// differs from the reviewed one (UTF-8 names), to hide them.
    func observe(_ entries: [JSONValue], upstream: UpstreamConfig) -> Set<[UInt8]> {
        lock.lock()
        defer { lock.unlock() }
        var pins = loaded(upstream)
        var changed: Set<[UInt8]> = []
        for entry in entries {
            guard let definition = ToolDefinition(entry) else { continue }
            let key = Array(definition.name.utf8)
            pins.live[key] = definition.canonical
            if pins.unreadable {
                changed.insert(key)
            } else if let reviewed = pins.reviewed[key] {
                if reviewed != definition.canonical {
                    changed.insert(key)
                    if pins.reported.insert(key).inserted {
                        logger.error(
                            "an upstream tool's definition differs from the reviewed one; the tool is hidden and its calls refused until `wicket tools approve`",
                            metadata: [
                                "wicket.server": "\(upstream.name)", "wicket.tool": "\(definition.name)",
                                "wicket.reviewed": "\(pins.reviewedFile ?? "(first seen)")",
                            ])
                    }
                } else {
                    pins.reported.remove(key)
                }
            } else if pins.trustOnFirstUse {
                pins.reviewed[key] = definition.canonical
                logger.warning(
                    "TRUST ON FIRST USE: no reviewed tool definitions for this server; pinning the tool as first seen. Review it with `wicket tools diff` and `wicket tools approve`",
                    metadata: [
                        "wicket.server": "\(upstream.name)", "wicket.tool": "\(definition.name)",
                    ])
            } else {
                // Not in the reviewed file: a new tool is not a changed one; the schema's
                // `unknown_tools` decides whether it may be called.
            }
        }
        servers[upstream.name] = pins
        return changed
    }

    /// Why a `tools/call` must be refused, or nil (any other message: nil).
    func callRefusal(_ facts: MessageFacts, upstream: UpstreamConfig) -> String? {
        guard facts.method == "tools/call", case .tool(let tool) = facts.target else { return nil }
        return callRefusal(tool: tool, upstream: upstream)
    }

    func callRefusal(tool: String, upstream: UpstreamConfig) -> String? {
        lock.lock()
        defer { lock.unlock() }
        let pins = loaded(upstream)
        servers[upstream.name] = pins
        let key = Array(tool.utf8)
        if pins.unreadable {
            return "the tool `\(tool)` is refused: the server's reviewed tool definitions cannot be read; fix `\(pins.reviewedFile ?? "")`"
        }
        guard let live = pins.live[key], let reviewed = pins.reviewed[key], live != reviewed else { return nil }
        return
            "the tool `\(tool)` is refused: \(Self.changedMessage); review the change with `wicket tools diff` and approve it with `wicket tools approve`"
    }

    /// The server's pins, with the reviewed file (re)read when it changed on disk. Under `lock`.
    private func loaded(_ upstream: UpstreamConfig) -> ServerPins {
        var pins = servers[upstream.name] ?? ServerPins()
        guard let path = upstream.reviewedTools else {
            if !pins.trustOnFirstUse && pins.reviewed.isEmpty {
                pins.trustOnFirstUse = true
                logger.warning(
                    "TRUST ON FIRST USE: upstream has no `reviewed_tools` file; the tool definitions first seen will be pinned in memory only",
                    metadata: [
                        "wicket.server": "\(upstream.name)"
                    ])
            }
            return pins
        }
        guard FileManager.default.fileExists(atPath: path) else {
            if !pins.trustOnFirstUse {
                pins = ServerPins(live: pins.live)
                pins.trustOnFirstUse = true
                logger.warning(
                    "TRUST ON FIRST USE: the `reviewed_tools` file does not exist yet; the tool definitions first seen will be pinned in memory only until `wicket tools approve` writes it",
                    metadata: [
                        "wicket.server": "\(upstream.name)", "wicket.file": "\(path)",
                    ])
            }
            return pins
        }
        let stamp = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        if pins.reviewedFile == path, pins.reviewedStamp == stamp { return pins }
        pins.reviewedFile = path
        pins.reviewedStamp = stamp
        pins.reported = []
        do {
            pins.reviewed = try ReviewedTools.read(path: path)
            pins.trustOnFirstUse = false
            pins.unreadable = false
        } catch {
            // A reviewed file that cannot be read pins nothing as reviewed: every tool counts as
            // changed, so none is shown or called until the file is fixed (fail closed).
            pins.reviewed = [:]
            pins.trustOnFirstUse = false
            pins.unreadable = true
            logger.error(
                "the reviewed tool definitions cannot be read; every tool of the server is refused",
                metadata: [
                    "wicket.server": "\(upstream.name)", "wicket.file": "\(path)", "wicket.error": "\(error)",
                ])
        }
        return pins
    }
}

/// The reviewed file: a saved `tools/list` answer (`{"tools": [...]}`, a JSON-RPC response around
/// it, or a bare array), as `wicket schema --tools` reads it.
enum ReviewedTools {
    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    static func entries(path: String) throws(Unreadable) -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Unreadable(description: "cannot read `\(path)`")
        }
        let value: JSONValue
        do { value = try JSONParser(limits: .init(maxBytes: 16 << 20, maxDepth: 128)).parse(Array(data)) } catch {
            throw Unreadable(description: "`\(path)` is not JSON: \(error)")
        }
        if let tools = value["result"]?["tools"]?.arrayValue ?? value["tools"]?.arrayValue ?? value.arrayValue { return tools }
        throw Unreadable(description: "`\(path)` has no `tools` array")
    }

    static func read(path: String) throws(Unreadable) -> [[UInt8]: [UInt8]] {
        var out: [[UInt8]: [UInt8]] = [:]
        for entry in try entries(path: path) {
            if let definition = ToolDefinition(entry) { out[Array(definition.name.utf8)] = definition.canonical }
        }
        return out
    }
}
