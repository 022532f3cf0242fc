"""A run stops when asked, notices when a process it needs dies, and leaves nothing behind
(issue 19, "Liveness").

Real ``curate run`` processes (``python -m flows.cli run``) with two worker processes are
signalled or have a child killed while they clean and fingerprint batches. Each time: the
documented exit status and its message, the lock free again, the staging gone, and no
process of the run left. Timeouts here are liveness bounds (a run that ignores a signal would
hang the test), not speed measurements.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from flows.lock import run_lock
from tests.support.data import ROOT, story
from tests.support.runs import START_TIMEOUT, wait_for

#: Seconds a stopped run may take to exit: the issue's 10 s, plus slack for a loaded machine.
STOP_BOUND = 20


def big_raw(raw: Path, n: int = 12_000) -> None:
    """One JSONL file of ``n`` distinct stories: a run of several batches per worker."""
    raw.mkdir(parents=True, exist_ok=True)
    with open(raw / "stories.jsonl", "w") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"s{i}", "text": story(50_000 + i)}) + "\n")


def start(raw: Path, curated: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """``curate run`` with two workers, in its own process group (as from a terminal)."""
    cmd = [sys.executable, "-m", "flows.cli", "run", "--raw", str(raw), "--curated", str(curated),
           "--workers", "2", "--batch-size", "500"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def working_run(tmp_path: Path, env: dict[str, str], reaper: list[subprocess.Popen[str]],
                ) -> tuple[subprocess.Popen[str], list[psutil.Process], Path]:
    """A run of `big_raw`, once it has fingerprinted a batch (its workers are busy): the
    process, its descendants, and its curated folder."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    big_raw(raw)
    proc = start(raw, curated, env)
    reaper.append(proc)
    wait_for(lambda: any((curated / "_staging").glob("*/fp-*.arrow")), proc, "a finished batch")
    return proc, psutil.Process(proc.pid).children(recursive=True), curated


def assert_left_nothing(proc: subprocess.Popen[str], children: list[psutil.Process], curated: Path) -> str:
    """The run's processes are gone, its lock is free, its staging removed; its stderr."""
    _, err = proc.communicate(timeout=STOP_BOUND)
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left running: {[p.pid for p in alive]}\n{err[-2000:]}"
    with run_lock(curated, 0):
        pass
    left = sorted(str(p.relative_to(curated)) for p in (curated / "_staging").rglob("*"))
    assert not left, f"the run's staging is removed; left: {left[:20]}\n{err[-2000:]}"
    return err


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize(("sig", "group", "status"), [
    (signal.SIGINT, True, 130),    # Ctrl-C in a terminal: the whole process group
    (signal.SIGTERM, False, 143),  # a service manager: the main process only
])
def test_a_signal_stops_the_run(tmp_path: Path, api_env: dict[str, str], reaper: list[subprocess.Popen[str]],
                                sig: signal.Signals, group: bool, status: int) -> None:
    proc, children, curated = working_run(tmp_path, api_env, reaper)
    assert len(children) >= 2
    (os.killpg if group else os.kill)(proc.pid, sig)
    err = assert_left_nothing(proc, children, curated)
    assert proc.returncode == status, err[-2000:]
    assert f"curate: run stopped: stopped by {sig.name}" in err.splitlines()
    assert not (curated / "articles").exists(), "nothing was committed"


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_sigkill_of_the_run_leaves_no_worker(tmp_path: Path, api_env: dict[str, str],
                                             reaper: list[subprocess.Popen[str]]) -> None:
    proc, children, _curated = working_run(tmp_path, api_env, reaper)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=STOP_BOUND)
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"orphans: {[(p.pid, p.cmdline()[:3]) for p in alive]}"


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_dead_worker_fails_the_run_with_one_line(tmp_path: Path, api_env: dict[str, str],
                                                   reaper: list[subprocess.Popen[str]]) -> None:
    proc, children, curated = working_run(tmp_path, api_env, reaper)
    # the pool's workers: spawned, or forked from the early pool's fork server (the run's only
    # child with children here: the API is the session's)
    workers = [p for p in children if "spawn_main" in " ".join(p.cmdline()) or p.ppid() != proc.pid]
    assert workers, [" ".join(p.cmdline())[:120] for p in children]
    worker = workers[0]
    # the run forked that server from itself (`flows.fork_server`): it has the run's command line
    assert psutil.Process(worker.ppid()).cmdline() == psutil.Process(proc.pid).cmdline()
    worker.kill()
    err = assert_left_nothing(proc, children, curated)
    assert proc.returncode == 1
    assert "Traceback" not in err, err[-3000:]
    assert err.strip().splitlines()[-1].startswith("curate: run failed: A process in the process pool")


@pytest.mark.slow
def test_the_temporary_api_dying_stops_the_run(tmp_path: Path, reaper: list[subprocess.Popen[str]]) -> None:
    """No Prefect API configured: the run starts its own, and notices when it is killed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "CURATE_TEST_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_LOGGING_LEVEL="WARNING")
    proc, children, curated = working_run(tmp_path, env, reaper)
    server = next(p for p in children if "uvicorn" in " ".join(p.cmdline()))
    server.kill()
    err = assert_left_nothing(proc, children, curated)
    assert proc.returncode == 1, err[-2000:]
    assert "the temporary Prefect API" in err and "exited with status -9" in err


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_busy_dataset_answers_before_prefect_starts(tmp_path: Path, api_env: dict[str, str]) -> None:
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    env = {k: v for k, v in api_env.items() if not k.startswith("PREFECT_API")}
    with run_lock(curated, 0, owner="test holder"):
        done = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--raw", str(raw),
                               "--curated", str(curated)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=START_TIMEOUT)
    assert done.returncode == 75
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("curate: not run: another run holds") and "test holder" in line
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, flows.cli, flows.lock, flows.errors, flows.lifecycle; "
         "print('prefect' in sys.modules)"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert probe.stdout.strip() == "False", "the lock is taken before Prefect is imported"


def _in_a_child(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` run by a Python process of its own (what `kill_children` kills is its)."""
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_kill_children_spares_the_listed_processes() -> None:
    """`kill_children` kills descendants, not the spared ones (the API server during a stop).
    Run in a child process: here it would kill the session's Prefect server."""
    script = (
        "import subprocess, sys\n"
        "from flows.lifecycle import kill_children\n"
        "cmd = [sys.executable, '-c', 'import time; time.sleep(60)']\n"
        "spared, victim = subprocess.Popen(cmd), subprocess.Popen(cmd)\n"
        "killed = kill_children({spared.pid})\n"
        "print(victim.pid in killed, spared.pid not in killed, victim.poll() is not None,\n"
        "      spared.poll() is None)\n"
        "spared.kill()\n"
    )
    done = _in_a_child(script)
    assert done.stdout.split() == ["True"] * 4, done.stderr[-2000:]


def test_kill_children_kills_the_fork_server_and_spares_the_resource_tracker() -> None:
    """With `flows.cli`'s warning filter, every child multiprocessing starts carries
    ``-W…:multiprocessing.resource_tracker``: the fork server must still be killed (a stopped run
    would otherwise leave it loading, holding the command's output), the tracker spared."""
    script = (
        "import sys, time, psutil\n"
        "sys.warnoptions.append('ignore::UserWarning:multiprocessing.resource_tracker')\n"
        "from multiprocessing import forkserver\n"
        "from flows.lifecycle import kill_children\n"
        "forkserver.ensure_running()\n"
        "def kind(p):\n"
        "    for part in p.cmdline():\n"
        "        if part.startswith('from multiprocessing.forkserver import main'):\n"
        "            return 'server'\n"
        "        if part.startswith('from multiprocessing.resource_tracker import main'):\n"
        "            return 'tracker'\n"
        "    return None\n"
        "deadline = time.monotonic() + 30\n"
        "while True:  # a child just forked has no command line of its own until its exec is done\n"
        "    kids = {kind(p): p.pid for p in psutil.Process().children()}\n"
        "    if set(kids) == {'server', 'tracker'} or time.monotonic() > deadline:\n"
        "        break\n"
        "    time.sleep(0.05)\n"
        "killed = kill_children()\n"
        "print(sorted(kids), kids['server'] in killed, kids['tracker'] not in killed)\n"
    )
    done = _in_a_child(script)
    assert done.stdout.split() == ["['server',", "'tracker']", "True", "True"], done.stdout + done.stderr[-2000:]


class _Starting:
    """A child seen while its exec is not done: an empty command line ``empty`` times first."""

    def __init__(self, cmdline: list[str], empty: int, status: str = psutil.STATUS_RUNNING) -> None:
        self.reads, self._cmdline, self._empty, self._status = 0, cmdline, empty, status

    def cmdline(self) -> list[str]:
        self.reads += 1
        return [] if self.reads <= self._empty else self._cmdline

    def status(self) -> str:
        return self._status


def test_a_child_still_starting_is_read_again_before_it_is_judged() -> None:
    """The resource tracker read in the instant after its spawn has an empty command line: it
    is still spared; a process whose command line stays empty (or a zombie) is not, and soon."""
    from flows.lifecycle import _is_resource_tracker

    tracker = [sys.executable, "-c", "from multiprocessing.resource_tracker import main;main(5)"]
    assert _is_resource_tracker(_Starting(tracker, empty=3)) is True  # type: ignore[arg-type]
    assert _is_resource_tracker(_Starting(tracker, empty=10**9), settle=0.05) is False  # type: ignore[arg-type]
    zombie = _Starting(tracker, empty=10**9, status=psutil.STATUS_ZOMBIE)
    assert _is_resource_tracker(zombie) is False and zombie.reads == 1  # type: ignore[arg-type]
