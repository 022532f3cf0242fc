"""The files a run's batches travel in between its stages (``curated/_staging/<run_id>/``):
Arrow IPC files (the Feather v2 format), not Parquet.

A staged batch is written once and read two or three times within the same run (the read
stage's batch by its clean task; a fingerprinted batch by match, the second signal and
publish), by the same version of the job, and is removed with the staging: nothing else ever
reads it. Parquet's encoding and decoding are work such a file does not need: a batch of
2,000 WMT documents cost 125.7 ms of CPU in writes and reads as Parquet (pyarrow's defaults),
33.1 ms as these files (`benchmarks/staging_io.py`, 2026-12-07). The curated dataset stays
Parquet (`flows.stages.publish`).

A read-stage batch holds the raw record texts (whole HTML pages for scraped pages, about
140 KB each), so it is compressed with LZ4 (about the size Parquet's default Snappy gave); a
fingerprinted batch holds the cleaned texts and is not compressed. Files are read, not
memory-mapped (the staging may be a network or FUSE mount, `docs/scaling.md`). pyarrow reads a
file's record batch whole even for a few columns, and the columns it returns are slices of
that one allocation: `read_staged` copies the columns asked for out of it, so that a reader
holding them (match holds the signatures of every batch of the run) does not hold the texts
(the flow process's peak at 100,000 WMT documents: 1,777 MiB without the copy, 1,436 MiB
with it, 1,546 MiB when batches were Parquet; `benchmarks/RESULTS.md`, 2026-12-07).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather

#: The suffix of a staged batch's file.
STAGED_SUFFIX = ".arrow"


def write_staged(table: pa.Table, path: str | Path, *, compressed: bool) -> None:
    """Write ``table`` (its schema's metadata included) to ``path`` as one Arrow IPC file,
    LZ4-compressed when ``compressed``. `read_staged` gives the same table back."""
    feather.write_feather(table, str(path), compression="lz4" if compressed else "uncompressed")


def read_staged(path: str | Path, columns: Sequence[str] | None = None) -> pa.Table:
    """The table `write_staged` wrote to ``path``; with ``columns``, only those, in that order,
    in memory of their own (see the module docstring). Raises what pyarrow raises for a file
    that is missing or not a staged batch."""
    if columns is None:
        return feather.read_table(str(path), memory_map=False)
    table = feather.read_table(str(path), columns=list(columns), memory_map=False)
    cpu = pa.default_cpu_memory_manager()
    return pa.Table.from_batches([batch.copy_to(cpu) for batch in table.to_batches()],
                                 schema=table.schema)


def staged_schema(path: str | Path) -> pa.Schema:
    """The schema of the staged batch at ``path``, without reading its columns."""
    with pa.OSFile(str(path)) as source:
        return pa.ipc.open_file(source).schema


def is_staged(path: str | Path) -> bool:
    """Whether ``path`` names a staged batch (by its suffix), not a Parquet file."""
    return str(path).endswith(STAGED_SUFFIX)
