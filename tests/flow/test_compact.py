"""Compaction (`flows.compact`) and the runs that write no empty part.

The dataset is written by the real flow: four runs on one day (two files of 30 stories and a
malformed line each, then a file of malformed lines only, whose run writes no articles part,
then two more files). Compaction is checked on copies of it: every row kept column by column,
the cluster state untouched, rows sorted so that row-group statistics prune, whole runs per
compacted unit, the policy for closed days, and crashes: a real ``python -m flows.compact``
SIGKILLed at each point of its commit (`flows.store.SWAP_FAULT_POINTS`) leaves each folder with
its old files or its new ones, never both or neither, and the next `recover` finishes or
discards it.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from flows import store
from flows.clusters import merged_map, read_merged, rebuild_state
from flows.compact import Unit, compact, compact_closed_days, compact_main, plan_bins, units_of
from flows.settings import RunSettings
from flows.store import Layout, recover
from tests.support.data import ROOT, story
from tests.support.runs import (
    add_files,
    assert_exactly_once,
    assert_readable,
    copy_dataset,
    kill,
    wait_for,
)

BROKEN = "broken.jsonl"


def _run(raw: Path, curated: Path) -> dict[str, Any]:
    from flows.curate import curate_flow

    return curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False,
                                   batch_size=25))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Path:
    """raw/ and curated/ after four runs of the real flow on one day."""
    base = tmp_path_factory.mktemp("compact")
    raw, curated = base / "raw", base / "curated"
    add_files(raw, "a")
    _run(raw, curated)
    add_files(raw, "b")
    _run(raw, curated)
    (raw / BROKEN).write_text('{"id": "x", \n' * 4)
    summary = _run(raw, curated)
    assert (summary["rows_written"], summary["rows_quarantined"]) == (0, 4)
    add_files(raw, "c")
    _run(raw, curated)
    return base


@pytest.fixture()
def copy(dataset: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the dataset's raw/ and curated/."""
    return copy_dataset(dataset, tmp_path)


def _table(folder: Path, order: list[str]) -> pa.Table:
    table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    return table.sort_by([(c, "ascending") for c in order])


def _rows(curated: Path) -> tuple[pa.Table, pa.Table]:
    """Every article and quarantine row, every column (the partition column included), in a
    fixed order."""
    return (_table(curated / "articles", ["doc_id"]),
            _table(curated / "quarantine", ["run_id", "source_file", "record_index", "error"]))


def _assert_same_rows(before: tuple[pa.Table, pa.Table], curated: Path) -> None:
    after = _rows(curated)
    for old, new in zip(before, after, strict=True):
        assert new.schema.equals(old.schema, check_metadata=False)
        assert new.num_rows == old.num_rows
        for name in old.column_names:  # column by column, row by row
            assert new.column(name).to_pylist() == old.column(name).to_pylist(), name


def _listing(curated: Path) -> dict[str, list[str]]:
    return {top: sorted(p.relative_to(curated / top).as_posix()
                        for p in (curated / top).rglob("*.parquet"))
            for top in ("articles", "quarantine")}


def _partition(curated: Path) -> str:
    (partition,) = {p.name for p in (curated / "articles").iterdir()}
    return partition


def _manifest(curated: Path, commit_id: str) -> dict[str, Any]:
    return json.loads((curated / "_runs" / f"{commit_id}.json").read_text())


def _run_ids(curated: Path) -> set[str]:
    articles, quarantine = _rows(curated)
    return set(articles.column("run_id").to_pylist()) | set(quarantine.column("run_id").to_pylist())


# ----------------------------------------------------------------------------- no empty part


def test_a_run_whose_records_were_all_quarantined_writes_no_articles_part(dataset: Path) -> None:
    curated = dataset / "curated"
    manifests = [json.loads(p.read_text()) for p in sorted((curated / "_runs").glob("*.json"))]
    (broken,) = [m for m in manifests if [i["path"] for i in m.get("inputs", [])] == [BROKEN]]
    rid = broken["run_id"]
    assert not list((curated / "articles").rglob(f"part-{rid}-*.parquet"))
    assert broken["outputs"]["articles"] is None
    (qpart,) = (curated / "quarantine").rglob(f"part-{rid}-*.parquet")
    assert pq.read_metadata(qpart).num_rows == 4
    for part in (curated / "articles").rglob("*.parquet"):
        assert pq.read_metadata(part).num_rows > 0, part


class _Killed(BaseException):
    """A crash at a fault point, in process (no handler of the code under test catches it)."""


def _kill_at(monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    def fault_point(name: str) -> None:
        if name == point:
            raise _Killed(name)

    monkeypatch.setattr(store, "fault_point", fault_point)


def test_a_commit_with_no_article_row_commits_at_its_quarantine_part(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quarantine part is the commit point of a run with no article row: a crash after
    its move is completed by `recover`; the empty articles part is never published."""
    from flows.schema import QUARANTINE_SCHEMA, articles_schema

    layout, rid = Layout(tmp_path / "curated"), "20260101T000000Z-0000beef"
    meta = {store.RUN_ID_KEY: rid.encode()}
    out = layout.staging(rid) / "out"
    empty = out / "articles" / f"part-{rid}-0.parquet"
    qsrc = out / "quarantine" / f"part-{rid}-0.parquet"
    empty.parent.mkdir(parents=True)
    qsrc.parent.mkdir(parents=True)
    pq.write_table(articles_schema(8).empty_table().replace_schema_metadata(meta), empty)
    row = {"source_file": "x.jsonl", "source_id": "1", "record_index": 0, "stage": "read",
           "error": "bad", "raw": "{", "ingested_at": None, "run_id": rid}
    pq.write_table(pa.Table.from_pylist([row], QUARANTINE_SCHEMA).replace_schema_metadata(meta),
                   qsrc)
    dst = "ingest_date=2026-01-01"
    manifest = {"run_id": rid, "inputs": [],
                "outputs": {"articles": f"articles/{dst}/{empty.name}"}}
    _kill_at(monkeypatch, "quarantine-moved")
    with pytest.raises(_Killed):
        store.commit(layout, rid, [(empty, layout.articles / dst / empty.name),
                                   (qsrc, layout.quarantine / dst / qsrc.name)], manifest)
    assert not layout.articles.exists()
    assert (layout.quarantine / dst / qsrc.name).exists()
    assert not store.discard_staging(layout, rid), "past its commit point: kept for recovery"
    actions = recover(layout)
    assert any(f"completed run {rid}" in a for a in actions), actions
    written = _manifest(layout.root, rid)
    assert written["recovered"] is True and written["outputs"]["articles"] is None
    assert not layout.staging_root.exists() or not any(layout.staging_root.iterdir())


# ----------------------------------------------------------------------------- compaction


def test_compaction_keeps_every_row_and_cluster_and_later_runs_build_on_it(
        copy: tuple[Path, Path]) -> None:
    raw, curated = copy
    before, state = _rows(curated), (curated / "clusters" / "current.parquet").read_bytes()
    runs = _run_ids(curated)
    partition = _partition(curated)
    assert len(units_of(Layout(curated), partition)) == 4

    report = compact(curated)

    (done,) = report.partitions
    assert done.commit_id and (done.units_before, done.units_after) == (4, 1)
    name = f"part-{done.commit_id}-0.parquet"
    assert _listing(curated) == {"articles": [f"{partition}/{name}"],
                                 "quarantine": [f"{partition}/{name}"]}
    _assert_same_rows(before, curated)
    assert (curated / "clusters" / "current.parquet").read_bytes() == state
    merged = merged_map(read_merged(curated))
    rebuilt = rebuild_state(store.article_parts(Layout(curated)), merged=merged).sort_by("cluster_id")
    state_now = pq.read_table(curated / "clusters" / "current.parquet").sort_by("cluster_id")
    assert rebuilt.equals(state_now)
    manifest = _manifest(curated, done.commit_id)
    assert manifest["kind"] == "compact" and manifest["inputs"] == []
    assert manifest["units"][name]["runs"] == sorted(runs)
    assert manifest["counts"]["rows"] == before[0].num_rows
    assert manifest["counts"]["quarantined"] == before[1].num_rows
    assert pq.read_metadata(curated / "articles" / partition / name).metadata[store.RUN_ID_KEY] \
        == done.commit_id.encode()
    assert not (curated / "_staging").exists() or not any((curated / "_staging").iterdir())
    assert_exactly_once(raw, curated)
    assert_readable(curated)

    # A later run matches against the compacted history: an exact copy of a curated story
    # joins its cluster; a run that finds nothing new leaves the compacted part alone.
    seed = zlib.crc32(b"a-0") % 10**6
    copy_of = {"id": "copy", "text": story(seed * 1000 + 3)}  # the text of record a-0-3
    (raw / "copy.jsonl").write_text(json.dumps(copy_of) + "\n")
    summary = _run(raw, curated)
    assert (summary["rows_written"], summary["duplicates"]) == (1, 1)
    articles = _rows(curated)[0].to_pylist()
    (new,) = [a for a in articles if a["run_id"] == summary["run_id"]]
    (original,) = [a for a in articles if a["source_id"] == "a-0-3"]
    assert new["cluster_id"] == original["cluster_id"] and new["dup_kind"] == "exact"
    assert_exactly_once(raw, curated)
    assert _run(raw, curated)["files_new"] == 0
    assert (curated / "articles" / partition / name).exists()


def test_rows_are_sorted_so_that_row_group_statistics_prune(copy: tuple[Path, Path]) -> None:
    _raw, curated = copy
    before = _rows(curated)
    (done,) = compact(curated, row_group_bytes=64 << 10).partitions
    partition = _partition(curated)
    part = pq.ParquetFile(curated / "articles" / partition / f"part-{done.commit_id}-0.parquet")
    ids = part.read(columns=["cluster_id"]).column("cluster_id").to_pylist()
    assert ids == sorted(ids)
    meta = part.metadata
    assert meta.num_row_groups >= 4
    (col,) = [i for i in range(meta.num_columns)
              if meta.row_group(0).column(i).path_in_schema == "cluster_id"]
    stats = [meta.row_group(i).column(col).statistics for i in range(meta.num_row_groups)]
    ranges = [(s.min, s.max) for s in stats]
    assert all(hi <= lo for (_, hi), (lo, _) in itertools.pairwise(ranges))
    assert meta.row_group(0).sorting_columns[0].column_index == col
    # A lookup by story: its value lies in the range of one row group (or two, when a cluster
    # straddles a boundary); every other row group is skipped on its statistics.
    probe = ids[len(ids) // 2]
    assert 1 <= sum(lo <= probe <= hi for lo, hi in ranges) <= 2
    want = sum(1 for c in before[0].column("cluster_id").to_pylist() if c == probe)
    with duckdb.connect() as con:  # its own connection: the default one is shared by tests
        got = con.execute("select count(*) from read_parquet(?, hive_partitioning=true) "
                          "where cluster_id = ?",
                          [str(curated / "articles/**/*.parquet"), probe]).fetchall()
    assert got == [(want,)]
    quarantine = pq.read_table(
        curated / "quarantine" / partition / f"part-{done.commit_id}-0.parquet")
    keys = list(zip(quarantine.column("source_file").to_pylist(),
                    quarantine.column("record_index").to_pylist(), strict=True))
    assert keys == sorted(keys)
    _assert_same_rows(before, curated)


def test_a_unit_at_the_target_is_kept_and_compacted_units_hold_whole_runs(
        copy: tuple[Path, Path]) -> None:
    raw, curated = copy
    layout, partition = Layout(curated), _partition(curated)
    before = _rows(curated)
    units = units_of(layout, partition)
    largest = max(units, key=lambda u: u.nbytes)
    assert largest.articles is not None
    inode = largest.articles.stat().st_ino

    (done,) = compact(curated, target_bytes=largest.nbytes).partitions

    assert done.units_before == 3 and done.units_after == 1
    assert largest.articles.stat().st_ino == inode, "a unit at the target is not rewritten"
    after = units_of(layout, partition)
    assert sorted(u.name for u in after) == sorted(
        [largest.name, f"part-{done.commit_id}-0.parquet"])
    _assert_same_rows(before, curated)
    # Every run's rows, articles and quarantine, are in one unit.
    where: dict[str, set[str]] = {}
    for top in ("articles", "quarantine"):
        for part in (curated / top).rglob("*.parquet"):
            ids = pq.read_table(part, columns=["run_id"]).column("run_id").unique()
            for rid in ids.to_pylist():
                where.setdefault(rid, set()).add(part.name)
    assert all(len(names) == 1 for names in where.values()), where
    info = _manifest(curated, done.commit_id)["units"][f"part-{done.commit_id}-0.parquet"]
    assert sorted(info["replaced"]) == sorted(u.name for u in units if u is not largest)
    assert set(info["runs"]) == {r for r, names in where.items() if names != {largest.name}}
    assert_exactly_once(raw, curated)


def test_plan_bins_reaches_the_target_and_leaves_large_units(tmp_path: Path) -> None:
    def unit(name: str, size: int) -> Unit:
        path = tmp_path / f"{name}.parquet"
        path.write_bytes(b"x" * size)
        return Unit(name, path, None)

    a, b, big, c, d, e = (unit("a", 40), unit("b", 70), unit("big", 100), unit("c", 30),
                          unit("d", 80), unit("e", 10))
    assert [[u.name for u in g] for g in plan_bins([a, b, big, c, d, e], 100)] == \
        [["a", "b"], ["c", "d", "e"]]  # e (under the target) joins the group before
    assert plan_bins([a, big], 100) == [], "one small unit: nothing to merge"
    assert [[u.name for u in g] for g in plan_bins([a, c, e], 100)] == [["a", "c", "e"]]


def test_closed_days_are_compacted_once_they_have_enough_parts(copy: tuple[Path, Path]) -> None:
    _raw, curated = copy
    day = date.fromisoformat(_partition(curated).removeprefix("ingest_date="))
    assert compact_closed_days(curated, today=day) is None, "the day is not over"
    assert compact_closed_days(curated, today=day + timedelta(days=1), min_units=5) is None
    lines: list[str] = []
    report = compact_closed_days(curated, today=day + timedelta(days=1), min_units=4,
                                 log=lines.append)
    assert report is not None
    (done,) = report.partitions
    assert done.units_after == 1 and lines == [done.line()]
    assert compact_closed_days(curated, today=day + timedelta(days=1), min_units=2) is None


def test_compact_main_prints_what_it_did(copy: tuple[Path, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = copy
    assert compact_main(["--curated", str(curated), "--closed-only"]) == 0
    assert "0 partition(s) compacted" in capsys.readouterr().out
    assert compact_main(["--curated", str(curated), "--target-mb", "64"]) == 0
    out = capsys.readouterr().out
    assert "1 partition(s) compacted: 4 unit(s) -> 1" in out and "ingest_date=" in out
    with pytest.raises(SystemExit) as usage:
        compact_main(["--curated", str(curated / "missing")])
    assert usage.value.code == 2 and "is not a folder" in capsys.readouterr().err


# ----------------------------------------------------------------------------- crashes


def _start_compaction(curated: Path, point: str, marker: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATE_TEST_")}
    env.update(CURATE_TEST_PAUSE_AT=point, CURATE_TEST_PAUSE_FILE=str(marker))
    return subprocess.Popen([sys.executable, "-m", "flows.compact", "--curated", str(curated)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


@pytest.mark.parametrize("point", store.SWAP_FAULT_POINTS)
def test_a_compaction_killed_at_any_point_leaves_old_or_new_parts_never_both(
        copy: tuple[Path, Path], point: str, tmp_path: Path,
        reaper: list[subprocess.Popen[str]]) -> None:
    raw, curated = copy
    before, old = _rows(curated), _listing(curated)
    partition = _partition(curated)
    marker = tmp_path / "paused"
    proc = _start_compaction(curated, point, marker)
    reaper.append(proc)
    wait_for(marker.exists, proc, f"fault point {point!r}")
    (staging,) = (curated / "_staging").iterdir()
    cid = staging.name
    new = [f"{partition}/part-{cid}-0.parquet"]
    swapped = {"swap-staged": set(), "swap-articles-done": {"articles"}}.get(
        point, {"articles", "quarantine"})
    # What a reader sees while the compaction is stopped there: each folder old or new, the
    # same rows.
    assert _listing(curated) == {top: new if top in swapped else old[top] for top in old}
    _assert_same_rows(before, curated)
    if point == "swap-staged":  # the compaction holds the lock: another one gives up
        assert compact_main(["--curated", str(curated)]) == 75
    kill(proc)

    actions = recover(Layout(curated))

    committed = point != "swap-staged"
    assert _listing(curated) == ({"articles": new, "quarantine": new} if committed else old)
    _assert_same_rows(before, curated)
    assert (curated / "_runs" / f"{cid}.json").exists() == committed
    if committed and point != "swap-manifest-written":
        assert f"completed compaction {cid} of {partition}" in actions
        assert _manifest(curated, cid)["recovered"] is True
    assert not any((curated / "_staging").iterdir()) if (curated / "_staging").exists() else True
    assert recover(Layout(curated)) == []
    assert_exactly_once(raw, curated)


def test_without_an_atomic_exchange_a_crash_between_the_two_renames_is_finished(
        copy: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Where folders cannot be exchanged the live folder is moved aside, then the staged one
    moved in: a crash in between leaves the partition missing until `recover` moves it in."""
    raw, curated = copy
    before = _rows(curated)
    partition = _partition(curated)
    monkeypatch.setattr(store, "_exchange", lambda a, b: False)
    _kill_at(monkeypatch, "swap-folder-aside")
    with pytest.raises(_Killed):
        compact(curated)
    assert not (curated / "articles" / partition).exists()
    assert store.discard_all_staging(Layout(curated)) == [], "past the commit point: kept"
    monkeypatch.undo()

    actions = recover(Layout(curated))

    assert any(a.startswith("completed compaction") for a in actions), actions
    assert [len(v) for v in _listing(curated).values()] == [1, 1]
    _assert_same_rows(before, curated)
    assert_exactly_once(raw, curated)


def test_a_failed_compaction_leaves_the_dataset_as_it_was(
        copy: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _raw, curated = copy
    old = _listing(curated)

    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full_disk)
    with pytest.raises(OSError, match="No space"):
        compact(curated)
    assert _listing(curated) == old
    assert not (curated / "_staging").exists() or not any((curated / "_staging").iterdir())


# ----------------------------------------------------------------------------- damage


def test_a_damaged_compacted_part_sets_its_runs_aside_and_they_are_curated_again(
        copy: tuple[Path, Path]) -> None:
    raw, curated = copy
    layout = Layout(curated)
    largest = max(units_of(layout, _partition(curated)), key=lambda u: u.nbytes)
    (done,) = compact(curated, target_bytes=largest.nbytes).partitions
    name = f"part-{done.commit_id}-0.parquet"
    runs = _manifest(curated, done.commit_id)["units"][name]["runs"]
    files = sum(len(_manifest(curated, r)["inputs"]) for r in runs)
    part = curated / "articles" / _partition(curated) / name
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])

    actions = recover(layout)

    assert any(name in a and f"{len(runs)} run(s)" in a for a in actions), actions
    assert any("undid" in a and "cluster merge(s)" in a for a in actions), actions  # theirs
    assert not part.exists()
    assert not (curated / "quarantine" / part.parent.name / name).exists()
    assert all(not (curated / "_runs" / f"{r}.json").exists() for r in runs)
    assert (curated / "_corrupt" / "articles" / part.parent.name / name).exists()
    summary = _run(raw, curated)
    assert summary["files_new"] == files  # the raw files of the runs set aside
    assert_exactly_once(raw, curated)


def test_an_unreadable_compaction_manifest_is_rebuilt_from_its_parts(
        copy: tuple[Path, Path]) -> None:
    raw, curated = copy
    before = _rows(curated)
    (done,) = compact(curated).partitions
    name = f"part-{done.commit_id}-0.parquet"
    runs = _manifest(curated, done.commit_id)["units"][name]["runs"]
    (curated / "_runs" / f"{done.commit_id}.json").write_text("{ truncated")

    actions = recover(Layout(curated))

    assert any("rebuilt the manifest of compaction" in a for a in actions), actions
    rebuilt = _manifest(curated, done.commit_id)
    assert rebuilt["kind"] == "compact" and rebuilt["units"][name]["runs"] == runs
    _assert_same_rows(before, curated)
    assert_exactly_once(raw, curated)


def test_a_run_manifest_lost_after_compaction_sets_its_unit_aside(copy: tuple[Path, Path]) -> None:
    """A run whose rows were compacted with others cannot be set aside alone (its raw files,
    read again, would duplicate the rows still in the unit): the unit goes, with its runs."""
    raw, curated = copy
    (done,) = compact(curated).partitions
    name = f"part-{done.commit_id}-0.parquet"
    runs = _manifest(curated, done.commit_id)["units"][name]["runs"]
    (curated / "_runs" / f"{runs[0]}.json").write_text("not json")

    actions = recover(Layout(curated))

    assert any(f"{len(runs)} run(s)" in a for a in actions), actions
    assert not list((curated / "articles").rglob("*.parquet"))
    summary = _run(raw, curated)
    assert summary["files_new"] == 7
    assert_exactly_once(raw, curated)
