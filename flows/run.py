"""A run's identity and its records: the run id, the summary the command line prints, and the
manifest written to ``_runs/<run id>.json`` when the run commits."""

from __future__ import annotations

import contextlib
import platform
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from typing import TYPE_CHECKING, Any

from flows.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from flows.discover import Discovery
    from flows.quarantine import QuarantineTally
    from flows.settings import RunSettings
    from flows.stages import CleanSummary, FingerprintSummary, ReadResult

JOB_VERSION = importlib_metadata.version("news-curate")
#: Refused paths and same-content files named in a manifest and in the log (the rest counted).
MAX_LISTED = 100
#: Packages whose versions a manifest records.
VERSIONED_PACKAGES = ("prefect", "pyarrow", "ftfy", "datasketch", "numpy", "simplemma", "py3langid")


@dataclass
class RunSummary:
    """What a run did; printed by the CLI and written to the manifest."""

    run_id: str
    status: str = "completed"
    #: Every file discovery sorted: ``files_new + files_already_processed + files_same_content
    #: + files_refused``.
    files_seen: int = 0
    files_new: int = 0
    #: Files whose SHA-256 an earlier committed run recorded (not copies met in this run).
    files_already_processed: int = 0
    files_refused: int = 0
    records_read: int = 0
    #: Entries read but deliberately not records (WXR drafts, attachments…): not in
    #: ``records_read``, never quarantined; by reason in the manifest's ``skipped_by_reason``.
    records_skipped: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    #: Clusters (stories) this run founded: its rows with ``is_canonical``, one-article stories
    #: included, so ``clusters_new + duplicates == rows_written``; each is a row of
    #: ``clusters/current.parquet`` unless a merge absorbed it.
    clusters_new: int = 0
    #: This run's rows placed in an existing cluster (of this run or an earlier one).
    duplicates: int = 0
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)

    @property
    def files_same_content(self) -> int:
        """Byte-identical copies of a new file met in the same discovery (a duplicate file, or a
        symlink to one): not read, and not already processed (no earlier run read them); the
        manifest lists them under ``same_content_as`` (``same_content_count``).

        Derived from the four stored counts (`count_files` includes them in ``files_seen``), so
        that it survives a round trip through `dataclasses.asdict` (the flow's result, the
        ``--json`` object) with no key of its own; never negative."""
        return max(0, self.files_seen - self.files_new - self.files_already_processed
                   - self.files_refused)

    def line(self) -> str:
        """The one-line summary the CLI prints (same-content copies and skipped entries named
        only when there are)."""
        copies = self.files_same_content
        same = f", {copies} same-content cop{'y' if copies == 1 else 'ies'} not read" if copies else ""
        skipped = (f"{self.records_skipped} item(s) skipped on purpose, "
                   if self.records_skipped else "")
        return (
            f"run {self.run_id}: {self.files_new} new file(s) read "
            f"({self.files_already_processed} already processed{same}), {self.records_read} record(s), "
            f"{skipped}"
            f"{self.rows_written} row(s) written, {self.rows_quarantined} quarantined, "
            f"{self.clusters_new} new cluster(s), {self.duplicates} duplicate(s), {self.seconds:.1f}s"
        )

    def count_files(self, found: Discovery) -> None:
        """Set the file counts from discovery: ``files_already_processed`` counts only files an
        earlier run read (``found.already_processed``); copies met in this run
        (``found.duplicates_in_run``) count in ``files_seen`` alone, as `files_same_content`."""
        self.files_new = len(found.new)
        self.files_already_processed = len(found.already_processed)
        self.files_refused = len(found.refused)
        self.files_seen = (self.files_new + self.files_already_processed
                           + len(found.duplicates_in_run) + self.files_refused)


class Timings:
    """Seconds per stage, in the order the stages ran; ``<stage>_cpu`` entries are CPU seconds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def since(self, name: str, t0: float, cpu0: float | None = None) -> None:
        """Record ``name`` as having taken from ``t0`` (a `time.perf_counter` value) to now,
        and with ``cpu0`` (a `time.process_time` value) ``<name>_cpu``: this process's CPU
        seconds since then (all its threads)."""
        self.seconds[name] = round(time.perf_counter() - t0, 3)
        if cpu0 is not None:
            self.seconds[f"{name}_cpu"] = round(time.process_time() - cpu0, 3)

    def set(self, name: str, seconds: float) -> None:
        """Record ``name`` as having taken ``seconds``."""
        self.seconds[name] = round(seconds, 3)


def utcnow() -> datetime:
    """Now, in UTC, microsecond precision."""
    return datetime.now(UTC)


def new_run_id(flow_run_id: object | None) -> str:
    """``<UTC time>-<8 hex>``, the suffix a hash of the whole Prefect flow-run id when there is
    one (random otherwise).

    Guarantees: two flow runs get different suffixes (barring a 1-in-4-billion collision) even
    when their ids share a prefix, as the ids of scheduled runs created together do; the same
    flow-run id always gives the same suffix (the manifest records the id itself).
    """
    import hashlib

    suffix = (hashlib.blake2b(str(flow_run_id).encode(), digest_size=4).hexdigest()
              if flow_run_id else uuid.uuid4().hex[:8])
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{suffix}"


def versions() -> dict[str, str]:
    """The job's, Python's, the schema's and the main packages' versions."""
    out = {"job": JOB_VERSION, "python": platform.python_version(), "schema": SCHEMA_VERSION}
    for pkg in VERSIONED_PACKAGES:
        with contextlib.suppress(importlib_metadata.PackageNotFoundError):
            out[pkg] = importlib_metadata.version(pkg)
    return out


def start_manifest(run_id: str, settings: RunSettings, started_at: datetime,
                   flow_run_id: object | None, found: Discovery) -> dict[str, Any]:
    """The manifest's fields known once discovery is done (bounded: `MAX_LISTED` paths)."""
    return {
        "run_id": run_id, "schema_version": SCHEMA_VERSION, "versions": versions(),
        "parameters": settings.manifest_parameters(), "started_at": started_at.isoformat(),
        "flow_run_id": str(flow_run_id) if flow_run_id else None,
        "refused": [{"path": r, "reason": why} for r, why in found.refused[:MAX_LISTED]],
        "refused_count": len(found.refused),
        "same_content_as": [{"path": r, "same_as": s} for r, s in found.duplicates_in_run[:MAX_LISTED]],
        "same_content_count": len(found.duplicates_in_run),
    }


def finish_manifest(manifest: dict[str, Any], summary: RunSummary, timings: Timings,
                    read: ReadResult, cleaned: list[CleanSummary], fps: list[FingerprintSummary],
                    tally: QuarantineTally, match_counts: dict[str, Any], articles_path: str) -> None:
    """Add what the run did to ``manifest``: inputs per file (with their ``skipped`` entries by
    reason), counts, the entries skipped on purpose summed by reason (``skipped_by_reason``),
    edits, languages, timings, and ``outputs``: ``articles`` (``articles_path``) and ``quarantine``
    (null), which `flows.store.commit` sets to the parts it publishes. Sets
    ``summary.records_skipped`` from ``read``."""
    skipped = read.skipped_by_reason()
    summary.records_skipped = sum(skipped.values())
    inputs = [
        {**asdict(s), "rows": s.staged - tally.by_file_stage[s.path, "clean"],
         "quarantined": tally.by_file[s.path]}
        for s in read.files
    ]
    edits = Counter[str]()
    for c in cleaned:
        edits.update(c.edits_by_kind)
    manifest.update(
        quarantine_by_reason=tally.top_reasons(), quarantine_samples=tally.samples,
        inputs=inputs, skipped_by_reason=skipped, counts=asdict(summary), match=match_counts,
        edits_by_kind=dict(edits),
        languages=dict(sum((Counter(f.langs) for f in fps), Counter())),
        timings=timings.seconds, finished_at=utcnow().isoformat(),
        outputs={"articles": articles_path, "quarantine": None},
    )
