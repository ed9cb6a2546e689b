"""Fixtures for the end-to-end suite. Every process runs in its own process group inside a
per-test temp dir and is stopped (SIGTERM, then SIGKILL of the group) when the test ends, pass or
fail; ports are picked free by the kernel. Set WICKET_E2E_KEEP=1 to keep the temp dirs.

Fixture contract
- `workdir` -> Path: a fresh 0755 temp dir (nginx workers run as `nobody` under a root master).
- `procs` -> stack.Processes: `.start(name, argv, env=)` -> Proc (logs in workdir/logs/NAME.log).
- `demo_server` -> stack.DemoServer: `.url` (http://127.0.0.1:PORT/mcp), `.stats()`, `.count`,
  `.requests()`, `.tool_calls(tool)`, `.reset()`.
- `demo_factory(env=None)` -> DemoServer: another demo server (e.g. DEMO_STRIP_ACCEL_BUFFERING=1).
- `nginx_factory(conf, port)` -> stack.Nginx: standalone nginx from `conf` (text, or a function of
  the prefix dir returning text; `-p` = a fresh prefix dir under workdir; `daemon off` and `pid` added with -g when the text has none).
- `plain_proxy(demo_server)` -> Nginx: a plain reverse proxy in front of `demo_server`.
- `wicket_stack` -> stack.WicketStack: needs $WICKET_BIN; `init DIR --upstream --server --geoip`
  -> `wicket nginx --standalone --prefix P` ->
  serve -> `keys issue` (alex@company.com / maintenance-agent) -> `creds set`; `.url`, `.keys`,
  `.creds`, `.demo`, `.call(...)`, `.audit()`, `.revoke(...)`. Fails (never skips) when the binary
  is missing or a subcommand fails.
- `wicket_stack_factory(netns=False, demo_env=None, before_serve=None, credential=None,
  init_args=None)` -> WicketStack: the same, optionally inside a private network namespace where
  the client is 203.0.113.42; `before_serve(stack)` may edit policies/entities; `init_args` are
  extra `wicket init` options (e.g. --trusted-proxy).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import stack as st


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


@pytest.fixture
def workdir(request: pytest.FixtureRequest) -> Iterator[Path]:
    path = st.make_workdir()
    yield path
    if os.environ.get("WICKET_E2E_KEEP") == "1":
        print(f"kept {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def procs(workdir: Path, request: pytest.FixtureRequest) -> Iterator[st.Processes]:
    processes = st.Processes(workdir / "logs")
    yield processes
    if _failed(request):
        print(processes.tails())
    processes.stop_all()


@pytest.fixture
def demo_factory(procs: st.Processes) -> Callable[..., st.DemoServer]:
    counter = iter(range(1000))

    def make(env: dict[str, str] | None = None) -> st.DemoServer:
        return st.start_demo_server(procs, env=env, name=f"demo{next(counter)}")

    return make


@pytest.fixture
def demo_server(demo_factory: Callable[..., st.DemoServer]) -> st.DemoServer:
    return demo_factory()


@pytest.fixture
def nginx_factory(procs: st.Processes, workdir: Path) -> Callable[..., st.Nginx]:
    counter = iter(range(1000))

    def make(conf: str | Callable[[Path], str], port: int, host: str = "127.0.0.1") -> st.Nginx:
        n = next(counter)
        prefix = workdir / f"nginx{n}"
        text = conf(prefix) if callable(conf) else conf
        return st.start_nginx(procs, prefix, text, host, port, name=f"nginx{n}")

    return make


@pytest.fixture
def plain_proxy(demo_server: st.DemoServer, nginx_factory) -> st.Nginx:
    port = st.free_port()
    return nginx_factory(lambda prefix: st.plain_proxy_conf(prefix, port, demo_server.base), port)


@pytest.fixture
def wicket_stack_factory(workdir: Path, procs: st.Processes) -> Callable[..., st.WicketStack]:
    used = []

    def make(netns: bool = False, demo_env: dict[str, str] | None = None,
             before_serve: Callable[[st.WicketStack], None] | None = None,
             credential: str | None = None, init_args: list[str] | None = None) -> st.WicketStack:
        if used:
            raise RuntimeError("one Wicket stack per test")
        used.append(True)
        problem = None
        try:
            st.wicket_bin()
        except st.StackError as exc:
            problem = str(exc)
        if problem:
            pytest.fail(problem, pytrace=False)
        ns = st.NetNamespace(procs) if netns else None
        if ns is not None:
            procs.prefix = ns.prefix
        try:
            return st.build_wicket_stack(workdir, procs, netns=ns, demo_env=demo_env,
                                         before_serve=before_serve, credential=credential,
                                         init_args=init_args)
        except st.StackError as exc:
            problem = str(exc)
        pytest.fail(problem, pytrace=False)

    return make


@pytest.fixture
def wicket_stack(wicket_stack_factory) -> st.WicketStack:
    return wicket_stack_factory()
