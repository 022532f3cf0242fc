"""py3langid's model kept inflated on disk (flows/backends/langid_cache.py): the same model,
inflated once, and py3langid's own when the cache cannot be used."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from cleaners.lang import langid
from flows.backends import langid_cache, lemma_cache

TEXTS = [
    "The two-day forum is very timely, said the under-secretary-general of the United Nations.",
    "Le forum de deux jours est très opportun, a déclaré le secrétaire général adjoint.",
    "Das zweitägige Forum kommt zur rechten Zeit, sagte der Untergeneralsekretär.",
    "El foro de dos días es muy oportuno, dijo el secretario general adjunto.",
    "Москва заявила, что переговоры продолжатся на следующей неделе в Женеве.",
]


@pytest.fixture()
def model_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache folder for this process's language-id model, emptied afterwards (the
    model is 68 MB)."""
    monkeypatch.setenv(lemma_cache.CACHE_ENV, str(tmp_path))
    langid_cache.process_language_model.cache_clear()
    try:
        yield tmp_path
    finally:
        langid_cache.process_language_model.cache_clear()
        shutil.rmtree(langid_cache.model_path().parent, ignore_errors=True)


def _assert_same(model: langid.LanguageModel, expected: langid.LanguageModel) -> None:
    for name in ("nextmove", "rowbase", "output", "ptc", "pc", "label_columns"):
        assert np.array_equal(getattr(model, name), getattr(expected, name)), name
    assert (model.aliases, model.labels) == (expected.aliases, expected.labels)


def test_the_cached_model_is_py3langids_and_is_inflated_once(
        model_cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    model = langid_cache.process_language_model()
    path = langid_cache.model_path()
    assert path.parent.parent == model_cache and path.stat().st_size > 10_000_000
    assert not list(path.parent.glob("*.tmp"))
    _assert_same(model, langid.bundled_model())
    assert langid.detect_languages(TEXTS, None, model) == langid.detect_languages(TEXTS)
    assert langid.detect_languages(TEXTS, None, model) == ["en", "fr", "de", "es", "ru"]

    # A later process reads the file: py3langid's archive is not inflated again.
    def inflate() -> bytes:
        raise AssertionError("inflated again")

    monkeypatch.setattr(langid, "bundled_archive", inflate)
    langid_cache.process_language_model.cache_clear()
    mtime = path.stat().st_mtime_ns
    with caplog.at_level(logging.WARNING, logger=langid_cache.__name__):
        again = langid_cache.process_language_model()
    assert again is not langid.bundled_model() and not caplog.records  # read, no fallback
    _assert_same(again, model)
    assert path.stat().st_mtime_ns == mtime


def test_a_damaged_cache_file_is_written_again(model_cache: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    path = langid_cache.model_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 an archive cut short")
    stale = path.with_name(f"{path.name}.999999.tmp")  # left by a writer killed mid-write
    stale.write_bytes(b"part of an archive")
    with caplog.at_level(logging.WARNING, logger=langid_cache.__name__):
        model = langid_cache.process_language_model()
    assert "does not read" in caplog.text
    _assert_same(model, langid.bundled_model())
    assert path.stat().st_size > 10_000_000 and not stale.exists()
    _assert_same(langid.model_from_npz(path.read_bytes()), model)


def test_a_writer_holding_the_lock_too_long_is_not_waited_for(
        model_cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    path = langid_cache.model_path()
    path.parent.mkdir(parents=True)
    monkeypatch.setattr(langid_cache, "LOCK_TIMEOUT_SECONDS", 0.5)
    holder = subprocess.Popen(  # another process writing the file, or stopped while it does
        [sys.executable, "-c", "import sys, time; from filelock import FileLock; "
         "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); time.sleep(60)",
         str(path.with_suffix(".lock"))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with caplog.at_level(logging.WARNING, logger=langid_cache.__name__):
            model = langid_cache.process_language_model()
    finally:
        holder.kill()
        holder.wait()
    assert model is langid.bundled_model() and "Timeout" in caplog.text
    assert not path.exists()


def test_an_unusable_cache_folder_gives_py3langids_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(lemma_cache.CACHE_ENV, str(blocker))
    langid_cache.process_language_model.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=langid_cache.__name__):
            model = langid_cache.process_language_model()
    finally:
        langid_cache.process_language_model.cache_clear()
    assert model is langid.bundled_model()
    assert "not used" in caplog.text and caplog.text.count("WARNING") == 1
