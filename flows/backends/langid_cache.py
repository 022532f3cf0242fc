"""py3langid's model kept inflated on disk, for every process of a run.

py3langid ships its language-id model as an LZMA-compressed ``.npz`` (4.6 MB): reading it
takes about 0.5 s of CPU in every process that identifies languages (the workers' fork
server, or the flow process of a small run), while Prefect's API boots on the same cores.
The inflated archive (68 MB) is written once per machine and py3langid version, the first
time a run needs it, next to the lemma tries (`flows.backends.lemma_cache.cache_root`:
``$CURATE_CACHE_DIR`` or the user's cache folder), and read in about 0.26 s.

When the cache cannot be written or read, or another process holds its lock for over
`LOCK_TIMEOUT_SECONDS`, the model comes from py3langid's own file
(`cleaners.lang.langid.bundled_model`): the same model, slower start. A cached file that
does not read as the model is replaced.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

import py3langid
from filelock import FileLock

from cleaners.lang import langid
from flows.backends.lemma_cache import cache_root

logger = logging.getLogger(__name__)

#: How long a process waits for another one writing the file (it takes about a second) before
#: it reads py3langid's archive itself.
LOCK_TIMEOUT_SECONDS = 60.0


def model_path() -> Path:
    """Where the inflated model is kept: ``py3langid-<version>/model.npz`` in the cache
    folder (a new version writes its own)."""
    return cache_root() / f"py3langid-{py3langid.__version__}" / "model.npz"


def _read_or_write(path: Path) -> langid.LanguageModel:
    """The model from ``path``, written there first (under a lock, whole or not at all) when
    it is missing or does not read as the model."""
    try:
        return langid.model_from_npz(path.read_bytes())
    except FileNotFoundError:
        pass
    except OSError:  # an unreadable folder or file: the caller falls back
        raise
    except Exception as exc:  # a file cut short or damaged: written again below
        logger.warning("language-id model: %s does not read (%s: %s); writing it again",
                       path, type(exc).__name__, exc)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path.with_suffix(".lock"), timeout=LOCK_TIMEOUT_SECONDS):
        try:  # another process may have written it meanwhile
            return langid.model_from_npz(path.read_bytes())
        except Exception:
            pass
        for stale in path.parent.glob(f"{path.name}.*.tmp"):  # a writer killed mid-write
            stale.unlink(missing_ok=True)
        data = langid.bundled_archive()
        model = langid.model_from_npz(data)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:  # a full or read-only disk: this process has the model anyway
            logger.warning("language-id model: cannot write %s (%s)", path, exc)
        finally:
            tmp.unlink(missing_ok=True)
        return model


@cache
def process_language_model() -> langid.LanguageModel:
    """This process's language-id model: read from the cache (see the module docstring), or
    `cleaners.lang.langid.bundled_model` when the cache cannot be used (the same model).

    One per process; never raises for the cache's sake. The clean stage (promo vocabulary) and
    the fingerprint stage (language id) are given it."""
    path = model_path()
    try:
        return _read_or_write(path)
    except Exception as exc:
        logger.warning("language-id model: cache %s not used (%s: %s); py3langid's compressed "
                       "model is read instead", path, type(exc).__name__, exc)
        return langid.bundled_model()
