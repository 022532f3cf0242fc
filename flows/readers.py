"""Reading raw files into records (raw input contract of ARCHITECTURE.md).

A reader turns one raw file into a stream of `RawRecord` (a dict of the recognised fields) and
`BadRecord` (what could not be read, with the reason). Nothing is dropped silently: every record
the file holds comes out as one or the other, and a file that cannot be read at all comes out as a
single `BadRecord`.
"""

from __future__ import annotations

import csv
import errno
import gzip
import hashlib
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow.parquet as pq

from cleaners.edits import Edit
from cleaners.text.encoding import decode_bytes
from flows.errors import LimitReached, TooLarge

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


@dataclass(frozen=True)
class ReadLimits:
    """Limits applied while a raw file is read (each has a `curate run` flag).

    Reaching one in the middle of a file keeps the records read before it and ends the file with
    one `BadRecord` (index -1) that says what was not read and names the flag to raise. Every
    limit must be a positive integer (`ValueError` otherwise). Frozen and picklable, so it can be
    handed to worker processes.
    """

    #: Decompressed bytes read from one file, any format (``--max-file-bytes``).
    max_file_bytes: int = 8 << 30
    #: json, csv, txt, html, xml and .parquet.gz are read whole (``--max-whole-file-bytes``).
    max_whole_file_bytes: int = 512 << 20
    #: One JSONL line, one CSV field (``--max-line-bytes``).
    max_line_bytes: int = 64 << 20
    #: Records per file (``--max-records-per-file``).
    max_records: int = 10_000_000

    def __post_init__(self) -> None:
        for name, flag in _LIMIT_FLAGS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} ({flag}) must be a positive integer, not {value!r}")


_LIMIT_FLAGS = {
    "max_file_bytes": "--max-file-bytes",
    "max_whole_file_bytes": "--max-whole-file-bytes",
    "max_line_bytes": "--max-line-bytes",
    "max_records": "--max-records-per-file",
}

#: Default longest JSONL line / CSV field (`ReadLimits.max_line_bytes`). `read_file` called
#: without ``limits`` reads this module attribute at call time.
MAX_LINE_BYTES = ReadLimits.max_line_bytes
#: Default largest whole-file input, decompressed (`ReadLimits.max_whole_file_bytes`, not
#: ``max_file_bytes``): json, csv, txt, html, xml, .parquet.gz. `read_file` called without
#: ``limits`` reads this module attribute at call time.
MAX_FILE_BYTES = ReadLimits.max_whole_file_bytes


def default_limits() -> ReadLimits:
    """`ReadLimits()` with ``max_line_bytes`` and ``max_whole_file_bytes`` taken from the module
    attributes `MAX_LINE_BYTES` and `MAX_FILE_BYTES` as they are now (tests lower them)."""
    return ReadLimits(max_whole_file_bytes=MAX_FILE_BYTES, max_line_bytes=MAX_LINE_BYTES)


_SURROGATE = re.compile("[\ud800-\udfff]")
_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
#: Block size of streamed reads (JSONL).
_BLOCK = 1 << 20
_NEWLINES = b"\n" * _BLOCK
#: The bytes `bytes.strip` removes (ASCII whitespace): a line made only of them is blank.
_WHITESPACE = frozenset(b" \t\n\r\x0b\x0c")
_SPACES = re.compile(rb"[ \t\n\r\x0b\x0c]+")
#: First characters after which `json.loads` may succeed or fail with another message than
#: "Expecting value" (a value's first character, JSON whitespace, a byte-order mark).
_JSON_STARTS = frozenset('{["-0123456789tfnNI \t\n\r\ufeff')


def _bytes_limit_message(limit: int) -> str:
    return (f"more than {limit:,} bytes once decompressed: the rest is not read "
            f"(raise {_LIMIT_FLAGS['max_file_bytes']})")


def _records_limit_message(limit: int) -> str:
    return (f"file holds more than {limit:,} records: the rest is not read "
            f"(raise {_LIMIT_FLAGS['max_records']})")


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


class _Counted:
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
        room = self.limit - self.count
        if room <= 0:
            if self._stream.read(1):
                raise LimitReached(_bytes_limit_message(self.limit))
            return b""
        # read1: what one decompression step gives, so that the bytes before a truncated
        # gzip's end are returned before the next read raises `EOFError`.
        data = self._stream.read1(min(size, room))
        self.count += len(data)
        return data

    def close(self) -> None:
        for closer in self._closers:
            closer.close()

    def __enter__(self) -> _Counted:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_counted(path: Path, limits: ReadLimits) -> _Counted:
    """The file's decompressed bytes (gunzipped when it ends in ``.gz``), cut at
    ``limits.max_file_bytes``."""
    fh = open_nofollow(path)
    if not path.name.lower().endswith(".gz"):
        return _Counted(fh, limits.max_file_bytes, (fh,))
    try:
        gz = gzip.GzipFile(fileobj=fh, mode="rb")
    except BaseException:
        fh.close()
        raise
    return _Counted(gz, limits.max_file_bytes, (gz, fh))  # type: ignore[arg-type]


def _read_whole(stream: _Counted, limits: ReadLimits, head: bytes = b"",
                hint: str = "split it, or use JSONL") -> bytes:
    """``head`` and the rest of ``stream``, or `TooLarge` beyond ``max_whole_file_bytes`` (or
    ``max_file_bytes`` when lower): such a file is not read into memory at all."""
    cap = limits.max_whole_file_bytes
    chunks, size = ([head] if head else []), len(head)  # one chunk is joined without a copy
    try:
        while size <= cap:
            data = stream.read(cap + 1 - size)
            if not data:
                break
            chunks.append(data)
            size += len(data)
    except LimitReached:
        cap, flag = stream.limit, _LIMIT_FLAGS["max_file_bytes"]
    else:
        flag = _LIMIT_FLAGS["max_whole_file_bytes"]
        if size <= cap:
            return b"".join(chunks)
    raise TooLarge(f"file larger than {cap:,} bytes once decompressed: not read into memory "
                   f"({hint}, or raise {flag})")


def _read_all(path: Path, limits: ReadLimits, hint: str = "split it, or use JSONL") -> bytes:
    """The file's (decompressed) bytes; `TooLarge` when over the whole-file limit."""
    with _open_counted(path, limits) as stream:
        return _read_whole(stream, limits, hint=hint)


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


def _blank_block(block: bytes) -> int | None:
    """How many newlines ``block`` holds when it is only whitespace, else ``None`` (C speed)."""
    if len(block) == _BLOCK and block == _NEWLINES:  # a memcmp: the usual padding, or a bomb
        return _BLOCK
    if block.isspace():
        return block.count(b"\n")
    return None


def _split_lines(blocks: Iterator[bytes], max_line: int) -> Iterator[tuple[int, bytes | None]]:
    """(0-based line index, stripped line) for every non-blank line of a stream given in blocks;
    ``None`` instead of a line longer than ``max_line`` bytes (not counting its newline).

    Lines end at ``b"\\n"``; blank means only ASCII whitespace (as `bytes.strip`), whatever its
    length, and a line's length counts its leading and trailing whitespace. Blank runs are
    skipped with C-level scans, so they cost next to nothing, and no more than ``max_line``
    bytes of one line are ever held (plus the current block).
    """
    index = 0  # index of the line being read
    parts: list[bytes] = []  # the current line from its first non-blank byte, unterminated
    partial = 0  # bytes of the current line seen so far (leading blanks included)
    skipping = False  # the current line is over max_line: its bytes are dropped
    for block in blocks:
        size, pos = len(block), 0
        if not parts and not skipping:
            newlines = _blank_block(block)
            if newlines is not None:
                if newlines:
                    index += newlines
                    partial = size - 1 - block.rindex(b"\n")
                else:
                    partial += size
                continue
        while pos < size:
            if skipping:
                end = block.find(b"\n", pos)
                if end < 0:
                    break
                yield index, None
                index, partial, skipping, pos = index + 1, 0, False, end + 1
                continue
            if not parts and block[pos] in _WHITESPACE:
                end = _SPACES.match(block, pos).end()  # type: ignore[union-attr]
                newlines = block.count(b"\n", pos, end)
                if newlines:
                    index += newlines
                    partial = end - 1 - block.rindex(b"\n", pos, end)
                else:
                    partial += end - pos
                pos = end
                continue
            end = block.find(b"\n", pos)
            if end < 0:
                partial += size - pos
                if partial > max_line:
                    parts, skipping = [], True
                else:
                    parts.append(block[pos:])
                break
            if partial + end - pos > max_line:
                yield index, None
            elif parts:
                parts.append(block[pos:end])
                yield index, b"".join(parts).rstrip()
            else:
                yield index, block[pos:end].rstrip()
            index, parts, partial, pos = index + 1, [], 0, end + 1
    if skipping:
        yield index, None
    elif parts:
        yield index, b"".join(parts).rstrip()


def _jsonl_lines(path: Path, limits: ReadLimits) -> Iterator[tuple[int, bytes | str | None]]:
    """(0-based line index, line) for every non-blank line; ``None`` for a line over
    ``limits.max_line_bytes``.

    The file is read in blocks of `_BLOCK` bytes through a counter (`LimitReached` past
    ``limits.max_file_bytes``, raised after the lines before it). A UTF-16/32 file (byte-order
    mark) is read whole instead (whole-file limit, `TooLarge`), decoded, then split.
    """
    with _open_counted(path, limits) as stream:
        first = stream.read(_BLOCK)
        if first.startswith(_UTF16_32_BOMS):
            data = _read_whole(stream, limits, head=first, hint="convert it to UTF-8")
            text, _ = decode_bytes(data)
            del data
            for index, line in enumerate(text.split("\n")):  # not splitlines: U+2028 may sit in a string
                line = line.strip()
                if not line:
                    continue
                if len(line) > limits.max_line_bytes // 4 \
                        and len(line.encode("utf-8", "surrogatepass")) > limits.max_line_bytes:
                    yield index, None
                else:
                    yield index, line
            return

        def blocks() -> Iterator[bytes]:
            block = first
            while block:
                yield block
                block = stream.read(_BLOCK)

        yield from _split_lines(blocks(), limits.max_line_bytes)


def read_jsonl(path: Path, limits: ReadLimits | None = None) -> Iterator[RawRecord | BadRecord]:
    """One JSON object per line; a malformed or overlong line is a `BadRecord` and reading goes
    on. Raises `LimitReached` past ``limits.max_file_bytes`` (`read_file` turns it into the
    file's last `BadRecord`)."""
    limits = limits or default_limits()
    for index, line in _jsonl_lines(path, limits):
        if line is None:
            yield BadRecord(index, f"line {index + 1} is longer than {limits.max_line_bytes:,} bytes: "
                                   f"not read (raise {_LIMIT_FLAGS['max_line_bytes']})")
            continue
        if isinstance(line, bytes):
            text, edits = _decode(line)
        else:
            text, edits = line.lstrip("\ufeff"), [Edit("charset", "UTF-16/32 file decoded")]
        if text[:1] not in _JSON_STARTS:  # json.loads would say the same, three times slower
            yield BadRecord(index, f"malformed JSON on line {index + 1}: Expecting value",
                            text[:RAW_PREVIEW_CHARS])
            continue
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


def read_json(path: Path, limits: ReadLimits | None = None) -> Iterator[RawRecord | BadRecord]:
    """A JSON array of objects, an object holding such an array, or a single object; read whole
    (`TooLarge` over the whole-file limit)."""
    text, edits = _decode(_read_all(path, limits or default_limits()))
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


def read_csv(path: Path, limits: ReadLimits | None = None) -> Iterator[RawRecord | BadRecord]:
    """CSV with a header row, read whole; quoted newlines and commas are handled by the csv
    module. A field longer than ``limits.max_line_bytes`` characters ends the file with one
    `BadRecord` (the rows before it are kept). Sets the process-wide `csv.field_size_limit`."""
    limits = limits or default_limits()
    text, edits = _decode(_read_all(path, limits))
    csv.field_size_limit(limits.max_line_bytes)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if not reader.fieldnames:
            yield BadRecord(-1, "empty file" if not text.strip() else "CSV has no header row")
            return
        for index, row in enumerate(reader):
            if None in row:  # more cells than header names
                yield BadRecord(index, f"CSV row {index + 1} has more cells than the header", _preview(row))
                continue
            yield _record(row, index, edits)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            yield BadRecord(-1, f"CSV field longer than {limits.max_line_bytes:,} characters after "
                                f"{reader.line_num} lines: the rest is not read "
                                f"(raise {_LIMIT_FLAGS['max_line_bytes']})")
        else:
            yield BadRecord(-1, f"CSV error after {reader.line_num} lines: {exc}")


def read_parquet(path: Path, limits: ReadLimits | None = None) -> Iterator[RawRecord | BadRecord]:
    """A Parquet file, streamed in record batches (a ``.parquet.gz`` is decompressed whole first).

    The footer is checked first: only the row groups whose uncompressed sizes
    (``total_byte_size``) fit in ``limits.max_file_bytes`` are read, and at most
    ``limits.max_records`` rows; the decoded size of the batches is counted too (dictionary
    encoding can make it larger than the footer says). Whatever is cut is one final `BadRecord`.
    """
    limits = limits or default_limits()
    if path.name.lower().endswith(".gz"):
        source: Any = io.BytesIO(_read_all(path, limits, hint="store it as .parquet"))
    else:
        source = open_nofollow(path)
    with source:
        pf = pq.ParquetFile(source)
        meta = pf.metadata
        groups: list[int] = []
        rows = size = 0
        cut_by_bytes = False
        for group in range(meta.num_row_groups):
            if rows >= limits.max_records:
                break
            group_meta = meta.row_group(group)
            if size + group_meta.total_byte_size > limits.max_file_bytes:
                cut_by_bytes = True
                break
            groups.append(group)
            rows += group_meta.num_rows
            size += group_meta.total_byte_size
        index = decoded = 0
        if groups:
            batches = pf.iter_batches(batch_size=min(2048, limits.max_records), row_groups=groups)
            for batch in batches:
                decoded += batch.nbytes
                if decoded > limits.max_file_bytes:
                    cut_by_bytes = True
                    break
                for row in batch.slice(0, limits.max_records - index).to_pylist():
                    yield _record(row, index, [])
                    index += 1
                if index >= limits.max_records:
                    break
        if index >= limits.max_records and meta.num_rows > index:
            yield BadRecord(-1, _records_limit_message(limits.max_records))
        elif cut_by_bytes:
            yield BadRecord(-1, _bytes_limit_message(limits.max_file_bytes))


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


def read_txt(path: Path, limits: ReadLimits | None = None) -> Iterator[RawRecord | BadRecord]:
    """One article per file, read whole; a short first line followed by a blank line is its title."""
    text, edits = _decode(_read_all(path, limits or default_limits(), hint="split it"))
    if not text.strip():
        yield BadRecord(-1, "empty file")
        return
    title, body = split_title(text)
    yield RawRecord(_safe_name(path), 0, {"title": title, "text": body}, edits)


def read_html(path: Path, limits: ReadLimits | None = None) -> Iterator[RawRecord | BadRecord]:
    """One article per HTML file, read whole; the clean stage turns the markup into text."""
    from cleaners.text.html import html_title

    text, edits = _decode(_read_all(path, limits or default_limits(), hint="split it"))
    if not text.strip():
        yield BadRecord(-1, "empty file")
        return
    yield RawRecord(_safe_name(path), 0, {"title": html_title(text), "text": text}, edits)


def read_wxr(path: Path, skipped: dict[str, int],
             limits: ReadLimits | None = None) -> Iterator[RawRecord | BadRecord]:
    """A WordPress WXR export, read whole: one record per published post or page (see
    cleaners.wxr)."""
    from cleaners.wxr import parse_wxr

    data = _read_all(path, limits or default_limits(), hint="split the export")
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
        it = read_wxr(raw.path, skipped if skipped is not None else {}, limits)
    else:
        it = _READERS[fmt](raw.path, limits)
    count = 0
    try:
        for item in it:
            if count >= limits.max_records:
                if not (isinstance(item, BadRecord) and item.index == -1):  # not already the end
                    item = BadRecord(-1, _records_limit_message(limits.max_records))
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
            yield BadRecord(-1, "file holds no records")
    finally:
        it.close()


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
