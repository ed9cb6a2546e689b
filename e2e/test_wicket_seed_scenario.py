"""README's example end to end: alex@company.com via maintenance-agent calls delete_records on
prod.customer_records from 203.0.113.42 (Ashburn, VA in the test GeoIP database). Outside the
release window it is denied at the proxy with the card README.md shows; inside it is allowed and the
record names the permitting policy.

The client really is 203.0.113.42: nginx, the demo server and the client run in a private network
namespace whose loopback also carries 203.0.113.42, and nginx listens there, so $remote_addr is
that address without trusting any forwarded header. `wicket serve` stays in the host namespace
(the FastCGI socket is a pathname Unix socket). Needs root (unshare/nsenter) and $WICKET_BIN.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import serve_watch as sw
import stack as st
from test_wicket_request_path import allow_now, deny_now


def records_for(stack: st.WicketStack, tool: str) -> list[dict]:
    return [r for r in stack.audit() if tool in json.dumps(r)]


def decision_of(rec: object) -> str | None:
    """The value of the (possibly nested) `decision` field of an audit record."""
    if isinstance(rec, dict):
        for k, v in rec.items():
            if k.lower() == "decision" and isinstance(v, str):
                return v.lower()
        for v in rec.values():
            found = decision_of(v)
            if found is not None:
                return found
    return None


def record_id(rec: dict) -> str:
    for k in ("id", "request_id", "record_id"):
        if k in rec:
            return str(rec[k])
    raise AssertionError(f"no id field in audit record {rec}")


def test_seed_scenario_denied_outside_window_allowed_inside(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(netns=True, before_serve=deny_now)

    denied = stack.call("delete_records", {"table": "prod.customer_records"}, protocol="2025-11-25")
    assert not denied.ok
    assert denied.status == 403, denied
    assert "release-window" in (denied.error_message or "").lower(), denied
    assert stack.demo.tool_calls("delete_records") == []
    # The nginx -> upstream hop stays inside the namespace; the include forwards the client's address in
    # X-Forwarded-For, which the demo's uvicorn believes from loopback, so the upstream sees the client.
    clients = {r["client"] for r in stack.demo.requests()}
    assert clients and clients <= {"127.0.0.1", "203.0.113.42"}, clients
    forwarded = {r["headers"].get("x-forwarded-for") for r in stack.demo.requests()}
    assert forwarded == {"203.0.113.42"}, forwarded

    session_ids = {r["headers"].get("mcp-session-id") for r in stack.demo.requests()} - {None}
    recs = [r for r in records_for(stack, "delete_records") if decision_of(r) == "deny"]
    assert recs, "no deny record for delete_records"
    rec = recs[-1]
    # The hour the decision saw is the record's own (not the wall clock read here, which may have
    # crossed an hour boundary since the call).
    hour = datetime.fromtimestamp(rec["timeMicros"] / 1e6, ZoneInfo(stack.tenant_time_zone())).hour
    assert {"name": "context.time.hour", "value": str(hour)} in rec["contextValues"], rec
    flat = json.dumps(rec)
    for value in ("alex@company.com", "maintenance-agent", st.SEED_IP, "Ashburn", "prod.customer_records",
                  "release-window block"):
        assert value in flat, f"`{value}` missing from the audit record {flat}"

    card = stack.audit_show(record_id(rec))
    print(card)
    assert "alex@company.com via maintenance-agent · 203.0.113.42 · Ashburn, VA" in card, card
    assert "database.delete_records on prod.customer_records" in card, card
    assert re.search(r"\d{2}:\d{2}:\d{2} UTC · [A-Z][a-z]{2} \d{1,2}, \d{4} · session \S+", card), card
    if session_ids:
        assert any(sid in card for sid in session_ids), (card, session_ids)
    assert f"Matched: release-window block · context.time.hour = {hour}" in card, card

    reloads = sw.log_count(stack, "policies reloaded")
    allow_now(stack)
    stack.reload()
    sw.wait_for_log(stack, "policies reloaded", reloads)
    allowed = stack.call("delete_records", {"table": "prod.customer_records"}, protocol="2025-11-25")
    assert allowed.ok, allowed
    assert len(stack.demo.tool_calls("delete_records")) == 1

    allow_recs = [r for r in records_for(stack, "delete_records") if decision_of(r) == "allow"]
    assert allow_recs, "no allow record for delete_records"
    allow_card = stack.audit_show(record_id(allow_recs[-1]))
    print(allow_card)
    permit_ids = stack.permit_policy_ids()
    assert permit_ids, "the tenant's policies have no @id'd permit"
    assert any(pid in allow_card for pid in permit_ids), (allow_card, permit_ids)
    assert "203.0.113.42 · Ashburn, VA" in allow_card, allow_card
