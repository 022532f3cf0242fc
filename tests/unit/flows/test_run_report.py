"""The run's records (flows/run.py, `flows.store.commit`): what the counts of the summary line,
``--json`` and the manifest mean, and the parts the manifest's ``outputs`` names.

- ``files_already_processed`` counts only files an earlier run read (docs/usage.md); a
  byte-identical copy of a new file met in the same discovery is `files_same_content`, and
  ``files_seen`` is the sum of the four.
- ``outputs`` names every part the commit published: ``articles`` and ``quarantine``, null when
  the run published none of that kind.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows import store
from flows.console import summary_line
from flows.discover import discover
from flows.run import RunSummary
from flows.schema import QUARANTINE_SCHEMA, articles_schema

ROOT = Path(__file__).resolve().parents[3]
ARTICLE = '{"id":"a","text":"The city council approved the new tram line on Tuesday after a long debate."}\n'


@pytest.fixture()
def raw_with_copies(tmp_path: Path) -> Path:
    """``a.jsonl``, a byte-identical ``b.jsonl`` and a symlink ``c.jsonl`` to it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.jsonl").write_text(ARTICLE)
    (raw / "b.jsonl").write_text(ARTICLE)
    (raw / "c.jsonl").symlink_to("a.jsonl")
    return raw


# ----------------------------------------------------------------------------- file counts


def test_copies_met_in_the_same_run_are_not_already_processed(raw_with_copies: Path) -> None:
    summary = RunSummary(run_id="r")
    summary.count_files(discover(raw_with_copies, set()))
    assert (summary.files_seen, summary.files_new, summary.files_already_processed,
            summary.files_same_content, summary.files_refused) == (3, 1, 0, 2, 0)
    assert "1 new file(s) read (0 already processed, 2 same-content copies not read)" in summary.line()


def test_files_an_earlier_run_read_are_already_processed(raw_with_copies: Path) -> None:
    summary = RunSummary(run_id="r")
    summary.count_files(discover(raw_with_copies, {hashlib.sha256(ARTICLE.encode()).hexdigest()}))
    assert (summary.files_seen, summary.files_new, summary.files_already_processed,
            summary.files_same_content) == (3, 0, 3, 0)
    assert "0 new file(s) read (3 already processed), " in summary.line()


def test_the_same_content_count_survives_the_summary_dict(raw_with_copies: Path) -> None:
    """The CLI prints its line from the flow's result, `asdict` of the summary: no key is added
    to it (``--json``'s keys are `flows.console.JSON_KEYS`), the count is still there."""
    summary = RunSummary(run_id="r")
    summary.count_files(discover(raw_with_copies, set()))
    data = asdict(summary)
    assert "files_same_content" not in data
    assert RunSummary(**data).files_same_content == 2
    assert "(0 already processed, 2 same-content copies not read)" in summary_line(data, 1.0)
    one = {**data, "files_seen": data["files_seen"] - 1}
    assert "(0 already processed, 1 same-content copy not read)" in summary_line(one, 1.0)


def test_no_copy_no_mention_and_never_negative() -> None:
    assert RunSummary(run_id="r", files_already_processed=4).files_same_content == 0
    line = RunSummary(run_id="r", files_seen=2, files_new=2).line()
    assert "(0 already processed), " in line and "same-content" not in line


# ----------------------------------------------------------------------------- outputs


def _staged(layout: store.Layout, rid: str, articles: int, quarantined: int) -> list[tuple[Path, Path]]:
    """Staged parts as `flows.tasks.publish_task` stages them: an articles part (``articles``
    rows, possibly none) and, with rows, a quarantine part."""
    meta = {store.RUN_ID_KEY: rid.encode()}
    out, day, name = layout.staging(rid) / "out", "ingest_date=2026-01-01", f"part-{rid}-0.parquet"
    staged = []
    src = out / "articles" / name
    src.parent.mkdir(parents=True)
    schema = articles_schema(8)
    table = schema.empty_table() if not articles else pa.Table.from_pylist(
        [{f.name: None for f in schema}] * articles, schema=schema)
    pq.write_table(table.replace_schema_metadata(meta), src)
    staged.append((src, layout.articles / day / name))
    if quarantined:
        qsrc = out / "quarantine" / name
        qsrc.parent.mkdir(parents=True)
        row = {"source_file": "x.jsonl", "source_id": "b", "record_index": 1, "stage": "read",
               "error": "missing text", "raw": "{}", "ingested_at": None, "run_id": rid}
        pq.write_table(pa.Table.from_pylist([row] * quarantined, QUARANTINE_SCHEMA)
                       .replace_schema_metadata(meta), qsrc)
        staged.append((qsrc, layout.quarantine / day / name))
    return staged


@pytest.mark.parametrize(("articles", "quarantined"), [(1, 1), (0, 2), (3, 0)])
def test_outputs_name_every_part_the_commit_published(tmp_path: Path, articles: int,
                                                      quarantined: int) -> None:
    layout, rid = store.Layout(tmp_path / "curated"), "20260101T000000Z-0000cafe"
    planned = f"articles/ingest_date=2026-01-01/part-{rid}-0.parquet"
    manifest = {"run_id": rid, "inputs": [], "outputs": {"articles": planned, "quarantine": None}}
    store.commit(layout, rid, _staged(layout, rid, articles, quarantined), manifest)
    written = json.loads((layout.runs / f"{rid}.json").read_text())
    assert written["outputs"] == manifest["outputs"]
    outputs = written["outputs"]
    assert set(outputs) == {"articles", "quarantine"}
    published = {p.relative_to(layout.root).as_posix()
                 for top in (layout.articles, layout.quarantine) if top.exists()
                 for p in top.rglob("*.parquet")}
    assert {v for v in outputs.values() if v} == published
    assert (outputs["articles"] is None) == (articles == 0)
    assert (outputs["quarantine"] is None) == (quarantined == 0)
    if quarantined:
        assert pq.read_metadata(layout.root / outputs["quarantine"]).num_rows == quarantined


def test_a_manifest_without_outputs_is_left_without(tmp_path: Path) -> None:
    layout, rid = store.Layout(tmp_path / "curated"), "20260101T000000Z-0000f00d"
    manifest: dict = {"run_id": rid, "inputs": []}
    store.commit(layout, rid, _staged(layout, rid, 1, 1), manifest)
    assert "outputs" not in manifest


# ----------------------------------------------------------------------------- the docs


def test_the_docs_define_the_counts_as_the_code_does() -> None:
    """``clusters_new`` is the clusters (stories) a run founded, one-article ones included;
    ``files_already_processed`` excludes copies met in the same run; ``outputs`` names the
    quarantine part."""
    usage = (ROOT / "docs" / "usage.md").read_text()
    operations = (ROOT / "docs" / "operations.md").read_text()
    output = (ROOT / "docs" / "output.md").read_text()
    for text in (usage, operations):
        (row,) = [line for line in text.splitlines() if re.match(r"\| `(payload\.)?clusters_new`", line)]
        meaning = row.split(" | ")[1]
        assert meaning.startswith("clusters (stories) the run founded") and "one" in meaning, row
    assert "files_same_content" in usage and "same_content_count" in usage
    assert "`quarantine`" in output[output.index("`outputs`"):]
