"""Several nginx + `wicket serve` nodes sharing one tenant's PostgreSQL database.

Each node has a network namespace of its own (`unshare --net`, its own address 10.77.0.N on its
`lo`) holding its nginx, its `wicket serve` and its own demo MCP server (the upstream, at
127.0.0.1:18000 inside the namespace, so the count of what reached the upstream is per node).
PostgreSQL is reached over its Unix socket, a path every namespace shares. The test's own threads
join a node's namespace (`pg.in_netns`) to send requests to that node's address."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mcp_call
import pg
import stack as st

UPSTREAM_PORT = 18000
NODE_PORT = 8080


@dataclass
class Node:
    name: str
    address: str
    dir: Path
    procs: st.Processes
    netns: st.NetNamespace
    bin: Path
    demo: st.DemoServer | None = None
    serve: st.Proc | None = None
    nginx: st.Nginx | None = None

    @property
    def config(self) -> Path:
        return self.dir / "wicket.toml"

    @property
    def socket(self) -> Path:
        return self.dir / "run" / "wicket.sock"

    @property
    def url(self) -> str:
        return f"http://{self.address}:{NODE_PORT}/mcp"

    @property
    def holder(self) -> int:
        return self.netns.holder.pid

    def wicket(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        out = subprocess.run([str(self.bin), *args], input=stdin, capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            raise st.StackError(f"[{self.name}] `wicket {' '.join(args)}` exited {out.returncode}\n{out.stdout}\n{out.stderr}")
        return out

    def tenant_cli(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.wicket(*args, "--config", str(self.config), "--tenant", st.TENANT, stdin=stdin, check=check)

    def start_serve(self) -> st.Proc:
        if self.socket.exists():
            self.socket.unlink()
        self.serve = self.procs.start(f"wicket-{self.name}", [str(self.bin), "serve", "--config", str(self.config)])
        st.wait_until(lambda: st.unix_socket_accepts(self.socket), 30, f"wicket serve of {self.name}", self.serve)
        return self.serve

    def kill_serve(self) -> None:
        assert self.serve is not None
        self.serve.signal_group(signal.SIGKILL)
        self.serve.popen.wait(10)

    def request(self, key: str, tool: str = "query", timeout: float = 10.0) -> mcp_call.RawResponse:
        """One stateless tools/call to this node, sent from inside its namespace."""
        return pg.in_netns(self.holder, lambda: mcp_call.stateless_request(
            self.url, key, "tools/call", {"name": tool, "arguments": {"sql": "select 1"}}, timeout=timeout))

    def upstream_count(self) -> int:
        assert self.demo is not None
        return pg.in_netns(self.holder, lambda: self.demo.count)  # type: ignore[union-attr]


def use_postgres(config: Path, tenant: pg.Tenant, password_file: Path, node_name: str) -> None:
    """Points the tenant of a `wicket init` config at its PostgreSQL database, and names the node."""
    text = config.read_text()
    text = text.replace("[server]\n", f'[server]\nnode_name = "{node_name}"\n', 1)
    text, count = re.subn(rf'(\[\[tenant\]\]\nname = "{st.TENANT}"\n)',
                          rf'\1store = "postgres"\npostgres = "{tenant.conninfo()}"\n'
                          rf'postgres_password_file = "{password_file}"\n', text, count=1)
    if count != 1:
        raise st.StackError(f"cannot find tenant {st.TENANT} in {config}")
    config.write_text(text)


class Fleet:
    """N nodes for one tenant on one PostgreSQL database; node 0 was set up first (`wicket init`,
    its master key), the others are copies of its folder, as ops would distribute them."""

    def __init__(self, workdir: Path, procs: st.Processes, server: pg.PostgresServer, count: int = 3,
                 sqlite_first: bool = False) -> None:
        self.bin = st.wicket_bin()
        self.server = server
        self.tenant = server.create_tenant(st.TENANT)
        self.workdir = workdir
        self.procs = procs
        self.nodes: list[Node] = []
        base = workdir / "node-a"
        out = subprocess.run([str(self.bin), "init", str(base), "--upstream", f"http://127.0.0.1:{UPSTREAM_PORT}/mcp",
                              "--server", st.SERVER_NAME], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise st.StackError(f"wicket init: {out.stderr}")
        base.chmod(0o755)
        self.password_file = self.tenant.write_password_file(workdir / "acme.pgpass")
        self.sqlite_first = sqlite_first
        for index in range(count):
            name = f"node-{chr(ord('a') + index)}"
            self.nodes.append(self._node(name, index))

    def _node(self, name: str, index: int) -> Node:
        directory = self.workdir / name
        ns = st.NetNamespace(self.procs, addresses=(f"10.77.0.{index + 1}",))
        node_procs = st.Processes(self.workdir / f"logs-{name}", prefix=ns.prefix)
        return Node(name, f"10.77.0.{index + 1}", directory, node_procs, ns, self.bin)

    def configure(self) -> None:
        """Node a's master key exists (made by its first store use); copy node a to the others."""
        first = self.nodes[0]
        if not self.sqlite_first:
            use_postgres(first.config, self.tenant, self.password_file, first.name)
        first.tenant_cli("creds", "list")  # opens the stores: creates the master key, migrates the schema
        self.copy_first()

    def switch_to_postgres(self) -> None:
        """Node a, set up on SQLite, now points at PostgreSQL."""
        use_postgres(self.nodes[0].config, self.tenant, self.password_file, self.nodes[0].name)

    def copy_first(self) -> None:
        first = self.nodes[0]
        for node in self.nodes[1:]:
            shutil.copytree(first.dir, node.dir, symlinks=True,
                            ignore=shutil.ignore_patterns("*.sqlite*", "*.sock"))
            text = node.config.read_text().replace(f'node_name = "{first.name}"', f'node_name = "{node.name}"')
            node.config.write_text(text)

    def start(self, nodes: list[Node] | None = None) -> None:
        for node in nodes if nodes is not None else self.nodes:
            node.demo = st.start_demo_server(node.procs, name=f"demo-{node.name}", netns=node.netns)
            node.start_serve()
            prefix = self.workdir / f"nginx-{node.name}"
            conf = node.wicket("nginx", "--config", str(node.config), "--listen", f"{node.address}:{NODE_PORT}",
                               "--upstream", f"http://127.0.0.1:{UPSTREAM_PORT}/mcp", "--server", st.SERVER_NAME,
                               "--standalone", "--prefix", str(prefix)).stdout
            node.nginx = st.start_nginx(node.procs, prefix, conf, node.address, NODE_PORT, name=f"nginx-{node.name}",
                                        netns=node.netns)

    def issue_key(self, member: str, node: Node | None = None) -> tuple[str, str]:
        out = (node or self.nodes[0]).tenant_cli("keys", "issue", "--member", member, "--agent", st.AGENT)
        key = out.stdout.splitlines()[0].strip()
        key_id = re.search(r"key id (\S+)", out.stderr)
        if not key or key_id is None:
            raise st.StackError(f"keys issue printed no key: {out.stdout} {out.stderr}")
        return key, key_id.group(1)

    def add_member(self, member: str) -> None:
        """Adds `member` (a copy of the seed member) to the entities file of every node set up so far."""
        for node in self.nodes:
            path = node.dir / "tenants" / st.TENANT / "entities.json"
            if not path.is_file():  # not copied from node a yet: it will be, with the member
                continue
            entities = json.loads(path.read_text())
            if any(e.get("uid", {}).get("id") == member for e in entities):
                continue
            source = next(e for e in entities if e.get("uid", {}).get("id") == st.MEMBER)
            clone = json.loads(json.dumps(source))
            clone["uid"]["id"] = member
            entities.append(clone)
            path.write_text(json.dumps(entities, indent=2))

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.procs.stop_all()

    def tails(self) -> str:
        return "\n".join(node.procs.tails() for node in self.nodes)


def audit_rows(tenant: pg.Tenant, where: str = "true") -> list[dict[str, Any]]:
    rows = tenant.query(f"SELECT request_id, jsonrpc_id, node, decision, http_status FROM audit WHERE {where}")
    return [dict(zip(("request_id", "jsonrpc_id", "node", "decision", "http_status"), row)) for row in rows]
