"""What one raw file may hold (`ReadLimits`), and the `curate run` flag of each limit.

Light to import (the command line reads the defaults before anything else is loaded).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The `curate run` flag that raises each `ReadLimits` field.
LIMIT_FLAGS = {
    "max_file_bytes": "--max-file-bytes",
    "max_whole_file_bytes": "--max-whole-file-bytes",
    "max_line_bytes": "--max-line-bytes",
    "max_records": "--max-records-per-file",
}


@dataclass(frozen=True)
class ReadLimits:
    """Limits applied while a raw file is read (each has a `curate run` flag).

    Reaching one in the middle of a file keeps the records read before it and ends the file with
    one `BadRecord` (index -1) that says what was not read and names the flag to raise. Every
    limit must be a positive integer (`ValueError` otherwise). Frozen and picklable, so it can be
    handed to worker processes.
    """

    #: Decompressed bytes read from one file, any format (``--max-file-bytes``).
    max_file_bytes: int = 8 << 30
    #: json, csv, txt, html, xml and .parquet.gz are read whole (``--max-whole-file-bytes``).
    max_whole_file_bytes: int = 512 << 20
    #: One JSONL line, one CSV field (``--max-line-bytes``).
    max_line_bytes: int = 64 << 20
    #: Records per file (``--max-records-per-file``).
    max_records: int = 10_000_000

    def __post_init__(self) -> None:
        for name, flag in LIMIT_FLAGS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} ({flag}) must be a positive integer, not {value!r}")
