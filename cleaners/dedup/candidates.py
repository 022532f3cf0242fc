"""Candidate pairs of `match`: the (new document, other document) pairs that share an LSH band.

Two ways to find them (same pairs but for ``max_per_bucket``, which only the first applies):
a fresh in-memory `BandIndex` holds only the new documents and the history is streamed
through it in chunks, on threads; any other `BandStore` (a shared index, e.g. Redis) is
given every document and queried with the new ones.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from cleaners.dedup.config import CHUNK_ROWS
from cleaners.dedup.lsh import BandIndex, BandStore, band_keys
from cleaners.dedup.minhash import MAX_HASH
from cleaners.dedup.model import Sides

#: Threads querying the in-memory LSH index (`candidate_pairs`).
QUERY_THREADS = min(4, os.cpu_count() or 1)

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


def _history_chunk_codes(index: BandIndex, hist_sigs: np.ndarray, lo: int, npos: np.ndarray,
                         m: int, rank: np.ndarray, bands: int, rows: int,
                         max_per_bucket: int | None) -> np.ndarray:
    """Codes of the pairs of history rows ``lo : lo + CHUNK_ROWS`` with the indexed new rows."""
    keep, keys = _chunk_keys(hist_sigs, lo, bands, rows)
    if keep.size == 0:
        return np.empty(0, np.int64)
    hit_row, hit_new = index.query_positions(keys, max_per_bucket)
    return _encode(npos[hit_new], lo + keep[hit_row], m, rank)


def _new_chunk_codes(index: BandIndex, new_keys: np.ndarray, lo: int, npos: np.ndarray, m: int,
                     rank: np.ndarray, max_per_bucket: int | None) -> np.ndarray:
    """Codes of the pairs of indexed new rows ``lo : lo + CHUNK_ROWS`` among themselves."""
    hit_row, hit_new = index.query_positions(new_keys[lo : lo + CHUNK_ROWS], max_per_bucket)
    return _encode(npos[lo + hit_row], m + npos[hit_new], m, rank)


def _in_memory_codes(index: BandIndex, sides: Sides, npos: np.ndarray, new_keys: np.ndarray,
                     rank: np.ndarray, bands: int, rows: int,
                     max_per_bucket: int | None) -> list[np.ndarray]:
    """Pair codes through an empty `BandIndex` that receives only the new rows ``npos``."""
    index.add([sides.new.doc_ids[p] for p in npos.tolist()], new_keys)
    if npos.size == 0:
        return []
    index.sort()  # before the threads query it
    m = sides.m
    codes: list[np.ndarray] = []
    # numpy's sorts and searches release the GIL: the chunks are queried, and their
    # pairs encoded and sorted, on threads.
    with ThreadPoolExecutor(QUERY_THREADS) as pool:
        jobs = [pool.submit(_history_chunk_codes, index, sides.hist_sigs, lo, npos, m, rank,
                            bands, rows, max_per_bucket) for lo in range(0, m, CHUNK_ROWS)]
        jobs += [pool.submit(_new_chunk_codes, index, new_keys, lo, npos, m, rank, max_per_bucket)
                 for lo in range(0, npos.size, CHUNK_ROWS)]
        jobs.reverse()
        while jobs:  # each chunk's pairs freed once collected
            codes.append(jobs.pop().result())
    return codes


def _store_codes(index: BandStore, sides: Sides, npos: np.ndarray, new_keys: np.ndarray,
                 rank: np.ndarray, bands: int, rows: int) -> list[np.ndarray]:
    """Pair codes through any `BandStore`: every non-empty document is added (history then
    new, in chunks), the new ones are queried, and the ids answered are mapped back to
    positions (ids this call does not know, e.g. from a shared index, are ignored)."""
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
    return [_encode(np.array(q_list, dtype=np.int64), np.array(c_list, dtype=np.int64), m, rank)]


def candidate_pairs(
    index: BandStore, sides: Sides, bands: int, rows: int, priority: np.ndarray,
    max_per_bucket: int | None,
) -> Candidates:
    """The candidate pairs of every new row: history candidates, and new candidates that
    come before the row in ``priority`` order (a permutation of the new rows; no self-pairs).

    Guarantees: pairs distinct and sorted by new row then position (history ``0..m-1``, new
    row ``i`` at ``m + i``); a pair is a candidate when the two non-empty documents share
    a band key (documents with no shingles have none). Band keys are computed
    `CHUNK_ROWS` rows at a time (never the whole history at once, no copy of the
    signatures).

    With the default fresh in-memory `BandIndex`, only the new documents are indexed (in
    ``priority`` order) and queried `CHUNK_ROWS` rows at a time, and the history is
    streamed through the index chunk by chunk (a shared band is symmetric, so the pairs are
    the same as indexing everything): memory is O(new documents x bands), nothing per
    history document. ``max_per_bucket`` (see `MatchConfig`) then keeps, per band, only the
    first members of a bucket: the new documents of highest priority. Any other
    `BandStore` (a shared index, e.g. Redis, or a `BandIndex` already holding documents)
    receives every non-empty document and is queried with the new ones.
    """
    n = len(sides.new)
    npos, new_keys = _new_keys(sides.new_sigs, bands, rows, priority)
    rank = np.empty(n, dtype=np.int64)
    rank[priority] = np.arange(n)
    if isinstance(index, BandIndex) and len(index) == 0:
        codes = _in_memory_codes(index, sides, npos, new_keys, rank, bands, rows, max_per_bucket)
    else:
        codes = _store_codes(index, sides, npos, new_keys, rank, bands, rows)
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
