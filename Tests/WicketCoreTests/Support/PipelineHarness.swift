import Foundation
import Logging
import Testing
import WicketGeo
import WicketStore

@testable import WicketCore

/// How a test wants its Wicket set up; the defaults are `wicket init`'s example tenant `acme` with the
/// `database` upstream, the repo's GeoIP test database and `127.0.0.1` as trusted proxy.
struct PipelineOptions {
    /// `missing_credential` of tenant `acme`.
    var missingCredential = "deny"
    /// Extra `*.cedar` files written into acme's policy folder before it loads (file name → text).
    var extraPolicies: [String: String] = [:]
    /// When set, acme gets `shadow_policies` with these files (file name → text).
    var shadowPolicies: [String: String]?
    /// The GeoIP database file; nil runs without geo.
    var geoFile: String? = PipelineHarness.repoFile("geo/wicket-city-test.mmdb")
    /// The instant the fixed clock starts at.
    var now = "2026-04-16T03:04:18Z"
    /// Extra TOML lines for acme's `[[tenant]]` and the `database` `[[upstream]]`.
    var tenantLines = ""
    var upstreamLines = ""
    /// Where the pipeline's metrics go (swift-metrics' no-op by default).
    var metrics = WicketMetrics()
}

/// A complete Wicket made of real parts in a temporary folder: the `wicket init` setup plus a second
/// tenant `beta` (upstream `helpdesk`), real SQLite stores, real policies, the real GeoIP file and a
/// fixed, settable clock. Members: alex (engineering) and sam (support) of acme, each with a key of
/// agent `maintenance-agent` and a stored credential for `database`; pat of beta with a key.
final class PipelineHarness: @unchecked Sendable {
    // @unchecked Sendable: used from one test at a time; the clock box has its own lock.
    let root: String
    let configPath: String
    let config: WicketConfig
    let tenants: [String: TenantRuntime]
    let pipeline: DecisionPipeline
    /// A second handle on each tenant's files, as the `wicket keys`/`creds` commands open them.
    let admin: [String: TenantStores]
    let clock: ClockBox
    /// member → issued key string.
    private(set) var keys: [String: String] = [:]
    /// member → issued key id.
    private(set) var keyIDs: [String: String] = [:]
    private var counter = 0

    static let alex = "alex@company.com"
    static let sam = "sam@company.com"
    static let pat = "pat@beta.example"
    static let alexCredential = "upstream-token-alex-4f1c"
    static let samCredential = "Token sam-upstream-99"

    static let logger = Logger(label: "wicket.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    init(_ options: PipelineOptions) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-core-\(UUID().uuidString)").path
        root = base
        var setup = SetupInitializer.Options(directory: base)
        setup.trustedProxies = ["127.0.0.1"]
        // Nothing listens on port 1: a list call Wicket makes to the upstream fails, as it must, closed.
        setup.upstreamURL = "http://127.0.0.1:1/mcp"
        setup.geoDatabase = options.geoFile
        configPath = try SetupInitializer.create(setup)

        let acmeDir = base + "/tenants/acme"
        for (name, text) in options.extraPolicies {
            try text.write(toFile: acmeDir + "/policies/" + name, atomically: true, encoding: .utf8)
        }
        var tenantExtra = ""
        if let shadow = options.shadowPolicies {
            try FileManager.default.createDirectory(atPath: acmeDir + "/shadow", withIntermediateDirectories: true)
            for (name, text) in shadow { try text.write(toFile: acmeDir + "/shadow/" + name, atomically: true, encoding: .utf8) }
            tenantExtra = "\nshadow_policies = \"tenants/acme/shadow\""
        }
        // Tenant beta: its own folder with one member and a permit-all policy.
        let betaDir = base + "/tenants/beta"
        try FileManager.default.createDirectory(atPath: betaDir + "/policies", withIntermediateDirectories: true)
        try """
        [{ "uid": { "type": "User", "id": "pat@beta.example" }, "attrs": {}, "parents": [] }]
        """.write(toFile: betaDir + "/entities.json", atomically: true, encoding: .utf8)
        try """
        @id("beta allows all")
        permit (principal, action, resource);
        """.write(toFile: betaDir + "/policies/all.cedar", atomically: true, encoding: .utf8)

        var text = try String(contentsOfFile: configPath, encoding: .utf8)
        text = text.replacingOccurrences(
            of: #"missing_credential = "deny""#,
            with: "missing_credential = \"\(options.missingCredential)\"" + tenantExtra
                + (options.tenantLines.isEmpty ? "" : "\n" + options.tenantLines))
        if options.tenantLines.contains("unknown_tools") {
            text = text.replacingOccurrences(of: #"unknown_tools = "deny""#, with: "")
        }
        if !options.upstreamLines.isEmpty {
            text = text.replacingOccurrences(
                of: "resources = { delete_records", with: options.upstreamLines + "\nresources = { delete_records")
        }
        text += """

            [[tenant]]
            name = "beta"
            policies = "tenants/beta/policies"
            entities = "tenants/beta/entities.json"

            [[upstream]]
            name = "helpdesk"
            tenant = "beta"
            namespace = "HelpMCP"
            url = "http://127.0.0.1:9001/mcp"

            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        config = try WicketConfig.load(path: configPath)

        var admin: [String: TenantStores] = [:]
        for tenant in config.tenants { admin[tenant.name] = try TenantStores(config: config, tenant: tenant.name) }
        self.admin = admin
        let acme = try #require(admin["acme"])
        let beta = try #require(admin["beta"])
        for (member, store) in [(Self.alex, acme), (Self.sam, acme), (Self.pat, beta)] {
            let issued = try store.keys.issue(member: member, agent: "maintenance-agent")
            keys[member] = issued.key
            keyIDs[member] = issued.keyID
        }
        try acme.credentials.set(member: Self.alex, server: "database", secret: Array(Self.alexCredential.utf8))
        try acme.credentials.set(member: Self.sam, server: "database", secret: Array(Self.samCredential.utf8))

        var tenants: [String: TenantRuntime] = [:]
        for tenant in config.tenants {
            tenants[tenant.name] = try TenantRuntime(config: tenant, wicket: config, logger: Self.logger)
        }
        self.tenants = tenants
        let clock = ClockBox(try #require(ISO8601DateFormatter().date(from: options.now)))
        self.clock = clock
        let geo = try options.geoFile.map { (path) throws in try GeoDatabase(path: path) }
        pipeline = try DecisionPipeline(
            config: config, tenants: tenants, geo: geo,
            clock: RequestClock { clock.read() }, logger: Self.logger, metrics: options.metrics)
    }

    func close() {
        for stores in admin.values {
            stores.keys.close()
            stores.credentials.close()
            stores.audit.close()
        }
        for tenant in tenants.values {
            tenant.keys.close()
            tenant.credentials.close()
            tenant.audit.close()
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Sets the clock to an ISO 8601 instant.
    func setNow(_ iso: String) throws {
        let formatter = ISO8601DateFormatter()
        if iso.contains(".") { formatter.formatOptions.insert(.withFractionalSeconds) }
        clock.set(try #require(formatter.date(from: iso)))
    }

    func key(_ member: String) -> String { keys[member] ?? "" }

    // MARK: - Requests as nginx sends them

    /// A fresh 32-hex-digit request id, like nginx's `$request_id`.
    func nextRequestID() -> String {
        counter += 1
        let hex = String(counter, radix: 16)
        return "a1b2c3d4" + String(repeating: "0", count: 24 - hex.count) + hex
    }

    /// The facts nginx passes for one request (what the server layer makes of its FastCGI params).
    func request(
        _ body: String? = nil, bytes: [UInt8]? = nil, tooLarge: Bool = false, method: String = "POST",
        key: String? = nil, authorization: String? = nil, server: String = "database",
        remote: String = "127.0.0.1", forwardedFor: String? = "203.0.113.42",
        protocolVersion: String? = "2025-06-18", session: String? = nil,
        mcpMethod: String? = nil, mcpName: String? = nil, traceparent: String? = nil,
        contentType: String? = "application/json", requestID: String? = nil
    ) -> DecisionInput {
        let payload = bytes ?? Array((body ?? "").utf8)
        let headers = DecisionInput.Headers(
            authorization: authorization ?? key.map { "Bearer " + $0 }, forwardedFor: forwardedFor, traceparent: traceparent,
            contentType: method == "POST" ? (contentType ?? "") : "", accept: "application/json, text/event-stream",
            mcpSessionID: session, mcpProtocolVersion: protocolVersion, mcpMethod: mcpMethod, mcpName: mcpName)
        return DecisionInput(
            serverName: server, requestID: requestID ?? nextRequestID(), method: method, remoteAddress: remote,
            headers: headers, body: tooLarge ? .tooLarge(limit: config.maxBodyBytes) : .complete(payload))
    }

    /// Runs one request through the pipeline and returns the answer with the audit records it wrote.
    func send(_ request: DecisionInput, tenant: String = "acme") throws -> Exchanged {
        let decision = pipeline.decide(request)
        let response = decision.reply
        let requestID = try #require(response.header("X-Wicket-Request-Id"))
        #expect(requestID == request.requestID)
        let records = try records(requestID: requestID, tenant: tenant)
        // Invariants of every answer: a 200 is always an internal redirect with no body; every
        // answered request has committed records that agree with the answer.
        if response.status == 200 {
            #expect(response.header("X-Accel-Redirect") == "@wicket_mcp" && response.body.isEmpty)
        } else {
            #expect(response.header("X-Accel-Redirect") == nil && !response.body.isEmpty)
        }
        #expect(!records.isEmpty, "no audit record for an answered request")
        #expect(decision.allowed == (response.status == 200 && response.header("X-Accel-Redirect") != nil))
        #expect(decision.records.map(\.requestID) == records.map(\.requestID), "the verdict's records are the committed ones")
        for record in records {
            #expect(record.httpStatus == response.status)
            #expect(record.decision == (response.status == 200 ? .allow : .deny))
            #expect(record.requestID == requestID)
        }
        return Exchanged(response: response, records: records)
    }

    /// The tenant's audit records of one request, in batch order, read through the admin handle.
    func records(requestID: String, tenant: String = "acme") throws -> [AuditRecord] {
        let store = try #require(admin[tenant]).audit
        return try store.query(AuditQuery(limit: 100_000)).filter { $0.requestID == requestID }
            .sorted { ($0.batchIndex ?? 0, $0.id ?? 0) < ($1.batchIndex ?? 0, $1.id ?? 0) }
    }

    func allRecords(tenant: String) throws -> [AuditRecord] {
        try #require(admin[tenant]).audit.query(AuditQuery(limit: 100_000))
    }

    /// Every regular file under the data folder (SQLite db, -wal, -shm, master keys).
    func dataFiles() -> [String] {
        let dataDir = config.dataDirectory
        guard let walker = FileManager.default.enumerator(atPath: dataDir) else { return [] }
        var files: [String] = []
        while let name = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = dataDir + "/" + name
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files
    }

    static func repoFile(_ relative: String) -> String {
        // Tests/WicketCoreTests/Support/PipelineHarness.swift → the package root.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return url.appendingPathComponent(relative).path
    }
}

extension DecisionPipeline {
    /// The answer alone, for tests that read the audit store themselves.
    func handle(_ request: DecisionInput) -> Reply { decide(request).reply }
}

/// Runs `body` with a fresh Wicket and removes everything afterwards.
func withPipeline<T>(_ options: PipelineOptions = PipelineOptions(), _ body: (PipelineHarness) throws -> T) throws -> T {
    let harness = try PipelineHarness(options)
    defer { harness.close() }
    return try body(harness)
}

/// A settable instant shared with the pipeline's `RequestClock`.
final class ClockBox: @unchecked Sendable {
    // @unchecked Sendable: `date` is only touched under `lock`.
    private let lock = NSLock()
    private var date: Date
    init(_ date: Date) { self.date = date }
    func read() -> Date { lock.lock(); defer { lock.unlock() }; return date }
    func set(_ new: Date) { lock.lock(); date = new; lock.unlock() }
}

/// One answer and the audit records of its request.
struct Exchanged {
    let response: Reply
    let records: [AuditRecord]

    var status: Int { response.status }
    var record: AuditRecord? { records.first }

    /// The JSON-RPC error of a deny answer.
    var error: (code: Int, message: String, id: Any?, data: [String: Any])? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let error = object["error"] as? [String: Any], let code = error["code"] as? Int,
            let message = error["message"] as? String
        else { return nil }
        return (code, message, object["id"], error["data"] as? [String: Any] ?? [:])
    }

    /// Checks the deny contract of docs/architecture.md: status, JSON body naming the reason, deny headers.
    func expectDenied(status expectedStatus: Int, code: Int, words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == expectedStatus, sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
        #expect(response.header("X-Accel-Redirect") == nil, sourceLocation: sourceLocation)
        #expect(response.header("X-Wicket-Token") == nil, sourceLocation: sourceLocation)
        #expect(response.header("X-Wicket-Decision") == "deny", sourceLocation: sourceLocation)
        guard let error else {
            Issue.record(
                "the deny answer has no JSON-RPC error: \(String(decoding: response.body, as: UTF8.self))",
                sourceLocation: sourceLocation)
            return
        }
        #expect(error.code == code, sourceLocation: sourceLocation)
        for word in words {
            #expect(error.message.contains(word), "`\(error.message)` lacks `\(word)`", sourceLocation: sourceLocation)
        }
        #expect(error.data["decision"] as? String == "deny", sourceLocation: sourceLocation)
        #expect(error.data["request_id"] as? String == response.header("X-Wicket-Request-Id"), sourceLocation: sourceLocation)
        if expectedStatus == 401 {
            #expect(
                response.header("WWW-Authenticate")?.hasPrefix("Bearer realm=\"wicket\"") == true,
                sourceLocation: sourceLocation)
        } else {
            #expect(response.header("WWW-Authenticate") == nil, sourceLocation: sourceLocation)
        }
    }

    /// Checks the allow contract of docs/architecture.md.
    func expectAllowed(token: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == 200, "\(String(decoding: response.body, as: UTF8.self))", sourceLocation: sourceLocation)
        #expect(response.header("X-Accel-Redirect") == "@wicket_mcp", sourceLocation: sourceLocation)
        #expect(response.header("X-Wicket-Token") == token, sourceLocation: sourceLocation)
        #expect(response.header("X-Wicket-Decision") == "allow", sourceLocation: sourceLocation)
        #expect(response.body.isEmpty, sourceLocation: sourceLocation)
        for forbidden in ["Set-Cookie", "Cache-Control", "Expires", "Content-Disposition", "Accept-Ranges"] {
            #expect(response.header(forbidden) == nil, "allow answer carries \(forbidden)", sourceLocation: sourceLocation)
        }
    }
}

/// JSON-RPC bodies used across the tests.
enum Body {
    static func toolCall(_ tool: String, arguments: String = "{}", id: Int = 1) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#
    }

    static let deleteProd = toolCall("delete_records", arguments: #"{"table":"prod.customer_records"}"#, id: 7)
}
