"""Scheduled operation with a real Prefect server (issue 6).

- ``curate serve --interval 5`` against a ``prefect server start`` started here, on a free
  loopback port with its own PREFECT_HOME: at least two completed flow runs, named after their
  date and number of new files, with their artifacts readable through the API and distinct run
  ids; stopping ``curate serve`` pauses the schedule.
- SIGTERM to ``curate serve`` during a run: it exits within a bounded wait, the deployment
  paused, the run cancelled, no late run left behind, no "never awaited" warning; the
  deployment is named after its schedule and carries no secret.
- The Prefect API refuses a run whose parameters the settings' schema refuses, before any
  flow run exists.
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

        # What the runs wrote: the two seeds once, one manifest per completed run, each run with
        # its own id (scheduled flow-run ids share their first characters).
        manifests = list((curated / "_runs").glob("*.json"))
        assert len(manifests) >= 2
        suffixes = [m.stem.rpartition("-")[2] for m in manifests]
        assert len(set(suffixes)) == len(suffixes), suffixes
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
    for bad in (["--cron", "every hour please"], ["--interval", "0"], ["--timezone", "Mars/Base"]):
        with pytest.raises(SystemExit) as info:  # a usage error, before Prefect is asked
            main(["serve", "--raw", str(tmp_path), *bad])
        assert info.value.code == 2, bad


def test_scheduled_runs_get_distinct_run_ids() -> None:
    """Flow-run ids created together share their first characters: the run id must not."""
    from flows.run import new_run_id

    ids = ["01a24206-deb7-7822-a007-2e3b272f4f1a", "01a24206-deb7-7607-bb22-bb6c8a74d76d",
           "01a24206-deb7-73fb-8947-aa7b53c00d37", "01a24206-deb7-739e-bc58-88fe1dbf69d9"]
    suffixes = {new_run_id(i).rpartition("-")[2] for i in ids}
    assert len(suffixes) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{8}", s) for s in suffixes)
    assert new_run_id(ids[0]).endswith(new_run_id(ids[0])[-8:])  # stable for one flow run
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}", new_run_id(None))


def test_deployment_names_follow_the_schedule() -> None:
    from flows.cli import deployment_name

    assert deployment_name(60, None) == "curate-news-every-60s"
    assert deployment_name(0.5, None) == "curate-news-every-0.5s"
    assert deployment_name(None, None) == deployment_name(None, "0 * * * *") == "curate-news-hourly"
    assert deployment_name(None, "0 0 * * *") == "curate-news-daily"
    assert deployment_name(None, "*/15 6-22 * * 1,2") == "curate-news-cron-every15_6-22_x_x_1,2"
    names = {deployment_name(None, c) for c in ("*/5 * * * *", "*/15 * * * *", "15 * * * *")}
    assert len(names) == 3
    for name in names:
        assert not set(name) & set("/%&><"), name  # characters Prefect refuses in a name

    from flows.cli import FLOW_NAME
    from flows.curate import curate_flow

    assert curate_flow.name == FLOW_NAME
    yaml = pytest.importorskip("yaml")
    (dep,) = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    assert dep["name"] == deployment_name(None, dep["schedules"][0]["cron"])  # the same rule
    assert dep["enforce_parameter_schema"] is True


@pytest.mark.usefixtures("prefect_server")
def test_the_api_refuses_bad_parameters_before_a_run_starts(tmp_path: Path) -> None:
    """A deployment of the real flow, registered as `curate serve` does: the API checks a run's
    parameters against the settings' schema and refuses a bad one before any flow run exists
    (a good one is accepted)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.exceptions import PrefectHTTPStatusError

    from flows.curate import curate_flow

    settings = RunSettings(raw_dir=str(tmp_path / "raw"), curated_dir=str(tmp_path / "curated"))
    deployment = curate_flow.to_deployment(
        name="test-parameter-schema",
        parameters={"settings": settings.model_dump(mode="json", exclude={"redis_url"})})
    deployment_id = deployment.apply()
    with get_client(sync_client=True) as client:
        assert client.read_deployment(deployment_id).enforce_parameter_schema
        for bad, why in (({"apostrophe": "banana"}, "banana"), ({"batch_size": 0}, "minimum"),
                         ({"translator": "google"}, "google"), ({"batch_size": "many"}, "many"),
                         ({"match_threshold": 1.5}, "maximum"), ({"nonsense": 1}, "nonsense")):
            parameters = {"settings": {**settings.model_dump(mode="json"), **bad}}
            with pytest.raises(PrefectHTTPStatusError) as info:
                client.create_flow_run_from_deployment(deployment_id, parameters=parameters)
            assert info.value.response.status_code == 409, bad
            assert why in info.value.response.text, info.value.response.text
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
        assert runs == [], "a refused run must not exist"
        good = client.create_flow_run_from_deployment(
            deployment_id, parameters={"settings": {"apostrophe": "curly", "batch_size": 1}})
        assert good.parameters["settings"]["apostrophe"] == "curly"
        client.delete_flow_run(good.id)
        client.delete_deployment(deployment_id)


def test_sigterm_during_a_run_pauses_the_deployment_and_ends_serve(prefect_api: str,
                                                                    tmp_path: Path) -> None:
    """``kill <pid>`` of a ``curate serve`` whose run is in progress (waiting for the dataset's
    lock, held here): serve exits 0 within a bounded wait, the deployment paused, the run
    Cancelled, no late scheduled run left, no "coroutine ... never awaited" warning."""
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.objects import StateType

    from flows.lock import run_lock

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    env = {**os.environ, "PREFECT_API_URL": prefect_api,
           "PREFECT_HOME": str(tmp_path / "client-home"),
           "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_LOGGING_LEVEL": "INFO"}
    env.pop("CURATE_REDIS_URL", None)
    err = tmp_path / "serve.err"
    with run_lock(curated, owner="test: a run by hand"), open(err, "wb") as errors:
        serve = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "serve", "--raw", str(raw), "--curated", str(curated),
             "--interval", "2", "--workers", "1", "--redis-url", "redis://:s3cret@127.0.0.1:9/0"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
        try:
            with SyncPrefectClient(prefect_api) as client:
                deadline = time.monotonic() + RUNS_TIMEOUT
                deployment, running = None, []
                while not running:
                    if serve.poll() is not None:
                        pytest.fail(f"curate serve exited with {serve.returncode}:\n{_tail(err)}")
                    if time.monotonic() > deadline:
                        pytest.fail(f"no run in progress after {RUNS_TIMEOUT:.0f}s:\n{_tail(err)}")
                    time.sleep(0.5)
                    if deployment is None:
                        try:  # named after its schedule
                            deployment = client.read_deployment_by_name(
                                "curate-news/curate-news-every-2s")
                        except Exception:  # not registered yet
                            continue
                    running = [r for r in _runs_of(client, deployment.id)
                               if r.state and r.state.type == StateType.RUNNING]

                os.kill(serve.pid, signal.SIGTERM)  # the serve process only, as `kill <pid>`
                assert serve.wait(timeout=90) == 0, _tail(err)

                stderr = err.read_text(errors="replace")
                assert "never awaited" not in stderr and "Traceback" not in stderr, stderr[-3000:]
                assert "stopped serving curate-news/curate-news-every-2s (SIGTERM)" in stderr
                assert client.read_deployment(deployment.id).paused, stderr[-3000:]
                runs = {r.id: r for r in _runs_of(client, deployment.id)}
                assert runs[running[0].id].state.type == StateType.CANCELLED
                late = [r for r in runs.values()
                        if r.state.type == StateType.SCHEDULED and r.auto_scheduled]
                assert late == [], [(r.name, r.state.name) for r in late]
                # What the UI shows of the deployment: no secret, no internal text.
                shown = json.dumps(deployment.parameters) + (deployment.description or "")
                assert "s3cret" not in shown
                assert "redis_url" not in deployment.parameters["settings"]
                assert "s3cret" not in stderr
                assert str(raw) in deployment.description and "`" not in deployment.description
        finally:
            _stop(serve, signal.SIGKILL)


def _runs_of(client: Any, deployment_id: Any) -> list[Any]:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
