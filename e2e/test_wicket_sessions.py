"""A session belongs to the member who opened it: another member presenting its `Mcp-Session-Id` is
refused (and recorded) before the upstream sees it, `DELETE` included, and the owner's session keeps
working. Through a real nginx with the official MCP client. Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import asyncio

import mcp_call
import stack as st

OTHER = "sam@company.com"
PROTOCOL = "2025-11-25"


def add_other_member(stack: st.WicketStack) -> None:
    stack.add_member_like(OTHER)


def session_of(stack: st.WicketStack, credential: str) -> str:
    """The `Mcp-Session-Id` the upstream saw on `credential`'s requests (the upstream assigned it)."""
    ids = {r["headers"].get("mcp-session-id") for r in stack.demo.requests()
           if r["authorization"] == f"Bearer {credential}"} - {None}
    assert len(ids) == 1, f"expected one session for the member, saw {ids}"
    return ids.pop()


def raw_session_request(stack: st.WicketStack, key: str, session: str, method: str = "POST") -> mcp_call.RawResponse:
    headers = {"Authorization": f"Bearer {key}", "Mcp-Session-Id": session, "MCP-Protocol-Version": PROTOCOL}
    body = {"jsonrpc": "2.0", "id": 99, "method": "tools/call",
            "params": {"name": "query", "arguments": {"sql": "select 1"}}}
    return mcp_call.raw_post(stack.url, body if method == "POST" else b"", headers, method=method)


def test_another_members_session_id_is_refused_and_the_owners_session_keeps_working(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=add_other_member)
    sam_key = stack.issue_key(OTHER, st.AGENT)
    stack.set_cred(OTHER, "sam-upstream-cred-" + "5" * 12)
    alex_key = stack.keys[(st.MEMBER, st.AGENT)]
    sam_cred = f"Bearer {stack.creds[OTHER]}"

    async def scenario():
        async with mcp_call.open_client(stack.url, alex_key, PROTOCOL) as alex:
            first = await alex.call_tool("query", {"sql": "select 1"})
            assert not first.is_error, first
            sid = session_of(stack, stack.creds[st.MEMBER])
            before = stack.demo.count
            # Sam, with the official client, presenting Alex's session id.
            hijack = await mcp_call.call_tool(stack.url, sam_key, "query", {"sql": "select 1"}, PROTOCOL,
                                              headers={"Mcp-Session-Id": sid})
            # Sam by hand: a call inside Alex's session, and a DELETE that would end it.
            post = await asyncio.to_thread(raw_session_request, stack, sam_key, sid, "POST")
            delete = await asyncio.to_thread(raw_session_request, stack, sam_key, sid, "DELETE")
            after = stack.demo.count
            # Alex's session is untouched: the same client keeps calling.
            second = await alex.call_tool("query", {"sql": "select 2"})
            return sid, before, after, hijack, post, delete, second

    sid, before, after, hijack, post, delete, second = asyncio.run(scenario())
    assert not hijack.ok and hijack.status == 403, hijack
    assert "another member" in (hijack.error_message or ""), hijack
    assert post.status == 403 and "another member" in post.jsonrpc_error["message"], post
    assert delete.status == 403, delete
    assert after == before, "a refused request reached the upstream"
    assert all(r["authorization"] != sam_cred for r in stack.demo.requests()), "sam's credential went upstream"
    assert not second.is_error, second

    refused = [r for r in stack.audit() if r.get("member") == OTHER and r.get("sessionID") == sid]
    assert len(refused) >= 3, refused
    assert all(r["decision"] == "deny" and r["httpStatus"] == 403 for r in refused), refused
    assert any("bound to `alex@company.com`" in " ".join(r.get("errors") or []) for r in refused), refused


def test_an_ended_session_is_refused_to_its_own_member_too(wicket_stack) -> None:
    alex_key = wicket_stack.keys[(st.MEMBER, st.AGENT)]
    out = wicket_stack.call("query", {"sql": "select 1"}, protocol=PROTOCOL)
    assert out.ok, out
    sid = session_of(wicket_stack, wicket_stack.creds[st.MEMBER])
    # The client sent DELETE when it closed; Wicket allowed it and ended the binding.
    deletes = [r for r in wicket_stack.demo.requests() if r["method"] == "DELETE"]
    assert deletes, "the official client ends its session with DELETE"
    before = wicket_stack.demo.count
    again = raw_session_request(wicket_stack, alex_key, sid)
    assert again.status == 404, again
    assert wicket_stack.demo.count == before
