"""Fail closed: with Wicket killed, its socket gone or Wicket hanging, nginx answers a JSON-RPC 503
itself and the upstream receives nothing. Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import re
import signal
import sqlite3
import threading
import time

import pytest

import mcp_call
import serve_watch as sw
import stack as st

HANG_TIMEOUT = 180.0  # the client waits this long for nginx's own timeout to fire
HANG_BOUND = 20.0  # a hung Wicket must cost a client no more than this


def upstream_rpc_ids(stack: st.WicketStack) -> list[object]:
    """The JSON-RPC ids of the tools/call messages the upstream received, in order."""
    return [m.get("id") for r in stack.demo.requests() for m in r.get("rpc") or [] if m.get("method") == "tools/call"]


def assert_503_and_upstream_untouched(stack: st.WicketStack, timeout: float = 30.0,
                                      with_client: bool = True, request_id: int | str = 1) -> float:
    key = stack.keys[(st.MEMBER, st.AGENT)]
    stack.demo.reset()
    started = time.monotonic()
    resp = mcp_call.stateless_request(stack.url, key, "tools/call",
                                      {"name": "query", "arguments": {"sql": "select 1"}},
                                      request_id=request_id, timeout=timeout)
    elapsed = time.monotonic() - started
    assert resp.status == 503, resp
    assert resp.headers.get("content-type", "").startswith("application/json"), resp.headers
    err = resp.jsonrpc_error
    assert err is not None, resp.body
    assert isinstance(err.get("code"), int) and err.get("message")
    if with_client:
        # The official client, session protocol: the initialize itself is refused the same way.
        out = mcp_call.call_tool_sync(stack.url, key, "query", {"sql": "select 1"}, "2025-11-25", timeout=timeout)
        assert not out.ok
        assert out.status == 503, out
    assert stack.demo.count == 0, stack.demo.requests()
    return elapsed


def test_wicket_killed_gives_503(wicket_stack) -> None:
    assert wicket_stack.call("query", {"sql": "select 1"}, protocol="2026-07-28").ok
    assert wicket_stack.serve_proc is not None
    wicket_stack.serve_proc.signal_group(signal.SIGKILL)
    wicket_stack.serve_proc.popen.wait(10)
    assert_503_and_upstream_untouched(wicket_stack)


def test_wicket_socket_missing_gives_503(wicket_stack) -> None:
    assert wicket_stack.call("query", {"sql": "select 1"}, protocol="2026-07-28").ok
    wicket_stack.stop_serve(signal.SIGTERM)
    if wicket_stack.socket.exists():
        wicket_stack.socket.unlink()
    assert_503_and_upstream_untouched(wicket_stack)


def fastcgi_read_timeout(stack: st.WicketStack) -> float:
    """nginx's `fastcgi_read_timeout` for the Wicket location, in seconds, from the generated conf."""
    assert stack.nginx is not None
    m = re.search(r"fastcgi_read_timeout\s+(\d+)(ms|s)?;", stack.nginx.conf.read_text())
    assert m, "the generated nginx conf sets no fastcgi_read_timeout"
    return int(m.group(1)) / (1000 if m.group(2) == "ms" else 1)


def test_wicket_hanging_gives_503_after_timeout(wicket_stack) -> None:
    assert wicket_stack.call("query", {"sql": "select 1"}, protocol="2026-07-28").ok
    assert wicket_stack.serve_proc is not None
    timeout = fastcgi_read_timeout(wicket_stack)
    wicket_stack.serve_proc.signal_group(signal.SIGSTOP)
    try:
        elapsed = assert_503_and_upstream_untouched(wicket_stack, timeout=HANG_TIMEOUT, with_client=False,
                                                    request_id="hung-1")
        print(f"nginx answered 503 after {elapsed:.1f}s of Wicket hanging (fastcgi_read_timeout {timeout}s)")
        # nginx's own timeout gave the answer: not sooner than the configured timeout, and within
        # HANG_BOUND (the 5 s `wicket nginx` writes, plus slack for a loaded machine). The client waits
        # up to HANG_TIMEOUT, so without the bound a 503 after minutes would pass too.
        assert timeout - 0.5 <= elapsed <= HANG_BOUND, (elapsed, timeout)
    finally:
        wicket_stack.serve_proc.signal_group(signal.SIGCONT)
    # Resumed, Wicket handles the request nginx gave up on and answers allow to a closed connection:
    # the upstream must still see nothing of it. The next request then reaches it alone.
    late = sw.wait_for_record(wicket_stack, "hung-1")
    print(f"the abandoned request's record after SIGCONT: {late['decision']} {late['httpStatus']}")
    key = wicket_stack.keys[(st.MEMBER, st.AGENT)]
    after = mcp_call.stateless_request(wicket_stack.url, key, "tools/call",
                                       {"name": "query", "arguments": {"sql": "select 2"}}, request_id="after-1")
    assert after.status == 200, after
    assert upstream_rpc_ids(wicket_stack) == ["after-1"], wicket_stack.demo.requests()


@pytest.mark.parametrize("sig", [signal.SIGTERM])
def test_graceful_shutdown_then_restart_serves_again(wicket_stack_factory, sig) -> None:
    """SIGTERM with a request in flight: it is answered, recorded and forwarded before Wicket exits 0.

    The request is held inside Wicket the way production holds one: its audit record must commit
    before the answer, and another writer (here this test, as a backup or `audit prune` would) holds
    audit.sqlite's write lock, so Wicket waits in SQLite's busy handler (5 s) with the request
    accepted and unanswered. The lock is released only after SIGTERM has started the shutdown."""
    stack = wicket_stack_factory(before_serve=sw.disable_file_poller)
    assert stack.serve_proc is not None
    key = stack.keys[(st.MEMBER, st.AGENT)]
    audit_db = next(stack.data_dir.rglob("audit.sqlite"))
    blocker = sqlite3.connect(audit_db, isolation_level=None, timeout=0)
    answer: dict[str, mcp_call.RawResponse] = {}

    def in_flight() -> None:
        answer["held"] = mcp_call.stateless_request(stack.url, key, "tools/call",
                                                    {"name": "query", "arguments": {"sql": "select 1"}},
                                                    request_id="held-over-sigterm", timeout=60)

    client = threading.Thread(target=in_flight)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        client.start()
        st.wait_until(lambda: sw.accepted_connections(stack.serve_proc.pid, stack.socket) == 1, 10,
                      "Wicket to accept the request", stack.serve_proc)
        assert client.is_alive(), "the request was answered while its audit record could not commit"
        stopping = sw.log_count(stack, "fastcgi responder stopping")
        stack.serve_proc.popen.send_signal(sig)
        line = sw.wait_for_log(stack, "fastcgi responder stopping", stopping)
        # A request counts in flight once its loop starts reading it, so a connection accepted a moment
        # before SIGTERM may not be counted yet (0); it is read and served all the same and the server
        # stops only after it (what the rest of this test checks). Never more than this one.
        assert "in_flight=1" in line or "in_flight=0" in line, line
        assert client.is_alive(), "the in-flight request was answered before its record committed"
        # New requests are refused from here on; the held one is not dropped.
        assert mcp_call.stateless_request(stack.url, key, "tools/call",
                                          {"name": "query", "arguments": {"sql": "select 2"}},
                                          request_id="after-sigterm", timeout=30).status == 503
    finally:
        if blocker.in_transaction:
            blocker.execute("COMMIT")
        blocker.close()
    client.join(60)
    assert stack.serve_proc.popen.wait(30) == 0, "wicket serve should exit 0 on SIGTERM"
    held = answer.get("held")
    assert held is not None and held.status == 200, held
    [rec] = sw.records_by_rpc_id(stack).get("held-over-sigterm", [None])
    assert rec is not None and rec["decision"] == "allow" and rec["httpStatus"] == 200, rec
    assert rec["requestID"] and rec["targetName"] == "query", rec
    assert upstream_rpc_ids(stack) == ["held-over-sigterm"], stack.demo.requests()
    stack.start_serve()
    out = stack.call("query", {"sql": "select 1"}, protocol="2026-07-28")
    assert out.ok, out
