"""The sequential step of `cleaners.dedup.matcher.match`: placing the new documents, compiled with numba.

New documents are placed one at a time in priority order, and each placement changes what
the next documents are compared with (a document that joins no cluster becomes a
canonical). Written with numpy calls, this loop cost about 150 µs per document in call
overhead alone (15 s of the 22 s `match` took on 100,000 documents); compiled, each
document costs what its comparisons cost.

`place_all` drives the compiled loop (`place`) and breaks its ties by ``doc_id`` (strings,
in Python); `exact_holders` prepares its exact-copy lookup.

Pure: no I/O of its own. numba keeps the compiled code in ``__pycache__`` (``cache=True``),
so only the first call on a machine compiles (a few seconds); `match` imports this module
only when it runs.
"""

from __future__ import annotations

from itertools import chain
from typing import NamedTuple

import numba
import numpy as np

from cleaners.dedup.candidates import Candidates
from cleaners.dedup.config import MatchConfig
from cleaners.dedup.model import Sides
from cleaners.dedup.verify import Verdicts

#: `place` stopped on document ``priority[k]``: two or more clusters pass with the same
#: best similarity, and the tie is broken by ``doc_id`` (strings) in Python.
TIE = -2


@numba.njit(cache=True, nogil=True)
def _similarity(
    sig_a: np.ndarray, sig_b: np.ndarray, containment: bool, size_a: float, size_b: float
) -> float:
    """`cleaners.dedup.minhash.jaccard_estimate` (or `containment_estimate`) of two signatures,
    with the same floating-point operations, so the same float."""
    equal = 0
    for t in range(sig_a.size):
        equal += sig_a[t] == sig_b[t]
    j = equal / sig_a.size
    if not containment:
        return j
    smaller = min(size_a, size_b)
    if smaller <= 0:
        return 0.0
    c = j * (size_a + size_b) / (1.0 + j) / smaller
    return min(max(c, 0.0), 1.0)


@numba.njit(cache=True, nogil=True)
def _second_signal(code: int, known_code: np.ndarray, known_ok: np.ndarray) -> int:
    """The second signal's verdict on a grey-zone pair ``code``: 1 passed, 0 failed, -1 not
    known yet (``known_code`` sorted, ``known_ok`` its verdicts)."""
    j = np.searchsorted(known_code, code)
    if j < known_code.size and known_code[j] == code:
        return 1 if known_ok[j] else 0
    return -1


@numba.njit(cache=True, nogil=True)
def _verdict(
    s: float, need: float, grey_ceiling: float, same_lang: bool, code: int, known_code: np.ndarray,
    known_ok: np.ndarray,
) -> int:
    """Whether a pair at similarity ``s`` passes: 1 yes, 0 no, -1 tentatively (a cross-lingual
    pair in the grey zone whose second signal is not known yet; see `_second_signal`)."""
    if s < need:
        return 0
    if same_lang or s >= grey_ceiling:
        return 1
    return _second_signal(code, known_code, known_ok)


@numba.njit(cache=True, nogil=True)
def _passes(
    c: int, s: float, unknown: bool, tie_clusters: np.ndarray, tie_sims: np.ndarray,
    tie_unknown: np.ndarray, ties: int, best: int, best_sim: float,
) -> tuple[int, int, float]:
    """Record cluster ``c``, which passes at similarity ``s`` (``unknown``: tentatively, its
    second signal not known yet); the new (count, best, its similarity): the first cluster at
    the highest similarity stays the best."""
    tie_clusters[ties] = c
    tie_sims[ties] = s
    tie_unknown[ties] = unknown
    if s > best_sim:
        return ties + 1, c, s
    return ties + 1, best, best_sim


@numba.njit(cache=True, nogil=True)
def place(
    start: int,
    priority: np.ndarray,
    m: int,
    hist_sigs: np.ndarray,
    new_sigs: np.ndarray,
    new_low: np.ndarray,
    containment: bool,
    hist_sizes: np.ndarray,
    new_sizes: np.ndarray,
    lang: np.ndarray,
    threshold: float,
    xl_threshold: float,
    grey_ceiling: float,
    known_code: np.ndarray,
    known_ok: np.ndarray,
    pending: np.ndarray,
    hash_code: np.ndarray,
    first_holder: np.ndarray,
    cluster_of: np.ndarray,
    canon_of: np.ndarray,
    canon_rank: np.ndarray,
    state: np.ndarray,
    c_pos: np.ndarray,
    c_lo: np.ndarray,
    c_hi: np.ndarray,
    h_cluster: np.ndarray,
    h_sim: np.ndarray,
    h_lo: np.ndarray,
    h_hi: np.ndarray,
    stamp: np.ndarray,
    joined: np.ndarray,
    similarity: np.ndarray,
    by_hash: np.ndarray,
    tie_clusters: np.ndarray,
    tie_sims: np.ndarray,
    tie_unknown: np.ndarray,
) -> int:
    """Place the new documents ``priority[start:]`` in order; return ``len(priority)``, or
    `TIE` after writing the passing clusters of the document it stopped on.

    Positions: history ``0..m-1``, new document ``i`` at ``m + i``. For new document ``i``:

    * exact copy: when a document already placed has its ``hash_code`` (``first_holder``,
      history rows filled in beforehand), it joins that document's cluster:
      ``joined[i]`` = that cluster's canonical, ``similarity[i]`` its similarity with it,
      ``by_hash[i]`` = True;
    * otherwise the clusters proposed by its history candidates (``h_cluster[h_lo[i]:h_hi[i]]``,
      verified beforehand: ``h_sim``, -1 when certainly below the threshold) and by its
      candidates among new documents already placed (``c_pos[c_lo[i]:c_hi[i]]`` >= m; each
      cluster compared once, with its canonical) are compared; the most similar cluster
      that reaches the pair's threshold (``threshold`` within a language, ``xl_threshold``
      across) is joined. None: ``i`` founds cluster ``state[0]`` (``joined[i]`` = -1);
    * second signal: a cross-lingual pass below ``grey_ceiling`` counts only if the pair's
      code ``pos * (m + n) + canonical`` is known to pass (``known_code``/``known_ok``); one
      not known yet passes tentatively, and when it decides where the document goes its code
      is appended to ``pending`` (``state[4]`` of them): the caller judges those and runs the
      placement again (judging every tentative pass instead made 6x more pairs to judge on
      the 100,000-document benchmark for 2 fewer rounds, and cost more);
    * re-election: ``canon_rank[c]`` is the index in ``priority`` before which a document
      outranks cluster ``c``'s canonical (`cleaners.dedup.model.priority_order` over the
      canonical and the batch; ``k`` for a cluster founded at ``k``); a document that joins
      ``c`` at a smaller ``k`` becomes its canonical (``canon_of[c]``), and later documents are
      verified against it (a history cluster's precomputed ``h_sim`` is then not used);
    * several clusters at the best similarity: their (cluster, similarity) pairs go to
      ``tie_clusters``/``tie_sims`` (``state[2]`` of them), ``state[3]`` = the index ``k``
      in ``priority`` and `TIE` is returned; the caller places ``i`` and resumes at ``k + 1``.

    ``new_low`` holds the low bytes of ``new_sigs`` (``astype(uint8)``): a new canonical is
    compared on them first, and in full only when that bound reaches the threshold (slots
    equal in full are equal there, so the bound is never below the full similarity).
    ``state[1]`` counts the (document, cluster) pairs compared. ``stamp`` (one slot per
    possible cluster, zero-initialised) marks the clusters already seen for a document.
    """
    n = priority.size
    span = m + n
    for k in range(start, n):
        i = priority[k]
        pos = m + i
        holder = first_holder[hash_code[i]]
        if holder >= 0:
            c = cluster_of[holder]
            canon = canon_of[c]
            cluster_of[pos] = c
            joined[i] = canon
            a = hist_sigs[canon] if canon < m else new_sigs[canon - m]
            size_a = 0.0
            if containment:
                size_a = hist_sizes[canon] if canon < m else new_sizes[canon - m]
            similarity[i] = _similarity(a, new_sigs[i], containment, size_a,
                                        new_sizes[i] if containment else 0.0)
            by_hash[i] = True
            if k < canon_rank[c]:  # more complete than the canonical: re-elected
                canon_of[c] = pos
                canon_rank[c] = k
            continue
        first_holder[hash_code[i]] = pos
        mark = k + 1
        best = -1
        best_sim = -1.0
        ties = 0
        compared = 0
        for j in range(h_lo[i], h_hi[i]):
            c = h_cluster[j]
            stamp[c] = mark
            compared += 1
            canon = canon_of[c]
            need = threshold if lang[canon] == lang[pos] else xl_threshold
            if canon < m:
                s = h_sim[j]
            else:  # re-elected in this batch: compare with the new canonical
                size_a = new_sizes[canon - m] if containment else 0.0
                size_b = new_sizes[i] if containment else 0.0
                s = _similarity(new_sigs[canon - m], new_sigs[i], containment, size_a, size_b)
            verdict = _verdict(s, need, grey_ceiling, lang[canon] == lang[pos], pos * span + canon,
                               known_code, known_ok)
            if verdict != 0:
                ties, best, best_sim = _passes(c, s, verdict < 0, tie_clusters, tie_sims,
                                               tie_unknown, ties, best, best_sim)
        for j in range(c_lo[i], c_hi[i]):
            p = c_pos[j]
            if p < m:
                continue
            c = cluster_of[p]
            if c < 0 or stamp[c] == mark:
                continue
            stamp[c] = mark
            compared += 1
            canon = canon_of[c]
            need = threshold if lang[canon] == lang[pos] else xl_threshold
            size_a = 0.0
            if containment:
                size_a = hist_sizes[canon] if canon < m else new_sizes[canon - m]
            size_b = new_sizes[i] if containment else 0.0
            if canon >= m and _similarity(new_low[canon - m], new_low[i], containment,
                                          size_a, size_b) < need:
                continue  # certainly below: equal slots are equal in their low byte
            a = hist_sigs[canon] if canon < m else new_sigs[canon - m]
            s = _similarity(a, new_sigs[i], containment, size_a, size_b)
            verdict = _verdict(s, need, grey_ceiling, lang[canon] == lang[pos], pos * span + canon,
                               known_code, known_ok)
            if verdict != 0:
                ties, best, best_sim = _passes(c, s, verdict < 0, tie_clusters, tie_sims,
                                               tie_unknown, ties, best, best_sim)
        state[1] += compared
        if best < 0:
            c = state[0]
            state[0] += 1
            cluster_of[pos] = c
            canon_of[c] = pos
            canon_rank[c] = k
            joined[i] = -1
            continue
        at_best = 0
        for t in range(ties):
            if tie_sims[t] == best_sim:
                at_best += 1
        if at_best > 1:
            state[2] = ties
            state[3] = k
            return TIE
        for t in range(ties):
            if tie_clusters[t] == best and tie_unknown[t]:  # joined on a tentative pass
                pending[state[4]] = pos * span + canon_of[best]
                state[4] += 1
        cluster_of[pos] = best
        joined[i] = canon_of[best]
        similarity[i] = best_sim
        if k < canon_rank[best]:
            canon_of[best] = pos
            canon_rank[best] = k
    return n


def exact_holders(sides: Sides, hist_canon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(hash_code, first_holder)`` for `place`: ``hash_code[i]`` numbers the text hash of
    new row ``i`` (equal hashes, equal numbers); ``first_holder[code]`` is the first history
    row holding that hash (the canonicals ``hist_canon`` first, then any row), else -1.

    Guarantees: each history hash is looked up once; only this batch's hashes are kept
    (no dict of the whole history).
    """
    new, hist = sides.new, sides.hist
    hash_number: dict[str, int] = {}
    hash_code = np.fromiter(
        (hash_number.setdefault(h, len(hash_number)) for h in new.text_hashes),
        dtype=np.int64, count=len(new),
    )
    first_holder = np.full(len(hash_number), -1, dtype=np.int64)
    for pos in chain(hist_canon.tolist(), range(sides.m)):
        code = hash_number.get(hist.text_hashes[pos])
        if code is not None and first_holder[code] < 0:
            first_holder[code] = pos
    return hash_code, first_holder


class Placed(NamedTuple):
    """Where `place_all` put each new row ``i``: ``joined[i]``, the canonical position of the
    cluster it joined (-1: it founded one); ``similarity[i]``, its similarity with that
    canonical; ``by_hash[i]``, joined as an exact copy; ``compared``, the (document,
    cluster) pairs compared; ``pending``, the codes of the grey-zone pairs that decided a
    placement without a known second signal (see `place`; empty: the placement is final)."""

    joined: np.ndarray
    similarity: np.ndarray
    by_hash: np.ndarray
    compared: int
    pending: np.ndarray


def _tie_winner(sides: Sides, canon_of: np.ndarray, clusters: np.ndarray) -> int:
    """Of clusters at equal similarity, the one whose canonical has the smallest doc_id."""
    return min(clusters.tolist(), key=lambda c: sides.doc_id(int(canon_of[c])))


def place_all(
    sides: Sides, priority: np.ndarray, new_low: np.ndarray, config: MatchConfig,
    hash_code: np.ndarray, first_holder: np.ndarray, cluster_of: np.ndarray,
    canon_of: np.ndarray, canon_rank: np.ndarray, n_clusters: int, cands: Candidates,
    verdicts: Verdicts, known_code: np.ndarray, known_ok: np.ndarray, grey_ceiling: float,
) -> Placed:
    """Place every new row in ``priority`` order with `place`, breaking its ties.

    ``cluster_of`` (cluster number per position, -1 for new rows), ``canon_of`` (current
    canonical position per cluster number, room for one new cluster per new row) and
    ``canon_rank`` (see `place`) hold the ``n_clusters`` history clusters and are updated in
    place; ``first_holder`` too (see `exact_holders`). ``new_low``: the low bytes of the new
    signatures. ``known_code``/``known_ok``/``grey_ceiling``: the second signal's known verdicts
    and the grey zone's ceiling (see `place`; ``xl_threshold`` for no grey zone).

    Guarantees: every new row is in exactly one cluster; a row joins the most similar
    passing cluster, and among equally similar ones the cluster whose canonical has the
    smallest ``doc_id``; a row that passes none founds a cluster of its own; every cluster's
    canonical is, at the end, its highest-priority member (its history canonical or a new
    row that outranks it).
    """
    n = priority.size
    joined = np.full(n, -1, dtype=np.int64)
    similarity = np.zeros(n, dtype=np.float64)
    by_hash = np.zeros(n, dtype=bool)
    most = int((cands.hi - cands.lo).max() + (verdicts.hi - verdicts.lo).max())
    tie_clusters = np.empty(most, dtype=np.int64)
    tie_sims = np.empty(most, dtype=np.float64)
    tie_unknown = np.zeros(most, dtype=np.bool_)
    pending = np.empty(n, dtype=np.int64)
    state = np.array([n_clusters, 0, 0, 0, 0], dtype=np.int64)
    stamp = np.zeros(n_clusters + n, dtype=np.int64)
    k = 0
    while k < n:
        k = place(
            k, priority, sides.m, sides.hist_sigs, sides.new_sigs, new_low, sides.containment,
            sides.hist_sizes, sides.new_sizes, sides.lang, config.threshold, config.xl_threshold,
            grey_ceiling, known_code, known_ok, pending, hash_code, first_holder, cluster_of,
            canon_of, canon_rank, state, cands.pos, cands.lo, cands.hi, verdicts.cluster,
            verdicts.sim, verdicts.lo, verdicts.hi, stamp, joined, similarity, by_hash,
            tie_clusters, tie_sims, tie_unknown,
        )
        if k != TIE:
            break
        k = int(state[3])
        i = int(priority[k])
        sims = tie_sims[: state[2]]
        c = _tie_winner(sides, canon_of, tie_clusters[: state[2]][sims == sims.max()])
        won = (tie_clusters[: state[2]] == c) & (sims == sims.max())
        if tie_unknown[: state[2]][won].any():
            pending[state[4]] = (sides.m + i) * (sides.m + n) + canon_of[c]
            state[4] += 1
        cluster_of[sides.m + i] = c
        joined[i] = canon_of[c]
        similarity[i] = sims.max()
        if k < canon_rank[c]:
            canon_of[c] = sides.m + i
            canon_rank[c] = k
        k += 1
    return Placed(joined, similarity, by_hash, int(state[1]), pending[: state[4]].copy())
