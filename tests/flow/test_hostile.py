"""Hostile input never damages ``curated/`` and never blocks later runs (issue 19).

Each reproduction of the issue runs through the real command line (``python -m flows.cli
run``), against the session's Prefect test server to keep the suite fast; the liveness cases
(signals, a dead API server or worker) are in ``tests/flow/test_liveness.py``.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.record import unique_key
from tests.support.data import story
from tests.support.runs import (
    START_TIMEOUT,
    assert_exactly_once,
    assert_readable,
    read_dataset,
    start,
)


def run(raw: Path, curated: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    """One ``curate run`` to its end; its exit status, stdout and stderr."""
    proc = start(raw, curated, env, *extra)
    out, err = proc.communicate(timeout=START_TIMEOUT)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def good_file(raw: Path, name: str, n: int = 5) -> None:
    """A JSONL file of ``n`` distinct good stories."""
    raw.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"id": f"{name}-{i}", "text": story(hash(name) % 1000 * 100 + i)})
             for i in range(n)]
    (raw / f"{name}.jsonl").write_text("\n".join(lines) + "\n")


def one_line_error(err: str) -> str:
    """The run's last stderr line; the test fails if a traceback was printed."""
    assert "Traceback" not in err, err[-3000:]
    return err.strip().splitlines()[-1]


# ------------------------------------------------------------------------------ ids


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "a#1", "a#2", "a#2#2", "a#1#2", "#0", "#1", "b", "a#3"]),
                max_size=12))
def test_suffixed_keys_never_collide(keys: list[str]) -> None:
    """Whatever ids a file holds (adversarial ones that look like suffixed keys included),
    the keys given to its records are distinct, and the first holder of a key keeps it."""
    seen: set[str] = set()
    out = [unique_key(k, i, seen) for i, k in enumerate(keys)]
    assert len(set(out)) == len(out)
    for i, k in enumerate(keys):
        if k not in keys[:i] and k not in out[:i]:
            assert out[i] == k


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_ids_that_look_suffixed_are_all_curated(tmp_path: Path, api_env: dict[str, str]) -> None:
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    ids = ["a", "a#2", "a", "a", "a#3", "a#3"]
    lines = [json.dumps({"id": k, "text": story(7000 + i)}) for i, k in enumerate(ids)]
    (raw / "ids.jsonl").write_text("\n".join(lines) + "\n")
    done = run(raw, curated, api_env)
    assert done.returncode == 0, done.stderr[-2000:]
    articles, quarantine = read_dataset(curated)
    assert len(articles) == len(ids) and not quarantine
    assert len({a["doc_id"] for a in articles}) == len(ids)


# ------------------------------------------------------------------------------ bounded metadata


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_millions_of_bad_lines_and_random_bytes_keep_the_dataset_readable(
        tmp_path: Path, api_env: dict[str, str]) -> None:
    """The issue's critical case: every bad line is a quarantine row, and nothing that grows
    with them (reasons with line numbers) reaches a manifest or a footer."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    good_file(raw, "good")
    (raw / "bad.jsonl").write_text("x\n" * 2_000_000)
    (raw / "noise.jsonl").write_bytes(os.urandom(8 << 20))
    done = run(raw, curated, api_env, "--workers", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    assert_readable(curated)
    (manifest,) = [json.loads(p.read_text()) for p in (curated / "_runs").glob("*.json")]
    assert manifest["counts"]["rows_quarantined"] >= 2_000_000
    assert len(manifest["quarantine_by_reason"]) <= 21 and len(manifest["quarantine_samples"]) <= 10
    assert duckdb.sql(f"select count(*) from read_parquet('{curated}/quarantine/**/*.parquet') "
                      "where source_file = 'bad.jsonl'").fetchall() == [(2_000_000,)]
    assert_exactly_once(raw, curated)
    good_file(raw, "later")  # later runs are not blocked
    again = run(raw, curated, api_env)
    assert again.returncode == 0 and "1 new file(s)" in again.stdout, again.stderr[-2000:]
    assert_readable(curated)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_gzip_of_newlines_and_limits_per_file(tmp_path: Path, api_env: dict[str, str]) -> None:
    """A small .jsonl.gz that inflates to gigabytes of newlines is read quickly (no record);
    a file over a read limit keeps the records before it and says what was not read."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    good_file(raw, "good")
    block = gzip.compress(b"\n" * (1 << 20), compresslevel=9)
    # Gzip members concatenated are one valid gzip stream: 2 GiB of newlines in about 2 MB.
    (raw / "newlines.jsonl.gz").write_bytes(block * 2048)
    good_file(raw, "many", n=30)
    done = run(raw, curated, api_env, "--max-records-per-file", "20")
    assert done.returncode == 0, done.stderr[-2000:]
    articles, quarantine = read_dataset(curated)
    reasons = {q["source_file"]: q["error"] for q in quarantine}
    assert reasons["newlines.jsonl.gz"] == "file holds no records"
    assert "--max-records-per-file" in reasons["many.jsonl"]
    assert sum(a["source_file"] == "many.jsonl" for a in articles) == 20


# ------------------------------------------------------------------------------ discovery


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_symlink_loop_is_refused_and_the_rest_is_curated(tmp_path: Path, api_env: dict[str, str]) -> None:
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    good_file(raw, "good")
    os.symlink("b.jsonl", raw / "a.jsonl")
    os.symlink("a.jsonl", raw / "b.jsonl")
    os.mkfifo(raw / "pipe.jsonl")
    for _ in range(2):  # and again: a refused path never fails a later run either
        done = run(raw, curated, api_env)
        assert done.returncode == 0, done.stderr[-2000:]
    articles, _ = read_dataset(curated)
    assert {a["source_file"] for a in articles} == {"good.jsonl"}
    manifest = json.loads(sorted((curated / "_runs").glob("*.json"))[0].read_text())
    refused = {r["path"]: r["reason"] for r in manifest["refused"]}
    assert refused["a.jsonl"] == refused["b.jsonl"] == "symlink loop"
    assert "FIFO" in refused["pipe.jsonl"]


# ------------------------------------------------------------------------------ integrity


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_truncated_part_is_set_aside_and_its_records_curated_again(
        tmp_path: Path, api_env: dict[str, str]) -> None:
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    good_file(raw, "first")
    assert run(raw, curated, api_env).returncode == 0
    (part,) = curated.glob("articles/*/part-*.parquet")
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    foreign = curated / "articles" / "ingest_date=2026-01-01" / "part-theirs-0.parquet"
    foreign.parent.mkdir(parents=True)
    pq.write_table(pa.table({"doc_id": ["x"]}), foreign)
    stray = curated / "articles" / "notes.txt"
    stray.write_text("not ours")
    good_file(raw, "second")
    done = run(raw, curated, api_env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 new file(s)" in done.stdout  # the set-aside run's file is read again
    assert (curated / "_corrupt" / part.relative_to(curated)).exists()
    assert (curated / "_foreign" / foreign.relative_to(curated)).exists()
    assert (curated / "_foreign" / "articles" / "notes.txt").read_text() == "not ours"
    assert_readable(curated)
    assert_exactly_once(raw, curated)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_failed_run_says_one_line_and_removes_its_staging(tmp_path: Path, api_env: dict[str, str]) -> None:
    """A run that fails after reading (here: the history was fingerprinted with other
    parameters) prints one line, leaves no staging, and the traceback shows with --verbose."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    good_file(raw, "first")
    assert run(raw, curated, api_env).returncode == 0
    (part,) = curated.glob("articles/*/part-*.parquet")
    table = pq.read_table(part)
    meta = dict(table.schema.metadata)
    meta[b"curate.fingerprint"] = b'{"num_perm": 1}'
    pq.write_table(table.replace_schema_metadata(meta), part)
    good_file(raw, "second")
    failed = run(raw, curated, api_env)
    assert failed.returncode == 1
    line = one_line_error(failed.stderr)
    assert line.startswith("curate: run failed:") and "fingerprinted with" in line
    assert not any((curated / "_staging").glob("*")), "the failed run's staging is removed"
    verbose = run(raw, curated, api_env, "--verbose")
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr
