"""cleaners.text.encoding.controls: control characters and noncharacters leave the text,
with one ``control`` edit; nothing else changes."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.edits import KINDS, Edit, EditKind
from cleaners.text.clean import clean_text
from cleaners.text.encoding import repair_encoding, strip_controls
from tests.support.data import eval_path

KEPT = "\t\n\r"
#: Invisible format characters removed as well (soft hyphen, zero-width space, word joiner,
#: zero-width no-break space, bidirectional overrides).
INVISIBLE = "\u00ad\u200b\u2060\ufeff\u202d\u202e"
NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane | low) for plane in range(0, 0x110000, 0x10000) for low in (0xFFFE, 0xFFFF)
]


def test_nul_esc_bel_are_removed_with_one_edit() -> None:
    text, edits = strip_controls("Le conseil\x00 a voté\x1b[0m le budget\x07.")
    assert text == "Le conseil a voté[0m le budget."
    assert edits == [Edit(EditKind.CONTROL, "3 control character(s) removed (NUL, ESC, BEL)")]


def test_every_c0_c1_control_and_noncharacter_goes_but_tab_and_line_breaks() -> None:
    removed = [chr(c) for c in range(0x20) if chr(c) not in KEPT + "\x0b\x0c"]
    removed += ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)] + NONCHARACTERS
    text, edits = strip_controls("a" + "".join(removed) + "b\tc\nd\re")
    assert text == "ab\tc\nd\re"
    assert len(edits) == 1 and edits[0].kind == "control"
    assert edits[0].detail.startswith(f"{len(removed)} control character(s) removed (")


def test_vertical_tab_and_form_feed_become_line_breaks() -> None:
    text, edits = strip_controls("line one\x0bline two\x0cpage two")
    assert text == "line one\nline two\npage two"
    assert edits == [Edit(EditKind.CONTROL, "2 vertical tab(s) or form feed(s) made line breaks")]


def test_counts_by_kind_most_frequent_first() -> None:
    _, (edit,) = strip_controls("\x00\x00\x00a\x1b\x1bb\x81\x02\x03\x04")
    assert edit.detail == (
        "9 control character(s) removed (3 × NUL, 2 × ESC, U+0081, U+0002, U+0003, …)")


def test_clean_text_comes_back_as_the_same_object() -> None:
    for text in ("", "plain", "“Curly” quotes, é, 日本語, emoji 😀, \ufffd, tab\tand\nlines\r\n",
                 "\U0001fffd is not a noncharacter", "\u200c\u200d\u200e\u200f\u202a\u202c\u2028"):
        out, edits = strip_controls(text)
        assert out is text and edits == []


def test_invisible_characters_go_with_an_edit_joiners_and_marks_stay() -> None:
    # WMT news held zero-width spaces ("made \u200b\u200bto"), a WordPress fixture right-to-left
    # overrides, which show the following words reversed
    text = "made \u200b\u200bto the Bundes\u00adregierung \u202eNot\u202c \u2060x\ufeffy 👩\u200d💻"
    out, (edit,) = strip_controls(text)
    assert out == "made to the Bundesregierung Not\u202c xy 👩\u200d💻"
    assert edit.detail == ("6 control or invisible character(s) removed (2 × zero-width space, "
                           "soft hyphen, right-to-left override, word joiner, "
                           "zero-width no-break space)")
    # before the repair of mojibake they stay: "Ã\xad" is the UTF-8 of "í" read as Latin-1
    assert strip_controls("Ã\xad", c1=False) == ("Ã\xad", [])


def test_real_text_is_untouched() -> None:
    for path in sorted(eval_path("wmt").glob("*.sgm")):
        text = path.read_text(encoding="utf-8").replace("\u200b", "")  # some hold those
        out, edits = strip_controls(text)
        assert out is text and edits == [], path.name


def test_c1_controls_are_repaired_first_when_run_after_repair_encoding() -> None:
    """Run after `repair_encoding`: Windows-1252 punctuation read as C1 comes back as text."""
    repaired, _ = repair_encoding("il a dit\x85 et\x92s")
    assert strip_controls(repaired) == ("il a dit… et’s", [])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_guarantees_on_any_text(text: str) -> None:
    out, edits = strip_controls(text)
    assert all(c in KEPT or (unicodedata.category(c) != "Cc" and c not in NONCHARACTERS
                             and c not in INVISIBLE) for c in out)
    assert strip_controls(out) == (out, [])  # idempotent
    kept = [c for c in text if c in KEPT or (unicodedata.category(c) != "Cc"
                                             and c not in NONCHARACTERS and c not in INVISIBLE)]
    assert out.replace("\n", "") == "".join(kept).replace("\n", "")  # nothing else changed
    assert bool(edits) == (out != text)
    assert len(edits) <= 1


def test_control_is_an_edit_kind() -> None:
    assert EditKind.CONTROL == "control" and "control" in KINDS


def test_an_ellipsis_read_as_latin1_at_the_end_of_a_text_is_repaired_not_stripped() -> None:
    # U+0085 is whitespace to str.strip(): ftfy's in-the-wild case "…'US pressure'\x85" lost
    # its "…" with no edit
    cleaned = clean_text("Il a cédé aux 'US pressure'\x85")
    assert cleaned.text.endswith("'US pressure'…")
