"""The early pool's workers: forked from a fork server that preloaded what they need
(`flows.pool_preload`), with the environment their parent had when it started them."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
import pytest

from flows.fork_server import PRELOAD_ENVIRONMENT_KEY
from flows.pool_preload import in_fork_server
from flows.runners import EarlyProcessPoolTaskRunner

ROOT = Path(__file__).resolve().parents[3]


def _fork_servers() -> list[psutil.Process]:
    return [p for p in psutil.Process().children()
            if "multiprocessing.forkserver" in " ".join(p.cmdline())]


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
        assert pool.submit(os.getppid).result(timeout=60) != os.getpid(), "forked by the server"
        # forked from inside the server's loop: what makes the server's own end immediate
        assert pool.submit(in_fork_server).result(timeout=60) is True
    servers = _fork_servers()
    assert len(servers) == 1
    monkeypatch.setenv("CURATE_TEST_MARK", "second")  # the running server has "first"
    with _early_pool() as pool:
        assert pool.submit(os.getenv, "CURATE_TEST_MARK").result(timeout=300) == "second"
        assert [p.pid for p in _fork_servers()] == [s.pid for s in servers], "the server is reused"
