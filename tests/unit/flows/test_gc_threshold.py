"""`flows.gc_threshold`: the collector's first threshold in the processes of the job's work."""

from __future__ import annotations

import gc
import multiprocessing
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
