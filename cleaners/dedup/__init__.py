"""Near-duplicate detection across languages: fingerprints, candidates, verification, clusters.

`fingerprint_batch` turns texts into MinHash signatures over shingles of their translation
into the pivot language; `match` finds each new document's cluster among a batch and a history.
"""

from cleaners.dedup.fingerprint import (
    DEFAULT_FINGERPRINT,
    FingerprintConfig,
    Fingerprints,
    WordMemo,
    fingerprint_batch,
)
from cleaners.dedup.match import (
    DEFAULT_MATCH,
    Assignment,
    DocBatch,
    History,
    MatchConfig,
    MatchStats,
    match,
    priority_order,
    warm_up,
)

__all__ = [
    "DEFAULT_FINGERPRINT", "DEFAULT_MATCH", "Assignment", "DocBatch", "FingerprintConfig",
    "Fingerprints", "History", "MatchConfig", "MatchStats", "WordMemo", "fingerprint_batch",
    "match", "priority_order", "warm_up",
]
