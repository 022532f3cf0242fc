"""`curate run`'s temporary Prefect API (flows/api_server.py): waiting, port clashes, failures.

The real server is started by `tests/flow/test_flow_samples.py::test_cli_run_exit_code_and_summary`
(``curate run`` without ``PREFECT_API_URL``); here stand-in processes play the server so that
each way `wait` can end is exercised in a second.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows import api_server
from flows.api_server import PORT_TAKEN, TemporaryAPI
from tests.support.data import ROOT, SAMPLES

# A stand-in server: answers 200 on /api/health, on the port given as argument.
HEALTH_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""


def _python(code: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code, *args])


def test_wait_returns_the_url_once_health_answers_and_stop_ends_the_process() -> None:
    api = TemporaryAPI()
    api.process = _python(HEALTH_SERVER, str(api.port))
    process = api.process
    try:
        assert api.wait(30) == f"http://127.0.0.1:{api.port}/api"
    finally:
        api.stop()
    assert process.poll() is not None and api.process is None
    api.stop()  # idempotent


def test_a_port_taken_meanwhile_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    api = TemporaryAPI()
    first_port = api.port
    api.process = _python(f"raise SystemExit({PORT_TAKEN})")  # what uvicorn does on a taken port
    starts: list[int] = []

    def start() -> None:
        starts.append(api.port)
        api.process = _python(HEALTH_SERVER, str(api.port))

    monkeypatch.setattr(api, "start", start)
    free_port = api_server._free_port  # another free port (not a neighbour that may be taken)
    monkeypatch.setattr("flows.api_server._free_port",
                        lambda: next(p for p in iter(free_port, None) if p != first_port))
    try:
        url = api.wait(30)
    finally:
        api.stop()
    assert starts == [api.port] and api.port != first_port
    assert url == f"http://127.0.0.1:{api.port}/api"


def test_a_server_that_exits_or_never_answers_is_a_clear_error() -> None:
    api = TemporaryAPI()
    api.process = _python("raise SystemExit(7)")
    with pytest.raises(RuntimeError, match="exited with status 7"):
        api.wait(30)
    api.process = _python("import time; time.sleep(60)")
    try:
        with pytest.raises(RuntimeError, match="did not answer within 1 s"):
            api.wait(1)
    finally:
        api.stop()


class _FakeAPI:
    """Records what `flows.cli._temporary_api` does with the server it starts."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.url = "http://127.0.0.1:1/api"

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")


def test_the_temporary_api_starts_before_prefect_and_yields_to_a_configured_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import cli

    made: list[_FakeAPI] = []
    monkeypatch.setattr(api_server, "TemporaryAPI", lambda: made.append(_FakeAPI()) or made[-1])

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert cli._temporary_api() is None and made == []  # the environment names a server

    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setattr(cli, "_api_url", lambda: None)  # nor does the profile
    api = cli._temporary_api()
    assert api is made[0] and api.calls == ["start"]

    monkeypatch.setattr(cli, "_api_url", lambda: "http://prefect.example/api")  # the profile does
    assert cli._temporary_api() is None and made[1].calls == ["start", "stop"]


def test_start_finds_prefect_without_importing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server command names Prefect's installed package folder (uvicorn's --app-dir)."""
    import prefect

    started: list[list[str]] = []
    monkeypatch.setattr(subprocess, "Popen", lambda cmd, **_options: started.append(cmd) or "process")
    api = TemporaryAPI()
    api.start()
    cmd = started[0]
    assert cmd[cmd.index("--app-dir") + 1] == str(prefect.__module_path__.parent)
    assert "prefect.server.api.server:create_app" in cmd and str(api.port) in cmd
    api.process = None


def test_client_environment_names_this_api_no_ui_and_the_client_settings() -> None:
    from flows import prefect_internals as internals

    api = TemporaryAPI()
    assert api.client_environment() == {
        "PREFECT_API_URL": f"http://127.0.0.1:{api.port}/api", "PREFECT_UI_URL": "",
        "PREFECT_API_SSL_CERT_FILE": str(internals.NO_TLS_CA_FILE)}


def test_client_environment_set_puts_the_environment_back(monkeypatch: pytest.MonkeyPatch) -> None:
    api = TemporaryAPI()
    monkeypatch.setenv("PREFECT_UI_URL", "http://ui.example")
    monkeypatch.setenv("PREFECT_API_SSL_CERT_FILE", "/the/users/own/ca.pem")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with pytest.raises(RuntimeError, match="the flow failed"), api.client_environment_set():
        assert {name: os.environ[name] for name in api.client_environment()} == api.client_environment()
        raise RuntimeError("the flow failed")
    assert os.environ["PREFECT_UI_URL"] == "http://ui.example"
    assert os.environ["PREFECT_API_SSL_CERT_FILE"] == "/the/users/own/ca.pem"
    assert "PREFECT_API_URL" not in os.environ


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_every_client_of_a_run_on_the_temporary_api_loads_the_no_tls_ca_file(tmp_path: Path) -> None:
    """The environment names a CA file that does not exist: a Prefect client that loaded it
    would fail (as the run does with a server of its own, `tests/flow/test_cli.py`). On the
    temporary API every client of the run, the pool's workers' too, loads
    `flows.prefect_internals.NO_TLS_CA_FILE` instead."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw / "samples")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PREFECT_UI"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"),
               PREFECT_API_SSL_CERT_FILE=str(tmp_path / "no-such-ca.pem"))
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--raw", str(raw), "--curated",
                           str(tmp_path / "curated"), "--workers", "2"],  # a pool, even this small
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 row(s) written" in done.stdout.strip().splitlines()[-1]
