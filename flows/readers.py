"""Reading raw files into records (raw input contract of ARCHITECTURE.md).

A reader turns one raw file into a stream of `RawRecord` (a dict of the recognised fields) and
`BadRecord` (what could not be read, with the reason). Nothing is dropped silently: every record
the file holds comes out as one or the other, and a file that cannot be read at all comes out as a
single `BadRecord`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from cleaners.edits import Edit
from cleaners.encoding import decode_bytes

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
}

RAW_PREVIEW_CHARS = 4000

#: Longest JSONL line read (bytes, decompressed): a longer line is quarantined, never held whole.
MAX_LINE_BYTES = 64 << 20
#: Largest whole-file input (json, csv, txt, html, xml), decompressed: beyond it the file is
#: quarantined instead of read into memory (a gzip bomb, or a dump that should be JSONL).
MAX_FILE_BYTES = 512 << 20

_SURROGATE = re.compile("[\ud800-\udfff]")
_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


class TooLarge(ValueError):
    """A file or line is larger than the reader accepts."""


@dataclass(slots=True)
class RawRecord:
    """One readable record. ``key`` identifies it inside its file (its id, else its position)."""

    key: str
    index: int
    fields: dict[str, Any]
    edits: list[Edit] = field(default_factory=list)


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
    """Open a file for reading in binary, refusing a symlink as the last path component."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    return os.fdopen(fd, "rb")


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open_nofollow(path) as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _open_binary(path: Path) -> io.BufferedIOBase:
    fh = open_nofollow(path)
    if path.name.lower().endswith(".gz"):
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh  # type: ignore[return-value]


def _read_all(path: Path, limit: int | None = None) -> bytes:
    """The file's (decompressed) bytes; `TooLarge` beyond ``limit`` (default `MAX_FILE_BYTES`)."""
    cap = MAX_FILE_BYTES if limit is None else limit
    with _open_binary(path) as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise TooLarge(f"file larger than {cap:,} bytes once decompressed: not read into memory "
                       "(split it, or use JSONL)")
    return data


def scrub_surrogates(value: str) -> tuple[str, int]:
    """``value`` with lone UTF-16 surrogates (JSON ``"\\ud800"``) replaced by U+FFFD, and their count.

    Lone surrogates cannot be encoded as UTF-8, so Parquet could not store them.
    """
    found = _SURROGATE.findall(value)
    if not found:
        return value, 0
    return _SURROGATE.sub("\ufffd", value), len(found)


def normalise_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Map a raw object's keys onto the recognised fields (case-insensitive aliases)."""
    lowered = {str(k).lower().replace(":", "_"): v for k, v in obj.items()}
    out: dict[str, Any] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            value = lowered.get(alias)
            if value is not None and value != "":
                out[name] = value
                break
    return out


def _preview(raw: Any) -> str:
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    return text[:RAW_PREVIEW_CHARS]


def _record(obj: Any, index: int, edits: list[Edit]) -> RawRecord | BadRecord:
    if not isinstance(obj, dict):
        return BadRecord(index, f"record is a {type(obj).__name__}, not an object", _preview(obj))
    fields = normalise_fields(obj)
    edits = list(edits)
    for name, value in fields.items():
        if isinstance(value, str):
            fields[name], count = scrub_surrogates(value)
            if count:
                edits.append(Edit("encoding", f"{count} lone UTF-16 surrogate(s) in {name} replaced by U+FFFD"))
    key = fields.get("id")
    return RawRecord(str(key) if key is not None else f"#{index}", index, fields, edits)


def _decode(data: bytes) -> tuple[str, list[Edit]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(data)
    if text.startswith("\ufeff"):
        return text[1:], [Edit("charset", "removed UTF-8 byte-order mark")]
    return text, []


def _jsonl_lines(path: Path) -> Iterator[tuple[int, bytes | str | None]]:
    """(line index, line) for every non-blank line; ``None`` for a line over `MAX_LINE_BYTES`.

    Lines are read one at a time with a length cap, so no line is ever held whole beyond the
    cap. A UTF-16/32 file (byte-order mark) is decoded whole first, then split.
    """
    with _open_binary(path) as fh:
        head = fh.peek(4)[:4] if hasattr(fh, "peek") else b""
        if head.startswith(_UTF16_32_BOMS):
            fh.close()
            text, _ = decode_bytes(_read_all(path))
            for index, line in enumerate(text.split("\n")):  # not splitlines: U+2028 may sit in a string
                if line.strip():
                    yield index, line.strip()
            return
        index = 0
        while True:
            line = fh.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while True:  # skip the rest of the overlong line, a block at a time
                    rest = fh.readline(1 << 20)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield index, None
            elif line.strip():
                yield index, line.strip()
            index += 1


def read_jsonl(path: Path) -> Iterator[RawRecord | BadRecord]:
    """One JSON object per line; a malformed line is a `BadRecord` and reading goes on."""
    for index, line in _jsonl_lines(path):
        if line is None:
            yield BadRecord(index, f"line {index + 1} is longer than {MAX_LINE_BYTES:,} bytes: not read")
            continue
        if isinstance(line, bytes):
            text, edits = _decode(line)
        else:
            text, edits = line.lstrip("\ufeff"), [Edit("charset", "UTF-16/32 file decoded")]
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield BadRecord(index, f"malformed JSON on line {index + 1}: {exc.msg}", text[:RAW_PREVIEW_CHARS])
            continue
        except (ValueError, RecursionError) as exc:  # too deep, an integer of 5000 digits…
            yield BadRecord(index, f"unreadable JSON on line {index + 1}: {type(exc).__name__}: "
                                   f"{str(exc)[:200]}", text[:RAW_PREVIEW_CHARS])
            continue
        yield _record(obj, index, edits)


def read_json(path: Path) -> Iterator[RawRecord | BadRecord]:
    """A JSON array of objects, an object holding such an array, or a single object."""
    text, edits = _decode(_read_all(path))
    if not text.strip():
        yield BadRecord(-1, "empty file")
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        yield BadRecord(-1, f"malformed JSON: {exc.msg} at line {exc.lineno}", text[:RAW_PREVIEW_CHARS])
        return
    except (ValueError, RecursionError) as exc:
        yield BadRecord(-1, f"unreadable JSON: {type(exc).__name__}: {str(exc)[:200]}", text[:RAW_PREVIEW_CHARS])
        return
    if isinstance(doc, dict):
        for key in ("articles", "items", "data", "records", "posts", "results"):
            if isinstance(doc.get(key), list):
                doc = doc[key]
                break
        else:
            doc = [doc]
    if not isinstance(doc, list):
        yield BadRecord(-1, f"JSON top level is a {type(doc).__name__}, not an array or object")
        return
    for index, obj in enumerate(doc):
        yield _record(obj, index, edits)


def read_csv(path: Path) -> Iterator[RawRecord | BadRecord]:
    """CSV with a header row; quoted newlines and commas are handled by the csv module."""
    text, edits = _decode(_read_all(path))
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        yield BadRecord(-1, "empty file" if not text.strip() else "CSV has no header row")
        return
    try:
        for index, row in enumerate(reader):
            if None in row:  # more cells than header names
                yield BadRecord(index, f"CSV row {index + 1} has more cells than the header", _preview(row))
                continue
            yield _record(row, index, edits)
    except csv.Error as exc:
        yield BadRecord(-1, f"CSV error after {reader.line_num} lines: {exc}")


def read_parquet(path: Path) -> Iterator[RawRecord | BadRecord]:
    """A Parquet file, streamed in record batches."""
    with open_nofollow(path) as fh:
        source: Any = io.BytesIO(_read_all(path)) if path.name.lower().endswith(".gz") else fh
        pf = pq.ParquetFile(source)
        index = 0
        for batch in pf.iter_batches(batch_size=2048):
            for row in batch.to_pylist():
                yield _record(row, index, [])
                index += 1


def _safe_name(path: Path) -> str:
    """The file name as valid UTF-8 (undecodable bytes shown as ``\\xNN``)."""
    return os.fsencode(path.name).decode("utf-8", "backslashreplace")


def split_title(text: str) -> tuple[str | None, str]:
    """A plain-text article's title: its first line when short and followed by a blank line."""
    head, sep, rest = text.lstrip("\ufeff").lstrip("\n").partition("\n")
    if sep and rest.startswith(("\n", "\r\n")) and 0 < len(head.strip()) <= 200 \
            and not head.rstrip().endswith((".", "!", "?", ":")):
        return head.strip(), rest.strip("\r\n")
    return None, text


def read_txt(path: Path) -> Iterator[RawRecord | BadRecord]:
    """One article per file; a short first line followed by a blank line is its title."""
    text, edits = _decode(_read_all(path))
    if not text.strip():
        yield BadRecord(-1, "empty file")
        return
    title, body = split_title(text)
    yield RawRecord(_safe_name(path), 0, {"title": title, "text": body}, edits)


def read_html(path: Path) -> Iterator[RawRecord | BadRecord]:
    """One article per HTML file; the clean stage turns the markup into text."""
    from cleaners.html_text import html_title

    text, edits = _decode(_read_all(path))
    if not text.strip():
        yield BadRecord(-1, "empty file")
        return
    yield RawRecord(_safe_name(path), 0, {"title": html_title(text), "text": text}, edits)


def read_wxr(path: Path, skipped: dict[str, int]) -> Iterator[RawRecord | BadRecord]:
    """A WordPress WXR export: one record per published post or page (see cleaners.wxr)."""
    from cleaners.wxr import parse_wxr

    data = _read_all(path)
    if not data.strip():
        yield BadRecord(-1, "empty file")
        return
    try:
        result = parse_wxr(data)
    except ValueError as exc:
        yield BadRecord(-1, f"unreadable WXR export: {exc}")
        return
    for kind, count in result.skipped.items():
        skipped[kind] = skipped.get(kind, 0) + count
    for index, obj in enumerate(result.records):
        yield _record(obj, index, [])


def read_file(raw: RawFile, skipped: dict[str, int] | None = None) -> Iterator[RawRecord | BadRecord]:
    """Every record of a raw file, as `RawRecord` or `BadRecord`; never raises.

    ``skipped`` collects counts of entries deliberately not read (WXR drafts, revisions…).
    An I/O or decompression error ends the file with a `BadRecord` saying after how many
    records it happened; the records read before it are kept.
    """
    fmt = raw.format
    if fmt is None:
        yield BadRecord(-1, f"unsupported file type {Path(raw.rel).suffix or '(no extension)'!r}")
        return
    if raw.size == 0:
        yield BadRecord(-1, "empty file")
        return
    readers = {
        "jsonl": read_jsonl,
        "json": read_json,
        "csv": read_csv,
        "parquet": read_parquet,
        "txt": read_txt,
        "html": read_html,
    }
    it = read_wxr(raw.path, skipped if skipped is not None else {}) if fmt == "wxr" else readers[fmt](raw.path)
    count = 0
    try:
        for item in it:
            count += 1
            yield item
    except (EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
        yield BadRecord(-1, f"{type(exc).__name__} after {count} records: {exc or 'truncated file'}")
    except Exception as exc:  # a reader bug or an exotic format error: quarantine, do not crash
        yield BadRecord(-1, f"unreadable {fmt} file after {count} records: {type(exc).__name__}: {exc}")
    else:
        if count == 0:
            yield BadRecord(-1, "file holds no records")


def parse_timestamp(value: Any) -> tuple[datetime | None, str | None]:
    """A UTC datetime from ISO-8601, RFC 2822, epoch seconds/milliseconds or a datetime.

    Returns ``(None, reason)`` when the value is present but cannot be read.
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            dt = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None, f"unreadable published_at {value!r}"
    else:
        s = str(value).strip()
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            try:
                dt = parsedate_to_datetime(s)
            except (TypeError, ValueError, IndexError):
                return None, f"unreadable published_at {s[:80]!r}"
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC), None
    except (OverflowError, ValueError):  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        return None, f"published_at out of range {str(value)[:80]!r}"
