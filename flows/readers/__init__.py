"""Reading raw files into records (raw input contract of ARCHITECTURE.md).

A reader turns one raw file into a stream of `RawRecord` (a dict of the recognised fields) and
`BadRecord` (what could not be read, with the reason). Nothing is dropped silently: every record
the file holds comes out as one or the other, and a file that cannot be read at all comes out as a
single `BadRecord`. `read_file` picks the reader by format; one module per format (`jsonl`,
`json`, `csv`, `parquet`, `text`, `wxr`) builds on `base`.

The names below are the package's API, imported on first use (`cleaners.lazy`). `MAX_LINE_BYTES` and `MAX_FILE_BYTES`
are read by `default_limits` from `flows.readers.base` at call time: patch them there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cleaners.lazy import lazy_exports

if TYPE_CHECKING:
    from flows.readers.base import (
        MAX_FILE_BYTES,
        MAX_LINE_BYTES,
        BadRecord,
        RawFile,
        RawRecord,
        default_limits,
        open_nofollow,
        parse_timestamp,
        preview,
        sha256_of,
    )
    from flows.readers.dispatch import read_file
    from flows.readers.limits import ReadLimits
    from flows.readers.wxr import parse_wxr

_EXPORTS = {
    "MAX_FILE_BYTES": "flows.readers.base",
    "MAX_LINE_BYTES": "flows.readers.base",
    "BadRecord": "flows.readers.base",
    "RawFile": "flows.readers.base",
    "RawRecord": "flows.readers.base",
    "default_limits": "flows.readers.base",
    "open_nofollow": "flows.readers.base",
    "parse_timestamp": "flows.readers.base",
    "preview": "flows.readers.base",
    "sha256_of": "flows.readers.base",
    "ReadLimits": "flows.readers.limits",
    "parse_wxr": "flows.readers.wxr",
    "read_file": "flows.readers.dispatch",
}
__all__ = [
    "MAX_FILE_BYTES",
    "MAX_LINE_BYTES",
    "BadRecord",
    "RawFile",
    "RawRecord",
    "ReadLimits",
    "default_limits",
    "open_nofollow",
    "parse_timestamp",
    "parse_wxr",
    "preview",
    "read_file",
    "sha256_of",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
