"""The fork server of `curate run`'s early worker pool (`flows.runners.EarlyProcessPoolTaskRunner`).

The pool's workers are forked from multiprocessing's fork server, which imports `POOL_PRELOAD`
first: Prefect's task engine, the flow's tasks and the language data, once for all the workers
(`flows.pool_preload`). That loading takes seconds of a core, on the cores where Prefect's
temporary API boots. `start` launches the server and returns at once, before the server has
loaded.

**Forked, not spawned.** multiprocessing starts its fork server as a new interpreter, which
imports Prefect and the flow's modules again although the command has just imported them:
the server used 3.4–4.9 s of a core spawned, 1.3–2.0 s forked, in 10,000-document runs here
(``benchmarks/RESULTS.md``, 2026-12-07), while the temporary API boots on the same two
cores. When the calling process runs one Python thread, `start` makes multiprocessing fork
the server from it instead (`_forked_server`): the server begins with every module the command has imported
and loads only the rest (Prefect's collections, the language data). multiprocessing still
builds the server's socket, pipes and command; only its final spawn is replaced, by a fork
that runs the same command in the child after `_become_server`. With other Python threads
running (a fork would copy the locks they hold), or when the system refuses the fork, the
server is spawned as multiprocessing does.

This module imports nothing of Prefect's.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator, Sequence
from multiprocessing import resource_tracker, util
from typing import Any

#: The module the fork server imports before it forks the workers.
POOL_PRELOAD = "flows.pool_preload"
#: The environment variable naming the backend `POOL_PRELOAD` loads: JSON ``[name, options]``.
PRELOAD_ENVIRONMENT_KEY = "CURATE_POOL_PRELOAD"

#: A translation backend's name and options (or None), as the workers' initializer takes them.
Preload = tuple[str, dict[str, Any] | None]
#: How the command multiprocessing runs for its fork server begins.
SERVER_COMMAND = "from multiprocessing.forkserver import main"


def context() -> multiprocessing.context.ForkServerContext:
    """multiprocessing's fork-server context, its server set to import `POOL_PRELOAD`."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([POOL_PRELOAD])
    return ctx


def start(preload: Preload | None) -> None:
    """Launch this process's fork server now, with ``preload``'s backend named for it to load;
    returns without waiting for the loading. A server already running (an earlier run of this
    process) is kept as it is: what it did not load, each worker's initializer loads. The
    server is forked from this process when it runs one Python thread, else spawned (module
    docstring)."""
    context()
    with naming(preload), _forked_server():  # the name is read by the fork server as it starts
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


@contextlib.contextmanager
def _forked_server() -> Iterator[None]:
    """Within the block, multiprocessing's spawn of its fork server is a fork of this process
    (`_fork_server`) when this process runs one Python thread and its multiprocessing has the
    objects `_become_server` renews; every other spawn (the resource tracker's), and a fork
    the system refuses, is left to multiprocessing."""
    resource_tracker.ensure_running()  # spawned as multiprocessing does, before the patch
    spawn = util.spawnv_passfds

    def fork_or_spawn(path: str, args: Sequence[str], passfds: Sequence[int]) -> int:
        state = _multiprocessing_state()
        if (args and str(args[-1]).startswith(SERVER_COMMAND) and threading.active_count() == 1
                and state is not None):
            with contextlib.suppress(OSError):  # e.g. no memory to fork this process: spawn
                return _fork_server(str(args[-1]), passfds, state)
        return spawn(path, args, passfds)

    util.spawnv_passfds = fork_or_spawn
    try:
        yield
    finally:
        util.spawnv_passfds = spawn


def _multiprocessing_state() -> tuple[Any, Any] | None:
    """multiprocessing's fork server and resource tracker objects (`_become_server` makes them
    new in the child), or None when this Python's multiprocessing names them otherwise."""
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    tracker = getattr(resource_tracker, "_resource_tracker", None)
    if (isinstance(server, multiprocessing.forkserver.ForkServer)
            and isinstance(tracker, resource_tracker.ResourceTracker)):
        return server, tracker
    return None


def _fork_server(command: str, passfds: Sequence[int], state: tuple[Any, Any]) -> int:
    """Fork this process; the child becomes the fork server (`_become_server`, then
    ``command``, the code multiprocessing would have run in a new interpreter) and ends with
    ``os._exit``, never returning here. Returns the child's pid; raises what ``os.fork``
    raises. Every signal is blocked in this process while it forks (none runs one of this
    process's handlers in the child), as it was before once the child exists."""
    for stream in (sys.stdout, sys.stderr):  # else the child would hold a copy to write again
        with contextlib.suppress(Exception):
            stream.flush()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns of a fork while other threads run: here only native ones
            # (OpenBLAS's, jemalloc's), which register their own fork handlers
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        raise
    if pid:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return pid
    status = 1
    try:
        _become_server(passfds, state)
        exec(command, {"__name__": "__curate_fork_server__"})  # returns only by SystemExit
        status = 0
    except SystemExit as stop:  # the server's end: the command's processes are gone
        status = stop.code if isinstance(stop.code, int) else 0
    except BaseException:  # a server that cannot start says why, on standard error
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(status)


def _become_server(passfds: Sequence[int], state: tuple[Any, Any]) -> None:
    """In the forked child, with every signal blocked: what a new interpreter would have.
    Only standard input, output and error and ``passfds`` stay open (the command's lock,
    sockets and the fork server's own "alive" pipe are closed: a child holding that pipe would
    never see the command end); the signal handlers the command installed are the defaults
    again, but for Ctrl-C, ignored (as the server ignores it once loaded: a Ctrl-C is the
    run's to handle), and no signal is blocked or wakes a file descriptor; the objects the
    child inherited are frozen (never collected: some hold descriptors closed here, and the
    workers forked from it share their pages); multiprocessing's fork server and resource
    tracker objects (``state``) are new, as in a new interpreter (the command's fork server
    lock is held while it forks; the workers are given the tracker's descriptor by the
    server)."""
    gc.freeze()
    for obj in state:
        type(obj).__init__(obj)
    signal.set_wakeup_fd(-1)
    for signum in signal.valid_signals():
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            if callable(signal.getsignal(signum)):
                signal.signal(signum, signal.SIG_IGN if signum == signal.SIGINT else signal.SIG_DFL)
    keep = {0, 1, 2, *passfds}
    try:  # the descriptors open, where the system lists them (Linux)
        inherited = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        inherited = list(range(3, os.sysconf("SC_OPEN_MAX")))
    for fd in inherited:
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
