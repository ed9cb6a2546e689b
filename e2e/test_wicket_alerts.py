"""Issue 14, alerts: a policy annotated @alert("oncall") that determines a decision pages on-call
through the sinks configured under `oncall` (signed JSON webhook, Slack body, syslog), from a
durable outbox committed with the audit record. Real nginx, real `wicket serve`, a real receiver
(e2e/alert_receiver.py). The release-window rule is made to deny at the current hour by rewriting
its bounds (no fake clock). Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import json
import os
import signal
import statistics
import threading
import time

import mcp_call
import stack as st
from test_wicket_request_path import deny_now

SENTINEL = "SENTINEL-ARG-7f3c2e9a"
TABLE = "prod.customer_records"


def alerting_stack(factory, receiver: st.AlertReceiver, **toml):
    def before(stack: st.WicketStack) -> None:
        deny_now(stack)
        with stack.config.open("a") as f:
            f.write(st.alerts_toml(receiver, **toml))
    return factory(before_serve=before)


def deny_delete(stack: st.WicketStack, key: str | None = None, extra: dict | None = None) -> mcp_call.RawResponse:
    out = mcp_call.stateless_request(stack.url, key or stack.keys[(st.MEMBER, st.AGENT)], "tools/call",
                                     {"name": "delete_records", "arguments": {"table": TABLE, **(extra or {})}})
    assert out.status == 403, (out.status, out.body)
    return out


def webhook_ids(receiver: st.AlertReceiver) -> list[str]:
    return [r["id"] for r in receiver.received() if r["path"] == "webhook"]


def outbox(stack: st.WicketStack) -> list[dict]:
    out = stack.wicket("alerts", "list", "--config", str(stack.config), "--tenant", stack.tenant, "--json")
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def test_denied_delete_is_alerted_signed_within_a_second_without_arguments(wicket_stack_factory, procs, workdir) -> None:
    receiver = st.make_alert_receiver(procs, workdir)
    stack = alerting_stack(wicket_stack_factory, receiver)
    key = stack.keys[(st.MEMBER, st.AGENT)]
    deny_delete(stack, extra={"note": SENTINEL})
    answered = time.time()
    st.wait_until(lambda: {r["path"] for r in receiver.received()} >= {"webhook", "slack", "syslog"}, 10,
                  "the alert at the webhook, Slack and syslog sinks", receiver.proc)
    got = receiver.received()
    webhook = next(r for r in got if r["path"] == "webhook")
    assert webhook["valid"], "the X-Wicket-Signature HMAC must verify with the 0600 secret"
    assert webhook["at"] - answered < 1.0, f"alert arrived {webhook['at'] - answered:.3f}s after the answer"
    card = json.loads(webhook["body"])
    records = [r for r in stack.audit() if r.get("decision") == "deny" and r.get("targetName") == "delete_records"]
    assert len(records) == 1, records
    assert card["id"] == f"{stack.tenant}/{records[0]['id']}"
    assert webhook["headers"].get("Idempotency-Key") == card["id"]
    assert card["alert"] == "oncall" and card["decision"] == "deny" and card["member"] == st.MEMBER
    assert card["policies"] == ["release-window block"] and card["target"] == "delete_records"
    assert "Matched: release-window block" in card["why"]
    slack = next(r for r in got if r["path"] == "slack")
    assert card["id"] in json.loads(slack["body"])["text"]
    syslog = next(r for r in got if r["path"] == "syslog")
    assert card["id"] in syslog["body"] and syslog["body"].startswith("<36>")
    # Nothing of the call's arguments beyond the mapped resource, nor the key or the credential.
    everything = json.dumps(got)
    for secret in (SENTINEL, key, stack.creds[st.MEMBER], receiver.secret_file.read_text()):
        assert secret not in everything
    # An allowed call raises nothing (the rule did not determine it).
    assert stack.call("query", {"sql": "select 1"}).ok
    st.wait_until(lambda: all(e["state"] == "delivered" for e in outbox(stack)), 10, "the outbox to drain")
    assert len(outbox(stack)) == 1


def test_p99_delivery_over_100_denials_under_load(wicket_stack_factory, procs, workdir) -> None:
    receiver = st.make_alert_receiver(procs, workdir)
    stack = alerting_stack(wicket_stack_factory, receiver)
    answered: dict[str, float] = {}
    lock = threading.Lock()
    key = stack.keys[(st.MEMBER, st.AGENT)]

    def worker(n: int) -> None:
        for _ in range(n):
            out = deny_delete(stack, key)
            request_id = out.json()["error"]["data"]["request_id"]
            with lock:
                answered[request_id] = time.time()

    # Load: allowed queries from two more threads while 4 threads send 25 denials each.
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            mcp_call.stateless_request(stack.url, key, "tools/call", {"name": "query", "arguments": {"sql": "select 1"}})

    loaders = [threading.Thread(target=load) for _ in range(2)]
    workers = [threading.Thread(target=worker, args=(25,)) for _ in range(4)]
    for t in loaders + workers:
        t.start()
    for t in workers:
        t.join()
    stop.set()
    for t in loaders:
        t.join()
    assert len(answered) == 100
    st.wait_until(lambda: len(set(webhook_ids(receiver))) >= 100, 60, "100 alerts at the webhook", receiver.proc)
    by_request = {json.loads(r["body"])["request_id"]: r["at"] for r in receiver.received() if r["path"] == "webhook"}
    delays = sorted(max(0.0, by_request[rid] - at) for rid, at in answered.items())
    p50, p99 = statistics.median(delays), delays[98]
    print(f"\nalert delivery after the answer over 100 denials under load: p50 {p50 * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms, max {delays[-1] * 1000:.1f} ms")
    # A report, not a timing test: the 1 s promise is asserted on the single denial above. This bound
    # only catches a delivery path gone badly wrong (a per-alert stall showed up here as p99 9 s).
    assert p99 < 5.0, f"p99 {p99:.3f}s"
    assert len(webhook_ids(receiver)) == 100, "an alert was sent twice"


def test_receiver_down_then_every_alert_arrives_once(wicket_stack_factory, procs, workdir) -> None:
    outage = float(os.environ.get("WICKET_E2E_ALERT_OUTAGE", "30"))
    receiver = st.make_alert_receiver(procs, workdir, start=False)
    stack = alerting_stack(wicket_stack_factory, receiver)
    for _ in range(10):
        deny_delete(stack)
    down_since = time.time()
    # Wicket tries while the receiver is down (attempts are counted in the outbox).
    st.wait_until(lambda: all(e["attempts"] >= 2 and e["state"] == "pending" for e in outbox(stack)) and len(outbox(stack)) == 10,
                  30, "failed attempts while the receiver is down")
    st.wait_until(lambda: time.time() - down_since >= outage, outage + 5, "the outage")
    assert all(e["state"] == "pending" for e in outbox(stack))
    receiver.start()
    st.wait_until(lambda: len(outbox(stack)) == 10 and all(e["state"] == "delivered" for e in outbox(stack)), 30,
                  "every alert delivered after the receiver returned", receiver.proc)
    ids = webhook_ids(receiver)
    assert len(ids) == 10 and len(set(ids)) == 10, f"each alert exactly once by id: {ids}"
    assert all(r["valid"] for r in receiver.received() if r["path"] == "webhook")
    syslog = [r for r in receiver.received() if r["path"] == "syslog"]
    assert len(syslog) == 10


def test_kill_9_after_answering_the_alert_arrives_after_restart(wicket_stack_factory, procs, workdir) -> None:
    receiver = st.make_alert_receiver(procs, workdir, start=False)   # nothing can be delivered before the kill
    stack = alerting_stack(wicket_stack_factory, receiver)
    deny_delete(stack)
    assert stack.serve_proc is not None
    stack.serve_proc.signal_group(signal.SIGKILL)
    stack.serve_proc.popen.wait(10)
    assert receiver.received() == []
    receiver.start()
    stack.start_serve()
    st.wait_until(lambda: len(webhook_ids(receiver)) >= 1, 15, "the alert after the restart", receiver.proc)
    records = [r for r in stack.audit() if r.get("targetName") == "delete_records"]
    assert webhook_ids(receiver) == [f"{stack.tenant}/{records[0]['id']}"]


def test_alerts_test_sends_a_sample(wicket_stack_factory, procs, workdir) -> None:
    receiver = st.make_alert_receiver(procs, workdir)
    stack = alerting_stack(wicket_stack_factory, receiver)
    out = stack.wicket("alerts", "test", "oncall", "--config", str(stack.config))
    assert "webhook#0: delivered" in out.stdout and "slack#0: delivered" in out.stdout, out.stdout
    st.wait_until(lambda: len(receiver.received()) >= 3, 10, "the sample at every sink")
    assert webhook_ids(receiver) == [f"{stack.tenant}/0"]
    assert all(r["valid"] for r in receiver.received())
    receiver.stop()
    failed = stack.wicket("alerts", "test", "oncall", "--config", str(stack.config), check=False)
    assert failed.returncode == 1 and "webhook#0: failed" in failed.stdout
