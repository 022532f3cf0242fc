"""Near-duplicate detection across languages: fingerprints, candidates, verification, clusters.

`fingerprint_batch` turns texts into MinHash signatures over shingles of their translation
into the pivot language; `match` finds each new document's cluster among a batch and a history.

Modules: `config` (parameters), `fingerprint`, `minhash`, `lsh`, `model` (inputs, outputs,
canonical rule), `candidates`, `verify`, `sketch` and `align` (the second signal),
`second_signal` (its sketches by position), `placement` (numba), `merge` (clusters a document
links) and `matcher` (`match`, which runs them).
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
    from cleaners.dedup.fingerprint import Fingerprints, WordMemo, fingerprint_batch
    from cleaners.dedup.matcher import match, warm_up
    from cleaners.dedup.model import (
        Assignment,
        DocBatch,
        History,
        Matched,
        MatchStats,
        priority_order,
    )

#: Public name -> the module that defines it, imported on first use (PEP 562), so that
#: importing one submodule does not import the whole package.
_EXPORTS = {
    "DEFAULT_FINGERPRINT": "cleaners.dedup.config",
    "DEFAULT_MATCH": "cleaners.dedup.config",
    "TUNED_MATCH": "cleaners.dedup.config",
    "FingerprintConfig": "cleaners.dedup.config",
    "MatchConfig": "cleaners.dedup.config",
    "Fingerprints": "cleaners.dedup.fingerprint",
    "WordMemo": "cleaners.dedup.fingerprint",
    "fingerprint_batch": "cleaners.dedup.fingerprint",
    "match": "cleaners.dedup.matcher",
    "warm_up": "cleaners.dedup.matcher",
    "Assignment": "cleaners.dedup.model",
    "DocBatch": "cleaners.dedup.model",
    "History": "cleaners.dedup.model",
    "Matched": "cleaners.dedup.model",
    "MatchStats": "cleaners.dedup.model",
    "priority_order": "cleaners.dedup.model",
}
__all__ = [
    "DEFAULT_FINGERPRINT",
    "DEFAULT_MATCH",
    "TUNED_MATCH",
    "Assignment",
    "DocBatch",
    "FingerprintConfig",
    "Fingerprints",
    "History",
    "MatchConfig",
    "MatchStats",
    "Matched",
    "WordMemo",
    "fingerprint_batch",
    "match",
    "priority_order",
    "warm_up",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
