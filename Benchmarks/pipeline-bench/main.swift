// What Wicket's own work costs per MCP message, in-process and without nginx: `DecisionPipeline.decide`
// on a realistic allowed `tools/call` (key lookup, strict JSON-RPC, GeoIP, Cedar on the example
// tenant, the member's credential), from `PIPELINE_THREADS` threads (32), with the audit off (a sink that drops records), on with
// `audit_sync = "normal"`, and on with `"full"` (fsync per group commit). Ratios against audit-off in
// the same run. `off+metrics` is audit off with the Prometheus metrics backend `wicket serve` uses
// (the others emit to swift-metrics' no-op): what the metrics cost per decision.
// Release build: `make bench-audit` runs it after audit-bench.
import Foundation
import Logging
import WicketCore
import WicketFastCGI
import WicketGeo
import WicketServer
import WicketStore

struct DropRecords: AuditSink {
    func append(contentsOf records: [AuditRecord]) throws -> [Int64] { records.map { _ in 0 } }
}

/// `PIPELINE_THREADS` (default 32, `server.threads`' default): callers at once, so group commits as large as the server's.
let threads = Int(ProcessInfo.processInfo.environment["PIPELINE_THREADS"] ?? "") ?? 32
let perThread = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 1500
let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `mode` is an audit setting (`off`, `normal`, `full`), optionally with `-nosession` (no
/// `Mcp-Session-Id`, to price the session binding) and/or `+metrics` (the Prometheus backend).
func setUp(mode: String) throws -> (DecisionPipeline, FastCGIRequest, String) {
    let withMetrics = mode.hasSuffix("+metrics")
    var auditSync = withMetrics ? String(mode.dropLast("+metrics".count)) : mode
    let session = !auditSync.hasSuffix("-nosession")
    if !session { auditSync = String(auditSync.dropLast("-nosession".count)) }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wicket-pipeline-bench-\(UUID().uuidString)").path
    var options = SetupInitializer.Options(directory: dir)
    options.geoDatabase = repo.appendingPathComponent("geo/wicket-city-test.mmdb").path
    options.trustedProxies = ["127.0.0.1/32"]
    let path = try SetupInitializer.create(options)
    var text = try String(contentsOfFile: path, encoding: .utf8)
    text = text.replacingOccurrences(of: "audit_sync = \"full\"", with: "audit_sync = \"\(auditSync == "off" ? "normal" : auditSync)\"")
    // The growth bench's 1 MB row raises the limit the same way (max_body_bytes = 2 MiB).
    if bodyBytes > 0 { text = text.replacingOccurrences(of: "max_body_bytes = 1048576", with: "max_body_bytes = 2097152") }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let config = try WicketConfig.load(path: path)
    let stores = try TenantStores(config: config, tenant: "acme")
    let key = try stores.keys.issue(member: "alex@company.com", agent: "maintenance-agent").key
    try stores.credentials.set(member: "alex@company.com", server: "database", secret: Array("upstream-token".utf8))
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    let sink: (any AuditSink)? = auditSync == "off" ? DropRecords() : nil
    let metrics = withMetrics ? WicketMetrics.prometheus().metrics : WicketMetrics()
    let tenant = try TenantRuntime(config: config.tenants[0], wicket: config, logger: logger, auditSink: sink, metrics: metrics)
    let noon = RequestClock { Date(timeIntervalSince1970: 1_776_340_800) }   // 2026-04-16T12:00:00Z
    let pipeline = try DecisionPipeline(config: config, tenants: ["acme": tenant], geo: try GeoDatabase(path: options.geoDatabase ?? ""), clock: noon, logger: logger, metrics: metrics)
    var body = #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"query","arguments":{"table":"prod.customer_records","sql":"select count(*) from customer_records where region = 'us-east' and created_at > now() - interval '7 days'"}}}"#
    if bodyBytes > body.utf8.count { body = rowsBody(body, size: bodyBytes) }
    var params: [FastCGIRequest.Param] = [
        .init(name: "REQUEST_METHOD", value: "POST"), .init(name: "CONTENT_TYPE", value: "application/json"),
        .init(name: "REMOTE_ADDR", value: "127.0.0.1"), .init(name: "HTTP_X_FORWARDED_FOR", value: "203.0.113.42"),
        .init(name: "WICKET_SERVER", value: "database"), .init(name: "HTTP_AUTHORIZATION", value: "Bearer \(key)"),
        .init(name: "HTTP_MCP_PROTOCOL_VERSION", value: "2025-06-18"),
    ]
    // The session binding's lookup (one primary-key read) is part of every session request.
    if session { params.append(.init(name: "HTTP_MCP_SESSION_ID", value: "mcp_sess_7k91")) }
    // `PIPELINE_REQUEST_ID=1`: nginx's `$request_id` sent as the include sends it (checked, not made).
    if ProcessInfo.processInfo.environment["PIPELINE_REQUEST_ID"] == "1" {
        params.append(.init(name: "WICKET_REQUEST_ID", value: "0123456789abcdef0123456789abcdef"))
    }
    let request = FastCGIRequest(params: params, body: .complete(Array(body.utf8)))
    return (pipeline, request, dir)
}

/// `PIPELINE_BODY_BYTES` (e.g. 10000, 1000000): the same call with its arguments carrying customer rows
/// until the body is at least that long, as `make bench-growth`'s body-size rows send.
let bodyBytes = Int(ProcessInfo.processInfo.environment["PIPELINE_BODY_BYTES"] ?? "") ?? 0

func rowsBody(_ call: String, size: Int) -> String {
    let head = String(call.dropLast(3)) + #","rows":["#
    var rows: [String] = []
    var length = head.utf8.count + 4
    while length < size {
        let i = rows.count
        let row = #"{"customer_id":"c-\#(i)","name":"Customer \#(i)","email":"customer\#(i)@example.com","status":"\#(i % 3 == 0 ? "active" : "inactive")","balance_cents":\#(i * 37 % 100_000),"note":"closed account, retention period over"}"#
        rows.append(row)
        length += row.utf8.count + 1
    }
    return head + rows.joined(separator: ",") + "]}}}"
}

/// `PIPELINE_HANDOFF=1`: each decision goes through `decide(_:then:)` as `wicket serve`'s do (the
/// thread does not wait for the commit; the committing thread answers), with at most 4 × threads in
/// flight (the server's request slots, RequestSlots.swift).
let handoff = ProcessInfo.processInfo.environment["PIPELINE_HANDOFF"] == "1"

/// The whole process's CPU time (every thread's, the committing ones included), in microseconds.
func processCPUMicros() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) * 1e6 + Double(spec.tv_nsec) / 1e3
}

/// Decisions per second (wall time) and the process's CPU µs per decision over one round.
func measure(_ pipeline: DecisionPipeline, _ request: FastCGIRequest, count: Int) -> (rate: Double, cpu: Double) {
    let cpuStart = processCPUMicros()
    let group = DispatchGroup()
    let inFlight = DispatchSemaphore(value: threads * 4)
    let start = ContinuousClock.now
    for _ in 0..<threads {
        group.enter()
        Thread.detachNewThread {
            for _ in 0..<count {
                if handoff {
                    inFlight.wait()
                    group.enter()
                    pipeline.decide(FastCGIMapping.input(request)) { decision in
                        let answer = FastCGIMapping.response(decision.reply)
                        if answer.status != 200 { print("unexpected status \(answer.status)"); exit(1) }
                        inFlight.signal()
                        group.leave()
                    }
                    continue
                }
                let answer = FastCGIMapping.response(pipeline.decide(FastCGIMapping.input(request)).reply)
                if answer.status != 200 { print("unexpected status \(answer.status)"); exit(1) }
            }
            group.leave()
        }
    }
    group.wait()
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (Double(threads * count) / seconds, (processCPUMicros() - cpuStart) / Double(threads * count))
}

var results: [(String, Double, Double)] = []
let modes = ProcessInfo.processInfo.environment["PIPELINE_MODES"].map { $0.split(separator: ",").map(String.init) } ?? ["off", "off+metrics", "normal", "full"]
for mode in modes {
    let (pipeline, request, dir) = try setUp(mode: mode)
    _ = measure(pipeline, request, count: 100)   // warm-up
    var rounds: [(rate: Double, cpu: Double)] = []
    for _ in 0..<3 { rounds.append(measure(pipeline, request, count: perThread)) }
    let median = rounds.map(\.rate).sorted()[1]
    // CPU per decision, best of the rounds: the least disturbed by whatever else the machine ran.
    results.append((mode, median, rounds.map(\.cpu).min() ?? 0))
    try? FileManager.default.removeItem(atPath: dir)
}
let baseline = results[0].1
print("pipeline-bench: \(threads) threads\(handoff ? " (answers handed to the commit)" : ""), allowed tools/call, median of 3 rounds of \(threads * perThread) (process CPU: best round)")
for (mode, rate, cpu) in results {
    print(String(format: "  audit %-12@ %9.0f decisions/s  %.2fx of audit off  %7.1f µs CPU/decision", mode as NSString, rate, rate / baseline, cpu))
}
