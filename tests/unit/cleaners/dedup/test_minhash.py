"""Vectorised MinHash: bit-equality with datasketch, empty docs, estimates on real text."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xxhash
from datasketch import MinHash

from cleaners.dedup.minhash import (
    MAX_HASH,
    containment_estimate,
    jaccard_estimate,
    minhash_signatures,
    permutations,
    to_hash32,
)
from tests.support.data import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
EN_SEED = SEEDS / "000_5579c1d2ab6f9191.txt"


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _shingle_hashes(words: list[str], n: int = 3) -> np.ndarray:
    grams = {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}
    return np.array([xxhash.xxh32_intdigest(g.encode()) for g in sorted(grams)], dtype=np.uint32)


def _datasketch(hash_sets: list[np.ndarray], num_perm: int, seed: int, scheme: str) -> np.ndarray:
    ms = MinHash.bulk(
        [h.tolist() for h in hash_sets], num_perm=num_perm, seed=seed, scheme=scheme, hashfunc=int
    )
    return np.array([m.hashvalues for m in ms]).astype(np.uint64)


@pytest.fixture(scope="module")
def en_words() -> list[str]:
    if not EN_SEED.exists():
        pytest.skip(f"seed article {EN_SEED} is absent (it lives in ../shared/seeds)")
    return _words(EN_SEED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 42), (100, 3)])
def test_signatures_equal_datasketch(scheme: str, num_perm: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 900, size=60)
    sets = [rng.integers(0, 2**32, size=int(k), dtype=np.uint64).astype(np.uint32) for k in sizes]
    sets[3] = sets[3][:1]  # a single shingle
    sets.append(np.array([0, 2**32 - 1, 1], dtype=np.uint32))  # extreme values
    ours = minhash_signatures(sets, num_perm=num_perm, seed=seed, scheme=scheme)
    assert ours.shape == (len(sets), num_perm)
    assert ours.dtype == np.uint32
    np.testing.assert_array_equal(ours.astype(np.uint64), _datasketch(sets, num_perm, seed, scheme))


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
def test_real_text_shingles_equal_datasketch(en_words: list[str], scheme: str) -> None:
    # Every paragraph-sized window of the seed article is one document.
    docs = [_shingle_hashes(en_words[i : i + 80]) for i in range(0, len(en_words), 40)]
    ours = minhash_signatures(docs, scheme=scheme)
    np.testing.assert_array_equal(ours.astype(np.uint64), _datasketch(docs, 128, 1, scheme))


def test_huge_document_is_processed_in_slices_with_the_same_result() -> None:
    rng = np.random.default_rng(3)
    big = rng.integers(0, 2**32, size=70_000, dtype=np.uint64).astype(np.uint32)
    small = big[:10]
    ours = minhash_signatures([small, big, small])
    ref = _datasketch([small, big], 128, 1, "affine32")
    np.testing.assert_array_equal(ours[0], ours[2])
    np.testing.assert_array_equal(ours[:2].astype(np.uint64), ref)


def test_empty_documents_get_the_max_row_like_datasketch() -> None:
    sets = [np.empty(0, np.uint32), np.array([5, 6], np.uint32), np.empty(0, np.uint64)]
    ours = minhash_signatures(sets)
    assert (ours[0] == MAX_HASH).all() and (ours[2] == MAX_HASH).all()
    assert not (ours[1] == MAX_HASH).any()
    np.testing.assert_array_equal(ours[0].astype(np.uint64), MinHash(128, 1).hashvalues)
    assert minhash_signatures([]).shape == (0, 128)
    assert (minhash_signatures([np.empty(0, np.uint32)] * 3) == MAX_HASH).all()


def test_order_and_repetition_do_not_matter() -> None:
    rng = np.random.default_rng(5)
    h = rng.integers(0, 2**32, size=500, dtype=np.uint64).astype(np.uint32)
    shuffled = np.concatenate([rng.permutation(h), h[:100]])
    a, b = minhash_signatures([h, shuffled])
    np.testing.assert_array_equal(a, b)


def test_uint64_hashes_are_folded_and_small_values_kept() -> None:
    small = np.array([1, 2, 2**32 - 1], dtype=np.uint64)
    np.testing.assert_array_equal(to_hash32(small), small.astype(np.uint32))
    big = np.array([2**40 + 3, 2**63 + 2**33], dtype=np.uint64)
    np.testing.assert_array_equal(to_hash32(big), np.array([3 ^ 2**8, 2**31 ^ 2], dtype=np.uint32))
    with pytest.raises(ValueError):
        to_hash32(np.array([-1]))
    with pytest.raises(ValueError):
        to_hash32(np.array([1.5]))
    # A 64-bit hash set gives the datasketch signature of its folded values.
    rng = np.random.default_rng(9)
    h64 = rng.integers(0, 2**63, size=300, dtype=np.uint64)
    ours = minhash_signatures([h64])
    np.testing.assert_array_equal(
        ours.astype(np.uint64), _datasketch([to_hash32(h64)], 128, 1, "affine32")
    )


def test_permutations_match_datasketch_and_are_read_only() -> None:
    for scheme in ("affine32", "legacy"):
        a, b = permutations(128, 11, scheme)
        ref = MinHash(128, 11, scheme=scheme).permutations
        np.testing.assert_array_equal(a, ref[0])
        np.testing.assert_array_equal(b, ref[1])
        with pytest.raises(ValueError):
            a[0] = 1
    with pytest.raises(ValueError):
        permutations(16, 1, "nope")  # type: ignore[arg-type]


def test_jaccard_estimate_equals_datasketch_and_tracks_truth(en_words: list[str]) -> None:
    # Windows of the article overlapping by a known share of words.
    base = en_words[:400]
    shifted = en_words[100:500]
    a, b = _shingle_hashes(base), _shingle_hashes(shifted)
    truth = len(np.intersect1d(a, b)) / len(np.union1d(a, b))
    sig = minhash_signatures([a, b], num_perm=256)
    est = float(jaccard_estimate(sig[0], sig[1]))
    m1, m2 = MinHash(256, 1, hashfunc=int), MinHash(256, 1, hashfunc=int)
    m1.update_batch(a.tolist())
    m2.update_batch(b.tolist())
    assert est == m1.jaccard(m2)
    sigma = np.sqrt(truth * (1 - truth) / 256)
    assert abs(est - truth) < 4 * sigma + 1e-9
    # Row-wise over a matrix, broadcasting a single row.
    rows = jaccard_estimate(sig, sig[0])
    assert rows.shape == (2,) and rows[0] == 1.0 and rows[1] == est
    with pytest.raises(ValueError):
        jaccard_estimate(sig[:, :10], sig)


def test_containment_estimate_of_a_condensed_version() -> None:
    rng = np.random.default_rng(2)
    full = rng.integers(0, 2**32, size=900, dtype=np.uint64).astype(np.uint32)
    part = full[:300]  # a condensed version: a third of the shingles, all contained
    sig = minhash_signatures([full, part], num_perm=256)
    j = float(jaccard_estimate(sig[0], sig[1]))
    c = float(containment_estimate(sig[0], sig[1], 900, 300))
    assert abs(j - 1 / 3) < 0.12
    assert c > 0.85 and c >= j
    unrelated = minhash_signatures([rng.integers(0, 2**32, 300, dtype=np.uint64)], num_perm=256)
    assert float(containment_estimate(sig[0], unrelated[0], 900, 300)) < 0.1
    assert float(containment_estimate(sig[0], sig[1], 0, 300)) == 0.0
