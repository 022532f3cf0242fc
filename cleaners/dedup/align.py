"""A second check for cross-lingual duplicates: order-preserving sentence alignment.

A translation shares its words with the original sentence by sentence and in order; a
condensed translation keeps a subsequence of the sentences; two different stories on one
topic share names and topic words spread over sentences that do not correspond.
`sentence_sketches` keeps, per document, its ordered sentences as sorted arrays of 32-bit
hashes of the same translated content tokens as the MinHash shingles
(`cleaners.dedup.fingerprint`); `ordered_share` finds how much of what two documents share
an order-preserving one-to-one sentence alignment accounts for (a dynamic programme compiled
with numba); `evidence` counts the distinct tokens they share that are neither numbers, month
or weekday names nor web-page chrome (``WEAK_TOKENS``): a short text must not pass on dates
and navigation alone. `passes_second_signal` combines the two; `judge_pairs` applies it to
the grey-zone pairs `cleaners.dedup.matcher.match` asks about.

Layout of a sketch: ``offsets`` (``n + 1`` int32) and ``values`` (uint32), sentence ``i``
being ``values[offsets[i]:offsets[i + 1]]``, sorted and distinct. The lowest bit of a value
says whether the token is weak (1) or evidence (0); the other 31 bits are the low bits of
the token's xxh3-64 hash. Pure: no I/O, no state beyond the caller's memo.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

import numba
import numpy as np
import xxhash

from cleaners.dedup.config import DEFAULT_FINGERPRINT, FingerprintConfig
from cleaners.dedup.fingerprint import WordMemo, _token_filter, document_shingles
from cleaners.lang.tokens import sentence_word_sets, split_sentences
from cleaners.translate.base import Translator, WordByWordTranslator

#: Sentences kept per document: the first ``MAX_SENTENCES`` non-empty ones (a duplicate shows
#: itself in its first 80 sentences; the cap bounds the sketch and the alignment's cost).
MAX_SENTENCES = 80
#: Tokens kept per sentence at most: the lowest hash values (a bottom-k sample, the same
#: tokens on both sides of a pair), so a sentence's length fits the sketch's uint16 field.
MAX_TOKENS = 4096

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun"
#: Navigation, sharing and legal vocabulary of web pages, and ordinal suffixes: words any two
#: pages can share whatever their story.
_CHROME = (
    "st nd rd th am pm gmt utc cet "
    "home homepage menu search login logout log sign signup register subscribe subscription "
    "newsletter contact share facebook twitter instagram youtube linkedin pinterest whatsapp "
    "telegram tiktok xing reddit email mail print rss feed cookie cookies privacy policy "
    "copyright reserved terms imprint disclaimer comment comments reply password username "
    "account skip navigation next previous prev top back page click follow tag tags category "
    "categories archive archives blog post posts download app www http https com org net html php"
)
#: The translated (English) tokens that are no evidence that two documents tell one story:
#: month and weekday names (and their abbreviations), web-page chrome. Numbers are weak too
#: (`is_weak`).
WEAK_TOKENS: frozenset[str] = frozenset(f"{_MONTHS} {_WEEKDAYS} {_CHROME}".split())

def is_weak(token: str) -> bool:
    """True for a translated token that is no evidence on its own: a number (digits only) or
    one of ``WEAK_TOKENS``."""
    return token.isdigit() or token in WEAK_TOKENS


def token_hash(token: str) -> int:
    """The sketch value of one translated token: the low 31 bits of its xxh3-64 hash (seed 0,
    as the MinHash shingles), shifted left, with the lowest bit set when `is_weak`.

    Guarantees: deterministic; equal tokens get equal values; ``value & 1`` is `is_weak`."""
    return ((xxhash.xxh3_64_intdigest(token.encode("utf-8"), 0) & 0x7FFFFFFF) << 1) | is_weak(token)


@dataclass(frozen=True)
class SentenceSketch:
    """One document's ordered sentences as sorted arrays of `token_hash` values.

    ``offsets``: ``(n + 1,)`` int32, ``offsets[0] == 0``; ``values``: uint32, sentence ``i``
    being ``values[offsets[i]:offsets[i + 1]]`` (sorted, distinct, never empty)."""

    offsets: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.offsets.size - 1)

    def sentence(self, i: int) -> np.ndarray:
        """The sorted token values of sentence ``i``."""
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def tokens(self, weak: bool = True) -> np.ndarray:
        """The document's distinct token values, sorted (without the weak ones unless
        ``weak``)."""
        vals = np.unique(self.values)
        return vals if weak else vals[(vals & 1) == 0]


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


#: The sketch of a text without content (read-only arrays: shared, never changed).
EMPTY_SKETCH = SentenceSketch(_frozen(np.zeros(1, dtype=np.int32)), _frozen(np.zeros(0, dtype=np.uint32)))


def sketch_from_sets(sentences: Sequence[set[str]], max_sentences: int = MAX_SENTENCES) -> SentenceSketch:
    """The sketch of a document given as the translated content-token set of each sentence,
    in order: empty sets are skipped, then the first ``max_sentences`` kept, each sentence
    as the sorted distinct `token_hash` values of its tokens (at most ``MAX_TOKENS``, the
    lowest)."""
    arrays = []
    for s in sentences:
        if not s:
            continue
        vals = np.unique(np.fromiter(map(token_hash, s), dtype=np.uint32, count=len(s)))
        arrays.append(vals[:MAX_TOKENS])
        if len(arrays) == max_sentences:
            break
    if not arrays:
        return EMPTY_SKETCH
    offsets = np.zeros(len(arrays) + 1, dtype=np.int32)
    np.cumsum([a.size for a in arrays], out=offsets[1:])
    return SentenceSketch(offsets, np.concatenate(arrays))


def sentence_sketches(
    texts: Sequence[str],
    langs: Sequence[str],
    config: FingerprintConfig = DEFAULT_FINGERPRINT,
    translator: Translator | None = None,
    memo: WordMemo | None = None,
    max_sentences: int = MAX_SENTENCES,
) -> list[SentenceSketch]:
    """The `SentenceSketch` of every text of a batch, ``langs`` being their languages (as
    `fingerprint_batch` detected them).

    Each sentence (`split_sentences`) becomes the set of its translated content tokens,
    exactly as `cleaners.dedup.fingerprint.document_shingles` makes a document's bag of words
    (unigrams whatever ``config.ngram``; same translation, stop words, common words dropped).
    With a `WordByWordTranslator` each distinct (language, word) is translated and hashed
    once, through ``memo`` (one per translator, shared with `fingerprint_batch`).

    Guarantees: same length and order as ``texts``; deterministic for a config and backend;
    at most ``max_sentences`` sentences per sketch; a text without content gets an empty
    sketch."""
    if translator is None:
        from cleaners.translate.embedded import EmbeddedTranslator

        translator = EmbeddedTranslator()
    if config.ngram != 1:
        config = dataclasses.replace(config, ngram=1)
    if not isinstance(translator, WordByWordTranslator):
        split = [split_sentences(t) for t in texts]
        flat = [s for sents in split for s in sents]
        flat_langs = [lang for sents, lang in zip(split, langs, strict=True) for _ in sents]
        sets = document_shingles(flat, flat_langs, config, translator)
        out, start = [], 0
        for sents in split:
            out.append(sketch_from_sets(sets[start : start + len(sents)], max_sentences))
            start += len(sents)
        return out
    memo = memo if memo is not None else WordMemo()
    return [_sketch_word_by_word(text, lang, config, translator, memo, max_sentences)
            for text, lang in zip(texts, langs, strict=True)]


def _sketch_word_by_word(
    text: str, lang: str, config: FingerprintConfig, translator: WordByWordTranslator,
    memo: WordMemo, max_sentences: int,
) -> SentenceSketch:
    """`sentence_sketches` of one text with a word-by-word translator: each distinct word's
    `token_hash` (or None when it is no content token) is kept in ``memo``."""
    values = memo.table(config, lang, "sketch")
    sentences: list[list[int]] = []
    for distinct in sentence_word_sets(text):
        try:
            vals = set(map(values.__getitem__, distinct))
        except KeyError:  # words this memo has not met yet in this language
            keep = _token_filter(lang, config)
            for word in distinct.difference(values):
                token = keep(translator.translate_word(word, lang))
                values[word] = None if token is None else token_hash(token)
            vals = set(map(values.__getitem__, distinct))
        vals.discard(None)
        if vals:
            sentences.append(sorted(vals)[:MAX_TOKENS])  # type: ignore[type-var]
            if len(sentences) == max_sentences:
                break
    if not sentences:
        return EMPTY_SKETCH
    offsets = np.zeros(len(sentences) + 1, dtype=np.int32)
    np.cumsum([len(v) for v in sentences], out=offsets[1:])
    flat = np.fromiter(chain.from_iterable(sentences), dtype=np.uint32, count=int(offsets[-1]))
    return SentenceSketch(offsets, flat)


def evidence(a: SentenceSketch, b: SentenceSketch) -> int:
    """Minimum-evidence count: the distinct tokens ``a`` and ``b`` share that are not weak
    (not numbers, month or weekday names, web-page chrome: `is_weak`).

    Guarantees: symmetric; ``0`` when either sketch is empty; at most the number of distinct
    evidence tokens of either document (within the sketches' sentence cap)."""
    if a.values.size == 0 or b.values.size == 0:
        return 0
    return int(_shared_strong(np.sort(a.values), np.sort(b.values)))


@numba.njit(cache=True, nogil=True)
def _shared_strong(x, y):  # pragma: no cover
    """Distinct even values common to the sorted arrays ``x`` and ``y`` (repeats allowed)."""
    p, q, count, last = 0, 0, 0, -1
    while p < x.size and q < y.size:
        u, v = x[p], y[q]
        if u == v:
            if (u & 1) == 0 and u != last:
                count += 1
            last = u
            p += 1
            q += 1
        elif u < v:
            p += 1
        else:
            q += 1
    return count


class OrderedShare(NamedTuple):
    """The result of `ordered_share`.

    ``shared``: the smaller of the two documents' counts of (sentence, evidence token)
    incidences whose token also occurs in the other document; ``share``: the part of them an
    order-preserving one-to-one sentence alignment accounts for (0 when ``shared`` is 0)."""

    share: float
    shared: int


@numba.njit(cache=True, nogil=True)
def _ordered_weight(a_off, a_val, b_off, b_val):  # pragma: no cover
    """The largest total of shared evidence tokens over order-preserving one-to-one sentence
    pairings (a dynamic programme over sentence pairs, each intersected by a sorted merge)."""
    m = a_off.size - 1
    n = b_off.size - 1
    prev = np.zeros(n + 1, dtype=np.int64)
    cur = np.zeros(n + 1, dtype=np.int64)
    for i in range(m):
        a0, a1 = a_off[i], a_off[i + 1]
        for j in range(n):
            p, q, b1 = a0, b_off[j], b_off[j + 1]
            w = 0
            while p < a1 and q < b1:
                x, y = a_val[p], b_val[q]
                if x == y:
                    w += (x & 1) == 0
                    p += 1
                    q += 1
                elif x < y:
                    p += 1
                else:
                    q += 1
            best = max(prev[j + 1], cur[j])
            if w > 0 and prev[j] + w > best:
                best = prev[j] + w
            cur[j + 1] = best
        prev, cur = cur, prev
    return prev[n]


def ordered_share(a: SentenceSketch, b: SentenceSketch) -> OrderedShare:
    """How much of what two documents share lies in sentences that correspond in order.

    A translation shares its words with the original sentence by sentence, in order (a
    condensed one, with a subsequence of the sentences), however few words the lexicon
    translates; two stories on one topic share names and topic words spread over sentences
    that do not correspond. Only evidence tokens count (not numbers, dates or page chrome).

    Guarantees: symmetric; ``0 <= share <= 1``; ``share == 1`` for a document with itself or
    with a subsequence of its sentences; ``shared`` is 0 when the documents share no evidence
    token; cost ``O(len(a) len(b))`` sentence intersections."""
    strong_a = a.values[(a.values & 1) == 0]
    strong_b = b.values[(b.values & 1) == 0]
    if strong_a.size == 0 or strong_b.size == 0:
        return OrderedShare(0.0, 0)
    shared = min(int(np.isin(strong_a, strong_b).sum()), int(np.isin(strong_b, strong_a).sum()))
    if shared == 0:
        return OrderedShare(0.0, 0)
    weight = int(_ordered_weight(a.offsets, a.values, b.offsets, b.values))
    return OrderedShare(min(1.0, weight / shared), shared)


def passes_second_signal(
    a: SentenceSketch, b: SentenceSketch, min_order_share: float, min_evidence: float
) -> bool:
    """The second verification signal of a cross-lingual pair in the grey zone (see
    `cleaners.dedup.config.MatchConfig`): an order-preserving sentence alignment accounts for
    at least ``min_order_share`` of the evidence tokens the documents share (`ordered_share`),
    and they share at least ``min_evidence`` of the smaller document's distinct evidence
    tokens (`evidence`). Guarantees: symmetric; False when either sketch has no evidence token."""
    smaller = min(a.tokens(weak=False).size, b.tokens(weak=False).size)
    if smaller == 0 or evidence(a, b) < min_evidence * smaller:
        return False
    return ordered_share(a, b).share >= min_order_share


#: What `cleaners.dedup.matcher.match` asks for the second signal: the sketches of these
#: documents (by ``doc_id``, in order; None for one whose text is not available).
SketchSource = Callable[[Sequence[str]], Sequence["SentenceSketch | None"]]


def judge_pairs(
    pairs: Sequence[tuple[str, str]], source: SketchSource, cache: dict[str, SentenceSketch | None],
    min_order_share: float, min_evidence: float,
) -> np.ndarray:
    """`passes_second_signal` of each (doc_id, doc_id) pair, the sketches asked of ``source``
    once for all the documents not in ``cache`` (which keeps them). A pair with a document
    whose sketch is not available passes (its similarity alone decides)."""
    missing = sorted({d for pair in pairs for d in pair if d not in cache})
    if missing:
        cache.update(zip(missing, source(missing), strict=True))
    out = np.ones(len(pairs), dtype=bool)
    for k, (x, y) in enumerate(pairs):
        a, b = cache[x], cache[y]
        if a is not None and b is not None:
            out[k] = passes_second_signal(a, b, min_order_share, min_evidence)
    return out
