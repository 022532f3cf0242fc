"""The default translation backend: word-by-word lookup in a lexicon shipped with the package.

Works after ``pip install`` alone, offline. For a document in language ``L`` each word is
lemmatised (simplemma), looked up in ``cleaners/data/lexicon/L.tsv.gz`` (source lemma ->
English lemma, built by ``scripts/build_lexicon.py`` from packages only) and replaced by
its English lemma. A word the lexicon does not know (a name, a number, an acronym, a rare
word) passes through as its folded lemma (lower-case, no diacritics): names, numbers and
many cognates are then equal across languages. English text goes through the same
lemmatise-and-fold steps, so both sides meet in the same vocabulary.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer, fold, words
from cleaners.translate.base import PIVOT
from cleaners.translate.compounds import compound_head


def _lexicon_dir() -> Traversable:
    return resources.files("cleaners").joinpath("data", "lexicon")


@lru_cache(maxsize=1)
def lexicon_languages() -> frozenset[str]:
    """Languages with a shipped lexicon (files ``cleaners/data/lexicon/<lang>.tsv.gz``; files
    starting with ``_`` are other tables)."""
    root = _lexicon_dir()
    if not root.is_dir():
        return frozenset()
    return frozenset(
        p.name.removesuffix(".tsv.gz")
        for p in root.iterdir()
        if p.name.endswith(".tsv.gz") and not p.name.startswith("_")
    )


@lru_cache(maxsize=64)
def load_lexicon(lang: str) -> dict[str, str]:
    """The shipped ``lang`` -> English lexicon: lower-case source lemma (diacritics kept)
    -> folded English lemma. Empty when no lexicon ships for ``lang``.

    Guarantees: values are non-empty, lower-case, without diacritics; lines starting with
    ``#`` in the file are comments.
    """
    if lang not in lexicon_languages():
        return {}
    data = _lexicon_dir().joinpath(f"{lang}.tsv.gz").read_bytes()
    table: dict[str, str] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        src, _, dst = line.partition("\t")
        if src and dst:
            table[src] = dst
    return table


class EmbeddedTranslator:
    """Lexicon lookup into English; see the module docstring."""

    name = "embedded"

    def __init__(self, lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER) -> None:
        self.lemmatizer = lemmatizer

    def languages(self) -> frozenset[str]:
        """Languages with a shipped lexicon."""
        return lexicon_languages() - {PIVOT}

    def translate_word(self, token: str, lang: str) -> str:
        """The English lemma of one ``lang`` word: the lexicon's entry for its lemma (or for
        the word itself), else its folded lemma; a number is kept as is."""
        lemma = self.lemmatizer.lemma(token, lang)
        hit = self._entry(lemma, token, lang)
        return hit if hit is not None else fold(lemma)

    def lookup(self, token: str, lang: str) -> str | None:
        """The lexicon's entry for one ``lang`` word (for its lemma, else for the word
        itself), or None: what `translate_word` returns when the lexicon knows the word."""
        return self._entry(self.lemmatizer.lemma(token, lang), token, lang)

    def head_of(self, token: str, lang: str) -> str | None:
        """The English lemma of the head of a ``lang`` compound the lexicon lacks
        (`cleaners.translate.compounds.compound_head` of its lemma); None when the lexicon
        knows ``token``, or it is no such compound."""
        lemma = self.lemmatizer.lemma(token, lang)
        if self._entry(lemma, token, lang) is not None:
            return None
        return compound_head(lemma, lang, self.lookup)

    def _entry(self, lemma: str, token: str, lang: str) -> str | None:
        table = load_lexicon(lang) if lang != PIVOT else {}
        if not table:
            return None
        hit = table.get(lemma)
        return hit if hit is not None else table.get(token.lower())

    def translate(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        """English tokens of each text, in document order, lower-case, without diacritics.

        Guarantees: same length as ``texts``; deterministic; each word is
        `translate_word` of it; for English or a language without lexicon, the text's own
        folded lemmas.
        """
        return [[self.translate_word(tok, lang) for tok in words(text)] for text in texts]
