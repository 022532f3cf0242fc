"""What the fork server of `curate run`'s early worker pool loads before it forks the workers
(`flows.fork_server.start`, `flows.runners.EarlyProcessPoolTaskRunner.start_workers`).

A fork server only imports modules, so importing this module is what does the loading, once for
all the workers instead of once in each (about 2.5 s of a core per spawned worker here, spent
while Prefect's temporary API boots on the same cores; `benchmarks/pipeline.py`):

* Prefect's task engine and its collections (a worker's first task otherwise imports
  ``prefect_dask`` and ``distributed`` through them), anyio's asyncio backend (imported by
  name when a task first runs) and the flow's tasks;
* `flows.stages.preload_batches` for the translation backend named in
  `flows.fork_server.PRELOAD_ENVIRONMENT_KEY` (JSON ``[name, options]``), which
  `flows.fork_server.start` sets while the fork server starts: the cleaners' modules, promo
  rules, the language-id model, the backend and the pivot language's lemmas.

Only the fork server imports this module (by name); there it also raises the collector's first
threshold before loading (`flows.gc_threshold`) and makes the server's own end immediate
(`_exit_at_once`). Nothing here may start a thread (the server
forks afterwards) or raise (the fork server would not start): what fails to load is loaded, and
reported, by each worker's own initializer (`flows.stages.warm_worker`), which also loads
whatever a later run names differently.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import sys

from flows.gc_threshold import raise_gc_threshold


def preload_from_environment() -> None:
    """Import and load what a worker needs (see the module docstring). Raises what a backend
    that cannot load raises."""
    import prefect.task_engine  # noqa: F401
    from prefect.plugins import load_prefect_collections

    import flows.tasks  # noqa: F401
    from flows.fork_server import PRELOAD_ENVIRONMENT_KEY
    from flows.stages.clean_fingerprint import preload_batches

    load_prefect_collections()
    with contextlib.suppress(ImportError):  # anyio imports its asyncio backend by name when a
        import anyio._backends._asyncio  # noqa: F401  task first runs (0.17 s in each worker)
    named = os.environ.get(PRELOAD_ENVIRONMENT_KEY)
    if named:
        translator, options = json.loads(named)
        preload_batches(str(translator), options)


def in_fork_server() -> bool:
    """Whether this module is being imported by multiprocessing's fork server (its ``main``)."""
    frame = sys._getframe()
    while frame is not None:
        if (frame.f_code.co_name == "main"
                and frame.f_globals.get("__name__") == "multiprocessing.forkserver"):
            return True
        frame = frame.f_back
    return False


def _exit_at_once() -> None:
    """The end of a fork server spawned as a new interpreter, once the process that started
    it has ended: at once, without the interpreter's teardown of the modules preloaded here
    (about a second, during which it still holds that process's standard output and error, so
    that a caller reading them would wait for it). A server forked from the command ends with
    ``os._exit`` before (`flows.fork_server`); workers never run it: they end with
    ``os._exit`` too."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


if in_fork_server():
    raise_gc_threshold()  # before the imports below (flows/gc_threshold.py); workers inherit it
    atexit.register(_exit_at_once)
    # The server ignores Ctrl-C once it has loaded; while it loads, a Ctrl-C meant for the run
    # would print its traceback. The workers take KeyboardInterrupt back (`flows.runners`).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
with contextlib.suppress(Exception):
    preload_from_environment()
