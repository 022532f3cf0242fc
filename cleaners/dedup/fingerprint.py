"""Fingerprints of a batch of cleaned documents: language, exact-text hash, MinHash signature.

Pipeline, vectorised over the batch: detect each document's language, group the batch by
language and translate each group into English tokens with one backend call, keep the
content tokens (stop words of English and of the source language removed, one-letter words
dropped, numbers kept), turn each document's set of tokens into 64-bit hashes (xxh3), and
compute all MinHash signatures with one call. The shingles are *bags of translated words*
(unigrams): word order differs across languages and a lexical translation is not fluent,
so word n-grams would rarely survive translation (see docs/dedup.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import xxhash

from cleaners.dedup.config import DEFAULT_FINGERPRINT, FingerprintConfig
from cleaners.dedup.minhash import minhash_signatures
from cleaners.lang.langid import UND, detect_languages
from cleaners.lang.tokens import (
    american_spelling,
    common_english,
    is_content,
    normalize_for_hash,
    scan_words,
    word_set,
    words,
)
from cleaners.translate.base import PIVOT, Translator, WordByWordTranslator
from cleaners.translate.embedded import EmbeddedTranslator


@dataclass
class Fingerprints:
    """Per-document fingerprints of a batch, in input order."""

    langs: list[str]
    signatures: np.ndarray  # (n, num_perm) uint32
    text_hashes: list[str]  # hex xxh3-128 of the normalised cleaned text: the `exact` key
    shingle_counts: np.ndarray  # (n,) int64: number of distinct shingles (for containment)


def text_hash(text: str) -> str:
    """Hex xxh3-128 of `normalize_for_hash(text)`: equal for texts that differ only in case,
    Unicode compatibility forms or whitespace."""
    return xxhash.xxh3_128_hexdigest(normalize_for_hash(text).encode("utf-8"))


def shingles(tokens: Sequence[str], ngram: int = 1) -> set[str]:
    """The distinct shingles of a token list: the tokens themselves for ``ngram == 1``,
    else the space-joined runs of ``ngram`` consecutive tokens (the tokens themselves when
    the list is shorter than ``ngram``).
    """
    if ngram <= 1 or len(tokens) < ngram:
        return set(tokens)
    return {" ".join(tokens[i : i + ngram]) for i in range(len(tokens) - ngram + 1)}


def hash_shingles(shingle_sets: Sequence[set[str]], seed: int = 0) -> list[np.ndarray]:
    """64-bit xxh3 hashes of each set of shingles, one sorted uint64 array per set.

    Guarantees: the same shingle always gets the same hash (whatever the batch); each
    distinct shingle of the batch is hashed once.
    """
    cache: dict[str, int] = {}
    out: list[np.ndarray] = []
    h = xxhash.xxh3_64_intdigest
    for s in shingle_sets:
        vals = []
        for sh in s:
            v = cache.get(sh)
            if v is None:
                v = cache[sh] = h(sh.encode("utf-8"), seed)
            vals.append(v)
        out.append(np.sort(np.fromiter(vals, dtype=np.uint64, count=len(vals))))
    return out


def translate_batch(
    texts: Sequence[str], langs: Sequence[str], translator: Translator
) -> list[list[str]]:
    """English tokens of every text, translating each language group in one backend call.

    Guarantees: same length and order as ``texts``; ``'und'`` documents and languages the
    backend does not translate go through the backend as their own language (their own
    folded tokens).
    """
    groups: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        groups.setdefault(lang, []).append(i)
    out: list[list[str]] = [[] for _ in texts]
    for lang, idx in groups.items():
        translated = translator.translate([texts[i] for i in idx], lang)
        for i, toks in zip(idx, translated, strict=True):
            out[i] = toks
    return out


@lru_cache(maxsize=256)
def _token_filter(lang: str, config: FingerprintConfig) -> Callable[[str], str | None]:
    """What `document_shingles` does to one translated token of a ``lang`` document: the
    token in American spelling, or None when it is dropped (a stop word of English or of
    ``lang``, shorter than ``config.min_token_len``, or one of the common English words)."""
    content = is_content((PIVOT,) if lang in (PIVOT, UND) else (PIVOT, lang), config.min_token_len)
    common = common_english(config.drop_common)

    def keep(token: str) -> str | None:
        (token,) = american_spelling((token,))
        return token if token not in common and content(token) else None

    return keep


def word_translation(translator: WordByWordTranslator,
                     config: FingerprintConfig) -> Callable[[str, str], str]:
    """How the fingerprint translates one word: ``translator.translate_word``, except that with
    ``config.compound_heads`` a compound its lexicon lacks is translated by its head (the
    backend's ``head_of``, `cleaners.translate.compounds`) when the backend has one."""
    head_of = getattr(translator, "head_of", None) if config.compound_heads else None
    if head_of is None:
        return translator.translate_word

    def translate_word(token: str, lang: str) -> str:
        head = head_of(token, lang)
        return head if head is not None else translator.translate_word(token, lang)

    return translate_word


def document_shingles(
    texts: Sequence[str], langs: Sequence[str], config: FingerprintConfig, translator: Translator
) -> list[set[str]]:
    """The shingle set of every text: translated (one backend call per language), British
    spellings made American, content tokens only (stop words of English and of the source
    language, one-letter words and the ``config.drop_common`` most frequent English content
    lemmas removed; numbers kept), then `shingles` of ``config.ngram`` tokens.

    With bags of words (``ngram == 1``) and a `WordByWordTranslator`, each distinct
    (language, word) of the batch is translated and filtered once; the sets are the same.

    Guarantees: same length and order as ``texts``; an empty set for a text without content.
    """
    if config.ngram == 1 and isinstance(translator, WordByWordTranslator):
        return _bags_word_by_word(texts, langs, config, translator)
    if isinstance(translator, WordByWordTranslator):
        translate = word_translation(translator, config)
        translated = [[translate(t, lang) for t in words(text)]
                      for text, lang in zip(texts, langs, strict=True)]
    else:
        translated = translate_batch(texts, langs, translator)
    filters: dict[str, Callable[[str], str | None]] = {}
    sets = []
    for toks, lang in zip(translated, langs, strict=True):
        keep = filters.get(lang) or filters.setdefault(lang, _token_filter(lang, config))
        kept = [k for k in map(keep, toks) if k is not None]
        sets.append(shingles(kept, config.ngram))
    return sets


class WordMemo:
    """What a translator made of each (config, language, word): its content token
    (`tokens`), and the values callers derive from it (`table`: the shingle or its hash, the
    sketch code); a worker that fingerprints many batches translates each distinct word once.

    Owned by the caller (one per translator) and passed to `fingerprint_batch`; emptied at
    the start of a batch (`trim`) when its tables hold more than ``max_words`` entries
    together (a word has up to three: token, shingle hash, sketch code), and at its end
    (`fingerprint_and_sketch`, `sentence_sketches`); during one only past four times that, so
    that the sentence sketches find the words the shingles translated (a review: emptied
    between the two passes of a batch of 1.6 M distinct words, it made them translate 3.2 M
    words). It holds at most four times ``max_words`` entries and the words of one text (a
    second review: 4.5 M entries, 628 MB, were kept after a text of 9 M characters of
    distinct words). Results never depend on it, only speed does.
    """

    def __init__(self, max_words: int = 3_000_000) -> None:
        self.max_words = max_words
        self._seen: dict[tuple[FingerprintConfig, str, bool | str], dict[str, Any]] = {}

    def _empty_past(self, entries: int) -> None:
        if sum(map(len, self._seen.values())) > entries:
            self._seen.clear()

    def trim(self) -> None:
        """Empty the memo when its tables hold more than ``max_words`` entries together."""
        self._empty_past(self.max_words)

    def table(self, config: FingerprintConfig, lang: str, hashed: bool | str) -> dict[str, Any]:
        """The word -> shingle table for one config and language (made empty if new; the
        whole memo emptied first when it holds more than four times ``max_words`` entries);
        ``hashed``: False for shingle strings, True for their hashes, or the name of another
        kind of value a caller keeps per word (e.g. ``"sketch"``)."""
        self._empty_past(4 * self.max_words)
        return self._seen.setdefault((config, lang, hashed), {})

    def tokens(self, words: Iterable[str], lang: str, config: FingerprintConfig,
               translator: WordByWordTranslator) -> dict[str, str | None]:
        """The content token of each of ``words`` (a ``lang`` word translated as the
        fingerprint translates it, `word_translation`, then filtered as `document_shingles`
        filters it: None when dropped), each distinct word translated once for this memo:
        the shingles and the sentence sketches (`cleaners.dedup.sketch`) share them."""
        table = self.table(config, lang, "token")
        missing = [w for w in words if w not in table]
        if missing:
            keep = _token_filter(lang, config)
            translate = word_translation(translator, config)
            for word in missing:
                table[word] = keep(translate(word, lang))
        return table


def _bags_word_by_word(
    texts: Sequence[str], langs: Sequence[str], config: FingerprintConfig,
    translator: WordByWordTranslator, hashed: bool = False, memo: WordMemo | None = None,
    scans: list[list[str]] | None = None,
) -> list[set[Any]]:
    """`document_shingles` for bags of words: one translation per distinct (language, word);
    with ``hashed``, each shingle is replaced by its `hash_shingles` hash (an int). With
    ``scans`` (a list), each text's words come from `scan_words` (the same distinct words),
    and its ordered words with sentence ends are appended to ``scans``."""
    memo = memo if memo is not None else WordMemo()
    hash64 = xxhash.xxh3_64_intdigest
    sets = []
    for text, lang in zip(texts, langs, strict=True):
        seen = memo.table(config, lang, hashed)
        if scans is None:
            distinct = word_set(text)
        else:
            found, distinct = scan_words(text)
            scans.append(found)
        try:
            bag = set(map(seen.__getitem__, distinct))
        except KeyError:  # words this worker has not met yet in this language
            missing = distinct.difference(seen)
            tokens = memo.tokens(missing, lang, config, translator)
            for word in missing:
                shingle = tokens[word]
                seen[word] = hash64(shingle.encode("utf-8"), 0) if hashed and shingle is not None else shingle
            bag = set(map(seen.__getitem__, distinct))
        bag.discard(None)
        sets.append(bag)  # type: ignore[arg-type]
    return sets


def fingerprint_batch(
    texts: Sequence[str],
    lang_hints: Sequence[str | None] | None = None,
    config: FingerprintConfig = DEFAULT_FINGERPRINT,
    translator: Translator | None = None,
    langs: Sequence[str] | None = None,
    memo: WordMemo | None = None,
    *,
    word_scans: list[list[str]] | None = None,
) -> Fingerprints:
    """Language, exact-text hash and MinHash signature of every text of a batch.

    ``langs`` (optional) skips language detection with known codes; ``translator``
    defaults to the embedded lexicon (other backends are built by the caller, see
    `flows.backends.get_translator`); ``memo`` (optional, one per translator) keeps word
    translations across batches. ``word_scans`` (optional, a list): when the shingles are
    made word by word (bags of words, a `WordByWordTranslator`), each text's ordered words
    with ``""`` at sentence ends (`cleaners.lang.tokens.scan_words`) are appended to it, from
    the scan that found its words (the same signatures; what
    `cleaners.dedup.align.fingerprint_and_sketch` makes the sentence sketches from);
    otherwise it is left as it is.

    Guarantees: outputs in input order, ``signatures`` is ``(len(texts), config.num_perm)``
    uint32; deterministic for a given config and backend; a document with no content
    token gets the all-``0xFFFFFFFF`` signature and ``shingle_counts`` 0 (it must not be
    matched on its signature); translations of the same story share many shingles, so
    their signatures agree on many slots.
    """
    if langs is None:
        langs = detect_languages(texts, lang_hints)
    langs = list(langs)
    if len(langs) != len(texts):
        raise ValueError(f"{len(langs)} languages for {len(texts)} texts")
    if translator is None:
        if config.backend != "embedded":
            raise ValueError(f"fingerprint_batch: pass the {config.backend!r} translator (see flows.backends)")
        translator = EmbeddedTranslator()
    if memo is not None:
        memo.trim()  # at a batch's start (`WordMemo`)
    if config.ngram == 1 and isinstance(translator, WordByWordTranslator):
        hashes = [  # the same as hash_shingles(document_shingles(...)), memoised per word
            np.sort(np.fromiter(bag, dtype=np.uint64, count=len(bag)))
            for bag in _bags_word_by_word(texts, langs, config, translator, hashed=True, memo=memo,
                                          scans=word_scans)
        ]
    else:
        hashes = hash_shingles(document_shingles(texts, langs, config, translator))
    signatures = minhash_signatures(hashes, num_perm=config.num_perm, seed=config.seed)
    counts = np.fromiter((h.size for h in hashes), dtype=np.int64, count=len(hashes))
    return Fingerprints(
        langs=langs,
        signatures=signatures,
        text_hashes=[text_hash(t) for t in texts],
        shingle_counts=counts,
    )
