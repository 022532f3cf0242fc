"""What a run prints on the terminal: log lines without tracebacks unless asked for, and its
outcome as one line or one JSON object.

A failed run ends with one line (``curate: run failed: <reason>``). Prefect logs the failure's
traceback too; `hide_tracebacks` keeps it out of the terminal (``--verbose`` shows it) while
every other handler, such as the one sending logs to the Prefect API (the UI), still gets it.

A run that completed prints its summary line (`summary_line`); with ``--json`` every outcome
is one JSON object on stdout instead (`outcome_json`, keys in `JSON_KEYS`). Durations are the
whole command's, from process start (`seconds_since_start`).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any


class _WithoutTraceback(logging.Formatter):
    """Formats with ``inner``, as if the record had no exception or stack attached."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def hide_tracebacks() -> int:
    """Make every handler that writes to the terminal (a stream handler on any logger) leave
    tracebacks out; returns how many handlers it changed. Idempotent; call it after Prefect
    has configured its logging (it does so when imported)."""
    changed = 0
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if (isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)
                    and not isinstance(handler.formatter, _WithoutTraceback)):
                handler.setFormatter(_WithoutTraceback(handler.formatter))
                changed += 1
    return changed


#: The keys of ``curate run --json``'s object, in order, and what each holds (docs/usage.md).
JSON_KEYS: dict[str, str] = {
    "status": "completed, failed, busy (another run holds the dataset) or stopped (a signal)",
    "exit_status": "the command's exit status",
    "seconds": "the whole command, from process start",
    "error": "the one-line reason when the status is not completed, else null",
    "run_id": "the run's id (its manifest is _runs/<run_id>.json), null when no run completed",
    "flow_run_id": "the Prefect flow run's id, null when none was created",
    "manifest": "path of the run's manifest, null when no run completed",
    "flow_seconds": "the flow run alone, from its start to its summary",
    "files_seen": "raw files discovered", "files_new": "new raw files read",
    "files_already_processed": "raw files read by an earlier run (same SHA-256)",
    "files_refused": "paths not read (the manifest says why)",
    "records_read": "records read from the new files",
    "records_skipped": "entries skipped on purpose (WXR drafts, attachments…)",
    "rows_written": "article rows written", "rows_quarantined": "quarantine rows written",
    "clusters_new": "clusters (stories) the run founded, one-article ones included", "duplicates": "articles found to be duplicates",
    "stage_seconds": "seconds per stage", "recovered": "what was recovered from a crashed run",
}


def seconds_since_start() -> float:
    """Seconds since this process started (the OS's record of its start, so interpreter start-up
    and every import count); never negative."""
    import psutil

    return max(0.0, time.time() - psutil.Process().create_time())


def summary_line(summary: dict[str, Any], seconds: float) -> str:
    """The one-line run summary (`flows.run.RunSummary.line`) with ``seconds`` (the whole
    command's) as its duration."""
    from flows.run import RunSummary

    return RunSummary(**{**summary, "seconds": round(seconds, 1)}).line()


def outcome_json(status: str, exit_status: int, seconds: float, *, error: str | None = None,
                 summary: dict[str, Any] | None = None, flow_run_id: object | None = None,
                 manifest: str | None = None) -> str:
    """One JSON object (one line) with every key of `JSON_KEYS`, in that order: the run's
    summary when there is one, null for what is not known."""
    summary = dict(summary or {})
    flow_seconds = summary.pop("seconds", None)
    summary.pop("status", None)
    known = {
        "status": status, "exit_status": exit_status, "seconds": round(seconds, 3),
        "error": error, "flow_run_id": str(flow_run_id) if flow_run_id else None,
        "manifest": manifest, "flow_seconds": flow_seconds, **summary,
    }
    return json.dumps({key: known.get(key) for key in JSON_KEYS} | known, ensure_ascii=False)
