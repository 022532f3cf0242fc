"""The flow's Prefect tasks (thin wrappers of `flows.stages` with their retry and result
policies) and how batches are spread over the task runner's worker processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner

from cleaners.dedup import FingerprintConfig, History, MatchConfig
from cleaners.text.clean import CleanConfig
from flows import stages, store
from flows.clusters import (
    MERGED_FILE,
    STATE_FILE,
    merged_map,
    read_merged,
    rebuild_state,
    updated_merged,
    updated_state,
    write_merged,
    write_state,
)
from flows.discover import Discovery
from flows.forget import Forgotten
from flows.history import HistoryIndex, load_history
from flows.idle import discover_after_recovery
from flows.quarantine import write_quarantine_part
from flows.readers import ReadLimits
from flows.run import JOB_VERSION
from flows.runners import EarlyProcessPoolTaskRunner
from flows.schema import SCHEMA_VERSION
from flows.settings import DEFAULTS, environment
from flows.stages.sketches import sketch_source


def failed_on_io(task: Any, task_run: Any, state: Any) -> bool:
    """Whether a failed task's exception is one a retry can cure: an `OSError` (a network
    mount that hiccuped, a file briefly locked, a timeout). Any other (a `ValueError` such as
    a history fingerprinted with other parameters, a `CurateError`, a bug) fails the same way
    again: the run fails at once instead of after the retry delays."""
    try:
        error = state.result(raise_on_failure=False)
    except Exception:  # the exception cannot be read back: retry, as without this condition
        return True
    return isinstance(error, OSError)


#: The retries of the tasks that read or write files: twice, after 2 then 10 s, on I/O errors.
IO_RETRIES = {"retries": 2, "retry_delay_seconds": [2, 10], "retry_condition_fn": failed_on_io}
NO_RESULTS = {"cache_policy": NO_CACHE, "persist_result": False}
#: Seconds one read task (a group of files, `READ_GROUP_BYTES`) or one clean-and-fingerprint
#: task (a batch) may run before Prefect fails it as TimedOut, and with it the run (a read is
#: retried first). Batches take seconds (about 1,000 documents per second per worker): this
#: only stops a stuck task from holding the run, and the dataset's lock, until the flow's own
#: timeout (`flows.settings.FLOW_TIMEOUT_SECONDS`).
BATCH_TIMEOUT_SECONDS = 1800


@task(name="discover-raw-files", **IO_RETRIES, **NO_RESULTS)
def discover_task(raw_dir: str, curated_dir: str) -> tuple[Discovery, list[str]]:
    """`flows.idle.discover_after_recovery` as a task."""
    return discover_after_recovery(raw_dir, curated_dir)


@task(name="read-raw-files", task_run_name="read-files-{group}",
      timeout_seconds=BATCH_TIMEOUT_SECONDS, **IO_RETRIES, **NO_RESULTS)
def read_task(files: list[Any], group: int, staging: str, run_id: str, ingested_at: datetime,
              batch_size: int, max_text_chars: int, limits: ReadLimits,
              forgotten: Forgotten | None = None) -> stages.ReadResult:
    """Read a group of new files into batches; unreadable records are quarantined with the reason
    (a raw text over `flows.stages.read.RAW_TEXT_FACTOR` × ``max_text_chars`` among them);
    records of ``forgotten`` documents (takedowns) are skipped and counted."""
    return stages.read_stage(files, Path(staging), run_id, ingested_at, batch_size, max_text_chars,
                             group, limits, forgotten)


@task(name="clean-and-fingerprint", task_run_name="batch-{index}",
      timeout_seconds=BATCH_TIMEOUT_SECONDS, **NO_RESULTS)
def batch_task(batch_path: str, index: int, run_id: str, ingested_at: datetime,
               clean_config: CleanConfig, fp_config: FingerprintConfig,
               translator_options: dict[str, Any] | None = None,
               max_text_chars: int = DEFAULTS.max_text_chars,
               ) -> tuple[stages.CleanSummary, stages.FingerprintSummary]:
    """One batch: repair encoding, typography, shortcodes and promos (titles too), then
    language id, translation to English, shingles and MinHash. A cleaned text over
    ``max_text_chars`` (``--max-text-chars``) is quarantined with the reason."""
    return stages.clean_and_fingerprint_stage(batch_path, run_id, ingested_at, clean_config,
                                              fp_config, translator_options, max_text_chars)


@task(name="start-worker", task_run_name="start-worker-{index}", **NO_RESULTS)
def start_worker_task(index: int) -> int:
    """Nothing but its process: submitted while the flow reads, it makes the pool start a
    worker process, which loads the language data meanwhile (see `stages.warm_worker`)."""
    return os.getpid()


def start_workers_early(new_bytes: int, parallel: bool) -> list[Any]:
    """Submit one `start_worker_task` per worker of a process pool when the new files are big
    enough to be spread over it; the futures (waited for with the batches)."""
    ctx = FlowRunContext.get()
    runner = ctx.task_runner if ctx else None
    if (not parallel or new_bytes < environment().early_workers_bytes or not isinstance(runner, ProcessPoolTaskRunner)
            or getattr(runner, "started_early", False)):  # `curate run` already started them
        return []
    return [start_worker_task.submit(i) for i in range(_pool_workers())]


def _pool_workers() -> int:
    """Worker processes of the flow run's task runner (2 when it does not say, e.g. Dask)."""
    ctx = FlowRunContext.get()
    return getattr(ctx.task_runner if ctx else None, "_max_workers", None) or 2


def release_workers() -> None:
    """Let the flow run's worker processes exit while it matches and publishes (a
    `flows.runners.EarlyProcessPoolTaskRunner`'s; other task runners are left as they are)."""
    ctx = FlowRunContext.get()
    runner = ctx.task_runner if ctx else None
    if isinstance(runner, EarlyProcessPoolTaskRunner):
        runner.release_workers()


def release_arrow_memory() -> None:
    """Give the memory Arrow's allocator keeps for reuse back to the system, so that the
    stages of a run that read the history one after the other do not add up their peaks."""
    pa.default_memory_pool().release_unused()


@task(name="load-history", **IO_RETRIES, **NO_RESULTS)
def history_task(curated_dir: str, fingerprint: FingerprintConfig, config: MatchConfig,
                 full: bool = False) -> History | HistoryIndex | None:
    """What the run matches against: the history index brought in step with the committed
    parts (`flows.history.HistoryIndex`), or with ``full`` every signature and cluster
    (`flows.history.load_history`; a shared LSH index, e.g. Redis, answers with any of them)."""
    layout = store.Layout(Path(curated_dir))
    if full:
        return load_history(layout, fingerprint.num_perm, asdict(fingerprint))
    index = HistoryIndex(layout, fingerprint.num_perm, *config.lsh_params(), asdict(fingerprint))
    index.sync()
    return index


@task(name="match-duplicates", **NO_RESULTS)
def match_task(fp_paths: list[str], history: History | HistoryIndex | None, config: MatchConfig,
               fingerprint: FingerprintConfig, out_path: str, curated_dir: str,
               translator_options: dict[str, Any] | None = None, redis_url: str | None = None,
               redis_namespace: str | None = None) -> dict[str, Any]:
    """LSH candidates among new and curated documents, verification (with the sentence
    alignment of grey-zone cross-lingual pairs, texts read on demand), clusters.

    With ``redis_url`` the LSH index lives in Redis (shared by workers and runs).
    """
    factory = None
    if redis_url:
        from flows.backends.redis_index import redis_index_factory

        factory = redis_index_factory(redis_url, redis_namespace or "curate")
    parts = (history.parts_holding if isinstance(history, HistoryIndex)
             else [str(p) for p in store.article_parts(store.Layout(Path(curated_dir)))])
    sketches = sketch_source(fp_paths, parts, fingerprint, translator_options)
    try:
        return stages.match_stage(fp_paths, history, config, fingerprint.num_perm, Path(out_path),
                                  index_factory=factory, sketches=sketches)
    finally:
        release_arrow_memory()  # what match read of the history: not kept for publish


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
        if rows:
            merged = stages.merged_of(Path(clusters_path))
            assigned = pq.read_table(clusters_path)
            founded = set(assigned.filter(assigned.column("is_canonical")).column("cluster_id").to_pylist())
            before = read_merged(layout.root)
            after = updated_merged(before, merged, ingested_at, run_id, founded)
            if founded.isdisjoint(before.column("cluster_id").to_pylist()):
                state = updated_state(store.cluster_state(layout), assigned, ingested_at, merged)
            else:  # an id merged earlier founds a cluster again (after a recovery): rebuilt
                state = rebuild_state([*store.article_parts(layout), src], merged=merged_map(after))
            state_src = staging / "out" / "clusters" / STATE_FILE
            write_state(state, state_src, meta)
            del state, assigned
            release_arrow_memory()  # the state of every cluster: gone before the commit
            staged.append((state_src, layout.clusters / STATE_FILE))
            if after is not before or not (layout.clusters / MERGED_FILE).exists():  # no row until a merge
                merged_src = staging / "out" / "clusters" / MERGED_FILE
                write_merged(after, merged_src, meta)
                staged.append((merged_src, layout.clusters / MERGED_FILE))
    qsrc = staging / "out" / "quarantine" / name
    quarantined = write_quarantine_part(quarantine, qsrc, meta)
    if quarantined:
        staged.append((qsrc, layout.quarantine / part_dir / name))
    store.commit(layout, run_id, staged, manifest)
    return {"rows": rows, "quarantined": quarantined}


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


def read_clean_and_fingerprint(
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
