"""`deny_style = "tool-result"`: a denied `tools/call` is answered by Wicket as the tool's own error
result (HTTP 200, `isError: true`, the policy's reason as text) that the official client returns from
`call_tool` instead of raising; it never reaches the upstream and is audited as a deny. Needs
$WICKET_BIN (fails without it)."""

from __future__ import annotations

import re

import pytest

import mcp_call
import stack as st
from test_wicket_request_path import deny_now


def tool_result_style(stack: st.WicketStack) -> None:
    deny_now(stack)
    text = stack.config.read_text()
    replaced, n = re.subn(r'(?m)^deny_style\s*=\s*"jsonrpc-error"', 'deny_style = "tool-result"', text)
    assert n == 1, "wicket init should write `deny_style` for its upstream"
    stack.config.write_text(replaced)


@pytest.mark.parametrize("protocol", ["2026-07-28", "2025-11-25"])
def test_denied_tool_call_is_a_tool_error_result_the_client_returns(wicket_stack_factory, protocol: str) -> None:
    stack = wicket_stack_factory(before_serve=tool_result_style)
    out = stack.call("delete_records", {"table": "prod.customer_records"}, protocol=protocol)
    assert out.exception is None and out.error_code is None, out
    assert out.is_error, out
    assert "denied by policy `release-window block`" in out.text, out.text
    assert out.status == 200, out
    assert stack.demo.tool_calls("delete_records") == []
    if protocol == "2026-07-28":
        assert stack.demo.count == 0  # pinned stateless: the call was the only request

    records = [r for r in stack.audit() if r.get("targetName") == "delete_records"]
    assert len(records) == 1, records
    assert records[0]["decision"] == "deny" and records[0]["httpStatus"] == 200, records[0]
    assert [p["id"] for p in records[0]["policies"]] == ["release-window block"], records[0]


def test_tool_result_style_keeps_allowed_calls_and_other_refusals_as_before(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=tool_result_style)
    allowed = stack.call("query", {"sql": "select 1"}, protocol="2026-07-28")
    assert allowed.ok, allowed
    # No key: still a 401 JSON-RPC error, never a tool result.
    resp = mcp_call.stateless_request(stack.url, None, "tools/call",
                                      {"name": "delete_records", "arguments": {"table": "prod.customer_records"}})
    assert resp.status == 401 and resp.jsonrpc_error is not None, resp
    assert stack.demo.tool_calls("delete_records") == []


def test_default_style_is_still_the_jsonrpc_error(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=deny_now)
    assert 'deny_style = "jsonrpc-error"' in stack.config.read_text()
    out = stack.call("delete_records", {"table": "prod.customer_records"}, protocol="2026-07-28")
    assert not out.ok and out.status == 403 and out.error_code is not None, out
