"""LSH: parameter choice for recall, the S-curve against measurement, band keys, the index."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from cleaners.dedup import lsh
from cleaners.dedup.lsh import (
    KEY_CHUNK_ROWS,
    BandIndex,
    BandStore,
    band_keys,
    candidate_probability,
    optimal_bands_rows,
)
from cleaners.dedup.minhash import minhash_signatures


def _pairs_with_jaccard(s: float, n_pairs: int, size: int, rng: np.random.Generator):
    """n_pairs of hash sets of `size` elements each, with Jaccard exactly s."""
    shared = round(2 * size * s / (1 + s))
    left, right = [], []
    for _ in range(n_pairs):
        u = rng.choice(2**32, size=2 * size - shared, replace=False).astype(np.uint32)
        left.append(u[:size])
        right.append(np.concatenate([u[:shared], u[size:]]))
    return left, right


@pytest.mark.parametrize("threshold", [0.2, 0.3, 0.5, 0.7, 0.85])
@pytest.mark.parametrize("num_perm", [128, 256])
def test_optimal_bands_rows_reaches_recall_at_threshold(threshold: float, num_perm: int) -> None:
    bands, rows = optimal_bands_rows(threshold, num_perm)
    assert bands >= 1 and rows >= 1 and bands * rows <= num_perm
    assert candidate_probability(threshold, bands, rows) >= 0.99
    # datasketch's default (equal weights, no recall floor) misses far more at the threshold.
    db, dr = _optimal_param(threshold, num_perm, 0.5, 0.5)
    assert candidate_probability(threshold, bands, rows) > candidate_probability(threshold, db, dr)
    # A lower recall floor is honoured too.
    lo_b, lo_r = optimal_bands_rows(threshold, num_perm, min_recall=0.9)
    assert candidate_probability(threshold, lo_b, lo_r) >= 0.9


def test_unreachable_recall_gives_the_best_possible() -> None:
    bands, rows = optimal_bands_rows(0.05, 8, min_recall=0.999)
    best = max(candidate_probability(0.05, b, r) for r in range(1, 9) for b in range(1, 8 // r + 1))
    assert candidate_probability(0.05, bands, rows) == pytest.approx(best)
    with pytest.raises(ValueError):
        optimal_bands_rows(1.0, 128)


def test_candidate_probability_shape_and_monotonicity() -> None:
    s = np.linspace(0, 1, 101)
    p = candidate_probability(s, 20, 5)
    assert isinstance(p, np.ndarray) and p.shape == s.shape
    assert p[0] == 0.0 and p[-1] == 1.0 and np.all(np.diff(p) >= 0)
    assert isinstance(candidate_probability(0.5, 20, 5), float)


@pytest.mark.parametrize(("s", "bands", "rows"), [(0.5, 8, 4), (0.3, 10, 2), (0.7, 4, 6)])
def test_measured_candidate_rate_follows_the_curve(s: float, bands: int, rows: int) -> None:
    """Through the real pipeline (signatures, band keys, index), the share of pairs of
    Jaccard s that become candidates matches 1 - (1 - s^r)^b."""
    rng = np.random.default_rng(int(s * 100) + bands)
    n = 400
    left, right = _pairs_with_jaccard(s, n, 200, rng)
    sig_l = minhash_signatures(left, num_perm=bands * rows, seed=3)
    sig_r = minhash_signatures(right, num_perm=bands * rows, seed=3)
    index = BandIndex()
    index.add([f"L{i}" for i in range(n)], band_keys(sig_l, bands, rows))
    found = index.query(band_keys(sig_r, bands, rows))
    rate = np.mean([f"L{i}" in hits for i, hits in enumerate(found)])
    expected = candidate_probability(s, bands, rows)
    sigma = np.sqrt(expected * (1 - expected) / n)
    assert abs(rate - expected) < 5 * sigma + 0.01
    # Unrelated documents (Jaccard ~ 0) almost never collide.
    stray = sum(len(h - {f"L{i}"}) for i, h in enumerate(found))
    assert stray <= n * 0.02


def test_band_keys_equal_exactly_where_bands_are_equal() -> None:
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 2**32, size=(4, 24), dtype=np.uint64).astype(np.uint32)
    sig[1] = sig[0]
    sig[1, 7] ^= 1  # band 1 (rows 6..11 for rows=6) differs
    sig[2] = np.roll(sig[0], 6)  # same values, each band shifted to the next band
    keys = band_keys(sig, 4, 6)
    assert keys.shape == (4, 4) and keys.dtype == np.uint64
    assert (keys[0] == keys[1]).tolist() == [True, False, True, True]
    assert not np.isin(keys[2], keys[0]).any()  # a band's key depends on its position
    np.testing.assert_array_equal(band_keys(sig, 4, 6), keys)  # deterministic
    # Only the first bands*rows columns are used.
    assert band_keys(sig, 3, 6).shape == (4, 3)
    np.testing.assert_array_equal(band_keys(sig, 3, 6), keys[:, :3])
    with pytest.raises(ValueError):
        band_keys(sig, 5, 6)


def test_band_index_incremental_adds_and_memory() -> None:
    rng = np.random.default_rng(1)
    sig = rng.integers(0, 2**32, size=(300, 64), dtype=np.uint64).astype(np.uint32)
    sig[250] = sig[10]  # a copy of an earlier document
    sig[251, :8] = sig[20, :8]  # shares only the first band with doc 20
    keys = band_keys(sig, 8, 8)
    index = BandIndex()
    assert isinstance(index, BandStore)
    assert index.query(keys[:2]) == [set(), set()]
    index.add([f"d{i}" for i in range(200)], keys[:200])
    assert index.query(keys[[250]]) == [{"d10"}]  # sorted now; the next add must merge
    index.add([f"d{i}" for i in range(200, 300)], keys[200:])
    assert len(index) == 300
    hits = index.query(keys[[10, 250, 251, 5]])
    assert hits[0] == {"d10", "d250"} and hits[1] == {"d10", "d250"}
    assert hits[2] == {"d20", "d251"}
    assert hits[3] == {"d5"}
    rows, pos = index.query_positions(keys[[251]])
    assert rows.tolist() == [0, 0] and sorted(pos.tolist()) == [20, 251]
    # 8 bands x (8-byte key + 4-byte position) per document.
    assert index.nbytes() == 300 * 8 * 12
    with pytest.raises(ValueError):
        index.add(["x"], keys[:1, :4])
    with pytest.raises(ValueError):
        index.add(["x", "y"], keys[:1])


def test_band_keys_are_row_independent_across_chunks_and_fill_any_layout() -> None:
    """Keys are computed KEY_CHUNK_ROWS rows at a time: each row's keys depend on that row
    only (same keys computed alone), and ``out`` may be a transposed (strided) array."""
    rng = np.random.default_rng(4)
    n = KEY_CHUNK_ROWS * 2 + 37  # three chunks, the last one partial
    sig = rng.integers(0, 2**32, size=(n, 48), dtype=np.uint64).astype(np.uint32)
    keys = band_keys(sig, 7, 6)
    probe = [0, KEY_CHUNK_ROWS - 1, KEY_CHUNK_ROWS, n - 1]
    np.testing.assert_array_equal(band_keys(sig[probe], 7, 6), keys[probe])
    kt = np.empty((7, n), dtype=np.uint64)
    assert band_keys(sig, 7, 6, out=kt.T) is not None
    np.testing.assert_array_equal(kt.T, keys)
    with pytest.raises(ValueError):
        band_keys(sig, 7, 6, out=np.empty((n, 6), np.uint64))


def test_band_index_taking_over_keys_answers_like_a_copying_one() -> None:
    """``add(copy=False)`` lets the index sort the caller's (bands, n) array in place; the
    answers are those of an index that copied, and of a brute-force comparison."""
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 50, size=(400, 5)).astype(np.uint64)  # many shared keys
    ids = [f"d{i}" for i in range(400)]
    copying = BandIndex()
    copying.add(ids, keys)
    owned = np.ascontiguousarray(keys.T).T  # (n, bands) view of a (bands, n) array
    taking = BandIndex()
    taking.add(ids, owned, copy=False)
    queries = keys[:60]
    assert taking.query(queries) == copying.query(queries)
    rows, pos = taking.query_positions(queries)
    brute = [(r, p) for r in range(60) for p in range(400) if (keys[p] == keys[r]).any()]
    assert list(zip(rows.tolist(), pos.tolist(), strict=True)) == brute
    np.testing.assert_array_equal(keys[:60], queries)  # the copying index left keys alone


@pytest.mark.parametrize("max_per_bucket", [None, 3])
def test_query_positions_folding_its_pairs_early_answers_the_same(
        monkeypatch: pytest.MonkeyPatch, max_per_bucket: int | None) -> None:
    """The pairs found in many bands are folded into one deduplicated array as they come (at
    `QUERY_COMPACT_CODES`): the answer is the one folded once at the end, and brute force's."""
    rng = np.random.default_rng(11)
    keys = rng.integers(0, 6, size=(300, 8)).astype(np.uint64)  # many pairs in many bands
    index = BandIndex()
    index.add([f"d{i}" for i in range(300)], keys)
    queries = keys[:80]
    at_end = index.query_positions(queries, max_per_bucket)
    monkeypatch.setattr(lsh, "QUERY_COMPACT_CODES", 50)
    folded = index.query_positions(queries, max_per_bucket)
    for got, want in zip(folded, at_end, strict=True):
        np.testing.assert_array_equal(got, want)
    if max_per_bucket is None:
        brute = [(r, p) for r in range(80) for p in range(300) if (keys[p] == keys[r]).any()]
        assert list(zip(*(a.tolist() for a in folded), strict=True)) == brute


def test_near_copies_queried_against_near_copies_hold_memory_of_their_pairs_not_their_bands(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 near-copies of one story against 1,000 more share almost all their 32 bands: the
    pairs, once per band, were 32 million codes (256 MB) before they were deduplicated
    (2,000 against 2,000 in the matcher: 6.8 GB, 2026-12-07). Folded as they come, the
    query holds a few times its million pairs."""
    rng = np.random.default_rng(3)
    keys = np.repeat(rng.integers(0, 2**63, size=(1, 32)).astype(np.uint64), 2000, axis=0)
    noise = rng.random(keys.shape) < 0.05
    keys[noise] = rng.integers(0, 2**63, size=int(noise.sum())).astype(np.uint64)
    index = BandIndex()
    index.add([f"h{i}" for i in range(1000)], keys[:1000])
    monkeypatch.setattr(lsh, "QUERY_COMPACT_CODES", 1 << 21)  # 16 MB of codes
    tracemalloc.start()
    try:
        rows, _ = index.query_positions(keys[1000:])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows.size == 1000 * 1000  # every pair shares a band
    assert peak < 120 * 2**20, f"peak {peak / 2**20:.0f} MB"
