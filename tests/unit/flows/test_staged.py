"""`flows.staged`: the Arrow IPC files a run's batches travel in between its stages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from flows.discover import discover
from flows.staged import STAGED_SUFFIX, is_staged, read_staged, staged_schema, write_staged
from flows.stages import clean_and_fingerprint_stage, read_stage
from tests.support.data import SAMPLES

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The read batch and the fingerprinted batch of the sample articles, as a run stages them."""
    tmp = tmp_path_factory.mktemp("staging")
    read = read_stage(discover(SAMPLES, set()).new, tmp, "run-s", NOW, 100, 1_000_000)
    (batch,) = read.batches
    _, fingerprinted = clean_and_fingerprint_stage(batch, "run-s", NOW)
    return batch, fingerprinted.path


def test_a_run_stages_its_batches_as_ipc_files(staged: tuple[str, str]) -> None:
    batch, fingerprinted = staged
    assert all(is_staged(p) and p.endswith(STAGED_SUFFIX) for p in staged)
    assert Path(fingerprinted).name.startswith("fp-") and Path(batch).name.startswith("read-")
    table = read_staged(fingerprinted)
    assert table.num_rows == 2 and staged_schema(fingerprinted) == table.schema
    assert all(len(t) > 500 for t in table.column("text").to_pylist())
    assert not is_staged("curated/articles/part-0.parquet")


def test_written_tables_come_back_equal_with_their_metadata(staged: tuple[str, str],
                                                            tmp_path: Path) -> None:
    for path in staged:
        table = read_staged(path).replace_schema_metadata({"k": "v"})
        for compressed in (True, False):
            out = tmp_path / f"{compressed}{STAGED_SUFFIX}"
            write_staged(table, out, compressed=compressed)
            back = read_staged(out)
            assert back.equals(table) and back.schema.metadata == {b"k": b"v"}


def test_naming_columns_reads_only_those_in_that_order(staged: tuple[str, str]) -> None:
    fingerprinted = staged[1]
    table = read_staged(fingerprinted, ["text_hash", "doc_id"])
    assert table.column_names == ["text_hash", "doc_id"]
    assert table.column("doc_id").equals(read_staged(fingerprinted).column("doc_id"))


def test_compression_is_lz4_when_asked(staged: tuple[str, str], tmp_path: Path) -> None:
    """The read stage's batches (raw texts, whole pages for scraped ones) are compressed."""
    texts = pa.table({"text": [(SAMPLES / n).read_text("utf-8") for n in sorted(
        p.name for p in SAMPLES.glob("*.txt"))] * 50})
    small, large = tmp_path / f"c{STAGED_SUFFIX}", tmp_path / f"u{STAGED_SUFFIX}"
    write_staged(texts, small, compressed=True)
    write_staged(texts, large, compressed=False)
    assert small.stat().st_size < large.stat().st_size / 2
    assert read_staged(small).equals(texts)


def test_a_file_that_is_not_a_staged_batch_raises(tmp_path: Path) -> None:
    path = tmp_path / f"bad{STAGED_SUFFIX}"
    path.write_bytes(b"PAR1 not an arrow file")
    with pytest.raises(pa.ArrowInvalid):
        read_staged(path)


def test_columns_read_do_not_hold_the_rest_of_the_file(staged: tuple[str, str],
                                                       tmp_path: Path) -> None:
    """Match holds the signature columns of every batch of a run: they must not keep each
    batch's texts in memory with them."""
    table = read_staged(staged[1])
    texts = pa.table({"doc_id": table.column("doc_id"),
                      "text": pa.array([t * 200 for t in table.column("text").to_pylist()])})
    path = tmp_path / f"big{STAGED_SUFFIX}"
    write_staged(texts, path, compressed=False)
    before = pa.total_allocated_bytes()
    ids = read_staged(path, ["doc_id"])
    held = pa.total_allocated_bytes() - before
    assert ids.column("doc_id").equals(table.column("doc_id"))
    assert held < texts.nbytes / 100 and texts.nbytes > 1_000_000
