"""Incremental runs (issue 6): dedup across runs, stable canonicals, idle runs write only a manifest.

Run 1 curates the English seed, run 2 the French version that arrives "the next day", run 3
finds nothing new. Everything is checked on disk and through the Prefect API of the session's
test server (flow-run names, task runs, artifacts).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from flows.settings import RunSettings
from tests.support.data import SAMPLES, benchmark_module, eval_path

pytestmark = pytest.mark.usefixtures("prefect_server")

EN = "000_5579c1d2ab6f9191.txt"  # English original
FR = "004_8ee08c2d1de8db32.txt"  # condensed French version (shortcode + promo line)
LOCK_FILES = {".lock", ".lock.owner"}


def _articles(curated: Path) -> list[dict[str, Any]]:
    return ds.dataset(curated / "articles", format="parquet", partitioning="hive").to_table().to_pylist()


#: The cluster state: the one file of the dataset a run rewrites.
STATE = "clusters/current.parquet"


def _snapshot(curated: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file of the dataset (the run lock's own files aside)."""
    return {
        p.relative_to(curated).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(curated.rglob("*"))
        if p.is_file() and p.name not in LOCK_FILES
        and "_state" not in p.relative_to(curated).parts  # the discovery index is a cache
    }


def _run(raw: Path, curated: Path, **settings: Any) -> tuple[dict[str, Any], UUID]:
    """One flow run in this process (``settings``: other `RunSettings` fields); returns its
    summary and its flow-run id."""
    from flows.curate import curate_flow

    state = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False, **settings),
                        return_state=True)
    assert state.is_completed(), state
    return state.result(), state.state_details.flow_run_id


def _artifacts(flow_run_id: UUID) -> dict[str, Any]:
    """The run's artifacts by key, read back through the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    out = {}
    for a in arts:
        data = a.data
        if a.type == "table" and isinstance(data, str):
            data = json.loads(data)
        out[a.key] = data
    return out


def _task_names(flow_run_id: UUID) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return sorted(r.name for r in runs)


def _flow_run_name(flow_run_id: UUID) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id).name


@pytest.fixture(scope="module")
def after_english_run(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> dict[str, Any]:
    """Run 1, shared by the scenarios below: the English seed alone, curated."""
    base = tmp_path_factory.mktemp("run1")
    raw, curated = base / "raw", base / "curated"
    (raw / "feed").mkdir(parents=True)
    shutil.copy(SAMPLES / EN, raw / "feed" / EN)
    summary, flow_run_id = _run(raw, curated)
    return {"raw": raw, "curated": curated, "summary": summary, "flow_run_id": flow_run_id}


def _continue_from(run1: dict[str, Any], tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the dataset and landing zone as run 1 left them."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    shutil.copytree(run1["raw"], raw)
    shutil.copytree(run1["curated"], curated)
    return raw, curated


def test_first_run_makes_the_english_article_its_own_canonical(after_english_run: dict[str, Any]) -> None:
    s1 = after_english_run["summary"]
    assert (s1["files_new"], s1["rows_written"], s1["clusters_new"], s1["duplicates"]) == (1, 1, 1, 0)
    (en_row,) = _articles(after_english_run["curated"])
    assert en_row["lang"] == "en" and en_row["is_canonical"] and en_row["cluster_id"] == en_row["doc_id"]
    assert en_row["duplicate_of"] is None and en_row["run_id"] == s1["run_id"]
    assert re.fullmatch(r"curate \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, 1 new file\(s\)",
                        _flow_run_name(after_english_run["flow_run_id"]))


def test_french_version_joins_the_english_cluster_in_a_later_run(
        after_english_run: dict[str, Any], tmp_path: Path) -> None:
    """The issue's scenario: English today, its French version tomorrow: one cluster, English canonical."""
    raw, curated = _continue_from(after_english_run, tmp_path)
    s1 = after_english_run["summary"]
    (en_row,) = _articles(curated)
    before = _snapshot(curated)

    shutil.copy(SAMPLES / FR, raw / "feed" / FR)
    s2, fr2 = _run(raw, curated)
    assert (s2["files_new"], s2["files_already_processed"], s2["rows_written"]) == (1, 1, 1)
    rows = _articles(curated)
    assert len(rows) == 2, "earlier rows must not be duplicated"
    by_lang = {r["lang"]: r for r in rows}
    assert set(by_lang) == {"en", "fr"}
    en, fr = by_lang["en"], by_lang["fr"]
    assert en == en_row, "the English row must not be rewritten"
    after = _snapshot(curated)
    assert after[STATE] != before[STATE], "the cluster state is rewritten by the run"
    assert {k: after[k] for k in before if k != STATE} == {k: v for k, v in before.items() if k != STATE}, (
        "run 1's files must be left byte for byte")

    assert fr["cluster_id"] == en["doc_id"] == en["cluster_id"], (
        "the French version did not join the English cluster")
    assert en["is_canonical"] and not fr["is_canonical"]
    assert fr["duplicate_of"] == en["doc_id"] and fr["dup_kind"] == "cross_lingual"
    assert 0 < fr["similarity"] <= 1
    # The current state: one cluster of two languages; the (shorter) French version does not
    # replace the English canonical.
    (cluster,) = pq.read_table(curated / STATE).to_pylist()
    assert cluster["cluster_id"] == en["doc_id"] == cluster["canonical_doc_id"]
    assert (cluster["size"], cluster["languages"]) == (2, ["en", "fr"])
    assert cluster["first_seen"] == en["ingested_at"] and cluster["updated_at"] == fr["ingested_at"]
    assert (s2["clusters_new"], s2["duplicates"]) == (0, 1)
    manifest2 = json.loads((curated / "_runs" / f"{s2['run_id']}.json").read_text())
    assert manifest2["match"]["joined_history_clusters"] == 1
    assert manifest2["match"]["history_documents"] == 1

    # Run 2's artifacts show the joined cluster with its English canonical from run 1.
    arts = _artifacts(fr2)
    table = arts["curation-duplicate-clusters"]
    assert [(r["lang"], r["canonical"]) for r in table] == [("en", "yes"), ("fr", "")]
    assert table[0]["run"] == f"earlier run {s1['run_id']}" and table[1]["run"] == "this run"
    assert table[1]["dup_kind"] == "cross_lingual"
    md = arts["curation-run-summary"]
    assert en["title"] in md and "joined an earlier cluster" in md and "en, fr" in md


def test_wire_copy_joins_history_then_an_idle_run_writes_only_its_manifest(
        after_english_run: dict[str, Any], tmp_path: Path) -> None:
    """Cross-run mechanics with a copy of the English article re-published by a wire feed
    (other file, other record id, same text): it joins run 1's cluster as an exact duplicate.
    Then a run with nothing new adds nothing and writes only its manifest."""
    raw, curated = _continue_from(after_english_run, tmp_path)
    s1 = after_english_run["summary"]
    (en_row,) = _articles(curated)
    before = _snapshot(curated)
    title, body = (SAMPLES / EN).read_text(encoding="utf-8").split("\n", 1)
    record = {"id": "wire-0001", "title": title.strip(), "text": body.strip(), "lang": "en"}
    (raw / "wire").mkdir()
    (raw / "wire" / "feed.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")

    s2, fr2 = _run(raw, curated)
    assert (s2["files_new"], s2["files_already_processed"], s2["rows_written"]) == (1, 1, 1)
    assert (s2["clusters_new"], s2["duplicates"]) == (0, 1)
    rows = _articles(curated)
    assert len(rows) == 2
    (copy,) = [r for r in rows if r["source_file"] == "wire/feed.jsonl"]
    (en,) = [r for r in rows if r["source_file"] == f"feed/{EN}"]
    assert en == en_row, "the canonical row of run 1 must not be rewritten"
    assert copy["cluster_id"] == en["doc_id"] and copy["duplicate_of"] == en["doc_id"]
    assert not copy["is_canonical"] and copy["dup_kind"] == "exact" and copy["similarity"] == 1.0
    after2 = _snapshot(curated)
    assert {k: after2[k] for k in before if k != STATE} == {k: v for k, v in before.items() if k != STATE}, (
        "run 1's files must be left byte for byte (the cluster state is rewritten)")
    manifest2 = json.loads((curated / "_runs" / f"{s2['run_id']}.json").read_text())
    assert manifest2["match"]["joined_history_clusters"] == 1

    # Run 2's artifacts, read back through the API: the joined cluster, canonical from run 1.
    arts = _artifacts(fr2)
    assert {"curation-run-summary", "curation-duplicate-clusters", "curation-progress"} <= set(arts)
    table = arts["curation-duplicate-clusters"]
    # Same text, same (unknown) date: the rule's last key, the smaller doc_id, makes the copy
    # the current canonical, as it would be had both arrived in one run.
    wire_first = copy["doc_id"] < en["doc_id"]
    rows = [(f"feed/{EN}", "" if wire_first else "yes", f"earlier run {s1['run_id']}"),
            ("wire/feed.jsonl", "yes" if wire_first else "", "this run")]
    assert [(r["source_file"], r["canonical"], r["run"]) for r in table] == sorted(rows, key=lambda r: r[1] != "yes")
    md = arts["curation-run-summary"]
    assert en["title"] in md and "joined an earlier cluster" in md and "## Seconds per stage" in md
    assert arts["curation-progress"] == 100.0
    assert "1 new file(s)" in _flow_run_name(fr2)

    # Run 3: nothing new: no row added, nothing rewritten, only its manifest written.
    s3, fr3 = _run(raw, curated)
    assert (s3["files_new"], s3["files_already_processed"], s3["rows_written"]) == (0, 2, 0)
    after3 = _snapshot(curated)
    assert set(after3) - set(after2) == {f"_runs/{s3['run_id']}.json"}
    assert {k: after3[k] for k in after2} == after2
    assert len(_articles(curated)) == 2
    # It skipped every stage after discovery, and said so in the UI.
    names = _task_names(fr3)
    assert len(names) == 1 and names[0].startswith("discover-raw-files"), names
    arts3 = _artifacts(fr3)
    assert "No new raw file" in arts3["curation-run-summary"]
    assert arts3["curation-duplicate-clusters"][0]["title"] == "no new file in this run"
    assert "curation-progress" not in arts3
    assert "0 new file(s)" in _flow_run_name(fr3)


def test_longer_version_arriving_later_becomes_the_current_canonical(tmp_path: Path) -> None:
    """The condensed French version first, the English original the next day: the English
    joins the French cluster (its cluster_id never changes) and is elected its canonical in
    ``clusters/``; the consumer's one-row-per-story query returns the English row. Deleting
    the state file loses nothing: the next run rebuilds the same state from the articles."""
    import duckdb

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    (raw / "feed").mkdir(parents=True)
    shutil.copy(SAMPLES / FR, raw / "feed" / FR)
    _run(raw, curated)
    (fr,) = _articles(curated)
    shutil.copy(SAMPLES / EN, raw / "feed" / EN)
    s2, fr2 = _run(raw, curated)
    by_lang = {r["lang"]: r for r in _articles(curated)}
    en, fr_after = by_lang["en"], by_lang["fr"]
    assert fr_after == fr, "the French row is never rewritten"
    assert en["cluster_id"] == fr["doc_id"] and en["duplicate_of"] == fr["doc_id"]
    assert fr["is_canonical"] and not en["is_canonical"]  # the articles say who founded it
    (cluster,) = pq.read_table(curated / STATE).to_pylist()
    assert cluster["cluster_id"] == fr["doc_id"] and cluster["canonical_doc_id"] == en["doc_id"]
    assert cluster["canonical_lang"] == "en" and cluster["size"] == 2
    assert cluster["canonical_text_length"] == len(en["text"])
    manifest = json.loads((curated / "_runs" / f"{s2['run_id']}.json").read_text())
    assert manifest["match"]["canonicals_reelected"] == 1

    query = f"""
        SELECT a.doc_id FROM read_parquet('{curated}/articles/**/*.parquet') a
        JOIN read_parquet('{curated}/clusters/*.parquet') c ON a.doc_id = c.canonical_doc_id
    """
    assert duckdb.sql(query).fetchall() == [(en["doc_id"],)]
    table = _artifacts(fr2)["curation-duplicate-clusters"]
    assert [(r["lang"], r["canonical"]) for r in table] == [("en", "yes"), ("fr", "")]

    state_before = pq.read_table(curated / STATE)
    (curated / STATE).unlink()
    (raw / "feed" / "more.jsonl").write_text(json.dumps({"id": "x", "text": "An unrelated note. " * 20}) + "\n")
    _run(raw, curated)
    rebuilt = pq.read_table(curated / STATE)
    mine = rebuilt.filter(pc.equal(rebuilt.column("cluster_id"), fr["doc_id"]))
    assert mine.drop_columns(["updated_at"]).to_pylist() == state_before.drop_columns(["updated_at"]).to_pylist()
    assert rebuilt.num_rows == 2


def test_two_clusters_a_later_version_links_are_merged(tmp_path: Path) -> None:
    """Three language versions of one newstest2013 story, one a day: the German and Spanish
    versions share no LSH band and found two clusters; the English one joins one and links the
    other, whose canonicals verify: the two merge. The articles stay as written;
    ``clusters/merged/merged.parquet`` points the absorbed id at the survivor, the state has one
    cluster of three, a rebuild and the history read the articles through it, and a consumer
    gets one row for the story."""
    import duckdb

    from flows.history import HistoryIndex, load_history
    from flows.store import Layout

    bench = benchmark_module("crosslingual")
    sets = bench.wmt_sets(eval_path("wmt"))
    story = {d.lang: d for d in bench.load_set(sets["newstest2013"]) if d.docid == "bbc/2012/12/01/503566"}
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    (raw / "feed").mkdir(parents=True)
    summaries = []
    for lang in ("de", "es", "en"):
        (raw / "feed" / f"{lang}.txt").write_text(story[lang].text, encoding="utf-8")
        summaries.append(_run(raw, curated)[0])
    rows = {r["lang"]: r for r in _articles(curated)}
    assert rows["de"]["is_canonical"] and rows["es"]["is_canonical"]  # two clusters founded
    (merge,) = pq.read_table(curated / "clusters" / "merged" / "merged.parquet").to_pylist()
    survivor, absorbed = merge["merged_into"], merge["cluster_id"]
    assert {survivor, absorbed} == {rows["de"]["doc_id"], rows["es"]["doc_id"]}
    assert rows["en"]["cluster_id"] == survivor and merge["run_id"] == summaries[2]["run_id"]
    manifest = json.loads((curated / "_runs" / f"{summaries[2]['run_id']}.json").read_text())
    assert manifest["match"]["clusters_merged"] == manifest["match"]["history_clusters_merged"] == 1

    (cluster,) = pq.read_table(curated / STATE).to_pylist()
    longest = max(rows.values(), key=lambda r: len(r["text"]))
    assert (cluster["cluster_id"], cluster["size"]) == (survivor, 3)
    assert cluster["canonical_doc_id"] == longest["doc_id"] and cluster["languages"] == ["de", "en", "es"]
    query = f"""
        SELECT a.doc_id, coalesce(m.merged_into, a.cluster_id) AS story
        FROM read_parquet('{curated}/articles/**/*.parquet') a
        LEFT JOIN read_parquet('{curated}/clusters/merged/merged.parquet') m ON a.cluster_id = m.cluster_id
    """
    assert {story for _, story in duckdb.sql(query).fetchall()} == {survivor}
    one_row_per_story = f"""
        SELECT a.doc_id FROM read_parquet('{curated}/articles/**/*.parquet') a
        JOIN read_parquet('{curated}/clusters/*.parquet') c ON a.doc_id = c.canonical_doc_id
    """
    assert duckdb.sql(one_row_per_story).fetchall() == [(longest["doc_id"],)]

    layout = Layout(curated)
    history = load_history(layout, 256)
    assert history is not None and set(history.cluster_ids) == {survivor}
    assert [d for d, c in zip(history.doc_ids, history.is_canonical, strict=True) if c] == [longest["doc_id"]]
    index = HistoryIndex(layout, 256, 113, 2)
    index.sync()
    indexed = index.history_for(history.signatures, history.text_hashes)
    assert indexed is not None and set(indexed.cluster_ids) == {survivor}

    state_before = pq.read_table(curated / STATE)
    (curated / STATE).unlink()  # derived: rebuilt through merged.parquet
    from flows.store import cluster_state

    assert cluster_state(layout).drop_columns(["updated_at"]).to_pylist() == \
        state_before.drop_columns(["updated_at"]).to_pylist()


def test_a_merged_id_founded_again_after_a_recovery_is_a_cluster_again(tmp_path: Path) -> None:
    """The bbc story of the test above, with a shortened German copy in a second run (it
    joins the German cluster), merged by the English version in the fourth run. The first
    run's part is then damaged: recovery sets that run aside (the merge was made by the
    fourth run, which stays), and its German file is curated again with thresholds it cannot
    pass, so its document founds a cluster under the id that was merged. That id is a cluster
    again, not merged, the shortened copy's row with it, and the state is rebuilt in step."""
    from tests.support.runs import assert_exactly_once

    bench = benchmark_module("crosslingual")
    sets = bench.wmt_sets(eval_path("wmt"))
    story = {d.lang: d for d in bench.load_set(sets["newstest2013"]) if d.docid == "bbc/2012/12/01/503566"}
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    (raw / "feed").mkdir(parents=True)
    texts = {"de": story["de"].text, "de-short": "\n".join(story["de"].sentences[:-2]),
             "es": story["es"].text, "en": story["en"].text}
    for name, text in texts.items():
        (raw / "feed" / f"{name}.txt").write_text(text, encoding="utf-8")
        _run(raw, curated)
    rows = {Path(r["source_file"]).stem: r for r in _articles(curated)}
    assert rows["de-short"]["cluster_id"] == rows["de"]["doc_id"]
    merged_file = curated / "clusters" / "merged" / "merged.parquet"
    (merge,) = pq.read_table(merged_file).to_pylist()
    first = next(p for p in (curated / "articles").rglob("*.parquet") if rows["de"]["run_id"] in p.name)
    first.write_bytes(first.read_bytes()[:100])  # damaged: the first run is set aside

    summary, _ = _run(raw, curated, match_threshold=0.99, cross_lingual_threshold=0.99)
    assert any("set run" in line for line in summary["recovered"]), summary["recovered"]
    again = {Path(r["source_file"]).stem: r for r in _articles(curated)}
    assert again["de"]["doc_id"] == rows["de"]["doc_id"] and again["de"]["is_canonical"]
    left = {r["cluster_id"]: r["merged_into"] for r in pq.read_table(merged_file).to_pylist()}
    assert merge["cluster_id"] == rows["de"]["doc_id"]  # the German cluster was the one merged
    assert left == {}  # and is a cluster of its own again
    assert_exactly_once(raw, curated)  # the state in step with the articles, by story
