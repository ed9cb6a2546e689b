"""A real PostgreSQL server for the scale-out tests: Debian's `postgresql` package (15), its own
cluster in a temporary folder (no system service), run as the `postgres` system user (PostgreSQL
refuses root), listening on a Unix socket in the work dir (reachable from every network namespace,
since they share the filesystem) and on 127.0.0.1. One database and one role per tenant."""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import stack as st

PG_BIN = Path(os.environ.get("WICKET_PG_BIN", "/usr/lib/postgresql/15/bin"))
T = TypeVar("T")


def available() -> str | None:
    """None when a cluster can be made here, else why not (the tests fail with it, never skip)."""
    if not (PG_BIN / "initdb").is_file():
        return f"PostgreSQL 15 is not installed ({PG_BIN}/initdb missing): `make deps` installs `postgresql`"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is missing (needed to run postgres as the postgres user)"
    return None


class PostgresServer:
    """initdb + postgres in `workdir/pg`; `stop()` and `start()` for fault tests."""

    def __init__(self, workdir: Path, procs: st.Processes) -> None:
        why = available()
        if why:
            raise st.StackError(why)
        self.procs = procs
        self.root = workdir / "pg"
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.port = st.free_port()
        self.root.mkdir(mode=0o755)
        self.sockets.mkdir(mode=0o755)
        self.user_prefix: list[str] = []
        if os.geteuid() == 0:
            self.user_prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sockets, "postgres", "postgres")
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "peer", "-U", "postgres", "--no-sync",
                   "-E", "UTF8", "--locale=C"])
        (self.data / "pg_hba.conf").write_text(
            "local all postgres peer\n"
            "local all all scram-sha-256\n"
            "host all all 127.0.0.1/32 scram-sha-256\n")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.sockets}'\nmax_connections = 200\n"
                       "fsync = on\nsynchronous_commit = on\nshared_buffers = 32MB\n")
        self.proc: st.Proc | None = None
        self.start()

    def _run(self, argv: list[str], input: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        out = subprocess.run(self.user_prefix + argv, capture_output=True, text=True, input=input, timeout=120,
                             cwd="/")
        if check and out.returncode != 0:
            raise st.StackError(f"`{' '.join(argv)}` exited {out.returncode}: {out.stderr}{out.stdout}")
        return out

    def start(self) -> None:
        self.proc = self.procs.start("postgres", self.user_prefix + [str(PG_BIN / "postgres"), "-D", str(self.data)],
                                     prefix=False)
        st.wait_until(lambda: self._run([str(PG_BIN / "pg_isready"), "-h", str(self.sockets), "-p", str(self.port)],
                                        check=False).returncode == 0, 30, "postgresql to accept connections", self.proc)

    def stop(self) -> None:
        """Fast shutdown (SIGINT): connections are closed, like a database going away."""
        if self.proc is not None:
            self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "stop", "-m", "fast", "-w"])
            self.proc.popen.wait(30)
            self.proc = None

    def sql(self, statement: str, database: str = "postgres", check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run([str(PG_BIN.parent / "bin" / "psql"), "-h", str(self.sockets), "-p", str(self.port),
                          "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", statement], check=check)

    def as_role(self, role: str, password: str, statement: str, database: str) -> subprocess.CompletedProcess[str]:
        """psql as a tenant's role (with its password) over the Unix socket; never raises."""
        env = dict(os.environ, PGPASSWORD=password)
        return subprocess.run([str(PG_BIN / "psql"), "-h", str(self.sockets), "-p", str(self.port), "-U", role,
                               "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", statement],
                              capture_output=True, text=True, env=env, timeout=60)

    def create_tenant(self, tenant: str) -> Tenant:
        """A role `wicket_T` (login, password) owning a database `wicket_T` no other role may connect to."""
        role = f"wicket_{tenant.replace('-', '_')}"
        password = secrets.token_hex(16)
        self.sql(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        self.sql(f"CREATE DATABASE {role} OWNER {role}")
        self.sql(f"REVOKE ALL ON DATABASE {role} FROM PUBLIC")
        return Tenant(self, tenant, role, password)


class Tenant:
    def __init__(self, server: PostgresServer, name: str, role: str, password: str) -> None:
        self.server, self.name, self.role, self.password = server, name, role, password

    @property
    def database(self) -> str:
        return self.role

    def conninfo(self) -> str:
        return f"host={self.server.sockets} port={self.server.port} dbname={self.database} user={self.role}"

    def write_password_file(self, path: Path) -> Path:
        path.write_text(self.password + "\n")
        path.chmod(0o600)
        return path

    def query(self, statement: str) -> list[list[str]]:
        out = self.server.as_role(self.role, self.password, statement, self.database)
        if out.returncode != 0:
            raise st.StackError(f"psql as {self.role}: {out.stderr}")
        return [line.split("|") for line in out.stdout.splitlines() if line]


# --- network namespaces, entered per thread -----------------------------------------------

_libc = ctypes.CDLL("libc.so.6", use_errno=True)
CLONE_NEWNET = 0x40000000


def in_netns(holder_pid: int | None, fn: Callable[[], T]) -> T:
    """Runs `fn` on a new thread that first joins the network namespace of `holder_pid` (setns is
    per thread): sockets it opens live in that namespace. None runs it in the host namespace."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            enter_netns(holder_pid)
            box["value"] = fn()
        except BaseException as exc:  # re-raised on the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def enter_netns(holder_pid: int | None) -> None:
    """Moves the calling thread into `holder_pid`'s network namespace."""
    if holder_pid is None:
        return
    fd = os.open(f"/proc/{holder_pid}/ns/net", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns into the namespace of {holder_pid}: {os.strerror(err)}")
    finally:
        os.close(fd)
