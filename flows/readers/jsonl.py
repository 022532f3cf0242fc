"""JSON Lines (``.jsonl``, ``.ndjson``): one JSON object per line, streamed in blocks.

A malformed or overlong line is one `BadRecord` and reading goes on; only ``max_line_bytes`` of
a line and one read block are ever held, and runs of blank lines are skipped at C speed (a gzip
bomb of newlines costs next to nothing). A UTF-16/32 file is the exception: it is read whole.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

from cleaners.edits import Edit, EditKind
from cleaners.text.encoding import decode_bytes
from flows.readers.base import (
    LIMIT_FLAGS,
    RAW_PREVIEW_CHARS,
    UTF16_32_BOMS,
    BadRecord,
    RawRecord,
    ReadLimits,
    binary_file,
    decode,
    make_record,
    open_counted,
    read_whole,
)

#: Block size of streamed reads.
BLOCK = 1 << 20
_NEWLINES = b"\n" * BLOCK
#: The bytes `bytes.strip` removes (ASCII whitespace): a line made only of them is blank.
_WHITESPACE = frozenset(b" \t\n\r\x0b\x0c")
_SPACES = re.compile(rb"[ \t\n\r\x0b\x0c]+")
#: First characters after which `json.loads` may succeed or fail with another message than
#: "Expecting value" (a value's first character, JSON whitespace, a byte-order mark).
_JSON_STARTS = frozenset('{["-0123456789tfnNI \t\n\r\ufeff')


def _blank_block(block: bytes) -> int | None:
    """How many newlines ``block`` holds when it is only whitespace, else ``None`` (C speed)."""
    if len(block) == BLOCK and block == _NEWLINES:  # a memcmp: the usual padding, or a bomb
        return BLOCK
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


#: Bytes at the start of a file judged by `_binary_head` (cut at the last newline).
_HEAD = 64 * 1024


class _BinaryData(Exception):
    """Raised by `_jsonl_lines` before its first line: the file is binary data, not text."""

    def __init__(self, record: BadRecord) -> None:
        super().__init__(record.error)
        self.record = record


def _binary_head(first: bytes) -> BadRecord | None:
    """`binary_file` of a file's first `_HEAD` bytes (up to the last newline in them): binary
    noise fills a whole file, so its start tells, and a JSON Lines file of random bytes is one
    `BadRecord` instead of thousands of malformed lines."""
    head = first[:_HEAD]
    cut = head.rfind(b"\n")
    if cut > 0 and len(first) > _HEAD:
        head = head[:cut]
    return binary_file(decode(head)[0], head)


def _jsonl_lines(path: Path, limits: ReadLimits) -> Iterator[tuple[int, bytes | str | None]]:
    """(0-based line index, line) for every non-blank line; ``None`` for a line over
    ``limits.max_line_bytes``.

    The file is read in blocks of `BLOCK` bytes through a counter (`LimitReached` past
    ``limits.max_file_bytes``, raised after the lines before it). A UTF-16/32 file (byte-order
    mark) is read whole instead (whole-file limit, `TooLarge`), decoded, then split. Raises
    `_BinaryData` before any line when the file is binary data (its start, or the whole of a
    UTF-16/32 file).
    """
    with open_counted(path, limits) as stream:
        first = stream.read(BLOCK)
        if first.startswith(UTF16_32_BOMS):
            data = read_whole(stream, limits, head=first, hint="convert it to UTF-8")
            text, _ = decode_bytes(data)
            binary = binary_file(text, data)
            if binary is not None:
                raise _BinaryData(binary)
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

        binary = _binary_head(first)
        if binary is not None:
            raise _BinaryData(binary)

        def blocks() -> Iterator[bytes]:
            block = first
            while block:
                yield block
                block = stream.read(BLOCK)

        yield from _split_lines(blocks(), limits.max_line_bytes)


def read_jsonl(path: Path, limits: ReadLimits) -> Iterator[RawRecord | BadRecord]:
    """One JSON object per line, in file order; blank lines skipped.

    Guarantees: every non-blank line is one item, a `RawRecord` or a `BadRecord` with its 0-based
    line index (malformed JSON, not an object, longer than ``limits.max_line_bytes``), and
    reading goes on after it. Raises `LimitReached` past ``limits.max_file_bytes`` after the
    lines before it (`read_file` turns it into the file's last `BadRecord`). A file that is
    binary data (`_binary_head`) is one `BadRecord` (index -1) with the reason.
    """
    lines = _jsonl_lines(path, limits)
    try:
        first = next(lines, None)
    except _BinaryData as exc:
        yield exc.record
        return
    if first is None:
        return
    for index, line in itertools.chain([first], lines):
        if line is None:
            yield BadRecord(index, f"line {index + 1} is longer than {limits.max_line_bytes:,} bytes: "
                                   f"not read (raise {LIMIT_FLAGS['max_line_bytes']})")
            continue
        if isinstance(line, bytes):
            text, edits = decode(line)
        else:
            text, edits = line.lstrip("\ufeff"), [Edit(EditKind.CHARSET, "UTF-16/32 file decoded")]
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
        yield make_record(obj, index, edits)
