"""Sentence sketches for `match`'s second signal (`cleaners.dedup.align`).

The run's documents have theirs already: the batch workers made them with the fingerprints
and stored them with the fingerprinted batches (`flows.schema.SKETCH_FIELDS`, see
`flows.stages.clean_fingerprint.fingerprint_table`); they are read once, at the first ask.
Only the documents without one, the curated history's, are sketched on demand: their texts
are read by ``doc_id`` from the curated articles (only the matching rows' ``text``) and
sketched with the run's translation backend (`sketches_from_texts`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

from cleaners.dedup import FingerprintConfig
from cleaners.dedup.align import SentenceSketch, SketchBatch, SketchSource, sentence_sketches
from flows.schema import SKETCH_FIELDS
from flows.staged import is_staged, read_staged, staged_schema

_SKETCH_COLUMNS = [f.name for f in SKETCH_FIELDS]


class StoredSketches:
    """The sketches stored with fingerprinted batches, by ``doc_id``: one `SketchBatch` of
    all their rows (`rows` finds documents in it; ``sketches[row]`` is a view, no copy)."""

    def __init__(self, doc_ids: Sequence[str], sketches: SketchBatch,
                 unsketched: Sequence[str] = ()) -> None:
        self._row = {d: k for k, d in enumerate(doc_ids)}
        self.sketches = sketches
        #: The batches read that had no sketch columns.
        self.unsketched = list(unsketched)

    def __len__(self) -> int:
        return len(self._row)

    def rows(self, doc_ids: Sequence[str]) -> np.ndarray:
        """The row of each of ``doc_ids`` in ``sketches``; -1 for a document not stored."""
        get = self._row.get
        return np.fromiter((get(d, -1) for d in doc_ids), dtype=np.int64, count=len(doc_ids))

    @classmethod
    def read(cls, batch_paths: Sequence[str]) -> StoredSketches:
        """The sketch columns of the batches (a batch without them: none of its rows, the
        batch listed in ``unsketched``)."""
        ids: list[str] = []
        unsketched: list[str] = []
        arrays: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {c: [] for c in _SKETCH_COLUMNS}
        for path in batch_paths:
            if not set(_SKETCH_COLUMNS) <= set(staged_schema(path).names):
                unsketched.append(path)
                continue
            table = read_staged(path, ["doc_id", *_SKETCH_COLUMNS])
            ids += table.column("doc_id").to_pylist()
            for name in _SKETCH_COLUMNS:
                for chunk in table.column(name).chunks:
                    arrays[name].append(_list_arrays(chunk))
        starts_and_flat = [_concat(arrays[name]) for name in _SKETCH_COLUMNS]
        (offset_starts, offsets), (value_starts, values) = starts_and_flat
        return cls(ids, SketchBatch.of_arrays(offset_starts, offsets.astype(np.int32, copy=False),
                                              value_starts, values.astype(np.uint32, copy=False)),
                   unsketched)


def _list_arrays(chunk: pa.ListArray) -> tuple[np.ndarray, np.ndarray]:
    """``(starts from 0, flat values)`` of one chunk of a list column (no nulls)."""
    offsets = chunk.offsets.to_numpy().astype(np.int64)
    flat = chunk.values.to_numpy(zero_copy_only=False)[offsets[0] : offsets[-1]]
    return offsets - offsets[0], flat


def _concat(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The chunks of `_list_arrays` as one: starts shifted, flat values concatenated."""
    if not parts:
        return np.zeros(1, np.int64), np.zeros(0, np.int64)
    shift = np.cumsum([0] + [flat.size for _, flat in parts[:-1]])
    starts = np.concatenate([parts[0][0][:1]]
                            + [s[1:] + k for (s, _), k in zip(parts, shift, strict=True)])
    return starts, np.concatenate([flat for _, flat in parts])


def sketches_from_texts(
    doc_ids: Sequence[str], path_groups: Sequence[Sequence[str]], config: FingerprintConfig,
    options: dict[str, Any] | None = None,
) -> dict[str, SentenceSketch]:
    """The sketch of each of ``doc_ids`` whose text is in the files of ``path_groups`` (each
    group files of one schema and format: the curated Parquet parts, or staged batches,
    `flows.staged`; a document's first row in the groups' order counts), read by ``doc_id``
    and sketched with the ``config.backend`` backend built with ``options``; the ones not
    found are left out."""
    from flows.stages.clean_fingerprint import backend_with_memo

    found: dict[str, tuple[str, str]] = {}
    keys = pa.array(sorted(set(doc_ids)), pa.string())
    for paths in path_groups:
        if not paths or len(found) == len(keys):
            continue
        kind = "ipc" if is_staged(paths[0]) else "parquet"
        table = ds.dataset(list(paths), format=kind).to_table(
            columns=["doc_id", "lang", "text"], filter=ds.field("doc_id").isin(keys))
        columns = (table.column(c).to_pylist() for c in ("doc_id", "lang", "text"))
        for doc_id, lang, text in zip(*columns, strict=True):
            found.setdefault(doc_id, (lang or "und", text or ""))
    have = [d for d in dict.fromkeys(doc_ids) if d in found]
    if not have:
        return {}
    translator, memo = backend_with_memo(config.backend, options)
    made = sentence_sketches([found[d][1] for d in have], [found[d][0] for d in have], config,
                             translator, memo)
    return dict(zip(have, made, strict=True))


#: The articles parts that hold some of the documents asked for (by ``doc_id``), e.g.
#: `flows.history.HistoryIndex.parts_holding`.
PartsOf = Callable[[Sequence[str]], Sequence[str]]


def sketch_source(
    batch_paths: Sequence[str], article_parts: Sequence[str] | PartsOf, config: FingerprintConfig,
    options: dict[str, Any] | None = None,
) -> SketchSource:
    """A `SketchSource` over the run's fingerprinted batches and the curated articles parts:
    the sketch of each ``doc_id`` asked (None for one found in neither).

    Guarantees: a document of the batches gets the sketch stored with it (read with all the
    batches' sketches at the first ask, never re-made from its text), which is
    `cleaners.dedup.align.sentence_sketches` of its text; only the others (the history's, or
    the rows of a batch written without sketches) are sketched on demand from their texts
    (`sketches_from_texts`, one read of the parts per call). When every document asked is
    stored, the answer is one `SketchBatch` of their sketches, in order (what `match` packs
    them into anyway). ``article_parts``: the parts, or what gives the ones that hold the
    documents asked for (`PartsOf`)."""
    stored: list[StoredSketches] = []

    def source(doc_ids: Sequence[str]) -> Sequence[SentenceSketch | None] | SketchBatch:
        if not stored:
            stored.append(StoredSketches.read(batch_paths))
        rows = stored[0].rows(doc_ids)
        if (rows >= 0).all():  # all stored (the run's documents): one packed copy
            return stored[0].sketches.take(rows)
        missing = [d for d, r in zip(doc_ids, rows.tolist(), strict=True) if r < 0]
        parts = article_parts(missing) if callable(article_parts) else article_parts
        made = sketches_from_texts(missing, [stored[0].unsketched, parts], config, options)
        return [stored[0].sketches[r] if r >= 0 else made.get(d)
                for d, r in zip(doc_ids, rows.tolist(), strict=True)]

    return source
