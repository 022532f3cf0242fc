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
from functools import cached_property
from typing import NamedTuple

import numba
import numpy as np
import xxhash

from cleaners.dedup.config import DEFAULT_FINGERPRINT, FingerprintConfig
from cleaners.dedup.fingerprint import WordMemo, _token_filter, document_shingles
from cleaners.lang.tokens import SENTENCE_END, split_sentences, words_and_sentence_ends
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

    @cached_property
    def strong_tokens(self) -> np.ndarray:
        """The distinct evidence (not weak) token values, sorted."""
        return np.unique(self.values[(self.values & 1) == 0])

    @cached_property
    def strong_entries(self) -> tuple[np.ndarray, np.ndarray]:
        """``(token, sentence)`` of every evidence-token entry, sorted by token then sentence."""
        sentence = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))
        strong = (self.values & 1) == 0
        order = np.lexsort((sentence[strong], self.values[strong]))
        return self.values[strong][order].astype(np.int64), sentence[strong][order]

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


#: Word-table values of `_sketch_word_by_word` that are not token hashes.
_DROPPED, _END = -1, -2


def _sketch_word_by_word(
    text: str, lang: str, config: FingerprintConfig, translator: WordByWordTranslator,
    memo: WordMemo, max_sentences: int,
) -> SentenceSketch:
    """`sentence_sketches` of one text with a word-by-word translator, vectorised: the words
    and sentence ends in one scan, each distinct word's `token_hash` (or `_DROPPED` when it is
    no content token) kept in ``memo``, then the sentences' distinct sorted values in NumPy."""
    table = memo.table(config, lang, "sketch")
    found = words_and_sentence_ends(text)
    if not found:
        return EMPTY_SKETCH
    missing = set(found).difference(table)
    if missing:
        keep = _token_filter(lang, config)
        for word in missing:
            if word == SENTENCE_END:
                table[word] = _END
                continue
            token = keep(translator.translate_word(word, lang))
            table[word] = _DROPPED if token is None else token_hash(token)
    vals = np.fromiter(map(table.__getitem__, found), dtype=np.int64, count=len(found))
    sentence = np.cumsum(vals == _END)
    kept = vals >= 0
    if not kept.any():
        return EMPTY_SKETCH
    code = np.unique((sentence[kept] << 32) | vals[kept])  # by sentence, then value; distinct
    sent, values = code >> 32, (code & 0xFFFFFFFF).astype(np.uint32)
    starts = np.flatnonzero(np.concatenate(([True], sent[1:] != sent[:-1])))
    ends = np.append(starts[1:], sent.size)
    if starts.size > max_sentences:
        starts, ends = starts[:max_sentences], ends[:max_sentences]
        values = values[: ends[-1]]
    lengths = np.minimum(ends - starts, MAX_TOKENS)
    if (lengths < ends - starts).any():  # a sentence over MAX_TOKENS keeps its lowest values
        values = np.concatenate([values[a : a + n] for a, n in zip(starts.tolist(), lengths.tolist(), strict=True)])
    offsets = np.zeros(lengths.size + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return SentenceSketch(offsets, values)


def evidence(a: SentenceSketch, b: SentenceSketch) -> int:
    """Minimum-evidence count: the distinct tokens ``a`` and ``b`` share that are not weak
    (not numbers, month or weekday names, web-page chrome: `is_weak`).

    Guarantees: symmetric; ``0`` when either sketch is empty; at most the number of distinct
    evidence tokens of either document (within the sketches' sentence cap)."""
    return int(_common(a.strong_tokens.astype(np.int64), b.strong_tokens.astype(np.int64)))


class OrderedShare(NamedTuple):
    """The result of `ordered_share`.

    ``shared``: the smaller of the two documents' counts of (sentence, evidence token)
    incidences whose token also occurs in the other document; ``share``: the part of them an
    order-preserving one-to-one sentence alignment accounts for (0 when ``shared`` is 0)."""

    share: float
    shared: int


@numba.njit(cache=True, nogil=True)
def _common(x, y):  # pragma: no cover
    """How many values of the sorted ``x`` (repeats counted) occur in the sorted ``y``."""
    p, q, count = 0, 0, 0
    while p < x.size and q < y.size:
        if x[p] == y[q]:
            count += 1
            p += 1
        elif x[p] < y[q]:
            p += 1
        else:
            q += 1
    return count


@numba.njit(cache=True, nogil=True)
def _next_shared(tok_a, tok_b, p, q):  # pragma: no cover
    """From positions ``p``, ``q`` of the sorted ``tok_a``, ``tok_b``: the ranges
    ``[p, p1)`` and ``[q, q1)`` of the next token in both (``p == tok_a.size`` when none)."""
    while p < tok_a.size and q < tok_b.size:
        if tok_a[p] < tok_b[q]:
            p += 1
        elif tok_a[p] > tok_b[q]:
            q += 1
        else:
            t, p1, q1 = tok_a[p], p, q
            while p1 < tok_a.size and tok_a[p1] == t:
                p1 += 1
            while q1 < tok_b.size and tok_b[q1] == t:
                q1 += 1
            return p, p1, q, q1
    return tok_a.size, tok_a.size, tok_b.size, tok_b.size


@numba.njit(cache=True, nogil=True)
def _ordered_weight(tok_a, sent_a, tok_b, sent_b, n_b):  # pragma: no cover
    """The largest total of shared evidence tokens over order-preserving one-to-one sentence
    pairings, from the entries (token, sentence) of both sides sorted by token: the sentence
    pairs that share tokens, weighted by how many, then a maximum-weight chain increasing in
    both sentences (pairs taken by sentence of ``a``, decreasing sentence of ``b`` within it,
    with a Fenwick tree of prefix maxima over the sentences of ``b``)."""
    total, p, q = 0, 0, 0
    while True:  # count the pairs first
        p, p1, q, q1 = _next_shared(tok_a, tok_b, p, q)
        if p == tok_a.size:
            break
        total += (p1 - p) * (q1 - q)
        p, q = p1, q1
    if total == 0:
        return 0
    code = np.empty(total, dtype=np.int64)
    k, p, q = 0, 0, 0
    while True:
        p, p1, q, q1 = _next_shared(tok_a, tok_b, p, q)
        if p == tok_a.size:
            break
        for i in range(p, p1):
            for j in range(q, q1):
                code[k] = sent_a[i] * n_b + (n_b - 1 - sent_b[j])  # j decreasing within i
                k += 1
        p, q = p1, q1
    code.sort()
    tree = np.zeros(n_b + 1, dtype=np.int64)
    best_all = 0
    r = 0
    while r < total:
        c, w = code[r], 0
        while r < total and code[r] == c:
            w += 1
            r += 1
        j = n_b - 1 - c % n_b
        best, x = 0, j  # max over sentences of b before j (Fenwick positions 1..j)
        while x > 0:
            best = max(best, tree[x])
            x -= x & -x
        best += w
        best_all = max(best_all, best)
        x = j + 1
        while x <= n_b:
            tree[x] = max(tree[x], best)
            x += x & -x
    return best_all


def ordered_share(a: SentenceSketch, b: SentenceSketch) -> OrderedShare:
    """How much of what two documents share lies in sentences that correspond in order.

    A translation shares its words with the original sentence by sentence, in order (a
    condensed one, with a subsequence of the sentences), however few words the lexicon
    translates; two stories on one topic share names and topic words spread over sentences
    that do not correspond. Only evidence tokens count (not numbers, dates or page chrome).

    Guarantees: symmetric; ``0 <= share <= 1``; ``share == 1`` for a document with itself or
    with a subsequence of its sentences; ``shared`` is 0 when the documents share no evidence
    token; cost grows with the (sentence, sentence) pairs that share a token, not with all
    pairs of sentences."""
    tok_a, sent_a = a.strong_entries
    tok_b, sent_b = b.strong_entries
    if tok_a.size == 0 or tok_b.size == 0:
        return OrderedShare(0.0, 0)
    shared = min(int(_common(tok_a, b.strong_tokens.astype(np.int64))),
                 int(_common(tok_b, a.strong_tokens.astype(np.int64))))
    if shared == 0:
        return OrderedShare(0.0, 0)
    weight = int(_ordered_weight(tok_a, sent_a, tok_b, sent_b, len(b)))
    return OrderedShare(min(1.0, weight / shared), shared)


def passes_second_signal(
    a: SentenceSketch, b: SentenceSketch, min_order_share: float, min_evidence: float
) -> bool:
    """The second verification signal of a cross-lingual pair in the grey zone (see
    `cleaners.dedup.config.MatchConfig`): an order-preserving sentence alignment accounts for
    at least ``min_order_share`` of the evidence tokens the documents share (`ordered_share`),
    and they share at least ``min_evidence`` of the smaller document's distinct evidence
    tokens (`evidence`). Guarantees: symmetric; False when either sketch has no evidence token."""
    smaller = min(a.strong_tokens.size, b.strong_tokens.size)
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
