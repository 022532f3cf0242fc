"""A signal stops ``curate run`` as documented whenever it comes, not only during the flow
(docs/guarantees.md, "Stopping a run"; docs/usage.md, exit statuses and ``--json``).

Real ``curate run --json`` processes (``python -m flows.cli``, no Prefect API configured: each
starts its temporary one) get SIGTERM or SIGINT as they start, while their temporary API starts
and while ``--wait`` waits for another holder's lock. Each time: exit 143 or 130, the reason
line ``curate: run stopped: stopped by SIGTERM`` on stderr, exactly one JSON line on stdout with
``status: stopped``, no process left, and nothing written to the dataset. The moments are
polled for (a handler for SIGTERM, a child process, a sleep between lock attempts), not slept
for; timeouts are liveness bounds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from flows.lock import LOCK_NAME, OWNER_NAME, run_lock
from tests.support.data import ROOT, SAMPLES
from tests.support.runs import wait_for

#: Seconds a stopped run may take to exit, on a loaded machine (a bound, not a measurement).
STOP_BOUND = 60
#: Seconds to reach the moment to signal at.
READY_BOUND = 60
SIGNALS = pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)],
                                  ids=["SIGTERM", "SIGINT"])


def run_args(tmp_path: Path, *extra: str) -> list[str]:
    """``run --json`` on a copy of the samples (the arguments after ``curate``)."""
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    for sample in sorted(SAMPLES.glob("*.txt"))[:4]:
        (raw / sample.name).write_bytes(sample.read_bytes())
    return ["run", "--raw", str(raw), "--curated", str(tmp_path / "curated"), "--json", *extra]


def start(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    """``curate run --json`` on a copy of the samples, without a Prefect API of its own."""
    return popen([sys.executable, "-m", "flows.cli", *run_args(tmp_path, *extra)], tmp_path)


def popen(cmd: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    """``cmd`` in its own session, its output piped, in `proc_env`."""
    return subprocess.Popen(cmd, cwd=ROOT, env=proc_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def proc_env(tmp_path: Path) -> dict[str, str]:
    """The environment of `start`'s run: no Prefect API of its own, its own Prefect home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "CURATE_TEST_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_LOGGING_LEVEL="WARNING")
    return env


def catches(pid: int, sig: signal.Signals) -> bool:
    """Whether process ``pid`` has a handler of its own for ``sig`` (``SigCgt`` of Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) >> (sig - 1) & 1)


def has_child(pid: int) -> bool:
    """Whether process ``pid`` has started a child (``curate run``: its temporary API server)."""
    try:
        return bool(psutil.Process(pid).children())
    except psutil.Error:
        return False


def keeps_sleeping(pid: int, samples: int = 10, every: float = 0.03) -> bool:
    """Whether process ``pid`` sleeps at each of ``samples`` looks ``every`` seconds apart: a run
    waiting for the lock sleeps between two attempts, a run starting computes or reads."""
    for _ in range(samples):
        try:
            if psutil.Process(pid).status() != psutil.STATUS_SLEEPING:
                return False
        except psutil.Error:
            return False
        time.sleep(every)
    return True


def assert_stopped(proc: subprocess.Popen[str], sig: signal.Signals, status: int) -> str:
    """``proc`` was stopped as documented: exit ``status``, the reason line, one JSON line
    with ``status: stopped``, its processes gone; returns its stderr."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        children = []
    out, err = proc.communicate(timeout=STOP_BOUND)
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left running: {[p.pid for p in alive]}\n{err[-2000:]}"
    assert proc.returncode == status, f"rc {proc.returncode}\n{out[-1000:]}\n{err[-2000:]}"
    assert f"curate: run stopped: stopped by {sig.name}" in err.splitlines(), err[-2000:]
    assert "curate: interrupted" not in err
    (line,) = out.splitlines()
    outcome = json.loads(line)
    assert outcome["status"] == "stopped" and outcome["exit_status"] == status
    assert outcome["error"] == f"stopped by {sig.name}"
    assert outcome["rows_written"] is None and outcome["run_id"] is None
    return err


def assert_nothing_written(curated: Path, discovered: bool = False) -> None:
    """The dataset holds nothing but the lock's files: no part, manifest or staging; with
    ``discovered``, also discovery's cache of the raw files' hashes (`flows.discover`), which a
    run writes before its flow."""
    left = sorted(p.name for p in curated.iterdir()) if curated.exists() else []
    allowed = {LOCK_NAME, OWNER_NAME} | ({"_state"} if discovered else set())
    assert set(left) <= allowed, left
    if "_state" in left:
        assert [p.name for p in (curated / "_state").iterdir()] == ["discovery-index.json"]


@SIGNALS
@pytest.mark.parametrize("moment", ["starting", pytest.param("api-starting", marks=pytest.mark.slow)])
def test_a_signal_before_the_flow_stops_the_run_as_documented(
        tmp_path: Path, reaper: list[subprocess.Popen[str]], sig: signal.Signals, status: int,
        moment: str) -> None:
    """As soon as the process handles SIGTERM at all (its arguments not yet read), and once it
    has started its temporary Prefect API (Prefect still importing)."""
    proc = start(tmp_path)
    reaper.append(proc)
    if moment == "starting":
        wait_for(lambda: catches(proc.pid, signal.SIGTERM), proc, "a SIGTERM handler", READY_BOUND)
    else:
        wait_for(lambda: has_child(proc.pid), proc, "the temporary API's process", READY_BOUND)
    os.kill(proc.pid, sig)
    assert_stopped(proc, sig, status)
    assert_nothing_written(tmp_path / "curated")


#: ``curate run`` with the function ``argv[1]`` (``module:name``) first dumping a pydantic model
#: whose serializer gets SIGTERM, as Prefect's import dumps its settings: the run guard's
#: ``KeyboardInterrupt`` is raised inside the serializer, and pydantic wraps it in a
#: ``PydanticSerializationError`` (a soak test met it on a slow machine).
WRAPPED_STOP = """
import importlib, os, signal, sys
import pydantic
from flows import cli

class Settings(pydantic.BaseModel):
    name: str = "curate"

    @pydantic.model_serializer
    def _ser_model(self):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100_000):  # the handler runs at the next bytecode boundary
            pass
        return {"name": self.name}

module_name, name = sys.argv[1].split(":")
module = importlib.import_module(module_name)
real = getattr(module, name)

def interrupted(*args, **kwargs):
    Settings().model_dump()
    return real(*args, **kwargs)

setattr(module, name, interrupted)
sys.argv = ["curate", *sys.argv[2:]]
sys.exit(cli.main())
"""


@pytest.mark.parametrize("moment", ["flows.cli:_temporary_api", "flows.idle:run_if_idle",
                                    "flows.cli:task_runner"])
def test_a_stop_that_a_library_wraps_in_its_own_exception_still_stops_the_run(
        tmp_path: Path, reaper: list[subprocess.Popen[str]], moment: str) -> None:
    """Before the flow's own handling (as the temporary API starts), in the check for new files
    (which leaves its errors to the flow) and inside the flow's handling (as the task runner is
    made): exit 143, the reason line, no traceback, nothing written."""
    proc = popen([sys.executable, "-c", WRAPPED_STOP, moment, *run_args(tmp_path)], tmp_path)
    reaper.append(proc)
    err = assert_stopped(proc, signal.SIGTERM, 143)
    assert "Traceback" not in err and "PydanticSerializationError" not in err, err[-2000:]
    assert_nothing_written(tmp_path / "curated", discovered=moment != "flows.cli:_temporary_api")


@SIGNALS
def test_a_signal_while_waiting_for_the_lock_stops_the_run_as_documented(
        tmp_path: Path, reaper: list[subprocess.Popen[str]], sig: signal.Signals, status: int) -> None:
    """``--wait`` waiting for another holder's lock: stopped at once, the lock never taken."""
    curated = tmp_path / "curated"
    with run_lock(curated, 0, owner="test holder"):
        proc = start(tmp_path, "--wait", "120")
        reaper.append(proc)
        wait_for(lambda: keeps_sleeping(proc.pid), proc, "the wait for the lock", READY_BOUND)
        os.kill(proc.pid, sig)
        assert_stopped(proc, sig, status)
        assert "test holder" in (curated / OWNER_NAME).read_text(), "the lock was never taken"
    assert_nothing_written(curated)
