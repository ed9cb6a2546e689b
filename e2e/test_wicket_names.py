"""What policy sees is exactly what the upstream will run: through a real nginx, every message whose
method, tool name, prompt name or resource URI is not exactly a real one is refused with the right
JSON-RPC code before the upstream (its request count stays 0), even with a broad
`permit(principal, action, resource)` beside a forbid on one tool; the audit says why. The official
client's whole session still passes on every supported revision. Needs $WICKET_BIN."""

from __future__ import annotations

import asyncio
import base64
import json
import random

import pytest

import mcp_call
import stack as st

BROAD = """
@id("broad permit")
permit (principal, action, resource);

@id("no deletes")
forbid (principal, action == ServiceMCP::Action::"delete_records", resource);
"""

SESSION = "2025-11-25"
REVISIONS = ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"]


def broad_permit(stack: st.WicketStack) -> None:
    folder = stack.policy_files()[0].parent
    (folder / "zz-broad.cedar").write_text(BROAD)


@pytest.fixture
def broad_stack(wicket_stack_factory) -> st.WicketStack:
    return wicket_stack_factory(before_serve=broad_permit)


def message(method: str, params: dict | None = None, request_id: int | None = 1) -> dict:
    body: dict = {"jsonrpc": "2.0", "method": method}
    if request_id is not None:
        body["id"] = request_id
    if params is not None:
        body["params"] = params
    return body


def post(stack: st.WicketStack, body: dict | list, protocol: str = SESSION,
         headers: dict[str, str] | None = None) -> mcp_call.RawResponse:
    key = stack.keys[(st.MEMBER, st.AGENT)]
    return mcp_call.raw_post(stack.url, json.dumps(body, ensure_ascii=False).encode(),
                             {"MCP-Protocol-Version": protocol, "Authorization": f"Bearer {key}", **(headers or {})})


def call(tool: str) -> dict:
    return message("tools/call", {"name": tool, "arguments": {"table": "prod.customer_records"}})


# (body, protocol, HTTP status, JSON-RPC code, words of the message)
CASES = {
    "method case variant": (message("Tools/call", {"name": "query"}), SESSION, 400, -32601, "is not defined by MCP protocol"),
    "method with zwsp": (message("tools/call\u200b", {"name": "query"}), SESSION, 400, -32601, "is not defined by MCP protocol"),
    "method fullwidth solidus": (message("tools\uff0fcall", {"name": "query"}), SESSION, 400, -32601, "is not defined"),
    "notification variant": (message("notifications/Initialized", request_id=None), SESSION, 400, -32601, "is not defined"),
    "method of a later revision": (message("tasks/list", {}), "2025-06-18", 400, -32601, "2025-06-18"),
    "vendor method not configured": (message("acme/export", {}), SESSION, 400, -32601, "not an extension method"),
    "cyrillic e in tool": (call("d\u0435lete_records"), SESSION, 400, -32602, "is not a valid MCP tool name"),
    "fullwidth tool": (call("\uff44elete_records"), SESSION, 400, -32602, "is not a valid MCP tool name"),
    "zwsp in tool": (call("delete\u200b_records"), SESSION, 400, -32602, "is not a valid MCP tool name"),
    "variation selector in tool": (call("delete_records\ufe0f"), SESSION, 400, -32602, "is not a valid MCP tool name"),
    "tag character in tool": (call("delete_records\U000e0041"), SESSION, 400, -32602, "is not a valid MCP tool name"),
    "tool too long": (call("a" * 129), SESSION, 400, -32602, "is not a valid MCP tool name"),
    "tool case variant": (call("Delete_records"), SESSION, 403, -32003, "wicket schema"),
    "undeclared tool": (call("drop_everything"), SESSION, 403, -32003, "wicket schema"),
    "soft hyphen in prompt": (message("prompts/get", {"name": "incident\u00ad_summary"}), SESSION, 400, -32602,
                              "is not a valid MCP prompt name"),
    "resource uri with a space": (message("resources/read", {"uri": "db://prod/customer records/schema"}), SESSION, 400,
                                  -32602, "is not a valid resource URI"),
    "resource uri without scheme": (message("resources/read", {"uri": "prod/customer_records"}), SESSION, 400, -32602,
                                    "is not a valid resource URI"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_name_is_refused_before_the_upstream_and_recorded(broad_stack, case: str) -> None:
    body, protocol, status, code, words = CASES[case]
    resp = post(broad_stack, body, protocol)
    assert resp.status == status, (resp.status, resp.body[:400])
    err = resp.jsonrpc_error
    assert err is not None and err["code"] == code, resp.body[:400]
    assert words in err["message"], err
    assert broad_stack.demo.count == 0, "the upstream was contacted"
    records = broad_stack.audit()
    assert records, "no audit record"
    last = max(records, key=lambda r: r.get("id", 0))
    assert last["decision"] == "deny", last
    assert any(words in error for error in last.get("errors", [])), last


def test_stateless_revision_refuses_methods_it_does_not_define_and_look_alike_names(broad_stack) -> None:
    key = broad_stack.keys[(st.MEMBER, st.AGENT)]
    ping = mcp_call.stateless_request(broad_stack.url, key, "ping", {})
    assert ping.status == 400 and ping.jsonrpc_error["code"] == -32601, ping.body[:300]
    name = "qu\u0435ry"  # Cyrillic е; the header mirrors it in the encoded form
    encoded = "=?UTF-8?B?" + base64.b64encode(name.encode()).decode() + "?="
    resp = mcp_call.stateless_request(broad_stack.url, key, "tools/call", {"name": name, "arguments": {"sql": "1"}},
                                      extra_headers={"Mcp-Name": encoded})
    assert resp.status == 400 and resp.jsonrpc_error["code"] == -32602, resp.body[:300]
    assert "not a valid MCP tool name" in resp.jsonrpc_error["message"]
    assert broad_stack.demo.count == 0


def test_seeded_look_alike_sample_never_reaches_the_upstream(broad_stack) -> None:
    """A sample of the Swift generator's techniques, seeded so a failure reproduces."""
    rng = random.Random(0x5EED)
    confusable = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "y": "\u0443", "x": "\u0445",
                  "s": "\u0455", "i": "\u0456", "_": "\uff3f", "d": "\u0501", "l": "\u04cf"}
    ignorable = ["\u200b", "\u200c", "\u200d", "\u00ad", "\ufe0f", "\u2060", "\ufeff", "\U000e0041", "\u034f"]

    def variant(name: str) -> str:
        technique = rng.choice(["confusable", "fullwidth", "ignorable", "ligature", "case"])
        chars = list(name)
        i = rng.randrange(len(chars))
        if technique == "confusable":
            spots = [j for j, c in enumerate(chars) if c in confusable]
            j = rng.choice(spots)
            chars[j] = confusable[chars[j]]
        elif technique == "fullwidth":
            chars[i] = chr(ord(chars[i]) - 0x21 + 0xFF01)
        elif technique == "ignorable":
            chars.insert(i, rng.choice(ignorable))
        elif technique == "ligature" and "st" in name:
            return name.replace("st", "\ufb06")
        else:
            letters = [j for j, c in enumerate(chars) if c.isalpha()]
            j = rng.choice(letters)
            chars[j] = chars[j].swapcase()
        return "".join(chars)

    names = ["delete_records", "query", "post_message", "slow_report"]
    sample = {variant(rng.choice(names)) for _ in range(40)} - set(names)
    assert len(sample) >= 25
    for name in sorted(sample):
        resp = post(broad_stack, call(name))
        assert resp.status in (400, 403), (name.encode("unicode_escape"), resp.status, resp.body[:300])
    methods = {variant(m) for m in ["tools/call", "tools/list", "initialize", "prompts/get"] for _ in range(5)}
    for method in sorted(methods - {"tools/call", "tools/list", "initialize", "prompts/get"}):
        resp = post(broad_stack, message(method, {"name": "query"}))
        assert resp.status == 400 and resp.jsonrpc_error["code"] == -32601, (method.encode("unicode_escape"), resp.body[:300])
    assert broad_stack.demo.count == 0
    # The exact name still passes, so the refusals above are the names' doing.
    assert broad_stack.call("query", {"sql": "select 1"}, protocol="2026-07-28").ok


async def whole_session(url: str, key: str, protocol: str) -> list[mcp_call.HttpExchange]:
    exchanges: list[mcp_call.HttpExchange] = []
    async with mcp_call.open_client(url, key, protocol, exchanges) as client:
        assert [t.name for t in (await client.list_tools()).tools]
        result = await client.call_tool("query", {"sql": "select 1"})
        assert not result.is_error, result
        assert (await client.list_prompts()).prompts
        assert (await client.get_prompt("incident_summary", {"service": "billing"})).messages
        assert (await client.list_resources()).resources
        await client.list_resource_templates()
        assert (await client.read_resource("db://prod/customer_records/schema")).contents
        if protocol != "2026-07-28":
            await client.send_ping()
    return exchanges


@pytest.mark.filterwarnings("ignore:ping is removed")  # the SDK warns even under its legacy (session) mode
@pytest.mark.parametrize("protocol", REVISIONS)
def test_official_client_whole_session_passes_on_every_revision(broad_stack, protocol: str) -> None:
    key = broad_stack.keys[(st.MEMBER, st.AGENT)]
    exchanges = asyncio.run(whole_session(broad_stack.url, key, protocol))
    assert all(e.status < 300 for e in exchanges), [(e.method, e.mcp_method, e.status) for e in exchanges]
    records = broad_stack.audit()
    assert [r for r in records if r["decision"] != "allow"] == []
    methods = {r.get("method") for r in records}
    expected = {"tools/list", "tools/call", "prompts/list", "prompts/get", "resources/list", "resources/templates/list",
                "resources/read"}
    if protocol != "2026-07-28":
        expected |= {"initialize", "notifications/initialized", "ping", "session/end"}
    assert expected <= methods, (protocol, sorted(m for m in methods if m))
