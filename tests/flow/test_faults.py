"""Crashes and concurrent runs never lose or duplicate a record (issue 8, "Faults").

Real ``curate run`` processes (``python -m flows.cli run --workers 1``) are SIGKILLed at
several points and run two or three at a time on the same ``curated/``. To keep the suite fast
they talk to the session's Prefect test server (``PREFECT_API_URL``) instead of starting an
ephemeral server each. Points inside the commit are reached with the ``CURATE_TEST_PAUSE_AT``
hook of `flows.store.fault_point`; the kill in the middle of the work (two worker processes
cleaning batches, only the main process killed) polls the staging folder instead, with no hook.

The guarantee checked (docs/guarantees.md):
- killed before the commit point (the move of the articles part), ``curated/`` is byte for byte
  as before (articles, quarantine and manifests; only ``_staging/`` and the lock files differ);
- killed after it, the articles part is in place and the next run completes the run from the
  staging folder and the part's stored manifest;
- either way, after the next run every record of every raw file is in the dataset exactly once
  (as an article row or a quarantine row).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from flows.settings import RunSettings
from tests.support.runs import (
    START_TIMEOUT,
    add_files,
    assert_exactly_once,
    kill,
    read_dataset,
    records_in,
    snapshot,
    start,
    wait_for,
)


def run_paused(raw: Path, curated: Path, env: dict[str, str], point: str, marker: Path) -> subprocess.Popen[str]:
    """Start a run that stops at ``point`` of the commit; returns once it is there."""
    marker.unlink(missing_ok=True)
    proc = start(raw, curated, env, CURATE_TEST_PAUSE_AT=point, CURATE_TEST_PAUSE_FILE=str(marker))
    wait_for(marker.exists, proc, f"fault point {point!r}")
    return proc


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_sigkill_at_several_points_then_next_run_does_the_work_once(
        tmp_path: Path, api_env: dict[str, str], reaper: list[subprocess.Popen[str]]) -> None:
    from flows.curate import curate_flow

    raw, curated, marker = tmp_path / "raw", tmp_path / "curated", tmp_path / "paused"
    add_files(raw, "a")
    curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False, batch_size=25))
    assert_exactly_once(raw, curated)
    before = snapshot(curated)
    add_files(raw, "b", n_files=3)

    # 1. Killed in the middle of the work (no hook): two worker processes are cleaning batches;
    #    only the main process is killed, as an operator or the OOM killer would.
    proc = start(raw, curated, api_env, "--workers", "2")
    reaper.append(proc)
    wait_for(lambda: any((curated / "_staging").glob("*/fp-*.arrow")), proc, "a finished batch")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)  # its orphaned workers may live on a while: the next runs must not mind
    assert snapshot(curated) == before
    read_dataset(curated)

    # 2. Killed with every part written in staging, before the first move.
    proc = run_paused(raw, curated, api_env, "staged", marker)
    reaper.append(proc)
    staging = list((curated / "_staging").iterdir())
    assert len(staging) == 1, "the staging of the run killed in 1. is removed at the next start"
    assert list(staging[0].rglob("out/articles/part-*.parquet"))
    kill(proc)
    assert snapshot(curated) == before
    read_dataset(curated)

    # 3. Killed just after the commit point: articles part moved, no quarantine, no manifest.
    proc = run_paused(raw, curated, api_env, "articles-moved", marker)
    reaper.append(proc)
    kill(proc)
    after = snapshot(curated)
    assert {k: v for k, v in after.items() if k in before} == before
    new = sorted(set(after) - set(before))
    assert len(new) == 1 and new[0].startswith("articles/"), new
    read_dataset(curated)

    # 4. New files; the next run completes run 3 first, then is killed before its manifest.
    add_files(raw, "c")
    proc = run_paused(raw, curated, api_env, "quarantine-moved", marker)
    reaper.append(proc)
    kill(proc)
    runs = [json.loads(p.read_text()) for p in (curated / "_runs").glob("*.json")]
    assert sum(1 for m in runs if m.get("recovered")) == 1
    read_dataset(curated)

    # 5. New files; the next run completes run 4, then is killed before removing its staging.
    add_files(raw, "d", n_files=1)
    proc = run_paused(raw, curated, api_env, "manifest-written", marker)
    reaper.append(proc)
    kill(proc)
    runs = [json.loads(p.read_text()) for p in (curated / "_runs").glob("*.json")]
    assert sum(1 for m in runs if m.get("recovered")) == 2
    read_dataset(curated)

    # The next run removes the staging of 5 and finds nothing new.
    summary = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False, batch_size=25))
    assert summary["files_new"] == 0 and summary["records_read"] == 0
    assert [line for line in summary["recovered"] if "staging" not in line] == []
    assert any("stale staging" in line for line in summary["recovered"])
    assert not (curated / "_staging").exists() or not any((curated / "_staging").iterdir())
    assert_exactly_once(raw, curated)
    manifests = [json.loads(p.read_text()) for p in (curated / "_runs").glob("*.json")]
    read_by = Counter(i["path"] for m in manifests for i in m.get("inputs", []))
    assert set(read_by) == set(records_in(raw)) and set(read_by.values()) == {1}


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_concurrent_runs_one_proceeds_the_other_waits_or_gives_up(
        tmp_path: Path, api_env: dict[str, str], reaper: list[subprocess.Popen[str]]) -> None:
    raw, curated, marker = tmp_path / "raw", tmp_path / "curated", tmp_path / "paused"
    add_files(raw, "x", n_files=2)

    # A run that holds the lock (paused inside its commit), one that gives up, one that waits.
    holder = run_paused(raw, curated, api_env, "staged", marker)
    reaper.append(holder)
    quitter = start(raw, curated, api_env)
    waiter = start(raw, curated, api_env, "--wait", "600")
    reaper += [quitter, waiter]
    out, err = quitter.communicate(timeout=START_TIMEOUT)
    assert quitter.returncode == 75, err[-2000:]
    message = err.strip().splitlines()[-1]
    assert "not run" in message and "another run holds" in message and str(holder.pid) in message
    assert "--wait" in message
    assert waiter.poll() is None, "the waiting run must wait for the lock"
    marker.unlink()  # let the holder finish its commit
    out, err = holder.communicate(timeout=START_TIMEOUT)
    assert holder.returncode == 0, err[-2000:]
    assert "2 new file(s)" in out
    out, err = waiter.communicate(timeout=START_TIMEOUT)
    assert waiter.returncode == 0, err[-2000:]
    assert "0 new file(s)" in out and "0 row(s) written" in out
    assert_exactly_once(raw, curated)

    # Two runs started at the same moment, no hook: the dataset ends up with every record once.
    add_files(raw, "y", n_files=2)
    first, second = start(raw, curated, api_env), start(raw, curated, api_env)
    reaper += [first, second]
    results = [(p.returncode, out, err) for p in (first, second) for out, err in [p.communicate(timeout=START_TIMEOUT)]]
    codes = sorted(rc for rc, _, _ in results)
    assert codes in ([0, 0], [0, 75]), [err[-1500:] for _, _, err in results]
    new_files = sorted(out.split(" new file(s)")[0].rsplit(" ", 1)[-1] for rc, out, _ in results if rc == 0)
    assert new_files in (["2"], ["0", "2"]), new_files
    assert_exactly_once(raw, curated)


def test_recover_sets_aside_an_unreadable_uncommitted_part(tmp_path: Path) -> None:
    """A part no commit could have left (garbage bytes) does not block every later run."""
    from flows.store import Layout, recover

    layout = Layout(tmp_path / "curated")
    part = layout.articles / "ingest_date=2026-01-01" / "part-20260101T000000Z-dead-0.parquet"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"PAR1 not really parquet")
    (layout.staging("20260101T000000Z-dead") / "out").mkdir(parents=True)
    actions = recover(layout)
    assert not part.exists()
    assert (layout.root / "_corrupt" / part.relative_to(layout.root)).read_bytes().startswith(b"PAR1")
    assert any("unreadable" in a for a in actions) and any("stale staging" in a for a in actions)
    assert recover(layout) == []  # nothing left to do
