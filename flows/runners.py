"""A Prefect process pool whose worker processes can start before the flow run does.

`curate run` starts Prefect's temporary API server, which takes seconds of one core; the
worker processes spend seconds too, importing Prefect and loading their language data
(`flows.stages.warm_worker`). `EarlyProcessPoolTaskRunner.start_workers` lets both happen at
once: the pool is created and its processes spawned before the flow, then handed to the flow
run's copy of the runner. Without `start_workers` it is Prefect's `ProcessPoolTaskRunner`,
except that after a run that went well its idle workers exit without being waited for.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, _initialize_process_pool_worker


class _EarlyPool:
    """A started pool waiting for the runner that will use it (one use), and the pool the
    flow run's copy of the runner is using (for `EarlyProcessPoolTaskRunner.cancel_all`)."""

    def __init__(self) -> None:
        self.executor: ProcessPoolExecutor | None = None
        self.queue: Any = None
        self.active: ProcessPoolExecutor | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pools and queues belong to this process: a pickled copy (a task's context sent to
        a worker) carries none."""
        return {}

    def __setstate__(self, _state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]


class EarlyProcessPoolTaskRunner(ProcessPoolTaskRunner):
    """`ProcessPoolTaskRunner` plus `start_workers` (see the module docstring).

    Tied to Prefect's own runner (``prefect==3.8.8`` is pinned): ``__enter__`` sets up the
    same executor, message queue, forwarding thread and resolver threads that Prefect's does,
    with the early pool in place of a new one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._early = _EarlyPool()
        #: True in the flow run's copy that took an early pool over.
        self.started_early = False

    def start_workers(self) -> None:
        """Create the pool now and spawn every worker process (each runs the initializer)."""
        if self._early.executor is not None:
            return
        context = multiprocessing.get_context("spawn")  # as Prefect's runner
        self._early.queue = context.Queue()
        self._early.executor = ProcessPoolExecutor(
            max_workers=self._max_workers, mp_context=context,
            initializer=_initialize_process_pool_worker,
            initargs=(self._early.queue, self._initializer, self._initargs),
        )
        for _ in range(self._max_workers):  # one submission per process: spawns them all
            self._early.executor.submit(os.getpid)

    def duplicate(self) -> EarlyProcessPoolTaskRunner:
        """A copy for one flow run (Prefect duplicates the runner), sharing the early pool."""
        copy = super().duplicate()
        copy._early = self._early
        return copy  # type: ignore[return-value]

    def cancel_pending(self) -> None:
        """Cancel every task not yet started and refuse new ones, from any thread: for a run
        being stopped (its worker processes are then killed, see `flows.lifecycle`)."""
        executor = self._early.active
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def release_workers(self) -> None:
        """Let the worker processes exit now, once idle, without waiting for them: for a flow
        run that will submit no more tasks (their exit takes about a second, which then
        overlaps the run's last steps instead of delaying its end). What they still send
        (logs, events) is forwarded until the runner exits. A later `submit` fails."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        """Prefect's exit, except that after a run that went well the idle worker processes
        exit on their own (about a second here, freeing their memory) while the flow run
        finishes, instead of being waited for; the interpreter joins them at exit."""
        if exc_type is None and self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        super().__exit__(exc_type, exc_value, traceback)

    def __enter__(self) -> EarlyProcessPoolTaskRunner:
        executor, queue = self._early.executor, self._early.queue
        if executor is None:
            super().__enter__()
            self._early.active = self._executor
            return self
        self._early.executor = self._early.queue = None
        self.started_early = True
        TaskRunner.__enter__(self)
        self._subprocess_message_queue = queue
        self._message_forwarding_thread = threading.Thread(
            target=self._forward_subprocess_messages,
            name="ProcessPoolTaskRunnerMessageForwarder",
            daemon=True,
        )
        self._message_forwarding_thread.start()
        self._executor = self._early.active = executor
        self._resolver_executor = ThreadPoolExecutor(max_workers=self._max_workers)
        return self
