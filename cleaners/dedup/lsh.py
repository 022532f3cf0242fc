"""Locality-sensitive hashing over MinHash signatures: band parameters, band keys, an index.

A signature of ``P`` slots is cut into ``bands`` bands of ``rows`` slots
(``bands * rows <= P``). Two documents are *candidates* when at least one band is
identical in both. For a pair with Jaccard similarity ``s`` that happens with probability

    P(candidate | s) = 1 - (1 - s**rows) ** bands

(`candidate_probability`). The parameters are chosen from the verification threshold for
recall (`optimal_bands_rows`): every candidate is verified afterwards, so a false positive
costs one cheap signature comparison while a false negative loses a duplicate for good.

Each band is reduced to one 64-bit key (`band_keys`, vectorised with NumPy over chunks of
`KEY_CHUNK_ROWS` rows, written into one preallocated ``(n, bands)`` matrix). `BandIndex`
stores band keys only (never texts, never signatures) and answers "which stored documents
share a band with these?". It is the in-memory default of the `BandStore` protocol; a
shared backend (e.g. Redis) only has to provide ``add`` and ``query``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np

from cleaners.dedup.minhash import MAX_HASH

_U64 = np.uint64
_GRID = np.linspace(0.0, 1.0, 1001)
#: Threads sorting an index's bands (`BandIndex.sort`).
SORT_THREADS = min(4, os.cpu_count() or 1)


def candidate_probability(s: float | np.ndarray, bands: int, rows: int) -> float | np.ndarray:
    """Probability ``1 - (1 - s**rows)**bands`` that a pair of Jaccard ``s`` shares a band.

    Guarantees: element-wise for arrays (a float for a scalar input), in [0, 1], increasing
    in ``s``, 0 at ``s = 0`` and 1 at ``s = 1``.
    """
    if bands < 1 or rows < 1:
        raise ValueError("bands and rows must be positive")
    arr = np.asarray(s, dtype=np.float64)
    p = 1.0 - (1.0 - arr**rows) ** bands
    if np.ndim(s) == 0:
        return float(p)
    return p


@lru_cache(maxsize=256)
def optimal_bands_rows(
    threshold: float,
    num_perm: int,
    fn_weight: float = 0.5,
    fp_weight: float = 0.5,
    *,
    min_recall: float = 0.99,
) -> tuple[int, int]:
    """``(bands, rows)`` for a verification ``threshold``, chosen for recall.

    Among all ``bands * rows <= num_perm``, keep those whose candidate probability at the
    threshold is at least ``min_recall`` (then every pair with true Jaccard ``>= threshold``
    is a candidate with probability ``>= min_recall``, the curve being increasing); among
    them, minimise ``fp_weight * FP + fn_weight * FN`` where ``FP`` is the area under the
    curve below the threshold (candidates that verification will reject) and ``FN`` the
    area above the curve above it (datasketch's criterion, which alone gives recall near
    50% at the threshold). If no pair reaches ``min_recall``, the one with the highest
    probability at the threshold is returned.

    Guarantees: deterministic; ``bands * rows <= num_perm``; ``bands, rows >= 1``.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be in (0, 1)")
    if num_perm < 1:
        raise ValueError("num_perm must be positive")
    below = np.less_equal(_GRID, threshold)
    all_bands, all_rows, all_cost, all_at_t = [], [], [], []
    for rows in range(1, num_perm + 1):
        bands = np.arange(1, num_perm // rows + 1)
        # (bands, grid) candidate probabilities for this row count.
        p = 1.0 - (1.0 - _GRID[None, :] ** rows) ** bands[:, None]
        fp = np.trapezoid(np.where(below, p, 0.0), _GRID, axis=1)
        fn = np.trapezoid(np.where(below, 0.0, 1.0 - p), _GRID, axis=1)
        all_bands.append(bands)
        all_rows.append(np.full(bands.size, rows))
        all_cost.append(fp_weight * fp + fn_weight * fn)
        all_at_t.append(1.0 - (1.0 - threshold**rows) ** bands)
    b = np.concatenate(all_bands)
    r = np.concatenate(all_rows)
    cost = np.concatenate(all_cost)
    at_t = np.concatenate(all_at_t)
    ok = at_t >= min_recall
    if ok.any():  # lowest cost among those reaching min_recall, then highest recall
        pick = np.lexsort((-at_t, np.where(ok, cost, np.inf)))[0]
    else:  # the highest recall, then lowest cost
        pick = np.lexsort((cost, -at_t))[0]
    return int(b[pick]), int(r[pick])


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer, in place on a uint64 array (a bijection)."""
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= h >> _U64(33)
    return h


#: Rows of signatures turned into band keys at a time (bounds the uint64 temporaries).
KEY_CHUNK_ROWS = 8192
#: `BandIndex.query_positions` folds the pairs found so far into one deduplicated array once
#: the bands have given this many (a pair found in many bands counts once per band until
#: then): 128 MB of int64 codes. Many near-copies of one story, queried against as many, share
#: most of their bands: 2,000 against 2,000 held 6.8 GB of pair codes before (2026-12-07).
QUERY_COMPACT_CODES = 1 << 24


def band_keys(
    signatures: np.ndarray, bands: int, rows: int, *, out: np.ndarray | None = None
) -> np.ndarray:
    """One 64-bit key per band: an ``(n, bands)`` uint64 matrix, computed with NumPy.

    Band ``j`` covers signature columns ``[j*rows, (j+1)*rows)``. Each key is a chained
    MurmurHash3 finalizer over the band's values, seeded with the band number, so
    identical bands give identical keys, while different bands (or the same values in two
    different bands) collide only with probability about ``2**-64``.
    Guarantees: deterministic across runs, machines and processes (no Python ``hash``);
    works on ``KEY_CHUNK_ROWS`` rows at a time, so beyond the result it needs only a few
    chunk-sized temporaries. ``out``: an ``(n, bands)`` uint64 array (any strides, e.g. the
    transpose of a ``(bands, n)`` array) to write the keys into; it is returned.
    """
    sig = np.asarray(signatures)
    if sig.ndim != 2:
        raise ValueError("signatures must be a 2-D (n, num_perm) array")
    if bands < 1 or rows < 1 or bands * rows > sig.shape[1]:
        raise ValueError(f"bands*rows = {bands}*{rows} exceeds num_perm = {sig.shape[1]}")
    n = sig.shape[0]
    if out is None:
        out = np.empty((n, bands), dtype=_U64)
    elif out.shape != (n, bands) or out.dtype != _U64:
        raise ValueError(f"out must be a ({n}, {bands}) uint64 array, got {out.shape} {out.dtype}")
    seed = _fmix64(np.arange(1, bands + 1, dtype=_U64) * _U64(0x9E3779B97F4A7C15))
    for lo in range(0, n, KEY_CHUNK_ROWS):
        hi = min(n, lo + KEY_CHUNK_ROWS)
        key = np.repeat(seed[None, :], hi - lo, axis=0)
        block = sig[lo:hi, : bands * rows].reshape(hi - lo, bands, rows)
        for r in range(rows):
            key ^= block[:, :, r].astype(_U64)
            _fmix64(key)
        out[lo:hi] = key
    return out


def _sorted_unique(code: np.ndarray) -> np.ndarray:
    """``code`` sorted, each value once (sorted in place)."""
    if code.size == 0:
        return code
    code.sort()
    return code[np.concatenate(([True], code[1:] != code[:-1]))]


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The indices ``lo[0]..hi[0]-1, lo[1]..hi[1]-1, ...`` in one int64 array (empty ranges
    contribute nothing)."""
    counts = np.maximum(np.asarray(hi, np.int64) - np.asarray(lo, np.int64), 0)
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.repeat(np.asarray(lo, np.int64) - starts, counts) + np.arange(total, dtype=np.int64)


def sorted_band_keys(signatures: np.ndarray, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, rows)``: the `band_keys` of the signatures that are not empty (not all
    ``MAX_HASH``: documents with no shingles have no band), as two ``(bands, k)`` arrays,
    each band's keys ascending (uint64) with the row of ``signatures`` each came from (uint32,
    ascending among equal keys). What a persisted index stores to find, with
    ``np.searchsorted`` band by band, the rows that share a band key with a query."""
    sig = np.asarray(signatures)
    keep = np.flatnonzero((sig != MAX_HASH).any(axis=1)).astype(np.uint32)
    keys = np.empty((bands, keep.size), dtype=_U64)
    for lo in range(0, keep.size, KEY_CHUNK_ROWS):
        part = keep[lo : lo + KEY_CHUNK_ROWS]
        band_keys(sig[part], bands, rows, out=keys.T[lo : lo + part.size])
    order = np.empty(keys.shape, dtype=np.uint32)
    for j in range(bands):
        o = np.argsort(keys[j], kind="stable")
        keys[j] = keys[j][o]
        order[j] = keep[o]
    return keys, order


@runtime_checkable
class BandStore(Protocol):
    """What `cleaners.dedup.matcher.match` needs from an LSH index (in memory, Redis, …)."""

    def add(self, ids: Sequence[str], keys: np.ndarray) -> None:
        """Store documents ``ids`` with their ``(len(ids), bands)`` band keys."""
        ...

    def query(self, keys: np.ndarray) -> list[set[str]]:
        """For each row of ``keys``, the ids of stored documents sharing at least one band."""
        ...


class BandIndex:
    """In-memory LSH index over band keys (no texts, no signatures).

    Storage per document: for each band one uint64 key and one int32 position
    (12 bytes per band), plus the id string. Keys are kept sorted per band; ``query``
    looks all rows up at once with ``np.searchsorted``. ``add`` is cheap (it buffers);
    the next query re-sorts, so add in batches, not one document at a time.
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._chunks: list[np.ndarray] = []
        self._bands: int | None = None
        self._sorted: np.ndarray = np.empty((0, 0), dtype=_U64)  # (bands, N) sorted keys
        self._order: np.ndarray = np.empty((0, 0), dtype=np.int32)  # (bands, N) positions

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[str]:
        """The stored ids, in insertion order (position ``i`` is the ``i``-th added)."""
        return self._ids

    def add(self, ids: Sequence[str], keys: np.ndarray, *, copy: bool = True) -> None:
        """Store ``ids`` with their band keys (``(len(ids), bands)`` uint64).

        Guarantees: every later `query` sees them. Ids are not deduplicated: adding an id
        twice makes it match through both key rows. ``copy=False`` hands ``keys`` over to
        the index, which may then reorder it in place (the caller must not read it again):
        with keys laid out as the transpose of a C-contiguous ``(bands, n)`` uint64 array,
        the index then needs no second copy of them.
        """
        keys = np.asarray(keys, dtype=_U64)
        if keys.ndim != 2 or keys.shape[0] != len(ids):
            raise ValueError(f"keys must be ({len(ids)}, bands), got {keys.shape}")
        if self._bands is None:
            self._bands = keys.shape[1]
        elif keys.shape[1] != self._bands:
            raise ValueError(f"this index holds {self._bands} bands, got {keys.shape[1]}")
        if len(ids) == 0:
            return
        self._ids.extend(ids)
        self._chunks.append(keys if not copy else keys.copy(order="F"))

    def sort(self) -> None:
        """Sort what `add` buffered now (the next `query_positions` would). Guarantees:
        until the next `add`, `query_positions` only reads, so threads may call it at once."""
        self._consolidate()

    def _consolidate(self) -> None:
        """Sort the buffered chunks (and what is already sorted) band by band.

        The chunks are owned by the index (copied by `add` unless ``copy=False``). A single
        chunk stored as a transposed ``(bands, n)`` array (the layout `add` copies to) is
        sorted in place, one band at a time: the peak is then the keys plus the int32
        positions plus one band's temporaries.
        """
        if not self._chunks:
            return
        assert self._bands is not None
        n_old = self._sorted.shape[1] if self._sorted.size else 0
        if n_old == 0 and len(self._chunks) == 1 and self._chunks[0].T.flags.c_contiguous:
            keys_t = self._chunks[0].T  # (bands, n) view, owned: sorted in place below
        else:
            parts = []
            if n_old:
                # Recover the (bands, N_old) keys in insertion order from the sorted form.
                old_t = np.empty((self._bands, n_old), dtype=_U64)
                for j in range(self._bands):
                    old_t[j, self._order[j]] = self._sorted[j]
                parts.append(old_t)
            parts.extend(c.T for c in self._chunks)
            keys_t = np.concatenate(parts, axis=1)  # (bands, N), a fresh C-contiguous array
            del parts
        self._chunks = []
        self._sorted = np.empty((0, 0), dtype=_U64)
        self._order = np.empty((0, 0), dtype=np.int32)
        n = keys_t.shape[1]
        order_all = np.empty(keys_t.shape, dtype=np.int32 if n < 2**31 else np.int64)

        def sort_band(j: int) -> None:
            order = np.argsort(keys_t[j], kind="stable")
            order_all[j] = order
            keys_t[j] = keys_t[j][order]

        # numpy's sorts release the GIL: the bands are sorted on threads (a band's
        # temporaries per thread).
        with ThreadPoolExecutor(SORT_THREADS) as pool:
            list(pool.map(sort_band, range(self._bands)))
        self._order = order_all
        self._sorted = keys_t

    def query_positions(
        self, keys: np.ndarray, max_per_bucket: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """All (query row, stored position) pairs sharing at least one band, deduplicated.

        ``max_per_bucket``: in each band, a query row pairs with at most this many of the
        documents stored under its key, the earliest added (None: all of them). It bounds
        the pairs of a query row by ``bands x max_per_bucket`` whatever the bucket sizes.

        Guarantees: two int64 arrays of equal length, sorted by query row then position;
        each pair appears once however many bands match.
        """
        keys = np.asarray(keys, dtype=_U64)
        empty = (np.empty(0, np.int64), np.empty(0, np.int64))
        if len(self._ids) == 0 or keys.shape[0] == 0:
            return empty
        if keys.ndim != 2 or keys.shape[1] != self._bands:
            raise ValueError(f"keys must be (m, {self._bands}), got {keys.shape}")
        self._consolidate()
        n = len(self._ids)
        keys_t = np.ascontiguousarray(keys.T)
        codes: list[np.ndarray] = []
        held = 0  # codes in ``codes``
        for j in range(keys_t.shape[0]):
            # Sorted needles: searchsorted then walks the sorted column with good locality.
            q_order = np.argsort(keys_t[j])
            needles = keys_t[j][q_order]
            col = self._sorted[j]
            lo = np.searchsorted(col, needles, side="left")
            hi = np.searchsorted(col, needles, side="right")
            counts = hi - lo if max_per_bucket is None else np.minimum(hi - lo, max_per_bucket)
            total = int(counts.sum())
            if total == 0:
                continue
            q = np.repeat(q_order.astype(np.int64), counts)
            idx = expand_ranges(lo, lo + counts)
            codes.append(q * n + self._order[j][idx])
            held += total
            if held > QUERY_COMPACT_CODES and len(codes) > 1:
                codes = [_sorted_unique(np.concatenate(codes))]
                held = codes[0].size
        if not codes:
            return empty
        code = _sorted_unique(np.concatenate(codes))
        return code // n, code % n

    def query(self, keys: np.ndarray) -> list[set[str]]:
        """For each row of ``keys``, the set of stored ids sharing at least one band key.

        Guarantees: one set per row, in order; a stored document whose keys equal the row
        is in the set (the caller drops self-matches).
        """
        rows, pos = self.query_positions(keys)
        out: list[set[str]] = [set() for _ in range(np.asarray(keys).shape[0])]
        ids = self._ids
        for r, p in zip(rows.tolist(), pos.tolist(), strict=True):
            out[r].add(ids[p])
        return out

    def nbytes(self) -> int:
        """Bytes held by the key arrays (sorted keys, positions and buffered chunks)."""
        return int(self._sorted.nbytes + self._order.nbytes + sum(c.nbytes for c in self._chunks))
