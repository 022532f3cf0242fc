"""The reading examples of README.md and docs/output.md run, as written, in the project's
environment, on a dataset the real flow wrote (so a renamed column or file breaks this test,
not a user's first query)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.settings import RunSettings
from tests.support.data import ROOT, SAMPLES, story

pytestmark = pytest.mark.usefixtures("prefect_server")

DOCS = [ROOT / "README.md", ROOT / "docs" / "output.md"]
_BLOCK = re.compile(r"```(python|sql)\n(.*?)```", re.S)


def blocks(kind: str) -> list[tuple[str, str]]:
    """(file name, code) of every ``kind`` fenced block of the reading docs."""
    found = [(doc.name, code) for doc in DOCS
             for lang, code in _BLOCK.findall(doc.read_text(encoding="utf-8")) if lang == kind]
    assert found, f"no {kind} example in {[d.name for d in DOCS]}"
    return found


#: A document of the dataset that a takedown removes (so the register's examples have rows).
TAKEN_DOWN = "https://example.org/taken-down"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from flows.curate import curate_flow
    from flows.forget import Request, forget

    work = tmp_path_factory.mktemp("docs")
    shutil.copytree(SAMPLES, work / "raw" / "samples")
    (work / "raw" / "takedown.jsonl").write_text(json.dumps(
        {"id": "taken-down", "url": TAKEN_DOWN, "title": "Taken down", "text": story(1)}) + "\n")
    curate_flow(RunSettings(raw_dir=str(work / "raw"), curated_dir=str(work / "curated"),
                            parallel=False))
    report = forget(work / "curated", Request(url=[TAKEN_DOWN], reason="legal request"))
    assert len(report.removed) == 1
    return work


def test_python_examples_run_on_a_curated_dataset(dataset: Path) -> None:
    cwd = os.getcwd()
    os.chdir(dataset)
    try:
        for name, code in blocks("python"):
            scope: dict[str, object] = {}
            exec(compile(code, f"<{name} example>", "exec"), scope)
            stories = scope.get("stories")
            if stories is not None:  # the one-row-per-story examples: one story, one row
                assert stories.num_rows == 1, name
    finally:
        os.chdir(cwd)


def test_sql_examples_run_on_a_curated_dataset(dataset: Path) -> None:
    cwd = os.getcwd()
    os.chdir(dataset)
    try:
        for _name, code in blocks("sql"):
            duckdb.sql(code).fetchall()
    finally:
        os.chdir(cwd)
