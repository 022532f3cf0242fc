"""cleaners.text.encoding.binary: binary noise is told from text in every script.

Real text (WMT news, ftfy's mojibake cases, real HTML pages, CJK and Cyrillic in their legacy
encodings) is never flagged; random bytes, bare or behind a UTF-16 byte-order mark or a file
signature, always are. Every input goes through `decode_bytes` first, as in the readers.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import random
import re

import pytest

from cleaners.text.encoding import binary_reason, decode_bytes, is_binary
from cleaners.text.encoding.binary import measure_noise, sniff_binary_format
from tests.support.data import SAMPLES, eval_path

_SEG = re.compile(r"<seg[^>]*>(.*?)</seg>", re.S)
_DOC = re.compile(r"<doc[^>]*>(.*?)</doc>", re.S)


def _reason(data: bytes) -> str | None:
    text, _ = decode_bytes(data)
    return binary_reason(text, data)


def _wmt_documents() -> list[str]:
    docs = []
    for lang in ("en", "fr", "de", "es"):
        raw = eval_path("wmt", f"newstest2013-src.{lang}.sgm").read_text(encoding="utf-8")
        docs += ["\n".join(_SEG.findall(doc)) for doc in _DOC.findall(raw)]
    return docs


# --------------------------------------------------------------------------- real text


def test_wmt_news_is_text_in_utf8_and_legacy_encodings() -> None:
    docs = _wmt_documents()
    assert len(docs) == 4 * 52
    for doc in docs:
        for encoding in ("utf-8", "utf-16", "cp1252", "mac_roman"):
            try:
                data = doc.encode(encoding)
            except UnicodeEncodeError:
                continue
            assert _reason(data) is None, (encoding, doc[:80])
        for line in doc.split("\n")[:3]:  # a title-sized text
            assert _reason(line.encode()) is None, line


def test_ftfy_cases_are_text() -> None:
    """Mojibake, lossy decoding (U+FFFD), a lone control character: still text."""
    for name in ("in-the-wild.json", "synthetic.json", "negative.json", "language-names.json",
                 "known-failures.json"):
        for case in json.loads(eval_path("ftfy", name).read_text(encoding="utf-8")):
            for key in ("original", "fixed", "fixed-encoding"):
                if key in case:
                    text = case[key]
                    assert binary_reason(text) is None, (name, case["label"], key)
                    assert _reason(text.encode("utf-8", "surrogatepass")) is None


def test_real_html_pages_are_text() -> None:
    pages = sorted(eval_path("trafilatura", "pages").glob("*.html.gz"))
    assert len(pages) >= 500
    flagged = [p.name for p in pages if _reason(gzip.decompress(p.read_bytes())) is not None]
    assert flagged == []


def test_seed_articles_are_text() -> None:
    paths = sorted(SAMPLES.glob("*.txt"))
    if not paths:
        pytest.skip("raw/samples has no seed article")
    for path in paths:
        assert _reason(path.read_bytes()) is None, path.name


LEGACY = [
    ("Правительство одобрило проект закона о государственном бюджете на следующий год. "
     "Депутаты обсудят его в четверг.", ("cp1251", "koi8_r", "utf-16")),
    ("Η κυβέρνηση ενέκρινε το νομοσχέδιο για τον κρατικό προϋπολογισμό του επόμενου έτους.",
     ("cp1253", "iso8859_7")),
    ("政府は来年度の予算案を閣議決定した。国会での審議は来月から始まる。",
     ("shift_jis", "euc_jp", "iso2022_jp", "utf-16")),
    ("政府批准了明年的国家预算草案。议会将于下个月开始审议。", ("gb2312", "gb18030", "utf-16-be")),
    ("政府核准了明年的國家預算草案。", ("big5",)),
    ("정부는 내년도 예산안을 의결했다. 국회 심의는 다음 달에 시작된다.", ("euc_kr", "iso2022_kr")),
    ("Zażółć gęślą jaźń. Rząd przyjął projekt ustawy budżetowej na przyszły rok.", ("cp1250",)),
    ("ממשלת ישראל אישרה את תקציב המדינה לשנה הבאה.", ("cp1255",)),
    ("وافقت الحكومة على مشروع قانون الميزانية للعام المقبل.", ("cp1256",)),
]


@pytest.mark.parametrize(("text", "encodings"), LEGACY)
def test_every_script_in_its_legacy_encoding_is_text(text: str, encodings: tuple[str, ...]) -> None:
    for encoding in encodings:
        data = text.encode(encoding)
        if encoding.startswith("utf-16") and encoding != "utf-16":  # no BOM: add one
            data = codecs.BOM_UTF16_BE + data
        assert _reason(data) is None, encoding
    assert binary_reason(text) is None


def test_a_few_stray_controls_do_not_make_text_binary() -> None:
    """A stray NUL, ESC or icon-font glyph in real text is the cleaner's job, not noise."""
    assert binary_reason("Le conseil municipal a voté le budget\x00 lundi soir.") is None
    assert binary_reason("Title\x1b[0m\n\n" + "A real paragraph of news text. " * 20 + "\x07") is None
    assert binary_reason("Share \uf099 Tweet \uf09a " + "and the article itself. " * 10) is None
    assert binary_reason("") is None
    padded = "A short article, then the zeros of a file preallocated or cut short." + "\x00" * 4096
    assert binary_reason(padded, padded.encode()) is None


# --------------------------------------------------------------------------- noise


SIZES = (256, 1000, 4096, 65536, 1 << 20)
PREFIXES = {
    "none": b"",
    "utf-16-le BOM": codecs.BOM_UTF16_LE,
    "utf-16-be BOM": codecs.BOM_UTF16_BE,
    "utf-8 BOM": codecs.BOM_UTF8,
    "gzip": b"\x1f\x8b\x08\x00",
    "png": b"\x89PNG\r\n\x1a\n",
    "zip": b"PK\x03\x04",
    "pdf": b"%PDF-1.7\n",
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("prefix", PREFIXES)
def test_random_bytes_are_binary(size: int, prefix: str) -> None:
    for _ in range(3 if size < 65536 else 1):
        data = PREFIXES[prefix] + os.urandom(size)
        reason = _reason(data)
        assert reason is not None and reason.startswith("binary data, not text ("), prefix
        assert "\n" not in reason


@pytest.mark.parametrize("prefix", PREFIXES)
def test_tiny_random_inputs_are_binary_almost_always(prefix: str) -> None:
    """64 and 96 random bytes leave little to count: at least 99.5 % and 99.9 % are flagged
    (measured: 99.9 % and 100 %); seeded, so the test is deterministic."""
    rnd = random.Random(f"binary-{prefix}")
    for size, share in ((64, 0.995), (96, 0.999)):
        flagged = sum(_reason(PREFIXES[prefix] + rnd.randbytes(size)) is not None
                      for _ in range(1000))
        assert flagged >= share * 1000, (size, flagged)


def test_reason_names_the_share_and_the_format() -> None:
    data = b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(5000)
    reason = _reason(data)
    assert reason is not None
    assert re.fullmatch(r"binary data, not text \(a PNG image, \d+ % control or unassigned "
                        r"characters\)", reason), reason
    assert 8 <= int(re.search(r"(\d+) %", reason)[1]) <= 16  # type: ignore[index]


def test_a_binary_signature_alone_decides() -> None:
    """Even with next to nothing after it, a file starting like gzip, PNG or ZIP is not text."""
    for head, name in ((b"\x1f\x8b\x08\x00abc", "gzip data"), (b"PK\x03\x04ab", "a ZIP archive"),
                       (b"\x89PNG\r\n\x1a\nIHDR", "a PNG image")):
        text, _ = decode_bytes(head)
        reason = binary_reason(text, head)
        assert reason is not None and reason.startswith(f"binary data, not text ({name}")
        assert is_binary(text, head)
    assert binary_reason("IHDR", b"\x89PNG\r\n\x1a\nIHDR"[8:]) is None  # the text alone
    assert binary_reason("xIHDR", b"\x89PNG\r\n\x1a\nIHDR") == "binary data, not text (a PNG image)"
    assert sniff_binary_format(b"%PDF-1.4") == ("a PDF document", False)
    assert sniff_binary_format(b"Hello") is None
    assert binary_reason("%PDF-1.4 is a version of the format, said the article.",
                         b"%PDF-1.4 is a version of the format, said the article.") is None


def test_a_false_utf16_byte_order_mark_is_binary() -> None:
    data = codecs.BOM_UTF16_LE + b"\x00\xd8" + b"abcdefgh" * 8  # a lone surrogate: not UTF-16
    text, _ = decode_bytes(data)
    assert text.startswith("ÿþ")
    assert binary_reason(text, data) == (
        "binary data, not text (a UTF-16 byte-order mark on bytes that are not UTF-16)")


def test_noise_is_counted_in_a_sample_of_long_texts() -> None:
    text = "A line of real news text.\n" * 200_000  # 5.2 M characters
    stats = measure_noise(text)
    assert stats.noise == 0 and 1_000_000 <= stats.chars <= 1_100_000
    noisy = text[:2_000_000] + random.Random(2).randbytes(3_000_000).decode("latin-1")
    assert binary_reason(noisy) is not None
