"""The client address in the Cedar context and the audit: what nginx saw, never a client-supplied
X-Forwarded-For unless the operator names a trusted proxy (`wicket init --trusted-proxy CIDR`).
Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import json

import mcp_call
import stack as st


def call_with_forwarded_for(stack: st.WicketStack, address: str) -> list[dict]:
    key = stack.keys[(st.MEMBER, st.AGENT)]
    resp = mcp_call.stateless_request(stack.url, key, "tools/call",
                                      {"name": "query", "arguments": {"sql": "select 1"}},
                                      extra_headers={"X-Forwarded-For": address})
    assert resp.status == 200, resp
    return [r for r in stack.audit() if "query" in json.dumps(r)]


def test_client_supplied_forwarded_for_is_not_believed(wicket_stack) -> None:
    records = call_with_forwarded_for(wicket_stack, st.SEED_IP)
    assert records, "no audit record for the call"
    flat = json.dumps(records)
    assert st.SEED_IP not in flat
    assert "127.0.0.1" in flat


def test_forwarded_for_from_trusted_proxy_is_the_source(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(init_args=["--trusted-proxy", "127.0.0.1/32"])
    records = call_with_forwarded_for(stack, st.SEED_IP)
    assert records, "no audit record for the call"
    flat = json.dumps(records[0] if len(records) == 1 else records)
    assert st.SEED_IP in flat
    assert "Ashburn" in flat
