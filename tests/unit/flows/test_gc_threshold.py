"""`flows.gc_threshold`: the collector's first threshold in the processes of the job's work."""

from __future__ import annotations

import gc
import multiprocessing
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest

from flows.gc_threshold import YOUNG_THRESHOLD, raise_gc_threshold
from flows.stages import warm_worker


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    saved, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*saved)
    (gc.enable if enabled else gc.disable)()


def test_the_young_threshold_is_raised_and_the_older_ones_kept() -> None:
    gc.set_threshold(700, 10, 10)  # Python's defaults
    raise_gc_threshold()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    raise_gc_threshold()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)


def test_a_higher_threshold_is_never_lowered_and_a_disabled_collector_stays_off() -> None:
    gc.set_threshold(10 * YOUNG_THRESHOLD, 3, 4)
    gc.disable()
    raise_gc_threshold()
    assert gc.get_threshold() == (10 * YOUNG_THRESHOLD, 3, 4) and not gc.isenabled()


def test_the_process_pool_s_workers_raise_it_as_they_start() -> None:
    """`warm_worker` is the pool's initializer (`flows.cli.task_runner`)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn, initializer=warm_worker,
                             initargs=("embedded", None, False)) as pool:
        young, *_ = pool.submit(gc.get_threshold).result(timeout=120)
    assert young == YOUNG_THRESHOLD
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:  # what a worker has without it
        assert pool.submit(gc.get_threshold).result(timeout=120)[0] < YOUNG_THRESHOLD


def test_the_curate_command_raises_it_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.cli import main

    gc.set_threshold(700, 10, 10)
    monkeypatch.setattr(sys, "argv", ["curate", "--version"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0 and gc.get_threshold()[0] == YOUNG_THRESHOLD


def test_the_temporary_api_s_process_raises_it_then_runs_uvicorn_s_command_line() -> None:
    from flows import prefect_internals as internals

    command = internals.server_command(sys.executable, "/site", 8123)
    assert command[1:3] == ["-c", internals.SERVER_BOOTSTRAP]
    head, _, _ = internals.SERVER_BOOTSTRAP.rpartition("uvicorn.main()")
    probe = subprocess.run([sys.executable, "-c", head + "import gc; print(gc.get_threshold()[0])"],
                           capture_output=True, text=True, check=True)
    assert int(probe.stdout) == YOUNG_THRESHOLD
    usage = subprocess.run([sys.executable, "-c", internals.SERVER_BOOTSTRAP, "--help"],
                           capture_output=True, text=True, check=True)
    assert "--factory" in usage.stdout and "--app-dir" in usage.stdout
