"""Durability under load: kill -9 `wicket serve` while requests are in flight; every request the
client saw allowed (HTTP 200) has its committed audit record. Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import mcp_call
import serve_watch as sw
import stack as st

WORKERS = 8
REQUESTS = 600


def test_kill9_under_load_loses_no_answered_record(wicket_stack) -> None:
    key = wicket_stack.keys[(st.MEMBER, st.AGENT)]
    answered: dict[str, int] = {}
    lock = threading.Lock()
    started = threading.Event()

    def one(i: int) -> None:
        rid = f"dur-{i}-{time.monotonic_ns()}"
        try:
            resp = mcp_call.stateless_request(wicket_stack.url, key, "tools/call",
                                              {"name": "query", "arguments": {"sql": "select 1"}},
                                              request_id=rid, timeout=30)
            status = resp.status
        except OSError:
            status = -1
        with lock:
            answered[rid] = status
            if sum(1 for s in answered.values() if s == 200) >= 50:
                started.set()

    with ThreadPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(one, i) for i in range(REQUESTS)]
        assert started.wait(60), "the load never got going"
        assert wicket_stack.serve_proc is not None
        wicket_stack.serve_proc.signal_group(signal.SIGKILL)
        for f in futures:
            f.result()

    allowed = {rid for rid, status in answered.items() if status == 200}
    refused = {rid for rid, status in answered.items() if status == 503}
    print(f"{len(allowed)} answered 200, {len(refused)} answered 503 after the kill, "
          f"{len(answered) - len(allowed) - len(refused)} other")
    assert len(allowed) >= 50 and refused, "the kill should land mid-load"
    # Each id answered 200 has exactly one record, and it is that request's allow: the member, the
    # tool, decision allow, HTTP 200.
    records = sw.records_by_rpc_id(wicket_stack, limit=REQUESTS * 4)
    wrong = []
    for rid in sorted(allowed):
        recs = records.get(rid, [])
        if len(recs) != 1:
            wrong.append(f"{rid}: {len(recs)} records")
            continue
        rec = recs[0]
        if (rec.get("decision"), rec.get("httpStatus"), rec.get("targetName"), rec.get("member")) != \
                ("allow", 200, "query", st.MEMBER):
            wrong.append(f"{rid}: {rec}")
    assert not wrong, f"{len(wrong)} requests answered 200 lack their allow record, e.g. {wrong[:3]}"
    # Nothing reached the upstream that the client did not see answered 200.
    upstream = wicket_stack.demo.tool_calls("query")
    assert len(upstream) == len(allowed), (len(upstream), len(allowed))
