// audit-bench: records per second of the audit store with its durability (WAL, synchronous=FULL,
// group commit), and the cost of one member-key authentication.
//
//   swift build -c release --package-path Benchmarks --product audit-bench && Benchmarks/.build/release/audit-bench [DIR] [SECONDS]
//
// Reports ratios within one run: N threads against 1 thread (1 thread = one commit per record,
// the no-group-commit baseline). DIR defaults to a fresh directory under the current one (a real
// disk, not tmpfs, so that fsync costs what it costs in production).
import Foundation
import WicketStore

let arguments = CommandLine.arguments
let root = arguments.count > 1 ? arguments[1] : FileManager.default.currentDirectoryPath + "/.build/audit-bench-data"
let seconds = arguments.count > 2 ? (Double(arguments[2]) ?? 3) : 3
try? FileManager.default.removeItem(atPath: root)
/// `AUDIT_BENCH=cost`: only the commit-cost table (what issue 11's audit work measures);
/// `AUDIT_BENCH=query`: only `wicket audit`'s query timings over a million records.
let onlyCost = ["cost", "query", "tail"].contains(ProcessInfo.processInfo.environment["AUDIT_BENCH"] ?? "")

func record(_ thread: Int, _ i: Int) -> AuditRecord {
    AuditRecord(
        tenant: "bench", member: "alex@company.com", agent: "maintenance-agent", keyID: "0123456789abcdef",
        sourceIP: "203.0.113.42", geoCountry: "US", geoRegion: "VA", geoCity: "Ashburn",
        server: "database", method: "tools/call", targetKind: .tool, targetName: "delete_records",
        resource: "prod.customer_records", timeMicros: Int64(Date().timeIntervalSince1970 * 1_000_000),
        sessionID: "mcp_sess_7k91", requestID: "req-\(thread)-\(i)", decision: .deny, httpStatus: 403,
        policies: [.init(id: "policy0", annotations: ["id": "release-window block", "reason": "allowed: 9–17"])],
        contextValues: [.init(name: "context.time.hour", value: "3")], latencyMicros: 42)
}

/// Counts shared by the benchmark threads.
final class Tally: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private let lock = NSLock()
    private(set) var total = 0
    private(set) var failures = 0
    func add(_ count: Int, failed: Int) {
        lock.lock()
        total += count
        failures += failed
        lock.unlock()
    }
}

/// Runs `threads` threads appending for `seconds`; returns records per second.
func auditRun(threads: Int, directory: String) throws -> (Double, Int, Double, Double) {
    let store = try AuditStore(directory: directory, tenant: "bench")
    let deadline = Date().addingTimeInterval(seconds)
    let tally = Tally()
    let group = DispatchGroup()
    let start = Date()
    for t in 0..<threads {
        group.enter()
        Thread {
            var count = 0
            var failed = 0
            while Date() < deadline {
                do { try store.append(record(t, count)) } catch { failed += 1 }
                count += 1
            }
            tally.add(count - failed, failed: failed)
            group.leave()
        }.start()
    }
    group.wait()
    let elapsed = Date().timeIntervalSince(start)
    let transactions = store.transactionCount
    store.close()
    return (Double(tally.total) / elapsed, tally.failures, Double(tally.total) / Double(max(transactions, 1)), elapsed / Double(max(transactions, 1)) * 1000)
}

print("audit store: WAL, \(onlyCost ? "" : "synchronous=FULL, \(seconds)s per run, ")data in \(root)")
var baseline = 0.0
for threads in onlyCost ? [] : [1, 4, 16, 64] {
    let (rate, failures, batch, millis) = try auditRun(threads: threads, directory: root + "/audit-\(threads)")
    if threads == 1 { baseline = rate }
    let ratio = baseline > 0 ? rate / baseline : 0
    print(String(format: "  %3d threads: %7.0f records/s  (%4.1fx the 1-thread rate), %5.1f records per commit, %.2f ms per commit%@", threads, rate, ratio, batch, millis,
                 failures > 0 ? " FAILURES: \(failures)" : ""))
}

// The commit's own cost: one thread, `append(contentsOf:)` of 1, 16 and 32 records per transaction
// (what a group commit of that size writes), the process's CPU time per record (fsync's system time
// included), best of 5 rounds. The process's, not the thread's: a commit may be led by the checkpoint
// thread (a caller that finds the writer's turn taken queues, and whoever holds the turn commits for
// it), and the checkpoints are part of what records cost. "1 member" is the bench-path request (one member, one tool);
// "8 members" spreads each commit over 8 members and 12 tools, as a busy tenant's does (each
// distinct member and tool touches its own page of the member and tool indexes).
func processCPUMicros() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1_000_000 + Double(time.tv_nsec) / 1_000
}

/// Bytes the process has handed to write(2)/pwrite(2) so far (`wchar` in /proc/self/io): the WAL
/// frames of the commits and the checkpoint thread's copies into the database.
func bytesWritten() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("wchar:") {
        return Int(line.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
    return 0
}

/// One configuration's cost: µs of process CPU per record (best round) and bytes written per
/// transaction (the same round).
struct CommitCost {
    var microsPerRecord: Double
    var bytesPerCommit: Double
}

func commitCostRun(rows: Int, spread: Int, durability: AuditStore.Durability, directory: String) throws -> CommitCost {
    let store = try AuditStore(directory: directory, tenant: "bench", durability: durability)
    defer { store.close() }
    let tools = ["delete_records", "query", "list_tables", "describe", "insert_rows", "export", "search", "fetch",
                 "summarize", "translate", "send_mail", "calendar"]
    let commits = max(4_000 / rows, 100)
    var next = 0
    let batches: [[AuditRecord]] = (0..<commits).map { _ in
        (0..<rows).map { _ in
            var r = record(0, next)
            if spread > 1 {
                r.member = "member\(next % spread)@company.com"
                r.targetName = tools[next % tools.count]
            }
            next += 1
            return r
        }
    }
    for batch in batches.prefix(commits / 10) { try store.append(contentsOf: batch) }  // warm up
    var best = CommitCost(microsPerRecord: .infinity, bytesPerCommit: 0)
    for _ in 0..<rounds {
        let written = bytesWritten()
        let start = processCPUMicros()
        for batch in batches { try store.append(contentsOf: batch) }
        let micros = (processCPUMicros() - start) / Double(commits * rows)
        if micros < best.microsPerRecord {
            best = CommitCost(microsPerRecord: micros, bytesPerCommit: Double(bytesWritten() - written) / Double(commits))
        }
    }
    return best
}

/// `AUDIT_BENCH_SYNCS`, `AUDIT_BENCH_SPREADS`, `AUDIT_BENCH_ROWS` (comma-separated) choose the
/// configurations; `AUDIT_BENCH_ROUNDS` the rounds each (best kept).
func listSetting(_ name: String) -> [String]? {
    ProcessInfo.processInfo.environment[name].map { $0.split(separator: ",").map(String.init) }
}
let rounds = Int(ProcessInfo.processInfo.environment["AUDIT_BENCH_ROUNDS"] ?? "") ?? 5
let durabilities = (listSetting("AUDIT_BENCH_SYNCS") ?? ["full", "normal"]).compactMap(AuditStore.Durability.init(rawValue:))
let spreads = (listSetting("AUDIT_BENCH_SPREADS") ?? ["1", "8"]).compactMap { Int($0) }
let rowCounts = (listSetting("AUDIT_BENCH_ROWS") ?? ["1", "16", "32"]).compactMap { Int($0) }

if !["query", "tail"].contains(ProcessInfo.processInfo.environment["AUDIT_BENCH"] ?? "") {
    for durability in durabilities {
        for spread in spreads {
            var line = String(format: "commit cost, %@, %d member%@:", durability.rawValue, spread, spread == 1 ? "" : "s")
            for rows in rowCounts {
                let cost = try commitCostRun(rows: rows, spread: spread, durability: durability,
                                             directory: root + "/cost-\(durability.rawValue)-\(spread)-\(rows)")
                line += String(format: "  %2d rows %6.2f µs/record %6.1f KB/commit", rows, cost.microsPerRecord, cost.bytesPerCommit / 1024)
            }
            print(line)
        }
    }
}

// `AUDIT_BENCH=tail`: one caller appending one record at a time, as one connection's requests do,
// with `AUDIT_BENCH_GAP_US` (200) µs between appends (the rest of a request); each append's wall time
// (p50, p99, p99.9, max, and how many took over 1 ms). At one connection the slow ones are the
// request path's tail: whatever a commit waits for besides its own write (a checkpoint holding the
// writer's turn, the WAL header's sync after a restart).
func tailRun() throws {
    let count = Int(ProcessInfo.processInfo.environment["AUDIT_BENCH_RECORDS"] ?? "") ?? 20_000
    let gap = UInt32(ProcessInfo.processInfo.environment["AUDIT_BENCH_GAP_US"] ?? "") ?? 200
    for durability in durabilities {
        let store = try AuditStore(directory: root + "/tail-\(durability.rawValue)", tenant: "bench", durability: durability)
        for i in 0..<1_000 { try store.append(record(0, i)) }  // warm up
        var millis: [Double] = []
        millis.reserveCapacity(count)
        let cpu = processCPUMicros()
        let written = bytesWritten()
        // Where the slow appends' time went: this thread's run time and run-queue wait
        // (/proc/thread-self/schedstat); the rest it was blocked (a sync, a lock, a condition).
        let sched = open("/proc/thread-self/schedstat", O_RDONLY)
        defer { close(sched) }
        func schedTimes() -> (run: Double, queued: Double) {
            var buffer = [UInt8](repeating: 0, count: 96)
            let n = pread(sched, &buffer, buffer.count, 0)
            let fields = String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self).split(separator: " ")
            guard fields.count >= 2 else { return (0, 0) }
            return ((Double(fields[0]) ?? 0) / 1e6, (Double(fields[1]) ?? 0) / 1e6)
        }
        var slow = (wall: 0.0, run: 0.0, queued: 0.0)
        for i in 0..<count {
            let before = schedTimes()
            let start = DispatchTime.now().uptimeNanoseconds
            try store.append(record(0, i))
            let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
            millis.append(wall)
            if wall > 1 {
                let after = schedTimes()
                slow.wall += wall
                slow.run += after.run - before.run
                slow.queued += after.queued - before.queued
            }
            if gap > 0 { usleep(gap) }
        }
        if slow.wall > 0 {
            print(String(format: "  appends over 1 ms: %.1f ms in all, %.0f%% running, %.0f%% waiting for a CPU, %.0f%% blocked",
                         slow.wall, slow.run / slow.wall * 100, slow.queued / slow.wall * 100, (slow.wall - slow.run - slow.queued) / slow.wall * 100))
        }
        let cpuPerRecord = (processCPUMicros() - cpu) / Double(count)
        let bytesPerRecord = Double(bytesWritten() - written) / Double(count)
        store.close()
        millis.sort()
        func at(_ q: Double) -> Double { millis[min(millis.count - 1, Int(q * Double(millis.count - 1)))] }
        print(String(
            format: "tail, %@, %d appends %d µs apart: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms, over 1 ms: %d; %.1f µs CPU and %.0f B written per record",
            durability.rawValue, count, Int(gap), at(0.5), at(0.99), at(0.999), millis.last ?? 0, millis.filter { $0 > 1 }.count,
            cpuPerRecord, bytesPerRecord))
    }
}
if ProcessInfo.processInfo.environment["AUDIT_BENCH"] == "tail" { try tailRun() }

// `AUDIT_BENCH=query`: `wicket audit`'s queries over AUDIT_BENCH_RECORDS records (1,000,000 by
// default; 50 members and 40 tools, skewed), each the best of 5, newest first as the CLI asks.
func queryRun() throws {
    let count = Int(ProcessInfo.processInfo.environment["AUDIT_BENCH_RECORDS"] ?? "") ?? 1_000_000
    let store = try AuditStore(directory: root + "/query", tenant: "bench", durability: .normal)
    defer { store.close() }
    let base = Int64(Date().timeIntervalSince1970 * 1_000_000) - Int64(count) * 10_000
    var batch: [AuditRecord] = []
    batch.reserveCapacity(32)
    for i in 0..<count {
        var r = record(0, i)
        // Of every 1,000 records: 600 by member0 with tool0 (common), 399 spread over 48 members and
        // 38 tools, one by member49 with tool39 (rare).
        let k = i % 1000
        r.member = "member\(k < 600 ? 0 : k < 999 ? 1 + k % 48 : 49)@company.com"
        r.targetName = "tool\(k < 600 ? 0 : k < 999 ? 1 + k % 38 : 39)"
        r.timeMicros = base + Int64(i) * 10_000  // 10 ms apart: the last hour holds 360,000
        batch.append(r)
        if batch.count == 32 || i == count - 1 {
            try store.append(contentsOf: batch)
            batch.removeAll(keepingCapacity: true)
        }
    }
    let queries: [(String, AuditQuery)] = [
        ("newest 100", AuditQuery()),
        ("the last hour", AuditQuery(since: Date().addingTimeInterval(-3600))),
        ("--member common", AuditQuery(member: "member0@company.com")),
        ("--member rare", AuditQuery(member: "member49@company.com")),
        ("--member with no record", AuditQuery(member: "nobody@company.com")),
        ("--tool common", AuditQuery(tool: "tool0")),
        ("--tool rare", AuditQuery(tool: "tool39")),
        ("--tool with no record", AuditQuery(tool: "never_called")),
    ]
    print("queries over \(count) records (best of 5):")
    for (name, query) in queries {
        var best = Double.infinity
        var found = 0
        for _ in 0..<5 {
            let start = Date()
            found = try store.query(query).count
            best = min(best, Date().timeIntervalSince(start) * 1000)
        }
        print("  " + name.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: "%8.3f ms  (%d records)", best, found))
    }
}
if ProcessInfo.processInfo.environment["AUDIT_BENCH"] == "query" { try queryRun() }

// Authentication: one indexed read per call on a pooled connection, plus the hash.
func authenticationRun() throws {
    let keys = try KeyStore(directory: root + "/keys", tenant: "bench")
    let issued = try (0..<1000).map { try keys.issue(member: "m\($0)@company.com", agent: "agent") }
    for key in issued { _ = try keys.authenticate(key.key) }  // warm up; also sets last-used once
    let iterations = 200_000
    var start = Date()
    var misses = 0
    for i in 0..<iterations where try keys.authenticate(issued[i % issued.count].key) == nil { misses += 1 }
    let single = Date().timeIntervalSince(start) / Double(iterations) * 1_000_000
    print(String(format: "authenticate: %.2f µs per call, 1 thread, 1000 keys%@", single, misses > 0 ? " MISSES: \(misses)" : ""))

    let threads = 8
    start = Date()
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        for i in 0..<(iterations / threads) { _ = try? keys.authenticate(issued[(i + t * 97) % issued.count].key) }
    }
    let perCall = Date().timeIntervalSince(start) / Double(iterations) * 1_000_000
    print(String(format: "authenticate: %.2f µs per call (wall time / calls), %d threads on %d cores", perCall, threads,
                 ProcessInfo.processInfo.activeProcessorCount))
    let invalid = "wk_bench_0123456789abcdef_" + String(repeating: "A", count: 43)
    start = Date()
    for _ in 0..<iterations { _ = try keys.authenticate(invalid) }
    print(String(format: "authenticate (unknown key id): %.2f µs per call", Date().timeIntervalSince(start) / Double(iterations) * 1_000_000))
}
if !onlyCost { try authenticationRun() }
try? FileManager.default.removeItem(atPath: root)
