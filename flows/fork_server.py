"""The fork server of `curate run`'s early worker pool (`flows.runners.EarlyProcessPoolTaskRunner`).

The pool's workers are forked from multiprocessing's fork server, which imports `POOL_PRELOAD`
first: Prefect's task engine, the flow's tasks and the language data, once for all the workers
(`flows.pool_preload`). That loading takes seconds of a core. `start` launches the server and
returns at once, so the command can start it before it imports Prefect's engine and the flow,
and both load at the same time (`benchmarks/pipeline.py`, the `start` row). The first worker forked
waits for the loading to end. This module imports nothing of Prefect's.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import multiprocessing.forkserver
import os
from collections.abc import Iterator
from typing import Any

#: The module the fork server imports before it forks the workers.
POOL_PRELOAD = "flows.pool_preload"
#: The environment variable naming the backend `POOL_PRELOAD` loads: JSON ``[name, options]``.
PRELOAD_ENVIRONMENT_KEY = "CURATE_POOL_PRELOAD"

#: A translation backend's name and options (or None), as the workers' initializer takes them.
Preload = tuple[str, dict[str, Any] | None]


def context() -> multiprocessing.context.ForkServerContext:
    """multiprocessing's fork-server context, its server set to import `POOL_PRELOAD`."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([POOL_PRELOAD])
    return ctx


def start(preload: Preload | None) -> None:
    """Launch this process's fork server now, with ``preload``'s backend named for it to load;
    returns without waiting for the loading. A server already running (an earlier run of this
    process) is kept as it is: what it did not load, each worker's initializer loads."""
    context()
    with naming(preload):  # read by the fork server as it starts
        multiprocessing.forkserver.ensure_running()


@contextlib.contextmanager
def naming(preload: Preload | None) -> Iterator[None]:
    """Within the block, `PRELOAD_ENVIRONMENT_KEY` names ``preload``'s backend and options (as
    JSON; options JSON cannot carry, or no ``preload``, name nothing)."""
    previous = os.environ.pop(PRELOAD_ENVIRONMENT_KEY, None)
    with contextlib.suppress(TypeError, ValueError):
        if preload is not None:
            os.environ[PRELOAD_ENVIRONMENT_KEY] = json.dumps([preload[0], preload[1] or None])
    try:
        yield
    finally:
        os.environ.pop(PRELOAD_ENVIRONMENT_KEY, None)
        if previous is not None:
            os.environ[PRELOAD_ENVIRONMENT_KEY] = previous
