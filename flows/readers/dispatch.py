"""`read_file`: one raw file to its records, by format, within the limits."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from flows.errors import TooLarge
from flows.readers.base import (
    BadRecord,
    RawFile,
    RawRecord,
    ReadLimits,
    default_limits,
    records_limit_message,
)
from flows.readers.csv import read_csv
from flows.readers.json import read_json
from flows.readers.jsonl import read_jsonl
from flows.readers.parquet import read_parquet
from flows.readers.text import read_html, read_txt
from flows.readers.wxr import read_wxr

_READERS: dict[str, Callable[[Path, ReadLimits], Iterator[RawRecord | BadRecord]]] = {
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "parquet": read_parquet,
    "txt": read_txt,
    "html": read_html,
}


def read_file(raw: RawFile, skipped: dict[str, int] | None = None,
              limits: ReadLimits | None = None) -> Iterator[RawRecord | BadRecord]:
    """Every record of a raw file, as `RawRecord` or `BadRecord`; never raises.

    Guarantees: at least one item per file; every item is a record of the file or, with index
    -1, one reason for the part of the file that could not be read, which is always the last
    item. ``skipped`` collects counts of entries deliberately not read (WXR drafts,
    revisions…). ``limits`` (default `default_limits()`) bound what is read:

    * more than ``max_records`` records: the first ``max_records`` are kept, then one
      `BadRecord` (``--max-records-per-file``);
    * more than ``max_file_bytes`` decompressed bytes: the records before are kept, then one
      `BadRecord` (``--max-file-bytes``);
    * a whole-file format over ``max_whole_file_bytes``: one `BadRecord`
      (``--max-whole-file-bytes``);
    * a JSONL line over ``max_line_bytes``: a `BadRecord` for the line, reading goes on; a CSV
      field over it ends the file with one `BadRecord` (``--max-line-bytes``).

    An I/O or decompression error ends the file with a `BadRecord` saying after how many
    records it happened; the records read before it are kept. A FIFO, device or symlink in
    place of the file is refused without blocking (see `open_nofollow`).
    """
    fmt = raw.format
    if fmt is None:
        yield BadRecord(-1, f"unsupported file type {Path(raw.rel).suffix or '(no extension)'!r}")
        return
    if raw.size == 0:
        yield BadRecord(-1, "empty file")
        return
    limits = limits or default_limits()
    if fmt == "wxr":
        it = read_wxr(raw.path, limits, skipped if skipped is not None else {})
    else:
        it = _READERS[fmt](raw.path, limits)
    count = 0
    try:
        for item in it:
            if count >= limits.max_records:
                if not (isinstance(item, BadRecord) and item.index == -1):  # not already the end
                    item = BadRecord(-1, records_limit_message(limits.max_records))
                yield item
                return
            count += 1
            yield item
    except TooLarge as exc:  # a limit: the reason names the flag
        yield BadRecord(-1, str(exc))
    except (EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
        yield BadRecord(-1, f"{type(exc).__name__} after {count} records: {exc or 'truncated file'}")
    except Exception as exc:  # a reader bug or an exotic format error: quarantine, do not crash
        yield BadRecord(-1, f"unreadable {fmt} file after {count} records: {type(exc).__name__}: {exc}")
    else:
        if count == 0:
            held = sum(skipped.values()) if skipped else 0
            yield BadRecord(-1, "file holds no records" + (
                f" to publish ({held} item(s) skipped on purpose, counted in the manifest)"
                if held else ""))
    finally:
        it.close()
