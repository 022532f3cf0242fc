"""A run's processes: stopped within seconds, and never outliving the run.

- `RunGuard` (used by ``curate run``) turns SIGINT and SIGTERM into a stop: the worker
  processes are killed at once (their batches are only staging), the main thread is
  interrupted so the flow fails and removes its staging, and if unwinding takes longer than
  `STOP_GRACE_SECONDS` every child is killed and the process exits anyway. It also watches the
  processes the run cannot do without (its temporary Prefect API server) and stops the run
  the same way when one of them dies. Exit statuses: 130 for SIGINT, 143 for SIGTERM (as
  shells report them), 1 for a dead server. `signals_held` covers the moments before the
  guard exists: a signal received from the start of ``curate run`` is held and the guard, once
  made, stops the run with it, so a stop has the same outcome whenever it comes; and the
  interruption of a stop that Python could only print (it came in an at-fork hook or a
  finaliser) is raised again.
- `exit_with_parent` (worker processes) and `die_with_parent` (the API server, started with
  it as ``preexec_fn``) make children end when the process that started them dies, even by
  SIGKILL, so no worker holding a GB of memory or server is left behind.
"""

from __future__ import annotations

import _thread
import contextlib
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import psutil

#: Seconds a stopped run gets to unwind (report its state, remove its staging) before it is
#: ended by force.
STOP_GRACE_SECONDS = 6.0
#: The same when the run's API server died: the run cannot report anything any more.
DEAD_SERVER_GRACE_SECONDS = 2.0
#: How often watchers look at the processes they watch.
POLL_SECONDS = 0.25
#: When a stop's `KeyboardInterrupt` was lost (see `RunGuard`), after how long the main thread
#: is interrupted again.
INTERRUPT_AGAIN_SECONDS = 0.05

_PR_SET_PDEATHSIG = 1
#: The signals that stop a run.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def die_with_parent() -> None:
    """In a child process between fork and exec (``preexec_fn``): ask the kernel to send it
    SIGTERM when the thread that started it ends (Linux; elsewhere nothing happens). Start such
    children from the main thread, which lives as long as the process."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def exit_with_parent() -> None:
    """In a process started by `multiprocessing` (a pool worker): a daemon thread ends it as
    soon as its parent process ends, SIGKILL included (it waits on the parent's sentinel, so it
    works whichever thread of the parent started it). Idempotent."""
    global _watching_parent
    parent = multiprocessing.parent_process()
    if _watching_parent or parent is None:
        return
    _watching_parent = True

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


_watching_parent = False


def kill_children(spare: set[int] | frozenset[int] = frozenset(), timeout: float = 2.0) -> list[int]:
    """SIGKILL every descendant of this process except the pids in ``spare`` and their own
    descendants; returns the pids killed, once they are gone (or ``timeout`` passed)."""
    me = psutil.Process()
    try:
        children = me.children(recursive=True)
    except psutil.Error:
        return []
    spared: set[int] = set(spare)
    for child in children:
        if child.pid in spare:
            with contextlib.suppress(psutil.Error):
                spared |= {c.pid for c in child.children(recursive=True)}
    victims = [c for c in children if c.pid not in spared and not _is_resource_tracker(c)]
    for child in victims:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(victims, timeout=timeout)
    return [c.pid for c in victims]


def _is_resource_tracker(process: psutil.Process, settle: float = 0.5) -> bool:
    """Whether ``process`` is multiprocessing's resource tracker: it exits with this process,
    and killing it early makes it print errors as it is relaunched. A child spawned a moment
    ago has an empty command line until its exec is done: it is read again for up to
    ``settle`` seconds."""
    deadline = time.monotonic() + settle
    try:
        while (not (cmdline := process.cmdline()) and time.monotonic() < deadline
               and process.status() != psutil.STATUS_ZOMBIE):
            time.sleep(0.01)
        # its ``-c`` program; not a ``-W…:multiprocessing.resource_tracker`` option, which
        # every child started by multiprocessing inherits from `flows.cli` (a spawned fork
        # server too; a forked one has the command's command line)
        return any(part.startswith("from multiprocessing.resource_tracker import") for part in cmdline)
    except psutil.Error:
        return False


class _Held:
    """The signal handler of `signals_held`: it keeps the first stop signal received."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.replaced: dict[int, Any] = {}  # the handlers it replaced, put back after it

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum


#: The `_Held` of `signals_held` while no `RunGuard` has taken the signals over, else None.
_holding: _Held | None = None


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (main thread) from now until a `RunGuard` takes them over.

    Guarantees: the first one received in between is neither lost nor acted on by Python's
    defaults (SIGTERM would kill the process, SIGINT raise `KeyboardInterrupt` anywhere): the
    next `RunGuard` to start stops the run with it at once (`RunGuard.stopped` is then true as
    the guard is entered). If no guard starts (a usage error ends the command first), the
    previous handlers are put back on exit and a held signal is dropped.
    """
    global _holding
    held = _Held()
    for signum in STOP_SIGNALS:
        held.replaced[signum] = signal.signal(signum, held)
    _holding = held
    try:
        yield
    finally:
        if _holding is held:  # no guard took them over
            _holding = None
            for signum, handler in held.replaced.items():
                signal.signal(signum, handler)


class RunGuard:
    """Signals and watched processes of one ``curate run`` (see the module docstring).

    Use as a context manager in the main thread around the run; after it, `stopped` tells
    whether the run was stopped, `reason` why and `exit_status` with which status to exit.
    ``on_stop`` runs first when the run is stopped (e.g. to cancel the tasks not yet started,
    before the workers are killed); ``on_force_exit`` just before a forced exit (e.g. to stop
    the API server). Either may be set after the guard is made. Entered inside `signals_held`,
    it takes over the held signals: one received before is a stop as the guard is entered.
    """

    def __init__(self, grace_seconds: float = STOP_GRACE_SECONDS,
                 on_stop: Callable[[], None] | None = None,
                 on_force_exit: Callable[[], None] | None = None) -> None:
        self.grace_seconds = grace_seconds
        self.on_stop = on_stop
        self.on_force_exit = on_force_exit
        self.reason: str | None = None
        self.exit_status = 0
        self.spare: set[int] = set()  # children that must outlive a stop (the API server)
        self._previous: dict[int, Any] = {}
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._interrupting = False
        self._unwatched: set[int] = set()
        self._unraisable_hook = sys.unraisablehook
        self._raised: KeyboardInterrupt | None = None  # the last one `_on_signal` raised

    @property
    def stopped(self) -> bool:
        """Whether a signal or a dead process stopped the run."""
        return self.reason is not None

    def __enter__(self) -> RunGuard:
        global _active, _holding
        held, _holding = _holding, None
        for signum in STOP_SIGNALS:
            replaced = signal.signal(signum, self._on_signal)
            self._previous[signum] = held.replaced[signum] if held is not None else replaced
        _active = self
        self._unraisable_hook, sys.unraisablehook = sys.unraisablehook, self._on_unraisable
        if held is not None and held.signum is not None:  # read once the guard handles them
            self.stop(_signal_reason(held.signum), 128 + held.signum, interrupt=False)
        return self

    def __exit__(self, *exc: object) -> None:
        global _active
        _active = None
        self._done.set()
        sys.unraisablehook = self._unraisable_hook
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def watch(self, process: subprocess.Popen[Any], what: str) -> None:
        """Stop the run (status 1) if ``process`` exits before the run ends; the process is
        spared when the workers are killed."""
        self.spare.add(process.pid)

        def poll() -> None:
            while not self._done.wait(POLL_SECONDS):
                status = process.poll()
                if process.pid in self._unwatched:
                    return
                if status is not None:
                    # Nothing can be reported without it: a short grace, then a forced exit.
                    self.stop(f"{what} (pid {process.pid}) exited with status {status} during the run",
                              1, grace_seconds=DEAD_SERVER_GRACE_SECONDS)
                    return

        threading.Thread(target=poll, name=f"watch-{process.pid}", daemon=True).start()

    def unwatch(self, process: subprocess.Popen[Any]) -> None:
        """Stop watching ``process`` (before ending it on purpose)."""
        self._unwatched.add(process.pid)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopped:
            self.stop(_signal_reason(signum), 128 + signum, interrupt=False)
        elif self._interrupting:  # our own interruption of the main thread (see `stop`)
            self._interrupting = False
        else:
            self._force_exit()  # a second signal: the operator does not want to wait
        self._raised = KeyboardInterrupt(self.reason)
        raise self._raised

    def _on_unraisable(self, unraisable: Any) -> None:
        """Raise a stop's `KeyboardInterrupt` again when Python could only print it: the
        signal came while the main thread ran code whose exceptions are not raised (an at-fork
        hook as the temporary API's process is forked, a finaliser), so that it does not
        unwind (other exceptions go to the previous hook). The main thread is
        interrupted again from another thread `INTERRUPT_AGAIN_SECONDS` later, once out of
        that code: no stop is lost (the run would go on until ended by force, or fail)."""
        if self._raised is not None and unraisable.exc_value is self._raised:
            again = threading.Timer(INTERRUPT_AGAIN_SECONDS, self._interrupt_main)
            again.daemon = True
            again.start()
        else:
            self._unraisable_hook(unraisable)

    def _interrupt_main(self) -> None:
        """Run `_on_signal` in the main thread, which raises `KeyboardInterrupt`."""
        self._interrupting = True
        _thread.interrupt_main()

    def stop(self, reason: str, exit_status: int, interrupt: bool = True,
             grace_seconds: float | None = None) -> bool:
        """Stop the run: kill the workers, interrupt the main thread (with ``interrupt``, from
        another thread; the signal handler raises itself), and end the process by force after
        ``grace_seconds`` (default: the guard's). Only the first stop counts; True for it."""
        with self._lock:
            if self.stopped:
                return False
            self.reason, self.exit_status = reason, exit_status
            if grace_seconds is not None:
                self.grace_seconds = grace_seconds
        print(f"curate: {reason}: stopping the run", file=sys.stderr, flush=True)
        if self.on_stop is not None:
            with contextlib.suppress(Exception):
                self.on_stop()
        kill_children(self.spare)
        threading.Thread(target=self._deadline, name="stop-deadline", daemon=True).start()
        if interrupt:
            self._interrupt_main()
        return True

    def _deadline(self) -> None:
        if not self._done.wait(self.grace_seconds):
            self._force_exit()

    def _force_exit(self) -> None:
        print(f"curate: run not finished {self.grace_seconds:g}s after it was stopped "
              f"({self.reason}): ended by force", file=sys.stderr, flush=True)
        if self.on_force_exit is not None:
            with contextlib.suppress(Exception):
                self.on_force_exit()
        kill_children()
        os._exit(self.exit_status or 1)


def _signal_reason(signum: int) -> str:
    """The reason of a stop by ``signum``: ``stopped by SIGTERM``."""
    return f"stopped by {signal.Signals(signum).name}"


#: The `RunGuard` of this process while one is active (``curate run``), else None.
_active: RunGuard | None = None


def reclaim_signals() -> None:
    """Give SIGINT and SIGTERM back to this process's active `RunGuard`, if there is one and
    this is the main thread; else do nothing.

    A flow run calls it first: Prefect's flow engine installs its own SIGTERM handler for the
    run (see `flows.prefect_internals`), which turns the signal into a
    crash of the flow that leaves the worker processes running while the staging they write
    to is removed (the run then ends Failed, exit 1, instead of stopped, 143). The engine
    puts the guard's handler back when the run ends, as it found it.
    """
    guard = _active
    if guard is None or threading.current_thread() is not threading.main_thread():
        return
    for signum in STOP_SIGNALS:
        signal.signal(signum, guard._on_signal)

