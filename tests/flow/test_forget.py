"""Takedowns (`flows.forget`, ``curate forget``) on a dataset written by the real flow.

One dataset for the module: two runs on one day. The first reads two files of distinct
stories (with a malformed line each), and ``story.jsonl``: three versions of one story with
urls (a short one, a longer one that becomes the cluster's canonical, an exact copy) and a
record ``q-1`` with a blank text (a quarantine row); the second reads one more file where
``q-1`` has a text (an article). Each test works on a copy. Checked: removal by doc_id, url
and source_id (rows before - removed, DuckDB reads it, the cluster state in step with the
canonical rule), ``--with-cluster``, the re-election of a canonical (its ``cluster_id``
kept), the quarantine rows of the same record, dry runs, unknown ids, usage errors, crashes
around the commit point, and that a rerun (a modified raw file, then a rebuild into the same
folder) does not bring a forgotten document back and counts it in its manifest.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from flows import store
from flows.cli import main
from flows.forget import REGISTER, load_forgotten
from flows.history import load_history
from flows.settings import RunSettings
from flows.store import Layout, recover
from tests.support.data import story
from tests.support.runs import (
    add_files,
    assert_cluster_state,
    assert_readable,
    copy_dataset,
    snapshot,
)

STORY = story(4242)
STORY_ROWS = [
    {"id": "s-1", "url": "https://example.org/s-1", "text": STORY},
    {"id": "s-2", "url": "https://example.org/s-2",
     "text": STORY + " The mayor added that the bridge would reopen in spring, after repairs."},
    {"id": "s-3", "url": "https://example.org/s-3", "text": STORY},
    {"id": "q-1", "url": "https://example.org/q-1", "text": "   "},
]


def _run(raw: Path, curated: Path) -> dict[str, Any]:
    from flows.curate import curate_flow

    return curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False,
                                   batch_size=50))


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Path:
    base = tmp_path_factory.mktemp("forget")
    raw, curated = base / "raw", base / "curated"
    add_files(raw, "a", n_files=2, per_file=8)
    _jsonl(raw / "story.jsonl", STORY_ROWS)
    first = _run(raw, curated)
    assert first["rows_quarantined"] == 3  # two malformed lines and q-1's blank text
    _jsonl(raw / "later.jsonl", [{"id": "q-1", "text": story(77)}, {"id": "l-2", "text": story(78)}])
    _run(raw, curated)
    return base


@pytest.fixture()
def copy(dataset: Path, tmp_path: Path) -> tuple[Path, Path]:
    return copy_dataset(dataset, tmp_path)


def _articles(curated: Path) -> list[dict[str, Any]]:
    return ds.dataset(curated / "articles", format="parquet", partitioning="hive").to_table(
        columns=["doc_id", "source_id", "url", "cluster_id", "text"]).to_pylist()


def _quarantine(curated: Path) -> list[dict[str, Any]]:
    return ds.dataset(curated / "quarantine", format="parquet", partitioning="hive").to_table(
        columns=["source_file", "source_id", "record_index"]).to_pylist()


def _state(curated: Path) -> dict[str, dict[str, Any]]:
    return {r["cluster_id"]: r for r in pq.read_table(curated / "clusters" / "current.parquet").to_pylist()}


def _by_source(curated: Path) -> dict[str, dict[str, Any]]:
    return {a["source_id"]: a for a in _articles(curated)}


def _forget(curated: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["forget", "--curated", str(curated), "--json", *args])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1])


def _duckdb_count(curated: Path) -> int:
    return duckdb.sql(f"select count(*) from read_parquet('{curated}/articles/**/*.parquet', "
                      "hive_partitioning=true)").fetchall()[0][0]


def test_forget_by_doc_id_url_and_source_id(copy: tuple[Path, Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = copy
    before = _by_source(curated)
    code, out = _forget(curated, "--doc-id", before["a-0-1"]["doc_id"],
                        "--url", "https://example.org/s-3", "--source-id", "a-1-2",
                        "--reason", "court order 17", capsys=capsys)
    assert (code, out["status"], out["documents"]) == (0, "completed", 3), out
    assert out["unknown"] == [] and out["forget_id"] and Path(out["manifest"]).is_file()
    after = _by_source(curated)
    assert set(before) - set(after) == {"a-0-1", "s-3", "a-1-2"}
    assert _duckdb_count(curated) == len(before) - 3
    assert_readable(curated)
    assert_cluster_state(curated)  # in step with the articles, canonicals by the rule
    register = pq.read_table(curated / REGISTER).to_pylist()
    assert {(r["source_id"], r["matched_by"], r["reason"]) for r in register} == {
        ("a-0-1", "doc_id", "court order 17"), ("s-3", "url", "court order 17"),
        ("a-1-2", "source_id", "court order 17")}
    assert all("text" not in r for r in register)
    manifest = json.loads(Path(out["manifest"]).read_text())
    assert manifest["kind"] == "forget" and manifest["counts"]["documents"] == 3
    assert recover(Layout(curated)) == []  # a committed takedown leaves nothing to recover
    forgotten = load_forgotten(curated)
    assert before["s-3"]["url"] in forgotten.urls and "a-1-2" in forgotten.source_ids


def test_the_canonical_is_re_elected_and_the_cluster_keeps_its_id(
        copy: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = copy
    rows = _by_source(curated)
    cid = rows["s-1"]["cluster_id"]
    assert rows["s-2"]["cluster_id"] == rows["s-3"]["cluster_id"] == cid, "one story, one cluster"
    state = _state(curated)[cid]
    assert (state["canonical_doc_id"], state["size"]) == (rows["s-2"]["doc_id"], 3)  # the longest
    code, out = _forget(curated, "--source-id", "s-2", capsys=capsys)
    assert (code, out["canonicals_reelected"], out["clusters_emptied"]) == (0, 1, 0), out
    after = _state(curated)[cid]  # same cluster_id, same first_seen
    assert after["size"] == 2 and after["first_seen"] == state["first_seen"]
    assert after["canonical_doc_id"] == min(rows["s-1"]["doc_id"], rows["s-3"]["doc_id"])
    assert_cluster_state(curated)


def test_with_cluster_forgets_every_member_and_the_cluster(
        copy: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = copy
    rows = _by_source(curated)
    cid = rows["s-1"]["cluster_id"]
    code, out = _forget(curated, "--url", "https://example.org/s-1", "--with-cluster",
                        capsys=capsys)
    assert (code, out["documents"], out["clusters_emptied"]) == (0, 3, 1), out
    assert {r["matched_by"] for r in out["removed"]} == {"url", "cluster"}
    assert not {"s-1", "s-2", "s-3"} & set(_by_source(curated))
    assert cid not in _state(curated)
    assert_cluster_state(curated)
    history = load_history(Layout(curated), 256)
    assert history is not None and not {r["doc_id"] for r in out["removed"]} & set(history.doc_ids)


def test_the_quarantine_rows_of_the_same_record_go_too(
        copy: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = copy
    assert [q for q in _quarantine(curated) if q["source_id"] == "q-1"]
    code, out = _forget(curated, "--doc-id", _by_source(curated)["q-1"]["doc_id"], capsys=capsys)
    assert (code, out["documents"], out["quarantine_removed"]) == (0, 1, 1), out
    assert not [q for q in _quarantine(curated) if q["source_id"] == "q-1"]
    assert len(_quarantine(curated)) == 2  # the malformed lines stay
    assert_readable(curated)


def test_a_dry_run_changes_nothing(copy: tuple[Path, Path],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = copy
    before = snapshot(curated)
    state = (curated / "clusters" / "current.parquet").read_bytes()
    code = main(["forget", "--curated", str(curated), "--dry-run", "--source-id", "s-1",
                 "--with-cluster"])
    out = capsys.readouterr().out
    assert code == 0
    listed = [line for line in out.splitlines() if line.startswith("would forget ")]
    assert len(listed) == 3 and "by cluster" in out and "dry run, nothing written" in out
    assert snapshot(curated) == before
    assert (curated / "clusters" / "current.parquet").read_bytes() == state
    assert not (curated / REGISTER).exists()


def test_unknown_ids_are_reported_and_the_others_forgotten(
        copy: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = copy
    code = main(["forget", "--curated", str(curated), "--source-id", "a-0-2",
                 "--doc-id", "0" * 32])
    captured = capsys.readouterr()
    assert code == 3
    assert f"1 id(s) matched nothing: doc_id {'0' * 32}" in captured.err
    assert "forgot 1 document(s)" in captured.out
    assert "a-0-2" not in _by_source(curated)
    # Asked again: already forgotten, not unknown; nothing written.
    before = snapshot(curated)
    code, out = _forget(curated, "--source-id", "a-0-2", capsys=capsys)
    assert (code, out["documents"], out["forget_id"]) == (0, 0, None)
    assert out["already"] == [{"kind": "source_id", "value": "a-0-2"}]
    assert snapshot(curated) == before
    code, out = _forget(curated, "--url", "https://nowhere.example/", capsys=capsys)
    assert (code, out["status"], out["unknown"]) == (
        3, "completed", [{"kind": "url", "value": "https://nowhere.example/"}])


def test_usage_errors_exit_2_before_anything_is_read(
        copy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = copy
    ids = tmp_path / "ids.txt"
    ids.write_text("# takedowns\ndoc_id=abc\nnot an id\n")
    for args in ([], ["--ids-file", str(ids)], ["--curated", str(tmp_path / "none"), "--doc-id", "x"]):
        with pytest.raises(SystemExit) as usage:
            main(["forget", "--curated", str(curated), *args])
        assert usage.value.code == 2, args
    err = capsys.readouterr().err
    assert "line 3: expected doc_id=" in err and "name at least one document" in err
    ids.write_text("# takedowns\nsource_id=a-1-1\n\nurl=https://example.org/s-3\n")
    code, out = _forget(curated, "--ids-file", str(ids), capsys=capsys)
    assert (code, out["documents"]) == (0, 2)


class _Killed(BaseException):
    pass


@pytest.mark.parametrize("point", ["swap-staged", "swap-articles-done", "swap-quarantine-done"])
def test_a_crash_is_rolled_back_before_the_commit_point_and_finished_after_it(
        copy: tuple[Path, Path], point: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.forget import Request, forget

    _raw, curated = copy
    before, rows = snapshot(curated), _by_source(curated)

    def fault_point(name: str) -> None:
        if name == point:
            raise _Killed(name)

    monkeypatch.setattr(store, "fault_point", fault_point)
    with pytest.raises(_Killed):
        forget(curated, Request(doc_id=[rows["q-1"]["doc_id"], rows["s-2"]["doc_id"]]))
    monkeypatch.undo()
    actions = recover(Layout(curated))
    if point == "swap-staged":  # before the commit point: as it was
        assert snapshot(curated) == before and not (curated / REGISTER).exists()
        assert actions == [] and not (curated / "_staging").exists()
        return
    assert any(a.startswith("completed takedown") for a in actions), actions
    assert "moved staged _forgotten/forgotten.parquet into place" in actions
    assert not {"q-1", "s-2"} & set(_by_source(curated))
    assert len(load_forgotten(curated).doc_ids) == 2
    assert_cluster_state(curated)
    assert_readable(curated)


def test_a_rerun_or_a_rebuild_does_not_bring_a_forgotten_document_back(
        copy: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    raw, curated = copy
    code, _ = _forget(curated, "--source-id", "a-0-3", "--url", "https://example.org/s-2",
                      capsys=capsys)
    assert code == 0
    # The raw files change (new bytes, so new doc_ids): read again, the forgotten records skipped.
    (raw / "a-0.jsonl").write_text((raw / "a-0.jsonl").read_text()
                                   + json.dumps({"id": "a-0-new", "text": story(999)}) + "\n")
    _jsonl(raw / "story.jsonl", [{**r, "title": "Updated"} for r in STORY_ROWS])
    summary = _run(raw, curated)
    manifest = json.loads((curated / "_runs" / f"{summary['run_id']}.json").read_text())
    assert manifest["skipped_by_reason"] == {"forgotten": 2}
    assert summary["records_skipped"] == 2
    rows = _articles(curated)
    assert "a-0-new" in {r["source_id"] for r in rows}
    assert "a-0-3" not in {r["source_id"] for r in rows}
    assert "https://example.org/s-2" not in {r["url"] for r in rows}
    assert all(STORY + " The mayor" not in r["text"] for r in rows)
    # A rebuild into the same folder: everything but the register removed, every file read.
    for name in ("articles", "quarantine", "clusters", "_runs", "_state"):
        shutil.rmtree(curated / name, ignore_errors=True)
    summary = _run(raw, curated)
    assert summary["records_skipped"] == 2
    sources = {r["source_id"] for r in _articles(curated)}
    assert "a-0-3" not in sources and "s-2" not in sources and {"s-1", "a-0-new"} <= sources
    assert_cluster_state(curated)


def test_a_takedown_over_two_partitions_is_one_commit(
        copy: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = copy
    (day,) = [p.name for p in (curated / "articles").iterdir()]
    other = "ingest_date=2000-01-01"  # the second run's unit moved to a partition of its own
    (later_run,) = {p.name for p in (curated / "articles" / day).iterdir()} - {
        p.name for p in (curated / "quarantine" / day).iterdir()}
    (curated / "articles" / other).mkdir()
    (curated / "articles" / day / later_run).rename(curated / "articles" / other / later_run)
    rows = _by_source(curated)
    code, out = _forget(curated, "--source-id", "l-2", "--source-id", "a-0-0", capsys=capsys)
    assert (code, out["documents"]) == (0, 2), out
    manifest = json.loads(Path(out["manifest"]).read_text())
    assert sorted(u["partition"] for u in manifest["units"].values()) == sorted([day, other])
    assert len({s["folder"] for s in manifest["swaps"]}) == 3  # two articles folders, one quarantine
    assert set(rows) - set(_by_source(curated)) == {"l-2", "a-0-0"}
    assert_cluster_state(curated)


def test_a_damaged_rewritten_unit_sets_its_runs_aside_and_the_rerun_still_skips(
        copy: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    raw, curated = copy
    code, out = _forget(curated, "--source-id", "a-1-4", capsys=capsys)
    assert code == 0
    (part,) = (curated / "articles").glob(f"*/part-{out['forget_id']}-*.parquet")
    part.write_bytes(b"not parquet")
    actions = recover(Layout(curated))
    assert any(a.startswith(f"set {part.parent.name}/{part.name} aside") for a in actions), actions
    summary = _run(raw, curated)  # the runs set aside are curated again, less the forgotten record
    assert summary["records_skipped"] == 1
    sources = [r["source_id"] for r in _articles(curated)]
    assert "a-1-4" not in sources and "a-1-3" in sources and len(sources) == len(set(sources))
    assert_cluster_state(curated)
