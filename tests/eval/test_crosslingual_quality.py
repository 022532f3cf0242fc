"""Cross-lingual duplicate detection quality on WMT newstest2013 (52 documents x en/fr/de/es).

The whole pipeline as the flow runs it (language detection without hints, the embedded
backend, `TUNED_MATCH`), scored against the true document ids. The bounds sit below the
measured values (benchmarks/crosslingual.py, docs/dedup.md) by a margin
that a real regression (a broken lexicon, a wrong threshold, a lost language) crosses.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.support.data import benchmark_module, eval_path


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return benchmark_module("crosslingual")


def _four_languages(bench: ModuleType, name: str) -> list:
    """Every document of the WMT set ``name`` in en/fr/de/es (skips when absent)."""
    folder = eval_path("wmt")
    files = bench.wmt_sets(folder).get(name)
    if not files or set(files) < {"en", "fr", "de", "es"}:
        pytest.skip(f"{name} en/fr/de/es files are absent from {folder}")
    return bench.load_set(files)


@pytest.fixture(scope="module")
def newstest2013(bench: ModuleType) -> list:
    docs = _four_languages(bench, "newstest2013")
    assert len(docs) == 4 * 52
    return docs


def _scores(bench: ModuleType, docs: list) -> dict:
    pred, langs, *_ = bench.run(docs)
    assert sum(d.lang != lg for d, lg in zip(docs, langs, strict=True)) <= 2, "language id regressed"
    return bench.evaluate(docs, pred)


def test_full_set(bench: ModuleType, newstest2013: list) -> None:
    ev = _scores(bench, newstest2013)
    p, r, f = ev["pairs"][("all", "all")][:3]
    assert p >= 0.99 and f >= 0.97, (p, r, f)
    assert ev["ari"] >= 0.96
    for pair in (("en", "fr"), ("de", "en"), ("en", "es"), ("de", "fr"), ("es", "fr"), ("de", "es")):
        assert ev["pairs"][pair][2] >= 0.93, (pair, ev["pairs"][pair])


def test_condensed_translations(bench: ModuleType, newstest2013: list) -> None:
    ev = _scores(bench, bench.condensed(newstest2013))
    p, r, f = ev["pairs"][("all", "all")][:3]
    assert p >= 0.99 and f >= 0.93, (p, r, f)


def test_lsh_candidates_are_selective(bench: ModuleType, newstest2013: list) -> None:
    """With `TUNED_MATCH`'s LSH layout few unrelated pairs become candidates (measured 9 %
    on newstest2013 full, 79 % with one row per band at the verification threshold), while
    nearly every translation pair does (measured 0.99)."""
    from cleaners.dedup import TUNED_MATCH

    _, langs, _, fp = bench.run(newstest2013)
    unrelated, true = bench.candidate_rates(
        fp.signatures, [d.docid for d in newstest2013], langs, *TUNED_MATCH.lsh_params()
    )
    assert unrelated <= 0.15, unrelated
    assert true >= 0.95, true


def test_distractors_form_no_cluster(bench: ModuleType, newstest2013: list) -> None:
    docs = bench.distractor(newstest2013)
    assert len({d.docid for d in docs}) == len(docs) == 52
    assert _scores(bench, docs)["clusters"] == 0


def test_monolingual_reposts_join_and_other_stories_do_not(bench: ModuleType, newstest2013: list) -> None:
    """A repost of a real article with a third of its sentences dropped, the rest shuffled,
    and promo and boilerplate lines added lands in the original's cluster as `near`; the
    other English articles of the set stay apart."""
    import random

    import numpy as np

    from cleaners.dedup import TUNED_MATCH, DocBatch, fingerprint_batch, match

    english = [d for d in newstest2013 if d.lang == "en"]
    rng = random.Random(7)
    reposts = []
    for d in english[:10]:
        kept = rng.sample(d.sentences, max(1, round(len(d.sentences) * 0.67)))
        kept.insert(len(kept) // 2, "READ MORE: The ten best holiday destinations for the whole family")
        kept += ["Share this article on Facebook and Twitter", "© 2013 All rights reserved"]
        reposts.append("\n".join(kept))
    texts = [d.text for d in english] + reposts
    fp = fingerprint_batch(texts, langs=["en"] * len(texts))
    batch = DocBatch(
        doc_ids=[f"orig{i}" for i in range(len(english))] + [f"repost{i}" for i in range(len(reposts))],
        langs=fp.langs, signatures=fp.signatures, text_hashes=fp.text_hashes,
        lengths=np.array([len(t) for t in texts]), published_at=np.full(len(texts), np.nan),
        n_features=fp.shingle_counts,
    )
    out = match(batch, None, TUNED_MATCH)
    for i in range(len(reposts)):
        a = out[len(english) + i]
        assert a.cluster_id == f"orig{i}" and a.dup_kind == "near", (i, a)
    assert len({a.cluster_id for a in out[: len(english)]}) == len(english)


@pytest.fixture(scope="module")
def newstest2012(bench: ModuleType) -> list:
    return _four_languages(bench, "newstest2012")


def test_german_compounds_translated_by_their_heads_reach_the_per_pair_targets(
        bench: ModuleType, newstest2012: list) -> None:
    """newstest2012 is where German pairs fell short of issue 17's per-pair targets (full de-fr
    F1 0.974, condensed 0.947), mostly German articles whose compounds the lexicon lacks
    (measured 0.990 and 0.969 with compound heads, docs/dedup.md). Without them (the
    `FingerprintConfig.compound_heads` switch) the same pairs score lower, placement alone
    (the cluster merges after it also join the de-fr pair the heads find)."""
    import dataclasses

    from cleaners.dedup import DEFAULT_FINGERPRINT, TUNED_MATCH

    pairs = (("de", "en"), ("de", "es"), ("de", "fr"))
    full = bench.evaluate(newstest2012, bench.run(newstest2012)[0])
    condensed = bench.condensed(newstest2012)
    short = bench.evaluate(condensed, bench.run(condensed)[0])
    for pair in pairs:
        assert full["pairs"][pair][0] >= 0.995 and full["pairs"][pair][2] >= 0.98, (pair, full["pairs"][pair])
        assert short["pairs"][pair][0] >= 0.995 and short["pairs"][pair][2] >= 0.95, (pair, short["pairs"][pair])
    without = dataclasses.replace(DEFAULT_FINGERPRINT, compound_heads=False)
    placement = dataclasses.replace(TUNED_MATCH, merge_clusters=False)
    before = bench.evaluate(newstest2012, bench.run(newstest2012, without, placement)[0])
    after = bench.evaluate(newstest2012, bench.run(newstest2012, match_config=placement)[0])
    assert before["pairs"][("de", "fr")][2] < after["pairs"][("de", "fr")][2]
