"""Near-duplicate detection across languages: fingerprints, candidates, verification, clusters.

`fingerprint_batch` turns texts into MinHash signatures over shingles of their translation
into the pivot language; `match` finds each new document's cluster among a batch and a history.

Modules: `config` (parameters), `fingerprint`, `minhash`, `lsh`, `model` (inputs, outputs,
canonical rule), `candidates`, `verify`, `placement` (numba) and `match`, which runs them.
"""

from cleaners.dedup.config import (
    DEFAULT_FINGERPRINT,
    DEFAULT_MATCH,
    TUNED_MATCH,
    FingerprintConfig,
    MatchConfig,
)
from cleaners.dedup.fingerprint import Fingerprints, WordMemo, fingerprint_batch
from cleaners.dedup.match import match, warm_up
from cleaners.dedup.model import Assignment, DocBatch, History, MatchStats, priority_order

__all__ = [
    "DEFAULT_FINGERPRINT", "DEFAULT_MATCH", "TUNED_MATCH", "Assignment", "DocBatch",
    "FingerprintConfig", "Fingerprints", "History", "MatchConfig", "MatchStats", "WordMemo",
    "fingerprint_batch", "match", "priority_order", "warm_up",
]
