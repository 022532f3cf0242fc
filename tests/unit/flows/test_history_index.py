"""`flows.history.HistoryIndex`: a batch matched against the part of the history its index
returns gets the assignments it gets against the whole history, and the sidecars follow the
parts through new runs, compaction and takedowns."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cleaners.dedup import DEFAULT_FINGERPRINT, DocBatch, MatchStats, match
from flows.history import HistoryIndex, load_history
from flows.schema import signature_matrix
from flows.settings import RunSettings
from flows.stages.sketches import sketch_source
from flows.store import Layout, article_parts
from tests.support.data import benchmark_module, eval_path

FP = DEFAULT_FINGERPRINT


def _land(raw: Path, name: str, records: list[dict]) -> None:
    with open(raw / name, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")


def _index(curated: Path, settings: RunSettings) -> HistoryIndex:
    return HistoryIndex(Layout(curated), FP.num_perm, *settings.match_config().lsh_params(), asdict(FP))


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, RunSettings]:
    """A dataset after three runs of the flow over one WMT news mixture (unique stories,
    near-duplicates, translations, exact copies), and a copy of it after the first two."""
    if not eval_path("wmt").exists():
        pytest.skip("../shared/eval/wmt is absent: no real news to build the history from")
    from flows.curate import curate_flow

    records = [r.row for r in benchmark_module("corpus").generate(900, seed=11)]
    # a text too short for shingles (no band keys) in the first run, copied in the third
    records[5]["text"] = records[700]["text"] = "Breaking."
    tmp = tmp_path_factory.mktemp("history")
    raw, curated = tmp / "raw", tmp / "curated"
    raw.mkdir()
    settings = RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False)
    _land(raw, "a.jsonl", records[:300])
    curate_flow(settings)
    _land(raw, "b.jsonl", records[300:600])
    curate_flow(settings)
    before = tmp / "after-two"
    shutil.copytree(curated, before)
    _land(raw, "c.jsonl", records[600:])
    curate_flow(settings)
    return curated, before, settings


def records_id(curated: Path, i: int) -> str:
    """The ``doc_id`` of the corpus record ``i`` (its ``source_id`` is ``bench-11-<i>``)."""
    t = pq.read_table(curated / "articles", columns=["doc_id", "source_id"]).to_pylist()
    return next(r["doc_id"] for r in t if r["source_id"] == f"bench-11-{i:08d}")


def _third_batch(curated: Path, before: Path) -> DocBatch:
    old = pq.read_table(before / "articles", columns=["doc_id"]).column("doc_id")
    t = pq.read_table(curated / "articles")
    new = t.filter(pc.invert(pc.is_in(t.column("doc_id"), old)))
    published = pc.cast(new.column("published_at"), pa.int64()).to_numpy(zero_copy_only=False)
    batch = DocBatch(new.column("doc_id").to_pylist(), new.column("lang").to_pylist(),
                     signature_matrix(new.column("minhash"), FP.num_perm),
                     new.column("text_hash").to_pylist(),
                     pc.utf8_length(new.column("text")).to_numpy().astype(np.int64),
                     np.asarray(published, np.float64) / 1e6,
                     new.column("shingle_count").to_numpy().astype(np.int64))
    return batch


def test_the_index_gives_the_assignments_of_the_whole_history(three_runs) -> None:
    curated, before, settings = three_runs
    batch = _third_batch(curated, before)
    config = settings.match_config()
    parts = [str(p) for p in article_parts(Layout(before))]
    full = load_history(Layout(before), FP.num_perm, asdict(FP))
    index = _index(before, settings)
    synced = index.sync()  # the second run indexed the first run's part; the second's is new
    assert (synced["parts"], synced["built"], synced["rows"]) == (2, 1, 600)
    part_of = index.history_for(batch.signatures, batch.text_hashes)
    assert full is not None and part_of is not None
    assert 0 < len(part_of) < len(full), "the index returns part of the history, not all of it"

    def assign(history):
        stats = MatchStats()
        out = match(batch, history, config, stats=stats,
                    sketches=sketch_source([], parts, FP))
        return [(a.cluster_id, a.is_canonical, a.duplicate_of, a.similarity, a.dup_kind, a.elected)
                for a in out], stats

    got, stats = assign(part_of)
    want, _ = assign(full)
    assert got == want
    assert stats.joined_history > 0 and stats.cross_lingual > 0, "the batch meets the history"
    short = batch.doc_ids.index(records_id(curated, 700))
    assert batch.n_features[short] == 0 and got[short][4] == "exact", "found by its text hash alone"


def test_a_run_through_the_index_writes_what_a_full_reload_writes(three_runs, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The third run again, from the dataset of the first two, matching against the whole
    history: every row and the cluster state are the ones the run through the index wrote."""
    import flows.curate as curate_module

    curated, before, settings = three_runs
    again = tmp_path / "curated"
    shutil.copytree(before, again)
    real = curate_module.history_task
    monkeypatch.setattr(curate_module, "history_task",
                        lambda curated_dir, fp, config, full=False: real.fn(curated_dir, fp, config, full=True))
    curate_module.curate_flow(settings.model_copy(update={"curated_dir": str(again)}))
    columns = ["doc_id", "cluster_id", "is_canonical", "duplicate_of", "similarity", "dup_kind"]

    def rows(root: Path) -> list[dict]:
        return sorted(pq.read_table(root / "articles", columns=columns).to_pylist(), key=lambda r: r["doc_id"])

    assert rows(again) == rows(curated)
    state = ["cluster_id", "canonical_doc_id", "size", "languages"]
    assert (pq.read_table(again / "clusters", columns=state).sort_by("cluster_id")
            == pq.read_table(curated / "clusters", columns=state).sort_by("cluster_id"))


def test_sidecars_follow_compaction_and_takedowns(three_runs, tmp_path: Path) -> None:
    from flows.cli import main

    curated, _, settings = three_runs
    work = tmp_path / "curated"
    shutil.copytree(curated, work)
    index = _index(work, settings)
    first = index.sync()
    assert first["parts"] == 3 and first["rows"] == 900
    assert index.sync()["built"] == 0, "a sidecar in step with its part is not rebuilt"

    assert main(["compact", "--curated", str(work)]) == 0
    after = index.sync()
    assert (after["parts"], after["built"], after["removed"], after["rows"]) == (1, 1, 3, 900)
    assert sorted(p.name for p in index.root.glob("*/*")) == [p.stem for p in article_parts(Layout(work))]

    doc_id = pq.read_table(work / "articles", columns=["doc_id"]).column("doc_id")[0].as_py()
    assert main(["forget", "--curated", str(work), "--doc-id", doc_id]) == 0
    assert index.sync()["rows"] == 899
    hashes = pq.read_table(work / "articles", columns=["text_hash"]).column("text_hash").to_pylist()
    sig = signature_matrix(pq.read_table(work / "articles", columns=["minhash"]).column("minhash"), FP.num_perm)
    history = index.history_for(sig[:5], hashes[:5])
    assert history is not None and doc_id not in history.doc_ids
    assert set(pq.read_table(work / "articles", columns=["doc_id"]).column("doc_id").to_pylist()[:5]) <= set(history.doc_ids)
