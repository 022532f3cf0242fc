"""Binary noise: is a decoded file really text?

Random bytes (a photo, an archive, a truncated download renamed ``.txt``) decode to *something*
in Windows-1252 or UTF-16, so decoding never fails on them; `binary_reason` tells them from
text. Pure: it looks at a decoded text and, when given, the bytes it was decoded from.

What `measure_noise` counts:

* **noise characters**, in the whole text (or 64 evenly spread windows of a long one): C0
  controls other than tab and line breaks (``\t \n \v \f \r``), DEL, private-use and
  unassigned code points, lone surrogates and noncharacters. Real text in any script has next
  to none. Random bytes read as Windows-1252 (how `decode_bytes` reads them) are 11 % noise (28
  C0 controls and DEL of 256 bytes); read as UTF-16 (behind a UTF-16 byte-order mark), 12 %
  (private-use and unassigned code points). Not noise: C1 controls (U+0080 to U+009F), which
  Windows-1252 text read as Latin-1 holds and the mojibake repair turns back into ``’`` or
  ``…``; and U+FFFD, which lossy mojibake is full of (ftfy's cases) and which a wrong guess of
  a legacy code page leaves in real text;
* in the first `_SCRIPT_SAMPLE` characters: **letters**, the **runs** of letters (words, in
  most scripts), the **script changes** between consecutive letters (Han, kana and bopomofo
  count as one script) and the **separators** (whitespace and punctuation). Random bytes read
  as Windows-1252 make words of two letters on average (real text: four to six); read as
  UTF-16, letters from everywhere (Han, Hangul, Yi, Ethiopic…), 60 % of consecutive letters
  changing script, and hardly a space or a punctuation mark.

The verdict (`binary_reason`) and the figures its thresholds were chosen from are beside the
thresholds below.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

__all__ = ["NoiseStats", "binary_reason", "is_binary", "measure_noise", "sniff_binary_format"]


@cache
def _noise_re() -> re.Pattern[str]:
    """Noise characters of the Basic Multilingual Plane as one character class: C0 controls
    but ``\\t \\n \\v \\f \\r``, DEL, surrogates, private use, and the unassigned code points and
    noncharacters (U+FDD0 to U+FDEF, U+FFFE, U+FFFF: category Cn) of this Python's Unicode
    database. BMP only, so ``re`` compiles it to a bitmap: a search runs at about 3 ms a
    megabyte. Built once (20 ms), on first use."""
    ranges: list[str] = []
    start = None
    for cp in range(0x80, 0x10001):
        inside = cp < 0x10000 and unicodedata.category(chr(cp)) in ("Cn", "Co", "Cs")
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            end = cp - 1
            ranges.append(re.escape(chr(start)) + (f"-{re.escape(chr(end))}" if end > start else ""))
            start = None
    return re.compile("[\x00-\x08\x0e-\x1f\x7f" + "".join(ranges) + "]")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_ASCII_WORDS = re.compile("[A-Za-z]+")
_ASCII_SEPARATORS = re.compile(r"[\s!-/:-@\[-`{-~]")

#: Evenly spread windows of a long text that `measure_noise` examines: binary noise is spread
#: all over a file, so 64 windows of 16 Ki characters (1 Mi characters) judge a file of any size.
_WINDOWS = 64
_WINDOW = 16 * 1024
#: Characters at the start of the text whose letters, words and separators are counted.
_SCRIPT_SAMPLE = 2048

#: Name prefixes that are not scripts: the script is the next word (``FULLWIDTH LATIN…``).
_NOT_SCRIPTS = frozenset({"FULLWIDTH", "HALFWIDTH", "SMALL", "MODIFIER", "MATHEMATICAL",
                          "CIRCLED", "PARENTHESIZED", "SQUARED", "NEGATIVE", "OLD", "CAPITAL"})
#: Scripts written together: Japanese mixes Han and kana in every sentence, Chinese text may
#: hold bopomofo.
_SAME_SCRIPT = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "BOPOMOFO": "CJK", "IDEOGRAPHIC": "CJK",
                "KANGXI": "CJK"}


def _script(char: str) -> str:
    """The script of a letter, from its Unicode name (``LATIN``, ``CYRILLIC``, ``CJK``…)."""
    if char < "\u0250":  # Latin-1 and Latin Extended (ª and º included)
        return "LATIN"
    words = unicodedata.name(char, "").split(" ", 2)
    word = words[0]
    if word in _NOT_SCRIPTS and len(words) > 1:
        word = words[1]
    return _SAME_SCRIPT.get(word, word)


@dataclass(frozen=True, slots=True)
class NoiseStats:
    """What `measure_noise` counted in a text."""

    chars: int  # characters examined for noise
    noise: int  # of them, noise characters (see the module docstring)
    letters: int  # letters among the first `_SCRIPT_SAMPLE` characters
    latin: int  # of them, Latin letters
    words: int  # runs of consecutive letters among them
    switches: int  # consecutive letters of different scripts among them
    separators: int  # whitespace and punctuation characters among them

    @property
    def share(self) -> float:
        """Noise characters per character examined (0.0 for an empty text)."""
        return self.noise / self.chars if self.chars else 0.0

    @property
    def switch_rate(self) -> float:
        """Script changes per pair of consecutive letters (0.0 below two letters)."""
        return self.switches / (self.letters - 1) if self.letters > 1 else 0.0

    @property
    def word_length(self) -> float:
        """Letters per run of letters (0.0 without letters)."""
        return self.letters / self.words if self.words else 0.0


def _sample(text: str) -> list[str]:
    """The whole text when short, else `_WINDOWS` evenly spaced windows of `_WINDOW` chars."""
    if len(text) <= _WINDOWS * _WINDOW:
        return [text]
    step = (len(text) - _WINDOW) // (_WINDOWS - 1)
    return [text[i * step : i * step + _WINDOW] for i in range(_WINDOWS)]


def _count_noise(part: str) -> int:
    """Noise characters in ``part``."""
    noise = len(_noise_re().findall(part))
    if not part.isascii():
        for char in _ASTRAL.findall(part):
            if unicodedata.category(char) in ("Cn", "Co"):
                noise += 1
    return noise


def _count_letters(head: str) -> tuple[int, int, int, int, int]:
    """(letters, Latin letters, runs of letters, script changes between consecutive letters,
    whitespace and punctuation characters) in ``head``."""
    if head.isascii():  # all letters Latin: no change
        words = _ASCII_WORDS.findall(head)
        letters = sum(map(len, words))
        return letters, letters, len(words), 0, len(_ASCII_SEPARATORS.findall(head))
    scripts: dict[str, str] = {}
    letters = latin = words = switches = separators = 0
    previous = ""
    in_word = False
    for char in head:
        if not char.isalpha():
            in_word = False
            if char.isspace() or unicodedata.category(char)[0] == "P":
                separators += 1
            continue
        script = scripts.get(char)
        if script is None:
            script = scripts[char] = _script(char)
        letters += 1
        latin += script == "LATIN"
        words += not in_word
        in_word = True
        switches += bool(previous) and script != previous
        previous = script
    return letters, latin, words, switches, separators


def measure_noise(text: str) -> NoiseStats:
    """The counts of the module docstring for ``text``: noise characters in all of it up to
    1 Mi characters (else in 64 evenly spread windows of 16 Ki characters); letters, words,
    script changes and separators in its first `_SCRIPT_SAMPLE` characters. Linear time; a
    clean text costs a regex scan."""
    parts = _sample(text)
    chars = sum(map(len, parts))
    noise = sum(map(_count_noise, parts))
    return NoiseStats(chars, noise, *_count_letters(text[:_SCRIPT_SAMPLE]))


# Thresholds, chosen on decoded data (`decode_bytes`). Real text: no noise character at all in
# the 756 WMT news documents (en, fr, de, es; also encoded in cp1252, Latin-1, ISO 8859-15, Mac
# Roman, UTF-16), their first lines, raw/samples, the WordPress exports and cases, CPython's CJK
# codec test texts (Chinese, Japanese, Korean; UTF-8, UTF-16 and their legacy encodings); at
# most 0.12 % in the 500 trafilatura HTML pages (private-use icon-font glyphs; control bytes
# in 4 pages) and 0.6 % in WMT documents encoded in cp850 (which detection misreads); at most
# one noise character in an ftfy case (a SUB, U+001A). Random bytes: 11 % to 13 % noise.

#: A text is binary when at least `MIN_NOISE` characters and `NOISE_SHARE` of them are noise:
#: all random inputs of 128 bytes and more, 99.9 % of 64-byte ones with the rules below.
NOISE_SHARE = 0.02
MIN_NOISE = 2
#: Or, among at least `MIN_LETTERS` letters, two weaker signs together (what decides for inputs
#: of a few dozen bytes). In a text shorter than `SHORT` characters whose letters are at least
#: `LATIN` Latin: one noise character, and words shorter than `SHORT_WORDS` letters on average
#: (random bytes read as Windows-1252: 2.1; real text with a noise character: 3.8 at least);
MIN_LETTERS = 16
SHORT = 256
LATIN = 0.8
SHORT_WORDS = 3.0
#: or `MIXED_SCRIPTS` of consecutive letters changing script with fewer than one whitespace or
#: punctuation character every `SEPARATED` letters (random bytes read as UTF-16). Real text
#: changes script at word boundaries: at most 0.24 of its letters over a whole text and 0.40
#: over a line (CPython's Korean test text, Hangul and Han), 0.71 in a spam line of Cyrillic
#: look-alikes among Latin letters; but then with a space or a punctuation mark every 2 to 5
#: letters.
MIXED_SCRIPTS = 0.25
SEPARATED = 8

#: File signatures that no text in any encoding starts with (each holds a control byte or a
#: byte sequence that is not text), and what they are.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip data"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "an executable"),
    (b"(\xb5/\xfd", "zstd data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an MS Office document"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x00asm", "WebAssembly"),
)
#: Signatures that are text: named in the reason, but the verdict is the counts'.
_TEXT_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BZh", "bzip2 data"),
    (b"PAR1", "a Parquet file"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def sniff_binary_format(head: bytes) -> tuple[str, bool] | None:
    """The binary format whose signature ``head`` (a file's first bytes) starts with, and
    whether the signature alone proves it is not text; None when there is none."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name, True
    for magic, name in _TEXT_MAGIC:
        if head.startswith(magic):
            return name, False
    return None


def _verdict(stats: NoiseStats) -> str | None:
    """What in ``stats`` shows binary data (the end of the reason), or None."""
    percent = f"{stats.share * 100:.0f} % control or unassigned characters"
    if stats.noise >= MIN_NOISE and stats.share >= NOISE_SHARE:
        return percent
    if stats.letters < MIN_LETTERS:
        return None
    if (stats.noise and stats.chars < SHORT and stats.word_length < SHORT_WORDS
            and stats.latin >= stats.letters * LATIN):
        return f"{percent}, words of {stats.word_length:.1f} letters"
    if stats.switch_rate >= MIXED_SCRIPTS and stats.separators * SEPARATED < stats.letters:
        return (f"{stats.switch_rate * 100:.0f} % of letters change script, "
                f"{stats.separators} spaces or punctuation marks")
    return None


def binary_reason(text: str, data: bytes | None = None) -> str | None:
    """Why ``text`` is binary data and not text, as a one-line reason; None when it is text.

    ``data``, when given, is what ``text`` was decoded from: its first bytes are checked for a
    file signature and a false UTF-16 byte-order mark. NUL padding at the end of ``text`` (a
    file preallocated, or cut short) is not counted: the cleaner removes it.

    Guarantees: None for every real text the thresholds were measured on (see `NOISE_SHARE`);
    a reason for random bytes of 128 bytes and more (99.9 % of 64-byte ones), with or without
    a UTF-16 byte-order mark or a file signature in front; a reason whenever ``data`` starts
    with a binary file signature (gzip, PNG, ZIP, JPEG, ELF…) or with a UTF-16 byte-order
    mark that ``text`` was not decoded with (it starts with ``ÿþ`` or ``þÿ``). Never raises.
    """
    sniffed = sniff_binary_format(data[:16]) if data else None
    what = f"{sniffed[0]}, " if sniffed else ""
    stats = measure_noise(text.rstrip("\x00"))  # NUL padding: a file preallocated, cut short
    verdict = _verdict(stats)
    if verdict is not None:
        return f"binary data, not text ({what}{verdict})"
    if sniffed and sniffed[1]:
        return f"binary data, not text ({sniffed[0]})"
    if data and data.startswith(_UTF16_BOMS) and text.startswith(("ÿþ", "þÿ")):
        return "binary data, not text (a UTF-16 byte-order mark on bytes that are not UTF-16)"
    return None


def is_binary(text: str, data: bytes | None = None) -> bool:
    """True when `binary_reason` has a reason: ``text`` is binary data, not text."""
    return binary_reason(text, data) is not None
