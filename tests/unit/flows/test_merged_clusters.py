"""``curated/clusters/merged/merged.parquet`` and the cluster state after merges (`flows.clusters`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.clusters import (
    merged_map,
    merged_path,
    read_merged,
    rebuild_state,
    resolved,
    updated_merged,
    updated_state,
    with_absorbed,
    without_runs,
)
from flows.errors import DatasetError
from flows.schema import ASSIGNMENTS_SCHEMA, CLUSTER_STATE_SCHEMA, MERGED_SCHEMA

DAY1, DAY2, DAY3 = (datetime(2026, 12, d, tzinfo=UTC) for d in (1, 2, 3))


def test_merges_are_flattened_so_every_entry_points_at_a_live_cluster() -> None:
    first = updated_merged(MERGED_SCHEMA.empty_table(), {"a": "b"}, DAY1, "run-1")
    second = updated_merged(first, {"b": "c", "x": "c"}, DAY2, "run-2")
    assert merged_map(second) == {"a": "c", "b": "c", "x": "c"}
    rows = {r["cluster_id"]: r for r in second.to_pylist()}
    assert (rows["a"]["merged_with"], rows["a"]["merged_at"], rows["a"]["run_id"]) == ("b", DAY1, "run-1")
    assert (rows["b"]["merged_at"], rows["b"]["run_id"]) == (DAY2, "run-2")
    assert updated_merged(second, {}, DAY3, "run-3") is second  # nothing to write


def test_the_merges_of_runs_set_aside_are_undone() -> None:
    table = updated_merged(updated_merged(MERGED_SCHEMA.empty_table(), {"a": "b"}, DAY1, "run-1"),
                           {"b": "c"}, DAY2, "run-2")
    assert merged_map(without_runs(table, {"run-2"})) == {"a": "b"}  # a leads to b again
    assert merged_map(without_runs(table, {"run-1"})) == {"b": "c"}


def test_an_id_founded_again_after_a_recovery_is_a_cluster_again() -> None:
    table = updated_merged(MERGED_SCHEMA.empty_table(), {"a": "b"}, DAY1, "run-1")
    assert merged_map(updated_merged(table, {}, DAY2, "run-2", alive={"a", "z"})) == {}


def test_resolved_follows_merges_and_leaves_other_ids_and_nulls() -> None:
    ids = pa.array(["a", "z", None, "b"], pa.string())
    assert resolved(ids, {"a": "c", "b": "c"}).to_pylist() == ["c", "z", None, "c"]
    assert resolved(ids, {}) is ids


def test_a_missing_file_means_no_merge_and_a_damaged_one_is_a_one_line_error(tmp_path: Path) -> None:
    assert read_merged(tmp_path).num_rows == 0
    path = merged_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not parquet")
    with pytest.raises(DatasetError, match=r"merged\.parquet cannot be read") as err:
        read_merged(tmp_path)
    assert "\n" not in str(err.value)
    pq.write_table(pa.table({"cluster_id": ["a"]}), path)
    with pytest.raises(DatasetError, match="unexpected schema"):
        read_merged(tmp_path)


def _state(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=CLUSTER_STATE_SCHEMA)


def _cluster(cid: str, canon: str, length: int, size: int, langs: list[str], first: datetime) -> dict:
    return {"cluster_id": cid, "canonical_doc_id": canon, "canonical_lang": langs[0],
            "canonical_text_length": length, "canonical_published_at": None, "size": size,
            "languages": langs, "first_seen": first, "updated_at": first}


def _run(rows: list[tuple[str, str, bool, str, int]]) -> pa.Table:
    """Assignment rows (doc_id, cluster_id, elected, lang, text_length)."""
    return pa.Table.from_pylist(
        [{"doc_id": d, "cluster_id": c, "is_canonical": False, "elected": e, "lang": lang,
          "text_length": n, "published_at": None} for d, c, e, lang, n in rows],
        schema=ASSIGNMENTS_SCHEMA)


def test_a_merged_cluster_is_folded_into_its_survivor() -> None:
    state = _state([_cluster("u", "u1", 900, 2, ["de"], DAY1), _cluster("v", "v1", 1200, 3, ["es", "fr"], DAY2),
                    _cluster("w", "w1", 50, 1, ["en"], DAY1)])
    after = updated_state(state, _run([("n1", "u", False, "en", 300)]), DAY3, {"v": "u"})
    rows = {r["cluster_id"]: r for r in after.to_pylist()}
    assert set(rows) == {"u", "w"} and rows["w"] == state.to_pylist()[2]  # untouched cluster unchanged
    u = rows["u"]
    assert (u["size"], u["languages"], u["first_seen"], u["updated_at"]) == (6, ["de", "en", "es", "fr"], DAY1, DAY3)
    assert (u["canonical_doc_id"], u["canonical_text_length"]) == ("v1", 1200)  # the longer of the two
    elected = updated_state(state, _run([("n2", "u", True, "en", 5000)]), DAY3, {"v": "u"})
    assert elected.filter(pa.compute.equal(elected.column("cluster_id"), "u")).column(
        "canonical_doc_id").to_pylist() == ["n2"]  # a new member the run elected wins


def test_a_rebuild_reads_the_articles_through_the_merges(tmp_path: Path) -> None:
    part = tmp_path / "part.parquet"
    pq.write_table(pa.table({
        "doc_id": ["u1", "v1", "v2", "w1"], "cluster_id": ["u", "v", "v", "w"],
        "lang": ["de", "es", "fr", "en"], "text": ["x" * 9, "y" * 12, "z", "w"],
        "published_at": pa.array([None] * 4, pa.timestamp("us", tz="UTC")),
        "ingested_at": pa.array([DAY1, DAY2, DAY2, DAY1], pa.timestamp("us", tz="UTC")),
    }), part)
    rows = {r["cluster_id"]: r for r in rebuild_state([part], merged={"v": "u"}).to_pylist()}
    assert set(rows) == {"u", "w"}
    assert (rows["u"]["size"], rows["u"]["canonical_doc_id"], rows["u"]["languages"]) == (3, "v1", ["de", "es", "fr"])
    assert rows["u"]["first_seen"] == DAY1


def test_a_story_selects_its_own_articles_and_those_of_the_clusters_merged_into_it() -> None:
    merged = {"a": "c", "b": "c", "x": "y"}
    assert with_absorbed({"c"}, merged) == {"a", "b", "c"}
    assert with_absorbed({"z"}, merged) == {"z"}
