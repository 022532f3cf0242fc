"""The errors a run reports to its operator; ``str(error)`` is the one-line reason shown."""

from __future__ import annotations


class CurateError(RuntimeError):
    """A run could not complete."""


class LockBusy(CurateError):
    """Another run holds the curated dataset's lock (`curate run` exits with 75: retry later)."""
