"""Issue 11, Wicket's own FastCGI front: through the real nginx with the project's include (upstream
`keepalive`, `fastcgi_keep_conn on`), requests travel over kept connections — Wicket accepts far fewer
connections than it reads requests (its `wicket_fastcgi_*` gauges) — and every request is recorded
before it is answered. A dead Wicket is still nginx's 503 and the MCP server is never reached; a
restarted Wicket is picked up without losing or forwarding a request. Needs $WICKET_BIN."""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter

import mcp_call
import stack as st
from test_wicket_metrics import scrape, total

ALLOWED = ("query", {"sql": "select 1"})


def curl_call(stack: st.WicketStack, key: str, request_id: int) -> int:
    """One stateless tools/call with the real curl; returns the HTTP status."""
    body = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {
        "name": ALLOWED[0], "arguments": ALLOWED[1], "_meta": {
            "io.modelcontextprotocol/protocolVersion": mcp_call.MODERN,
            "io.modelcontextprotocol/clientInfo": {"name": "wicket-e2e-curl", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {}}}}
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", stack.url,
         "-H", "Content-Type: application/json", "-H", "Accept: application/json, text/event-stream",
         "-H", f"MCP-Protocol-Version: {mcp_call.MODERN}", "-H", "Mcp-Method: tools/call",
         "-H", f"Mcp-Name: {ALLOWED[0]}", "-H", f"Authorization: Bearer {key}",
         "--data-binary", json.dumps(body)],
        capture_output=True, text=True, timeout=30)
    return int(out.stdout or 0)


def front(stack: st.WicketStack) -> tuple[float, float]:
    samples = scrape(stack)
    return total(samples, "wicket_fastcgi_connections_accepted"), total(samples, "wicket_fastcgi_requests_read")


def test_requests_travel_over_kept_connections_and_each_is_recorded_before_its_answer(wicket_stack) -> None:
    stack = wicket_stack
    key = stack.keys[(st.MEMBER, st.AGENT)]
    accepted_before, read_before = front(stack)
    audit_before = len(stack.audit())
    # Answers Wicket gives itself (here 401 for an unknown key, each recorded): nginx reads them to
    # their END_REQUEST and keeps the connection for the next request.
    outcomes = [stack.call(*ALLOWED, key="wk_acme_bogus") for _ in range(40)]
    assert all(o.status == 401 for o in outcomes), [o for o in outcomes if o.status != 401][:2]
    statuses = Counter(curl_call(stack, "wk_acme_bogus", n) for n in range(120))
    assert statuses == {401: 120}, statuses
    accepted, read = front(stack)
    requests = read - read_before
    connections = accepted - accepted_before
    assert requests >= 40 + 120, (requests, connections)
    assert connections * 10 <= requests, f"{connections} connections for {requests} requests: not kept"
    # Every one was recorded before it was answered (the scrape is not a request the audit sees).
    assert len(stack.audit()) - audit_before == requests - 1, (len(stack.audit()) - audit_before, requests)

    # Allowed requests: nginx closes the FastCGI connection after an X-Accel-Redirect without reading
    # the END_REQUEST (docs/operations.md), so each costs a connection; each is recorded and forwarded.
    forwarded = stack.demo.count
    audit_before = len(stack.audit())
    assert Counter(curl_call(stack, key, n) for n in range(30)) == {200: 30}
    assert stack.demo.count == forwarded + 30
    assert len(stack.audit()) - audit_before == 30


def test_a_dead_wicket_is_503_and_a_restarted_one_is_picked_up(wicket_stack) -> None:
    stack = wicket_stack
    key = stack.keys[(st.MEMBER, st.AGENT)]
    # nginx now holds idle kept connections to this Wicket.
    assert [curl_call(stack, key, n) for n in range(10)] == [200] * 10
    forwarded = stack.demo.count
    stack.stop_serve(signal.SIGKILL)
    # Dead: nginx's cached connections to it are gone with it; nothing reaches the MCP server.
    assert [curl_call(stack, key, n) for n in range(5)] == [503] * 5
    assert stack.demo.count == forwarded
    audit_before = len(stack.audit())
    stack.start_serve()
    # The very first request after the restart is answered by the new process and forwarded once.
    assert curl_call(stack, key, 100) == 200
    assert stack.demo.count == forwarded + 1
    assert len(stack.audit()) == audit_before + 1
    assert [curl_call(stack, key, n) for n in range(20)] == [200] * 20
    # A graceful restart too: SIGTERM closes idle kept connections, and nginx drops them.
    stack.stop_serve(signal.SIGTERM)
    stack.start_serve()
    assert curl_call(stack, key, 200) == 200
    assert stack.demo.count == forwarded + 22
