"""Encoding repair: bytes to text, HTML entities, mojibake.

Three guarantees, each measured by a test:

* `decode_bytes` never raises and never inserts U+FFFD without saying so: valid UTF-8 is
  decoded as is; anything else is decoded by detection (charset-normalizer) and the guess is
  logged as an ``Edit("charset", ...)``.
* `repair_encoding` decodes HTML entities (also double-escaped ones such as ``&amp;eacute;``)
  and repairs mojibake with ftfy, but does none of ftfy's typography (no quote uncurling, no
  ligature or width folding, no Unicode normalisation): typography is `cleaners.text.typography`'s job.
* Correct text comes back unchanged, byte for byte.

Speed: ftfy's own mojibake detector (``ftfy.badness.is_bad``) is one big regular expression that
runs at about 2 MB/s. `needs_ftfy` decides the same question exactly, but first checks, from the
set of non-ASCII characters a text contains, which alternatives of that expression could match at
all, and then searches only for those; most clean text never reaches ftfy.
"""

from __future__ import annotations

import codecs
import html
import re
import re._constants as _sre_c  # the regex parse tree of ftfy's detector, see _branches()
import re._parser as _sre_p
from collections import Counter
from functools import lru_cache

import ftfy
from charset_normalizer import from_bytes
from charset_normalizer.cd import coherence_ratio
from charset_normalizer.md import mess_ratio
from ftfy.badness import BADNESS_RE, badness
from ftfy.chardata import HTML_ENTITIES

from cleaners.edits import Edit

__all__ = ["FTFY_CONFIG", "decode_bytes", "decode_entities", "needs_ftfy", "repair_encoding"]

#: ftfy's encoding fixes only: mojibake (with its subordinate byte-level repairs), C1 controls
#: and surrogates. Everything else in ``ftfy.fix_text`` (quote uncurling, ligatures, character
#: width, line breaks, control-character removal, NFC) is off: it changes correct text.
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,  # done by decode_entities, which also handles double escaping
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=True,
)

# --------------------------------------------------------------------------- bytes -> text

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _cp1252_or_fffd(byte: int) -> str:
    """One byte as Windows-1252, or U+FFFD for the five bytes it leaves undefined."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return "\ufffd"


#: surrogateescape turns invalid byte b into U+DC00+b; this table reads it as Windows-1252.
_ESCAPED_BYTE = {0xDC00 + b: _cp1252_or_fffd(b) for b in range(0x80, 0x100)}
_ESCAPED_RE = re.compile("[\udc80-\udcff]")


def _utf8_with_cp1252_fallback(data: bytes) -> tuple[str, int, int]:
    """UTF-8, each invalid byte read as Windows-1252; returns (text, invalid bytes, U+FFFD).

    Linear time (the codec does the work): invalid bytes come out of ``surrogateescape`` as
    lone surrogates, which a translation table maps to their Windows-1252 characters.
    """
    escaped = data.decode("utf-8", "surrogateescape")
    invalid = _ESCAPED_RE.findall(escaped)
    undecodable = sum(_ESCAPED_BYTE[ord(c)] == "\ufffd" for c in invalid)
    return escaped.translate(_ESCAPED_BYTE), len(invalid), undecodable


def decode_bytes(data: bytes) -> tuple[str, list[Edit]]:
    """Decode a raw file's bytes to text. Never raises; never inserts U+FFFD silently.

    * A byte-order mark (UTF-8, UTF-16, UTF-32) selects the encoding; it is stripped and
      recorded as ``Edit("charset", ...)``.
    * Valid UTF-8 is decoded as is, with no edit.
    * UTF-8 with a few invalid bytes (at least as many valid multi-byte sequences as invalid
      bytes: a Windows-1252 ``’`` pasted into a UTF-8 file): the invalid bytes are read as
      Windows-1252, and their count is recorded.
    * Anything else: charset-normalizer's guess (Windows-1252 preferred when it is as
      plausible, see `_detect`), recorded with the encoding and the reason.
    * If nothing decodes it, UTF-8 with Windows-1252 for invalid bytes; the bytes that are
      undefined even there become U+FFFD and their count is recorded.
    """
    if not data:
        return "", []
    edits: list[Edit] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                if encoding != "utf-8":
                    break  # a false UTF-16/32 BOM: detection on the whole input
                data = data[len(bom) :]  # a UTF-8 file with some invalid bytes
                edits.append(Edit("charset", "utf-8 byte-order mark stripped"))
                break
            return text, [Edit("charset", f"{encoding} byte-order mark stripped")]
    if not edits:
        try:
            return data.decode("utf-8"), []
        except UnicodeDecodeError:
            pass

    valid = len(_UTF8_MULTIBYTE.findall(data))
    text, invalid, undecodable = _utf8_with_cp1252_fallback(data)
    if valid and valid >= invalid:
        return text, [*edits, _fallback_edit(invalid, undecodable)]

    guess = _detect(data)
    if guess is not None:
        return guess[0], edits + guess[1]
    return text, [*edits, _fallback_edit(invalid, undecodable)]


#: Below this many non-ASCII characters, charset-normalizer's language coherence is noise
#: (one ``é`` in a headline), and the web's most common legacy encoding wins ties.
_MIN_EVIDENCE = 30
#: Western European text has few non-ASCII letters; Cyrillic or Greek read as Windows-1252
#: is all accented letters (``Ïðàâèòåëüñòâî``).
_MAX_NON_ASCII_LETTER_SHARE = 0.5


_PLAUSIBILITY_SAMPLE = 100_000  # characters: enough to judge, bounded time on big files


def _plausibility(text: str) -> tuple[float, float]:
    """charset-normalizer's (chaos, best language coherence) of a decoded text's start."""
    text = text[:_PLAUSIBILITY_SAMPLE]
    languages = coherence_ratio(text)
    return mess_ratio(text, 1.0), languages[0][1] if languages else 0.0


#: Letters Windows-1252 has but Western news hardly uses; what cp1254 (Turkish) or cp1257 text
#: read as Windows-1252 is full of (``yýlýn`` for ``yılın``).
_RARE_WESTERN = re.compile("[ÐðÝýÞþ]")


def _western(text: str) -> bool:
    """Looks like Western European text: few non-ASCII letters, none of the rare ones."""
    letters = [c for c in text if c.isalpha()]
    non_ascii = sum(c >= "\x80" for c in letters)
    return (
        bool(letters)
        and non_ascii / len(letters) <= _MAX_NON_ASCII_LETTER_SHARE
        and not _RARE_WESTERN.search(text)
    )


def _detect(data: bytes) -> tuple[str, list[Edit]] | None:
    """charset-normalizer's guess, with Windows-1252 preferred when it is as plausible.

    charset-normalizer often ranks cp1250, cp775 or big5 first for short Western text (their
    decodings of one or two accented letters are as "coherent" as the right one); WHATWG and
    ftfy treat Windows-1252 as the default legacy encoding, so it wins ties here.
    """
    try:
        best = from_bytes(data).best()
    except Exception:  # a heuristic library: never let it crash a run
        return None
    if best is None:
        return None
    encoding = best.encoding
    try:
        guessed = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    reason = f"charset-normalizer guess; language {best.language or 'unknown'}"
    if encoding != "cp1252":
        try:
            western = data.decode("cp1252")
        except UnicodeDecodeError:
            western = None
        if western is not None and _western(western):
            chaos, coherence = _plausibility(western)
            best_chaos, best_coherence = _plausibility(guessed)
            enough = sum(c >= "\x80" for c in western) >= _MIN_EVIDENCE
            if chaos <= best_chaos + (0.01 if enough else 0.2) and (
                coherence >= best_coherence - 0.02 or not enough
            ):
                reason = f"Windows-1252 preferred over charset-normalizer's {encoding}"
                encoding, guessed = "cp1252", western
    if "\ufffd" in guessed and b"\xef\xbf\xbd" not in data:
        return None
    return guessed, [Edit("charset", f"not valid UTF-8: decoded as {encoding} ({reason})")]


def _fallback_edit(invalid: int, undecodable: int) -> Edit:
    detail = f"not valid UTF-8: {invalid} invalid byte(s) read as windows-1252"
    if undecodable:
        detail += f", {undecodable} undecodable byte(s) replaced by U+FFFD"
    return Edit("charset", detail)


# --------------------------------------------------------------------------- entities

#: ``&name;``, ``&#123;``, ``&#x1F600;``: a semicolon is required, as in ftfy. Legacy entities
#: without one (``&copy``) are left alone: decoding them corrupts ``&para=`` or ``AT&notice``.
_ENTITY_RE = re.compile(r"&#?[0-9A-Za-z]{1,24};")
_MAX_ENTITY_PASSES = 3  # &amp;amp;eacute; is escaped three times; more is not an entity


def _decode_entity(entity: str) -> str | None:
    """The character(s) of one entity, or None when it is not one (or would be U+FFFD)."""
    if entity in HTML_ENTITIES:  # ftfy's table: HTML5 names, plus all-caps variants
        return HTML_ENTITIES[entity]
    if entity.startswith("&#"):
        decoded = html.unescape(entity)
        if ";" in decoded or (decoded in ("", "\ufffd") and entity.lower() != "&#xfffd;"):
            return None
        return decoded
    return None


def decode_entities(text: str) -> tuple[str, list[Edit]]:
    """Decode HTML character references (named, decimal, hex; double-escaped too).

    Guarantees: text without ``&`` is returned as is; an ``&`` that does not start a complete
    entity (``AT&T``, ``&copy`` without ``;``, ``&bogus;``) is kept; no U+FFFD is produced
    from an invalid code point (``&#0;`` stays). One ``Edit("entity", ...)`` with the count.
    """
    if "&" not in text:
        return text, []
    seen: Counter[str] = Counter()
    passes = 0

    def fix(match: re.Match[str]) -> str:
        decoded = _decode_entity(match.group())
        if decoded is None:
            return match.group()
        seen[match.group()] += 1
        return decoded

    while passes < _MAX_ENTITY_PASSES and "&" in text:
        new = _ENTITY_RE.sub(fix, text)
        if new == text:
            break
        text = new
        passes += 1
    if not seen:
        return text, []
    total = sum(seen.values())
    sample = " ".join(name for name, _ in seen.most_common(5))
    detail = f"HTML entities decoded x{total} ({sample})"
    if passes > 1:
        detail += f"; double-escaped, {passes} passes"
    return text, [Edit("entity", detail)]


# --------------------------------------------------------------------------- mojibake gate

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _charset(items: list) -> tuple[frozenset[str], bool]:
    """Characters of a parsed ``[...]`` class; second value: can it match ASCII."""
    chars: set[str] = set()
    for op, arg in items:
        if op is _sre_c.LITERAL:
            chars.add(chr(arg))
        elif op is _sre_c.RANGE:
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
        elif op in (_sre_c.NEGATE, _sre_c.CATEGORY):
            return frozenset(), True
        else:  # pragma: no cover - only if ftfy's regex changes shape
            raise ValueError(f"unexpected regex item {op}")
    return frozenset(chars), any(c < "\x80" for c in chars)


def _source(items: list) -> str:
    """A parsed regex sequence written back as a pattern (the subset ftfy's detector uses)."""
    out: list[str] = []
    for op, arg in items:
        if op is _sre_c.LITERAL:
            out.append(re.escape(chr(arg)))
        elif op is _sre_c.ANY:
            out.append(".")
        elif op is _sre_c.AT and arg is _sre_c.AT_BEGINNING:
            out.append(r"\A")
        elif op is _sre_c.MAX_REPEAT and arg[:2] == (0, 1):
            out.append("(?:" + _source(arg[2].data) + ")?")
        elif op is _sre_c.CATEGORY:
            out.append(_CATEGORY_SOURCE[arg])
        elif op is _sre_c.IN:
            cls: list[str] = []
            for sub_op, sub_arg in arg:
                if sub_op is _sre_c.LITERAL:
                    cls.append(re.escape(chr(sub_arg)))
                elif sub_op is _sre_c.RANGE:
                    cls.append(re.escape(chr(sub_arg[0])) + "-" + re.escape(chr(sub_arg[1])))
                elif sub_op is _sre_c.NEGATE:
                    cls.append("^")
                elif sub_op is _sre_c.CATEGORY:
                    cls.append(_CATEGORY_SOURCE[sub_arg])
                else:  # pragma: no cover
                    raise ValueError(f"unexpected class item {sub_op}")
            out.append("[" + "".join(cls) + "]")
        else:  # pragma: no cover
            raise ValueError(f"unexpected regex item {op}")
    return "".join(out)


_CATEGORY_SOURCE = {_sre_c.CATEGORY_SPACE: r"\s", _sre_c.CATEGORY_WORD: r"\w"}


@lru_cache(maxsize=1)
def _branches() -> tuple[tuple[tuple[frozenset[str], ...], re.Pattern[str]], ...]:
    """ftfy's detector split into its alternatives.

    For each alternative: the character classes it needs from outside ASCII (one character of
    each must occur in a text for the alternative to match there), and the alternative compiled
    alone. Derived from ``ftfy.badness.BADNESS_RE`` itself, so it follows ftfy's version.
    """
    try:
        tree = _sre_p.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
        ((op, (_, alternatives)),) = tree.data
        if op is not _sre_c.BRANCH:
            raise ValueError("ftfy's detector is not an alternation")
        out = []
        for alt in alternatives:
            needs: list[frozenset[str]] = []
            for item_op, arg in alt.data:
                if item_op is _sre_c.IN:
                    chars, ascii_ok = _charset(arg)
                    if not ascii_ok:
                        needs.append(chars)
                elif item_op is _sre_c.LITERAL and arg >= 0x80:
                    needs.append(frozenset(chr(arg)))
            out.append((tuple(needs), re.compile(_source(alt.data))))
    except Exception:  # another ftfy or Python version: the whole detector, exact but slower
        return (((), BADNESS_RE),)
    return tuple(out)


def needs_ftfy(text: str) -> bool:
    """True exactly when ftfy (with `FTFY_CONFIG`) could change ``text``.

    Equivalent to ``ftfy.badness.is_bad(text)`` or a surrogate code point being present
    (tested against ftfy on the eval cases and on WMT text, clean and with mojibake), but
    much faster on clean text: ASCII is ruled out at once, and of ftfy's ~37 alternatives
    only those whose non-ASCII characters all occur in the text are searched.
    """
    if text.isascii():
        return False
    present = _non_ascii(text)
    return not present.isdisjoint(_SURROGATES) or _searched_bad(text, present)


def is_bad(text: str) -> bool:
    """``ftfy.badness.is_bad(text)``, the same answer, decided as `needs_ftfy` does (only the
    alternatives whose non-ASCII characters all occur in the text are searched)."""
    if text.isascii():
        return False
    return _searched_bad(text, _non_ascii(text))


def _non_ascii(text: str) -> set[str]:
    """The non-ASCII characters of ``text`` (its ASCII runs cut out first: most text is
    mostly ASCII, and a set of the rest is built several times faster)."""
    return set(_ASCII_RUNS.sub("", text))


def _searched_bad(text: str, present: set[str]) -> bool:
    """Whether an alternative of ftfy's detector matches ``text``, whose non-ASCII
    characters are ``present``: only alternatives with a character of each of their
    non-ASCII classes in ``present`` are searched."""
    where, chars, branches = _branch_masks()
    have = 0
    for char in present.intersection(chars):  # set & frozenset: walks the smaller one
        have |= where[char]
    return any(pattern.search(text) for needs, pattern in branches if have & needs == needs)


@lru_cache(maxsize=1)
def _branch_masks() -> tuple[dict[str, int], frozenset[str], tuple[tuple[int, re.Pattern[str]], ...]]:
    """`_branches` as bit masks: one bit per (alternative, non-ASCII class); for each character,
    the bits of the classes holding it (and those characters as a set); for each alternative,
    the bits of its classes (all must be present in a text for it to match there) and its
    pattern."""
    where: dict[str, int] = {}
    branches: list[tuple[int, re.Pattern[str]]] = []
    bit = 1
    for needs, pattern in _branches():
        mask = 0
        for chars in needs:
            for char in chars:
                where[char] = where.get(char, 0) | bit
            mask |= bit
            bit <<= 1
        branches.append((mask, pattern))
    return where, frozenset(where), tuple(branches)


_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
_SURROGATES = frozenset(map(chr, range(0xD800, 0xE000)))


# --------------------------------------------------------------------------- repair


def _plan_name(steps: list) -> str:
    return ", ".join(f"{step.action} {step.parameter}" for step in steps)


def _layers(steps: list) -> list[tuple]:
    """A plan cut into single re-decodings ``(encode X, [transcode...], decode utf-8)``.

    Only plans made purely of such layers count; a character-level patch (``apply
    decode_inconsistent_utf8``, ``transcode fix_c1_controls`` alone) gives none.
    """
    layers: list[tuple] = []
    current: list = []
    for step in steps:
        if step.action not in ("encode", "decode", "transcode"):
            return []
        current.append(tuple(step))
        if step.action == "decode":
            if current[0][0] != "encode" or not step.parameter.startswith("utf-8"):
                return []
            layers.append(tuple(current))
            current = []
    return layers if not current else []


def _ftfy_fix(line: str) -> tuple[str, list]:
    """``ftfy.fix_and_explain(line, FTFY_CONFIG)``, with ftfy's detector answered by `is_bad`.

    ftfy asks its detector (``is_bad``, looked up in the ``ftfy`` module at each call) before
    and after every re-decoding step, most often of text that is by then correct, where its
    regular expression scans the whole line. `is_bad` gives the same answers faster; it is
    put in place for this call only (another thread calling ftfy meanwhile gets one answer
    or the other, which are the same).
    """
    original = ftfy.is_bad
    ftfy.is_bad = is_bad
    try:
        fixed, steps = ftfy.fix_and_explain(line, FTFY_CONFIG)
    finally:
        ftfy.is_bad = original
    return fixed, steps or []


_MAX_LAYERS = 3  # mojibake of mojibake of mojibake is the most seen in the wild


def _fix_mojibake(text: str, plans: Counter[str]) -> str:
    """ftfy on each line it flags; then the document's own re-decoding on the other lines.

    ftfy judges each line alone, and a short line can hide its mojibake from the detector
    (``Å\u00a0imon`` for ``Šimon``), or keep one layer of a double encoding (``ÄŒedok``).
    When ftfy has repaired lines of a document by re-reading them as UTF-8, every non-ASCII
    line of that document is offered the same single re-decodings, up to three times; one is
    kept only if all its steps succeed (the bytes are valid UTF-8, which correct Latin text
    essentially never is) and ftfy's badness score does not rise.
    """
    if not needs_ftfy(text):
        return text
    lines = text.split("\n")  # ftfy.fix_text's segments: lines, split on "\n" only
    layers: list[tuple] = []
    for i, line in enumerate(lines):
        if not needs_ftfy(line):
            continue
        fixed, steps = _ftfy_fix(line)
        if fixed != line:
            plans[_plan_name(steps)] += 1
            lines[i] = fixed
            layers.extend(layer for layer in _layers(steps) if layer not in layers)
    for i in range(len(lines)) if layers else ():
        line = start = lines[i]
        for _ in range(_MAX_LAYERS):
            if line.isascii():
                break
            for layer in layers:
                try:
                    fixed = ftfy.apply_plan(line, list(layer))
                except (UnicodeError, ValueError):
                    continue
                if fixed != line and badness(fixed) <= badness(line):
                    line = fixed
                    break
            else:
                break
        if line != start:
            plans["re-decoded as UTF-8 like the document's other lines"] += 1
            lines[i] = line
    return "\n".join(lines)


def repair_encoding(text: str) -> tuple[str, list[Edit]]:
    """Decode HTML entities and repair mojibake; leave correct text exactly as it is.

    * Mojibake: each line that ftfy's detector flags is fixed by ``ftfy.fix_and_explain``
      with `FTFY_CONFIG` (UTF-8 read as Windows-1252/Latin-1/MacRoman/…, double encoding,
      mixed lines, C1 controls, surrogates); other non-ASCII lines of a document that ftfy
      re-decoded get the same plan when it applies cleanly (see `_fix_mojibake`). Logged as
      ``Edit("encoding", "<ftfy plan> xN line(s)")``.
    * Entities: `decode_entities` (``&eacute;``, ``&rsquo;``, ``&#8217;``, ``&nbsp;``,
      double-escaped ``&amp;eacute;``), logged as ``Edit("entity", ...)``. Mojibake is repaired
      before (``Ã&copy;`` is damage around an entity) and again after decoding
      (``&Atilde;&copy;`` is damage inside entities).
    * No typography: curly quotes, ligatures, widths and normalisation form are untouched.
    * Fast path: text that `needs_ftfy` clears and that has no ``&`` is returned as is,
      without calling ftfy.
    * Never raises on any ``str``.
    """
    plans: Counter[str] = Counter()
    text = _fix_mojibake(text, plans)
    edits: list[Edit] = []
    if "&" in text:
        text, edits = decode_entities(text)
        if edits:
            text = _fix_mojibake(text, plans)
    for plan, count in plans.items():
        edits.append(Edit("encoding", f"mojibake repaired by ftfy ({plan}) x{count} line(s)"))
    return text, edits
