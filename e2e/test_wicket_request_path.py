"""The request path through nginx + `wicket serve` + the demo MCP server, with the official client.
Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

import mcp_call
import serve_watch as sw
import stack as st
from test_plain_proxy import streamed_early


def deny_now(stack: st.WicketStack) -> None:
    """Make the release-window rule forbid delete_records at the current hour."""
    h = stack.current_hour()
    bound = (h + 12) % 24  # hour < bound || hour > bound holds for every hour but `bound`
    stack.set_release_window(bound, bound)


def allow_now(stack: st.WicketStack) -> None:
    """Make the current hour, and the next one, fall inside the release window (at 23 the next hour
    is 0, so the window is the whole day)."""
    h = stack.current_hour()
    stack.set_release_window(0 if h == 23 else max(0, h - 1), 23 if h == 23 else h + 1)


@pytest.mark.parametrize("protocol", ["2026-07-28", "2025-11-25", "2025-03-26"])
def test_allowed_call_reaches_upstream_with_member_credential(wicket_stack_factory, protocol: str) -> None:
    stack = wicket_stack_factory()
    key = stack.keys[(st.MEMBER, st.AGENT)]
    cred = stack.creds[st.MEMBER]
    out = stack.call("query", {"sql": "select 1"}, protocol=protocol)
    assert out.ok, out
    assert out.text == "1 row (query of 8 characters)"
    calls = stack.demo.tool_calls("query")
    assert len(calls) == 1
    requests = stack.demo.requests()
    assert requests, "the upstream saw nothing"
    # Every request the upstream saw carried the member's credential, never the Wicket key.
    assert {r["authorization"] for r in requests} == {f"Bearer {cred}"}
    assert key not in json.dumps(requests)


def test_auto_negotiation_reaches_the_stateless_protocol(wicket_stack) -> None:
    """A default SDK client probes `server/discover` first; members must be allowed to, or every
    connection pays a denied probe (and a deny record) and falls back to the session protocol."""
    out = wicket_stack.call("query", {"sql": "select 1"}, protocol="auto")
    assert out.ok, out
    assert out.protocol == "2026-07-28", [(e.mcp_method, e.status) for e in out.exchanges]
    assert all(e.status < 300 for e in out.exchanges), [(e.mcp_method, e.status) for e in out.exchanges]


def test_allowed_body_reaches_upstream_byte_identical(wicket_stack) -> None:
    import hashlib
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                       "params": {"name": "query", "arguments": {"sql": "select  1 -- é"},
                                  "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                            "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
                                            "io.modelcontextprotocol/clientCapabilities": {}}}},
                      ensure_ascii=False).encode()
    key = wicket_stack.keys[(st.MEMBER, st.AGENT)]
    resp = mcp_call.raw_post(wicket_stack.url, body, {
        "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "query",
        "Authorization": f"Bearer {key}"})
    assert resp.status == 200, resp
    seen = wicket_stack.demo.requests()
    assert len(seen) == 1
    assert seen[0]["method"] == "POST"
    assert seen[0]["body_sha256"] == hashlib.sha256(body).hexdigest()
    for header in ("x-wicket-token", "x-wicket-decision", "x-wicket-rule", "x-accel-redirect", "set-cookie"):
        assert header not in resp.headers, f"{header} leaked to the client"


@pytest.mark.parametrize("protocol", ["2026-07-28", "2025-11-25"])
def test_denied_call_never_reaches_upstream_and_client_sees_reason(wicket_stack_factory, protocol: str) -> None:
    stack = wicket_stack_factory(before_serve=deny_now)
    out = stack.call("delete_records", {"table": "prod.customer_records"}, protocol=protocol)
    assert not out.ok
    assert out.status == 403, out
    assert out.error_message is not None and "release-window" in out.error_message.lower(), out
    assert stack.demo.tool_calls("delete_records") == []
    if protocol == "2026-07-28":
        assert stack.demo.count == 0  # pinned stateless: the call was the only request


def test_denied_raw_request_gets_jsonrpc_error_and_no_wicket_headers(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=deny_now)
    key = stack.keys[(st.MEMBER, st.AGENT)]
    resp = mcp_call.stateless_request(stack.url, key, "tools/call",
                                      {"name": "delete_records", "arguments": {"table": "prod.customer_records"}},
                                      request_id=41)
    assert resp.status == 403, resp
    assert resp.headers.get("content-type", "").startswith("application/json")
    body = resp.json()
    assert body.get("jsonrpc") == "2.0" and body.get("id") == 41, body
    assert "release-window" in body["error"]["message"].lower()
    assert "not found" not in body["error"]["message"].lower()
    for header in ("x-wicket-token", "x-accel-redirect"):
        assert header not in resp.headers
    assert stack.demo.count == 0


@pytest.mark.parametrize("key", [None, "", "not-a-wicket-key", "wk_" + "0" * 40])
def test_missing_or_unknown_key_is_401_and_never_reaches_upstream(wicket_stack, key) -> None:
    resp = mcp_call.stateless_request(wicket_stack.url, None, "tools/call",
                                      {"name": "query", "arguments": {"sql": "select 1"}},
                                      extra_headers={} if key is None else {"Authorization": f"Bearer {key}"})
    assert resp.status == 401, resp
    assert "www-authenticate" in resp.headers
    assert resp.jsonrpc_error is not None
    assert wicket_stack.demo.count == 0


@pytest.mark.parametrize("protocol", ["2026-07-28", "2025-11-25"])
def test_sse_streams_through_wicket_unbuffered(wicket_stack_factory, protocol: str) -> None:
    stack = wicket_stack_factory(demo_env={"DEMO_STRIP_ACCEL_BUFFERING": "1", "DEMO_STREAM_DELAY": "1.0"})
    out = stack.call("slow_report", {"steps": 2}, protocol=protocol)
    assert out.ok, out
    assert [p[1] for p in out.progress] == [1.0, 2.0]
    assert streamed_early(out, 1.5), (
        f"first progress arrived only {out.finished_at - out.progress[0][0]:.2f}s before the result")


def deny_now_sighup_only(stack: st.WicketStack) -> None:
    deny_now(stack)
    sw.disable_file_poller(stack)


def test_policy_reload_on_sighup(wicket_stack_factory) -> None:
    """With the file poller off (`reload_interval = 0`), a changed policy is picked up on SIGHUP, and
    only then."""
    stack = wicket_stack_factory(before_serve=deny_now_sighup_only)
    assert stack.call("delete_records", {"table": "prod.customer_records"}, protocol="2026-07-28").status == 403
    allow_now(stack)
    # No poller: the changed file alone changes nothing.
    assert stack.call("delete_records", {"table": "prod.customer_records"}, protocol="2026-07-28").status == 403
    assert sw.log_count(stack, "policies reloaded") == 0
    stack.reload()
    sw.wait_for_log(stack, "policies reloaded", 0)
    out = stack.call("delete_records", {"table": "prod.customer_records"}, protocol="2026-07-28")
    assert out.ok, out
    assert len(stack.demo.tool_calls("delete_records")) == 1


def test_broken_policy_on_reload_keeps_previous_set(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=deny_now_sighup_only)
    path = next(p for p in stack.policy_files() if "context.time.hour" in p.read_text())
    good = path.read_text()
    path.write_text(good + "\nforbid (principal, action, resource) when { this is not cedar ;\n")
    stack.reload()
    line = sw.wait_for_log(stack, "policy reload failed", 0)
    assert "previous policies keep serving" in line, line
    assert stack.call("query", {"sql": "select 1"}, protocol="2026-07-28").ok, "a broken file must not become deny-all"
    denied = stack.call("delete_records", {"table": "prod.customer_records"}, protocol="2026-07-28")
    assert denied.status == 403, "a broken file must not drop the previous forbids"
    assert stack.serve_proc is not None and stack.serve_proc.alive
    path.write_text(good)
    allow_now(stack)
    stack.reload()
    sw.wait_for_log(stack, "policies reloaded", 0)
    out = stack.call("delete_records", {"table": "prod.customer_records"}, protocol="2026-07-28")
    assert out.ok, f"a fixed policy file was not picked up after the broken one: {out}"


def test_geoip_database_reload_on_sighup(wicket_stack_factory) -> None:
    """`geoipupdate` replaces the file, SIGHUP switches to it; a file that does not open keeps the
    previous database. The source address comes from a trusted proxy's X-Forwarded-For."""
    maxmind = st.REPO / "geo" / "maxmind-test-data"

    def own_geo_copy(stack: st.WicketStack) -> None:
        sw.disable_file_poller(stack)
        geo = stack.dir / "GeoIP-City.mmdb"
        shutil.copyfile(st.REPO / "geo" / "wicket-city-test.mmdb", geo)
        text = stack.config.read_text()
        new, n = re.subn(r'(?m)^geoip_database\s*=.*$', f'geoip_database = "{geo}"', text)
        assert n == 1, "wicket init wrote no geoip_database line"
        stack.config.write_text(new)

    stack = wicket_stack_factory(before_serve=own_geo_copy, init_args=["--trusted-proxy", "127.0.0.1/32"])
    geo = stack.dir / "GeoIP-City.mmdb"
    key = stack.keys[(st.MEMBER, st.AGENT)]
    milton = "216.160.83.56"  # Milton, WA, US in MaxMind's GeoIP2-City-Test; absent from Wicket's test database

    def geo_of(address: str, rpc_id: str) -> tuple[str | None, str | None]:
        resp = mcp_call.stateless_request(stack.url, key, "tools/call",
                                          {"name": "query", "arguments": {"sql": "select 1"}},
                                          request_id=rpc_id, extra_headers={"X-Forwarded-For": address})
        assert resp.status == 200, resp
        [rec] = sw.records_by_rpc_id(stack)[rpc_id]
        assert rec["sourceIP"] == address, rec
        return rec.get("geoCity"), rec.get("geoCountry")

    assert geo_of(st.SEED_IP, "before-ashburn") == ("Ashburn", "US")
    assert geo_of(milton, "before-milton") == (None, None)

    # What geoipupdate does: write a new file beside it, rename it over the old one.
    staged = stack.dir / "GeoIP-City.mmdb.new"
    shutil.copyfile(maxmind / "GeoIP2-City-Test.mmdb", staged)
    os.replace(staged, geo)
    assert geo_of(milton, "replaced-not-reloaded") == (None, None), "the new file is used only after SIGHUP"
    stack.reload()
    sw.wait_for_log(stack, "GeoIP database reloaded", 0)
    assert geo_of(milton, "after-milton") == ("Milton", "US")
    assert geo_of(st.SEED_IP, "after-ashburn") == (None, None)

    # A file that does not open: the previous database keeps serving.
    shutil.copyfile(maxmind / "GeoIP2-City-Test-Invalid-Node-Count.mmdb", staged)
    os.replace(staged, geo)
    stack.reload()
    line = sw.wait_for_log(stack, "GeoIP reload failed", 0)
    assert "previous database keeps serving" in line, line
    assert geo_of(milton, "broken-milton") == ("Milton", "US")
    assert stack.serve_proc is not None and stack.serve_proc.alive
