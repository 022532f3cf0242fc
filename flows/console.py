"""What a run prints on the terminal: log lines without tracebacks unless asked for.

A failed run ends with one line (``curate: run failed: <reason>``). Prefect logs the failure's
traceback too; `hide_tracebacks` keeps it out of the terminal (``--verbose`` shows it) while
every other handler, such as the one sending logs to the Prefect API (the UI), still gets it.
"""

from __future__ import annotations

import logging


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
