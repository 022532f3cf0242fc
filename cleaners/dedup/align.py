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
and navigation alone. `passes_second_signal` combines the two (in one compiled call: what
`cleaners.dedup.matcher.match` asks of each grey-zone pair that decides a placement);
`judge_pairs` applies it to a list of pairs.

The sketches themselves (`SentenceSketch`, `SketchBatch`, `sentence_sketches`,
`fingerprint_and_sketch`) are made in `cleaners.dedup.sketch` and re-exported here. Pure: no
I/O, no state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numba
import numpy as np

from cleaners.dedup.sketch import (
    EMPTY_SKETCH,
    MAX_SENTENCES,
    MAX_TOKENS,
    SentenceSketch,
    SketchBatch,
    fingerprint_and_sketch,
    is_weak,
    sentence_sketches,
    sketch_from_sets,
    token_hash,
)

__all__ = [
    "EMPTY_SKETCH", "MAX_SENTENCES", "MAX_TOKENS", "OrderedShare", "SentenceSketch",
    "SketchBatch", "evidence", "fingerprint_and_sketch", "is_weak", "judge_pairs",
    "ordered_share", "passes_arrays", "passes_second_signal", "sentence_sketches", "sketch_from_sets",
    "token_hash",
]


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


#: Sentence pairs (``len(a) * len(b)``) up to which `_ordered_weight` counts the tokens each
#: pair shares in a matrix (sketches hold at most `MAX_SENTENCES`, 80: 6,400 cells) rather
#: than in one code per (token, sentence of a, sentence of b), sorted: 80 sentences sharing
#: the same 1,000 tokens made 6.4 M codes, 26 M at the caps (210 MB and 1.2 s a pair; a
#: review, 2026-12-06).
_MATRIX_MAX_CELLS = 1 << 20


@numba.njit(cache=True, nogil=True)
def _chain(j, w, tree, n_b):  # pragma: no cover
    """The best chain ending with a sentence pair of weight ``w`` whose sentence of ``b`` is
    ``j`` (pairs come by sentence of ``a``), ``tree`` (a Fenwick
    tree of prefix maxima over the sentences of ``b``) updated with it."""
    best, x = 0, j  # max over sentences of b before j (Fenwick positions 1..j)
    while x > 0:
        best = max(best, tree[x])
        x -= x & -x
    best += w
    x = j + 1
    while x <= n_b:
        tree[x] = max(tree[x], best)
        x += x & -x
    return best


@numba.njit(cache=True, nogil=True)
def _shared_pairs(tok_a, sent_a, tok_b, sent_b, n_b, weight, code):  # pragma: no cover
    """Each (token, sentence of a, sentence of b) the two sides share, from their entries
    sorted by token: counted in ``weight`` (a sentences-of-a × sentences-of-b matrix) when it
    has rows, else written to ``code`` (``sentence of a * n_b + n_b - 1 - sentence of b``)
    while it has room; returns how many there are."""
    k, p, q = 0, 0, 0
    while True:
        p, p1, q, q1 = _next_shared(tok_a, tok_b, p, q)
        if p == tok_a.size:
            return k
        for i in range(p, p1):
            for j in range(q, q1):
                if weight.shape[0]:
                    weight[sent_a[i], sent_b[j]] += 1
                elif k < code.size:
                    code[k] = sent_a[i] * n_b + (n_b - 1 - sent_b[j])  # j decreasing within i
                k += 1
        p, q = p1, q1


@numba.njit(cache=True, nogil=True)
def _ordered_weight(tok_a, sent_a, tok_b, sent_b, n_b):  # pragma: no cover
    """The largest total of shared evidence tokens over order-preserving one-to-one sentence
    pairings, from the entries (token, sentence) of both sides sorted by token: the sentence
    pairs that share tokens, weighted by how many, then a maximum-weight chain increasing in
    both sentences (pairs taken by sentence of ``a``, decreasing sentence of ``b`` within it,
    with a Fenwick tree of prefix maxima over the sentences of ``b``). The weights are counted
    in a matrix when it has at most `_MATRIX_MAX_CELLS` cells, else as sorted codes; the same
    pairs, weights and order either way."""
    n_a = 0
    for s in sent_a:
        n_a = max(n_a, s + 1)
    tree = np.zeros(n_b + 1, dtype=np.int64)
    best_all = 0
    no_code = np.empty(0, dtype=np.int64)
    if n_a * n_b <= _MATRIX_MAX_CELLS:
        weight = np.zeros((n_a, n_b), dtype=np.int64)
        _shared_pairs(tok_a, sent_a, tok_b, sent_b, n_b, weight, no_code)
        for i in range(n_a):
            for j in range(n_b - 1, -1, -1):
                if weight[i, j]:
                    best_all = max(best_all, _chain(j, weight[i, j], tree, n_b))
        return best_all
    no_weight = np.zeros((0, n_b), dtype=np.int64)
    total = _shared_pairs(tok_a, sent_a, tok_b, sent_b, n_b, no_weight, no_code)  # counted
    code = np.empty(total, dtype=np.int64)
    _shared_pairs(tok_a, sent_a, tok_b, sent_b, n_b, no_weight, code)
    code.sort()
    r = 0
    while r < total:
        c, w = code[r], 0
        while r < total and code[r] == c:
            w += 1
            r += 1
        best_all = max(best_all, _chain(n_b - 1 - c % n_b, w, tree, n_b))
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


@numba.njit(cache=True, nogil=True)
def _strong(offsets, values):  # pragma: no cover
    """``(tokens, sentences, distinct)`` of a sketch: its evidence-token entries sorted by
    token then sentence (`SentenceSketch.strong_entries`), and its distinct evidence tokens
    (`SentenceSketch.strong_tokens`), as int64."""
    count = 0
    for v in values:
        count += (v & 1) == 0
    code = np.empty(count, dtype=np.int64)
    k = 0
    for i in range(offsets.size - 1):
        for p in range(offsets[i], offsets[i + 1]):
            v = np.int64(values[p])
            if (v & 1) == 0:
                code[k] = (v << 31) | i
                k += 1
    code.sort()
    tokens = code >> 31
    sentences = code & 0x7FFFFFFF
    distinct = np.empty(count, dtype=np.int64)
    d = 0
    for p in range(count):
        if d == 0 or distinct[d - 1] != tokens[p]:
            distinct[d] = tokens[p]
            d += 1
    return tokens, sentences, distinct[:d]


@numba.njit(cache=True, nogil=True)
def passes_arrays(off_a, val_a, off_b, val_b, min_order_share, min_evidence):  # pragma: no cover
    """`passes_second_signal` of two sketches given by their arrays (``offsets``, ``values``),
    in one compiled call, for Python and compiled callers (`cleaners.dedup.second_signal`):
    the same tokens, counts and floating-point operations as `evidence` and `ordered_share`."""
    tok_a, sent_a, distinct_a = _strong(off_a, val_a)
    tok_b, sent_b, distinct_b = _strong(off_b, val_b)
    smaller = min(distinct_a.size, distinct_b.size)
    if smaller == 0 or _common(distinct_a, distinct_b) < min_evidence * smaller:
        return False
    shared = min(_common(tok_a, distinct_b), _common(tok_b, distinct_a))
    if shared == 0:
        return min_order_share <= 0.0
    weight = _ordered_weight(tok_a, sent_a, tok_b, sent_b, off_b.size - 1)
    return min(1.0, weight / shared) >= min_order_share


def passes_second_signal(
    a: SentenceSketch, b: SentenceSketch, min_order_share: float, min_evidence: float
) -> bool:
    """The second verification signal of a cross-lingual pair in the grey zone (see
    `cleaners.dedup.config.MatchConfig`): an order-preserving sentence alignment accounts for
    at least ``min_order_share`` of the evidence tokens the documents share (`ordered_share`),
    and they share at least ``min_evidence`` of the smaller document's distinct evidence
    tokens (`evidence`). Guarantees: symmetric; False when either sketch has no evidence
    token; the verdict of `evidence` and `ordered_share` themselves, computed in one compiled
    call (the evidence entries of both sketches are sorted there, not kept)."""
    return bool(passes_arrays(a.offsets, a.values, b.offsets, b.values, float(min_order_share),
                        float(min_evidence)))


#: What `cleaners.dedup.matcher.match` asks for the second signal: the sketches of these
#: documents (by ``doc_id``, in order; None for one whose text is not available), as a
#: sequence or, when every one is there, as one `SketchBatch` (what `match` packs them into).
SketchSource = Callable[[Sequence[str]], "Sequence[SentenceSketch | None] | SketchBatch"]


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
