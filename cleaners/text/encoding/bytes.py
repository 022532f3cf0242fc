"""Bytes to text: byte-order marks, UTF-8, a few stray Windows-1252 bytes, charset detection.

`decode_bytes` never raises and never inserts U+FFFD without saying so: valid UTF-8 is decoded
as is (unless it is ISO-2022-JP or -KR); anything else is decoded by detection
(charset-normalizer, with Windows-1252 preferred when it is as plausible, a few stray bytes
notwithstanding) and the guess is logged as an `EditKind.CHARSET` edit.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes
from charset_normalizer.cd import coherence_ratio
from charset_normalizer.md import mess_ratio

from cleaners.edits import Edit, EditKind

__all__ = ["decode_bytes"]

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


#: ISO-2022 designations (ESC $ B, ESC $ ) C…): 7-bit Japanese or Korean text, valid UTF-8 too.
_ISO2022 = re.compile(rb"\x1b(?:\$[@AB]|\$\([A-Z]|\$\)[A-Z]|\([BIJ])")
_ISO2022_CODECS = ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3",
                   "iso2022_jp_ext")


def _iso2022(data: bytes) -> tuple[str, list[Edit]] | None:
    """``data`` decoded as ISO-2022-JP or ISO-2022-KR when it holds their escape sequences and
    decodes in one of them (Korean first when it designates KS X 1001: ``ESC $ ) C``)."""
    if not _ISO2022.search(data):
        return None
    codecs_ = _ISO2022_CODECS
    if b"\x1b$)C" in data:
        codecs_ = ("iso2022_kr", *codecs_)
    for encoding in codecs_:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, [Edit(EditKind.CHARSET, f"ISO-2022 escape sequences: decoded as {encoding}")]
    return None


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
      recorded as an `EditKind.CHARSET` edit. Without one, UTF-16 whose start has a zero
      byte in nearly every other byte (Latin-script text) is decoded so, and recorded.
    * Valid UTF-8 is decoded as is, with no edit; unless it holds ISO-2022 escape sequences
      and decodes as ISO-2022-JP or -KR (7-bit Japanese and Korean mail and news), which is
      recorded.
    * UTF-8 with a few invalid bytes (at least as many valid multi-byte sequences as invalid
      bytes: a Windows-1252 ``’`` pasted into a UTF-8 file; or at most `_FEW_INVALID` invalid
      bytes beside at least one valid sequence in Western text): the invalid bytes are read as
      Windows-1252, and their count is recorded.
    * Anything else: charset-normalizer's guess (Windows-1252 preferred when it is as
      plausible, also despite a few bytes it leaves undefined, see `_choose`), recorded with
      the encoding and the reason. Western text is never handed to a legacy code page for a
      few stray bytes.
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
                edits.append(Edit(EditKind.CHARSET, "utf-8 byte-order mark stripped"))
                break
            return text, [Edit(EditKind.CHARSET, f"{encoding} byte-order mark stripped")]
    if not edits:
        utf16 = _utf16_without_mark(data)
        if utf16 is not None:
            return utf16
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            iso2022 = _iso2022(data) if b"\x1b" in data else None
            return iso2022 or (text, [])

    valid = len(_UTF8_MULTIBYTE.findall(data))
    text, invalid, undecodable = _utf8_with_cp1252_fallback(data)
    if valid and (valid >= invalid or (invalid <= _FEW_INVALID and _western(
            data[:_PLAUSIBILITY_SAMPLE].decode("utf-8", "ignore")))):
        return text, [*edits, _fallback_edit(invalid, undecodable)]

    guess = _detect(data)
    if guess is not None:
        return guess[0], edits + guess[1]
    return text, [*edits, _fallback_edit(invalid, undecodable)]


#: Bytes of a file's start looked at for UTF-16 without a byte-order mark.
_UTF16_SAMPLE = 4096


def _utf16_without_mark(data: bytes) -> tuple[str, list[Edit]] | None:
    """``data`` decoded as UTF-16 without a byte-order mark, with its edit, when its start
    reads so: Latin-script text in UTF-16 has a zero high byte in nearly every code unit
    (ASCII, and the accented letters of Latin-1), in the odd bytes (little-endian) or the
    even ones (big-endian), and almost no zero in the others; else None (also when the whole
    does not decode). ASCII in UTF-16 is valid UTF-8 with NUL bytes, so without this check
    it was taken for binary data."""
    sample = data[: _UTF16_SAMPLE - _UTF16_SAMPLE % 2]
    units = len(sample) // 2
    if units < 2 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros >= 0.6 * units and other <= 0.05 * units:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            return text, [Edit(EditKind.CHARSET, f"decoded as {codec} (no byte-order mark: "
                                                 "a zero byte in nearly every other byte)")]
    return None


#: UTF-8 with at least one valid multi-byte sequence and at most this many invalid bytes is
#: UTF-8 with a few stray bytes when it reads as Western text (a short French line with one
#: accent has more invalid bytes than valid sequences as soon as two bytes are damaged).
_FEW_INVALID = 3
#: Bytes Windows-1252 leaves undefined: in Western text, damage (see `_detect`).
_CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"
#: Below this many non-ASCII characters, charset-normalizer's language coherence is noise
#: (one ``é`` in a headline), and the web's most common legacy encoding wins ties.
_MIN_EVIDENCE = 30
#: Western European text has few non-ASCII letters; Cyrillic or Greek read as Windows-1252
#: is all accented letters (``Ïðàâèòåëüñòâî``).
_MAX_NON_ASCII_LETTER_SHARE = 0.5
#: How much more chaotic than the guess Windows-1252 may read with less evidence than that:
#: charset-normalizer's chaos of a few words swings widely (``niño €``: 0.33, a real Polish
#: line read as Windows-1252: 1.06).
_SHORT_CHAOS = 0.2
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


#: Windows-1252 characters that another code page's letters read as in legacy text (``¼udia``
#: for Slovak ``Ľudia``, ``mo¿e`` for Polish ``może``): symbols and numbers (and ``¿`` after a
#: letter).
_SYMBOL_CATEGORIES = frozenset({"So", "Sc", "Sm", "Sk", "No"})


def _letters_in_guess(western: str, guessed: str) -> bool:
    """The guess reads as a letter, beside a letter, a byte Windows-1252 reads as a symbol or a
    number (or as ``¿`` after a letter): evidence for the guess. Only for a single-byte guess
    (the two readings align character for character); judged on their start."""
    if len(western) != len(guessed):
        return False
    western, guessed = western[:_PLAUSIBILITY_SAMPLE], guessed[:_PLAUSIBILITY_SAMPLE]
    last = len(western) - 1
    for i, char in enumerate(western):
        if char < "\x80" or not guessed[i].isalpha():
            continue
        after_letter = i > 0 and western[i - 1].isalpha()
        if char == "¿":  # Spanish ¿ opens a word, Polish ż ends or splits one
            if after_letter:
                return True
        elif unicodedata.category(char) in _SYMBOL_CATEGORIES and (
            after_letter or (i < last and western[i + 1].isalpha())
        ):
            return True
    return False


def _best_guess(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's best (encoding, language) for ``data``, or None (never raises)."""
    try:
        best = from_bytes(data).best()
    except Exception:  # a heuristic library: never let it crash a run
        return None
    return None if best is None else (best.encoding, best.language or "unknown")


def _as_plausible(western: str, guessed: str) -> bool:
    """Windows-1252 reads the input (``western``) as plausibly as charset-normalizer's guess
    (``guessed``): as little chaos and as much language coherence, leniently below
    `_MIN_EVIDENCE` non-ASCII characters."""
    chaos, coherence = _plausibility(western)
    best_chaos, best_coherence = _plausibility(guessed)
    enough = sum(c >= "\x80" for c in western) >= _MIN_EVIDENCE
    return chaos <= best_chaos + (0.01 if enough else _SHORT_CHAOS) and (
        coherence >= best_coherence - 0.02 or not enough
    )


def _choose(data: bytes) -> tuple[str, str] | None:
    """The encoding of bytes that are not UTF-8, and why; None when nothing fits.

    charset-normalizer's guess, with Windows-1252 preferred when it is as plausible:
    charset-normalizer often ranks cp1250, cp775 or big5 first for Western text (their readings
    of its accented letters are as "coherent" as the right one); WHATWG and ftfy treat
    Windows-1252 as the default legacy encoding, so it wins ties here. The bytes Windows-1252
    leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) do not rule it out: when the input without
    them is Windows-1252, they were damage, unless the guess reads as letters what Windows-1252
    reads as symbols (Slovak ``Ľudia`` is ``¼udia`` there; ``ť`` is 0x9D in cp1250).
    """
    best = _best_guess(data)
    if best is None:
        return None
    encoding, language = best
    reason = f"charset-normalizer guess; language {language}"
    if encoding == "cp1252":
        return encoding, reason
    defined = data.translate(None, _CP1252_UNDEFINED)
    if len(defined) < len(data):
        chosen = _choose(defined) if defined else None
        if chosen is not None and chosen[0] == "cp1252" and not _letters_in_guess(
                defined.decode("cp1252"), defined.decode(encoding, "replace")):
            return "cp1252", (f"Windows-1252 with {len(data) - len(defined)} undefined byte(s), "
                              f"preferred over charset-normalizer's {encoding}")
        return encoding, reason
    western = data.decode("cp1252")
    try:
        guessed = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if _western(western) and _as_plausible(western, guessed):
        return "cp1252", f"Windows-1252 preferred over charset-normalizer's {encoding}"
    return encoding, reason


def _detect(data: bytes) -> tuple[str, list[Edit]] | None:
    """The text of bytes that are not UTF-8 in the encoding `_choose` picks, and the edit that
    says which; None when nothing fits, or when the text would hold U+FFFD the bytes do not
    (Windows-1252 with undefined bytes among them: `decode_bytes` then reads them as U+FFFD in
    its fallback and counts them)."""
    chosen = _choose(data)
    if chosen is None:
        return None
    encoding, reason = chosen
    try:
        guessed = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if "\ufffd" in guessed and b"\xef\xbf\xbd" not in data:
        return None
    detail = f"not valid UTF-8: decoded as {encoding} ({reason})"
    return guessed, [Edit(EditKind.CHARSET, detail)]


def _fallback_edit(invalid: int, undecodable: int) -> Edit:
    """The edit of the UTF-8-with-Windows-1252 fallback: how many bytes were read how."""
    detail = f"not valid UTF-8: {invalid} invalid byte(s) read as windows-1252"
    if undecodable:
        detail += f", {undecodable} undecodable byte(s) replaced by U+FFFD"
    return Edit(EditKind.CHARSET, detail)
