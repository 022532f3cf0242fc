"""CSV files (``.csv``) with a header row, read whole with the standard `csv` module.

(Within this package ``import csv`` is still the standard library: imports are absolute.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from flows.readers.base import (
    LIMIT_FLAGS,
    BadRecord,
    RawRecord,
    ReadLimits,
    binary_file,
    decode,
    make_record,
    preview,
    read_all,
)


def read_csv(path: Path, limits: ReadLimits) -> Iterator[RawRecord | BadRecord]:
    """One record per row, keyed by the header; quoted newlines and commas are handled.

    Guarantees: a row with more cells than the header is a `BadRecord` and reading goes on; a
    field longer than ``limits.max_line_bytes`` characters or any other CSV error ends the file
    with one `BadRecord` (index -1, the rows before it are kept); an empty file or one without a
    header is a single `BadRecord`, and so is binary data (`binary_file`). Raises `TooLarge`
    over the whole-file limit. Sets the process-wide `csv.field_size_limit`.
    """
    data = read_all(path, limits)
    text, edits = decode(data)
    binary = binary_file(text, data) if text.strip() else None
    if binary is not None:
        yield binary
        return
    del data
    csv.field_size_limit(limits.max_line_bytes)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if not reader.fieldnames:
            yield BadRecord(-1, "empty file" if not text.strip() else "CSV has no header row")
            return
        for index, row in enumerate(reader):
            if None in row:  # more cells than header names
                yield BadRecord(index, f"CSV row {index + 1} has more cells than the header", preview(row))
                continue
            yield make_record(row, index, edits)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            yield BadRecord(-1, f"CSV field longer than {limits.max_line_bytes:,} characters after "
                                f"{reader.line_num} lines: the rest is not read "
                                f"(raise {LIMIT_FLAGS['max_line_bytes']})")
        else:
            yield BadRecord(-1, f"CSV error after {reader.line_num} lines: {exc}")
