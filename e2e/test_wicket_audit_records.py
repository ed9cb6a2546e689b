"""The SIEM export exports, and records read right: `wicket audit --json` streams every matching
record unless --limit, the table says when it truncates, --since/--until compare against each
record's own time; a revoked key's request names its member and key id; a denied batch's rows say
what policy thought of each element and which element denied the batch. Needs $WICKET_BIN."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import mcp_call
import stack as st
from test_wicket_request_path import deny_now


def audit(stack: st.WicketStack, *args: str):
    return stack.wicket("audit", "--config", str(stack.config), "--tenant", stack.tenant, *args)


def iso_ms(micros: int) -> str:
    moment = datetime.fromtimestamp(micros // 1000 / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{micros // 1000 % 1000:03d}Z"


def test_json_export_streams_every_record_and_times_filter_on_record_time(wicket_stack) -> None:
    def refused(_: int) -> int:
        return mcp_call.stateless_request(wicket_stack.url, None, "tools/list").status

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(refused, range(500)))
    assert statuses == [401] * 500

    lines = audit(wicket_stack, "--json").stdout.splitlines()
    assert len(lines) == 500
    records = [json.loads(line) for line in lines]
    assert len({r["id"] for r in records}) == 500
    assert len(audit(wicket_stack, "--json", "--limit", "7").stdout.splitlines()) == 7

    table = audit(wicket_stack)
    assert len(table.stdout.splitlines()) == 1 + 50, table.stdout[-300:]
    assert "newest 50" in table.stderr and "--json" in table.stderr, table.stderr
    small = audit(wicket_stack, "--limit", "600")
    assert len(small.stdout.splitlines()) == 1 + 500 and small.stderr == "", small.stderr

    times = sorted(r["timeMicros"] for r in records)
    pivot = times[len(times) // 3]
    cut = pivot // 1000 * 1000  # the instant as written, to the millisecond
    since = audit(wicket_stack, "--json", "--since", iso_ms(pivot)).stdout.splitlines()
    until = audit(wicket_stack, "--json", "--until", iso_ms(pivot)).stdout.splitlines()
    assert len(since) == sum(1 for t in times if t >= cut)
    assert len(until) == sum(1 for t in times if t < cut)
    assert len(since) + len(until) == 500 and 0 < len(until) < 500
    assert len(audit(wicket_stack, "--json", "--since", "1h").stdout.splitlines()) == 500
    assert audit(wicket_stack, "--json", "--until", "1h").stdout == ""


def test_a_revoked_keys_request_names_its_member_and_key_id(wicket_stack) -> None:
    key = wicket_stack.issue_key(st.MEMBER, "report-bot")
    key_id = wicket_stack.key_id(st.MEMBER, "report-bot")
    assert key_id is not None
    wicket_stack.revoke(st.MEMBER, "report-bot")
    resp = mcp_call.stateless_request(wicket_stack.url, key, "tools/list")
    assert resp.status == 401, resp
    # A forged secret under the same id is not the member's key: the record names no one.
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert mcp_call.stateless_request(wicket_stack.url, forged, "tools/list").status == 401
    records = [r for r in wicket_stack.audit() if r.get("keyID") == key_id]
    assert len(records) == 2, records
    revoked, forgery = sorted(records, key=lambda r: r["id"])
    assert revoked["member"] == st.MEMBER and revoked["agent"] == "report-bot", revoked
    assert revoked["decision"] == "deny" and revoked["httpStatus"] == 401
    assert forgery.get("member") is None, forgery
    assert wicket_stack.demo.count == 0


def test_a_denied_batch_says_what_policy_thought_of_each_element(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=deny_now)
    key = stack.keys[(st.MEMBER, st.AGENT)]
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "query", "arguments": {"sql": "x"}}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "delete_records", "arguments": {"table": "prod.customer_records"}}},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "query", "arguments": {"sql": "y"}}},
    ]
    resp = mcp_call.raw_post(stack.url, batch, {"Authorization": f"Bearer {key}", "MCP-Protocol-Version": "2025-03-26"})
    assert resp.status == 403, resp
    assert stack.demo.count == 0
    rows = sorted((r for r in stack.audit() if r.get("batchIndex") is not None), key=lambda r: r["batchIndex"])
    assert [r["batchIndex"] for r in rows] == [0, 1, 2]
    assert all(r["decision"] == "deny" for r in rows)
    for allowed in (rows[0], rows[2]):
        assert any("policy allowed this element" in e and "batch element 1 was denied" in e
                   for e in allowed["errors"]), allowed["errors"]
    assert [p["id"] for p in rows[1]["policies"]] == ["release-window block"]
    assert not any("policy allowed" in e for e in rows[1]["errors"])
