"""Quarantine rows: streamed to staging files as they are made, summarised in bounded tallies.

A run may quarantine millions of records (a file of garbage lines). Their rows never pile up in
memory or in metadata: each stage writes them to Parquet files in the run's staging folder, a
few thousand at a time, and keeps a `QuarantineTally`, whose size does not grow with the number
of rows (counts per raw file, counts per *kind* of reason, a handful of sample rows). The
manifest and the artifacts are made from the tally; the rows go to ``curated/quarantine``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from flows.schema import QUARANTINE_SCHEMA

#: Characters of the raw record kept in a quarantine row (``raw`` column).
PREVIEW = 4000
#: Rows per staged quarantine file (at most ``ROWS_PER_FILE × PREVIEW`` characters in memory).
ROWS_PER_FILE = 10_000
#: Distinct reason kinds a tally keeps; rarer ones are counted under `OTHER`.
MAX_REASONS = 200
#: Sample rows a tally keeps (the first ones met).
MAX_SAMPLES = 10
#: The reason kind that collects the kinds beyond `MAX_REASONS`.
OTHER = "(other reasons)"

_NUMBER = re.compile(r"\d[\d,._]*")
_QUOTED = re.compile(r"'[^']{0,200}'|\"[^\"]{0,200}\"")


class Stage(StrEnum):
    """The stage that quarantined a row (the ``stage`` column)."""

    READ = "read"  # the file or record could not be read, or the record is not valid
    CLEAN = "clean"  # a cleaner failed on the text, or no text was left


def reason_kind(stage: str, error: str) -> str:
    """The kind of a quarantine reason: ``"<stage>: <error>"`` with numbers and quoted values
    folded (``line 12`` and ``line 13`` are one kind), at most 160 characters.

    Guarantees: as many kinds as there are kinds of fault, not as many as there are records.
    """
    folded = _QUOTED.sub("'…'", _NUMBER.sub("N", error))
    return f"{stage}: {' '.join(folded.split())}"[:160]


def quarantine_row(source_file: str, index: int, stage: Stage, error: str, run_id: str,
                   ingested_at: datetime, raw: str | None = None,
                   source_id: str | None = None) -> dict[str, Any]:
    """A row of ``curated/quarantine`` (``index`` -1 means the whole file); ``raw`` is cut to
    `PREVIEW` characters."""
    return {
        "source_file": source_file,
        "source_id": source_id,
        "record_index": index,
        "stage": str(stage),
        "error": error,
        "raw": raw[:PREVIEW] if raw else raw,
        "ingested_at": ingested_at,
        "run_id": run_id,
    }


@dataclass
class QuarantineTally:
    """Counts of quarantined rows: in all, per raw file and stage, per reason kind; and the
    first `MAX_SAMPLES` rows (without their ``raw`` preview). Its size is bounded by the
    number of raw files, whatever the number of rows."""

    rows: int = 0
    by_file: Counter[str] = field(default_factory=Counter)
    by_file_stage: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: dict[str, Any]) -> None:
        """Count one quarantine row."""
        self.rows += 1
        self.by_file[row["source_file"]] += 1
        self.by_file_stage[row["source_file"], row["stage"]] += 1
        self._count_reason(reason_kind(row["stage"], row["error"]), 1)
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append({k: row[k] for k in ("source_file", "source_id", "record_index",
                                                     "stage")} | {"error": row["error"][:300]})

    def _count_reason(self, kind: str, n: int) -> None:
        if kind in self.by_reason or len(self.by_reason) < MAX_REASONS:
            self.by_reason[kind] += n
        else:
            self.by_reason[OTHER] += n

    def merge(self, other: QuarantineTally) -> None:
        """Add ``other``'s counts and samples (up to `MAX_SAMPLES`) to this tally."""
        self.rows += other.rows
        self.by_file.update(other.by_file)
        self.by_file_stage.update(other.by_file_stage)
        for kind, n in other.by_reason.items():
            self._count_reason(kind, n)
        self.samples.extend(other.samples[: MAX_SAMPLES - len(self.samples)])

    def top_reasons(self, n: int = 20) -> dict[str, int]:
        """The ``n`` most frequent reason kinds with their counts, the rest under `OTHER`."""
        top = dict(self.by_reason.most_common(n))
        rest = self.rows - sum(top.values())
        if rest:
            top[OTHER] = top.get(OTHER, 0) + rest
        return top


class QuarantineWriter:
    """Writes quarantine rows to Parquet files ``<folder>/<prefix>-NNNNN.parquet`` of
    `ROWS_PER_FILE` rows, and tallies them. Call `close` to write the last rows."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder, self.prefix = folder, prefix
        self.tally = QuarantineTally()
        self.paths: list[str] = []
        self._rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        """Queue one row (see `quarantine_row`); written once `ROWS_PER_FILE` are queued."""
        self.tally.add(row)
        self._rows.append(row)
        if len(self._rows) >= ROWS_PER_FILE:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.prefix}-{len(self.paths):05d}.parquet"
        pq.write_table(pa.Table.from_pylist(self._rows, schema=QUARANTINE_SCHEMA), path)
        self.paths.append(str(path))
        self._rows = []

    def close(self) -> list[str]:
        """Write what is queued; the files written, in order."""
        self._flush()
        return self.paths


def write_quarantine_part(paths: list[str], out_path: Path, metadata: dict[bytes, bytes]) -> int:
    """Stream the staged quarantine files, in order, into one Parquet part (zstd); returns the
    rows written. No file is written when there is no row."""
    rows = 0
    writer: pq.ParquetWriter | None = None
    try:
        for path in paths:
            table = pq.read_table(path, schema=QUARANTINE_SCHEMA)
            if not table.num_rows:
                continue
            if writer is None:
                out_path.parent.mkdir(parents=True, exist_ok=True)
                writer = pq.ParquetWriter(out_path, QUARANTINE_SCHEMA.with_metadata(metadata),
                                          compression="zstd")
            writer.write_table(table.replace_schema_metadata(metadata))
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows
