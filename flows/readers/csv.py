"""CSV files (``.csv``) with a header row, read whole with the standard `csv` module.

(Within this package ``import csv`` is still the standard library: imports are absolute.)
"""

from __future__ import annotations

import csv
import io
import re
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

#: Delimiters a CSV header may use, in order of preference on a tie: European spreadsheets
#: write ``;`` (the comma is their decimal mark), exports also use tabs and ``|``.
DELIMITERS = (",", ";", "\t", "|")


def header_delimiter(text: str) -> str:
    """The delimiter of a CSV whose first line is its header: the one of `DELIMITERS` that
    line holds most often outside double quotes (``,`` when it holds none, a one-column file)."""
    line = re.split(r"\r\n|\r|\n", text.lstrip("\ufeff"), maxsplit=1)[0]
    unquoted = "".join(line.split('"')[::2])
    counts = [unquoted.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))] if max(counts) else ","


def _row(header: list[str], cells: list[str]) -> dict[str, str]:
    """A row's cells by header name; a name the header gives twice keeps its first non-empty
    cell (a later empty one never hides it); names without a cell are left out (read as
    missing): a row costs its cells, not the header's width (a header of 8,000 names over
    8,000 one-cell rows, 118 KB, took 18.5 s and 1.7 GB when each row named them all)."""
    row: dict[str, str] = {}
    for name, cell in zip(header, cells, strict=False):
        if not row.get(name):
            row[name] = cell
    return row


def read_csv(path: Path, limits: ReadLimits) -> Iterator[RawRecord | BadRecord]:
    """One record per row, keyed by the header; quoted newlines and commas are handled.

    Guarantees: the delimiter is the header line's (`header_delimiter`: ``,``, ``;``, tab or
    ``|``); a header name given twice keeps its first non-empty cell (`_row`); a row with more
    cells than the header is a `BadRecord` and reading goes on; blank lines are skipped; a
    field longer than ``limits.max_line_bytes`` characters or any other CSV error ends the
    file with one `BadRecord` (index -1, the rows before it are kept); an empty file or one
    without a header is a single `BadRecord`, and so is binary data (`binary_file`). Raises
    `TooLarge` over the whole-file limit. Sets the process-wide `csv.field_size_limit`.
    """
    data = read_all(path, limits)
    text, edits = decode(data)
    binary = binary_file(text, data) if text.strip() else None
    if binary is not None:
        yield binary
        return
    del data
    csv.field_size_limit(limits.max_line_bytes)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=header_delimiter(text))
    try:
        header = next(reader, None)
        if not header or not any(name.strip() for name in header):
            yield BadRecord(-1, "empty file" if not text.strip() else "CSV has no header row")
            return
        index = 0
        for cells in reader:
            if not cells:
                continue  # a blank line
            if len(cells) > len(header):
                yield BadRecord(index, f"CSV row {index + 1} has more cells than the header",
                                preview(cells))
            else:
                yield make_record(_row(header, cells), index, edits)
            index += 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            yield BadRecord(-1, f"CSV field longer than {limits.max_line_bytes:,} characters after "
                                f"{reader.line_num} lines: the rest is not read "
                                f"(raise {LIMIT_FLAGS['max_line_bytes']})")
        else:
            yield BadRecord(-1, f"CSV error after {reader.line_num} lines: {exc}")
