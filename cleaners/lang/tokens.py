"""Tokenising, folding, lemmatising and stop-word lists for fingerprinting.

Everything here is deterministic and language-aware but dictionary-light: the word
splitter is a regular expression, lemmas come from simplemma's bundled dictionaries and
stop words from stopwordsiso. Nothing is downloaded.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from importlib import resources

import simplemma
import stopwordsiso
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    SUPPORTED_LANGUAGES,
    DictionaryFactory,
)

# A number written with thousands separators: 3,000 / 3.000 / 3 000 (also NBSP, NNBSP,
# thin space, apostrophe as in Swiss 3'000). Collapsed to its digits before splitting.
# (The leading lookahead only lets the regex engine skip to digits fast.)
_THOUSANDS = re.compile(r"(?=\d)(?<![\d.,])\d{1,3}(?:[,.\u00a0\u202f\u2009 '’]\d{3})+(?![\d])")
_SEP = re.compile(r"[,.\u00a0\u202f\u2009 '’]")
# What any match of _THOUSANDS contains: texts without it are not rewritten (a faster scan).
_THOUSANDS_HINT = re.compile(r"\d[,.\u00a0\u202f\u2009 '’]\d\d\d")
# A word: letters (any script) with inner hyphens kept apart, or a run of digits.
_WORD = re.compile(r"[^\W\d_]+|\d+")
# A run of word characters: a word, or words of both kinds (or with "_") run together.
_WORD_RUN = re.compile(r"\w+")
# The end of a sentence: a line break, or . ! ? ; … (and a closing quote or bracket) before
# white space or the end of the text.
_SENTENCE_END = re.compile(r"[.!?;…][\"”»’)\]]?(?=\s|$)|\n")

#: Languages whose lemmas simplemma can look up (its bundled dictionaries).
LEMMA_LANGS: frozenset[str] = frozenset(SUPPORTED_LANGUAGES)


def words(text: str) -> list[str]:
    """The word tokens of ``text`` in order, case kept.

    Guarantees: a token is either a run of letters (any script) or a run of digits;
    punctuation, apostrophes and hyphens split tokens (``l'homme`` -> ``l``, ``homme``);
    a number written with thousands separators (``3,000``, ``3 000``, ``3.000``) becomes
    one token of its digits (``3000``), so it matches across locales.
    """
    return _WORD.findall(_join_thousands(text))


def _join_thousands(text: str) -> str:
    if _THOUSANDS_HINT.search(text) is None:
        return text
    return _THOUSANDS.sub(lambda m: _SEP.sub("", m.group(0)), text)


def word_set(text: str) -> set[str]:
    """``set(words(text))``, the same set, found faster: runs of word characters first
    (one simple regular expression), then only the runs that mix letters with digits or
    ``_`` are split as `words` splits them."""
    found = set(_WORD_RUN.findall(_join_thousands(text)))
    mixed = [run for run in found if not (run.isalpha() or run.isdecimal())]
    if mixed:
        found.difference_update(mixed)
        for run in mixed:
            found.update(_WORD.findall(run))
    return found


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order, without their final punctuation: split at line
    breaks and at ``. ! ? ; …`` (and a closing quote or bracket) before white space or the
    end of the text. Guarantees: no empty or all-space item; every word of ``text`` is in
    one item, in order."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and not s.isspace()]


#: What `words_and_sentence_ends` puts where a sentence ends.
SENTENCE_END = "\x00"
#: A run of word characters (captured), or a sentence end (not captured: ``""`` in findall).
_RUN_OR_BREAK = re.compile(rf"(\w+)|{_SENTENCE_END.pattern}")


def scan_words(text: str) -> tuple[list[str], set[str]]:
    """The words of ``text`` in order with ``""`` where a sentence ends, and the set of its
    distinct words, from one scan of the text (one regular expression finds the runs of word
    characters and the sentence ends; only runs that mix letters with digits or ``_`` are
    split again, as `word_set` splits them).

    Guarantees: the list is `words_and_sentence_ends` with ``""`` for `SENTENCE_END` (so,
    without the ``""``, ``words(text)``); the set is ``word_set(text)``, without ``""``."""
    spaced = text.replace(SENTENCE_END, " ") if SENTENCE_END in text else text
    found = _RUN_OR_BREAK.findall(_join_thousands(spaced))
    distinct = set(found)
    distinct.discard("")
    mixed = [run for run in distinct if not (run.isalpha() or run.isdecimal())]
    if mixed:
        split = {run: _WORD.findall(run) for run in mixed}
        distinct.difference_update(mixed)
        for parts in split.values():
            distinct.update(parts)
        out: list[str] = []
        add, extend = out.append, out.extend
        for run in found:
            parts = split.get(run)
            if parts is None:
                add(run)
            else:
                extend(parts)
        found = out
    if spaced is not text:  # a NUL is a space for the sentences, not for `word_set`
        distinct = word_set(text)
    return found, distinct


def words_and_sentence_ends(text: str) -> list[str]:
    """`words` of ``text`` in order, with `SENTENCE_END` where a sentence ends (a line break,
    or ``. ! ? ; …`` and a closing quote or bracket before white space or the end), found in
    one scan. Guarantees: without the marks, the list is ``words(text)`` (a sentence end is
    never inside a word; thousands separators are joined over the whole text first, a NUL
    in the text counting as a space)."""
    return [run or SENTENCE_END for run in scan_words(text)[0]]


@lru_cache(maxsize=200_000)
def fold(token: str) -> str:
    """``token`` lower-cased with diacritics removed (``Élection`` -> ``election``, ß -> ss).

    Guarantees: idempotent; the result contains no combining marks.
    """
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_number(token: str) -> bool:
    """True when ``token`` is made of digits only."""
    return token.isdigit()


class Lemmatizer:
    """simplemma's lemmas, memoised per instance.

    ``dictionaries`` is the simplemma ``DictionaryFactory`` to read (None: simplemma's own
    default, which decodes each language's dictionary into a dict on first use: seconds and
    hundreds of MB for the largest). A factory serving simplemma's shipped data, such as its
    ``TrieDictionaryFactory`` (memory-mapped tries loaded in milliseconds, see
    `flows.backends.lemma_cache`), gives the same lemmas: only load time and memory differ.
    Callers that lemmatise (translators, promo detection) take one as a parameter and default
    to `DEFAULT_LEMMATIZER`.
    """

    def __init__(self, dictionaries: DictionaryFactory | None = None, memo_size: int = 400_000) -> None:
        self._simplemma = None if dictionaries is None else simplemma.Lemmatizer(
            lemmatization_strategy=DefaultStrategy(dictionary_factory=dictionaries))
        self.simplemma_lemma = lru_cache(maxsize=memo_size)(self._lookup)

    def _lookup(self, token: str, lang: str) -> str:
        """simplemma's lemma of ``token`` in ``lang`` (case as simplemma returns it); the token
        itself for a language simplemma does not support."""
        try:
            if self._simplemma is None:
                return simplemma.lemmatize(token, lang)
            return self._simplemma.lemmatize(token, lang)
        except ValueError:  # unsupported language
            return token

    def lemma(self, token: str, lang: str) -> str:
        """`lemmatize` of one token."""
        if lang not in LEMMA_LANGS:
            return token.lower()
        return token if token.isdigit() else self.simplemma_lemma(token, lang).lower()

    def lemmatize(self, tokens: Iterable[str], lang: str) -> list[str]:
        """The lemma of each token (simplemma), lower-cased; tokens it does not know come back
        lower-cased.

        Guarantees: same length and order as ``tokens``; numbers unchanged; for a language
        simplemma does not support, the lower-cased tokens.
        """
        return [self.lemma(t, lang) for t in tokens]


#: The lemmatizer of callers that are given none (simplemma's default dictionaries). Never
#: replaced: a process that wants other dictionaries makes its own `Lemmatizer` and passes it.
DEFAULT_LEMMATIZER = Lemmatizer()


def simplemma_lemma(token: str, lang: str) -> str:
    """`Lemmatizer.simplemma_lemma` of `DEFAULT_LEMMATIZER`."""
    return DEFAULT_LEMMATIZER.simplemma_lemma(token, lang)


def lemmatize(tokens: Iterable[str], lang: str) -> list[str]:
    """`Lemmatizer.lemmatize` of `DEFAULT_LEMMATIZER`."""
    return DEFAULT_LEMMATIZER.lemmatize(tokens, lang)


def lemma(token: str, lang: str) -> str:
    """`Lemmatizer.lemma` of `DEFAULT_LEMMATIZER`."""
    return DEFAULT_LEMMATIZER.lemma(token, lang)


@lru_cache(maxsize=128)
def stopwords(lang: str, folded: bool = True) -> frozenset[str]:
    """Stop words of ``lang`` (stopwordsiso), lower-cased, and with ``folded`` also without
    diacritics; empty when the language has no list.
    """
    if not stopwordsiso.has_lang(lang):
        return frozenset()
    base = frozenset(w.lower() for w in stopwordsiso.stopwords(lang))
    return base | {fold(w) for w in base} if folded else base


def is_content(langs: Iterable[str] = ("en",), min_len: int = 2) -> Callable[[str], bool]:
    """A predicate: True for a token that is not a stop word of any of ``langs`` and has at
    least ``min_len`` characters; numbers are always content (strong evidence), whatever
    their length."""
    stop: frozenset[str] = frozenset().union(*(stopwords(lang) for lang in langs))
    return lambda t: t.isdigit() or (len(t) >= min_len and t not in stop)


def content_tokens(tokens: Sequence[str], langs: Iterable[str] = ("en",), min_len: int = 2) -> list[str]:
    """``tokens`` without stop words of any of ``langs`` and without one-letter words.

    Guarantees: order kept; numbers are always kept (they are strong evidence), whatever
    their length.
    """
    return list(filter(is_content(langs, min_len), tokens))


def normalize_for_hash(text: str) -> str:
    """The text reduced to what makes two copies "the same text": NFKC, case-folded,
    whitespace runs collapsed to one space, trimmed.

    Guarantees: idempotent; differences only in case, Unicode compatibility forms or
    whitespace vanish; any change of a letter, digit or punctuation mark is kept.
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=1)
def _spelling_table() -> dict[str, str]:
    path = resources.files("cleaners").joinpath("data", "lexicon", "_en_spelling.tsv.gz")
    if not path.is_file():
        return {}
    table: dict[str, str] = {}
    for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            british, _, american = line.partition("\t")
            if british and american:
                table[british] = american
    return table


def american_spelling(tokens: Iterable[str]) -> list[str]:
    """Folded English tokens with British spellings replaced by American ones
    (``organisation`` -> ``organization``, ``labour`` -> ``labor``), from the table shipped in
    ``cleaners/data/lexicon/_en_spelling.tsv.gz`` (built by ``scripts/build_lexicon.py``).

    Guarantees: same length and order; a token not in the table is unchanged; idempotent.
    """
    table = _spelling_table()
    return [table.get(t, t) for t in tokens]


@lru_cache(maxsize=1)
def _common_ranked() -> tuple[str, ...]:
    path = resources.files("cleaners").joinpath("data", "lexicon", "_en_common.txt.gz")
    if not path.is_file():
        return ()
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    return tuple(w for w in lines if w and not w.startswith("#"))


@lru_cache(maxsize=16)
def common_english(k: int) -> frozenset[str]:
    """The ``k`` most frequent English content lemmas (folded, American spelling, as
    `american_spelling` writes them), from ``cleaners/data/lexicon/_en_common.txt.gz``
    (built by ``scripts/build_lexicon.py --common-only`` from wordfreq).

    Guarantees: ``common_english(k) <= common_english(k + 1)``; never holds a number, a
    one-letter word or an English stop word (those are handled elsewhere); empty for
    ``k <= 0``; at most as many words as the shipped list holds. Raises FileNotFoundError
    when ``k > 0`` and the list is not installed (fingerprints would silently change).
    """
    if k <= 0:
        return frozenset()
    ranked = _common_ranked()
    if not ranked:
        raise FileNotFoundError("cleaners/data/lexicon/_en_common.txt.gz is missing or empty")
    return frozenset(ranked[:k])
