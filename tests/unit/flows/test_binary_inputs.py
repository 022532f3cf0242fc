"""The readers quarantine binary noise in every text format, with a one-line reason.

Random bytes named ``.txt``, ``.html``, ``.csv``, ``.json`` or ``.jsonl`` (bare, gzipped, behind
a UTF-16 byte-order mark or a file signature) come out as one `BadRecord`, never as an
article; real text in those formats still comes out as records.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import random
from pathlib import Path

import pytest

from flows.readers import BadRecord, RawFile, RawRecord, read_file
from flows.readers.base import format_of
from tests.support.data import story

FORMATS = ("txt", "html", "csv", "json", "jsonl")
NOISE = {
    "random": lambda n: os.urandom(n),
    "utf-16 BOM": lambda n: codecs.BOM_UTF16_LE + os.urandom(n),
    "png": lambda n: b"\x89PNG\r\n\x1a\n" + os.urandom(n),
    "zip": lambda n: b"PK\x03\x04" + os.urandom(n),
    "gzip": lambda n: gzip.compress(os.urandom(n)),
    "pdf": lambda n: b"%PDF-1.7\n" + os.urandom(n),
}


def raw_file(path: Path) -> RawFile:
    return RawFile(path, path.name, "0" * 64, path.stat().st_size)


def read(path: Path) -> list[RawRecord | BadRecord]:
    assert format_of(path.name) is not None
    return list(read_file(raw_file(path)))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", NOISE)
@pytest.mark.parametrize("size", [256, 20_000, 1 << 20])
def test_noise_is_one_bad_record_with_the_reason(tmp_path: Path, fmt: str, kind: str,
                                                 size: int) -> None:
    path = tmp_path / f"noise.{fmt}"
    path.write_bytes(NOISE[kind](size))
    (item,) = read(path)
    assert isinstance(item, BadRecord) and item.index == -1
    assert item.error.startswith("binary data, not text ("), item.error
    assert "\n" not in item.error and len(item.error) < 200


def test_gzipped_noise_is_read_through_its_gzip(tmp_path: Path) -> None:
    """``.txt.gz`` is decompressed first: the noise inside is judged, not the gzip."""
    path = tmp_path / "noise.txt.gz"
    path.write_bytes(gzip.compress(os.urandom(50_000)))
    (item,) = read(path)
    assert isinstance(item, BadRecord) and item.error.startswith("binary data, not text (")
    assert "gzip" not in item.error


def test_the_reason_names_a_known_format(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(3).randbytes(10_000))
    (item,) = read(path)
    assert isinstance(item, BadRecord) and item.error.startswith("binary data, not text (a PNG image, ")


def test_jsonl_of_noise_is_one_record_not_thousands(tmp_path: Path) -> None:
    path = tmp_path / "noise.jsonl"
    path.write_bytes(os.urandom(4 << 20))
    items = read(path)
    assert len(items) == 1 and isinstance(items[0], BadRecord)


def test_jsonl_whose_noise_starts_later_is_read_line_by_line(tmp_path: Path) -> None:
    """Only the start of a JSON Lines file is judged: good lines first, then each line of
    noise is a malformed line (reading goes on), never an article."""
    good = "\n".join(json.dumps({"id": f"g{i}", "text": story(i)}) for i in range(300))
    path = tmp_path / "late.jsonl"
    path.write_bytes(good.encode() + b"\n" + os.urandom(20_000))
    items = read(path)
    records = [i for i in items if isinstance(i, RawRecord)]
    assert [r.key for r in records] == [f"g{i}" for i in range(300)]
    assert all(isinstance(i, BadRecord) for i in items[300:]) and len(items) > 301


ARTICLE = "Le conseil municipal a voté le budget lundi soir, après un long débat.\n\n" + story(1)


@pytest.mark.parametrize(("name", "data"), [
    ("a.txt", ("Titre\n\n" + ARTICLE).encode()),
    ("a-cp1252.txt", ("Titre\n\n" + ARTICLE).encode("cp1252")),
    ("a-utf16.txt", ("Titre\n\n" + ARTICLE).encode("utf-16")),
    ("a-sjis.txt", "会議\n\n政府は来年度の予算案を閣議決定した。国会での審議は来月から始まる。".encode("shift_jis")),
    ("a-iso2022.txt", "会議\n\n政府は来年度の予算案を閣議決定した。".encode("iso2022_jp")),
    ("a-koi8.txt", "Бюджет\n\nПравительство одобрило проект закона о бюджете.".encode("koi8_r")),
    ("a.html", f"<html><head><title>T</title></head><body><p>{ARTICLE}</p></body></html>".encode()),
    ("a.csv", f'id,title,text\n1,T,"{ARTICLE}"\n'.encode()),
    ("a.json", json.dumps([{"id": 1, "text": ARTICLE}]).encode()),
    ("a.jsonl", json.dumps({"id": 1, "text": ARTICLE}, ensure_ascii=False).encode("utf-16")),
    # UTF-16 without a byte-order mark; in ASCII it is valid UTF-8 with NUL bytes, and was
    # quarantined as binary data
    ("en-utf16le.txt", ("Title\n\n" + story(2)).encode("utf-16-le")),
    ("en-utf16be.jsonl", json.dumps({"id": 1, "text": story(2)}).encode("utf-16-be")),
    ("en-utf16le.csv", f'id,text\n1,"{story(2)}"\n'.encode("utf-16-le")),
    ("fr-utf16le.txt", ("Titre\n\n" + ARTICLE).encode("utf-16-le")),
])
def test_real_text_is_still_read(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    (item,) = read(path)
    assert isinstance(item, RawRecord), item
    assert "\ufffd" not in item.fields["text"]


def test_iso2022_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "jp.txt"
    path.write_bytes("会議\n\n政府は来年度の予算案を閣議決定した。".encode("iso2022_jp"))
    (item,) = read(path)
    assert isinstance(item, RawRecord)
    assert item.fields == {"title": "会議", "text": "政府は来年度の予算案を閣議決定した。"}
    assert [e.detail for e in item.edits] == ["ISO-2022 escape sequences: decoded as iso2022_jp"]


def test_a_stray_control_character_does_not_quarantine_an_article(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(("Titre\n\n" + ARTICLE + "\x00").encode())
    (item,) = read(path)
    assert isinstance(item, RawRecord)  # the clean stage strips it (strip_controls)


def test_an_html_file_is_not_parsed_by_its_reader(tmp_path: Path) -> None:
    # the clean stage parses a page once, for its main text and its title
    from flows.readers.base import default_limits
    from flows.readers.text import read_html

    path = tmp_path / "page.html"
    path.write_text("<html><head><title>A title</title></head><body><p>Text.</p></body></html>")
    [record] = list(read_html(path, default_limits()))
    assert record.fields["title"] is None and "<title>A title</title>" in record.fields["text"]
