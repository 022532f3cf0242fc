"""Repairing what XML forbids in an export's bytes, so that one bad spot does not end the read.

An XML parser stops at the first error; WordPress's importer does not, and real exports hold
what it forgives: a blank line a theme printed before ``<?xml``, a Windows-1252 ``é`` pasted
into a UTF-8 file, a vertical tab (``\\x0b``, or ``&#11;``) pasted into a post body, a bare
``&`` in an attachment URL. `repair_xml` rewrites exactly those spots in linear time and
memory (a few passes over the bytes; no object is kept per repaired byte or per section),
before parsing, and says where each repair was: inside which ``<item>`` (by its position among the items, as
`flows.readers.wxr.iter_wxr` counts them) or outside any item. Nothing else is touched, so a
well-formed UTF-8 export comes back as the same object, and nothing that makes parsing safe is
relaxed (a DOCTYPE is never rewritten: defusedxml still refuses its entities).
"""

from __future__ import annotations

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
_C0_FORBIDDEN = bytes(b for b in range(0x20) if b not in b"\t\n\r")
_ILLEGAL_CHARS = (*(bytes([b]) for b in _C0_FORBIDDEN), b"\xef\xbf\xbe", b"\xef\xbf\xbf")
#: An ``&`` that starts no reference XML resolves without a DTD (the five predefined entities
#: and character references, of any number of digits); ``&nbsp;`` is one too: no WXR declares
#: entities.
_BARE_AMP = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)")
#: A character reference (any number of digits: ``&#x00000000E9;`` is ``é``); `_forbidden_ref`
#: tells whether it names a character XML forbids.
_CHAR_REF = re.compile(rb"&#(?:([0-9]+)|x([0-9A-Fa-f]+));")
#: What a stretch outside sections may need repaired: a forbidden character, an ``&`` that
#: starts no predefined entity (a bare one, or a character reference).
_MAY_REPAIR = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]"
                         rb"|&(?!(?:amp|lt|gt|quot|apos);)")
#: Significant digits of the largest character, U+10FFFF (1114111): decimal, hexadecimal.
_MAX_DIGITS = (7, 6)
#: Where an ``&`` is text, not markup: CDATA sections, comments, processing instructions,
#: the DOCTYPE; and the items' boundaries.
_OPENER = re.compile(rb"<!\[CDATA\[|<!--|<\?|<!DOCTYPE|</item\s*>|<item(?:\s[^<>]*?)?(/?)>")
_CLOSERS = {b"<![CDATA[": b"]]>", b"<!--": b"-->", b"<?": b"?>"}
_SUBSET_END = re.compile(rb"\]\s*>")
#: Bytes of a stretch substituted at a time (then to the next ``&``): bounds the list of pieces
#: a substitution builds, one per match.
_WINDOW = 1 << 16
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


def _stretches(data: bytes) -> Iterator[tuple[int, int, int | None, bool]]:
    """``(start, end, item, literal)`` spans covering ``data`` in order, none empty: ``item``
    the position of the ``<item>`` holding the span (None outside any), ``literal`` whether it
    is a section where ``&`` is text. One pass, nothing kept: each opener's closer is searched
    from the opener on (an unclosed one runs to the end), an ``<item>`` inside an open item
    and a ``</item>`` outside any are plain markup. A span starts at a ``<`` or the start of
    ``data``, and ends before a ``<``, after a ``>`` or at the end of ``data``."""
    pos = scan = count = 0
    item: int | None = None
    while (m := _OPENER.search(data, scan)) is not None:
        token, scan = m.group(), m.end()
        if token.startswith(b"</item"):
            if item is not None:
                yield pos, m.end(), item, False
                pos, item = m.end(), None
        elif token.startswith(b"<item"):
            if item is None:
                if pos < m.start():
                    yield pos, m.start(), None, False
                pos, item, count = m.start(), count, count + 1
                if m.group(1):  # <item/>: an empty item
                    yield pos, m.end(), item, False
                    pos, item = m.end(), None
        else:
            end = _closer(data, token, m.end())
            if pos < m.start():
                yield pos, m.start(), item, False
            yield m.start(), end, item, True
            pos = scan = end
    if pos < len(data):
        yield pos, len(data), item, False


def _segments(data: bytes) -> Iterator[tuple[int, int, int | None]]:
    """``(start, end, item)`` spans covering ``data`` in order: each item, with its position,
    and what lies between them, with None (`_stretches` joined by item)."""
    run: tuple[int, int, int | None] | None = None
    for start, end, item, _ in _stretches(data):
        if run is not None and run[2] == item:
            run = (run[0], end, item)
        else:
            if run is not None:
                yield run
            run = (start, end, item)
    if run is not None:
        yield run


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
    """Repairs of one place (an item, or outside any item), counted by kind: counters only,
    whatever the number of repairs."""

    charset: Counter[str] = field(default_factory=Counter)
    #: The forbidden characters removed (UTF-8 bytes), in the order first met: at most 31.
    chars: dict[bytes, None] = field(default_factory=dict)
    #: The names of the first `_EXAMPLES` distinct forbidden references removed.
    refs: list[str] = field(default_factory=list)
    #: Forbidden characters and references removed.
    removed: int = 0
    amp: int = 0

    def ref(self, match: re.Match[bytes]) -> bytes:
        """A `_CHAR_REF` match's replacement: nothing when XML forbids its character (counted),
        else itself."""
        name = _forbidden_ref(match)
        if name is None:
            return match[0]
        self.removed += 1
        if len(self.refs) < _EXAMPLES and name not in self.refs:
            self.refs.append(name)
        return b""

    def add(self, other: _Found) -> None:
        """Count ``other``'s repairs (made after this one's) here too."""
        self.charset.update(other.charset)
        self.chars.update(other.chars)
        self.removed += other.removed
        self.amp += other.amp
        for name in other.refs:
            if len(self.refs) < _EXAMPLES and name not in self.refs:
                self.refs.append(name)

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
        if self.removed:
            # the characters first, then the references (their names may repeat a character's)
            names = [f"U+{ord(char.decode()):04X}" for char in self.chars]
            names += [name for name in self.refs if name not in names]
            out.append(Edit(EditKind.CONTROL, f"WXR export repaired{where}: "
                            f"{self.removed} character(s) XML forbids removed "
                            f"({', '.join(names[:_EXAMPLES])})"))
        if self.amp:
            out.append(Edit(EditKind.ENTITY, f"WXR export repaired{where}: {self.amp} bare & "
                            "escaped as &amp; (it started no XML entity or character reference)"))
        return out


def _repair_stretch(chunk: bytes, literal: bool, found: _Found) -> bytes:
    """A stretch of `_stretches` with, unless it is ``literal``, its bare ``&`` escaped and its
    forbidden references removed, then its forbidden characters removed, each counted in
    ``found``. In that order, each pass finds what it would in the original bytes: ``&amp;``
    starts no reference, removing a reference (ASCII) between two whole UTF-8 characters makes
    no forbidden one, and no pattern crosses the stretch's ends (a ``&`` last in a stretch is
    followed by ``<`` or nothing: bare either way). The substitutions run on windows of about
    `_WINDOW` bytes, each cut before an ``&`` (which no reference holds), so the list a
    substitution keeps per match stays small; the characters are removed by ``translate`` and
    ``replace``, which keep none."""
    if not literal:
        pieces, pos = [], 0
        while pos < len(chunk):
            cut = chunk.find(b"&", pos + _WINDOW)
            window = chunk[pos:cut] if cut >= 0 else chunk[pos:]
            window, amps = _BARE_AMP.subn(b"&amp;", window)
            found.amp += amps
            pieces.append(_CHAR_REF.sub(found.ref, window))
            pos = cut if cut >= 0 else len(chunk)
        chunk = b"".join(pieces)
    first = sorted((at, char) for char in _ILLEGAL_CHARS if (at := chunk.find(char)) >= 0)
    if first:
        found.chars.update((char, None) for _, char in first)
        size = len(chunk)
        chunk = chunk.translate(None, _C0_FORBIDDEN)  # one byte each
        found.removed += size - len(chunk)
        size = len(chunk)
        chunk = chunk.replace(b"\xef\xbf\xbe", b"").replace(b"\xef\xbf\xbf", b"")
        found.removed += (size - len(chunk)) // 3  # U+FFFE, U+FFFF: three bytes each
    return chunk


def _repair_charset(data: bytes, found: dict[int | None, _Found]) -> bytes:
    """``data`` with each byte that is not UTF-8 read as Windows-1252, counted in ``found``
    under the item holding it. Linear time, no object per byte: each item (and each stretch
    between items) is decoded `_CHUNK` bytes at a time with ``surrogateescape`` (a sequence cut
    by a chunk's end is completed by the next; one is never cut by an item's ASCII tag), the
    escaped bytes translated by `_TO_CP1252` and counted by the `Counter`."""
    view, pieces = memoryview(data), []
    for start, end, where in _segments(data):
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

    Guarantees, in time linear in the bytes and memory linear in them and the result (copies
    of the bytes, windows of bounded size, and counters for each item repaired):

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
        body = _repair_charset(body, found)
    if (_ILLEGAL.search(body) is None and _BARE_AMP.search(body) is None
            and not any(_forbidden_ref(m) for m in _CHAR_REF.finditer(body))):
        result.data = body
        result.item_edits, result.export_edits = _edits(found, result.export_edits)
        return result
    # each stretch that may need a repair is repaired whole, and the bytes written once
    out, done, view = bytearray(), 0, memoryview(body)
    for start, end, where, literal in _stretches(body):
        if (_ILLEGAL if literal else _MAY_REPAIR).search(body, start, end) is None:
            continue
        here = _Found()
        repaired = _repair_stretch(body[start:end], literal, here)
        if here.removed or here.amp:
            out += view[done:start]
            out += repaired
            done = end
            found.setdefault(where, _Found()).add(here)
    if done:
        out += view[done:]
        result.data = bytes(out)
    else:
        result.data = body
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
