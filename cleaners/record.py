"""The rules a raw record must meet to become a document, and the document's id.

Pure: the readers (`flows.readers`) turn files into records; these decide what a record's
id is, whether its text is usable, and how its metadata becomes text.
"""

from __future__ import annotations

import re
from typing import Any

import xxhash

#: A character a reader sees: not whitespace, not a C0/C1 control, not an invisible format
#: character (soft hyphen, zero-width spaces and joiners, direction marks, word joiner,
#: invisible operators, byte-order mark, tag characters).
_VISIBLE = re.compile(
    "[^\\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\U000e0000-\U000e007f]")


def first_visible(text: str) -> int | None:
    """The position of the first character of ``text`` a reader sees (not whitespace, a
    control or an invisible format character), or None when there is none."""
    found = _VISIBLE.search(text)
    return None if found is None else found.start()


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only whitespace, controls and invisible format
    characters (``"\\u200b\\u200b"``, ``"\\u00ad"``). Stops at the first visible character."""
    return first_visible(text) is None


def make_doc_id(sha256: str, key: str) -> str:
    """Stable row id: 128-bit hash of the source file's SHA-256 and the record's key.

    Guarantees: the same file content and key always give the same id (32 hex digits).
    """
    return xxhash.xxh3_128_hexdigest(f"{sha256}\x1f{key}".encode())


def unique_key(key: str, index: int, seen: set[str]) -> str:
    """The key of a file's record numbered ``index``: ``key`` itself when no earlier record of
    the file took it, else ``key#<index>``, then ``key#<index>#2``, ``#3``… until one is free;
    it is added to ``seen``.

    Guarantees: never returns a key already in ``seen``, so the doc ids of one file are unique
    whatever ids the file holds (``"a"``, ``"a#2"``, ``"a"`` included); the first record with
    a key keeps it, so its doc id does not depend on later records.
    """
    if key in seen:
        base = candidate = f"{key}#{index}"
        n = 1
        while candidate in seen:
            n += 1
            candidate = f"{base}#{n}"
        key = candidate
    seen.add(key)
    return key


def text_problem(text: object, max_chars: int) -> str | None:
    """Why a record's text cannot be curated (the quarantine reason), or None when it can.

    Guarantees: None only for a string with a visible character (`is_blank`) and at most
    ``max_chars`` characters.
    """
    if text is None:
        return "missing text (no text/content/body field, or null)"
    if not isinstance(text, str):
        return f"text is a {type(text).__name__}, not a string"
    if not text:
        return "empty text (the text field is there, with nothing in it)"
    if is_blank(text):
        return "blank text" if not text.strip() else "blank text (only invisible characters)"
    if len(text) > max_chars:
        return f"text too large: {len(text):,} characters (limit {max_chars:,}; raise --max-text-chars)"
    return None


def as_text(value: Any) -> str | None:
    """A metadata value as text: None stays None, a string is kept, anything else is ``str()``."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
