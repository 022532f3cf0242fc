"""The job's one error family; ``str(error)`` is the one-line reason shown to the operator.

Every error the job raises on purpose derives from `CurateError`, so a caller can catch the
family (the command line prints the message and exits 1, or 75 for `LockBusy`).
"""

from __future__ import annotations


class CurateError(RuntimeError):
    """A run could not complete."""


class LockBusy(CurateError):
    """Another run holds the curated dataset's lock (`curate run` exits with 75: retry later)."""


class ServerUnavailable(CurateError):
    """The temporary Prefect API could not start, or stopped answering."""


class BackendFailed(CurateError):
    """A translation backend that was available failed on a batch (the message says how)."""


class BackendUnavailable(CurateError):
    """A translation backend cannot run here (package, dictionary or model missing)."""


class TooLarge(CurateError, ValueError):
    """A raw file, line or field is over a read limit (the message names the flag to raise)."""


class LimitReached(TooLarge):
    """A file holds more records than ``--max-records-per-file``; the ones before are kept."""


class AccountingError(CurateError):
    """The run's own counts disagree (records in, rows out): nothing is committed."""


class DatasetError(CurateError):
    """A file of the curated dataset that is not derived data cannot be read (the message
    names it): nothing is written until it is restored."""
