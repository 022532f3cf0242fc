"""An article's vocabulary, to tell a promo's headline from the article's own lines.

"Shares no content word" means: no word of the line outside the stopword lists (stopwordsiso,
plus a few light verbs), lemmatised with simplemma, equals a lemma of the rest of the article,
and no word of 5+ letters shares its first 5 letters with one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from cleaners.lang.langid import LanguageModel, most_likely_label
from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer, stopwords
from cleaners.text.promos.rules import PROMO_LANGS, plain

__all__ = ["LeftOut", "Vocabulary"]

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

#: Light verbs (by lemma) that stopwordsiso does not list but that carry no topic.
_LIGHT_VERBS = {
    "en": "make take get say said go come give use know see want",
    "fr": "faire pouvoir aller voir devoir prendre mettre donner venir falloir dire",
    "de": "sagen geben sehen lassen stehen machen kommen gehen",
    "es": "hacer decir poder ir ver dar tener",
    "it": "fare potere andare vedere dare dire",
    "pt": "fazer dizer poder ir ver dar ter",
}


@lru_cache(maxsize=16)
def _stopwords(lang: str | None) -> frozenset[str]:
    """stopwordsiso's words and the light verbs of ``lang`` (None: of every promo language)."""
    langs = [lang] if lang else list(PROMO_LANGS)
    words: set[str] = set()
    for code in langs:
        words |= stopwords(code, folded=False)
        words |= set(_LIGHT_VERBS.get(code, "").split())
    return frozenset(words)


def _content_words(text: str, lang: str | None) -> list[str]:
    """The lower-cased words of 3+ letters of ``text`` that are not stopwords."""
    stop = _stopwords(lang)
    out = []
    for w in _WORD.findall(plain(text).lower()):
        for part in re.split(r"['-]", w):
            if len(part) >= 3 and part not in stop:
                out.append(part)
    return out


def _guess_lang(text: str, model: LanguageModel | None) -> str | None:
    """py3langid's language of ``text`` (its first 4,000 characters) when it is a promo
    language, else None; by ``model`` (`cleaners.lang.langid.most_likely_label`), the one
    language id uses (py3langid's own ``classify`` would load a second copy: 0.5-0.7 s a
    process)."""
    code = most_likely_label(text[:4000], model)
    return code if code in PROMO_LANGS else None


class Vocabulary:
    """Content lemmas and 5-letter prefixes of a set of lines, computed lazily.

    ``lang`` is a promo language or None (then the stopwords of every promo language, and
    lemmas in the language py3langid guesses for the lines with ``langid_model``, default
    `cleaners.lang.langid.bundled_model`, English if none), looked up with ``lemmatizer``.
    """

    def __init__(self, lines: Sequence[str], lang: str | None,
                 lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER,
                 langid_model: LanguageModel | None = None) -> None:
        self._lines = lines
        self._lemmatizer = lemmatizer
        self._langid_model = langid_model
        self._lang = lang
        self._words: list[list[str]] | None = None
        self._lemma_lang = lang or "en"
        self._line_keys: list[set[str]] | None = None  # `keys` of each line's content words
        self._lines_with: Counter[str] = Counter()  # how many lines have each key
        self._content = 0  # content words of all the lines

    def _ensure(self) -> list[list[str]]:
        if self._words is None:
            if self._lang is None:
                self._lemma_lang = _guess_lang("\n".join(self._lines), self._langid_model) or "en"
            self._words = [_content_words(line, self._lang) for line in self._lines]
        return self._words

    def keys(self, words: Iterable[str]) -> set[str]:
        """The keys a word is compared by: its lemma, itself, and its 5-letter prefix."""
        stop = _stopwords(self._lang)
        keys: set[str] = set()
        for w in words:
            lemma = self._lemmatizer.simplemma_lemma(w, self._lemma_lang).lower()
            if lemma in stop:
                continue
            keys.add(lemma)
            keys.add(w)
            if len(w) >= 5:
                keys.add("\x00" + w[:5])
        return keys

    def _indexed(self) -> list[set[str]]:
        """Each line's keys, and how many lines have each key, computed once: a text judges
        a line against all the others for each promo line it has (a text of 4,000 "Read
        more" cards took 23 s, each judgment reading every line again)."""
        if self._line_keys is None:
            words = self._ensure()
            self._line_keys = [self.keys(ws) for ws in words]
            for keys in self._line_keys:
                self._lines_with.update(keys)
            self._content = sum(map(len, words))
        return self._line_keys

    def content_count(self, exclude: set[int]) -> int:
        """How many content words the lines have, but for those at the indices ``exclude``."""
        return LeftOut(self, exclude).content_count()

    def unrelated(self, text: str, exclude: set[int]) -> bool:
        """True when ``text`` has content words and none of them occurs elsewhere: in the
        lines but for those at the indices ``exclude``."""
        return LeftOut(self, exclude).unrelated(text)


class LeftOut:
    """Lines a `Vocabulary`'s judgments leave out (the promos found so far), their content
    words and keys counted once each, as they are added: a judgment costs the judged line's
    words, not the lines left out (each judgment counted them all again: 4,000 lists of
    headlines of their own words took 62 s, `benchmarks/linear_time.py`). Nothing is counted
    (nor the vocabulary computed) before the first judgment."""

    def __init__(self, vocab: Vocabulary, lines: Iterable[int] = ()) -> None:
        self._vocab = vocab
        self._lines: set[int] = set()
        self._counted = False
        self._content = 0  # content words of the lines left out, once counted
        self._keys: Counter[str] = Counter()  # how many lines left out have each key
        for i in lines:
            self.add(i)

    def add(self, i: int) -> None:
        """Leave line ``i`` out too (an index out of range, or one already left out, changes
        nothing)."""
        if i in self._lines or not 0 <= i < len(self._vocab._lines):
            return
        self._lines.add(i)
        if self._counted:
            self._count(i)

    def _count(self, i: int) -> None:
        self._content += len(self._vocab._ensure()[i])
        self._keys.update(self._vocab._indexed()[i])

    def _extra(self, also: int | None) -> int | None:
        """``also`` when it is a line not left out, else None; indexes the vocabulary's lines
        (which guesses their language, read by `Vocabulary.keys`) and counts the lines left
        out first."""
        self._vocab._indexed()
        if not self._counted:
            self._counted = True
            for i in self._lines:
                self._count(i)
        if also is None or not 0 <= also < len(self._vocab._lines) or also in self._lines:
            return None
        return also

    def content_count(self, also: int | None = None) -> int:
        """How many content words the lines have, but for those left out and line ``also``."""
        extra = self._extra(also)
        words = self._vocab._ensure()
        return (self._vocab._content - self._content
                - (len(words[extra]) if extra is not None else 0))

    def unrelated(self, text: str, also: int | None = None) -> bool:
        """True when ``text`` has content words and none of them occurs in the lines but for
        those left out and line ``also``."""
        vocab = self._vocab
        extra = self._extra(also)  # first
        mine = vocab.keys(_content_words(text, vocab._lang))
        if not mine:
            return False
        extra_keys = vocab._indexed()[extra] if extra is not None else set()
        return not any(vocab._lines_with[key] > self._keys[key] + (key in extra_keys)
                       for key in mine)
