"""The curated dataset's lock: one run at a time, taken before anything heavy is imported.

Light on purpose (no Prefect, no pyarrow): ``curate run`` takes the lock first, so a run that
finds the dataset busy answers in about a second. The lock is an OS file lock on
``<curated>/.lock``, released by the kernel when the process dies. It is re-entrant within one
thread (the CLI holds it, and the flow it runs in the same thread takes it again); another
thread of the same process waits for it like another process, so two flow runs in one process
cannot both hold it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout

from flows.errors import LockBusy

LOCK_NAME, OWNER_NAME = ".lock", ".lock.owner"


@contextmanager
def run_lock(root: Path, wait_seconds: float = 0.0, owner: str = "") -> Iterator[None]:
    """Hold the exclusive lock of the dataset at ``root`` (created if missing).

    Raises `LockBusy` with the holder's description when another process, or another thread
    of this one, holds it for longer than ``wait_seconds``. Taking it again in the thread that
    holds it succeeds at once.
    """
    root = root.absolute()  # one lock object per dataset, however its path is spelt
    root.mkdir(parents=True, exist_ok=True)
    # One instance per path (is_singleton), holds counted per thread (thread_local): a second
    # thread opens its own descriptor, which the OS lock refuses while the first one holds it.
    lock = FileLock(str(root / LOCK_NAME), is_singleton=True, thread_local=True)
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        holder = ""
        with suppress(OSError):
            holder = (root / OWNER_NAME).read_text().strip()
        raise LockBusy(
            f"another run holds {root / LOCK_NAME} ({holder or 'unknown holder'}); "
            f"waited {wait_seconds:g}s: retry later or pass --wait SECONDS"
        ) from None
    try:
        if lock.lock_counter == 1:
            with suppress(OSError):
                (root / OWNER_NAME).write_text(
                    f"pid {os.getpid()} {owner} since "
                    f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
        yield
    finally:
        lock.release()
