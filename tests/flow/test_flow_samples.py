"""The real flow, under a Prefect test server, on the built-in samples (issue: end to end)."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest

from flows.gc_threshold import YOUNG_THRESHOLD
from flows.history import load_history
from flows.schema import SCHEMA_VERSION
from flows.settings import RunSettings
from tests.support.data import ROOT, SAMPLES

pytestmark = pytest.mark.usefixtures("prefect_server")


def _articles(curated: Path) -> list[dict]:
    return ds.dataset(curated / "articles", format="parquet", partitioning="hive").to_table().to_pylist()


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    dst = tmp_path / "raw"
    shutil.copytree(SAMPLES, dst / "samples")
    return dst


def test_samples_form_one_cross_lingual_cluster(raw: Path, tmp_path: Path) -> None:
    from flows.curate import curate_flow

    curated = tmp_path / "curated"
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's defaults
    try:
        summary = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False))
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD  # the flow's process (flows/gc_threshold.py)
    finally:
        gc.set_threshold(*saved)
    assert summary["files_new"] == 2 and summary["rows_written"] == 2
    assert summary["rows_quarantined"] == 0

    rows = {r["lang"]: r for r in _articles(curated)}
    assert set(rows) == {"en", "fr"}
    en, fr = rows["en"], rows["fr"]
    assert en["cluster_id"] == fr["cluster_id"]
    assert [en["is_canonical"], fr["is_canonical"]].count(True) == 1
    dup = fr if en["is_canonical"] else en
    canon = en if en["is_canonical"] else fr
    assert dup["dup_kind"] == "cross_lingual"
    assert dup["duplicate_of"] == canon["doc_id"] == canon["cluster_id"]
    assert 0 < dup["similarity"] <= 1
    assert canon["duplicate_of"] is None and canon["similarity"] is None and canon["dup_kind"] is None

    text = fr["text"]
    for residue in ("[penci_blockquote", "[/penci_blockquote]", "″", "= »", "Énurésie", "A (re) lire"):
        assert residue not in text, residue
    assert "La Chine est prête à travailler avec d'autres pays pour saisir les opportunités" in text
    kinds = {(e["kind"], e["detail"]) for e in fr["edits"]}
    assert any(k == "shortcode" and "penci_blockquote" in d for k, d in kinds)
    assert any(k == "promo" and "Énurésie" in d for k, d in kinds)
    assert en["title"] == "Xi: Create new paradigm for cybersecurity"
    assert len(en["minhash"]) == len(fr["minhash"]) > 0

    # The dataset is readable as is by DuckDB (hive partitions included).
    con = duckdb.connect()
    n, clusters, ingest = con.execute(
        "select count(*), count(distinct cluster_id), min(ingest_date) from read_parquet(?, hive_partitioning=true)",
        [str(curated / "articles" / "**" / "*.parquet")],
    ).fetchone()
    assert (n, clusters) == (2, 1) and ingest is not None

    # Manifest: inputs with hashes, counts, versions.
    (manifest_path,) = (curated / "_runs").glob("*.json")
    manifest = json.loads(manifest_path.read_text())
    assert {i["path"] for i in manifest["inputs"]} == {
        "samples/000_5579c1d2ab6f9191.txt", "samples/004_8ee08c2d1de8db32.txt"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["versions"]["schema"] == SCHEMA_VERSION == "2"
    timings = manifest["timings"]  # wall seconds per stage, and CPU seconds of the busy ones
    for stage in ("clean_tasks", "fingerprint_tasks", "load_history", "match"):
        assert timings[stage] >= 0 and timings[f"{stage}_cpu"] >= 0, stage
    assert timings["clean_tasks_cpu"] + timings["fingerprint_tasks_cpu"] > 0
    assert not (curated / "_staging").exists() or not any((curated / "_staging").iterdir())

    # The history refuses to be matched with signatures made otherwise.
    from dataclasses import asdict

    from cleaners.dedup.fingerprint import DEFAULT_FINGERPRINT
    from flows import store

    layout = store.Layout(curated)
    fp = asdict(DEFAULT_FINGERPRINT)
    assert len(load_history(layout, fp["num_perm"], fp).doc_ids) == 2
    with pytest.raises(ValueError, match="fingerprinted with"):
        load_history(layout, fp["num_perm"], {**fp, "drop_common": 0})

    # A second run reads nothing new and adds no rows.
    again = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False))
    assert again["files_new"] == 0 and again["files_already_processed"] == 2
    assert len(_articles(curated)) == 2


def test_cli_run_exit_code_and_summary(raw: Path, tmp_path: Path) -> None:
    """``curate run`` as a user runs it: its own ephemeral Prefect, exit 0, a summary line."""
    curated = tmp_path / "curated"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    cmd = [sys.executable, "-m", "flows.cli", "run", "--raw", str(raw), "--curated", str(curated), "--workers", "1"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert "2 new file(s)" in last and "2 row(s) written" in last and "0 quarantined" in last
    # Its temporary Prefect API (flows/api_server.py) answered the run, and is gone with it.
    api = re.search(r"temporary Prefect API on http://127\.0\.0\.1:(\d+)/api", done.stderr)
    assert api, done.stderr[-2000:]
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(api.group(1)))) != 0, "the temporary API outlived the run"
    # It recorded the run in the Prefect database of PREFECT_HOME (which a server started
    # later for the UI shows), and registered no block types there (SERVER_SETTINGS).
    with contextlib.closing(sqlite3.connect(tmp_path / "prefect-home" / "prefect.db")) as db:
        assert db.execute("SELECT count(*) FROM flow_run").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM block_type").fetchone() == (0,)

    # A raw folder that does not exist: one line, at once, before Prefect starts.
    bad = subprocess.run([*cmd[:4], "--raw", str(tmp_path / "nope"), "--curated", str(curated), "--workers", "1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    (line,) = bad.stderr.strip().splitlines()
    assert line.startswith("curate run: error: argument --raw: the raw folder")
    assert "does not exist" in line
