"""Control characters and noncharacters out of a text: `strip_controls`.

NUL, ESC, BEL and their kind are not text: they come from binary junk pasted into a field, a
terminal's colour codes, a damaged export. They are invisible in most viewers, break naive
consumers (NUL ends a C string) and no later step removes them.
"""

from __future__ import annotations

import re
from collections import Counter

from cleaners.edits import Edit, EditKind

__all__ = ["strip_controls"]

#: Controls turned into a line break, not removed: a vertical tab (a manual line break in Word
#: exports) and a form feed (a page break in text taken out of PDFs) separate words.
_BREAKS = "\x0b\x0c"
#: Every C0 control but ``\t \n \r``, DEL, every C1 control (U+0080 to U+009F), and the
#: noncharacters of the BMP (U+FDD0 to U+FDEF, U+FFFE, U+FFFF). A BMP-only class compiles to a
#: bitmap: a search runs at about 5 ms a megabyte.
#: Invisible format characters no reader sees and no text needs: the soft hyphen, the
#: zero-width space, the word joiner, a byte-order mark inside a text (zero-width no-break
#: space), and the two bidirectional overrides, which show the words after them reversed
#: (``\u202eNot`` reads "toN"). The joiners (U+200C, U+200D: emoji, Persian, Indic scripts),
#: the direction marks and the embeddings and isolates of right-to-left text stay.
_INVISIBLE = "\u00ad\u200b\u2060\ufeff\u202d\u202e"
_BMP_CONTROLS = f"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}\ufdd0-\ufdef\ufffe\uffff"
_CONTROLS_BMP = re.compile(f"[{_BMP_CONTROLS}]")
#: The same without the C1 controls (U+0080 to U+009F).
_C0_BMP_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0-\ufdef\ufffe\uffff"
_C0_CONTROLS = re.compile(f"[{_C0_BMP_CONTROLS}]")
#: The same and the last two code points of every other plane (U+1FFFE… U+10FFFF): used only on
#: a text with characters outside the BMP, as it searches several times slower.
_CONTROLS_ALL = re.compile(
    f"[{_BMP_CONTROLS}"
    + "".join(f"{chr(plane | 0xFFFE)}{chr(plane | 0xFFFF)}"
              for plane in range(0x10000, 0x110000, 0x10000))
    + "]"
)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
#: Names of the common controls, for the edit's detail (others are shown as U+XXXX).
_NAMES = {"\x00": "NUL", "\x07": "BEL", "\x08": "BS", "\x0b": "VT", "\x0c": "FF", "\x1a": "SUB",
          "\x1b": "ESC", "\x7f": "DEL", "\u00ad": "soft hyphen", "\u200b": "zero-width space",
          "\u2060": "word joiner", "\ufeff": "zero-width no-break space",
          "\u202d": "left-to-right override", "\u202e": "right-to-left override"}
_SHOWN = 5  # kinds of character named in the edit's detail, most frequent first


def _name(char: str) -> str:
    """A control's short name (``NUL``, ``ESC``) or its code point (``U+0081``)."""
    return _NAMES.get(char) or f"U+{ord(char):04X}"


def strip_controls(text: str, c1: bool = True) -> tuple[str, list[Edit]]:
    """``text`` without control characters and noncharacters, and one `EditKind.CONTROL` edit
    that counts them by kind (no edit when there were none).

    Guarantees: the result holds no C0 control but ``\\t \\n \\r``, no DEL, no C1 control
    (U+0080 to U+009F), no noncharacter (U+FDD0 to U+FDEF, U+FFFE, U+FFFF and their
    equivalents in every plane) and none of the invisible characters of `_INVISIBLE` (soft
    hyphen, zero-width space, word joiner, zero-width no-break space, bidirectional overrides); a vertical tab or form feed becomes ``\\n`` (it separated
    lines), every other one is removed; nothing else changes, so a text without any comes back
    as the same object, with no edit. Idempotent. A text without any costs one search of a
    precompiled character class (about 5 ms a megabyte; 30 with characters outside the BMP).

    C1 controls are what Windows-1252 text read as Latin-1 holds (``\\x92`` for ``’``): run
    this after `repair_encoding`, which turns them back into their characters. With ``c1``
    False they are kept (and astral noncharacters and the invisible characters too, which
    mojibake is made of: ``Ã\\xad`` is ``í``): the form to run *before* the repair,
    whose judgement of mojibake must not depend on a stray NUL or ESC.
    """
    if not c1:
        controls = _C0_CONTROLS
    elif text.isascii() or not _ASTRAL.search(text):
        controls = _CONTROLS_BMP
    else:
        controls = _CONTROLS_ALL
    if not controls.search(text):
        return text, []
    found = Counter(controls.findall(text))
    breaks = sum(found[c] for c in _BREAKS)
    if breaks:
        text = text.replace("\x0b", "\n").replace("\x0c", "\n")
    text = controls.sub("", text)
    removed = Counter({c: n for c, n in found.items() if c not in _BREAKS})
    parts = []
    if removed:
        kinds = ", ".join(f"{n} × {_name(c)}" if n > 1 else _name(c)
                          for c, n in removed.most_common(_SHOWN))
        more = ", …" if len(removed) > _SHOWN else ""
        what = ("control or invisible" if any(c in _INVISIBLE for c in removed)
                else "control")
        parts.append(f"{removed.total()} {what} character(s) removed ({kinds}{more})")
    if breaks:
        parts.append(f"{breaks} vertical tab(s) or form feed(s) made line breaks")
    detail = "; ".join(parts)
    return text, [Edit(EditKind.CONTROL, detail)]

