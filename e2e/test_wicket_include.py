"""The operator's way: their own nginx.conf with Wicket's two includes (`wicket nginx --http-part`
in http{}, `wicket nginx` in the server{}). Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import mcp_call
import stack as st


def operator_conf(prefix: Path, port: int, stack: st.WicketStack) -> str:
    prefix.mkdir(parents=True, exist_ok=True)
    http_part = stack.wicket("nginx", "--config", str(stack.config), "--server", stack.server,
                             "--upstream", stack.demo.url, "--http-part").stdout
    server_part = stack.wicket("nginx", "--config", str(stack.config), "--server", stack.server,
                               "--upstream", stack.demo.url).stdout
    (prefix / "wicket-http.conf").write_text(http_part)
    (prefix / "wicket-server.conf").write_text(server_part)
    # Debian's nginx.conf lives next to fastcgi_params; the includes may name it relatively.
    shutil.copy("/etc/nginx/fastcgi_params", prefix / "fastcgi_params")
    return f"""# an operator's nginx.conf with Wicket's includes
user root;  # the workers must reach Wicket's socket (socket_group in production)
{st.nginx_preamble(prefix)}
    include {prefix}/wicket-http.conf;
    server {{
        listen 127.0.0.1:{port};
        location /health {{ return 200 "ok"; }}
        include {prefix}/wicket-server.conf;
    }}
}}
"""


def test_include_variant_allows_denies_and_fails_closed(wicket_stack_factory, nginx_factory) -> None:
    from test_wicket_request_path import deny_now
    stack = wicket_stack_factory(before_serve=deny_now)
    port = st.free_port()
    nginx = nginx_factory(lambda prefix: operator_conf(prefix, port, stack), port)
    cred = stack.creds[st.MEMBER]

    allowed = mcp_call.call_tool_sync(nginx.url, stack.keys[(st.MEMBER, st.AGENT)], "query", {"sql": "select 1"},
                                      "2025-11-25")
    assert allowed.ok, allowed
    assert {r["authorization"] for r in stack.demo.requests()} == {f"Bearer {cred}"}

    denied = mcp_call.call_tool_sync(nginx.url, stack.keys[(st.MEMBER, st.AGENT)], "delete_records",
                                     {"table": "prod.customer_records"}, "2026-07-28")
    assert denied.status == 403 and "release-window" in (denied.error_message or "").lower(), denied
    assert stack.demo.tool_calls("delete_records") == []

    stack.stop_serve(signal.SIGKILL)
    stack.demo.reset()
    resp = mcp_call.stateless_request(nginx.url, stack.keys[(st.MEMBER, st.AGENT)], "tools/call",
                                      {"name": "query", "arguments": {"sql": "select 1"}})
    assert resp.status == 503 and resp.jsonrpc_error is not None, resp
    assert stack.demo.count == 0
