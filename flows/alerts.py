"""What the job tells operators and other deployments about a run.

- **Failure notifications**: `notify_failure` is the flow's ``on_failure`` and ``on_crashed``
  hook. It sends one message through Apprise to the URLs of the Prefect Secret block
  `ALERT_URLS_BLOCK` when that block exists, else of the ``CURATE_ALERT_URLS`` environment
  variable; with neither, nothing is sent. The flow registers what a message tells beyond the
  state (counts, paths) with `watching`.
- **The published event**: `emit_published` emits `PUBLISHED_EVENT` once a run's data is
  committed, for deployment triggers and automations downstream.
- **The outcome line**: `outcome` turns a run's summary into its final state's message, the
  suffix of its name and the one WARNING line of its anomalies (quarantined records, refused
  paths).

Nothing here may change how a run ends: what talks to the outside logs a WARNING instead of
raising, and no message carries a secret (URL passwords are masked, alert URLs are never shown
in full).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect import Flow
    from prefect.client.schemas.objects import FlowRun, State
    from prefect.events import Event

    from flows.run import RunSummary

#: The Prefect Secret block holding the alert URLs (a list, or a string of URLs).
ALERT_URLS_BLOCK = "curate-alert-urls"
#: The environment variable read when that block does not exist (URLs separated by commas or
#: white space).
ALERT_URLS_ENV = "CURATE_ALERT_URLS"
#: The event a committed run emits (`emit_published`).
PUBLISHED_EVENT = "curate.dataset.published"
#: Reason kinds named in the anomalies line (the rest are in the run's summary artifact).
TOP_REASONS = 3
#: Characters of a state message quoted in a notification.
MAX_REASON_CHARS = 500
#: Runs whose facts are kept for the hooks at most (a run that fails hands its own to them).
MAX_WATCHED = 64

_log = logging.getLogger(__name__)
# ``scheme://user:password@``: the password is masked wherever a URL appears in a message.
_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*):(?P<secret>[^\s/@]+)@")
# A separator before the next URL: commas inside a URL's query (``?to=a@x,b@y``) are kept.
_URL_SEPARATOR = re.compile(r"[\s,]+(?=[A-Za-z][A-Za-z0-9+.-]*://)")


def redact(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` URL in it masked."""
    return _CREDENTIALS.sub(r"\g<head>:***@", text)


def one_line(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """``text`` on one line (white space collapsed), redacted, cut to ``limit`` characters."""
    line = redact(" ".join(str(text or "").split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def split_urls(value: Any) -> list[str]:
    """The Apprise URLs in ``value``: a string of URLs separated by newlines, commas or white
    space, or a list of such strings; anything else gives none. Order kept, duplicates dropped."""
    items = value if isinstance(value, list | tuple) else [value]
    urls: list[str] = []
    for item in items:
        if not isinstance(item, str):
            continue
        for url in _URL_SEPARATOR.split(item.strip()):
            url = url.strip().strip(",")
            if url and url not in urls:
                urls.append(url)
    return urls


def alert_urls(logger: logging.Logger | logging.LoggerAdapter[Any] | None = None) -> list[str]:
    """The Apprise URLs to notify: the Secret block `ALERT_URLS_BLOCK`'s when it exists, else
    those of ``$CURATE_ALERT_URLS``; an empty list when neither is set.

    Never raises: a block that exists but cannot be read is a WARNING, and the environment
    variable is used instead.
    """
    logger = logger or _log
    from prefect.blocks.system import Secret
    from prefect.exceptions import ObjectNotFound

    try:
        return split_urls(Secret.load(ALERT_URLS_BLOCK).get())
    except ValueError as exc:  # Block.load's "Unable to find block document named …"
        if not isinstance(exc.__cause__, ObjectNotFound):
            logger.warning("alerts: cannot read the Secret block %r (%s); using $%s",
                           ALERT_URLS_BLOCK, one_line(str(exc), 200), ALERT_URLS_ENV)
    except Exception as exc:
        logger.warning("alerts: cannot read the Secret block %r (%s: %s); using $%s",
                       ALERT_URLS_BLOCK, type(exc).__name__, one_line(str(exc), 200),
                       ALERT_URLS_ENV)
    from pydantic import ValidationError

    from flows.settings import environment

    try:
        configured = environment().alert_urls
    except ValidationError as exc:  # a bad CURATE_* variable: no alert rather than a raise
        logger.warning("alerts: cannot read the CURATE_* variables (%s)", one_line(str(exc), 200))
        return []
    return split_urls(configured.get_secret_value() if configured else "")


def shown_url(url: str) -> str:
    """How an alert URL appears in a log: Apprise's private form (tokens and passwords
    masked), without its query; only the scheme when Apprise does not understand it."""
    import apprise

    with contextlib.suppress(Exception):
        plugin = apprise.Apprise.instantiate(url)
        if plugin:
            return str(plugin.url(privacy=True)).split("?", 1)[0]
    return url.split("://", 1)[0] + "://…"


def send(urls: list[str], title: str, body: str,
         logger: logging.Logger | logging.LoggerAdapter[Any] | None = None) -> int:
    """Notify each of ``urls`` with ``title`` and ``body``, as a failure (Apprise's
    ``failure`` type: red in Slack, ``"type": "failure"`` in a JSON web hook); returns how
    many accepted it.

    Each URL is tried on its own, so one bad target does not hide the others; a URL Apprise
    does not understand, or a target that refuses, is a WARNING naming it in its private form.
    Never raises.
    """
    import apprise

    logger = logger or _log
    delivered = 0
    for url in urls:
        target = apprise.Apprise()
        try:
            if not target.add(url):
                logger.warning("alerts: not an Apprise URL: %s", shown_url(url))
                continue
            if target.notify(title=title, body=body, notify_type=apprise.NotifyType.FAILURE):
                delivered += 1
            else:
                logger.warning("alerts: could not notify %s", shown_url(url))
        except Exception as exc:
            logger.warning("alerts: could not notify %s (%s: %s)", shown_url(url),
                           type(exc).__name__, one_line(str(exc), 200))
    return delivered


@dataclass
class RunFacts:
    """What a failure notification tells of a run besides its state."""

    summary: RunSummary
    raw_dir: str
    curated_dir: str


_WATCHED: dict[str, RunFacts] = {}


@contextlib.contextmanager
def watching(flow_run_id: object | None, summary: RunSummary, raw_dir: str,
             curated_dir: str) -> Iterator[None]:
    """Make a flow run's live summary and paths known to `notify_failure` while the flow runs.

    When the block raises, the facts are left for the failure hook, which Prefect calls after
    the flow function has exited, and which takes them; when it ends normally they are
    dropped. At most `MAX_WATCHED` runs are kept (the oldest go first).
    """
    if flow_run_id is None:
        yield
        return
    key = str(flow_run_id)
    _WATCHED[key] = RunFacts(summary, raw_dir, curated_dir)
    while len(_WATCHED) > MAX_WATCHED:
        _WATCHED.pop(next(iter(_WATCHED)))
    yield  # an exception propagates and leaves the facts for the hook
    _WATCHED.pop(key, None)


def _counts(summary: RunSummary) -> str:
    """The counts of a run that did not complete, as far as it got (a count the run had not
    reached yet is left out)."""
    parts = [f"{summary.files_new} new file(s)", f"{summary.records_read} record(s) read"]
    if summary.rows_quarantined:
        parts.append(f"{summary.rows_quarantined} quarantined")
    if summary.rows_written:
        parts.append(f"{summary.rows_written} row(s) to publish")
    return ", ".join(parts)


def failure_message(flow_run: FlowRun, state: State, facts: RunFacts | None = None,
                    ui_url: str | None = None) -> tuple[str, str]:
    """The title and body of the notification for ``flow_run`` ending in ``state``.

    The body names the run, its state and the state's message (one line), the run's counts
    when ``facts`` has them, the raw and curated folders (from ``facts``, else from the run's
    ``settings`` parameter), and the run's page when ``ui_url`` is given. Guarantees: no
    secret (URL passwords masked; the run's other parameters are not shown).
    """
    settings = (flow_run.parameters or {}).get("settings") or {}
    if not isinstance(settings, Mapping):
        settings = {}
    raw = facts.raw_dir if facts else settings.get("raw_dir", "raw")
    curated = facts.curated_dir if facts else settings.get("curated_dir", "curated")
    name = flow_run.name or str(flow_run.id)
    title = f"curate: run {state.name} ({one_line(name, 120)})"
    lines = [
        f"Flow run {name!r} ({flow_run.id}) ended {state.name}.",
        f"Reason: {one_line(state.message or '(no message)')}",
    ]
    if facts is not None and (facts.summary.files_seen or facts.summary.records_read):
        lines.append(f"Counts so far: {_counts(facts.summary)}.")
    lines += [f"Raw: {Path(str(raw)).absolute()}", f"Curated: {Path(str(curated)).absolute()}"]
    if ui_url:
        lines.append(f"Run: {ui_url.rstrip('/')}/runs/flow-run/{flow_run.id}")
    return title, redact("\n".join(lines))


def notify_failure(flow: Flow[Any, Any], flow_run: FlowRun, state: State) -> None:
    """The flow's ``on_failure`` and ``on_crashed`` hook: notify the alert URLs (`alert_urls`)
    that ``flow_run`` ended in ``state`` (`failure_message`).

    Guarantees: never raises, so it never changes how the run ends; with no URL configured,
    sends nothing and says nothing; a notification that cannot be delivered is a WARNING in the
    run's log.
    """
    facts = _WATCHED.pop(str(flow_run.id), None)
    logger: logging.Logger | logging.LoggerAdapter[Any] = _log
    try:
        from prefect.logging.loggers import flow_run_logger
        from prefect.settings import get_current_settings

        logger = flow_run_logger(flow_run=flow_run, flow=flow)
        urls = alert_urls(logger)
        if not urls:
            return
        title, body = failure_message(flow_run, state, facts, get_current_settings().ui_url)
        delivered = send(urls, title, body, logger)
        if delivered:
            logger.info("alerts: %d of %d target(s) notified of the %s state", delivered,
                        len(urls), state.name)
    except Exception as exc:  # the run's state is already set: only say so
        logger.warning("alerts: no notification sent (%s: %s)", type(exc).__name__,
                       one_line(str(exc), 200))


def dataset_resource(curated_dir: str) -> dict[str, str]:
    """The event resource of the curated dataset at ``curated_dir``.

    ``prefect.resource.id`` is ``curate.dataset.<16 hex of the SHA-256 of the absolute path>``
    (the same for every run on that folder, different for another folder of the same name);
    ``prefect.resource.name`` is the folder's name and ``curate.dataset.path`` its absolute path,
    so a trigger can match on either.
    """
    path = Path(curated_dir).absolute()
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:16]
    return {"prefect.resource.id": f"curate.dataset.{digest}",
            "prefect.resource.name": path.name, "curate.dataset.path": str(path)}


def published_payload(summary: RunSummary, curated_dir: str) -> dict[str, Any]:
    """The payload of `PUBLISHED_EVENT`: the run's counts, its id, the dataset's path and the
    run's manifest (relative to it)."""
    return {
        "run_id": summary.run_id,
        "curated_dir": str(Path(curated_dir).absolute()),
        "manifest": f"_runs/{summary.run_id}.json",
        "files_new": summary.files_new,
        "records_read": summary.records_read,
        "records_curated": summary.rows_written,
        "records_quarantined": summary.rows_quarantined,
        "records_skipped": summary.records_skipped,
        "clusters_new": summary.clusters_new,
        "duplicates": summary.duplicates,
    }


def emit_published(summary: RunSummary, curated_dir: str) -> Event | None:
    """Emit `PUBLISHED_EVENT` for a committed run (`dataset_resource`, `published_payload`);
    Prefect relates it to the flow run, its flow and deployment. Returns the event, or None
    where Prefect emits no events. Called after the commit: a caller must not let it fail the
    run (an event over Prefect's size limit raises)."""
    from prefect.events import emit_event

    return emit_event(event=PUBLISHED_EVENT, resource=dataset_resource(curated_dir),
                      payload=published_payload(summary, curated_dir))


@dataclass(frozen=True)
class Outcome:
    """How a completed run is shown: `outcome` makes it."""

    #: The final state's message (one line).
    message: str
    #: Appended to the run's name: ``" (3 quarantined, 1 refused)"``, or ``""``.
    name_suffix: str
    #: The anomalies line logged at WARNING, or None when there is none.
    warning: str | None


def outcome(summary: RunSummary, reasons: Mapping[str, int]) -> Outcome:
    """The outcome of a completed run from its ``summary`` and its quarantine reasons by kind
    (most frequent first, as in the manifest's ``quarantine_by_reason``).

    Anomalies are quarantined records (their count and the `TOP_REASONS` top reasons), paths
    not read, and recovery from an earlier crashed run; records skipped on purpose are not.
    """
    if summary.files_new:
        head = (f"{summary.rows_written} row(s) published from {summary.files_new} new file(s): "
                f"{summary.clusters_new} new cluster(s), {summary.duplicates} duplicate(s)")
    else:
        head = f"nothing new ({summary.files_already_processed} file(s) already processed)"
    anomalies, tags = [], []
    if summary.rows_quarantined:
        top = "; ".join(f"{n} × {kind}" for kind, n in list(reasons.items())[:TOP_REASONS])
        anomalies.append(f"{summary.rows_quarantined} record(s) quarantined"
                         + (f" ({top})" if top else ""))
        tags.append(f"{summary.rows_quarantined} quarantined")
    if summary.files_refused:
        anomalies.append(f"{summary.files_refused} path(s) not read")
        tags.append(f"{summary.files_refused} refused")
    if summary.recovered:
        anomalies.append("recovered from an earlier crashed run")
    message = one_line("; ".join([head, *anomalies]), 1000)
    warning = (one_line("anomalies: " + "; ".join(anomalies)
                        + " (the run's summary artifact and manifest list them)", 1000)
               if anomalies else None)
    return Outcome(message, f" ({', '.join(tags)})" if tags else "", warning)
