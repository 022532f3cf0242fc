"""Things the pure library must not do itself: translation backends that read dictionaries,
start processes or load models, the Redis band index and the lemmatiser's trie cache.

`get_translator` is the one place a backend is chosen by name (command line, flow parameter,
benchmarks). The embedded lexicon translator is pure and lives in `cleaners.translate`.
"""

from __future__ import annotations

import importlib
from typing import Any

from cleaners.lang.tokens import DEFAULT_LEMMATIZER, Lemmatizer
from cleaners.translate import Translator
from flows.errors import BackendUnavailable

#: Backend name -> "module:factory". A fixed table: nothing registers itself at import time.
BACKENDS: dict[str, str] = {
    "embedded": "cleaners.translate.embedded:EmbeddedTranslator",
    "freedict": "flows.backends.freedict:FreeDictBackend",
    "apertium": "flows.backends.apertium:ApertiumBackend",
    "apertium+freedict": "flows.backends.apertium:ApertiumFreeDictBackend",
    "ctranslate2": "flows.backends.ctranslate2:CTranslate2Backend",
}


def backend_names() -> list[str]:
    """Names `get_translator` accepts, sorted."""
    return sorted(BACKENDS)


def get_translator(name: str = "embedded", lemmatizer: Lemmatizer = DEFAULT_LEMMATIZER,
                   **options: Any) -> Translator:
    """The backend called ``name``, built with ``options``, lemmatising with ``lemmatizer``.

    Raises `BackendUnavailable` with a reason when it cannot run on this machine, and
    `ValueError` for an unknown name.
    """
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown translation backend {name!r}; known: {backend_names()}") from None
    module, _, factory = target.partition(":")
    try:
        built = getattr(importlib.import_module(module), factory)
    except ModuleNotFoundError as exc:
        raise BackendUnavailable(f"translation backend {name!r} needs {exc.name!r}, not installed") from exc
    return built(**options, lemmatizer=lemmatizer)


__all__ = ["BACKENDS", "BackendUnavailable", "backend_names", "get_translator"]
