"""What a test waits on instead of sleeping: lines in `wicket serve`'s log, requests Wicket has
accepted and not yet answered, audit records by JSON-RPC id, and a configuration with the policy
file poller off (so only SIGHUP reloads)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import stack as st


def disable_file_poller(stack: st.WicketStack) -> None:
    """`reload_interval = 0`: policies reload on SIGHUP only (a `before_serve` hook)."""
    text = stack.config.read_text()
    new, n = re.subn(r"(?m)^(\s*)reload_interval\s*=\s*\d+", r"\1reload_interval = 0", text)
    if n != 1:
        raise st.StackError(f"{stack.config} has no single `reload_interval = N` line to set to 0")
    stack.config.write_text(new)


def serve_log(stack: st.WicketStack) -> str:
    assert stack.serve_proc is not None
    try:
        return stack.serve_proc.log.read_text(errors="replace")
    except OSError:
        return ""


def log_count(stack: st.WicketStack, text: str) -> int:
    return serve_log(stack).count(text)


def wait_for_log(stack: st.WicketStack, text: str, more_than: int, timeout: float = 30.0) -> str:
    """Waits until `text` occurs in the serve log more than `more_than` times; returns the last line with it."""
    st.wait_until(lambda: log_count(stack, text) > more_than, timeout, f"`{text}` in wicket serve's log",
                  stack.serve_proc)
    return [line for line in serve_log(stack).splitlines() if text in line][-1]


def accepted_connections(pid: int, socket_path: Path) -> int:
    """Connections on `socket_path` that process `pid` has accepted and not yet closed (from
    /proc/net/unix: an accepted socket carries the listener's path, state 03 = connected)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            m = re.fullmatch(r"socket:\[(\d+)\]", target)
            if m:
                inodes.add(m.group(1))
    except OSError:
        return 0
    count = 0
    with open("/proc/net/unix") as table:
        next(table)
        for line in table:
            fields = line.split()
            # Num RefCount Protocol Flags Type St Inode [Path]
            if len(fields) >= 8 and fields[7] == str(socket_path) and fields[5] == "03" and fields[6] in inodes:
                count += 1
    return count


def records_by_rpc_id(stack: st.WicketStack, limit: int = 10_000) -> dict[Any, list[dict[str, Any]]]:
    """The tenant's audit records grouped by JSON-RPC id (decoded: `"a"` -> a, `7` -> 7)."""
    out = stack.wicket("audit", "--config", str(stack.config), "--tenant", stack.tenant, "--json",
                       "--limit", str(limit)).stdout
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for line in out.splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        raw = rec.get("jsonrpcID")
        key = json.loads(raw) if isinstance(raw, str) else raw
        grouped.setdefault(key, []).append(rec)
    return grouped


def wait_for_record(stack: st.WicketStack, rpc_id: Any, timeout: float = 30.0) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def present() -> bool:
        found[:] = records_by_rpc_id(stack).get(rpc_id, [])
        return bool(found)

    st.wait_until(present, timeout, f"the audit record of JSON-RPC id {rpc_id!r}", stack.serve_proc)
    return found[0]
