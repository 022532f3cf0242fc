"""The Prefect flow: raw/ → curated/ (one task per stage, batches mapped over the task runner).

The stages are in `flows.stages`, their task wrappers in `flows.tasks`, the run's summary and
manifest in `flows.run`, what a run can be asked in `flows.settings`, what operators and other
deployments are told (notifications, the published event, the outcome line) in `flows.alerts`.

How a run ends: Completed, its message the outcome line (anomalies also in its name and in one
WARNING); Cancelled when another run holds the dataset's lock (nothing done, no alert); Failed,
TimedOut or Crashed otherwise (the failure hooks rename a run that ended before discovery
finished and notify the alert URLs).
"""

# No `from __future__ import annotations` here: Prefect validates the flow's parameters
# against its signature, and a string annotation ("RunSettings") cannot be resolved there.
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import Flow, flow, get_run_logger
from prefect.client.schemas.objects import FlowRun, State
from prefect.context import FlowRunContext
from prefect.futures import wait
from prefect.states import Cancelled, Completed

from cleaners.dedup import warm_up
from flows import alerts, report, store
from flows.compact import compact_closed_days
from flows.errors import AccountingError, LockBusy
from flows.forget import load_forgotten
from flows.gc_threshold import raise_gc_threshold
from flows.idle import record_idle
from flows.lifecycle import reclaim_signals
from flows.lock import run_lock
from flows.migrate import require_current
from flows.quarantine import QuarantineTally
from flows.run import (
    MAX_LISTED,
    RunSummary,
    Timings,
    finish_manifest,
    new_run_id,
    start_manifest,
    utcnow,
)
from flows.settings import DEFAULTS, FLOW_TIMEOUT_SECONDS, RunSettings
from flows.stages import translator_for
from flows.tasks import (
    discover_task,
    history_task,
    match_task,
    publish_task,
    read_clean_and_fingerprint,
    release_workers,
    start_workers_early,
)

#: The end of a run's name until discovery has counted the new files.
DISCOVERING = "discovering new files"


def _initial_run_name() -> str:
    """The flow run's name until discovery has counted the new files (see `_rename_flow_run`)."""
    return f"curate {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {DISCOVERING}"


def _rename_flow_run(suffix: str, flow_run: FlowRun | None = None) -> None:
    """Name the flow run (this context's when not given) ``curate <date> UTC, <suffix>``, with
    the date of its first name, in the UI and in the run's own object (its hooks see it).
    Never raises: a name is cosmetic."""
    if flow_run is None:
        ctx = FlowRunContext.get()
        flow_run = ctx.flow_run if ctx else None
    if flow_run is None:
        return
    head, sep, _ = (flow_run.name or "").partition(", ")
    if not (sep and head.startswith("curate ")):
        head = f"curate {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC"
    try:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            client.update_flow_run(flow_run.id, name=f"{head}, {suffix}")
        flow_run.name = f"{head}, {suffix}"
    except Exception as exc:  # cosmetic: never fail a run over its name
        logging.getLogger(__name__).debug("could not rename flow run: %s", exc)


def _name_failed_run(flow: Flow[Any, Any], flow_run: FlowRun, state: State) -> None:
    """Failure and crash hook: a run that ended before discovery counted its files is renamed
    ``… failed while discovering files`` (``timed out`` or ``crashed``: as it ended) instead of
    keeping ``… discovering new files``. Runs before `alerts.notify_failure`, which names it.
    A failure raised in the flow's body was already named so (`_named_on_failure`)."""
    if (flow_run.name or "").endswith(DISCOVERING):
        how = ("timed out" if state.name == "TimedOut" else "crashed" if state.is_crashed()
               else "failed")
        _rename_flow_run(f"{how} while discovering files", flow_run)


@contextlib.contextmanager
def _named_on_failure() -> Iterator[None]:
    """Name the run as `_name_failed_run` does when the ``with`` block raises, before the
    flow's final state is set: automations on the Failed state read the run's name when they
    fire, which can be before the failure hooks have run."""
    try:
        yield
    except Exception as exc:
        ctx = FlowRunContext.get()
        if ctx and ctx.flow_run and (ctx.flow_run.name or "").endswith(DISCOVERING):
            how = "timed out" if isinstance(exc, TimeoutError) else "failed"
            _rename_flow_run(f"{how} while discovering files")
        raise


def _not_run(busy: LockBusy) -> State:
    """The final state of a run that found the dataset locked by another run: Cancelled with
    the reason, not Failed. Contention is normal (a scheduled run meeting a run started by
    hand): nothing was read or written, and the failure hooks and automations on Failed do
    not fire. The `LockBusy` is the state's result: ``curate run`` exits 75 on it, and calling
    the flow raises it."""
    get_run_logger().warning("not run: %s", busy)
    _rename_flow_run("not run: the dataset is locked by another run")
    return Cancelled(message=f"not run: {alerts.one_line(str(busy))}", data=busy)


def _completed(summary: RunSummary, reasons: dict[str, int], logger: Any) -> State:
    """The final state of a completed run: Completed, its message the run's outcome line
    (`alerts.outcome`), its result the summary (a dict). Anomalies are logged as one WARNING
    and named in the run's name (``… 3 new file(s) (2 quarantined)``). Never raises: the run
    has committed."""
    message = summary.line()
    try:
        result = alerts.outcome(summary, reasons)
        message = result.message
        if result.warning:
            logger.warning(result.warning)
        if result.name_suffix:
            _rename_flow_run(f"{summary.files_new} new file(s){result.name_suffix}")
    except Exception as exc:
        logger.warning("outcome: %s: %s", type(exc).__name__, alerts.one_line(str(exc), 300))
    return Completed(message=message, data=asdict(summary))


@contextlib.contextmanager
def _discard_staging_on_failure(layout: store.Layout, run_id: str) -> Iterator[None]:
    """Remove the run's staging folder when the run fails before its commit point (a failed
    run on a full disk must not keep the disk full). Not when it is interrupted: its workers
    may still be using the folder; `curate run` removes it once they are gone."""
    try:
        yield
    except Exception:
        with contextlib.suppress(Exception):
            store.discard_staging(layout, run_id)
        raise


def _after_commit(logger: Any, *steps: Callable[[], Any]) -> None:
    """Run what follows a run's commit point (progress, artifacts): it cannot undo the commit,
    so a failure is logged as a warning and never fails the run."""
    for step in steps:
        try:
            step()
        except Exception as exc:
            logger.warning(
                "after the commit: %s: %s", type(exc).__name__, " ".join(str(exc).split())[:300])


@flow(name="curate-news", flow_run_name=_initial_run_name, timeout_seconds=FLOW_TIMEOUT_SECONDS,
      on_failure=[_name_failed_run, alerts.notify_failure],
      on_crashed=[_name_failed_run, alerts.notify_failure])
def curate_flow(settings: RunSettings = DEFAULTS) -> State:
    """Curate every new file of ``settings.raw_dir`` into ``settings.curated_dir``; returns
    the run's final state: Completed with the run summary (a dict) as its result, which is
    what calling the flow returns, or Cancelled when another run holds the dataset's lock
    (calling the flow then raises `LockBusy`).

    A run holds the dataset's lock; a crashed run is recovered at the start of the next one;
    files already processed (same SHA-256) are skipped. A run that fails removes its staging
    (unless it passed its commit point, which nothing after can undo).
    """
    reclaim_signals()  # `curate run`'s stop, not Prefect's crash (flows/lifecycle.py)
    raise_gc_threshold()  # fewer collections of short-lived objects (flows/gc_threshold.py)
    logger = get_run_logger()
    started = time.perf_counter()
    ctx = FlowRunContext.get()
    flow_run_id = ctx.flow_run.id if ctx and ctx.flow_run else None
    run_id = new_run_id(flow_run_id)
    layout = store.Layout(Path(settings.curated_dir))
    ingested_at = utcnow()
    summary = RunSummary(run_id=run_id)
    fp_config, match_config = settings.fingerprint_config(), settings.match_config()
    timings = Timings()
    summary.stage_seconds = timings.seconds

    with contextlib.ExitStack() as held:
        held.enter_context(_named_on_failure())
        held.enter_context(alerts.watching(flow_run_id, summary, settings.raw_dir,
                                           settings.curated_dir))  # for the failure hook
        if not Path(settings.raw_dir).is_dir():
            raise FileNotFoundError(f"raw folder {settings.raw_dir!r} does not exist")
        translator_for(settings.translator, settings.translator_options)  # fail fast: no backend
        try:
            held.enter_context(run_lock(layout.root, settings.lock_wait_seconds,
                                        owner=f"run {run_id}"))
        except LockBusy as busy:
            return _not_run(busy)
        held.enter_context(_discard_staging_on_failure(layout, run_id))
        t0 = time.perf_counter()
        found, recovered = discover_task(settings.raw_dir, settings.curated_dir)
        timings.since("discover", t0)
        for line in recovered:
            logger.warning("recovery: %s", line)
        summary.recovered = recovered
        summary.count_files(found)
        for rel, reason in found.refused[:MAX_LISTED]:
            logger.warning("not read: %s (%s)", rel, reason)
        if len(found.refused) > MAX_LISTED:
            logger.warning("... and %d more path(s) not read", len(found.refused) - MAX_LISTED)
        _rename_flow_run(f"{len(found.new)} new file(s)")
        manifest = start_manifest(run_id, settings, ingested_at, flow_run_id, found)
        if not found.new:
            record_idle(layout, manifest, summary, timings, started)
            _after_commit(logger, lambda: report.publish_artifacts(summary, manifest, None, [],
                                                                   timings.seconds))
            logger.info(summary.line())
            return _completed(summary, {}, logger)
        require_current(layout)  # parts of an older schema: `curate migrate` first

        early_workers = start_workers_early(sum(f.size for f in found.new), settings.parallel)
        if settings.parallel:  # this process mostly waits for the workers until match: compile it now
            threading.Thread(target=warm_up, args=(fp_config.num_perm,), name="warm-match",
                             daemon=True).start()
        staging = layout.staging(run_id)
        progress = report.Progress(run_id, f"reading {len(found.new)} new file(s)")
        t0 = time.perf_counter()
        read_done = t0

        def read_progress(groups_read: int, groups: int) -> None:
            nonlocal read_done
            read_done = time.perf_counter()
            progress.set(10.0 * groups_read / groups, f"read: {groups_read}/{groups} group(s) of files")

        def batch_progress(done: int, n: int) -> None:
            progress.set(10.0 + 75.0 * done / max(n, 1), f"clean and fingerprint: {done}/{n} batch(es) done")

        read, cleaned, fps = read_clean_and_fingerprint(
            found.new, settings.parallel,
            read_kwargs={"staging": str(staging), "run_id": run_id, "ingested_at": ingested_at,
                         "batch_size": settings.batch_size, "max_text_chars": settings.max_text_chars,
                         "limits": settings.read_limits(),
                         "forgotten": load_forgotten(layout.root)},  # takedowns: flows/forget.py
            batch_kwargs={"run_id": run_id, "ingested_at": ingested_at,
                          "clean_config": settings.clean_config(), "fp_config": fp_config,
                          "translator_options": settings.translator_options or None,
                          "max_text_chars": settings.max_text_chars},
            on_read=read_progress, on_done=batch_progress,
        )
        wait(early_workers)
        release_workers()  # the rest of the run happens in this process
        timings.set("read", read_done - t0)
        timings.since("read_clean_and_fingerprint", t0)
        tally = QuarantineTally()
        tally.merge(read.tally)
        quarantine = list(read.quarantine)  # staged quarantine files, read then clean
        summary.records_read = sum(f.records for f in read.files)
        timings.set("clean_tasks", sum(c.seconds for c in cleaned))
        timings.set("fingerprint_tasks", sum(f.seconds for f in fps))
        timings.set("clean_tasks_cpu", sum(c.cpu_seconds for c in cleaned))
        timings.set("fingerprint_tasks_cpu", sum(f.cpu_seconds for f in fps))
        for c in cleaned:
            tally.merge(c.quarantine)
            quarantine += c.quarantine_files
        fp_paths = [f.path for f in fps if f.rows]

        t0, cpu0 = time.perf_counter(), time.process_time()
        redis_url = settings.redis_connection_url()
        history = history_task(settings.curated_dir, fp_config, match_config, full=bool(redis_url))
        timings.since("load_history", t0, cpu0)
        t0, cpu0 = time.perf_counter(), time.process_time()
        clusters_path = str(staging / "clusters.parquet")
        redis_namespace = None
        if redis_url:
            from flows.backends.redis_index import dataset_namespace

            redis_namespace = dataset_namespace(settings.curated_dir, fp_config.num_perm,
                                                fp_config.seed, *match_config.lsh_params())
        match_counts = match_task(fp_paths, history, match_config, fp_config, clusters_path,
                                  settings.curated_dir, settings.translator_options or None,
                                  redis_url=redis_url, redis_namespace=redis_namespace)
        timings.since("match", t0, cpu0)
        progress.set(95.0, "matched; publishing")

        summary.duplicates = match_counts["duplicates"]
        summary.clusters_new = match_counts["canonical"]
        summary.rows_written = match_counts["documents"]
        summary.rows_quarantined = tally.rows
        summary.seconds = round(time.perf_counter() - started, 3)
        finish_manifest(manifest, summary, timings, read, cleaned, fps, tally, match_counts,
                        f"articles/ingest_date={ingested_at:%Y-%m-%d}/part-{run_id}-0.parquet")
        if summary.records_read != summary.rows_written + summary.rows_quarantined:
            raise AccountingError(
                f"record accounting failed: read {summary.records_read} != written "
                f"{summary.rows_written} + quarantined {summary.rows_quarantined}")
        t0 = time.perf_counter()
        publish_task(settings.curated_dir, run_id, fp_paths, clusters_path, quarantine, manifest,
                     ingested_at, fp_config.num_perm)
        timings.since("publish", t0)
        # Committed: nothing below may fail the run.
        summary.seconds = round(time.perf_counter() - started, 3)
        _after_commit(logger, lambda: progress.set(100.0, f"done: {summary.rows_written} row(s) published"),
                      lambda: report.publish_artifacts(summary, manifest, layout, cleaned, timings.seconds),
                      lambda: alerts.emit_published(summary, settings.curated_dir),
                      # a day closed with many small parts is merged into large files
                      lambda: compact_closed_days(layout.root, ingested_at.date(),
                                                  log=logger.info))
        logger.info(summary.line())
        return _completed(summary, tally.top_reasons(), logger)
