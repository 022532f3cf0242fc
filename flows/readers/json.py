"""JSON documents (``.json``): an array of objects, an object holding one, or one object.

Read whole, so bounded by ``max_whole_file_bytes``. (Within this package ``import json`` is
still the standard library: imports are absolute.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from flows.readers.base import (
    RAW_PREVIEW_CHARS,
    BadRecord,
    RawRecord,
    ReadLimits,
    binary_file,
    decode,
    make_record,
    read_all,
)

#: Keys of a top-level object whose list value holds the records (first match wins).
_LIST_KEYS = ("articles", "items", "data", "records", "posts", "results")


def read_json(path: Path, limits: ReadLimits) -> Iterator[RawRecord | BadRecord]:
    """The records of a JSON array, of the first list under `_LIST_KEYS` of a top-level object
    (its keys matched case-insensitively: ``Articles``, ``ITEMS``), or the top-level object
    itself.

    Guarantees: one item per array element (a `BadRecord` when it is not an object); an empty,
    malformed, scalar or binary (`binary_file`) document is a single `BadRecord` (index -1).
    Raises `TooLarge` over the whole-file limit (`read_file` turns it into a `BadRecord`).
    """
    data = read_all(path, limits)
    text, edits = decode(data)
    if not text.strip():
        yield BadRecord(-1, "empty file")
        return
    binary = binary_file(text, data)
    if binary is not None:
        yield binary
        return
    del data
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        yield BadRecord(-1, f"malformed JSON: {exc.msg} at line {exc.lineno}", text[:RAW_PREVIEW_CHARS])
        return
    except (ValueError, RecursionError) as exc:
        yield BadRecord(-1, f"unreadable JSON: {type(exc).__name__}: {str(exc)[:200]}", text[:RAW_PREVIEW_CHARS])
        return
    if isinstance(doc, dict):
        lists = {str(k).lower(): v for k, v in reversed(doc.items()) if isinstance(v, list)}
        held = next((lists[key] for key in _LIST_KEYS if key in lists), None)
        doc = [doc] if held is None else held
    if not isinstance(doc, list):
        yield BadRecord(-1, f"JSON top level is a {type(doc).__name__}, not an array or object",
                        text[:RAW_PREVIEW_CHARS])
        return
    for index, obj in enumerate(doc):
        yield make_record(obj, index, edits)
