"""`wicket store migrate`: a tenant that ran on one node's SQLite files moves to its PostgreSQL
database with identical keys, credentials and audit, the command is safe to re-run, and after the
switch the old keys work on every node (three nodes, each in its own network namespace) while a
key revoked before the move stays refused everywhere. Needs root and $WICKET_BIN."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterator

import pytest

import pg
import scaleout
import stack as st


@pytest.fixture
def fleet() -> Iterator[scaleout.Fleet]:
    why = pg.available()
    if why:
        pytest.fail(why, pytrace=False)
    workdir = st.make_workdir("wicket-migrate-")
    procs = st.Processes(workdir / "logs")
    fleet = None
    try:
        fleet = scaleout.Fleet(workdir, procs, pg.PostgresServer(workdir, procs), sqlite_first=True)
        yield fleet
    finally:
        if fleet is not None:
            fleet.stop()
        procs.stop_all()
        if os.environ.get("WICKET_E2E_KEEP") != "1":
            shutil.rmtree(workdir, ignore_errors=True)


def sqlite_count(path, table: str) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_sqlite_tenant_migrates_and_old_keys_work_on_every_node(fleet: scaleout.Fleet) -> None:
    a = fleet.nodes[0]
    members = ["alex@company.com", "sam@company.com", "gone@company.com"]
    for member in members[1:]:
        fleet.add_member(member)
    a.tenant_cli("creds", "list")
    keys = {m: fleet.issue_key(m) for m in members}
    for member in members:
        a.tenant_cli("creds", "set", "--member", member, "--server", st.SERVER_NAME, stdin=f"cred-{member}")
    a.tenant_cli("keys", "revoke", "--key-id", keys["gone@company.com"][1])

    # One node on SQLite answers some requests: these records must move too.
    fleet.start([a])
    for member in members:
        for _ in range(3):
            expected = 401 if member == "gone@company.com" else 200
            assert a.request(keys[member][0]).status == expected
    a.procs.stop_all()
    data = a.dir / "data" / "tenants" / st.TENANT
    counts = {"keys": sqlite_count(data / "keys.sqlite", "member_keys"),
              "credentials": sqlite_count(data / "credentials.sqlite", "credentials"),
              "audit records": sqlite_count(data / "audit.sqlite", "audit")}
    assert counts["audit records"] >= 9

    fleet.switch_to_postgres()
    first = a.tenant_cli("store", "migrate").stdout
    again = a.tenant_cli("store", "migrate").stdout  # safe to re-run: same rows, same checksums
    assert first == again, (first, again)
    for label, count in counts.items():
        assert re.search(rf"{label}\s+{count}\s", first), (label, count, first)
    assert fleet.tenant.query("SELECT count(*) FROM member_keys")[0][0] == str(counts["keys"])
    assert fleet.tenant.query("SELECT count(*) FROM credentials")[0][0] == str(counts["credentials"])
    assert fleet.tenant.query("SELECT count(*) FROM audit")[0][0] == str(counts["audit records"])
    # `wicket audit` reads the same records from the shared store.
    listed = a.tenant_cli("audit", "--json", "--limit", "1000").stdout.splitlines()
    assert len(listed) == counts["audit records"]

    # Every node on the shared store: the old keys work everywhere, the revoked one nowhere.
    fleet.copy_first()
    fleet.start()
    for node in fleet.nodes:
        assert node.request(keys["alex@company.com"][0]).status == 200, node.name
        assert node.request(keys["sam@company.com"][0]).status == 200, node.name
        assert node.request(keys["gone@company.com"][0]).status == 401, node.name
    nodes = {row[0] for row in fleet.tenant.query("SELECT DISTINCT node FROM audit WHERE node LIKE 'node-%'")}
    assert nodes == {"node-a", "node-b", "node-c"}, nodes
