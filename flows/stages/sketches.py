"""Sentence sketches on demand for `match`'s second signal (`cleaners.dedup.align`).

`match` asks for the sketches of the few documents whose grey-zone pairs decide a placement;
their texts are read by ``doc_id`` from the run's fingerprinted batches and the curated
articles (only the matching rows' ``text``), and sketched with the run's translation backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from cleaners.dedup import FingerprintConfig
from cleaners.dedup.align import SentenceSketch, SketchSource, sentence_sketches
from flows.stages.clean_fingerprint import backend_with_memo


def sketch_source(
    batch_paths: Sequence[str], article_parts: Sequence[str], config: FingerprintConfig,
    options: dict[str, Any] | None = None,
) -> SketchSource:
    """A `SketchSource` over the run's fingerprinted batches and the curated articles parts:
    the sketch of each ``doc_id`` asked (None for one found in neither)."""

    def texts_of(wanted: set[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        keys = pa.array(sorted(wanted), pa.string())
        for paths in (batch_paths, article_parts):
            if not paths or len(found) == len(wanted):
                continue
            table = ds.dataset(list(paths), format="parquet").to_table(
                columns=["doc_id", "lang", "text"], filter=ds.field("doc_id").isin(keys))
            for doc_id, lang, text in zip(*(table.column(c).to_pylist() for c in ("doc_id", "lang", "text")),
                                          strict=True):
                found.setdefault(doc_id, (lang or "und", text or ""))
        return found

    def source(doc_ids: Sequence[str]) -> list[SentenceSketch | None]:
        found = texts_of(set(doc_ids))
        have = [d for d in doc_ids if d in found]
        translator, memo = backend_with_memo(config.backend, options)
        made = dict(zip(have, sentence_sketches([found[d][1] for d in have], [found[d][0] for d in have],
                                                config, translator, memo), strict=True))
        return [made.get(d) for d in doc_ids]

    return source
