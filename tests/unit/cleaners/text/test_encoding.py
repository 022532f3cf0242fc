"""cleaners.text.encoding: bytes to text, HTML entities, mojibake; correct text is never touched."""

from __future__ import annotations

import codecs
import unicodedata

import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)
import pytest
from ftfy.badness import is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.edits import Edit
from cleaners.text.encoding import decode_bytes, decode_entities, needs_ftfy, repair_encoding
from tests.support.data import ROOT

SEEDS = ROOT / "raw" / "samples"

# Real sentences (WMT newstest 2013 and the French seed article).
FR = (
    "La Chine est prête à travailler avec d’autres pays afin de créer un nouveau paradigme "
    "pour la cybersécurité ainsi qu’une communauté de destin dans le cyberespace."
)
DE = "Gemäß der kanadischen Krebsgesellschaft fördern Übergewicht und Adipositas ebenfalls den Ausbruch der Krankheit."
ES = "¿Cómo han evolucionado los precios de los viajes desde 1989? Una excepción positiva fue el periodo comprendido entre 1962 y 1972."
EN = "“The digital and intelligent transformation that we human beings are experiencing is a huge opportunity,” Yang said."
REAL = [FR, DE, ES, EN]


def mojibake(text: str, encoding: str = "sloppy-windows-1252") -> str:
    return text.encode("utf-8").decode(encoding)


# --------------------------------------------------------------------------- decode_bytes


@pytest.mark.parametrize("text", REAL)
def test_valid_utf8_is_decoded_without_edit(text: str) -> None:
    assert decode_bytes(text.encode("utf-8")) == (text, [])


def test_empty_bytes() -> None:
    assert decode_bytes(b"") == ("", [])


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_byte_order_mark_is_stripped_and_recorded(bom: bytes, encoding: str) -> None:
    text, edits = decode_bytes(bom + FR.encode(encoding))
    assert text == FR
    assert edits == [Edit("charset", f"{encoding} byte-order mark stripped")]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (text, encoding)
        for text in (FR, DE, ES, FR + "\n" + DE)
        for encoding in ("cp1252", "latin-1")
        if "’" not in text or encoding == "cp1252"  # Latin-1 has no ’
    ],
)
def test_legacy_western_encodings_are_detected(text: str, encoding: str) -> None:
    data = text.encode(encoding)
    got, edits = decode_bytes(data)
    assert got == text
    assert len(edits) == 1 and edits[0].kind == "charset"
    assert "not valid UTF-8: decoded as" in edits[0].detail


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (
            "Правительство одобрило проект закона о государственном бюджете на следующий год.",
            "cp1251",
        ),
        (
            "Η κυβέρνηση ενέκρινε το νομοσχέδιο για τον κρατικό προϋπολογισμό του επόμενου έτους.",
            "cp1253",
        ),
        ("Zażółć gęślą jaźń. Rząd przyjął projekt ustawy budżetowej na przyszły rok.", "cp1250"),
    ],
)
def test_other_legacy_encodings_are_not_forced_into_windows_1252(text: str, encoding: str) -> None:
    got, edits = decode_bytes(text.encode(encoding))
    assert got == text
    assert edits[0].kind == "charset"


def test_utf8_bom_with_invalid_bytes() -> None:
    text, edits = decode_bytes(codecs.BOM_UTF8 + "café ".encode() + b"\x92ok")
    assert text == "café ’ok"
    assert [e.kind for e in edits] == ["charset", "charset"]


def test_utf8_with_a_stray_windows_1252_byte() -> None:
    data = DE.encode("utf-8") + b" \x93Zitat\x94 " + FR.encode("utf-8")
    text, edits = decode_bytes(data)
    assert text == DE + " “Zitat” " + FR
    assert edits == [Edit("charset", "not valid UTF-8: 2 invalid byte(s) read as windows-1252")]


def test_undecodable_bytes_are_never_silent() -> None:
    data = bytes(range(256)) * 2
    text, edits = decode_bytes(data)
    assert edits and all(e.kind == "charset" for e in edits)
    if "\ufffd" in text:
        assert "U+FFFD" in edits[0].detail


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_decode_bytes_never_raises_nor_hides_replacement_chars(data: bytes) -> None:
    text, edits = decode_bytes(data)
    assert isinstance(text, str)
    if "\ufffd" in text and b"\xef\xbf\xbd" not in data:
        assert any("U+FFFD" in e.detail for e in edits)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert edits, "a non-UTF-8 input must say how it was decoded"


def test_seed_files_decode_as_utf8() -> None:
    paths = sorted(SEEDS.glob("*.txt"))
    if not paths:
        pytest.skip("raw/samples has no seed article yet")
    for path in paths:
        data = path.read_bytes()
        assert decode_bytes(data) == (data.decode("utf-8"), [])


# --------------------------------------------------------------------------- entities


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("caf&eacute; cr&egrave;me", "café crème"),
        ("l&rsquo;homme", "l’homme"),
        ("l&#8217;homme et l&#x2019;autre", "l’homme et l’autre"),
        ("50&nbsp;km", "50\u00a0km"),
        ("caf&amp;eacute;", "café"),  # double-escaped
        ("&amp;amp;lt;b&amp;amp;gt;", "<b>"),  # triple-escaped
        ("&EACUTE;T&Eacute;", "ÉTÉ"),  # ftfy's table also knows all-caps names
    ],
)
def test_entities_are_decoded(raw: str, clean: str) -> None:
    text, edits = repair_encoding(raw)
    assert text == clean
    assert [e.kind for e in edits] == ["entity"]


@pytest.mark.parametrize(
    "text",
    ["AT&T and S&P 500", "&copy 2020 and ?a=1&para=2", "&bogus; &#0; &#x110000;", "R&D;"],
)
def test_ampersands_that_are_not_entities_are_kept(text: str) -> None:
    assert decode_entities(text) == (text, [])


def test_entity_edit_counts_every_entity() -> None:
    _, edits = decode_entities("d&rsquo;un &eacute;t&eacute; &amp;eacute;")
    assert edits == [
        Edit(
            "entity", "HTML entities decoded x5 (&eacute; &rsquo; &amp;); double-escaped, 2 passes"
        )
    ]


# --------------------------------------------------------------------------- mojibake


@pytest.mark.parametrize("text", REAL)
@pytest.mark.parametrize("encoding", ["sloppy-windows-1252", "latin-1"])
def test_mojibake_is_repaired(text: str, encoding: str) -> None:
    fixed, edits = repair_encoding(mojibake(text, encoding))
    assert fixed == text
    assert edits and {e.kind for e in edits} == {"encoding"}


@pytest.mark.parametrize("text", REAL)
def test_double_encoded_mojibake_is_repaired(text: str) -> None:
    assert repair_encoding(mojibake(mojibake(text)))[0] == text


def test_mixed_document_repairs_only_damaged_lines() -> None:
    doc = "\n".join([FR, mojibake(DE), ES, mojibake(EN)])
    fixed, edits = repair_encoding(doc)
    assert fixed == "\n".join(REAL)
    assert sum(int(e.detail.rsplit(" x", 1)[1].split()[0]) for e in edits) == 2


def test_mojibake_hidden_in_entities_and_around_them() -> None:
    assert repair_encoding("&Atilde;&copy;t&Atilde;&copy;")[0] == "été"
    assert repair_encoding("GemÃ¤&szlig; der")[0] == "Gemäß der"


def test_a_short_line_is_fixed_when_the_rest_of_the_document_is_mojibake() -> None:
    doc = "Šimon Ornest: Auf unseren Konzerten\n" + DE
    assert repair_encoding(mojibake(doc))[0] == doc


@pytest.mark.parametrize(
    "text",
    [
        *REAL,
        "ﬁnancial ｆｕｌｌｗｉｄｔｈ",  # ligature and fullwidth: ftfy.fix_text would fold them
        unicodedata.normalize("NFD", FR),  # decomposed accents stay decomposed
        "5′ 10″ and « guillemets » and „Anführungszeichen“",
        "Ñandú, Łódź, Ærøskøbing, İstanbul, Δελφοί, Москва, 東京",
    ],
)
def test_correct_text_is_returned_unchanged(text: str) -> None:
    assert repair_encoding(text) == (text, [])


def test_curly_quotes_are_not_uncurled() -> None:
    fixed, _ = repair_encoding(mojibake(EN))
    assert "“" in fixed and "”" in fixed


def test_c1_controls_become_windows_1252_characters() -> None:
    assert repair_encoding("il a dit\x85 et\x92s")[0] == "il a dit… et’s"


@settings(max_examples=120, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_repair_never_raises(text: str) -> None:
    out, edits = repair_encoding(text)
    assert isinstance(out, str)
    if out != text:
        assert edits


# Characters that ftfy's detector cares about, plus ASCII context: a dense alphabet for the gate.
_GATE_ALPHABET = (
    "aAzZ .,?!'\"-\n\t0123456789"
    "ÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ"
    "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿×÷"
    "\x81\x8d\x8f\x90\x9d√≈ΒΓΞΟβ€ВГРСЂўāŒœ│┌┐┘├┤┬┼═║▀▄█▌▐░▒▓ĞğİıŞş"
)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=_GATE_ALPHABET, max_size=12))
def test_fast_gate_is_exactly_ftfys_detector(text: str) -> None:
    assert needs_ftfy(text) == is_bad(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=_GATE_ALPHABET + "\ud800\udfff", max_size=12))
def test_fast_detector_is_exactly_ftfys(text: str) -> None:
    """`is_bad`, which ftfy's own steps ask while `repair_encoding` runs, answers as ftfy's."""
    from cleaners.text import encoding

    assert encoding.is_bad(text) == is_bad(text)


def test_ftfy_is_never_patched() -> None:
    """The repair calls ftfy's steps; it does not replace anything in ftfy's modules."""
    import ftfy
    import ftfy.badness

    before = dict(vars(ftfy))
    assert repair_encoding("CafÃ© crÃ¨me")[0] == "Café crème"
    assert vars(ftfy) == before
    assert ftfy.is_bad is ftfy.badness.is_bad


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=_GATE_ALPHABET + "\ud800\udfff\u0085\xa0 ", max_size=16))
def test_ftfy_loop_is_exactly_ftfys(text: str) -> None:
    """`_ftfy_fix` gives ``ftfy.fix_and_explain(text, FTFY_CONFIG)``'s text and plan."""
    import ftfy

    from cleaners.text.encoding.mojibake import FTFY_CONFIG, _ftfy_fix

    fixed, plan = ftfy.fix_and_explain(text, FTFY_CONFIG)
    assert _ftfy_fix(text) == (fixed, plan or [])


@pytest.mark.parametrize("text", [mojibake(t) for t in REAL] + [mojibake(mojibake(FR)), FR])
def test_ftfy_loop_is_exactly_ftfys_on_mojibake(text: str) -> None:
    import ftfy

    from cleaners.text.encoding.mojibake import FTFY_CONFIG, _ftfy_fix

    fixed, plan = ftfy.fix_and_explain(text, FTFY_CONFIG)
    assert _ftfy_fix(text) == (fixed, plan or [])


def test_fast_gate_sees_surrogates() -> None:
    assert needs_ftfy("emoji \ud83d\ude00 from JSON")
    assert repair_encoding("emoji \ud83d\ude00")[0] == "emoji 😀"


def test_fast_gate_uses_the_split_detector() -> None:
    """Guard against the silent fallback to the whole (slow) detector."""
    from cleaners.text.encoding.detector import _branches

    assert len(_branches()) > 30
    assert all(pattern.pattern for _, pattern in _branches())


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [
    "Title\n\nThe council approved the new tram budget on Tuesday.",  # ASCII: valid UTF-8 with NULs
    "Le réseau sera prolongé jusqu'à la gare du Nord.",
])
def test_utf16_without_a_byte_order_mark(codec: str, text: str) -> None:
    # the ASCII one was quarantined as binary data (50 % control characters)
    decoded, edits = decode_bytes(text.encode(codec))
    assert decoded == text
    assert [e.detail.split(" (")[0] for e in edits] == [f"decoded as {codec}"]


def test_nul_bytes_alone_are_not_utf16() -> None:
    assert decode_bytes(b"\x00" * 64) == ("\x00" * 64, [])
