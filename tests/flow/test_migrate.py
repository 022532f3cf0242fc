"""Schema migration (`flows.migrate`, ``curate migrate``): a schema v1 dataset to v2.

One dataset for the module, written by the real flow: two runs (the first with malformed
lines, so quarantine parts, and one story in three versions), the second run's unit moved to
a partition of its own (two partitions, so two commits). It is kept as written (v2) and
converted back to the layout of schema v1 (`to_v1`: ``minhash`` as
``fixed_size_list<uint32>[256]``, footers saying version 1), as the job wrote it before. Each
test works on a copy. Checked: every row kept with its text and signature, every part of v2;
a second migration and a dry run change nothing; a run refuses a v1 dataset, and after the
migration a run finds the same duplicates as on the dataset written as v2; crashes around
the commit point; consumers (pyarrow, DuckDB, Polars and a Delta table when installed) read
the signatures intact.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from flows import store
from flows.cli import main
from flows.errors import CurateError
from flows.migrate import migrate, part_version
from flows.schema import SCHEMA_VERSION_KEY, SIGNATURE_TYPE, signature_column, signature_matrix
from flows.settings import RunSettings
from flows.store import Layout, recover
from tests.support.data import story
from tests.support.runs import add_files, assert_cluster_state, assert_readable, snapshot

NUM_PERM = 256
STORY = story(5150)
OTHER_DAY = "ingest_date=2000-01-01"


def _run(raw: Path, curated: Path) -> dict[str, Any]:
    from flows.curate import curate_flow

    return curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False,
                                   batch_size=50))


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _parts(curated: Path) -> list[Path]:
    return sorted(curated.glob("*/ingest_date=*/part-*.parquet"))


def to_v1(curated: Path) -> None:
    """Rewrite every part of ``curated`` in place as the job wrote schema v1."""
    for part in _parts(curated):
        table = pq.read_table(part)
        meta = {**(table.schema.metadata or {}), SCHEMA_VERSION_KEY: b"1"}
        if "minhash" in table.column_names:
            index = table.schema.get_field_index("minhash")
            sig = signature_matrix(table.column("minhash"), NUM_PERM)
            table = table.set_column(index, pa.field("minhash", pa.list_(pa.uint32(), NUM_PERM)),
                                     pa.FixedSizeListArray.from_arrays(pa.array(sig.reshape(-1)),
                                                                       NUM_PERM))
        pq.write_table(table.replace_schema_metadata(meta), part, compression="zstd")


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Path:
    """``v2/`` (as written) and ``v1/`` (converted back), each with ``raw/`` and ``curated/``."""
    base = tmp_path_factory.mktemp("migrate")
    raw, curated = base / "v2" / "raw", base / "v2" / "curated"
    add_files(raw, "m", n_files=2, per_file=8)
    _jsonl(raw / "story.jsonl", [{"id": "s-1", "text": STORY},
                                 {"id": "s-2", "text": STORY + " The mayor added a word."}])
    _run(raw, curated)
    _jsonl(raw / "later.jsonl", [{"id": "l-1", "text": story(61)}, {"id": "l-2", "text": STORY}])
    second = _run(raw, curated)
    (day,) = [p.name for p in (curated / "articles").iterdir()]
    (curated / "articles" / OTHER_DAY).mkdir()
    for part in (curated / "articles" / day).glob(f"part-{second['run_id']}-*.parquet"):
        part.rename(curated / "articles" / OTHER_DAY / part.name)
    shutil.copytree(base / "v2", base / "v1")
    to_v1(base / "v1" / "curated")
    return base


@pytest.fixture()
def v1(datasets: Path, tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(datasets / "v1", tmp_path, dirs_exist_ok=True)
    return tmp_path / "raw", tmp_path / "curated"


def _rows(curated: Path) -> dict[str, dict[str, Any]]:
    """Article rows by doc_id (text, cluster columns, the signature as a tuple of uint32)."""
    out = {}
    for part in _parts(curated):
        if part.parts[-3] != "articles":
            continue
        t = pq.read_table(part, columns=["doc_id", "source_id", "text", "cluster_id",
                                          "duplicate_of", "dup_kind", "minhash"])
        sig = signature_matrix(t.column("minhash"), NUM_PERM)
        for row, s in zip(t.drop_columns(["minhash"]).to_pylist(), sig, strict=True):
            out[row["doc_id"]] = {**row, "minhash": tuple(s.tolist())}
    return out


def _quarantine(curated: Path) -> list[tuple[Any, ...]]:
    t = ds.dataset(curated / "quarantine", format="parquet", partitioning="hive").to_table(
        columns=["source_file", "source_id", "record_index", "error", "run_id"])
    return sorted(tuple(r.values()) for r in t.to_pylist())


def _migrate(curated: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["migrate", "--curated", str(curated), "--json", *args])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_migration_keeps_every_row_and_signature_and_is_idempotent(
        v1: tuple[Path, Path], datasets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = v1
    before, quarantined = _rows(curated), _quarantine(curated)
    assert {part_version(p) for p in _parts(curated)} == {"1"}
    code, out = _migrate(curated, capsys=capsys)
    assert (code, out["status"], out["units"], len(out["partitions"])) == (0, "completed", 2, 2), out
    assert out["rows"] == len(before) and out["quarantined"] == len(quarantined) > 0
    assert _rows(curated) == before == _rows(datasets / "v2" / "curated")
    assert _quarantine(curated) == quarantined
    for part in _parts(curated):
        assert part_version(part) == "2" and store.MIGRATE_TAG in part.name
        if part.parts[-3] == "articles":
            assert pq.read_schema(part).field("minhash").type == SIGNATURE_TYPE
            assert pq.read_schema(part).metadata[store.FINGERPRINT_KEY]  # kept
    for manifest in out["manifests"]:
        m = json.loads(Path(manifest).read_text())
        assert (m["kind"], m["schema_version"], m["from_versions"]) == ("migrate", "2", ["1"])
    assert_cluster_state(curated)
    assert_readable(curated)
    # Idempotent: a v2 dataset has nothing to migrate.
    files = snapshot(curated)
    code, out = _migrate(curated, capsys=capsys)
    assert (code, out["units"], out["manifests"]) == (0, 0, []), out
    assert snapshot(curated) == files
    assert main(["migrate", "--curated", str(curated)]) == 0
    assert "nothing to migrate" in capsys.readouterr().out


def test_a_dry_run_changes_nothing(v1: tuple[Path, Path],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    _raw, curated = v1
    files = snapshot(curated)
    code, out = _migrate(curated, "--dry-run", capsys=capsys)
    assert (code, out["status"], out["units"], out["manifests"]) == (0, "dry_run", 2, []), out
    assert snapshot(curated) == files and not (curated / "_staging").exists()


def test_a_run_refuses_v1_then_finds_the_same_duplicates_as_on_v2(
        v1: tuple[Path, Path], datasets: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    raw, curated = v1
    new = [{"id": "n-1", "text": STORY}, {"id": "n-2", "text": STORY + " More words here."},
           {"id": "n-3", "text": story(61)}, {"id": "n-4", "text": story(4000)}]
    _jsonl(raw / "new.jsonl", new)
    files = snapshot(curated)
    with pytest.raises(CurateError, match=r"run `curate migrate --curated .*` first"):
        _run(raw, curated)
    assert snapshot(curated) == files
    assert main(["migrate", "--curated", str(curated)]) == 0
    capsys.readouterr()
    _run(raw, curated)
    shutil.copytree(datasets / "v2", tmp_path / "as-v2")
    _jsonl(tmp_path / "as-v2" / "raw" / "new.jsonl", new)
    _run(tmp_path / "as-v2" / "raw", tmp_path / "as-v2" / "curated")
    migrated, original = _rows(curated), _rows(tmp_path / "as-v2" / "curated")
    assert migrated == original
    got = {r["source_id"]: r for r in migrated.values() if r["source_id"].startswith("n-")}
    history = {r["source_id"]: r for r in migrated.values()}
    for new_id, old_id in (("n-1", "s-1"), ("n-2", "s-1"), ("n-3", "l-1")):  # history matched
        assert got[new_id]["dup_kind"] is not None, got[new_id]
        assert got[new_id]["cluster_id"] == history[old_id]["cluster_id"]
    assert got["n-4"]["cluster_id"] == got["n-4"]["doc_id"]
    assert_cluster_state(curated)


class _Killed(BaseException):
    """Stands for a SIGKILL at a fault point (nothing after it runs)."""


@pytest.mark.parametrize("point", ["swap-staged", "swap-articles-done", "swap-quarantine-done"])
def test_a_crash_leaves_old_or_new_files_and_the_next_command_completes(
        v1: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    _raw, curated = v1
    before = _rows(curated)

    def fault_point(name: str) -> None:
        if name == point:
            raise _Killed(name)

    monkeypatch.setattr(store, "fault_point", fault_point)
    with pytest.raises(_Killed):
        migrate(curated)
    monkeypatch.undo()
    assert_readable(curated)  # what a reader sees at the crash: old files or new, whole
    for folder in curated.glob("*/ingest_date=*"):
        assert len({part_version(p) for p in folder.glob("part-*.parquet")}) == 1, folder
    assert _rows(curated) == before
    actions = recover(Layout(curated))
    if point == "swap-staged":  # before the first commit point: nothing happened
        assert actions == [] and not (curated / "_staging").exists()
        assert {part_version(p) for p in _parts(curated)} == {"1"}
    else:
        assert any(a.startswith("completed migration") for a in actions), actions
    report = migrate(curated)  # the next command migrates what is left
    # The partitions are migrated in order (the other day's holds no quarantine part): the
    # crash after the quarantine swap was in the last one.
    assert bool(report.partitions) == (point != "swap-quarantine-done"), report
    assert {part_version(p) for p in _parts(curated)} == {"2"}
    assert _rows(curated) == before
    assert_cluster_state(curated)


def test_consumers_read_the_v2_signatures(v1: tuple[Path, Path], tmp_path: Path) -> None:
    """pyarrow, DuckDB, Polars (when installed) and a Delta table (``deltalake``, when
    installed) read the migrated signatures intact, values of 2^31 and more included (schema
    v1's uint32 lost them in a Delta table)."""
    _raw, curated = v1
    migrate(curated)
    table = ds.dataset(curated / "articles", format="parquet", partitioning="hive").to_table(
        columns=["doc_id", "minhash"])
    extreme = np.zeros((1, NUM_PERM), np.uint32)
    extreme[0, :4] = [1, 2**31 - 1, 2**31, 2**32 - 1]
    table = pa.concat_tables([table, pa.table({"doc_id": ["extreme"],
                                               "minhash": signature_column(extreme)})])
    want = signature_matrix(table.column("minhash"), NUM_PERM)
    assert np.array_equal(want[-1], extreme[0])
    n = duckdb.sql(f"select count(*) from read_parquet('{curated}/articles/**/*.parquet', "
                   "hive_partitioning=true) where len(minhash) = 256").fetchall()[0][0]
    assert n == table.num_rows - 1
    try:
        import polars as pl
    except ImportError:
        pass
    else:
        frame = pl.scan_parquet(f"{curated}/articles/**/*.parquet").select("minhash").collect()
        assert frame.height == table.num_rows - 1
    deltalake = pytest.importorskip("deltalake", reason="deltalake is not installed (dev extra)")
    deltalake.write_deltalake(str(tmp_path / "delta"), table)
    back = deltalake.DeltaTable(str(tmp_path / "delta")).to_pyarrow_table().sort_by("doc_id")
    order = pa.compute.sort_indices(table, [("doc_id", "ascending")])
    assert np.array_equal(signature_matrix(back.column("minhash"), NUM_PERM), want[order.to_numpy()])


def test_a_part_of_an_unknown_newer_schema_stops_migration_and_runs(
        v1: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    from flows.migrate import require_current

    _raw, curated = v1
    part = next(p for p in _parts(curated) if p.parts[-3] == "articles")
    table = pq.read_table(part)
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata,
                                                  SCHEMA_VERSION_KEY: b"3"}), part)
    files = snapshot(curated)
    code, out = _migrate(curated, capsys=capsys)
    assert (code, out["status"]) == (1, "failed") and "schema version 3" in out["error"], out
    assert snapshot(curated) == files
    with pytest.raises(CurateError, match="written by a newer job"):
        require_current(Layout(curated))


def with_other_fingerprint(curated: Path) -> None:
    """Rewrite the articles parts of ``curated`` in place as if fingerprinted with another
    configuration (``drop_common=0``): signatures made so from the texts, footers saying so."""
    import dataclasses

    from cleaners.dedup import DEFAULT_FINGERPRINT
    from flows.migrate import refingerprinted

    other = dataclasses.replace(DEFAULT_FINGERPRINT, drop_common=0)
    for part in _parts(curated):
        if part.parts[-3] != "articles":
            continue
        table = refingerprinted(pq.read_table(part), other)
        meta = {**(table.schema.metadata or {}),
                store.FINGERPRINT_KEY: store.fingerprint_tag(dataclasses.asdict(other))}
        pq.write_table(table.replace_schema_metadata(meta), part, compression="zstd")


def test_refingerprint_makes_the_signatures_a_fresh_run_makes(
        datasets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A dataset fingerprinted with other parameters: a run refuses it (one line naming the
    command); ``curate migrate --refingerprint`` rewrites its parts with the signatures and
    shingle counts a fresh curation of the same files has, every other value kept; then runs
    match against it."""
    shutil.copytree(datasets / "v2", tmp_path, dirs_exist_ok=True)
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    written = _rows(curated)
    with_other_fingerprint(curated)
    changed = _rows(curated)
    assert {k: v["minhash"] for k, v in changed.items()} != {k: v["minhash"] for k, v in written.items()}
    _jsonl(raw / "new.jsonl", [{"id": "n-1", "text": STORY}])
    files = snapshot(curated)
    with pytest.raises(ValueError, match="curate migrate --refingerprint"):
        _run(raw, curated)
    assert snapshot(curated) == files
    code, out = _migrate(curated, capsys=capsys)  # the schema is current: nothing to do without the flag
    assert (code, out["units"]) == (0, 0), out
    code, out = _migrate(curated, "--refingerprint", capsys=capsys)
    assert (code, out["status"], out["units"]) == (0, "completed", 2), out
    assert _rows(curated) == written  # texts, clusters and the signatures of a fresh curation
    counts = {r["doc_id"]: r["shingle_count"] for r in pq.read_table(
        datasets / "v2" / "curated" / "articles", columns=["doc_id", "shingle_count"]).to_pylist()}
    assert {r["doc_id"]: r["shingle_count"] for r in pq.read_table(
        curated / "articles", columns=["doc_id", "shingle_count"]).to_pylist()} == counts
    for manifest in out["manifests"]:
        assert json.loads(Path(manifest).read_text())["fingerprint"]["drop_common"] == 300
    code, out = _migrate(curated, "--refingerprint", capsys=capsys)
    assert (code, out["units"]) == (0, 0), out
    _run(raw, curated)
    got = {r["source_id"]: r for r in _rows(curated).values()}
    assert got["n-1"]["cluster_id"] == got["s-1"]["cluster_id"]
    assert_cluster_state(curated)
