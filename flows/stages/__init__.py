"""The job's stages as plain functions over batch files (the Prefect tasks in `flows.tasks`
wrap these).

Batches live as Arrow IPC files in the run's staging folder (`flows.staged`), so a stage holds
one batch in memory at a time, tasks exchange only paths and small summaries, and any worker
process (local pool or Dask) can pick a batch up. Only `match` sees the whole run, and only its signatures.
"""

from flows.stages.clean_fingerprint import (
    CleanSummary,
    FingerprintSummary,
    clean_and_fingerprint_stage,
    clean_table,
    fingerprint_table,
    preload_run,
    translator_for,
    warm_worker,
)
from flows.stages.match import match_stage, merged_of
from flows.stages.publish import write_articles
from flows.stages.read import FileStats, ReadResult, group_files, merge_reads, read_stage

__all__ = [
    "CleanSummary", "FileStats", "FingerprintSummary", "ReadResult", "clean_and_fingerprint_stage",
    "clean_table", "fingerprint_table", "group_files", "match_stage", "merge_reads", "merged_of", "preload_run", "read_stage",
    "translator_for", "warm_worker", "write_articles",
]
