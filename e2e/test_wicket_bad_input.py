"""The bad-input rows (docs/threat-model.md) through the real path: bad input is refused with the right status and JSON-RPC error,
never forwarded, never a crash. Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import json

import pytest

import mcp_call
import serve_watch as sw
import stack as st
from test_wicket_request_path import deny_now

MODERN = {"MCP-Protocol-Version": "2026-07-28"}
META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}}


def call_body(extra: str = "") -> bytes:
    return ('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query",'
            '"arguments":{"sql":"select 1"}' + extra + ',"_meta":' + json.dumps(META) + '}}').encode()


CASES = {
    "not json": (b"hello", {**MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "query"}, 400, -32700),
    "not json-rpc": (b'{"foo": 1}', MODERN, 400, -32600),
    "not utf-8": (call_body().replace(b"select 1", b"select \xff"),
                  {**MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "query"}, 400, None),
    "duplicate keys": (call_body().replace(b'"name":"query"', b'"name":"query","name":"delete_records"'),
                       {**MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "query"}, 400, None),
    "too deep": (call_body(',"x":' + "[" * 5000 + "]" * 5000),
                 {**MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "query"}, 400, None),
    "too large": (call_body(',"x":"' + "a" * (2 * 1024 * 1024) + '"'),
                  {**MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "query"}, 413, None),
    "mcp-method disagrees": (call_body(), {**MODERN, "Mcp-Method": "tools/list"}, 400, None),
    "mcp-name disagrees": (call_body(), {**MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "post_message"},
                           400, None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_refused_and_not_forwarded(wicket_stack, case: str) -> None:
    body, headers, status, code = CASES[case]
    key = wicket_stack.keys[(st.MEMBER, st.AGENT)]
    resp = mcp_call.raw_post(wicket_stack.url, body, {**headers, "Authorization": f"Bearer {key}"})
    assert resp.status == status, (resp.status, resp.body[:300])
    err = resp.jsonrpc_error
    assert err is not None, resp.body[:300]
    if code is not None:
        assert err["code"] == code, err
    assert wicket_stack.demo.count == 0
    # Still serving afterwards.
    assert wicket_stack.call("query", {"sql": "select 1"}, protocol="2026-07-28").ok


def test_batch_with_one_denied_element_is_denied_whole_and_each_audited(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=deny_now)
    key = stack.keys[(st.MEMBER, st.AGENT)]
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "query", "arguments": {"sql": "1"}}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "delete_records", "arguments": {"table": "prod.customer_records"}}},
    ]
    resp = mcp_call.raw_post(stack.url, batch, {"MCP-Protocol-Version": "2025-03-26",
                                                "Authorization": f"Bearer {key}"})
    assert resp.status == 403, (resp.status, resp.body[:300])
    assert stack.demo.count == 0
    request_id = resp.jsonrpc_error["data"]["request_id"]
    records = sw.records_by_rpc_id(stack)
    [query] = records.get(1, [])
    [delete] = records.get(2, [])
    # Both elements are recorded under the one HTTP request, each as itself, each denied with why.
    for rec, index, tool in ((query, 0, "query"), (delete, 1, "delete_records")):
        assert rec["requestID"] == request_id and rec["batchIndex"] == index, rec
        assert (rec["decision"], rec["httpStatus"], rec["method"], rec["targetName"]) == \
            ("deny", 403, "tools/call", tool), rec
    assert [p["id"] for p in delete["policies"]] == ["release-window block"], delete
    assert delete["resource"] == "prod.customer_records", delete
    assert any("batch" in e for e in query["errors"]), query
    assert sum(len(v) for v in records.values()) == 2, records
