"""Order independence where it is hard: condensed translations of newstest2013 (52 stories x
en/fr/de/es, 60 % of each version's sentences kept), whose versions sit near the thresholds.

The same documents cut into random runs in a random order, each run matched against the
history of the earlier ones, give the clusters of one run, with the same canonicals. Without
the cluster merges (`cleaners.dedup.merge`) they do not: which versions met first decided.

Also the full translations of newstest2012, where two stories' two longest versions do not
verify against each other: merges below the placement threshold keep them whole.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.dedup import TUNED_MATCH
from tests.support.data import benchmark_module, eval_path

N = 4 * 52


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return benchmark_module("crosslingual")


@pytest.fixture(scope="module")
def condensed(bench: ModuleType) -> list:
    files = bench.wmt_sets(eval_path("wmt")).get("newstest2013")
    if not files or set(files) < {"en", "fr", "de", "es"}:
        pytest.skip("newstest2013 en/fr/de/es files are absent from ../shared/eval/wmt")
    docs = bench.condensed(bench.load_set(files))
    assert len(docs) == N
    return docs


@pytest.fixture(scope="module")
def runs(bench: ModuleType, condensed: list) -> object:
    return bench.SplitRuns(condensed, TUNED_MATCH)


@pytest.fixture(scope="module")
def one_run(runs: object) -> dict:
    clusters = runs.clusters(range(N))  # type: ignore[attr-defined]
    assert sorted(len(m) for m in clusters) == [4] * 52  # every story whole, in one run
    return clusters


@settings(max_examples=15, deadline=None, derandomize=True)
@given(order=st.permutations(range(N)), cuts=st.sets(st.integers(1, N - 1), min_size=1, max_size=30))
def test_random_runs_in_random_order_give_the_one_run_clusters(runs: object, one_run: dict,
                                                               order: list[int], cuts: set[int]) -> None:
    assert runs.clusters(order, cuts) == one_run  # type: ignore[attr-defined]


def test_without_merges_the_first_versions_decide(bench: ModuleType, condensed: list, one_run: dict) -> None:
    plain = bench.SplitRuns(condensed, dataclasses.replace(TUNED_MATCH, merge_clusters=False))
    assert plain.clusters(range(N)) == one_run  # in one run the merges change nothing here
    splits = [plain.clusters(order, cuts) for order, cuts in bench.random_splits(N, seeds=range(3))]
    assert all(clusters != one_run for clusters in splits)


N_2012 = 4 * 99


@pytest.fixture(scope="module")
def full_2012(bench: ModuleType) -> list:
    files = bench.wmt_sets(eval_path("wmt")).get("newstest2012")
    if not files or set(files) < {"en", "fr", "de", "es"}:
        pytest.skip("newstest2012 en/fr/de/es files are absent from ../shared/eval/wmt")
    docs = bench.load_set(files)
    assert len(docs) == N_2012
    return docs


@pytest.fixture(scope="module")
def runs_2012(bench: ModuleType, full_2012: list) -> object:
    return bench.SplitRuns(full_2012, TUNED_MATCH)


@settings(max_examples=8, deadline=None, derandomize=True)
@given(order=st.permutations(range(N_2012)),
       cuts=st.sets(st.integers(1, N_2012 - 1), min_size=1, max_size=30))
def test_stories_whose_longest_versions_do_not_verify_stay_whole_in_any_runs(
        runs_2012: object, order: list[int], cuts: set[int]) -> None:
    """newstest2012, full translations: in two stories the two longest versions do not verify
    against each other (Jaccard 0.105 and 0.078) and every other version verifies against
    both. One run, or random runs in a random order, give every story whole (99 clusters of
    its 4 versions): the linked clusters merge at the merge threshold with the second signal."""
    clusters = runs_2012.clusters(order, cuts)  # type: ignore[attr-defined]
    assert sorted(len(m) for m in clusters) == [4] * 99
    assert all(len({d.split(":")[1] for d in m}) == 1 for m in clusters)


def test_at_placements_threshold_those_stories_stay_split_in_one_run(bench: ModuleType, full_2012: list) -> None:
    plain = bench.SplitRuns(full_2012, dataclasses.replace(TUNED_MATCH, merge_xl_threshold=None))
    clusters = plain.clusters(range(N_2012))
    assert sorted(len(m) for m in clusters).count(4) == 97


def test_random_runs_of_newstest2012_condensed_never_join_two_stories(bench: ModuleType, full_2012: list) -> None:
    """Below the placement threshold a merge needs a linking document that passes the document
    it links through: a tentative grey-zone pass that placement never judged is not enough
    (in one of these splits it joined two stories whose canonicals align at 0.078)."""
    docs = bench.condensed(full_2012)
    runs = bench.SplitRuns(docs, TUNED_MATCH)
    for order, cuts in bench.random_splits(len(docs), seeds=range(10)):
        clusters = runs.clusters(order, cuts)
        assert all(len({d.split(":")[1] for d in m}) == 1 for m in clusters)
