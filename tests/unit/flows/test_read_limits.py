"""Limits applied while a raw file is read (`flows.readers.ReadLimits`).

Every limit is hit on real files written to ``tmp_path``, for every format it applies to: the
records before the limit are kept, and exactly one `BadRecord` (index -1, the last item) says
what was not read and names the ``curate run`` flag to raise. Also: a FIFO or device swapped in
place of a file is refused without blocking, and blank lines cost next to nothing (4 GiB of
newlines in a 4 MB gzip is read through).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import pickle
import random
import struct
import zlib
from dataclasses import FrozenInstanceError
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.readers import (
    MAX_FILE_BYTES,
    MAX_LINE_BYTES,
    BadRecord,
    RawFile,
    RawRecord,
    ReadLimits,
    default_limits,
    open_nofollow,
    read_file,
    sha256_of,
)
from flows.readers import base as readers_base
from flows.readers.base import bytes_limit_message
from flows.readers.jsonl import BLOCK

RECORDS_FLAG = "(raise --max-records-per-file)"
BYTES_FLAG = "(raise --max-file-bytes)"
WHOLE_FLAG = "raise --max-whole-file-bytes)"
LINE_FLAG = "(raise --max-line-bytes)"


def _raw(path: Path) -> RawFile:
    return RawFile(path=path, rel=path.name, sha256="", size=path.stat().st_size)


def _read(path: Path, **limits: int) -> list[RawRecord | BadRecord]:
    items = list(read_file(_raw(path), limits=ReadLimits(**limits)))
    _check_accounting(items)
    return items


def _check_accounting(items: list[RawRecord | BadRecord]) -> None:
    """What `read_file` guarantees for any file: at least one item; every item a record of the
    file (index >= 0, increasing) or, last and only once, one reason for the rest (index -1)."""
    assert items, "read_file yielded nothing"
    assert all(isinstance(i, RawRecord | BadRecord) for i in items)
    ends = [n for n, i in enumerate(items) if isinstance(i, BadRecord) and i.index == -1]
    assert ends in ([], [len(items) - 1]), [i.error for i in items if isinstance(i, BadRecord)]
    indexes = [i.index for i in items if i.index != -1]
    assert indexes == sorted(set(indexes)) and all(n >= 0 for n in indexes)
    assert all(i.error for i in items if isinstance(i, BadRecord))


def _keys(items: list[RawRecord | BadRecord]) -> list[str]:
    return [i.key for i in items if isinstance(i, RawRecord)]


def _end(items: list[RawRecord | BadRecord]) -> str:
    """The reason for the rest of the file: the last item, which must be a file-level BadRecord."""
    last = items[-1]
    assert isinstance(last, BadRecord) and last.index == -1, last
    return last.error


def _objects(n: int) -> list[dict[str, str]]:
    return [{"id": f"r{i}", "text": f"Article number {i} of the limits test."} for i in range(n)]


def _jsonl(objs: list[dict[str, str]]) -> bytes:
    return "".join(json.dumps(o) + "\n" for o in objs).encode()


def _csv(objs: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "text"])
    writer.writeheader()
    writer.writerows(objs)
    return out.getvalue().encode()


def _write(folder: Path, fmt: str, objs: list[dict[str, str]], row_group_size: int = 4) -> Path:
    """``objs`` written as a file of format ``fmt`` (an extension, ``.gz`` allowed)."""
    path = folder / f"data.{fmt}"
    base = fmt.removesuffix(".gz")
    if base == "parquet":
        sink = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(objs), sink, row_group_size=row_group_size)
        data = sink.getvalue()
    elif base == "jsonl":
        data = _jsonl(objs)
    elif base == "json":
        data = json.dumps(objs).encode()
    elif base == "csv":
        data = _csv(objs)
    else:
        raise ValueError(fmt)
    path.write_bytes(gzip.compress(data) if fmt.endswith(".gz") else data)
    return path


def _gzip_of_repeats(path: Path, block: bytes, times: int, tail: bytes = b"") -> int:
    """Write ``block * times + tail`` as one gzip member, without compressing it all.

    After a full flush, deflate starts afresh, so every copy of ``block`` compresses to the same
    bytes: they are compressed once and written ``times`` times. Returns the decompressed size.
    (Compressing 4 GiB with `gzip` takes 5-15 s here; this takes the CRC's ~1 s.)
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    assert again == first == comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(block) * times + len(tail)
    with path.open("wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")  # gzip header, no name, no mtime
        for _ in range(times):
            fh.write(first)
        fh.write(comp.compress(tail) + comp.flush(zlib.Z_FINISH))
        fh.write(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return size


# --------------------------------------------------------------------------- the dataclass


def test_read_limits_defaults_flags_and_aliases() -> None:
    limits = ReadLimits()
    assert limits == ReadLimits(max_file_bytes=8 << 30, max_whole_file_bytes=512 << 20,
                                max_line_bytes=64 << 20, max_records=10_000_000)
    assert limits.max_line_bytes == MAX_LINE_BYTES
    assert limits.max_whole_file_bytes == MAX_FILE_BYTES  # the old name: whole-file formats
    assert default_limits() == limits
    assert pickle.loads(pickle.dumps(ReadLimits(max_records=3))) == ReadLimits(max_records=3)
    with pytest.raises(FrozenInstanceError):
        limits.max_records = 1  # type: ignore[misc]
    for name, flag in [("max_file_bytes", "--max-file-bytes"),
                       ("max_whole_file_bytes", "--max-whole-file-bytes"),
                       ("max_line_bytes", "--max-line-bytes"),
                       ("max_records", "--max-records-per-file")]:
        for bad in (0, -1, 1.5, True, "10"):
            with pytest.raises(ValueError, match=flag):
                ReadLimits(**{name: bad})  # type: ignore[arg-type]


def test_default_limits_follow_the_module_constants(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`read_file` without ``limits`` reads MAX_LINE_BYTES and MAX_FILE_BYTES at call time."""
    monkeypatch.setattr(readers_base, "MAX_LINE_BYTES", 100)
    monkeypatch.setattr(readers_base, "MAX_FILE_BYTES", 1000)
    assert default_limits() == ReadLimits(max_line_bytes=100, max_whole_file_bytes=1000)
    path = tmp_path / "a.jsonl"
    path.write_bytes(_jsonl([{"id": "a", "text": "x" * 200}, {"id": "b", "text": "y"}]))
    items = list(read_file(_raw(path)))
    assert isinstance(items[0], BadRecord) and LINE_FLAG in items[0].error
    assert _keys(items) == ["b"]
    big = tmp_path / "a.json"
    big.write_text(json.dumps([{"id": "a", "text": "x" * 2000}]))
    (item,) = read_file(_raw(big))
    assert isinstance(item, BadRecord) and WHOLE_FLAG in item.error


# --------------------------------------------------------------------------- records per file


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "json", "csv", "parquet", "parquet.gz"])
def test_records_limit_keeps_the_first_records(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, fmt, _objects(10))
    items = _read(path, max_records=6)
    assert _keys(items) == [f"r{i}" for i in range(6)]
    assert len(items) == 7
    assert _end(items) == ("file holds more than 6 records: the rest is not read "
                           "(raise --max-records-per-file)")
    exact = _read(path, max_records=10)  # exactly at the limit: nothing is cut
    assert _keys(exact) == [f"r{i}" for i in range(10)] and len(exact) == 10


def test_records_limit_counts_bad_records_too(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"id": "a"}\nnot json\n[1]\n{"id": "b"}\n{"id": "c"}\n')
    items = _read(path, max_records=3)
    assert [type(i).__name__ for i in items] == ["RawRecord", "BadRecord", "BadRecord", "BadRecord"]
    assert RECORDS_FLAG in _end(items)


def test_parquet_records_limit_reads_only_the_row_groups_needed(tmp_path: Path) -> None:
    path = _write(tmp_path, "parquet", _objects(1000), row_group_size=100)
    items = _read(path, max_records=150)
    assert _keys(items) == [f"r{i}" for i in range(150)]
    assert RECORDS_FLAG in _end(items)


# --------------------------------------------------------------------------- decompressed bytes


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz"])
def test_streamed_bytes_limit_keeps_the_lines_before(tmp_path: Path, fmt: str) -> None:
    objs = _objects(10)
    path = _write(tmp_path, fmt, objs)
    three = len(_jsonl(objs[:3]))
    for limit in (three, three + 5):  # at a line end, and in the middle of line 4
        items = _read(path, max_file_bytes=limit)
        assert _keys(items) == ["r0", "r1", "r2"], limit
        assert len(items) == 4
        assert _end(items) == (f"more than {limit:,} bytes once decompressed: the rest is not read "
                               "(raise --max-file-bytes)")
    whole = len(_jsonl(objs))
    assert len(_read(path, max_file_bytes=whole)) == 10  # exactly the file: nothing is cut


def test_default_bytes_limit_message_has_the_default(tmp_path: Path) -> None:
    assert bytes_limit_message(ReadLimits().max_file_bytes) == (
        "more than 8,589,934,592 bytes once decompressed: the rest is not read "
        "(raise --max-file-bytes)")


def test_parquet_bytes_limit_checks_the_footer(tmp_path: Path) -> None:
    rnd = random.Random(3)
    objs = [{"id": f"r{i}", "text": rnd.randbytes(150).hex()} for i in range(100)]
    path = _write(tmp_path, "parquet", objs, row_group_size=25)
    meta = pq.ParquetFile(path).metadata
    sizes = [meta.row_group(g).total_byte_size for g in range(meta.num_row_groups)]
    items = _read(path, max_file_bytes=sizes[0] + sizes[1] + sizes[2] // 2)
    assert _keys(items) == [f"r{i}" for i in range(50)]  # two row groups fit, the third does not
    assert BYTES_FLAG in _end(items) and "the rest is not read" in _end(items)
    items = _read(path, max_file_bytes=sizes[0] // 2)
    assert len(items) == 1 and BYTES_FLAG in _end(items)
    assert len(_read(path, max_file_bytes=sum(sizes))) == 100


def test_parquet_bytes_limit_counts_decoded_dictionary_values(tmp_path: Path) -> None:
    """A dictionary-encoded column is small in the footer but large once decoded."""
    objs = [{"id": f"r{i}", "text": "z" * 10_000} for i in range(4000)]
    path = _write(tmp_path, "parquet", objs, row_group_size=4000)
    footer = pq.ParquetFile(path).metadata.row_group(0).total_byte_size
    assert footer < 1_000_000  # one dictionary value: the footer sees a small row group
    items = _read(path, max_file_bytes=1_000_000)
    assert len(items) == 1 and BYTES_FLAG in _end(items)


@pytest.mark.parametrize("fmt", ["json", "csv", "txt", "html", "txt.gz"])
def test_file_bytes_limit_below_the_whole_file_limit(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"a.{fmt}"
    if fmt == "csv":
        data, hint = _csv(_objects(20)), "split it, or use JSONL"
    elif fmt == "json":
        data, hint = json.dumps(_objects(20)).encode(), "split it, or use JSONL"
    else:
        data, hint = b"Title\n\n" + b"Body text. " * 100, "split it"
    path.write_bytes(gzip.compress(data) if fmt.endswith(".gz") else data)
    items = _read(path, max_file_bytes=len(data) - 1)
    assert len(items) == 1
    assert _end(items) == (f"file larger than {len(data) - 1:,} bytes once decompressed: not read "
                           f"into memory ({hint}, or raise --max-file-bytes)")
    assert _keys(_read(path, max_file_bytes=len(data)))


# --------------------------------------------------------------------------- whole-file formats


@pytest.mark.parametrize("fmt", ["json", "csv", "txt", "html", "txt.gz", "parquet.gz", "xml"])
def test_whole_file_limit(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"a.{fmt}"
    if fmt == "parquet.gz":
        data = gzip.decompress(_write(tmp_path, "parquet.gz", _objects(20)).read_bytes())
    elif fmt == "csv":
        data = _csv(_objects(20))
    elif fmt == "json":
        data = json.dumps(_objects(20)).encode()
    elif fmt == "html":
        data = b"<html><head><title>T</title></head><body>" + b"<p>Body.</p>" * 100 + b"</body></html>"
    else:
        data = b"<rss>" * 200 if fmt == "xml" else b"Title\n\n" + b"Body text. " * 100
    path.write_bytes(gzip.compress(data) if fmt.endswith(".gz") else data)
    items = _read(path, max_whole_file_bytes=len(data) - 1)
    assert len(items) == 1
    error = _end(items)
    assert error.startswith(f"file larger than {len(data) - 1:,} bytes once decompressed: "
                            "not read into memory (")
    assert error.endswith(", or raise --max-whole-file-bytes)")
    if fmt != "xml":  # the xml is no WXR export: it only has to get past the size check
        assert _keys(_read(path, max_whole_file_bytes=len(data)))


def test_a_gzip_bomb_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt.gz"
    _gzip_of_repeats(path, b"A" * (1 << 20), 1024)  # 1 GiB
    items = _read(path, max_whole_file_bytes=1 << 20)
    assert len(items) == 1 and WHOLE_FLAG in _end(items)


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz"])
def test_streamed_formats_ignore_the_whole_file_limit(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, fmt, _objects(50))
    assert len(_read(path, max_whole_file_bytes=100)) == 50


# --------------------------------------------------------------------------- lines and fields


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz"])
def test_a_long_jsonl_line_is_one_bad_record_and_reading_goes_on(tmp_path: Path, fmt: str) -> None:
    objs = _objects(5)
    objs[2]["text"] = "x" * 5000
    path = _write(tmp_path, fmt, objs)
    items = _read(path, max_line_bytes=1000)
    assert _keys(items) == ["r0", "r1", "r3", "r4"] and len(items) == 5
    bad = items[2]
    assert isinstance(bad, BadRecord) and bad.index == 2
    assert bad.error == "line 3 is longer than 1,000 bytes: not read (raise --max-line-bytes)"
    longest = max(len(json.dumps(o)) for o in objs)
    assert len(_keys(_read(path, max_line_bytes=longest))) == 5  # exactly at the limit


def test_long_lines_across_read_blocks(tmp_path: Path) -> None:
    """Lines longer than the 1 MiB read block: kept under the limit, dropped over it."""
    block = BLOCK
    lines = [
        json.dumps({"id": "a", "text": "a" * (block - 100)}),  # ends just before the 1st block end
        json.dumps({"id": "b", "text": "b" * (2 * block)}),  # spans 3 blocks: over the limit
        "",
        json.dumps({"id": "c", "text": "c" * (block + block // 2)}),  # spans 2 blocks: kept
        " " * (3 * block) + json.dumps({"id": "d"}),  # leading blanks count in the length
        "\t " * block,  # blank, however long
        json.dumps({"id": "e"}),
    ]
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(lines))  # no final newline
    items = _read(path, max_line_bytes=2 * block)
    assert [(type(i).__name__, i.index) for i in items] == [
        ("RawRecord", 0), ("BadRecord", 1), ("RawRecord", 3), ("BadRecord", 4), ("RawRecord", 6)]
    assert _keys(items) == ["a", "c", "e"]
    assert len(items[2].fields["text"]) == block + block // 2  # type: ignore[union-attr]
    assert "line 5 is longer than 2,097,152 bytes" in items[3].error  # type: ignore[union-attr]


def test_a_long_line_in_a_utf16_file(tmp_path: Path) -> None:
    path = tmp_path / "u16.jsonl"
    text = "\n".join(json.dumps(o) for o in [{"id": "a"}, {"id": "b", "text": "é" * 500}, {"id": "c"}])
    path.write_bytes(text.encode("utf-16"))  # with its byte-order mark
    items = _read(path, max_line_bytes=500)
    assert [type(i).__name__ for i in items] == ["RawRecord", "BadRecord", "RawRecord"]
    assert LINE_FLAG in items[1].error  # type: ignore[union-attr]


def test_a_long_csv_field_ends_the_file(tmp_path: Path) -> None:
    objs = _objects(6)
    objs[3]["text"] = "quoted, with\nnewlines " * 100
    path = _write(tmp_path, "csv", objs)
    items = _read(path, max_line_bytes=1000)
    assert _keys(items) == ["r0", "r1", "r2"] and len(items) == 4
    error = _end(items)
    assert error.startswith("CSV field longer than 1,000 characters after ")
    assert error.endswith(": the rest is not read (raise --max-line-bytes)")
    assert len(_keys(_read(path, max_line_bytes=len(objs[3]["text"]) + 1))) == 6


# --------------------------------------------------------------------------- blank lines


def test_line_indexes_survive_blank_runs_and_block_boundaries(tmp_path: Path) -> None:
    """Records among long blank runs (whole blocks of newlines, CRLF, spaces) keep their 0-based
    line index, and error messages their 1-based line number."""
    rnd = random.Random(11)
    chunks: list[bytes] = []
    for n in range(60):
        chunks.append(rnd.choice([b"\n" * rnd.randint(0, 3), b"\r\n" * rnd.randint(1, 50),
                                  b" \t\n" * rnd.randint(1, 30_000), b"\n" * rnd.randint(1, 200_000),
                                  b"\n" * BLOCK]))
        if n in (10, 20):  # long enough to cover whole read blocks: all newlines, all blanks
            chunks.append(b"\n" * (2 * BLOCK + 4321) if n == 10 else
                          b" \r\n\t" * (BLOCK // 2 + 1234))
        chunks.append(b"  " + (json.dumps({"id": f"r{n}"}).encode() if n % 3 else b"broken{") + b"\r\n")
    data = b"".join(chunks)
    assert len(data) > 3 * BLOCK
    path = tmp_path / "blanks.jsonl"
    path.write_bytes(data)
    expected = [(n, line.strip()) for n, line in enumerate(data.split(b"\n")) if line.strip()]
    for name in ("blanks.jsonl", "blanks.jsonl.gz"):
        if name.endswith(".gz"):
            path = tmp_path / name
            path.write_bytes(gzip.compress(data, compresslevel=1))
        items = _read(path)
        assert [i.index for i in items] == [n for n, _ in expected]
        for item, (n, line) in zip(items, expected, strict=True):
            if line.startswith(b"broken"):
                assert isinstance(item, BadRecord) and f"on line {n + 1}:" in item.error
            else:
                assert isinstance(item, RawRecord) and item.key == json.loads(line)["id"]


@pytest.mark.timeout(60)
def test_four_gib_of_newlines_in_a_small_gzip(tmp_path: Path) -> None:
    """The old reader called readline once per blank line (over 20 minutes for this file); it
    takes about as long as zlib needs to inflate it now. (The timeout only guards the run: zlib
    alone needs ~9 s of CPU for 4 GiB on the machine this was written on.)"""
    path = tmp_path / "newlines.jsonl.gz"
    size = _gzip_of_repeats(path, b"\n" * (1 << 20), 4096, tail=b"x\n")
    assert path.stat().st_size < 8 << 20 and size == (4 << 30) + 2
    items = _read(path)
    (item,) = items
    assert isinstance(item, BadRecord) and item.index == 4 << 30
    assert item.error == f"malformed JSON on line {(4 << 30) + 1}: Expecting value"
    blank = tmp_path / "blank.jsonl.gz"
    _gzip_of_repeats(blank, b"\n" * (1 << 20), 256)
    assert [i.error for i in _read(blank)] == ["file holds no records"]  # type: ignore[union-attr]


@pytest.mark.timeout(30)
def test_a_wide_header_over_short_rows_costs_the_rows_cells(tmp_path: Path) -> None:
    """Each row named every column of the header, None where it had no cell: 8,000 names over
    8,000 one-cell rows (118 KB) took 18.5 s and 1.7 GB, quadratic (2026-12-07); 40,000 here.
    A column a row has no cell for is missing from it, read as missing."""
    path = tmp_path / "wide.csv"
    n = 40_000
    path.write_text("text," + ",".join(f"c{i}" for i in range(n)) + "\n"
                    + "".join(f"row {i}\n" for i in range(n)), encoding="utf-8")
    items = _read(path)
    assert len(items) == n and all(isinstance(i, RawRecord) for i in items)
    assert items[7].raw == {"text": "row 7"} and items[7].fields["text"] == "row 7"


def test_many_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"x\n" * 200_000)
    items = _read(path)
    assert len(items) == 200_000
    assert items[-1].error == "malformed JSON on line 200000: Expecting value"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- FIFOs and devices


@pytest.mark.timeout(30)
def test_a_fifo_swapped_in_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(_jsonl(_objects(2)))
    raw = _raw(path)  # found as a regular file, then replaced by a named pipe with no writer
    path.unlink()
    os.mkfifo(path)
    (item,) = read_file(raw)
    assert isinstance(item, BadRecord) and item.index == -1 and "not a regular file" in item.error
    with pytest.raises(OSError, match="not a regular file"):
        sha256_of(path)
    with pytest.raises(OSError, match="not a regular file"):
        open_nofollow(path)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null", "."])
def test_devices_and_folders_are_not_read(tmp_path: Path, target: str) -> None:
    path = Path(target) if target.startswith("/") else tmp_path
    if not path.exists():
        pytest.skip(f"{target} does not exist here")
    with pytest.raises(OSError, match="not a regular file") as info:
        sha256_of(path)
    assert info.value.strerror == "not a regular file"


def test_nofollow_still_refuses_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "real.jsonl").write_bytes(_jsonl(_objects(1)))
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "real.jsonl")
    with pytest.raises(OSError):
        open_nofollow(tmp_path / "link.jsonl")
    with open_nofollow(tmp_path / "real.jsonl") as fh:  # a regular file reads (blocking) as before
        assert fh.read() == _jsonl(_objects(1))


# --------------------------------------------------------------------------- accounting


def test_readers_account_for_every_record_under_any_limits(tmp_path: Path) -> None:
    """Under random limits, for every format: never raises, records kept are a prefix of the
    file's records, and the file ends with at most one reason, which names a flag."""
    rnd = random.Random(5)
    objs = _objects(40)
    objs[7]["text"] = "long " * 400
    files = []
    for fmt in ("jsonl", "jsonl.gz", "json", "csv", "parquet", "parquet.gz"):
        (tmp_path / fmt).mkdir()
        files.append(_write(tmp_path / fmt, fmt, objs))
    flags = ("--max-records-per-file", "--max-file-bytes", "--max-whole-file-bytes",
             "--max-line-bytes")
    for _ in range(25):
        limits = {"max_records": rnd.randint(1, 60), "max_file_bytes": rnd.randint(1, 20_000),
                  "max_whole_file_bytes": rnd.randint(1, 20_000),
                  "max_line_bytes": rnd.randint(100, 3000)}
        for path in files:
            items = _read(path, **limits)
            records = [i for i in items if i.index != -1]
            assert len(records) <= limits["max_records"], (path, limits)
            kept = [i.index for i in records]
            assert kept == list(range(len(kept))), (path, limits)
            if len(records) < len(objs):  # something was cut: one reason says why
                assert any(flag in _end(items) for flag in flags), (path, limits, _end(items))
            else:
                assert len(items) == len(objs), (path, limits)
