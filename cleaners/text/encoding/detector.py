"""ftfy's mojibake detector, answered fast: `is_bad` and `needs_ftfy`.

ftfy's own detector (``ftfy.badness.is_bad``) is one big regular expression that runs at about
2 MB/s. The functions here give exactly its answer, but first check, from the set of non-ASCII
characters a text contains, which alternatives of that expression could match at all, and then
search only for those; most clean text is cleared without a regex search.
"""

from __future__ import annotations

import re
from functools import cache

from ftfy.badness import BADNESS_RE

from cleaners.text import regex_tree

__all__ = ["is_bad", "needs_ftfy"]

_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
_SURROGATES = frozenset(map(chr, range(0xD800, 0xE000)))


@cache
def _branches() -> tuple[tuple[tuple[frozenset[str], ...], re.Pattern[str]], ...]:
    """ftfy's detector split into its alternatives.

    For each alternative: the character classes it needs from outside ASCII (one character of
    each must occur in a text for the alternative to match there), and the alternative compiled
    alone. Derived from ``ftfy.badness.BADNESS_RE`` itself, so it follows ftfy's version; if
    it cannot be split, the whole detector (exact, but slower).
    """
    try:
        return tuple(
            (alt.required, re.compile(alt.source)) for alt in regex_tree.alternatives(BADNESS_RE)
        )
    except ValueError:  # another ftfy or Python version
        return (((), BADNESS_RE),)


@cache
def _branch_masks() -> tuple[
    dict[str, int], frozenset[str], tuple[tuple[int, re.Pattern[str]], ...]
]:
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


def needs_ftfy(text: str) -> bool:
    """True exactly when ftfy (with `FTFY_CONFIG`) could change ``text``.

    Guarantees: equal to ``ftfy.badness.is_bad(text)`` or a surrogate code point being present
    (tested against ftfy on the eval cases and on WMT text, clean and with mojibake), but much
    faster on clean text: ASCII is ruled out at once, and of ftfy's ~37 alternatives only those
    whose non-ASCII characters all occur in the text are searched.
    """
    if text.isascii():
        return False
    present = _non_ascii(text)
    return not present.isdisjoint(_SURROGATES) or _searched_bad(text, present)


def is_bad(text: str) -> bool:
    """Guarantees: the same answer as ``ftfy.badness.is_bad(text)``, decided as `needs_ftfy`
    does (only the alternatives whose non-ASCII characters all occur in the text are
    searched)."""
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
