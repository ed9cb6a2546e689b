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
///
/// A call need not take its own `stat` when another call's has already confirmed the pins after this
/// one's request arrived (``arrival()``, taken when the decision begins): that `stat` began after the
/// request was read, so it saw every change made before the request was sent, exactly as the call's own
/// would have. Each check takes a ticket from the same counter, under `lock`, in the section that reads
/// the pins; a confirmation with a larger ticket than the request's arrival began after it.
final class ToolPins: @unchecked Sendable {
    // @unchecked Sendable: `servers`, `tickets` and each entry's `confirmed` are only read and
    // written under `lock`, which is never held across file or log I/O; every change is made under `update` (so none is lost) and published
    // by replacing the upstream's immutable pins.
    private let lock = NSLock()
    private var servers: [ExactString: Entry] = [:]
    /// The last ticket handed out (``arrival()`` and each check's `stat`); only under `lock`.
    private var tickets: UInt64 = 0
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

    /// Published pins and the latest check that confirmed them. A class: a check confirms the entry
    /// it read, found again without a second dictionary probe; an entry replaced meanwhile is no
    /// longer read by anyone, so confirming it does nothing.
    private final class Entry {
        let pins: ServerPins
        /// The ticket of the latest check whose `stat` found `pins` current (0: none yet); a check
        /// takes its ticket before its `stat`, in the section that read `pins`. Only under `lock`.
        var confirmed: UInt64 = 0

        init(_ pins: ServerPins) { self.pins = pins }
    }

    /// Where a request stands in the order of the pins' checks: taken once the request was read (the
    /// decision takes it first). A check of the reviewed file that began later saw every change made
    /// before the request was sent.
    struct Arrival: Sendable {
        fileprivate let ticket: UInt64
    }

    /// The ticket of a request that has just arrived (``Arrival``).
    func arrival() -> Arrival {
        lock.lock()
        tickets &+= 1
        let ticket = tickets
        lock.unlock()
        return Arrival(ticket: ticket)
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

    /// Why a `tools/call` must be refused, or nil (any other message: nil). `arrival`: the request's
    /// ticket, when it was taken as the request arrived (see ``Arrival``).
    func callRefusal(_ facts: MessageFacts, server: Server, arrival: Arrival? = nil) -> String? {
        guard case .tool(let tool) = facts.target, CodePoints.equal(facts.method, "tools/call") else { return nil }
        return callRefusal(tool: tool, server: server, arrival: arrival)
    }

    func callRefusal(tool: String, upstream: UpstreamConfig, arrival: Arrival? = nil) -> String? {
        callRefusal(tool: tool, server: Server(upstream), arrival: arrival)
    }

    func callRefusal(tool: String, server: Server, arrival: Arrival? = nil) -> String? {
        let look = published(server, arrival: arrival)
        var pins = look.entry?.pins
        if !look.confirmed {
            // Stat after this call began, whichever pins it reads: a stamp equal to theirs is the file they were read from.
            let stamp = server.reviewedTools.map { path in
                if let known = pins?.reviewedPath, CodePoints.equal(known.text, path) { return ReviewedFileStamp.of(path: known) }
                return ReviewedFileStamp.of(path: path)
            }
            if pins?.current(for: server.reviewedTools, stamp: stamp) == true {
                if stamp != nil, let entry = look.entry { confirm(entry, ticket: look.ticket) }
            } else {
                // Read after this call's ticket: they confirm the file for requests that arrived before it.
                update.lock()
                pins = loaded(server)
                publish(pins, for: server, confirmed: server.reviewedTools == nil ? 0 : look.ticket)
                update.unlock()
            }
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
        return servers[ExactString(server.name)]?.pins
    }

    /// The server's entry, and whether a check that began after `arrival` found its pins current for
    /// this server's reviewed file; if not, the ticket of this call's own check (taken here, with the
    /// pins read, so its `stat` comes after both).
    private func published(_ server: Server, arrival: Arrival?) -> (entry: Entry?, confirmed: Bool, ticket: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        let entry = servers[ExactString(server.name)]
        if let arrival, let entry, entry.confirmed > arrival.ticket, let path = server.reviewedTools,
            let file = entry.pins.reviewedFile, CodePoints.equal(file, path)
        {
            return (entry, true, 0)
        }
        tickets &+= 1
        return (entry, false, tickets)
    }

    /// Records that the check with `ticket` found `entry`'s pins current.
    private func confirm(_ entry: Entry, ticket: UInt64) {
        lock.lock()
        if entry.confirmed < ticket { entry.confirmed = ticket }
        lock.unlock()
    }

    /// Publishes `pins`; `confirmed`: the ticket of the check they were (re)read for, if any.
    private func publish(_ pins: ServerPins?, for server: Server, confirmed: UInt64 = 0) {
        guard let pins else { return }
        let entry = Entry(pins)
        entry.confirmed = confirmed
        lock.lock()
        servers[ExactString(server.name)] = entry
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
