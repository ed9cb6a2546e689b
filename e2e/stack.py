"""Process plumbing for the end-to-end tests: processes in their own groups, free ports, a plain
nginx, the demo MCP server and the Wicket stack driven through its CLI. conftest.py wraps these
in fixtures; scripts can use them too."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mcp_call

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parent
PYTHON = sys.executable
DEMO_SERVER = E2E_DIR / "demo_server.py"
MCP_CALL = E2E_DIR / "mcp_call.py"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

TENANT = "acme"
MEMBER = "alex@company.com"
AGENT = "maintenance-agent"
SERVER_NAME = "database"
SEED_IP = "203.0.113.42"


class StackError(AssertionError):
    """A step of the setup failed; the message says which command and what it printed."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, proc: Proc | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and not proc.alive:
            raise StackError(f"{proc.name} exited (status {proc.popen.returncode}) while waiting for {what}\n"
                             f"{proc.tail()}")
        time.sleep(0.05)
    raise StackError(f"timed out after {timeout}s waiting for {what}" + (f"\n{proc.tail()}" if proc else ""))


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def unix_socket_accepts(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.2)
            s.connect(str(path))
            return True
    except OSError:
        return False


def make_workdir(prefix: str = "wicket-e2e-") -> Path:
    """A temp dir nginx workers (user nobody when the master runs as root) can traverse."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return f"[{self.name}: no log]"
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text)

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the whole process group (after SIGCONT, in case a test stopped it), then SIGKILL."""
        if self.alive:
            self.signal_group(signal.SIGCONT)
            self.signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # The group may outlive its leader (nginx workers, uvicorn children): always sweep it.
        self.signal_group(signal.SIGKILL)
        try:
            self.popen.wait(2)
        except subprocess.TimeoutExpired:
            pass


class Processes:
    """Starts processes in their own process groups and stops them all, newest first."""

    def __init__(self, logdir: Path, prefix: list[str] | None = None) -> None:
        self.logdir = logdir
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.prefix = list(prefix or [])
        self.procs: list[Proc] = []

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None,
              cwd: Path | None = None, prefix: bool = True) -> Proc:
        log = self.logdir / f"{name}.log"
        full_env = dict(os.environ)
        full_env.update(env or {})
        argv = (self.prefix if prefix else []) + argv
        with open(log, "ab") as out:
            popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=full_env, cwd=cwd, start_new_session=True)
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def tails(self) -> str:
        return "\n".join(p.tail() for p in self.procs)

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()


# --- network namespace (to be 203.0.113.42 on loopback) ------------------------------------

class NetNamespace:
    """A private network namespace held open by a sleeping process, with lo up and extra addresses.

    Processes started with `prefix` run inside it; a pathname Unix socket (Wicket's) is shared
    with the host namespace, TCP is not."""

    def __init__(self, procs: Processes, addresses: Iterable[str] = (SEED_IP,)) -> None:
        setup = "ip link set lo up" + "".join(f" && ip addr add {a}/32 dev lo" for a in addresses)
        self.holder = procs.start("netns", ["unshare", "--net", "--", "sh", "-c", f"{setup} && exec sleep 100000"],
                                  prefix=False)
        self.prefix = ["nsenter", "-t", str(self.holder.pid), "-n", "--"]
        wanted = list(addresses)

        def ready() -> bool:
            out = subprocess.run(self.prefix + ["ip", "-o", "addr", "show", "lo"], capture_output=True, text=True)
            return out.returncode == 0 and all(a in out.stdout for a in wanted)

        wait_until(ready, 10, "the network namespace", self.holder)

    def run(self, argv: list[str], timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.prefix + argv, capture_output=True, text=True, timeout=timeout, **kwargs)


# --- the demo MCP server --------------------------------------------------------------------

@dataclass
class DemoServer:
    proc: Proc
    host: str
    port: int
    netns: NetNamespace | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/mcp"

    def _get(self, path: str, method: str = "GET") -> Any:
        if self.netns is not None:
            code = (f"import urllib.request,sys;r=urllib.request.Request({self.base + path!r},method={method!r});"
                    "sys.stdout.write(urllib.request.urlopen(r,timeout=10).read().decode())")
            out = self.netns.run([PYTHON, "-c", code], timeout=30)
            if out.returncode != 0:
                raise StackError(f"demo server {path} unreachable in the namespace: {out.stderr}")
            return json.loads(out.stdout)
        req = urllib.request.Request(self.base + path, method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def stats(self) -> dict[str, Any]:
        return self._get("/_stats")

    def reset(self) -> None:
        self._get("/_reset", method="POST")

    def requests(self) -> list[dict[str, Any]]:
        return self.stats()["requests"]

    @property
    def count(self) -> int:
        """HTTP requests the MCP endpoint received (any method, any path but the side endpoints)."""
        return self.stats()["count"]

    def tool_calls(self, tool: str | None = None) -> list[dict[str, Any]]:
        """Requests whose body carried a `tools/call` (of `tool`, if given)."""
        return [r for r in self.requests()
                for m in r.get("rpc") or []
                if m.get("method") == "tools/call" and (tool is None or m.get("name") == tool)]


def start_demo_server(procs: Processes, env: dict[str, str] | None = None, name: str = "demo",
                      netns: NetNamespace | None = None) -> DemoServer:
    host = "127.0.0.1"
    port = free_port() if netns is None else 18000
    proc = procs.start(name, [PYTHON, str(DEMO_SERVER), "--host", host, "--port", str(port)],
                       env=env, prefix=netns is not None)
    demo = DemoServer(proc, host, port, netns)

    def up() -> bool:
        if netns is None:
            return port_open(host, port)
        out = netns.run([PYTHON, "-c", f"import socket;socket.create_connection(({host!r},{port}),timeout=0.5)"],
                        timeout=10)
        return out.returncode == 0

    wait_until(up, 20, f"the demo MCP server on {host}:{port}", proc)
    return demo


# --- nginx ----------------------------------------------------------------------------------

@dataclass
class Nginx:
    proc: Proc
    prefix: Path
    conf: Path
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/mcp"

    @property
    def logs(self) -> list[Path]:
        return sorted((self.prefix / "logs").glob("*"))


def nginx_command(prefix: Path, conf: Path, conf_text: str) -> list[str]:
    """`nginx -p PREFIX -c CONF -e LOG` plus what a conf written for `nginx -c` may leave out."""
    extra = []
    if not re.search(r"^\s*daemon\s", conf_text, re.M):
        extra.append("daemon off;")
    if not re.search(r"^\s*pid\s", conf_text, re.M):
        extra.append(f"pid {prefix / 'logs' / 'nginx.pid'};")
    argv = [NGINX, "-p", f"{prefix}/", "-c", str(conf), "-e", str(prefix / "logs" / "error.log")]
    if extra:
        argv += ["-g", " ".join(extra)]
    return argv


def start_nginx(procs: Processes, prefix: Path, conf_text: str, host: str, port: int,
                name: str = "nginx", netns: NetNamespace | None = None) -> Nginx:
    """Run nginx from `conf_text` as a foreground, non-system instance rooted at `prefix`."""
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    (prefix / "temp").mkdir(exist_ok=True)
    for d in (prefix, prefix / "logs", prefix / "temp"):
        d.chmod(0o755)
    conf = prefix / "nginx.conf"
    conf.write_text(conf_text)
    argv = nginx_command(prefix, conf, conf_text)
    check = subprocess.run((netns.prefix if netns else []) + argv[:1] + ["-t"] + argv[1:],
                           capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise StackError(f"nginx -t rejected {conf}:\n{check.stderr}\n--- conf ---\n{conf_text}")
    proc = procs.start(name, argv, prefix=netns is not None)

    def up() -> bool:
        if netns is None:
            return port_open(host, port)
        out = netns.run([PYTHON, "-c", f"import socket;socket.create_connection(({host!r},{port}),timeout=0.5)"],
                        timeout=10)
        return out.returncode == 0

    wait_until(up, 15, f"nginx on {host}:{port}", proc)
    return Nginx(proc, prefix, conf, host, port)


def nginx_preamble(prefix: Path) -> str:
    """The start of a test nginx.conf up to inside `http {`: logs and temp paths under `prefix`."""
    return f"""worker_processes 1;
error_log {prefix}/logs/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;"""


def plain_proxy_conf(prefix: Path, port: int, upstream: str, buffering: bool = False,
                     gzip_sse: bool = False) -> str:
    """A plain reverse proxy to the MCP server (no Wicket): the baseline the Wicket path must match.

    `gzip_sse` compresses text/event-stream, which holds events back until gzip's buffers fill:
    a proxy that does not stream, for the control test."""
    gzip = "\n            gzip on; gzip_min_length 1; gzip_types text/event-stream;" if gzip_sse else ""
    return f"""# plain nginx reverse proxy for the e2e baseline (generated by e2e/stack.py)
{nginx_preamble(prefix)}
    server {{
        listen 127.0.0.1:{port};
        location /mcp {{
            proxy_pass {upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering {"on" if buffering else "off"};{gzip}
            proxy_read_timeout 300s;
        }}
    }}
}}
"""


# --- Wicket through its CLI -----------------------------------------------------------------

def wicket_bin() -> Path:
    """$WICKET_BIN, or a failure saying why the Wicket tests cannot run (never a skip)."""
    value = os.environ.get("WICKET_BIN")
    if not value:
        raise StackError("WICKET_BIN is not set: build Wicket (`swift build`) and run with "
                         "WICKET_BIN=.build/debug/wicket (make test-e2e does this)")
    path = Path(value)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise StackError(f"WICKET_BIN=`{value}` is not an executable file")
    return path


def geoip_test_database() -> Path | None:
    """The test GeoIP City database (203.0.113.0/24 -> Ashburn, VA): the project's geo/, else ../shared/geo."""
    for candidate in (REPO / "geo" / "wicket-city-test.mmdb", REPO.parent / "shared" / "geo" / "wicket-city-test.mmdb"):
        if candidate.is_file():
            return candidate
    return None


@dataclass
class WicketStack:
    """init -> nginx conf -> serve -> key -> credential, all through `$WICKET_BIN`."""

    bin: Path
    dir: Path
    procs: Processes
    demo: DemoServer
    netns: NetNamespace | None = None
    server: str = SERVER_NAME
    tenant: str = TENANT
    nginx: Nginx | None = None
    serve_proc: Proc | None = None
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    key_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    creds: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.dir / "wicket.toml"

    @property
    def socket(self) -> Path:
        return self.dir / "run" / "wicket.sock"

    @property
    def data_dir(self) -> Path:
        return self.dir / "data"

    @property
    def url(self) -> str:
        assert self.nginx is not None
        return self.nginx.url

    # CLI
    def wicket(self, *args: str, stdin: str | None = None, check: bool = True,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin), *args]
        out = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout)
        # Kept for the privacy scans: everything Wicket's CLI printed.
        self.outputs.append(out.stdout + out.stderr)
        if check and out.returncode != 0:
            raise StackError(f"`wicket {' '.join(args)}` exited {out.returncode}\n"
                             f"stdout: {out.stdout}\nstderr: {out.stderr}")
        return out

    init_args: list[str] = field(default_factory=list)

    def init(self) -> None:
        args = ["init", str(self.dir), "--upstream", self.demo.url, "--server", self.server, *self.init_args]
        geo = geoip_test_database()
        if geo is not None:
            args += ["--geoip", str(geo)]
        self.wicket(*args)
        if not self.config.is_file():
            raise StackError(f"`wicket init` did not write {self.config}")

    def nginx_conf(self, listen: str, prefix: Path) -> str:
        return self.wicket("nginx", "--config", str(self.config), "--listen", listen, "--upstream",
                           self.demo.url, "--server", self.server, "--standalone", "--prefix", str(prefix)).stdout

    def start_serve(self) -> Proc:
        if self.socket.exists() and not unix_socket_accepts(self.socket):
            self.socket.unlink()
        proc = self.procs.start("wicket-serve", [str(self.bin), "serve", "--config", str(self.config)],
                                prefix=False)
        wait_until(lambda: unix_socket_accepts(self.socket), 30, f"wicket serve's socket {self.socket}", proc)
        self.serve_proc = proc
        return proc

    def stop_serve(self, sig: int = signal.SIGTERM) -> None:
        if self.serve_proc is not None:
            self.serve_proc.signal_group(sig)
            try:
                self.serve_proc.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.serve_proc.stop()

    def reload(self) -> None:
        assert self.serve_proc is not None
        self.serve_proc.popen.send_signal(signal.SIGHUP)

    def issue_key(self, member: str = MEMBER, agent: str = AGENT) -> str:
        out = self.wicket("keys", "issue", "--config", str(self.config), "--tenant", self.tenant,
                          "--member", member, "--agent", agent)
        lines = out.stdout.splitlines()
        key = lines[0].strip() if lines else ""
        if not key or " " in key:
            raise StackError(f"`wicket keys issue` must print the key alone on stdout's first line, got {lines[:1]}")
        self.keys[(member, agent)] = key
        # The id, when the command mentions it (e.g. "key id 0c9e7a01 for ..." on stderr).
        rest = "\n".join(lines[1:]) + "\n" + out.stderr
        m = re.search(r"key[ _-]?id[:=]?\s+([A-Za-z0-9_.-]+)", rest, re.I)
        if m:
            self.key_ids[(member, agent)] = m.group(1)
        return key

    def key_id(self, member: str, agent: str = AGENT) -> str | None:
        """The id `keys issue` reported for (member, agent), else one from `keys list --json`."""
        if (member, agent) in self.key_ids:
            return self.key_ids[(member, agent)]
        out = self.wicket("keys", "list", "--config", str(self.config), "--tenant", self.tenant, "--json",
                          check=False)
        for line in out.stdout.splitlines() if out.returncode == 0 else []:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and rec.get("member") == member and rec.get("agent") == agent \
                    and not rec.get("revoked"):
                for k in ("id", "key_id", "keyId"):
                    if rec.get(k):
                        return str(rec[k])
        return None

    def revoke(self, member: str, agent: str = AGENT) -> None:
        """Revoke (member, agent)'s key by id (`keys revoke --key-id`), else all the member's keys."""
        kid = self.key_id(member, agent)
        if kid is not None:
            self.wicket("keys", "revoke", "--config", str(self.config), "--tenant", self.tenant, "--key-id", kid)
        else:
            self.wicket("keys", "revoke", "--config", str(self.config), "--tenant", self.tenant, "--member", member)

    def set_cred(self, member: str, secret: str) -> None:
        self.wicket("creds", "set", "--config", str(self.config), "--tenant", self.tenant, "--member", member,
                    "--server", self.server, stdin=secret)
        self.creds[member] = secret

    def audit(self) -> list[dict[str, Any]]:
        out = self.wicket("audit", "--config", str(self.config), "--tenant", self.tenant, "--json")
        records = []
        for line in out.stdout.splitlines():
            if line.strip():
                records.append(json.loads(line))
        return records

    def audit_show(self, record_id: str) -> str:
        return self.wicket("audit", "show", str(record_id), "--config", str(self.config),
                           "--tenant", self.tenant).stdout

    # tenant files
    def tenant_files(self, suffix: str) -> list[Path]:
        return sorted(p for p in self.dir.rglob(f"*{suffix}") if p.is_file())

    def entities_file(self) -> Path:
        files = self.tenant_files("entities.json")
        if not files:
            raise StackError(f"`wicket init` wrote no entities.json under {self.dir}")
        return files[0]

    def add_member_like(self, new_member: str, like: str = MEMBER) -> None:
        """Add `new_member` to the tenant's entities as a copy of `like` (same type, attrs, groups)."""
        path = self.entities_file()
        entities = json.loads(path.read_text())
        if not isinstance(entities, list):
            raise StackError(f"{path} is not a Cedar entity JSON list")
        for e in entities:
            if isinstance(e, dict) and e.get("uid", {}).get("id") == new_member:
                return
        source = next((e for e in entities if isinstance(e, dict) and e.get("uid", {}).get("id") == like), None)
        if source is None:
            raise StackError(f"{path} has no entity `{like}` to copy")
        clone = json.loads(json.dumps(source))
        clone["uid"]["id"] = new_member
        entities.append(clone)
        path.write_text(json.dumps(entities, indent=2))

    def policy_files(self) -> list[Path]:
        return self.tenant_files(".cedar")

    def set_release_window(self, start: int, end: int) -> Path:
        """Rewrite the release-window rule's `context.time.hour < A || context.time.hour > B` bounds."""
        pattern = re.compile(r"(context\.time\.hour\s*<\s*)(\d+)(\s*\|\|\s*context\.time\.hour\s*>\s*)(\d+)")
        for path in self.policy_files():
            text = path.read_text()
            if pattern.search(text):
                path.write_text(pattern.sub(lambda m: f"{m.group(1)}{start}{m.group(3)}{end}", text, count=1))
                return path
        raise StackError("no policy under the tenant has the release-window condition "
                         "`context.time.hour < A || context.time.hour > B`")

    def permit_policy_ids(self) -> list[str]:
        ids = []
        for path in self.policy_files():
            for m in re.finditer(r'@id\("([^"]+)"\)(?:\s*@\w+\([^)]*\))*\s*permit', path.read_text()):
                ids.append(m.group(1))
        return ids

    def tenant_time_zone(self) -> str:
        """The tenant's time zone from wicket.toml (any `*zone*` key), else UTC."""
        import tomllib
        try:
            conf = tomllib.loads(self.config.read_text())
        except (OSError, ValueError):
            return "UTC"
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    if "zone" in k.lower() and isinstance(v, str):
                        found.append(v)
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(conf)
        return found[0] if found else "UTC"

    def current_hour(self) -> int:
        from datetime import datetime
        from zoneinfo import ZoneInfo
        return datetime.now(ZoneInfo(self.tenant_time_zone())).hour

    # calls
    def call(self, tool: str, arguments: dict[str, Any] | None = None, key: str | None = None,
             protocol: str | None = None, timeout: float = 30.0) -> mcp_call.Outcome:
        """Call a tool through nginx + Wicket with the official client (inside the namespace if any)."""
        key = key if key is not None else self.keys.get((MEMBER, AGENT))
        if self.netns is None:
            return mcp_call.call_tool_sync(self.url, key, tool, arguments or {}, protocol, timeout)
        argv = [PYTHON, str(MCP_CALL), "--url", self.url, "--json", "--timeout", str(timeout)]
        if key is not None:
            argv += ["--key", key]
        if protocol:
            argv += ["--protocol", protocol]
        argv += ["call", tool, json.dumps(arguments or {})]
        out = self.netns.run(argv, timeout=timeout + 30)
        line = out.stdout.strip().splitlines()[-1:] or [""]
        try:
            return mcp_call.Outcome.from_json(line[0])
        except ValueError as exc:
            raise StackError(f"mcp_call in the namespace printed no outcome: {out.stdout}\n{out.stderr}") from exc

    def logs_text(self) -> str:
        return self.procs.tails()


def build_wicket_stack(workdir: Path, procs: Processes, *, netns: NetNamespace | None = None,
                       demo_env: dict[str, str] | None = None,
                       before_serve: Callable[[WicketStack], None] | None = None,
                       credential: str | None = None, init_args: list[str] | None = None) -> WicketStack:
    """The full stack via the CLI contract. `before_serve` may edit policies/entities."""
    binary = wicket_bin()
    demo = start_demo_server(procs, env=demo_env, netns=netns)
    stack = WicketStack(binary, workdir / "wicket", procs, demo, netns, init_args=list(init_args or []))
    if netns is None:
        host, port = "127.0.0.1", free_port()
    else:
        host, port = SEED_IP, 8080
    listen = f"{host}:{port}"
    stack.init()
    stack.dir.chmod(0o755)
    if before_serve is not None:
        before_serve(stack)
    nginx_prefix = workdir / "nginx"
    conf = stack.nginx_conf(listen, nginx_prefix)
    stack.start_serve()
    stack.nginx = start_nginx(procs, nginx_prefix, conf, host, port, netns=netns)
    stack.issue_key(MEMBER, AGENT)
    stack.set_cred(MEMBER, credential or f"upstream-cred-{os.urandom(8).hex()}")
    return stack


# --- alerts (issue 14): a local receiver and the wicket.toml block that points at it ---------------

ALERT_RECEIVER = E2E_DIR / "alert_receiver.py"


@dataclass
class AlertReceiver:
    """e2e/alert_receiver.py: POST /webhook (HMAC checked), /slack, a syslog datagram socket."""

    procs: Processes
    port: int
    secret_file: Path
    syslog_socket: Path
    proc: Proc | None = None
    generation: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.generation += 1
        self.proc = self.procs.start(f"alert-receiver{self.generation}", [
            PYTHON, str(ALERT_RECEIVER), "--port", str(self.port), "--secret-file", str(self.secret_file),
            "--syslog", str(self.syslog_socket)], prefix=False)
        wait_until(lambda: port_open("127.0.0.1", self.port), 15, "the alert receiver", self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def received(self) -> list[dict[str, Any]]:
        if self.proc is None:
            return []
        with urllib.request.urlopen(f"{self.base}/received", timeout=10) as resp:
            return json.loads(resp.read())


def make_alert_receiver(procs: Processes, workdir: Path, start: bool = True) -> AlertReceiver:
    secret = workdir / "alert-webhook.secret"
    secret.write_text(os.urandom(24).hex())
    secret.chmod(0o600)
    receiver = AlertReceiver(procs, free_port(), secret, workdir / "alert-syslog.sock")
    if start:
        receiver.start()
    return receiver


def alerts_toml(receiver: AlertReceiver, alert: str = "oncall", retry_initial_ms: int = 200,
                retry_max_ms: int = 2000) -> str:
    """An `[alerts]` block sending `alert` to the receiver's webhook, Slack and syslog endpoints."""
    return (f"\n[alerts]\nretry_initial_ms = {retry_initial_ms}\nretry_max_ms = {retry_max_ms}\ntimeout_ms = 2000\n"
            f'\n[[alerts.sink]]\nalert = "{alert}"\nkind = "webhook"\nurl = "{receiver.base}/webhook"\n'
            f'secret_file = "{receiver.secret_file}"\n'
            f'\n[[alerts.sink]]\nalert = "{alert}"\nkind = "slack"\nurl = "{receiver.base}/slack"\n'
            f'\n[[alerts.sink]]\nalert = "{alert}"\nkind = "syslog"\nsocket = "{receiver.syslog_socket}"\n')
