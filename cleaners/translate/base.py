"""The translation-backend interface: documents of one language in, English tokens out.

Every backend turns a batch of documents written in one source language into, for each
document, the list of its tokens in the pivot language (English), lower-cased, in document
order. Tokens a backend cannot translate (names, numbers, acronyms, unknown words) pass through
unchanged: they are strong cross-lingual evidence. Backends never download anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

PIVOT = "en"


@runtime_checkable
class Translator(Protocol):
    """A translation backend."""

    name: str

    def languages(self) -> frozenset[str]:
        """ISO 639-1 codes this backend translates into English (English itself is implied)."""
        ...

    def translate(self, texts: Sequence[str], lang: str) -> list[list[str]]:
        """English tokens of each text (all written in ``lang``), one list per text.

        Guarantees: same length as ``texts``; deterministic; for ``lang`` not in
        `languages()` (or ``lang == "en"``) the text's own tokens are returned.
        """
        ...


@runtime_checkable
class WordByWordTranslator(Translator, Protocol):
    """A backend that translates each word on its own, whatever its context.

    Lets the fingerprint translate each distinct word of a batch once instead of every
    occurrence (`cleaners.dedup.fingerprint.document_shingles`).
    """

    def translate_word(self, token: str, lang: str) -> str:
        """The English token for one word of ``lang`` (a token of `cleaners.lang.tokens.words`).

        Guarantees: ``translate([text], lang)[0] == [translate_word(t, lang) for t in
        words(text)]`` for every text.
        """
        ...
