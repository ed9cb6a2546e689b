#!/usr/bin/env python3
"""A stand-in for the `wicket` binary implementing the CLI contract the e2e suite relies on, so
the suite itself can be checked before the real binary exists:

    WICKET_BIN=e2e/fake_wicket.py pytest e2e

It is a test double, not the product: FastCGI in pure Python, Cedar via cedarpy, keys hashed with
SHA-256, credentials only obfuscated (XOR with a per-install key), audit as JSON lines. It follows
DESIGN §1's nginx shape (named location, X-Accel-Redirect, fail closed to a JSON-RPC 503), so its
`nginx --standalone` output is a reference for what the suite expects of the real one.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import tomllib
import uuid
from pathlib import Path
from typing import Any

NS = "ServiceMCP"
POLICIES = """@id("engineering may use the database")
permit (principal in ServiceMCP::Group::"engineering", action, resource);

@id("release-window block")
@reason("allowed: 9–17")
forbid (principal,
        action in [ServiceMCP::Action::"delete_records", ServiceMCP::Action::"drop_table"],
        resource)
when { context.time.hour < 9 || context.time.hour > 17 };
"""
ENTITIES = [
    {"uid": {"type": f"{NS}::User", "id": "alex@company.com"}, "attrs": {},
     "parents": [{"type": f"{NS}::Group", "id": "engineering"}]},
    {"uid": {"type": f"{NS}::Group", "id": "engineering"}, "attrs": {}, "parents": []},
]
GEO = {"203.0.113.": ("Ashburn", "VA", "US")}


def die(msg: str, code: int = 1) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(code)


def write_atomic(path: Path, data: str, mode: int = 0o644) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class Config:
    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.root = self.path.parent
        c = tomllib.loads(self.path.read_text())
        self.socket = self.root / c["socket"]
        self.data = self.root / c["data_dir"]
        self.server = c["server"]["name"]
        self.upstream = c["server"]["upstream"]
        self.tenants = c["tenants"]
        self.trusted = c.get("trusted_proxies", [])

    def tenant_dir(self, tenant: str) -> Path:
        if tenant not in self.tenants:
            die(f"unknown tenant `{tenant}`")
        return self.root / self.tenants[tenant]["dir"]

    def master_key(self) -> bytes:
        return (self.data / "master.key").read_bytes()

    def keys_file(self, tenant: str) -> Path:
        return self.data / f"{tenant}-keys.json"

    def creds_file(self, tenant: str) -> Path:
        return self.data / f"{tenant}-creds.json"

    def audit_file(self, tenant: str) -> Path:
        return self.data / f"{tenant}-audit.jsonl"


def load_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def xor(data: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[i % len(key)] for i, b in enumerate(data))


# --- commands -------------------------------------------------------------------------------

def cmd_init(a: argparse.Namespace) -> None:
    root = Path(a.dir)
    tdir = root / "tenants" / "acme"
    for d in (root / "run", root / "data", tdir):
        d.mkdir(parents=True, exist_ok=True)
    if not (root / "wicket.toml").exists():
        (root / "wicket.toml").write_text(
            f'socket = "run/wicket.sock"\ndata_dir = "data"\ntrusted_proxies = {json.dumps(a.trusted_proxy)}\n\n'
            f'[server]\nname = "{a.server}"\nupstream = "{a.upstream}"\n\n'
            f'[tenants.acme]\ndir = "tenants/acme"\ntime_zone = "UTC"\n')
        (tdir / "policies.cedar").write_text(POLICIES)
        (tdir / "entities.json").write_text(json.dumps(ENTITIES, indent=2))
        mk = root / "data" / "master.key"
        mk.write_bytes(secrets.token_bytes(32))
        os.chmod(mk, 0o600)
    print(f"initialized {root}")


def cmd_nginx(a: argparse.Namespace) -> None:
    c = Config(a.config)
    a.upstream = a.upstream or c.upstream
    up = re.match(r"(https?://[^/]+)", a.upstream)
    if not up:
        die(f"bad upstream `{a.upstream}`")
    path = a.upstream[len(up.group(1)):] or "/mcp"
    locations = f"""
        location = {path} {{
            include /etc/nginx/fastcgi_params;
            client_max_body_size 1m;
            error_page 413 = @wicket_too_large;
            fastcgi_pass unix:{c.socket};
            fastcgi_connect_timeout 2s;
            fastcgi_send_timeout 5s;
            fastcgi_read_timeout 5s;
            fastcgi_hide_header X-Wicket-Token;
            fastcgi_hide_header X-Wicket-Decision;
            fastcgi_hide_header X-Wicket-Rule;
            error_page 502 503 504 = @wicket_unavailable;
        }}
        location @wicket_mcp {{
            set $wicket_token $upstream_http_x_wicket_token;
            proxy_set_header Authorization $wicket_token;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_read_timeout 300s;
            proxy_ignore_headers X-Accel-Redirect X-Accel-Expires X-Accel-Limit-Rate X-Accel-Charset;
            proxy_pass {up.group(1)};
        }}
        location @wicket_too_large {{
            default_type application/json;
            return 413 '{{"jsonrpc":"2.0","id":null,"error":{{"code":-32600,"message":"body too large"}}}}';
        }}
        location @wicket_unavailable {{
            default_type application/json;
            return 503 '{{"jsonrpc":"2.0","id":null,"error":{{"code":-32603,"message":"wicket is unavailable: the request was not forwarded"}}}}';
        }}"""
    if a.http_part:
        print("# nothing at http{} level")
        return
    if not a.standalone:
        print(locations.replace("include /etc/nginx/fastcgi_params;", "include fastcgi_params;"))
        return
    server = f"""
    server {{
        listen {a.listen};{locations}
    }}"""
    print(f"""worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log;
events {{ worker_connections 512; }}
http {{
    access_log logs/access.log;
    client_body_temp_path temp/body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;{server}
}}""")


def cmd_keys(a: argparse.Namespace) -> None:
    c = Config(a.config)
    path = c.keys_file(a.tenant)
    keys = load_json(path, [])
    if a.action == "issue":
        kid = secrets.token_hex(4)
        key = f"wk_{kid}_{secrets.token_hex(16)}"
        keys.append({"id": kid, "member": a.member, "agent": a.agent, "created": time.time(),
                     "hash": hashlib.sha256(key.encode()).hexdigest(), "revoked": False})
        write_atomic(path, json.dumps(keys), 0o600)
        print(key)
        print(f"key id {kid} for {a.member} via {a.agent}", file=sys.stderr)
    elif a.action == "list":
        for k in keys:
            print(json.dumps({x: k[x] for x in ("id", "member", "agent", "created", "revoked")}))
    elif a.action == "revoke":
        hit = False
        for k in keys:
            if (a.key_id and k["id"] == a.key_id) or (a.member and k["member"] == a.member):
                k["revoked"] = True
                hit = True
        if not hit:
            die("no such key")
        write_atomic(path, json.dumps(keys), 0o600)


def cmd_creds(a: argparse.Namespace) -> None:
    c = Config(a.config)
    secret = sys.stdin.read().strip()
    if not secret:
        die("empty secret on stdin")
    path = c.creds_file(a.tenant)
    creds = load_json(path, {})
    creds.setdefault(a.member, {})[a.server] = base64.b64encode(xor(secret.encode(), c.master_key())).decode()
    write_atomic(path, json.dumps(creds), 0o600)


def card(r: dict[str, Any]) -> str:
    geo = ", ".join(x for x in (r.get("city"), r.get("region")) if x)
    when = dt.datetime.fromtimestamp(r["time"], dt.timezone.utc)
    why = "Matched: " + ", ".join(p["id"] for p in r["policies"]) if r["policies"] else "No policy matched"
    if r["context_values"]:
        why += " · " + ", ".join(r["context_values"])
    reasons = [p["reason"] for p in r["policies"] if p.get("reason")]
    if reasons:
        why += f" ({'; '.join(reasons)})"
    return "\n".join([
        f"Who   {r['member']} via {r['agent']} · {r['source_ip']}" + (f" · {geo}" if geo else ""),
        f"What  {r['server']}.{r['target']} on {r['resource']}",
        f"When  {when:%H:%M:%S} UTC · {when:%b} {when.day}, {when:%Y} · session {r.get('session') or '-'}",
        f"Why   {why}",
        f"      decision {r['decision']} · HTTP {r['status']} · id {r['id']}",
    ])


def cmd_audit(a: argparse.Namespace) -> None:
    c = Config(a.config)
    lines = c.audit_file(a.tenant).read_text().splitlines() if c.audit_file(a.tenant).exists() else []
    records = [json.loads(x) for x in lines if x.strip()]
    if a.show:
        for r in records:
            if r["id"] == a.show:
                print(card(r))
                return
        die(f"no record `{a.show}`")
    for r in records:
        print(json.dumps(r) if a.json else card(r) + "\n")


# --- serve: FastCGI responder ---------------------------------------------------------------

class State:
    def __init__(self, c: Config) -> None:
        self.c = c
        self.lock = threading.Lock()
        self.audit_lock = threading.Lock()
        self.load()

    def load(self) -> None:
        import cedarpy
        tdir = self.c.tenant_dir("acme")
        text = (tdir / "policies.cedar").read_text()
        try:
            cedarpy.policies_to_json_str(text)
        except Exception as exc:  # noqa: BLE001 - any parse failure keeps the previous set
            print(f"policies do not parse, keeping the previous set: {exc}", file=sys.stderr, flush=True)
            return
        ids = []
        for m in re.finditer(r"((?:@\w+\(\"[^\"]*\"\)\s*)*)(permit|forbid)\s*\(", text):
            ann = dict(re.findall(r"@(\w+)\(\"([^\"]*)\"\)", m.group(1)))
            ids.append(ann)
        ents = json.loads((tdir / "entities.json").read_text())
        with self.lock:
            self.policies, self.annotations, self.entities = text, ids, ents


def read_record(f) -> tuple[int, int, bytes] | None:
    head = f.read(8)
    if len(head) < 8:
        return None
    _, rtype, rid, clen, plen, _ = struct.unpack("!BBHHBB", head)
    body = f.read(clen)
    f.read(plen)
    return rtype, rid, body


def parse_params(data: bytes) -> dict[str, str]:
    out, i = {}, 0

    def length() -> int:
        nonlocal i
        if data[i] >> 7:
            n = struct.unpack("!I", data[i:i + 4])[0] & 0x7FFFFFFF
            i += 4
        else:
            n = data[i]
            i += 1
        return n

    while i < len(data):
        nl, vl = length(), length()
        name = data[i:i + nl].decode("latin-1")
        i += nl
        value = data[i:i + vl].decode("latin-1")
        i += vl
        out.setdefault(name, value)
    return out


def record(rtype: int, rid: int, body: bytes) -> bytes:
    return struct.pack("!BBHHBB", 1, rtype, rid, len(body), 0, 0) + body


class Handler(socketserver.StreamRequestHandler):
    state: State

    def handle(self) -> None:
        params_raw, stdin, rid = b"", b"", 1
        while True:
            rec = read_record(self.rfile)
            if rec is None:
                return
            rtype, rid, body = rec
            if rtype == 4:
                params_raw += body
            elif rtype == 5:
                if not body:
                    break
                stdin += body
        head, out_body = decide(self.state, parse_params(params_raw), stdin)
        payload = head.encode() + b"\r\n" + out_body
        for i in range(0, len(payload), 32768):
            self.wfile.write(record(6, rid, payload[i:i + 32768]))
        self.wfile.write(record(6, rid, b""))
        self.wfile.write(record(3, rid, struct.pack("!IB3x", 0, 0)))
        self.wfile.flush()


def deny(status: int, rpc_id: Any, code: int, message: str) -> tuple[str, bytes]:
    body = json.dumps({"jsonrpc": "2.0", "id": rpc_id, "error": {"code": code, "message": message}}).encode()
    head = f"Status: {status}\r\nContent-Type: application/json\r\n"
    if status == 401:
        head += 'WWW-Authenticate: Bearer realm="wicket"\r\n'
    return head, body


def decide(state: State, p: dict[str, str], body: bytes) -> tuple[str, bytes]:
    import cedarpy
    c = state.c
    started = time.time()
    rpc_id = None
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    try:
        msg = json.loads(body.decode("utf-8"), object_pairs_hook=no_duplicates) if body else {}
    except (ValueError, RecursionError):
        return deny(400, None, -32700, "the body is not UTF-8 JSON without duplicate keys")
    if isinstance(msg, list):
        outcomes = [decide(state, p, json.dumps(m).encode()) for m in msg]
        refused = [o for o in outcomes if not o[0].startswith("Status: 200")]
        return refused[0] if refused else outcomes[0]
    if isinstance(msg, dict):
        rpc_id = msg.get("id")
    if body and not (isinstance(msg, dict) and msg.get("jsonrpc") == "2.0"
                     and ("method" in msg or "result" in msg or "error" in msg)):
        return deny(400, rpc_id, -32600, "not a JSON-RPC 2.0 message")
    if isinstance(msg, dict) and "HTTP_MCP_METHOD" in p:
        prm = msg.get("params") if isinstance(msg.get("params"), dict) else {}
        name = prm.get("name") or prm.get("uri")
        if p["HTTP_MCP_METHOD"] != msg.get("method") or ("HTTP_MCP_NAME" in p and p["HTTP_MCP_NAME"] != name):
            return deny(400, rpc_id, -32600, "Mcp-Method / Mcp-Name disagree with the body")
    auth = p.get("HTTP_AUTHORIZATION", "")
    key = auth[7:] if auth.startswith("Bearer ") else ""
    h = hashlib.sha256(key.encode()).hexdigest()
    k = next((k for k in load_json(c.keys_file("acme"), []) if secrets.compare_digest(k["hash"], h)), None)
    if not key or k is None or k["revoked"]:
        return deny(401, rpc_id, -32001, "missing, unknown or revoked Wicket key")
    method = msg.get("method") if isinstance(msg, dict) and msg.get("method") else p.get("REQUEST_METHOD", "POST")
    params = msg.get("params") if isinstance(msg, dict) and isinstance(msg.get("params"), dict) else {}
    target = params.get("name") or params.get("uri") or method
    args = params.get("arguments") if isinstance(params.get("arguments"), dict) else {}
    resource = args.get("table") if method == "tools/call" and isinstance(args.get("table"), str) else c.server
    action = target if method == "tools/call" else method
    now = dt.datetime.now(dt.timezone.utc)
    with state.lock:
        policies, anns, ents = state.policies, state.annotations, state.entities
    r = cedarpy.is_authorized({
        "principal": f'{NS}::User::"{k["member"]}"', "action": f'{NS}::Action::"{action}"',
        "resource": f'{NS}::Resource::"{resource}"',
        "context": {"time": {"hour": now.hour, "minute": now.minute}, "agent": k["agent"]}}, policies, ents)
    determining = [anns[int(x[6:])] if x.startswith("policy") and int(x[6:]) < len(anns) else {"id": x}
                   for x in r.diagnostics.reasons]
    allowed = str(r.decision).endswith("Allow") and not r.diagnostics.errors
    cred = load_json(c.creds_file("acme"), {}).get(k["member"], {}).get(c.server)
    ip = p.get("REMOTE_ADDR", "")
    import ipaddress
    if any(ipaddress.ip_address(ip) in ipaddress.ip_network(n) for n in c.trusted) and p.get("HTTP_X_FORWARDED_FOR"):
        ip = p["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    geo = next((g for prefix, g in GEO.items() if ip.startswith(prefix)), (None, None, None))
    status = 200
    if allowed and cred is None:
        allowed, status = False, 403
    elif not allowed:
        status = 403
    rec = {"id": uuid.uuid4().hex[:12], "time": now.timestamp(), "tenant": "acme", "member": k["member"],
           "agent": k["agent"], "source_ip": ip, "city": geo[0], "region": geo[1], "country": geo[2],
           "server": c.server, "method": method, "target": target, "resource": resource,
           "session": p.get("HTTP_MCP_SESSION_ID") or None, "jsonrpc_id": rpc_id, "decision": "allow" if allowed else "deny",
           "status": status, "policies": [{"id": d.get("id"), "reason": d.get("reason")} for d in determining],
           "context_values": [f"context.time.hour = {now.hour}"] if any(
               "hour" in policies and d.get("id") == "release-window block" for d in determining) else [],
           "latency_ms": round((time.time() - started) * 1000, 3)}
    with state.audit_lock:
        with open(c.audit_file("acme"), "a") as f:
            f.write(json.dumps(rec) + "\n")
            f.flush()
            os.fsync(f.fileno())
    if not allowed:
        if cred is None and str(r.decision).endswith("Allow"):
            return deny(403, rpc_id, -32003, f"denied: {k['member']} has no upstream credential for {c.server}")
        names = ", ".join(d.get("id") or "?" for d in determining) or "no policy permits it"
        return deny(403, rpc_id, -32003, f"denied by policy: {names}")
    token = "Bearer " + xor(base64.b64decode(cred), c.master_key()).decode()
    return (f"Status: 200\r\nX-Accel-Redirect: @wicket_mcp\r\nX-Wicket-Token: {token}\r\n"
            f"X-Wicket-Decision: allow\r\n", b"")


def cmd_serve(a: argparse.Namespace) -> None:
    c = Config(a.config)
    state = State(c)
    if c.socket.exists():
        c.socket.unlink()

    class Server(socketserver.ThreadingUnixStreamServer):
        daemon_threads = True
        request_queue_size = 256

    Handler.state = state
    srv = Server(str(c.socket), Handler)
    os.chmod(c.socket, 0o666)
    signal.signal(signal.SIGHUP, lambda *_: state.load())
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    print(f"serving on {c.socket}", file=sys.stderr, flush=True)
    srv.serve_forever()
    srv.server_close()
    c.socket.unlink(missing_ok=True)


def ensure_cedarpy() -> None:
    """Re-exec under a Python that has cedarpy (the project venv) when started by the shebang."""
    try:
        import cedarpy  # noqa: F401
    except ImportError:
        here = Path(__file__).resolve().parent.parent
        for py in (here / ".venv/bin/python", Path("/work/main/.venv/bin/python")):
            if py.exists() and not os.environ.get("FAKE_WICKET_REEXEC"):
                os.environ["FAKE_WICKET_REEXEC"] = "1"
                os.execv(str(py), [str(py), __file__, *sys.argv[1:]])
        die("fake_wicket needs cedarpy (pip install -r e2e/requirements.txt)")


def main() -> None:
    ensure_cedarpy()
    ap = argparse.ArgumentParser(prog="wicket")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("init")
    p.add_argument("dir")
    p.add_argument("--upstream", default="http://127.0.0.1:8000/mcp")
    p.add_argument("--server", default="database")
    p.add_argument("--geoip")
    p.add_argument("--trusted-proxy", action="append", default=[])
    p = sub.add_parser("nginx")
    p.add_argument("--config", required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--listen", default="127.0.0.1:8080")
    p.add_argument("--upstream")
    p.add_argument("--standalone", action="store_true")
    p.add_argument("--http-part", action="store_true")
    p.add_argument("--prefix")
    p = sub.add_parser("serve")
    p.add_argument("--config", required=True)
    p = sub.add_parser("keys")
    p.add_argument("action", choices=["issue", "list", "revoke"])
    for opt in ("--config", "--tenant"):
        p.add_argument(opt, required=True)
    for opt in ("--member", "--agent", "--key-id"):
        p.add_argument(opt)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("creds")
    p.add_argument("action", choices=["set"])
    for opt in ("--config", "--tenant", "--member", "--server"):
        p.add_argument(opt, required=True)
    p = sub.add_parser("audit")
    p.add_argument("show_word", nargs="?", choices=["show"])
    p.add_argument("show", nargs="?")
    p.add_argument("--config", required=True)
    p.add_argument("--tenant", required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int)
    a = ap.parse_args()
    {"init": cmd_init, "nginx": cmd_nginx, "serve": cmd_serve, "keys": cmd_keys, "creds": cmd_creds,
     "audit": cmd_audit}[a.cmd](a)


if __name__ == "__main__":
    main()
