#!/usr/bin/awk -f
# Issue 11's targets for `make bench-path`, one line per setting, Wicket against the noop responder
# measured in the same setting of the same run (Benchmarks/run-path-bench.sh writes the input).
# The noop runs in two shapes (kept connections, `noop`; a connection per request, `noopclose`): each
# target is checked against the better of the two for that measure (lower CPU and latency, higher
# throughput), so a shape that happens to cost the noop more never makes a target easier.
# Input lines: CONNS AUDIT SETUP REQ/S P50_MS P99_MS CPU_US FSYNC_P50_MS FSYNC_P99_MS
#   every setting: Wicket's CPU per request ≤ 2× the noop's
#   many connections: throughput ≥ 0.85× the noop's, p99 ≤ the noop's p99 + 1 ms
#   one connection: p50 ≤ noop p50 + 0.1 ms, p99 ≤ noop p99 + 1 ms, each plus the disk's own
#   write + fdatasync time (p50, p99) with audit `full`
function verdict(ok) { return ok ? "met" : "NOT MET" }
{
    key = $1 " " $2
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    rps[key, $3] = $4; p50[key, $3] = $5; p99[key, $3] = $6; cpu[key, $3] = $7
    fs50[key] = $8; fs99[key] = $9
}
# The noop floor of `key`: the better of the two shapes per measure.
function floor(key) {
    frps = rps[key, "noop"]; fp50 = p50[key, "noop"]; fp99 = p99[key, "noop"]; fcpu = cpu[key, "noop"]
    if ((key, "noopclose") in rps && cpu[key, "noopclose"] > 0) {
        if (rps[key, "noopclose"] > frps) frps = rps[key, "noopclose"]
        if (p50[key, "noopclose"] < fp50) fp50 = p50[key, "noopclose"]
        if (p99[key, "noopclose"] < fp99) fp99 = p99[key, "noopclose"]
        if (cpu[key, "noopclose"] < fcpu) fcpu = cpu[key, "noopclose"]
    }
}
END {
    print ""
    print "issue 11 targets: wicket against the noop responder of the same setting (same run; per measure the better of its two shapes)"
    for (i = 1; i <= n; i++) {
        key = order[i]
        split(key, part, " ")
        conns = part[1]; audit = part[2]
        if (!((key, "wicket") in rps) || !((key, "noop") in rps)) {
            printf "%s conn(s), audit %s: no wicket result (see the errors above)\n", conns, audit
            continue
        }
        floor(key)
        ratio = fcpu > 0 ? cpu[key, "wicket"] / fcpu : 0
        line = sprintf("%s conn(s), audit %s: CPU %.1f µs vs noop %.1f = %.2fx (≤ 2x: %s)", conns, audit,
            cpu[key, "wicket"], fcpu, ratio, verdict(ratio > 0 && ratio <= 2))
        if (conns > 1) {
            through = rps[key, "wicket"] / frps
            limit99 = fp99 + 1
            line = line sprintf("; throughput %.2fx (≥ 0.85x: %s); p99 %.2f ms vs noop %.2f + 1 = %.2f (%s)",
                through, verdict(through >= 0.85), p99[key, "wicket"], fp99, limit99,
                verdict(p99[key, "wicket"] <= limit99))
        } else {
            extra50 = 0.1; extra99 = 1; note50 = ""; note99 = ""
            if (audit == "full") {
                extra50 += fs50[key]; extra99 += fs99[key]
                note50 = sprintf(" + fsync %.2f", fs50[key]); note99 = sprintf(" + fsync %.2f", fs99[key])
            }
            limit50 = fp50 + extra50; limit99 = fp99 + extra99
            line = line sprintf("; p50 %.2f ms vs noop %.2f + 0.1%s = %.2f (%s); p99 %.2f ms vs noop %.2f + 1%s = %.2f (%s)",
                p50[key, "wicket"], fp50, note50, limit50, verdict(p50[key, "wicket"] <= limit50),
                p99[key, "wicket"], fp99, note99, limit99, verdict(p99[key, "wicket"] <= limit99))
        }
        print line
        if ((key, "noopclose") in rps && cpu[key, "noopclose"] > 0)
            printf "  (the noop's two shapes: kept connections %.0f req/s, CPU %.1f µs, p50 %.2f ms, p99 %.2f ms; a connection per request %.0f req/s, CPU %.1f µs, p50 %.2f ms, p99 %.2f ms)\n",
                rps[key, "noop"], cpu[key, "noop"], p50[key, "noop"], p99[key, "noop"],
                rps[key, "noopclose"], cpu[key, "noopclose"], p50[key, "noopclose"], p99[key, "noopclose"]
        printf "  (disk: write + fdatasync p50 %.2f ms, p99 %.2f ms where the audit lives, just before this setting)\n", fs50[key], fs99[key]
    }
}
