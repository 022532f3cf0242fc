"""The Prefect flow: raw/ → curated/ (one task per stage, batches mapped over the task runner)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import platform
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import as_completed, wait
from prefect.task_runners import ProcessPoolTaskRunner

from cleaners.dedup import History, MatchConfig, warm_up
from cleaners.dedup.fingerprint import DEFAULT_FINGERPRINT, TUNED_MATCH, FingerprintConfig
from cleaners.text.clean import CleanConfig
from cleaners.text.typography import TypographyPolicy
from flows import report, stages, store
from flows.discover import Discovery, discover
from flows.errors import AccountingError
from flows.lock import run_lock
from flows.quarantine import QuarantineTally, write_quarantine_part
from flows.readers import ReadLimits
from flows.runners import EarlyProcessPoolTaskRunner
from flows.schema import SCHEMA_VERSION

JOB_VERSION = importlib_metadata.version("news-curate")
IO_RETRIES = {"retries": 2, "retry_delay_seconds": [2, 10]}
NO_RESULTS = {"cache_policy": NO_CACHE, "persist_result": False}


@dataclass
class RunSummary:
    """What a run did; printed by the CLI and written to the manifest."""

    run_id: str
    status: str = "completed"
    files_seen: int = 0
    files_new: int = 0
    files_already_processed: int = 0
    files_refused: int = 0
    records_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    clusters_new: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        return (
            f"run {self.run_id}: {self.files_new} new file(s) read "
            f"({self.files_already_processed} already processed), {self.records_read} record(s), "
            f"{self.rows_written} row(s) written, {self.rows_quarantined} quarantined, "
            f"{self.clusters_new} new cluster(s), {self.duplicates} duplicate(s), {self.seconds:.1f}s"
        )


# --------------------------------------------------------------------------- tasks


@task(name="discover-raw-files", **IO_RETRIES, **NO_RESULTS)
def discover_task(raw_dir: str, curated_dir: str) -> tuple[Discovery, list[str]]:
    """Recover from a crashed run if needed, then find the new raw files (by SHA-256)."""
    layout = store.Layout(Path(curated_dir))
    recovered = store.recover(layout)
    processed = store.processed_hashes(store.read_manifests(layout))
    return discover(Path(raw_dir), processed), recovered


@task(name="read-raw-files", task_run_name="read-files-{group}", **IO_RETRIES, **NO_RESULTS)
def read_task(files: list[Any], group: int, staging: str, run_id: str, ingested_at: datetime,
              batch_size: int, max_text_chars: int, limits: ReadLimits) -> stages.ReadResult:
    """Read a group of new files into batches; unreadable records are quarantined with the reason."""
    return stages.read_stage(files, Path(staging), run_id, ingested_at, batch_size, max_text_chars,
                             group, limits)


@task(name="clean-and-fingerprint", task_run_name="batch-{index}", **NO_RESULTS)
def batch_task(batch_path: str, index: int, run_id: str, ingested_at: datetime,
               clean_config: CleanConfig, fp_config: FingerprintConfig,
               translator_options: dict[str, Any] | None = None,
               ) -> tuple[stages.CleanSummary, stages.FingerprintSummary]:
    """One batch: repair encoding, typography, shortcodes and promos, then language id,
    translation to English, shingles and MinHash."""
    return stages.clean_and_fingerprint_stage(batch_path, run_id, ingested_at, clean_config,
                                              fp_config, translator_options)


@task(name="start-worker", task_run_name="start-worker-{index}", **NO_RESULTS)
def start_worker_task(index: int) -> int:
    """Nothing but its process: submitted while the flow reads, it makes the pool start a
    worker process, which loads the language data meanwhile (see `stages.warm_worker`)."""
    return os.getpid()


#: New raw bytes from which the flow starts the worker processes before reading (about two
#: default batches of 2 KB articles): smaller runs may not use the pool at all.
EARLY_WORKERS_BYTES = 8_000_000


def _start_workers_early(new_bytes: int, parallel: bool) -> list[Any]:
    """Submit one `start_worker_task` per worker of a process pool when the new files are big
    enough to be spread over it; the futures (waited for with the batches)."""
    ctx = FlowRunContext.get()
    runner = ctx.task_runner if ctx else None
    if (not parallel or new_bytes < EARLY_WORKERS_BYTES or not isinstance(runner, ProcessPoolTaskRunner)
            or getattr(runner, "started_early", False)):  # `curate run` already started them
        return []
    return [start_worker_task.submit(i) for i in range(_pool_workers())]


def _pool_workers() -> int:
    """Worker processes of the flow run's task runner (2 when it does not say, e.g. Dask)."""
    ctx = FlowRunContext.get()
    return getattr(ctx.task_runner if ctx else None, "_max_workers", None) or 2


def _release_workers() -> None:
    """Let the flow run's worker processes exit while it matches and publishes (a
    `flows.runners.EarlyProcessPoolTaskRunner`'s; other task runners are left as they are)."""
    ctx = FlowRunContext.get()
    runner = ctx.task_runner if ctx else None
    if isinstance(runner, EarlyProcessPoolTaskRunner):
        runner.release_workers()


@task(name="load-history", **IO_RETRIES, **NO_RESULTS)
def history_task(curated_dir: str, fingerprint: FingerprintConfig) -> History | None:
    """Signatures and clusters of the documents already curated (no texts)."""
    return store.load_history(store.Layout(Path(curated_dir)), fingerprint.num_perm, asdict(fingerprint))


@task(name="match-duplicates", **NO_RESULTS)
def match_task(fp_paths: list[str], history: History | None, config: MatchConfig,
               num_perm: int, out_path: str, redis_url: str | None = None,
               redis_namespace: str | None = None) -> dict[str, Any]:
    """LSH candidates among new and curated documents, verification, clusters.

    With ``redis_url`` the LSH index lives in Redis (shared by workers and runs).
    """
    factory = None
    if redis_url:
        from flows.backends.redis_index import redis_index_factory

        factory = redis_index_factory(redis_url, redis_namespace or "curate")
    return stages.match_stage(fp_paths, history, config, num_perm, Path(out_path),
                              index_factory=factory)


@task(name="publish", **IO_RETRIES, **NO_RESULTS)
def publish_task(curated_dir: str, run_id: str, fp_paths: list[str], clusters_path: str | None,
                 quarantine: list[str], manifest: dict[str, Any], ingested_at: datetime,
                 num_perm: int) -> dict[str, int]:
    """Write the run's Parquet parts in staging, move them into place, then the manifest.

    Part footers get a few fixed keys (run id, versions, fingerprint parameters), never
    anything that grows with the input."""
    layout = store.Layout(Path(curated_dir))
    staging = layout.staging(run_id)
    part_dir = f"ingest_date={ingested_at:%Y-%m-%d}"
    name = f"part-{run_id}-0.parquet"
    meta = {
        b"curate.schema_version": SCHEMA_VERSION.encode(),
        b"curate.job_version": JOB_VERSION.encode(),
        store.RUN_ID_KEY: run_id.encode(),
        store.FINGERPRINT_KEY: store.fingerprint_tag(manifest["parameters"]["fingerprint"]),
    }
    staged: list[tuple[Path, Path]] = []
    rows = 0
    if clusters_path is not None:
        src = staging / "out" / "articles" / name
        rows = stages.write_articles(fp_paths, Path(clusters_path), src, run_id, ingested_at, num_perm, meta)
        staged.append((src, layout.articles / part_dir / name))
    qsrc = staging / "out" / "quarantine" / name
    quarantined = write_quarantine_part(quarantine, qsrc, meta)
    if quarantined:
        staged.append((qsrc, layout.quarantine / part_dir / name))
    store.commit(layout, run_id, staged, manifest)
    return {"rows": rows, "quarantined": quarantined}


# --------------------------------------------------------------------------- flow


def _versions() -> dict[str, str]:
    out = {"job": JOB_VERSION, "python": platform.python_version(), "schema": SCHEMA_VERSION}
    for pkg in ("prefect", "pyarrow", "ftfy", "datasketch", "numpy", "simplemma", "py3langid"):
        with contextlib.suppress(importlib_metadata.PackageNotFoundError):
            out[pkg] = importlib_metadata.version(pkg)
    return out


def _run_id() -> str:
    ctx = FlowRunContext.get()
    suffix = str(ctx.flow_run.id)[:8] if ctx and ctx.flow_run else uuid.uuid4().hex[:8]
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{suffix}"


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


class _Progress:
    """The run's progress artifact: moves as each batch finishes, not only per stage.

    Updates smaller than one point are held back (one API call per visible step at most).
    """

    def __init__(self, artifact_id: Any, run_id: str) -> None:
        self.artifact_id = artifact_id
        self.run_id = run_id
        self.value = 0.0
        self.shown = 0.0

    def set(self, value: float, stage: str | None = None) -> None:
        self.value = round(min(max(value, self.value), 100.0), 1)
        if self.value - self.shown < 1.0 and not (self.value == 100.0 and self.shown < 100.0):
            return
        self.shown = self.value
        description = f"run {self.run_id}: {stage}" if stage else None
        with contextlib.suppress(Exception):  # cosmetic: never fail a run over progress
            update_progress_artifact(self.artifact_id, self.value, description=description)


#: Raw bytes per read task when the files are read on the task runner: groups of
#: `READ_GROUP_BYTES` (about six default batches of 2 KB articles: fewer task runs, fewer
#: part-filled batches at the ends of groups) once a run has two such groups per worker, else
#: of `READ_GROUP_MIN_BYTES`, so that every worker has files to read at the start. A run with
#: less than one group reads its files in the flow's process.
READ_GROUP_BYTES = 16_000_000
READ_GROUP_MIN_BYTES = 8_000_000


def _read_group_bytes(new_bytes: int) -> int:
    """The group size for a run with ``new_bytes`` of new files (see `READ_GROUP_BYTES`)."""
    return min(READ_GROUP_BYTES, max(READ_GROUP_MIN_BYTES, new_bytes // (2 * _pool_workers())))


def _read_clean_and_fingerprint(
    files: list[Any], parallel: bool, read_kwargs: dict[str, Any], batch_kwargs: dict[str, Any],
    on_read: Callable[[int, int], None], on_done: Callable[[int, int], None],
) -> tuple[stages.ReadResult, list[stages.CleanSummary], list[stages.FingerprintSummary]]:
    """Read the new files, then clean and fingerprint every batch (one `batch_task` each);
    results in file and batch order, whatever the order in which tasks finish.

    Parallel: the files are read in groups (`READ_GROUP_BYTES`) on the task runner, and the
    batches of a group are submitted as soon as it is read (a worker never idles while a
    batch is waiting). With one group, it is read in this process, and its batches go to
    the task runner when there are several. Else everything runs in-process, batch after batch.
    ``on_read(groups read, groups)`` and ``on_done(batches done, batches)`` are called as
    tasks finish.
    """
    groups = stages.group_files(files, _read_group_bytes(sum(f.size for f in files)))
    finished: Iterable[tuple[int, stages.ReadResult]]  # (group, its read), as they finish
    if parallel and len(groups) > 1:
        read_futures = [read_task.submit(g, i, **read_kwargs) for i, g in enumerate(groups)]
        position = {id(f): i for i, f in enumerate(read_futures)}
        finished = ((position[id(f)], f.result()) for f in as_completed(read_futures))
    else:
        groups = [files]
        read = read_task(files, 0, **read_kwargs)
        if not parallel or len(read.batches) == 1:
            on_read(1, 1)
            done = []
            for i, batch in enumerate(read.batches):
                done.append(batch_task(batch, i, **batch_kwargs))
                on_done(i + 1, len(read.batches))
            return read, [c for c, _ in done], [f for _, f in done]
        finished = [(0, read)]
    reads: dict[int, stages.ReadResult] = {}
    futures: dict[int, list[Any]] = {}
    for group, read in finished:
        first = sum(len(r.batches) for r in reads.values())  # batch numbers, for the task names
        reads[group] = read
        on_read(len(reads), len(groups))
        futures[group] = [batch_task.submit(b, first + i, **batch_kwargs) for i, b in enumerate(read.batches)]
    order = sorted(reads)
    every = [f for g in order for f in futures[g]]
    for n_done, _ in enumerate(as_completed(every), start=1):
        on_done(n_done, len(every))
    results = [f.result() for f in every]
    return stages.merge_reads([reads[g] for g in order]), [c for c, _ in results], [f for _, f in results]


#: Refused paths and same-content files named in a manifest and in the log (the rest counted).
MAX_LISTED = 100


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
def curate_flow(
    raw_dir: str = "raw",
    curated_dir: str = "curated",
    translator: str = DEFAULT_FINGERPRINT.backend,
    translator_options: dict[str, Any] | None = None,
    batch_size: int = 2000,
    max_text_chars: int = 2_000_000,
    apostrophe: str = "straight",
    double_quotes: str = "straight",
    guillemet_space: str = "nbsp",
    strip_promos: bool = True,
    lock_wait_seconds: float = 0.0,
    parallel: bool = True,
    redis_url: str | None = None,
    max_file_bytes: int = ReadLimits.max_file_bytes,
    max_whole_file_bytes: int = ReadLimits.max_whole_file_bytes,
    max_line_bytes: int = ReadLimits.max_line_bytes,
    max_records_per_file: int = ReadLimits.max_records,
) -> dict[str, Any]:
    """Curate every new file of ``raw_dir`` into ``curated_dir``; returns the run summary.

    A run holds the dataset's lock; a crashed run is recovered at the start of the next one;
    files already processed (same SHA-256) are skipped. A run that fails removes its staging
    (unless it passed its commit point, which nothing after can undo).
    """
    logger = get_run_logger()
    started = time.perf_counter()
    run_id = _run_id()
    layout = store.Layout(Path(curated_dir))
    ingested_at = stages.utcnow()
    summary = RunSummary(run_id=run_id)
    fp_config = FingerprintConfig(**{**asdict(DEFAULT_FINGERPRINT), "backend": translator})
    clean_config = CleanConfig(
        typography=TypographyPolicy(apostrophe=apostrophe, double_quotes=double_quotes,  # type: ignore[arg-type]
                                    guillemet_space=guillemet_space),  # type: ignore[arg-type]
        strip_promos=strip_promos,
    )
    match_config = dataclasses.replace(TUNED_MATCH, num_perm=fp_config.num_perm)
    limits = ReadLimits(max_file_bytes=max_file_bytes, max_whole_file_bytes=max_whole_file_bytes,
                        max_line_bytes=max_line_bytes, max_records=max_records_per_file)
    params = {
        "raw_dir": raw_dir, "curated_dir": curated_dir, "translator": translator,
        "translator_options": translator_options or {},
        "batch_size": batch_size, "max_text_chars": max_text_chars, "read_limits": asdict(limits),
        "typography": asdict(clean_config.typography), "strip_promos": strip_promos,
        "fingerprint": asdict(fp_config), "match": asdict(match_config),
        "lsh_index": "redis" if redis_url else "memory",
    }
    if redis_url:
        from flows.backends.redis_index import redacted

        params["redis_url"] = redacted(redis_url)
    timings: dict[str, float] = {}

    def timed(name: str, t0: float) -> None:
        timings[name] = round(time.perf_counter() - t0, 3)

    if not Path(raw_dir).is_dir():
        raise FileNotFoundError(f"raw folder {raw_dir!r} does not exist")
    stages.translator_for(translator, translator_options)  # fail fast: backend missing here
    with run_lock(layout.root, lock_wait_seconds, owner=f"run {run_id}"), \
            _discard_staging_on_failure(layout, run_id):
        t0 = time.perf_counter()
        found, recovered = discover_task(raw_dir, curated_dir)
        timed("discover", t0)
        for line in recovered:
            logger.warning("recovery: %s", line)
        summary.recovered = recovered
        summary.files_new = len(found.new)
        summary.files_already_processed = len(found.already_processed) + len(found.duplicates_in_run)
        summary.files_refused = len(found.refused)
        summary.files_seen = summary.files_new + summary.files_already_processed + summary.files_refused
        for rel, reason in found.refused[:MAX_LISTED]:
            logger.warning("not read: %s (%s)", rel, reason)
        if len(found.refused) > MAX_LISTED:
            logger.warning("... and %d more path(s) not read", len(found.refused) - MAX_LISTED)
        _rename_flow_run(len(found.new))

        manifest: dict[str, Any] = {
            "run_id": run_id, "schema_version": SCHEMA_VERSION, "versions": _versions(),
            "parameters": params, "started_at": ingested_at.isoformat(),
            "flow_run_id": str(FlowRunContext.get().flow_run.id) if FlowRunContext.get() else None,
            "refused": [{"path": r, "reason": why} for r, why in found.refused[:MAX_LISTED]],
            "refused_count": len(found.refused),
            "same_content_as": [{"path": r, "same_as": s}
                                for r, s in found.duplicates_in_run[:MAX_LISTED]],
            "same_content_count": len(found.duplicates_in_run),
        }
        if not found.new:
            summary.seconds = round(time.perf_counter() - started, 3)
            summary.stage_seconds = timings
            manifest.update(inputs=[], counts=asdict(summary), timings=timings,
                            finished_at=stages.utcnow().isoformat())
            store.write_json_atomic(layout.runs / f"{run_id}.json", manifest)
            _after_commit(logger, lambda: report.publish_artifacts(summary, manifest, None, [], timings))
            logger.info(summary.line())
            return asdict(summary)

        early_workers = _start_workers_early(sum(f.size for f in found.new), parallel)
        if parallel:  # this process mostly waits for the workers until match: compile it now
            threading.Thread(target=warm_up, args=(fp_config.num_perm,), name="warm-match",
                             daemon=True).start()
        staging = layout.staging(run_id)
        progress = _Progress(create_progress_artifact(
            progress=0.0, key="curation-progress",
            description=f"run {run_id}: reading {len(found.new)} new file(s)"), run_id)
        t0 = time.perf_counter()
        read_done = t0

        def read_progress(groups_read: int, groups: int) -> None:
            nonlocal read_done
            read_done = time.perf_counter()
            progress.set(10.0 * groups_read / groups, f"read: {groups_read}/{groups} group(s) of files")

        def batch_progress(done: int, n: int) -> None:
            progress.set(10.0 + 75.0 * done / max(n, 1), f"clean and fingerprint: {done}/{n} batch(es) done")

        read, cleaned, fps = _read_clean_and_fingerprint(
            found.new, parallel,
            read_kwargs={"staging": str(staging), "run_id": run_id, "ingested_at": ingested_at,
                         "batch_size": batch_size, "max_text_chars": max_text_chars,
                         "limits": limits},
            batch_kwargs={"run_id": run_id, "ingested_at": ingested_at, "clean_config": clean_config,
                          "fp_config": fp_config, "translator_options": translator_options},
            on_read=read_progress, on_done=batch_progress,
        )
        wait(early_workers)
        _release_workers()  # the rest of the run happens in this process
        timings["read"] = round(read_done - t0, 3)
        timed("read_clean_and_fingerprint", t0)
        tally = QuarantineTally()
        tally.merge(read.tally)
        quarantine = list(read.quarantine)  # staged quarantine files, read then clean
        summary.records_read = sum(f.records for f in read.files)
        timings["clean_tasks"] = round(sum(c.seconds for c in cleaned), 3)
        timings["fingerprint_tasks"] = round(sum(f.seconds for f in fps), 3)
        for c in cleaned:
            tally.merge(c.quarantine)
            quarantine += c.quarantine_files
        fp_paths = [f.path for f in fps if f.rows]

        t0 = time.perf_counter()
        history = history_task(curated_dir, fp_config)
        timed("load_history", t0)
        t0 = time.perf_counter()
        clusters_path = str(staging / "clusters.parquet")
        redis_namespace = None
        if redis_url:
            from flows.backends.redis_index import dataset_namespace

            redis_namespace = dataset_namespace(curated_dir, fp_config.num_perm, fp_config.seed,
                                                *match_config.lsh_params())
        match_counts = match_task(fp_paths, history, match_config, fp_config.num_perm, clusters_path,
                                  redis_url=redis_url, redis_namespace=redis_namespace)
        timed("match", t0)
        progress.set(95.0, "matched; publishing")

        summary.duplicates = match_counts["duplicates"]
        summary.clusters_new = match_counts["canonical"]
        summary.rows_written = match_counts["documents"]
        summary.rows_quarantined = tally.rows
        inputs = [
            {**asdict(s), "rows": s.staged - tally.by_file_stage[s.path, "clean"],
             "quarantined": tally.by_file[s.path]}
            for s in read.files
        ]
        edits = Counter[str]()
        for c in cleaned:
            edits.update(c.edits_by_kind)
        summary.seconds = round(time.perf_counter() - started, 3)
        summary.stage_seconds = timings
        manifest.update(
            quarantine_by_reason=tally.top_reasons(), quarantine_samples=tally.samples,
            inputs=inputs, counts=asdict(summary), match=match_counts, edits_by_kind=dict(edits),
            languages=dict(sum((Counter(f.langs) for f in fps), Counter())),
            timings=timings, finished_at=stages.utcnow().isoformat(),
            outputs={"articles": f"articles/ingest_date={ingested_at:%Y-%m-%d}/part-{run_id}-0.parquet"},
        )
        if summary.records_read != summary.rows_written + summary.rows_quarantined:
            raise AccountingError(
                f"record accounting failed: read {summary.records_read} != written "
                f"{summary.rows_written} + quarantined {summary.rows_quarantined}")
        t0 = time.perf_counter()
        publish_task(curated_dir, run_id, fp_paths, clusters_path, quarantine, manifest,
                     ingested_at, fp_config.num_perm)
        timed("publish", t0)
        # Committed: nothing below may fail the run.
        summary.seconds = round(time.perf_counter() - started, 3)
        _after_commit(logger, lambda: progress.set(100.0, f"done: {summary.rows_written} row(s) published"),
                      lambda: report.publish_artifacts(summary, manifest, layout, cleaned, timings))
        logger.info(summary.line())
        return asdict(summary)
