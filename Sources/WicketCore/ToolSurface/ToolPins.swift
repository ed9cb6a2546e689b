import Cedar
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
///
/// How a call is checked without serialising the accept threads: each upstream's pins are an
/// immutable ``ServerPins`` value, replaced whole. A call reads the current pins under `lock` (held
/// for a dictionary read, nothing else), takes one `stat` of the reviewed file with no lock held
/// (ReviewedFileStamp.swift; through the pins' own C string of the path when it is theirs), and
/// answers from them when the stamp is the one they were read at. Only when
/// the file changed (`wicket tools approve`, an edit) does a call take `update`, read the file and
/// swap new pins in; a list answer's new live definitions are swapped in the same way. So an approval
/// or a re-pin applies to the very next call.
final class ToolPins: @unchecked Sendable {
    // @unchecked Sendable: `servers` is only read and written under `lock`, which is never held
    // across file or log I/O; every change is made under `update` (so none is lost) and published
    // by replacing the upstream's immutable pins.
    private let lock = NSLock()
    private var servers: [ExactString: ServerPins] = [:]
    private let update = NSLock()
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// One upstream's pins at one moment; never changed once published.
    final class ServerPins: Sendable {
        /// Name bytes → canonical definition: the reviewed file's, or the first seen (TOFU).
        let reviewed: [[UInt8]: [UInt8]]
        let reviewedFile: String?
        /// `reviewedFile` as `stat(2)` takes it, converted once for every call these pins answer.
        let reviewedPath: CPath?
        /// The reviewed file's stamp when `reviewed` was read; nil without a `reviewed_tools` path.
        let stamp: ReviewedFileStamp?
        /// The file `reviewed` was read from, held open (ReviewedFileStamp.swift says why).
        let held: ReviewedFile?
        let trustOnFirstUse: Bool
        /// The reviewed file exists but cannot be read: every tool counts as changed.
        let unreadable: Bool
        /// Name bytes → canonical definition last seen in a list answer.
        let live: [[UInt8]: [UInt8]]
        /// Tools already reported as changed (logged once per change).
        let reported: Set<[UInt8]>
        /// The tools whose live definition differs from the reviewed one: what a call is refused for.
        let changed: Set<[UInt8]>

        init(
            reviewed: [[UInt8]: [UInt8]] = [:], reviewedFile: String? = nil, stamp: ReviewedFileStamp? = nil,
            held: ReviewedFile? = nil, trustOnFirstUse: Bool = false, unreadable: Bool = false,
            live: [[UInt8]: [UInt8]] = [:], reported: Set<[UInt8]> = []
        ) {
            self.reviewed = reviewed
            self.reviewedFile = reviewedFile
            reviewedPath = reviewedFile.map(CPath.init)
            self.stamp = stamp
            self.held = held
            self.trustOnFirstUse = trustOnFirstUse
            self.unreadable = unreadable
            self.live = live
            self.reported = reported
            var changed: Set<[UInt8]> = []
            for (name, definition) in live where reviewed[name].map({ $0 != definition }) ?? false { changed.insert(name) }
            self.changed = changed
        }

        func with(reviewed: [[UInt8]: [UInt8]]? = nil, live: [[UInt8]: [UInt8]]? = nil, reported: Set<[UInt8]>? = nil) -> ServerPins {
            ServerPins(
                reviewed: reviewed ?? self.reviewed, reviewedFile: reviewedFile, stamp: stamp, held: held,
                trustOnFirstUse: trustOnFirstUse, unreadable: unreadable, live: live ?? self.live, reported: reported ?? self.reported)
        }

        /// Whether these pins answer for a reviewed file that now stats as `stamp`.
        func current(for path: String?, stamp now: ReviewedFileStamp?) -> Bool {
            guard let path else { return reviewedFile == nil && stamp == nil }
            return reviewedFile == path && stamp == now
        }
    }

    static let changedMessage = "tool definition changed since review"

    /// Learns the live definitions of a list answer's tools; returns the tools whose definition
    /// differs from the reviewed one (UTF-8 names), to hide them.
    func observe(_ entries: [JSONValue], upstream: UpstreamConfig) -> Set<[UInt8]> {
        update.lock()
        defer { update.unlock() }
        let server = Server(upstream)
        let pins = loaded(server)
        var live = pins.live
        var reviewed = pins.reviewed
        var reported = pins.reported
        var changed: Set<[UInt8]> = []
        for entry in entries {
            guard let definition = ToolDefinition(entry) else { continue }
            let key = Array(definition.name.utf8)
            live[key] = definition.canonical
            if pins.unreadable {
                changed.insert(key)
            } else if let pinned = reviewed[key] {
                if pinned != definition.canonical {
                    changed.insert(key)
                    if reported.insert(key).inserted {
                        logger.error(
                            "an upstream tool's definition differs from the reviewed one; the tool is hidden and its calls refused until `wicket tools approve`",
                            metadata: [
                                "wicket.server": "\(upstream.name)", "wicket.tool": "\(definition.name)",
                                "wicket.reviewed": "\(pins.reviewedFile ?? "(first seen)")",
                            ])
                    }
                } else {
                    reported.remove(key)
                }
            } else if pins.trustOnFirstUse {
                reviewed[key] = definition.canonical
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
        publish(pins.with(reviewed: reviewed, live: live, reported: reported), for: server)
        return changed
    }

    /// What the pins need of an upstream: its name and its reviewed file. The decision passes the two
    /// fields read in place from its route; a whole `UpstreamConfig` passed along was a copy of every
    /// field (a retain each, and a release) on every call.
    struct Server {
        let name: String
        let reviewedTools: String?

        init(name: String, reviewedTools: String?) {
            self.name = name
            self.reviewedTools = reviewedTools
        }

        init(_ upstream: UpstreamConfig) {
            self.init(name: upstream.name, reviewedTools: upstream.reviewedTools)
        }
    }

    /// Why a `tools/call` must be refused, or nil (any other message: nil).
    func callRefusal(_ facts: MessageFacts, server: Server) -> String? {
        guard case .tool(let tool) = facts.target, CodePoints.equal(facts.method, "tools/call") else { return nil }
        return callRefusal(tool: tool, server: server)
    }

    func callRefusal(tool: String, upstream: UpstreamConfig) -> String? {
        callRefusal(tool: tool, server: Server(upstream))
    }

    func callRefusal(tool: String, server: Server) -> String? {
        var pins = published(server)
        // Stat after this call began, whichever pins it reads: a stamp equal to theirs is the file they were read from.
        let stamp = server.reviewedTools.map { path in
            if let known = pins?.reviewedPath, CodePoints.equal(known.text, path) { return ReviewedFileStamp.of(path: known) }
            return ReviewedFileStamp.of(path: path)
        }
        if pins?.current(for: server.reviewedTools, stamp: stamp) != true {
            update.lock()
            pins = loaded(server)
            publish(pins, for: server)
            update.unlock()
        }
        guard let pins else { return nil }
        if pins.unreadable {
            return "the tool `\(tool)` is refused: the server's reviewed tool definitions cannot be read; fix `\(pins.reviewedFile ?? "")`"
        }
        guard !pins.changed.isEmpty, pins.changed.contains(Array(tool.utf8)) else { return nil }
        return
            "the tool `\(tool)` is refused: \(Self.changedMessage); review the change with `wicket tools diff` and approve it with `wicket tools approve`"
    }

    private func published(_ server: Server) -> ServerPins? {
        lock.lock()
        defer { lock.unlock() }
        return servers[ExactString(server.name)]
    }

    private func publish(_ pins: ServerPins?, for server: Server) {
        guard let pins else { return }
        lock.lock()
        servers[ExactString(server.name)] = pins
        lock.unlock()
    }

    /// The server's current pins, with the reviewed file (re)read when it stats differently from when
    /// they were read. Under `update` (the stat is taken here, so no older one can win).
    private func loaded(_ upstream: Server) -> ServerPins {
        let pins = published(upstream) ?? ServerPins()
        guard let path = upstream.reviewedTools else {
            if !pins.trustOnFirstUse && pins.reviewed.isEmpty {
                logger.warning(
                    "TRUST ON FIRST USE: upstream has no `reviewed_tools` file; the tool definitions first seen will be pinned in memory only",
                    metadata: [
                        "wicket.server": "\(upstream.name)"
                    ])
                return ServerPins(reviewed: pins.reviewed, trustOnFirstUse: true, live: pins.live, reported: pins.reported)
            }
            return pins
        }
        let stamp = ReviewedFileStamp.of(path: path)
        if pins.current(for: path, stamp: stamp) { return pins }
        if stamp == .absent {
            if pins.trustOnFirstUse && pins.reviewedFile == path {
                return ServerPins(
                    reviewed: pins.reviewed, reviewedFile: path, stamp: .absent, trustOnFirstUse: true, live: pins.live,
                    reported: pins.reported)
            }
            logger.warning(
                "TRUST ON FIRST USE: the `reviewed_tools` file does not exist yet; the tool definitions first seen will be pinned in memory only until `wicket tools approve` writes it",
                metadata: [
                    "wicket.server": "\(upstream.name)", "wicket.file": "\(path)",
                ])
            return ServerPins(reviewedFile: path, stamp: .absent, trustOnFirstUse: true, live: pins.live)
        }
        let file: ReviewedFile
        do { file = try ReviewedFile(path: path) } catch {
            if error.stamp == .absent {
                // Removed between the stat and the open: trusted on first use, as when it was absent.
                return ServerPins(reviewedFile: path, stamp: .absent, trustOnFirstUse: true, live: pins.live)
            }
            return unreadable(upstream, path: path, stamp: error.stamp, live: pins.live, error: error.description)
        }
        do {
            let reviewed = try ReviewedTools.read(bytes: file.bytes, path: path)
            return ServerPins(reviewed: reviewed, reviewedFile: path, stamp: file.stamp, held: file, live: pins.live)
        } catch {
            return unreadable(upstream, path: path, stamp: file.stamp, held: file, live: pins.live, error: error.description)
        }
    }

    /// A reviewed file that cannot be read pins nothing as reviewed: every tool counts as changed, so
    /// none is shown or called until the file is fixed (fail closed).
    private func unreadable(
        _ upstream: Server, path: String, stamp: ReviewedFileStamp, held: ReviewedFile? = nil,
        live: [[UInt8]: [UInt8]], error: String
    ) -> ServerPins {
        logger.error(
            "the reviewed tool definitions cannot be read; every tool of the server is refused",
            metadata: [
                "wicket.server": "\(upstream.name)", "wicket.file": "\(path)", "wicket.error": "\(error)",
            ])
        return ServerPins(reviewedFile: path, stamp: stamp, held: held, unreadable: true, live: live)
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
        return try entries(bytes: Array(data), path: path)
    }

    static func entries(bytes: [UInt8], path: String) throws(Unreadable) -> [JSONValue] {
        let value: JSONValue
        do { value = try JSONParser(limits: .init(maxBytes: 16 << 20, maxDepth: 128)).parse(bytes) } catch {
            throw Unreadable(description: "`\(path)` is not JSON: \(error)")
        }
        if let tools = value["result"]?["tools"]?.arrayValue ?? value["tools"]?.arrayValue ?? value.arrayValue { return tools }
        throw Unreadable(description: "`\(path)` has no `tools` array")
    }

    static func read(path: String) throws(Unreadable) -> [[UInt8]: [UInt8]] {
        byName(try entries(path: path))
    }

    /// The definitions in a reviewed file's bytes (already read by the caller).
    static func read(bytes: [UInt8], path: String) throws(Unreadable) -> [[UInt8]: [UInt8]] {
        byName(try entries(bytes: bytes, path: path))
    }

    /// Writes `live` as the reviewed file (`wicket tools approve`): a new file renamed over the path,
    /// so a serving process sees a new inode on its next call (ReviewedFileStamp.swift).
    static func save(_ live: [JSONValue], to path: String) throws {
        var text = "{\"tools\": [\n"
        text += live.map { "  " + String(decoding: ToolDefinition.canonical($0).encoded, as: UTF8.self) }.joined(separator: ",\n")
        text += "\n]}\n"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func byName(_ entries: [JSONValue]) -> [[UInt8]: [UInt8]] {
        var out: [[UInt8]: [UInt8]] = [:]
        for entry in entries {
            if let definition = ToolDefinition(entry) { out[Array(definition.name.utf8)] = definition.canonical }
        }
        return out
    }
}
