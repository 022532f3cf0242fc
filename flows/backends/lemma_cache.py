"""simplemma's dictionaries as memory-mapped tries cached on disk, for every process of a run.

simplemma decodes a language's dictionary into a Python dict on first use: 0.3 s for
English, 1.4 s for German, 4.4 s for Polish, and hundreds of MB, in every worker process of
every run. Its ``TrieDictionaryFactory`` (marisa-trie) holds the same data as a trie that,
once built and saved, loads in milliseconds and is shared between processes by the page
cache. The trie of a language is built once per machine (and simplemma version), the first
time a run needs it, under a file lock so that two workers never build the same one. A process
that waits more than `LOCK_TIMEOUT_SECONDS` for that lock (its holder stopped or stuck, not
killed: the kernel frees a killed holder's lock) builds the trie in memory for itself, logs
why, and writes nothing: same lemmas, and the run goes on.

The cache folder is ``$CURATE_CACHE_DIR/simplemma-<version>`` (default: the user's cache
folder, e.g. ``~/.cache/news-curate``). When it cannot be written, or marisa-trie is not
installed, the lemmas come from simplemma's default in-memory dictionaries: same lemmas,
slower start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import simplemma
from filelock import FileLock, Timeout

from cleaners.lang import tokens

logger = logging.getLogger(__name__)

#: The environment variable naming the cache folder (`flows.settings.Environment.cache_dir`).
CACHE_ENV = "CURATE_CACHE_DIR"
#: How long a process waits for another to build a language's trie (Polish, the slowest, takes
#: about 5 s here) before it builds one in memory for itself (as `langid_cache` waits for its model).
LOCK_TIMEOUT_SECONDS = 60.0


def cache_root() -> Path:
    """The folder of the job's caches: ``$CURATE_CACHE_DIR`` or the user's cache folder
    (e.g. ``~/.cache/news-curate``)."""
    from flows.settings import environment

    root = environment().cache_dir
    if not root:
        from platformdirs import user_cache_dir

        root = user_cache_dir("news-curate")
    return Path(root)


def cache_dir() -> Path:
    """Where the tries are kept: a sub-folder of `cache_root` per simplemma version (a new
    version rebuilds them)."""
    return cache_root() / f"simplemma-{simplemma.__version__}"


def _trie_factory(folder: Path) -> Any:
    from simplemma.strategies.dictionaries.trie_dictionary_factory import (
        TrieDictionaryFactory,
        TrieWrapDict,
    )

    class SharedTrieFactory(TrieDictionaryFactory):
        """simplemma's trie factory, safe for several processes sharing ``folder``: one
        builds a language's trie while the others wait for it (at most `LOCK_TIMEOUT_SECONDS`),
        and a trie file appears whole (written under another name, then renamed). A trie
        built in memory after the wait is kept for the process (simplemma's own cache holds 8
        languages: it would be waited for and built again)."""

        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            self.unsaved: dict[str, Mapping[str, str]] = {}

        def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
            if lang in self.unsaved:
                return self.unsaved[lang]
            if not (folder / f"{lang}.dic").exists() and lang in tokens.LEMMA_LANGS:
                try:
                    with FileLock(folder / f"{lang}.lock", timeout=LOCK_TIMEOUT_SECONDS):
                        # a writer killed mid-write (a stopped run's worker) left its file
                        for stale in folder.glob(f"{lang}.dic.*.tmp"):
                            stale.unlink(missing_ok=True)
                        return super()._get_dictionary_uncached(lang)
                except Timeout:
                    if (folder / f"{lang}.dic").exists():  # written by the holder meanwhile
                        return super()._get_dictionary_uncached(lang)
                    logger.warning("lemma dictionaries: %s's trie is still locked after %.0f s "
                                   "(%s); built in memory for this process, not saved", lang,
                                   LOCK_TIMEOUT_SECONDS, folder / f"{lang}.lock")
                    self.unsaved[lang] = TrieWrapDict(self._build_trie(lang))
                    return self.unsaved[lang]
            return super()._get_dictionary_uncached(lang)

        def _write_trie_to_disk(self, lang: str, trie: Any) -> None:
            tmp = folder / f"{lang}.dic.{os.getpid()}.tmp"
            try:
                trie.save(str(tmp))
                os.replace(tmp, folder / f"{lang}.dic")
            finally:
                tmp.unlink(missing_ok=True)

    return SharedTrieFactory(disk_cache_dir=str(folder))


@cache
def process_lemmatizer() -> tokens.Lemmatizer:
    """This process's lemmatizer: one reading the cached tries (see the module docstring), or
    `cleaners.lang.tokens.DEFAULT_LEMMATIZER` when the cache cannot be used (same lemmas).

    One per process; never raises. Translators and the clean stage are given it.
    """
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise PermissionError(f"{folder} is not writable")
        factory = _trie_factory(folder)
    except Exception as exc:
        logger.warning("lemma dictionaries: trie cache not used (%s: %s); "
                       "simplemma's in-memory dictionaries are used instead", type(exc).__name__, exc)
        return tokens.DEFAULT_LEMMATIZER
    return tokens.Lemmatizer(factory)
