"""The early pool's workers: forked from a fork server that preloaded what they need
(`flows.pool_preload`), with the environment their parent had when it started them."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
import pytest

from flows.fork_server import PRELOAD_ENVIRONMENT_KEY
from flows.pool_preload import in_fork_server
from flows.runners import EarlyProcessPoolTaskRunner, _shut_down, _start_processes

ROOT = Path(__file__).resolve().parents[3]


def test_the_preload_loads_the_named_backend_and_starts_no_thread() -> None:
    """What the fork server imports must leave it with one thread (it forks afterwards) and
    the backend loaded, so the workers start with it."""
    probe = ("import threading, flows.pool_preload, sys\n"
             "from flows.stages.clean_fingerprint import _built\n"
             "print(threading.active_count(), _built.cache_info().currsize,"
             " 'prefect.task_engine' in sys.modules, 'flows.tasks' in sys.modules,"
             " flows.pool_preload.in_fork_server())")
    env = {**os.environ, PRELOAD_ENVIRONMENT_KEY: json.dumps(["embedded", None])}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300, check=True).stdout.split()
    assert out == ["1", "1", "True", "True", "False"]  # False: not in a fork server
    assert not in_fork_server()
    env[PRELOAD_ENVIRONMENT_KEY] = json.dumps(["no-such-backend", None])  # fails: nothing raised
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300, check=True).stdout.split()
    assert out == ["1", "0", "True", "True", "False"]


@contextlib.contextmanager
def _early_pool() -> Iterator[ProcessPoolExecutor]:
    """A one-worker early pool, started now (`start_workers`), shut down after the block."""
    runner = EarlyProcessPoolTaskRunner(max_workers=1)
    runner.start_workers()
    pool = runner._early.executor
    assert pool is not None
    try:
        yield pool
    finally:
        pool.shutdown()


def test_workers_take_the_environment_of_their_start_not_the_fork_servers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATE_TEST_MARK", "first")
    with _early_pool() as pool:
        assert pool.submit(os.getenv, "CURATE_TEST_MARK").result(timeout=300) == "first"
        server = pool.submit(os.getppid).result(timeout=60)
        assert server in {p.pid for p in psutil.Process().children()}, "forked by the server"
        # forked from inside the server's loop: what makes the server's own end immediate
        assert pool.submit(in_fork_server).result(timeout=60) is True
    monkeypatch.setenv("CURATE_TEST_MARK", "second")  # the running server has "first"
    with _early_pool() as pool:
        assert pool.submit(os.getenv, "CURATE_TEST_MARK").result(timeout=300) == "second"
        assert pool.submit(os.getppid).result(timeout=60) == server, "the server is reused"


class _Pool:
    """A stand-in for the pool: counts submissions, or raises as a shut-down pool does; its
    shutdown blocks until ``release`` is set, as the real one does while a fork holds its lock."""

    def __init__(self, *, shut: bool = False) -> None:
        self.submitted = 0
        self.shut = shut
        self.release = threading.Event()
        self.shutdown_calls: list[dict[str, bool]] = []

    def submit(self, fn: object) -> None:
        if self.shut:
            raise RuntimeError("cannot schedule new futures after shutdown")
        self.submitted += 1

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.release.wait(timeout=60)
        self.shutdown_calls.append({"wait": wait, "cancel_futures": cancel_futures})


def test_the_starter_forks_one_per_worker_and_stops_quietly() -> None:
    """The thread that forks the workers submits one no-op per worker, none once the run is
    stopped, and ends without an exception (no traceback on the user's terminal) when the pool
    was shut down under it."""
    pool = _Pool()
    _start_processes(pool, 3, threading.Event())  # type: ignore[arg-type]
    assert pool.submitted == 3
    stopped = threading.Event()
    stopped.set()
    pool = _Pool()
    _start_processes(pool, 3, stopped)  # type: ignore[arg-type]
    assert pool.submitted == 0
    _start_processes(_Pool(shut=True), 3, threading.Event())  # type: ignore[arg-type]  # no raise


def test_a_shutdown_while_the_starter_forks_does_not_block_the_caller() -> None:
    """`cancel_pending` runs in a signal handler: while the starter holds the pool's lock, the
    shutdown goes to a thread and the caller returns; it still happens."""
    pool = _Pool()
    _shut_down(pool, True, cancel_futures=True)  # type: ignore[arg-type]  # would block if inline
    assert pool.shutdown_calls == []
    pool.release.set()
    for t in [t for t in threading.enumerate() if t.name == "pool-shutdown"]:
        t.join(timeout=60)
    assert pool.shutdown_calls == [{"wait": False, "cancel_futures": True}]
    pool = _Pool()
    pool.release.set()
    _shut_down(pool, False, cancel_futures=False)  # type: ignore[arg-type]
    assert pool.shutdown_calls == [{"wait": False, "cancel_futures": False}]


def test_cancel_pending_before_the_flow_stops_the_starter() -> None:
    runner = EarlyProcessPoolTaskRunner(max_workers=1)
    runner.cancel_pending()  # no pool yet: nothing to shut down
    assert runner._early.stop.is_set()
