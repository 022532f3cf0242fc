"""Every use the project makes of how Prefect works inside, in one place.

The rest of the project uses Prefect's public API: flows, tasks, states, the client, the
`Runner`, events, blocks and settings. What is here depends on Prefect's private names or
on what its code does inside, for what the public API does not offer:

- starting the process pool's workers before the flow run (`flows.runners`): the worker
  initializer and the attributes ``ProcessPoolTaskRunner.__enter__`` sets;
- the temporary API server process of ``curate run`` (`flows.api_server`): the application
  factory and environment Prefect's own ``SubprocessASGIServer`` uses, and the settings
  that make its boot cheaper (`SERVER_SETTINGS`); its clients' CA file, which every Prefect
  client loads as it is made (`CLIENT_SETTINGS`);
- sending the events and logs Prefect still holds (`flush_to_api`), re-reading settings
  after the API URL changes (`refresh_settings`), and the SIGTERM handler of `Runner`;
- the flow engine's heartbeat thread, which the end of a flow run waits for
  (`without_heartbeats`);
- the settings a task run on the process pool carries: serialized by the flow process for
  each task it submits and validated again by the worker for each task it runs, 25–60 ms of
  CPU each (`reuse_task_settings`);
- the SIGTERM handler Prefect's flow engine installs while a flow runs in the main thread
  (``capture_sigterm``: the signal becomes a crash of the run), the previous one put back
  when the run ends: `flows.lifecycle.reclaim_signals` relies on both.

``pyproject.toml`` declares ``prefect>=3.8,<4``: 3.8.0 is the first release whose process
pool takes a worker initializer. ``tests/unit/flows/test_prefect_internals.py`` checks every
assumption below against the installed Prefect and names the one that broke;
``make test-prefect-range`` runs it and the flow tests at the lower bound and at the latest
release (docs/development.md). Prefect is imported only inside the functions, so that
`flows.api_server` can start the server before Prefect is imported.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

# --- The process pool task runner -----------------------------------------------------------

#: What ``ProcessPoolTaskRunner.__enter__`` sets on the runner, beyond ``TaskRunner.__enter__``
#: (`adopt_pool` sets the same; the test compares the two).
POOL_ATTRIBUTES = frozenset({"_subprocess_message_queue", "_message_forwarding_thread",
                             "_executor", "_resolver_executor"})
#: The forwarding thread's name, as Prefect names it.
FORWARDER_NAME = "ProcessPoolTaskRunnerMessageForwarder"


def worker_initializer() -> Callable[..., None]:
    """Prefect's initializer of a pool worker process, called with ``(message queue,
    initializer, initargs)``: it routes the worker's logs and events to the parent through
    the queue, then calls ``initializer(*initargs)``."""
    from prefect.task_runners import _initialize_process_pool_worker

    return _initialize_process_pool_worker


def pool_options(runner: Any) -> tuple[int, Callable[..., Any] | None, tuple[Any, ...]]:
    """``(max_workers, initializer, initargs)`` a `ProcessPoolTaskRunner` was made with."""
    return runner._max_workers, runner._initializer, tuple(runner._initargs)


def adopt_pool(runner: Any, executor: ProcessPoolExecutor, queue: Any) -> None:
    """Finish entering ``runner`` (a `ProcessPoolTaskRunner` after ``TaskRunner.__enter__``)
    as its own ``__enter__`` does, with ``executor`` (started with `worker_initializer` and
    ``queue``) in place of a new pool: the thread forwarding the workers' messages runs, and
    the runner submits to ``executor``."""
    runner._subprocess_message_queue = queue
    runner._message_forwarding_thread = threading.Thread(
        target=runner._forward_subprocess_messages, name=FORWARDER_NAME, daemon=True)
    runner._message_forwarding_thread.start()
    runner._executor = executor
    runner._resolver_executor = ThreadPoolExecutor(max_workers=runner._max_workers)


def pool_of(runner: Any) -> ProcessPoolExecutor | None:
    """The pool ``runner`` submits to (None outside its ``with`` block)."""
    return runner._executor


def detach_pool(runner: Any) -> ProcessPoolExecutor | None:
    """Take ``runner``'s pool from it (None without one), so that Prefect's ``__exit__`` does
    not shut it down and wait for its workers: the caller shuts it down."""
    executor, runner._executor = runner._executor, None
    return executor


# --- The temporary API server ---------------------------------------------------------------

#: The ASGI application factory Prefect's temporary server runs.
SERVER_APP = "prefect.server.api.server:create_app"
#: The environment Prefect gives its temporary server process (``SubprocessASGIServer``).
SERVER_ENVIRONMENT = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
#: The temporary server's settings beyond Prefect's own: it registers no block types and does
#: not check whether its database has them (the check imports every Prefect collection
#: installed, prefect-dask and distributed among them: about 0.35 s of the server's boot,
#: which the flow waits for). A run uses no blocks; a server started for the UI (``prefect
#: server start``, ``make ui``) registers them in the same database.
SERVER_SETTINGS = {
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


#: A CA file holding one self-signed certificate whose private key was thrown away as it was
#: made (``openssl req -x509 -newkey ec ... -keyout /dev/null``): no server can prove to be
#: it, so a client given this file trusts no TLS server.
NO_TLS_CA_FILE = Path(__file__).parent / "data" / "no-tls-ca.pem"
#: The settings of the Prefect clients that talk to the temporary API (plain HTTP on
#: loopback: no certificate is ever checked). Prefect builds an SSL context for every client
#: it makes, loading its CA file each time: its default (``SSL_CERT_FILE``'s bundle, else
#: certifi's) costs 20-40 ms of CPU under OpenSSL 3, `NO_TLS_CA_FILE` under 1 ms, and a task
#: run in a worker process makes two clients (`benchmarks/task_overhead.py`).
CLIENT_SETTINGS = {"PREFECT_API_SSL_CERT_FILE": str(NO_TLS_CA_FILE)}


#: What the server's ``python -c`` runs: uvicorn's command line (what ``python -m uvicorn``
#: runs), once the collector's first threshold is raised (`flows.gc_threshold`, a module
#: that imports nothing else): the server's imports and application build make objects that
#: live, which each collection walks again (`benchmarks/gc_threshold.py`).
SERVER_BOOTSTRAP = ("from flows.gc_threshold import raise_gc_threshold; raise_gc_threshold(); "
                    "import uvicorn; uvicorn.main()")


def server_command(python: str, package_parent: str, port: int) -> list[str]:
    """The command line of Prefect's temporary server on loopback ``port``: uvicorn running
    `SERVER_APP` with ``python`` (`SERVER_BOOTSTRAP`), Prefect importable from
    ``package_parent``."""
    return [python, "-c", SERVER_BOOTSTRAP, "--app-dir", package_parent, "--factory", SERVER_APP,
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "error",
            "--lifespan", "on"]


# --- Settings, queued events and logs, the runner's SIGTERM handler --------------------------


class _SettingsMemo:
    """The last settings context serialized in this process and the last one hydrated
    (`reuse_task_settings`); each entry is replaced whole, so threads see one or the other.
    ``originals`` holds Prefect's own two functions while they are replaced; ``built`` counts
    the contexts validated (for the tests)."""

    serialized: tuple[Any, bool, dict[str, Any]] | None = None
    hydrated: tuple[dict[str, Any], dict[str, str], str, Any] | None = None
    originals: tuple[Callable[..., Any], Callable[..., Any]] | None = None
    built = 0


def reuse_task_settings() -> None:
    """Make the settings part of a pool task's context cost its work once per process, not
    once per task: in this process from now on (idempotent; `restore_task_settings` undoes it).

    Prefect sends a task it runs on a process pool the flow's settings: the flow process
    serializes its ``SettingsContext`` for each task it submits (``serialize_context``, 25 ms
    of CPU alone, about 57 ms in a flow run's process), and the worker validates that into a new
    ``Settings`` for each task it runs (``hydrated_context``: pydantic-settings reads the
    environment and the settings files again, about 40 ms). A 10,000-document run spent
    2.9 s of CPU on the two (py-spy, 2026-12-07). Here:

    - ``SettingsContext.serialize`` returns a copy of its last result for the same context
      object (the one a flow run has entered, for all its submissions), the way Prefect's
      ``ProcessPoolTaskRunner`` reuses its environment for the same ``Settings`` object;
    - ``hydrated_context`` enters a copy of the ``SettingsContext`` it last built from equal
      settings, in an equal environment (the pool applies each task's environment before)
      and the same working directory, and hydrates the rest of the context as Prefect does.

    Settings changed between submissions (a new context object: ``temporary_settings``, a
    profile, a new API URL) are serialized and validated again. Two differences from Prefect
    remain: the tasks a worker runs with equal settings share one ``Settings`` object (Prefect
    never changes one in place; a task that did would change its successors'), and a settings
    file (``.env``, ``prefect.toml``, ``profiles.toml``) edited during a run is not read again
    until the settings change. (Prefect 3.8 serialized the whole context once per runner;
    3.9 serializes it for each task, since tags and settings can change between submissions.
    Only the settings part is reused here.) Dask workers are not the job's processes: a Dask
    run reuses nothing.
    """
    if _SettingsMemo.originals is not None:
        return
    import prefect.context as context

    serialize = context.SettingsContext.serialize
    hydrate = context.hydrated_context

    def serialize_once(self: Any, include_secrets: bool = True) -> dict[str, Any]:
        last = _SettingsMemo.serialized
        if last is None or last[0] is not self or last[1] != include_secrets:
            last = (self, include_secrets, serialize(self, include_secrets=include_secrets))
            _SettingsMemo.serialized = last
        return copy.deepcopy(last[2])

    @contextlib.contextmanager
    def hydrated_context(serialized_context: dict[str, Any] | None = None,
                         client: Any = None) -> Any:
        settings = (serialized_context or {}).get("settings_context")
        if not settings:
            with hydrate(serialized_context, client):
                yield
            return
        from prefect.logging.configuration import ensure_logging_setup

        ensure_logging_setup()  # Prefect's order: logging first, with the worker's settings
        environment, folder = dict(os.environ), os.getcwd()
        last = _SettingsMemo.hydrated
        if last is None or last[0] != settings or last[1] != environment or last[2] != folder:
            # kept as a copy: a caller that changes its dict afterwards cannot make it stale
            last = (copy.deepcopy(settings), environment, folder, context.SettingsContext(**settings))
            _SettingsMemo.hydrated = last
            _SettingsMemo.built += 1
        with last[3].model_copy(), hydrate({**serialized_context, "settings_context": {}}, client):
            yield

    _SettingsMemo.originals = (serialize, hydrate)
    context.SettingsContext.serialize = serialize_once  # type: ignore[method-assign]
    context.hydrated_context = hydrated_context  # type: ignore[assignment]


def restore_task_settings() -> None:
    """Undo `reuse_task_settings` in this process: Prefect's own functions back, nothing kept
    (for benchmarks and tests that compare the two)."""
    originals = _SettingsMemo.originals
    if originals is not None:
        import prefect.context as context

        context.SettingsContext.serialize, context.hydrated_context = originals  # type: ignore[method-assign]
    _SettingsMemo.originals = _SettingsMemo.serialized = _SettingsMemo.hydrated = None


def refresh_settings() -> None:
    """Make Prefect re-read its settings (after ``PREFECT_API_URL`` changed in the
    environment), for this thread and the ones it starts."""
    from prefect.context import refresh_global_settings_context

    refresh_global_settings_context()


def without_heartbeats() -> contextlib.AbstractContextManager[Any]:
    """Prefect's settings with flow-run heartbeats off, for a flow run on the temporary API:
    nothing watches that API for crashed runs, and the heartbeat thread, which sleeps a second
    at a time, makes the end of every flow run wait up to a second for it."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def flush_to_api(timeout: float = 5.0) -> None:
    """Send the events and logs Prefect still holds for the API now, waiting at most
    ``timeout`` seconds for each queue; never raises. Prefect's "still processing items"
    notice while doing so is not shown."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (EventsWorker, APILogWorker):
        notices = logging.getLogger(worker.__name__)  # the logger of Prefect's queue services
        level = notices.level
        notices.setLevel(logging.ERROR)
        try:
            worker.drain_all(timeout=timeout, at_exit=False)
        except Exception:  # best effort: the run's outcome is already known
            pass
        finally:
            notices.setLevel(level)


#: The `Runner` method that ``Runner.start`` installs as the process's SIGTERM handler.
RUNNER_SIGTERM_HANDLER = "handle_sigterm"


def runner_class(on_sigterm: Callable[[], None]) -> type[Any]:
    """Prefect's `Runner`, with the SIGTERM handler ``Runner.start`` installs replaced by
    ``on_sigterm`` (called from Python's signal handler)."""
    from prefect.runner import Runner

    def handle_sigterm(self: Any, *args: Any, **kwargs: Any) -> None:
        on_sigterm()

    return type("StoppableRunner", (Runner,), {RUNNER_SIGTERM_HANDLER: handle_sigterm})
