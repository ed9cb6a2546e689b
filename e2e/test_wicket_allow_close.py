"""Issue 11, round 6: Wicket closes the FastCGI connection of an allow right after writing it — nginx
never keeps one (it acts on X-Accel-Redirect as soon as it has the headers and closes without reading
the END_REQUEST; docs/benchmarks.md, "Issue 11, round 6: the front's own cost", with nginx 1.22's line
references) — and keeps the connection of every answer it gives itself. Through the real nginx with the
project's include (kept connections, `fastcgi_next_upstream off`: a kept connection Wicket had closed
would come back as a refused request), under concurrent load mixing allows and denials on the same
kept upstream: every allow is 200 and forwarded exactly once, every denial its 401, nothing else (no
502 or 503), and nginx logs no upstream error. Needs $WICKET_BIN."""

from __future__ import annotations

import http.client
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import mcp_call
import stack as st
from test_wicket_metrics import scrape, total

ALLOWED = ("query", {"sql": "select 1"})
WORKERS = 8
PER_WORKER = 60


def body(request_id: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {
        "name": ALLOWED[0], "arguments": ALLOWED[1], "_meta": {
            "io.modelcontextprotocol/protocolVersion": mcp_call.MODERN,
            "io.modelcontextprotocol/clientInfo": {"name": "wicket-e2e-load", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {}}}}).encode()


def worker(url: str, good: str, index: int) -> list[tuple[str, int]]:
    """PER_WORKER stateless tools/calls on one keep-alive client connection: allows and denials
    (an unknown key: 401) interleaved, so nginx's kept FastCGI connections serve both."""
    parts = urlsplit(url)
    client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    seen = []
    try:
        for n in range(PER_WORKER):
            allow = (n + index) % 3 != 0
            client.request("POST", parts.path, body=body(index * 1000 + n), headers={
                "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                "MCP-Protocol-Version": mcp_call.MODERN, "Mcp-Method": "tools/call", "Mcp-Name": ALLOWED[0],
                "Authorization": f"Bearer {good if allow else 'wk_acme_bogus'}"})
            response = client.getresponse()
            response.read()
            seen.append(("allow" if allow else "deny", response.status))
    finally:
        client.close()
    return seen


def upstream_errors(stack: st.WicketStack) -> list[str]:
    assert stack.nginx is not None
    log = stack.nginx.prefix / "logs" / "error.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line for line in lines if any(level in line for level in ("[error]", "[crit]", "[alert]", "[emerg]"))]


def test_allows_close_their_connection_and_nothing_is_refused_under_load(wicket_stack) -> None:
    stack = wicket_stack
    key = stack.keys[(st.MEMBER, st.AGENT)]
    forwarded = stack.demo.count
    audit_before = len(stack.audit())
    errors_before = len(upstream_errors(stack))
    with ThreadPoolExecutor(WORKERS) as pool:
        results = [r for part in pool.map(lambda i: worker(stack.url, key, i), range(WORKERS)) for r in part]
    outcomes = Counter(results)
    allows = sum(1 for kind, _ in results if kind == "allow")
    denials = len(results) - allows
    assert outcomes == {("allow", 200): allows, ("deny", 401): denials}, outcomes
    assert stack.demo.count == forwarded + allows
    assert len(stack.audit()) - audit_before == len(results)
    assert upstream_errors(stack)[errors_before:] == []
    # Wicket holds no connection an allow ended: what is open is nginx's kept connections (denials'),
    # at most its keepalive bound, and every allow took a connection of its own.
    samples = scrape(stack)
    assert total(samples, "wicket_fastcgi_connections_accepted") >= allows
    assert total(samples, "wicket_fastcgi_connections_open") <= 64 + 1, samples
