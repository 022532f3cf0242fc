"""Shared fixtures: a private Prefect home and one Prefect test server per session."""

from __future__ import annotations

import os
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
# simplemma's tries (flows/backends/lemma_cache.py) are built in a session folder, not the user's cache.
os.environ["CURATE_CACHE_DIR"] = tempfile.mkdtemp(prefix="curate-cache-")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "raw" / "samples"
EVAL = ROOT.parent / "shared" / "eval"


def eval_path(*parts: str) -> Path:
    """A file under ../shared/eval, or skip the test with the reason when it is absent."""
    path = EVAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the evaluation data lives in ../shared/eval beside the project")
    return path


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect API (SQLite) for the whole session: it takes ~10 s to start."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield
