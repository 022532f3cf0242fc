"""The ``curate.dataset.published`` event (flows/alerts.py, emitted by flows/curate.py after a
run's commit): read back from the session's Prefect API as a downstream trigger would see it,
and counted with Prefect's asserting events client (once per committed run, never for a run
with nothing new).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows import alerts
from flows.settings import RunSettings
from tests.flow.operator_support import wait_until
from tests.support.runs import add_files

pytestmark = pytest.mark.usefixtures("prefect_server")


def _run(raw: Path, curated: Path) -> tuple[dict[str, Any], Any]:
    """One real flow run (must complete): its summary and its flow-run id."""
    from flows.curate import curate_flow

    state = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False),
                        return_state=True)
    assert state.is_completed(), state
    return state.result(), state.state_details.flow_run_id


def _expected_payload(summary: dict[str, Any], curated: Path) -> dict[str, Any]:
    return {
        "run_id": summary["run_id"], "curated_dir": str(curated.absolute()),
        "manifest": f"_runs/{summary['run_id']}.json", "files_new": summary["files_new"],
        "records_read": summary["records_read"], "records_curated": summary["rows_written"],
        "records_quarantined": summary["rows_quarantined"],
        "records_skipped": summary["records_skipped"], "clusters_new": summary["clusters_new"],
        "duplicates": summary["duplicates"],
    }


def test_a_committed_run_publishes_the_event_to_the_api(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
    from prefect.events.worker import EventsWorker

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    add_files(raw, "event", n_files=2, per_file=5)
    summary, flow_run_id = _run(raw, curated)
    assert (summary["rows_written"], summary["rows_quarantined"]) == (10, 2)
    assert (curated / "_runs" / f"{summary['run_id']}.json").exists()
    EventsWorker.drain_all(timeout=30, at_exit=False)  # what this process still holds

    resource_id = alerts.dataset_resource(str(curated))["prefect.resource.id"]
    wanted = EventFilter(event=EventNameFilter(name=[alerts.PUBLISHED_EVENT]),
                         resource=EventResourceFilter(id=[resource_id]))

    def published() -> list[Any]:
        with get_client(sync_client=True) as client:
            return client.read_events(wanted, limit=50).events  # the API's maximum page

    (event,) = wait_until(published, "the event in the API")
    assert event.resource.id == resource_id and resource_id.startswith("curate.dataset.")
    assert event.resource["prefect.resource.name"] == "curated"
    assert event.resource["curate.dataset.path"] == str(curated.absolute())
    assert event.payload == _expected_payload(summary, curated)
    related = {r.id for r in event.related}
    assert f"prefect.flow-run.{flow_run_id}" in related, related


@pytest.fixture()
def asserting_events(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Prefect's asserting events client in place of the API's (the pattern of Prefect's own
    ``asserting_events_worker`` test fixture): every event this process emits is kept."""
    from prefect.events.clients import AssertingEventsClient
    from prefect.events.worker import EventsWorker

    AssertingEventsClient.reset()
    worker = EventsWorker.instance(AssertingEventsClient)
    monkeypatch.setattr(EventsWorker, "instance", lambda *args, **kwargs: worker)
    try:
        yield worker
    finally:
        worker.drain()


def _published(worker: Any) -> list[Any]:
    from prefect.events.clients import AssertingEventsClient

    worker.wait_until_empty()
    return [e for client in AssertingEventsClient.all for e in client.events
            if e.event == alerts.PUBLISHED_EVENT]


def test_one_event_per_committed_run_and_none_when_nothing_is_new(
        tmp_path: Path, asserting_events: Any) -> None:
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    add_files(raw, "once", n_files=1, per_file=4)
    summary, _ = _run(raw, curated)
    (event,) = _published(asserting_events)
    assert event.payload == _expected_payload(summary, curated)
    assert event.resource.id == alerts.dataset_resource(str(curated))["prefect.resource.id"]

    idle, _ = _run(raw, curated)
    assert (idle["files_new"], idle["files_already_processed"]) == (0, 1)
    assert len(_published(asserting_events)) == 1, "a run with nothing new publishes nothing"


def test_the_dataset_resource_is_stable_per_folder_and_distinct_across_folders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = alerts.dataset_resource(str(tmp_path / "one" / "curated"))
    monkeypatch.chdir(tmp_path)
    assert alerts.dataset_resource("one/curated") == a, "however the path is spelt"
    b = alerts.dataset_resource(str(tmp_path / "two" / "curated"))
    assert a["prefect.resource.name"] == b["prefect.resource.name"] == "curated"
    assert a["prefect.resource.id"] != b["prefect.resource.id"]
