"""How long a revoked member's open SSE stream lives. nginx 1.22 has no directive that bounds a proxied
response's lifetime, and the official SDK server sends a keep-alive comment every 15 s, which defeats
`proxy_read_timeout` (an idle bound). The bound that holds: reload nginx after revoking; the standalone
config's `worker_shutdown_timeout` closes every stream the old workers still hold, the client
reconnects, and Wicket decides the reconnect again (401). docs/threat-model.md. Needs $WICKET_BIN."""

from __future__ import annotations

import asyncio
import signal
import time

import mcp_call
import stack as st

SHUTDOWN_BOUND = 10.0  # `wicket nginx --standalone`'s default worker_shutdown_timeout
RECONNECT_DELAY = 1.0  # the official client's delay before it reopens a dropped GET stream


async def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def test_a_revoked_members_open_stream_ends_within_the_shutdown_bound_after_a_reload(wicket_stack) -> None:
    stack = wicket_stack
    assert f"worker_shutdown_timeout {int(SHUTDOWN_BOUND)}s;" in stack.nginx.conf.read_text()
    key = stack.keys[(st.MEMBER, st.AGENT)]

    result: dict[str, float] = {}

    async def scenario() -> None:
        exchanges: list[mcp_call.HttpExchange] = []
        try:
            async with mcp_call.open_client(stack.url, key, "2025-11-25", exchanges) as client:
                assert not (await client.call_tool("query", {"sql": "select 1"})).is_error
                # The official client opens the session's GET stream by itself.
                await wait_for(lambda: any(e.method == "GET" and e.status == 200 for e in exchanges), 15,
                               "the client's GET stream")
                await asyncio.to_thread(stack.revoke, st.MEMBER, st.AGENT)
                # Wait past a keep-alive: the stream is still open, proxy_read_timeout never fires.
                await asyncio.sleep(1)
                assert not any(e.method == "GET" and e.status == 401 for e in exchanges)
                t_reload = time.monotonic()
                stack.nginx.proc.popen.send_signal(signal.SIGHUP)
                await wait_for(lambda: any(e.method == "GET" and e.status == 401 for e in exchanges),
                               SHUTDOWN_BOUND + RECONNECT_DELAY + 15, "the refused reconnect of the GET stream")
                refused_at = next(e.at for e in exchanges if e.method == "GET" and e.status == 401)
                result["ended_after"] = refused_at - t_reload
        except BaseException as exc:  # noqa: BLE001 - closing a revoked session fails; the timing is what counts
            for inner in getattr(exc, "exceptions", [exc]):
                if isinstance(inner, AssertionError):
                    raise inner
            if "ended_after" not in result:
                raise AssertionError(f"the scenario failed: {exc!r}") from exc

    asyncio.run(scenario())
    ended_after = result["ended_after"]
    print(f"stream ended and its reconnect was refused {ended_after:.2f}s after the reload")
    assert ended_after <= SHUTDOWN_BOUND + RECONNECT_DELAY + 2, ended_after
    # The refusal is recorded, naming the revoked key's member.
    refused = [r for r in stack.audit() if r.get("httpStatus") == 401]
    assert refused and all(r.get("member") == st.MEMBER for r in refused), refused
