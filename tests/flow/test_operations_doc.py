"""The examples of docs/operations.md, run against the session's Prefect server: the
automations file is created with ``prefect automation create --from-file`` and its Failed
automation notifies a local webhook when a real run fails; the deployment trigger of the
``prefect.yaml`` example matches the event a real run emits and renders its parameters. The
Python examples are compiled.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import yaml

from flows import alerts
from flows.settings import RunSettings
from tests.flow.operator_support import Inbox, inbox, read_flow_run, wait_until
from tests.support.data import ROOT
from tests.support.runs import add_files

pytestmark = pytest.mark.usefixtures("prefect_server")

DOC = ROOT / "docs" / "operations.md"
#: The notification block id the documented automations file asks to replace.
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def _code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def _yaml_block(top_key: str) -> str:
    """The text of the doc's YAML example whose top-level key is ``top_key``."""
    (text,) = [b for b in _code_blocks("yaml") if top_key in (yaml.safe_load(b) or {})]
    return text


@pytest.fixture()
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, UUID]]:
    """A local inbox and a Prefect custom-webhook notification block posting to it (the
    flow's own alert hook is off: only the server's automations post here)."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    monkeypatch.delenv(alerts.ALERT_URLS_ENV, raising=False)
    with inbox() as box:
        block = CustomWebhookNotificationBlock(
            name="curate-doc-test", url=box.http_url, allow_private_urls=True,
            json_data={"subject": "{{subject}}", "body": "{{body}}"})
        block_id = block.save("curate-doc-test", overwrite=True)
        try:
            yield box, block_id
        finally:
            CustomWebhookNotificationBlock.delete("curate-doc-test")


@pytest.fixture()
def automations() -> Iterator[list[UUID]]:
    """Ids of automations a test creates, deleted at teardown (the server is the session's)."""
    from prefect.client.orchestration import get_client

    created: list[UUID] = []
    yield created
    with get_client(sync_client=True) as client:
        for automation_id in created:
            client.delete_automation(automation_id)


def _automations_named(names: list[str]) -> dict[str, Any]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return {name: client.read_automations_by_name(name) for name in names}


def test_the_documented_automations_alert_on_a_failed_run(
        tmp_path: Path, api_env: dict[str, str], webhook: tuple[Inbox, UUID],
        automations: list[UUID]) -> None:
    from flows.curate import curate_flow

    box, block_id = webhook
    text = _yaml_block("automations")
    assert text.count(PLACEHOLDER) == 2
    path = tmp_path / "curate-automations.yaml"
    path.write_text(text.replace(PLACEHOLDER, str(block_id)), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "prefect", "automation", "create",
                           "--from-file", str(path)], env=api_env, capture_output=True,
                          text=True, timeout=180)
    found = _automations_named(["curate-news late", "curate-news failed"])
    automations.extend(a.id for named in found.values() for a in named)
    assert done.returncode == 0, done.stdout + done.stderr
    late, failed = found["curate-news late"], found["curate-news failed"]
    assert len(late) == len(failed) == 1 and late[0].enabled and failed[0].enabled
    assert late[0].trigger.expect == {"prefect.flow-run.Late"}
    assert failed[0].trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.TimedOut",
                                        "prefect.flow-run.Crashed"}

    state = curate_flow(RunSettings(raw_dir=str(tmp_path / "missing"),
                                    curated_dir=str(tmp_path / "curated")), return_state=True)
    assert state.is_failed()
    (message,) = wait_until(lambda: box.messages, "the automation's notification")
    name = read_flow_run(state.state_details.flow_run_id).name
    assert message["subject"] == f"curate: run {name} Failed"
    assert message["body"].startswith(f"Flow run {name} entered Failed: Flow run encountered an "
                                      "exception: FileNotFoundError: raw folder")


def test_the_documented_deployment_trigger_matches_the_published_event(
        tmp_path: Path, webhook: tuple[Inbox, UUID], automations: list[UUID]) -> None:
    """The trigger of the ``prefect.yaml`` example, its dataset path set to this test's: an
    automation with its ``expect`` and ``match`` fires on a real run's event, and its
    ``parameters`` templates render the run's id and folder."""
    from prefect.automations import Automation
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger

    from flows.curate import curate_flow

    box, block_id = webhook
    (deployment,) = yaml.safe_load(_yaml_block("deployments"))["deployments"]
    (spec,) = deployment["triggers"]
    trigger = DeploymentEventTrigger.model_validate(spec)
    assert trigger.expect == {alerts.PUBLISHED_EVENT}
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    match = {**spec["match"], "curate.dataset.path": str(curated.absolute())}
    rendered = " ".join(f"{key}={value}" for key, value in spec["parameters"].items())
    automation = Automation(
        name="curate-doc-test published",
        trigger=EventTrigger(expect=set(spec["expect"]), match=match, posture=Posture.Reactive,
                             threshold=1),
        actions=[SendNotification(block_document_id=block_id, subject="published",
                                  body=rendered)],
    ).create()
    automations.append(automation.id)

    add_files(raw, "doc", n_files=1, per_file=3)
    state = curate_flow(RunSettings(raw_dir=str(raw), curated_dir=str(curated), parallel=False),
                        return_state=True)
    assert state.is_completed(), state
    run_id = state.result()["run_id"]
    (message,) = wait_until(lambda: box.messages, "the trigger to fire on the event")
    assert message["body"] == f"run_id={run_id} curated_dir={curated.absolute()}"


def test_the_python_examples_compile() -> None:
    blocks = _code_blocks("python")
    assert len(blocks) >= 3  # the alert URLs secret, a deployment triggered by the event, the automations
    for i, block in enumerate(blocks):
        compile(block, f"{DOC.name} python example {i + 1}", "exec")
