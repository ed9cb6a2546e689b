// cedar-bench: µs per authorization on Benchmarks/cedar-workload, and the scaling curve.
//
// Usage: cedar-bench WORKLOAD_DIR [--rounds N] [--baseline cedarpy.jsonl] [--python PATH]
// With --baseline (the output of `cedarpy_bench.py --json`) or --python (a Python with cedarpy,
// which runs Benchmarks/cedarpy_bench.py in the same session) it prints ratios against the
// Rust engine's in-engine time, and compares every request's answer (decision, determining policies,
// erroring policies) with the Rust engine's answer for the same request. Without a baseline it checks
// the workload's totals against the reference (3,991 allow, 89 with errors). Any mismatch, or a
// baseline without per-request answers, exits 1. Times are thread CPU time (the machine may be shared)
// and wall.
//
//   swift build -c release --product cedar-bench
//   Benchmarks/.build/release/cedar-bench Benchmarks/cedar-workload --python .venv/bin/python
//   # or: python Benchmarks/cedarpy_bench.py Benchmarks/cedar-workload --json --answers --cap-large 1000 > rust.jsonl
//   #     Benchmarks/.build/release/cedar-bench Benchmarks/cedar-workload --baseline rust.jsonl
// Options: --rounds N (default 7), --only SET, --baseline FILE, --python PATH (or CEDARPY_PYTHON).
import Cedar
import Foundation
import WicketJSON

struct Options {
    var dir = "Benchmarks/cedar-workload"
    var rounds = 7
    var baseline: String?
    var python: String?
    var only: String?
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    while let a = args.popFirst() {
        switch a {
        case "--rounds": o.rounds = Int(args.popFirst() ?? "") ?? o.rounds
        case "--baseline": o.baseline = args.popFirst()
        case "--python": o.python = args.popFirst()
        case "--only": o.only = args.popFirst()
        default: o.dir = a
        }
    }
    return o
}

func fail(_ m: String) -> Never {
    FileHandle.standardError.write(Data("cedar-bench: \(m)\n".utf8))
    exit(1)
}

func loadRequests(_ path: String) -> [Request] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read `\(path)`") }
    var out: [Request] = []
    for line in text.split(separator: "\n") where !line.isEmpty {
        do {
            let j = try CedarJSON.parse(String(line))
            func uid(_ k: String) throws -> EntityUID {
                guard case .string(let s)? = j[k] else { fail("request without `\(k)`") }
                return try PolicyParser.parseEntityUID(s)
            }
            let action = try uid("action")
            let ctx = try EntityJSON.context(j["context"] ?? .object([:]), action: action)
            out.append(Request(principal: try uid("principal"), action: action, resource: try uid("resource"), context: ctx))
        } catch {
            fail("bad request line: \(error)")
        }
    }
    return out
}

/// One request's answer in the Rust engine's terms: policies are named `policy0`, `policy1`, … in
/// source order (the engine's ids without `@id` annotations).
struct Answer: Equatable, CustomStringConvertible {
    var decision: String
    var reasons: [String]
    var errors: [String]
    var description: String { "\(decision) reasons \(reasons) errors \(errors)" }
}

struct Result {
    var name: String
    var policies: Int
    var medianMicros: Double
    var medianWallMicros: Double
    var allow: Int
    var errors: Int
    var answers: [Answer]
}

/// Thread CPU time: the machine may be shared, and wall time then measures the neighbours too.
func cpuNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
func wallNow() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func bench(name: String, policiesPath: String, store: Entities, requests: [Request], rounds: Int) -> Result {
    guard let text = try? String(contentsOfFile: policiesPath, encoding: .utf8) else { fail("cannot read `\(policiesPath)`") }
    let set: PolicySet
    do { set = try PolicySet(text: text, file: policiesPath, idAnnotations: true) } catch { fail("\(error)") }
    var allow = 0
    var errors = 0
    var position: [String: Int] = [:]
    for (k, p) in set.policies.enumerated() { position[p.id] = k }
    func engineID(_ id: String) -> String { position[id].map { "policy\($0)" } ?? id }
    var answers: [Answer] = []
    answers.reserveCapacity(requests.count)
    for r in requests {
        let resp = set.authorize(r, entities: store)
        if resp.decision == .allow { allow += 1 }
        if !resp.errors.isEmpty { errors += 1 }
        answers.append(Answer(decision: resp.decision == .allow ? "allow" : "deny",
                              reasons: Set(resp.reasons.map(engineID)).sorted(),
                              errors: Set(resp.errors.map { engineID($0.policyID) }).sorted()))
    }
    var perRound: [Double] = []
    var perRoundWall: [Double] = []
    var sink = 0
    for _ in 0..<rounds {
        let w0 = wallNow()
        let t0 = cpuNow()
        for r in requests {
            let resp = set.authorize(r, entities: store)
            sink &+= resp.reasons.count
        }
        let t1 = cpuNow()
        let w1 = wallNow()
        perRound.append(Double(t1 - t0) / 1000 / Double(requests.count))
        perRoundWall.append(Double(w1 - w0) / 1000 / Double(requests.count))
    }
    if sink == -1 { print(sink) }
    perRound.sort()
    perRoundWall.sort()
    return Result(
        name: name, policies: set.policies.count, medianMicros: perRound[perRound.count / 2],
        medianWallMicros: perRoundWall[perRoundWall.count / 2], allow: allow, errors: errors, answers: answers)
}

struct Baseline {
    var meanMicros: Double
    var medianMicros: Double
    var requests: Int
    /// The Rust engine's answer to each request it timed (the first `requests` of the stream).
    var answers: [Answer]?
}

func strings(_ v: JSONValue?) -> [String]? {
    guard case .array(let items)? = v else { return nil }
    var out: [String] = []
    for case .string(let s) in items { out.append(s) }
    return out.count == items.count ? out : nil
}

func loadBaseline(_ text: String) -> [String: Baseline] {
    var out: [String: Baseline] = [:]
    for line in text.split(separator: "\n") {
        guard let j = try? CedarJSON.parse(String(line)), case .string(let name)? = j["set"] else { continue }
        func num(_ k: String) -> Double {
            switch j[k] {
            case .number(let n)?: return n.doubleValue ?? 0
            default: return 0
            }
        }
        var answers: [Answer]?
        if case .array(let rows)? = j["answers"] {
            answers = rows.map { row in
                guard case .array(let f) = row, f.count == 3, case .string(let d) = f[0],
                      let reasons = strings(f[1]), let errors = strings(f[2]) else {
                    fail("baseline `\(name)`: an answer is not [decision, [reasons], [errors]]")
                }
                return Answer(decision: d, reasons: reasons.sorted(), errors: errors.sorted())
            }
        }
        out[name] = Baseline(meanMicros: num("mean_us"), medianMicros: num("median_us"),
                             requests: Int(num("requests")), answers: answers)
    }
    return out
}

func runCedarpy(python: String, dir: String) -> String? {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("cedarpy_bench.py").path
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [script, dir, "--rounds", "3", "--json", "--answers", "--cap-large", "1000"]
    let pipe = Pipe()
    p.standardOutput = pipe
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
}

let opts = parseOptions()
let dir = opts.dir
guard let entitiesText = try? String(contentsOfFile: "\(dir)/entities.json", encoding: .utf8) else {
    fail("cannot read `\(dir)/entities.json`")
}
let store: Entities
do { store = Entities(try EntityJSON.parse(entitiesText)) } catch { fail("\(error)") }
let requests = loadRequests("\(dir)/requests.jsonl")
print("cedar-bench: \(requests.count) requests, \(store.count) entities, \(opts.rounds) rounds (median of rounds)")

var results: [Result] = []
var mismatched = false
let sets = [("workload", "\(dir)/policies.cedar")] + [10, 100, 1000, 10000].map { ("scaling-\($0)", "\(dir)/scaling/policies_\($0).cedar") }
for (name, path) in sets where opts.only == nil || opts.only == name {
    let r = bench(name: name, policiesPath: path, store: store, requests: requests, rounds: opts.rounds)
    results.append(r)
    var line = "wicket  \(name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(format: "%6d", r.policies)) policies  \(String(format: "%7.3f", r.medianMicros)) µs/authorization (CPU; wall \(String(format: "%.3f", r.medianWallMicros)))  allow \(r.allow)  errors \(r.errors)"
    if name == "workload" {
        if r.allow == 3991 && r.errors == 89 {
            line += "  (matches reference 3991/89)"
        } else {
            line += "  MISMATCH: reference is 3991 allow / 89 with errors"
            mismatched = true
        }
    }
    print(line)
}
if let ten = results.first(where: { $0.name == "scaling-10" }), let tenK = results.first(where: { $0.name == "scaling-10000" }) {
    print(String(format: "scaling: 10,000 policies cost %.2fx what 10 policies cost (aim ≤ 3x)", tenK.medianMicros / ten.medianMicros))
}

var baselineText: String?
if let b = opts.baseline { baselineText = try? String(contentsOfFile: b, encoding: .utf8) }
if baselineText == nil {
    let candidates = [opts.python, ProcessInfo.processInfo.environment["CEDARPY_PYTHON"], ".venv/bin/python"].compactMap { $0 }
    if let py = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
        print("running cedarpy_bench.py with \(py) (Rust engine via cedarpy) ...")
        baselineText = runCedarpy(python: py, dir: dir)
    }
}
guard let baselineText else {
    print("no cedarpy baseline (pass --baseline FILE or --python PATH to a Python with cedarpy 4.12.2); "
        + "answers checked against the reference totals only")
    if mismatched { fail("the workload's answers differ from the reference") }
    exit(0)
}
let baseline = loadBaseline(baselineText)
for r in results {
    guard let b = baseline[r.name] else {
        print("vs cedarpy \(r.name): MISMATCH: the baseline has no result for this set")
        mismatched = true
        continue
    }
    guard let theirs = b.answers else {
        print("vs cedarpy \(r.name): MISMATCH: the baseline has no per-request answers (cedarpy_bench.py --answers)")
        mismatched = true
        continue
    }
    // The Rust engine answered the first `theirs.count` requests of the same stream.
    var differ: [Int] = []
    if theirs.count > r.answers.count { differ.append(r.answers.count) }
    for k in 0..<min(theirs.count, r.answers.count) where theirs[k] != r.answers[k] { differ.append(k) }
    if differ.isEmpty {
        print("answers  \(r.name.padding(toLength: 14, withPad: " ", startingAt: 0)) all \(theirs.count) requests the Rust engine answered match (decision, reasons, errors)")
    } else {
        mismatched = true
        print("answers  \(r.name.padding(toLength: 14, withPad: " ", startingAt: 0)) MISMATCH on \(differ.count) of \(theirs.count) requests")
        for k in differ.prefix(5) where k < theirs.count && k < r.answers.count {
            print("  request \(k): rust \(theirs[k]), wicket \(r.answers[k])")
        }
    }
    let ratio = r.medianMicros / b.meanMicros
    let wallRatio = r.medianWallMicros / b.meanMicros
    print("vs cedarpy \(r.name.padding(toLength: 14, withPad: " ", startingAt: 0)) rust in-engine mean \(String(format: "%8.2f", b.meanMicros)) µs (median \(String(format: "%.0f", b.medianMicros)))  wicket/rust = \(String(format: "%.4f", ratio)) CPU, \(String(format: "%.4f", wallRatio)) wall  (\(String(format: "%.0f", 1 / ratio))x faster; aim ≥ 3x)")
}
print("timed on: wicket \(requests.count) requests for every set; rust "
    + results.compactMap { r in baseline[r.name].map { "\($0.requests) for \(r.name)" } }.joined(separator: ", "))
if mismatched { fail("answers differ from the Rust engine's (MISMATCH above)") }
