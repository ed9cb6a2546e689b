"""Fail closed: with Wicket killed, its socket gone or Wicket hanging, nginx answers a JSON-RPC 503
itself and the upstream receives nothing. Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import signal
import time

import pytest

import mcp_call
import stack as st

HANG_TIMEOUT = 180.0  # the client waits this long for nginx's own timeout to fire


def assert_503_and_upstream_untouched(stack: st.WicketStack, timeout: float = 30.0,
                                      with_client: bool = True) -> float:
    key = stack.keys[(st.MEMBER, st.AGENT)]
    stack.demo.reset()
    started = time.monotonic()
    resp = mcp_call.stateless_request(stack.url, key, "tools/call",
                                      {"name": "query", "arguments": {"sql": "select 1"}}, timeout=timeout)
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


def test_wicket_hanging_gives_503_after_timeout(wicket_stack) -> None:
    assert wicket_stack.call("query", {"sql": "select 1"}, protocol="2026-07-28").ok
    assert wicket_stack.serve_proc is not None
    wicket_stack.serve_proc.signal_group(signal.SIGSTOP)
    try:
        elapsed = assert_503_and_upstream_untouched(wicket_stack, timeout=HANG_TIMEOUT, with_client=False)
        print(f"nginx answered 503 after {elapsed:.1f}s of Wicket hanging")
    finally:
        wicket_stack.serve_proc.signal_group(signal.SIGCONT)


@pytest.mark.parametrize("sig", [signal.SIGTERM])
def test_graceful_shutdown_then_restart_serves_again(wicket_stack, sig) -> None:
    wicket_stack.stop_serve(sig)
    assert wicket_stack.serve_proc is not None and wicket_stack.serve_proc.popen.returncode == 0, \
        "wicket serve should exit 0 on SIGTERM"
    wicket_stack.start_serve()
    out = wicket_stack.call("query", {"sql": "select 1"}, protocol="2026-07-28")
    assert out.ok, out
