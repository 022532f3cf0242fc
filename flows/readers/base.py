"""What every reader shares: limits, record types, opening and decoding files, fields, dates.

`ReadLimits`; safe opening (`open_nofollow`) and decompressed bytes cut at a limit
(`open_counted`, `read_all`); decoding (`decode`) and refusing binary noise (`binary_file`);
field names, field types and records (`ALIASES`, `TEXT_FIELDS`, `make_record`); and the job's
one timestamp parser (`parse_timestamp`).
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from cleaners.edits import Edit, EditKind
from cleaners.text.encoding import binary_reason, decode_bytes
from flows.errors import LimitReached, TooLarge
from flows.quarantine import PREVIEW
from flows.readers.limits import LIMIT_FLAGS, ReadLimits

#: Extensions the job reads, with or without a trailing ``.gz``.
FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".txt": "txt",
    ".xml": "wxr",
    ".html": "html",
    ".htm": "html",
}

#: Field names mapped onto the recognised ones (first match wins).
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "guid", "_id", "doc_id", "article_id", "post_id"),
    "text": ("text", "content", "body", "article", "content_encoded", "fulltext", "description"),
    "title": ("title", "headline", "name"),
    "url": ("url", "link", "permalink", "canonical_url"),
    "lang": ("lang", "language", "locale"),
    "published_at": ("published_at", "date", "published", "pubdate", "pub_date", "datetime",
                     "created_at", "timestamp"),
    "source": ("source", "site", "publisher", "outlet", "feed"),
    # a CMS post's type (a WordPress export's ``wp:post_type``): its title is its own headline
    "post_type": ("post_type",),
}

#: Characters of an unreadable record kept in its `BadRecord.raw`: what its quarantine row keeps.
RAW_PREVIEW_CHARS = PREVIEW

#: Byte-order marks of UTF-16 and UTF-32 (a UTF-16 LE mark also starts UTF-32 LE).
UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_SURROGATE = re.compile("[\ud800-\udfff]")


#: Default longest JSONL line / CSV field (`ReadLimits.max_line_bytes`). `default_limits` reads
#: this module attribute at call time (patch it here, not on the `flows.readers` package).
MAX_LINE_BYTES = ReadLimits.max_line_bytes
#: Default largest whole-file input, decompressed (`ReadLimits.max_whole_file_bytes`, not
#: ``max_file_bytes``): json, csv, txt, html, xml, .parquet.gz. Read at call time like
#: `MAX_LINE_BYTES`.
MAX_FILE_BYTES = ReadLimits.max_whole_file_bytes


def default_limits() -> ReadLimits:
    """`ReadLimits()` with ``max_line_bytes`` and ``max_whole_file_bytes`` taken from this
    module's `MAX_LINE_BYTES` and `MAX_FILE_BYTES` as they are now (tests lower them)."""
    return ReadLimits(max_whole_file_bytes=MAX_FILE_BYTES, max_line_bytes=MAX_LINE_BYTES)


def bytes_limit_message(limit: int) -> str:
    """The reason ending a file cut at ``limit`` decompressed bytes; names ``--max-file-bytes``."""
    return (f"more than {limit:,} bytes once decompressed: the rest is not read "
            f"(raise {LIMIT_FLAGS['max_file_bytes']})")


def records_limit_message(limit: int) -> str:
    """The reason ending a file cut at ``limit`` records; names ``--max-records-per-file``."""
    return (f"file holds more than {limit:,} records: the rest is not read "
            f"(raise {LIMIT_FLAGS['max_records']})")


@dataclass(slots=True)
class RawRecord:
    """One readable record. ``key`` identifies it inside its file (its id, else its position);
    ``raw`` is the object it was read from (all its keys, recognised or not), for the preview
    of a quarantine row."""

    key: str
    index: int
    fields: dict[str, Any]
    edits: list[Edit] = field(default_factory=list)
    raw: Any = None


@dataclass(slots=True)
class BadRecord:
    """A record (or a whole file, ``index = -1``) that could not be read, and why."""

    index: int
    error: str
    raw: str | None = None
    key: str | None = None


@dataclass(slots=True)
class RawFile:
    """A file found in ``raw/``: its path relative to ``raw/``, SHA-256 and size."""

    path: Path
    rel: str
    sha256: str
    size: int

    @property
    def format(self) -> str | None:
        """The reader for this file, from its extension (``None`` when unsupported)."""
        return format_of(self.path.name)


def format_of(name: str) -> str | None:
    """The format name for a file name (``.gz`` stripped first), or ``None``."""
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return FORMATS.get(os.path.splitext(lower)[1])


def open_nofollow(path: Path) -> io.BufferedReader:
    """Open a regular file for reading in binary; never blocks, never follows a final symlink.

    The last path component must not be a symlink (``O_NOFOLLOW``: `OSError` ``ELOOP``), and
    the open is non-blocking, so a FIFO or device swapped in place of a file cannot stall the
    run: anything but a regular file is closed again and refused with
    ``OSError(errno.EINVAL, "not a regular file")``. The returned file reads blocking as usual.
    """
    nonblock = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | nonblock)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if nonblock:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a regular file's bytes, read in chunks through `open_nofollow` (so a
    symlink, FIFO or device raises `OSError` instead of being followed or blocking)."""
    h = hashlib.sha256()
    with open_nofollow(path) as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class CountedStream:
    """A binary stream (a file, or the gzip decompressor over it) cut at ``limit`` bytes.

    Reads return at most the first ``limit`` bytes of the (decompressed) stream; asking for more
    once they are used up raises `LimitReached` if the stream does hold more, and returns
    ``b""`` at a true end of file. ``count`` is the number of bytes returned so far. Closing it
    closes the decompressor and the file.
    """

    def __init__(self, stream: BinaryIO, limit: int, closers: tuple[BinaryIO, ...]) -> None:
        self._stream = stream
        self._closers = closers
        self.limit = limit
        self.count = 0

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes (``b""`` at the end); `LimitReached` past ``limit``."""
        room = self.limit - self.count
        if room <= 0:
            if self._stream.read(1):
                raise LimitReached(bytes_limit_message(self.limit))
            return b""
        # read1: what one decompression step gives, so that the bytes before a truncated
        # gzip's end are returned before the next read raises `EOFError`.
        data = self._stream.read1(min(size, room))
        self.count += len(data)
        return data

    def close(self) -> None:
        """Close the decompressor, then the file."""
        for closer in self._closers:
            closer.close()

    def __enter__(self) -> CountedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_counted(path: Path, limits: ReadLimits) -> CountedStream:
    """The file's decompressed bytes (gunzipped when its name ends in ``.gz``), cut at
    ``limits.max_file_bytes``; opened with `open_nofollow`."""
    fh = open_nofollow(path)
    if not path.name.lower().endswith(".gz"):
        return CountedStream(fh, limits.max_file_bytes, (fh,))
    try:
        gz = gzip.GzipFile(fileobj=fh, mode="rb")
    except BaseException:
        fh.close()
        raise
    return CountedStream(gz, limits.max_file_bytes, (gz, fh))  # type: ignore[arg-type]


def read_whole(stream: CountedStream, limits: ReadLimits, head: bytes = b"",
               hint: str = "split it, or use JSONL", kept: list[bytes] | None = None) -> bytes:
    """``head`` and the rest of ``stream``, or `TooLarge` beyond ``max_whole_file_bytes`` (or
    ``max_file_bytes`` when lower), naming ``hint`` and the flag to raise: such a file is not
    read into memory at all. ``kept``, when given, receives the chunks as they are read, so that
    a caller can still use the bytes read before an I/O or decompression error."""
    cap = limits.max_whole_file_bytes
    chunks = kept if kept is not None else []  # one chunk is joined without a copy
    if head:
        chunks.append(head)
    size = len(head)
    try:
        while size <= cap:
            data = stream.read(cap + 1 - size)
            if not data:
                break
            chunks.append(data)
            size += len(data)
    except LimitReached:
        cap, flag = stream.limit, LIMIT_FLAGS["max_file_bytes"]
    else:
        flag = LIMIT_FLAGS["max_whole_file_bytes"]
        if size <= cap:
            return b"".join(chunks)
    raise TooLarge(f"file larger than {cap:,} bytes once decompressed: not read into memory "
                   f"({hint}, or raise {flag})")


def read_all(path: Path, limits: ReadLimits, hint: str = "split it, or use JSONL",
             kept: list[bytes] | None = None) -> bytes:
    """The file's (decompressed) bytes; `TooLarge` when over the whole-file limit (see
    `read_whole`, also for ``kept``)."""
    with open_counted(path, limits) as stream:
        return read_whole(stream, limits, hint=hint, kept=kept)


def decode(data: bytes) -> tuple[str, list[Edit]]:
    """A file's bytes as text, and the edits that took: UTF-8 as is (a UTF-8 byte-order mark
    removed and recorded as a ``charset`` edit); anything else (UTF-16/32 with or without
    their marks, legacy charsets, and 7-bit ISO-2022 Japanese or Korean, which is valid UTF-8
    with escape bytes, as ASCII in UTF-16 is with NUL bytes) through
    `cleaners.text.encoding.decode_bytes`. Never raises."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(data)
    if "\x1b" in text or "\x00" in text[:4096]:  # ISO-2022, or UTF-16 without its mark
        return decode_bytes(data)
    if text.startswith("\ufeff"):
        return text[1:], [Edit(EditKind.CHARSET, "utf-8 byte-order mark stripped")]
    return text, []


def binary_file(text: str, data: bytes) -> BadRecord | None:
    """The `BadRecord` (index -1) of a file whose bytes ``data``, decoded to ``text``, are
    binary data and not text (`cleaners.text.encoding.binary_reason`: random bytes, an archive
    or an image under a text extension), with the one-line reason; None for text."""
    reason = binary_reason(text, data)
    return None if reason is None else BadRecord(-1, reason)


def scrub_surrogates(value: str) -> tuple[str, int]:
    """``value`` with lone UTF-16 surrogates (JSON ``"\\ud800"``) replaced by U+FFFD, and their count.

    Lone surrogates cannot be encoded as UTF-8, so Parquet could not store them. Whether a
    string holds one is asked of its UTF-8 encoding first, which fails on a surrogate and on
    nothing else: about 2 µs for a 2,400-character news text, where the pattern's scan took 19.
    """
    if value.isascii():
        return value, 0
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.subn("\ufffd", value)
    return value, 0


def normalise_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Map a raw object's keys onto the recognised fields (case-insensitive `ALIASES`, ``:``
    read as ``_``); None and empty-string values do not count (but a text field present only
    empty gives ``text`` ``""``: the record's text is empty, not missing).

    Guarantees: keys that differ only by case or by ``:``/``_`` (``text`` and ``TEXT``,
    ``content:encoded`` and ``content_encoded``) are one key, whose value is the first
    non-empty one in the object's order: a later null or empty spelling never hides it."""
    lowered: dict[str, Any] = {}
    for k, v in obj.items():
        name = str(k).lower().replace(":", "_")
        if lowered.get(name) is None or lowered[name] == "":
            lowered[name] = v
    out: dict[str, Any] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            value = lowered.get(alias)
            if value is not None and value != "":
                out[name] = value
                break
    if "text" not in out and any(lowered.get(alias) == "" for alias in ALIASES["text"]):
        out["text"] = ""  # a text field that is there but empty is no missing one
    return out


def preview(raw: Any) -> str:
    """At most `RAW_PREVIEW_CHARS` characters of an unreadable record (JSON unless a string)."""
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    return scrub_surrogates(text[:RAW_PREVIEW_CHARS])[0]  # Parquet cannot store a lone one


#: Recognised fields that hold text besides ``text`` itself: a number or a boolean there is
#: converted to its JSON spelling, anything else that is not a string is left out (never its
#: Python repr, ``"{'a': [1, 2]}"``), each with a ``metadata`` edit.
TEXT_FIELDS = ("title", "url", "source")


def describe_type(value: Any) -> str:
    """What a non-string field value is, for a reason or an edit: ``a number``, ``a boolean``,
    ``an object`` (a JSON object), ``a list``, ``bytes``, or ``a <type name>``."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bytes | bytearray):
        return "bytes"
    return f"a {type(value).__name__}"


def _scalar_text(value: Any) -> str | None:
    """A number's or a boolean's text as JSON writes it (``42``, ``1.5``, ``true``), else None."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None


def _typed_fields(fields: dict[str, Any], edits: list[Edit]) -> str | None:
    """Make the text fields of a record's normalised ``fields`` strings, in place: `TEXT_FIELDS`
    per their rule, an ``id`` that is a list or an object left out (the record is then keyed by
    its position), each change recorded in ``edits``. Returns why the record cannot be read
    (its ``text`` is not a string), else None."""
    text = fields.get("text")
    if text is not None and not isinstance(text, str):
        return f"field 'text' is {describe_type(text)}, not a string"
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if value is None or isinstance(value, str):
            continue
        converted = _scalar_text(value)
        if converted is not None:
            fields[name] = converted
            edits.append(Edit(EditKind.METADATA, f"{name} was {describe_type(value)}: converted"))
        else:
            del fields[name]
            edits.append(Edit(EditKind.METADATA, f"{name} is {describe_type(value)}, not a string: "
                                                 f"{name} left empty"))
    key = fields.get("id")
    if key is not None and not isinstance(key, str) and _scalar_text(key) is None:
        del fields["id"]
        edits.append(Edit(EditKind.METADATA, f"id is {describe_type(key)}, not a string: id left "
                                             "empty (the record is keyed by its position)"))
    return None


def make_record(obj: Any, index: int, edits: list[Edit]) -> RawRecord | BadRecord:
    """The record numbered ``index`` of a file from a parsed object: a `RawRecord` of its
    normalised fields, keyed by its id, else ``#index``; or a `BadRecord` when ``obj`` is not a
    dict or its text is not a string (``field 'text' is an object, not a string``).

    Guarantees, after ``edits`` and in this order, an edit for each change: `TEXT_FIELDS` hold
    strings (a number or a boolean converted, a list or an object left out, `_typed_fields`);
    an ``id`` that is a list or an object is left out; lone surrogates in strings are scrubbed.
    """
    if not isinstance(obj, dict):
        return BadRecord(index, f"record is a {type(obj).__name__}, not an object", preview(obj))
    fields = normalise_fields(obj)
    edits = list(edits)
    problem = _typed_fields(fields, edits)
    if problem is not None:
        key = fields.get("id")
        return BadRecord(index, problem, preview(obj),
                         str(key) if key is not None else None)
    for name, value in fields.items():
        if isinstance(value, str):
            fields[name], count = scrub_surrogates(value)
            if count:
                edits.append(Edit(EditKind.ENCODING,
                                  f"{count} lone UTF-16 surrogate(s) in {name} replaced by U+FFFD"))
    key = fields.get("id")
    if key is not None and not isinstance(key, str):  # a number or a boolean: as JSON spells it
        fields["id"] = key = _scalar_text(key) or str(key)
    return RawRecord(key if key is not None else f"#{index}", index, fields, edits, obj)


class TimestampSyntax(StrEnum):
    """How `parse_timestamp` reads a string."""

    #: ISO-8601 (``Z`` for UTC accepted), else RFC 2822: what records hold.
    ANY = "any"
    #: RFC 2822 only (an RSS ``pubDate``).
    RFC2822 = "rfc2822"
    #: ``YYYY-MM-DD HH:MM:SS`` in UTC only, as `datetime.strptime` reads it (WordPress's
    #: ``post_date_gmt``).
    SQL_UTC = "sql-utc"


def _read_string(s: str, syntax: TimestampSyntax) -> datetime:
    """``s`` as a datetime in the given syntax (naive when it has no offset); `ValueError`,
    `TypeError` or `IndexError` when it is not one."""
    if syntax is TimestampSyntax.SQL_UTC:
        return datetime.strptime(s, "%Y-%m-%d %H:%M:%S")
    if syntax is TimestampSyntax.ANY:
        try:
            return datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            pass
    return parsedate_to_datetime(s)


def parse_timestamp(value: Any, syntax: TimestampSyntax = TimestampSyntax.ANY,
                    ) -> tuple[datetime | None, str | None]:
    """A UTC datetime from ISO-8601, RFC 2822, epoch seconds/milliseconds or a datetime.

    Guarantees: ``(None, None)`` for None or ``""``; ``(datetime, None)`` with ``tzinfo=UTC``
    when readable (a value without an offset is taken as UTC; a number, a ``Decimal`` too, over
    1e11 is epoch milliseconds); ``(None, reason)`` when present but unreadable or out of range
    once in UTC (a value that is neither a string, a number nor a datetime is named by its
    type, never by its Python repr).
    A string is stripped, then read in ``syntax`` (default: ISO-8601, else RFC 2822).
    Never raises.
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        seconds = float(value)
        seconds = seconds / 1000 if seconds > 1e11 else seconds
        try:
            dt = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None, f"unreadable published_at {value!r}"
    elif isinstance(value, date):  # a Parquet date32: midnight UTC
        dt = datetime(value.year, value.month, value.day)
    elif not isinstance(value, str):  # a list, an object, a boolean: never its Python repr
        return None, f"unreadable published_at ({describe_type(value)})"
    else:
        s = value.strip()
        try:
            dt = _read_string(s, syntax)
        except (TypeError, ValueError, IndexError):
            return None, f"unreadable published_at {s[:80]!r}"
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC), None
    except (OverflowError, ValueError):  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        return None, f"published_at out of range {str(value)[:80]!r}"
