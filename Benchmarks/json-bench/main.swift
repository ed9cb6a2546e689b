// What the strict JSON reader costs per body: parses of request-path bodies (a `tools/call`, an
// `initialize`, a body with escapes and non-ASCII text) and of a 200-tool `tools/list` answer, best
// of 15 rounds of thread CPU time (the machine may be shared), in ns per parse and MB/s. The request
// path's share of it is also in pipeline-bench.
// Release build: `swift build -c release --package-path Benchmarks --product json-bench`.
import Foundation
import WicketJSON

let bodies: [(name: String, bytes: [UInt8])] = {
    let call = #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"query","arguments":{"table":"prod.customer_records","sql":"select count(*) from customer_records where region = 'us-east' and created_at > now() - interval '7 days'"}}}"#
    let initialize = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"roots":{"listChanged":true},"sampling":{},"elicitation":{}},"clientInfo":{"name":"claude-code","title":"Claude Code","version":"2.1.4"},"_meta":{"progressToken":12}}}"#
    let escaped = #"{"jsonrpc":"2.0","id":"req-\u00e9\u4e2d-42","method":"tools/call","params":{"name":"write_note","arguments":{"title":"Caf\u00e9 \"menu\"\n","body":"Zürich — 東京 — \ud83d\ude00 line\tone\nline two \\ end","tags":["a","b","c"],"score":-12.5e-3}}}"#
    var tools: [String] = []
    for i in 0..<200 {
        tools.append(#"{"name":"tool_\#(i)","description":"Runs step \#(i) of the maintenance plan against the named table.","inputSchema":{"type":"object","properties":{"table":{"type":"string"},"limit":{"type":"integer","minimum":1,"maximum":1000}},"required":["table"]}}"#)
    }
    let list = #"{"jsonrpc":"2.0","id":3,"result":{"tools":["# + tools.joined(separator: ",") + "]}}"
    return [("tools/call", Array(call.utf8)), ("initialize", Array(initialize.utf8)),
            ("escapes+unicode", Array(escaped.utf8)), ("tools/list 200", Array(list.utf8)),
            ("tools/call 10 KB", rowsCall(10_000)), ("tools/call 1 MB", rowsCall(1_000_000))]
}()

/// `make bench-growth`'s body-size rows: a `tools/call` whose arguments carry customer rows until the
/// body is at least `size` bytes (Benchmarks/growth_bench.py, `body_of_size`).
func rowsCall(_ size: Int) -> [UInt8] {
    let head = #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_records","arguments":{"table":"prod.customer_records","where":{"customer_id":"c-0042","status":"inactive"},"reason":"quarterly retention cleanup","dry_run":false,"limit":100,"rows":["#
    let tail = #"]},"_meta":{"progressToken":"pt-0007-bench-x"}}}"#
    var rows: [String] = []
    var length = head.utf8.count + tail.utf8.count
    while length < size {
        let i = rows.count
        let id = String(repeating: "0", count: max(0, 7 - String(i).count)) + String(i)
        let row = #"{"customer_id":"c-\#(id)","name":"Customer \#(i)","email":"customer\#(i)@example.com","status":"\#(i % 3 == 0 ? "active" : "inactive")","balance_cents":\#(i * 37 % 100_000),"note":"closed account, retention period over"}"#
        rows.append(row)
        length += row.utf8.count + (i == 0 ? 0 : 1)
    }
    return Array((head + rows.joined(separator: ",") + tail).utf8)
}

let parser = JSONParser(limits: .init(maxBytes: 1 << 24, maxDepth: 64))
/// This thread's CPU time in ns: a descheduled thread does not count.
func now() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

print("body                  bytes    ns/parse      MB/s   ns/KB")
for (name, bytes) in bodies {
    let iterations = max(200, 4_000_000 / bytes.count)
    var best = UInt64.max
    var sink = 0
    for _ in 0..<15 {
        let start = now()
        for _ in 0..<iterations {
            if case .object(let o)? = try? parser.parse(bytes) { sink &+= o.count }
        }
        best = min(best, now() - start)
    }
    precondition(sink > 0, "the body did not parse")
    let perParse = Double(best) / Double(iterations)
    let mbps = Double(bytes.count) / perParse * 1000
    print(
        name.padding(toLength: 20, withPad: " ", startingAt: 0),
        String(format: "%7d  %10.0f  %8.1f  %6.0f", bytes.count, perParse, mbps, perParse / Double(bytes.count) * 1000))
}
