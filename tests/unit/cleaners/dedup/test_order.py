"""Order independence and stable identity of `match` over runs (issue 17), as properties.

A corpus of stories, each told in several versions and languages, is split into random runs
in a random order, each run matched against the history the earlier runs left
(`History.with_batch`, what the flow persists). Checked against matching everything in one run:

- the partition into clusters is the same, for stories whose versions are all clearly above
  the thresholds with one another and clearly below them with other stories (where the
  relation "is a duplicate of" is an equivalence; at the margins of the thresholds it is not
  transitive, and which versions meet first matters: docs/dedup.md, "Arrival order");
- a cluster's canonical is its most complete member by the rule (longest, earliest, smallest
  doc_id) whatever the split, so it is the same as in one run;
- a ``cluster_id``, once given, never changes, and every document's row keeps it.
"""

from __future__ import annotations

import dataclasses
from itertools import pairwise, permutations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.dedup import TUNED_MATCH, DocBatch, History, MatchConfig, match
from cleaners.dedup.align import SentenceSketch, sketch_from_sets
from cleaners.dedup.minhash import minhash_signatures

NUM_PERM = TUNED_MATCH.num_perm


def _corpus(seed: int, stories: int = 40) -> DocBatch:
    """Stories of 1-5 versions in en/fr/de: a version keeps 70-95 % of its story's words
    (pairwise Jaccard ~0.5-0.9) and adds a few of its own; stories share a common vocabulary
    only through a small pool of frequent words (Jaccard between stories < 0.05)."""
    rng = np.random.default_rng(seed)
    vocab = np.unique(rng.integers(0, 2**63 - 1, size=200_000, dtype=np.int64)).astype(np.uint64)
    common = vocab[:300]
    sets, ids, langs, lengths, published = [], [], [], [], []
    for s in range(stories):
        base = rng.choice(vocab[300:], size=int(rng.integers(60, 250)), replace=False)
        for v in range(int(rng.integers(1, 6))):
            kept = base[rng.random(base.size) < rng.uniform(0.7, 0.95)]
            extra = rng.choice(vocab[300:], size=int(rng.integers(0, 6)), replace=False)
            noise = rng.choice(common, size=5, replace=False)
            sets.append(np.unique(np.concatenate([kept, extra, noise])))
            ids.append(f"s{s:02d}v{v}")
            langs.append(str(rng.choice(["en", "fr", "de"])))
            lengths.append(int(rng.integers(500, 600)))  # ties on length: the date and id decide
            published.append(float(rng.integers(0, 5)) if rng.random() < 0.8 else np.nan)
    return DocBatch(ids, langs, minhash_signatures(sets, num_perm=NUM_PERM), [f"h-{i}" for i in ids],
                    np.array(lengths), np.array(published), np.array([s.size for s in sets]))


def _take(b: DocBatch, rows: list[int]) -> DocBatch:
    assert b.n_features is not None
    return DocBatch([b.doc_ids[r] for r in rows], [b.langs[r] for r in rows], b.signatures[rows],
                    [b.text_hashes[r] for r in rows], b.lengths[rows], b.published_at[rows],
                    b.n_features[rows])


def _clusters(h: History) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for doc_id, cid in zip(h.doc_ids, h.cluster_ids, strict=True):
        out.setdefault(cid, set()).add(doc_id)
    return {cid: frozenset(m) for cid, m in out.items()}


def _best_member(members: frozenset[str], corpus: DocBatch) -> str:
    row = {d: k for k, d in enumerate(corpus.doc_ids)}

    def key(d: str) -> tuple[float, float, str]:
        pub = corpus.published_at[row[d]]
        return (-float(corpus.lengths[row[d]]), np.inf if np.isnan(pub) else float(pub), d)

    return min(members, key=key)


CORPUS = _corpus(17)
ONE_RUN = History.empty(NUM_PERM).with_batch(CORPUS, match(CORPUS, History.empty(NUM_PERM), TUNED_MATCH))


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(range(len(CORPUS))), cuts=st.sets(st.integers(1, len(CORPUS) - 1), max_size=30))
def test_random_runs_in_random_order_give_the_one_run_clusters(order: list[int], cuts: set[int]) -> None:
    history = History.empty(NUM_PERM)
    history.lengths, history.published_at = np.empty(0), np.empty(0)
    given_ids: dict[str, str] = {}
    bounds = [0, *sorted(cuts), len(order)]
    for lo, hi in pairwise(bounds):
        batch = _take(CORPUS, order[lo:hi])
        before = list(history.cluster_ids)
        out = match(batch, history, TUNED_MATCH)
        history = history.with_batch(batch, out)
        assert history.cluster_ids[: len(before)] == before, "a history row changed cluster"
        for doc_id, a in zip(batch.doc_ids, out, strict=True):
            given_ids[doc_id] = a.cluster_id
        assert set(given_ids.values()) >= set(before), "a cluster id disappeared"
    mine, one = _clusters(history), _clusters(ONE_RUN)
    assert set(mine.values()) == set(one.values()), "the partition depends on the runs"
    canon = {cid for cid, flag in zip(history.cluster_ids, history.is_canonical, strict=True) if flag}
    assert canon == set(mine), "not exactly one current canonical per cluster"
    current = {history.cluster_ids[k]: d for k, d in enumerate(history.doc_ids) if history.is_canonical[k]}
    for cid, members in mine.items():
        assert current[cid] == _best_member(members, CORPUS), f"cluster {cid}: not the rule's canonical"
    assert all(history.cluster_ids[history.doc_ids.index(d)] == c for d, c in given_ids.items())


def test_the_corpus_has_multi_version_stories_in_several_languages() -> None:
    clusters = _clusters(ONE_RUN)
    assert sum(len(m) > 1 for m in clusters.values()) >= 20
    row = {d: k for k, d in enumerate(CORPUS.doc_ids)}
    assert any(len({CORPUS.langs[row[d]] for d in m}) > 1 for m in clusters.values())


def _story_at_the_margin(aligned: bool) -> tuple[DocBatch, dict[str, SentenceSketch]]:
    """One story in three versions: ``de`` (longest) and ``fr`` share 20 of 256 signature
    slots (Jaccard 0.078: below the cross-lingual threshold, above the merge threshold), the
    shorter ``en`` shares 64 with each (0.25: a sure pass). Their sketches are one sentence
    sequence (a translation, ``aligned``) or the same sentences in another order in ``fr``."""
    rng = np.random.default_rng(5)
    sigs = rng.integers(0, 2**32, size=(3, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    de, fr, en = 0, 1, 2
    sigs[de, :64] = sigs[en, :64]
    sigs[fr, 64:128] = sigs[en, 64:128]
    sigs[fr, 128:148] = sigs[de, 128:148]
    batch = DocBatch(["de", "fr", "en"], ["de", "fr", "en"], sigs, ["h-de", "h-fr", "h-en"],
                     np.array([900, 800, 700]), np.full(3, np.nan), np.full(3, 100))
    sentences = [{f"w{s}-{t}" for t in range(6)} for s in range(12)]
    other = sentences[::-1] if not aligned else sentences
    sketches = {"de": sketch_from_sets(sentences), "en": sketch_from_sets(sentences),
                "fr": sketch_from_sets(other)}
    return batch, sketches


def _runs(batch: DocBatch, sketches: dict[str, SentenceSketch], runs: list[list[int]],
          config: MatchConfig = TUNED_MATCH) -> set[frozenset[str]]:
    history = History.empty(NUM_PERM)
    history.lengths, history.published_at = np.empty(0), np.empty(0)
    for rows in runs:
        part = _take(batch, rows)
        history = history.with_batch(part, match(part, history, config,
                                                 sketches=lambda ids: [sketches[d] for d in ids]))
    return set(_clusters(history).values())


def test_a_story_whose_two_longest_versions_do_not_verify_is_one_cluster_in_any_runs() -> None:
    """The two longest versions of a story (de, fr) verify only through a third (en): in one
    run the third links them; when de arrives after the others, it passes no canonical (fr's)
    but passes en, another version of fr's cluster, which links them too. Their canonicals
    merge at the merge threshold with the second signal; not when their sentences do not
    align, nor at placement's threshold."""
    whole = {frozenset({"de", "fr", "en"})}
    batch, sketches = _story_at_the_margin(aligned=True)
    orders = [[[0, 1, 2]], [[1, 2], [0]], [[0, 2], [1]], [[2], [0], [1]], [[0], [1], [2]], [[1], [0], [2]]]
    for runs in orders:
        assert _runs(batch, sketches, runs) == whole, runs
    batch, shuffled = _story_at_the_margin(aligned=False)
    assert _runs(batch, shuffled, [[1, 2], [0]]) == {frozenset({"fr", "en"}), frozenset({"de"})}
    at_placement = dataclasses.replace(TUNED_MATCH, merge_xl_threshold=None)
    assert _runs(batch, sketches, [[1, 2], [0]], at_placement) == {frozenset({"fr", "en"}), frozenset({"de"})}


def test_the_merge_threshold_is_never_above_the_cross_lingual_one() -> None:
    assert TUNED_MATCH.merge_floor == 0.07 < TUNED_MATCH.xl_threshold
    assert MatchConfig(cross_lingual_threshold=0.2).merge_floor == 0.2  # None: the same
    assert MatchConfig(cross_lingual_threshold=0.05, merge_xl_threshold=0.07).merge_floor == 0.05
    with pytest.raises(ValueError, match="merge_xl_threshold"):
        MatchConfig(merge_xl_threshold=0.0)


def _shared_slots(docs: list[tuple[str, str, int]], shared: dict[tuple[str, str], int]) -> DocBatch:
    """Documents ``(id, lang, length)`` whose signatures share ``shared[(x, y)]`` slots pairwise
    (disjoint blocks, so Jaccard is exactly slots / 256) and nothing else."""
    rng = np.random.default_rng(3)
    ids = [d for d, _, _ in docs]
    sigs = rng.integers(0, 2**32, size=(len(docs), NUM_PERM), dtype=np.uint64).astype(np.uint32)
    at = 0
    for (x, y), k in shared.items():
        sigs[ids.index(y), at:at + k] = sigs[ids.index(x), at:at + k]
        at += k
    return DocBatch(ids, [lg for _, lg, _ in docs], sigs, [f"h-{d}" for d in ids],
                    np.array([n for _, _, n in docs]), np.full(len(docs), np.nan), np.full(len(docs), 100))


def _splits(ids: list[str]) -> list[list[list[int]]]:
    """Every order of ``ids``' rows cut into runs in every way."""
    out = []
    for order in permutations(range(len(ids))):
        for mask in range(2 ** (len(ids) - 1)):
            runs, run = [], [order[0]]
            for k in range(1, len(ids)):
                if mask >> (k - 1) & 1:
                    runs.append(run)
                    run = []
                run.append(order[k])
            out.append([*runs, run])
    return out


def test_a_link_counts_through_the_canonical_it_passed_even_if_replaced_later() -> None:
    """de and fr (the two longest) at 0.078, en and es each pass both (0.203) and not each
    other. When es's cluster elects fr after de passed es, de's link goes through es, the
    document it passed: every order and cut into runs gives one cluster (192 splits)."""
    batch = _shared_slots([("de", "de", 1000), ("fr", "fr", 900), ("en", "en", 800), ("es", "es", 700)],
                          {("de", "fr"): 20, ("de", "en"): 52, ("de", "es"): 52, ("fr", "en"): 52,
                           ("fr", "es"): 52})
    sketches = {d: _story_at_the_margin(aligned=True)[1]["de"] for d in batch.doc_ids}
    whole = {frozenset(batch.doc_ids)}
    assert all(_runs(batch, sketches, split) == whole for split in _splits(batch.doc_ids))


def test_below_the_placement_threshold_a_missing_sketch_does_not_merge() -> None:
    batch, sketches = _story_at_the_margin(aligned=True)
    missing = {**sketches, "fr": None}
    assert _runs(batch, missing, [[1, 2], [0]]) == {frozenset({"fr", "en"}), frozenset({"de"})}  # type: ignore[arg-type]


def test_the_history_sketches_merges_need_are_asked_for_together() -> None:
    """A founder below the placement threshold from a history canonical, with grey-zone
    evidence through 30 of its members (whose sentences do not align): the history sketches
    (the canonical's and the members') are asked of the source in one call, not one each."""
    members = 30
    docs = [("B", "fr", 900), ("F", "de", 1000)] + [(f"m{k}", "en", 400) for k in range(members)]
    shared = {("B", "F"): 20}
    batch = _shared_slots(docs, shared)
    rng = np.random.default_rng(4)
    common, link = rng.integers(0, 2**32, 64).astype(np.uint32), rng.integers(0, 2**32, 32).astype(np.uint32)
    batch.signatures[0, 100:164] = common
    batch.signatures[1, 200:232] = link
    for k in range(members):
        batch.signatures[2 + k, 100:164] = common
        batch.signatures[2 + k, 200:232] = link
    story = _story_at_the_margin(aligned=True)[1]["de"]
    other = _story_at_the_margin(aligned=False)[1]["fr"]
    sketches = {"B": story, "F": story, **{f"m{k}": other for k in range(members)}}
    history = History.empty(NUM_PERM)
    history.lengths, history.published_at = np.empty(0), np.empty(0)
    old = _take(batch, [0, *range(2, 2 + members)])
    history = history.with_batch(old, match(old, history, TUNED_MATCH,
                                            sketches=lambda ids: [sketches[d] for d in ids]))
    calls: list[list[str]] = []

    def source(ids: list[str]) -> list[SentenceSketch]:
        calls.append(list(ids))
        return [sketches[d] for d in ids]

    out = match(_take(batch, [1]), history, TUNED_MATCH, sketches=source)
    assert out[0].is_canonical  # the members' sentences do not align: no merge
    asked = [call for call in calls if any(d == "B" or d.startswith("m") for d in call)]
    assert len(asked) == 1 and {"B", *(f"m{k}" for k in range(members))} <= set(asked[0])


def test_a_founder_links_a_cluster_whose_canonical_was_replaced_after_it_was_placed() -> None:
    """History cluster H (fr) + y (en); the run's founder F (de) passes y, not H; D (fr,
    longer, later in the run) joins H's cluster and becomes its canonical without sharing an
    LSH band with F. F links that cluster whatever its similarity to D above the merge
    threshold: the more similar F and D, the surer the merge (the first version linked only
    below the placement threshold)."""
    rng = np.random.default_rng(7)
    aligned = _story_at_the_margin(aligned=True)[1]["de"]
    sketches = dict.fromkeys(("H", "y", "F", "D"), aligned)
    for slots in (23, 39, 63):  # F-D 0.090, 0.152, 0.246
        h, y, f, d = (rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64).astype(np.uint32) for _ in range(4))
        y[0:64] = h[0:64]
        f[64:128] = y[64:128]
        d[128:224] = h[128:224]
        columns = [*range(226, 256), *range(0, 64, 2), 224]  # never both rows of an LSH band
        d[columns[:slots]] = f[columns[:slots]]
        old = DocBatch(["H", "y"], ["fr", "en"], np.array([h, y]), ["h-H", "h-y"], np.array([500, 400]),
                       np.full(2, np.nan), np.full(2, 100))
        new = DocBatch(["F", "D"], ["de", "fr"], np.array([f, d]), ["h-F", "h-D"], np.array([1000, 900]),
                       np.full(2, np.nan), np.full(2, 100))
        history = History.empty(NUM_PERM)
        history.lengths, history.published_at = np.empty(0), np.empty(0)
        for part in (old, new):
            history = history.with_batch(part, match(part, history, TUNED_MATCH,
                                                     sketches=lambda ids: [sketches[i] for i in ids]))
        assert set(_clusters(history).values()) == {frozenset({"H", "y", "F", "D"})}, slots
