"""simplemma's dictionaries as cached tries (flows/backends/lemma_cache.py): same lemmas, built once."""

from __future__ import annotations

import gzip
import logging
import multiprocessing
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cleaners.lang import tokens
from cleaners.translate.embedded import _lexicon_dir
from flows.backends import lemma_cache
from tests.support.data import EVAL

LANGS = ("en", "fr", "de", "es")


def _words(lang: str) -> list[str]:
    """Lemmas of the shipped lexicon and, when ../shared/eval is there, the inflected words of
    real WMT text in ``lang``."""
    found: list[str] = []
    if lang != "en":
        lines = gzip.decompress(_lexicon_dir().joinpath(f"{lang}.tsv.gz").read_bytes()).decode().splitlines()
        found += [line.split("\t")[0] for line in lines[:3000] if line and not line.startswith("#")]
    wmt = EVAL / "wmt" / f"newstest2013-src.{lang}.sgm"
    if wmt.exists():
        text = re.sub(r"<[^>]+>", " ", wmt.read_text(encoding="utf-8"))
        found += tokens.words(text)[:20000]
    return list(dict.fromkeys(found))


@pytest.fixture()
def trie_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache folder for this process's lemmatizer."""
    monkeypatch.setenv(lemma_cache.CACHE_ENV, str(tmp_path))
    lemma_cache.process_lemmatizer.cache_clear()
    try:
        yield tmp_path
    finally:
        lemma_cache.process_lemmatizer.cache_clear()


def test_cached_tries_give_the_same_lemmas(trie_cache: Path) -> None:
    words = {lang: _words(lang) for lang in LANGS}
    assert all(len(w) > 100 for w in words.values())
    default = {lang: [tokens.lemma(w, lang) for w in ws] for lang, ws in words.items()}
    lemmatizer = lemma_cache.process_lemmatizer()
    assert lemmatizer is not tokens.DEFAULT_LEMMATIZER
    folder = lemma_cache.cache_dir()
    assert folder.parent == trie_cache
    built = {lang: [lemmatizer.lemma(w, lang) for w in ws] for lang, ws in words.items()}
    assert built == default
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".dic") == sorted(f"{lang}.dic" for lang in LANGS)
    assert not list(folder.glob("*.tmp"))
    # A later process loads the saved tries instead of building them.
    lemma_cache.process_lemmatizer.cache_clear()
    mtimes = {p: p.stat().st_mtime_ns for p in folder.glob("*.dic")}
    again = lemma_cache.process_lemmatizer()
    assert {lang: [again.lemma(w, lang) for w in ws] for lang, ws in words.items()} == default
    assert {p: p.stat().st_mtime_ns for p in folder.glob("*.dic")} == mtimes


def test_the_default_lemmatizer_is_never_replaced(trie_cache: Path) -> None:
    before = tokens.DEFAULT_LEMMATIZER
    lemma_cache.process_lemmatizer().lemma("maisons", "fr")
    assert tokens.DEFAULT_LEMMATIZER is before and before._simplemma is None


def _lemmas_in_child(cache: str, words: list[str]) -> list[str]:
    import os

    os.environ[lemma_cache.CACHE_ENV] = cache
    lemma_cache.process_lemmatizer.cache_clear()
    lemmatizer = lemma_cache.process_lemmatizer()
    assert lemmatizer is not tokens.DEFAULT_LEMMATIZER
    return [lemmatizer.lemma(w, "fr") for w in words]


def test_processes_building_the_same_trie_at_once_agree(trie_cache: Path) -> None:
    words = _words("fr")
    expected = [tokens.lemma(w, "fr") for w in words]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        results = pool.starmap(_lemmas_in_child, [(str(trie_cache), words)] * 3)
    assert results == [expected] * 3
    folder = lemma_cache.cache_dir()
    assert [p.name for p in folder.glob("*.dic")] == ["fr.dic"]
    assert not list(folder.glob("*.tmp"))


def test_a_killed_writers_temporary_file_is_removed_by_the_next_writer(trie_cache: Path) -> None:
    folder = lemma_cache.cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    left = folder / "es.dic.999999999.tmp"  # the pid of a writer killed before its rename
    left.write_bytes(b"half a trie")
    lemmatizer = lemma_cache.process_lemmatizer()
    assert lemmatizer.lemma("casas", "es") == tokens.lemma("casas", "es")
    assert (folder / "es.dic").exists()
    assert not list(folder.glob("*.tmp"))


#: Eight languages whose tries build fastest (0.05-0.2 s each here), and a word of each.
OTHER_LANGS = [("ms", "rumah"), ("id", "rumahnya"), ("enm", "houses"), ("gv", "thieyn"),
               ("gd", "taighean"), ("fa", "خانه‌ها"), ("sq", "shtëpitë"), ("hi", "घरों")]
_HOLD_LOCK = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


@pytest.mark.timeout(60)  # the lock below is never released: without the wait's bound, a hang
def test_a_trie_locked_too_long_is_built_in_memory_and_not_saved(
    trie_cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """A process stopped while it builds a trie (not killed: the kernel would free its lock)
    holds the language's lock: the next one waits `LOCK_TIMEOUT_SECONDS`, then builds the trie in
    memory for itself."""
    monkeypatch.setattr(lemma_cache, "LOCK_TIMEOUT_SECONDS", 0.5)
    folder = lemma_cache.cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(folder / "fr.lock")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        words = _words("fr")[:3000]
        with caplog.at_level(logging.WARNING, logger="flows.backends.lemma_cache"):
            lemmatizer = lemma_cache.process_lemmatizer()
            lemmas = [lemmatizer.lemma(w, "fr") for w in words]
            assert lemmas == [tokens.lemma(w, "fr") for w in words]
            # languages nobody holds are built and saved as before; simplemma's cache of 8
            # languages then no longer holds French, which is neither waited for nor built again
            for lang, word in OTHER_LANGS:
                assert lemmatizer.lemma(word, lang) == tokens.lemma(word, lang)
            unseen = "chevauchaient"  # a word the lemmatizer's own memo does not hold
            assert unseen not in words
            assert lemmatizer.lemma(unseen, "fr") == tokens.lemma(unseen, "fr")
        assert caplog.text.count("fr's trie is still locked after 0 s") == 1
        assert not list(folder.glob("fr.dic*"))
        assert sorted(p.stem for p in folder.glob("*.dic")) == sorted(lang for lang, _ in OTHER_LANGS)
    finally:
        holder.kill()
        holder.wait()


def test_unusable_cache_folder_falls_back_to_the_default_dictionaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(lemma_cache.CACHE_ENV, str(blocker))
    lemma_cache.process_lemmatizer.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="flows.backends.lemma_cache"):
            lemmatizer = lemma_cache.process_lemmatizer()
        assert "trie cache not used" in caplog.text
        assert lemmatizer is tokens.DEFAULT_LEMMATIZER
        assert lemmatizer.lemma("maisons", "fr") == "maison"
    finally:
        lemma_cache.process_lemmatizer.cache_clear()
