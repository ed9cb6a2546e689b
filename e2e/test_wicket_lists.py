"""Filtered lists (issue 13): for an allowed `tools/list` Wicket calls the demo server itself (the
member's own credential, the client's MCP headers), keeps only the tools the member could call now,
and answers the official client directly: on a session revision (the SDK server answers the list
with SSE) and on 2026-07-28 (JSON, marked `cacheScope: "private"`), across several pages, with an
audit record that says how many tools were hidden and by which policies. The list agrees with the
calls: every listed tool's call with a permitted resource is allowed, every hidden tool's call is
denied. Faults: the upstream down or slow during a list call is a JSON-RPC error, never a list.
Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
from typing import Any

import pytest

import mcp_call
import stack as st

SAM = "sam@company.com"
ALL_TOOLS = {"delete_records", "query", "post_message", "slow_report"}
SUPPORT_TOOLS = {"query", "post_message"}
#: A call of each demo tool on a resource the example policies permit (not `prod.*`).
PERMITTED_CALLS: dict[str, dict[str, Any]] = {
    "delete_records": {"table": "staging.customer_records"},
    "query": {"sql": "select 1"},
    "post_message": {"channel": "ops", "text": "hello"},
    "slow_report": {"steps": 1},
}


def open_window(stack: st.WicketStack) -> None:
    """The release window never closes: the forbid never applies."""
    stack.set_release_window(-1, 24)


def close_window(stack: st.WicketStack) -> None:
    """The release window is closed at every hour (as at 03:00 with the example's 9–17)."""
    stack.set_release_window(24, -1)


def add_sam(stack: st.WicketStack) -> str:
    key = stack.issue_key(SAM, st.AGENT)
    stack.set_cred(SAM, "sam-upstream-cred")
    return key


def demo_control(stack: st.WicketStack, change: dict[str, Any]) -> None:
    req = urllib.request.Request(stack.demo.base + "/_tools", data=json.dumps(change).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


async def _pages(url: str, key: str, protocol: str) -> tuple[list[list[str]], list[Any]]:
    """Every page of `tools/list` through the official client, following `nextCursor`."""
    pages: list[list[str]] = []
    exchanges: list[Any] = []
    async with mcp_call.open_client(url, key, protocol, exchanges) as client:
        cursor = None
        while True:
            result = await client.list_tools(cursor=cursor)
            pages.append([t.name for t in result.tools])
            cursor = result.next_cursor
            if not cursor or len(pages) > 20:
                break
    return pages, exchanges


def listed(stack: st.WicketStack, key: str, protocol: str) -> list[list[str]]:
    pages, _ = asyncio.run(_pages(stack.url, key, protocol))
    return pages


def list_records(stack: st.WicketStack, member: str) -> list[dict[str, Any]]:
    return [r for r in stack.audit() if r.get("method") == "tools/list" and r.get("member") == member]


@pytest.mark.parametrize("protocol", ["2025-11-25", "2026-07-28"])
def test_each_member_sees_only_the_tools_they_may_call(wicket_stack_factory, protocol: str) -> None:
    stack = wicket_stack_factory(before_serve=open_window)
    sam = add_sam(stack)
    alex = stack.keys[(st.MEMBER, st.AGENT)]

    assert set(sum(listed(stack, alex, protocol), [])) == ALL_TOOLS
    assert set(sum(listed(stack, sam, protocol), [])) == SUPPORT_TOOLS

    # Wicket itself asked the demo server, with each member's own upstream credential.
    lists = [r for r in stack.demo.requests() if any(m.get("method") == "tools/list" for m in r.get("rpc", []))]
    assert "Bearer sam-upstream-cred" in [r["authorization"] for r in lists], lists
    if protocol != "2026-07-28":
        assert all(r["headers"].get("mcp-session-id") for r in lists), lists

    records = list_records(stack, SAM)
    assert records and records[0]["decision"] == "allow" and records[0]["listHidden"] == 2, records[:1]
    assert records[0]["listHiddenBy"] == ["(no permit)"], records[0]
    assert list_records(stack, st.MEMBER)[0]["listHidden"] == 0

    # The list agrees with the calls.
    for tool, arguments in PERMITTED_CALLS.items():
        out = stack.call(tool, arguments, key=sam, protocol=protocol)
        assert out.ok == (tool in SUPPORT_TOOLS), (tool, out)


def test_a_closed_release_window_hides_delete_records_from_alex_and_says_why(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=close_window)
    alex = stack.keys[(st.MEMBER, st.AGENT)]
    assert set(sum(listed(stack, alex, "2026-07-28"), [])) == ALL_TOOLS - {"delete_records"}
    record = list_records(stack, st.MEMBER)[0]
    assert record["listHidden"] == 1 and record["listHiddenBy"] == ["release-window block"], record
    # Hidden means denied, on any table.
    for table in ("staging.customer_records", "prod.customer_records"):
        out = stack.call("delete_records", {"table": table}, protocol="2026-07-28")
        assert not out.ok and out.status == 403, out
    # Listed means allowed with a permitted resource.
    assert stack.call("query", {"sql": "select 1"}, protocol="2026-07-28").ok


@pytest.mark.parametrize("protocol", ["2025-11-25", "2026-07-28"])
def test_pages_are_filtered_one_by_one_and_keep_their_cursor(wicket_stack_factory, protocol: str) -> None:
    stack = wicket_stack_factory(before_serve=open_window, demo_env={"DEMO_PAGE_SIZE": "1"})
    sam = add_sam(stack)
    pages = listed(stack, sam, protocol)
    assert len(pages) == len(ALL_TOOLS), pages          # every page was fetched, the cursor kept
    assert [] in pages, pages                           # a page of a hidden tool is empty, not dropped
    assert set(sum(pages, [])) == SUPPORT_TOOLS


def test_a_2026_list_is_marked_private_and_answered_by_wicket(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=open_window)
    sam = add_sam(stack)
    resp = mcp_call.stateless_request(stack.url, sam, "tools/list")
    assert resp.status == 200, resp
    body = resp.json()
    assert body["id"] == 1 and body["result"]["cacheScope"] == "private", body
    assert {t["name"] for t in body["result"]["tools"]} == SUPPORT_TOOLS


def test_the_upstream_down_during_a_list_is_an_error_not_a_list(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=open_window)
    alex = stack.keys[(st.MEMBER, st.AGENT)]
    stack.demo.proc.stop()
    resp = mcp_call.stateless_request(stack.url, alex, "tools/list")
    assert resp.status == 502, resp
    error = resp.jsonrpc_error
    assert error is not None and "did not answer the list request" in error["message"], resp
    assert b"tools" not in resp.body.replace(b"tools/list", b"")
    record = list_records(stack, st.MEMBER)[0]
    assert record["httpStatus"] == 502 and any("did not answer" in e for e in record["errors"]), record


def short_list_timeout(stack: st.WicketStack) -> None:
    open_window(stack)
    text = stack.config.read_text()
    replaced, n = re.subn(r'(?m)^list_timeout_ms\s*=\s*\d+', 'list_timeout_ms = 500', text, count=1)
    assert n == 1
    stack.config.write_text(replaced)


def test_a_slow_upstream_list_times_out_into_an_error(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=short_list_timeout)
    alex = stack.keys[(st.MEMBER, st.AGENT)]
    demo_control(stack, {"list_delay": 3})
    out = asyncio.run(mcp_call.list_tools(stack.url, alex, "2025-11-25"))
    assert not out.ok and out.error_code is not None, out
    assert "did not answer the list request" in (out.error_message or ""), out
    demo_control(stack, {"list_delay": 0})
    assert asyncio.run(mcp_call.list_tools(stack.url, alex, "2025-11-25")).ok


def test_prompts_and_resources_lists_are_filtered_by_the_calls_they_offer(wicket_stack_factory) -> None:
    """The example policies grant no `prompts/get` or `resources/read`: the demo's prompt and
    resource are listed to nobody, and a policy that permits them brings them back."""
    def permit_reading(stack: st.WicketStack) -> None:
        open_window(stack)
        (stack.policy_files()[0].parent / "reading.cedar").write_text(
            '@id("engineers read")\npermit (principal in ServiceMCP::Group::"engineering",\n'
            '  action in [ServiceMCP::Action::"prompts/get", ServiceMCP::Action::"resources/read"], resource);\n')

    stack = wicket_stack_factory(before_serve=permit_reading)
    sam = add_sam(stack)
    alex = stack.keys[(st.MEMBER, st.AGENT)]
    for method, key in (("prompts/list", "prompts"), ("resources/list", "resources")):
        for who, expected in ((alex, 1), (sam, 0)):
            resp = mcp_call.stateless_request(stack.url, who, method)
            assert resp.status == 200, resp
            assert len(resp.json()["result"][key]) == expected, (method, resp.json())
    records = [r for r in stack.audit() if r.get("method") == "prompts/list" and r.get("member") == SAM]
    assert records[0]["listHidden"] == 1 and records[0]["listHiddenBy"] == ["(no permit)"], records[0]
