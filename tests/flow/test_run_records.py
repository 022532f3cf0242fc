"""A real flow run's records (the summary, the manifest's ``counts`` and ``outputs``) against
what is on disk: same-content copies are not "already processed", ``clusters_new`` is the
stories the run founded (one-article ones included, as ``clusters/current.parquet`` counts
them), and ``outputs`` names the quarantine part as well as the articles part.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from flows.settings import RunSettings

pytestmark = pytest.mark.usefixtures("prefect_server")

TEXTS = [
    "The city council approved the new tram line on Tuesday after a long debate.",
    "A rare orchid bloomed in the botanical garden for the first time in forty years.",
    "The national library will reopen its reading rooms next month after the renovation.",
]


def _run(raw: Path, curated: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """One flow run in this process (must complete): its summary and its manifest."""
    from flows.curate import curate_flow

    state = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False),
                        return_state=True)
    assert state.is_completed(), state
    summary = state.result()
    return summary, json.loads((curated / "_runs" / f"{summary['run_id']}.json").read_text())


def _jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_a_run_with_copies_and_a_bad_record(tmp_path: Path) -> None:
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    _jsonl(raw / "a.jsonl", [{"id": f"a{i}", "text": t} for i, t in enumerate(TEXTS)]
           + [{"id": "bad", "text": None}])
    (raw / "b.jsonl").write_bytes((raw / "a.jsonl").read_bytes())
    (raw / "c.jsonl").symlink_to("a.jsonl")

    summary, manifest = _run(raw, curated)
    counts = manifest["counts"]
    # Nothing was read before this run: no file is "already processed"; the copies add up.
    assert (counts["files_seen"], counts["files_new"], counts["files_already_processed"],
            counts["files_refused"], manifest["same_content_count"]) == (3, 1, 0, 0, 2)
    assert counts["files_seen"] == (counts["files_new"] + counts["files_already_processed"]
                                    + manifest["same_content_count"] + counts["files_refused"])
    assert {e["path"] for e in manifest["same_content_as"]} == {"b.jsonl", "c.jsonl"}
    files = ("files_seen", "files_new", "files_already_processed", "files_refused")
    assert {k: summary[k] for k in files} == {k: counts[k] for k in files}

    # Three unrelated articles: three stories founded, each a row of clusters/current.parquet.
    assert (summary["rows_written"], summary["clusters_new"], summary["duplicates"]) == (3, 3, 0)
    assert pq.read_metadata(curated / "clusters" / "current.parquet").num_rows == 3

    # Both parts are named, and they are the parts on disk.
    outputs = manifest["outputs"]
    on_disk = {p.relative_to(curated).as_posix()
               for top in ("articles", "quarantine") for p in (curated / top).rglob("*.parquet")}
    assert set(outputs.values()) == on_disk
    assert outputs["quarantine"].startswith("quarantine/")
    assert pq.read_metadata(curated / outputs["quarantine"]).num_rows == 1
    assert pq.read_metadata(curated / outputs["articles"]).num_rows == 3

    again, idle = _run(raw, curated)  # now every file was read by an earlier run
    assert (again["files_seen"], again["files_new"], again["files_already_processed"]) == (3, 0, 3)
    assert idle["same_content_count"] == 0


def test_a_run_whose_records_were_all_quarantined_names_its_quarantine_part(tmp_path: Path) -> None:
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    _jsonl(raw / "bad.jsonl", [{"id": "b", "text": None}])
    summary, manifest = _run(raw, curated)
    assert (summary["rows_written"], summary["rows_quarantined"], summary["clusters_new"]) == (0, 1, 0)
    assert manifest["outputs"]["articles"] is None
    (part,) = (curated / "quarantine").rglob("*.parquet")
    assert manifest["outputs"]["quarantine"] == part.relative_to(curated).as_posix()
