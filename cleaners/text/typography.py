"""Typography: one policy for quotes, apostrophes and guillemet spacing; texturized markup undone.

The policy (`TypographyPolicy`, documented in docs/cleaning.md, "Typography policy") is applied the same way in
every language and is idempotent: ``normalize_typography`` of its own output changes nothing.

* Apostrophes and single quotes: ``straight`` turns ’ ‘ ‚ ‛ into ``'``; ``curly`` turns a
  straight ``'`` between two letters (``d'autres``, ``don't``) into ’ and leaves every other
  ``'`` alone (a straight single quote cannot be told from an opening one reliably).
* Double quotes: ``straight`` turns “ ” „ ‟ into ``"``; ``curly`` turns each ``"`` into “ when
  it opens (start of text, after a space or an opening bracket) and ” otherwise.
* Guillemets « » are kept. The space inside them (after «, before ») becomes the policy's space
  (U+00A0, U+202F or U+0020) when there is one; none is added where there was none, so German
  ``»Wort«`` and Swiss ``«Wort»`` stay as they are.
* Primes ′ ″ (5′ 10″, 45° 30′, a 12″ pizza) are not quotes: they are kept in every policy,
  except a prime after a digit that closes a quotation: wptexturize turns a closing quote after
  a digit into a prime (``"Top 10"`` → ``“Top 10″``). A ″ (′) right after a digit is that
  quotation's closing quote when an opening double (single) quote earlier in the same paragraph
  is still open and no real closing quote ends that quotation; it is then written as the policy
  writes a closing quote (``"`` or ”, ``'`` or ’). Measures (``5′ 10″``, ``45° 30′``, a ``12″``
  pizza with no quotation open) stay. See `quote_primes` for which prime closes.
* Markup (shortcode and HTML open tags with attributes) is left to `untexturize_markup`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cleaners.edits import Edit, EditKind

__all__ = [
    "DEFAULT_POLICY",
    "TypographyPolicy",
    "normalize_typography",
    "quote_primes",
    "untexturize",
    "untexturize_markup",
]


@dataclass(frozen=True)
class TypographyPolicy:
    """How prose quotes and guillemet spaces are written in clean text."""

    apostrophe: Literal["straight", "curly"] = "straight"
    double_quotes: Literal["straight", "curly"] = "straight"
    guillemet_space: Literal["nbsp", "nnbsp", "space"] = "nbsp"

    def __post_init__(self) -> None:
        if self.apostrophe not in ("straight", "curly"):
            raise ValueError(f"apostrophe must be 'straight' or 'curly', not {self.apostrophe!r}")
        if self.double_quotes not in ("straight", "curly"):
            raise ValueError(
                f"double_quotes must be 'straight' or 'curly', not {self.double_quotes!r}"
            )
        if self.guillemet_space not in _GUILLEMET_SPACES:
            raise ValueError(
                f"guillemet_space must be one of {sorted(_GUILLEMET_SPACES)}, "
                f"not {self.guillemet_space!r}"
            )


_GUILLEMET_SPACES = {"nbsp": "\u00a0", "nnbsp": "\u202f", "space": " "}
_SPACE_NAMES = {"\u00a0": "U+00A0", "\u202f": "U+202F", " ": "space"}

#: Straight apostrophes and double quotes (search-friendly, like ftfy's default); guillemets
#: with a no-break space inside.
DEFAULT_POLICY = TypographyPolicy()

# --------------------------------------------------------------------------- markup spans

#: A shortcode or HTML open tag whose first attribute is ``name=``: ``[tag a=…]``, ``<a href=…>``.
#: Only these carry quotes that must stay plain; ``[sic]`` or ``[…]`` in prose are not markup.
_MARKUP_RE = re.compile(
    r"\[[A-Za-z0-9_][\w-]*[\s\u00a0]+[\w-]+[\s\u00a0]*=[^\[\]\n]*\]"
    r"|<[A-Za-z][\w:-]*[\s\u00a0]+[\w:.-]+[\s\u00a0]*=[^<>]*>"
)


def _outside_markup(text: str, fix: Callable[[str], str]) -> str:
    """``fix`` applied to the prose between markup spans; the spans are kept verbatim."""
    if "[" not in text and "<" not in text:
        return fix(text)
    out: list[str] = []
    pos = 0
    for match in _MARKUP_RE.finditer(text):
        out.append(fix(text[pos : match.start()]))
        out.append(match.group())
        pos = match.end()
    out.append(fix(text[pos:]))
    return "".join(out)


# --------------------------------------------------------------------------- untexturize

_UNTEXTURIZE = str.maketrans({"‘": "'", "’": "'", "′": "'", "“": '"', "”": '"', "″": '"'})


def untexturize(text: str) -> str:
    """Undo wptexturize's quote, apostrophe and prime substitutions, everywhere in ``text``.

    ‘ ’ ′ become ``'`` and “ ” ″ become ``"``; nothing else changes (dashes, ellipses and
    guillemets are kept). For texturized input whose only changes were quotes, apostrophes and
    primes, this gives back the original plain text.
    """
    return text.translate(_UNTEXTURIZE)


_DQ = '“”″«»„‟"'  # quote characters a CMS puts where a double quote was typed
_SQ = "‘’′‚‛'"  # ... and where a single quote was
_SPACE = "[ \u00a0\u202f\u2009]"
#: The longest attribute value looked at, in characters: bounds the search on hostile input.
_MAX_VALUE = 500
#: What may follow a value's closing quote: the tag's end, or the next attribute's name, with
#: ``=`` (valued) or without (a boolean attribute, ``hidden``).
_TAG_END = r"[\s\u00a0]*(?:[\]/>]|$)"
_NEXT_VALUED = r"[\s\u00a0]+[\w:.-]+[\s\u00a0]*="
_NEXT_BOOLEAN = r"[\s\u00a0]+[\w:.-]+(?:[\s\u00a0]*[\]/>]|[\s\u00a0]|$)"
# The spaces around a value are possessive (``*+``): given back to the value, they could not
# make a match (it ends at a quote, and may hold spaces), and backtracking into them made a run
# of spaces after an opening quote cubic.
_ATTR_VALUE_RE = re.compile(
    rf"=(?P<pre>{_SPACE}*+)(?P<open>[{_DQ}{_SQ}])(?P<sp1>{_SPACE}*+)(?P<value>[^\n\[\]<>]{{0,{_MAX_VALUE}}}?)"
    rf"(?P<sp2>{_SPACE}*+)(?P<close>[{_DQ}{_SQ}])"
    # a closing quote ends the tag or comes before the next attribute (valued or boolean):
    # the apostrophe of content="Tridents’ challenge" is inside the value, not its end
    rf"(?={_TAG_END}|{_NEXT_VALUED}|{_NEXT_BOOLEAN})"
)


#: The quotes of `_DQ` and `_SQ` that are not plain: a tag without one has nothing to change.
_TEXTURIZED_QUOTE = re.compile("[" + "".join(c for c in _DQ + _SQ if c not in "\"'") + "]")
#: What follows a value's closing quote when that value opened with a plain quote: the tag's
#: end or a valued attribute (``width="640″ height=…``, wptexturize's prime after a number).
_AFTER_PLAIN_OPENED = re.compile(f"{_TAG_END}|{_NEXT_VALUED}")


def _plain_value(match: re.Match[str]) -> str:
    """One attribute value with texturized delimiters made plain (and the CMS's spaces cut)."""
    opening, closing = match["open"], match["close"]
    if opening in "\"'" and closing in "\"'":
        return match.group()  # already plain
    if opening in "\"'" and not _AFTER_PLAIN_OPENED.match(match.string, match.end()):
        return match.group()  # a typographic quote inside a plainly quoted value (“el fin” y)
    value = match["value"]
    sp1 = "" if opening == "«" else match["sp1"]  # French texturizing: « + no-break space
    sp2 = "" if closing == "»" else match["sp2"]  # ... and no-break space + »
    quote = "'" if opening in _SQ and closing in _SQ else '"'
    inner = sp1 + value + sp2
    if quote in inner:
        quote = "'" if quote == '"' else '"'
        if quote in inner:
            return match.group()  # cannot be quoted plainly: leave it for a human
    return f"={quote}{inner}{quote}"


def untexturize_markup(text: str) -> tuple[str, list[Edit]]:
    """Make texturized attribute quotes plain inside markup, so the markup parses again.

    Only inside shortcode open tags (``[tag attr= »v″]``) and HTML open tags
    (``<a href=”x”>``): an attribute value delimited by texturized quotes (“ ” ″ « » „ ‟ for
    double, ‘ ’ ′ ‚ ‛ for single, in any mix) gets plain quotes, and the spaces a CMS adds
    inside French guillemets or between ``=`` and the quote are removed
    (``style= »style-2″`` → ``style="style-2"``). Apostrophes inside a value are kept.
    Prose outside markup is returned untouched. One ``Edit(EditKind.MARKUP, ...)`` with the count.
    """
    if "[" not in text and "<" not in text:
        return text, []
    count = 0
    samples: list[str] = []

    def fix_value(value: re.Match[str]) -> str:
        nonlocal count
        fixed = _plain_value(value)
        count += fixed != value.group()
        return fixed

    def fix_span(span: re.Match[str]) -> str:
        if _TEXTURIZED_QUOTE.search(span.group()) is None:
            return span.group()  # plain quotes only: nothing to make plain (most tags)
        fixed = _ATTR_VALUE_RE.sub(fix_value, span.group())
        if fixed != span.group() and len(samples) < 3:
            samples.append(span.group()[:60])
        return fixed

    new = _MARKUP_RE.sub(fix_span, text)
    if new == text:
        return text, []
    detail = f"texturized quotes made plain in markup attributes x{count}: " + " | ".join(samples)
    return new, [Edit(EditKind.MARKUP, detail)]


# --------------------------------------------------------------------------- prose policy

_CURLY_SINGLE = "’‘‚‛"
_CURLY_DOUBLE = "“”„‟"
_LETTER = r"[^\W\d_]"
_APOSTROPHE_RE = re.compile(rf"(?<={_LETTER})'(?={_LETTER})")
_STRAIGHT_DOUBLE_RE = re.compile('"')
_OPENS_AFTER = set(" \t\n\r\u00a0\u202f\u2009([{<‘“«—–-/")
_GUILLEMET_SPACE_CHARS = " \u00a0\u202f\u2009\u2007"
#: « then spaces, when « opens (start, after a space, an opening bracket or an elision
#: apostrophe as in ``l’« affaire »``) and text follows.
_OPEN_GUILLEMET_RE = re.compile(rf"(?<![^\s(\[{{\"“‘'’—–/-])«[{_GUILLEMET_SPACE_CHARS}]+(?=[^\s])")
#: spaces then », when » closes (after text, before the end, a space or punctuation).
_CLOSE_GUILLEMET_RE = re.compile(
    rf"(?<=[^\s])[{_GUILLEMET_SPACE_CHARS}]+»(?=$|[\s.,;:!?…)\]}}\"'’”-])"
)


_GUILLEMET_OR_BREAK_RE = re.compile(r"[«»]|\n[ \t\u00a0]*\n")


def _closing_guillemets(text: str) -> set[int]:
    """Positions of the » that close a « opened before them in the same paragraph (each «
    closed once); a » with none open is a separator or an arrow (``Home » News``)."""
    closes: set[int] = set()
    depth = 0
    for mark in _GUILLEMET_OR_BREAK_RE.finditer(text):
        if mark.group() == "«":
            depth += 1
        elif mark.group() == "»":
            if depth:
                closes.add(mark.start())
                depth -= 1
        else:
            depth = 0
    return closes


_DOUBLE_QUOTE_CHARS = "“”„‟\""
#: Quote characters, primes and paragraph breaks: what `quote_primes` looks at.
_QUOTE_EVENT_RE = re.compile(r"[“”„‟\"‘’‚‛'″′]|\n[ \t\u00a0]*\n")
_NUMBER = r"\d+(?:[.,]\d+)?"
#: A ″ ending a compound measure: 5′ 10″, 45° 30′ 15″ (checked on the text up to the ″).
_MEASURE_BEFORE_DOUBLE = re.compile(rf"[′'][ \u00a0]?{_NUMBER}″\Z")
#: A ′ starting a compound measure (5′ 10″) or ending arc minutes (45° 30′).
_MEASURE_AFTER_SINGLE = re.compile(rf"[ \u00a0]?{_NUMBER}″")
_MEASURE_BEFORE_SINGLE = re.compile(rf"°[ \u00a0]?{_NUMBER}′\Z")


def _in_measure(text: str, pos: int) -> bool:
    """True when the prime at ``pos`` is part of a compound measure (5′ 10″, 45° 30′)."""
    window = text[max(0, pos - 24) : pos + 1]
    if text[pos] == "″":
        return _MEASURE_BEFORE_DOUBLE.search(window) is not None
    return (
        _MEASURE_AFTER_SINGLE.match(text, pos + 1) is not None
        or _MEASURE_BEFORE_SINGLE.search(window) is not None
    )


#: What follows a closing quote rather than a measure's prime: punctuation, a quote, the end.
_AFTER_CLOSING = frozenset([*".,;:!?…)]}»”’\"'\n", ""])  # "": the end of the text


def _closing_primes(text: str) -> list[int]:
    """Offsets of the primes of ``text`` that close a quotation (see `quote_primes`)."""
    found: list[int] = []
    # per kind: whether a quotation is open, and the offsets of its closing-prime candidates
    is_open = {"″": False, "′": False}
    candidates: dict[str, list[int]] = {"″": [], "′": []}

    def close(kind: str) -> None:
        if is_open[kind] and candidates[kind]:
            ends = (c for c in candidates[kind] if text[c + 1 : c + 2] in _AFTER_CLOSING)
            found.append(next(ends, candidates[kind][0]))
        is_open[kind] = False
        candidates[kind] = []

    for match in _QUOTE_EVENT_RE.finditer(text):
        char, pos = match.group(), match.start()
        if char[0] == "\n":  # a paragraph ends every quotation
            close("″")
            close("′")
            continue
        if char in "″′":
            if is_open[char] and pos and text[pos - 1].isdecimal() and not _in_measure(text, pos):
                candidates[char].append(pos)
            continue
        kind = "″" if char in _DOUBLE_QUOTE_CHARS else "′"
        before = text[pos - 1] if pos else " "
        after = text[pos + 1] if pos + 1 < len(text) else " "
        if kind == "′" and before.isalpha() and after.isalpha():
            continue  # an apostrophe (don't, l’eau)
        # By position only, so that the policy's own output is read the same way (idempotence);
        # a single quote before a digit is an elision (’99), not an opening quote.
        opens = before in _OPENS_AFTER and not after.isspace()
        if kind == "′" and after.isdecimal():
            opens = False
        if opens:
            close(kind)  # an earlier quotation of this kind, closed by its prime
            is_open[kind] = True
        elif not before.isspace():  # a real closing quote: primes inside were measures
            is_open[kind] = False
            candidates[kind] = []
    close("″")
    close("′")
    return sorted(found)


def quote_primes(text: str, policy: TypographyPolicy = DEFAULT_POLICY) -> tuple[str, Counter[str]]:
    """``text`` with every prime that closes a quotation written as the policy's closing quote,
    and the count of each change (e.g. ``primes closing a quotation ″→" x1``).

    A ″ (′) is such a prime when it directly follows a digit, an opening double (single) quote
    opened a quotation earlier in the same paragraph (paragraphs end at blank lines), no
    closing quote of that kind ends the quotation (before the next opening quote of that kind
    or the paragraph's end), and the prime is not part of a compound measure (5′ 10″,
    45° 30′ 15″). Quotes are told by position, whatever their shape (so that the policy's own
    output reads the same): a double (“ ” „ ‟ ``"``) or single (‘ ’ ‚ ‛ ``'``) quote opens at
    the start, after a space or an opening bracket, before a non-space (a single quote not
    before a digit: ’99 is an elision); else it closes, unless a space precedes it; a single
    quote between two letters is an apostrophe. One prime closes a quotation: the first of its
    candidates followed by punctuation, a quote or the paragraph's end, else its first one.
    ``"Top 10″ list`` → ``"Top 10" list``; ``5′ 10″ tall``, ``a 12″ pizza`` and
    ``‘between 5′ and 6′ here’`` are unchanged. Every other character is kept; idempotent.
    """
    counts: Counter[str] = Counter()
    if "″" not in text and "′" not in text:
        return text, counts
    found = _closing_primes(text)
    if not found:
        return text, counts
    double = '"' if policy.double_quotes == "straight" else "”"
    single = "'" if policy.apostrophe == "straight" else "’"
    chars = list(text)
    for pos in found:
        quote = double if chars[pos] == "″" else single
        counts[f"primes closing a quotation {chars[pos]}→{quote}"] += 1
        chars[pos] = quote
    return "".join(chars), counts


def _prose(text: str, policy: TypographyPolicy, counts: Counter[str]) -> str:
    """The policy applied to prose only (no markup in ``text``); ``counts`` gets the changes."""
    if "″" in text or "′" in text:
        text, primes = quote_primes(text, policy)
        counts.update(primes)
    if policy.apostrophe == "straight":
        found = [(char, n) for char in _CURLY_SINGLE if (n := text.count(char))]
        for char, n in found:
            counts[f"apostrophes {char}→'"] += n
        for char, _ in found:  # str.replace: str.translate maps char by char in Python
            text = text.replace(char, "'")
    elif "'" in text:
        text, n = _APOSTROPHE_RE.subn("’", text)
        counts["apostrophes '→’"] += n

    if policy.double_quotes == "straight":
        found = [(char, n) for char in _CURLY_DOUBLE if (n := text.count(char))]
        for char, n in found:
            counts[f'double quotes {char}→"'] += n
        for char, _ in found:
            text = text.replace(char, '"')
    elif '"' in text:

        def curl(match: re.Match[str]) -> str:
            start = match.start()
            before = text[start - 1] if start else " "
            after = text[start + 1] if start + 1 < len(text) else " "
            quote = "“" if before in _OPENS_AFTER and not after.isspace() else "”"
            counts[f'double quotes "→{quote}'] += 1
            return quote

        text = _STRAIGHT_DOUBLE_RE.sub(curl, text)
        if "″" in text or "′" in text:
            # curled quotes can open a quotation the straight ones did not (``"'a5′``):
            # judged again, as the next pass would
            text, primes = quote_primes(text, policy)
            counts.update(primes)

    if "«" in text or "»" in text:
        space = _GUILLEMET_SPACES[policy.guillemet_space]
        name = _SPACE_NAMES[space]

        def opening(match: re.Match[str]) -> str:
            if match.group() != "«" + space:
                counts[f"guillemet spaces → {name}"] += 1
            return "«" + space

        text = _OPEN_GUILLEMET_RE.sub(opening, text)
        closes = _closing_guillemets(text)

        def closing(match: re.Match[str]) -> str:
            if match.end() - 1 not in closes:
                return match.group()  # no « open before it: a separator (``Blog » Archive``)
            if match.group() != space + "»":
                counts[f"guillemet spaces → {name}"] += 1
            return space + "»"

        text = _CLOSE_GUILLEMET_RE.sub(closing, text)
    return text


def normalize_typography(
    text: str, policy: TypographyPolicy = DEFAULT_POLICY
) -> tuple[str, list[Edit]]:
    """Apply ``policy`` to the prose of ``text`` (see the module docstring for the rules).

    Idempotent: ``normalize_typography(normalize_typography(t)[0])`` returns its input and no
    edits. Markup spans (shortcode/HTML open tags with attributes) are not touched. One
    ``Edit(EditKind.TYPOGRAPHY, ...)`` per kind of change with its count, e.g. ``apostrophes ’→' x12``.
    """
    counts: Counter[str] = Counter()
    new = _outside_markup(text, lambda part: _prose(part, policy, counts))
    edits = [Edit(EditKind.TYPOGRAPHY, f"{kind} x{n}") for kind, n in counts.items() if n]
    return new, edits
