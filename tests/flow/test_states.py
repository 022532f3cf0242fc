"""Honest final states (flows/curate.py): a run that finds the dataset locked is Cancelled
(two real runs: one holding the lock at a pause point of its commit, in another process or
in another thread of this one), a flow over its timeout is Failed as TimedOut, quarantined
records show in the run's name, its final message and one WARNING line.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from flows import alerts
from flows.errors import LockBusy
from flows.lock import run_lock
from flows.settings import RunSettings
from tests.flow.operator_support import (
    WAIT_BOUND,
    Inbox,
    inbox,
    read_flow_run,
    run_logs,
    wait_until,
)
from tests.support.runs import add_files, run_paused

pytestmark = pytest.mark.usefixtures("prefect_server")

NOT_RUN_NAME = ", not run: the dataset is locked by another run"


def _settings(raw: Path, curated: Path, **extra: Any) -> RunSettings:
    return RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False, **extra)


def _assert_cancelled_not_failed(state: Any, box: Inbox, curated: Path) -> None:
    """The run that found the lock held: Cancelled with the reason, named so, no alert sent,
    nothing of its own written."""
    assert state.is_cancelled(), state
    assert state.message.startswith("not run: another run holds"), state.message
    assert isinstance(state.result(raise_on_failure=False), LockBusy)
    flow_run = read_flow_run(state.state_details.flow_run_id)
    assert flow_run.state.is_cancelled() and flow_run.name.endswith(NOT_RUN_NAME), flow_run.name
    assert box.messages == [], "contention is no failure: nobody is alerted"
    assert not list((curated / "_runs").glob("*.json")), "the first run has not committed yet"
    warnings = [log.message for log in run_logs(flow_run.id, logging.WARNING)]
    assert any(m.startswith("not run: another run holds") for m in warnings), warnings


def test_a_run_on_a_dataset_locked_by_another_process_is_cancelled(
        tmp_path: Path, api_env: dict[str, str], reaper: list[subprocess.Popen[str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Run 1 is a real ``curate run`` paused inside its commit (holding the lock); run 2, this
    process's flow, ends Cancelled at once; run 1 then completes as if nothing happened."""
    from flows.curate import curate_flow

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    add_files(raw, "locked", n_files=1, per_file=5)
    first = run_paused(raw, curated, api_env, "staged", tmp_path / "paused")
    reaper.append(first)
    with inbox() as box:
        monkeypatch.setenv(alerts.ALERT_URLS_ENV, box.apprise_url())
        second = curate_flow(_settings(raw, curated), return_state=True)
        _assert_cancelled_not_failed(second, box, curated)
        with pytest.raises(LockBusy):  # called without return_state, the flow raises it
            curate_flow(_settings(raw, curated))
    (tmp_path / "paused").unlink()
    _out, err = first.communicate(timeout=240)
    assert first.returncode == 0, err[-2000:]
    assert len(list((curated / "_runs").glob("*.json"))) == 1


def test_two_runs_in_one_process_do_not_both_hold_the_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run 1 in a thread of this process, paused inside its commit; run 2 in the main thread
    is Cancelled (the lock is re-entrant per thread, not per process); run 1 completes."""
    from flows.curate import curate_flow

    raw, curated, marker = tmp_path / "raw", tmp_path / "curated", tmp_path / "paused"
    add_files(raw, "threads", n_files=1, per_file=5)
    monkeypatch.setenv("CURATE_TEST_PAUSE_AT", "staged")
    monkeypatch.setenv("CURATE_TEST_PAUSE_FILE", str(marker))
    first: dict[str, Any] = {}
    second: dict[str, Any] = {}

    def run(into: dict[str, Any]) -> threading.Thread:
        thread = threading.Thread(target=lambda: into.update(
            state=curate_flow(_settings(raw, curated), return_state=True)))
        thread.start()
        return thread

    thread = run(first)
    try:
        wait_until(lambda: marker.exists() or not thread.is_alive(), "run 1 to hold the lock")
        assert marker.exists(), f"run 1 ended before its commit: {first}"
        with inbox() as box:
            monkeypatch.setenv(alerts.ALERT_URLS_ENV, box.apprise_url())
            other = run(second)  # a thread too: were it let in, it would pause at the same point
            other.join(timeout=WAIT_BOUND)
            assert not other.is_alive(), "run 2 entered the dataset run 1 holds"
            _assert_cancelled_not_failed(second["state"], box, curated)
    finally:
        marker.unlink(missing_ok=True)
        thread.join(timeout=240)
    assert first["state"].is_completed(), first
    assert first["state"].result()["rows_written"] == 5


def test_a_run_over_its_timeout_fails_as_timed_out_and_alerts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock is held by another thread and the run would wait for it for ten minutes: its
    flow timeout (here 2 s) ends it as TimedOut, a failure: it is renamed and alerted."""
    from flows.curate import FLOW_TIMEOUT_SECONDS, curate_flow

    assert curate_flow.timeout_seconds == FLOW_TIMEOUT_SECONDS > 0
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with run_lock(curated, 0, owner="test holder"):
            held.set()
            release.wait(240)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(60)
        with inbox() as box:
            monkeypatch.setenv(alerts.ALERT_URLS_ENV, box.apprise_url())
            state = curate_flow.with_options(timeout_seconds=2)(
                _settings(raw, curated, lock_wait_seconds=600), return_state=True)
            assert state.is_failed() and state.name == "TimedOut", state
            flow_run = read_flow_run(state.state_details.flow_run_id)
            assert flow_run.name.endswith(", timed out while discovering files"), flow_run.name
            (message,) = box.messages
            assert message["title"] == f"curate: run TimedOut ({flow_run.name})"
            assert "Reason: Flow run exceeded timeout of 2.0 second(s)" in message["message"]
    finally:
        release.set()
        holder.join(timeout=60)


def test_batch_tasks_have_a_timeout() -> None:
    from flows.tasks import BATCH_TIMEOUT_SECONDS, batch_task, read_task

    assert read_task.timeout_seconds == batch_task.timeout_seconds == BATCH_TIMEOUT_SECONDS > 0


def test_quarantined_records_show_in_the_name_the_message_and_one_warning(
        tmp_path: Path) -> None:
    from flows.curate import curate_flow

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    add_files(raw, "quarantine", n_files=2, per_file=5)  # one malformed line in each file
    state = curate_flow(_settings(raw, curated), return_state=True)
    assert state.is_completed(), state
    summary = state.result()
    assert (summary["rows_written"], summary["rows_quarantined"]) == (10, 2)
    assert state.message.startswith("10 row(s) published from 2 new file(s): ")
    assert "; 2 record(s) quarantined (2 × read: " in state.message
    flow_run = read_flow_run(state.state_details.flow_run_id)
    assert flow_run.state.message == state.message
    assert flow_run.name.endswith(", 2 new file(s) (2 quarantined)"), flow_run.name
    anomalies = [log for log in run_logs(flow_run.id, logging.WARNING)
                 if log.message.startswith("anomalies: ")]
    assert len(anomalies) == 1 and "\n" not in anomalies[0].message
    assert anomalies[0].message.startswith("anomalies: 2 record(s) quarantined (2 × read: ")
    assert anomalies[0].level == logging.WARNING
