"""Privacy: tool arguments and upstream credentials never land on disk, in logs or in `wicket audit`.
Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import stack as st
from test_wicket_request_path import deny_now


def files_containing(roots: list[Path], needle: bytes) -> list[str]:
    hits = []
    for root in roots:
        paths = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in paths:
            try:
                if needle in path.read_bytes():
                    hits.append(str(path))
            except OSError:
                continue
    return hits


def wicket_side_paths(stack: st.WicketStack) -> list[Path]:
    """Everything Wicket and nginx wrote: the Wicket dir (data, -wal, -shm, run), nginx's prefix
    (logs, temp) and wicket serve's output. Not the demo upstream's own log."""
    paths = [stack.dir, stack.procs.logdir / "wicket-serve.log"]
    if stack.nginx is not None:
        paths.append(stack.nginx.prefix)
    return [p for p in paths if p.exists()]


def test_sentinel_in_arguments_never_stored(wicket_stack_factory) -> None:
    sentinel = f"SENTINEL-{uuid.uuid4().hex}"
    stack = wicket_stack_factory(before_serve=deny_now)
    allowed = [
        stack.call("query", {"sql": f"select '{sentinel}'"}, protocol="2026-07-28"),
        stack.call("post_message", {"channel": "ops", "text": sentinel}, protocol="2025-11-25"),
    ]
    for out in allowed:
        assert out.ok, out
    denied = stack.call("delete_records", {"table": "prod.customer_records", "note": sentinel},
                        protocol="2026-07-28")
    assert denied.status == 403, denied

    records = stack.audit()
    text = "\n".join(map(str, records))
    for tool in ("query", "post_message", "delete_records"):
        assert tool in text, f"no audit record names {tool}: the scan below would prove nothing"
    cards = []
    for rec in records:
        rid = next((rec[k] for k in ("id", "request_id", "record_id") if isinstance(rec, dict) and k in rec), None)
        if rid is not None:
            cards.append(stack.audit_show(str(rid)))
    assert cards, "no record id in `wicket audit --json` to pass to `wicket audit show`"

    needle = sentinel.encode()
    assert files_containing(wicket_side_paths(stack), needle) == []
    assert not any(sentinel in o for o in stack.outputs), "the sentinel appeared in wicket CLI output"
    # After a graceful stop (WAL checkpointed or not), still nowhere.
    stack.stop_serve(signal.SIGTERM)
    assert files_containing(wicket_side_paths(stack), needle) == []


def test_credential_plaintext_never_on_disk(wicket_stack) -> None:
    cred = wicket_stack.creds[st.MEMBER]
    out = wicket_stack.call("query", {"sql": "select 1"}, protocol="2025-11-25")
    assert out.ok, out
    assert {r["authorization"] for r in wicket_stack.demo.requests()} == {f"Bearer {cred}"}
    key = wicket_stack.keys[(st.MEMBER, st.AGENT)]
    for secret in (cred, key):
        assert files_containing(wicket_side_paths(wicket_stack), secret.encode()) == [], secret[:6]
    outputs = wicket_stack.outputs
    # `keys issue` printed the key once (that is its job); nothing else may print either secret.
    issue_outputs = [o for o in outputs if o.startswith(key)]
    assert len(issue_outputs) == 1
    assert not any(cred in o for o in outputs)
    assert not any(key in o for o in outputs if o not in issue_outputs)
