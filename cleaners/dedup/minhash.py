"""MinHash signatures computed with NumPy over a whole batch of documents at once.

The permutations are datasketch's: the same ``a`` and ``b`` drawn from
``numpy.random.RandomState(seed)`` in the same order, so a signature row here is
bit-for-bit equal to ``datasketch.MinHash(num_perm, seed, scheme=..., hashfunc=...)``
fed with the same 32-bit hash values (``benchmarks/minhash.py`` and
``tests/test_minhash.py`` check it). Two schemes are supported:

- ``"affine32"`` (default; datasketch's default since 2.0.0): each input hash is
  pre-mixed with the 32-bit MurmurHash3 finalizer, then ``a * h + b mod 2^32``
  with ``a`` odd (a bijection: the permutation adds no collisions).
- ``"legacy"`` (datasketch before 2.0.0): ``(a * h + b) mod (2^61 - 1)``, computed
  in wrapping uint64 arithmetic exactly as datasketch does, truncated to 32 bits.
  The modulo by the Mersenne prime is done with shifts and masks, not division.

Signatures are ``uint32`` in both schemes (legacy values never exceed ``2^32 - 1``).
An empty document gets a row of ``2^32 - 1`` (datasketch's initial state).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

import numba
import numpy as np

Scheme = Literal["affine32", "legacy"]

#: The value of every slot of an empty document's signature.
MAX_HASH = np.uint32(0xFFFFFFFF)
MERSENNE_PRIME = np.uint64((1 << 61) - 1)

_U32 = np.uint32
_U64 = np.uint64
# The (permutations, tokens) intermediates are computed in blocks of _PERM_BLOCK
# permutations x _MAX_TOKENS tokens: 2 MiB of uint32 for affine32, which stays in cache
# even when other processes compete for it (measured on 2 busy cores: 2x faster than one
# 8 MiB block at num_perm 256); long contiguous rows keep the NumPy loops vectorised.
_PERM_BLOCK = 64
_MAX_TOKENS = {"affine32": 8192, "legacy": 4096}


@lru_cache(maxsize=32)
def permutations(
    num_perm: int, seed: int, scheme: Scheme = "affine32"
) -> tuple[np.ndarray, np.ndarray]:
    """The permutation parameters ``(a, b)`` datasketch draws for ``(num_perm, seed, scheme)``.

    Guarantees: equal to ``datasketch.MinHash(num_perm, seed, scheme=scheme).permutations``;
    ``uint32`` arrays for ``"affine32"`` (``a`` odd), ``uint64`` for ``"legacy"``. The
    returned arrays are read-only (they are cached).
    """
    if num_perm < 1:
        raise ValueError("num_perm must be positive")
    gen = np.random.RandomState(seed)
    if scheme == "affine32":
        a = gen.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=_U32)
    elif scheme == "legacy":
        pairs = np.array(
            [
                (
                    gen.randint(1, MERSENNE_PRIME, dtype=_U64),
                    gen.randint(0, MERSENNE_PRIME, dtype=_U64),
                )
                for _ in range(num_perm)
            ],
            dtype=_U64,
        )
        a, b = pairs[:, 0].copy(), pairs[:, 1].copy()
    else:
        raise ValueError(f"unknown scheme {scheme!r}: use 'affine32' or 'legacy'")
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer applied element-wise (a bijection on uint32).

    Guarantees: same values as datasketch's pre-mix for the ``"affine32"`` scheme; the
    input is not modified.
    """
    h = h.astype(_U32, copy=True)
    h ^= h >> _U32(16)
    h *= _U32(0x85EBCA6B)
    h ^= h >> _U32(13)
    h *= _U32(0xC2B2AE35)
    h ^= h >> _U32(16)
    return h


def to_hash32(values: np.ndarray) -> np.ndarray:
    """The 32-bit hash values MinHash consumes, from a uint32/uint64 (or int) array.

    Guarantees: values below ``2^32`` pass through unchanged; larger 64-bit values are
    xor-folded (``low ^ high``) into 32 bits, so a 64-bit hash loses no more than it must.
    Negative or non-integer input raises ``ValueError``.
    """
    arr = np.asarray(values)
    if arr.dtype == _U32:
        return arr.ravel()
    if arr.size == 0:
        return np.empty(0, dtype=_U32)
    if arr.dtype.kind == "i":
        if arr.min() < 0:
            raise ValueError("hash values must be non-negative")
        arr = arr.astype(_U64)
    elif arr.dtype.kind != "u":
        raise ValueError(f"hash values must be unsigned integers, got dtype {arr.dtype}")
    arr = arr.astype(_U64, copy=False).ravel()
    return ((arr & _U64(0xFFFFFFFF)) ^ (arr >> _U64(32))).astype(_U32)


def _permute(
    h: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    scheme: Scheme,
    buf: np.ndarray,
    wide: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """``(P, t)`` uint32 permuted values of the ``t`` (pre-mixed for affine32) hashes ``h``,
    written into (a view of) the preallocated ``(P, >= t)`` uint32 buffer ``buf`` (the
    legacy scheme also needs two uint64 buffers of the same shape, ``wide``).

    Permutation-major layout: each row is contiguous, so the per-document minimum
    (``np.minimum.reduceat`` along axis 1) runs over contiguous memory; reusing one
    buffer avoids a fresh multi-MiB allocation (and its page faults) per chunk.
    """
    out = buf[: a.size, : h.size]
    if scheme == "affine32":
        np.multiply(a[:, None], h[None, :], out=out)
        out += b[:, None]
        return out
    # legacy: x = a*h + b in wrapping uint64 (as datasketch computes it), then x mod p
    # with p = 2^61 - 1: x = hi * 2^61 + lo and 2^61 = 1 (mod p), so x = hi + lo (mod p),
    # and hi + lo < 2p needs at most one subtraction (faster than numpy's uint64 %).
    assert wide is not None
    x = wide[0][: a.size, : h.size]
    y = wide[1][: a.size, : h.size]
    np.multiply(a[:, None], h.astype(_U64)[None, :], out=x)
    x += b[:, None]
    np.bitwise_and(x, MERSENNE_PRIME, out=y)
    x >>= _U64(61)
    y += x
    np.greater_equal(y, MERSENNE_PRIME, out=x)  # reuse x as 0/1 flags
    x *= MERSENNE_PRIME
    y -= x
    np.copyto(out, y, casting="unsafe")  # truncation to 32 bits = datasketch's "& max_hash"
    return out


def minhash_signatures(
    hash_sets: Sequence[np.ndarray],
    num_perm: int = 128,
    seed: int = 1,
    *,
    scheme: Scheme = "affine32",
) -> np.ndarray:
    """MinHash signatures of a batch of documents, as one ``(n, num_perm)`` uint32 matrix.

    ``hash_sets[i]`` is the 1-D array of shingle hashes of document ``i`` (uint32, or
    uint64 folded by `to_hash32`; repeated values are harmless).

    Guarantees: row ``i`` equals ``datasketch.MinHash(num_perm, seed, scheme=scheme,
    hashfunc=int)`` updated with ``to_hash32(hash_sets[i])``; an empty document's row is
    all ``MAX_HASH``; deterministic; memory bounded (the batch is processed in blocks of
    64 permutations x 8192 tokens, a single huge document in token slices).
    """
    n = len(hash_sets)
    a, b = permutations(num_perm, seed, scheme)
    out = np.full((n, num_perm), MAX_HASH, dtype=_U32)
    if n == 0:
        return out
    parts = [to_hash32(h) for h in hash_sets]
    lengths = np.fromiter((p.size for p in parts), dtype=np.int64, count=n)
    if not lengths.any():
        return out
    flat = np.concatenate(parts)
    if scheme == "affine32":
        flat = fmix32(flat)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])

    budget = _MAX_TOKENS[scheme]  # tokens per chunk
    width = min(budget, int(starts[-1]))
    pb = min(_PERM_BLOCK, num_perm)
    blocks = [(p0, min(p0 + pb, num_perm)) for p0 in range(0, num_perm, pb)]
    buf = np.empty((pb, width), dtype=_U32)
    wide = None
    if scheme == "legacy":
        wide = (np.empty((pb, width), dtype=_U64), np.empty((pb, width), dtype=_U64))
    doc = 0
    while doc < n:
        # Extend the chunk with whole documents while they fit in the token budget.
        end = int(np.searchsorted(starts, starts[doc] + budget, side="right")) - 1
        end = min(max(end, doc + 1), n)
        lo, hi = int(starts[doc]), int(starts[end])
        if end == doc + 1 and hi - lo > budget:
            # One document larger than the budget: running minimum over token slices.
            for s in range(lo, hi, budget):
                h = flat[s : min(s + budget, hi)]
                for p0, p1 in blocks:
                    part = _permute(h, a[p0:p1], b[p0:p1], scheme, buf, wide)
                    np.minimum(out[doc, p0:p1], part.min(axis=1), out=out[doc, p0:p1])
        elif hi > lo:
            nonempty = np.flatnonzero(lengths[doc:end])
            rows = doc + nonempty
            offsets = starts[doc:end][nonempty] - lo
            for p0, p1 in blocks:
                permuted = _permute(flat[lo:hi], a[p0:p1], b[p0:p1], scheme, buf, wide)
                out[rows, p0:p1] = np.minimum.reduceat(permuted, offsets, axis=1).T
        doc = end
    return out


def jaccard_estimate(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise MinHash estimate of the Jaccard similarity: the fraction of equal slots.

    ``a`` and ``b`` are ``(n, P)`` (or ``(P,)``) signature arrays that broadcast together.
    Guarantees: float64 in [0, 1], shape = broadcast shape without the last axis; equal to
    ``datasketch.MinHash.jaccard`` on the same signatures.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"signature lengths differ: {a.shape[-1]} != {b.shape[-1]}")
    # An integer count then one division: the same float as datasketch, faster than mean().
    return (a == b).sum(axis=-1, dtype=np.int64) / a.shape[-1]


def containment_estimate(
    a: np.ndarray, b: np.ndarray, size_a: np.ndarray | float, size_b: np.ndarray | float
) -> np.ndarray:
    """Row-wise estimate of the containment of the smaller set in the larger one.

    From the Jaccard estimate ``J`` and the set sizes: ``|A ∩ B| = J (|A| + |B|) / (1 + J)``,
    containment ``= |A ∩ B| / min(|A|, |B|)``. Guarantees: float64 in [0, 1]; 0 when a set
    is empty; ``>=`` the Jaccard estimate (equal when the sizes are equal and J is 0 or 1).
    """
    j = jaccard_estimate(a, b)
    sa = np.asarray(size_a, dtype=np.float64)
    sb = np.asarray(size_b, dtype=np.float64)
    smaller = np.minimum(sa, sb)
    inter = j * (sa + sb) / (1.0 + j)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(smaller > 0, inter / np.where(smaller > 0, smaller, 1.0), 0.0)
    return np.clip(c, 0.0, 1.0)


@numba.njit(cache=True, nogil=True)
def pair_similarity(
    sig_a: np.ndarray, sig_b: np.ndarray, containment: bool, size_a: float, size_b: float
) -> float:
    """`jaccard_estimate` (or `containment_estimate`) of one pair of signatures, compiled (for
    compiled callers such as `cleaners.dedup.placement`, and cheaper than NumPy's call
    overhead for one pair), with the same floating-point operations, so the same float."""
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
