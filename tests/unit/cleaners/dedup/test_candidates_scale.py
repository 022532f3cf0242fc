"""History candidates do not depend on the size or the order of the history (cleaners/dedup/candidates.py).

A new document keeps at most ``bands x max_per_bucket`` history candidates, the most similar
ones (equal signature slots), ties broken by the candidate's content: so padding the history
with thousands of documents that share popular buckets with the translations, placed before
their originals, must not lose an original; a batch whose bigger documents fill the buckets
among new documents must not either; and permuting the history or the batch changes nothing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cleaners.dedup import TUNED_MATCH, DocBatch, History, MatchConfig, MatchStats, match
from cleaners.dedup.candidates import candidate_pairs, history_budget
from cleaners.dedup.lsh import BandIndex
from cleaners.dedup.model import Sides, priority_order
from tests.support.data import eval_path

CONFIG = dataclasses.replace(TUNED_MATCH)  # 113 bands x 2 rows, max_per_bucket 4
BANDS, ROWS = CONFIG.lsh_params()
P = CONFIG.num_perm


def _random_sigs(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**32 - 1, (n, P), dtype=np.uint64).astype(np.uint32)


def _copy_bands(dst: np.ndarray, src: np.ndarray, bands: np.ndarray) -> None:
    for b in bands.tolist():
        dst[b * ROWS : (b + 1) * ROWS] = src[b * ROWS : (b + 1) * ROWS]


def _shared_bands(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    eq = (a[: BANDS * ROWS] == b[: BANDS * ROWS]).reshape(BANDS, ROWS).all(axis=1)
    return np.flatnonzero(eq)


def _synthetic_pairs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` (original, translation) signature pairs agreeing on 30 % of their slots."""
    orig = _random_sigs(rng, n)
    trans = _random_sigs(rng, n)
    same = rng.random((n, P)) < 0.3
    trans[same] = orig[same]
    return orig, trans


def _wmt_pairs() -> tuple[np.ndarray, np.ndarray]:
    """Real fingerprints of newstest2013: every fr/de/es version and its English original."""
    import importlib.util
    import sys

    from cleaners.dedup import fingerprint_batch
    from flows.backends import get_translator
    from tests.support.data import ROOT

    folder = eval_path("wmt")
    spec = importlib.util.spec_from_file_location("bench_crosslingual", ROOT / "benchmarks" / "crosslingual.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    files = bench.wmt_sets(folder).get("newstest2013")
    if not files or set(files) < {"en", "fr", "de", "es"}:
        pytest.skip(f"newstest2013 en/fr/de/es files are absent from {folder}")
    docs = bench.load_set(files)
    fp = fingerprint_batch([d.text for d in docs], langs=[d.lang for d in docs],
                           translator=get_translator("embedded"))
    english = {d.docid: i for i, d in enumerate(docs) if d.lang == "en"}
    tx = [i for i, d in enumerate(docs) if d.lang != "en"]
    orig, trans = fp.signatures[[english[docs[i].docid] for i in tx]], fp.signatures[tx]
    # Pairs LSH proposes and verification accepts (the test is about the selection), 40 of them.
    ok = [k for k in range(len(tx)) if _shared_bands(orig[k], trans[k]).size
          and (orig[k] == trans[k]).mean() >= 0.13]
    return orig[ok[:40]], trans[ok[:40]]


def _scenario(orig: np.ndarray, trans: np.ndarray, seed: int,
              padding: int) -> tuple[History, DocBatch, list[str]]:
    """History: ``padding`` documents before the originals, each sharing 3 bands (a popular
    bucket) with a translation and nothing else; batch: the translations plus, for each, 5
    longer "decoys" holding the bands it shares with its original (they fill those buckets
    among new documents) and sharing nothing else. Returns the originals' cluster ids too."""
    rng = np.random.default_rng(seed)
    n = trans.shape[0]
    shared = [_shared_bands(o, t) for o, t in zip(orig, trans, strict=True)]
    assert all(s.size for s in shared)  # every pair is an LSH candidate
    pad = _random_sigs(rng, padding)
    for row, target in zip(pad, rng.integers(0, n, padding).tolist(), strict=True):
        _copy_bands(row, trans[target], rng.choice(BANDS, 3, replace=False))
    decoys = _random_sigs(rng, 5 * n)
    for k, row in enumerate(decoys):
        _copy_bands(row, orig[k // 5], shared[k // 5])
    sigs = np.concatenate([pad, orig])
    m = sigs.shape[0]
    hist_ids = [f"pad{i:06d}" for i in range(padding)] + [f"orig{i:04d}" for i in range(n)]
    hist = History(hist_ids, ["en"] * m, sigs, [f"h{i}" for i in range(m)], hist_ids,
                   np.ones(m, bool))
    n_new = 6 * n
    new_ids = [f"trans{i:04d}" for i in range(n)] + [f"decoy{i:04d}" for i in range(5 * n)]
    batch = DocBatch(new_ids, ["fr"] * n + ["de"] * (5 * n), np.concatenate([trans, decoys]),
                     [f"n{i}" for i in range(n_new)],
                     np.concatenate([np.full(n, 1000), np.full(5 * n, 5000)]), np.full(n_new, np.nan))
    return hist, batch, hist_ids[padding:]


def _permuted(hist: History, batch: DocBatch, seed: int) -> tuple[History, DocBatch]:
    rng = np.random.default_rng(seed)
    h, b = rng.permutation(len(hist)), rng.permutation(len(batch))
    return (History([hist.doc_ids[i] for i in h], [hist.langs[i] for i in h], hist.signatures[h],
                    [hist.text_hashes[i] for i in h], [hist.cluster_ids[i] for i in h],
                    hist.is_canonical[h]),
            DocBatch([batch.doc_ids[i] for i in b], [batch.langs[i] for i in b], batch.signatures[b],
                     [batch.text_hashes[i] for i in b], batch.lengths[b], batch.published_at[b]))


def _candidate_ids(hist: History, batch: DocBatch, config: MatchConfig) -> set[tuple[str, str]]:
    sides = Sides.of(hist, batch, config)
    priority = priority_order(batch.lengths, batch.published_at, batch.doc_ids)
    cands = candidate_pairs(BandIndex(), sides, BANDS, ROWS, priority, config.max_per_bucket)
    return {(batch.doc_ids[q], sides.doc_id(p)) for q, p in zip(cands.row.tolist(), cands.pos.tolist(), strict=True)}


@pytest.mark.parametrize("source", ["synthetic", "wmt"])
def test_translations_are_found_however_full_the_popular_buckets(source: str) -> None:
    rng = np.random.default_rng(11)
    orig, trans = _synthetic_pairs(rng, 40) if source == "synthetic" else _wmt_pairs()
    n = trans.shape[0]
    budget = history_budget(BANDS, CONFIG.max_per_bucket)
    assert budget is not None
    padding = 3 * budget * n // 2  # each translation shares a bucket with ~1.5 x budget pads
    hist, batch, originals = _scenario(orig, trans, 1, padding)
    stats = MatchStats()
    out = match(batch, hist, CONFIG, stats=stats)
    assert [a.cluster_id for a in out[:n]] == originals
    assert stats.candidate_pairs <= len(batch) * (budget + BANDS * CONFIG.max_per_bucket)
    # The same pairs as a small history gives: padding only ever costs less similar pairs.
    small, _, _ = _scenario(orig, trans, 1, 0)
    assert [a.cluster_id for a in match(batch, small, CONFIG)[:n]] == originals


def test_permuting_the_history_or_the_batch_changes_nothing() -> None:
    """The same candidate pairs (by doc_id) and the same assignments whatever the row order,
    with many history candidates tied on similarity at the budget's edge (every pad shares
    exactly 3 bands) and identical pads tied on everything."""
    rng = np.random.default_rng(5)
    orig, trans = _synthetic_pairs(rng, 12)
    hist, batch, _ = _scenario(orig, trans, 2, 8000)
    hist.signatures[100:110] = hist.signatures[99]  # identical signatures: tied on content
    expected_pairs = _candidate_ids(hist, batch, CONFIG)
    expected = dict(zip(batch.doc_ids, match(batch, hist, CONFIG), strict=True))
    budget = history_budget(BANDS, CONFIG.max_per_bucket)
    history = set(hist.doc_ids)
    per_doc = np.bincount([int(d[5:]) for d, c in expected_pairs if d.startswith("trans") and c in history])
    assert (per_doc == budget).all()  # the budget did cut, among equally similar pads
    for seed in (1, 2):
        h, b = _permuted(hist, batch, seed)
        assert _candidate_ids(h, b, CONFIG) == expected_pairs
        assert dict(zip(b.doc_ids, match(b, h, CONFIG), strict=True)) == expected
