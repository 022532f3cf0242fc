"""Repairing what XML forbids in an export's bytes, so that one bad spot does not end the read.

An XML parser stops at the first error; WordPress's importer does not, and real exports hold
what it forgives: a blank line a theme printed before ``<?xml``, a Windows-1252 ``é`` pasted
into a UTF-8 file, a vertical tab (``\\x0b``, or ``&#11;``) pasted into a post body, a bare
``&`` in an attachment URL. `repair_xml` rewrites exactly those spots in linear time (a few
passes over the bytes; no object is made per byte that is not UTF-8), before parsing, and says
where each repair was: inside which ``<item>`` (by its position among the items, as
`flows.readers.wxr.iter_wxr` counts them) or outside any item. Nothing else is touched, so a
well-formed UTF-8 export comes back as the same object, and nothing that makes parsing safe is
relaxed (a DOCTYPE is never rewritten: defusedxml still refuses its entities).
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from cleaners.edits import Edit, EditKind

__all__ = ["XmlRepairs", "repair_xml"]

#: Bytes decoded per step when looking for bytes that are not UTF-8 (bounds the transient text).
_CHUNK = 1 << 20
#: A byte ``surrogateescape`` escaped (U+DC80–U+DCFF: a byte 0x80–0xFF that is not UTF-8).
_ESCAPED = re.compile("[\udc80-\udcff]")
_NOT_ESCAPED = re.compile("[^\udc80-\udcff]+")
#: Leading bytes a theme or a plugin prints before the declaration: whitespace, a UTF-8 mark.
_PROLOG = re.compile(rb"(?:[ \t\r\n]|\xef\xbb\xbf)+(?=<\?xml[ \t\r\n?])")
#: The same in UTF-16 after its byte-order mark (little-endian, big-endian); the mark is kept.
_PROLOG_UTF16 = {
    codecs.BOM_UTF16_LE: re.compile(rb"(?:[ \t\r\n]\x00)+"
                                    rb"(?=<\x00\?\x00x\x00m\x00l\x00[ \t\r\n?]\x00)"),
    codecs.BOM_UTF16_BE: re.compile(rb"(?:\x00[ \t\r\n])+"
                                    rb"(?=\x00<\x00\?\x00x\x00m\x00l\x00[ \t\r\n?])"),
}
_DECLARED = re.compile(rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']")
_UTF8_NAMES = {b"utf-8", b"utf8"}
#: What XML 1.0 forbids in a UTF-8 document: C0 controls but tab, LF and CR; U+FFFE, U+FFFF.
_ILLEGAL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
#: An ``&`` that starts no reference XML resolves without a DTD (the five predefined entities
#: and character references, of any number of digits); ``&nbsp;`` is one too: no WXR declares
#: entities.
_BARE_AMP = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)")
#: A character reference (any number of digits: ``&#x00000000E9;`` is ``é``); `_forbidden_ref`
#: tells whether it names a character XML forbids.
_CHAR_REF = re.compile(rb"&#(?:([0-9]+)|x([0-9A-Fa-f]+));")
#: Significant digits of the largest character, U+10FFFF (1114111): decimal, hexadecimal.
_MAX_DIGITS = (7, 6)
#: Where an ``&`` is text, not markup: CDATA sections, comments, processing instructions,
#: the DOCTYPE; and the items' boundaries.
_OPENER = re.compile(rb"<!\[CDATA\[|<!--|<\?|<!DOCTYPE|</item\s*>|<item(?:\s[^<>]*?)?(/?)>")
_CLOSERS = {b"<![CDATA[": b"]]>", b"<!--": b"-->", b"<?": b"?>"}
_SUBSET_END = re.compile(rb"\]\s*>")
#: Examples of repaired characters named in an edit.
_EXAMPLES = 5


def _forbidden(number: int) -> bool:
    """Whether XML 1.0 forbids the character ``number``: it is no ``Char`` (C0 controls but
    tab, LF and CR; surrogates; U+FFFE, U+FFFF; past U+10FFFF)."""
    return not (number in (0x9, 0xA, 0xD) or 0x20 <= number <= 0xD7FF
                or 0xE000 <= number <= 0xFFFD or 0x10000 <= number <= 0x10FFFF)


def _forbidden_ref(ref: re.Match[bytes]) -> str | None:
    """The name of the character a `_CHAR_REF` match refers to when XML forbids it
    (``U+000B``; ``past U+10FFFF`` for a value of more significant digits than U+10FFFF, which
    is not converted), else None."""
    decimal = ref[1] is not None
    digits = (ref[1] if decimal else ref[2]).lstrip(b"0")
    if len(digits) > _MAX_DIGITS[not decimal]:
        return "past U+10FFFF"
    number = int(digits or b"0", 10 if decimal else 16)
    return f"U+{number:04X}" if _forbidden(number) else None


def _cp1252(raw: bytes) -> str:
    """Bytes as Windows-1252, each of the five it leaves undefined as U+FFFD."""
    return "".join(raw[i:i + 1].decode("cp1252", "replace") for i in range(len(raw)))


#: ``surrogateescape`` turns a byte 0x80-0xFF that is not UTF-8 into U+DC80-U+DCFF; this table
#: reads it as Windows-1252.
_TO_CP1252 = {0xDC00 + b: _cp1252(bytes([b])) for b in range(0x80, 0x100)}


def _utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 throughout (decoded once, `_CHUNK` bytes at a time)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    view = memoryview(data)
    try:
        for pos in range(0, len(data), _CHUNK):
            decoder.decode(view[pos:pos + _CHUNK], pos + _CHUNK >= len(data))
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class _Layout:
    """Where text is not markup (``literal`` spans, sorted) and where the items are."""

    literal: list[tuple[int, int]] = field(default_factory=list)
    items: list[tuple[int, int]] = field(default_factory=list)

    def is_literal(self, pos: int) -> bool:
        i = bisect.bisect_right(self.literal, (pos, 1 << 62)) - 1
        return i >= 0 and self.literal[i][0] <= pos < self.literal[i][1]

    def item_of(self, pos: int) -> int | None:
        i = bisect.bisect_right(self.items, (pos, 1 << 62)) - 1
        return i if i >= 0 and self.items[i][0] <= pos < self.items[i][1] else None

    def segments(self, size: int) -> Iterator[tuple[int, int, int | None]]:
        """``(start, end, item)`` spans covering ``[0, size)`` in order: each item, with its
        position, and what lies between them, with None (empty spans left out)."""
        pos = 0
        for i, (start, end) in enumerate(self.items):
            if pos < start:
                yield pos, start, None
            yield start, end, i
            pos = end
        if pos < size:
            yield pos, size, None


def _closer(data: bytes, opener: bytes, pos: int) -> int:
    """Where the section ``opener`` starts before ``pos`` ends (the end of ``data`` when it is
    not closed); a DOCTYPE ends at ``>``, or at ``]>`` when its internal subset opens first.
    No search reads past the section's first ``>`` but the one for ``]>``, which ends the
    section; the next search starts there, so each byte is read at most three times."""
    if opener == b"<!DOCTYPE":
        gt = data.find(b">", pos)
        if gt < 0:
            return len(data)
        bracket = data.find(b"[", pos, gt)
        if bracket >= 0:
            close = _SUBSET_END.search(data, bracket)
            return close.end() if close is not None else len(data)
        return gt + 1
    end = data.find(_CLOSERS[opener], pos)
    return end + len(_CLOSERS[opener]) if end >= 0 else len(data)


def _layout(data: bytes) -> _Layout:
    """The literal spans and the items of ``data`` (one pass: each opener's closer is searched
    from the opener on, and an unclosed one runs to the end)."""
    out, pos, item_start = _Layout(), 0, None
    while (m := _OPENER.search(data, pos)) is not None:
        token = m.group()
        if token.startswith(b"</item"):
            if item_start is not None:
                out.items.append((item_start, m.end()))
            item_start, pos = None, m.end()
        elif token.startswith(b"<item"):
            if item_start is None:
                if m.group(1):  # <item/>: an empty item
                    out.items.append((m.start(), m.end()))
                else:
                    item_start = m.start()
            pos = m.end()
        else:
            end = _closer(data, token, m.end())
            out.literal.append((m.start(), end))
            pos = end
    if item_start is not None:
        out.items.append((item_start, len(data)))
    return out


@dataclass
class XmlRepairs:
    """An export's bytes once repaired, and the edits that say what was repaired where."""

    data: bytes
    #: Edits of the repairs inside the item at each position (positions count the items from 0).
    item_edits: dict[int, list[Edit]] = field(default_factory=dict)
    #: Edits of the repairs outside any item: they concern every record.
    export_edits: list[Edit] = field(default_factory=list)
    #: Newlines removed before the declaration: add them to a parser's line numbers.
    lines_removed: int = 0

    def edits_for(self, position: int) -> list[Edit]:
        """The edits of the record of the item at ``position``: the export's, then its own."""
        return [*self.export_edits, *self.item_edits.get(position, [])]


@dataclass
class _Found:
    """Repairs of one place (an item, or outside any item), counted by kind."""

    charset: Counter[str] = field(default_factory=Counter)
    control: Counter[str] = field(default_factory=Counter)
    amp: int = 0

    def edits(self, where: str) -> list[Edit]:
        out = []
        if self.charset:
            undefined = self.charset["\ufffd"]
            seen = ", ".join(c for c in self.charset if c != "\ufffd")
            detail = (f"{self.charset.total()} byte(s) not valid UTF-8 read as Windows-1252"
                      + (f" ({seen[:60]})" if seen else ""))
            if undefined:
                detail += f", {undefined} undefined there replaced by U+FFFD"
            out.append(Edit(EditKind.CHARSET, f"WXR export repaired{where}: {detail}"))
        if self.control:
            names = ", ".join(list(self.control)[:_EXAMPLES])
            out.append(Edit(EditKind.CONTROL, f"WXR export repaired{where}: "
                            f"{sum(self.control.values())} character(s) XML forbids removed "
                            f"({names})"))
        if self.amp:
            out.append(Edit(EditKind.ENTITY, f"WXR export repaired{where}: {self.amp} bare & "
                            "escaped as &amp; (it started no XML entity or character reference)"))
        return out


def _repair_charset(data: bytes, layout: _Layout, found: dict[int | None, _Found]) -> bytes:
    """``data`` with each byte that is not UTF-8 read as Windows-1252, counted in ``found``
    under the item holding it. Linear time, no object per byte: each item (and each stretch
    between items) is decoded `_CHUNK` bytes at a time with ``surrogateescape`` (a sequence cut
    by a chunk's end is completed by the next; one is never cut by an item's ASCII tag), the
    escaped bytes translated by `_TO_CP1252` and counted by the `Counter`."""
    view, pieces = memoryview(data), []
    for start, end, where in layout.segments(len(data)):
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        for pos in range(start, end, _CHUNK):
            stop = min(end, pos + _CHUNK)
            text = decoder.decode(view[pos:stop], stop == end)
            if _ESCAPED.search(text) is not None:
                found.setdefault(where, _Found()).charset.update(
                    _NOT_ESCAPED.sub("", text).translate(_TO_CP1252))
                text = text.translate(_TO_CP1252)
            pieces.append(text.encode())
    return b"".join(pieces)


def _utf8_document(data: bytes) -> bool:
    """Whether ``data`` (past its prolog) is meant as UTF-8: no UTF-16/32 signature, and a
    declared encoding, if any, that is UTF-8."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        return False
    declared = _DECLARED.match(data.removeprefix(codecs.BOM_UTF8))
    return declared is None or declared.group(1).lower() in _UTF8_NAMES


def repair_xml(data: bytes) -> XmlRepairs:
    """``data`` with what XML forbids repaired, and an edit for each kind of repair.

    Guarantees, in linear time:

    * whitespace (and a UTF-8 byte-order mark) before ``<?xml`` is removed (a mark alone, which
      XML allows, is kept), in UTF-8 or any encoding that writes ASCII as ASCII, and in UTF-16
      after its byte-order mark (which is kept); not in UTF-32 nor in UTF-16 without a mark;
    * in a UTF-8 export (declared so, or undeclared), each byte that is not UTF-8 is read as
      Windows-1252 (U+FFFD for the five bytes it leaves undefined), as `decode_bytes` reads a
      few stray bytes; characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE,
      U+FFFF) are removed, and so are the character references to a character XML forbids
      (``&#11;``, ``&#xFFFE;``, a surrogate, past U+10FFFF; a reference may have any number
      of digits: ``&#x00000000E9;`` is ``é``) outside CDATA sections, comments,
      processing instructions and the DOCTYPE; an ``&`` there that starts no predefined entity
      or character reference becomes ``&amp;`` (so ``&nbsp;`` in an escaped title reads as the text ``&nbsp;``). An export in
      another encoding gets only the first repair.
    * Each repair is counted where it was: in ``item_edits`` under the position of the
      ``<item>`` holding it, else in ``export_edits``; the edits name counts and the repaired
      characters, never the text around them.
    * A well-formed UTF-8 export is returned as the very same bytes object, with no edit.
    """
    found: dict[int | None, _Found] = {}
    result = XmlRepairs(data)
    prolog = _PROLOG.match(data)
    start = 0
    if prolog is not None and prolog.group() != codecs.BOM_UTF8:
        start = prolog.end()
        result.lines_removed = prolog.group().count(b"\n")
        mark = "a byte-order mark and " if codecs.BOM_UTF8 in prolog.group() else ""
        result.export_edits.append(Edit(EditKind.CHARSET, f"WXR export repaired: {mark}"
                                        "whitespace before the XML declaration removed"))
    elif (utf16 := _PROLOG_UTF16.get(data[:2])) is not None and (
            prolog := utf16.match(data, 2)) is not None:
        result.data = data[:2] + data[prolog.end():]
        result.lines_removed = prolog.group().count(b"\n")
        result.export_edits.append(Edit(EditKind.CHARSET, "WXR export repaired: whitespace "
                                        "before the XML declaration removed"))
        return result
    body = data[start:] if start else data
    if not _utf8_document(body):
        result.data = body
        return result
    if not _utf8(body):  # repaired first: the repairs below see the same ASCII structure
        body = _repair_charset(body, _layout(body), found)
    illegal = list(_ILLEGAL.finditer(body))
    amps = [m.start() for m in _BARE_AMP.finditer(body)]
    refs = [(m, name) for m in _CHAR_REF.finditer(body) if (name := _forbidden_ref(m))]
    if not (illegal or amps or refs):
        result.data = body
        result.item_edits, result.export_edits = _edits(found, result.export_edits)
        return result
    layout = _layout(body)
    amps = [pos for pos in amps if not layout.is_literal(pos)]
    refs = [(m, name) for m, name in refs if not layout.is_literal(m.start())]
    edits: list[tuple[int, int, bytes]] = []
    for m in illegal:
        char = m.group().decode()
        found.setdefault(layout.item_of(m.start()), _Found()).control[f"U+{ord(char):04X}"] += 1
        edits.append((m.start(), m.end(), b""))
    for m, name in refs:
        found.setdefault(layout.item_of(m.start()), _Found()).control[name] += 1
        edits.append((m.start(), m.end(), b""))
    for pos in amps:
        found.setdefault(layout.item_of(pos), _Found()).amp += 1
        edits.append((pos, pos + 1, b"&amp;"))
    edits.sort()
    pieces, pos = [], 0
    for s, e, replacement in edits:
        pieces += [body[pos:s], replacement]
        pos = e
    pieces.append(body[pos:])
    result.data = b"".join(pieces) if edits else body
    result.item_edits, result.export_edits = _edits(found, result.export_edits)
    return result


def _edits(found: dict[int | None, _Found],
           export_edits: list[Edit]) -> tuple[dict[int, list[Edit]], list[Edit]]:
    """The edits of ``found`` by item position, and ``export_edits`` with those outside any."""
    items: dict[int, list[Edit]] = {}
    for where, what in found.items():
        if where is None:
            export_edits = [*export_edits, *what.edits(" outside any item")]
        else:
            items[where] = what.edits("")
    return items, export_edits
