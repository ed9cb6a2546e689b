"""`make bench-lists`: the cost of a filtered `tools/list` (nginx → Wicket → the demo server, filtered
for the member, answered by Wicket) against the demo server's own `tools/list`, in the same run.

A `tools/call` allowed through nginx + Wicket (decided, audited, X-Accel-Redirect to the demo server)
is timed beside them for scale: the usual cost of a decision with its committed audit record.
All are timed the same way: N sequential 2026-07-28 `tools/list` requests on one keep-alive HTTP
connection from this process (stdlib `http.client`), after a warm-up; the report gives the median and
p90 of each, and the ratio and difference of the medians: what the filtering gateway adds.

Usage: WICKET_BIN=.build/release/wicket python Benchmarks/list_bench.py [--requests 2000] [--page-size 0]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
import stack as st  # noqa: E402


def body(i: int, method: str = "tools/list") -> bytes:
    params: dict = {"name": "query", "arguments": {"sql": "select 1"}} if method == "tools/call" else {}
    return json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": {**params, "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "list-bench", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}}}}).encode()


def timed(url: str, key: str | None, n: int, method: str = "tools/list") -> tuple[list[float], int]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if method == "tools/call":
        headers["Mcp-Name"] = "query"
    if key:
        headers["Authorization"] = f"Bearer {key}"
    samples: list[float] = []
    tools = -1
    for i in range(n + n // 10):
        start = time.perf_counter()
        conn.request("POST", parts.path, body=body(i, method), headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        elapsed = time.perf_counter() - start
        if resp.status != 200:
            raise SystemExit(f"list-bench: HTTP {resp.status}: {data[:300]!r}")
        if i >= n // 10:
            samples.append(elapsed * 1e6)
        if method == "tools/list":
            tools = len(json.loads(data)["result"]["tools"])
    conn.close()
    return samples, tools


def report(name: str, samples: list[float], tools: int) -> float:
    samples.sort()
    median = statistics.median(samples)
    p90 = samples[int(len(samples) * 0.9)]
    print(f"| {name} | {tools if tools >= 0 else '—'} | {median:,.0f} | {p90:,.0f} |")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--page-size", default="0")
    args = parser.parse_args()
    workdir = st.make_workdir("wicket-list-bench-")
    procs = st.Processes(workdir / "logs")
    try:
        def open_window(stack: st.WicketStack) -> None:
            stack.set_release_window(-1, 24)
            text = stack.config.read_text().replace('log_level = "info"', 'log_level = "warning"')
            stack.config.write_text(text)
        stack = st.build_wicket_stack(workdir, procs, demo_env={"DEMO_PAGE_SIZE": args.page_size},
                                      before_serve=open_window)
        sam = stack.issue_key("sam@company.com", st.AGENT)
        stack.set_cred("sam@company.com", "sam-upstream-cred")
        alex = stack.keys[(st.MEMBER, st.AGENT)]
        print(f"{args.requests} sequential 2026-07-28 tools/list requests each, one keep-alive connection (µs)\n")
        print("| path | tools answered | median | p90 |\n|---|---:|---:|---:|")
        rounds = []
        for _ in range(2):  # interleaved, so drift hits both
            upstream = report("demo server directly", *timed(stack.demo.url, None, args.requests))
            alex_m = report("nginx + Wicket, filtered for alex", *timed(stack.url, alex, args.requests))
            sam_m = report("nginx + Wicket, filtered for sam", *timed(stack.url, sam, args.requests))
            report("nginx + Wicket, an allowed tools/call (redirected, for scale)",
                   *timed(stack.url, alex, args.requests, "tools/call"))
            rounds.append((upstream, alex_m, sam_m))
        upstream = min(r[0] for r in rounds)
        filtered = min(min(r[1], r[2]) for r in rounds)
        print(f"\nfiltered / upstream (best medians): {filtered / upstream:.2f}× "
              f"(+{filtered - upstream:,.0f} µs per list)")
    finally:
        procs.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
