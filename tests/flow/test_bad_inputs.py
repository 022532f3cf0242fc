"""Bad input never loses or duplicates a record (issue 8, "Bad input").

Every kind of bad input of the issue is built here, on disk, and read twice: by the readers
alone (fast, no Prefect), and by the real flow under the session's Prefect test server, which
must leave the good records in ``curated/articles``, the bad ones in ``curated/quarantine`` with
a reason, and count them in the run summary and the manifest. The invariant is checked for
every input file against the Parquet files themselves, not only against the manifest:
records read = rows written + rows quarantined.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from flows.discover import discover
from flows.readers import BadRecord, RawFile, RawRecord, read_file
from flows.readers import base as readers_base
from flows.settings import RunSettings
from tests.support.data import SAMPLES, story

EN_SEED = SAMPLES / "000_5579c1d2ab6f9191.txt"


def _english() -> str:
    if not EN_SEED.exists():
        pytest.skip(f"English seed article not found at {EN_SEED}")
    return EN_SEED.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Expect:
    """What the flow must do with one raw file (``None``: at least one / not checked exactly)."""

    rows: int | None
    quarantined: int | None
    reasons: tuple[str, ...] = ()  # substrings that some quarantine reason of the file holds


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Evil</title><language>en-US</language>
<item><title>&lol9;</title><link>https://evil.example/1</link>
<content:encoded><![CDATA[<p>Payload</p>]]></content:encoded>
<wp:post_id>1</wp:post_id><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
</item></channel></rss>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>XXE</title>
<item><title>t</title><content:encoded>&xxe;</content:encoded>
<wp:post_id>1</wp:post_id><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
</item></channel></rss>
"""

GOOD_WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Good blog</title><language>en-GB</language>
<item><title>Published</title><link>https://blog.example/p1</link>
<content:encoded><![CDATA[<p>{body}</p>]]></content:encoded>
<wp:post_id>11</wp:post_id><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
</item>
<item><title>Draft</title><content:encoded><![CDATA[<p>draft</p>]]></content:encoded>
<wp:post_id>12</wp:post_id><wp:status>draft</wp:status><wp:post_type>post</wp:post_type>
</item></channel></rss>
"""

SECRET = "TOP-SECRET-OUTSIDE-RAW"


def build_bad_raw(raw: Path, outside: Path, big_chars: int = 1_000_000) -> dict[str, Expect]:
    """Write every bad input of the issue into ``raw`` (and a decoy in ``outside``).

    Returns what the flow must do with each file, by path relative to ``raw``; files that must
    not be read at all (symlinks leading out of ``raw``) are not in the result.
    """
    raw.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    en = _english()
    out: dict[str, Expect] = {}

    # Malformed JSON lines among good ones; null, missing, blank and non-string text; JSON
    # that is too deep or holds a 5000-digit integer; a lone surrogate; an id that looks like
    # a path; a record whose only content is a shortcode (empty once cleaned).
    lines = [
        json.dumps({"id": "good-1", "title": "One", "text": story(1)}),
        '{"id": "broken", "text": "unterminated',
        json.dumps({"id": "null-text", "text": None}),
        json.dumps({"id": "no-text", "title": "only a title"}),
        json.dumps({"id": "blank", "text": " \n\t  "}),
        json.dumps({"id": 42, "text": 12345}),
        "[1, 2, 3]",
        '"just a string"',
        "[" * 100_000,
        '{"id": "huge-int", "text": "x", "n": ' + "7" * 5000 + "}",
        '{"id": "surrogate", "text": "' + story(2) + ' broken \\ud800 surrogate."}',
        json.dumps({"id": "../../../../../tmp/evil-path", "text": story(3)}),
        json.dumps({"id": "/etc/passwd", "text": story(4)}),
        json.dumps({"id": "only-shortcode", "text": '[gallery ids="1,2,3"]'}),
        json.dumps({"id": "year-0", "text": story(7), "published_at": "0001-01-01T00:00:00+01:00"}),
        json.dumps({"id": "good-2", "text": story(5)}),
    ]
    (raw / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out["mixed.jsonl"] = Expect(6, 10, ("malformed JSON", "missing text", "blank text", "not a string",
                                        "not an object", "RecursionError", "digits",
                                        "no text left after cleaning"))

    # A record of several megabytes (over the limit: quarantined) and a big one that is processed.
    para = en.strip() + "\n\n"
    with open(raw / "big.jsonl", "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "huge", "text": "lorem ipsum dolor " * 300_000}) + "\n")  # 5.4 MB
        fh.write(json.dumps({"id": "large", "text": para * (big_chars // len(para))}) + "\n")
        fh.write(json.dumps({"id": "small", "text": story(6)}) + "\n")
    out["big.jsonl"] = Expect(2, 1, ("text too large",))

    # Not UTF-8 (Windows-1252 with a curly apostrophe and accents), and UTF-16 with its BOM.
    rows = [["id", "title", "text"],
            ["w1", "Café", "Le café de la place a rouvert ses portes l’été dernier, après des travaux. " * 5],
            ["w2", "Élection", "Les électeurs étaient nombreux à la mairie ce dimanche matin. " * 5]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    (raw / "cp1252.csv").write_bytes(buf.getvalue().encode("cp1252"))
    out["cp1252.csv"] = Expect(2, 0)
    (raw / "latin1.jsonl").write_bytes("\n".join(
        json.dumps({"id": f"l{i}", "text": f"Le café de la gare a fermé après l'été. {story(15 + i)}"},
                   ensure_ascii=False) for i in range(2)).encode("latin-1"))
    out["latin1.jsonl"] = Expect(2, 0)
    (raw / "utf16.jsonl").write_bytes("\n".join(
        json.dumps({"id": f"u{i}", "text": story(10 + i)}, ensure_ascii=False) for i in range(2)
    ).encode("utf-16"))
    out["utf16.jsonl"] = Expect(2, 0)

    # UTF-8 byte-order marks, in front of a JSONL line and of a CSV header.
    (raw / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + "\n".join(
        json.dumps({"id": f"b{i}", "text": story(20 + i)}) for i in range(2)).encode())
    out["bom.jsonl"] = Expect(2, 0)
    (raw / "bom.csv").write_bytes(b"\xef\xbb\xbf" + f"id,text\nbom-csv-1,{story(30)}\n".encode())
    out["bom.csv"] = Expect(1, 0)

    # A truncated gzip: the records before the cut are kept, the cut is quarantined.
    body = "\n".join(json.dumps({"id": f"t{i}", "text": story(100 + i)}) for i in range(200)).encode()
    packed = gzip.compress(body)
    (raw / "truncated.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    out["truncated.jsonl.gz"] = Expect(None, 1, ("EOFError",))

    # Empty files, a file of blank lines.
    (raw / "empty.jsonl").write_bytes(b"")
    out["empty.jsonl"] = Expect(0, 1, ("empty file",))
    (raw / "empty.csv").write_bytes(b"\r\n")  # not b"": that would be the same file as empty.jsonl
    out["empty.csv"] = Expect(0, 1, ("empty file",))
    (raw / "blank-lines.jsonl").write_text("\n   \n\n")
    out["blank-lines.jsonl"] = Expect(0, 1, ("no records",))

    # CSV with quoted newlines, commas and quotes, and a row with too many cells.
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "title", "text"])
    w.writerow(["q1", "Hello, world", 'First line, with a comma.\nSecond line with "quotes".\n' + story(40)])
    w.writerow(["q2", "Second", story(41) + "\n\nA last paragraph, after a blank line."])
    (raw / "quoted.csv").write_text(buf.getvalue() + "q3,too,many,cells,here\n", encoding="utf-8")
    out["quoted.csv"] = Expect(2, 1, ("more cells than the header",))

    # Binary and unknown files.
    rnd = random.Random(7)
    (raw / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + rnd.randbytes(5000))
    out["photo.png"] = Expect(0, 1, ("unsupported file type",))
    (raw / "NOEXTENSION").write_bytes(rnd.randbytes(300))
    out["NOEXTENSION"] = Expect(0, 1, ("unsupported file type",))
    (raw / "garbage.parquet").write_bytes(rnd.randbytes(2000))
    out["garbage.parquet"] = Expect(0, 1, ("unreadable parquet",))
    (raw / "notgzip.jsonl.gz").write_bytes(b'{"id": "x", "text": "plain, not gzip"}\n')
    out["notgzip.jsonl.gz"] = Expect(0, 1, ("gzip",))

    # Binary noise under every text extension (issue: random bytes named .txt became an
    # article): one quarantine row per file, "binary data, not text (…)".
    noise = {
        "noise.txt": rnd.randbytes(3000),
        "noise.html": rnd.randbytes(70_000),
        "noise.csv": rnd.randbytes(5000),
        "noise.json": rnd.randbytes(5000),
        "noise.jsonl": rnd.randbytes(300_000),
        "noise-utf16.txt": b"\xff\xfe" + rnd.randbytes(4000),
        "image.txt": b"\x89PNG\r\n\x1a\n" + rnd.randbytes(2000),
        "archive.html": b"PK\x03\x04" + rnd.randbytes(2000),
        "noise.txt.gz": gzip.compress(rnd.randbytes(10_000)),
    }
    for name, data in noise.items():
        (raw / name).write_bytes(data)
        out[name] = Expect(0, 1, ("binary data, not text (",))

    # Fields of the wrong type: a title that is an object or a number, a url that is a list
    # or a boolean (never their Python repr), a text that is an object (quarantined).
    typed = [
        {"id": "title-object", "title": {"a": [1, 2]}, "url": ["https://x"], "text": story(80)},
        {"id": "title-number", "title": 2024, "url": True, "text": story(81)},
        {"id": "text-object", "title": "T", "text": {"html": "<p>body</p>"}},
    ]
    (raw / "types.jsonl").write_text("\n".join(json.dumps(t) for t in typed) + "\n")
    out["types.jsonl"] = Expect(2, 1, ("field 'text' is an object, not a string",))

    # WXR exports: entity bomb, external entity, and a good one with a draft.
    (raw / "evil.xml").write_text(BILLION_LAUGHS)
    out["evil.xml"] = Expect(0, 1, ("unsafe XML",))
    (raw / "xxe.xml").write_text(XXE)
    out["xxe.xml"] = Expect(0, 1, ("unsafe XML",))
    (raw / "blog.xml").write_text(GOOD_WXR.format(body=story(50)))
    out["blog.xml"] = Expect(1, 0)

    # A JSON array with one element that is not an object.
    (raw / "array.json").write_text(json.dumps(
        [{"id": "a1", "text": story(60)}, 7, {"id": "a2", "content": story(61)}]))
    out["array.json"] = Expect(2, 1, ("not an object",))

    # A file name that is not UTF-8 (Latin-1 "é").
    (raw / os.fsdecode(b"caf\xe9.txt")).write_text("Title\n\n" + story(70), encoding="utf-8")
    out["caf\\xe9.txt"] = Expect(1, 0)

    # Symlinks leading out of raw/ (a file and a folder): refused, never read.
    (outside / "secret.jsonl").write_text(json.dumps({"id": "s", "text": SECRET}) + "\n")
    (raw / "leak.jsonl").symlink_to(outside / "secret.jsonl")
    (raw / "leakdir").symlink_to(outside, target_is_directory=True)
    # A named pipe (reading it would block the run) and a file still being uploaded.
    os.mkfifo(raw / "pipe.jsonl")
    (raw / ".upload.jsonl.part").write_text(json.dumps({"id": "partial", "text": "half"}))
    return out


def _raw_files(raw: Path) -> list[RawFile]:
    found = discover(raw, set())
    return found.new


# --------------------------------------------------------------------------- readers alone


def test_readers_never_raise_and_account_for_every_record(tmp_path: Path) -> None:
    expected = build_bad_raw(tmp_path / "raw", tmp_path / "outside", big_chars=20_000)
    found = discover(tmp_path / "raw", set())
    assert {rel for rel, _ in found.refused} == {"leak.jsonl", "leakdir", "pipe.jsonl"}
    by_rel = {f.rel: f for f in found.new}
    assert set(by_rel) == set(expected)
    for rel, exp in expected.items():
        items = list(read_file(by_rel[rel]))
        bad = [i for i in items if isinstance(i, BadRecord)]
        good = [i for i in items if isinstance(i, RawRecord)]
        assert len(items) == len(bad) + len(good) >= 1, rel
        assert all(b.error for b in bad), rel
        if exp.reasons and exp.rows == 0:
            assert any(r in b.error for r in exp.reasons for b in bad), (rel, [b.error for b in bad])
        for rec in good:  # whatever was read can be stored: valid UTF-8 strings only
            rec.key.encode("utf-8")
            for value in rec.fields.values():
                if isinstance(value, str):
                    value.encode("utf-8")


def test_jsonl_reading_goes_on_after_bad_lines(tmp_path: Path) -> None:
    build_bad_raw(tmp_path / "raw", tmp_path / "outside", big_chars=20_000)
    (f,) = [f for f in _raw_files(tmp_path / "raw") if f.rel == "mixed.jsonl"]
    items = list(read_file(f))
    keys = [i.key for i in items if isinstance(i, RawRecord)]
    # good-2 comes after the too-deep line and the 5000-digit integer: still read.
    assert keys[0] == "good-1" and keys[-1] == "good-2"
    assert len(items) == 16  # one item per non-blank line
    (sur,) = [i for i in items if isinstance(i, RawRecord) and i.key == "surrogate"]
    assert "\ufffd" in sur.fields["text"] and any("surrogate" in e.detail for e in sur.edits)


def test_text_decoding_bom_and_cp1252(tmp_path: Path) -> None:
    build_bad_raw(tmp_path / "raw", tmp_path / "outside", big_chars=20_000)
    files = {f.rel: f for f in _raw_files(tmp_path / "raw")}
    cp = [i for i in read_file(files["cp1252.csv"]) if isinstance(i, RawRecord)]
    assert [r.fields["title"] for r in cp] == ["Café", "Élection"]
    assert "l’été" in cp[0].fields["text"]
    (bom,) = read_file(files["bom.csv"])
    assert isinstance(bom, RawRecord) and bom.fields["id"] == "bom-csv-1"  # header not "\ufeffid"
    u16 = list(read_file(files["utf16.jsonl"]))
    assert [r.key for r in u16 if isinstance(r, RawRecord)] == ["u0", "u1"]
    quoted = [i for i in read_file(files["quoted.csv"]) if isinstance(i, RawRecord)]
    assert quoted[0].fields["title"] == "Hello, world"
    assert quoted[0].fields["text"].startswith('First line, with a comma.\nSecond line with "quotes".')


def test_oversized_lines_and_files_are_refused_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A gzip bomb or an endless line is quarantined with a reason, never read whole."""
    monkeypatch.setattr(readers_base, "MAX_LINE_BYTES", 10_000)
    monkeypatch.setattr(readers_base, "MAX_FILE_BYTES", 50_000)
    raw = tmp_path / "raw"
    raw.mkdir()
    long_line = json.dumps({"id": "long", "text": "x" * 30_000})
    (raw / "lines.jsonl").write_text(f'{{"id": "a", "text": "before"}}\n{long_line}\n{{"id": "b", "text": "after"}}\n')
    (raw / "bomb.txt.gz").write_bytes(gzip.compress(b"A" * 5_000_000))
    files = {f.rel: f for f in _raw_files(raw)}
    items = list(read_file(files["lines.jsonl"]))
    assert [type(i).__name__ for i in items] == ["RawRecord", "BadRecord", "RawRecord"]
    assert "longer than" in items[1].error
    (bomb,) = read_file(files["bomb.txt.gz"])
    assert isinstance(bomb, BadRecord) and "larger than" in bomb.error


def test_nofollow_refuses_a_file_swapped_for_a_symlink(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (tmp_path / "secret.txt").write_text(SECRET)
    (raw / "a.txt").write_text("An article.")
    (f,) = _raw_files(raw)
    (raw / "a.txt").unlink()
    (raw / "a.txt").symlink_to(tmp_path / "secret.txt")  # swapped after discovery
    (item,) = read_file(f)
    assert isinstance(item, BadRecord) and SECRET not in (item.raw or "")


# --------------------------------------------------------------------------- the real flow


def _table(folder: Path) -> list[dict]:
    if not folder.exists():
        return []
    return ds.dataset(folder, format="parquet", partitioning="hive").to_table().to_pylist()


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_flow_keeps_good_records_and_quarantines_bad_ones(tmp_path: Path) -> None:
    from flows.curate import curate_flow

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    expected = build_bad_raw(raw, tmp_path / "outside")
    summary = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False))

    articles, quarantine = _table(curated / "articles"), _table(curated / "quarantine")
    (manifest_path,) = (curated / "_runs").glob("*.json")
    manifest = json.loads(manifest_path.read_text())
    inputs = {i["path"]: i for i in manifest["inputs"]}
    assert set(inputs) == set(expected)
    assert {r["path"] for r in manifest["refused"]} == {"leak.jsonl", "leakdir", "pipe.jsonl"}

    rows_by_file = Counter(r["source_file"] for r in articles)
    quarantined_by_file = Counter(q["source_file"] for q in quarantine)
    for rel, exp in expected.items():
        inp = inputs[rel]
        # The invariant, from the dataset itself and from the manifest.
        assert inp["records"] == rows_by_file[rel] + quarantined_by_file[rel], rel
        assert (inp["rows"], inp["quarantined"]) == (rows_by_file[rel], quarantined_by_file[rel]), rel
        if exp.rows is not None:
            assert rows_by_file[rel] == exp.rows, rel
        else:
            assert rows_by_file[rel] >= 1, rel
        if exp.quarantined is not None:
            assert quarantined_by_file[rel] == exp.quarantined, rel
        reasons = [q["error"] for q in quarantine if q["source_file"] == rel]
        assert all(reasons), rel
        for want in exp.reasons:
            assert any(want in r for r in reasons), (rel, want, reasons)

    assert summary["records_read"] == len(articles) + len(quarantine)
    assert summary["rows_written"] == len(articles) and summary["rows_quarantined"] == len(quarantine)
    assert manifest["counts"]["rows_quarantined"] == len(quarantine)
    assert sum(manifest["quarantine_by_reason"].values()) == len(quarantine)
    assert summary["files_refused"] == 3

    # No record twice, and nothing from outside raw/ was read.
    assert len({r["doc_id"] for r in articles}) == len(articles)
    assert all(SECRET not in (r["text"] or "") for r in articles)
    assert all(SECRET not in (q["raw"] or "") for q in quarantine)
    # No record id made the job write outside curated/ (the ids "../../.." and "/etc/passwd").
    assert {p.name for p in tmp_path.iterdir()} == {"raw", "curated", "outside"}
    assert not Path("/tmp/evil-path").exists()
    ids = {r["source_id"] for r in articles}
    assert {"../../../../../tmp/evil-path", "/etc/passwd", "large", "surrogate"} <= ids
    large = next(r for r in articles if r["source_id"] == "large")
    assert len(large["text"]) > 500_000
    year0 = next(r for r in articles if r["source_id"] == "year-0")
    assert year0["published_at"] is None and any("out of range" in e["detail"] for e in year0["edits"])
    lat = next(r for r in articles if r["source_id"] == "l0")
    assert "café de la gare a fermé après" in lat["text"] and any(e["kind"] == "charset" for e in lat["edits"])
    cp = next(r for r in articles if r["source_id"] == "w1")
    assert "café" in cp["text"] and any(e["kind"] == "charset" for e in cp["edits"])
    typed = {r["source_id"]: r for r in articles if r["source_file"] == "types.jsonl"}
    assert typed["title-object"]["title"] is None and typed["title-object"]["url"] is None
    assert (typed["title-number"]["title"], typed["title-number"]["url"]) == ("2024", "true")
    assert any(e == {"kind": "metadata", "detail": "title is an object, not a string: title "
                     "left empty"} for e in typed["title-object"]["edits"])
    assert not any(str(r["title"]).startswith(("{", "[")) for r in articles)

    # A second run finds nothing new and writes nothing.
    again = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False))
    assert again["files_new"] == 0 and again["records_read"] == 0
    assert len(_table(curated / "articles")) == len(articles)
    assert len(_table(curated / "quarantine")) == len(quarantine)


def test_a_cleaner_crash_quarantines_the_record_not_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cleaners never raise (tests/unit/cleaners/test_properties.py); if one ever does, only its record is lost
    to the quarantine, with the reason, and the batch goes on."""
    from flows import stages
    from flows.run import utcnow
    from flows.stages import clean_fingerprint

    raw = tmp_path / "raw"
    raw.mkdir()
    lines = [json.dumps({"id": f"r{i}", "text": story(200 + i)}) for i in range(5)]
    lines[2] = json.dumps({"id": "poison", "text": "POISON " + story(300)})
    (raw / "batch.jsonl").write_text("\n".join(lines) + "\n")
    now = utcnow()
    read = stages.read_stage(_raw_files(raw), tmp_path / "staging", "run-x", now, 100, 1_000_000)
    real_clean_text = clean_fingerprint.clean_text

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("cleaner bug")

    def clean_text(text: str, *args: object, **kwargs: object) -> object:
        if text.startswith("POISON"):
            raise RuntimeError("cleaner bug on this record")
        return real_clean_text(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(clean_fingerprint, "clean_batch", boom)
    monkeypatch.setattr(clean_fingerprint, "clean_text", clean_text)
    (batch,) = read.batches
    summary, fingerprinted = stages.clean_and_fingerprint_stage(batch, "run-x", now)
    assert summary.rows == 4 and fingerprinted.rows == 4
    assert summary.quarantine.rows == 1
    (q,) = pq.read_table(summary.quarantine_files).to_pylist()
    assert q["source_id"] == "poison" and "cleaner failed: RuntimeError" in q["error"]
