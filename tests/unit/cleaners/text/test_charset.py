"""decode_bytes and a few stray bytes: Western text is never handed to a legacy code page.

A line of UTF-8 or Windows-1252 text with one to three damaged bytes used to come out as cp775,
cp1250, mac_latin2, even Shift-JIS (``café`` → ``cafķ``). Every case here is checked against
the text it must give; real legacy text (Cyrillic, Greek, CJK, Central European) must still
decode as before.
"""

from __future__ import annotations

import random
import re

import pytest

from cleaners.text.encoding import decode_bytes
from tests.support.data import eval_path

_SEG = re.compile(r"<seg[^>]*>(.*?)</seg>", re.S)
#: Bytes Windows-1252 leaves undefined.
UNDEFINED = b"\x81\x8d\x8f\x90\x9d"


def _cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return "\ufffd"


def damage(rnd: random.Random, text: str, n: int, encoding: str,
           pool: bytes) -> tuple[bytes, str]:
    """``text`` encoded, with ``n`` bytes of ``pool`` inserted between characters, and what it
    must decode to (each inserted byte read as Windows-1252, U+FFFD where it has none). Bytes
    that would complete a UTF-8 sequence with their neighbour are not drawn."""
    cuts = sorted(rnd.randrange(1, len(text)) for _ in range(n))
    data, want, last = b"", "", 0
    for cut in cuts:
        byte = rnd.choice(pool)
        while encoding == "utf-8" and 0x80 <= byte < 0xC0 and data[-1:] >= b"\xc0":
            byte = rnd.choice(pool)
        data += text[last:cut].encode(encoding) + bytes([byte])
        want += text[last:cut] + _cp1252(byte)
        last = cut
    return data + text[last:].encode(encoding), want + text[last:]


def _lines(lang: str) -> list[str]:
    raw = eval_path("wmt", f"newstest2012-src.{lang}.sgm").read_text(encoding="utf-8")
    return [s for s in _SEG.findall(raw) if not s.isascii()]


@pytest.mark.parametrize("lang", ["fr", "de", "es"])
def test_utf8_lines_with_one_to_three_bad_bytes(lang: str) -> None:
    rnd = random.Random(f"utf8-{lang}")
    lines = _lines(lang)[:120]
    for line in lines:
        data, want = damage(rnd, line, rnd.randint(1, 3), "utf-8", bytes(range(0x80, 0x100)))
        text, edits = decode_bytes(data)
        assert text == want, (data, edits)
        assert edits[-1].detail.startswith("not valid UTF-8: ")
        assert "invalid byte(s) read as windows-1252" in edits[-1].detail


@pytest.mark.parametrize("lang", ["fr", "de", "es"])
def test_windows_1252_lines_with_undefined_bytes(lang: str) -> None:
    """The bytes Windows-1252 leaves undefined become U+FFFD, counted; the rest stays
    Windows-1252 (these lines went to cp775, mac_latin2 or cp1250 before)."""
    rnd = random.Random(f"cp1252-{lang}")
    done = 0
    for line in _lines(lang):
        try:
            line.encode("cp1252")
        except UnicodeEncodeError:
            continue
        data, want = damage(rnd, line, rnd.randint(1, 3), "cp1252", UNDEFINED)
        if re.search(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}", data):
            continue  # an accent and a stray byte that make valid UTF-8: another case
        text, edits = decode_bytes(data)
        assert text == want, (data, edits)
        assert "undecodable byte(s) replaced by U+FFFD" in edits[-1].detail
        done += 1
        if done == 100:
            break
    assert done == 100


CP1252_CASES = [
    "Café crème brûlée, s'il vous plaît : 5 €.",
    "Über München: “Grüße” aus Köln – 20 €",
    "El niño comió jalapeños en Año Nuevo, ¿sí?",
    "L’été dernier, l’élève a réussi son bac… « Bravo ! »",
    "café",
    "Müller",
]


@pytest.mark.parametrize("text", CP1252_CASES)
def test_windows_1252_text(text: str) -> None:
    data = text.encode("cp1252")
    got, edits = decode_bytes(data)
    assert got == text
    assert "decoded as cp1252" in edits[0].detail
    got, edits = decode_bytes(data + b"\x81")  # and with a stray undefined byte
    assert got == text + "\ufffd"
    assert "1 undecodable byte(s) replaced by U+FFFD" in edits[0].detail


def test_the_cafe_of_the_issue() -> None:
    assert decode_bytes("Le café est fermé".encode("cp1252") + b"\x8d")[0] == "Le café est fermé\ufffd"
    assert decode_bytes("Le café".encode() + b"\x9d\xf1\xfc")[0] == "Le café\ufffdñü"


LEGACY = [
    ("Правительство одобрило проект закона о государственном бюджете на следующий год.", "cp1251"),
    ("Правительство одобрило проект закона о государственном бюджете на следующий год.", "koi8_r"),
    ("Η κυβέρνηση ενέκρινε το νομοσχέδιο για τον κρατικό προϋπολογισμό του επόμενου έτους.",
     "cp1253"),
    ("Zażółć gęślą jaźń. Rząd przyjął projekt ustawy budżetowej na przyszły rok.", "cp1250"),
    ("Příliš žluťoučký kůň úpěl ďábelské ódy", "cp1250"),
    ("Ľudia sú šťastní", "cp1250"),  # ť is 0x9D, undefined in Windows-1252
    ("Árvíztűrő tükörfúrógép", "cp1250"),
    ("Apple представила новый iPhone 15", "cp1251"),
    ("政府は来年度の予算案を閣議決定した。", "shift_jis"),
    ("政府批准了明年的国家预算草案。", "gb2312"),
    ("東京で会議が開かれた。", "iso2022_jp"),
    ("정부는 내년도 예산안을 의결했다.", "iso2022_kr"),
]


@pytest.mark.parametrize(("text", "encoding"), LEGACY)
def test_real_legacy_text_still_decodes(text: str, encoding: str) -> None:
    got, edits = decode_bytes(text.encode(encoding))
    assert got == text
    assert edits and edits[0].kind == "charset"


def test_wmt_documents_in_legacy_western_encodings() -> None:
    raw = eval_path("wmt", "newstest2013-src.fr.sgm").read_text(encoding="utf-8")
    docs = re.findall(r"<doc[^>]*>(.*?)</doc>", raw, re.S)
    for doc in docs[:20]:
        text = "\n".join(_SEG.findall(doc))
        for encoding in ("cp1252", "latin-1"):
            try:
                data = text.encode(encoding)
            except UnicodeEncodeError:
                continue
            assert decode_bytes(data)[0] == text, encoding
