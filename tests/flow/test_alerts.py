"""Failure notifications (flows/alerts.py): real flow runs that fail notify an Apprise
``json://`` target served on 127.0.0.1 by the test, through the flow's ``on_failure`` hook;
the hook also called directly with a run and its state read back from the API. Where the URLs
come from (Secret block, environment), what a message says and never says, and a target that
cannot be reached leaving the run's state as it was.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import alerts
from flows.run import RunSummary
from flows.settings import RunSettings
from tests.flow.operator_support import Inbox, inbox, read_flow_run, run_logs
from tests.support.runs import add_files

pytestmark = pytest.mark.usefixtures("prefect_server")

SECRET = "pa55-w0rd-never-shown"


@pytest.fixture()
def box(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A local Apprise target, named by ``$CURATE_ALERT_URLS`` (with basic-auth credentials)."""
    with inbox() as b:
        monkeypatch.setenv(alerts.ALERT_URLS_ENV, b.apprise_url("ops", SECRET))
        yield b


@pytest.fixture()
def closed_port() -> Iterator[int]:
    """A port of 127.0.0.1 bound by no listening socket: connections to it are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def _failing_run(settings: RunSettings) -> tuple[object, object]:
    """Run the real flow, which must fail; its final state and its flow run from the API."""
    from flows.curate import curate_flow

    state = curate_flow(settings, return_state=True)
    assert state.is_failed(), state
    return state, read_flow_run(state.state_details.flow_run_id)


def test_split_urls_keeps_commas_inside_a_url_and_reads_lists() -> None:
    value = "json://a:1/x, mailto://u:p@h?to=a@x.org,b@x.org\n  slack://T/B/C json://a:1/x"
    assert alerts.split_urls(value) == [
        "json://a:1/x", "mailto://u:p@h?to=a@x.org,b@x.org", "slack://T/B/C"]
    assert alerts.split_urls(["json://a/\njson://b/", "", None, 3]) == ["json://a/", "json://b/"]
    assert alerts.split_urls(None) == [] and alerts.split_urls("  ") == []


def test_redact_masks_url_passwords_only() -> None:
    text = "redis://user:s3cret@127.0.0.1:6379/0 and https://host/path?x=1 and mailto://me@h"
    assert alerts.redact(text) == (
        "redis://user:***@127.0.0.1:6379/0 and https://host/path?x=1 and mailto://me@h")


def test_no_url_configured_means_no_notification_and_no_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(alerts.ALERT_URLS_ENV, raising=False)
    assert alerts.alert_urls() == []
    _state, flow_run = _failing_run(RunSettings(raw_dir=str(tmp_path / "missing"),
                                                curated_dir=str(tmp_path / "curated")))
    messages = [log.message for log in run_logs(flow_run.id, logging.WARNING)]
    assert not [m for m in messages if m.startswith("alerts:")], messages


def test_an_early_failure_notifies_with_the_reason_and_the_paths(
        tmp_path: Path, box: Inbox) -> None:
    """The raw folder is missing: the run fails before discovery, is renamed, and says so."""
    raw, curated = tmp_path / "missing", tmp_path / "curated"
    _state, flow_run = _failing_run(RunSettings(raw_dir=str(raw), curated_dir=str(curated)))
    assert flow_run.name.endswith(", failed while discovering files")
    (message,) = box.messages
    assert message["title"] == f"curate: run Failed ({flow_run.name})"
    assert message["type"] == "failure"
    body = message["message"]
    assert f"Flow run '{flow_run.name}' ({flow_run.id}) ended Failed." in body
    assert f"raw folder {str(raw)!r} does not exist" in body
    assert f"Raw: {raw}" in body and f"Curated: {curated}" in body
    assert "Counts so far" not in body, "nothing was counted before the failure"
    assert SECRET not in str(message)
    assert read_flow_run(flow_run.id).state.is_failed()


def test_a_failure_after_reading_tells_the_counts_and_no_secret(
        tmp_path: Path, box: Inbox, closed_port: int) -> None:
    """A Redis LSH index that refuses connections fails the run at match, after the files were
    read, cleaned and fingerprinted; the Redis URL's password appears nowhere."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    add_files(raw, "alerts", n_files=2, per_file=10)
    redis_url = f"redis://curate:{SECRET}@127.0.0.1:{closed_port}/0"
    _state, flow_run = _failing_run(RunSettings(raw_dir=str(raw), curated_dir=str(curated),
                                                parallel=False, redis_url=redis_url))
    assert flow_run.name.endswith(", 2 new file(s)"), "discovery had finished"
    (message,) = box.messages
    body = message["message"]
    assert "Counts so far: 2 new file(s), 22 record(s) read." in body
    assert f"Curated: {curated}" in body
    assert SECRET not in str(message)
    for log in run_logs(flow_run.id):
        assert SECRET not in log.message


def test_the_hook_called_directly_with_a_run_and_its_state(tmp_path: Path, box: Inbox) -> None:
    """`notify_failure` given the FlowRun and the Failed state the API has of a run, then the
    same run with a Crashed state: one message each, saying which."""
    from prefect.states import Crashed

    from flows.curate import curate_flow

    settings = RunSettings(raw_dir=str(tmp_path / "missing"), curated_dir=str(tmp_path / "c"))
    _state, flow_run = _failing_run(settings)
    box.messages.clear()

    alerts.notify_failure(curate_flow, flow_run, flow_run.state)
    (failed,) = box.messages
    assert failed["title"] == f"curate: run Failed ({flow_run.name})"
    assert one_line_reason(failed["message"]) == alerts.one_line(flow_run.state.message)
    assert f"Raw: {tmp_path / 'missing'}" in failed["message"], "from the run's parameters"

    crashed = Crashed(message="Execution was interrupted by an unexpected exception: "
                              f"KeyboardInterrupt\n  while writing to redis://u:{SECRET}@h/0")
    alerts.notify_failure(curate_flow, flow_run, crashed)
    assert box.messages[1]["title"] == f"curate: run Crashed ({flow_run.name})"
    assert ("Reason: Execution was interrupted by an unexpected exception: KeyboardInterrupt "
            "while writing to redis://u:***@h/0") in box.messages[1]["message"]
    assert SECRET not in str(box.messages)


def one_line_reason(body: str) -> str:
    """The ``Reason:`` line of a notification body."""
    (line,) = [ln for ln in body.splitlines() if ln.startswith("Reason: ")]
    return line.removeprefix("Reason: ")


def test_a_target_that_cannot_be_reached_is_a_warning_and_the_state_stays(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_port: int) -> None:
    """Two bad targets (a refused port, a URL Apprise does not know) and a good one: the good
    one is notified, each bad one is a WARNING naming it without its password, and the run's
    state is the one the failure made."""
    with inbox() as good:
        down = f"json://ops:{SECRET}@127.0.0.1:{closed_port}/"
        monkeypatch.setenv(alerts.ALERT_URLS_ENV, f"{down} nosuchscheme://x/{SECRET} "
                                                  f"{good.apprise_url()}")
        state, flow_run = _failing_run(RunSettings(raw_dir=str(tmp_path / "missing"),
                                                   curated_dir=str(tmp_path / "curated")))
        assert len(good.messages) == 1
    after = read_flow_run(flow_run.id).state
    assert (after.type, after.name, after.message) == (state.type, state.name, state.message)
    warnings = [log.message for log in run_logs(flow_run.id, logging.WARNING)]
    assert f"alerts: could not notify json://ops:****@127.0.0.1:{closed_port}/" in warnings
    assert "alerts: not an Apprise URL: nosuchscheme://…" in warnings
    assert not [m for m in warnings if SECRET in m]


def test_the_secret_block_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    monkeypatch.setenv(alerts.ALERT_URLS_ENV, "json://from-env/")
    Secret(value=["json://one/", "json://two/\njson://three/"]).save(alerts.ALERT_URLS_BLOCK,
                                                                     overwrite=True)
    try:
        assert alerts.alert_urls() == ["json://one/", "json://two/", "json://three/"]
        Secret(value="json://a/\njson://b/").save(alerts.ALERT_URLS_BLOCK, overwrite=True)
        assert alerts.alert_urls() == ["json://a/", "json://b/"]
    finally:
        Secret.delete(alerts.ALERT_URLS_BLOCK)
    assert alerts.alert_urls() == ["json://from-env/"]


def test_outcome_names_the_anomalies_once() -> None:
    summary = RunSummary(run_id="r", files_new=2, records_read=30, rows_written=27,
                         rows_quarantined=3, files_refused=1, clusters_new=20, duplicates=7)
    reasons = {"read: invalid JSON": 2, "clean: no text left": 1}
    out = alerts.outcome(summary, reasons)
    assert out.name_suffix == " (3 quarantined, 1 refused)"
    assert out.message == ("27 row(s) published from 2 new file(s): 20 new cluster(s), "
                           "7 duplicate(s); 3 record(s) quarantined (2 × read: invalid JSON; "
                           "1 × clean: no text left); 1 path(s) not read")
    assert out.warning is not None and out.warning.startswith(
        "anomalies: 3 record(s) quarantined (2 × read: invalid JSON; 1 × clean: no text left); "
        "1 path(s) not read")
    clean = alerts.outcome(RunSummary(run_id="r", files_already_processed=4), {})
    assert (clean.message, clean.name_suffix, clean.warning) == (
        "nothing new (4 file(s) already processed)", "", None)
