"""Running ``curate run`` as a real process, and checking what it leaves in ``curated/``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from flows.discover import discover
from flows.readers import read_file
from tests.support.data import ROOT, story

START_TIMEOUT = 240  # seconds for a subprocess to reach a point, on a loaded 2-core machine


def add_files(raw: Path, name: str, n_files: int = 2, per_file: int = 30) -> None:
    """JSONL files of distinct stories, each with one malformed line (a quarantine row)."""
    raw.mkdir(parents=True, exist_ok=True)
    for f in range(n_files):
        seed = zlib.crc32(f"{name}-{f}".encode()) % 10**6
        lines = [json.dumps({"id": f"{name}-{f}-{i}", "text": story(seed * 1000 + i)}) for i in range(per_file)]
        lines.insert(per_file // 2, '{"id": "broken", ')
        (raw / f"{name}-{f}.jsonl").write_text("\n".join(lines) + "\n")


def copy_dataset(src: Path, dst: Path) -> tuple[Path, Path]:
    """A private copy of ``src``'s raw/ and curated/ (without its lock files) under ``dst``."""
    shutil.copytree(src / "raw", dst / "raw")
    shutil.copytree(src / "curated", dst / "curated", ignore=shutil.ignore_patterns(".lock*"))
    return dst / "raw", dst / "curated"


def records_in(raw: Path) -> Counter[str]:
    """How many records each raw file holds, as the readers see them."""
    return Counter({f.rel: sum(1 for _ in read_file(f)) for f in discover(raw, set()).new})


def snapshot(curated: Path) -> dict[str, str]:
    """SHA-256 of every dataset file (articles, quarantine, manifests), by relative path."""
    out = {}
    for top in ("articles", "quarantine", "_runs"):
        for p in sorted((curated / top).rglob("*")) if (curated / top).exists() else []:
            if p.is_file():
                out[p.relative_to(curated).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def read_dataset(curated: Path) -> tuple[list[dict], list[dict]]:
    """Articles and quarantine rows, read as a consumer would (must not raise)."""
    def table(folder: Path, cols: list[str]) -> list[dict]:
        if not folder.exists():
            return []
        return ds.dataset(folder, format="parquet", partitioning="hive").to_table(columns=cols).to_pylist()

    for m in (curated / "_runs").glob("*.json"):
        json.loads(m.read_text())
    return (table(curated / "articles", ["doc_id", "source_file", "run_id"]),
            table(curated / "quarantine", ["source_file", "error", "run_id"]))


def assert_exactly_once(raw: Path, curated: Path) -> None:
    """Every record of every raw file is an article row or a quarantine row, once."""
    articles, quarantine = read_dataset(curated)
    assert len({a["doc_id"] for a in articles}) == len(articles), "an article row is duplicated"
    got = Counter(a["source_file"] for a in articles) + Counter(q["source_file"] for q in quarantine)
    assert got == records_in(raw)
    committed = {p.stem for p in (curated / "_runs").glob("*.json")}
    assert {a["run_id"] for a in articles} | {q["run_id"] for q in quarantine} <= committed
    assert_cluster_state(curated)


def assert_cluster_state(curated: Path) -> None:
    """``clusters/current.parquet`` (when there are articles) is in step with them: one row
    per cluster (after the merges of ``clusters/merged/merged.parquet``), sizes and languages
    as counted, the canonical the member the rule ranks
    first (longest text, earliest date, smallest doc_id)."""
    state_file = curated / "clusters" / "current.parquet"
    if not (curated / "articles").exists():
        return
    articles = ds.dataset(curated / "articles", format="parquet", partitioning="hive").to_table(
        columns=["doc_id", "cluster_id", "lang", "text", "published_at"]).to_pylist()
    if not articles:
        return
    state = {r["cluster_id"]: r for r in pq.read_table(state_file).to_pylist()}
    merged_file = curated / "clusters" / "merged" / "merged.parquet"
    merged = ({r["cluster_id"]: r["merged_into"] for r in pq.read_table(merged_file).to_pylist()}
              if merged_file.exists() else {})
    assert not set(merged) & set(state), "a merged cluster still has a row of its own"
    members: dict[str, list[dict[str, Any]]] = {}
    for a in articles:  # by story: a merged cluster's articles are in the one it merged into
        members.setdefault(merged.get(a["cluster_id"], a["cluster_id"]), []).append(a)
    assert set(state) == set(members)
    for cid, rows in members.items():
        best = min(rows, key=lambda a: (-len(a["text"]), a["published_at"] is None,
                                        a["published_at"] or 0, a["doc_id"]))
        row = state[cid]
        assert row["size"] == len(rows)
        assert row["languages"] == sorted({a["lang"] for a in rows if a["lang"]})
        assert row["canonical_doc_id"] == best["doc_id"], f"cluster {cid}: canonical is not the best member"


def start(raw: Path, curated: Path, env: dict[str, str], *extra: str, **env_extra: str) -> subprocess.Popen[str]:
    """``curate run`` in its own process group (one worker unless ``extra`` says otherwise)."""
    workers = [] if "--workers" in extra else ["--workers", "1"]
    cmd = [sys.executable, "-m", "flows.cli", "run", "--raw", str(raw), "--curated", str(curated),
           *workers, "--batch-size", "25", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, env={**env, **env_extra}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def kill(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the process and its process group (it was started in its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ValueError):  # pipes already read and closed
        proc.communicate(timeout=60)


def wait_for(predicate, proc: subprocess.Popen[str], what: str, timeout: float = START_TIMEOUT) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"process ended (rc {proc.returncode}) before {what}:\n{out[-1500:]}\n{err[-3000:]}")
        if time.monotonic() > deadline:
            kill(proc)
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def run_paused(raw: Path, curated: Path, env: dict[str, str], point: str, marker: Path) -> subprocess.Popen[str]:
    """Start a run that stops at ``point`` of the commit; returns once it is there."""
    marker.unlink(missing_ok=True)
    proc = start(raw, curated, env, CURATE_TEST_PAUSE_AT=point, CURATE_TEST_PAUSE_FILE=str(marker))
    wait_for(marker.exists, proc, f"fault point {point!r}")
    return proc


#: Largest footer a part may have (row-group statistics of a large quarantine included).
MAX_FOOTER_BYTES = 1 << 20


def assert_readable(curated: Path) -> None:
    """Every part opens in pyarrow and DuckDB, with a small footer; manifests are small."""
    for part in curated.glob("*/ingest_date=*/*.parquet"):
        meta = pq.read_metadata(part)
        assert meta.serialized_size < MAX_FOOTER_BYTES, (part, meta.serialized_size)
    for manifest in (curated / "_runs").glob("*.json"):
        assert manifest.stat().st_size < 1 << 20, manifest
    for top in ("articles", "quarantine"):
        if (curated / top).exists():
            duckdb.sql(f"select count(*) from read_parquet('{curated / top}/**/*.parquet')").fetchall()
    read_dataset(curated)
