"""The Prefect flow: raw/ → curated/ (one task per stage, batches mapped over the task runner).

The stages are in `flows.stages`, their task wrappers in `flows.tasks`, the run's summary and
manifest in `flows.run`, what a run can be asked in `flows.settings`.
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

from prefect import flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.futures import wait

from cleaners.dedup import warm_up
from flows import report, store
from flows.errors import AccountingError
from flows.lock import run_lock
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
from flows.settings import DEFAULTS, RunSettings
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


def _initial_run_name() -> str:
    """The flow run's name until discovery has counted the new files (see `_rename_flow_run`)."""
    return f"curate {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, discovering new files"


def _rename_flow_run(n_new: int) -> None:
    """Name the flow run after its date and the number of new files (shown in the UI)."""
    ctx = FlowRunContext.get()
    if not ctx or not ctx.flow_run:
        return
    try:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            client.update_flow_run(ctx.flow_run.id, name=f"curate {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {n_new} new file(s)")
    except Exception as exc:  # cosmetic: never fail a run over its name
        logging.getLogger(__name__).debug("could not rename flow run: %s", exc)


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


@flow(name="curate-news", flow_run_name=_initial_run_name)
def curate_flow(settings: RunSettings = DEFAULTS) -> dict[str, Any]:
    """Curate every new file of ``settings.raw_dir`` into ``settings.curated_dir``; returns
    the run summary.

    A run holds the dataset's lock; a crashed run is recovered at the start of the next one;
    files already processed (same SHA-256) are skipped. A run that fails removes its staging
    (unless it passed its commit point, which nothing after can undo).
    """
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

    if not Path(settings.raw_dir).is_dir():
        raise FileNotFoundError(f"raw folder {settings.raw_dir!r} does not exist")
    translator_for(settings.translator, settings.translator_options)  # fail fast: backend missing
    with run_lock(layout.root, settings.lock_wait_seconds, owner=f"run {run_id}"), \
            _discard_staging_on_failure(layout, run_id):
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
        _rename_flow_run(len(found.new))
        manifest = start_manifest(run_id, settings, ingested_at, flow_run_id, found)
        if not found.new:
            summary.seconds = round(time.perf_counter() - started, 3)
            manifest.update(inputs=[], counts=asdict(summary), timings=timings.seconds,
                            finished_at=utcnow().isoformat())
            store.write_json_atomic(layout.runs / f"{run_id}.json", manifest)
            _after_commit(logger, lambda: report.publish_artifacts(summary, manifest, None, [],
                                                                   timings.seconds))
            logger.info(summary.line())
            return asdict(summary)

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
                         "limits": settings.read_limits()},
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
        for c in cleaned:
            tally.merge(c.quarantine)
            quarantine += c.quarantine_files
        fp_paths = [f.path for f in fps if f.rows]

        t0 = time.perf_counter()
        history = history_task(settings.curated_dir, fp_config)
        timings.since("load_history", t0)
        t0 = time.perf_counter()
        clusters_path = str(staging / "clusters.parquet")
        redis_namespace = None
        if settings.redis_url:
            from flows.backends.redis_index import dataset_namespace

            redis_namespace = dataset_namespace(settings.curated_dir, fp_config.num_perm,
                                                fp_config.seed, *match_config.lsh_params())
        match_counts = match_task(fp_paths, history, match_config, fp_config, clusters_path,
                                  settings.curated_dir, settings.translator_options or None,
                                  redis_url=settings.redis_url, redis_namespace=redis_namespace)
        timings.since("match", t0)
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
                      lambda: report.publish_artifacts(summary, manifest, layout, cleaned, timings.seconds))
        logger.info(summary.line())
        return asdict(summary)
