"""deploy/ (systemd unit, Dockerfile, compose, settings) and docs/DEPLOY.md's advice, checked against a
real ``flowengine serve``: the proxy's origin, metrics permissions, backup and restore of a user dir."""

from __future__ import annotations

import configparser
import json
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import httpx
import pytest
import yaml
from serve_process import free_port

from flowengine import healthcheck
from flowengine.cli import _parser
from flowengine.server import hash_password
from flowengine.server.serve import SHUTDOWN_MARGIN_S, WATCHDOG_GRACE_S
from flowengine.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRET = "0123456789abcdef" * 4
PUBLIC = "https://flows.example.com"
OFFLINE = ("No matching distribution", "Could not find a version", "NewConnectionError", "Temporary failure in name")
PROXIED = {"Host": "flows.example.com", "X-Forwarded-Proto": "https", "Origin": PUBLIC}


def test_the_unit_runs_commands_that_exist():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(DEPLOY / "flowengine.service")
    start = shlex.split(unit["Service"]["ExecStart"])
    assert start[0].endswith("/flowengine")
    args = _parser().parse_args(start[1:])
    assert (args.command, args.user_dir, args.host, args.log_format) == ("serve", "/var/lib/flowengine",
                                                                         "127.0.0.1", "json")
    post = shlex.split(unit["Service"]["ExecStartPost"])
    assert post[1:3] == ["-m", "flowengine.healthcheck"] and post[-1].endswith("/healthz")
    assert int(unit["Service"]["TimeoutStopSec"]) > _stop_bound_s()


def _stop_bound_s() -> float:
    """The longest a SIGTERM takes with the default settings: drain, close the nodes, the margin, the watchdog."""
    defaults = Settings()
    return (defaults.shutdownDrainTimeout + defaults.nodeCloseTimeout) / 1000 + SHUTDOWN_MARGIN_S + WATCHDOG_GRACE_S


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_unit_passes_systemd_analyze_verify(tmp_path):
    """``systemd-analyze verify`` on the unit, its /opt/flowengine/venv pointed at this venv (the one
    thing the check needs to exist on this machine)."""
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "flowengine").exists():
        pytest.skip(f"no flowengine script in {bin_dir}")
    unit = tmp_path / "flowengine.service"
    unit.write_text((DEPLOY / "flowengine.service").read_text().replace("/opt/flowengine/venv/bin", str(bin_dir)))
    checked = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "flowengine.service" not in checked.stderr, checked.stderr  # no warning about the unit either


def _copied_by_the_image() -> list[str]:
    """The sources of the Dockerfile's COPY lines (relative to the build context, the repository)."""
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    return [src for line in lines if line.startswith("COPY ") for src in shlex.split(line)[1:-1]]


@pytest.mark.integration
def test_the_image_builds_the_package_from_what_it_copies(tmp_path):
    """The Dockerfile's ``pip install .`` runs in a folder holding only what its COPY lines copy: built
    from the same set here, the wheel has the nodes and the editor inside ``flowengine``."""
    source = tmp_path / "src"
    source.mkdir()
    for name in _copied_by_the_image():
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, source / name)
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
    if built.returncode != 0 and any(s in built.stdout + built.stderr for s in OFFLINE):
        pytest.skip("building needs setuptools from a package index: " + built.stderr.strip()[-200:])
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = sorted((tmp_path / "dist").glob("flowengine-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"flowengine/cli.py", "flowengine/nodes/core/inject.py", "flowengine/editor/index.html"} <= set(names)
    assert not [n for n in names if n.startswith(("nodes/", "editor/"))]


def test_the_image_and_compose_file():
    text = (DEPLOY / "Dockerfile").read_text()
    cmd = json.loads(next(line for line in text.splitlines() if line.startswith("CMD "))[4:])
    args = _parser().parse_args(cmd[1:])
    assert (args.command, args.user_dir, args.port) == ("serve", "/data", 1880)
    assert '"flowengine.healthcheck", "http://127.0.0.1:1880/healthz"' in text
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["flowengine"]
    assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert service["ports"] == ["127.0.0.1:1880:1880"] and "FLOWENGINE_SECRET" in service["environment"]
    assert int(str(service["stop_grace_period"]).rstrip("s")) > _stop_bound_s()
    assert "reverse_proxy flowengine:1880" in (DEPLOY / "Caddyfile").read_text()


def _settings_text() -> str:
    """deploy/settings.toml with real password hashes (admin/secret, prometheus/scrape)."""
    text = (DEPLOY / "settings.toml").read_text()
    placeholder = '"$2b$12$replace.with.the.output.of.flowengine.hash-password......"'
    assert text.count(placeholder) == 2
    text = text.replace(placeholder, json.dumps(hash_password("secret", rounds=4)), 1)
    return text.replace(placeholder, json.dumps(hash_password("scrape", rounds=4)), 1)


def test_the_sample_settings_read_the_secret_from_the_environment(tmp_path, monkeypatch):
    (tmp_path / "settings.toml").write_text(_settings_text())
    monkeypatch.delenv("FLOWENGINE_SECRET", raising=False)
    with pytest.raises(Exception, match=r"credentialSecret is \$\{FLOWENGINE_SECRET\}"):
        Settings.load(user_dir=tmp_path)
    monkeypatch.setenv("FLOWENGINE_SECRET", SECRET)
    settings = Settings.load(user_dir=tmp_path)
    assert settings.credentialSecret == SECRET and settings.extra["httpAdminCors"] == {"origin": PUBLIC}


def test_healthcheck_without_a_server(capsys):
    assert healthcheck.main([f"http://127.0.0.1:{free_port()}/healthz"]) == 1
    assert "no answer from" in capsys.readouterr().out


class Served:
    def __init__(self, user_dir: Path, secret: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = user_dir / "serve.log"
        env = {"PATH": "/usr/bin:/bin", "FLOWENGINE_SECRET": secret, "HOME": str(user_dir)}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flowengine", "serve", "--user-dir", str(user_dir), "--host", "127.0.0.1",
                 "--port", str(self.port)], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env)

    def wait(self) -> int:
        """Wait for /healthz through the healthcheck module (as the unit's ExecStartPost); its exit code."""
        deadline = time.monotonic() + 30
        while self.proc.poll() is None and time.monotonic() < deadline:
            if healthcheck.check(f"{self.base}/healthz", timeout=1)[0]:
                return 0
            time.sleep(0.1)
        return self.proc.poll() if self.proc.poll() is not None else -1

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


def _token(base: str, user: str, password: str) -> str:
    r = httpx.post(f"{base}/auth/token", headers=PROXIED, data={
        "client_id": "node-red-editor", "grant_type": "password", "scope": "*", "username": user,
        "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.mark.integration
def test_behind_a_proxy_then_backed_up_and_restored(tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    (live / "settings.toml").write_text(_settings_text())
    served = Served(live, SECRET)
    try:
        assert served.wait() == 0, served.log.read_text()
        admin = {**PROXIED, "Authorization": f"Bearer {_token(served.base, 'admin', 'secret')}"}
        flows = [{"id": "t", "type": "tab", "label": "main"},
                 {"id": "cfg", "type": "openai-config", "name": "main", "credentials": {"api_key": "sk-kept"}}]
        r = httpx.post(f"{served.base}/flows", json=flows, headers=admin)
        assert r.status_code == 204, r.text  # Node-RED's answer to a v1 deploy
        evil = {**admin, "Host": "evil.example", "Origin": "https://evil.example"}
        refused = httpx.post(f"{served.base}/flows", json=flows, headers=evil)
        assert refused.status_code == 403, refused.text
        scraper = {"Authorization": f"Bearer {_token(served.base, 'prometheus', 'scrape')}"}
        assert httpx.get(f"{served.base}/metrics", headers=scraper).status_code == 200
        assert httpx.get(f"{served.base}/metrics").status_code == 401
        assert httpx.post(f"{served.base}/flows", json=flows, headers={**PROXIED, **scraper}).status_code == 401
        assert healthcheck.main([f"{served.base}/readyz"]) == 0
    finally:
        assert served.stop() == 0, served.log.read_text()
    assert "sk-kept" not in (live / "flows_cred.json").read_text()
    archive = tmp_path / "backup.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(live, arcname="flowengine")
    for attempt, secret in (("wrong", "f" * 64), ("restored", SECRET)):
        target = tmp_path / attempt
        target.mkdir()
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
        user_dir = target / "flowengine"
        before = (user_dir / "flows_cred.json").read_bytes()
        restored = Served(user_dir, secret)
        try:
            code = restored.wait()
            if attempt == "wrong":
                assert code == 1
                assert "cannot be decrypted with the configured credentialSecret" in restored.log.read_text()
                assert (user_dir / "flows_cred.json").read_bytes() == before
                continue
            assert code == 0, restored.log.read_text()
            admin = {"Authorization": f"Bearer {_token(restored.base, 'admin', 'secret')}", **PROXIED}
            creds = httpx.get(f"{restored.base}/credentials/openai-config/cfg", headers=admin)
            assert creds.json() == {"has_api_key": True, "has_admin_key": False}
            assert [n["id"] for n in httpx.get(f"{restored.base}/flows", headers=admin).json()] == ["t", "cfg"]
        finally:
            if restored.proc.poll() is None:
                assert restored.stop() == 0, restored.log.read_text()
