"""Bytes to text: byte-order marks, UTF-8, a few stray Windows-1252 bytes, charset detection.

`decode_bytes` never raises and never inserts U+FFFD without saying so: valid UTF-8 is decoded
as is; anything else is decoded by detection (charset-normalizer, with Windows-1252 preferred
when it is as plausible) and the guess is logged as an `EditKind.CHARSET` edit.
"""

from __future__ import annotations

import codecs
import re

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
      recorded as an `EditKind.CHARSET` edit.
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
                edits.append(Edit(EditKind.CHARSET, "utf-8 byte-order mark stripped"))
                break
            return text, [Edit(EditKind.CHARSET, f"{encoding} byte-order mark stripped")]
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
    detail = f"not valid UTF-8: decoded as {encoding} ({reason})"
    return guessed, [Edit(EditKind.CHARSET, detail)]


def _fallback_edit(invalid: int, undecodable: int) -> Edit:
    """The edit of the UTF-8-with-Windows-1252 fallback: how many bytes were read how."""
    detail = f"not valid UTF-8: {invalid} invalid byte(s) read as windows-1252"
    if undecodable:
        detail += f", {undecodable} undecodable byte(s) replaced by U+FFFD"
    return Edit(EditKind.CHARSET, detail)
