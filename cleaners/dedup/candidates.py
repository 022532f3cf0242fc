"""Candidate pairs of `match`: the (new document, other document) pairs that share an LSH band.

Two ways to find them: a fresh in-memory `BandIndex` holds only the new documents and the
history is streamed through it in chunks, on threads; any other `BandStore` (a shared index,
e.g. Redis) is given every document and queried with the new ones. Both give the same
history candidates; only the first caps the buckets among the new documents.

With a cap (``max_per_bucket``), a new document keeps at most ``K = bands x max_per_bucket``
history candidates: the most similar ones (equal signature slots), ties broken by a hash of
the candidate's signature (`_HistoryTopK`). Which history rows are kept therefore depends on
their content only, never on their position or on the size of the history: a candidate kept
against a small history is kept against any larger one unless ``K`` more similar documents
arrive. The history is streamed chunk by chunk and the running selection merged as it grows,
so memory stays ``O(new documents x K)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from cleaners.dedup.config import CHUNK_ROWS
from cleaners.dedup.lsh import BandIndex, BandStore, band_keys
from cleaners.dedup.minhash import MAX_HASH
from cleaners.dedup.model import Sides

#: Threads querying the in-memory LSH index (`candidate_pairs`).
QUERY_THREADS = min(4, os.cpu_count() or 1)
#: Most (history row x indexed new document) combinations looked up at once: a history chunk
#: is queried in slices of ``PAIR_BUDGET // new documents`` rows (at least 64), so one
#: query's pairs stay bounded however many new documents share a popular bucket.
PAIR_BUDGET = 1 << 24
#: The running per-document selection of history candidates is merged once this many pairs
#: (or the number already kept, if larger) are waiting: memory of `_HistoryTopK`.
MERGE_PAIRS = 1 << 20

class Candidates(NamedTuple):
    """Candidate pairs sorted by new row then position: new row ``row[j]`` with the document
    at position ``pos[j]``; new row ``i``'s pairs are ``lo[i]:hi[i]``."""

    row: np.ndarray
    pos: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def row_ranges(rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)``: for each of ``range(n)``, the slice of the sorted ``rows`` equal to it."""
    doc_range = np.arange(n)
    return (np.searchsorted(rows, doc_range, side="left"),
            np.searchsorted(rows, doc_range, side="right"))


def _nonempty(sig: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows that are not all ``MAX_HASH`` (documents with shingles),
    computed `CHUNK_ROWS` rows at a time (no full-size temporary)."""
    out = np.empty(sig.shape[0], dtype=bool)
    for lo in range(0, sig.shape[0], CHUNK_ROWS):
        out[lo : lo + CHUNK_ROWS] = (sig[lo : lo + CHUNK_ROWS] != MAX_HASH).any(axis=1)
    return out


def _new_keys(new_sigs: np.ndarray, bands: int, rows: int,
              order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(rows of the non-empty new documents in ``order`` (a permutation of all rows),
    their band keys laid out as (bands, k).T)``, computed one chunk of rows at a time (no
    copy of the whole selection)."""
    npos = order[_nonempty(new_sigs)[order]]
    kt = np.empty((bands, npos.size), dtype=np.uint64)
    for lo in range(0, npos.size, CHUNK_ROWS):
        part = npos[lo : lo + CHUNK_ROWS]
        band_keys(new_sigs[part], bands, rows, out=kt.T[lo : lo + part.size])
    return npos, kt.T


def _chunk_keys(sigs: np.ndarray, lo: int, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets from lo of the non-empty rows of sigs[lo : lo + CHUNK_ROWS], their band keys)``."""
    chunk = sigs[lo : lo + CHUNK_ROWS]
    keep = np.flatnonzero((chunk != MAX_HASH).any(axis=1))
    return keep, band_keys(chunk[keep], bands, rows)


def _encode(q: np.ndarray, c: np.ndarray, m: int, rank: np.ndarray) -> np.ndarray:
    """The kept (new row ``q``, position ``c``) pairs as sorted codes ``q * (m + n) + c``.

    A new candidate placed after the document (lower priority, ``rank``) cannot propose a
    cluster to it: only pairs with the candidate earlier in priority order are kept (this
    also drops self-pairs)."""
    new_c = c >= m
    keep = ~new_c
    keep[new_c] = rank[c[new_c] - m] < rank[q[new_c]]
    code = q[keep] * (m + rank.size) + c[keep]
    code.sort()
    return code


@lru_cache(maxsize=1)
def _kernels() -> tuple[Callable[..., None], Callable[..., None]]:
    """The compiled loops of `pair_scores` and `_best` (numba, imported only where matching
    runs, like `cleaners.dedup.placement`)."""
    import numba

    @numba.njit(nogil=True, cache=True)
    def equal_slots(hist_sigs: np.ndarray, c: np.ndarray, new_sigs: np.ndarray, q: np.ndarray,
                    score: np.ndarray, tie: np.ndarray) -> None:
        for k in range(c.size):
            a = hist_sigs[c[k]]
            b = new_sigs[q[k]]
            same = 0
            h = np.uint64(0)
            for j in range(a.size):
                same += a[j] == b[j]
                h += ((np.uint64(a[j]) << np.uint64(32)) | np.uint64(j)) * np.uint64(0x9E3779B97F4A7C15)
            h ^= h >> np.uint64(33)  # MurmurHash3's 64-bit finalizer
            h *= np.uint64(0xFF51AFD7ED558CCD)
            h ^= h >> np.uint64(33)
            h *= np.uint64(0xC4CEB9FE1A85EC53)
            h ^= h >> np.uint64(33)
            score[k] = same
            tie[k] = h

    @numba.njit(nogil=True, cache=True)
    def select(lo: np.ndarray, hi: np.ndarray, key: np.ndarray, k: int, keep: np.ndarray) -> None:
        for r in range(lo.size):
            if hi[r] - lo[r] > k > 0:
                kth = np.partition(key[lo[r] : hi[r]], k - 1)[k - 1]
                for j in range(lo[r], hi[r]):
                    keep[j] = key[j] <= kth

    return equal_slots, select


def pair_scores(hist_sigs: np.ndarray, c: np.ndarray, new_sigs: np.ndarray,
                q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(score, tie)`` of the (history row ``c[k]``, new row ``q[k]``) pairs: the number of
    equal signature slots (int16: ``num_perm`` x the Jaccard estimate verification uses) and
    a 64-bit hash of the history row's signature (uint64), which breaks ties between equally
    similar candidates by content, never by position."""
    score = np.empty(c.size, dtype=np.int16)
    tie = np.empty(c.size, dtype=np.uint64)
    if c.size:
        _kernels()[0](hist_sigs, c, new_sigs, q, score, tie)
    return score, tie


def warm_up(num_perm: int = 256) -> None:
    """Compile (or load from numba's cache) the loops that select history candidates, with
    the argument types `match` uses, so that the first `match` with a history does not."""
    sigs = np.zeros((2, num_perm), dtype=np.uint32)
    pos = np.arange(2, dtype=np.int64)
    score, tie = pair_scores(sigs, pos, sigs, pos)
    _best(pos, _order_key(score, tie, num_perm), 2, 2, 0)


def _order_key(score: np.ndarray, tie: np.ndarray, num_perm: int) -> np.ndarray:
    """One uint64 per pair, lower = better: ``num_perm - score`` in the high bits, the top
    bits of ``tie`` below."""
    bits = np.uint64(max(num_perm, 1).bit_length())
    return ((np.uint64(num_perm) - score.astype(np.uint64)) << (np.uint64(64) - bits)) | (tie >> bits)


def _best(code: np.ndarray, key: np.ndarray, span: int, n: int, k: int) -> np.ndarray:
    """Mask of the pairs ``code`` (sorted) that their new row keeps: its ``k`` pairs of
    lowest ``key`` (most equal slots, then lowest tie hash), plus any pair whose key equals
    the ``k``-th's (identical signatures: included rather than chosen by position). Rows
    with ``k`` pairs or fewer keep them all."""
    keep = np.ones(code.size, dtype=bool)
    lo, hi = row_ranges(code // span, n)
    if k == 0 or (hi - lo).max(initial=0) > k:
        _kernels()[1](lo, hi, key, k, keep)
    return keep


class _Scored(NamedTuple):
    """History pairs as sorted codes (see `_encode`) with their order keys (`_order_key`)."""

    code: np.ndarray
    key: np.ndarray


def _scored(sides: Sides, code: np.ndarray, k: int | None,
            floor: np.ndarray | None = None) -> _Scored:
    """The pairs ``code`` (history candidates only, sorted) scored, each new row's best ``k``
    kept (all of them, unscored, when ``k`` is None). ``floor``: per new row, a key that
    ``k`` pairs already kept reach (pairs with a greater key can never be kept)."""
    if k is None:
        return _Scored(code, np.empty(0, np.uint64))
    span = sides.m + len(sides.new)
    q = code // span
    score, tie = pair_scores(sides.hist_sigs, code % span, sides.new_sigs, q)
    key = _order_key(score, tie, sides.new_sigs.shape[1])
    if floor is not None:
        alive = key <= floor[q]
        code, key = code[alive], key[alive]
    keep = _best(code, key, span, len(sides.new), k)
    return _Scored(code[keep], key[keep])


class _HistoryTopK:
    """The running selection of history candidates: each chunk's pairs (`_Scored`, already
    reduced to its best ``k`` per new row) wait until `MERGE_PAIRS` of them (or as many as
    kept) have arrived, then are merged with the kept pairs and reduced again to each new
    row's best ``k`` (`_best`). Keeping the best ``k`` of a part never drops one of the best
    ``k`` of the whole (fewer pairs can only beat it), so the result does not depend on the
    order of the chunks, nor on how the history was cut into them. After each merge,
    ``floor`` holds each new row's ``k``-th key once it has ``k`` pairs: the chunks still
    to come drop their worse pairs at once (a key above it can never be kept)."""

    def __init__(self, sides: Sides, k: int | None) -> None:
        self.span, self.n = sides.m + len(sides.new), len(sides.new)
        self.k = k
        self.floor = np.full(self.n, np.iinfo(np.uint64).max, dtype=np.uint64)
        self.kept: list[_Scored] = []
        self.waiting: list[_Scored] = []
        self.n_kept = self.n_waiting = 0

    def add(self, part: _Scored) -> None:
        if part.code.size == 0:
            return
        self.waiting.append(part)
        self.n_waiting += part.code.size
        if self.k is not None and self.n_waiting > max(MERGE_PAIRS, self.n_kept):
            self._merge()

    def _merge(self) -> None:
        parts = self.kept + self.waiting
        self.waiting, self.n_waiting = [], 0
        code = np.concatenate([p.code for p in parts])
        key = np.concatenate([p.key for p in parts])
        del parts
        order = np.argsort(code, kind="stable")  # sorted runs: merged by timsort
        code, key = code[order], key[order]
        del order
        assert self.k is not None
        keep = _best(code, key, self.span, self.n, self.k)
        code, key = code[keep], key[keep]
        self.kept = [_Scored(code, key)]
        self.n_kept = code.size
        lo, hi = row_ranges(code // self.span, self.n)
        rows = np.flatnonzero(hi > lo)
        if rows.size:
            worst = np.maximum.reduceat(key, lo[rows])  # rows' pairs are contiguous
            full = hi[rows] - lo[rows] >= self.k
            floor = self.floor.copy()  # a new array: the threads read the old one meanwhile
            floor[rows[full]] = worst[full]
            self.floor = floor

    def codes(self) -> list[np.ndarray]:
        """The kept codes, in sorted runs."""
        if self.k is not None and self.waiting:
            self._merge()
        return [p.code for p in self.kept + self.waiting]


def _history_chunk_codes(index: BandIndex, sides: Sides, lo: int, npos: np.ndarray,
                         rank: np.ndarray, bands: int, rows: int, best: _HistoryTopK) -> _Scored:
    """The pairs of history rows ``lo : lo + CHUNK_ROWS`` with the indexed new rows, each new
    row's best ``k`` kept (`_scored`). The chunk is queried in slices of at most
    ``PAIR_BUDGET // len(npos)`` rows."""
    keep, keys = _chunk_keys(sides.hist_sigs, lo, bands, rows)
    step = max(64, PAIR_BUDGET // max(npos.size, 1))
    codes = []
    for a in range(0, keep.size, step):
        hit_row, hit_new = index.query_positions(keys[a : a + step])
        codes.append(_encode(npos[hit_new], lo + keep[a + hit_row], sides.m, rank))
    code = np.concatenate(codes) if codes else np.empty(0, np.int64)
    if len(codes) > 1:
        code.sort()
    return _scored(sides, code, best.k, best.floor)


def _new_chunk_codes(index: BandIndex, new_keys: np.ndarray, lo: int, npos: np.ndarray, m: int,
                     rank: np.ndarray, max_per_bucket: int | None) -> np.ndarray:
    """Codes of the pairs of indexed new rows ``lo : lo + CHUNK_ROWS`` among themselves."""
    hit_row, hit_new = index.query_positions(new_keys[lo : lo + CHUNK_ROWS], max_per_bucket)
    return _encode(npos[lo + hit_row], m + npos[hit_new], m, rank)


def _in_memory_codes(index: BandIndex, sides: Sides, npos: np.ndarray, new_keys: np.ndarray,
                     rank: np.ndarray, bands: int, rows: int, max_per_bucket: int | None,
                     k: int | None) -> list[np.ndarray]:
    """Pair codes through an empty `BandIndex` that receives only the new rows ``npos``."""
    index.add([sides.new.doc_ids[p] for p in npos.tolist()], new_keys)
    if npos.size == 0:
        return []
    index.sort()  # before the threads query it
    m = sides.m
    codes: list[np.ndarray] = []
    best = _HistoryTopK(sides, k)
    # numpy's sorts and searches, and the scoring loop, release the GIL: the chunks are
    # queried, and their pairs encoded, scored and sorted, on threads.
    with ThreadPoolExecutor(QUERY_THREADS) as pool:
        jobs = [pool.submit(_history_chunk_codes, index, sides, lo, npos, rank, bands, rows, best)
                for lo in range(0, m, CHUNK_ROWS)]
        new_jobs = [pool.submit(_new_chunk_codes, index, new_keys, lo, npos, m, rank, max_per_bucket)
                    for lo in range(0, npos.size, CHUNK_ROWS)]
        jobs.reverse()
        while jobs:  # each chunk's pairs freed once merged
            best.add(jobs.pop().result())
        codes.extend(job.result() for job in new_jobs)
    codes.extend(best.codes())
    return codes


def _store_codes(index: BandStore, sides: Sides, npos: np.ndarray, new_keys: np.ndarray,
                 rank: np.ndarray, bands: int, rows: int, k: int | None) -> list[np.ndarray]:
    """Pair codes through any `BandStore`: every non-empty document is added (history then
    new, in chunks), the new ones are queried, and the ids answered are mapped back to
    positions (ids this call does not know, e.g. from a shared index, are ignored). Each new
    row keeps its best ``k`` history candidates, as with the in-memory index."""
    hist, new, m = sides.hist, sides.new, sides.m
    for lo in range(0, m, CHUNK_ROWS):
        keep, keys = _chunk_keys(sides.hist_sigs, lo, bands, rows)
        if keep.size:
            index.add([hist.doc_ids[lo + p] for p in keep.tolist()], keys)
    index.add([new.doc_ids[p] for p in npos.tolist()], new_keys)
    if npos.size == 0:
        return []
    found = index.query(new_keys)
    wanted: set[str] = set().union(*found)
    position: dict[str, int] = {}  # only the ids returned (not a dict of the history)
    for p, doc_id in enumerate(hist.doc_ids):
        if doc_id in wanted:
            position[doc_id] = p
    for p, doc_id in enumerate(new.doc_ids):
        if doc_id in wanted:
            position[doc_id] = m + p
    q_list: list[int] = []
    c_list: list[int] = []
    for r, ids_found in enumerate(found):
        me = int(npos[r])
        for doc_id in ids_found:
            p = position.get(doc_id)
            if p is not None:
                q_list.append(me)
                c_list.append(p)
    code = _encode(np.array(q_list, dtype=np.int64), np.array(c_list, dtype=np.int64), m, rank)
    from_hist = code % (m + rank.size) < m
    return [_scored(sides, code[from_hist], k).code, code[~from_hist]]


def history_budget(bands: int, max_per_bucket: int | None) -> int | None:
    """The most history candidates a new document keeps: ``bands x max_per_bucket`` (None:
    all of them)."""
    return None if max_per_bucket is None else bands * max_per_bucket


def candidate_pairs(
    index: BandStore, sides: Sides, bands: int, rows: int, priority: np.ndarray,
    max_per_bucket: int | None,
) -> Candidates:
    """The candidate pairs of every new row: history candidates, and new candidates that
    come before the row in ``priority`` order (a permutation of the new rows; no self-pairs).

    Guarantees: pairs distinct and sorted by new row then position (history ``0..m-1``, new
    row ``i`` at ``m + i``); a pair is a candidate when the two non-empty documents share
    a band key (documents with no shingles have none), within the two caps below. Band keys
    are computed `CHUNK_ROWS` rows at a time (never the whole history at once, no copy of
    the signatures). The pairs depend on the documents' contents and on ``priority`` only:
    not on the order of the history rows or of the batch, nor on the chunking.

    ``max_per_bucket`` (see `MatchConfig`; None: no cap) bounds the candidates of a new
    document in two ways:

    * **history**: it keeps at most ``bands x max_per_bucket`` history candidates
      (`history_budget`), the most similar ones (most equal signature slots, the Jaccard
      estimate verification uses), ties broken by a hash of the candidate's signature, and
      every candidate tied with the last one kept on both (identical signatures) kept too.
      So a history candidate is dropped only for more similar ones, never for its position
      or for the size of the history; memory is that budget per new document plus one
      chunk's pairs (`_HistoryTopK`), whatever the size of the history.
    * **new documents**: in each band it is paired with at most ``max_per_bucket`` of the
      new documents sharing the key, those of highest priority (in-memory index only; a
      shared index returns every member).

    With the default fresh in-memory `BandIndex`, only the new documents are indexed (in
    ``priority`` order) and queried `CHUNK_ROWS` rows at a time, and the history is
    streamed through the index chunk by chunk (a shared band is symmetric, so the pairs are
    the same as indexing everything): memory is O(new documents x bands), nothing per
    history document. Any other `BandStore` (a shared index, e.g. Redis, or a `BandIndex`
    already holding documents) receives every non-empty document and is queried with the
    new ones.
    """
    n = len(sides.new)
    npos, new_keys = _new_keys(sides.new_sigs, bands, rows, priority)
    rank = np.empty(n, dtype=np.int64)
    rank[priority] = np.arange(n)
    k = history_budget(bands, max_per_bucket)
    if isinstance(index, BandIndex) and len(index) == 0:
        codes = _in_memory_codes(index, sides, npos, new_keys, rank, bands, rows, max_per_bucket, k)
    else:
        codes = _store_codes(index, sides, npos, new_keys, rank, bands, rows, k)
    codes = [c for c in codes if c.size]
    if codes:
        code = np.concatenate(codes)
        codes.clear()
        # Distinct codes (each chunk has its own query rows, or its own history positions), in
        # sorted runs: the stable sort (timsort for int64) merges the runs.
        code.sort(kind="stable")
        span = sides.m + n
        q_new, c_pos = code // span, code % span
    else:
        q_new, c_pos = np.empty(0, np.int64), np.empty(0, np.int64)
    return Candidates(q_new, c_pos, *row_ranges(q_new, n))
