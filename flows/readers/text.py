"""One article per file: plain text (``.txt``) and HTML pages (``.html``, ``.htm``).

Both are read whole (bounded by ``max_whole_file_bytes``); the record's key is the file name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from flows.readers.base import BadRecord, RawRecord, ReadLimits, binary_file, decode, read_all


def _safe_name(path: Path) -> str:
    """The file name as valid UTF-8 (undecodable bytes shown as ``\\xNN``)."""
    return os.fsencode(path.name).decode("utf-8", "backslashreplace")


def split_title(text: str) -> tuple[str | None, str]:
    """A plain-text article's title and body.

    Guarantees: ``(title, body)`` when the first line (after a byte-order mark and leading
    newlines) is short (1 to 200 characters once stripped), does not end a sentence
    (``.!?:``) and is followed by a blank line; ``(None, text)`` unchanged otherwise.
    """
    head, sep, rest = text.lstrip("\ufeff").lstrip("\n").partition("\n")
    if sep and rest.startswith(("\n", "\r\n")) and 0 < len(head.strip()) <= 200 \
            and not head.rstrip().endswith((".", "!", "?", ":")):
        return head.strip(), rest.strip("\r\n")
    return None, text


def read_txt(path: Path, limits: ReadLimits) -> Iterator[RawRecord | BadRecord]:
    """The file as one `RawRecord` (title per `split_title`), or one `BadRecord` when it is
    only whitespace or binary data (`binary_file`: random bytes, an archive, an image). Raises
    `TooLarge` over the whole-file limit."""
    data = read_all(path, limits, hint="split it")
    text, edits = decode(data)
    if not text.strip():
        yield BadRecord(-1, "empty file")
        return
    binary = binary_file(text, data)
    if binary is not None:
        yield binary
        return
    del data
    title, body = split_title(text)
    yield RawRecord(_safe_name(path), 0, {"title": title, "text": body}, edits)


def read_html(path: Path, limits: ReadLimits) -> Iterator[RawRecord | BadRecord]:
    """The page as one `RawRecord` whose text is the markup, or one `BadRecord` when it is only
    whitespace or binary data (`binary_file`). The page is not parsed here: the clean stage
    parses it once, for its main text and its title (`cleaners.text.extract`). Raises
    `TooLarge` over the whole-file limit."""
    data = read_all(path, limits, hint="split it")
    text, edits = decode(data)
    if not text.strip():
        yield BadRecord(-1, "empty file")
        return
    binary = binary_file(text, data)
    if binary is not None:
        yield binary
        return
    del data
    yield RawRecord(_safe_name(path), 0, {"title": None, "text": text}, edits)
