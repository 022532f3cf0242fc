"""The token form every backend hands back: folded lemmas, so that both sides meet.

A translation backend's English output and an English original must land in the same
vocabulary: ``countries`` (an English text, or Apertium's output) and ``country`` (a dictionary
headword) are the same evidence. Like the embedded backend, the optional backends therefore
return each token as its lemma (simplemma), lower-cased, without diacritics
(`cleaners.lang.tokens.fold`); numbers stay digits.
"""

from __future__ import annotations

from collections.abc import Sequence

from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer, fold, words
from cleaners.translate.base import PIVOT


def pivot_tokens(tokens: Sequence[str], lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER) -> list[str]:
    """English ``tokens`` as folded English lemmas (``Countries`` -> ``country``).

    Guarantees: same length and order; numbers unchanged; idempotent on its own output for
    words simplemma maps to themselves.
    """
    return [fold(lem) for lem in lemmatizer.lemmatize(tokens, PIVOT)]


def own_tokens(text: str, lang: str, lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER) -> list[str]:
    """The tokens of ``text`` untranslated: folded lemmas in ``lang`` (what a backend returns
    for English, and for a language it does not translate).

    Guarantees: one token per word of `cleaners.lang.tokens.words`, in order.
    """
    return [fold(lem) for lem in lemmatizer.lemmatize(words(text), lang)]
