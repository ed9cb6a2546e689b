"""The Debian package, installed into a throwaway Debian 12 root (debootstrap, cached).

Run by `make test-deb` (part of `make test`) with WICKET_DEB_BIN set to a wicket binary that links
the Swift runtime statically (`swift build --static-swift-stdlib`); `make deb` packages the release
build the same way. The root holds only Debian 12's minimal base, systemd and the package's own
Depends, so `wicket init` in postinst proves the Depends are complete.

Checks: the file name and Depends; lintian reports no errors; postinst creates the user, the data
folder and /etc/wicket where the unit expects them; `systemd-analyze verify` accepts the unit; the
snippets match what `wicket nginx` renders from the installed config and pass `nginx -t`; the
service user can start `wicket serve` in the root (socket wicket:www-data 0660); an upgrade and a
reinstall keep the operator's /etc/wicket; purge removes /etc/wicket and keeps the data; without
/proc postinst fails loudly.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BUILD = REPO / ".build" / "deb-test"
SUITE = "bookworm"
TOOLS = ["dpkg-deb", "dpkg-shlibdeps", "lintian", "debootstrap", "systemd-analyze", "nginx"]


def run(*args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def in_root(root: Path, *args: str) -> list[str]:
    """`chroot ROOT ARGS` with /proc mounted in a private mount namespace (gone with the process),
    as every real system and image builder has it: the Swift runtime reads its arguments there."""
    script = 'mount -t proc proc "$0/proc" && exec chroot "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(root), *args]


def chroot(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive"}
    return run(*in_root(root, str(root), *args), check=check, env=env)


def field(control: str, name: str) -> str:
    match = re.search(rf"^{name}: (.*)$", control, re.M)
    assert match, f"no {name} in control:\n{control}"
    return match.group(1)


def host_mirror() -> str | None:
    """The host's own Debian mirror (apt sources), so the test uses what apt uses."""
    for path in [Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list")]:
        if path.exists():
            for line in path.read_text().splitlines():
                m = re.match(r"^\s*URIs:\s*(\S+)", line) or re.match(r"^\s*deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+" + SUITE + r"\s", line)
                if m and "security" not in m.group(1):
                    return m.group(1)
    return None


def base_root(packages: list[str]) -> Path:
    """A pristine Debian 12 minbase root with `packages`, made once per package list and kept."""
    key = hashlib.sha256(",".join(sorted(packages)).encode()).hexdigest()[:12]
    root = BUILD / f"{SUITE}-{key}"
    if (root / ".complete").exists():
        return root
    BUILD.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{SUITE}-partial-", dir=BUILD))
    args = ["debootstrap", "--variant=minbase", f"--include={','.join(sorted(packages))}", SUITE, str(partial)]
    mirror = host_mirror()
    if mirror:
        args.append(mirror)
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (partial / "debootstrap" / "debootstrap.log")
        log = tail.read_text()[-3000:] if tail.exists() else proc.stdout[-3000:]
        shutil.rmtree(partial, ignore_errors=True)
        raise AssertionError(f"debootstrap failed ({proc.returncode}): {proc.stderr}\n{log}")
    partial.chmod(0o755)  # mkdtemp made it 0700; a real / is 0755
    (partial / ".complete").touch()
    partial.rename(root)
    return root


@pytest.fixture(scope="module")
def deb() -> Path:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing, f"missing {missing}: `make deps` installs them"
    binary = os.environ.get("WICKET_DEB_BIN")
    assert binary and Path(binary).exists(), "set WICKET_DEB_BIN to a wicket built with --static-swift-stdlib (make test-deb)"
    out = BUILD / "out"
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, DEB_COMPRESS="gzip")  # the package's contents are under test, not xz
    path = Path(run(str(REPO / "packaging/debian/build-deb.sh"), binary, str(out), env=env).stdout.strip())
    version = (REPO / "VERSION").read_text().strip()
    assert path.name == f"wicket_{version}-1_amd64.deb"
    return path


@pytest.fixture(scope="module")
def control(deb: Path) -> str:
    return run("dpkg-deb", "--field", str(deb)).stdout


@pytest.fixture(scope="module")
def root(deb: Path, control: str, tmp_path_factory) -> Path:
    """A copy of the base root with the package installed by dpkg inside it (maintainer scripts
    run chrooted, without a running systemd)."""
    depends = [alt.split("|")[0].split("(")[0].strip() for alt in field(control, "Depends").split(",")]
    base = base_root(sorted(set(depends) | {"systemd"}))
    root = tmp_path_factory.mktemp("debroot") / "root"
    run("cp", "-a", str(base), str(root))
    root.chmod(0o755)
    shutil.copy(deb, root / "tmp" / deb.name)
    install = chroot(root, "dpkg", "-i", f"/tmp/{deb.name}")
    assert "wrote an example configuration to /etc/wicket" in install.stdout
    yield root
    shutil.rmtree(root, ignore_errors=True)


def unit(root: Path) -> str:
    return (root / "lib/systemd/system/wicket.service").read_text()


def unit_value(text: str, key: str) -> str:
    match = re.search(rf"^{key}=(.*)$", text, re.M)
    assert match, f"the unit has no {key}="
    return match.group(1)


def config_value(text: str, key: str) -> str:
    match = re.search(rf'^{key} = "([^"]*)"', text, re.M)
    assert match, f"wicket.toml has no {key}"
    return match.group(1)


def test_depends_come_from_the_binary_and_name_no_swift_runtime(deb: Path, control: str):
    depends = field(control, "Depends")
    for package in ["adduser", "procps", "libc6", "libsqlite3-0", "libmaxminddb0"]:
        assert re.search(rf"(^|, ){re.escape(package)}\b", depends), f"{package} missing from Depends: {depends}"
    # Wicket speaks FastCGI itself (Sources/WicketFastCGI): libfcgi is not linked.
    assert "libfcgi" not in depends, depends
    needed = run("readelf", "-d", str(BUILD / "out/work/stage/usr/bin/wicket")).stdout
    assert "libswiftCore" not in needed and "libFoundation" not in needed, needed
    contents = run("dpkg-deb", "--contents", str(deb)).stdout
    assert all(line.split()[1] == "root/root" for line in contents.splitlines()), contents
    assert re.search(r"^-rwxr-xr-x root/root .* \./usr/bin/wicket$", contents, re.M), contents
    assert run("dpkg-deb", "--ctrl-tarfile", str(deb)).returncode == 0
    conffiles = run("dpkg-deb", "--info", str(deb), "conffiles").stdout.split()
    assert conffiles == ["/etc/nginx/snippets/wicket-database.conf", "/etc/nginx/snippets/wicket-http.conf"]


def test_lintian_reports_no_errors(deb: Path):
    proc = run("lintian", "--fail-on", "error", "--tag-display-limit", "0", str(deb), check=False)
    errors = [line for line in proc.stdout.splitlines() if line.startswith("E:")]
    assert proc.returncode == 0 and not errors, proc.stdout + proc.stderr
    # The warnings that remain are listed in docs/operations.md; print them for the log.
    print(proc.stdout)


def test_files_are_where_the_unit_expects_them(root: Path):
    text = unit(root)
    exec_start = unit_value(text, "ExecStart").split()
    binary = root / exec_start[0].lstrip("/")
    assert binary.is_file() and os.access(binary, os.X_OK)
    config_path = exec_start[exec_start.index("--config") + 1]
    config = (root / config_path.lstrip("/")).read_text()
    # RuntimeDirectory= holds the socket, StateDirectory= the data, ConfigurationDirectory= the config.
    assert config_value(config, "socket") == f"/run/{unit_value(text, 'RuntimeDirectory')}/wicket.sock"
    assert config_value(config, "data_dir") == f"/var/lib/{unit_value(text, 'StateDirectory')}"
    assert config_path.startswith(f"/etc/{unit_value(text, 'ConfigurationDirectory')}/")
    assert config_value(config, "socket_group") == unit_value(text, "SupplementaryGroups")
    # The user, in nginx's group, and its private data folder.
    passwd = {line.split(":")[0]: line.split(":") for line in (root / "etc/passwd").read_text().splitlines()}
    groups = {line.split(":")[0]: line.split(":") for line in (root / "etc/group").read_text().splitlines()}
    user = unit_value(text, "User")
    assert user in passwd and "wicket" in groups["www-data"][3].split(",")
    state = (root / "var/lib/wicket").stat()
    assert (state.st_uid, state.st_mode & 0o777) == (int(passwd[user][2]), 0o700)
    # Nothing of the example's relative layout was left in /etc/wicket.
    assert sorted(p.name for p in (root / "etc/wicket").iterdir()) == ["tenants", "wicket.toml"]
    # dpkg's own view: enabled for boot even though no systemd runs in the chroot.
    assert (root / "etc/systemd/system/multi-user.target.wants/wicket.service").is_symlink()


def test_systemd_analyze_verify_accepts_the_unit(root: Path):
    proc = run("systemd-analyze", f"--root={root}", "verify", "--man=no", "wicket.service", check=False)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stdout + proc.stderr


def test_snippets_match_the_renderer_and_pass_nginx_t(root: Path, tmp_path: Path):
    rendered = chroot(root, "wicket", "nginx", "--config", "/etc/wicket/wicket.toml", "--server", "database").stdout
    snippet = (root / "etc/nginx/snippets/wicket-database.conf").read_text()
    assert snippet == rendered
    # The server part passes to the http part's upstream, which names the socket and keeps connections.
    assert "fastcgi_pass wicket_fastcgi;" in snippet and "fastcgi_keep_conn on;" in snippet
    http_part = (root / "etc/nginx/snippets/wicket-http.conf").read_text()
    assert http_part == chroot(root, "wicket", "nginx", "--config", "/etc/wicket/wicket.toml", "--server", "database", "--http-part").stdout
    assert "server unix:/run/wicket/wicket.sock;" in http_part and "keepalive 64;" in http_part
    shutil.copy("/etc/nginx/fastcgi_params", tmp_path / "fastcgi_params")
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
pid {tmp_path}/nginx.pid;
error_log stderr;
events {{}}
http {{
    include {root}/etc/nginx/snippets/wicket-http.conf;
    client_body_temp_path {tmp_path}/body; fastcgi_temp_path {tmp_path}/fcgi; proxy_temp_path {tmp_path}/proxy;
    uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    server {{
        listen 127.0.0.1:1;
        include {root}/etc/nginx/snippets/wicket-database.conf;
    }}
}}
""")
    proc = run("nginx", "-t", "-p", str(tmp_path), "-c", str(conf), check=False)
    assert proc.returncode == 0, proc.stderr


def test_service_user_serves_from_the_package_layout(root: Path):
    passwd = {line.split(":")[0]: line.split(":") for line in (root / "etc/passwd").read_text().splitlines()}
    groups = {line.split(":")[0]: line.split(":") for line in (root / "etc/group").read_text().splitlines()}
    uid, gid, www = int(passwd["wicket"][2]), int(passwd["wicket"][3]), int(groups["www-data"][2])
    # What systemd's RuntimeDirectory=wicket makes before ExecStart.
    runtime = root / "run/wicket"
    runtime.mkdir(mode=0o755)
    os.chown(runtime, uid, gid)
    proc = subprocess.Popen(
        in_root(root, f"--userspec={uid}:{gid}", f"--groups={www}", str(root),
                "/usr/bin/wicket", "serve", "--config", "/etc/wicket/wicket.toml"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    socket = runtime / "wicket.sock"
    try:
        deadline = time.monotonic() + 60
        while not socket.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert socket.exists(), f"no socket (exit {proc.poll()}): {proc.stderr.read() if proc.poll() is not None else ''}"
        info = socket.stat()
        assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (uid, www, 0o660)
        tenant = root / "var/lib/wicket/tenants/acme"
        assert tenant.is_dir() and tenant.stat().st_uid == uid
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0, proc.stderr.read()
    assert not socket.exists()


def test_upgrade_and_reinstall_keep_the_operators_config_and_purge_keeps_the_data(root: Path, deb: Path):
    config = root / "etc/wicket/wicket.toml"
    policy = root / "etc/wicket/tenants/acme/policies/release-window.cedar"
    operator = config.read_text().replace('log_level = "info"', 'log_level = "debug"') + "# the operator's\n"
    config.write_text(operator)
    policy.write_text("// the operator's policies\n")
    # dpkg -i of an installed version runs the upgrade path (postinst configure OLD-VERSION).
    upgrade = chroot(root, "dpkg", "-i", f"/tmp/{deb.name}")
    assert "wrote an example configuration" not in upgrade.stdout
    assert config.read_text() == operator and policy.read_text() == "// the operator's policies\n"
    chroot(root, "dpkg", "--remove", "wicket")
    assert config.read_text() == operator
    assert not (root / "usr/bin/wicket").exists()
    chroot(root, "dpkg", "-i", f"/tmp/{deb.name}")
    assert config.read_text() == operator
    chroot(root, "dpkg", "--purge", "wicket")
    assert not (root / "etc/wicket").exists()
    assert not (root / "etc/nginx/snippets/wicket-database.conf").exists()
    assert (root / "var/lib/wicket/tenants/acme").is_dir()
    # A purge then a fresh install writes the example again.
    assert "wrote an example configuration" in chroot(root, "dpkg", "-i", f"/tmp/{deb.name}").stdout


def test_postinst_without_proc_fails_loudly_instead_of_leaving_no_config(root: Path, deb: Path):
    chroot(root, "dpkg", "--purge", "wicket")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
    proc = run("chroot", str(root), "dpkg", "-i", f"/tmp/{deb.name}", check=False, env=env)
    assert proc.returncode != 0
    assert "wrote nothing; mount /proc and run `dpkg --configure -a`" in proc.stderr
    # With /proc the half-configured package finishes.
    chroot(root, "dpkg", "--configure", "-a")
    assert (root / "etc/wicket/wicket.toml").exists()
