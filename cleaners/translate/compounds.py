"""Closed compounds a lexicon lacks, translated by their head.

German writes a compound as one word (*Schuldenkrise*, *Sparmaßnahme*,
*Kampagnenfinanzierung*), and no lexicon lists them all: translated word by word, such a word
passes through untranslated and meets nothing in the other language, so a German article and
its translation share fewer shingles than any other pair of languages (docs/dedup.md). German
compounds are right-headed: the last part names what the whole is (a *Schuldenkrise* is a
crisis). The English lemma of the longest final part the lexicon knows then stands for the
word: *Schuldenkrise* → *crisis*, *Kampagnenfinanzierung* → *financing*. The head carries the
lexicon's own mistakes (*Einkaufssucht* → *drug*, the lexicon's word for *Sucht*).
"""

from __future__ import annotations

from collections.abc import Callable

#: Languages whose compounds are written as one right-headed word and whose lexicon ships.
COMPOUNDING_LANGUAGES = frozenset({"de"})
#: Letters of the shortest head taken (shorter suffixes are mostly inflections: -ung, -en).
MIN_HEAD = 4
#: Letters of the shortest first part left before the head.
MIN_MODIFIER = 3


def compound_head(word: str, lang: str, lookup: Callable[[str, str], str | None]) -> str | None:
    """The translation of ``word``'s head: ``lookup`` of its longest suffix of at least
    `MIN_HEAD` letters that follows at least `MIN_MODIFIER` letters and that ``lookup``
    knows, capitalised as a German noun is (the lemmatiser's dictionary needs it); None when
    ``lang`` is not in `COMPOUNDING_LANGUAGES`, ``word`` is not all letters, or no suffix is
    known. ``lookup(part, lang)`` is a lexicon's entry for one word, or None."""
    if lang not in COMPOUNDING_LANGUAGES or not word.isalpha():
        return None
    for start in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
        hit = lookup(word[start:].capitalize(), lang)
        if hit is not None:
            return hit
    return None
