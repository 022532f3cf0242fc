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
        table = load_lexicon(lang) if lang != PIVOT else {}
        if table:
            hit = table.get(lemma)
            if hit is None:
                hit = table.get(token.lower())
            if hit is not None:
                return hit
        return fold(lemma)

    def translate(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        """English tokens of each text, in document order, lower-case, without diacritics.

        Guarantees: same length as ``texts``; deterministic; each word is
        `translate_word` of it; for English or a language without lexicon, the text's own
        folded lemmas.
        """
        return [[self.translate_word(tok, lang) for tok in words(text)] for text in texts]
