"""``curate`` as an operator meets it, run as a real process (``python -m flows.cli``).

- ``--version``: the job's and Prefect's versions.
- Usage errors (a value out of range, a raw folder that does not exist, an unknown choice):
  one line on stderr, exit 2, and Prefect never imported.
- Help texts: examples, exit statuses, environment variables and ``--json``'s keys; no raw
  reST; the choices of every enumeration.
- ``--json``: one JSON object on stdout whatever the outcome (a completed run, a busy
  dataset), its duration the whole command's; no link to the temporary API, gone at exit.
- A run's Redis URL never reaches the Prefect API, its logs or the manifest in clear.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.cli import EXIT_STATUSES
from flows.console import JSON_KEYS
from flows.settings import RunSettings, documented_variables
from tests.support.data import ROOT, SAMPLES

#: Runs ``flows.cli`` as ``curate`` with the arguments after the first, then writes the Prefect
#: modules it imported (or "none") to the file named by the first.
PROBE = """
import runpy, sys
marker, sys.argv = sys.argv[1], ["curate", *sys.argv[2:]]
try:
    runpy.run_module("flows.cli", run_name="__main__", alter_sys=True)
finally:
    with open(marker, "w") as out:
        prefect = sorted(m for m in sys.modules if m.split(".")[0] == "prefect")
        out.write(" ".join(prefect) or "none")
"""


def curate(*args: str, env: dict[str, str] | None = None, timeout: float = 300,
           cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_version_names_the_job_and_prefect() -> None:
    from importlib import metadata

    done = curate("--version")
    assert done.returncode == 0, done.stderr
    assert metadata.version("news-curate") in done.stdout
    assert f"Prefect {metadata.version('prefect')}" in done.stdout


@pytest.mark.parametrize(("args", "named"), [
    (["run", "--batch-size", "0"], "--batch-size"),
    (["run", "--raw", "no/such/folder"], "--raw"),
    (["run", "--raw", ""], "--raw"),  # read the working folder, the repository, as raw
    (["run", "--raw", ".", "--curated", "curated"], "--curated"),  # would read its own output
    (["run", "--raw", "raw", "--curated", "raw"], "--curated"),
    (["run", "--apostrophe", "banana"], "--apostrophe"),
    (["run", "--translator", "google"], "--translator"),
    (["run", "--match-threshold", "1.5"], "--match-threshold"),
    (["run", "--wait", "-1"], "--wait"),
    (["run", "--timeout", "0"], "--timeout"),
    (["serve", "--interval", "0"], "--interval"),
    (["serve", "--cron", "every hour please"], "--cron"),
    (["run", "--no-such-option"], "--no-such-option"),
])
def test_a_usage_error_is_one_line_exit_2_before_prefect_is_imported(
        args: list[str], named: str, tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    raw = [] if "--raw" in args else ["--raw", str(tmp_path)]
    done = subprocess.run([sys.executable, "-c", PROBE, str(marker), *args, *raw], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert re.match(r"curate( run| serve)?: error: ", line) and named in line, line
    assert line.endswith("--help)")  # where to look
    assert done.stdout == ""
    assert marker.read_text() == "none", f"Prefect was imported: {marker.read_text()[:200]}"


def test_a_bad_environment_variable_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    env = {**os.environ, "CURATE_EARLY_WORKERS_BYTES": "-1"}
    done = curate("run", "--raw", str(tmp_path), env=env, timeout=120)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "CURATE_EARLY_WORKERS_BYTES" in line


def test_help_has_examples_exit_statuses_environment_and_json_keys() -> None:
    from flows.backends import BACKENDS

    texts = {command: curate(*command, "--help", timeout=120) for command in
             [(), ("run",), ("serve",)]}
    for command, done in texts.items():
        assert done.returncode == 0, done.stderr
        text = done.stdout
        assert "`" not in text, f"raw reST in curate {' '.join(command)} --help"
        assert "examples:" in text and "exit statuses:" in text and "environment:" in text
        for variable, _meaning in documented_variables():
            assert variable in text, (command, variable)
        assert "PREFECT_API_URL" in text
    top, run, serve = (texts[c].stdout for c in [(), ("run",), ("serve",)])
    for status in EXIT_STATUSES:
        assert re.search(rf"^  {status} ", top, re.M), status
    for key in JSON_KEYS:
        assert re.search(rf"^  {key} ", run, re.M), key
    assert "{" + ",".join(BACKENDS) + "}" in run.replace("\n", "").replace(" ", "")
    for option in ("--apostrophe {straight,curly}", "--unknown-shortcodes {unwrap,drop,keep}",
                   "--guillemet-space {nbsp,nnbsp,space}"):
        assert option in " ".join(run.split()), option
    assert "curate-news-every-60s" in serve


def test_json_on_a_busy_dataset_is_one_object_and_exit_75(tmp_path: Path) -> None:
    from flows.lock import run_lock

    curated, raw = tmp_path / "curated", tmp_path / "raw"
    raw.mkdir()
    with run_lock(curated, owner="test: a run by hand"):
        done = curate("run", "--raw", str(raw), "--curated", str(curated), "--json",
                      timeout=120)
    assert done.returncode == 75, done.stderr
    (line,) = done.stdout.strip().splitlines()
    outcome = json.loads(line)
    assert list(outcome)[:len(JSON_KEYS)] == list(JSON_KEYS)
    assert (outcome["status"], outcome["exit_status"]) == ("busy", 75)
    assert "test: a run by hand" in outcome["error"]
    assert outcome["run_id"] is None and outcome["rows_written"] is None
    assert outcome["seconds"] > 0
    assert done.stderr.strip().startswith("curate: not run: another run holds")


@pytest.mark.usefixtures("prefect_server")
def test_an_error_after_the_lock_is_not_blamed_on_the_curated_folder(
        tmp_path: Path, api_env: dict[str, str]) -> None:
    """A Prefect setting naming a file that does not exist (here the CA file of a server of
    one's own) fails the run with one line that names the error, not the curated folder."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    shutil.copytree(SAMPLES, raw / "samples")
    done = curate("run", "--raw", str(raw), "--curated", str(curated), "--workers", "1",
                  env={**api_env, "PREFECT_API_SSL_CERT_FILE": str(tmp_path / "no-such-ca.pem")})
    assert done.returncode == 1, done.stderr[-3000:]
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("curate: run failed: FileNotFoundError:"), done.stderr[-3000:]
    assert str(curated) not in done.stderr


@pytest.mark.slow
def test_json_and_summary_of_a_run_with_the_temporary_api(tmp_path: Path) -> None:
    """No Prefect API configured: the run's own temporary API, and no link to it (it has no
    UI and is gone when the command ends)."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    shutil.copytree(SAMPLES, raw / "samples")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PREFECT_UI"))}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PREFECT_LOGGING_LEVEL"] = "INFO"  # Prefect's "View at <link>" is an INFO line

    done = curate("run", "--raw", str(raw), "--curated", str(curated), "--workers", "1", "--json",
                  env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    (line,) = done.stdout.strip().splitlines()  # one JSON object, nothing else on stdout
    outcome = json.loads(line)
    assert list(outcome) == list(JSON_KEYS)
    assert (outcome["status"], outcome["exit_status"], outcome["error"]) == ("completed", 0, None)
    assert (outcome["files_new"], outcome["rows_written"], outcome["duplicates"]) == (2, 2, 1)
    manifest = json.loads(Path(outcome["manifest"]).read_text())
    assert manifest["run_id"] == outcome["run_id"]
    assert manifest["flow_run_id"] == outcome["flow_run_id"]
    assert outcome["flow_seconds"] >= manifest["counts"]["seconds"]  # recorded before the commit
    # The whole command, from process start: the flow run, and the API's start before it.
    assert outcome["seconds"] > outcome["flow_seconds"]
    assert "temporary Prefect API on http://127.0.0.1:" in done.stderr
    assert "for this run only" in done.stderr
    assert "View at" not in done.stderr and "/runs/flow-run/" not in done.stderr, done.stderr

    shutil.copytree(SAMPLES, raw / "again")  # same contents: already processed
    again = curate("run", "--raw", str(raw), "--curated", str(curated), "--workers", "1", env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    last = again.stdout.strip().splitlines()[-1]
    seconds = float(re.search(r", (\d+\.\d)s$", last).group(1))
    run_id = last.split()[1].rstrip(":")
    manifest = json.loads((curated / "_runs" / f"{run_id}.json").read_text())
    assert seconds > manifest["counts"]["seconds"], (last, manifest["counts"])
    # Nothing new, no API configured: recorded without Prefect (no flow run), as the flow would
    # (flows/idle.py), before the temporary API is used.
    assert manifest["flow_run_id"] is None and manifest["inputs"] == []
    assert (manifest["counts"]["files_new"], manifest["counts"]["files_already_processed"]) == (0, 4)
    assert "temporary Prefect API" not in again.stderr, again.stderr


@pytest.mark.usefixtures("prefect_server")
def test_the_redis_password_stays_out_of_the_api_logs_and_manifest(tmp_path: Path) -> None:
    """A run given a Redis URL (no new file: Redis is not contacted): its flow-run parameters
    and logs in the Prefect API, and its manifest, show no password."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from flows.curate import curate_flow

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    settings = RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False,
                           redis_url="redis://user:s3cret@127.0.0.1:9/0")
    run_logs = logging.getLogger("prefect.flow_runs")
    level = run_logs.level
    run_logs.setLevel(logging.DEBUG)  # every line the run logs goes to the API
    try:
        state = curate_flow(settings, return_state=True)
    finally:
        run_logs.setLevel(level)
    assert state.is_completed(), state
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(state.state_details.flow_run_id)
        logs: list = []
        deadline = time.monotonic() + 60
        while not any("run " in log.message for log in logs) and time.monotonic() < deadline:
            time.sleep(0.5)  # logs reach the API in batches
            logs = client.read_logs(log_filter=LogFilter(
                flow_run_id=LogFilterFlowRunId(any_=[flow_run.id])))
    assert flow_run.parameters["settings"]["redis_url"] == "**********"
    assert "s3cret" not in json.dumps(flow_run.parameters)
    assert logs, "the run's logs did not reach the API"
    assert not any("s3cret" in log.message for log in logs)
    (manifest,) = (curated / "_runs").glob("*.json")
    parameters = json.loads(manifest.read_text())["parameters"]
    assert parameters["redis_url"] == "redis://user:***@127.0.0.1:9/0"
    assert "s3cret" not in manifest.read_text()


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_timeout_fails_a_run_that_takes_longer_as_timed_out(tmp_path: Path, api_env: dict[str, str]) -> None:
    """``--timeout``: a run held at its commit (a test pause point) past its timeout ends
    Failed (TimedOut), exit 1, with the reason on one line; nothing is committed."""
    from tests.support.runs import start

    raw, curated, marker = tmp_path / "raw", tmp_path / "curated", tmp_path / "paused"
    shutil.copytree(SAMPLES, raw / "samples")
    proc = start(raw, curated, api_env, "--timeout", "3", "--json",
                 CURATE_TEST_PAUSE_AT="staged", CURATE_TEST_PAUSE_FILE=str(marker))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err[-3000:]
    outcome = json.loads(out.strip().splitlines()[-1])
    assert outcome["status"] == "failed"
    assert outcome["error"] == "TimedOut: the run took longer than its --timeout of 3 s", outcome
    assert err.strip().splitlines()[-1].startswith("curate: run failed: TimedOut: the run took"), err[-3000:]
    assert not list(curated.glob("articles/*/*.parquet"))



@pytest.mark.usefixtures("prefect_server")
def test_a_small_run_without_workers_writes_what_worker_processes_write(
        tmp_path: Path, api_env: dict[str, str]) -> None:
    """Without ``--workers`` a run with little new cleans in the flow process
    (`flows.cli._plan_batches`); its rows are those of ``--workers 2``."""
    import pyarrow.parquet as pq

    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw / "samples")
    out = {}
    for name, extra in (("pool", ["--workers", "2"]), ("own", [])):
        curated = tmp_path / name
        done = curate("run", "--raw", str(raw), "--curated", str(curated), *extra, env=api_env)
        assert done.returncode == 0, done.stderr[-3000:]
        table = pq.read_table(curated / "articles").drop_columns(["run_id", "ingested_at", "ingest_date"])
        out[name] = sorted(table.to_pylist(), key=lambda r: r["doc_id"])
    assert out["own"] == out["pool"] and len(out["own"]) == 2


def test_the_command_line_leaves_its_objects_to_the_process_end(tmp_path: Path) -> None:
    """`main` from the command line (no ``argv``) freezes the objects left once the command is
    done, so the interpreter's last collection skips them; called with arguments (a caller that
    goes on), it does not."""
    command = "['migrate', '--curated', sys.argv[1], '--dry-run']"
    from_command_line = ("import gc, sys\nfrom flows.cli import main\n"
                         f"sys.argv = ['curate', *{command}]\n"
                         "print(main(), gc.get_freeze_count() > 0)\n")
    called = ("import gc, sys\nfrom flows.cli import main\n"
              f"print(main({command}), gc.get_freeze_count() > 0)\n")
    for code, frozen in ((from_command_line, "True"), (called, "False")):
        done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.stdout.splitlines()[-1].split() == ["0", frozen], done.stderr[-2000:]
