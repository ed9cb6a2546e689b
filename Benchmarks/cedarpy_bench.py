#!/usr/bin/env python3
"""Measure the Rust Cedar engine (PyPI cedarpy, which reports its own in-engine time per call) on
the cedar-workload request stream, for comparison with `cedar-bench`.

Usage: cedarpy_bench.py WORKLOAD_DIR [--rounds N] [--json] [--sets a,b] [--cap-large N] [--answers]

--cap-large N times only the first N requests for the 1,000 and 10,000-policy sets (the Rust
engine evaluates every policy, so those take minutes per round); the mean per request is still
comparable.
Prints one line per policy set; with --json, one JSON object per line:
{"set": "...", "policies": N, "requests": N, "median_us": ..., "mean_us": ..., "allow": N, "errors": N}
With --answers (and --json), each object also has "answers": one [decision, reasons, erroring policies]
per timed request, in order (ids are the engine's `policy0`, `policy1`, ... in source order), which
`cedar-bench` compares request by request.
"""
import json
import re
import statistics
import sys
import time

import cedarpy


ERROR_POLICY = re.compile(r"policy `([^`]+)`")


def answer(res):
    """[decision, sorted reasons, sorted ids of the policies that errored] of one response."""
    errors = sorted({m.group(1) for e in res.diagnostics.errors for m in [ERROR_POLICY.search(str(e))] if m}
                    | {"?" for e in res.diagnostics.errors if not ERROR_POLICY.search(str(e))})
    return ["allow" if res.allowed else "deny", sorted(res.diagnostics.reasons), errors]


def run(policies_path, entities, requests, rounds, answers=False):
    text = open(policies_path).read()
    ps = cedarpy.PolicySet.from_str(text)
    n_policies = len(re.findall(r"^\s*(?:permit|forbid)\s*\(", text, re.M))
    for r in requests[:500]:  # warm-up
        cedarpy.is_authorized(r, ps, entities)
    medians, means = [], []
    allow = errors = 0
    first = []
    for k in range(rounds):
        times = []
        allow = errors = 0
        for r in requests:
            res = cedarpy.is_authorized(r, ps, entities)
            times.append(res.metrics["authz_duration_micros"])
            if answers and k == 0:
                first.append(answer(res))
            if res.allowed:
                allow += 1
            if res.diagnostics.errors:
                errors += 1
        medians.append(statistics.median(times))
        means.append(sum(times) / len(times))
    out = {
        "policies": n_policies,
        "median_us": statistics.median(medians),
        "mean_us": statistics.median(means),
        "allow": allow,
        "errors": errors,
    }
    if answers:
        out["answers"] = first
    return out


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        sys.exit(1)
    wl = args[0].rstrip("/")
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 3
    as_json = "--json" in args
    only = args[args.index("--sets") + 1].split(",") if "--sets" in args else None
    cap = int(args[args.index("--cap-large") + 1]) if "--cap-large" in args else None
    answers = "--answers" in args and as_json
    entities = cedarpy.Entities.from_json_str(open(f"{wl}/entities.json").read())
    requests = [json.loads(line) for line in open(f"{wl}/requests.jsonl")]
    sets = [("workload", f"{wl}/policies.cedar")] + [
        (f"scaling-{n}", f"{wl}/scaling/policies_{n}.cedar") for n in (10, 100, 1000, 10000)
    ]
    for name, path in sets:
        if only and name not in only:
            continue
        t0 = time.time()
        reqs = requests[:cap] if cap and name in ("scaling-1000", "scaling-10000") else requests
        res = run(path, entities, reqs, rounds, answers)
        res["requests"] = len(reqs)
        res["set"] = name
        if as_json:
            print(json.dumps(res), flush=True)
        else:
            print(
                f"cedarpy {name:14} {res['policies']:6} policies  median {res['median_us']:.1f} µs"
                f"  mean {res['mean_us']:.2f} µs  allow {res['allow']}  errors {res['errors']}"
                f"  ({time.time() - t0:.0f}s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
