#!/usr/bin/env python3
"""`make bench-growth`: how Wicket's cost per request grows (docs/benchmarks.md, issue 11).

Each row is one run of Benchmarks/path-bench.sh (nginx + the do-nothing C responder, then nginx +
the release `wicket serve`, wrk on loopback) on a setup that differs from the base in one dimension:

  base       the example tenant with 25 generated policies (30 in all), 1 tenant, 1,000 keys,
             the 291-byte `tools/call` of `make bench-path`, protocol 2025-06-18
  body       10 KB and 1 MB `tools/call` bodies (arguments carrying rows; max_body_bytes = 2 MiB)
  batch      JSON-RPC batches of 1, 10 and 100 `tools/call` elements (protocol 2025-03-26); each
             element is decided and audited on its own, so the µs per message column is the one to read
  policies   1,000 and 10,000 (generated policies that name other members, groups and tables, so
             they do not match the request, plus the example's allowing one)
  tenants    100 tenants, all requests to one of them; and 100 tenants, requests spread round-robin
             over all of them (each its own key, credential and audit file)
  keys       1,000,000 keys in the tenant's key store (bulk-inserted in the exact rows
             `wicket keys issue` writes: 16-hex-digit id, SHA-256 of 32 random secret bytes)

Per row: Wicket's CPU µs per request (utime+stime of the process from /proc over the measured run ÷
requests), its req/s and p50/p99, and the noop responder's, measured just before in the same
path-bench run as the reference. Prints a markdown table at the end.

Environment: WICKET_BIN (default .build/release/wicket), DURATION (5s), WARMUP (1s), CONNECTIONS
(32), AUDIT_SYNC (full), ROWS (comma-separated row names, default all: see ROW_NAMES below).
"""
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WICKET = os.environ.get("WICKET_BIN", os.path.join(ROOT, ".build/release/wicket"))
DURATION = os.environ.get("DURATION", "5s")
WARMUP = os.environ.get("WARMUP", "1s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "32"))
AUDIT_SYNC = os.environ.get("AUDIT_SYNC", "full")
MEMBER = "alex@company.com"
BASE_POLICIES = 30
BASE_KEYS = 1000
ROW_NAMES = ["base", "body-10k", "body-1m", "batch-1", "batch-10", "batch-100",
             "policies-1000", "policies-10000", "tenants-100-one", "tenants-100-spread", "keys-1m"]

# The base request of `make bench-path` (Benchmarks/path-bench.sh), one element of every batch.
def tools_call(id_, arguments=None):
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": {
        "name": "delete_records",
        "arguments": arguments or {"table": "prod.customer_records",
                                   "where": {"customer_id": "c-0042", "status": "inactive"},
                                   "reason": "quarterly retention cleanup", "dry_run": False, "limit": 100},
        "_meta": {"progressToken": f"pt-{id_:04d}-bench-x"}}}


def body_of_size(size):
    """A `tools/call` of at least `size` bytes: the base arguments plus rows, as an insert tool sends."""
    message = tools_call(7)
    length = len(json.dumps(message, separators=(",", ":"))) + len(',"rows":[]')
    rows = []
    while length < size:
        i = len(rows)
        rows.append({"customer_id": f"c-{i:07d}", "name": f"Customer {i}", "email": f"customer{i}@example.com",
                     "status": "inactive" if i % 3 else "active", "balance_cents": i * 37 % 100000,
                     "note": "closed account, retention period over"})
        length += len(json.dumps(rows[-1], separators=(",", ":"))) + (1 if i else 0)
    message["params"]["arguments"]["rows"] = rows
    return json.dumps(message, separators=(",", ":")).encode()


def batch_body(count):
    return json.dumps([tools_call(i + 1) for i in range(count)], separators=(",", ":")).encode()


def generated_policies(count):
    """`count` policies of the example's namespace that never match the benchmark's request (they
    name other members, groups and tables), in the mix of Benchmarks/cedar-workload's scaling sets."""
    out = [f"// {count} generated policies that do not match the benchmark's request (growth_bench.py)"]
    for i in range(count):
        user = f'ServiceMCP::User::"gen-{i}@company.com"'
        kind = i % 10
        if kind < 6:
            out.append(f'@id("gen {i}")\npermit (principal == {user}, action == ServiceMCP::Action::"delete_records", '
                       f'resource == ServiceMCP::Resource::"prod.table_{i}")\n'
                       f'when {{ context.time.hour >= 9 && context.time.hour <= 17 }};')
        elif kind < 8:
            out.append(f'@id("gen {i}")\npermit (principal in ServiceMCP::Group::"team-{i}", '
                       f'action == ServiceMCP::Action::"query", resource == ServiceMCP::Resource::"prod.table_{i}")\n'
                       f'when {{ context.geo has country && context.geo.country == "DE" }};')
        elif kind == 8:
            out.append(f'@id("gen {i}")\nforbid (principal == {user}, action, resource in ServiceMCP::Server::"database")\n'
                       f'when {{ context.geo has country && context.geo.country != "US" }};')
        else:
            out.append(f'@id("gen {i}")\npermit (principal == {user}, action in '
                       f'[ServiceMCP::Action::"tools/list", ServiceMCP::Action::"prompts/list"], resource)\n'
                       f'when {{ context.agent like "*search*" }};')
    return "\n\n".join(out) + "\n"


def run(*args, input=None):
    result = subprocess.run(args, input=input, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"growth-bench: `{' '.join(args[:4])} …` failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def new_key_row(tenant):
    """A key as `wicket keys issue` makes it: the presented string and its row (id, hash)."""
    key_id = secrets.token_bytes(8).hex()
    secret = secrets.token_bytes(32)
    presented = f"wk_{tenant}_{key_id}_{base64.urlsafe_b64encode(secret).rstrip(b'=').decode()}"
    return presented, key_id, hashlib.sha256(secret).digest()


def add_keys(keys_db, count, member_count=None):
    """Bulk-inserts `count` keys (members spread over `member_count`, default one per 10 keys)."""
    now = int(time.time() * 1e6)
    members = max(1, member_count or count // 10)
    db = sqlite3.connect(keys_db)
    try:
        db.execute("PRAGMA synchronous = OFF")
        batch = []
        for i in range(count):
            batch.append((secrets.token_bytes(8).hex(), f"member-{i % members}@company.com", "bulk-agent",
                          hashlib.sha256(secrets.token_bytes(32)).digest(), now))
            if len(batch) == 50000:
                db.executemany("INSERT OR IGNORE INTO member_keys (key_id, member, agent, secret_sha256, created_us) "
                               "VALUES (?, ?, ?, ?, ?)", batch)
                batch = []
        db.executemany("INSERT OR IGNORE INTO member_keys (key_id, member, agent, secret_sha256, created_us) "
                       "VALUES (?, ?, ?, ?, ?)", batch)
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def insert_key(keys_db, tenant):
    presented, key_id, digest = new_key_row(tenant)
    db = sqlite3.connect(keys_db)
    try:
        db.execute("INSERT INTO member_keys (key_id, member, agent, secret_sha256, created_us) VALUES (?, ?, ?, ?, ?)",
                   (key_id, MEMBER, "bench-agent", digest, int(time.time() * 1e6)))
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return presented


class Setup:
    def __init__(self, folder):
        self.folder = folder
        self.config = os.path.join(folder, "wicket.toml")
        self.key = None

    def data(self, tenant="acme"):
        return os.path.join(self.folder, "data/tenants", tenant)

    def edit_config(self, pattern, replacement):
        text = open(self.config).read()
        new, count = re.subn(pattern, replacement, text, flags=re.M)
        if count == 0:
            sys.exit(f"growth-bench: no `{pattern}` in {self.config}")
        open(self.config, "w").write(new)

    def set_policies(self, total):
        path = os.path.join(self.folder, "tenants/acme/policies/generated.cedar")
        example = BASE_POLICIES - 25  # the example tenant's own policies
        open(path, "w").write(generated_policies(total - example))

    def copy(self, folder):
        shutil.copytree(self.folder, folder, symlinks=True)
        other = Setup(folder)
        other.key = self.key
        return other


def make_base(folder):
    run(WICKET, "init", folder, "--geoip", os.path.join(ROOT, "geo/wicket-city-test.mmdb"))
    setup = Setup(folder)
    setup.edit_config(r"^log_level = .*", 'log_level = "warning"')
    setup.edit_config(r"^max_body_bytes = .*", "max_body_bytes = 2097152")
    setup.edit_config(r"^audit_sync = .*", f'audit_sync = "{AUDIT_SYNC}"')
    # The release window holds at no hour, so the call is allowed whatever the time (as bench-path).
    window = os.path.join(folder, "tenants/acme/policies/release-window.cedar")
    text = open(window).read()
    text, n = re.subn(r"context\.time\.hour < \d+ \|\| context\.time\.hour > \d+",
                      "context.time.hour < 0 || context.time.hour > 23", text)
    if n != 1:
        sys.exit("growth-bench: no release-window rule in the example tenant")
    open(window, "w").write(text)
    setup.set_policies(BASE_POLICIES)
    run(WICKET, "check", setup.config)
    setup.key = run(WICKET, "keys", "issue", "--config", setup.config, "--tenant", "acme", "--member", MEMBER,
                    "--agent", "bench-agent").splitlines()[0].strip()
    run(WICKET, "creds", "set", "--config", setup.config, "--tenant", "acme", "--member", MEMBER,
        "--server", "database", input="bench-upstream-token")
    add_keys(os.path.join(setup.data(), "keys.sqlite"), BASE_KEYS - 1)
    return setup


def add_tenants(setup, count):
    """Tenants t002…: each a copy of acme's policies, its own upstream (database-tNNN), a key
    store like acme's (1,000 keys) with its own key for alex, and its own sealed credential.
    Returns the `SERVER KEY` lines of every tenant, acme first."""
    names = [f"t{i:03d}" for i in range(2, count + 1)]
    blocks = []
    for name in names:
        shutil.copytree(os.path.join(setup.folder, "tenants/acme"), os.path.join(setup.folder, "tenants", name))
        blocks.append(f'''
[[tenant]]
name = "{name}"
time_zone = "UTC"
policies = "tenants/{name}/policies"
entities = "tenants/{name}/entities.json"
schema = "tenants/{name}/schema.cedarschema"
missing_credential = "deny"

[[upstream]]
name = "database-{name}"
tenant = "{name}"
namespace = "ServiceMCP"
url = "http://127.0.0.1:9000/mcp"
resources = {{ delete_records = "table", drop_table = "table", query = "table" }}
''')
    with open(setup.config, "a") as config:
        config.write("".join(blocks))
    lines = [f"database {setup.key}"]
    source = os.path.join(setup.data(), "keys.sqlite")
    for name in names:
        os.makedirs(setup.data(name), mode=0o700)
        target = os.path.join(setup.data(name), "keys.sqlite")
        shutil.copy2(source, target)
        lines.append(f"database-{name} {insert_key(target, name)}")

    def credential(name):
        run(WICKET, "creds", "set", "--config", setup.config, "--tenant", name, "--member", MEMBER,
            "--server", f"database-{name}", input="bench-upstream-token")
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(credential, names))
    return lines


def noop_floor(numbers):
    """The noop's cheaper shape (kept connections, `noop`, or a connection per request, `noopclose`):
    libfcgi ties a kept connection to a thread and nginx closes it after each allow, so the kept shape
    costs the noop more, and a ratio against it would flatter Wicket."""
    shapes = [numbers[name] for name in ("noop", "noopclose") if name in numbers]
    def cpu(shape):
        try:
            return float(shape["cpu"])
        except ValueError:
            return float("inf")
    return min(shapes, key=cpu) if shapes else None


def measure(setup, label, work, body=None, protocol=None, keys_lines=None):
    """One path-bench run (noop, then wicket) on `setup`; returns {setup name: numbers}."""
    scratch = os.path.join(work, "run-" + label)
    os.makedirs(scratch)
    result = os.path.join(scratch, "result")
    env = dict(os.environ, DURATION=DURATION, WARMUP=WARMUP, CONNECTIONS=str(CONNECTIONS),
               THREADS=str(min(2, CONNECTIONS)), SKIP_PLAIN="1", RESULT_FILE=result,
               AUTHORIZATION=f"Bearer {setup.key}",
               WICKET_CMD=f"'{WICKET}' serve --config '{setup.config}' --socket \"$WICKET_SOCKET\"")
    for name in ("BODY_FILE", "PROTOCOL_VERSION", "KEYS_FILE"):
        env.pop(name, None)
    if body is not None:
        env["BODY_FILE"] = os.path.join(scratch, "body.json")
        open(env["BODY_FILE"], "wb").write(body)
    if protocol:
        env["PROTOCOL_VERSION"] = protocol
    if keys_lines:
        env["KEYS_FILE"] = os.path.join(scratch, "keys")
        open(env["KEYS_FILE"], "w").write("\n".join(keys_lines) + "\n")
    load = open("/proc/loadavg").read().split()[0]
    output = subprocess.run([os.path.join(ROOT, "Benchmarks/path-bench.sh")], env=env, capture_output=True, text=True)
    open(os.path.join(scratch, "path-bench.log"), "w").write(output.stdout + output.stderr)
    numbers = {}
    if os.path.exists(result):
        for line in open(result):
            name, rps, p50, p99, cpu, bad, total = line.split()
            numbers[name] = dict(rps=float(rps), p50=float(p50), p99=float(p99), cpu=cpu, bad=int(bad), total=int(total))
    if "wicket" not in numbers or output.returncode != 0:
        log(f"{label}: no wicket result; path-bench said:\n{(output.stderr or output.stdout)[-1500:]}")
    elif numbers["wicket"]["bad"] or any(numbers[n]["bad"] for n in ("noop", "noopclose") if n in numbers):
        log(f"{label}: {numbers['wicket']['bad']} failed or non-2xx answers of {numbers['wicket']['total']}: "
            f"{output.stderr.strip()[-500:]}")
    numbers["load"] = load
    return numbers


def main():
    if not os.access(WICKET, os.X_OK):
        sys.exit(f"growth-bench: no wicket binary at `{WICKET}` (swift build -c release)")
    wanted = os.environ.get("ROWS", ",".join(ROW_NAMES)).split(",")
    unknown = [row for row in wanted if row not in ROW_NAMES]
    if unknown:
        sys.exit(f"growth-bench: unknown rows {unknown}; choose from {','.join(ROW_NAMES)}")
    started = time.time()
    work = tempfile.mkdtemp(prefix="wicket-growth-bench.")
    rows = []
    try:
        log("base setup: wicket init, 30 policies, 1,000 keys")
        base = make_base(os.path.join(work, "base"))

        def row(name, dimension, setting, messages, setup, **kwargs):
            if name not in wanted:
                return
            if callable(kwargs.get("body")):
                kwargs["body"] = kwargs["body"]()
            log(f"{name}: measuring")
            rows.append((dimension, setting, messages, measure(setup, name, work, **kwargs)))

        row("base", "base", "300 B, 30 policies, 1 tenant, 1,000 keys", 1, base)
        row("body-10k", "body size", "10 KB", 1, base, body=lambda: body_of_size(10_000))
        row("body-1m", "body size", "1 MB", 1, base, body=lambda: body_of_size(1_000_000))
        for count in (1, 10, 100):
            row(f"batch-{count}", "batch (2025-03-26)", f"{count} element{'s' if count > 1 else ''}", count, base,
                body=lambda: batch_body(count), protocol="2025-03-26")
        for count in (1000, 10000):
            if f"policies-{count}" in wanted:
                setup = base.copy(os.path.join(work, f"policies-{count}"))
                setup.set_policies(count)
                run(WICKET, "check", setup.config)
                row(f"policies-{count}", "policies", f"{count:,}", 1, setup)
        if "tenants-100-one" in wanted or "tenants-100-spread" in wanted:
            log("tenants: 99 more tenants, each with its key store and sealed credential")
            setup = base.copy(os.path.join(work, "tenants-100"))
            lines = add_tenants(setup, 100)
            row("tenants-100-one", "tenants", "100, all requests to one", 1, setup)
            row("tenants-100-spread", "tenants", "100, requests spread over all", 1, setup, keys_lines=lines)
        if "keys-1m" in wanted:
            log("keys: 999,000 more keys")
            setup = base.copy(os.path.join(work, "keys-1m"))
            add_keys(os.path.join(setup.data(), "keys.sqlite"), 1_000_000 - BASE_KEYS)
            row("keys-1m", "keys", "1,000,000", 1, setup)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print()
    print(f"growth of the request path: wrk -t{min(2, CONNECTIONS)} -c{CONNECTIONS} -d{DURATION} after {WARMUP} warm-up, "
          f"audit `{AUDIT_SYNC}`, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, commit {commit or '?'}, "
          f"{time.time() - started:.0f} s in all, {WICKET}; noop = the do-nothing C responder measured just before, same row, "
          f"the cheaper of its two shapes (kept connections, a connection per request)")
    print()
    print("| dimension | setting | Wicket µs CPU/req | µs per message | noop µs CPU/req | CPU ratio | Wicket req/s | noop req/s "
          "| Wicket p50 / p99 ms | noop p50 / p99 ms | load |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|")
    for dimension, setting, messages, numbers in rows:
        wicket, noop = numbers.get("wicket"), noop_floor(numbers)
        if not wicket or not noop:
            print(f"| {dimension} | {setting} | failed (see above) | | | | | | | | {numbers['load']} |")
            continue
        failed = f" ({wicket['bad']} of {wicket['total']} failed)" if wicket["bad"] else ""
        try:
            cpu, noop_cpu = float(wicket["cpu"]), float(noop["cpu"])
            ratio = f"{cpu / noop_cpu:.1f}×" if noop_cpu > 0 else "-"
            per_message = f"{cpu / messages:.1f}"
        except ValueError:
            cpu, noop_cpu, ratio, per_message = wicket["cpu"], noop["cpu"], "-", "-"
        print(f"| {dimension} | {setting}{failed} | {cpu} | {per_message} | {noop_cpu} | {ratio} | {wicket['rps']:,.0f} "
              f"| {noop['rps']:,.0f} | {wicket['p50']:.2f} / {wicket['p99']:.2f} | {noop['p50']:.2f} / {noop['p99']:.2f} "
              f"| {numbers['load']} |")


if __name__ == "__main__":
    main()
