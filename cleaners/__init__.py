"""The pure library of the job: strings and arrays in, strings, arrays and `Edit` logs out.

No file, network or environment access, no processes, no state shared between calls beyond
memoisation. `flows` does the I/O and calls these:

- `clean_text` / `clean_batch` (`cleaners.text`): one article's raw text to clean text and
  the edits that produced it, under a `CleanConfig`; `clean_title` the same for a title, on
  one line, its edits marked ``title: …``;
- `fingerprint_batch` (`cleaners.dedup`): language, exact-text hash and MinHash signature of
  each text, over the words translated into English by a `Translator` (`cleaners.translate`);
- `match` (`cleaners.dedup`): clusters of near-duplicates, across languages, among a batch and
  a history, under a `MatchConfig`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cleaners.lazy import lazy_exports

if TYPE_CHECKING:
    from cleaners.dedup.config import (
        DEFAULT_FINGERPRINT,
        DEFAULT_MATCH,
        TUNED_MATCH,
        FingerprintConfig,
        MatchConfig,
    )
    from cleaners.dedup.fingerprint import fingerprint_batch
    from cleaners.dedup.matcher import match
    from cleaners.dedup.model import DocBatch, History
    from cleaners.edits import Edit, EditKind
    from cleaners.text.clean import CleanResult, clean_batch, clean_text, clean_title
    from cleaners.text.config import DEFAULT_CLEAN, CleanConfig
    from cleaners.translate.base import Translator
    from cleaners.translate.embedded import EmbeddedTranslator

#: Public name -> the module that defines it, imported on first use (PEP 562), so that
#: importing one submodule does not import the whole package.
_EXPORTS = {
    "DEFAULT_FINGERPRINT": "cleaners.dedup.config",
    "DEFAULT_MATCH": "cleaners.dedup.config",
    "TUNED_MATCH": "cleaners.dedup.config",
    "FingerprintConfig": "cleaners.dedup.config",
    "MatchConfig": "cleaners.dedup.config",
    "fingerprint_batch": "cleaners.dedup.fingerprint",
    "match": "cleaners.dedup.matcher",
    "DocBatch": "cleaners.dedup.model",
    "History": "cleaners.dedup.model",
    "Edit": "cleaners.edits",
    "EditKind": "cleaners.edits",
    "CleanResult": "cleaners.text.clean",
    "clean_batch": "cleaners.text.clean",
    "clean_text": "cleaners.text.clean",
    "clean_title": "cleaners.text.clean",
    "DEFAULT_CLEAN": "cleaners.text.config",
    "CleanConfig": "cleaners.text.config",
    "Translator": "cleaners.translate.base",
    "EmbeddedTranslator": "cleaners.translate.embedded",
}
__all__ = [
    "DEFAULT_CLEAN",
    "DEFAULT_FINGERPRINT",
    "DEFAULT_MATCH",
    "TUNED_MATCH",
    "CleanConfig",
    "CleanResult",
    "DocBatch",
    "Edit",
    "EditKind",
    "EmbeddedTranslator",
    "FingerprintConfig",
    "History",
    "MatchConfig",
    "Translator",
    "clean_batch",
    "clean_text",
    "clean_title",
    "fingerprint_batch",
    "match",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
