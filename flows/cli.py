"""The ``curate`` command line: ``curate run`` (once) and ``curate serve`` (on a schedule).

Arguments are checked before Prefect is imported (`flows.cli_args`: a bad one is a one-line
usage error, exit 2, in well under a second); `main` is the entry point. The help texts (``curate --help``,
``curate run --help``) hold examples, the exit statuses (`EXIT_STATUSES`) and the environment
variables; docs/usage.md says the same at length.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from flows import prefect_internals as internals
from flows.cli_args import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_STATUSES,
    check,
    job_version,
    settings_of,
    usage_exit,
)
from flows.cli_args import build_parser as _build_parser
from flows.gc_threshold import raise_gc_threshold

__all__ = ["EXIT_STATUSES", "FLOW_NAME", "build_parser", "cmd_run", "cmd_serve",
           "deployment_name", "main", "settings_of", "task_runner"]

if TYPE_CHECKING:
    from flows.api_server import TemporaryAPI
    from flows.lifecycle import RunGuard
    from flows.settings import RunSettings

#: The flow's name in Prefect (`flows.curate.curate_flow`), for messages printed before import.
FLOW_NAME = "curate-news"

# Quiet, private defaults for Prefect; the user's own environment wins.
for _key, _value in {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "60",
}.items():
    os.environ.setdefault(_key, _value)


def task_runner(workers: int, dask_address: str | None, translator: str = "embedded",
                translator_options: dict[str, Any] | None = None, tracebacks: bool = True) -> Any:
    """The task runner for the batch stages: Dask when asked, else a local process pool whose
    worker processes load the language data as they start (`flows.stages.warm_worker`) and
    can be started before the flow (`flows.runners.EarlyProcessPoolTaskRunner`)."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        if dask_address == "local":
            return DaskTaskRunner(cluster_kwargs={"n_workers": max(workers, 1), "threads_per_worker": 1,
                                                  "processes": True})
        return DaskTaskRunner(address=dask_address)
    from prefect.task_runners import ThreadPoolTaskRunner

    if workers > 1:
        from flows.runners import EarlyProcessPoolTaskRunner
        from flows.stages import warm_worker

        return EarlyProcessPoolTaskRunner(max_workers=workers, initializer=warm_worker,
                                          initargs=(translator, translator_options, tracebacks),
                                          preload=(translator, translator_options))
    return ThreadPoolTaskRunner(max_workers=1)


def likely_new_bytes(raw: str, curated: str) -> int:
    """Bytes of the raw files modified since the dataset's last run manifest (all of them for
    a new dataset): a cheap guess, made before the flow, of how much the run will read. It
    only decides whether to start the worker processes early; discovery (by SHA-256) decides
    what is read."""
    runs = Path(curated) / "_runs"
    since = max((p.stat().st_mtime for p in runs.glob("*.json")), default=0.0) if runs.is_dir() else 0.0
    total = 0
    for root, _dirs, files in os.walk(raw):
        for name in files:
            with contextlib.suppress(OSError):
                st = os.stat(os.path.join(root, name))
                if st.st_mtime > since:
                    total += st.st_size
    return total


def _finish(args: argparse.Namespace, status: str, exit_status: int, reason: str | None = None,
            *, prefix: str = "run failed", hint: str = "", summary: dict[str, Any] | None = None,
            flow_run_id: object | None = None) -> int:
    """Print the command's outcome and return ``exit_status``: a ``reason`` as one line on
    stderr (``curate: <prefix>: <reason><hint>``); on stdout the summary line, or with
    ``--json`` one JSON object whatever the outcome (`flows.console.outcome_json`). Durations
    are the whole command's, from process start."""
    from flows.console import outcome_json, seconds_since_start, summary_line

    seconds = seconds_since_start()
    if reason is not None:
        print(f"curate: {prefix}: {reason}{hint}", file=sys.stderr)
    if args.json:
        manifest = None
        if summary and summary.get("run_id"):
            path = Path(args.curated) / "_runs" / f"{summary['run_id']}.json"
            manifest = str(path) if path.is_file() else None
        print(outcome_json(status, exit_status, seconds, error=reason, summary=summary,
                           flow_run_id=flow_run_id, manifest=manifest))
    elif summary is not None:
        print(summary_line(summary, seconds))
    sys.stdout.flush()
    sys.stderr.flush()
    return exit_status


def cmd_run(args: argparse.Namespace) -> int:
    """Run the flow once; print the summary line (or ``--json``'s object); the exit status
    says how the run ended (`EXIT_STATUSES`).

    The dataset's lock is taken first, before Prefect is imported or its API started, so a
    busy dataset answers at once (exit 75). Signals and a dead API server stop the run within
    seconds (`flows.lifecycle.RunGuard`), whenever they come: a SIGINT or SIGTERM received
    since `main` began (`flows.lifecycle.signals_held`), while waiting for the lock
    (``--wait``) or before the flow starts is a stop like one during the flow (exit 130 or 143,
    ``curate: run stopped: stopped by SIGTERM``, ``--json``'s one line) that adds nothing to
    the dataset, also when the code it interrupts wraps the guard's ``KeyboardInterrupt`` in
    an exception of its own.
    """
    from flows.errors import LockBusy
    from flows.lifecycle import RunGuard
    from flows.lock import run_lock

    with RunGuard() as guard:
        try:
            if not guard.stopped:  # else by a signal held since `main` began
                with contextlib.ExitStack() as locked:
                    try:
                        locked.enter_context(run_lock(Path(args.curated), args.wait,
                                                      owner="curate run"))
                    except OSError as exc:  # the curated folder cannot be created or locked
                        return _finish(args, "failed", EXIT_FAILED,
                                       f"{args.curated}: {exc.strerror or exc}", prefix="not run")
                    return _run_locked(args, guard)
        except LockBusy as exc:
            return _finish(args, "busy", EXIT_BUSY, str(exc), prefix="not run")
        except OSError as exc:  # elsewhere than the lock: e.g. a Prefect setting naming no file
            return _finish(args, "failed", EXIT_FAILED, f"{type(exc).__name__}: {exc}")
        except (KeyboardInterrupt, Exception):  # the guard's, before the flow (which reports
            if not guard.stopped:  # its own), or wrapped by the code it interrupted
                raise
        _stopped(args, guard, locked=False)


def _run_locked(args: argparse.Namespace, guard: RunGuard) -> int:
    """`cmd_run` once the lock is held, under ``guard``."""
    api = _temporary_api()
    guard.on_force_exit = lambda: _clean_up_stopped(args, api)
    if api is not None:
        idle = _idle_run(args, guard)  # nothing new: done before the API has booted
        if idle is not None:
            api.stop()
            return _finish(args, "completed", EXIT_OK, summary=idle)
        print(f"curate: temporary Prefect API on {api.url} for this run only, without UI "
              "(set PREFECT_API_URL to use a Prefect server of your own)", file=sys.stderr)
    start_early = _plan_batches(args)
    workers = args.workers if args.settings.parallel else 1
    state = result = None
    api_environment = contextlib.ExitStack()  # the temporary API's, once it answers
    flow_seconds = 0.0
    try:
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        from flows.console import hide_tracebacks
        from flows.curate import curate_flow
        from flows.errors import ServerUnavailable

        if start_early and workers > 1 and not args.dask_address:
            from flows import fork_server

            # the early pool's fork server, forked with the flow's modules imported, loads the
            # workers' data while Prefect's API starts
            fork_server.start((args.translator, dict(args.translator_options) or None))
        if not args.verbose:
            hide_tracebacks()
        runner = task_runner(workers, args.dask_address, args.translator,
                             dict(args.translator_options) or None, tracebacks=args.verbose)
        if hasattr(runner, "cancel_pending"):
            guard.on_stop = runner.cancel_pending  # no task starts once the run is stopped
        if hasattr(runner, "start_workers") and start_early:
            runner.start_workers()  # forked on a thread once the fork server has loaded
        flow = curate_flow.with_options(task_runner=runner, timeout_seconds=args.timeout)
        if api is not None:
            try:
                api.wait(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
            except ServerUnavailable as exc:
                if guard.stopped:  # the run was stopped meanwhile, and its server with it
                    raise
                return _finish(args, "failed", EXIT_FAILED, str(exc))
            assert api.process is not None
            guard.watch(api.process, "the temporary Prefect API")
            # this process's threads and the workers talk to it (`TemporaryAPI.client_environment`)
            api_environment.enter_context(api.client_environment_set())
            internals.refresh_settings()
        flow_started = time.monotonic()
        with internals.without_heartbeats() if api is not None else contextlib.nullcontext():
            state = flow(settings=args.settings, return_state=True)
        flow_seconds = time.monotonic() - flow_started
        result = state.result(raise_on_failure=False)
    except (KeyboardInterrupt, Exception):
        # the guard's KeyboardInterrupt, maybe wrapped by the code it interrupted (pydantic's, as
        # Prefect dumps its settings), or a server it stopped (docs/guarantees.md, Stopping a run)
        if not guard.stopped:
            raise
    finally:
        if api is not None:
            if not guard.stopped:
                internals.flush_to_api()
            if api.process is not None:
                guard.unwatch(api.process)
            api.stop()
            api_environment.close()
            with contextlib.suppress(Exception):
                internals.refresh_settings()
    if guard.stopped:
        _stopped(args, guard)
    from flows.errors import LockBusy

    flow_run_id = state.state_details.flow_run_id if state is not None else None
    if isinstance(result, LockBusy):
        return _finish(args, "busy", EXIT_BUSY, str(result), prefix="not run",
                       flow_run_id=flow_run_id)
    if state is None or isinstance(result, BaseException) or not state.is_completed():
        reason = str(result).strip().splitlines()[0] if str(result).strip() else type(result).__name__
        if state is not None and state.name == "TimedOut":
            # Prefect's message may name the timeout of the task the run was in when its own
            # timeout fired: the elapsed time tells which one it was.
            reason = (f"TimedOut: the run took longer than its --timeout of "
                      f"{_plain_seconds(args.timeout)} s" if flow_seconds >= args.timeout
                      else f"TimedOut: {state.message or reason}")
        return _finish(args, "failed", EXIT_FAILED, reason, flow_run_id=flow_run_id,
                       hint="" if args.verbose else " (--verbose shows the traceback)")
    return _finish(args, "completed", EXIT_OK, summary=result, flow_run_id=flow_run_id)


def _plan_batches(args: argparse.Namespace) -> bool:
    """Where the run's batches go, from the bytes of its new files (`likely_new_bytes`);
    returns whether to start the worker processes now, while Prefect's API starts (from
    ``CURATE_EARLY_WORKERS_BYTES``).

    A run with under ``CURATE_IN_PROCESS_BYTES`` new, unless ``--workers`` or
    ``--dask-address`` says otherwise, cleans and fingerprints its batches in this process
    (``args.settings.parallel`` set to False), which starts loading what they need now, on a
    thread: worker processes would load it again and cost more than they save
    (`benchmarks/small_run.py`)."""
    from flows.settings import environment

    env = environment()
    new_bytes = likely_new_bytes(args.raw, args.curated)
    if new_bytes < env.in_process_bytes and not args.workers_given and not args.dask_address:
        args.settings = args.settings.model_copy(update={"parallel": False})
        options = dict(args.translator_options) or None
        threading.Thread(target=_preload, args=(args.translator, options), name="preload",
                         daemon=True).start()
    return new_bytes >= env.early_workers_bytes


def _preload(translator: str, options: dict[str, Any] | None) -> None:
    from flows.stages.clean_fingerprint import preload_run

    preload_run(translator, options)


def _idle_run(args: argparse.Namespace, guard: RunGuard) -> dict[str, Any] | None:
    """The summary of the run when it finds no new file, recorded without Prefect
    (`flows.idle.run_if_idle`; what recovery did and the paths not read are said on stderr);
    else None (recovery's actions said on stderr too), and the flow runs. Any error is left
    to the flow, which reports it as a run's failure (with its alerts), but for a stop that
    the code it interrupted wrapped in an exception of its own (``guard`` is stopped): that
    one is raised, and the run goes no further."""
    from dataclasses import asdict

    from flows.idle import run_if_idle
    from flows.run import MAX_LISTED

    try:
        summary, found, recovered = run_if_idle(args.settings)
    except Exception:
        if guard.stopped:
            raise
        return None
    for line in recovered:
        print(f"curate: recovery: {line}", file=sys.stderr)
    if summary is None:
        return None
    for rel, reason in found.refused[:MAX_LISTED]:
        print(f"curate: not read: {rel} ({reason})", file=sys.stderr)
    if len(found.refused) > MAX_LISTED:
        print(f"curate: ... and {len(found.refused) - MAX_LISTED} more path(s) not read",
              file=sys.stderr)
    return asdict(summary)


def _clean_up_stopped(args: argparse.Namespace, api: TemporaryAPI | None) -> None:
    """What a stopped run leaves: its API server, worker processes and staging (the run
    cannot have passed its commit point while they are there: `store.discard_staging`)."""
    from flows import store
    from flows.lifecycle import kill_children

    if api is not None:
        api.stop()
    kill_children()
    with contextlib.suppress(OSError):
        store.discard_all_staging(store.Layout(Path(args.curated)))


def _stopped(args: argparse.Namespace, guard: RunGuard, *, locked: bool = True) -> NoReturn:
    """End a stopped run: kill what is left of its processes, remove its staging if it holds
    the lock (``locked``; a run stopped before its flow has none, and without the lock the
    staging may be another run's), say why, and exit at once (the lock goes with the
    process): Prefect's exit handlers would otherwise spend a minute retrying to send logs to
    an API that may be gone."""
    if locked:
        _clean_up_stopped(args, None)
    else:
        from flows.lifecycle import kill_children

        kill_children()
    _finish(args, "stopped", guard.exit_status, guard.reason, prefix="run stopped")
    os._exit(guard.exit_status)


def _temporary_api() -> TemporaryAPI | None:
    """A started `flows.api_server.TemporaryAPI` when no Prefect API is configured, else None.

    It is started before Prefect is imported (about a second, which the server then spends
    booting) unless ``PREFECT_API_URL`` is in the environment, and stopped again if the
    Prefect profile names an API (known only once Prefect is imported)."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    from flows.api_server import TemporaryAPI

    api = TemporaryAPI()
    api.start()
    if _api_url() is not None:
        api.stop()
        return None
    return api


def _api_url() -> str | None:
    """The Prefect API this process talks to (environment or profile), or None (ephemeral)."""
    from prefect.settings import PREFECT_API_URL

    return os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value() or None


def _plain_seconds(seconds: float) -> str:
    """``60.0`` → ``60``, ``0.5`` → ``0.5`` (no exponent)."""
    return f"{seconds:f}".rstrip("0").rstrip(".")


def deployment_name(interval: float | None, cron: str | None) -> str:
    """The default deployment name, from the schedule: ``curate-news-every-60s`` for
    ``--interval 60``; ``curate-news-hourly`` and ``curate-news-daily`` for the crons
    ``0 * * * *`` and ``0 0 * * *``; else ``curate-news-cron-`` and the cron's fields joined
    by ``_``, ``*`` written ``x`` and ``/`` written ``every`` (``*/15 * * * *`` →
    ``curate-news-cron-every15_x_x_x_x``). Guarantees: no character Prefect refuses in a
    name; different schedules, different names."""
    if interval is not None:
        return f"{FLOW_NAME}-every-{_plain_seconds(interval)}s"
    fields = (cron or "0 * * * *").split()
    named = {("0", "*", "*", "*", "*"): "hourly", ("0", "0", "*", "*", "*"): "daily"}
    if tuple(fields) in named:
        return f"{FLOW_NAME}-{named[tuple(fields)]}"
    slug = "_".join(f.replace("*/", "every").replace("*", "x").replace("/", "every")
                    for f in fields)
    return f"{FLOW_NAME}-cron-{slug.replace('@', '')}"


def cmd_serve(args: argparse.Namespace) -> int:
    """Register the deployment and execute its scheduled runs until stopped (blocks).

    Needs a Prefect server (``make ui``; ``PREFECT_API_URL``): an ephemeral API has no
    scheduler, so nothing would ever run. Ctrl-C (SIGINT) or SIGTERM pauses the deployment,
    cancels the run in progress (its staging is cleaned up by the next run) and exits 0
    (`flows.runners.serve_deployment`). The Redis URL, a secret, is not a deployment
    parameter: the runs inherit it as ``CURATE_REDIS_URL``.
    """
    api = _api_url()
    if not api:
        print("curate: serve needs a Prefect server, none is configured: start one with make ui "
              "and export PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr)
        return EXIT_FAILED
    from prefect.schedules import Cron, Interval

    if args.interval:
        schedule = Interval(args.interval, timezone=args.timezone)
        when = f"every {_plain_seconds(args.interval)} s"
    else:
        cron = args.cron or "0 * * * *"
        try:
            schedule = Cron(cron, timezone=args.timezone)
        except ValueError as exc:
            usage_exit("curate serve", f"argument --cron: {' '.join(str(exc).split())}")
        when = f"on the cron schedule {cron} ({args.timezone})"
    name = args.name or deployment_name(args.interval, args.cron)

    from flows.curate import curate_flow
    from flows.runners import serve_deployment

    settings: RunSettings = args.settings
    if settings.redis_url is not None:  # inherited by the runs' processes, never sent to the API
        os.environ["CURATE_REDIS_URL"] = settings.redis_url.get_secret_value()
    flow = curate_flow.with_options(timeout_seconds=args.timeout, task_runner=task_runner(
        args.workers, args.dask_address, args.translator, dict(args.translator_options) or None))
    description = (
        f"Curates the new raw files of {os.path.abspath(settings.raw_dir)} into the Parquet "
        f"dataset {os.path.abspath(settings.curated_dir)}, {when}, one run at a time. Served "
        f"by curate serve on {socket.gethostname()}; stopping it pauses this deployment.")
    print(f"curate: serving deployment {FLOW_NAME}/{name} {when} against {api}; "
          "Ctrl-C or SIGTERM stops serving and pauses it", file=sys.stderr, flush=True)
    try:
        served = serve_deployment(flow, name=name, schedule=schedule, limit=1, parameters={
            "settings": settings.model_dump(mode="json", exclude={"redis_url"})},
            description=description, tags=["curation"], version=job_version())
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"curate: serve failed: {reason}", file=sys.stderr)
        return EXIT_FAILED
    paused = ("the deployment is paused" if served.paused
              else f"the deployment could not be paused ({served.pause_error}): pause it in the UI")
    if served.removed_late:
        paused += f", {served.removed_late} late scheduled run(s) that never started removed"
    print(f"curate: stopped serving {FLOW_NAME}/{name} ({served.reason}); {paused}",
          file=sys.stderr, flush=True)
    return EXIT_FAILED if served.failed else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``curate``, its commands bound (`flows.cli_args.build_parser`)."""
    return _build_parser(cmd_run, cmd_serve)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``curate`` console script: parse and check the arguments (usage
    errors exit 2 before Prefect is imported), then run the command.

    With no ``argv`` (the command line), the collector's first threshold is raised before
    Prefect is imported (`flows.gc_threshold`), and what is left is frozen (`gc.freeze`) once
    the command is done: the last collection at exit would walk it all (about 0.5 s after a
    10,000-document run, RESULTS 2026-12-05) for memory the process's end frees."""
    if argv is None:
        raise_gc_threshold()
    status = _command(argv)
    if argv is None:
        gc.freeze()
    return status


def _command(argv: list[str] | None) -> int:
    """`main` without the freeze."""
    words = sys.argv[1:] if argv is None else argv
    if words[:1] == ["compact"]:  # its own options, no run settings (flows/compact.py)
        from flows.compact import compact_main

        return compact_main(words[1:])
    if words[:1] == ["forget"]:  # a takedown: its own options, no Prefect (flows/forget.py)
        from flows.forget import forget_main

        return forget_main(words[1:])
    if words[:1] == ["migrate"]:  # schema migration: its own options, no Prefect (flows/migrate.py)
        from flows.migrate import migrate_main

        return migrate_main(words[1:])
    from flows.lifecycle import signals_held

    # `curate run` stops on a signal from here on, before its `RunGuard` too (`cmd_run`)
    with signals_held() if words[:1] == ["run"] else contextlib.nullcontext():
        parser = build_parser()
        args = parser.parse_args(argv)
        check(args)
        # A stopped run's pool leaves its semaphores to multiprocessing's resource tracker,
        # which cleans them up and would warn about it on the terminal: the stop was asked for.
        sys.warnoptions.append("ignore::UserWarning:multiprocessing.resource_tracker")
        try:
            return args.func(args)
        except KeyboardInterrupt:
            print("curate: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
