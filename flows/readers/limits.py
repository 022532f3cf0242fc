"""What one raw file may hold (`ReadLimits`), and the `curate run` flag of each limit.

`ReadLimits` also carries the readers' one option that is not a size: the WordPress post types a
WXR export publishes (`WXR_POST_TYPES`).

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

#: Post types whose published items a WXR export turns into records (`ReadLimits.wxr_post_types`).
WXR_POST_TYPES: tuple[str, ...] = ("page", "post")


@dataclass(frozen=True)
class ReadLimits:
    """Limits applied while a raw file is read (each has a `curate run` flag).

    Reaching one in the middle of a file keeps the records read before it and ends the file with
    one `BadRecord` (index -1) that says what was not read and names the flag to raise. Every
    limit must be a positive integer (`ValueError` otherwise). Frozen and picklable, so it can be
    handed to worker processes.

    ``wxr_post_types`` is no limit but the WXR reader's option (``--wxr-post-type``): the post types
    whose published, public items become records; stored sorted and without repeats as a
    non-empty tuple of non-empty names, so that it reads the same in a run manifest (any iterable
    of strings is accepted, a bare string is not: `ValueError`).
    """

    #: Decompressed bytes read from one file, any format (``--max-file-bytes``).
    max_file_bytes: int = 8 << 30
    #: json, csv, txt, html, xml and .parquet.gz are read whole (``--max-whole-file-bytes``).
    max_whole_file_bytes: int = 512 << 20
    #: One JSONL line, one CSV field (``--max-line-bytes``).
    max_line_bytes: int = 64 << 20
    #: Records per file (``--max-records-per-file``).
    max_records: int = 10_000_000
    #: WordPress post types a WXR export publishes (`flows.readers.wxr`).
    wxr_post_types: tuple[str, ...] = WXR_POST_TYPES

    def __post_init__(self) -> None:
        for name, flag in LIMIT_FLAGS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} ({flag}) must be a positive integer, not {value!r}")
        types = self.wxr_post_types
        if isinstance(types, str | bytes):
            raise ValueError(f"wxr_post_types must be a collection of names, not {types!r}")
        names = list(types)
        if not names or not all(isinstance(t, str) and t.strip() == t and t for t in names):
            raise ValueError(f"wxr_post_types must be non-empty names, not {names!r}")
        object.__setattr__(self, "wxr_post_types", tuple(sorted(set(names))))
