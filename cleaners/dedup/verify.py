"""Verification of `match`'s candidates against the history clusters, vectorised.

A history candidate only proposes its cluster: the new document is compared with that
cluster's canonical (MinHash Jaccard, or estimated containment) and the pair passes when the
similarity reaches its threshold (``threshold`` within a language, ``xl_threshold`` across).
These comparisons do not depend on the order in which the new documents are placed, so they
are all made here, before the (sequential) placement.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cleaners.dedup.candidates import Candidates, row_ranges
from cleaners.dedup.config import CHUNK_ROWS, MatchConfig
from cleaners.dedup.minhash import containment_estimate, jaccard_estimate
from cleaners.dedup.model import Sides


class Verdicts(NamedTuple):
    """The (new row, history cluster) pairs proposed by history candidates, sorted by new
    row then cluster: ``cluster[j]`` and the similarity ``sim[j]`` of the row with its
    canonical (-1.0 where certainly below the pair's threshold); new row ``i``'s pairs are
    ``lo[i]:hi[i]``."""

    cluster: np.ndarray
    sim: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (a sort, not NumPy's hash-based ``unique``, which is
    slow on the many small arrays of the verification loop)."""
    out = np.sort(values)
    if out.size > 1:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out


def _estimate(
    sides: Sides, a: np.ndarray, b: np.ndarray, canons: np.ndarray, docs: np.ndarray
) -> np.ndarray:
    """Similarity of signature rows ``a`` (of the history rows ``canons``) with ``b`` (of the
    new rows ``docs``): Jaccard, or containment with the sides' set sizes."""
    if not sides.containment:
        return jaccard_estimate(a, b)
    return containment_estimate(a, b, sides.hist_sizes[canons], sides.new_sizes[docs])


def verify_pairs(
    sides: Sides, docs: np.ndarray, canons: np.ndarray, new_low: np.ndarray, config: MatchConfig
) -> np.ndarray:
    """Similarity of each (new row ``docs[j]``, history canonical row ``canons[j]``) pair,
    vectorised in chunks; -1.0 where it is certainly below the pair's threshold.

    Guarantees: every value that is not -1.0 is the same float as `jaccard_estimate` (or
    `containment_estimate`) of the full signatures. The low byte of every slot
    (``new_low`` for the new rows) is compared first (slots equal in full are equal there,
    so that estimate is never below the full one, and containment grows with it): a pair
    rejected on it would be rejected in full. Only the canonicals present get a low-byte
    copy (a quarter of their signature, only while verifying).
    """
    out = np.full(docs.size, -1.0)
    if docs.size == 0:
        return out
    m, hist_sigs = sides.m, sides.hist_sigs
    touched = np.zeros(m, dtype=bool)
    touched[canons] = True
    rows8 = np.flatnonzero(touched)
    del touched
    hist8 = np.empty((rows8.size, hist_sigs.shape[1]), dtype=np.uint8)
    for lo in range(0, rows8.size, CHUNK_ROWS):
        hist8[lo : lo + CHUNK_ROWS] = hist_sigs[rows8[lo : lo + CHUNK_ROWS]].astype(np.uint8)
    for lo in range(0, docs.size, CHUNK_ROWS):
        c, d = canons[lo : lo + CHUNK_ROWS], docs[lo : lo + CHUNK_ROWS]
        need = np.where(sides.lang[c] == sides.lang[m + d], config.threshold, config.xl_threshold)
        bound = _estimate(sides, hist8[np.searchsorted(rows8, c)], new_low[d], c, d)
        ok = np.flatnonzero(bound >= need)
        if ok.size:
            c, d = c[ok], d[ok]
            out[lo + ok] = _estimate(sides, hist_sigs[c], sides.new_sigs[d], c, d)
    return out


def history_verdicts(
    sides: Sides, cands: Candidates, hist_cluster: np.ndarray, hist_canon: np.ndarray,
    new_low: np.ndarray, config: MatchConfig,
) -> Verdicts:
    """Verify every (new row, history cluster) pair proposed by a history candidate against
    the cluster's canonical (`verify_pairs`). ``hist_cluster``: cluster number of every
    history row; ``hist_canon``: canonical row of every history cluster number (see
    `cleaners.dedup.model.history_clusters`).

    Guarantees: each (row, cluster) pair once, however many of the cluster's members are
    candidates of the row.
    """
    from_hist = cands.pos < sides.m
    span = max(hist_canon.size, 1)
    pair_code = sorted_distinct(cands.row[from_hist] * span + hist_cluster[cands.pos[from_hist]])
    del from_hist
    docs, clusters = pair_code // span, pair_code % span  # sorted by document, then cluster
    del pair_code
    sims = verify_pairs(sides, docs, hist_canon[clusters], new_low, config)
    return Verdicts(clusters, sims, *row_ranges(docs, len(sides.new)))
