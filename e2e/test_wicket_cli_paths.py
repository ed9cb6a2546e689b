"""Paths as users type them: `wicket init` in a relative folder prints commands that work as printed,
from the same working directory and from inside the folder; every path in wicket.toml resolves
against the config file's real folder; the generated wicket.toml points at a reference that exists
and names every key it writes. Needs $WICKET_BIN (fails without it)."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import stack as st

FOLDER = "w2"


def run(argv: list[str] | str, cwd: Path, shell: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, shell=shell)


def init_relative(workdir: Path) -> tuple[Path, list[str]]:
    binary = str(st.wicket_bin().resolve())
    out = run([binary, "init", FOLDER, "--upstream", "http://127.0.0.1:9/mcp", "--server", "database"], workdir)
    assert out.returncode == 0, out.stderr
    commands = [line.strip() for line in out.stdout.splitlines() if line.startswith("  ")]
    assert any(" serve " in c for c in commands) and any(" nginx " in c for c in commands), out.stdout
    return workdir / FOLDER, commands


def test_printed_commands_work_from_the_same_directory_and_from_inside_the_folder(workdir: Path, procs) -> None:
    folder, commands = init_relative(workdir)
    socket = (folder / "run" / "wicket.sock").resolve()
    serve = next(c for c in commands if " serve " in c)
    for n, cwd in enumerate((workdir, folder)):
        # serve: the socket appears where the config says, relative to the config, not to the cwd.
        proc = procs.start(f"serve{n}", ["sh", "-c", "exec " + serve], cwd=cwd)
        st.wait_until(lambda: st.unix_socket_accepts(socket), 30, f"the socket {socket} (cwd {cwd})", proc)
        proc.stop()
        for command in commands:
            if command is serve:
                continue
            out = run(command, cwd, shell=True)
            assert out.returncode == 0, f"`{command}` from {cwd}: {out.stderr}"
            if " nginx " in command:
                # The socket is the http part's upstream; the server part passes to that upstream.
                expected = f"server unix:{socket};" if "--http-part" in command else "fastcgi_pass wicket_fastcgi;"
                assert expected in out.stdout, out.stdout


def test_relative_config_paths_resolve_against_the_real_folder_of_the_file(workdir: Path) -> None:
    folder, _ = init_relative(workdir)
    binary = str(st.wicket_bin().resolve())
    socket = folder.resolve() / "run" / "wicket.sock"
    link = workdir / "link"
    link.symlink_to(folder.resolve(), target_is_directory=True)
    for cwd, config in ((workdir, f"{FOLDER}/wicket.toml"), (folder, "wicket.toml"), (folder, "./wicket.toml"),
                        (workdir, "link/wicket.toml"), (Path("/"), str(link / "wicket.toml"))):
        out = run([binary, "nginx", "--config", config, "--server", "database", "--http-part"], cwd)
        assert out.returncode == 0, f"--config {config} from {cwd}: {out.stderr}"
        assert f"server unix:{socket};" in out.stdout, (config, cwd, out.stdout[:400])
    # A tenant command reads and writes the data folder next to the config, whatever the cwd.
    out = run([binary, "keys", "issue", "--config", f"{FOLDER}/wicket.toml", "--tenant", "acme",
               "--member", "alex@company.com", "--agent", "a"], workdir)
    assert out.returncode == 0, out.stderr
    assert (folder / "data" / "tenants" / "acme" / "keys.sqlite").is_file()
    assert not (workdir / "data").exists()


def test_generated_config_points_at_a_reference_that_names_every_key(workdir: Path) -> None:
    folder, _ = init_relative(workdir)
    text = (folder / "wicket.toml").read_text()
    refs = re.findall(r"docs/[\w.-]+\.md", text)
    assert refs, "wicket.toml should point at its reference"
    for ref in refs:
        doc = st.REPO / ref
        assert doc.is_file(), f"wicket.toml points at {ref}, which does not exist"
    reference = (st.REPO / refs[0]).read_text()
    conf = tomllib.loads(text)
    keys = [f"server.{k}" for k in conf["server"]]
    keys += [f"tenant.{k}" for t in conf["tenant"] for k in t]
    keys += [f"upstream.{k}" for u in conf["upstream"] for k in u]
    missing = [k for k in keys if f"`{k}`" not in reference]
    assert missing == [], f"{refs[0]} does not document {missing}"
