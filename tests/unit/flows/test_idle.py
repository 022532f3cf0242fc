"""`flows.idle.run_if_idle`: a run that finds nothing new is recorded without Prefect, as the
flow records it; a run with new files writes nothing and is left to the flow."""

from __future__ import annotations

import json
from pathlib import Path

from flows.idle import run_if_idle
from flows.settings import RunSettings


def _settings(raw: Path, curated: Path) -> RunSettings:
    return RunSettings(raw_dir=str(raw), curated_dir=str(curated))


def test_nothing_new_is_recorded_with_its_counts_and_refused_paths(tmp_path: Path) -> None:
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    (raw / "loop.jsonl").symlink_to("loop.jsonl")  # refused: not read, said why
    summary, found, recovered = run_if_idle(_settings(raw, curated))
    assert summary is not None and recovered == [] and not found.new
    (path,) = (curated / "_runs").glob("*.json")
    manifest = json.loads(path.read_text())
    assert manifest["run_id"] == summary.run_id == path.stem
    assert manifest["flow_run_id"] is None and manifest["inputs"] == []
    assert manifest["counts"]["files_new"] == 0 and manifest["counts"]["files_refused"] == 1
    assert manifest["timings"]["discover"] >= 0 and manifest["finished_at"]
    assert [rel for rel, _why in found.refused] == ["loop.jsonl"]


def test_new_files_write_nothing(tmp_path: Path) -> None:
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    (raw / "a.jsonl").write_text(json.dumps({"id": "1", "text": "A story."}) + "\n")
    summary, found, _recovered = run_if_idle(_settings(raw, curated))
    assert summary is None and [f.rel for f in found.new] == ["a.jsonl"]
    assert not (curated / "_runs").exists() or not list((curated / "_runs").glob("*.json"))
