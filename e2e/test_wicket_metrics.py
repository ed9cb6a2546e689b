"""Issue 14, metrics: Prometheus text through the nginx include's metrics location, which only
loopback may reach and which a client cannot reach through the MCP location. After a known mix of
calls the scraped counters equal the audit's counts. Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import re
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter

import mcp_call
import stack as st
from test_wicket_request_path import deny_now

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metrics_url(stack: st.WicketStack) -> str:
    return stack.url.rsplit("/mcp", 1)[0] + "/wicket/metrics"


def scrape(stack: st.WicketStack) -> list[tuple[str, dict[str, str], float]]:
    with urllib.request.urlopen(metrics_url(stack), timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = resp.read().decode()
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, f"not Prometheus text: {line!r}"
        samples.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return samples


def total(samples, name: str, **labels: str) -> float:
    return sum(v for n, ls, v in samples if n == name and all(ls.get(k) == want for k, want in labels.items()))


def call(stack: st.WicketStack, tool: str, arguments: dict, key: str | None = None) -> int:
    return mcp_call.stateless_request(stack.url, key if key is not None else stack.keys[(st.MEMBER, st.AGENT)],
                                      "tools/call", {"name": tool, "arguments": arguments}).status


def test_scraped_counters_equal_the_audit_after_a_known_mix(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(before_serve=deny_now)
    before = scrape(stack)
    assert total(before, "wicket_policy_set_info", tenant="acme") == 1
    statuses = Counter()
    for _ in range(7):
        statuses[call(stack, "query", {"sql": "select 1"})] += 1
    for _ in range(4):
        statuses[call(stack, "delete_records", {"table": "prod.customer_records"})] += 1
    for _ in range(3):
        statuses[call(stack, "query", {"sql": "select 1"}, key="wk_acme_bogus")] += 1
    assert statuses == {200: 7, 403: 4, 401: 3}, statuses

    samples = scrape(stack)
    audit = stack.audit()
    by_decision = Counter(r["decision"] for r in audit)
    for decision in ("allow", "deny"):
        assert total(samples, "wicket_decisions_total", tenant="acme", decision=decision) == by_decision[decision]
    assert total(samples, "wicket_decisions_total", method="tools/call", decision="allow") == 7
    assert total(samples, "wicket_decisions_total", method="tools/call", decision="deny") == 4
    assert total(samples, "wicket_decisions_total", method="none", decision="deny") == 3
    determined = Counter(p["id"] for r in audit if r["decision"] == "deny" for p in r["policies"])
    assert total(samples, "wicket_policy_determinations_total", policy="release-window block", decision="deny") \
        == determined["release-window block"] == 4
    assert total(samples, "wicket_alerts_queued_total", tenant="acme", alert="oncall") == 4
    requests = len(audit)
    assert total(samples, "wicket_decision_duration_seconds_count", tenant="acme") == requests
    assert total(samples, "wicket_audit_commit_duration_seconds_count", tenant="acme") == requests
    # A commit's records-per-commit sample is taken just after its answers are sent (round 10): the
    # last request's may land a moment after the client has its answer.
    st.wait_until(lambda: total(scrape(stack), "wicket_audit_records_per_commit_sum", tenant="acme") == requests, 5,
                  "the last commit's records-per-commit sample")
    assert 1 <= total(scrape(stack), "wicket_audit_records_per_commit_count", tenant="acme") <= requests
    hashes = {ls["hash"] for n, ls, v in samples if n == "wicket_policy_set_info" and v == 1}
    assert len(hashes) == 1

    # A reload that loads, and one that does not.
    stack.set_release_window(9, 17)
    stack.reload()
    st.wait_until(lambda: total(scrape(stack), "wicket_policy_reloads_total", result="success") == 1, 15, "a reload")
    after = scrape(stack)
    new_hashes = {ls["hash"] for n, ls, v in after if n == "wicket_policy_set_info" and v == 1}
    assert len(new_hashes) == 1 and new_hashes != hashes, "the policy set hash follows the files"
    stack.policy_files()[0].write_text("permit (principal, action, resource) when {")
    stack.reload()
    st.wait_until(lambda: total(scrape(stack), "wicket_policy_reloads_total", result="failure") >= 1, 15, "a failed reload")


def test_a_client_cannot_reach_metrics_through_the_mcp_location(wicket_stack_factory) -> None:
    stack = wicket_stack_factory()
    for headers in ({"Wicket-Metrics": "1"}, {"WICKET_METRICS": "1"}, {"X-Wicket-Metrics": "1"}):
        out = mcp_call.raw_post(stack.url, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers)
        assert out.status == 401 and b"wicket_decisions_total" not in out.body, (headers, out.status, out.body[:200])


def test_the_metrics_location_refuses_a_non_loopback_client(wicket_stack_factory) -> None:
    stack = wicket_stack_factory(netns=True)
    assert stack.netns is not None
    url = metrics_url(stack)   # http://203.0.113.42:8080/wicket/metrics, inside the namespace

    def status(*extra: str) -> str:
        out = stack.netns.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", *extra, url], timeout=30)
        return out.stdout.strip()

    assert status() == "403", "203.0.113.42 is not loopback"
    assert status("--interface", "127.0.0.1") == "200", "the same location answers loopback"
