"""The ``curate`` command line: ``curate run`` and ``curate serve``."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from flows.api_server import TemporaryAPI
    from flows.lifecycle import RunGuard
    from flows.settings import RunSettings

EXIT_OK, EXIT_FAILED, EXIT_BUSY = 0, 1, 75

# Quiet, private defaults for Prefect; the user's own environment wins.
for _key, _value in {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "60",
}.items():
    os.environ.setdefault(_key, _value)


def _option(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` → (key, value), the value parsed as JSON when it is JSON, else text."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def _positive_int(text: str) -> int:
    """An argument that must be a whole number above zero (``1_000`` and ``1,000`` accepted)."""
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero, got {value}")
    return value


def _common(p: argparse.ArgumentParser) -> None:
    """The options of ``run`` and ``serve``: one per field of `flows.settings.RunSettings`,
    with its default."""
    from typing import get_args

    from flows.settings import DEFAULTS, Translator, environment

    d = DEFAULTS
    p.add_argument("--raw", default=d.raw_dir, help=f"landing folder of raw files (default: {d.raw_dir}/)")
    p.add_argument("--curated", default=d.curated_dir,
                   help=f"output dataset folder (default: {d.curated_dir}/)")
    p.add_argument("--translator", default=d.translator, choices=get_args(Translator),
                   help=f"translation backend (default {d.translator})")
    p.add_argument("--translator-option", action="append", default=[], metavar="KEY=VALUE",
                   type=_option, dest="translator_options",
                   help="backend option, repeatable (e.g. model_dir=models/opus-mt-fr-en); "
                        "values are read as JSON when they parse (2, true), else as text")
    p.add_argument("--batch-size", type=_positive_int, default=d.batch_size,
                   help=f"records per batch (default {d.batch_size})")
    p.add_argument("--max-text-chars", type=_positive_int, default=d.max_text_chars,
                   help=f"longer records are quarantined (default {d.max_text_chars:,})")
    p.add_argument("--apostrophe", choices=["straight", "curly"], default=d.apostrophe)
    p.add_argument("--double-quotes", choices=["straight", "curly"], default=d.double_quotes)
    p.add_argument("--guillemet-space", choices=["nbsp", "nnbsp", "space"], default=d.guillemet_space)
    p.add_argument("--keep-promos", action="store_true", help="do not strip interstitial promos")
    p.add_argument("--drop-captions", action="store_true",
                   help="remove [caption]/[wp_caption] shortcodes with their text "
                        "(default: the caption text is kept as a paragraph)")
    p.add_argument("--unknown-shortcodes", choices=["unwrap", "drop", "keep"],
                   default=d.unknown_shortcodes,
                   help=f"shortcodes no list names: keep their text, drop them with it, or leave "
                        f"them as they are (default {d.unknown_shortcodes})")
    p.add_argument("--drop-shortcode", action="append", default=[], metavar="NAME",
                   dest="drop_shortcodes", help="also remove this shortcode with its content (repeatable)")
    p.add_argument("--unwrap-shortcode", action="append", default=[], metavar="NAME",
                   dest="unwrap_shortcodes", help="also remove this shortcode, keeping its content (repeatable)")
    p.add_argument("--match-threshold", type=float, default=d.match_threshold,
                   help=f"similarity for a same-language duplicate (default {d.match_threshold})")
    p.add_argument("--cross-lingual-threshold", type=float, default=d.cross_lingual_threshold,
                   help=f"similarity for a duplicate in another language (default {d.cross_lingual_threshold})")
    p.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                   help="worker processes for clean and fingerprint (default: all cores)")
    p.add_argument("--dask-address", default=None,
                   help="run batches on this Dask scheduler (tcp://host:8786), or 'local' for a LocalCluster")
    limits = p.add_argument_group("limits on what one raw file may hold (a file over a limit "
                                  "keeps the records before it; the rest is one quarantine row)")
    limits.add_argument("--max-file-bytes", type=_positive_int, default=d.max_file_bytes, metavar="N",
                        help=f"bytes read from one file once decompressed (default {_size(d.max_file_bytes)})")
    limits.add_argument("--max-whole-file-bytes", type=_positive_int, default=d.max_whole_file_bytes,
                        metavar="N", help="size of a json, csv, txt, html or xml file, read whole into "
                        f"memory, once decompressed (default {_size(d.max_whole_file_bytes)})")
    limits.add_argument("--max-line-bytes", type=_positive_int, default=d.max_line_bytes, metavar="N",
                        help=f"one JSONL line or CSV field (default {_size(d.max_line_bytes)})")
    limits.add_argument("--max-records-per-file", type=_positive_int, default=d.max_records_per_file,
                        metavar="N", help=f"records read from one file (default {d.max_records_per_file:,})")
    p.add_argument("--wxr-post-type", action="append", default=None, metavar="TYPE",
                   dest="wxr_post_types",
                   help="a WordPress post type whose published items a WXR export gives "
                        f"(repeatable; default {' and '.join(d.wxr_post_types)})")
    p.add_argument("--verbose", action="store_true",
                   help="show the traceback of a failure (otherwise one line)")
    p.add_argument("--redis-url", default=environment().redis_url,
                   help="keep the LSH index in this Redis (redis://host:6379/0), shared by workers "
                        "and runs (default: $CURATE_REDIS_URL, else in memory)")


def _size(n: int) -> str:
    """``8589934592`` → ``8 GiB`` (for help texts)."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n:,}"


def settings_of(args: argparse.Namespace) -> RunSettings:
    """The run's settings from the parsed options (validated: a bad combination raises
    `pydantic.ValidationError`)."""
    from flows.settings import RunSettings

    return RunSettings(
        raw_dir=args.raw, curated_dir=args.curated, translator=args.translator,
        translator_options=dict(args.translator_options), batch_size=args.batch_size,
        max_text_chars=args.max_text_chars, apostrophe=args.apostrophe,
        double_quotes=args.double_quotes, guillemet_space=args.guillemet_space,
        strip_promos=not args.keep_promos, unknown_shortcodes=args.unknown_shortcodes,
        keep_captions=not args.drop_captions,
        drop_shortcodes=tuple(args.drop_shortcodes), unwrap_shortcodes=tuple(args.unwrap_shortcodes),
        match_threshold=args.match_threshold, cross_lingual_threshold=args.cross_lingual_threshold,
        redis_url=args.redis_url, max_file_bytes=args.max_file_bytes,
        max_whole_file_bytes=args.max_whole_file_bytes, max_line_bytes=args.max_line_bytes,
        max_records_per_file=args.max_records_per_file, lock_wait_seconds=args.wait,
        parallel=args.workers > 1 or bool(args.dask_address),
        **({"wxr_post_types": tuple(args.wxr_post_types)} if args.wxr_post_types else {}),
    )


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
                                          initargs=(translator, translator_options, tracebacks))
    return ThreadPoolTaskRunner(max_workers=1)


def _flush_to_api() -> None:
    """Send the events and logs Prefect still holds for the API now, while a temporary API is
    there to receive them (Prefect would try at exit, once it is gone). Its "still processing
    items" notice while doing so is not shown."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (EventsWorker, APILogWorker):
        notices = logging.getLogger(worker.__name__)  # the logger of Prefect's queue services
        level = notices.level
        notices.setLevel(logging.ERROR)
        try:
            worker.drain_all(timeout=5, at_exit=False)
        except Exception:  # best effort: the run's outcome is already known
            pass
        finally:
            notices.setLevel(level)


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


def cmd_run(args: argparse.Namespace) -> int:
    """Run the flow once; print the summary line; the exit status says how the run ended.

    The dataset's lock is taken first, before Prefect is imported or its API started, so a
    busy dataset answers at once (exit 75). Signals and a dead API server stop the run within
    seconds (`flows.lifecycle.RunGuard`).
    """
    from flows.errors import LockBusy
    from flows.lifecycle import RunGuard
    from flows.lock import run_lock

    if not Path(args.raw).is_dir():
        print(f"curate: not run: the raw folder {args.raw!r} does not exist or is not a folder",
              file=sys.stderr)
        return EXIT_FAILED
    try:
        with run_lock(Path(args.curated), args.wait, owner="curate run"), RunGuard() as guard:
            return _run_locked(args, guard)
    except LockBusy as exc:
        print(f"curate: not run: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as exc:  # the curated folder cannot be created or locked
        print(f"curate: not run: {args.curated}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED


def _run_locked(args: argparse.Namespace, guard: RunGuard) -> int:
    """`cmd_run` once the lock is held, under ``guard``."""
    api = _temporary_api()
    guard.on_force_exit = lambda: _clean_up_stopped(args, api)
    if api is not None:
        print(f"curate: temporary Prefect API on {api.url} for this run "
              "(set PREFECT_API_URL to use a Prefect server of your own)", file=sys.stderr)
    state = result = None
    try:
        from prefect.context import refresh_global_settings_context
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        from flows.console import hide_tracebacks
        from flows.curate import curate_flow
        from flows.errors import ServerUnavailable
        from flows.settings import environment

        if not args.verbose:
            hide_tracebacks()
        runner = task_runner(args.workers, args.dask_address, args.translator,
                             dict(args.translator_options) or None, tracebacks=args.verbose)
        if hasattr(runner, "cancel_pending"):
            guard.on_stop = runner.cancel_pending  # no task starts once the run is stopped
        if hasattr(runner, "start_workers") and likely_new_bytes(args.raw, args.curated) >= environment().early_workers_bytes:
            runner.start_workers()  # they load their language data while the API starts
        flow = curate_flow.with_options(task_runner=runner)
        if api is not None:
            try:
                url = api.wait(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
            except ServerUnavailable as exc:
                print(f"curate: run failed: {exc}", file=sys.stderr)
                return EXIT_FAILED
            assert api.process is not None
            guard.watch(api.process, "the temporary Prefect API")
            # Every thread of this process, and the worker processes, talk to this API.
            os.environ["PREFECT_API_URL"] = url
            refresh_global_settings_context()
        state = flow(settings=args.settings, return_state=True)
        result = state.result(raise_on_failure=False)
    except KeyboardInterrupt:
        if not guard.stopped:
            raise
    finally:
        if api is not None:
            if not guard.stopped:
                _flush_to_api()
            if api.process is not None:
                guard.unwatch(api.process)
            api.stop()
            os.environ.pop("PREFECT_API_URL", None)
            with contextlib.suppress(Exception):
                from prefect.context import refresh_global_settings_context

                refresh_global_settings_context()
    if guard.stopped:
        _stopped(args, guard)
    from flows.errors import LockBusy

    if isinstance(result, LockBusy):
        print(f"curate: not run: {result}", file=sys.stderr)
        return EXIT_BUSY
    if state is None or isinstance(result, BaseException) or not state.is_completed():
        reason = str(result).strip().splitlines()[0] if str(result).strip() else type(result).__name__
        hint = "" if args.verbose else " (--verbose shows the traceback)"
        print(f"curate: run failed: {reason}{hint}", file=sys.stderr)
        return EXIT_FAILED
    from flows.run import RunSummary

    print(RunSummary(**result).line())
    return EXIT_OK


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


def _stopped(args: argparse.Namespace, guard: RunGuard) -> NoReturn:
    """End a stopped run: kill what is left of its workers, remove its staging, say why, and
    exit at once (the lock goes with the process): Prefect's exit handlers would otherwise
    spend a minute retrying to send logs to an API that may be gone."""
    _clean_up_stopped(args, None)
    print(f"curate: run stopped: {guard.reason}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
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


def cmd_serve(args: argparse.Namespace) -> int:
    """Register the deployment and serve it on a cron or interval schedule (blocks until stopped).

    Needs a Prefect server (``make ui``; ``PREFECT_API_URL``): an ephemeral API has no
    scheduler, so nothing would ever run. Ctrl-C (SIGINT) or SIGTERM stops serving and pauses
    the deployment; a run in progress is interrupted (shown as Crashed) and its staging is
    cleaned up by the next run.
    """
    from prefect.schedules import Cron, Interval

    api = _api_url()
    if not api:
        print("curate: serve needs a Prefect server, none is configured: start one with `make ui` "
              "and export PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr)
        return EXIT_FAILED
    if args.interval is not None and args.interval <= 0:
        print("curate: --interval must be a positive number of seconds", file=sys.stderr)
        return EXIT_FAILED
    if args.interval:
        schedule = Interval(args.interval, timezone=args.timezone)
        when = f"every {args.interval:g}s"
    else:
        cron = args.cron or "0 * * * *"
        try:
            schedule = Cron(cron, timezone=args.timezone)
        except ValueError as exc:
            print(f"curate: invalid --cron {cron!r}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        when = f"cron {cron!r} ({args.timezone})"

    from flows.curate import curate_flow

    flow = curate_flow.with_options(task_runner=task_runner(args.workers, args.dask_address, args.translator, dict(args.translator_options) or None))
    params = {"settings": args.settings.model_dump(mode="json")}
    print(f"curate: serving deployment curate-news/{args.name} {when} against {api}; "
          f"Ctrl-C stops and pauses it", file=sys.stderr)
    flow.serve(
        name=args.name,
        schedule=schedule,
        parameters=params,
        description="Curate the new files of raw/ into the curated Parquet dataset "
                    "(issue 6: scheduled, incremental).",
        tags=["curation"],
        version=_job_version(),
        limit=1,
        pause_on_shutdown=True,
    )
    return EXIT_OK


def _job_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("news-curate")
    except metadata.PackageNotFoundError:
        return None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``curate``."""
    parser = argparse.ArgumentParser(prog="curate", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="curate the new files of raw/ into curated/ once")
    _common(run)
    run.add_argument("--wait", type=float, default=0.0,
                     help="seconds to wait for another run's lock before giving up (default 0)")
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="register the deployment and run it on a schedule")
    _common(serve)
    serve.add_argument("--wait", type=float, default=600.0,
                       help="seconds a scheduled run waits for the lock held by another run, e.g. "
                            "a `curate run` by hand (default 600)")
    serve.add_argument("--name", default="curate-news-hourly", help="deployment name")
    group = serve.add_mutually_exclusive_group()
    group.add_argument("--cron", default=None, help='cron schedule (default "0 * * * *")')
    group.add_argument("--interval", type=float, default=None, help="schedule every N seconds")
    serve.add_argument("--timezone", default="UTC",
                       help="time zone of the schedule, e.g. Europe/Paris (default UTC)")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``curate`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.settings = settings_of(args)
    except ValueError as exc:  # pydantic's ValidationError: name the option, one line
        errors = getattr(exc, "errors", lambda: [])()
        reason = "; ".join(f"--{str(e['loc'][0]).replace('_', '-')}: {e['msg']}" for e in errors) or str(exc)
        parser.error(reason)
    # A stopped run's pool leaves its semaphores to multiprocessing's resource tracker, which
    # cleans them up and would warn about it on the terminal: the stop was asked for.
    sys.warnoptions.append("ignore::UserWarning:multiprocessing.resource_tracker")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("curate: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
