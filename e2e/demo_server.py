"""Demo MCP server for Wicket's demo and end-to-end tests (official Python `mcp` SDK, pinned).

Serves Streamable HTTP at /mcp the way a real SDK server does by default: the handshake-era
protocol versions (2024-11-05 .. 2025-11-25) with `Mcp-Session-Id` sessions and SSE responses,
and the stateless 2026-07-28 protocol (no initialize, one POST per request, `Mcp-Method` /
`Mcp-Name` headers). The SDK routes on the `MCP-Protocol-Version` header: a handshake version or
no header goes to the session transport, anything else to the stateless one.

Environment: DEMO_STREAM_DELAY (seconds between slow_report's steps, default 1.0),
DEMO_STRIP_ACCEL_BUFFERING=1 (drop the SDK's `X-Accel-Buffering: no` response header).

Side endpoints on the same port, outside /mcp, for tests (never counted):
- GET  /_stats  -> {"count": N, "mcp_count": M, "authorizations": [...], "requests": [...]};
  each request: method, path, authorization, mcp-*/forwarding headers, client address,
  body_sha256, body_length, rpc (method/id/name/uri of each JSON-RPC message, never arguments)
- POST /_reset  -> clears the counters
- GET  /_health -> 200 "ok"
- POST /_tools  {"page_size": N, "descriptions": {"tool": "text"}, "list_delay": S} -> changes the tool surface at run
  time: `tools/list` pages of N tools (cursor = offset; 0 = one page), and a tool's description
  replaced (the rug pull the pinning tests play). DEMO_PAGE_SIZE sets the initial page size.

Usage: python e2e/demo_server.py [--host 127.0.0.1] [--port 8000]  (or DEMO_PORT / DEMO_HOST env)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import threading
import time
from typing import Any

import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import ListToolsResult
from mcp_types import Tool as MCPTool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SIDE_PATHS = ("/_stats", "/_reset", "/_health", "/_tools")

#: Seconds the streaming tool waits between its progress notification and its result.
STREAM_DELAY_SECONDS = float(os.environ.get("DEMO_STREAM_DELAY", "1.0"))

#: The SDK answers SSE with `X-Accel-Buffering: no`, which makes nginx stream even with
#: `proxy_buffering on`. DEMO_STRIP_ACCEL_BUFFERING=1 removes it so a test proves that the
#: proxy configuration itself streams.
STRIP_ACCEL_BUFFERING = os.environ.get("DEMO_STRIP_ACCEL_BUFFERING", "") == "1"


class RequestRecorder:
    """Thread-safe record of every HTTP request the MCP endpoint received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(entry)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            requests = list(self._requests)
        return {
            "count": len(requests),
            "mcp_count": sum(1 for r in requests if r["path"].startswith("/mcp")),
            "authorizations": [r["authorization"] for r in requests],
            "requests": requests,
        }


recorder = RequestRecorder()


class ToolSurfaceState:
    """What `POST /_tools` changes: the page size of `tools/list` and replaced descriptions."""

    def __init__(self) -> None:
        self.page_size = int(os.environ.get("DEMO_PAGE_SIZE", "0"))
        self.descriptions: dict[str, str] = {}
        #: Seconds `tools/list` waits before answering (a slow upstream for the timeout tests).
        self.list_delay = 0.0


surface = ToolSurfaceState()


class DemoServer(MCPServer):
    """The SDK server with a paginated `tools/list` and run-time descriptions."""

    async def list_tools(self) -> list[MCPTool]:
        tools = await super().list_tools()
        return [t.model_copy(update={"description": surface.descriptions[t.name]})
                if t.name in surface.descriptions else t for t in tools]

    async def _handle_list_tools(self, ctx: Any, params: Any) -> ListToolsResult:
        if surface.list_delay > 0:
            await asyncio.sleep(surface.list_delay)
        tools = await self.list_tools()
        size = surface.page_size
        if size <= 0:
            return ListToolsResult(tools=tools)
        cursor = getattr(params, "cursor", None) if params is not None else None
        start = int(cursor) if cursor and cursor.isdigit() else 0
        end = start + size
        return ListToolsResult(tools=tools[start:end], next_cursor=str(end) if end < len(tools) else None)


mcp = DemoServer(
    "wicket-demo",
    instructions="Demo MCP server behind Wicket: a database and a chat, both fake.",
    version="1.0.0",
)


@mcp.tool()
def delete_records(table: str) -> str:
    """Delete every record of a table (destructive; the demo only pretends)."""
    return f"deleted 42 records from {table}"


@mcp.tool()
def query(sql: str) -> str:
    """Run a read-only SQL query (the demo echoes the query's length, never its text)."""
    return f"1 row (query of {len(sql)} characters)"


@mcp.tool()
def post_message(channel: str, text: str) -> str:
    """Post a message to a chat channel."""
    return f"posted {len(text)} characters to #{channel}"


@mcp.tool()
async def slow_report(ctx: Context, steps: int = 2) -> str:
    """Stream progress notifications (SSE) before the result: one per step, `DEMO_STREAM_DELAY` apart."""
    steps = max(1, min(int(steps), 10))
    for i in range(steps):
        await ctx.report_progress(i + 1, steps, f"step {i + 1} of {steps}")
        await asyncio.sleep(STREAM_DELAY_SECONDS)
    return f"report done after {steps} steps"


@mcp.prompt()
def incident_summary(service: str) -> str:
    """Summarise the incidents of a service."""
    return f"Summarise the open incidents of {service} in three bullet points."


@mcp.resource("db://prod/customer_records/schema")
def customer_records_schema() -> str:
    """Schema of prod.customer_records."""
    return "id INTEGER PRIMARY KEY, email TEXT, created_at TEXT"


def _rpc_summary(body: bytes) -> list[dict[str, Any]]:
    """Method and target of each JSON-RPC message in a body (never the arguments)."""
    try:
        parsed = json.loads(body) if body else []
    except ValueError:
        return [{"unparsed": True}]
    messages = parsed if isinstance(parsed, list) else [parsed]
    summary = []
    for m in messages:
        if not isinstance(m, dict):
            continue
        params = m.get("params") if isinstance(m.get("params"), dict) else {}
        summary.append({"method": m.get("method"), "id": m.get("id"),
                        "name": params.get("name"), "uri": params.get("uri")})
    return summary


class CountingMiddleware:
    """Counts every HTTP request (except the side endpoints) and records its Authorization header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path in SIDE_PATHS:
            await self._side(scope, receive, send, path)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        body = bytearray()
        entry: dict[str, Any] = {
            "time": time.time(),
            "method": scope.get("method"),
            "path": path,
            "authorization": headers.get("authorization"),
            "headers": {k: v for k, v in headers.items() if k.startswith("mcp-") or k in (
                "content-type", "accept", "x-forwarded-for", "x-real-ip", "host", "traceparent")},
            "client": (scope.get("client") or [None])[0],
        }
        more = True

        async def recording_receive() -> Message:
            nonlocal more
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
                more = message.get("more_body", False)
                if not more:
                    entry["body_sha256"] = hashlib.sha256(bytes(body)).hexdigest()
                    entry["body_length"] = len(body)
                    entry["rpc"] = _rpc_summary(bytes(body))
            return message

        async def filtering_send(message: Message) -> None:
            if message["type"] == "http.response.start" and STRIP_ACCEL_BUFFERING:
                message = dict(message)
                message["headers"] = [(k, v) for k, v in message.get("headers", [])
                                      if k.lower() != b"x-accel-buffering"]
            await send(message)

        # Recorded at arrival, before the app runs, so a test sees the request even if it hangs.
        recorder.add(entry)
        await self.app(scope, recording_receive, filtering_send)

    async def _side(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        if path == "/_stats":
            payload = json.dumps(recorder.snapshot()).encode()
            ctype = b"application/json"
        elif path == "/_tools":
            body = bytearray()
            while True:
                message = await receive()
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            change = json.loads(bytes(body) or b"{}")
            if "page_size" in change:
                surface.page_size = int(change["page_size"])
            if "list_delay" in change:
                surface.list_delay = float(change["list_delay"])
            surface.descriptions.update(change.get("descriptions", {}))
            if change.get("reset_descriptions"):
                surface.descriptions.clear()
            payload, ctype = b'{"ok": true}', b"application/json"
        elif path == "/_reset":
            recorder.reset()
            payload, ctype = b'{"ok": true}', b"application/json"
        else:
            payload, ctype = b"ok", b"text/plain"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


def build_app() -> ASGIApp:
    # Behind a proxy the Host header is whatever the proxy sends; keep the SDK's DNS-rebinding
    # check but accept loopback names with or without a port.
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1", "127.0.0.1:*", "localhost", "localhost:*", "[::1]", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )
    app = mcp.streamable_http_app(streamable_http_path="/mcp", transport_security=security)
    return CountingMiddleware(app)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("DEMO_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", "8000")))
    parser.add_argument("--log-level", default=os.environ.get("DEMO_LOG_LEVEL", "warning"))
    args = parser.parse_args(argv)
    print(f"demo MCP server on http://{args.host}:{args.port}/mcp (stats: /_stats)", file=sys.stderr, flush=True)
    uvicorn.run(build_app(), host=args.host, port=args.port, log_level=args.log_level,
                lifespan="on", timeout_graceful_shutdown=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
