"""How the flow is executed: a process pool whose workers start before the flow run does
(`EarlyProcessPoolTaskRunner`), and the runner of ``curate serve`` (`serve_deployment`), which
stops cleanly on a signal. What they need of how Prefect works inside is in
`flows.prefect_internals`.

`curate run` starts Prefect's temporary API server, which takes seconds of one core; the
worker processes need seconds too, importing Prefect and loading their language data. Both
happen at once: the workers are forked from multiprocessing's fork server, which loads that
once for all of them (`flows.pool_preload`), and which `curate run` forks from itself once it
has imported the flow (`flows.fork_server.start`). `EarlyProcessPoolTaskRunner.start_workers`
creates the pool before the flow and forks its processes on a thread (each waits for the
server's loading), and the flow run's copy of the runner takes the pool over. Without
`start_workers` it is Prefect's `ProcessPoolTaskRunner` (spawned workers), except that after
a run that went well its idle workers exit without being waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner

from flows import fork_server
from flows import prefect_internals as internals


class _EarlyPool:
    """A started pool waiting for the runner that will use it (one use), and the pool the
    flow run's copy of the runner is using (for `EarlyProcessPoolTaskRunner.cancel_pending`)."""

    def __init__(self) -> None:
        self.executor: ProcessPoolExecutor | None = None
        #: The thread starting the executor's processes (`EarlyProcessPoolTaskRunner.start_workers`).
        self.starter: threading.Thread | None = None
        #: Set when the pool is shut down or the run stopped: the starter forks no more.
        self.stop = threading.Event()
        self.queue: Any = None
        self.active: ProcessPoolExecutor | None = None

    def starting(self) -> bool:
        """Whether the starter thread is still forking (it holds the pool's lock meanwhile)."""
        return self.starter is not None and self.starter.is_alive()

    def __getstate__(self) -> dict[str, Any]:
        """Pools and queues belong to this process: a pickled copy (a task's context sent to
        a worker) carries none."""
        return {}

    def __setstate__(self, _state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]


class EarlyProcessPoolTaskRunner(ProcessPoolTaskRunner):
    """`ProcessPoolTaskRunner` plus `start_workers` (see the module docstring).

    ``__enter__`` sets up the same executor, message queue, forwarding thread and resolver
    threads that Prefect's does, with the early pool in place of a new one
    (`flows.prefect_internals.adopt_pool`).
    """

    def __init__(self, *args: Any, preload: tuple[str, dict[str, Any] | None] | None = None,
                 **kwargs: Any) -> None:
        """Prefect's arguments, plus ``preload``: the translation backend and options whose
        data the fork server loads for the workers of `start_workers` (`flows.pool_preload`)."""
        super().__init__(*args, **kwargs)
        self._early = _EarlyPool()
        self._preload = preload
        #: True in the flow run's copy that took an early pool over.
        self.started_early = False

    def start_workers(self) -> None:
        """Create the pool now and start every worker process (each runs the initializer), on
        a thread: returns at once.

        The workers are forked from multiprocessing's fork server, which has imported
        `flows.fork_server.POOL_PRELOAD` (started here with the backend of ``preload`` named,
        unless `flows.fork_server.start` started it earlier; a server already running is
        reused as it is). Each worker then takes this process's environment as it is now
        (`_as_spawned`), as a spawned one would."""
        if self._early.executor is not None:
            return
        workers, initializer, initargs = internals.pool_options(self)
        fork_server.start(self._preload)
        context = fork_server.context()
        self._early.queue = context.Queue()
        self._early.executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=internals.worker_initializer(),
            initargs=(self._early.queue, _as_spawned, (dict(os.environ), initializer, initargs)),
        )
        # One submission per process starts them all. Each waits for the fork server to have
        # loaded (seconds): they are made on a thread, and the flow's own submissions queue
        # behind them on the pool's lock.
        self._early.starter = threading.Thread(
            target=_start_processes, args=(self._early.executor, workers, self._early.stop),
            name="start-workers", daemon=True)
        self._early.starter.start()

    def duplicate(self) -> EarlyProcessPoolTaskRunner:
        """A copy for one flow run (Prefect duplicates the runner), sharing the early pool."""
        copy = super().duplicate()
        copy._early = self._early
        return copy  # type: ignore[return-value]

    def cancel_pending(self) -> None:
        """Cancel every task not yet started and refuse new ones, from any thread, without
        blocking (a signal handler calls it): for a run being stopped (its worker processes
        are then killed, see `flows.lifecycle`). The starter thread forks no more workers."""
        self._early.stop.set()
        executor = self._early.active
        if executor is not None:
            _shut_down(executor, self._early.starting(), cancel_futures=True)

    def release_workers(self) -> None:
        """Let the worker processes exit now, once idle, without waiting for them: for a flow
        run that will submit no more tasks (their exit takes about a second, which then
        overlaps the run's last steps instead of delaying its end). What they still send
        (logs, events) is forwarded until the runner exits. A later `submit` fails."""
        self._let_pool_go(cancel_futures=False)

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        """Prefect's exit, except that after a run that went well the idle worker processes
        exit on their own (about a second here, freeing their memory) while the flow run
        finishes, instead of being waited for; the interpreter joins them at exit."""
        self._early.stop.set()
        if exc_type is None:
            self._let_pool_go(cancel_futures=True)
        super().__exit__(exc_type, exc_value, traceback)

    def _let_pool_go(self, *, cancel_futures: bool) -> None:
        """Detach the pool (Prefect's ``__exit__`` then does not wait for its workers) and
        shut it down without waiting for them: they exit once idle. The starter forks no more."""
        self._early.stop.set()
        executor = internals.detach_pool(self)
        if executor is not None:
            _shut_down(executor, self._early.starting(), cancel_futures=cancel_futures)

    def __enter__(self) -> EarlyProcessPoolTaskRunner:
        # The settings each submission carries, serialized once: for this process from now on
        # (its later flow runs and other runners too; `internals.reuse_task_settings`).
        internals.reuse_task_settings()
        executor, queue = self._early.executor, self._early.queue
        if executor is None:
            super().__enter__()
            self._early.active = internals.pool_of(self)
            return self
        self._early.executor = self._early.queue = None
        self.started_early = True
        TaskRunner.__enter__(self)
        internals.adopt_pool(self, executor, queue)
        self._early.active = executor
        return self


def _start_processes(executor: ProcessPoolExecutor, workers: int, stop: threading.Event) -> None:
    """Submit one no-op per worker, which makes ``executor`` fork them all; stops quietly at
    ``stop`` or when the pool is shut down or broken, or the fork server gone (a stopped run):
    the flow's own submissions report what is wrong with the pool."""
    for _ in range(workers):
        if stop.is_set():
            return
        try:
            executor.submit(os.getpid)
        except Exception:
            return


def _shut_down(executor: ProcessPoolExecutor, starting: bool, *, cancel_futures: bool) -> None:
    """``executor.shutdown(wait=False)``, on a thread while the starter thread is still forking:
    it holds the pool's lock until the fork server has loaded (seconds)."""
    if starting:
        threading.Thread(target=executor.shutdown, kwargs={"wait": False, "cancel_futures": cancel_futures},
                         name="pool-shutdown", daemon=True).start()
    else:
        executor.shutdown(wait=False, cancel_futures=cancel_futures)


def _as_spawned(environment: dict[str, str], initializer: Any, initargs: tuple[Any, ...]) -> None:
    """The start of a worker forked from the fork server: its environment made ``environment``
    (the pool's parent's when it started the pool, where a fork server's child would otherwise
    have the server's), Prefect's settings read again from it, Ctrl-C's ``KeyboardInterrupt``
    back (the server ignores it, `flows.pool_preload`), then ``initializer(*initargs)``."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.clear()
    os.environ.update(environment)
    internals.refresh_settings()
    if initializer is not None:
        initializer(*initargs)


# --- Serving a deployment -------------------------------------------------------------------

#: Seconds the Prefect API gets to pause the deployment when serving stops.
PAUSE_TIMEOUT_SECONDS = 20.0


@dataclass
class Served:
    """How `serve_deployment` ended."""

    deployment_id: UUID | None
    #: Why serving stopped: the signal's name (``SIGTERM``), or the runner's failure.
    reason: str
    #: Whether the deployment was paused on the way out.
    paused: bool
    #: The reason the pause failed, if it did.
    pause_error: str | None = None
    #: Whether the runner failed (rather than being stopped by a signal).
    failed: bool = False
    #: Scheduled runs that were due but never started (skipped while a run held the runner's
    #: one slot), removed when serving stopped.
    removed_late: int = 0


def serve_deployment(flow: Any, *, name: str, schedule: Any, parameters: dict[str, Any],
                     description: str, tags: list[str], version: str | None,
                     limit: int = 1) -> Served:
    """Register ``flow``'s deployment ``name`` (its parameters checked by the API against the
    flow's schema) and execute its runs, each in a subprocess, at most ``limit`` at once, until
    SIGINT or SIGTERM; blocks. Call it from the main thread.

    Guarantees, on a stop by signal: the deployment is paused first (so no scheduled run piles
    up while nothing serves it; the server drops the runs it had scheduled ahead, and the ones
    that were due but never started, shown as Late, are removed here: they would all run, one
    after the other, once it is served again); then the run in progress is cancelled (Prefect's
    runner ends its process: SIGTERM, SIGKILL after 30 s; it shows as Cancelled) and the
    function returns. A second signal ends the process at once (exit status 128 + the signal),
    killing its children. Prefect's own `Runner.stop`, which its SIGTERM handler calls, is
    never used: from the runner's event loop it only creates a coroutine that is never awaited,
    and exiting then waits for the run in progress to end.
    """
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        ignore_sigint = previous[signal.SIGINT] is signal.SIG_IGN
        return asyncio.run(_serve(flow, name=name, schedule=schedule, parameters=parameters,
                                  description=description, tags=tags, version=version,
                                  limit=limit, ignore_sigint=ignore_sigint))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


async def _serve(flow: Any, *, name: str, schedule: Any, parameters: dict[str, Any],
                 description: str, tags: list[str], version: str | None, limit: int,
                 ignore_sigint: bool) -> Served:
    """`serve_deployment` inside its event loop."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals: list[int] = []

    def on_signal(signum: int) -> None:  # in the event loop
        signals.append(signum)
        if len(signals) > 1:
            _end_now(signum)
        stop.set()

    def from_handler(signum: int, _frame: Any = None) -> None:  # Python's signal handler
        loop.call_soon_threadsafe(on_signal, signum)

    signal.signal(signal.SIGTERM, from_handler)
    if not ignore_sigint:  # a background job of a script keeps ignoring Ctrl-C
        signal.signal(signal.SIGINT, from_handler)
    # Prefect's runner, its SIGTERM handler (installed by `Runner.start`) replaced.
    stoppable = internals.runner_class(lambda: from_handler(signal.SIGTERM))
    runner = stoppable(name=name, limit=limit, pause_on_shutdown=False)
    deployment_id = await runner.aadd_flow(
        flow, name=name, schedule=schedule, parameters=parameters, description=description,
        tags=tags, version=version, enforce_parameter_schema=True)
    serving = asyncio.ensure_future(runner.start()) if not stop.is_set() else None
    waiting = asyncio.ensure_future(stop.wait())
    await asyncio.wait([t for t in (serving, waiting) if t is not None],
                       return_when=asyncio.FIRST_COMPLETED)
    failure = serving.exception() if serving is not None and serving.done() else None
    reason = (signal.Signals(signals[0]).name if signals
              else f"the runner stopped: {failure or 'no reason given'}")
    pause_error, removed = await _pause(deployment_id)
    if serving is not None and not serving.done():
        if runner.started:
            await runner.astop()  # cancels the run in progress, stops polling
        else:
            serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
    waiting.cancel()
    return Served(deployment_id, reason, paused=pause_error is None, pause_error=pause_error,
                  failed=not signals, removed_late=removed)


async def _pause(deployment_id: UUID) -> tuple[str | None, int]:
    """Pause the deployment, then remove its scheduled runs that never started (Late ones;
    those a user created by hand are kept). Returns the reason the pause failed (None when
    it did not) and the number of runs removed."""
    from prefect.client.orchestration import get_client

    try:
        async with get_client() as client:
            await asyncio.wait_for(client.pause_deployment(deployment_id), PAUSE_TIMEOUT_SECONDS)
            removed = await asyncio.wait_for(_remove_late_runs(client, deployment_id),
                                             PAUSE_TIMEOUT_SECONDS)
    except Exception as exc:  # reported by the caller; serving stops anyway
        return f"{type(exc).__name__}: {exc}".strip(), 0
    return None, removed


async def _remove_late_runs(client: Any, deployment_id: UUID) -> int:
    """Delete the deployment's automatically scheduled runs that are still Scheduled and never
    ran; how many were deleted."""
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    scheduled = FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])))
    late: list[UUID] = []
    page, offset = 200, 0
    while True:
        runs = await client.read_flow_runs(flow_run_filter=scheduled, limit=page, offset=offset)
        late += [r.id for r in runs if r.auto_scheduled and not r.run_count]
        if len(runs) < page:
            break
        offset += page
    for run_id in late:
        await client.delete_flow_run(run_id)
    return len(late)


def _end_now(signum: int) -> None:
    """A second signal while serving stops: kill the children and exit at once."""
    from flows.lifecycle import kill_children

    print(f"curate: {signal.Signals(signum).name} again: ending now", file=sys.stderr, flush=True)
    kill_children()
    os._exit(128 + signum)
