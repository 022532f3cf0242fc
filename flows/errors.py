"""The errors a run reports to its operator, each with the exit status `curate` gives it."""

from __future__ import annotations


class CurateError(RuntimeError):
    """A run could not complete; ``str(error)`` is the one-line reason shown to the operator."""

    exit_status = 1


class LockBusy(CurateError):
    """Another run holds the curated dataset's lock (exit status 75, EX_TEMPFAIL: retry later)."""

    exit_status = 75


class RunStopped(CurateError):
    """The run was stopped from outside: a signal (exit status 128 + its number, as shells
    report), or the death of a process it needs, such as its Prefect API server (1)."""

    def __init__(self, reason: str, exit_status: int = 1) -> None:
        super().__init__(reason)
        self.exit_status = exit_status
