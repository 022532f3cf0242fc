"""Shared fixtures: a private Prefect home, one Prefect test server per session, the
environment of ``curate`` subprocesses and their reaper. Shared helpers are in `tests.support`."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Prefect reads these when it is first imported: set them before any test imports it.
_PREFECT_HOME = tempfile.mkdtemp(prefix="curate-prefect-home-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "60"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# simplemma's tries (flows/backends/lemma_cache.py) and the inflated language-id model
# (flows/backends/langid_cache.py) are written to a session folder, not the user's cache.
os.environ["CURATE_CACHE_DIR"] = _CACHE_DIR = tempfile.mkdtemp(prefix="curate-cache-")
# Both are the session's own: removed when it ends (each session left about 14 MB in the
# temporary folder).
for _folder in (_PREFECT_HOME, _CACHE_DIR):
    atexit.register(shutil.rmtree, _folder, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect API (SQLite) for the whole session: it takes ~10 s to start."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture()
def api_env(tmp_path: Path) -> dict[str, str]:
    """Environment for ``curate`` subprocesses: the session's Prefect API, a private home."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the prefect_server fixture sets PREFECT_API_URL"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATE_TEST_")}
    env.update(PREFECT_API_URL=url, PREFECT_HOME=str(tmp_path / "prefect-home"),
               PREFECT_LOGGING_LEVEL="WARNING")
    return env


@pytest.fixture()
def reaper() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test started: their process groups are killed at teardown (a failure, or
    orphaned pool workers, may have left some running)."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    from tests.support.runs import kill

    for p in procs:
        kill(p)
