"""Scheduled operation with a real Prefect server (issue 6).

- ``curate serve --interval 5`` against a ``prefect server start`` started here, on a free
  loopback port with its own PREFECT_HOME: at least two completed flow runs, named after their
  date and number of new files, with their artifacts readable through the API; stopping
  ``curate serve`` pauses the schedule.
- The progress artifact moves batch by batch, not only per stage.
- ``prefect.yaml`` (work-pool deployments) points at the real flow with valid parameters.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flows.settings import RunSettings
from tests.support.data import ROOT, SAMPLES

SERVER_START_TIMEOUT = 90.0
RUNS_TIMEOUT = 150.0
RUN_NAME = re.compile(r"^curate \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, (\d+) new file\(s\)$")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20.0) -> int | None:
    """Stop a process we started (its own process group), escalating to SIGKILL."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        os.killpg(proc.pid, sig)
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait(timeout=10)
    except ProcessLookupError:
        return proc.poll()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _tail(path: Path, n: int = 3000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else "(no log)"


@pytest.fixture()
def prefect_api(tmp_path: Path) -> Iterator[str]:
    """A real ``prefect server start`` (UI included, analytics off) on a free loopback port."""
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "server-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"prefect server exited with {proc.returncode}:\n{_tail(log)}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"prefect server not up after {SERVER_START_TIMEOUT:.0f}s:\n{_tail(log)}")
            time.sleep(0.5)
        yield url
    finally:
        _stop(proc)


def _completed_runs(client: Any, deployment_id: Any) -> list[Any]:
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))),
        sort=FlowRunSort.START_TIME_ASC,
    )


def _artifacts(client: Any, flow_run_id: Any) -> dict[str, Any]:
    """The run's artifacts by key (tables decoded from their JSON)."""
    return {a.key: json.loads(a.data) if a.type == "table" and isinstance(a.data, str) else a.data
            for a in _artifact_list(client, flow_run_id)}


def test_served_deployment_runs_on_its_schedule(prefect_api: str, tmp_path: Path) -> None:
    from prefect.client.orchestration import SyncPrefectClient

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    shutil.copytree(SAMPLES, raw / "samples")
    # The web UI of `make ui` is served by the same process.
    assert "<html" in httpx.get(prefect_api.removesuffix("/api") + "/", timeout=10).text.lower()

    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "PREFECT_HOME": str(tmp_path / "client-home"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "serve", "--raw", str(raw), "--curated", str(curated),
             "--interval", "5", "--workers", "1", "--name", "test-every-5s"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            # Ctrl-C as in a terminal, even when these tests were started with SIGINT ignored
            # (a background job of a non-interactive shell): ignoring is inherited, and a
            # Python started that way never raises KeyboardInterrupt.
            preexec_fn=_default_sigint)
    try:
        with SyncPrefectClient(prefect_api) as client:
            deadline = time.monotonic() + RUNS_TIMEOUT
            deployment = None
            runs: list[Any] = []
            while len(runs) < 2:
                if serve.poll() is not None:
                    pytest.fail(f"curate serve exited with {serve.returncode}:\n{_tail(log)}")
                if time.monotonic() > deadline:
                    pytest.fail(f"{len(runs)} completed run(s) after {RUNS_TIMEOUT:.0f}s:\n{_tail(log)}")
                time.sleep(1)
                if deployment is None:
                    try:
                        deployment = client.read_deployment_by_name("curate-news/test-every-5s")
                    except Exception:  # not registered yet
                        continue
                runs = _completed_runs(client, deployment.id)

            # The deployment carries the schedule and the run parameters given on the command line.
            settings = deployment.parameters["settings"]
            assert settings["raw_dir"] == str(raw)
            assert settings["curated_dir"] == str(curated)
            assert settings["parallel"] is False
            (schedule,) = client.read_deployment_schedules(deployment.id)
            assert schedule.schedule.interval.total_seconds() == 5 and schedule.active

            # Flow-run names say the date and the number of new files: 2, then 0.
            names = [RUN_NAME.match(r.name) for r in runs[:2]]
            assert all(names), [r.name for r in runs[:2]]
            assert [int(m.group(1)) for m in names if m] == [2, 0]

            first, second = (_artifacts(client, r.id) for r in runs[:2])
            for name in ("samples/000_5579c1d2ab6f9191.txt", "samples/004_8ee08c2d1de8db32.txt"):
                assert f"| `{name}` | txt | 1 | 1 | 0 |" in first["curation-run-summary"]
            assert "## Seconds per stage" in first["curation-run-summary"]
            assert "fingerprint" in first["curation-run-summary"]
            assert first["curation-progress"] == 100.0
            assert isinstance(first["curation-duplicate-clusters"], list) and first["curation-duplicate-clusters"]
            assert "No new raw file" in second["curation-run-summary"]
            assert second["curation-duplicate-clusters"][0]["title"] == "no new file in this run"

        # What the runs wrote: the two seeds once, one manifest per completed run.
        assert len(list((curated / "_runs").glob("*.json"))) >= 2
        # Stopping `curate serve` (Ctrl-C) pauses the schedule so no run piles up meanwhile.
        assert _stop(serve, signal.SIGINT, timeout=30) is not None
        with SyncPrefectClient(prefect_api) as client:
            assert client.read_deployment(deployment.id).paused, f"stopping curate serve must pause it\n{_tail(log)}"
    finally:
        _stop(serve)


@pytest.mark.usefixtures("prefect_server")
def test_progress_moves_per_batch_and_summary_tells_what_was_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.orchestration import get_client

    import flows.curate as curate
    import flows.report as report

    seen: list[tuple[float, str | None]] = []
    real_update = report.update_progress_artifact

    def spy(artifact_id: Any, progress: float, description: str | None = None, **kw: Any) -> Any:
        seen.append((progress, description))
        return real_update(artifact_id, progress, description=description, **kw)

    monkeypatch.setattr(report, "update_progress_artifact", spy)
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw / "samples")
    (raw / "feed.jsonl").write_text('{"id": "no-text-1", "title": "Empty"}\n', encoding="utf-8")
    # Two readable records, one per batch: the bar must move batch by batch.
    state = curate.curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(tmp_path / "curated"),
                                           batch_size=1, parallel=False), return_state=True)
    summary = state.result()
    assert (summary["rows_written"], summary["rows_quarantined"]) == (2, 1)
    values = [v for v, _ in seen]
    assert values == sorted(values) and values[-1] == 100.0
    assert any(10 < v < 85 for v in values), values  # first of two batches done
    assert any(d and "clean and fingerprint: 1/2 batch(es) done" in d for _, d in seen), seen

    with get_client(sync_client=True) as client:
        arts = {a.key: a for a in _artifact_list(client, state.state_details.flow_run_id)}
    assert arts["curation-progress"].data == 100.0
    md = arts["curation-run-summary"].data
    assert "1 × read: missing text" in md  # quarantined, with the reason
    assert "| promo | 1 |" in md and "| shortcode | 1 |" in md  # edits by kind
    assert "Énurésie : Des astuces pour faire face au pipi au lit" in md  # the removed promo
    assert "| `feed.jsonl` | jsonl | 1 | 0 | 1 |" in md
    assert re.search(r"\| fingerprint_tasks \| \d+\.\d\d \|", md)  # seconds per stage


def _artifact_list(client: Any, flow_run_id: Any) -> list[Any]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    return client.read_artifacts(
        artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))


def test_prefect_yaml_deploys_the_real_flow() -> None:
    yaml = pytest.importorskip("yaml")
    import inspect

    from flows.curate import curate_flow

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    (dep,) = spec["deployments"]
    path, _, name = dep["entrypoint"].partition(":")
    assert (ROOT / path).is_file() and name == "curate_flow"
    assert set(inspect.signature(curate_flow.fn).parameters) == {"settings"}
    RunSettings.model_validate(dep["parameters"]["settings"])  # every key known, every value valid
    assert dep["work_pool"]["name"] and dep["schedules"][0]["cron"]


def test_serve_refuses_without_a_server_and_with_a_bad_schedule(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")  # a fresh profile: no API configured
    done = subprocess.run([sys.executable, "-m", "flows.cli", "serve", "--interval", "5"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "needs a Prefect server" in done.stderr and "PREFECT_API_URL" in done.stderr

    from flows.cli import main

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # never contacted
    assert main(["serve", "--cron", "every hour please"]) == 1
    assert main(["serve", "--interval", "0"]) == 1
