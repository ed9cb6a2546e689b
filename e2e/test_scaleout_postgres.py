"""Three nginx + `wicket serve` nodes, each in a network namespace of its own, sharing one tenant's
PostgreSQL database (a real server: Debian's postgresql 15, its own cluster in a temp folder).

Revocation on one node is refused by every node within 1 s while other members see no failure;
PostgreSQL stopped under load gives 503s and nothing reaches the upstream, and traffic resumes by
itself; kill -9 of a node under load leaves every answered request's record in PostgreSQL; one
tenant's role cannot read another tenant's database. Needs root (namespaces) and $WICKET_BIN."""

from __future__ import annotations

import os
import re
import signal
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import pg
import scaleout
import stack as st

REVOCATIONS = 20
BOUND = 1.0


@pytest.fixture(scope="module")
def fleet() -> Iterator[scaleout.Fleet]:
    why = pg.available()
    if why:
        pytest.fail(why, pytrace=False)
    workdir = st.make_workdir("wicket-scaleout-")
    procs = st.Processes(workdir / "logs")
    fleet = None
    try:
        server = pg.PostgresServer(workdir, procs)
        fleet = scaleout.Fleet(workdir, procs, server)
        members = [f"steady{i}@company.com" for i in range(2)] + [f"leaver{i}@company.com" for i in range(REVOCATIONS)]
        for member in members:
            fleet.add_member(member)
        # Alerts: a drop_table pages `oncall`, delivered to a syslog socket every namespace shares.
        fleet.alerts = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # type: ignore[attr-defined]
        fleet.alerts.bind(str(workdir / "alerts.sock"))  # type: ignore[attr-defined]
        os.chmod(workdir / "alerts.sock", 0o666)
        first_dir = fleet.nodes[0].dir
        (first_dir / "tenants" / st.TENANT / "policies" / "paged.cedar").write_text(
            '@id("drops are paged")\n@reason("dropping a table pages on-call")\n@alert("oncall")\n'
            'forbid (principal, action == ServiceMCP::Action::"drop_table", resource);\n')
        with open(first_dir / "wicket.toml", "a") as conf:
            conf.write(f'\n[[alerts.sink]]\nalert = "oncall"\nkind = "syslog"\nsocket = "{workdir / "alerts.sock"}"\n')
        fleet.configure()
        fleet.start()
        first = fleet.nodes[0]
        fleet.keys = {}  # type: ignore[attr-defined]
        for member in members + [st.MEMBER]:
            fleet.keys[member] = fleet.issue_key(member)  # type: ignore[attr-defined]
            first.tenant_cli("creds", "set", "--member", member, "--server", st.SERVER_NAME, stdin=f"cred-{member}")
        yield fleet
    except st.StackError as exc:
        pytest.fail(f"{exc}\n{fleet.tails() if fleet else procs.tails()}", pytrace=False)
    finally:
        if fleet is not None:
            fleet.stop()
            if hasattr(fleet, "alerts"):
                fleet.alerts.close()
        procs.stop_all()
        if os.environ.get("WICKET_E2E_KEEP") == "1":
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


class Loop:
    """Sends requests with one key to one node until stopped; keeps every status and JSON-RPC id."""

    counter = iter(range(10**9))

    def __init__(self, node: scaleout.Node, key: str) -> None:
        self.node, self.key = node, key
        self.results: list[tuple[int, str]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        pg.enter_netns(self.node.holder)
        import mcp_call
        while not self.stopping.is_set():
            rpc_id = f"{self.node.name}-{next(Loop.counter)}"
            try:
                resp = mcp_call.stateless_request(self.node.url, self.key, "tools/call",
                                                  {"name": "query", "arguments": {"sql": "select 1"}},
                                                  request_id=rpc_id, timeout=10)
                self.results.append((resp.status, rpc_id))
            except OSError as exc:
                self.results.append((0, str(exc)))

    def stop(self) -> list[tuple[int, str]]:
        self.stopping.set()
        self.thread.join(30)
        return self.results

    def wait_for(self, status: int, count: int = 3, timeout: float = 30.0) -> None:
        def seen() -> bool:
            tail = self.results[-count:]
            return len(tail) == count and all(s == status for s, _ in tail)
        st.wait_until(seen, timeout, f"{count} answers {status} from {self.node.name}")


def refused_everywhere(fleet: scaleout.Fleet, key: str, started: float) -> list[float]:
    """Polls every node (each from its own namespace) until it refuses `key`; seconds since `started`."""
    times: list[float] = [0.0] * len(fleet.nodes)

    def poll(index: int, node: scaleout.Node) -> None:
        pg.enter_netns(node.holder)
        import mcp_call
        while True:
            resp = mcp_call.stateless_request(node.url, key, "tools/call",
                                              {"name": "query", "arguments": {"sql": "select 1"}}, timeout=10)
            if resp.status == 401:
                times[index] = time.monotonic() - started
                return
            assert resp.status == 200, (node.name, resp.status, resp.body)
            if time.monotonic() - started > 10:
                times[index] = float("inf")
                return

    threads = [threading.Thread(target=poll, args=(i, n)) for i, n in enumerate(fleet.nodes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def test_revocation_on_one_node_is_refused_by_every_node_within_a_second(fleet: scaleout.Fleet) -> None:
    a, b, c = fleet.nodes
    keys = fleet.keys  # type: ignore[attr-defined]
    steady = [Loop(b, keys["steady0@company.com"][0]), Loop(c, keys["steady1@company.com"][0])]
    worst = 0.0
    try:
        for i in range(REVOCATIONS):
            key, key_id = keys[f"leaver{i}@company.com"]
            for node in fleet.nodes:  # every node has the key in memory before it is revoked
                assert node.request(key).status == 200
            # The clock starts when the revocation has committed (the CLI returned): what is bounded is
            # its propagation to every node, not how long a CLI process takes to start on a busy machine.
            a.tenant_cli("keys", "revoke", "--key-id", key_id)
            started = time.monotonic()
            times = refused_everywhere(fleet, key, started)
            worst = max(worst, *times)
            assert max(times) < BOUND, f"revocation {i}: refused after {times} s on {[n.name for n in fleet.nodes]}"
    finally:
        results = [loop.stop() for loop in steady]
    print(f"\nworst revocation propagation over {REVOCATIONS} revocations (the revocation committed by the "
          f"CLI on node-a to refusal on every node): {worst * 1000:.0f} ms; steady requests meanwhile: {[len(r) for r in results]}")
    for loop, result in zip(steady, results):
        assert result, f"no steady traffic on {loop.node.name}"
        failures = [r for r in result if r[0] != 200]
        assert not failures, f"{loop.node.name}: a member whose key was not revoked was refused: {failures[:5]}"


def test_kill9_of_a_node_under_load_leaves_every_answered_record_in_postgres(fleet: scaleout.Fleet) -> None:
    b = fleet.nodes[1]
    loops = [Loop(b, fleet.keys[st.MEMBER][0]) for _ in range(4)]  # type: ignore[attr-defined]
    try:
        st.wait_until(lambda: sum(len(loop.results) for loop in loops) >= 200, 60, "load on node-b")
        b.kill_serve()
        st.wait_until(lambda: all(loop.results and loop.results[-1][0] != 200 for loop in loops), 30,
                      "node-b to stop answering")
    finally:
        results = [r for loop in loops for r in loop.stop()]
        b.start_serve()
    answered = {request_id for status, request_id in results if status == 200}
    assert len(answered) >= 100, results[-5:]
    stored = {row["jsonrpc_id"].strip('"') for row in scaleout.audit_rows(fleet.tenant, "node = 'node-b'")}
    missing = answered - stored
    assert not missing, f"{len(missing)} of {len(answered)} answered requests have no audit record: {sorted(missing)[:5]}"


def test_postgres_stopped_under_load_refuses_with_503_and_recovers_without_restart(fleet: scaleout.Fleet) -> None:
    key = fleet.keys[st.MEMBER][0]  # type: ignore[attr-defined]
    before = [node.upstream_count() for node in fleet.nodes]
    serve_pids = [node.serve.pid for node in fleet.nodes if node.serve]
    loops = [Loop(node, key) for node in fleet.nodes]
    try:
        for loop in loops:
            loop.wait_for(200)
        fleet.server.stop()
        for loop in loops:
            loop.wait_for(503, count=5)
        fleet.server.start()
        for loop in loops:
            loop.wait_for(200, timeout=30)
    finally:
        results = [loop.stop() for loop in loops]
    assert [node.serve.pid for node in fleet.nodes if node.serve] == serve_pids, "a node was restarted"
    for node, result, count in zip(fleet.nodes, results, before):
        statuses = {s for s, _ in result}
        assert statuses <= {200, 503}, (node.name, statuses)
        allowed = sum(1 for s, _ in result if s == 200)
        refused = sum(1 for s, _ in result if s == 503)
        assert refused > 0
        # Exactly the answered requests reached the upstream: none of the 503s did.
        assert node.upstream_count() - count == allowed, (node.name, allowed, refused)


def test_one_tenants_role_cannot_read_another_tenants_database(fleet: scaleout.Fleet) -> None:
    other = fleet.server.create_tenant("beta")
    other.query("CREATE TABLE secrets (v text); INSERT INTO secrets VALUES ('beta only')")
    # acme's role, with its own password, against beta's database: refused at connect.
    out = fleet.server.as_role(fleet.tenant.role, fleet.tenant.password, "SELECT v FROM secrets", other.database)
    assert out.returncode != 0 and "beta only" not in out.stdout
    assert "permission denied" in out.stderr, out.stderr
    # And beta's role cannot read acme's keys or audit.
    out = fleet.server.as_role(other.role, other.password, "SELECT count(*) FROM member_keys", fleet.tenant.database)
    assert out.returncode != 0 and "permission denied" in out.stderr, out.stderr
    # The control: acme's own role reads its own database.
    assert fleet.tenant.query("SELECT count(*) FROM member_keys")[0][0] != "0"


def test_master_key_rotation_waits_until_every_node_holds_the_new_key(fleet: scaleout.Fleet) -> None:
    a = fleet.nodes[0]
    key = fleet.keys[st.MEMBER][0]  # type: ignore[attr-defined]
    serve_pids = [node.serve.pid for node in fleet.nodes if node.serve]
    new_id = a.tenant_cli("creds", "add-master-key").stdout.split()[0]
    key_file = a.dir / "data" / "tenants" / st.TENANT / "master-keys" / f"master-{new_id}.key"
    assert key_file.is_file()
    # Not on node b and c yet: the rotation is refused, nothing is sealed under a key they cannot open.
    refused = a.tenant_cli("creds", "rotate-master-key", "--to", new_id, check=False)
    assert refused.returncode != 0 and "node-b" in refused.stderr and "node-c" in refused.stderr, refused.stderr
    assert fleet.tenant.query(f"SELECT count(*) FROM credentials WHERE key_id = '{new_id}'")[0][0] == "0"
    for node in fleet.nodes[1:]:
        target = node.dir / "data" / "tenants" / st.TENANT / "master-keys" / key_file.name
        shutil.copy2(key_file, target)
        target.chmod(0o600)
    for node in fleet.nodes:  # SIGHUP: each node reports the keys it holds at once (else within 30 s)
        assert node.serve is not None
        node.serve.signal_group(signal.SIGHUP)

    def everyone_holds() -> bool:
        rows = fleet.tenant.query("SELECT node, key_ids FROM node_master_keys")
        return all(any(n == node.name and new_id in ids.split(",") for n, ids in rows) for node in fleet.nodes)

    st.wait_until(everyone_holds, 30, "every node to report the new master key")
    a.tenant_cli("creds", "rotate-master-key", "--to", new_id)
    sealed = fleet.tenant.query("SELECT DISTINCT key_id FROM credentials")
    assert sealed == [[new_id]], sealed
    for node in fleet.nodes:  # every node opens the re-sealed credentials, without a restart
        assert node.request(key).status == 200, node.name
    assert [node.serve.pid for node in fleet.nodes if node.serve] == serve_pids


def test_an_alert_raised_on_any_node_is_sent_once_by_the_fleet(fleet: scaleout.Fleet) -> None:
    key = fleet.keys[st.MEMBER][0]  # type: ignore[attr-defined]
    per_node = 5
    received: list[str] = []
    stop = threading.Event()

    def read() -> None:  # drain the syslog socket as alerts arrive (a full queue would stall senders)
        fleet.alerts.settimeout(0.2)  # type: ignore[attr-defined]
        while not stop.is_set():
            try:
                received.append(fleet.alerts.recv(65536).decode())  # type: ignore[attr-defined]
            except (TimeoutError, socket.timeout):
                continue

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for node in fleet.nodes:
            for _ in range(per_node):
                resp = pg.in_netns(node.holder, lambda: __import__("mcp_call").stateless_request(
                    node.url, key, "tools/call", {"name": "drop_table", "arguments": {"table": "scratch.t"}}, timeout=10))
                assert resp.status == 403, (node.name, resp.status, resp.body)
        expected = per_node * len(fleet.nodes)
        # Each denial's outbox row was written with its record; three dispatchers share the outbox.
        st.wait_until(lambda: fleet.tenant.query(
            "SELECT count(*) FROM alert_outbox WHERE alert = 'oncall' AND state = 'delivered'")[0][0] == str(expected),
            30, f"{expected} delivered alerts in the shared outbox")
        st.wait_until(lambda: len(received) >= expected, 10, f"{expected} alerts at the syslog socket")
    finally:
        stop.set()
        reader.join(5)
    ids = [m.group(0) for text in received for m in [re.search(r"acme/\d+", text)] if m]
    assert len(ids) == expected and len(set(ids)) == expected, f"sent twice or lost: {sorted(ids)}"
    assert fleet.tenant.query("SELECT count(*) FROM alert_outbox")[0][0] == str(expected)


def upstream_requests(node: scaleout.Node) -> list[dict]:
    assert node.demo is not None
    return pg.in_netns(node.holder, lambda: node.demo.requests())  # type: ignore[union-attr]


def session_request(node: scaleout.Node, key: str, session: str, request_id: str = "s1") -> "mcp_call.RawResponse":
    """A 2025-11-25 tools/call carrying `Mcp-Session-Id`: on PostgreSQL the session check reads the
    member's credential in the same statement (PGSessionStore.lookupReadingCredential)."""
    import mcp_call
    headers = {"Authorization": f"Bearer {key}", "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"}
    body = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
            "params": {"name": "query", "arguments": {"sql": "select 1"}}}
    return pg.in_netns(node.holder, lambda: mcp_call.raw_post(node.url, body, headers, timeout=10))


def test_a_credential_changed_or_removed_by_the_cli_is_the_one_every_node_sends_next(fleet: scaleout.Fleet) -> None:
    """Both ways a request reads its credential on PostgreSQL: on its own (no session) and in the
    session check's statement. The CLI runs on node-a; every node's very next request sends the new
    credential, or none once it is removed."""
    a = fleet.nodes[0]
    key = fleet.keys[st.MEMBER][0]  # type: ignore[attr-defined]
    sessions = {node.name: f"e2e-cred-session-{node.name}" for node in fleet.nodes}
    sends = {
        "no session": lambda node: node.request(key),
        "session": lambda node: session_request(node, key, sessions[node.name]),
    }
    try:
        for round_ in range(3):
            credential = f"changed-{round_}-{st.MEMBER}"
            a.tenant_cli("creds", "set", "--member", st.MEMBER, "--server", st.SERVER_NAME, stdin=credential)
            for node in fleet.nodes:
                for how, send in sends.items():
                    before = len(upstream_requests(node))
                    resp = send(node)
                    seen = upstream_requests(node)[before:]
                    assert len(seen) == 1, (node.name, how, resp.status, resp.body)
                    assert seen[0]["authorization"] == f"Bearer {credential}", (node.name, how, round_)
        a.tenant_cli("creds", "rm", "--member", st.MEMBER, "--server", st.SERVER_NAME)
        for node in fleet.nodes:
            for how, send in sends.items():
                before = len(upstream_requests(node))
                resp = send(node)
                assert resp.status == 403 and b"no upstream credential" in resp.body, (node.name, how, resp.status, resp.body)
                assert len(upstream_requests(node)) == before, (node.name, how)
    finally:
        a.tenant_cli("creds", "set", "--member", st.MEMBER, "--server", st.SERVER_NAME, stdin=f"cred-{st.MEMBER}")


def test_a_session_opened_on_one_node_is_refused_to_another_member_on_every_node(fleet: scaleout.Fleet) -> None:
    a, b, c = fleet.nodes
    keys = fleet.keys  # type: ignore[attr-defined]
    owner, other = keys["steady0@company.com"][0], keys["steady1@company.com"][0]
    session = "e2e-shared-session"
    before = len(upstream_requests(a))
    session_request(a, owner, session)
    assert len(upstream_requests(a)) == before + 1, "the owner's first request did not reach the upstream"
    for node in (b, c):
        before = len(upstream_requests(node))
        resp = session_request(node, other, session)
        assert resp.status == 403 and b"another member" in resp.body, (node.name, resp.status, resp.body)
        assert len(upstream_requests(node)) == before, node.name
        session_request(node, owner, session)
        seen = upstream_requests(node)[before:]
        assert [r["authorization"] for r in seen] == ["Bearer cred-steady0@company.com"], (node.name, seen)


def test_a_failed_audit_write_answers_503_and_nothing_reaches_the_upstream(fleet: scaleout.Fleet) -> None:
    """PostgreSQL refuses one record (a CHECK the test adds as the superuser): its request is answered
    503 and never forwarded, on every node; the next request commits and is forwarded."""
    key = fleet.keys[st.MEMBER][0]  # type: ignore[attr-defined]
    fleet.server.sql("ALTER TABLE audit ADD CONSTRAINT e2e_refuse_record "
                     "CHECK (position('refuse-this-record' in coalesce(jsonrpc_id, '')) = 0)",
                     database=fleet.tenant.database)
    try:
        for node in fleet.nodes:
            import mcp_call
            before = node.upstream_count()
            resp = pg.in_netns(node.holder, lambda: mcp_call.stateless_request(
                node.url, key, "tools/call", {"name": "query", "arguments": {"sql": "select 1"}},
                request_id=f"refuse-this-record-{node.name}", timeout=10))
            assert resp.status == 503, (node.name, resp.status, resp.body)
            assert node.upstream_count() == before, node.name
            assert node.request(key).status == 200, node.name
            assert node.upstream_count() == before + 1, node.name
    finally:
        fleet.server.sql("ALTER TABLE audit DROP CONSTRAINT IF EXISTS e2e_refuse_record", database=fleet.tenant.database)
    assert not scaleout.audit_rows(fleet.tenant, "jsonrpc_id LIKE '%refuse-this-record%'")


def reads_of_keys_and_credentials(fleet: scaleout.Fleet, send: "Callable[[], mcp_call.RawResponse]") -> tuple[list[str], "mcp_call.RawResponse"]:
    """The SELECTs of `member_keys` or `credentials` PostgreSQL ran while `send` ran (log_statement =
    all, parameters never logged): one log entry per statement, one statement per round trip."""
    assert fleet.server.proc is not None
    log = fleet.server.proc.log
    start = log.stat().st_size
    resp = send()
    text = log.read_bytes()[start:].decode(errors="replace")
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d )", text)
    reads = [e for e in entries if re.search(r"LOG:  (statement|execute [^:]*): *SELECT", e)
             and re.search(r"\b(member_keys|credentials)\b", e)]
    return reads, resp


def send_and_check(fleet: scaleout.Fleet, node: scaleout.Node, key: str, credential: str) -> list[str]:
    """One request without a session: forwarded with `credential`, after exactly one read statement."""
    before = len(upstream_requests(node))
    reads, resp = reads_of_keys_and_credentials(fleet, lambda: node.request(key))
    assert resp.status == 200, (resp.status, resp.body)
    seen = upstream_requests(node)[before:]
    assert len(seen) == 1 and seen[0]["authorization"] == f"Bearer {credential}", seen
    assert len(reads) == 1 and "credentials" in reads[0], reads
    return reads


def test_a_request_whose_key_is_read_from_postgres_reads_its_credential_in_the_same_statement(
        fleet: scaleout.Fleet) -> None:
    """Without a session: a key no node holds in memory yet is read with the member's credential in one
    statement (KeyCredentialReading); the next request answers the key from memory and reads only the
    credential, still per request. Either way the credential sent is the one stored right before."""
    b = fleet.nodes[1]
    fleet.server.sql("ALTER SYSTEM SET log_statement = 'all'")
    fleet.server.sql("ALTER SYSTEM SET log_parameter_max_length = 0")
    fleet.server.sql("SELECT pg_reload_conf()")
    try:
        # A backend applies a reload after its next command: warm node b's pooled connections up until
        # requests in a row are each logged (sequential requests use the connections they warmed).
        steady = "steady0@company.com"
        in_a_row = [0]

        def logged() -> bool:
            reads, resp = reads_of_keys_and_credentials(fleet, lambda: b.request(fleet.keys[steady][0]))  # type: ignore[attr-defined]
            assert resp.status == 200, (resp.status, resp.body)
            in_a_row[0] = in_a_row[0] + 1 if reads else 0
            return in_a_row[0] >= 8
        st.wait_until(logged, 30, "node b's statements in PostgreSQL's log")
        for round_ in range(2):
            credential = f"read-with-key-{round_}"
            fleet.nodes[0].tenant_cli("creds", "set", "--member", st.MEMBER, "--server", st.SERVER_NAME, stdin=credential)
            key, _ = fleet.issue_key(st.MEMBER)
            # The first request: the key is new to node b, so its row is read, with the credential.
            reads = send_and_check(fleet, b, key, credential)
            assert "member_keys" in reads[0], reads
            # Then from memory (once the listener has confirmed it fresh): the credential alone.
            st.wait_until(lambda: "member_keys" not in send_and_check(fleet, b, key, credential)[0], 10,
                          "a request answering the key from memory")
    finally:
        fleet.server.sql("ALTER SYSTEM RESET log_statement")
        fleet.server.sql("ALTER SYSTEM RESET log_parameter_max_length")
        fleet.server.sql("SELECT pg_reload_conf()")
        fleet.nodes[0].tenant_cli("creds", "set", "--member", st.MEMBER, "--server", st.SERVER_NAME, stdin=f"cred-{st.MEMBER}")
