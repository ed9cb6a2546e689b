"""Call an MCP server (through Wicket or not) with the official Python MCP client.

CLI (what the README's demo command runs):

    python e2e/mcp_call.py --url URL --key KEY [--protocol VERSION] list-tools
    python e2e/mcp_call.py --url URL --key KEY [--protocol VERSION] call TOOL '{"arg": "value"}'

`--key` is sent as `Authorization: Bearer KEY` on every HTTP request. `--protocol`:
`auto` (default: the SDK probes `server/discover` at 2026-07-28 and falls back to the
initialize handshake), `2026-07-28` (stateless, no probe), or a handshake-era version
(`2025-11-25`, `2025-06-18`, `2025-03-26`, `2024-11-05`: the initialize handshake offering
exactly that version). Prints the result, or the error with the HTTP status that carried it.
Exit status: 0 success, 1 the server or Wicket refused (JSON-RPC error or tool error),
2 could not connect or bad usage.

Library: `call_tool`, `list_tools`, `open_client` (async), `call_tool_sync`, `list_tools_sync`,
`raw_post` and `stateless_request` (one hand-built HTTP request, no SDK) for the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import sys
import time
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS

MODERN = "2026-07-28"
ALL_PROTOCOLS = ("auto", *HANDSHAKE_PROTOCOL_VERSIONS, *MODERN_PROTOCOL_VERSIONS)


@dataclass
class HttpExchange:
    """One HTTP response the client received (recorded when its headers arrive)."""

    method: str
    status: int
    mcp_method: str | None
    content_type: str | None
    at: float


@dataclass
class Outcome:
    """What one MCP operation produced, as the tests and the CLI need it."""

    ok: bool
    protocol: str | None = None
    result: Any = None
    text: str = ""
    is_error: bool = False
    error_code: int | None = None
    error_message: str | None = None
    exception: str | None = None
    exchanges: list[HttpExchange] = field(default_factory=list)
    progress: list[tuple[float, float, str | None]] = field(default_factory=list)
    started_at: float = 0.0
    finished_at: float = 0.0

    def to_json(self) -> str:
        """JSON form (the `--json` CLI output), readable back with `Outcome.from_json`."""
        d = {k: v for k, v in self.__dict__.items() if k not in ("result", "exchanges")}
        d["result"] = self.result if isinstance(self.result, (list, str, type(None))) else self.text
        d["exchanges"] = [e.__dict__ for e in self.exchanges]
        return json.dumps(d)

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        d = json.loads(text)
        d["exchanges"] = [HttpExchange(**e) for e in d.get("exchanges", [])]
        d["progress"] = [tuple(p) for p in d.get("progress", [])]
        return cls(**d)

    @property
    def statuses(self) -> list[int]:
        return [e.status for e in self.exchanges]

    @property
    def status(self) -> int | None:
        """The HTTP status that carried the answer: on failure the last non-2xx response (a refused
        `server/discover` probe the client recovered from does not count), else the last response."""
        if not self.ok:
            for e in reversed(self.exchanges):
                if e.status >= 300:
                    return e.status
        return self.exchanges[-1].status if self.exchanges else None


def _session_factory(protocol: str):
    """Return a `Client._build_session` replacement whose initialize offers exactly `protocol`."""

    async def pinned_initialize(session: ClientSession) -> types.InitializeResult:
        # Same as ClientSession.initialize (SDK 2.3.0), which always offers LATEST_HANDSHAKE_VERSION.
        if session._initialize_result is not None:  # noqa: SLF001
            return session._initialize_result  # noqa: SLF001
        result = await session.send_request(
            types.InitializeRequest(
                params=types.InitializeRequestParams(
                    protocol_version=protocol,
                    capabilities=session._build_capabilities(protocol),  # noqa: SLF001
                    client_info=session._client_info,  # noqa: SLF001
                ),
            ),
            types.InitializeResult,
        )
        if result.protocol_version not in HANDSHAKE_PROTOCOL_VERSIONS:
            raise RuntimeError(f"unsupported protocol version from the server: {result.protocol_version}")
        session.adopt(result)
        await session.send_notification(types.InitializedNotification())
        return result

    return pinned_initialize


class _PinnedClient(Client):
    """`Client(mode="legacy")` whose handshake offers a chosen (possibly older) version."""

    pinned_protocol: str = "2025-11-25"

    async def _build_session(self, exit_stack):  # type: ignore[override]
        session = await super()._build_session(exit_stack)
        initialize = _session_factory(self.pinned_protocol)
        session.initialize = lambda: initialize(session)  # type: ignore[method-assign]
        return session


@asynccontextmanager
async def open_client(
    url: str,
    key: str | None,
    protocol: str | None = None,
    exchanges: list[HttpExchange] | None = None,
    timeout: float = 30.0,
    extra_headers: dict[str, str] | None = None,
) -> AsyncIterator[Client]:
    """An entered official `mcp.Client` over Streamable HTTP, sending `Authorization: Bearer key`.

    Every HTTP response is appended to `exchanges` when its headers arrive.
    """
    protocol = protocol or "auto"
    if protocol not in ALL_PROTOCOLS:
        raise ValueError(f"unknown protocol `{protocol}`; use one of {', '.join(ALL_PROTOCOLS)}")
    log = exchanges if exchanges is not None else []

    async def on_response(response: httpx2.Response) -> None:
        log.append(HttpExchange(
            method=response.request.method,
            status=response.status_code,
            mcp_method=response.request.headers.get("mcp-method"),
            content_type=response.headers.get("content-type"),
            at=time.monotonic(),
        ))

    headers = dict(extra_headers or {})
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    http = httpx2.AsyncClient(
        headers=headers,
        timeout=httpx2.Timeout(timeout, read=timeout),
        event_hooks={"response": [on_response]},
    )
    async with http:
        transport = streamable_http_client(url, http_client=http)
        if protocol in HANDSHAKE_PROTOCOL_VERSIONS:
            client: Client = _PinnedClient(transport, mode="legacy", read_timeout_seconds=timeout, cache=None)
            client.pinned_protocol = protocol  # type: ignore[attr-defined]
        else:
            client = Client(transport, mode=protocol, read_timeout_seconds=timeout, cache=None)
        async with client:
            yield client


def _first_mcp_error(exc: BaseException) -> MCPError | None:
    if isinstance(exc, MCPError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _first_mcp_error(inner)
            if found is not None:
                return found
    if exc.__cause__ is not None:
        return _first_mcp_error(exc.__cause__)
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


def _text_of(result: Any) -> str:
    content = getattr(result, "content", None)
    if content is None:
        return ""
    return "\n".join(getattr(block, "text", "") or "" for block in content)


async def _run(url: str, key: str | None, protocol: str | None, timeout: float, op,
               headers: dict[str, str] | None = None) -> Outcome:
    out = Outcome(ok=False, started_at=time.monotonic())
    try:
        async with open_client(url, key, protocol, out.exchanges, timeout, headers) as client:
            out.protocol = client.protocol_version
            await op(client, out)
    except BaseException as exc:  # noqa: BLE001 - the outcome carries every failure to the caller
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        err = _first_mcp_error(exc)
        if err is not None:
            out.error_code, out.error_message = err.code, err.message
        else:
            out.exception = _describe(exc)
        out.ok = False
    out.finished_at = time.monotonic()
    return out


async def call_tool(url: str, key: str | None, tool: str, arguments: dict[str, Any] | None = None,
                    protocol: str | None = None, timeout: float = 30.0,
                    headers: dict[str, str] | None = None) -> Outcome:
    """Connect, call one tool, disconnect (`headers` are added to every HTTP request). Progress notifications are timestamped in `progress`."""

    async def op(client: Client, out: Outcome) -> None:
        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            out.progress.append((time.monotonic(), progress, message))

        result = await client.call_tool(tool, arguments or {}, progress_callback=on_progress)
        out.result, out.text, out.is_error = result, _text_of(result), bool(result.is_error)
        out.ok = not result.is_error

    return await _run(url, key, protocol, timeout, op, headers)


async def list_tools(url: str, key: str | None, protocol: str | None = None, timeout: float = 30.0) -> Outcome:
    """Connect, list the tools, disconnect. `result` is the list of tool names."""

    async def op(client: Client, out: Outcome) -> None:
        result = await client.list_tools()
        out.result = [t.name for t in result.tools]
        out.text = "\n".join(out.result)
        out.ok = True

    return await _run(url, key, protocol, timeout, op)


def call_tool_sync(*args: Any, **kwargs: Any) -> Outcome:
    return asyncio.run(call_tool(*args, **kwargs))


def list_tools_sync(*args: Any, **kwargs: Any) -> Outcome:
    return asyncio.run(list_tools(*args, **kwargs))


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def jsonrpc_error(self) -> dict[str, Any] | None:
        """The JSON-RPC error object of a JSON body, or of the first SSE `data:` line."""
        text = self.body.decode("utf-8", "replace")
        candidates = [text] + [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
        for c in candidates:
            try:
                obj = json.loads(c)
            except ValueError:
                continue
            if isinstance(obj, dict) and isinstance(obj.get("error"), dict):
                return obj["error"]
        return None


def raw_post(url: str, body: bytes | dict[str, Any] | list[Any], headers: dict[str, str] | None = None,
             method: str = "POST", timeout: float = 30.0) -> RawResponse:
    """One plain HTTP request (stdlib only, no retries, no SDK): exactly what the test says is sent."""
    parts = urllib.parse.urlsplit(url)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        all_headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        all_headers.update(headers or {})
        conn.request(method, parts.path or "/", body=data if method not in ("GET", "DELETE") else None,
                     headers=all_headers)
        resp = conn.getresponse()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def stateless_request(url: str, key: str | None, method: str, params: dict[str, Any] | None = None,
                      request_id: int | str = 1, extra_headers: dict[str, str] | None = None,
                      timeout: float = 30.0) -> RawResponse:
    """One self-contained 2026-07-28 request, shaped as the SDK client shapes it (headers and `_meta`)."""
    params = dict(params or {})
    meta = dict(params.get("_meta") or {})
    meta.setdefault("io.modelcontextprotocol/protocolVersion", MODERN)
    meta.setdefault("io.modelcontextprotocol/clientInfo", {"name": "wicket-e2e", "version": "1"})
    meta.setdefault("io.modelcontextprotocol/clientCapabilities", {})
    params["_meta"] = meta
    headers = {"MCP-Protocol-Version": MODERN, "Mcp-Method": method}
    name = params.get("name") if method in ("tools/call", "prompts/get") else params.get("uri")
    if isinstance(name, str):
        headers["Mcp-Name"] = name
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    headers.update(extra_headers or {})
    return raw_post(url, {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params},
                    headers, timeout=timeout)


def _print_outcome(out: Outcome, as_json: bool = False) -> int:
    if as_json:
        print(out.to_json())
        return 0 if out.ok else (2 if out.exception is not None else 1)
    status = out.status
    where = f"HTTP {status}" if status is not None else "no HTTP response"
    if out.error_code is not None:
        print(f"error {out.error_code} ({where}): {out.error_message}")
        return 1
    if out.exception is not None:
        print(f"failed ({where}): {out.exception}")
        return 2
    if out.is_error:
        print(f"tool error ({where}, protocol {out.protocol}): {out.text}")
        return 1
    print(f"ok ({where}, protocol {out.protocol})")
    if out.text:
        print(out.text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Call an MCP server with the official Python MCP client.")
    parser.add_argument("--url", required=True, help="Streamable HTTP endpoint, e.g. http://127.0.0.1:8080/mcp")
    parser.add_argument("--key", help="sent as `Authorization: Bearer KEY` (a Wicket member key)")
    parser.add_argument("--protocol", default="auto", choices=ALL_PROTOCOLS)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--json", action="store_true", help="print the whole outcome as one JSON line")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list-tools")
    call = sub.add_parser("call")
    call.add_argument("tool")
    call.add_argument("arguments", nargs="?", default="{}", help="JSON object")
    args = parser.parse_args(argv)

    if args.command == "list-tools":
        return _print_outcome(list_tools_sync(args.url, args.key, args.protocol, args.timeout), args.json)
    try:
        arguments = json.loads(args.arguments)
    except ValueError as exc:
        print(f"arguments must be a JSON object: {exc}", file=sys.stderr)
        return 2
    if not isinstance(arguments, dict):
        print("arguments must be a JSON object, e.g. '{\"table\": \"prod.customer_records\"}'", file=sys.stderr)
        return 2
    return _print_outcome(call_tool_sync(args.url, args.key, args.tool, arguments, args.protocol, args.timeout),
                          args.json)


if __name__ == "__main__":
    sys.exit(main())
