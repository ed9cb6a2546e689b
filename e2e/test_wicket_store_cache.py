"""Keys and credentials are answered from the running server's memory (issue 11); a change made by the
CLI, another process, applies to the very next request even when the old value is in memory.
Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import stack as st


def authorizations(stack: st.WicketStack) -> list[str]:
    seen = [r["authorization"] for r in stack.demo.requests()]
    stack.demo.reset()
    return seen


def call(stack: st.WicketStack):
    return stack.call("query", {"sql": "select 1"}, protocol="2026-07-28")


def test_a_credential_changed_by_the_cli_is_the_one_sent_on_the_very_next_request(wicket_stack) -> None:
    stack = wicket_stack
    first = stack.creds[st.MEMBER]
    for _ in range(3):  # the server now has the credential in memory
        assert call(stack).ok
    assert set(authorizations(stack)) == {f"Bearer {first}"}

    stack.set_cred(st.MEMBER, "second-upstream-cred-" + "5" * 8)
    assert call(stack).ok
    assert set(authorizations(stack)) == {f"Bearer {stack.creds[st.MEMBER]}"}

    # Re-sealed under a new master key by the CLI: the same secret still goes upstream.
    stack.wicket("creds", "rotate-master-key", "--config", str(stack.config), "--tenant", stack.tenant)
    assert call(stack).ok
    assert set(authorizations(stack)) == {f"Bearer {stack.creds[st.MEMBER]}"}

    # Removed: refused, and nothing reaches the upstream.
    stack.wicket("creds", "rm", "--config", str(stack.config), "--tenant", stack.tenant,
                 "--member", st.MEMBER, "--server", stack.server)
    refused = call(stack)
    assert not refused.ok, refused
    assert authorizations(stack) == []

    stack.set_cred(st.MEMBER, "third-upstream-cred-" + "6" * 8)
    assert call(stack).ok
    assert set(authorizations(stack)) == {f"Bearer {stack.creds[st.MEMBER]}"}


def test_a_key_revoked_by_the_cli_is_refused_on_the_very_next_request(wicket_stack) -> None:
    stack = wicket_stack
    for _ in range(3):
        assert call(stack).ok
    stack.revoke(st.MEMBER, st.AGENT)
    refused = call(stack)
    assert refused.status == 401, refused
    # A key issued afterwards works on its first request.
    fresh = stack.issue_key(st.MEMBER, st.AGENT)
    assert stack.call("query", {"sql": "select 1"}, key=fresh, protocol="2026-07-28").ok
