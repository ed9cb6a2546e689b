"""The demo MCP server and the official client, directly and through a plain nginx proxy (no
Wicket): the baseline every Wicket test builds on, runnable without the Wicket binary."""

from __future__ import annotations

import pytest

import mcp_call
import stack as st

PROTOCOLS = ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"]
TOOLS = {"delete_records", "query", "post_message", "slow_report"}


def streamed_early(out: mcp_call.Outcome, min_lead: float) -> bool:
    """The first progress notification arrived at least `min_lead` seconds before the result."""
    return bool(out.progress) and out.finished_at - out.progress[0][0] >= min_lead


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_demo_server_direct(demo_server: st.DemoServer, protocol: str) -> None:
    listed = mcp_call.list_tools_sync(demo_server.url, "k", protocol)
    assert listed.ok, listed
    assert listed.protocol == protocol
    assert set(listed.result) == TOOLS
    out = mcp_call.call_tool_sync(demo_server.url, "k", "delete_records", {"table": "prod.customer_records"},
                                  protocol)
    assert out.ok, out
    assert out.text == "deleted 42 records from prod.customer_records"


def test_demo_server_counts_requests_and_authorization(demo_server: st.DemoServer) -> None:
    assert demo_server.count == 0
    out = mcp_call.call_tool_sync(demo_server.url, "secret-1", "query", {"sql": "select 1"}, "2026-07-28")
    assert out.ok, out
    stats = demo_server.stats()
    assert stats["count"] >= 1
    assert set(stats["authorizations"]) == {"Bearer secret-1"}
    assert len(demo_server.tool_calls("query")) == 1
    demo_server.reset()
    assert demo_server.count == 0


def test_demo_server_serves_prompt_and_resource(demo_server: st.DemoServer) -> None:
    for method, params in [("prompts/get", {"name": "incident_summary", "arguments": {"service": "billing"}}),
                           ("resources/read", {"uri": "db://prod/customer_records/schema"})]:
        resp = mcp_call.stateless_request(demo_server.url, None, method, params)
        assert resp.status == 200, resp
        assert resp.jsonrpc_error is None, resp.body


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_plain_proxy_passes_calls(plain_proxy: st.Nginx, demo_server: st.DemoServer, protocol: str) -> None:
    out = mcp_call.call_tool_sync(plain_proxy.url, "member-key", "post_message",
                                  {"channel": "ops", "text": "hello"}, protocol)
    assert out.ok, out
    assert out.protocol == protocol
    assert out.text == "posted 5 characters to #ops"
    # A plain proxy forwards the client's Authorization unchanged: Wicket must not.
    assert set(demo_server.stats()["authorizations"]) == {"Bearer member-key"}
    assert len(demo_server.tool_calls("post_message")) == 1


def test_plain_proxy_keeps_body_byte_identical(plain_proxy: st.Nginx, demo_server: st.DemoServer) -> None:
    import hashlib
    import json
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                       "params": {"name": "query", "arguments": {"sql": "select  1 -- é"},
                                  "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                            "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
                                            "io.modelcontextprotocol/clientCapabilities": {}}}},
                      ensure_ascii=False).encode()
    resp = mcp_call.raw_post(plain_proxy.url, body, {"MCP-Protocol-Version": "2026-07-28",
                                                     "Mcp-Method": "tools/call", "Mcp-Name": "query"})
    assert resp.status == 200, resp
    seen = demo_server.requests()[-1]
    assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize("protocol", ["2025-11-25", "2026-07-28"])
def test_plain_proxy_streams_sse_unbuffered(demo_factory, nginx_factory, protocol: str) -> None:
    # Without the SDK's `X-Accel-Buffering: no`, only `proxy_buffering off` keeps SSE live.
    demo = demo_factory({"DEMO_STRIP_ACCEL_BUFFERING": "1", "DEMO_STREAM_DELAY": "1.0"})
    port = st.free_port()
    proxy = nginx_factory(lambda p: st.plain_proxy_conf(p, port, demo.base, buffering=False), port)
    out = mcp_call.call_tool_sync(proxy.url, "k", "slow_report", {"steps": 2}, protocol)
    assert out.ok, out
    assert [p[1] for p in out.progress] == [1.0, 2.0]
    assert streamed_early(out, 1.5), f"progress arrived {out.finished_at - out.progress[0][0]:.2f}s before the result"


def test_buffering_proxy_is_detected(demo_factory, nginx_factory) -> None:
    """Control: the streaming check fails on a proxy that holds SSE back (gzip), so it can catch one.

    Measured on nginx 1.22: `proxy_buffering on` alone still forwards each upstream read at once,
    and gzip alone flushes per read when `proxy_buffering off`; the two together hold events back."""
    demo = demo_factory({"DEMO_STRIP_ACCEL_BUFFERING": "1", "DEMO_STREAM_DELAY": "1.0"})
    port = st.free_port()
    proxy = nginx_factory(lambda p: st.plain_proxy_conf(p, port, demo.base, buffering=True, gzip_sse=True), port)
    out = mcp_call.call_tool_sync(proxy.url, "k", "slow_report", {"steps": 2}, "2026-07-28",
                                  headers={"Accept-Encoding": "gzip"})
    assert out.ok, out
    assert not streamed_early(out, 0.5)


def test_buffering_on_still_streams(demo_factory, nginx_factory) -> None:
    """Measured: `proxy_buffering on` does not hold SSE back on nginx 1.22 (and the SDK server sends
    `X-Accel-Buffering: no` anyway)."""
    port = st.free_port()
    demo = demo_factory({"DEMO_STRIP_ACCEL_BUFFERING": "1"})
    proxy = nginx_factory(lambda p: st.plain_proxy_conf(p, port, demo.base, buffering=True), port)
    out = mcp_call.call_tool_sync(proxy.url, "k", "slow_report", {"steps": 2}, "2026-07-28")
    assert out.ok, out
    assert streamed_early(out, 0.5)


def test_client_reports_http_status_of_jsonrpc_error(nginx_factory) -> None:
    """What a Wicket deny looks like to the client: status and message of a JSON-RPC error body."""
    port = st.free_port()

    def conf(prefix):
        return st.plain_proxy_conf(prefix, port, "http://127.0.0.1:9").replace(
            "proxy_pass http://127.0.0.1:9;",
            "default_type application/json; return 403 "
            "'{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32003,\"message\":\"denied by test rule\"}}';")

    proxy = nginx_factory(conf, port)
    for protocol in ("2026-07-28", "2025-11-25"):
        out = mcp_call.call_tool_sync(proxy.url, "k", "query", {"sql": "x"}, protocol)
        assert not out.ok
        assert out.status == 403, out
        assert out.error_message == "denied by test rule", out
