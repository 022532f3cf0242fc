"""The pure library of the job: strings and arrays in, strings, arrays and `Edit` logs out.

No file, network or environment access, no processes, no state shared between calls beyond
memoisation. `flows` does the I/O and calls these:

- `clean_text` / `clean_batch` (`cleaners.text`): one article's raw text to clean text and
  the edits that produced it, under a `CleanConfig`;
- `fingerprint_batch` (`cleaners.dedup`): language, exact-text hash and MinHash signature of
  each text, over the words translated into English by a `Translator` (`cleaners.translate`);
- `match` (`cleaners.dedup`): clusters of near-duplicates, across languages, among a batch and
  a history, under a `MatchConfig`.
"""

from cleaners.dedup import (
    DEFAULT_FINGERPRINT,
    DEFAULT_MATCH,
    TUNED_MATCH,
    DocBatch,
    FingerprintConfig,
    History,
    MatchConfig,
    fingerprint_batch,
    match,
)
from cleaners.edits import Edit, EditKind
from cleaners.text.clean import DEFAULT_CLEAN, CleanConfig, CleanResult, clean_batch, clean_text
from cleaners.translate import EmbeddedTranslator, Translator

__all__ = [
    "DEFAULT_CLEAN", "DEFAULT_FINGERPRINT", "DEFAULT_MATCH", "TUNED_MATCH", "CleanConfig",
    "CleanResult", "DocBatch", "Edit", "EditKind", "EmbeddedTranslator", "FingerprintConfig",
    "History", "MatchConfig", "Translator", "clean_batch", "clean_text", "fingerprint_batch",
    "match",
]
